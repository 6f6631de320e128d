"""Write a sample class of submissions for 01_forward under grading/sample_class/submitted/, to try the grader.

Run it (``python grading/make_sample_class.py [OUT]``, OUT defaulting to the folder above), then grade it::

    python -m gdkit.grading grade grading/sample_class/submitted --out grading-output/sample --workers 2

The students are built from the release notebook (``exercises/``) with code from the source notebook
(``solutions/``), so the class follows the assignment whenever the notebooks change:

=================  ==================================================================================
ada_correct        every function written correctly: full marks
ben_partly_wrong   softmax normalised over the wrong axis (the batch axis), dense_forward without the bias
cleo_broken_json   the notebook file was cut in half (a crashed upload): "unreadable notebook"
dan_missing        no notebook at all, only a .py file: recorded as missing
eve_infinite_loop  correct functions, and after the softmax test a training loop that never ends: the
                   parts tested after it (dense layer, network) time out, the earlier ones keep their points
finn_calls_gdkit   sigmoid and relu call gdkit's own implementation: no credit for those parts, with why
gus_renamed        correct, but handed in as "01_forward (1).ipynb": graded, with a flag
=================  ==================================================================================
"""
import copy
import json
import re
import shutil
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ASSIGNMENT = "01_forward"
OUT = ROOT / "grading" / "sample_class" / "submitted"

BUGS = {
    "ben_partly_wrong": {
        "softmax-solution": ("def softmax(z, axis=-1):\n"
                             "    e = np.exp(z - z.max(axis=0, keepdims=True))\n"
                             "    return e / e.sum(axis=0, keepdims=True)\n"),
        "dense_forward-solution": ("def dense_forward(X, W, b):\n"
                                   "    return X @ W, (X, W)\n"),
    },
    "finn_calls_gdkit": {
        "sigmoid-solution": ("import gdkit\n\n"
                             "def sigmoid(z):\n"
                             "    return gdkit.activations.sigmoid(z)\n"),
        "relu-solution": None,  # replaced below: an alias imported at the top of the cell
    },
}


def _text(cell):
    return "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]


def _without_markers(source):
    """A solution cell as a student would write it: the nbgrader markers removed."""
    source = re.sub(r"^\s*### (BEGIN|END) SOLUTION\s*\n", "", source, flags=re.MULTILINE)
    return re.sub(r"^\s*### (BEGIN|END) SOLUTION\s*$", "", source, flags=re.MULTILINE)


def solved_release():
    """The release notebook with every solution cell filled in from the source notebook."""
    release = json.loads((ROOT / "exercises" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb").read_text(encoding="utf-8"))
    source = json.loads((ROOT / "solutions" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb").read_text(encoding="utf-8"))
    solutions = {cell["id"]: _without_markers(_text(cell)) for cell in source["cells"]
                 if cell.get("metadata", {}).get("nbgrader", {}).get("solution")}
    for cell in release["cells"]:
        if cell.get("id") in solutions:
            cell["source"] = solutions[cell["id"]]
    return release


def with_cells(notebook, replacements):
    notebook = copy.deepcopy(notebook)
    for cell in notebook["cells"]:
        if cell.get("id") in replacements:
            cell["source"] = replacements[cell["id"]]
    return notebook


def write(student, notebook=None, name=f"{ASSIGNMENT}.ipynb", raw=None):
    folder = OUT / student / ASSIGNMENT
    folder.mkdir(parents=True, exist_ok=True)
    text = raw if raw is not None else json.dumps(notebook, indent=1, ensure_ascii=False) + "\n"
    (folder / name).write_text(text, encoding="utf-8")


def main(out=None):
    global OUT
    OUT = Path(out).resolve() if out else OUT
    if OUT.exists():
        shutil.rmtree(OUT)
    correct = solved_release()
    write("ada_correct", correct)
    write("ben_partly_wrong", with_cells(correct, BUGS["ben_partly_wrong"]))
    text = json.dumps(correct, indent=1)
    write("cleo_broken_json", raw=text[: len(text) // 2])
    (OUT / "dan_missing" / ASSIGNMENT).mkdir(parents=True)
    (OUT / "dan_missing" / ASSIGNMENT / "my_answers.py").write_text("def sigmoid(z):\n    ...\n")
    looping = copy.deepcopy(correct)
    after = next(i for i, c in enumerate(looping["cells"]) if c.get("id") == "test_softmax") + 1
    looping["cells"].insert(after, {"cell_type": "code", "id": "training-loop", "metadata": {},
                                    "execution_count": None, "outputs": [],
                                    "source": "step = 0\nwhile True:  # forgot the stopping rule\n    step += 1\n"})
    write("eve_infinite_loop", looping)
    relu_cell = next(_text(c) for c in correct["cells"] if c.get("id") == "relu-solution")
    relu_cell = "from gdkit.activations import relu as _relu\n\n" + relu_cell.replace(
        "return np.maximum(z, 0.0)", "return _relu(z)", 1)
    write("finn_calls_gdkit", with_cells(correct, {**BUGS["finn_calls_gdkit"], "relu-solution": relu_cell}))
    write("gus_renamed", correct, name=f"{ASSIGNMENT} (1).ipynb")
    print(f"wrote {len(list(OUT.iterdir()))} students under {OUT}")


if __name__ == "__main__":
    import sys
    main(sys.argv[1] if len(sys.argv) > 1 else None)
