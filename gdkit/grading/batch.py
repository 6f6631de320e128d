"""Grading a whole class: find submissions, grade each part in a sandbox, record, write feedback and a CSV.

Layout read: nbgrader's collected ``<submitted>/<student>/<assignment>/<notebook>.ipynb``. For each
submission and each registered part of its assignment, :func:`gdkit.grading.sandbox.run_job` runs the
student's cells and the part's hidden cases in a fresh sandbox; only plain answers come back, and
:func:`gdkit.grading.core.evaluate` scores them here against answers the reference computed in this process.
Cases come from a seed derived from the course seed and the part id, never from time or order, so serial
and parallel runs, and re-runs, give identical scores.

Each record carries a grading key (:func:`grading_key`: the seed, the parts and their points and source, gdkit,
the source notebook). A re-run skips a recorded submission only if its notebook, its ``timestamp.txt`` and the
key are all unchanged; otherwise it is regraded and the progress line says why.
"""
import concurrent.futures
import dataclasses
import fcntl
import hashlib
import importlib
import importlib.util
import json
import os
import pkgutil
import queue
import shutil
import signal
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from . import core, plain, runner
from .autograded import autograded_path, default_autograded_dir, write_autograded
from .feedback import feedback_path, write_csv, write_feedback, write_nbgrader_feedback
from .gradebook import GradebookWriter, GraderLock, default_db_url
from .notebooks import (cells_before, find_submission_notebook, fingerprint, load_source, other_notebooks,
                        read_notebook_or_reason, read_timestamp, student_cells, written_answers)
from .sandbox import Limits, SandboxUnavailable, check_bwrap, choose_uid_block, kill_all, run_job, stopping
from .similarity import copied_reference
from .views import ViewCache, earlier_parts, hook_name

__all__ = ["Settings", "Assignment", "grade_class", "grade_submission", "part_seed", "load_parts", "grading_key",
           "regrade_reason", "clean_stale_job_folders", "WEAK_BANNER"]

WEAK_BANNER = ("WARNING: --weak-isolation: student code runs WITHOUT a sandbox (separate process and resource "
               "limits only); it can read and write your files, the gradebook included. Use for trying things "
               "out, never for real grades.")


@dataclass
class Settings:
    """Everything one grading run needs (the CLI's options)."""

    submitted: Path
    out: Path = Path("grading-output")
    assignments: tuple = ()
    workers: int = 1
    db_url: str | None = None
    force: bool = False
    regrade_all: bool = False
    late_penalty: object = None  # a gdkit.grading.late.LatePolicy to record for the term; None: keep the term's
    weak: bool = False
    limits: Limits = field(default_factory=Limits)
    notebook_seconds: float = 120.0
    seed: str = ""
    source: Path = Path("solutions")
    parts_file: Path | None = None
    nbgrader_feedback: Path | None = None
    autograded: Path | None = None  # formgrader's graded copies; None: autograded/ beside the submitted folder


@dataclass
class Assignment:
    """One assignment ready to grade: its parts, test cases and reference answers (computed here), and the
    grading key its records carry."""

    name: str
    notebook: str
    source: object
    parts: list
    cases: dict
    expected: dict
    payloads: dict
    key: str = ""
    hooks: dict = field(default_factory=dict)
    views: dict = field(default_factory=dict)


def part_seed(course_seed, part_id):
    """The seed of a part's hidden cases: from the course seed and the part id only."""
    return int.from_bytes(hashlib.sha256(f"{course_seed}:{part_id}".encode()).digest()[:8], "little")


def load_parts(parts_file=None):
    """``{assignment: [Part, ...]}`` from the registry, or from a Python file defining ``PARTS``."""
    if parts_file is not None:
        spec = importlib.util.spec_from_file_location("gdkit_grading_extra_parts", parts_file)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        registry = {part.id: part for part in module.PARTS}
    else:
        from . import all_parts
        registry = all_parts()
    grouped = {}
    for part in registry.values():
        grouped.setdefault(part.assignment, []).append(part)
    return grouped


def _digest(*chunks):
    hasher = hashlib.sha256()
    for chunk in chunks:
        chunk = chunk if isinstance(chunk, bytes) else str(chunk).encode()
        hasher.update(len(chunk).to_bytes(8, "little") + chunk)
    return hasher.hexdigest()


def _parts_files(assignment, parts_file):
    """The Python files the parts of ``assignment`` come from: the ``--parts-file``, or the registry's modules
    that define parts of it plus its helper modules (those without ``PARTS``, e.g. ``_common.py``)."""
    if parts_file is not None:
        return [Path(parts_file)]
    from . import parts as package
    files = []
    for info in pkgutil.iter_modules(package.__path__):
        module = importlib.import_module(f"{package.__name__}.{info.name}")
        defined = getattr(module, "PARTS", None)
        if defined is None or any(part.assignment == assignment for part in defined):
            files.append(Path(module.__file__))
    return sorted(files)


def _gdkit_digest():
    """gdkit's version and the text of every module of the package except the parts registry (the references,
    the checking and the grader itself): ``__version__`` alone does not change when a reference is fixed."""
    import gdkit
    package = Path(gdkit.__file__).resolve().parent
    registry = package / "grading" / "parts"
    files = sorted(p for p in package.rglob("*.py") if registry not in p.parents)
    return _digest(gdkit.__version__, *(f"{p.relative_to(package)}\n".encode() + p.read_bytes() for p in files))


def grading_key(name, parts, seed, source_path, parts_file=None, limits=None, notebook_seconds=120.0):
    """What the grades of assignment ``name`` are computed from, as ``"parts=... gdkit=... source=..."``.

    ``parts`` hashes the course seed, every part's id and points, and the source of the parts' module(s);
    ``gdkit`` the package's version and modules; ``limits`` the sandbox's limits (too small ones make honest code
    fail: raising them regrades); ``source`` the source notebook (which cells are tests). A
    recorded submission whose key differs is regraded (:func:`regrade_reason`). The seed is never stored alone.
    """
    parts_digest = _digest(seed, *(f"{part.id}:{part.points!r}" for part in sorted(parts, key=lambda p: p.id)),
                           *(path.read_bytes() for path in _parts_files(name, parts_file)))
    limits_digest = _digest(repr(sorted((limits or Limits()).as_dict().items())), notebook_seconds)
    return (f"parts={parts_digest[:16]} gdkit={_gdkit_digest()[:16]} limits={limits_digest[:16]} "
            f"source={hashlib.sha256(Path(source_path).read_bytes()).hexdigest()[:16]}")


_KEY_CHANGES = {"parts": "parts or seed changed", "gdkit": "gdkit changed", "limits": "limits changed",
                "source": "source notebook changed"}


def regrade_reason(record, fingerprint, timestamp, key):
    """Why a recorded submission must be graded again, or None when its record is current.

    ``record`` is the submission's entry in :meth:`GradebookWriter.recorded`; ``fingerprint``, ``timestamp``
    and ``key`` describe the submission and the grading now.
    """
    reasons = []
    if record["fingerprint"] != fingerprint:
        reasons.append("notebook changed")
    elif record["timestamp"] != timestamp:
        reasons.append("resubmitted (timestamp.txt changed)")
    if not record["grading_key"]:
        reasons.append("recorded without a grading key")
    elif record["grading_key"] != key:
        old = dict(item.split("=", 1) for item in record["grading_key"].split() if "=" in item)
        new = dict(item.split("=", 1) for item in key.split())
        reasons += [text for component, text in _KEY_CHANGES.items() if old.get(component) != new.get(component)]
    return ", ".join(reasons) or None


def _source_notebook(source_root, assignment):
    folder = Path(source_root) / assignment
    preferred = folder / f"{assignment}.ipynb"
    if preferred.is_file():
        return preferred
    notebooks = sorted(folder.glob("*.ipynb"))
    if len(notebooks) != 1:
        raise SystemExit(f"error: cannot find the source notebook of {assignment}: expected {preferred}")
    return notebooks[0]


def prepare_assignment(name, parts, settings, registry=None, views=None):
    """Cases and reference answers of every part of assignment ``name``, the names of its hooks and, with
    ``views`` (a :class:`~gdkit.grading.views.ViewCache`), the sandbox's view of gdkit for each part (what the
    part may use: the parts of ``registry``, ``{assignment: [Part, ...]}``, that come before it)."""
    source_path = _source_notebook(settings.source, name)
    source = load_source(source_path)
    cases, expected, payloads, hooks, part_views = {}, {}, {}, {}, {}
    every = [p for group in (registry or {name: parts}).values() for p in group]
    positions = {part.name: source.test_position(part.name) for part in parts}
    for part in parts:
        try:
            hooks[part.id] = (hook_name(part.prepare), hook_name(part.collect))
            for _, function in part.depends:  # gdkit's versions the runner swaps in for the cascade check
                hook_name(function)
        except ValueError as error:
            raise SystemExit(f"error: part {part.id}: {error}") from None
        if views is not None:
            part_views[part.id] = views.view(part, earlier_parts(part, every, positions))
        if part.kind == core.ANSWER:  # one case per student: built in grade_submission (student_cases)
            continue
        cases[part.id] = part.cases(np.random.default_rng(part_seed(settings.seed, part.id)), True)
        expected[part.id] = core.answers(part, part.reference, cases[part.id])
        failed = [text for status, text in expected[part.id] if status != "ok"]
        if failed:
            raise SystemExit(f"error: the reference of {part.id} fails on its own cases: {failed[0]}")
        payloads[part.id] = plain.dumps([[tuple(c.args), dict(c.kwargs), c.label] for c in cases[part.id]])
    key = grading_key(name, parts, settings.seed, source_path, settings.parts_file, settings.limits,
                      settings.notebook_seconds)
    return Assignment(name, source.name, source, parts, cases, expected, payloads, key, hooks, part_views)


def student_cases(assignment, part, student):
    """``(cases, expected answers, payload)`` of ``part`` for ``student`` (the submission folder's name): the
    assignment's shared ones for a function part, the student's own problem for a concept part."""
    if part.kind != core.ANSWER:
        return assignment.cases[part.id], assignment.expected[part.id], assignment.payloads[part.id]
    cases = core.cases_for(part, None, True, student)
    expected = core.answers(part, part.reference, cases)
    failed = [text for status, text in expected if status != "ok"]
    if failed:
        raise GraderFault(f"the reference of {part.id} fails for student {student!r}: {failed[0]}")
    return cases, expected, plain.dumps([[tuple(c.args), dict(c.kwargs), c.label] for c in cases])


def _signal_name(number):
    try:
        return signal.Signals(number).name
    except ValueError:
        return f"signal {number}"


def _crash_reason(outcome, limits):
    code = outcome.runner_status  # as the runner's supervisor saw it; else bwrap's (or the supervisor's) status
    if code is None:
        code = outcome.returncode
        if code is not None and code > 128:  # bwrap's init and the supervisor report a signal as 128 + its number
            code = 128 - code
    if code is not None and code < 0:
        name = _signal_name(-code)
        why = {"SIGXCPU": f"it used more than {limits.cpu_seconds} s of CPU time",
               "SIGXFSZ": f"it wrote a file larger than {limits.file_mb} MB",
               "SIGSEGV": "it crashed (segmentation fault)",
               "SIGKILL": (f"it used more than {limits.memory_mb} MB of memory in total" if outcome.memory_exceeded
                           else "it was killed (memory exhausted?)")}.get(name, f"it was killed by {name}")
        return why
    return f"it ended the process early (exit status {code}: os._exit, sys.exit outside a cell, or a crash)"


MAX_CELL_ERRORS, ERROR_EXCERPT = 10, 160  # what of the student's own error messages reaches the feedback


def excerpt(text, limit=ERROR_EXCERPT):
    """One line of at most ``limit`` characters of a message student code chose (it may carry test inputs)."""
    line = str(text).split("\n", 1)[0]
    return line if len(line) <= limit else line[:limit - 3] + "..."


def _decode_result(data, n_cases=None):
    """The runner's record as (status, answers, cell_errors, stopped, declared id, cascade answers), or None if it is not a well-formed record
    (whatever the bytes: the runner shares its process with student code, so this never raises).
    ``stopped`` is None or ``(cell number, message)``: a cell called exit and the later cells did not run."""
    try:
        record = plain.loads(data)
        if not isinstance(record, dict) or not isinstance(record.get("answers"), list):
            return None
        if n_cases is not None and len(record["answers"]) > n_cases:
            return None
        answers = []
        for item in record["answers"]:
            if not (type(item) is tuple and len(item) == 2 and type(item[0]) is str and item[0] in ("ok", "error")):
                return None
            kind, value = item
            if kind == "error" and type(value) is not str or kind == "ok" and not plain.is_plain_answer(value):
                return None
            if kind == "error":  # one short line: a raised message must not carry the hidden inputs into feedback
                marked = core.REFERENCE_CALL_MARKER in value or core.WITHHELD_MARKER in value
                value = excerpt(value, 400 if marked else ERROR_EXCERPT)
            answers.append((kind, value))
        cell_errors = record.get("cell_errors")
        cell_errors = cell_errors if type(cell_errors) is list else []
        errors = [excerpt(e) for e in cell_errors[:MAX_CELL_ERRORS] if type(e) is str]
        status = record.get("status") if type(record.get("status")) is str else "?"
        cascade = None
        if type(record.get("cascade")) is list and len(record["cascade"]) == len(answers) and all(
                type(item) is tuple and len(item) == 2 and item[0] in ("ok", "error") and
                (plain.is_plain_answer(item[1]) if item[0] == "ok" else type(item[1]) is str)
                for item in record["cascade"]):
            cascade = [(kind, value if kind == "ok" else "") for kind, value in record["cascade"]]
        stopped = None
        declared = record.get("declared_id")
        declared = excerpt(declared, 100) if type(declared) is str else None
        if type(record.get("stopped_at")) is int:  # the runner's own words, rebuilt here from the number alone
            number = record["stopped_at"]
            stopped = (number, f"cell {number} called exit(); later cells were not run")
        return status[:200], answers, errors, stopped, declared, cascade
    except Exception:  # noqa: BLE001 - a forged record is the student's problem, never the grader's
        return None


def _write_job(job_dir, cells, part, hooks, limits, student=None):
    """``job.json``: all the sandbox learns of the part (its function's name and hooks), the cells, the limits,
    and the submission's student id (the runner gives it to ``gdkit.problems``, so ``student_id()`` in the cells
    gives the problems of the id handed in under, as the user name does on the course's JupyterHub; the
    environment is left as it is)."""
    prepare, collect = hooks
    job = {"function": part.function, "prepare": prepare, "collect": collect, "cells": cells,
           "limits": limits.as_dict(), "kind": part.kind, "answer_format": part.answer_format,
           "student": student, "unchanged": list(part.unchanged), "returns_argument": part.returns_argument,
           "own_rng": part.own_rng, "arg_names": list(part.arg_names),
           "depends": [[name, hook_name(function)] for name, function in part.depends]}
    (job_dir / "job.json").write_text(json.dumps(job), encoding="utf-8")
    (job_dir / "job.json").chmod(0o644)


def grade_submission(student, assignment, folder, settings, slot=0, bwrap="bwrap", log_dir=None, jobs_dir=None):
    """Grade one student's submission of ``assignment`` (an :class:`Assignment`); return its record row.

    The row (a dict) has ``student, assignment, notebook`` (the source notebook's name),
    ``submitted_notebook`` (the file graded, empty if none), ``timestamp`` (UTC, from ``timestamp.txt``; empty if
    none), ``status, score, max_score, parts`` (each with ``name, score, max_score, message``, and ``seconds``
    when its sandbox ran), ``flags``,
    ``isolation``, ``fingerprint``, ``grading_key``, ``cell_errors`` and ``seconds``. Nothing here trusts the
    notebook's metadata; all points come from the registry. Job folders holding the student's cells are made
    in ``jobs_dir`` (default: the system's temporary folder) and removed after each part.
    """
    started = time.monotonic()
    path, flag = find_submission_notebook(folder, assignment.notebook)
    flags = [flag] if flag else []
    timestamp, timestamp_flag = read_timestamp(folder)
    if timestamp_flag:
        flags.append(timestamp_flag)
    if path is not None:
        ignored = other_notebooks(folder, path)
        if ignored:
            more = ", ..." if len(ignored) > 10 else ""
            flags.append(f"other notebooks not graded: {', '.join(ignored[:10])}{more}")
    row = {"student": student, "assignment": assignment.name, "notebook": assignment.notebook,
           "submitted_notebook": path.name if path is not None else "", "timestamp": timestamp,
           "grading_key": assignment.key, "isolation": "weak" if settings.weak else "bwrap", "cell_errors": [],
           "max_score": float(sum(p.points for p in assignment.parts))}

    def finish(status, parts):
        row.update(status=status, parts=parts, flags=flags, score=float(sum(p["score"] for p in parts)),
                   seconds=time.monotonic() - started)
        if settings.weak:
            flags.append("graded with --weak-isolation (no sandbox)")
        return row

    def zero(message):
        return [{"name": p.name, "score": 0.0, "max_score": float(p.points), "message": message}
                for p in assignment.parts]

    if path is None:
        row["fingerprint"] = "missing"
        return finish("missing", zero("no notebook was submitted for this assignment"))
    row["fingerprint"] = fingerprint(path)
    cells, reason = read_notebook_or_reason(path)
    if cells is None:
        flags.append(f"unreadable notebook: {reason}")
        return finish("unreadable", zero(f"unreadable notebook: {reason}; nothing could be graded"))
    sources, notes = student_cells(cells, assignment.source)
    # Written answers (the source's manually graded cells), for the gradebook side: never run, never scored here.
    row["written"] = written_answers(cells, assignment.source)
    flags += notes
    results, spent, stop, ran = {}, 0.0, None, set()
    limits = settings.limits
    # Parts in the order of their test cells in the source: each runs the cells before its test cell, so each
    # part's cells include the previous part's, and a fault in the cells stops every later part.
    order = sorted(assignment.parts, key=lambda p: assignment.source.test_position(p.name))
    for part in order:
        entry = {"name": part.name, "score": 0.0, "max_score": float(part.points)}
        part_cells = cells_before(sources, assignment.source, part.name)
        remaining = settings.notebook_seconds - spent
        if stop is None and remaining <= 0.5:
            stop = f"not graded: the notebook's time limit ({settings.notebook_seconds:g} s for all parts) was reached"
            flags.append("notebook time limit reached")
        if stop is not None:
            results[part.name] = {**entry, "message": stop}
            continue
        part_limits = dataclasses.replace(limits, wall_seconds=min(limits.wall_seconds, remaining))
        cases, expected, payload = student_cases(assignment, part, student)
        outcome = run_part_job([(c.number, c.source) for c in part_cells], part, assignment, part_limits, settings,
                               slot, bwrap, jobs_dir, payload, student)
        spent += outcome.seconds
        entry["seconds"] = round(outcome.seconds, 3)  # the class report's slowest parts
        if log_dir is not None and outcome.output:
            log = Path(log_dir) / f"{part.name}.log"
            log.parent.mkdir(parents=True, exist_ok=True)
            log.write_bytes(outcome.output + (b"\n[... output truncated]\n" if outcome.output_truncated else b""))
        decoded = _decode_result(outcome.result, len(cases)) if outcome.result else None
        if outcome.parent_killed:  # os.kill(os.getppid(), ...): nothing honest does that; the runner may live on
            flags.append("the notebook's code killed the grading supervisor (its parent process)")
            stop = (f"your notebook's code{_where(outcome, part_cells, ran, trust_last=False)} killed the process "
                    "that supervises grading (its parent process); this part and the later ones get no credit")
            results[part.name] = {**entry, "message": stop}
            continue
        if decoded is None:
            where = _where(outcome, part_cells, ran)
            if outcome.corrupt:
                stop = ("your notebook's code wrote on the grading process's own result channel; its answers "
                        "cannot be trusted, so no part could be graded")
                flags.append("result channel written by student code")
                results[part.name] = {**entry, "message": stop}
            elif not outcome.ready:
                if outcome.timed_out and part_limits.wall_seconds < limits.wall_seconds:
                    stop = (f"not graded: the notebook's time limit ({settings.notebook_seconds:g} s for all "
                            "parts) was reached")
                    flags.append("notebook time limit reached")
                elif outcome.timed_out:
                    stop = (f"your notebook's code{where} did not finish within {part_limits.wall_seconds:g} s "
                            "(an infinite loop?); this part and the later ones could not be graded")
                    flags.append("time limit: the notebook's cells did not finish")
                else:
                    reason = _crash_reason(outcome, limits)
                    stop = (f"your notebook's code{where} stopped the grading process: {reason}; this part and "
                            "the later ones could not be graded")
                    flags.append("the notebook's code ended the grading process")
                results[part.name] = {**entry, "message": stop}
            elif outcome.timed_out:
                results[part.name] = {**entry, "message": f"{part.function} did not return within the time limit "
                                                          f"({part_limits.wall_seconds:g} s) on the test cases"}
                flags.append(f"time limit: {part.name}")
            elif outcome.result and outcome.returncode == 0:
                results[part.name] = {**entry, "message": f"the answers of {part.function} could not be read (did "
                                                          "your code write on the grading process's result "
                                                          "channel?)"}
                flags.append(f"unreadable answers: {part.name}")
            else:
                results[part.name] = {**entry, "message": f"the grading process ended while testing "
                                                          f"{part.function}: "
                                                          f"{_crash_reason(outcome, limits)}"}
                flags.append(f"crashed: {part.name}")
            continue
        status, answers, cell_errors, stopped, declared, cascade = decoded
        ran.update(c.number for c in part_cells if stopped is None or c.number <= stopped[0])
        if cell_errors:
            row["cell_errors"] = cell_errors  # the latest part ran the most cells
        if stopped is not None and stopped[1] not in flags:
            flags.append(stopped[1])
        if status.startswith(runner.UNCOPYABLE):
            flags.append(f"{part.name}: {part.function} could not be copied out of its cells to be tested "
                         "(check by hand)")
        try:
            results[part.name] = _score_part(part, entry, status, answers, cases, expected, declared, cascade)
        except Exception as error:  # noqa: BLE001 - an answer the checks cannot handle: 0 here, the rest recorded
            results[part.name] = {**entry, "message": f"the answers of {part.function} could not be compared with "
                                                      f"the expected ones ({type(error).__name__}); this part gets "
                                                      "no credit"}
            flags.append(f"malformed answers: {part.name}")
        if stopped is not None and results[part.name]["score"] < part.points:
            results[part.name]["message"] += f" ({stopped[1]})"
    for part in order:  # pasted gdkit code: flagged for a human, never zeroed (gdkit.grading.similarity)
        copied = copied_reference([c.source for c in cells_before(sources, assignment.source, part.name)],
                                  part.function, (part.reference, *part.forbidden), assignment.source.code)
        if copied:
            flags.append(f"{part.name}: {part.function} is gdkit's {copied} up to names and formatting "
                         "(copied? check by hand)")
    parts = [results[part.name] for part in assignment.parts]
    return finish("graded", parts)


class GraderFault(RuntimeError):
    """A job failed for a reason of the grader's or the machine's (no sandbox could start: fork failing on the
    grader's side, the sandbox uid busy, ...), not of the student's: the submission is not recorded, so that
    the next run grades it."""


RETRIES = 3


def run_part_job(cells, part, assignment, limits, settings, slot, bwrap, jobs_dir, payload=None, student=None):
    """Run one part's job in a fresh sandbox and return its :class:`~gdkit.grading.sandbox.Outcome`.

    A job whose runner never reached the student's code (it reports "started" on its progress pipe just before
    the first cell) failed for the grader's reasons: it is retried up to :data:`RETRIES` times, then
    :class:`GraderFault` is raised. A runner killed by SIGKILL that neither the grader nor the sandbox's memory
    cap killed (the host's out-of-memory killer) is retried once.
    """
    host_killed, problem = 0, ""
    for attempt in range(RETRIES + 1):
        if attempt:
            time.sleep(0.5 * attempt)
        if stopping():  # the grader is being stopped: no new folder of student code, no new sandbox
            raise GraderFault("the grader was stopped")
        job_dir = Path(tempfile.mkdtemp(prefix="job-" if jobs_dir is not None else "gdkit-grade-", dir=jobs_dir))
        job_dir.chmod(0o755)  # readable by the sandbox's unprivileged uid (it holds the cells only)
        try:
            _write_job(job_dir, cells, part, assignment.hooks[part.id], limits, student)
            outcome = run_job(job_dir, limits, assignment.payloads[part.id] if payload is None else payload,
                              slot=slot, weak=settings.weak,
                              bwrap=bwrap, view=assignment.views.get(part.id))
        except OSError as error:  # fork failing on the grader's side (EAGAIN), the sandbox uid busy, ...
            problem = f"{type(error).__name__}: {error}"
            continue
        finally:
            shutil.rmtree(job_dir, ignore_errors=True)
        if outcome.interrupted:
            return outcome
        if not outcome.started and not outcome.corrupt:
            lines = outcome.output.decode("utf-8", "replace").strip().splitlines() or ["no output"]
            problem = f"the sandbox did not start (exit status {outcome.returncode}): {excerpt(lines[-1], 300)}"
            continue
        if outcome.runner_status == -9 and not outcome.timed_out and not outcome.memory_exceeded \
                and host_killed == 0:
            host_killed += 1  # killed by nobody we know of: the host's out-of-memory killer? once more
            continue
        return outcome
    raise GraderFault(f"{part.id}: {problem} (tried {RETRIES + 1} times)")


def _score_part(part, entry, status, answers, cases, expected, declared=None, cascade=None):
    """The result entry of a part whose runner came back with a readable record."""
    if status == "missing":
        if part.kind == core.ANSWER:
            return {**entry, "message": f"your notebook does not set {part.function} (the cells above its check "
                                        "were run: assign your answer there)"}
        return {**entry, "message": f"your notebook defines no function named {part.function}"}
    if status.startswith(runner.UNCOPYABLE):
        return {**entry, "message": f"{part.function} could not be tested: it could not be copied out of the "
                                    f"process that ran your cells ({status[len(runner.UNCOPYABLE):]}); keep "
                                    "open files, generators and the like out of the global variables it uses"}
    if status != "ok":
        return {**entry, "message": f"{part.function} should be a function, but it is {status}"}
    result = core.evaluate(part, cases, answers, expected, declared=declared, cascade=cascade)
    if result.credit:  # partial credit: the points of each returned value, for the record and the class report
        entry = {**entry, "credit": [[name, earned, points] for name, earned, points in result.credit]}
    return {**entry, "score": float(result.score), "message": result.message}


def _where(outcome, part_cells, ran, trust_last=True):
    """" (cell 7)" when the runner said which cell it was in when the run failed, else " (one of cells 5, 7)":
    the cells that this part ran for the first time. ``trust_last=False`` when the runner may have gone on
    after the fault (a killed supervisor does not stop it at once)."""
    numbers = {c.number for c in part_cells}
    if trust_last and outcome.last_cell in numbers:
        return f" (cell {outcome.last_cell})"
    numbers = sorted(numbers - ran)
    if not numbers:
        return ""
    if len(numbers) == 1:
        return f" (cell {numbers[0]})"
    shown = ", ".join(map(str, numbers[:8])) + (", ..." if len(numbers) > 8 else "")
    return f" (one of cells {shown})"


def _discover(settings, registry):
    submitted = Path(settings.submitted)
    if not submitted.is_dir():
        raise SystemExit(f"error: {submitted} is not a folder (expected <dir>/<student>/<assignment>/*.ipynb)")
    students, refused = [], []
    for entry in sorted(submitted.iterdir()):
        if entry.name.startswith(".") or not entry.is_dir():
            continue
        why = student_name_problem(entry.name)
        if entry.is_symlink():
            why = "the student's folder is a symbolic link (not followed)"
        if why:
            refused.append((entry.name, why))
        else:
            students.append(entry.name)
    names = settings.assignments or sorted({a.name for s in students for a in (submitted / s).iterdir()
                                            if a.is_dir() and a.name in registry})
    unknown = [a for a in names if a not in registry]
    if unknown:
        raise SystemExit(f"error: no registered parts for assignment(s) {', '.join(unknown)}; "
                         f"known: {', '.join(sorted(registry)) or 'none'}")
    return students, list(names), refused


MAX_NAME = 128  # nbgrader's gradebook: student ids are VARCHAR(128)


def student_name_problem(name):
    """Why a student folder's name cannot be an nbgrader student id (empty when it can): the gradebook would
    refuse it (longer than 128 characters, control characters, undecodable bytes)."""
    if len(name) > MAX_NAME:
        return f"the folder name is {len(name)} characters long; nbgrader's gradebook takes at most {MAX_NAME}"
    if any(ord(c) < 32 or ord(c) == 127 or 0xD800 <= ord(c) <= 0xDFFF for c in name):
        return "the folder name has control characters or bytes that are not UTF-8"
    return ""


JOBS_PREFIX = "gdkit-grading-"  # <tmp>/gdkit-grading-<pid>-<random>/: one grader's job folders (mode 0700)
_ALIVE = ".alive"  # in that folder, flock-ed by its grader for as long as it runs


def clean_stale_job_folders(tmp=None, min_age=60.0, loose_age=3600.0):
    """Remove the job folders that graders killed with ``kill -9`` left behind (they hold student code).

    A ``<tmp>/gdkit-grading-<pid>-*`` folder of this user is stale when process ``<pid>`` is gone or, the pid
    having been reused, when nobody holds the lock on its ``.alive`` file and it is older than ``min_age``
    seconds. A loose ``<tmp>/gdkit-grade-*`` job folder (older graders, or :func:`grade_submission` called
    without ``jobs_dir``) lives for one part only, so one older than ``loose_age`` seconds is stale too.
    Returns the folders removed.
    """
    tmp = Path(tmp or tempfile.gettempdir())
    removed = []
    for folder in tmp.glob("gdkit-grade-*"):
        try:
            info = folder.lstat()
        except OSError:
            continue
        if folder.is_dir() and not folder.is_symlink() and info.st_uid == os.geteuid() and \
                time.time() - info.st_mtime > loose_age:
            shutil.rmtree(folder, ignore_errors=True)
            removed.append(folder)
    for folder in tmp.glob(f"{JOBS_PREFIX}*"):
        try:
            info = folder.lstat()
            pid = int(folder.name[len(JOBS_PREFIX):].split("-", 1)[0])
        except (OSError, ValueError):
            continue
        if folder.is_symlink() or not folder.is_dir() or info.st_uid != os.geteuid():
            continue
        if _pid_alive(pid) and (time.time() - info.st_mtime < min_age or _locked(folder / _ALIVE)):
            continue
        shutil.rmtree(folder, ignore_errors=True)
        removed.append(folder)
    return removed


def _pid_alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _locked(path):
    try:
        with open(path, "rb") as handle:
            try:
                fcntl.flock(handle, fcntl.LOCK_SH | fcntl.LOCK_NB)
            except BlockingIOError:
                return True
    except OSError:
        return False
    return False


def _private_jobs_dir():
    """This run's parent of job folders (mode 0700: only this user can look in) and the handle whose lock marks
    it alive; stale folders of dead graders are removed first."""
    clean_stale_job_folders()
    folder = Path(tempfile.mkdtemp(prefix=f"{JOBS_PREFIX}{os.getpid()}-"))
    alive = open(folder / _ALIVE, "w")
    fcntl.flock(alive, fcntl.LOCK_EX)
    return folder, alive


def grade_class(settings, stream=sys.stdout):
    """Grade every submission under ``settings.submitted``; return the process exit status (0: all recorded)."""
    out = Path(settings.out)
    out.mkdir(parents=True, exist_ok=True)
    (out / "logs").mkdir(exist_ok=True)
    bwrap = "bwrap"
    if settings.weak:
        print("=" * 100 + f"\n{WEAK_BANNER}\n" + "=" * 100, file=stream, flush=True)
    else:
        bwrap = check_bwrap()
        if os.geteuid() == 0:
            first = choose_uid_block()  # recorded, so an administrator (or a test) can find this run's sandboxes
            (out / "logs" / "sandbox-uids.txt").write_text(f"{first} {first + 63}\n")
            print(f"sandbox uids: {first}-{first + 63}", file=stream, flush=True)
    registry = load_parts(settings.parts_file)
    students, names, refused = _discover(settings, registry)
    for student, why in refused:
        print(f"{student[:60]!r}: NOT GRADED: {why}", file=stream, flush=True)
    db_url = settings.db_url or default_db_url(out)
    failures = len(refused)
    with GraderLock(out, db_url):
        book = GradebookWriter(db_url)
        try:
            seed_state = book.check_seed(settings.seed, settings.regrade_all)
        except Exception:
            book.close()
            raise
        if seed_state == "replaced":
            print("--regrade-all: the term's grading seed is replaced by this one; every submission is regraded",
                  file=stream, flush=True)
        if settings.regrade_all:
            settings = dataclasses.replace(settings, force=True)
        if settings.late_penalty is not None:
            book.set_term_value("late_penalty", str(settings.late_penalty))
        jobs_dir, alive = _private_jobs_dir()
        views = ViewCache(jobs_dir)
        try:
            for name in names:
                failures += _grade_assignment(name, registry[name], students, settings, book, bwrap, stream,
                                              jobs_dir, registry, views)
            csv_path = _write_outputs(settings, book, registry, stream)
        finally:
            book.close()
            shutil.rmtree(jobs_dir, ignore_errors=True)
            alive.close()
    print(f"grades: {csv_path}  feedback: {out / 'feedback'}  gradebook: {db_url}", file=stream, flush=True)
    if settings.weak:
        print(WEAK_BANNER, file=stream, flush=True)
    return 1 if failures else 0


def _write_outputs(settings, book, registry, stream):
    """grades.csv with every submission the gradebook records (every assignment, not only this run's), the
    feedback pages that are missing (a grader killed between recording a submission and writing its page) or
    changed (a manual grade, lateness; ``--nbgrader-feedback`` pages with them), and missing graded notebooks for
    formgrader: each written from the gradebook's record."""
    out = Path(settings.out)
    all_rows, part_names = [], []
    for name in book.assignments():
        rows = book.rows(name)
        known = [p.name for p in registry.get(name, ())]
        extra = [p["name"] for row in rows for p in row["parts"] if p["name"] not in known]
        part_names += [f"{name}/{part}" for part in dict.fromkeys(known + extra)]
        for row in rows:
            missing = not feedback_path(out, row).exists()
            changed = write_feedback(out, row, only_if_changed=True) is not None
            if changed:  # lost, or lateness or a manual grade changed since
                print(f"{row['student']} {name}: feedback page " + ("written from the gradebook (it was missing)"
                      if missing else "updated (due date, extension, late policy or manual grade changed)"),
                      file=stream, flush=True)
            if not autograded_path(_autograded_dir(settings), row["student"], name, row["notebook"]).exists():
                _write_graded_copy(settings, row)  # lost, or graded before the grader wrote them
            if settings.nbgrader_feedback is not None:
                page = Path(settings.nbgrader_feedback) / str(row["student"]) / name
                if changed or not any(page.glob("*.html")):  # the page release_feedback sends follows too
                    write_nbgrader_feedback(settings.nbgrader_feedback, row,
                                            Path(settings.submitted) / str(row["student"]) / name)
            all_rows.append({**row, "parts": [{**p, "name": f"{name}/{p['name']}"} for p in row["parts"]]})
    return write_csv(out / "grades.csv", all_rows, part_names)


def _autograded_dir(settings):
    return Path(settings.autograded) if settings.autograded is not None else \
        default_autograded_dir(settings.submitted)


def _write_graded_copy(settings, row):
    """The graded notebook formgrader opens (:mod:`gdkit.grading.autograded`), from the submission's folder."""
    folder = Path(settings.submitted) / str(row["student"]) / row["assignment"]
    if not folder.is_dir():
        return None  # graded from another submitted folder: its copy is there
    submitted = folder / row["submitted_notebook"] if row.get("submitted_notebook") else None
    try:
        source = _source_notebook(settings.source, row["assignment"])
    except SystemExit:
        return None  # an assignment whose source is not here (graded from another --source): nothing to copy
    return write_autograded(_autograded_dir(settings), row, source,
                            submitted if submitted is not None and submitted.is_file() else None)


def calibrate(assignment, settings, bwrap, jobs_dir):
    """Run a trivial job (define a function, answer one case) with the run's limits; raise
    SandboxUnavailable with the reason if it fails: limits too small for Python, NumPy and gdkit to start, or a
    sandbox that cannot run here. Every student would otherwise get the grader's failure as a zero."""
    part = assignment.parts[0]
    probe = core.Part(assignment.name, "calibration", "_gdkit_probe", None, None)
    probe_assignment = dataclasses.replace(
        assignment, hooks={probe.id: (None, None)}, views={probe.id: assignment.views.get(part.id)},
        payloads={probe.id: plain.dumps([[(np.arange(3.0),), {}, "probe"]])})
    cells = [(1, "import numpy as np\nimport gdkit\n\ndef _gdkit_probe(x):\n    return np.asarray(x) * 2")]
    limits = dataclasses.replace(settings.limits, wall_seconds=max(settings.limits.wall_seconds, 10.0))
    try:
        outcome = run_part_job(cells, probe, probe_assignment, limits, settings, 0, bwrap, jobs_dir)
    except GraderFault as error:
        raise SandboxUnavailable(
            f"a trivial job cannot run in the sandbox with these limits (--memory-mb {settings.limits.memory_mb}, "
            f"--part-timeout {settings.limits.wall_seconds:g}): {error}; raise the limits (Python, NumPy and gdkit "
            "need about 300 MB of address space to start), or check that bubblewrap works here") from None
    decoded = _decode_result(outcome.result, 1) if outcome.result else None
    if decoded is None or decoded[0] != "ok" or decoded[2] or not decoded[1] or decoded[1][0][0] != "ok":
        output = excerpt(outcome.output.decode("utf-8", "replace").strip().replace("\n", " | "), 400)
        raise SandboxUnavailable(
            f"a trivial job fails in the sandbox with these limits (--memory-mb {settings.limits.memory_mb}, "
            f"--part-timeout {settings.limits.wall_seconds:g}): {output or 'no output'}; raise the limits (Python, "
            "NumPy and gdkit need about 300 MB of address space to start) and run again")


def _grade_assignment(name, parts, students, settings, book, bwrap, stream, jobs_dir, registry, views):
    assignment = prepare_assignment(name, parts, settings, registry, views)
    if not getattr(settings, "_calibrated", False):
        calibrate(assignment, settings, bwrap, jobs_dir)
        settings._calibrated = True
    book.ensure_assignment(name, assignment.notebook, parts, assignment.source.manual_cells)
    recorded = book.recorded(name)
    todo, skipped, reasons = [], 0, {}
    for student in students:
        folder = Path(settings.submitted) / student / name
        path, _ = find_submission_notebook(folder, assignment.notebook)
        if student in recorded:
            reason = regrade_reason(recorded[student], fingerprint(path), read_timestamp(folder)[0], assignment.key)
            if reason is None and not settings.force:
                skipped += 1
                continue
            reasons[student] = reason or "--force"
        todo.append((student, folder))
    if skipped:
        print(f"{name}: {skipped} submission(s) already recorded, skipped (use --force to regrade)", file=stream,
              flush=True)
    total, width, failures = len(todo), len(str(len(todo))), 0
    slots = queue.Queue()
    for slot in range(max(1, settings.workers)):
        slots.put(slot)

    def work(student, folder):
        slot = slots.get()
        try:
            return grade_submission(student, assignment, folder, settings, slot=slot, bwrap=bwrap,
                                    log_dir=Path(settings.out) / "logs" / student / name, jobs_dir=jobs_dir)
        finally:
            slots.put(slot)

    pool = concurrent.futures.ThreadPoolExecutor(max_workers=max(1, settings.workers))
    futures = {pool.submit(work, student, folder): student for student, folder in todo}
    try:
        for done, future in enumerate(concurrent.futures.as_completed(futures), start=1):
            student = futures[future]
            try:
                row = future.result()
            except GraderFault as error:  # the machine's fault, not the student's: the next run grades it
                failures += 1
                print(f"[{done:>{width}}/{total}] {student} {name} NOT RECORDED (the grader's problem, not the "
                      f"student's; run again): {error}", file=stream, flush=True)
                continue
            except Exception as error:  # noqa: BLE001 - a grader bug: report, record nothing, carry on
                failures += 1
                print(f"[{done:>{width}}/{total}] {student} {name} NOT RECORDED: internal grader error "
                      f"{type(error).__name__}: {excerpt(error, 300)}", file=stream, flush=True)
                continue
            try:
                book.record(row)
            except Exception as error:  # noqa: BLE001 - e.g. a value the database refuses: this submission only
                book.rollback()
                failures += 1
                print(f"[{done:>{width}}/{total}] {student} {name} NOT RECORDED: the gradebook refused it "
                      f"({type(error).__name__}: {excerpt(error, 200)})", file=stream, flush=True)
                continue
            row = {**row, **book.rows(name, student=student)[0]}  # manual grades and lateness, as the CSV has them
            write_feedback(settings.out, row)
            _write_graded_copy(settings, row)
            if settings.nbgrader_feedback is not None and write_nbgrader_feedback(
                    settings.nbgrader_feedback, row, Path(settings.submitted) / student / name) is None:
                print(f"{student} {name}: no timestamp.txt/submission_secret.txt in the submission (not collected "
                      "by nbgrader): feedback not placed for release_feedback", file=stream, flush=True)
            note = "" if row["status"] == "graded" else f" ({row['status']})"
            if student in reasons:
                note += f" (regraded: {reasons[student]})"
            flags = f" [{'; '.join(row['flags'])}]" if row["flags"] else ""
            print(f"[{done:>{width}}/{total}] {student} {name} {row['score']:g}/{row['max_score']:g} "
                  f"in {row['seconds']:.1f} s{note}{flags}", file=stream, flush=True)
    except KeyboardInterrupt:
        kill_all()  # no sandbox outlives the grader; recorded submissions stay recorded
        pool.shutdown(wait=False, cancel_futures=True)
        concurrent.futures.wait(futures, timeout=20)  # the running jobs end at once (killed; no new one starts)
        kill_all()  # a job that started while the first kill_all ran
        if jobs_dir is not None:
            shutil.rmtree(jobs_dir, ignore_errors=True)  # the student code in it (os._exit skips finally)
        print(f"\ninterrupted: {name}: run the same command again to grade what is not recorded yet",
              file=stream, flush=True)
        os._exit(130)
    pool.shutdown()
    return failures
