"""Recording grades in nbgrader's gradebook, one transaction per submission, and one grader at a time.

The gradebook is nbgrader's (``nbgrader.api.Gradebook``; SQLite by default, any SQLAlchemy URL, e.g.
PostgreSQL, with ``--db-url``). Beside nbgrader's tables it holds ``gdkit_grading_record``: one row per graded
submission with the per-part scores and messages, the flags, the isolation mode, a fingerprint of the
notebook, the submission time and the grading key (what the grades were computed from: parts, seed, gdkit,
source notebook). That row is the completion marker: it is written in the same transaction as the grades, so a
grader killed at any moment leaves either the whole submission recorded or none of it, and a re-run grades
exactly the submissions without a row, or whose notebook, submission time or grading key changed since.
"""
import fcntl
import hashlib
import json
import os
import shutil
import sys
import time
import warnings
from pathlib import Path

from sqlalchemy import text

__all__ = ["GradebookWriter", "GraderLock", "GraderBusy", "GradebookError", "SeedMismatch", "default_db_url",
           "sqlite_path", "seed_hash"]

_ADVISORY_KEY = 5172023  # PostgreSQL advisory lock of "a gdkit grader runs on this database"


class GraderBusy(RuntimeError):
    """Another grader holds the lock on this output folder or gradebook."""


class GradebookError(RuntimeError):
    """The gradebook URL cannot be used (malformed, unreachable, not a database)."""


class SeedMismatch(GradebookError):
    """The gradebook's term was graded with another grading seed."""


_SEED_ITERATIONS = 200_000


def seed_hash(seed, salt=None, iterations=_SEED_ITERATIONS):
    """``pbkdf2_sha256$<iterations>$<salt>$<hash>`` of the grading seed: what the gradebook keeps of it (never
    the seed; a salted slow hash, so the record does not help guess a seed an instructor chose)."""
    import hashlib
    import secrets
    salt = salt or secrets.token_hex(16)
    digest = hashlib.pbkdf2_hmac("sha256", str(seed).encode(), salt.encode(), iterations).hex()
    return f"pbkdf2_sha256${iterations}${salt}${digest}"


def seed_matches(seed, recorded):
    """Whether ``seed`` is the one whose :func:`seed_hash` is ``recorded``."""
    import hmac
    try:
        method, iterations, salt, _ = recorded.split("$")
        return method == "pbkdf2_sha256" and hmac.compare_digest(seed_hash(seed, salt, int(iterations)), recorded)
    except ValueError:
        return False


def sqlite_path(db_url):
    """The real path (symbolic links resolved) of a SQLite gradebook URL, or None for another database."""
    if not db_url.startswith("sqlite:///"):
        return None
    path = db_url[len("sqlite:///"):].split("?", 1)[0]
    return Path(os.path.realpath(path))


def default_db_url(out):
    return f"sqlite:///{Path(out).resolve() / 'gradebook.db'}"


class GraderLock:
    """Exclusive advisory locks (``flock``) on ``<out>/.grader.lock`` and, for SQLite, ``<db>.lock``.

    A second grader on the same output folder or the same SQLite gradebook is refused with a clear message
    instead of interleaving writes. For a server database (PostgreSQL) a session advisory lock is taken by
    :class:`GradebookWriter` as well.
    """

    def __init__(self, out, db_url):
        self.paths = [Path(os.path.realpath(out)) / ".grader.lock"]
        database = sqlite_path(db_url)
        if database is not None:  # one lock per real file, however the URL reaches it (symbolic links)
            self.paths.append(database.with_name(database.name + ".lock"))
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

# Columns added after the first release: a gradebook created before them gets them on first use (an empty
# grading key makes the next run regrade those submissions once).
_ADDED = {"grading_key": "VARCHAR(256) NOT NULL DEFAULT ''",
          "submitted_notebook": "VARCHAR(256) NOT NULL DEFAULT ''",
          "submitted_at": "VARCHAR(40) NOT NULL DEFAULT ''",
          "cell_errors": "TEXT NOT NULL DEFAULT '[]'",
          "written": "TEXT NOT NULL DEFAULT '[]'"}
_COLUMNS = ("student", "assignment", "notebook", "status", "score", "max_score", "parts", "flags", "isolation",
            "fingerprint", "graded_at", *_ADDED)
# The term's settings: name -> value (the seed's hash, recorded by the first run of the term).
_CREATE_TERM = """CREATE TABLE IF NOT EXISTS gdkit_grading_term (
    name VARCHAR(64) NOT NULL PRIMARY KEY, value TEXT NOT NULL)"""


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
        self.lock = None
        try:
            if db_url.startswith(("postgresql", "postgres")):
                self.lock = self._advisory_lock(db_url)  # before nbgrader creates any table: no race
            database = sqlite_path(db_url)
            if database is not None and not database.parent.is_dir():
                raise GradebookError(f"the folder of the SQLite gradebook {database} does not exist")
            self.gb = Gradebook(db_url)
        except (GraderBusy, GradebookError):
            self._unlock()
            raise
        except Exception as error:  # noqa: BLE001 - a bad URL or an unreachable server: say so, no traceback
            self._unlock()
            raise GradebookError(f"cannot open the gradebook {db_url!r}: {type(error).__name__}: "
                                 f"{str(error).splitlines()[0][:300] if str(error) else ''}") from None
        self.db = self.gb.db
        self.db.execute(text(_CREATE))
        self.db.execute(text(_CREATE_TERM))
        from sqlalchemy import inspect
        present = {column["name"] for column in inspect(self.db.connection()).get_columns("gdkit_grading_record")}
        for name, kind in _ADDED.items():
            if name not in present:
                self.db.execute(text(f"ALTER TABLE gdkit_grading_record ADD COLUMN {name} {kind}"))
        self.db.commit()

    @staticmethod
    def _advisory_lock(db_url):
        """A connection holding PostgreSQL's session advisory lock of this database (one per real database,
        whatever URL reaches it); GraderBusy if another grader holds it."""
        from sqlalchemy import create_engine
        engine = create_engine(db_url)
        connection = engine.connect()
        if not connection.execute(text(f"SELECT pg_try_advisory_lock({_ADVISORY_KEY})")).scalar():
            connection.close()
            engine.dispose()
            raise GraderBusy("another grader holds the gradebook's advisory lock (on this PostgreSQL database); "
                             "wait for it to finish")
        return engine, connection

    def _unlock(self):
        if self.lock is not None:
            engine, connection = self.lock
            connection.close()
            engine.dispose()
            self.lock = None

    def close(self):
        try:
            self.gb.close()
        finally:
            self._unlock()

    def term_value(self, name):
        """A setting of the term (:data:`_CREATE_TERM`), or None."""
        found = self.db.execute(text("SELECT value FROM gdkit_grading_term WHERE name = :n"), {"n": name}).first()
        return None if found is None else found[0]

    def set_term_value(self, name, value):
        self.db.execute(text("DELETE FROM gdkit_grading_term WHERE name = :n"), {"n": name})
        self.db.execute(text("INSERT INTO gdkit_grading_term (name, value) VALUES (:n, :v)"), {"n": name, "v": value})
        self.db.commit()

    def check_seed(self, seed, regrade_all=False):
        """The term's seed: the first run records its hash (:func:`seed_hash`); a later run with another seed
        raises :class:`SeedMismatch`, unless ``regrade_all`` (then the new seed's hash replaces the old one and
        every submission is regraded with it). Returns ``"recorded"``, ``"same"`` or ``"replaced"``."""
        recorded = self.term_value("seed_hash")
        if recorded is not None and seed_matches(seed, recorded):
            return "same"
        if recorded is not None and not regrade_all:
            raise SeedMismatch(
                "this gradebook's term was graded with another grading seed (its hash is recorded in the gradebook): "
                "pass the term's seed (--seed / GDKIT_GRADING_SEED, or the --out folder whose .grading-seed holds "
                "it). To grade the whole term again with this new seed (every hidden case changes, every recorded "
                "score is recomputed), add --regrade-all")
        self.set_term_value("seed_hash", seed_hash(seed))
        return "recorded" if recorded is None else "replaced"

    def ensure_assignment(self, assignment, notebook, parts, manual_cells=()):
        """Create (or update) the assignment, its notebook, one grade cell per part (points from the registry)
        and one per manually graded cell of the source (``manual_cells``: :class:`~gdkit.grading.notebooks.
        ManualCell`, points from the source). Works whether or not ``nbgrader generate_assignment`` has run."""
        notebook = Path(notebook).stem  # nbgrader names notebooks without the extension
        self.gb.update_or_create_assignment(assignment)
        self.gb.update_or_create_notebook(notebook, assignment)
        for part in parts:
            self.gb.update_or_create_grade_cell(part.name, notebook, assignment, max_score=float(part.points),
                                                cell_type="code")
        for manual in manual_cells:
            self.gb.update_or_create_grade_cell(manual.grade_id, notebook, assignment,
                                                max_score=float(manual.points), cell_type=manual.cell_type)

    def record(self, row):
        """Record one submission (a :class:`dict` from :func:`gdkit.grading.batch.grade_submission`): the
        nbgrader grades, the submission time (``row["timestamp"]``, UTC text, as nbgrader's autograde sets it;
        empty: none) and the completion row, committed together."""
        from nbgrader.api import Grade, MissingEntry
        from nbgrader.utils import parse_utc
        student, assignment, notebook = row["student"], row["assignment"], Path(row["notebook"]).stem
        self.gb.update_or_create_student(student)
        try:
            submission = self.gb.find_submission(assignment, student)
        except MissingEntry:
            with warnings.catch_warnings():  # nbgrader's own autoflush notices, harmless
                warnings.simplefilter("ignore")
                submission = self.gb.add_submission(assignment, student)
        submission.timestamp = parse_utc(row["timestamp"]) if row.get("timestamp") else None
        submitted = next(nb for nb in submission.notebooks if nb.name == notebook)
        grades = {grade.name: grade for grade in submitted.grades}

        def grade_of(name):
            grade = grades.get(name)
            if grade is None:  # a part added after this submission was first created
                cell = self.gb.find_grade_cell(name, notebook, assignment)
                grade = grades[name] = Grade(cell_id=cell.id, notebook=submitted)
                self.db.add(grade)
            return grade

        row["flags"] = list(row["flags"])
        old_parts = {p["name"]: p for p in self._recorded_parts(student, assignment)}
        for part in row["parts"]:
            grade = grade_of(part["name"])
            new = float(part["score"])
            before = old_parts.get(part["name"])
            if grade.manual_score is not None and grade.auto_score is not None and grade.auto_score != new:
                row["flags"].append(f"the score of {part['name']} set by hand ({grade.manual_score:g}) was removed: "
                                    f"the grader's score changed from {grade.auto_score:g} to {new:g} (set it "
                                    "again in formgrader if it still applies)")
                grade.manual_score = None
            elif grade.manual_score is not None and before is not None and before.get("message") != part["message"]:
                row["flags"].append(f"the score of {part['name']} set by hand ({grade.manual_score:g}) was removed: "
                                    f"the grader's verdict changed (same score, {new:g}, but another message: the "
                                    "answer is not the one that was judged by hand; set it again in formgrader if it "
                                    "still applies)")
                grade.manual_score = None
            elif grade.manual_score is not None and before is not None:
                row["flags"].append(f"the score of {part['name']} set by hand ({grade.manual_score:g}) was kept: the "
                                    f"grader's score ({new:g}) and message of {part['name']} did not change")
            grade.auto_score = new
            grade.needs_manual_grade = False
        old_written = {w["grade_id"]: w for w in self._written(student, assignment)}
        written = []
        for answer in row.get("written") or ():
            grade = grade_of(answer.grade_id)
            digest = hashlib.sha256(answer.text.encode("utf-8", "surrogatepass")).hexdigest()[:16]
            before = old_written.get(answer.grade_id)
            if grade.manual_score is not None and before is not None and before["digest"] != digest:
                row["flags"].append(f"the written answer {answer.grade_id} changed since it was graded by hand "
                                    f"({grade.manual_score:g} points removed): grade it again in formgrader")
                grade.manual_score = None
            # as nbgrader's autograde: an unanswered cell scores 0, an answered one waits for a person
            grade.auto_score = None if answer.answered else 0.0
            grade.needs_manual_grade = answer.answered and grade.manual_score is None
            written.append({"grade_id": answer.grade_id, "points": float(answer.points), "answered": answer.answered,
                            "number": answer.number, "digest": digest})
        if not row.get("written"):  # no notebook read (missing, unreadable): its written answers are unanswered
            parts = {p["name"] for p in row["parts"]}
            for cell in self.gb.find_notebook(notebook, assignment).grade_cells:
                if cell.name not in parts:
                    grade = grade_of(cell.name)
                    grade.auto_score = 0.0
                    grade.needs_manual_grade = False
        values = {key: row[key] for key in ("student", "assignment", "notebook", "status", "score", "max_score",
                                            "isolation", "fingerprint")}
        values.update(parts=json.dumps(row["parts"]), flags=json.dumps(row["flags"]),
                      graded_at=time.strftime("%Y-%m-%dT%H:%M:%S"), grading_key=row.get("grading_key", ""),
                      submitted_notebook=row.get("submitted_notebook", ""), submitted_at=row.get("timestamp", ""),
                      cell_errors=json.dumps(row.get("cell_errors") or []), written=json.dumps(written))
        self.db.execute(text("DELETE FROM gdkit_grading_record WHERE student = :s AND assignment = :a"),
                        {"s": student, "a": assignment})
        self.db.execute(text(f"INSERT INTO gdkit_grading_record ({', '.join(_COLUMNS)}) "
                             f"VALUES ({', '.join(':' + name for name in _COLUMNS)})"), values)
        self.db.commit()

    def rollback(self):
        """Undo a :meth:`record` that failed half-way (the database refused a value)."""
        self.db.rollback()

    def assignments(self):
        """The assignments with at least one recorded submission, by name."""
        return [name for (name,) in self.db.execute(text("SELECT DISTINCT assignment FROM gdkit_grading_record "
                                                         "ORDER BY assignment"))]

    def recorded(self, assignment):
        """What the recorded submissions of ``assignment`` were graded from: ``{student: {"fingerprint": ...,
        "grading_key": ..., "timestamp": ...}}`` (the notebook's SHA-256, the grading key, the UTC submission
        time; empty strings for a record made before these existed)."""
        rows = self.db.execute(text("SELECT student, fingerprint, grading_key, submitted_at FROM "
                                    "gdkit_grading_record WHERE assignment = :a"), {"a": assignment})
        return {student: {"fingerprint": fingerprint, "grading_key": key, "timestamp": submitted_at}
                for student, fingerprint, key, submitted_at in rows}

    def _recorded_parts(self, student, assignment):
        """The part entries of the submission's current record (before it is replaced), or []."""
        found = self.db.execute(text("SELECT parts FROM gdkit_grading_record WHERE student = :s AND "
                                     "assignment = :a"), {"s": student, "a": assignment}).first()
        try:
            return [p for p in json.loads(found[0]) if isinstance(p, dict)] if found else []
        except ValueError:
            return []

    def _written(self, student, assignment):
        found = self.db.execute(text("SELECT written FROM gdkit_grading_record WHERE student = :s AND "
                                     "assignment = :a"), {"s": student, "a": assignment}).first()
        return json.loads(found[0] or "[]") if found else []

    def rows(self, assignment, student=None):
        """Every recorded submission of ``assignment`` as dicts (parts and flags decoded), by student.

        Each row has the columns of the record, ``timestamp`` (UTC text, or empty) and ``seconds_late``:
        nbgrader's ``total_seconds_late`` (extensions included) when the assignment has a due date in the
        gradebook and the submission a timestamp, else None.
        """
        from nbgrader.api import MissingEntry
        one = "" if student is None else " AND student = :s"
        result = self.db.execute(text(f"SELECT {', '.join(_COLUMNS)} FROM gdkit_grading_record WHERE "
                                      f"assignment = :a{one} ORDER BY student"), {"a": assignment, "s": student})
        try:
            duedate = self.gb.find_assignment(assignment).duedate
        except MissingEntry:
            duedate = None
        rows = []
        policy = self.late_policy()
        for values in result:
            row = dict(values._mapping)
            row["parts"], row["flags"] = json.loads(row["parts"]), json.loads(row["flags"])
            row["cell_errors"] = json.loads(row["cell_errors"] or "[]")
            row["timestamp"] = row.pop("submitted_at")
            self.apply_manual(row)
            self.apply_lateness(row, policy, duedate)
            rows.append(row)
        self.db.commit()
        return rows

    def apply_manual(self, row):
        """Fold into ``row`` what people graded in formgrader: a part's ``manual_score`` replaces the grader's
        score (the message says so), and each written answer becomes a part of its own (its manual score, 0 when
        unanswered, or 0 "awaiting manual grading"); ``score`` and ``max_score`` become the totals of both, as
        nbgrader's (autograded + manual)."""
        from nbgrader.api import MissingEntry
        written = json.loads(row.pop("written", None) or "[]")
        try:
            submission = self.gb.find_submission(row["assignment"], row["student"])
            notebook = next(nb for nb in submission.notebooks if nb.name == Path(row["notebook"]).stem)
            grades = {grade.name: grade for grade in notebook.grades}
        except (MissingEntry, StopIteration):
            grades = {}
        parts = []
        for part in row["parts"]:
            grade = grades.get(part["name"])
            if grade is not None and grade.manual_score is not None and grade.manual_score != part["score"]:
                part = {**part, "grader_score": part["score"], "score": float(grade.manual_score),
                        "message": f"{part['message']} [score set by hand: {grade.manual_score:g} "
                                   f"(the grader's: {part['score']:g})]".strip()}
            parts.append(part)
        named = {p["name"] for p in row["parts"]} | {w["grade_id"] for w in written}
        try:  # a missing or unreadable submission has no written answers recorded: still worth their points
            cells = self.gb.find_notebook(Path(row["notebook"]).stem, row["assignment"]).grade_cells
        except MissingEntry:
            cells = []
        written += [{"grade_id": cell.name, "points": float(cell.max_score), "answered": False}
                    for cell in cells if cell.cell_type == "markdown" and cell.name not in named]
        for answer in written:
            grade = grades.get(answer["grade_id"])
            manual = None if grade is None else grade.manual_score
            if manual is not None:
                score, message = float(manual), "written answer, graded by hand"
            elif not answer["answered"]:
                score, message = 0.0, "written answer: no answer was given"
            else:
                score, message = 0.0, "written answer: awaiting manual grading"
            parts.append({"name": answer["grade_id"], "score": score, "max_score": answer["points"],
                          "message": message, "written": True, "pending": manual is None and answer["answered"]})
        row["parts"] = parts
        row["score"] = sum(float(p["score"]) for p in parts)
        row["max_score"] = sum(float(p["max_score"]) for p in parts)
        row["pending_manual"] = sum(1 for p in parts if p.get("pending"))
        return row

    def late_policy(self):
        """The term's late-penalty policy (:mod:`gdkit.grading.late`; ``none`` until one is set)."""
        from .late import parse_policy
        return parse_policy(self.term_value("late_penalty") or "none")

    def apply_lateness(self, row, policy=None, duedate=False):
        """Add to ``row`` (a recorded submission) ``seconds_late`` (nbgrader's ``total_seconds_late``, extension
        included, when the assignment has a due date and the submission a timestamp; else None), ``extension``
        (seconds, or None), ``late_penalty`` (points, by ``policy``), ``raw_score`` and ``score`` (the score after
        the penalty, never below zero); store the penalty as nbgrader's ``late_submission_penalty`` of the
        submitted notebook (commit is the caller's). ``duedate`` False: look it up."""
        from nbgrader.api import MissingEntry
        policy = policy or self.late_policy()
        if duedate is False:
            try:
                duedate = self.gb.find_assignment(row["assignment"]).duedate
            except MissingEntry:
                duedate = None
        row["seconds_late"] = row["extension"] = None
        row.setdefault("raw_score", row["score"])
        row["late_penalty"] = 0.0
        row["late_policy"] = str(policy)
        try:
            submission = self.gb.find_submission(row["assignment"], row["student"])
        except MissingEntry:
            return row
        if submission.extension is not None:
            row["extension"] = submission.extension.total_seconds()
        if duedate is not None and row["timestamp"]:
            row["seconds_late"] = submission.total_seconds_late
        row["late_penalty"] = policy.penalty(row["raw_score"], row["max_score"], row["seconds_late"])
        row["score"] = max(0.0, row["raw_score"] - row["late_penalty"])
        for notebook in submission.notebooks:
            penalty = row["late_penalty"] if notebook.name == Path(row["notebook"]).stem else 0.0
            if notebook.late_submission_penalty != penalty:
                notebook.late_submission_penalty = penalty
        return row
