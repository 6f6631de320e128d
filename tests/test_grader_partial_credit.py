"""Partial credit through the real grader (08_normalization's batchnorm_backward: dX 2, dgamma 0.5, dbeta 0.5):
a half-right submission gets exactly the points of its right gradients in nbgrader's gradebook (the grade of that
cell), in grades.csv and on the feedback page, which says which gradient lost which points; the same answer that
also changes an argument in place gets 0."""
import json
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import require

sys.path.insert(0, str(Path(__file__).resolve().parent / "grader_fixtures"))
import build  # noqa: E402

pytestmark = pytest.mark.slow
REPO = Path(__file__).resolve().parent.parent
A = "08_normalization"
PART = f"{A}/test_batchnorm_backward"

# the source's solution with one gradient wrong: dgamma summed without X_hat (a catalogued mistake)
DGAMMA_SUM = ("def batchnorm_backward(dY, X, gamma, epsilon=1e-3):\n"
              "    N = X.shape[0]\n"
              "    mean = X.mean(axis=0)\n"
              "    inv_std = 1.0 / np.sqrt(((X - mean) ** 2).mean(axis=0) + epsilon)\n"
              "    X_hat = (X - mean) * inv_std\n"
              "    dX_hat = dY * gamma\n"
              "    dX = inv_std / N * (N * dX_hat - dX_hat.sum(axis=0) - X_hat * (dX_hat * X_hat).sum(axis=0))\n"
              "    return dX, dY.sum(axis=0), dY.sum(axis=0)\n")
IN_PLACE = DGAMMA_SUM.replace("    return dX,", "    dY -= dY.mean(axis=0)  # changes the caller's array\n"
                                             "    return dX,")


def _submit(root, student, batchnorm_backward=None):
    nb = json.loads((REPO / "solutions" / A / f"{A}.ipynb").read_text(encoding="utf-8"))
    for cell in nb["cells"]:
        if batchnorm_backward is not None and cell.get("id") == "batchnorm_backward":
            cell["source"] = batchnorm_backward
    folder = Path(root) / student / A
    folder.mkdir(parents=True)
    (folder / f"{A}.ipynb").write_text(json.dumps(nb), encoding="utf-8")


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    require("bwrap", exe=True, hint="apt-get install -y bubblewrap")
    root = tmp_path_factory.mktemp("partial")
    submitted, out = root / "submitted", root / "out"
    _submit(submitted, "alice")
    _submit(submitted, "bob", DGAMMA_SUM)
    _submit(submitted, "carol", IN_PLACE)
    proc = subprocess.run([sys.executable, "-m", "gdkit.grading", "grade", str(submitted), "--out", str(out),
                           "--workers", "1", "--part-timeout", "60"], capture_output=True, text=True, cwd=REPO,
                          timeout=1200)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return out


def test_half_right_gets_the_points_of_its_right_gradients_everywhere(graded):
    grades = build.read_grades(graded)
    assert [grades[s][PART] for s in ("alice", "bob", "carol")] == ["3", "2.5", "0"]
    assert float(grades["alice"]["total"]) - float(grades["bob"]["total"]) == 0.5
    from nbgrader.api import Gradebook
    with Gradebook(f"sqlite:///{graded / 'gradebook.db'}") as gb:  # nbgrader's grade of the cell
        assert gb.find_grade("test_batchnorm_backward", A, A, "bob").score == 2.5
        assert gb.find_grade("test_batchnorm_backward", A, A, "carol").score == 0
    page = (graded / "feedback" / "bob" / f"{A}.html").read_text(encoding="utf-8")
    assert "your dgamma is the sum of dY" in page
    assert "Partial credit: 2.5 of 3 points (dX 2 of 2; dgamma 0 of 0.5, wrong first on the test case:" in page
    assert "2.5 / 3" in page
    carol = (graded / "feedback" / "carol" / f"{A}.html").read_text(encoding="utf-8")
    assert "changed its argument `dY` in place" in carol and "Partial credit" not in carol


def test_the_record_keeps_each_gradients_points(graded):
    import sqlite3
    with sqlite3.connect(graded / "gradebook.db") as db:
        parts, = db.execute("SELECT parts FROM gdkit_grading_record WHERE student = 'bob'").fetchone()
    entry = next(p for p in json.loads(parts) if p["name"] == "test_batchnorm_backward")
    assert entry["credit"] == [["dX", 2.0, 2.0], ["dgamma", 0.0, 0.5], ["dbeta", 0.5, 0.5]]
