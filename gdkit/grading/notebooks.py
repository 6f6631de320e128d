"""Reading submitted notebooks robustly and picking the student's code cells out of them (trusted grader).

Nothing here executes student code. The source notebook (``solutions/<assignment>/<assignment>.ipynb``)
says which cells are tests; a submission's own nbgrader metadata (points, grade ids, kernelspec,
schema_version) is never trusted, because grades come from the parts registry.
"""
import json
import os
import re
import warnings
from dataclasses import dataclass, field
from pathlib import Path

__all__ = ["Submission", "SourceNotebook", "StudentCell", "read_notebook", "find_submission_notebook",
           "other_notebooks", "read_timestamp", "student_cells", "cells_before", "load_source",
           "MAX_NOTEBOOK_BYTES", "MAX_CELLS", "read_notebook_or_reason", "fingerprint", "ManualCell",
           "WrittenAnswer", "written_answers", "MAX_WRITTEN_CHARS"]

MAX_NOTEBOOK_BYTES = 100 * 2**20  # nbgrader's exchange: ExchangeSubmit.max_file_size = 100000 (kB)
MAX_CELLS = 10_000
MAX_WRITTEN_CHARS = 20_000  # of one written answer kept for the gradebook (a page of text is about 3000)
_STUBS = ("YOUR ANSWER HERE", "# YOUR CODE HERE\nraise NotImplementedError()")  # nbgrader's default stubs


def _source_text(cell):
    source = cell.get("source", "") if isinstance(cell, dict) else ""
    if isinstance(source, list):
        source = "".join(s for s in source if isinstance(s, str))
    return source if isinstance(source, str) else ""


def _normalise(source):
    return "\n".join(line.rstrip() for line in source.strip().splitlines())


def read_notebook(path):
    """The list of cells (dicts) of the notebook at ``path``, or ``None`` if it cannot be read as one
    (:func:`read_notebook_or_reason` says why)."""
    return read_notebook_or_reason(path)[0]


def read_notebook_or_reason(path):
    """``(cells, "")`` for the notebook at ``path``, or ``(None, reason)`` saying truly why it cannot be graded.

    What nbgrader's exchange accepts is accepted: up to :data:`MAX_NOTEBOOK_BYTES` (100 MB) and
    :data:`MAX_CELLS` cells. The file is read once, with its size checked first (a huge sparse file is never read
    whole). Plain JSON with a ``cells`` list (nbformat 4) is used as it is, so invalid metadata, duplicate cell ids
    or an edited schema do not make a notebook unreadable; anything else (nbformat 3) goes through
    ``nbformat.reads``.
    """
    path = Path(path)
    try:
        size = path.stat().st_size
        if size > MAX_NOTEBOOK_BYTES:
            return None, (f"{path.name} is {size / 2**20:.0f} MB, larger than the {MAX_NOTEBOOK_BYTES // 2**20} MB "
                          "a notebook may have (nbgrader's exchange refuses larger files too)")
        with path.open("rb") as stream:
            raw = stream.read(MAX_NOTEBOOK_BYTES + 1)
    except OSError as error:
        return None, f"{path.name} could not be read ({error.strerror or error})"
    if not raw.strip():
        return None, f"{path.name} is empty"
    text = raw.decode("utf-8", errors="replace")
    del raw
    try:
        data = json.loads(text)
    except (ValueError, RecursionError, MemoryError):
        return None, f"{path.name} is not valid JSON (truncated or corrupted?)"
    cells = data.get("cells") if isinstance(data, dict) else None
    if not isinstance(cells, list) and isinstance(data, dict) and len(text) <= 16 * 2**20:
        try:
            import nbformat
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                cells = nbformat.reads(text, as_version=4).get("cells")
        except Exception:  # noqa: BLE001 - not a notebook nbformat knows either
            cells = None
    if not isinstance(cells, list):
        return None, f"{path.name} is JSON but not a notebook (no list of cells)"
    if len(cells) > MAX_CELLS:
        return None, f"{path.name} has {len(cells)} cells, more than the {MAX_CELLS} a notebook may have"
    return [cell for cell in cells if isinstance(cell, dict)], ""


@dataclass
class SourceNotebook:
    """What the grader needs from the source notebook: its file name, how to recognise its test cells, and
    where each code cell stands in it (``positions``: ``("grade_id" | "id" | "text", value) -> index`` of the
    cell in the source; ``test_positions``: test grade id -> index; ``code``: the text of its code cells), and its
    manually graded cells (``manual_cells``: :class:`ManualCell` in the source's order)."""

    name: str
    test_ids: set = field(default_factory=set)
    test_grade_ids: set = field(default_factory=set)
    test_sources: set = field(default_factory=set)
    solution_grade_ids: list = field(default_factory=list)
    code: list = field(default_factory=list)
    positions: dict = field(default_factory=dict)
    test_positions: dict = field(default_factory=dict)
    manual_cells: list = field(default_factory=list)

    def position(self, cell_id, grade_id, text):
        """Index in the source of the cell a submitted cell stands for (by grade id, then cell id, then
        identical text), or None for a cell the student added."""
        for key in (("grade_id", grade_id), ("id", cell_id), ("text", _normalise(text))):
            if isinstance(key[1], str) and key[1] and key in self.positions:
                return self.positions[key]
        return None

    def test_position(self, part_name):
        """Index of the test cell of part ``part_name`` in the source; infinity if the source has none
        (the part then sees every cell)."""
        return self.test_positions.get(part_name, float("inf"))


@dataclass(frozen=True)
class ManualCell:
    """A manually graded cell of the source notebook (nbgrader's "Manually graded answer": ``solution`` and
    ``grade`` both true): its ``grade_id``, ``points`` (from the source, the only place they are set),
    ``cell_type`` (``"markdown"`` for a written answer, or ``"code"``), ``position`` (index in the source),
    ``cell_id`` and ``source`` (the instructor's model answer: never shown to students)."""

    grade_id: str
    points: float
    cell_type: str
    position: int
    cell_id: str
    source: str


@dataclass(frozen=True)
class WrittenAnswer:
    """What a submission holds for one :class:`ManualCell`: for the gradebook side, which records it as needing
    manual grading with ``points`` (formgrader's Manual Grading then shows it).

    ``text`` is the student's cell text (at most :data:`MAX_WRITTEN_CHARS`, never executed), ``answered`` is
    False when the cell is missing or still holds nbgrader's stub ("YOUR ANSWER HERE"), ``number`` is the
    cell's place in the submitted notebook (1-based; None if missing)."""

    grade_id: str
    points: float
    text: str
    answered: bool
    number: int | None


def written_answers(cells, source):
    """One :class:`WrittenAnswer` per manually graded cell of ``source`` (a :class:`SourceNotebook`), in the
    source's order, from the submitted ``cells`` (see :func:`read_notebook`).

    A submitted cell is matched by its nbgrader grade id, else by its cell id (students cannot edit either in
    Jupyter; a cell whose metadata was stripped is matched by id). Only the source says which cells are
    manually graded and what they are worth: a submission's own points or flags are ignored. Nothing here
    executes anything.
    """
    by_grade_id, by_cell_id = {}, {}
    for number, cell in enumerate(cells, start=1):
        meta = (cell.get("metadata") or {}).get("nbgrader") or {}
        meta = meta if isinstance(meta, dict) else {}
        if isinstance(meta.get("grade_id"), str):
            by_grade_id.setdefault(meta["grade_id"], (number, cell))
        if isinstance(cell.get("id"), str):
            by_cell_id.setdefault(cell["id"], (number, cell))
    found = []
    for manual in source.manual_cells:
        number, cell = by_grade_id.get(manual.grade_id) or by_cell_id.get(manual.cell_id) or (None, None)
        text = _source_text(cell)[:MAX_WRITTEN_CHARS] if cell is not None else ""
        answered = bool(text.strip()) and _normalise(text) not in {_normalise(stub) for stub in _STUBS}
        found.append(WrittenAnswer(manual.grade_id, manual.points, text, answered, number))
    return found


@dataclass(frozen=True)
class StudentCell:
    """A submitted code cell to run: its ``source``, its ``number`` in the submitted notebook (1-based,
    markdown cells counted: what feedback calls "cell N"), and ``position``, the index in the source notebook
    it is graded at (-1: before every source cell)."""

    source: str
    number: int
    position: float


def load_source(path):
    """Read the source notebook at ``path`` into a :class:`SourceNotebook`."""
    cells = read_notebook(Path(path))
    if cells is None:
        raise ValueError(f"the source notebook {path} cannot be read")
    source = SourceNotebook(name=Path(path).name)
    for index, cell in enumerate(cells):
        meta = (cell.get("metadata") or {}).get("nbgrader") or {}
        if meta.get("grade") and meta.get("solution") and meta.get("grade_id"):  # a manually graded answer
            source.manual_cells.append(ManualCell(meta["grade_id"], float(meta.get("points") or 0.0),
                                                  cell.get("cell_type", ""), index, cell.get("id") or "",
                                                  _source_text(cell)))
        if cell.get("cell_type") != "code":
            continue
        text = _normalise(_source_text(cell))
        source.code.append(_source_text(cell))
        for key in (("grade_id", meta.get("grade_id")), ("id", cell.get("id")), ("text", text)):
            if isinstance(key[1], str) and key[1]:
                source.positions.setdefault(key, index)
        if meta.get("grade") and not meta.get("solution"):
            if meta.get("grade_id"):
                source.test_positions.setdefault(meta["grade_id"], index)
            source.test_grade_ids.add(meta.get("grade_id"))
            if cell.get("id"):
                source.test_ids.add(cell["id"])
            source.test_sources.add(_normalise(_source_text(cell)))
        elif meta.get("solution") and meta.get("grade_id"):
            source.solution_grade_ids.append(meta["grade_id"])
    source.test_grade_ids.discard(None)
    source.test_sources.discard("")
    return source


def student_cells(cells, source):
    """The code cells a submission runs, without the assignment's test cells, in the source notebook's order.

    A cell is a test cell if its cell id or grade id is one of the source's test cells, or if its text equals a
    source test cell's: only the source notebook says what a test cell is, never a guess from what the student's
    cell contains (a first cell that imports ``check`` with numpy is the student's and runs). Test cells are
    never run: every registered part is graded anyway, so deleting, editing or moving them changes nothing; an
    edited copy the source does not know runs like any cell, and its ``check`` calls do nothing in the sandbox.

    Each remaining cell is placed where it stands in the source (solution cells by grade id, other cells by
    cell id or identical text); a cell the student added stays right after the cell it follows in the
    submission. So a notebook whose cells were moved (a test cell above its solution, the whole notebook
    reversed) runs as the source orders it, as nbgrader would run the released notebook.

    Returns
    -------
    cells : list of StudentCell
        Sorted by ``position``; cells at the same position keep the submission's order.
    notes : list of str
        Remarks for the instructor (cells reordered), never used for the score.
    """
    found, notes, order, anchor = [], [], [], -1
    for number, cell in enumerate(cells, start=1):
        if cell.get("cell_type") != "code":
            continue
        text = _source_text(cell)
        meta = (cell.get("metadata") or {}).get("nbgrader") or {}
        meta = meta if isinstance(meta, dict) else {}
        grade_id = meta.get("grade_id") if isinstance(meta.get("grade_id"), str) else None
        cell_id = cell.get("id") if isinstance(cell.get("id"), str) else None
        position = source.position(cell_id, grade_id, text)
        if (cell_id in source.test_ids or grade_id in source.test_grade_ids
                or _normalise(text) in source.test_sources):
            if position is not None:
                anchor = position
            continue
        if grade_id in source.solution_grade_ids:
            order.append(grade_id)
        if position is not None:
            anchor = position
        found.append(StudentCell(text, number, anchor))
    expected_order = [g for g in source.solution_grade_ids if g in order]
    if order != expected_order and len(set(order)) == len(order):
        notes.append("solution cells are in a different order than in the assignment (graded in the "
                     "assignment's order)")
    return sorted(found, key=lambda c: c.position), notes


def cells_before(cells, source, part_name):
    """The cells that part ``part_name`` runs: those placed before its test cell in the source (all of them
    if the source has no such test cell), as nbgrader runs a notebook top to bottom up to the test."""
    limit = source.test_position(part_name)
    return [cell for cell in cells if cell.position < limit]


_COPY_SUFFIX = re.compile(r"(\s*\(\d+\)|[-_ ]?copy\d*|-Copy\d*|_\d+)$", re.IGNORECASE)


def _stem_key(name):
    stem = Path(name).stem
    previous = None
    while previous != stem:
        previous, stem = stem, _COPY_SUFFIX.sub("", stem).strip()
    return stem.lower()


def find_submission_notebook(folder, expected_name):
    """The submitted notebook in ``folder`` that stands for ``expected_name``.

    Returns
    -------
    path : Path or None
        None when there is no notebook to grade.
    flag : str
        Empty when the expected file is there; otherwise says what was matched or why nothing was.
    """
    folder = Path(folder)
    if folder.is_symlink():
        return None, "missing notebook: the submission folder is a symbolic link (not followed)"
    exact = folder / expected_name
    if exact.is_file() and not exact.is_symlink():
        return exact, ""
    found = sorted(p for p in folder.glob("*.ipynb")) if folder.is_dir() else []
    links = [p for p in found if p.is_symlink()]
    candidates = [p for p in found if p.is_file() and not p.is_symlink()]
    if not candidates:
        if links:
            return None, (f"missing notebook: {links[0].name} is a symbolic link (not followed: it could point at "
                          "another student's file)")
        return None, f"missing notebook: no {expected_name} in the submission"
    similar = [p for p in candidates if _stem_key(p.name) == _stem_key(expected_name)]
    if len(similar) == 1:
        return similar[0], f"renamed notebook: graded {similar[0].name} as {expected_name}"
    if len(candidates) == 1:
        return candidates[0], f"renamed notebook: graded the only notebook, {candidates[0].name}, as {expected_name}"
    names = ", ".join(p.name for p in candidates[:5])
    return None, f"missing notebook: no {expected_name}, and several other notebooks ({names}); rename one"


def other_notebooks(folder, graded):
    """Names of the notebooks in ``folder`` other than ``graded`` (a Path), sorted: nothing grades them, so the
    instructor and the student must be told (an untouched original beside the student's ``-Copy1``)."""
    folder = Path(folder)
    if folder.is_symlink() or not folder.is_dir():
        return []
    return sorted(p.name for p in folder.glob("*.ipynb") if p.name != Path(graded).name)


def read_timestamp(folder):
    """The submission time in ``folder/timestamp.txt`` as nbgrader's autograde reads it.

    Same parsing as ``CourseDirectory.get_existing_timestamp`` (``nbgrader.utils.parse_utc``: the text
    ``nbgrader submit`` writes, e.g. ``2025-01-01 10:00:00.000000 UTC``, converted to UTC).

    Returns
    -------
    timestamp : str
        UTC time as ``YYYY-MM-DD HH:MM:SS[.ffffff]``; empty when there is no usable timestamp.
    flag : str
        Empty, or why a ``timestamp.txt`` that is there could not be used (nbgrader's autograde would stop).
    """
    path = Path(folder) / "timestamp.txt"
    if path.is_symlink():
        return "", "timestamp.txt is a symbolic link (not followed): submission time unknown"
    if not path.is_file():
        return "", ""
    try:
        with path.open("rb") as stream:
            text = stream.read(200).decode("utf-8", errors="replace").strip()
    except OSError as error:
        return "", f"timestamp.txt could not be read ({error.strerror}): submission time unknown"
    if not text:
        return "", "timestamp.txt is empty: submission time unknown"
    from nbgrader.utils import parse_utc
    try:
        return parse_utc(text).isoformat(sep=" "), ""
    except (ValueError, OverflowError, TypeError, AttributeError):
        return "", f"timestamp.txt is not a time nbgrader can read ({text[:40]!r}): submission time unknown"


@dataclass
class Submission:
    """One student's hand-in of one assignment, as found on disk."""

    student: str
    assignment: str
    folder: Path
    notebook: Path | None
    flag: str


def fingerprint(path):
    """SHA-256 of the notebook's size and first :data:`MAX_NOTEBOOK_BYTES` bytes, read in chunks (never the whole
    of a huge file at once); "missing" for no file."""
    import hashlib
    if path is None:
        return "missing"
    hasher = hashlib.sha256()
    try:
        with open(path, "rb") as stream:
            hasher.update(str(os.fstat(stream.fileno()).st_size).encode() + b"\n")
            left = MAX_NOTEBOOK_BYTES
            while left > 0:
                chunk = stream.read(min(left, 2**20))
                if not chunk:
                    break
                hasher.update(chunk)
                left -= len(chunk)
    except OSError:
        return "unreadable"
    return hasher.hexdigest()
