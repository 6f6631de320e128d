"""Feedback pages and the grades CSV written by the trusted grader.

Feedback shows each part's score and message, the notebook-level flags and the errors of the student's own
cells. It never shows test code, test inputs or expected values, nor any line of the grader's own tracebacks;
every piece of text that student code could influence is HTML-escaped.
"""
import csv
import hashlib
import html
import os
import stat
from pathlib import Path

__all__ = ["feedback_html", "write_feedback", "write_nbgrader_feedback", "write_csv", "feedback_path", "safe_name"]

NBGRADER_SUBMISSION_FILES = ("timestamp.txt", "submission_secret.txt")

_STYLE = """body{font-family:system-ui,sans-serif;max-width:48rem;margin:2rem auto;padding:0 1rem;color:#222}
table{border-collapse:collapse;width:100%}td,th{border-bottom:1px solid #ddd;padding:.4rem;text-align:left;
vertical-align:top}.ok{color:#1a7f37}.bad{color:#b42318}.flag{background:#fff4e5;padding:.5rem;margin:.5rem 0}
code,pre{background:#f5f5f5;padding:.1rem .3rem;white-space:pre-wrap}"""


def _e(value):
    return html.escape(str(value), quote=True)


def _points(value):
    return f"{value:g}"


def feedback_html(row):
    """The HTML feedback page of one recorded submission (a row of :meth:`GradebookWriter.rows`)."""
    lines = ["<!DOCTYPE html>", '<html lang="en"><head><meta charset="utf-8">',
             f"<title>{_e(row['assignment'])}: feedback for {_e(row['student'])}</title>",
             f"<style>{_STYLE}</style></head><body>",
             f"<h1>{_e(row['assignment'])}</h1>",
             f"<p>Student: <b>{_e(row['student'])}</b> &middot; notebook <code>{_e(_submitted_name(row))}</code>"
             + (f" (graded as <code>{_e(row['notebook'])}</code>)" if _submitted_name(row) != row["notebook"] else "")
             + (f" &middot; submitted {_e(row['timestamp'])} UTC" if row.get("timestamp") else "") + "</p>",
             f"<p>Score: <b>{_points(row['score'])} / {_points(row['max_score'])}</b>"
             + (f" ({_points(row['raw_score'])} before the late penalty of {_points(row['late_penalty'])})"
                if row.get("late_penalty") else "") + "</p>"]
    lines += _lateness(row)
    for flag in row["flags"]:
        lines.append(f'<div class="flag">{_e(flag)}</div>')
    lines.append("<table><tr><th>Part</th><th>Score</th><th>Feedback</th></tr>")
    for part in row["parts"]:
        status = "ok" if part["score"] >= part["max_score"] else "bad"
        lines.append(f'<tr><td><code>{_e(part["name"])}</code></td><td class="{status}">'
                     f'{_points(part["score"])} / {_points(part["max_score"])}</td><td>{_e(part["message"])}</td></tr>')
    lines.append("</table>")
    cell_errors = row.get("cell_errors") or []
    if cell_errors:
        lines.append("<h2>Errors in your cells</h2><p>These cells raised an error when your notebook was run "
                     "from top to bottom; later cells still ran (unless a cell called exit()).</p><ul>")
        lines += [f"<li><code>{_e(error)}</code></li>" for error in cell_errors]
        lines.append("</ul>")
    lines.append("</body></html>")
    return "\n".join(lines) + "\n"


def _lateness(row):
    """The lines saying when the submission was due, how late it was and what that cost (nothing without a
    due date)."""
    from .late import describe_lateness, parse_policy
    seconds = row.get("seconds_late")
    if seconds is None:
        return []
    extension = row.get("extension")
    granted = f" (an extension of {describe_lateness(extension)} included)" if extension else ""
    if seconds <= 0:
        return [f'<p class="ok">Submitted on time{granted}.</p>']
    policy = parse_policy(row.get("late_policy") or "none")
    cost = (f"late penalty: <b>{_points(row['late_penalty'])}</b> points" if row.get("late_penalty")
            else "no points deducted")
    return [f'<div class="flag">Submitted <b>{_e(describe_lateness(seconds))}</b> after the due date{granted}: '
            f"{cost} ({_e(policy.describe())}).</div>"]


def feedback_path(out, row):
    """``<out>/feedback/<student>/<assignment>.html``, folder names made safe by :func:`safe_name`."""
    return Path(out) / "feedback" / safe_name(row["student"]) / f"{safe_name(row['assignment'])}.html"


def write_feedback(out, row, only_if_changed=False):
    """Write the feedback page of ``row`` (see :func:`feedback_path`) and return its path; with
    ``only_if_changed``, return None and leave the file alone when it already says the same."""
    path = feedback_path(out, row)
    page = feedback_html(row)
    if only_if_changed and path.is_file() and path.read_text(encoding="utf-8") == page:
        return None
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(page, encoding="utf-8")
    return path


def _read_submission_file(folder_fd, name, limit=4096):
    """The bytes of the regular file ``name`` in the open folder ``folder_fd``, never through a symbolic link
    (O_NOFOLLOW), at most ``limit`` bytes; None if it is a link, not a regular file, missing or larger."""
    try:
        fd = os.open(name, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK, dir_fd=folder_fd)
    except OSError:
        return None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode) or info.st_size > limit:
            return None
        return os.read(fd, limit + 1)[:limit]
    finally:
        os.close(fd)


def write_nbgrader_feedback(feedback_dir, row, submission_folder):
    """Put the feedback page where ``nbgrader release_feedback`` (0.9.6) looks for it.

    Writes ``<feedback_dir>/<student>/<assignment>/<notebook id>.html`` and copies the submission's
    ``timestamp.txt`` and ``submission_secret.txt`` (which ``nbgrader collect`` brings along) beside it:
    release_feedback reads both, and names the released file after a hash of the secret and the notebook id,
    which is how ``nbgrader fetch_feedback`` finds it for the student. The notebook id is the name of the
    notebook the student submitted (``row["submitted_notebook"]``), not the assignment's: fetch_feedback
    hashes the names of the notebooks in the student's own submission, so a page named after the source
    notebook would never reach a student who renamed theirs. Nothing is read through a symbolic link: the
    submission folder, its student folder and the two files must be real (a link could point at any file the
    grader can read, and the copy would reach the student).

    Returns
    -------
    Path or None
        The page written, or None when the submission has no ``timestamp.txt``/``submission_secret.txt``
        that are plain files (not collected by nbgrader: release_feedback could not deliver it).
    """
    submission_folder = Path(submission_folder)
    student, assignment = str(row["student"]), str(row["assignment"])
    if {student, assignment} & {"", ".", ".."} or "/" in student + assignment or "\0" in student + assignment:
        return None
    if submission_folder.is_symlink() or submission_folder.parent.is_symlink():
        return None
    try:
        folder_fd = os.open(submission_folder, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW)
    except OSError:
        return None
    try:
        copies = {name: _read_submission_file(folder_fd, name) for name in NBGRADER_SUBMISSION_FILES}
    finally:
        os.close(folder_fd)
    if any(data is None for data in copies.values()):
        return None
    folder = Path(feedback_dir) / student / assignment
    folder.mkdir(parents=True, exist_ok=True)
    for name, data in copies.items():
        target = folder / name
        if target.is_symlink():
            target.unlink()
        target.write_bytes(data)
    path = folder / f"{Path(_submitted_name(row)).stem}.html"
    path.write_text(feedback_html(row), encoding="utf-8")
    return path


def _submitted_name(row):
    """The file name of the notebook the student handed in (the assignment's when unknown or not a plain
    file name)."""
    name = str(row.get("submitted_notebook") or "")
    if not name.endswith(".ipynb") or name.startswith(".") or Path(name).name != name or "\0" in name:
        return row["notebook"]
    return name


def safe_name(name):
    """A file name for ``name``: itself when it is already safe (letters, digits, ``-_.``, no leading dot),
    else a sanitised form plus 8 hex digits of its hash, so that two ids never share a folder (``a b`` and
    ``a_b``)."""
    name = str(name)
    safe = "".join(c if (c.isascii() and c.isalnum()) or c in "-_." else "_" for c in name).lstrip(".")[:100] or "_"
    if safe == name:
        return name
    return f"{safe}-{hashlib.sha256(name.encode('utf-8', 'surrogatepass')).hexdigest()[:8]}"


def _cell(value):
    """A CSV cell that spreadsheets will not run as a formula (student-chosen names may start with '=')."""
    value = str(value)
    return "'" + value if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value


def _seconds(value):
    return "" if value is None else f"{float(value):.3f}".rstrip("0").rstrip(".")


def write_csv(path, rows, part_names):
    """Write the grades CSV: student, assignment, one column per part, total, max, status, timestamp (UTC, as
    in the submission's ``timestamp.txt``), seconds_late (when the gradebook has a due date; an extension counts),
    late_penalty (points, by the term's policy: :mod:`gdkit.grading.late`), isolation, flags. ``total`` is the
    score after the late penalty (nbgrader's ``score``; the parts' columns are before it)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="", encoding="utf-8") as stream:
        writer = csv.writer(stream)
        writer.writerow(["student", "assignment", *part_names, "total", "max_total", "status", "timestamp",
                         "seconds_late", "late_penalty", "isolation", "flags"])
        for row in sorted(rows, key=lambda r: (r["assignment"], r["student"])):
            scores = {part["name"]: part["score"] for part in row["parts"]}
            writer.writerow([_cell(row["student"]), _cell(row["assignment"]),
                             *[_points(scores[name]) if name in scores else "" for name in part_names],
                             _points(row["score"]), _points(row["max_score"]), row["status"],
                             row.get("timestamp") or "", _seconds(row.get("seconds_late")),
                             _points(row.get("late_penalty") or 0), row["isolation"],
                             _cell("; ".join(row["flags"]))])
    return path
