"""Recording grades in nbgrader's gradebook, one transaction per submission, and one grader at a time.

The gradebook is nbgrader's (``nbgrader.api.Gradebook``; SQLite by default, any SQLAlchemy URL, e.g.
PostgreSQL, with ``--db-url``). Beside nbgrader's tables it holds ``gdkit_grading_record``: one row per graded
submission with the per-part scores and messages, the flags, the isolation mode and a fingerprint of the
notebook. That row is the completion marker: it is written in the same transaction as the grades, so a grader
killed at any moment leaves either the whole submission recorded or none of it, and a re-run grades exactly
the submissions without a row (or whose notebook changed since).
"""
import fcntl
import json
import os
import shutil
import sys
import time
import warnings
from pathlib import Path

from sqlalchemy import text

__all__ = ["GradebookWriter", "GraderLock", "GraderBusy", "default_db_url"]


class GraderBusy(RuntimeError):
    """Another grader holds the lock on this output folder or gradebook."""


def default_db_url(out):
    return f"sqlite:///{Path(out).resolve() / 'gradebook.db'}"


class GraderLock:
    """Exclusive advisory locks (``flock``) on ``<out>/.grader.lock`` and, for SQLite, ``<db>.lock``.

    A second grader on the same output folder or the same SQLite gradebook is refused with a clear message
    instead of interleaving writes. For a server database (PostgreSQL) a session advisory lock is taken by
    :class:`GradebookWriter` as well.
    """

    def __init__(self, out, db_url):
        self.paths = [Path(out) / ".grader.lock"]
        if db_url.startswith("sqlite:///"):
            self.paths.append(Path(db_url[len("sqlite:///"):] + ".lock"))
        self.files = []

    def __enter__(self):
        for path in self.paths:
            path.parent.mkdir(parents=True, exist_ok=True)
            handle = open(path, "a+")
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                handle.seek(0)
                holder = handle.read().strip() or "unknown"
                handle.close()
                self.__exit__()
                raise GraderBusy(f"another grader is already running on this gradebook ({path} is locked by "
                                 f"{holder}); wait for it to finish, or grade into another --out/--db-url") from None
            handle.seek(0)
            handle.truncate()
            handle.write(f"pid {os.getpid()} since {time.strftime('%Y-%m-%d %H:%M:%S')}\n")
            handle.flush()
            self.files.append(handle)
        return self

    def __exit__(self, *exc):
        for handle in self.files:
            handle.close()  # closing releases the flock
        self.files = []
        return False


_CREATE = """CREATE TABLE IF NOT EXISTS gdkit_grading_record (
    student VARCHAR(128) NOT NULL, assignment VARCHAR(128) NOT NULL, notebook VARCHAR(256) NOT NULL,
    status VARCHAR(32) NOT NULL, score FLOAT NOT NULL, max_score FLOAT NOT NULL, parts TEXT NOT NULL,
    flags TEXT NOT NULL, isolation VARCHAR(16) NOT NULL, fingerprint VARCHAR(64) NOT NULL,
    graded_at VARCHAR(32) NOT NULL, PRIMARY KEY (student, assignment))"""


class GradebookWriter:
    """nbgrader's gradebook plus the completion records of this grader.

    Parameters
    ----------
    db_url : str
        SQLAlchemy URL, e.g. ``sqlite:////abs/path/gradebook.db`` or ``postgresql://user@host/course``.
    """

    def __init__(self, db_url):
        from nbgrader.api import Gradebook
        if shutil.which("alembic") is None:  # nbgrader runs `alembic heads` when it creates a gradebook
            os.environ["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"
        self.gb = Gradebook(db_url)
        self.db = self.gb.db
        if db_url.startswith(("postgresql", "postgres")):
            got = self.db.execute(text("SELECT pg_try_advisory_lock(5172023)")).scalar()
            if not got:
                raise GraderBusy("another grader holds the gradebook's advisory lock; wait for it to finish")
        self.db.execute(text(_CREATE))
        self.db.commit()

    def close(self):
        self.gb.close()

    def ensure_assignment(self, assignment, notebook, parts):
        """Create (or update) the assignment, its notebook and one grade cell per part, points from the
        registry. Works whether or not ``nbgrader generate_assignment`` has run."""
        notebook = Path(notebook).stem  # nbgrader names notebooks without the extension
        self.gb.update_or_create_assignment(assignment)
        self.gb.update_or_create_notebook(notebook, assignment)
        for part in parts:
            self.gb.update_or_create_grade_cell(part.name, notebook, assignment, max_score=float(part.points),
                                                cell_type="code")

    def record(self, row):
        """Record one submission (a :class:`dict` from :func:`gdkit.grading.batch.grade_submission`): the
        nbgrader grades and the completion row, committed together."""
        from nbgrader.api import Grade, MissingEntry
        student, assignment, notebook = row["student"], row["assignment"], Path(row["notebook"]).stem
        self.gb.update_or_create_student(student)
        try:
            submission = self.gb.find_submission(assignment, student)
        except MissingEntry:
            with warnings.catch_warnings():  # nbgrader's own autoflush notices, harmless
                warnings.simplefilter("ignore")
                submission = self.gb.add_submission(assignment, student)
        submitted = next(nb for nb in submission.notebooks if nb.name == notebook)
        grades = {grade.name: grade for grade in submitted.grades}
        for part in row["parts"]:
            grade = grades.get(part["name"])
            if grade is None:  # a part added after this submission was first created
                cell = self.gb.find_grade_cell(part["name"], notebook, assignment)
                grade = Grade(cell_id=cell.id, notebook=submitted)
                self.db.add(grade)
            grade.auto_score = float(part["score"])
            grade.needs_manual_grade = False
        values = {key: row[key] for key in ("student", "assignment", "notebook", "status", "score", "max_score",
                                            "isolation", "fingerprint")}
        values.update(parts=json.dumps(row["parts"]), flags=json.dumps(row["flags"]),
                      graded_at=time.strftime("%Y-%m-%dT%H:%M:%S"))
        self.db.execute(text("DELETE FROM gdkit_grading_record WHERE student = :s AND assignment = :a"),
                        {"s": student, "a": assignment})
        self.db.execute(text("INSERT INTO gdkit_grading_record (student, assignment, notebook, status, score, "
                             "max_score, parts, flags, isolation, fingerprint, graded_at) VALUES (:student, "
                             ":assignment, :notebook, :status, :score, :max_score, :parts, :flags, :isolation, "
                             ":fingerprint, :graded_at)"), values)
        self.db.commit()

    def recorded(self, assignment):
        """``{student: fingerprint}`` of the submissions of ``assignment`` already fully recorded."""
        rows = self.db.execute(text("SELECT student, fingerprint FROM gdkit_grading_record WHERE assignment = :a"),
                               {"a": assignment})
        return {student: fingerprint for student, fingerprint in rows}

    def rows(self, assignment):
        """Every recorded submission of ``assignment`` as dicts (parts and flags decoded), by student."""
        result = self.db.execute(text("SELECT student, assignment, notebook, status, score, max_score, parts, "
                                      "flags, isolation, fingerprint, graded_at FROM gdkit_grading_record WHERE "
                                      "assignment = :a ORDER BY student"), {"a": assignment})
        rows = []
        for values in result:
            row = dict(values._mapping)
            row["parts"], row["flags"] = json.loads(row["parts"]), json.loads(row["flags"])
            rows.append(row)
        return rows
