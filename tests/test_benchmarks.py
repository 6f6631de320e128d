"""Smoke tests of benchmarks/bench_fit.py (the --quick mode runs every configuration and writes its table) and
benchmarks/bench_grading.py (its class of submissions can still be built and graded, serially and in parallel).

No timing is asserted (a shared CI core makes times meaningless); what is checked is that both contenders ran
the same problem: on the full-batch course rows (no shuffling) gdkit and PyTorch reach the same loss.
"""
import subprocess
import sys

from conftest import REPO, require


def test_bench_fit_quick_runs_and_writes_results(tmp_path):
    require("torch", hint='pip install -e ".[bench]"')
    out = tmp_path / "results.md"
    proc = subprocess.run([sys.executable, str(REPO / "benchmarks" / "bench_fit.py"), "--quick", "--write", str(out)],
                          cwd=REPO, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr
    text = out.read_text(encoding="utf-8")
    rows = [line for line in text.splitlines() if line.startswith("| course") or line.startswith("| MNIST")]
    assert len(rows) == 8, text
    assert {"float64", "float32"} == {row.split("|")[2].strip() for row in rows}
    assert "PyTorch" in text and "NumPy" in text and "pinned to CPU" in text
    for row in rows:
        cells = [cell.strip() for cell in row.split("|")]
        gdkit_loss, torch_loss = (float(v) for v in cells[7].split("/"))
        assert gdkit_loss > 0 and torch_loss > 0
        if row.startswith("| course"):
            assert abs(gdkit_loss - torch_loss) < 1e-3, f"same problem, same steps, same loss expected: {row}"


def test_bench_grading_quick_grades_its_class_identically_with_one_and_two_workers(tmp_path):
    require("bwrap", exe=True, hint="apt-get install -y bubblewrap")
    out = tmp_path / "results.md"
    proc = subprocess.run([sys.executable, str(REPO / "benchmarks" / "bench_grading.py"), "--quick", "--markdown",
                           str(out)], cwd=REPO, capture_output=True, text=True, timeout=900)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "grades identical for workers=1 and workers=2" in out.read_text(encoding="utf-8")
