"""Closed-loop parts through the real grader: 03_backprop's gradient_check_network runs the student's OWN
mlp_backward, numerical_gradient and relative_error in the sandbox; gdkit's versions of those are stubs there."""
import json
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import require
from gdkit.grading.notebooks import load_source

sys.path.insert(0, str(Path(__file__).resolve().parent / "grader_fixtures"))
import build  # noqa: E402

pytestmark = pytest.mark.slow
REPO = Path(__file__).resolve().parent.parent
A = "03_backprop"
PART = f"{A}/test_gradient_check_network"
SKIP_ACTIVATION = '''from gdkit import nn


def mlp_backward(dA, caches):
    grads = []
    for index in range(len(caches) - 1, -1, -1):
        dense_cache, act_cache = caches[index]
        dA, dW, db = dense_backward(dA, dense_cache)
        grads.append((dW, db))
    return grads[::-1]
'''
CALLS_GDKIT = '''from gdkit import nn, gradcheck


def gradient_check_network(X, G, params, names, h=1e-6):
    def loss(_):
        return float(np.sum(nn.mlp_forward(X, params, names)[0] * G))
    _, caches = nn.mlp_forward(X, params, names)
    grads = nn.mlp_backward(G, caches)
    numerical = [(numerical_gradient(loss, W, h), numerical_gradient(loss, b, h)) for W, b in params]
    errors = [(relative_error(dW, nW), relative_error(db, nb)) for (dW, db), (nW, nb) in zip(grads, numerical)]
    return grads, numerical, errors
'''


def _notebook(replace=None):
    nb = json.loads((REPO / "solutions" / A / f"{A}.ipynb").read_text(encoding="utf-8"))
    for cell in nb["cells"]:
        if replace and cell.get("id") in replace:
            cell["source"] = replace[cell["id"]]
    return nb


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    require("bwrap", exe=True, hint="apt-get install -y bubblewrap")
    root = tmp_path_factory.mktemp("closed_loop")
    submitted, out = root / "submitted", root / "out"
    notebooks = {"ada": _notebook(),
                 "ben": _notebook({"mlp_backward-solution": SKIP_ACTIVATION}),
                 "cy": _notebook({"gradient_check_network-solution": CALLS_GDKIT})}
    for student, nb in notebooks.items():
        folder = submitted / student / A
        folder.mkdir(parents=True)
        (folder / f"{A}.ipynb").write_text(json.dumps(nb), encoding="utf-8")
    proc = subprocess.run([sys.executable, "-m", "gdkit.grading", "grade", str(submitted), "--out", str(out),
                           "--workers", "1", "--part-timeout", "30"], capture_output=True, text=True, cwd=REPO,
                          timeout=1200)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    feedback = {s: (out / "feedback" / s / f"{A}.html").read_text(encoding="utf-8") for s in notebooks}
    return build.read_grades(out), feedback


def test_the_students_own_pieces_give_full_marks(graded):
    grades, _ = graded
    # every automatic point; the written answer (a manually graded cell) waits for a person
    written = sum(cell.points for cell in load_source(REPO / "solutions" / A / f"{A}.ipynb").manual_cells)
    assert written > 0 and grades["ada"][PART] == "3"
    assert float(grades["ada"]["total"]) == float(grades["ada"]["max_total"]) - written


def test_a_wrong_earlier_function_is_blamed_by_name(graded):
    grades, feedback = graded
    assert grades["ben"][f"{A}/test_mlp_backward"] == "0" and grades["ben"][PART] == "0"
    assert "come from your mlp_backward, are wrong" in feedback["ben"]
    assert "your own check does show it" in feedback["ben"]


def test_gdkits_backward_is_not_available_in_the_closed_loop(graded):
    grades, feedback = graded
    assert grades["cy"][PART] == "0" and "gets no credit" in feedback["cy"]
    assert grades["cy"][f"{A}/test_mlp_backward"] == "4"  # the earlier part itself is untouched
