"""Write the nbgrader source notebooks solutions/<assignment>/<assignment>.ipynb from tools/notebook_content.py.

Usage: .venv/bin/python tools/make_notebooks.py [assignment ...]

The committed notebooks are the source instructors edit; run this only to recreate them from scratch (it
overwrites them). Cell ids are fixed, and each test cell's points come from the part registry
(gdkit.grading.parts), so notebook and registry agree.
"""
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tools"))

from notebook_content import ASSIGNMENTS, DESCRIPTIONS  # noqa: E402

from gdkit.grading import all_parts  # noqa: E402

KERNELSPEC = {"display_name": "Python 3", "language": "python", "name": "python3"}


def _lines(text):
    lines = text.splitlines(keepends=True)
    if lines and lines[-1].endswith("\n"):
        lines[-1] = lines[-1][:-1]
    return lines


def markdown(cell_id, text):
    return {"cell_type": "markdown", "id": cell_id, "metadata": {}, "source": _lines(text)}


def code(cell_id, text, nbgrader=None):
    metadata = {"nbgrader": nbgrader} if nbgrader else {}
    return {"cell_type": "code", "execution_count": None, "id": cell_id, "metadata": metadata,
            "outputs": [], "source": _lines(text)}


def solution_cell(grade_id, text):
    return code(f"{grade_id}-solution", text, {"grade": False, "grade_id": grade_id, "locked": False,
                                                 "schema_version": 3, "solution": True, "task": False})


def test_cell(assignment, part_name, function, points):
    part_id = f"{assignment}/{part_name}"
    text = (f'"""{DESCRIPTIONS[part_name]} (visible: quick feedback)."""\n'
            "from gdkit.grading import check\n"
            f'check("{part_id}", {function})\n'
            "### BEGIN HIDDEN TESTS\n"
            f'check("{part_id}", {function}, hidden=True)\n'
            "### END HIDDEN TESTS\n")
    return code(part_name, text, {"grade": True, "grade_id": part_name, "locked": True, "points": points,
                                  "schema_version": 3, "solution": False, "task": False})


def notebook(assignment, spec, registry):
    cells = [markdown("title", f"# {spec['title']}\n\n{spec['intro']}"),
             code("imports", spec["imports"])]
    for index, (text, solution, tests) in enumerate(spec["steps"], start=1):
        first_function = tests[0][1]
        cells.append(markdown(f"step-{index}", text))
        cells.append(solution_cell(first_function, solution))
        for part_name, function in tests:
            part = registry[f"{assignment}/{part_name}"]
            assert part.function == function, (part_name, part.function, function)
            cells.append(test_cell(assignment, part_name, function, part.points))
    return {"cells": cells, "metadata": {"kernelspec": KERNELSPEC, "language_info": {"name": "python"}},
            "nbformat": 4, "nbformat_minor": 5}


def main(names):
    registry = all_parts()
    for assignment in names or ASSIGNMENTS:
        path = ROOT / "solutions" / assignment / f"{assignment}.ipynb"
        path.parent.mkdir(parents=True, exist_ok=True)
        text = json.dumps(notebook(assignment, ASSIGNMENTS[assignment], registry), indent=1, ensure_ascii=False)
        path.write_text(text + "\n", encoding="utf-8")
        print(f"wrote {path.relative_to(ROOT)}")


if __name__ == "__main__":
    main(sys.argv[1:])
