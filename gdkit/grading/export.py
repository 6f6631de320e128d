"""Grades for a learning platform, from the gradebook: Canvas and Moodle import CSVs, a wide CSV, feedback zips.

``python -m gdkit.grading export --out grading-output`` writes into ``<out>/export/``:

- ``wide.csv``: one row per student of the gradebook (the imported roster included), one column per
  assignment and the total; an empty cell is an assignment the student did not hand in.
- ``canvas.csv``: Canvas's gradebook import format: ``Student`` ("Last, First"), ``ID`` (the Canvas user id:
  nbgrader's ``lms_user_id``, else a student id made only of digits, which is what the course's zip_collect
  expression makes of Canvas's file names), ``SIS User ID`` (the nbgrader student id), ``SIS Login ID``, ``Section``, then one
  column per assignment, ``<assignment>`` or ``<assignment> (<Canvas assignment id>)`` with ``--lms-id``, and a
  ``Points Possible`` row under the header.
- ``moodle.csv``: for Moodle's "Import > CSV file": ``First name``, ``Last name``, ``ID number`` (the nbgrader
  student id), ``Email address``, then ``Assignment: <assignment> (Real)`` per assignment. Moodle asks which
  column identifies the user (map *ID number* or *Email address*) and which grade item each column goes to.
- ``feedback-<assignment>.zip``: the grader's feedback page of every student, ``<student>.html``, to attach
  in the platform.

Scores are nbgrader's (``SubmittedAssignment.score``): the trusted grader's, with any manual score given in
formgrader, as ``nbgrader export`` and formgrader show them.
"""
import csv
import sys
import zipfile
from pathlib import Path

__all__ = ["export_all", "gradebook_scores", "write_wide", "write_canvas", "write_moodle", "feedback_zips",
           "add_parser"]


def gradebook_scores(db_url, assignments=()):
    """``(students, names, maxima, scores)`` from the gradebook at ``db_url``.

    ``students``: dicts with ``id, first_name, last_name, email, lms_user_id`` (every student of the gradebook,
    sorted by id); ``names``: the assignments (all, or ``assignments``); ``maxima``: ``{assignment: points}``;
    ``scores``: ``{(student, assignment): score}`` for the submissions there are.
    """
    from nbgrader.api import Gradebook
    if db_url.startswith("sqlite:///") and not Path(db_url[len("sqlite:///"):]).is_file():
        raise FileNotFoundError(f"no gradebook at {db_url[len('sqlite:///'):]}: grade first, or pass "
                                "--out/--db-url of the run to export")
    with Gradebook(db_url) as gb:
        known = sorted(a.name for a in gb.assignments)
        unknown = [a for a in assignments if a not in known]
        if unknown:
            raise KeyError(f"no assignment {', '.join(unknown)} in the gradebook; it has: {', '.join(known)}")
        names = list(assignments) or known
        students = [{"id": s.id, "first_name": s.first_name or "", "last_name": s.last_name or "",
                     "email": s.email or "", "lms_user_id": s.lms_user_id or ""}
                    for s in sorted(gb.students, key=lambda s: s.id)]
        maxima, scores = {}, {}
        for name in names:
            assignment = gb.find_assignment(name)
            maxima[name] = float(assignment.max_score or 0.0)
            for submission in assignment.submissions:
                scores[submission.student.id, name] = max(0.0, float(submission.score or 0.0)  # as nbgrader
                                                          - float(submission.late_submission_penalty or 0.0))
    return students, names, maxima, scores


def _number(value):
    return f"{value:g}"


def _cell(value):
    """A CSV cell that spreadsheets will not run as a formula (names are chosen by people)."""
    value = str(value)
    return "'" + value if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value


def _score(scores, student, name, missing_zero):
    if (student, name) in scores:
        return _number(scores[student, name])
    return "0" if missing_zero else ""


def write_wide(path, students, names, maxima, scores, missing_zero=False):
    """One row per student: ``student, first_name, last_name, email``, a column per assignment, ``total`` and
    ``max_total`` (the sum of the assignments' maxima)."""
    with Path(path).open("w", newline="", encoding="utf-8") as stream:
        writer = csv.writer(stream)
        writer.writerow(["student", "first_name", "last_name", "email", *names, "total", "max_total"])
        for s in students:
            total = sum(scores.get((s["id"], name), 0.0) for name in names)
            writer.writerow([_cell(s["id"]), _cell(s["first_name"]), _cell(s["last_name"]), _cell(s["email"]),
                             *[_score(scores, s["id"], name, missing_zero) for name in names],
                             _number(total), _number(sum(maxima.values()))])
    return Path(path)


def write_canvas(path, students, names, maxima, scores, lms_ids=None, missing_zero=False):
    """Canvas's gradebook import CSV (see the module docstring)."""
    lms_ids = lms_ids or {}
    columns = [f"{name} ({lms_ids[name]})" if name in lms_ids else name for name in names]
    with Path(path).open("w", newline="", encoding="utf-8") as stream:
        writer = csv.writer(stream)
        writer.writerow(["Student", "ID", "SIS User ID", "SIS Login ID", "Section", *columns])
        writer.writerow(["    Points Possible", "", "", "", "", *[_number(maxima[name]) for name in names]])
        for s in students:
            display = ", ".join(part for part in (s["last_name"], s["first_name"]) if part) or s["id"]
            canvas_id = s["lms_user_id"] or (s["id"] if s["id"].isascii() and s["id"].isdigit() else "")
            writer.writerow([_cell(display), _cell(canvas_id), _cell(s["id"]), "", "",
                             *[_score(scores, s["id"], name, missing_zero) for name in names]])
    return Path(path)


def write_moodle(path, students, names, maxima, scores, missing_zero=False):
    """Moodle's CSV grade import (see the module docstring)."""
    with Path(path).open("w", newline="", encoding="utf-8") as stream:
        writer = csv.writer(stream)
        writer.writerow(["First name", "Last name", "ID number", "Email address",
                         *[f"Assignment: {name} (Real)" for name in names]])
        for s in students:
            writer.writerow([_cell(s["first_name"]), _cell(s["last_name"]), _cell(s["id"]), _cell(s["email"]),
                             *[_score(scores, s["id"], name, missing_zero) for name in names]])
    return Path(path)


def feedback_zips(out, dest, names):
    """``feedback-<assignment>.zip`` per assignment: ``<student>.html`` for every feedback page the grader wrote
    in ``<out>/feedback/<student>/<assignment>.html`` (``<student>`` as the grader named the folder: the student
    id, made safe for a file name). Returns ``{zip path: number of pages}``."""
    written = {}
    for name in names:  # assignment names are folder names of solutions/: safe as file names
        pages = sorted(p for p in Path(out, "feedback").glob(f"*/{name}.html") if p.is_file() and not p.is_symlink())
        if not pages:
            continue
        path = Path(dest) / f"feedback-{name}.zip"
        with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
            for page in pages:
                archive.write(page, f"{page.parent.name}.html")
        written[path] = len(pages)
    return written


def export_all(db_url, out, dest, assignments=(), lms_ids=None, missing_zero=False):
    """Write every export into ``dest``; return the paths written."""
    students, names, maxima, scores = gradebook_scores(db_url, assignments)
    dest = Path(dest)
    dest.mkdir(parents=True, exist_ok=True)
    written = [write_wide(dest / "wide.csv", students, names, maxima, scores, missing_zero),
               write_canvas(dest / "canvas.csv", students, names, maxima, scores, lms_ids, missing_zero),
               write_moodle(dest / "moodle.csv", students, names, maxima, scores, missing_zero)]
    return written + list(feedback_zips(out, dest, names))


def add_parser(commands):
    """The ``export`` subcommand of ``python -m gdkit.grading``."""
    parser = commands.add_parser("export", help="Canvas and Moodle grade-import CSVs, a wide CSV and feedback "
                                                "zips, from the gradebook")
    parser.add_argument("--out", type=Path, default=Path("grading-output"),
                        help="the grader's output folder; the files go to OUT/export (default: grading-output)")
    parser.add_argument("--db-url", help="gradebook URL (default: sqlite:///<out>/gradebook.db)")
    parser.add_argument("--assignment", action="append", default=[], help="export only A (repeatable)")
    parser.add_argument("--lms-id", action="append", default=[], metavar="ASSIGNMENT=ID",
                        help="Canvas assignment id of an assignment, so that the import updates that column "
                             "instead of creating a new assignment (repeatable)")
    parser.add_argument("--missing-as-zero", action="store_true",
                        help="0 for an assignment a student did not hand in (default: an empty cell)")
    parser.set_defaults(run=main)
    return parser


def main(args):
    from .gradebook import default_db_url
    try:
        lms_ids = dict(item.split("=", 1) for item in args.lms_id)
    except ValueError:
        print("error: --lms-id takes ASSIGNMENT=ID, e.g. --lms-id 01_forward=123456", file=sys.stderr)
        return 2
    try:
        written = export_all(args.db_url or default_db_url(args.out), args.out, args.out / "export",
                             args.assignment, lms_ids, args.missing_as_zero)
    except (FileNotFoundError, KeyError) as error:
        print(f"error: {error.args[0]}", file=sys.stderr)
        return 2
    for path in written:
        print(f"export: {path}")
    return 0
