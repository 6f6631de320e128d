"""The nbgrader assignments: sources get full marks from a real autograde, untouched exercises get 0,
exercises/ is exactly what the sources generate, and notebooks agree with the part registry."""
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from gdkit.grading import all_parts

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


@pytest.mark.slow
@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_the_solutions_get_full_marks_from_nbgrader(graded_course, assignment):
    _, scores = graded_course
    result = scores["perfect", assignment]
    expected = sum(part.points for part in all_parts().values() if part.assignment == assignment)
    assert result["max_score"] == expected
    failed = [name for name, score in result["parts"].items() if score == 0]
    assert result["score"] == expected, f"parts without credit: {failed}"
    assert not result["needs_manual_grade"]


@pytest.mark.slow
@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_the_untouched_exercises_get_zero(graded_course, assignment):
    _, scores = graded_course
    result = scores["blank", assignment]
    passed = [name for name, score in result["parts"].items() if score]
    assert result["score"] == 0, f"parts passed by an untouched exercise: {passed}"
    assert len(result["parts"]) == sum(1 for p in all_parts().values() if p.assignment == assignment)
    assert not result["needs_manual_grade"]


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
