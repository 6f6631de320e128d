"""Identical or near-identical solution cells across students, for an instructor to look at (class report).

Only the solution cells of the assignment are compared (the cells whose nbgrader ``grade_id`` is a solution
cell of the source notebook, else whose cell id is), each normalised so that layout does not count: comments,
blank lines, docstrings and string contents are dropped and local names are renamed in order of appearance
(``total`` and ``s`` become the same name). Each student's code becomes a set of token 4-grams, without the
4-grams of the released stub (the given signatures and docstrings every student shares), and two students are
compared by the Jaccard index of their sets. Pairs at or above a threshold are grouped (connected
components). A group is a prompt for a human look, not a finding: short exercises have few natural solutions.

Nothing here runs student code; notebooks are read as JSON.
"""
import ast
import builtins
import io
import itertools
import keyword
import re
import tokenize
from dataclasses import dataclass, field

__all__ = ["normalise", "shingles", "solution_cells", "SimilarGroup", "similar_groups", "MIN_SHINGLES"]

MIN_SHINGLES = 12  # students with less code of their own than this (untouched stubs) are not compared
_KEEP = set(dir(builtins)) | {"np", "numpy", "math", "gdkit", "self"}
_SOLUTION_MARKER = re.compile(r"^\s*### (BEGIN|END) SOLUTION\s*$", re.MULTILINE)


def _without_docstrings(source):
    """The code of ``source`` re-printed by :func:`ast.unparse` without docstrings (comments and layout go
    too), or None when it is not valid Python."""
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return None
    for node in ast.walk(tree):
        body = getattr(node, "body", None)
        if isinstance(node, (ast.Module, ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)) and body and \
                isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant) and \
                isinstance(body[0].value.value, str):
            node.body = body[1:] or [ast.Pass()]
    try:
        return ast.unparse(tree)
    except (ValueError, RecursionError):
        return None


def normalise(source, keep=()):
    """The tokens of ``source`` as compared: no comments, docstrings or layout, strings as ``"S"``, numbers
    kept, and every name that is not a keyword, a builtin, an attribute (after ``.``), a common module (``np``)
    or in ``keep`` renamed ``v1, v2, ...`` in order of first appearance.

    Parameters
    ----------
    source : str
        One cell's code. Code that is not valid Python is tokenised as it stands.
    keep : iterable of str
        Names never renamed (e.g. the functions the assignment asks for).

    Returns
    -------
    list of str
    """
    text = _without_docstrings(source)
    text = source if text is None else text
    keep = _KEEP | set(keep)
    names, tokens, previous = {}, [], ""
    try:
        for token in tokenize.generate_tokens(io.StringIO(text).readline):
            kind, value = token.type, token.string
            if kind in (tokenize.COMMENT, tokenize.NL, tokenize.NEWLINE, tokenize.INDENT, tokenize.DEDENT,
                        tokenize.ENDMARKER, tokenize.ENCODING):
                continue
            if kind == tokenize.STRING or kind >= getattr(tokenize, "FSTRING_START", 10**6):
                value = '"S"'
            elif kind == tokenize.NAME and not keyword.iskeyword(value) and value not in keep and previous != ".":
                value = names.setdefault(value, f"v{len(names) + 1}")
            if not (tokens and tokens[-1] == value == '"S"'):
                tokens.append(value)
            previous = token.string
    except (tokenize.TokenError, IndentationError, SyntaxError):
        tokens += text.split()[len(tokens):]
    return tokens


def shingles(tokens, k=4):
    """The set of ``k``-token windows of ``tokens`` (one window of all of them when there are fewer)."""
    if len(tokens) < k:
        return {tuple(tokens)} if tokens else set()
    return {tuple(tokens[i:i + k]) for i in range(len(tokens) - k + 1)}


def _text(cell):
    source = cell.get("source", "")
    if isinstance(source, list):
        source = "".join(s for s in source if isinstance(s, str))
    return source if isinstance(source, str) else ""


def solution_cells(cells, solution_ids):
    """``{grade id: code}`` of the solution cells in a notebook's ``cells`` (dicts, as in the JSON).

    ``solution_ids`` maps each solution cell's grade id to its cell id in the source notebook; a submitted cell
    is recognised by its grade id, else by its cell id (a student who removed the metadata). The nbgrader
    ``### BEGIN/END SOLUTION`` marker lines are removed.
    """
    by_cell_id = {cell_id: grade_id for grade_id, cell_id in solution_ids.items() if cell_id}
    found = {}
    for cell in cells:
        if not isinstance(cell, dict) or cell.get("cell_type") != "code":
            continue
        meta = (cell.get("metadata") or {}).get("nbgrader") or {}
        grade_id = meta.get("grade_id") if isinstance(meta, dict) else None
        if grade_id not in solution_ids:
            grade_id = by_cell_id.get(cell.get("id"))
        if grade_id is not None and grade_id not in found:
            found[grade_id] = _SOLUTION_MARKER.sub("", _text(cell))
    return found


@dataclass
class SimilarGroup:
    """Students whose solution code is identical or nearly so: ``members`` (sorted), the lowest and highest
    pairwise ``similarity`` (Jaccard index of their normalised 4-grams) joining them, and ``identical_cells``:
    the solution cells whose normalised code is the same for every member (out of ``compared_cells``)."""

    members: list
    low: float
    high: float
    identical_cells: list = field(default_factory=list)
    compared_cells: int = 0


def similar_groups(codes, stub=None, threshold=0.9, keep=(), min_shingles=MIN_SHINGLES):
    """Groups of students whose solution cells are identical or nearly so.

    Parameters
    ----------
    codes : dict
        ``{student: {grade id: code}}`` (from :func:`solution_cells`).
    stub : dict, optional
        ``{grade id: code}`` of the released notebook: its 4-grams are removed from everyone's (the code every
        student is given is not evidence of anything).
    threshold : float
        Lowest Jaccard index of two students' 4-gram sets that joins them.
    keep : iterable of str
        Names not renamed by :func:`normalise` (the functions the assignment asks for).
    min_shingles : int
        Students with fewer 4-grams of their own are not compared (nothing written).

    Returns
    -------
    list of SimilarGroup
        Largest groups first.
    """
    given = set().union(*(shingles(normalise(code, keep)) for code in (stub or {}).values()))
    given_cells = {gid: normalise(code, keep) for gid, code in (stub or {}).items()}
    tokens, sets = {}, {}
    for student, cells in codes.items():
        tokens[student] = {gid: normalise(code, keep) for gid, code in cells.items()}
        own = {gid: toks for gid, toks in tokens[student].items() if toks != given_cells.get(gid)}
        # hashed once: tuples do not cache their hash, and every pair below intersects two sets
        sets[student] = {hash(s) for s in set().union(*(shingles(toks) for toks in own.values())) - given}
    students = sorted(s for s in sets if len(sets[s]) >= min_shingles)
    parent = {s: s for s in students}

    def root(student):
        while parent[student] != student:
            parent[student] = parent[parent[student]]
            student = parent[student]
        return student

    scores = {}
    for a, b in itertools.combinations(students, 2):
        union = len(sets[a] | sets[b])
        score = len(sets[a] & sets[b]) / union if union else 0.0
        if score >= threshold:
            scores[a, b] = score
            parent[root(a)] = root(b)
    members = {}
    for student in students:
        members.setdefault(root(student), []).append(student)
    groups = []
    for group in members.values():
        if len(group) < 2:
            continue
        inside = [score for (a, b), score in scores.items() if a in group and b in group]
        cell_ids = sorted(set.intersection(*(set(tokens[s]) for s in group)))
        identical = [gid for gid in cell_ids if tokens[group[0]][gid] != given_cells.get(gid)
                     and all(tokens[s][gid] == tokens[group[0]][gid] for s in group)]
        groups.append(SimilarGroup(sorted(group), min(inside), max(inside), identical, len(cell_ids)))
    return sorted(groups, key=lambda g: (-len(g.members), -g.high, g.members))
