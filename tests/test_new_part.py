"""tools/new_part.py scaffolds a part that follows every convention the exercise tests enforce.

The tool runs on a temporary copy of the course; the copy's own tests/test_exercises.py (the fast checks:
test cells against the registry, solution regions, unique cell ids, chapter names) then runs against the copy's
gdkit, after a real `nbgrader generate_assignment` (tools/generate_exercises.py) of the changed notebook.
"""
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "tools"))
import new_part  # noqa: E402  (tools/new_part.py)
from gdkit.grading import all_parts  # noqa: E402


def _copy_course(target, with_tests=False):
    for folder in ("solutions", "gdkit/grading/parts"):
        shutil.copytree(REPO / folder, target / folder, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copytree(REPO / "tests" / "catalogue", target / "tests" / "catalogue",
                    ignore=shutil.ignore_patterns("__pycache__"))
    if with_tests:
        shutil.rmtree(target / "gdkit")
        shutil.copytree(REPO / "gdkit", target / "gdkit", ignore=shutil.ignore_patterns("__pycache__"))
        for name in ("tools", "book"):
            shutil.copytree(REPO / name, target / name, ignore=shutil.ignore_patterns("__pycache__", "_build"))
        for name in ("tests/test_exercises.py", "tests/conftest.py", "nbgrader_config.py"):
            shutil.copy(REPO / name, target / name)
    return target


def _cells(path):
    return {cell["id"]: cell for cell in json.loads(Path(path).read_text(encoding="utf-8"))["cells"]}


SOURCE = "solutions/07_practice/07_practice.ipynb"


@pytest.mark.slow
def test_scaffolded_part_passes_the_exercise_conventions(tmp_path):
    course = _copy_course(tmp_path / "course", with_tests=True)
    before = list(_cells(course / SOURCE))
    changed = new_part.scaffold(course, "07_practice", "step_decay", points=2, after="test_l2_penalty_grad",
                                args="initial_learning_rate, step_size, gamma, iteration")
    assert [str(p.relative_to(course)) for p in changed] == [SOURCE, "gdkit/grading/parts/practice.py",
                                                             "tests/catalogue/07_practice.py"]
    after = list(_cells(course / SOURCE))
    at = before.index("test_l2_penalty_grad") + 1
    assert after == before[:at] + ["step_decay-text", "step_decay-solution", "test_step_decay"] + before[at:]

    env = {**os.environ, "PYTHONPATH": str(course), "PATH": f"{Path(sys.executable).parent}{os.pathsep}"
                                                             f"{os.environ.get('PATH', '')}"}
    generated = subprocess.run([sys.executable, str(course / "tools" / "generate_exercises.py"), "--course",
                                str(course)], capture_output=True, text=True, env=env)
    assert generated.returncode == 0, generated.stdout + generated.stderr
    student = _cells(course / "exercises/07_practice/07_practice.ipynb")
    assert "raise NotImplementedError()" in "".join(student["step_decay-solution"]["source"])
    assert "hidden=True" not in "".join(student["test_step_decay"]["source"])

    # the copy's registry has the part, right after the one it follows (the CSV's column order)
    registry = subprocess.run([sys.executable, "-c", "import gdkit; from gdkit.grading import all_parts; "
                               "print(gdkit.__file__); print(*[f'{p.id}:{p.points}' for p in all_parts().values() "
                               "if p.assignment == '07_practice'])"], capture_output=True, text=True, env=env,
                              cwd=course)
    assert registry.returncode == 0, registry.stderr
    where, parts = registry.stdout.splitlines()
    assert Path(where).is_relative_to(course)
    original = [f"{p.id}:{p.points}" for p in all_parts().values() if p.assignment == "07_practice"]
    at = original.index("07_practice/test_l2_penalty_grad:1") + 1
    assert parts.split() == original[:at] + ["07_practice/test_step_decay:2"] + original[at:]

    checks = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-m", "not slow",
                             str(course / "tests" / "test_exercises.py")], capture_output=True, text=True, env=env,
                            cwd=course)
    assert checks.returncode == 0, checks.stdout[-3000:]
    assert " passed" in checks.stdout and "failed" not in checks.stdout

    catalogue = (course / "tests/catalogue/07_practice.py").read_text(encoding="utf-8")
    assert catalogue.count('@correct("test_step_decay")') == 2  # test_catalogue needs two right answers


def test_reference_from_gdkit_and_refusals(tmp_path):
    course = _copy_course(tmp_path / "course")
    new_part.scaffold(course, "02_loss", "l2_again", reference="gdkit.losses.l2_penalty")
    module = (course / "gdkit/grading/parts/loss.py").read_text(encoding="utf-8")
    assert 'Part(A, "test_l2_again", "l2_again", losses.l2_penalty, _l2_again_cases, points=1,' in module
    assert "forbidden=(losses.l2_penalty,)" in module
    solution = _cells(course / "solutions/02_loss/02_loss.ipynb")["l2_again-solution"]
    assert "".join(solution["source"]).startswith("def l2_again(W, lam):")  # the reference's own arguments
    compile(module, "loss.py", "exec")
    with pytest.raises(new_part.ScaffoldError, match="already has"):
        new_part.scaffold(course, "02_loss", "l2_again")
    with pytest.raises(new_part.ScaffoldError, match="no such test cell"):
        new_part.scaffold(course, "02_loss", "other", after="test_nothing")
    with pytest.raises(new_part.ScaffoldError, match="assignments: 01_forward"):
        new_part.scaffold(course, "99_nothing", "x")
    with pytest.raises(new_part.ScaffoldError, match="gdkit.<module>.<function>"):
        new_part.scaffold(course, "02_loss", "third", reference="numpy.sum")
