"""Regenerate the student notebooks exercises/ from the sources solutions/ with nbgrader.

Usage: .venv/bin/python tools/generate_exercises.py [--course DIR]

Runs ``nbgrader generate_assignment --force`` for every assignment folder of solutions/, in one nbgrader
call, from the folder holding nbgrader_config.py (the repository root by default). Generation is
deterministic (see nbgrader_config.py), so tests/test_exercises.py can check that exercises/ is up to date.
"""
import argparse
import os
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
    """Run nbgrader generate_assignment --force in ``course`` for ``names`` (default: all); return the process."""
    nbgrader = Path(sys.executable).with_name("nbgrader")
    names = names or assignments(course)
    # A wildcard assignment id makes nbgrader process every matching folder in one call (one start-up).
    pattern = names[0] if len(names) == 1 else "[0-9]*"
    # A throw-away gradebook: nbgrader refuses to change (and first deletes the release of) an assignment that
    # already has graded submissions in the course gradebook, which is what grading writes to.
    with tempfile.TemporaryDirectory() as scratch:
        return subprocess.run([str(nbgrader), "generate_assignment", pattern, "--force",
                               f"--CourseDirectory.db_url=sqlite:///{scratch}/generate.db"], cwd=course,
                              env=nbgrader_env(), stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--course", default=str(ROOT), help="folder holding nbgrader_config.py")
    args = parser.parse_args()
    proc = generate(Path(args.course))
    print(proc.stdout)
    return proc.returncode


if __name__ == "__main__":
    sys.exit(main())
