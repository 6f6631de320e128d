"""Command line of the trusted grader: ``python -m gdkit.grading grade <submitted-dir> [options]``.

Example (from the repository root, after ``nbgrader collect``)::

    python -m gdkit.grading grade submitted --assignment 01_forward --workers 2
    python -m gdkit.grading report      # class report: grading-output/report/index.html
    python -m gdkit.grading export      # Canvas/Moodle/wide CSVs and feedback zips: grading-output/export/
    python -m gdkit.grading extension 01_forward alice --days 2   # then grade again: lateness and penalty follow

See ``docs/grading-design.md`` for what the sandbox guarantees and the limits' defaults.
"""
import argparse
import os
import signal
import sys
from pathlib import Path

from .sandbox import Limits, SandboxUnavailable

DEFAULTS = Limits()


def build_parser():
    parser = argparse.ArgumentParser(prog="python -m gdkit.grading",
                                     description="Grade nbgrader submissions against the gdkit parts registry, "
                                                 "each part in a bubblewrap sandbox.")
    commands = parser.add_subparsers(dest="command", required=True)
    grade = commands.add_parser("grade", help="grade <submitted-dir>/<student>/<assignment>/<notebook>.ipynb")
    grade.add_argument("submitted", type=Path, help="nbgrader's collected submissions folder")
    grade.add_argument("--assignment", action="append", default=[],
                       help="assignment to grade (repeatable; default: every registered one found)")
    grade.add_argument("--out", type=Path, default=Path("grading-output"),
                       help="output folder: grades.csv, feedback/, logs/, gradebook.db (default: grading-output)")
    grade.add_argument("--workers", type=int, default=os.cpu_count() or 1,
                       help="submissions graded at once (default: number of cores)")
    grade.add_argument("--db-url", help="gradebook URL (default: sqlite:///<out>/gradebook.db; "
                                        "postgresql://... works too)")
    grade.add_argument("--force", action="store_true", help="regrade submissions already recorded")
    grade.add_argument("--regrade-all", action="store_true",
                       help="grade the whole term again, accepting a grading seed other than the one whose hash "
                            "the gradebook recorded (without it, another seed is refused)")
    grade.add_argument("--weak-isolation", action="store_true",
                       help="run without bubblewrap: separate process and resource limits ONLY; student code "
                            "can read and write your files (recorded in the CSV)")
    grade.add_argument("--source", type=Path, default=None,
                       help="folder of source notebooks <source>/<assignment>/<assignment>.ipynb "
                            "(default: ./solutions, else the solutions/ folder beside the gdkit package)")
    grade.add_argument("--parts-file", type=Path,
                       help="a Python file defining PARTS, instead of the gdkit.grading.parts registry")
    grade.add_argument("--nbgrader-feedback", type=Path, metavar="DIR",
                       help="also write each feedback page where `nbgrader release_feedback` finds it: "
                            "DIR/<student>/<assignment>/<notebook>.html (DIR: the course's feedback/ folder)")
    grade.add_argument("--autograded", type=Path, metavar="DIR",
                       help="where the graded notebooks formgrader opens are written, "
                            "DIR/<student>/<assignment>/<notebook>.ipynb (default: autograded/ beside the "
                            "submitted folder, nbgrader's layout)")
    grade.add_argument("--seed", default=os.environ.get("GDKIT_GRADING_SEED") or None,
                       help="course-level secret of the hidden cases, at least 16 characters (default: "
                            "$GDKIT_GRADING_SEED, else the one stored in <out>/.grading-seed, generated on first use)")
    grade.add_argument("--part-timeout", type=float, default=DEFAULTS.wall_seconds,
                       help=f"wall-clock seconds per part, cells included (default {DEFAULTS.wall_seconds:g})")
    grade.add_argument("--notebook-timeout", type=float, default=120.0,
                       help="wall-clock seconds for all parts of one notebook (default 120)")
    grade.add_argument("--memory-mb", type=int, default=DEFAULTS.memory_mb,
                       help=f"address space per process in MB (default {DEFAULTS.memory_mb})")
    grade.add_argument("--late-penalty", metavar="POLICY",
                       help="the term's late-penalty policy, recorded in the gradebook for later runs: none "
                            "(default), zero, per-day:P or per-hour:P (percent of the points per started day/hour "
                            "late), optionally ,max=M; due dates are nbgrader's (nbgrader db assignment add A "
                            "--duedate ...)")
    extension = commands.add_parser("extension", help="grant a student more time for an assignment (nbgrader's "
                                                      "extension: lateness and the late penalty follow)")
    extension.add_argument("assignment")
    extension.add_argument("student")
    extension.add_argument("--days", type=float, default=0.0)
    extension.add_argument("--hours", type=float, default=0.0)
    extension.add_argument("--minutes", type=float, default=0.0)
    extension.add_argument("--out", type=Path, default=Path("grading-output"),
                           help="the grader's output folder (its gradebook.db; default: grading-output)")
    extension.add_argument("--db-url", help="the gradebook URL, when it is not <out>/gradebook.db")
    extension.set_defaults(run=_extension)
    from . import export, report  # the class report and the LMS exports: their own subcommands
    report.add_parser(commands)
    export.add_parser(commands)
    return parser


def _extension(args):
    from .gradebook import default_db_url
    from .late import describe_lateness, grant_extension
    minutes = round(args.days * 1440 + args.hours * 60 + args.minutes)
    if minutes < 0:
        print("error: an extension cannot be negative", file=sys.stderr)
        return 2
    db_url = args.db_url or default_db_url(args.out)
    if db_url.startswith("sqlite:///") and not Path(db_url[len("sqlite:///"):]).is_file():
        print(f"error: no gradebook at {db_url[len('sqlite:///'):]} (pass --out or --db-url)", file=sys.stderr)
        return 2
    try:
        due = grant_extension(db_url, args.assignment, args.student, minutes)
    except KeyError as error:
        print(f"error: {error.args[0]}", file=sys.stderr)
        return 2
    granted = f"an extension of {describe_lateness(minutes * 60)}" if minutes else "no extension"
    print(f"{args.student} {args.assignment}: {granted}; due {due:%Y-%m-%d %H:%M:%S} UTC. The next grading run "
          "updates the lateness, the penalty, grades.csv and the feedback page (no regrading).")
    return 0


def _default_source():
    here = Path("solutions")
    if here.is_dir():
        return here
    import gdkit
    return Path(gdkit.__file__).resolve().parent.parent / "solutions"


def main(argv=None):
    args = build_parser().parse_args(argv)
    if args.command != "grade":
        return args.run(args)
    from .batch import Settings, grade_class
    from .gradebook import GradebookError, GraderBusy, SeedMismatch
    from .seeds import SEED_FILE, SeedError, course_seed
    limits = Limits(wall_seconds=args.part_timeout, cpu_seconds=max(1, int(args.part_timeout) + 1),
                    memory_mb=args.memory_mb)
    from .late import PolicyError, parse_policy
    try:
        policy = None if args.late_penalty is None else parse_policy(args.late_penalty)
        out = _usable_out(args.out)
        seed, note = course_seed(args.seed or None, out)  # --seed "" (an unset variable): as none
    except (SeedError, OSError, PolicyError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    if note:
        print(f"note: {note}", file=sys.stderr)
    settings = Settings(submitted=args.submitted, out=out, assignments=tuple(args.assignment),
                        workers=min(64, max(1, args.workers)), db_url=args.db_url, force=args.force,
                        regrade_all=args.regrade_all, late_penalty=policy,
                        weak=args.weak_isolation, limits=limits, notebook_seconds=args.notebook_timeout,
                        seed=seed, source=args.source or _default_source(), parts_file=args.parts_file,
                        nbgrader_feedback=args.nbgrader_feedback, autograded=args.autograded)
    stop_on_signals()
    try:
        return grade_class(settings)
    except (SandboxUnavailable, GraderBusy, GradebookError) as error:
        if isinstance(error, SeedMismatch) and note:  # the seed just generated is not the term's: do not keep it
            (out / SEED_FILE).unlink(missing_ok=True)
        print(f"error: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:  # stopped before or after the grading loop (which handles its own): same clean stop
        from .sandbox import kill_all
        kill_all()
        print("\ninterrupted: run the same command again to grade what is not recorded yet", file=sys.stderr)
        return 130


def _interrupt(signum, frame):
    raise KeyboardInterrupt(signal.Signals(signum).name)


def stop_on_signals():
    """SIGTERM (``kill``, a scheduler's stop, a closed session's ``systemd``) and SIGHUP (the terminal closed)
    stop the grader as Ctrl-C does: sandboxes killed, job folders (student code) removed, recorded submissions
    kept, exit status 130, and the same command resumes. SIGINT is set too: a shell starts a background job
    (``make grade &``) with SIGINT ignored, and Python then installs no Ctrl-C handler of its own."""
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, _interrupt)
    signal.signal(signal.SIGHUP, _interrupt)


def _usable_out(out):
    """``out`` as a folder this process can write, created if needed; an OSError saying what is wrong if not."""
    out = Path(out)
    if out.exists() and not out.is_dir():
        raise OSError(f"--out {out} exists and is not a folder")
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise OSError(f"cannot create the output folder --out {out}: {error.strerror or error}") from None
    if not os.access(out, os.W_OK | os.X_OK):
        raise OSError(f"the output folder --out {out} is not writable by this user")
    return out


if __name__ == "__main__":
    sys.exit(main())
