"""Regenerate the student notebooks exercises/ from the sources solutions/ with nbgrader.

Usage: .venv/bin/python tools/generate_exercises.py [--course DIR]

Runs ``nbgrader generate_assignment --force`` for every assignment folder of solutions/, in one nbgrader
call, from the folder holding nbgrader_config.py (the repository root by default). Generation is
deterministic (see nbgrader_config.py), so tests/test_exercises.py can check that exercises/ is up to date.
"""
import argparse
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def assignments(course):
    """Names of the assignment folders in ``course``/solutions."""
    return sorted(p.name for p in (Path(course) / "solutions").iterdir() if p.is_dir() and not p.name.startswith("."))


def nbgrader_env():
    """The environment for nbgrader commands: this interpreter's bin folder first on PATH (nbgrader runs the
    ``alembic`` executable when it creates a gradebook, and fails if it is not on PATH)."""
    bin_dir = str(Path(sys.executable).parent)
    return {**os.environ, "PATH": bin_dir + os.pathsep + os.environ.get("PATH", "")}


def generate(course=ROOT, names=None):
    """Run nbgrader generate_assignment --force in ``course`` for ``names`` (default: all); return the process.

    nbgrader writes into a scratch release folder, and ``exercises/<assignment>`` is replaced only when the whole
    run succeeded. Why: with ``--force`` nbgrader deletes the old release notebook *before* converting, so any
    failure while converting (the course gradebook refusing "Cannot add or remove cells ... there are submissions
    associated with it" when a cell such as a manually graded written answer is added after grading began, a
    cell with bad metadata, ...) left the assignment without its release notebook. A throw-away gradebook is
    used as well: recording the assignment in the course's gradebook is the grader's job, not this tool's.
    """
    nbgrader = Path(sys.executable).with_name("nbgrader")
    names = names or assignments(course)
    # A wildcard assignment id makes nbgrader process every matching folder in one call (one start-up).
    pattern = names[0] if len(names) == 1 else "[0-9]*"
    with tempfile.TemporaryDirectory() as scratch:
        release = Path(scratch) / "release"
        proc = subprocess.run([str(nbgrader), "generate_assignment", pattern, "--force",
                               f"--CourseDirectory.db_url=sqlite:///{scratch}/generate.db",
                               f"--CourseDirectory.release_directory={release}"], cwd=course,
                              env=nbgrader_env(), stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        made = sorted(p.name for p in release.iterdir() if p.is_dir()) if release.is_dir() else []
        if proc.returncode == 0 and set(names) <= set(made):
            for name in names:
                target = Path(course) / "exercises" / name
                if target.exists():
                    shutil.rmtree(target)
                shutil.copytree(release / name, target)
        elif proc.returncode == 0:
            proc.returncode = 1
            proc.stdout += f"\nnbgrader made no release for {sorted(set(names) - set(made))}; exercises/ unchanged\n"
        else:
            proc.stdout += "\nnbgrader failed: exercises/ was left unchanged\n"
        return proc


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--course", default=str(ROOT), help="folder holding nbgrader_config.py")
    args = parser.parse_args()
    proc = generate(Path(args.course))
    print(proc.stdout)
    return proc.returncode


if __name__ == "__main__":
    sys.exit(main())
