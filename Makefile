# Two commands for everyone (see README.md):
#   make book   build the course book and its in-browser site; `make serve` shows both on http://127.0.0.1:8000/
#   make test   run the whole test suite (gdkit, exercises, strict book build, browser checks)
# The first run creates .venv (about 40 s); it is re-installed when pyproject.toml or constraints.txt change.

PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
PIP_INSTALL := $(BIN)/python -m pip install --quiet --disable-pip-version-check

.PHONY: book book-strict lite serve test test-exercises env exercises grade sample-grade report sample-report export clean help
.DEFAULT_GOAL := help

help:
	@echo "make book         build the book into _build/html and its in-browser site into _build/html/lite"
	@echo "make serve        serve _build/html on http://127.0.0.1:$(PORT)/ (JupyterLite needs http://, not file://)"
	@echo "make test         run the whole test suite with pytest"
	@echo "make test-exercises  the tests an exercise change can break (notebooks, registry, catalogue; 1-3 min)"
	@echo "make book-strict  build the book as CI does: warnings are errors, every page rebuilt (then make lite)"
	@echo "make lite         (re)build only the in-browser site from the built book (tools/lite/README.md)"
	@echo "make exercises    regenerate exercises/ from solutions/ with nbgrader (after editing a solution notebook)"
	@echo "make grade SUBMITTED=dir [SEED=<long secret>] [ASSIGNMENT=01_forward] [WORKERS=2] [OUT=grading-output]"
	@echo "           [DB_URL=postgresql+psycopg2://...] [NBGRADER_FEEDBACK=feedback] [FORCE=1] [SOURCE=solutions]"
	@echo "           [PART_TIMEOUT=30] [NOTEBOOK_TIMEOUT=120] [MEMORY_MB=1024] [WEAK_ISOLATION=1]"
	@echo "                  grade collected submissions in a sandbox: OUT/grades.csv, feedback/, the gradebook"
	@echo "make report       class report from the gradebook: OUT/report/index.html (same OUT, DB_URL, SUBMITTED)"
	@echo "make export       Canvas, Moodle and wide CSVs and feedback zips: OUT/export/ [LMS_IDS=\"01_forward=123\"]"
	@echo "make sample-grade grade the sample class in grading/sample_class (try the grader); make sample-report"
	@echo "make clean        remove _build and caches (keeps .venv)"
	@echo "Interpreter: PYTHON=$(PYTHON) (override: make book PYTHON=python3.12)"

env: $(STAMP)

$(VENV)/bin/python:
	$(PYTHON) -m venv $(VENV)

$(STAMP): pyproject.toml constraints.txt | $(VENV)/bin/python
	$(PIP_INSTALL) -c constraints.txt -e ".[book,grading,test,online]"
	@touch $@

# The book, then its in-browser site (JupyterLite + Pyodide, tools/lite/build.py; downloads cached in .cache/lite).
OPEN_BOOK = @echo "Open the book: make serve, then http://127.0.0.1:$(PORT)/ (runs the exercises in the browser);" \
	"or without a server file://$(CURDIR)/_build/html/index.html (reading only)"
# The chapters' matrices are small (at most a few thousand entries): a second BLAS thread saves nothing, and on
# a busy machine it made a chapter's cell 19 times slower (4.9 s against 0.26 s) and time out. One thread each.
BOOK_ENV := OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1 MKL_NUM_THREADS=1

book: $(STAMP)
	$(BOOK_ENV) $(BIN)/jupyter-book build book
	$(BIN)/python tools/lite/build.py
	$(OPEN_BOOK)

book-strict: $(STAMP)
	$(BOOK_ENV) $(BIN)/jupyter-book build book -W -n --keep-going --all
	$(BIN)/python tools/lite/build.py
	$(OPEN_BOOK)

lite: $(STAMP)
	$(BIN)/python tools/lite/build.py

PORT ?= 8000
serve: $(STAMP)
	$(BIN)/python tools/lite/serve.py --port $(PORT)

test: $(STAMP)
	$(BIN)/python -m pytest tests

# What changing or adding an exercise can break, without the book build and the grader's own tests.
test-exercises: $(STAMP)
	$(BIN)/python -m pytest tests/test_exercises.py tests/test_catalogue.py tests/test_course_counts.py \
		tests/test_new_part.py -q

exercises: $(STAMP)
	$(BIN)/python tools/generate_exercises.py

SUBMITTED ?= submitted
OUT ?= grading-output
# Each option of `python -m gdkit.grading grade` the docs use, as a make variable (unset: the grader's default).
ASSIGNMENT_ARGS = $(foreach a,$(ASSIGNMENT),--assignment $(a))
GRADE_ARGS = $(ASSIGNMENT_ARGS) $(if $(WORKERS),--workers $(WORKERS)) $(if $(SEED),--seed $(SEED)) \
	$(if $(DB_URL),--db-url $(DB_URL)) $(if $(FORCE),--force) $(if $(SOURCE),--source $(SOURCE)) \
	$(if $(NBGRADER_FEEDBACK),--nbgrader-feedback $(NBGRADER_FEEDBACK)) \
	$(if $(PART_TIMEOUT),--part-timeout $(PART_TIMEOUT)) $(if $(NOTEBOOK_TIMEOUT),--notebook-timeout $(NOTEBOOK_TIMEOUT)) \
	$(if $(MEMORY_MB),--memory-mb $(MEMORY_MB)) $(if $(WEAK_ISOLATION),--weak-isolation) \
	$(if $(REGRADE_ALL),--regrade-all) $(if $(LATE_PENALTY),--late-penalty $(LATE_PENALTY))
GRADER = PATH="$(CURDIR)/$(BIN):$$PATH" $(BIN)/python -m gdkit.grading
grade: $(STAMP)
	$(GRADER) grade $(SUBMITTED) --out $(OUT) $(GRADE_ARGS)

sample-grade: $(STAMP)
	$(GRADER) grade grading/sample_class/submitted --out grading-output/sample $(GRADE_ARGS)

report: $(STAMP)
	$(GRADER) report --out $(OUT) $(ASSIGNMENT_ARGS) $(if $(DB_URL),--db-url $(DB_URL)) \
		$(if $(wildcard $(SUBMITTED)),--submitted $(SUBMITTED)) $(if $(SOURCE),--source $(SOURCE))

sample-report: $(STAMP)
	$(GRADER) report --out grading-output/sample --submitted grading/sample_class/submitted

export: $(STAMP)
	$(GRADER) export --out $(OUT) $(ASSIGNMENT_ARGS) $(if $(DB_URL),--db-url $(DB_URL)) \
		$(foreach i,$(LMS_IDS),--lms-id $(i)) $(if $(MISSING_AS_ZERO),--missing-as-zero)

# Keeps .venv and the download cache .cache/lite (rm -rf .cache to fetch Pyodide again).
clean:
	rm -rf _build .pytest_cache .hypothesis
	find . -name __pycache__ -not -path "./$(VENV)/*" -prune -exec rm -rf {} +
