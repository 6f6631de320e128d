"""The nbgrader assignments: sources get full marks from a real autograde, untouched exercises get 0,
exercises/ is exactly what the sources generate, and notebooks agree with the part registry."""
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from gdkit.grading import all_parts
from gdkit.grading.notebooks import load_source, written_answers

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "tools"))
from generate_exercises import assignments, nbgrader_env  # noqa: E402

ASSIGNMENTS = ["01_forward", "02_loss", "03_backprop", "04_gradient_descent", "05_momentum", "06_pathologies",
               "07_practice", "08_normalization"]


def _notebook(folder, assignment):
    return json.loads((REPO / folder / assignment / f"{assignment}.ipynb").read_text(encoding="utf-8"))


def _test_cells(notebook):
    return [cell for cell in notebook["cells"]
            if cell.get("metadata", {}).get("nbgrader", {}).get("grade") and cell["cell_type"] == "code"]


def _nbgrader(course, *args):
    nbgrader = Path(sys.executable).with_name("nbgrader")
    if not nbgrader.exists():
        pytest.fail(f"nbgrader is not installed next to {sys.executable}; run `make test`")
    # As on the course's JupyterHub: gdkit.problems.student_id() reads the user name (the notebooks' STUDENT_ID
    # is left empty in the sources, and would otherwise stop the concept questions with its instructions).
    env = {**nbgrader_env(), "JUPYTERHUB_USER": "hub-user"}
    if args[0] == "autograde":
        # The course's nbgrader_config.py refuses nbgrader's autograde (grades come from the trusted grader); these
        # tests run it on the SOURCE notebooks only, to check that nbgrader accepts them (gdkit.grading.nbgrader_guard).
        env["GDKIT_NBGRADER_AUTOGRADE_FOR_TESTS"] = "1"
    proc = subprocess.run([str(nbgrader), *args], cwd=course, env=env, stdout=subprocess.PIPE,
                          stderr=subprocess.STDOUT, text=True)
    assert proc.returncode == 0, f"nbgrader {' '.join(args)} failed:\n{proc.stdout[-5000:]}"
    return proc.stdout


# ---- registry and notebooks agree (fast) ------------------------------------------------------------------------
def test_the_assignment_folders_are_the_seven_chapters():
    assert assignments(REPO) == ASSIGNMENTS
    assert sorted(p.name for p in (REPO / "exercises").iterdir() if p.is_dir()) == ASSIGNMENTS


def test_at_least_thirty_parts():
    assert len(all_parts()) >= 30


@pytest.mark.parametrize("folder", ["solutions", "exercises"])
@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_test_cells_match_the_registry(folder, assignment):
    registry = {part.name: part for part in all_parts().values() if part.assignment == assignment}
    cells = _test_cells(_notebook(folder, assignment))
    grade_ids = [cell["metadata"]["nbgrader"]["grade_id"] for cell in cells]
    assert sorted(grade_ids) == sorted(registry), "test cells and registered parts differ"
    for cell in cells:
        meta = cell["metadata"]["nbgrader"]
        part = registry[meta["grade_id"]]
        source = "".join(cell["source"])
        assert meta["points"] == part.points, f"{part.id}: notebook gives {meta['points']} points"
        assert meta["locked"] and meta["schema_version"] == 3
        assert cell["id"] == part.name
        assert source.startswith('"""') and source.splitlines()[0].endswith('"""'), "one-line docstring first"
        if part.kind == "answer":  # a concept part: the visible check looks at the form only, nothing is hidden
            assert f'check_answer("{part.id}", {part.function})' in source
            assert "hidden" not in source
            continue
        assert f'check("{part.id}", {part.function})' in source
        if folder == "solutions":
            assert f'check("{part.id}", {part.function}, hidden=True)' in source
            assert "### BEGIN HIDDEN TESTS" in source
        else:
            assert "hidden=True" not in source, "hidden tests leaked into the student version"


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_every_solution_cell_defines_its_function_with_a_solution_region(assignment):
    registry = {part.function: part.kind for part in all_parts().values() if part.assignment == assignment}
    solutions = [cell for cell in _notebook("solutions", assignment)["cells"]
                 if cell.get("metadata", {}).get("nbgrader", {}).get("solution")]
    sources = "".join("".join(cell["source"]) for cell in solutions)
    for function, kind in registry.items():
        assert (f"{function} = " if kind == "answer" else f"def {function}(") in sources
    for cell in solutions:
        text = "".join(cell["source"])
        assert text.count("### BEGIN SOLUTION") == text.count("### END SOLUTION") >= 1
    ids = [cell["id"] for cell in _notebook("solutions", assignment)["cells"]]
    assert len(ids) == len(set(ids)), "cell ids must be unique"


@pytest.mark.parametrize("folder", ["solutions", "exercises"])
@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_the_notebook_names_its_chapter_as_the_book_does(folder, assignment):
    chapter = REPO / "book" / f"{assignment[3:]}.md"
    title = next(line[2:].strip() for line in chapter.read_text(encoding="utf-8").splitlines()
                 if line.startswith("# "))
    opening = "".join(_notebook(folder, assignment)["cells"][0]["source"])
    assert f"accompanies the chapter **{title}**" in opening, f"the book's chapter is called {title!r}"


# ---- a real nbgrader run (slow) -----------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def graded_course(tmp_path_factory):
    """A temporary course: config and sources copied, two students ("perfect" hands in the sources,
    "blank" the untouched exercises), generate_assignment then one autograde call for everyone."""
    course = tmp_path_factory.mktemp("course")
    shutil.copy(REPO / "nbgrader_config.py", course)
    shutil.copytree(REPO / "solutions", course / "solutions")
    _nbgrader(course, "generate_assignment", "[0-9]*", "--force")
    for student, folder in (("perfect", "solutions"), ("blank", "exercises")):
        for assignment in ASSIGNMENTS:
            target = course / "submitted" / student / assignment
            target.mkdir(parents=True)
            shutil.copy(REPO / folder / assignment / f"{assignment}.ipynb", target)
    _nbgrader(course, "autograde", "[0-9]*", "--force")
    from nbgrader.api import Gradebook

    scores = {}
    with Gradebook(f"sqlite:///{course / 'grading-output' / 'gradebook.db'}") as gradebook:
        for student in ("perfect", "blank"):
            for assignment in ASSIGNMENTS:
                submission = gradebook.find_submission(assignment, student)
                notebook = submission.notebooks[0]
                scores[student, assignment] = {
                    "score": submission.score, "max_score": submission.max_score,
                    "parts": {grade.name: grade.score for grade in notebook.grades},
                    "needs_manual_grade": submission.needs_manual_grade,
                }
    return course, scores


def _manual_cells(assignment):
    """The source's manually graded cells (written answers): ``{grade_id: points}``."""
    return {cell.grade_id: cell.points for cell in load_source(REPO / "solutions" / assignment /
                                                               f"{assignment}.ipynb").manual_cells}


@pytest.mark.slow
@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_the_solutions_get_full_marks_from_nbgrader(graded_course, assignment):
    """Every autograded part full; written answers (manually graded cells) wait for a person."""
    _, scores = graded_course
    result = scores["perfect", assignment]
    autograded = sum(part.points for part in all_parts().values() if part.assignment == assignment)
    manual = _manual_cells(assignment)
    assert result["max_score"] == autograded + sum(manual.values())
    failed = [name for name, score in result["parts"].items() if score == 0 and name not in manual]
    assert result["score"] == autograded, f"parts without credit: {failed}"
    assert result["needs_manual_grade"] == bool(manual)


@pytest.mark.slow
@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_the_untouched_exercises_get_zero(graded_course, assignment):
    _, scores = graded_course
    result = scores["blank", assignment]
    passed = [name for name, score in result["parts"].items() if score]
    assert result["score"] == 0, f"parts passed by an untouched exercise: {passed}"
    assert len(result["parts"]) == sum(1 for p in all_parts().values() if p.assignment == assignment) + \
        len(_manual_cells(assignment))
    assert not result["needs_manual_grade"], "an unanswered written cell needs no person: nbgrader gives it 0"


def test_written_answers_are_found_from_the_source_and_read_from_the_submission():
    """The worked example: 04_gradient_descent's written cell, identified from the SOURCE notebook (its points
    too), read from a submission whatever that submission's metadata says."""
    assignment = "04_gradient_descent"
    source = load_source(REPO / "solutions" / assignment / f"{assignment}.ipynb")
    assert [(c.grade_id, c.points, c.cell_type) for c in source.manual_cells] == \
        [("written_loss_rises", 2.0, "markdown")]
    release = _notebook("exercises", assignment)["cells"]
    blank, = written_answers(release, source)
    assert (blank.grade_id, blank.points, blank.answered, blank.text) == \
        ("written_loss_rises", 2.0, False, "YOUR ANSWER HERE")
    filled = json.loads(json.dumps(release))
    cell = next(c for c in filled if c["id"] == "written_loss_rises")
    cell["source"] = "The top eigen-direction grows by 1.1 per step."
    cell["metadata"]["nbgrader"]["points"] = 100  # a submission's own points are ignored
    answer, = written_answers(filled, source)
    assert answer.answered and answer.points == 2.0 and answer.text.startswith("The top eigen-direction")
    assert answer.number == 1 + next(i for i, c in enumerate(filled) if c["id"] == "written_loss_rises")
    del cell["metadata"]["nbgrader"]  # stripped metadata: found by cell id
    assert written_answers(filled, source)[0].answered
    missing, = written_answers([c for c in filled if c["id"] != "written_loss_rises"], source)
    assert not missing.answered and missing.number is None and missing.text == ""


def test_a_failing_generate_leaves_the_release_in_place(tmp_path):
    """nbgrader generate_assignment --force deletes the release notebook before converting; our tool converts
    into a scratch folder and replaces exercises/ only on success."""
    from generate_exercises import generate
    course = tmp_path / "course"
    shutil.copy(REPO / "nbgrader_config.py", course.mkdir() or course)
    shutil.copytree(REPO / "solutions" / "04_gradient_descent", course / "solutions" / "04_gradient_descent")
    shutil.copytree(REPO / "exercises" / "04_gradient_descent", course / "exercises" / "04_gradient_descent")
    broken = course / "solutions" / "04_gradient_descent" / "04_gradient_descent.ipynb"
    nb = json.loads(broken.read_text(encoding="utf-8"))
    nb["cells"][-1]["metadata"]["nbgrader"]["schema_version"] = 1  # nbgrader refuses an old metadata schema
    broken.write_text(json.dumps(nb), encoding="utf-8")
    before = (course / "exercises" / "04_gradient_descent" / "04_gradient_descent.ipynb").read_bytes()
    proc = generate(course, ["04_gradient_descent"])
    assert proc.returncode != 0 and "exercises/ was left unchanged" in proc.stdout
    assert (course / "exercises" / "04_gradient_descent" / "04_gradient_descent.ipynb").read_bytes() == before


@pytest.mark.slow
@pytest.mark.parametrize("assignment", ["04_gradient_descent"])
def test_nbgraders_validator_passes_the_solution(assignment, tmp_path, monkeypatch):
    """nbgrader's own Validator (what a student's Validate button runs) on the source notebook with its concept
    part and written cell: every test cell passes (as on JupyterHub: the user name is the student id)."""
    from nbgrader.validator import Validator
    monkeypatch.setenv("JUPYTERHUB_USER", "hub-user")
    copy = tmp_path / f"{assignment}.ipynb"
    shutil.copy(REPO / "solutions" / assignment / f"{assignment}.ipynb", copy)
    results = Validator().validate(str(copy))
    assert not results.get("failed") and not results.get("type_changed"), results


@pytest.mark.slow
def test_exercises_are_exactly_what_the_sources_generate(graded_course):
    course, _ = graded_course
    for assignment in ASSIGNMENTS:
        generated = (course / "exercises" / assignment / f"{assignment}.ipynb").read_bytes()
        committed = (REPO / "exercises" / assignment / f"{assignment}.ipynb").read_bytes()
        assert generated == committed, (f"exercises/{assignment} is out of date: run "
                                        ".venv/bin/python tools/generate_exercises.py and commit the result")
    extra = {p.relative_to(REPO / "exercises") for p in (REPO / "exercises").rglob("*") if p.is_file()}
    made = {p.relative_to(course / "exercises") for p in (course / "exercises").rglob("*") if p.is_file()}
    assert extra == made
