"""Throughput of the trusted grader: seconds per submission, serial and with 2 workers, on a synthetic class.

Usage (from the repository root; needs bubblewrap, or pass --weak-isolation to measure without it)::

    python benchmarks/bench_grading.py                  # 100 students of 01_forward, workers 1 then 2
    python benchmarks/bench_grading.py --students 30 --assignment 02_loss
    python benchmarks/bench_grading.py --quick          # 4 students: checks that everything runs
    python benchmarks/bench_grading.py --markdown benchmarks/results_grading.md   # also write the figures

The class is the solved release notebook of the assignment (from ``grading/make_sample_class.py``) handed
in by every student, half of them with a bug in one function, so every part runs and is scored. Each run
goes through the real CLI into a fresh output folder and gradebook; the report gives the wall time of the
whole run, its fixed start-up cost (a run on an empty class: importing nbgrader, creating the gradebook,
computing the reference answers), seconds per submission = (run - start-up) / students, and the speed-up of
2 workers over 1 on the per-submission time. Both runs must produce identical grades (the script fails
otherwise). The issue's target: on 2 cores, a class of 100 small submissions at least 1.8x faster with 2
workers than one at a time.
"""
import argparse
import copy
import datetime
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "grading"))


def make_class(folder, assignment, students):
    import make_sample_class as sample
    sample.ASSIGNMENT = assignment
    correct = sample.solved_release()
    solution_ids = [c["id"] for c in correct["cells"]  # the function parts (concept answers define none)
                    if c.get("metadata", {}).get("nbgrader", {}).get("solution") and _first_function(c["source"])]
    for index in range(students):
        notebook = copy.deepcopy(correct)
        if index % 2 and solution_ids:  # a bug in one function: that part fails, the others pass
            target = solution_ids[index % len(solution_ids)]
            for cell in notebook["cells"]:
                if cell.get("id") == target:
                    name = _first_function(cell["source"])
                    cell["source"] += (f"\n\n_original = {name}\n\ndef {name}(*args, **kwargs):\n"
                                       "    return _original(*args, **kwargs) * 2\n")
        path = Path(folder) / f"student{index:03d}" / assignment / f"{assignment}.ipynb"
        path.parent.mkdir(parents=True)
        path.write_text(json.dumps(notebook), encoding="utf-8")


def _first_function(source):
    source = "".join(source)
    for line in source.splitlines():
        if line.startswith("def "):
            return line[4:].split("(")[0]
    return None


def run(submitted, out, workers, extra):
    command = [sys.executable, "-m", "gdkit.grading", "grade", str(submitted), "--out", str(out),
               "--workers", str(workers), "--seed", "benchmark-seed-0123456789abcdef", *extra]  # the same cases
    started = time.perf_counter()
    proc = subprocess.run(command, capture_output=True, text=True, cwd=ROOT)
    seconds = time.perf_counter() - started
    if proc.returncode != 0:
        raise SystemExit(f"grader failed:\n{proc.stdout}\n{proc.stderr}")
    return seconds, (Path(out) / "grades.csv").read_text()


def _cpu_model():
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--students", type=int, default=100)
    parser.add_argument("--assignment", default="01_forward")
    parser.add_argument("--quick", action="store_true", help="4 students")
    parser.add_argument("--weak-isolation", action="store_true")
    parser.add_argument("--markdown", type=Path, help="also write the figures as a Markdown page here")
    args = parser.parse_args()
    students = 4 if args.quick else args.students
    extra = ["--assignment", args.assignment] + (["--weak-isolation"] if args.weak_isolation else [])
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        make_class(tmp / "submitted", args.assignment, students)
        (tmp / "empty" / "nobody" / args.assignment).mkdir(parents=True)
        startup, _ = run(tmp / "empty", tmp / "out-empty", 1, extra)
        results = {}
        for workers in (1, 2):
            results[workers] = run(tmp / "submitted", tmp / f"out-{workers}", workers, extra)
    if results[1][1] != results[2][1]:
        raise SystemExit("error: serial and parallel grades differ")
    from gdkit.grading.batch import load_parts
    parts = len(load_parts()[args.assignment])
    per = {workers: (seconds - startup) / students for workers, (seconds, _) in results.items()}
    lines = [f"{students} submissions of {args.assignment} ({parts} parts each), {os.cpu_count()} cores "
             f"({_cpu_model()}), {'weak isolation' if args.weak_isolation else 'bwrap sandbox'}, "
             f"Python {platform.python_version()}, {platform.system()} {platform.release()}, "
             f"{datetime.date.today().isoformat()}",
             f"start-up (empty class): {startup:.1f} s"]
    for workers, (seconds, _) in results.items():
        lines.append(f"workers={workers}: {seconds:.1f} s in all, {per[workers]:.2f} s per submission "
                     f"({per[workers] / parts:.3f} s per part)")
    lines.append(f"speed-up of 2 workers: {per[1] / per[2]:.2f}x per submission, "
                 f"{results[1][0] / results[2][0]:.2f}x on the whole run")
    lines.append("grades identical for workers=1 and workers=2")
    print("\n".join(lines))
    if args.markdown:
        args.markdown.write_text("# Trusted grader throughput (`benchmarks/bench_grading.py`)\n\n```\n"
                                 + "\n".join(lines) + "\n```\n", encoding="utf-8")


if __name__ == "__main__":
    main()
