"""Notebooks of the grader's fixture assignment: the source notebook and submissions built from code strings.

``python tests/grader_fixtures/build.py`` rewrites ``source/fixture/fixture.ipynb``; the tests use
:func:`submission` to write student notebooks (correct, stub, adversarial) into a collected layout.
"""
import json
from pathlib import Path

HERE = Path(__file__).resolve().parent
PARTS_FILE = HERE / "parts_fixture.py"
SOURCE = HERE / "source"

CORRECT = {
    "sigmoid": "import numpy as np\n\ndef sigmoid(z):\n    ### BEGIN SOLUTION\n    return 1 / (1 + np.exp(-z))\n"
               "    ### END SOLUTION",
    "relu": "def relu(z):\n    ### BEGIN SOLUTION\n    return np.maximum(z, 0)\n    ### END SOLUTION",
    "mse": "def mse(y_true, y_pred):\n    ### BEGIN SOLUTION\n    return np.mean((y_pred - y_true) ** 2)\n"
           "    ### END SOLUTION",
}
STUB = {
    "sigmoid": "import numpy as np\n\ndef sigmoid(z):\n    # YOUR CODE HERE\n    raise NotImplementedError()",
    "relu": "def relu(z):\n    # YOUR CODE HERE\n    raise NotImplementedError()",
    "mse": "def mse(y_true, y_pred):\n    # YOUR CODE HERE\n    raise NotImplementedError()",
}
TESTS = {
    "sigmoid": ('"""Check sigmoid on a few values."""\nfrom gdkit.grading import check\n'
                'check("fixture/test_sigmoid", sigmoid)'),
    "relu": '"""Check relu on a few values."""\nfrom gdkit.grading import check\ncheck("fixture/test_relu", relu)',
    "mse": '"""Check mse on two samples."""\nfrom gdkit.grading import check\ncheck("fixture/test_mse", mse)',
}
POINTS = {"sigmoid": 2, "relu": 1, "mse": 2}


def _cell(cell_type, source, cell_id, nbgrader=None):
    cell = {"cell_type": cell_type, "id": cell_id, "metadata": {}, "source": source}
    if nbgrader is not None:
        cell["metadata"]["nbgrader"] = nbgrader
    if cell_type == "code":
        cell.update(execution_count=None, outputs=[])
    return cell


def notebook_cells(solutions):
    """Cells of the assignment with ``solutions`` (name -> code) in the solution cells."""
    cells = [_cell("markdown", "# Fixture assignment\nWrite `sigmoid`, `relu` and `mse`.", "intro")]
    for name in ("sigmoid", "relu", "mse"):
        cells.append(_cell("code", solutions[name], f"solution-{name}",
                           {"grade": False, "solution": True, "locked": False, "grade_id": name,
                            "schema_version": 3}))
        cells.append(_cell("code", TESTS[name], f"test-{name}",
                           {"grade": True, "solution": False, "locked": True, "grade_id": f"test_{name}",
                            "points": POINTS[name], "schema_version": 3}))
    return cells


def notebook_json(cells):
    return {"cells": cells, "metadata": {"kernelspec": {"display_name": "Python 3", "language": "python",
                                                        "name": "python3"},
                                         "language_info": {"name": "python"}},
            "nbformat": 4, "nbformat_minor": 5}


def write_notebook(path, cells):
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(notebook_json(cells), indent=1) + "\n", encoding="utf-8")
    return path


def submission(root, student, solutions=None, cells=None, name="fixture.ipynb", raw=None):
    """Write ``<root>/<student>/fixture/<name>``: the assignment with ``solutions`` (defaults: the stubs,
    each name replaceable), or exactly ``cells``, or the bytes ``raw``. Returns the notebook's path."""
    path = Path(root) / student / "fixture" / name
    path.parent.mkdir(parents=True, exist_ok=True)
    if raw is not None:
        path.write_bytes(raw)
        return path
    return write_notebook(path, cells if cells is not None else notebook_cells({**STUB, **(solutions or {})}))


if __name__ == "__main__":
    write_notebook(SOURCE / "fixture" / "fixture.ipynb", notebook_cells(CORRECT))


def run_grader(submitted, out, *options, timeout=600, env=None):
    """Run the real CLI (``python -m gdkit.grading grade``) on the fixture assignment; return the
    CompletedProcess (text output). A later ``--parts-file`` in ``options`` replaces the fixture's; ``env``
    (e.g. ``{"TMPDIR": ...}``) is added to this process's environment."""
    import os
    import subprocess
    import sys
    command = [sys.executable, "-m", "gdkit.grading", "grade", str(submitted), "--out", str(out),
               "--source", str(SOURCE), "--parts-file", str(PARTS_FILE), *map(str, options)]
    return subprocess.run(command, capture_output=True, text=True, timeout=timeout, cwd=HERE.parent.parent,
                          env={**os.environ, **(env or {})})


def read_grades(out):
    """``{student: row}`` of ``<out>/grades.csv``."""
    import csv
    with (Path(out) / "grades.csv").open(encoding="utf-8") as stream:
        return {row["student"]: row for row in csv.DictReader(stream)}
