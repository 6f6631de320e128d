# Two commands for everyone (see README.md):
#   make book   build the course book; open the printed _build/html/index.html
#   make test   run the whole test suite (gdkit, exercises, strict book build, browser check)
# The first run creates .venv (about 40 s); it is re-installed when pyproject.toml or constraints.txt change.

PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
PIP_INSTALL := $(BIN)/python -m pip install --quiet --disable-pip-version-check

.PHONY: book book-strict test env exercises grade sample-grade clean help
.DEFAULT_GOAL := help

help:
	@echo "make book         build the book into _build/html (creates .venv if missing)"
	@echo "make test         run the whole test suite with pytest"
	@echo "make book-strict  build the book as CI does: warnings are errors, every page rebuilt"
	@echo "make exercises    regenerate exercises/ from solutions/ with nbgrader (after editing a solution notebook)"
	@echo "make grade SUBMITTED=dir SEED=<private number> [ASSIGNMENT=01_forward] [WORKERS=2]"
	@echo "                  grade collected submissions in a sandbox: grading-output/grades.csv and feedback/"
	@echo "make sample-grade grade the sample class in grading/sample_class (try the grader)"
	@echo "make clean        remove _build and caches (keeps .venv)"
	@echo "Interpreter: PYTHON=$(PYTHON) (override: make book PYTHON=python3.12)"

env: $(STAMP)

$(VENV)/bin/python:
	$(PYTHON) -m venv $(VENV)

$(STAMP): pyproject.toml constraints.txt | $(VENV)/bin/python
	$(PIP_INSTALL) -c constraints.txt -e ".[book,grading,test]"
	@touch $@

book: $(STAMP)
	$(BIN)/jupyter-book build book
	@echo "Open the book: file://$(CURDIR)/_build/html/index.html"

book-strict: $(STAMP)
	$(BIN)/jupyter-book build book -W -n --keep-going --all
	@echo "Open the book: file://$(CURDIR)/_build/html/index.html"

test: $(STAMP)
	$(BIN)/python -m pytest tests

exercises: $(STAMP)
	$(BIN)/python tools/generate_exercises.py

SUBMITTED ?= submitted
GRADE_ARGS = $(if $(ASSIGNMENT),--assignment $(ASSIGNMENT)) $(if $(WORKERS),--workers $(WORKERS)) \
	$(if $(SEED),--seed $(SEED))
grade: $(STAMP)
	PATH="$(CURDIR)/$(BIN):$$PATH" $(BIN)/python -m gdkit.grading grade $(SUBMITTED) $(GRADE_ARGS)

sample-grade: $(STAMP)
	PATH="$(CURDIR)/$(BIN):$$PATH" $(BIN)/python -m gdkit.grading grade grading/sample_class/submitted \
		--out grading-output/sample $(GRADE_ARGS)

clean:
	rm -rf _build .pytest_cache .hypothesis
	find . -name __pycache__ -not -path "./$(VENV)/*" -prune -exec rm -rf {} +
