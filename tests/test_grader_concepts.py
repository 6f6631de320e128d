"""Concept (answer) parts through the real grader: the value a student assigns is collected from the sandbox and
checked against the problem of the SUBMISSION FOLDER's student id (04_gradient_descent's stable learning rate)."""
import copy
import json
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from conftest import require

sys.path.insert(0, str(Path(__file__).resolve().parent / "grader_fixtures"))
import build  # noqa: E402

pytestmark = pytest.mark.slow
REPO = Path(__file__).resolve().parent.parent
A = "04_gradient_descent"
PART = f"{A}/test_stable_learning_rate"


def _right_answer(student):
    from gdkit.grading import get_part
    return float(get_part(PART).reference(student))


def _notebook(folder="solutions", answer=None, student_id=None):
    nb = json.loads((REPO / folder / A / f"{A}.ipynb").read_text(encoding="utf-8"))
    nb = copy.deepcopy(nb)
    for cell in nb["cells"]:
        if answer is not None and cell.get("id") == "stable_learning_rate":
            cell["source"] = answer
        if student_id is not None and cell.get("id") == "student-id":
            cell["source"] = f"STUDENT_ID = {student_id!r}"
    return nb


def _submit(root, student, nb):
    folder = Path(root) / student / A
    folder.mkdir(parents=True)
    (folder / f"{A}.ipynb").write_text(json.dumps(nb), encoding="utf-8")


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    require("bwrap", exe=True, hint="apt-get install -y bubblewrap")
    root = tmp_path_factory.mktemp("concepts")
    submitted, out = root / "submitted", root / "out"
    _submit(submitted, "alice", _notebook())  # the source: computed from her X (STUDENT_ID left empty)
    carol = _right_answer("carol")  # bob copies carol's number, and his notebook declares carol's id
    _submit(submitted, "bob", _notebook(answer=f"stable_learning_rate = {carol!r}", student_id="carol"))
    _submit(submitted, "dora", _notebook(answer="stable_learning_rate = 1 / np.linalg.eigvalsh(2 / len(X) * X.T @ X).max()"))
    _submit(submitted, "erin", _notebook("exercises"))
    _submit(submitted, "finn", _notebook(answer=f"stable_learning_rate = {_right_answer('finn'):.3g}",
                                         student_id="finn"))
    proc = subprocess.run([sys.executable, "-m", "gdkit.grading", "grade", str(submitted), "--out", str(out),
                           "--workers", "1", "--part-timeout", "20"], capture_output=True, text=True, cwd=REPO,
                          timeout=900)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    feedback = {s: (out / "feedback" / s / f"{A}.html").read_text(encoding="utf-8")
                for s in ("alice", "bob", "dora", "erin", "finn")}
    return build.read_grades(out), feedback


def test_a_computed_answer_is_right_for_the_folders_student(graded):
    grades, _ = graded
    assert grades["alice"][PART] == "2"
    # full automatic marks; the written answer (2 points) waits for a person (0 until graded by hand)
    assert grades["alice"][f"{A}/written_loss_rises"] == "0"
    assert float(grades["alice"]["total"]) == float(grades["alice"]["max_total"]) - 2


def test_a_rounded_hand_copied_answer_is_within_the_tolerance(graded):
    grades, _ = graded
    assert grades["finn"][PART] == "2"


def test_another_students_answer_says_which_id_it_fits(graded):
    grades, feedback = graded
    assert grades["bob"][PART] == "0"
    assert "the id your notebook declares" in feedback["bob"] and "bob" in feedback["bob"]


def test_a_catalogued_wrong_answer_is_explained(graded):
    grades, feedback = graded
    assert grades["dora"][PART] == "0" and "that is 1/L, half the limit" in feedback["dora"]


def test_the_untouched_exercise_scores_zero(graded):
    grades, feedback = graded
    assert grades["erin"]["total"] == "0" and "does not set stable_learning_rate" in feedback["erin"]


def test_gdkit_problems_is_in_every_view_and_the_answer_functions_are_not():
    """gdkit.problems is data only: every part's view keeps it; the concept answers live in the parts registry,
    which no view has."""
    from gdkit.grading import all_parts
    from gdkit.grading.views import GdkitIndex, stubs_for
    index = GdkitIndex()
    problem_names = {n for n in index.defs if n.startswith("gdkit.problems")}
    assert problem_names
    for part in all_parts().values():
        assert not problem_names & set(stubs_for(part, [], index)), part.id
