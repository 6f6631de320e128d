"""Class report: what a class did on each assignment, as HTML pages with figures, built from the gradebook.

``python -m gdkit.grading report --out grading-output`` writes ``<out>/report/index.html`` (every assignment),
``<out>/report/<assignment>.html`` and ``<out>/report/parts.csv``. Scores come from nbgrader's gradebook
(``Grade.score``: the trusted grader's scores, and any manual score given in formgrader); why a part was lost
(the named mistake, a time limit, a crash), how long each part ran and the flags come from the trusted grader's
own record in the same database (``gdkit_grading_record``). The similarity section reads the collected
notebooks (``--submitted``), as JSON, never running them.

Each assignment page shows: the score histogram; the pass rate of every part; for every part, the most
frequent reasons for losing it (a catalogued mistake by name, or the grader's diagnosis); the slowest parts;
the flagged submissions (crash, time limit, renamed notebook, weak isolation, ...); and groups of identical or
nearly identical solution code, for a human look. Figures are PNGs embedded in the page: nothing is loaded
from anywhere else.
"""
import base64
import csv
import html
import io
import json
import re
import statistics
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

__all__ = ["build_report", "load_class", "reason", "flag_kinds", "add_parser"]

_REFERENCE = "\0reference"  # the course's own solution, compared like a student (cannot be a folder name)

# The grader's own messages for a lost part (gdkit/grading/batch.py, core.py), most specific first.
_REASONS = [
    (r"no notebook was submitted", "no notebook submitted"),
    (r"^unreadable notebook", "unreadable notebook"),
    (r"raised NotImplementedError", "not attempted (NotImplementedError: the stub is still there)"),
    (r"defines no function named", "function not defined in the notebook"),
    (r"gets no credit", "called gdkit's own implementation"),
    (r"reloaded, replaced or restored", "tampered with gdkit's implementation"),
    (r"killed the process that supervises", "killed the grading supervisor"),
    (r"result channel", "wrote on the grader's result channel"),
    (r"notebook's time limit", "notebook time limit reached"),
    (r"did not finish within|did not return within", "time limit"),
    (r"stopped the grading process|grading process ended", "crash (the process ended)"),
    (r"should be a function", "not a function"),
    (r"raised (\w+)", r"raised \1"),
    (r"is the transpose of the expected", "transposed result"),
    (r"opposite sign", "opposite sign"),
    (r"multiplied by", "off by a constant factor"),
    (r"NaN or infinite", "NaN or infinite values"),
    (r"expected an array of shape|expected a tuple|expected .*, got|returned an? ", "wrong shape or type"),
    (r"wrong values", "wrong values"),
]

_FLAG_KINDS = [
    ("crash", r"ended the grading process|crashed:|killed the grading supervisor"),
    ("time limit", r"time limit"),
    ("renamed", r"renamed notebook"),
    ("weak isolation", r"weak-isolation"),
    ("missing", r"missing notebook"),
    ("unreadable", r"unreadable"),
    ("tampering", r"tampering|result channel"),
    ("other notebooks", r"other notebooks not graded"),
    ("copied gdkit code", r"up to names and formatting"),
    ("malformed answers", r"malformed answers"),
]


def reason(part, message):
    """Why a part was lost, as ``(key, label)``: a catalogued mistake of ``part`` (a :class:`Part`, or None)
    whose message the recorded ``message`` starts with, else the kind of the grader's diagnosis."""
    message = str(message or "")
    for mistake in getattr(part, "mistakes", ()):
        if message.startswith(mistake.message):
            return f"mistake:{mistake.name}", f"named mistake “{mistake.name}”: {mistake.message}"
    for pattern, label in _REASONS:
        match = re.search(pattern, message)
        if match:
            label = match.expand(label)
            return label, label
    return "other", "other: " + re.sub(r" \(test case: [^)]*\)", "", message)[:160]


def flag_kinds(flags, isolation="bwrap", status="graded"):
    """The kinds of a submission's flags (``crash``, ``time limit``, ``renamed``, ``weak isolation``, ...)."""
    kinds = [kind for kind, pattern in _FLAG_KINDS if any(re.search(pattern, flag) for flag in flags)]
    if isolation == "weak" and "weak isolation" not in kinds:
        kinds.append("weak isolation")
    if status in ("missing", "unreadable") and status not in kinds:
        kinds.append(status)
    known = "|".join(pattern for _, pattern in _FLAG_KINDS)
    if any(not re.search(known, flag) for flag in flags) and "other" not in kinds:
        kinds.append("other")
    return kinds


# ---- reading the gradebook --------------------------------------------------------------------------------
@dataclass
class Submission:
    """One student's submission of one assignment as the report needs it."""

    student: str
    score: float
    max_score: float
    parts: dict  # part name -> {"score", "max_score", "manual", "message", "seconds"}
    status: str = "graded"
    flags: list = field(default_factory=list)
    isolation: str = "bwrap"
    seconds_late: float | None = None
    submitted_notebook: str = ""
    recorded: bool = True
    fingerprint: str = ""  # SHA-256 of the notebook file, as the grader recorded it


@dataclass
class AssignmentData:
    name: str
    max_score: float
    parts: list  # part names, in the registry's order (the CSV's)
    registry: dict  # part name -> Part (empty for an assignment the registry does not know)
    submissions: list
    roster: int
    duedate: object = None


def _records(gb, assignment):
    from sqlalchemy import inspect, text
    if "gdkit_grading_record" not in inspect(gb.db.connection()).get_table_names():
        return {}
    rows = gb.db.execute(text("SELECT * FROM gdkit_grading_record WHERE assignment = :a"), {"a": assignment})
    records = {}
    for values in rows:
        row = dict(values._mapping)
        row["parts"] = {part["name"]: part for part in json.loads(row["parts"])}
        row["flags"] = json.loads(row["flags"])
        row["written"] = json.loads(row.get("written") or "[]")
        records[row["student"]] = row
    return records


def load_class(db_url, assignments=(), registry=None):
    """Every assignment of the gradebook at ``db_url`` (or only ``assignments``) as :class:`AssignmentData`.

    ``registry`` is ``{assignment: [Part, ...]}`` (default: the course's parts registry).
    """
    from nbgrader.api import Gradebook
    if db_url.startswith("sqlite:///") and not Path(db_url[len("sqlite:///"):]).is_file():
        raise FileNotFoundError(f"no gradebook at {db_url[len('sqlite:///'):]}: grade first (make grade), or "
                                "pass --out/--db-url of the run to report on")
    if registry is None:
        from .batch import load_parts
        registry = load_parts()
    result = []
    with Gradebook(db_url) as gb:
        roster = len(gb.students)
        names = sorted(a.name for a in gb.assignments)
        missing = [a for a in assignments if a not in names]
        if missing:
            raise KeyError(f"no assignment {', '.join(missing)} in the gradebook; it has: {', '.join(names)}")
        for name in assignments or names:
            assignment = gb.find_assignment(name)
            known = {part.name: part for part in registry.get(name, ())}
            cells = [cell.name for notebook in assignment.notebooks for cell in notebook.grade_cells]
            order = [p for p in known if p in cells] + sorted(c for c in cells if c not in known)
            records = _records(gb, name)
            submissions = []
            for submitted in assignment.submissions:
                student = submitted.student.id
                record = records.get(student, {})
                written_ids = {w.get("grade_id") for w in record.get("written", ()) if isinstance(w, dict)}
                parts = {}
                for notebook in submitted.notebooks:
                    for grade in notebook.grades:
                        kept = record.get("parts", {}).get(grade.name, {})
                        # a written answer: a manually graded cell of the source (no part of the registry or record)
                        written = grade.name not in known and grade.name not in record.get("parts", {}) and \
                            (grade.name in written_ids or grade.cell.cell_type == "markdown")
                        parts[grade.name] = {"score": float(grade.score or 0.0),
                                             "max_score": float(grade.max_score or 0.0),
                                             "manual": grade.manual_score is not None,
                                             "manual_score": grade.manual_score, "auto_score": grade.auto_score,
                                             "written": written, "pending": bool(grade.needs_manual_grade),
                                             "message": kept.get("message", ""), "seconds": kept.get("seconds")}
                late = submitted.total_seconds_late if assignment.duedate and submitted.timestamp else None
                submissions.append(Submission(
                    student, float(submitted.score or 0.0), float(submitted.max_score or 0.0), parts,
                    status=record.get("status", "graded"), flags=record.get("flags", []),
                    isolation=record.get("isolation", "bwrap"), seconds_late=late,
                    submitted_notebook=record.get("submitted_notebook", ""), recorded=bool(record),
                    fingerprint=record.get("fingerprint", "") if record.get("status") == "graded" else ""))
            submissions.sort(key=lambda s: s.student)
            result.append(AssignmentData(name, float(assignment.max_score or 0.0), order, known, submissions,
                                         roster, assignment.duedate))
    return result


# ---- statistics -------------------------------------------------------------------------------------------
@dataclass
class PartStats:
    name: str
    points: float
    attempted: int  # submissions with a notebook the grader could read
    passed: int
    reasons: list  # [(count, label)], most frequent first
    adjusted: int  # parts given a manual score in the gradebook
    median_seconds: float | None
    max_seconds: float | None
    total_seconds: float


def part_stats(data):
    """A :class:`PartStats` per part of ``data`` (an :class:`AssignmentData`), in the registry's order.

    Only submissions with a readable notebook count (missing and unreadable ones are listed as flagged)."""
    stats = []
    readable = [s for s in data.submissions if s.status == "graded"]
    for name in data.parts:
        results = [s.parts[name] for s in readable if name in s.parts]
        if any(r.get("written") for r in results):
            continue  # a written answer, graded by a person: manual_stats
        lost = [r for r in results if r["score"] < r["max_score"] - 1e-9]
        counts, labels = Counter(), {}
        for r in lost:
            key, label = reason(data.registry.get(name), r["message"]) if r["message"] else \
                ("unrecorded", "no record of the trusted grader (graded by another tool?)")
            counts[key] += 1
            labels[key] = label
        seconds = [r["seconds"] for r in results if isinstance(r.get("seconds"), (int, float))]
        part = data.registry.get(name)
        points = float(part.points) if part is not None else max((r["max_score"] for r in results), default=0.0)
        stats.append(PartStats(name, points, len(results), len(results) - len(lost),
                               [(count, labels[key]) for key, count in counts.most_common()],
                               sum(r["manual"] for r in results),
                               statistics.median(seconds) if seconds else None, max(seconds, default=None),
                               float(sum(seconds))))
    return stats


@dataclass
class WrittenStats:
    """A written answer (a manually graded cell) over the class."""

    name: str
    points: float
    answered: int  # submissions whose cell holds an answer (not nbgrader's stub)
    pending: int  # answered and not graded yet
    graded: int  # given a score by hand
    mean: float | None  # of the hand-given scores


@dataclass
class ManualStats:
    """What people graded by hand in one assignment: the written answers, the parts whose automatic score was
    overridden (``overrides``: ``[(student, part, grader's score, hand-given score)]``), and the points by hand in
    the totals (``written_points``: the written answers' scores; ``override_points``: hand-given minus grader's)."""

    written: list
    overrides: list
    written_points: float
    override_points: float

    @property
    def pending(self):
        return sum(w.pending for w in self.written)


def manual_stats(data):
    """The :class:`ManualStats` of ``data`` (an :class:`AssignmentData`), from nbgrader's grades."""
    written, overrides, written_points, override_points = [], [], 0.0, 0.0
    for name in data.parts:
        results = [s.parts[name] for s in data.submissions if name in s.parts]
        if not any(r.get("written") for r in results):
            for s in data.submissions:
                r = s.parts.get(name)
                if r is not None and r.get("manual_score") is not None:
                    auto = float(r.get("auto_score") or 0.0)
                    overrides.append((s.student, name, auto, float(r["manual_score"])))
                    override_points += float(r["manual_score"]) - auto
            continue
        graded = [float(r["manual_score"]) for r in results if r.get("manual_score") is not None]
        written_points += sum(graded)
        answered = [r for r in results if r.get("auto_score") is None or r.get("manual_score") is not None]
        written.append(WrittenStats(name, max((r["max_score"] for r in results), default=0.0), len(answered),
                                    sum(1 for r in results if r.get("pending")), len(graded),
                                    statistics.mean(graded) if graded else None))
    return ManualStats(written, overrides, written_points, override_points)


# ---- figures ----------------------------------------------------------------------------------------------
def _figure(width=6.4, height=3.2):
    from matplotlib.figure import Figure
    return Figure(figsize=(width, height), dpi=100, layout="constrained")


def _png(figure):
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


def histogram(ax, scores, max_score):
    """Histogram of total ``scores`` (one bin per point up to 40 points) on ``ax``; returns ``ax``."""
    import numpy as np
    top = max(max_score, max(scores, default=0.0))
    bins = np.arange(-0.5, top + 1.5, 1.0) if top <= 40 else np.linspace(0, top, 21)
    ax.hist(scores, bins=bins, color="#4c72b0", edgecolor="white")
    if scores:
        ax.axvline(float(np.mean(scores)), color="#c44e52", linestyle="--", label=f"mean {np.mean(scores):.1f}")
        ax.legend(loc="upper left", frameon=False)
    ax.set(xlabel=f"total score (out of {max_score:g})", ylabel="submissions", xlim=(-0.5, top + 0.5))
    ax.yaxis.get_major_locator().set_params(integer=True)
    return ax


def pass_rates(ax, stats):
    """Horizontal bars: the share of submissions that got each part's full points; returns ``ax``."""
    names = [s.name for s in stats][::-1]
    rates = [100 * s.passed / s.attempted if s.attempted else 0.0 for s in stats][::-1]
    bars = ax.barh(names, rates, color="#55a868")
    for bar, s in zip(bars, stats[::-1]):
        ax.text(min(bar.get_width() + 1, 101), bar.get_y() + bar.get_height() / 2, f"{s.passed}/{s.attempted}",
                va="center", fontsize=8)
    ax.set(xlim=(0, 112), xlabel="submissions with full points (%)")
    return ax


def part_times(ax, stats):
    """Horizontal bars of each part's median sandbox time, with its slowest submission as a dot; returns ``ax``."""
    timed = [s for s in stats if s.median_seconds is not None][::-1]
    ax.barh([s.name for s in timed], [s.median_seconds for s in timed], color="#8172b2", label="median")
    ax.plot([s.max_seconds for s in timed], [s.name for s in timed], "o", color="#c44e52", label="slowest")
    ax.set(xlabel="seconds per part (sandbox start, the cells above its test, the hidden cases)")
    ax.legend(loc="lower right", frameon=False)
    return ax


def overview(ax, classes):
    """Box plot of the total score, as a percentage of the maximum, of every assignment; returns ``ax``."""
    shown = [d for d in classes if d.submissions and d.max_score]
    ax.boxplot([[100 * s.score / d.max_score for s in d.submissions] for d in shown], vert=False)
    ax.set_yticks(range(1, len(shown) + 1), [d.name for d in shown])
    ax.set(xlabel="total score (% of the maximum)", xlim=(-2, 102))
    ax.invert_yaxis()
    return ax


# ---- similarity -------------------------------------------------------------------------------------------
def identical_notebooks(data):
    """Groups (lists of students, sorted) whose submitted notebook files are byte for byte the same (the
    grader's SHA-256), leaving out groups where nobody scored (several students handing in the untouched
    release notebook)."""
    groups = {}
    for s in data.submissions:
        if s.fingerprint:
            groups.setdefault(s.fingerprint, []).append(s)
    return sorted(sorted(s.student for s in group) for group in groups.values()
                  if len(group) > 1 and any(s.score > 0 for s in group))


def _source_layout(path):
    """``({solution grade id: cell id}, {solution grade id: code})`` of a source or release notebook."""
    from .compare_submissions import solution_cells
    notebook = json.loads(Path(path).read_text(encoding="utf-8"))
    ids = {}
    for cell in notebook.get("cells", []):
        meta = cell.get("metadata", {}).get("nbgrader", {})
        if cell.get("cell_type") == "code" and meta.get("solution") and meta.get("grade_id"):
            ids[meta["grade_id"]] = cell.get("id")
    return ids, solution_cells(notebook.get("cells", []), ids)


def find_similar(data, submitted, source, release=None, threshold=0.9):
    """Groups of students of ``data`` whose solution cells are identical or nearly so (see
    :mod:`gdkit.grading.compare_submissions`); the course's reference solution takes part as a member named
    ``"\\0reference"``. None when the source notebook or the submissions cannot be found."""
    from .notebooks import read_notebook
    from .compare_submissions import similar_groups, solution_cells
    folder = Path(source) / data.name
    notebook = folder / f"{data.name}.ipynb"
    if not notebook.is_file() or submitted is None or not Path(submitted).is_dir():
        return None
    ids, reference = _source_layout(notebook)
    stub = {}
    if release is not None and (Path(release) / data.name / f"{data.name}.ipynb").is_file():
        stub = _source_layout(Path(release) / data.name / f"{data.name}.ipynb")[1]
    codes = {_REFERENCE: reference}
    for s in data.submissions:
        if s.status != "graded" or not s.submitted_notebook or Path(s.submitted_notebook).name != s.submitted_notebook:
            continue
        cells = read_notebook(Path(submitted) / s.student / data.name / s.submitted_notebook)
        if cells is not None:
            codes[s.student] = solution_cells(cells, ids)
    keep = {part.function for part in data.registry.values()}
    return similar_groups(codes, stub=stub, threshold=threshold, keep=keep)


# ---- HTML -------------------------------------------------------------------------------------------------
_STYLE = """body{font-family:system-ui,sans-serif;max-width:62rem;margin:2rem auto;padding:0 1rem;color:#222}
table{border-collapse:collapse;width:100%;margin:.5rem 0 1.5rem}td,th{border-bottom:1px solid #ddd;padding:.35rem;
text-align:left;vertical-align:top}th{background:#f5f5f5}td.n{text-align:right;white-space:nowrap}
img{max-width:100%}.note{color:#555;font-size:.92rem}code{background:#f5f5f5;padding:.05rem .25rem}
figure{margin:1rem 0}figcaption{color:#555;font-size:.9rem}"""


def _e(value):
    return html.escape(str(value), quote=True)


def _page(title, body):
    return "\n".join(["<!DOCTYPE html>", '<html lang="en"><head><meta charset="utf-8">',
                      f"<title>{_e(title)}</title><style>{_STYLE}</style></head><body>", *body,
                      "</body></html>"]) + "\n"


def _img(src, alt, caption):
    return f'<figure><img src="{src}" alt="{_e(alt)}"><figcaption>{_e(caption)}</figcaption></figure>'


def _member(name):
    return "<i>the course's reference solution (solutions/)</i>" if name == _REFERENCE else f"<code>{_e(name)}</code>"


def assignment_page(data, stats, groups, threshold):
    """The HTML page of one assignment."""
    scores = [s.score for s in data.submissions]
    readable = [s for s in data.submissions if s.status == "graded"]
    late = [s for s in data.submissions if s.seconds_late]
    body = [f"<p><a href=\"index.html\">All assignments</a></p><h1>{_e(data.name)}</h1>",
            f"<p>{len(data.submissions)} submissions ({len(readable)} with a readable notebook) of "
            f"{data.roster} students in the gradebook; "
            + (f"mean {statistics.mean(scores):.2f}, median {statistics.median(scores):g} " if scores else "")
            + f"out of {data.max_score:g} points"
            + (f"; {len(late)} submitted after the due date." if data.duedate else "; no due date in the gradebook.")
            + "</p>"]
    if not data.submissions:
        return _page(data.name, body + ["<p>No submission recorded yet.</p>"])
    figure = _figure()
    histogram(figure.subplots(), scores, data.max_score)
    body.append(_img(_png(figure), f"score histogram of {data.name}",
                     "Total scores from the gradebook (manual scores given in formgrader included); the dashed "
                     "line is the mean."))
    figure = _figure(height=0.9 + 0.32 * len(stats))
    pass_rates(figure.subplots(), stats)
    body.append(_img(_png(figure), f"pass rate per part of {data.name}",
                     "Share of the submissions with a readable notebook that got each part's full points."))

    body.append("<h2>Why parts were lost</h2><table><tr><th>part</th><th>points</th><th>full points</th>"
                "<th>most frequent reasons for losing it</th></tr>")
    for s in stats:
        failed = s.attempted - s.passed
        top = "".join(f"<li>{count} of {failed}: {_e(label)}</li>" for count, label in s.reasons[:4])
        more = f"<li>... {len(s.reasons) - 4} other reasons</li>" if len(s.reasons) > 4 else ""
        adjusted = f" ({s.adjusted} with a manual score)" if s.adjusted else ""
        body.append(f"<tr><td><code>{_e(s.name)}</code></td><td class=\"n\">{s.points:g}</td>"
                    f"<td class=\"n\">{s.passed} of {s.attempted}{adjusted}</td>"
                    f"<td>{'<ul>' + top + more + '</ul>' if failed else 'nobody lost it'}</td></tr>")
    body.append("</table>")

    body += _manual_section(manual_stats(data))

    if any(s.median_seconds is not None for s in stats):
        figure = _figure(height=0.9 + 0.32 * len(stats))
        part_times(figure.subplots(), stats)
        body.append("<h2>Slowest parts</h2>")
        body.append(_img(_png(figure), f"time per part of {data.name}",
                         "Wall-clock seconds of each part's sandbox: median over the submissions, and the slowest."))
        slow = sorted(((r["seconds"], s.student, name) for s in readable for name, r in s.parts.items()
                       if isinstance(r.get("seconds"), (int, float))), reverse=True)[:10]
        body.append("<table><tr><th>student</th><th>part</th><th>seconds</th></tr>")
        body += [f"<tr><td><code>{_e(student)}</code></td><td><code>{_e(name)}</code></td>"
                 f"<td class=\"n\">{seconds:.1f}</td></tr>" for seconds, student, name in slow]
        body.append("</table>")

    flagged = [(s, flag_kinds(s.flags, s.isolation, s.status)) for s in data.submissions]
    flagged = [(s, kinds) for s, kinds in flagged if kinds]
    body.append(f"<h2>Flagged submissions ({len(flagged)})</h2>")
    if flagged:
        counts = Counter(kind for _, kinds in flagged for kind in kinds)
        body.append("<p>" + ", ".join(f"{kind}: {count}" for kind, count in counts.most_common()) + "</p>")
        body.append("<table><tr><th>student</th><th>status</th><th>score</th><th>kind</th><th>flags</th></tr>")
        body += [f"<tr><td><code>{_e(s.student)}</code></td><td>{_e(s.status)}</td><td class=\"n\">{s.score:g}"
                 f"</td><td>{_e(', '.join(kinds))}</td><td>{'<br>'.join(_e(f) for f in s.flags)}</td></tr>"
                 for s, kinds in flagged]
        body.append("</table>")
    else:
        body.append("<p>None.</p>")

    body.append("<h2>Similar solution code, for a human look</h2>")
    same = identical_notebooks(data)
    if same:
        body.append("<p>Byte-identical notebook files (the same SHA-256): " + "; ".join(
            ", ".join(_member(m) for m in group) for group in same) + ".</p>")
    if groups is None:
        body.append("<p class=\"note\">Not compared: pass <code>--submitted</code> (the collected submissions) and "
                    "<code>--source</code> (the source notebooks).</p>")
    else:
        body.append(f"<p class=\"note\">Groups of submissions whose solution cells are identical or nearly so "
                    f"(similarity at least {threshold:.0%}) once comments, layout, docstrings and variable names "
                    "are set aside, and the code given in the released notebook is left out. Similar code is a "
                    "reason to look, not a conclusion: short exercises have few natural solutions, and students "
                    "may start from the same lecture code.</p>")
        if groups:
            body.append("<table><tr><th>submissions</th><th>similarity</th><th>identical solution cells</th></tr>")
            for g in groups:
                body.append(f"<tr><td>{', '.join(_member(m) for m in g.members)}</td>"
                            f"<td class=\"n\">{g.low:.0%}" + (f"–{g.high:.0%}" if g.high > g.low else "") +
                            f"</td><td>{len(g.identical_cells)} of {g.compared_cells}: "
                            f"{_e(', '.join(g.identical_cells))}</td></tr>")
            body.append("</table>")
        else:
            body.append("<p>No such group.</p>")
    return _page(f"{data.name}: class report", body)


def _manual_section(manual):
    """The assignment page's lines on what people graded by hand (nothing when nobody had anything to grade)."""
    if not manual.written and not manual.overrides:
        return []
    lines = ["<h2>Graded by hand</h2>",
             f"<p>The totals include <b>{manual.written_points + manual.override_points:g}</b> points given by hand "
             f"({manual.written_points:g} for written answers, {manual.override_points:+g} from overridden parts); "
             f"<b>{manual.pending}</b> written answer(s) still await grading (formgrader's Manual Grading).</p>"]
    if manual.written:
        lines.append("<table><tr><th>written answer</th><th>points</th><th>answered</th><th>graded</th>"
                     "<th>awaiting grading</th><th>mean of the graded</th></tr>")
        lines += [f"<tr><td><code>{_e(w.name)}</code></td><td class=\"n\">{w.points:g}</td>"
                  f"<td class=\"n\">{w.answered}</td><td class=\"n\">{w.graded}</td>"
                  f"<td class=\"n\">{w.pending}</td>"
                  f"<td class=\"n\">{'' if w.mean is None else f'{w.mean:.2f}'}</td></tr>" for w in manual.written]
        lines.append("</table>")
    if manual.overrides:
        lines.append("<table><tr><th>student</th><th>part</th><th>grader's score</th><th>score given by hand</th></tr>")
        lines += [f"<tr><td><code>{_e(student)}</code></td><td><code>{_e(part)}</code></td><td class=\"n\">{auto:g}"
                  f"</td><td class=\"n\">{hand:g}</td></tr>" for student, part, auto, hand in manual.overrides]
        lines.append("</table>")
    return lines


def index_page(classes, all_stats):
    body = ["<h1>Class report</h1>",
            f"<p>Built {_e(time.strftime('%Y-%m-%d %H:%M'))} from the gradebook: {len(classes)} assignment(s), "
            f"{classes[0].roster if classes else 0} students in the gradebook.</p>"]
    if any(d.submissions for d in classes):
        figure = _figure(height=1.0 + 0.45 * len(classes))
        overview(figure.subplots(), classes)
        body.append(_img(_png(figure), "score distribution per assignment",
                         "Total scores as a percentage of each assignment's maximum (box: middle half, line: "
                         "median)."))
    body.append("<table><tr><th>assignment</th><th>submissions</th><th>mean</th><th>max</th>"
                "<th>hardest part</th><th>flagged</th><th>written answers awaiting grading</th>"
                "<th>points given by hand</th></tr>")
    for data, stats in zip(classes, all_stats):
        scores = [s.score for s in data.submissions]
        hardest = min((s for s in stats if s.attempted), key=lambda s: s.passed / s.attempted, default=None)
        flagged = sum(1 for s in data.submissions if flag_kinds(s.flags, s.isolation, s.status))
        manual = manual_stats(data)
        body.append(f"<tr><td><a href=\"{_e(data.name)}.html\">{_e(data.name)}</a></td>"
                    f"<td class=\"n\">{len(scores)}</td>"
                    f"<td class=\"n\">{statistics.mean(scores) if scores else 0:.2f}</td>"
                    f"<td class=\"n\">{data.max_score:g}</td>"
                    + (f"<td><code>{_e(hardest.name)}</code>: {hardest.passed} of {hardest.attempted}</td>"
                       if hardest else "<td></td>") + f"<td class=\"n\">{flagged}</td>"
                    f"<td class=\"n\">{manual.pending}</td>"
                    f"<td class=\"n\">{manual.written_points + manual.override_points:g}</td></tr>")
    body.append("</table>")
    return _page("Class report", body)


def _write_parts_csv(path, classes, all_stats):
    with path.open("w", newline="", encoding="utf-8") as stream:
        writer = csv.writer(stream)
        writer.writerow(["assignment", "part", "points", "attempted", "full_points", "pass_rate", "manual_scores",
                         "top_reason", "top_reason_count", "median_seconds", "max_seconds"])
        for data, stats in zip(classes, all_stats):
            for s in stats:
                top = s.reasons[0] if s.reasons else (0, "")
                writer.writerow([data.name, s.name, f"{s.points:g}", s.attempted, s.passed,
                                 f"{s.passed / s.attempted:.3f}" if s.attempted else "", s.adjusted, top[1], top[0],
                                 "" if s.median_seconds is None else f"{s.median_seconds:.3f}",
                                 "" if s.max_seconds is None else f"{s.max_seconds:.3f}"])


def _write_manual_csv(path, classes):
    """One row per written answer (kind ``written``) and per overridden part (kind ``override``)."""
    with path.open("w", newline="", encoding="utf-8") as stream:
        writer = csv.writer(stream)
        writer.writerow(["assignment", "kind", "name", "student", "points", "answered", "graded", "awaiting_grading",
                         "grader_score", "manual_score"])
        for data in classes:
            manual = manual_stats(data)
            for w in manual.written:
                writer.writerow([data.name, "written", w.name, "", f"{w.points:g}", w.answered, w.graded, w.pending,
                                 "", "" if w.mean is None else f"{w.mean:.3f}"])
            for student, part, auto, hand in manual.overrides:
                writer.writerow([data.name, "override", part, student, "", "", "", "", f"{auto:g}", f"{hand:g}"])


def build_report(db_url, dest, assignments=(), submitted=None, source=None, release=None, threshold=0.9,
                 registry=None):
    """Write the class report into ``dest``; return the paths written (index first)."""
    classes = load_class(db_url, assignments, registry)
    all_stats = [part_stats(data) for data in classes]
    dest = Path(dest)
    dest.mkdir(parents=True, exist_ok=True)
    written = [dest / "index.html"]
    written[0].write_text(index_page(classes, all_stats), encoding="utf-8")
    for data, stats in zip(classes, all_stats):
        groups = find_similar(data, submitted, source, release, threshold) if source is not None else None
        path = dest / f"{data.name}.html"
        path.write_text(assignment_page(data, stats, groups, threshold), encoding="utf-8")
        written.append(path)
    _write_parts_csv(dest / "parts.csv", classes, all_stats)
    written.append(dest / "parts.csv")
    _write_manual_csv(dest / "manual.csv", classes)
    written.append(dest / "manual.csv")
    return written


# ---- command line -----------------------------------------------------------------------------------------
def add_parser(commands):
    """The ``report`` subcommand of ``python -m gdkit.grading``."""
    parser = commands.add_parser("report", help="class report (HTML pages with figures) from the gradebook")
    parser.add_argument("--out", type=Path, default=Path("grading-output"),
                        help="the grader's output folder; the report goes to OUT/report (default: grading-output)")
    parser.add_argument("--db-url", help="gradebook URL (default: sqlite:///<out>/gradebook.db)")
    parser.add_argument("--assignment", action="append", default=[], help="report only on A (repeatable)")
    parser.add_argument("--submitted", type=Path, default=None,
                        help="collected submissions, for the similarity check (default: ./submitted if present)")
    parser.add_argument("--source", type=Path, default=None,
                        help="source notebooks (default: ./solutions); their release beside them, in exercises/")
    parser.add_argument("--similarity", type=float, default=0.9,
                        help="lowest similarity (0-1) of two students' solution code that is listed (default 0.9)")
    parser.set_defaults(run=main)
    return parser


def main(args):
    from .gradebook import default_db_url
    started = time.monotonic()
    submitted = args.submitted or (Path("submitted") if Path("submitted").is_dir() else None)
    source = args.source or (Path("solutions") if Path("solutions").is_dir() else None)
    release = source.parent / "exercises" if source is not None else None
    try:
        written = build_report(args.db_url or default_db_url(args.out), args.out / "report", args.assignment,
                               submitted, source, release, args.similarity)
    except (FileNotFoundError, KeyError) as error:
        print(f"error: {error.args[0]}", file=sys.stderr)
        return 2
    print(f"report: {written[0]} ({len(written) - 3} assignment page(s), parts.csv, manual.csv) in "
          f"{time.monotonic() - started:.1f} s")
    return 0
