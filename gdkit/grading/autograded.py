"""The graded notebooks nbgrader's formgrader opens: ``<autograded>/<student>/<assignment>/<notebook>.ipynb``.

Formgrader (nbgrader 0.9.6) counts a submission as graded only when its folder exists under the course's
``autograded/`` directory (``NbGraderAPI.get_autograded_students``: that folder, a submission in the gradebook,
and the gradebook's timestamp equal to ``submitted/<student>/<assignment>/timestamp.txt``), and its Manual
Grading view, the student pages and the submission page open ``autograded/<student>/<assignment>/<notebook
id>.ipynb``, placing a score box (and a comment box) on every cell whose nbgrader metadata names a grade cell of
the gradebook. ``nbgrader autograde`` writes that file by running the notebook with the tests; this course's
grader never runs anything in the student's kernel, so it writes the file itself, after recording the grades:

- the student's cells in the student's order, with their own outputs (nothing is executed here); the
  student's nbgrader metadata is never kept (it is not trusted: forged points or grade ids would put boxes on
  the wrong cells), the SOURCE's metadata is put on the cells that stand for its solution cells and written
  answers (matched by grade id, then cell id, as the grader matches them);
- each part's test cell is the source's (its hidden tests left out), placed after the cells that come before it
  in the source, and shows as its output the trusted grader's score and message for that part;
- a written answer the submission lacks is a placeholder cell with the source's metadata, so that its score
  box exists (0 points, as recorded);
- the student's outputs are kept as text and images only (never HTML or JavaScript, which formgrader would
  render in the instructor's browser);
- the file is made read-only (mode 0444): it is a record of what was graded, not a copy to edit.

Nothing in it is run by the grader or by formgrader (formgrader renders it with nbconvert's HTML exporter,
which escapes text outputs).
"""
import json
import os
import re
import tempfile
from pathlib import Path

from .notebooks import _normalise, _source_text, read_notebook, read_notebook_or_reason

__all__ = ["autograded_path", "write_autograded", "default_autograded_dir"]

_HIDDEN = re.compile(r"[ \t]*### BEGIN HIDDEN TESTS.*?### END HIDDEN TESTS[ \t]*\n?", re.DOTALL)


def default_autograded_dir(submitted):
    """nbgrader's layout: ``autograded/`` beside the ``submitted/`` folder the grader reads (both under the course
    root that ``nbgrader_config.py`` names)."""
    return Path(submitted).resolve().parent / "autograded"


def autograded_path(autograded_dir, student, assignment, notebook):
    """Where formgrader looks for the graded notebook: ``<dir>/<student>/<assignment>/<notebook id>.ipynb``
    (the notebook id is the source notebook's stem, whatever name the student handed in)."""
    return Path(autograded_dir) / str(student) / str(assignment) / f"{Path(notebook).stem}.ipynb"


def _meta(cell):
    meta = (cell.get("metadata") or {}).get("nbgrader") if isinstance(cell.get("metadata"), dict) else None
    return meta if isinstance(meta, dict) else {}


def _text(value):
    return value if isinstance(value, str) else ""


def _clean_cell(cell, nbgrader=None):
    """A valid nbformat 4 cell with the student's source (and outputs, for a code cell) and only the metadata
    given (``nbgrader``: the source's, or none)."""
    kind = cell.get("cell_type") if cell.get("cell_type") in ("code", "markdown", "raw") else "raw"
    new = {"cell_type": kind, "metadata": {}, "source": _source_text(cell)}
    if _text(cell.get("id")):
        new["id"] = cell["id"]
    if nbgrader:
        new["metadata"]["nbgrader"] = dict(nbgrader)
    if kind == "code":
        outputs = cell.get("outputs")
        new["outputs"] = [clean for clean in map(_clean_output, outputs if isinstance(outputs, list) else ())
                          if clean is not None]
        count = cell.get("execution_count")
        new["execution_count"] = count if isinstance(count, int) and not isinstance(count, bool) else None
    return new


_SAFE_DATA = ("text/plain", "image/png", "image/jpeg")  # never HTML, JavaScript or SVG: formgrader would render them


def _text_of(value):
    if isinstance(value, list):
        return "".join(v for v in value if isinstance(v, str))
    return value if isinstance(value, str) else ""


def _clean_output(output):
    """One of the student's own outputs, kept as text or an image only: an output is what the student's kernel
    printed, so a rich (HTML, JavaScript) one could run in the instructor's browser when formgrader shows it."""
    if not isinstance(output, dict):
        return None
    kind = output.get("output_type")
    if kind == "stream":
        return {"output_type": "stream", "name": "stderr" if output.get("name") == "stderr" else "stdout",
                "text": _text_of(output.get("text"))}
    if kind == "error":
        trace = output.get("traceback")
        return {"output_type": "error", "ename": _text_of(output.get("ename")),
                "evalue": _text_of(output.get("evalue")),
                "traceback": [t for t in trace if isinstance(t, str)] if isinstance(trace, list) else []}
    if kind in ("display_data", "execute_result"):
        data = output.get("data") if isinstance(output.get("data"), dict) else {}
        kept = {key: _text_of(data[key]) for key in _SAFE_DATA if key in data and _text_of(data[key])}
        if not kept:
            return None
        clean = {"output_type": "display_data", "data": kept, "metadata": {}}
        return clean
    return None


def _stream(text):
    return {"output_type": "stream", "name": "stdout", "text": text}


def _graded_text(part):
    score = part.get("grader_score", part["score"])  # the grader's own score; a hand-given one is in the box
    return (f"Graded by the course's trusted grader (outside the student's kernel): {score:g} / "
            f"{part['max_score']:g} points\n{part.get('message', '')}\n")


def build_autograded(row, source_cells, submitted_cells=None, reason=""):
    """The graded notebook (a dict) of one recorded submission ``row`` (from :meth:`GradebookWriter.rows` or
    :func:`~gdkit.grading.batch.grade_submission`): see the module's docstring. ``submitted_cells``: the cells of
    the notebook graded (None: missing or unreadable, ``reason`` says why)."""
    parts = {p["name"]: p for p in row.get("parts", ())}
    solutions, written, tests = {}, {}, []
    for index, cell in enumerate(source_cells):
        meta = _meta(cell)
        grade_id = meta.get("grade_id")
        if not isinstance(grade_id, str) or not grade_id:
            continue
        if meta.get("grade") and not meta.get("solution"):
            tests.append((index, cell))
        elif meta.get("grade") and meta.get("solution"):
            written[grade_id] = (index, cell)
        elif meta.get("solution"):
            solutions[grade_id] = (index, cell)
    test_ids = {_text(c.get("id")) for _, c in tests} - {""}
    test_grade_ids = {_meta(c).get("grade_id") for _, c in tests}
    test_texts = {_normalise(_source_text(c)) for _, c in tests} - {""}
    by_cell_id = {}
    for index, cell in enumerate(source_cells):
        if _text(cell.get("id")):
            by_cell_id.setdefault(cell["id"], index)
    answer_cells = {**solutions, **written}
    answer_by_cell_id = {_text(c.get("id")): gid for gid, (_, c) in answer_cells.items() if _text(c.get("id"))}

    out, used, anchor = [], set(), -1  # (anchor: the source index a cell stands at or follows, cell)
    if submitted_cells is None:
        out.append((-1, {"cell_type": "markdown", "metadata": {},
                         "source": f"**No gradable notebook:** {reason or 'nothing was submitted'}. Every part "
                                   "scored 0 (see the score boxes below)."}))
    for cell in submitted_cells or ():
        if not isinstance(cell, dict):
            continue
        meta = _meta(cell)
        grade_id = meta.get("grade_id") if isinstance(meta.get("grade_id"), str) else None
        cell_id = _text(cell.get("id"))
        if cell_id in test_ids or grade_id in test_grade_ids or _normalise(_source_text(cell)) in test_texts:
            continue  # the trusted test cells are put back below
        matched = grade_id if grade_id in answer_cells and grade_id not in used else None
        if matched is None and cell_id in answer_by_cell_id and answer_by_cell_id[cell_id] not in used:
            matched = answer_by_cell_id[cell_id]
        if matched is not None:
            used.add(matched)
            index, source_cell = answer_cells[matched]
            anchor = index
            out.append((anchor, _clean_cell(cell, _meta(source_cell))))
            continue
        if cell_id in by_cell_id:
            anchor = by_cell_id[cell_id]
        out.append((anchor, _clean_cell(cell)))
    for grade_id, (index, source_cell) in written.items():
        if grade_id not in used:
            out.append((index, {"id": _text(source_cell.get("id")),
                                "cell_type": source_cell.get("cell_type", "markdown"), "metadata":
                                {"nbgrader": dict(_meta(source_cell))}, "source": "(no answer was submitted)",
                                **({"outputs": [], "execution_count": None}
                                   if source_cell.get("cell_type") == "code" else {})}))
    for index, source_cell in tests:
        grade_id = _meta(source_cell)["grade_id"]
        part = parts.get(grade_id)
        cell = {"id": _text(source_cell.get("id")), "cell_type": "code",
                "metadata": {"nbgrader": dict(_meta(source_cell))},
                "source": _HIDDEN.sub("", _source_text(source_cell)).rstrip(), "execution_count": None,
                "outputs": [_stream(_graded_text(part))] if part is not None else []}
        after = max((i for i, (a, _) in enumerate(out) if a < index), default=-1)
        out.insert(after + 1, (index, cell))
    cells, ids = [], set()
    for number, (_, cell) in enumerate(out, start=1):
        cell_id = _text(cell.get("id"))
        if not re.fullmatch(r"[a-zA-Z0-9_-]{1,64}", cell_id) or cell_id in ids:
            cell_id = f"graded-{number}"
            while cell_id in ids:
                cell_id += "-x"
        ids.add(cell_id)
        cells.append({**cell, "id": cell_id})
    return {"cells": cells, "metadata": {"kernelspec": {"display_name": "Python 3", "language": "python",
                                                        "name": "python3"},
                                         "language_info": {"name": "python"}},
            "nbformat": 4, "nbformat_minor": 5}


def write_autograded(autograded_dir, row, source_path, submitted_path=None):
    """Write the graded notebook of ``row`` for formgrader (see the module's docstring), read-only, replacing
    an earlier one; return its path. ``submitted_path``: the notebook that was graded (None if missing)."""
    source_cells = read_notebook(Path(source_path)) or []
    if submitted_path is None or os.path.islink(submitted_path):  # a link is never followed (recorded as missing)
        cells, reason = None, "no notebook was submitted"
    else:
        cells, reason = read_notebook_or_reason(Path(submitted_path))
    notebook = build_autograded(row, source_cells, cells, reason)
    path = autograded_path(autograded_dir, row["student"], row["assignment"], row["notebook"])
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=".graded-", suffix=".ipynb", dir=path.parent)
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as stream:
            json.dump(notebook, stream, indent=1, ensure_ascii=False)
            stream.write("\n")
        os.chmod(temporary, 0o444)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return path
