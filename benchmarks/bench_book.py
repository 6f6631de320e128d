"""Time the book build: cold (every notebook executed), then warm (nothing changed), per chapter too.

Usage: .venv/bin/python benchmarks/bench_book.py [--write [PATH]]

The cold build runs in a temporary copy of the repository with no _build folder, so nothing comes from the
execution cache; the warm build then repeats it unchanged. Per-chapter execution times are read from the
jupyter-cache database that the cold build writes. Targets (the book issue): cold within 180 s on 2 cores, each
chapter within 60 s, warm rebuild fast.
"""
import argparse
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
JUPYTER_BOOK = Path(sys.executable).parent / "jupyter-book"


def build(root):
    start = time.perf_counter()
    subprocess.run([str(JUPYTER_BOOK), "build", "book"], cwd=root, check=True, capture_output=True)
    return time.perf_counter() - start


def chapter_times(root):
    from jupyter_cache import get_cache
    cache = get_cache(str(root / "_build" / ".jupyter_cache"))
    return {Path(r.uri).name: r.data.get("execution_seconds", float("nan")) for r in cache.list_cache_records()}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--write", nargs="?", const=str(REPO / "benchmarks" / "results_book.md"), default=None)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "course"
        shutil.copytree(REPO, root, ignore=shutil.ignore_patterns(".venv", "_build", ".git", "grading-output"))
        cold = build(root)
        warm = build(root)
        chapters = chapter_times(root)
    lines = [f"# Book build times ({date.today()}, {platform.machine()}, {__import__('os').cpu_count()} cores, "
             f"Python {platform.python_version()})", "",
             f"- cold build, every notebook executed: {cold:.1f} s (target 180 s)",
             f"- warm rebuild, nothing changed: {warm:.1f} s", "",
             "| chapter | execution (s, target 60) |", "|---|---|"]
    lines += [f"| {name} | {seconds:.1f} |" for name, seconds in sorted(chapters.items())]
    report = "\n".join(lines) + "\n"
    print(report)
    if args.write:
        Path(args.write).write_text(report)
    return cold, warm, chapters


if __name__ == "__main__":
    main()
