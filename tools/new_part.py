"""Scaffold a new graded part of an assignment: notebook cells, parts-registry entry, catalogue entries.

Usage (from the repository root)::

    .venv/bin/python tools/new_part.py 07_practice step_decay --points 2 --after test_l2_penalty_grad \\
        --args "initial_learning_rate, step_size, gamma, iteration"
    .venv/bin/python tools/new_part.py 02_loss l1_loss --reference gdkit.losses.l1 --points 1

It edits three files, each with the conventions the tests enforce, and leaves TODOs that make the tests fail
until they are filled in:

1. ``solutions/<A>/<A>.ipynb``: after the test cell ``--after`` (default: the last one), a markdown cell, a
   solution cell (grade id ``<function>``, ``### BEGIN/END SOLUTION``) and a locked test cell (cell id = grade
   id = ``test_<function>``, ``points``, ``schema_version`` 3, a one-line docstring, the visible
   ``check("<A>/test_<function>", <function>)`` and the hidden one between ``### BEGIN/END HIDDEN TESTS``).
2. ``gdkit/grading/parts/<chapter>.py``: a ``Part`` right after the ``--after`` part in ``PARTS`` (that order is
   the column order of grades.csv and of the feedback pages), with a cases function to write, and the reference
   (``--reference gdkit.<module>.<name>``, or a function to write); the reference is also forbidden.
3. ``tests/catalogue/<A>.py``: two ``@correct`` answers to write (right answers written differently from the
   reference); add one ``@buggy`` answer per ``Mistake`` you catalogue.

Then: write the TODOs, ``make exercises``, ``make test-exercises``, update README.md's counts (a test says what
they should be). book/instructors.md ("Changing an exercise") has the whole procedure.
"""
import argparse
import ast
import inspect
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


class ScaffoldError(ValueError):
    """The part cannot be scaffolded as asked (unknown assignment, name taken, ...)."""


def _lines(text):
    """Notebook JSON source: a list of lines, each but the last ending with a newline."""
    lines = text.split("\n")
    return [line + "\n" for line in lines[:-1]] + [lines[-1]]


def _cell(cell_type, cell_id, text, nbgrader=None):
    cell = {"cell_type": cell_type, "id": cell_id, "metadata": {}, "source": _lines(text)}
    if nbgrader is not None:
        cell["metadata"]["nbgrader"] = {"schema_version": 3, "task": False, **nbgrader}
    if cell_type == "code":
        cell.update(execution_count=None, outputs=[])
    return cell


def notebook_cells(assignment, function, args, points, title):
    """The three cells of a new part: text, solution and test."""
    part = f"test_{function}"
    text = (f"## {title}\n\nTODO (tools/new_part.py): what `{function}({args})` computes, with the math and the "
            "shapes, and what to watch out for.")
    solution = (f"def {function}({args}):\n    \"\"\"TODO: one line: what {function} returns, with shapes.\"\"\"\n"
                "    ### BEGIN SOLUTION\n"
                f"    raise NotImplementedError(\"tools/new_part.py: write the solution of {function} here\")\n"
                "    ### END SOLUTION")
    test = (f"\"\"\"Checks {function} (visible: quick feedback).\"\"\"\nfrom gdkit.grading import check\n"
            f"check(\"{assignment}/{part}\", {function})\n### BEGIN HIDDEN TESTS\n"
            f"check(\"{assignment}/{part}\", {function}, hidden=True)\n### END HIDDEN TESTS")
    return [_cell("markdown", f"{function}-text", text),
            _cell("code", f"{function}-solution", solution,
                  {"grade": False, "grade_id": function, "locked": False, "solution": True}),
            _cell("code", part, test,
                  {"grade": True, "grade_id": part, "locked": True, "points": points, "solution": False})]


def add_to_notebook(path, assignment, function, args, points, after, title):
    """Insert the part's cells into the source notebook at ``path``; returns the grade id it follows."""
    import nbformat
    notebook = nbformat.read(path, as_version=4)
    tests = [i for i, cell in enumerate(notebook.cells)
             if cell.get("metadata", {}).get("nbgrader", {}).get("grade") and cell.cell_type == "code"]
    grade_ids = [notebook.cells[i].metadata.nbgrader.grade_id for i in tests]
    if not tests:
        raise ScaffoldError(f"{path} has no test cell to put the new part after")
    after = after or grade_ids[-1]
    if after not in grade_ids:
        raise ScaffoldError(f"--after {after}: no such test cell in {path}; its test cells: {', '.join(grade_ids)}")
    new = notebook_cells(assignment, function, args, points, title)
    taken = {cell.get("id") for cell in notebook.cells} | {
        cell.get("metadata", {}).get("nbgrader", {}).get("grade_id") for cell in notebook.cells}
    clash = [c["id"] for c in new if c["id"] in taken] + ([function] if function in taken else [])
    if clash:
        raise ScaffoldError(f"{path} already has a cell or grade id {clash[0]!r}: choose another function name")
    position = tests[grade_ids.index(after)] + 1
    notebook.cells[position:position] = [nbformat.from_dict(cell) for cell in new]
    nbformat.validate(notebook)
    nbformat.write(notebook, path)
    return after


def parts_module(root, assignment):
    """The parts file of ``assignment`` (the module that sets ``A = "<assignment>"``)."""
    for path in sorted((Path(root) / "gdkit" / "grading" / "parts").glob("*.py")):
        if re.search(rf'^A = "{re.escape(assignment)}"$', path.read_text(encoding="utf-8"), re.MULTILINE):
            return path
    raise ScaffoldError(f"no file in gdkit/grading/parts/ sets A = \"{assignment}\"")


def _signature(reference):
    """``(module, attribute, args)`` of ``--reference gdkit.<module>.<name>`` (args from its signature)."""
    match = re.fullmatch(r"gdkit\.(\w+)\.(\w+)", reference or "")
    if match is None:
        raise ScaffoldError(f"--reference {reference}: expected gdkit.<module>.<function>, e.g. gdkit.losses.mse")
    import importlib
    module, name = match.groups()
    target = getattr(importlib.import_module(f"gdkit.{module}"), name, None)
    if target is None or not callable(target):
        raise ScaffoldError(f"--reference {reference}: gdkit.{module} has no function {name}")
    return module, name, ", ".join(inspect.signature(target).parameters)


def add_to_parts(path, assignment, function, args, points, after, reference=None):
    """Add the cases function (and the reference to write, without ``--reference``) and the ``Part``."""
    text = path.read_text(encoding="utf-8")
    tree = ast.parse(text)
    parts = next((node for node in tree.body if isinstance(node, ast.Assign)
                  and any(isinstance(t, ast.Name) and t.id == "PARTS" for t in node.targets)), None)
    if parts is None or not isinstance(parts.value, (ast.Tuple, ast.List)):
        raise ScaffoldError(f"{path}: no PARTS = (...) to add the part to")
    names = [node.args[1].value for node in parts.value.elts
             if isinstance(node, ast.Call) and len(node.args) > 1 and isinstance(node.args[1], ast.Constant)]
    if f"test_{function}" in names:
        raise ScaffoldError(f"{path} already has a part test_{function}")
    lines = text.split("\n")
    where = f"{assignment}/test_{function}"
    helpers = [f"def _{function}_cases(rng, hidden):",
               f"    \"\"\"Cases of {function}: a few friendly visible ones; hidden adds other shapes, a batch of one,",
               "    edge cases (see _common.cases_from).\"\"\"",
               f"    raise NotImplementedError(\"{where}: write its test cases in {path.name}\")", "", ""]
    if reference is None:
        reference_name = f"_{function}_reference"
        helpers = [f"def {reference_name}({args}):",
                   f"    \"\"\"Reference of {where} (tools/new_part.py: put the gdkit function here instead).\"\"\"",
                   f"    raise NotImplementedError(\"{where}: set its reference in {path.name}\")", "", "",
                   *helpers]
    else:
        module, name, _ = _signature(reference)
        reference_name = f"{module}.{name}"
    entry = [f"    Part(A, \"test_{function}\", \"{function}\", {reference_name}, _{function}_cases, points={points},",
             f"         forbidden=({reference_name},),",
             "         mistakes=(),  # Mistake(name, function, message): one per misconception seen in submissions",
             "         ),"]
    # the Part, after the --after one (or last): PARTS order is the column order of grades.csv and feedback
    index = names.index(after) if after in names else len(names) - 1
    end = parts.value.elts[index].end_lineno  # 1-based line holding the end of that Part(...)
    if not lines[end - 1].rstrip().endswith(","):
        lines[end - 1] = lines[end - 1].rstrip() + ","
    lines[end:end] = entry
    lines[parts.lineno - 1:parts.lineno - 1] = helpers
    if reference is not None:
        module = reference.split(".")[1]
        imports = [node for node in tree.body if isinstance(node, ast.ImportFrom) and node.level == 3
                   and node.module is None]
        if not any(alias.name == module for node in imports for alias in node.names):
            last = max(node.end_lineno for node in tree.body if isinstance(node, (ast.Import, ast.ImportFrom)))
            lines[last:last] = [f"from ... import {module}"]
    path.write_text("\n".join(lines), encoding="utf-8")


def add_to_catalogue(path, function, args):
    """Two ``@correct`` answers to write, at the end of the assignment's catalogue."""
    text = path.read_text(encoding="utf-8").rstrip("\n")
    where = f"tests/catalogue/{path.name}"
    block = [f"# ---- {function} (tools/new_part.py): right answers written differently, one @buggy per Mistake"]
    for number in (1, 2):
        block += ["", "", f"@correct(\"test_{function}\")", f"def {function}_right_{number}({args}):",
                  f"    raise NotImplementedError(\"{where}: write a right answer to test_{function}\")"]
    path.write_text(text + "\n\n\n" + "\n".join(block) + "\n", encoding="utf-8")


def scaffold(root, assignment, function, points=1, after=None, args=None, reference=None, title=None):
    """Scaffold part ``test_<function>`` of ``assignment`` in the course at ``root``; return the files changed."""
    root = Path(root)
    if not re.fullmatch(r"[a-z_][a-z0-9_]*", function):
        raise ScaffoldError(f"{function!r}: a function name is lower-case letters, digits and underscores")
    notebook = root / "solutions" / assignment / f"{assignment}.ipynb"
    if not notebook.is_file():
        known = sorted(p.name for p in (root / "solutions").iterdir() if p.is_dir())
        raise ScaffoldError(f"no source notebook {notebook}; assignments: {', '.join(known)}")
    catalogue = root / "tests" / "catalogue" / f"{assignment}.py"
    module = parts_module(root, assignment)
    if reference is not None:
        args = args or _signature(reference)[2]
    args = args or "x"
    after = add_to_notebook(notebook, assignment, function, args, points, after,
                            title or f"TODO: title of {function}")
    add_to_parts(module, assignment, function, args, points, after, reference)
    add_to_catalogue(catalogue, function, args)
    return [notebook, module, catalogue]


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("assignment", help="e.g. 07_practice")
    parser.add_argument("function", help="the function students write, e.g. step_decay (the part: test_<function>)")
    parser.add_argument("--points", type=int, default=1, help="points of the part (default 1)")
    parser.add_argument("--after", help="grade id of the test cell (and part) to put it after (default: the last)")
    parser.add_argument("--args", help='the function\'s arguments, e.g. "X, W, b" (default: the reference\'s, or x)')
    parser.add_argument("--reference", help="gdkit function the answers are compared with, e.g. gdkit.losses.mse")
    parser.add_argument("--title", help="heading of the new section in the notebook")
    parser.add_argument("--root", type=Path, default=ROOT, help="the course folder (default: this repository)")
    args = parser.parse_args(argv)
    try:
        changed = scaffold(args.root, args.assignment, args.function, args.points, args.after, args.args,
                           args.reference, args.title)
    except ScaffoldError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    print("scaffolded test_" + args.function + "; fill in the TODOs of:")
    for path in changed:
        print(f"  {path.relative_to(args.root)}")
    print("then: make exercises; make test-exercises (it also says the README counts to update)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
