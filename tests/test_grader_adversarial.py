"""Adversarial submissions (THREATS.md cases 1-30, 33-37) graded in one batch through the real grader CLI.

One class of students, one per threat, is graded once (2 workers, bwrap sandbox, short time limits); each
test then checks one student's scores and flags or messages, or a property of the machine afterwards.
"""
import copy
import json
import os
import sys
import textwrap
from pathlib import Path

import pytest

from conftest import REPO, require

sys.path.insert(0, str(Path(__file__).resolve().parent / "grader_fixtures"))
import build  # noqa: E402  (tests/grader_fixtures/build.py)

pytestmark = pytest.mark.slow

C, S = build.CORRECT, build.STUB
PART_TIMEOUT, NOTEBOOK_TIMEOUT = 8, 15
BACKGROUND_MARKER = "gdkit-background-marker-7731"


def code(text):
    return textwrap.dedent(text).strip("\n")


def cells_with(extra_before=(), extra_middle=(), extra_last=(), extra_after=(), **solutions):
    """The assignment's cells with ``solutions`` (default: correct ones) and extra code cells: before every
    cell (run for every part), in the middle (cell 4, after sigmoid's test cell: run for relu and mse only),
    last (after mse's solution, before its test: run for mse only), after every cell (never run)."""
    cells = build.notebook_cells({**C, **solutions})
    extra = lambda sources, tag: [build._cell("code", code(s), f"extra-{tag}-{i}") for i, s in enumerate(sources)]  # noqa: E731
    return (extra(extra_before, "before") + cells[:3] + extra(extra_middle, "middle") + cells[3:6]
            + extra(extra_last, "last") + cells[6:] + extra(extra_after, "after"))


def _test_cells_as_markdown(cells):
    for cell in cells:
        if cell["id"].startswith("test-"):
            cell.update(cell_type="markdown", metadata={})
            cell.pop("outputs"), cell.pop("execution_count")
    return cells


def _test_cells_stripped(cells):
    for index, cell in enumerate(cells):
        if cell["id"].startswith("test-"):
            cell["metadata"] = {}
            cell["id"] = f"student-{index}"
            cell["source"] += "  # edited"
    return cells


def _duplicated_tests(cells):
    tests = [copy.deepcopy(c) for c in cells if c["id"].startswith("test-")]
    for cell in cells + tests:
        if "nbgrader" in cell["metadata"]:
            cell["metadata"]["nbgrader"]["schema_version"] = 99
    return cells + tests


def _extra_grade_cells(cells):
    cells.append(build._cell("code", "bonus = 1", "bonus", {"grade": True, "solution": False, "locked": False,
                                                           "grade_id": "bonus", "points": 100, "schema_version": 3}))
    for cell in cells:
        if cell["id"] == "solution-sigmoid":
            cell["metadata"]["nbgrader"].update(grade=True, solution=False, points=50)
    return cells


def _inflated_metadata(cells):
    for cell in cells:
        cell["id"] = "same-id"
        meta = cell["metadata"].get("nbgrader", {})
        if "points" in meta:
            meta["points"] = 1000
    return cells


def _reordered(cells):
    return cells[::-1]


def _solution_moved_last(cells):
    """relu's solution cell moved below every test cell: it is graded where the source has it."""
    moved = [c for c in cells if c["id"] == "solution-relu"]
    return [c for c in cells if c["id"] != "solution-relu"] + moved


def _paths_probe(paths):
    return code(f"""
    import gc, inspect, os
    import numpy as np

    def _secrets_visible():
        for path in {[str(p) for p in paths]!r}:
            if os.path.exists(path):
                return True
        for frame in inspect.stack():
            if "expected" in frame.frame.f_locals or "expected_answers" in frame.frame.f_locals:
                return True
        return False

    def _answer_in_memory(z, answer):
        for container in gc.get_objects():
            values = container.values() if isinstance(container, dict) else \
                container if isinstance(container, (list, tuple)) else ()
            for value in list(values):
                if isinstance(value, np.ndarray) and value is not z and value.shape == z.shape and value.size > 1 \
                        and value.dtype.kind == "f" and np.allclose(value, answer):
                    return True
        return False

    def sigmoid(z):
        answer = 1 / (1 + np.exp(-z))
        return z * 0 if _secrets_visible() or _answer_in_memory(z, answer) else answer
    """)


def students(submitted, out):
    """name -> how to write the submission; expected results are in the tests below."""
    secret_paths = [REPO / "solutions", REPO / "tests" / "grader_fixtures" / "source", out, Path(submitted),
                    out / "gradebook.db", Path(submitted) / "t37_unmodified" / "fixture" / "fixture.ipynb"]
    correct_text = json.dumps(build.notebook_json(build.notebook_cells(C)))
    return {
        "t01_release": dict(cells=build.notebook_cells(S)),
        "t02_hardcoded": dict(cells=cells_with(sigmoid="import numpy as np\n\ndef sigmoid(z):\n    return "
                                                       "np.array([0.2689414213699951, 0.5, 0.8807970779778823])")),
        "t03_truncated": dict(raw=correct_text[: len(correct_text) // 2].encode()),
        "t03_empty": dict(raw=b""),
        "t03_garbage": dict(raw=b"\x00\xff{not json"),
        "t04_renamed": dict(cells=build.notebook_cells(C), name="fixture (1).ipynb"),
        "t05_no_notebook": None,
        "t06_tests_deleted": dict(cells=[c for c in build.notebook_cells(C) if not c["id"].startswith("test-")]),
        "t06_tests_markdown": dict(cells=_test_cells_as_markdown(build.notebook_cells(C))),
        "t06_tests_stripped": dict(cells=_test_cells_stripped(build.notebook_cells(C))),
        "t07_duplicated": dict(cells=_duplicated_tests(build.notebook_cells(C))),
        "t08_extra_grade": dict(cells=_extra_grade_cells(build.notebook_cells(C))),
        "t09_metadata": dict(cells=_inflated_metadata(build.notebook_cells(C))),
        "t10_reordered": dict(cells=_reordered(build.notebook_cells(C))),
        "t10_solution_moved_last": dict(cells=_solution_moved_last(build.notebook_cells(C))),
        "t11_infinite_loop": dict(cells=cells_with(extra_before=["""
            import signal
            signal.signal(signal.SIGINT, signal.SIG_IGN)
            signal.signal(signal.SIGTERM, signal.SIG_IGN)
            while True:
                pass"""])),
        "t11_slow_relu": dict(cells=cells_with(relu="def relu(z):\n    while True:\n        pass")),
        "t12_slow_cells": dict(cells=cells_with(extra_before=["import time\ntime.sleep(0.75)"] * 8)),
        "t13_os_exit": dict(cells=cells_with(extra_before=["import os\nos._exit(0)"])),
        "t13_os_exit_last": dict(cells=cells_with(extra_last=["import os\nos._exit(0)"])),
        "t13_os_exit_after_tests": dict(cells=cells_with(extra_after=["import os\nos._exit(0)"])),
        "t13_segfault": dict(cells=cells_with(extra_middle=["import ctypes\nctypes.string_at(0)"])),
        "t13_exit_in_function": dict(cells=cells_with(relu="def relu(z):\n    import os\n    os._exit(3)")),
        "t13_system_exit": dict(cells=cells_with(extra_middle=["raise SystemExit(1)"])),
        "t14_memory": dict(cells=cells_with(extra_before=["""
            def bomb():
                blocks = []
                while True:
                    blocks.append(bytearray(50 * 2**20))
            bomb()""", "import numpy as np\nhuge = np.ones(10**11)"])),
        "t14_disk": dict(cells=cells_with(extra_before=["""
            with open("gdkit-fill-marker-big", "wb") as f:
                f.write(b"x" * 100 * 2**20)"""] + [f"""
            import os
            for i in range(10000):
                with open(os.path.join({folder!r}, f"gdkit-fill-marker-{{i}}"), "wb") as f:
                    f.write(b"x" * 2**20)""" for folder in (".", "/tmp")])),
        "t14_fork_many": dict(cells=cells_with(extra_before=["""
            import os, time
            children = []
            for _ in range(200):
                try:
                    pid = os.fork()
                except OSError:
                    break
                if pid == 0:
                    time.sleep(600)
                    os._exit(0)
                children.append(pid)
            print("forked", len(children))"""])),
        "t14_fork_bomb": dict(cells=cells_with(extra_before=["""
            import os
            while True:
                try:
                    os.fork()
                except OSError:
                    pass"""])),
        "t15_flood": dict(cells=cells_with(extra_before=[
            "for i in range(200000):\n    print('line', i)",
            "print('x' * 30_000_000)",
            "import sys\nsys.stderr.write('e' * 5_000_000)",
            "from IPython.display import HTML, display\ndisplay(HTML('<b>' * 2_000_000))"])),
        "t16_kill_grader": dict(cells=cells_with(extra_before=["import os\nos.kill(1, 9)"],
                                                  extra_middle=["import os\nos.kill(os.getppid(), 9)"])),
        "t17_background": dict(cells=cells_with(extra_before=[f"""
            import subprocess, sys
            subprocess.Popen([sys.executable, "-c", "import time; time.sleep(300)", "{BACKGROUND_MARKER}"],
                             start_new_session=True)"""])),
        "t18_network": dict(cells=cells_with(sigmoid=code("""
            import numpy as np, socket

            def _online():
                for address in (("1.1.1.1", 53), ("8.8.8.8", 443), ("127.0.0.1", 22)):
                    try:
                        socket.create_connection(address, timeout=1).close()
                        return True
                    except OSError:
                        pass
                return False

            def sigmoid(z):
                return z * 0 if _online() else 1 / (1 + np.exp(-z))"""))),
        "t19_transformer": dict(cells=cells_with(
            extra_before=["""
                ip = get_ipython()
                ip.input_transformers_post.append(lambda lines: [])
                ip.input_transformers_cleanup.append(lambda lines: [])"""],
            sigmoid="import numpy as np\n\ndef sigmoid(z):\n    return z")),
        "t20_monkeypatch": dict(cells=cells_with(
            extra_before=["""
                import numpy as np, numpy.testing
                import gdkit.grading, gdkit.grading.core as core
                np.allclose = lambda *a, **k: True
                np.array_equal = lambda *a, **k: True
                numpy.testing.assert_allclose = lambda *a, **k: None
                core._same = lambda *a, **k: True
                core.Part.same = lambda *a, **k: True
                core.evaluate = lambda part, *a, **k: core.PartResult(part.id, part.points, part.points, True, "ok")
                gdkit.grading.check = lambda *a, **k: True"""],
            sigmoid="import numpy as np\n\ndef sigmoid(z):\n    return z * 0",
            relu="def relu(z):\n    return z * 0", mse="def mse(y_true, y_pred):\n    return 0.0")),
        "t20_result_channel": dict(cells=cells_with(extra_before=["""
            import os
            for fd in range(3, 64):  # find the grader's result pipe and write a forged record on it
                try:
                    os.write(fd, b"GDKPLAIN1" + b"\\xff" * 64)
                except OSError:
                    pass"""])),
        "t21_liar": dict(cells=cells_with(
            extra_before=["""
                import numpy as np

                class Liar(np.ndarray):
                    def __eq__(self, other):
                        return True
                    def __array_function__(self, *a, **k):
                        return True
                    def __array_ufunc__(self, *a, **k):
                        return True

                class Equal:
                    def __eq__(self, other):
                        return True
                    def __array__(self, *a, **k):
                        return np.zeros(3)

                class LyingFloat(float):
                    def __eq__(self, other):
                        return True"""],
            sigmoid="def sigmoid(z):\n    return np.zeros_like(z).view(Liar)",
            relu="def relu(z):\n    return Equal()", mse="def mse(y_true, y_pred):\n    return LyingFloat(-1.0)")),
        "t22_frames": dict(cells=cells_with(sigmoid=code("""
            import numpy as np, sys

            def sigmoid(z):
                frame = sys._getframe(1)
                while frame is not None:
                    for name in list(frame.f_globals):
                        if name in ("_same", "evaluate", "allclose", "reference", "expected"):
                            frame.f_globals[name] = lambda *a, **k: True
                    for name in list(frame.f_locals):
                        if name in ("part", "expected"):
                            try:
                                frame.f_locals[name].reference = lambda *a: z * 0
                            except Exception:
                                pass
                    frame = frame.f_back
                return z * 0"""))),
        "t23_calls_gdkit": dict(cells=cells_with(
            sigmoid="import numpy as np\nimport gdkit\n\ndef sigmoid(z):\n    return gdkit.activations.sigmoid(z)",
            relu="from gdkit.activations import relu as _relu\n\ndef relu(z):\n    return _relu(z)")),
        "t23_reload": dict(cells=cells_with(sigmoid=code("""
            import importlib
            import numpy as np
            import gdkit.activations as A

            def sigmoid(z):
                return importlib.reload(A).sigmoid(z)"""))),
        "t24_shadow": dict(cells=cells_with(
            extra_before=["""
                import sys
                with open("gdkit.py", "w") as f:
                    f.write("def check(*a, **k):\\n    return True\\n")
                sys.path.insert(0, ".")
                for name in [m for m in sys.modules if m.startswith("gdkit")]:
                    del sys.modules[name]
                import gdkit"""],
            sigmoid="import numpy as np\n\ndef sigmoid(z):\n    return z * 0"),
            files={"gdkit.py": "def check(*args, **kwargs):\n    return True\n",
                   "gdkit/__init__.py": "", "gdkit/grading.py": "def check(*a, **k):\n    return True\n"}),
        "t25_read_secrets": dict(cells=cells_with(sigmoid=_paths_probe(secret_paths))),
        "t26_environment": dict(cells=cells_with(sigmoid=code("""
            import numpy as np, os

            def sigmoid(z):
                leaked = [k for k in os.environ if "NBGRADER" in k or "JUPYTER" in k or k.startswith("CI")
                          or "TOKEN" in k or "SECRET" in k or k.startswith("GDKIT")]
                return z * 0 if leaked else 1 / (1 + np.exp(-z))"""))),
        "t27_swallow": dict(cells=cells_with(
            extra_before=["import os, sys\nsys.excepthook = lambda *a: None\nsys.stderr = open(os.devnull, 'w')"],
            sigmoid=code("""
                import numpy as np

                def sigmoid(z):
                    try:
                        return undefined_name(z)
                    except Exception:
                        return np.zeros_like(z)"""),
            relu="def relu(z):\n    try:\n        raise ValueError('oops')\n    except ValueError:\n"
                 "        return None")),
        "t28_gradebook": dict(cells=cells_with(
            extra_before=[f"""
                import sqlite3
                for path in ({str(out / "gradebook.db")!r}, "gradebook.db", "/job/../gradebook.db"):
                    try:
                        db = sqlite3.connect(path)
                        db.execute("UPDATE grade SET auto_score = 100")
                        db.execute("UPDATE grade SET auto_score = 0")
                        db.commit()
                    except Exception as error:
                        print("gradebook:", error)"""],
            sigmoid="import numpy as np\n\ndef sigmoid(z):\n    return z * 0")),
        "t29_edit_package": dict(cells=cells_with(extra_before=["""
            import gdkit, gdkit.activations, numpy, os
            for module in (gdkit, gdkit.activations, numpy):
                try:
                    with open(module.__file__, "a") as f:
                        f.write("\\nraise SystemExit('tampered')\\n")
                except OSError as error:
                    print("cannot edit", module.__name__, error)
            try:
                os.remove(gdkit.activations.__file__)
            except OSError as error:
                print("cannot remove", error)"""])),
        "t30_html_error": dict(cells=cells_with(
            sigmoid="import numpy as np\n\ndef sigmoid(z):\n    raise ValueError('<script>alert(1)</script>')")),
        "t31_symlink": dict(cells=build.notebook_cells(S), name="other.ipynb"),
        "t33_warnings": dict(cells=cells_with(sigmoid=code("""
            import numpy as np, sys, warnings

            def sigmoid(z):
                warnings.warn("sigmoid may overflow", RuntimeWarning)
                print("computing sigmoid", file=sys.stderr)
                return 1 / (1 + np.exp(-z))"""))),
        "t34_loops": dict(cells=cells_with(
            sigmoid=code("""
                import numpy as np

                def sigmoid(z):
                    out = np.empty_like(z)
                    for index, value in np.ndenumerate(z):
                        out[index] = np.exp(value) / (1 + np.exp(value)) if value < 0 else 1 / (1 + np.exp(-value))
                    return out"""),
            relu="def relu(z):\n    return np.where(z > 0, z, 0.0)",
            mse=code("""
                def mse(y_true, y_pred):
                    total, count = 0.0, 0
                    for t, p in zip(np.ravel(y_true), np.ravel(y_pred)):
                        total += (p - t) ** 2
                        count += 1
                    return total / count"""))),
        "t35_prints_helpers": dict(cells=cells_with(
            extra_before=["def _square(x):\n    return x * x", "for i in range(1000):\n    print('hello', i)",
                          "name = input('your name? ')  # no one to answer: EOFError, not a hang"],
            mse="def mse(y_true, y_pred):\n    print('computing mse')\n    return np.mean(_square(y_pred - y_true))")),
        "t37_unmodified": dict(cells=build.notebook_cells(C)),
        "t38_copy_beside_original": dict(cells=build.notebook_cells(S), files={"fixture-Copy1.ipynb": correct_text}),
    }


def _gdkit_digest():
    """Whether the files t29_edit_package attacks still exist without its marker (other helpers may be
    editing gdkit at the same time, so the whole tree is not compared)."""
    import numpy
    paths = [REPO / "gdkit" / "__init__.py", REPO / "gdkit" / "activations.py", Path(numpy.__file__)]
    return all(p.exists() and b"tampered" not in p.read_bytes() for p in paths)


def _processes_with(marker):
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if marker.encode() in (entry / "cmdline").read_bytes():
                    found.append(int(entry.name))
            except OSError:
                pass
    return found


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    require("bwrap", exe=True, hint="apt-get install -y bubblewrap")
    root = tmp_path_factory.mktemp("adversarial")
    submitted, out = root / "submitted", root / "out"
    for name, spec in students(submitted, out).items():
        folder = submitted / name / "fixture"
        folder.mkdir(parents=True)
        if spec is None:
            (folder / "notes.txt").write_text("I could not find the notebook\n")
            continue
        spec = dict(spec)
        for relative, text in spec.pop("files", {}).items():
            (folder / relative).parent.mkdir(parents=True, exist_ok=True)
            (folder / relative).write_text(text)
        build.submission(submitted, name, **spec)
    link_folder = submitted / "t31_symlink" / "fixture"  # a link to another student's notebook is not followed
    (link_folder / "fixture.ipynb").symlink_to(submitted / "t37_unmodified" / "fixture" / "fixture.ipynb")
    (link_folder / "other.ipynb").unlink()
    before = _gdkit_digest()
    # This grader's own temporary folder, so that another grader running on the machine (a course's, a second
    # test run) cannot make this test fail or pass: its job folders (gdkit-grading-<pid>-*) go there.
    tmp = root / "tmp"
    tmp.mkdir()
    proc = build.run_grader(submitted, out, "--workers", 2, "--part-timeout", PART_TIMEOUT,
                            "--notebook-timeout", NOTEBOOK_TIMEOUT, env={"TMPDIR": str(tmp)})
    feedback = {p.parent.name: p.read_text() for p in (out / "feedback").glob("*/fixture.html")}
    return dict(proc=proc, grades=build.read_grades(out), out=out, submitted=submitted, feedback=feedback,
                digest_changed=not (before and _gdkit_digest()),
                leftover_jobs=set(tmp.iterdir()))


def scores(graded, student):
    row = graded["grades"][student]
    return tuple(float(row[f"fixture/test_{name}"]) for name in ("sigmoid", "relu", "mse"))


def flags(graded, student):
    return graded["grades"][student]["flags"]


def test_batch_completes_and_records_everyone(graded):
    assert graded["proc"].returncode == 0, graded["proc"].stdout + graded["proc"].stderr
    assert set(graded["grades"]) == set(students(graded["submitted"], graded["out"]))
    assert "Traceback" not in graded["proc"].stderr


@pytest.mark.parametrize("student", ["t04_renamed", "t06_tests_deleted", "t06_tests_markdown", "t06_tests_stripped",
                                     "t07_duplicated", "t08_extra_grade", "t09_metadata", "t10_reordered",
                                     "t10_solution_moved_last", "t13_os_exit_after_tests", "t14_memory",
                                     "t14_disk", "t14_fork_many", "t15_flood", "t17_background", "t18_network",
                                     "t25_read_secrets",
                                     "t26_environment", "t29_edit_package", "t33_warnings", "t34_loops",
                                     "t35_prints_helpers", "t37_unmodified"])
def test_full_credit(graded, student):
    """Tampering with structure/metadata changes nothing; faults that the sandbox absorbs cost nothing; honest
    variations (warnings, loops, prints, helpers) get full credit; nothing secret or outside is reachable."""
    assert scores(graded, student) == (2, 1, 2), graded["feedback"].get(student)
    assert graded["grades"][student]["max_total"] == "5"


@pytest.mark.parametrize("student", ["t06_tests_deleted", "t06_tests_markdown", "t06_tests_stripped",
                                     "t07_duplicated", "t08_extra_grade", "t09_metadata", "t14_memory",
                                     "t15_flood", "t33_warnings", "t34_loops", "t35_prints_helpers",
                                     "t37_unmodified"])
def test_no_spurious_flags(graded, student):
    assert flags(graded, student) == ""


def test_release_notebook_scores_zero_unflagged(graded):
    assert scores(graded, "t01_release") == (0, 0, 0)
    assert flags(graded, "t01_release") == ""


def test_hard_coded_visible_answer_fails_hidden_cases(graded):
    assert scores(graded, "t02_hardcoded") == (0, 1, 2)


@pytest.mark.parametrize("student", ["t03_truncated", "t03_empty", "t03_garbage"])
def test_unreadable_notebook(graded, student):
    assert scores(graded, student) == (0, 0, 0)
    assert graded["grades"][student]["status"] == "unreadable"
    assert "unreadable notebook" in flags(graded, student)
    assert "unreadable notebook" in graded["feedback"][student]


def test_symlinked_notebook_is_not_followed(graded):
    row = graded["grades"]["t31_symlink"]
    assert (row["status"], row["total"]) == ("missing", "0")
    assert "symbolic link" in row["flags"]


def test_renamed_notebook_is_matched_and_flagged(graded):
    assert "renamed notebook" in flags(graded, "t04_renamed")


def test_copy_beside_the_original_is_flagged(graded):
    """The untouched original is graded (it is the assignment's notebook); the student's copy beside it is
    not, and both the instructor (CSV) and the student (feedback page) are told."""
    assert scores(graded, "t38_copy_beside_original") == (0, 0, 0)
    assert flags(graded, "t38_copy_beside_original") == "other notebooks not graded: fixture-Copy1.ipynb"
    assert "other notebooks not graded: fixture-Copy1.ipynb" in graded["feedback"]["t38_copy_beside_original"]


def test_missing_notebook_is_recorded(graded):
    row = graded["grades"]["t05_no_notebook"]
    assert (row["status"], row["total"]) == ("missing", "0")
    assert "missing notebook" in row["flags"]


def test_infinite_loop_with_sigint_ignored(graded):
    assert scores(graded, "t11_infinite_loop") == (0, 0, 0)
    assert "did not finish" in graded["feedback"]["t11_infinite_loop"]


def test_infinite_loop_in_one_function_costs_only_that_part(graded):
    assert scores(graded, "t11_slow_relu") == (2, 0, 2)
    assert "did not return within the time limit" in graded["feedback"]["t11_slow_relu"]


def test_notebook_time_cap(graded):
    sigmoid, relu, mse = scores(graded, "t12_slow_cells")
    assert (sigmoid, mse) == (2, 0)
    assert "notebook time limit" in flags(graded, "t12_slow_cells")


@pytest.mark.parametrize("student, expected, reason", [
    ("t13_os_exit", (0, 0, 0), "code (cell 1) stopped the grading process: it ended the process early"),
    ("t13_os_exit_last", (2, 1, 0), "code (cell 7) stopped the grading process: it ended the process early"),
    ("t13_segfault", (2, 0, 0), "code (cell 4) stopped the grading process: it crashed (segmentation fault)")])
def test_process_ending_cells(graded, student, expected, reason):
    """A cell that ends the process costs the parts whose test cells come after it, and says which cell."""
    assert scores(graded, student) == expected
    assert reason in graded["feedback"][student]


def test_system_exit_stops_later_cells(graded):
    assert scores(graded, "t13_system_exit") == (2, 0, 0)
    assert "cell 4 called exit(); later cells were not run" in graded["feedback"]["t13_system_exit"]
    assert "cell 4 called exit()" in flags(graded, "t13_system_exit")


def test_reordered_cells_are_graded_in_the_source_order(graded):
    """Reversed, each solution comes after its test; relu's solution moved last: full credit all the same,
    which running the submission's own order up to each test cell would not give."""
    assert scores(graded, "t10_reordered") == scores(graded, "t10_solution_moved_last") == (2, 1, 2)
    assert "graded in the assignment's order" in flags(graded, "t10_reordered")


def test_killing_the_supervisor_is_flagged(graded):
    """os.kill(1, 9) before every part does nothing; os.kill(os.getppid(), 9) in cell 5 (after sigmoid's test)
    kills the runner's supervisor: relu and mse get 0 with the reason, sigmoid keeps its credit, and the
    batch goes on (test_batch_completes_and_records_everyone)."""
    assert scores(graded, "t16_kill_grader") == (2, 0, 0)
    assert "killed the grading supervisor" in flags(graded, "t16_kill_grader")
    assert "killed the process that supervises grading" in graded["feedback"]["t16_kill_grader"]


def test_exit_inside_a_function_costs_only_that_part(graded):
    assert scores(graded, "t13_exit_in_function") == (2, 0, 2)
    assert "ended while testing relu" in graded["feedback"]["t13_exit_in_function"]


def test_fork_bomb_is_capped(graded):
    assert scores(graded, "t14_fork_bomb") == (0, 0, 0)
    assert "did not finish" in graded["feedback"]["t14_fork_bomb"]


def test_no_sandbox_process_survives(graded):
    """Run after the batch (module order): no background process, no process of this grader's sandbox uids
    (other graders may be running on the machine: their uids are not looked at)."""
    assert _processes_with(BACKGROUND_MARKER) == []
    # Only this run's uid block (the grader records it): another grader on the machine has sandboxes of its own.
    uids = graded["out"] / "logs" / "sandbox-uids.txt"  # written by a root grader (sandboxes under uids of their own)
    low, high = map(int, uids.read_text().split()) if uids.exists() else (os.getuid(), os.getuid())
    leftovers = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                uid = int((entry / "status").read_text().split("Uid:")[1].split()[0])
            except (OSError, IndexError):
                continue
            if low <= uid <= high:
                leftovers.append(entry.name)
    assert leftovers == []


def test_disk_fill_hits_the_caps(graded):
    page = graded["feedback"]["t14_disk"]
    assert "No space left on device" in page and "File too large" in page


def test_files_written_are_gone(graded):
    assert graded["leftover_jobs"] == set()
    assert not list(Path("/tmp").glob("gdkit-fill-marker-*"))
    assert not list(graded["submitted"].rglob("gdkit-fill-marker-*"))


def test_output_flood_is_capped(graded):
    logs = list((graded["out"] / "logs" / "t15_flood").rglob("*.log"))
    assert logs and all(log.stat().st_size < 100_000 for log in logs)


def test_input_transformer_gives_nothing(graded):
    assert scores(graded, "t19_transformer") == (0, 1, 2)


@pytest.mark.parametrize("student", ["t20_monkeypatch", "t21_liar"])
def test_lying_comparisons_give_nothing(graded, student):
    assert scores(graded, student) == (0, 0, 0)


def test_frame_tampering_gives_nothing(graded):
    assert scores(graded, "t22_frames") == (0, 1, 2)


def test_calling_the_reference_gets_no_credit_with_reason(graded):
    assert scores(graded, "t23_calls_gdkit") == (0, 0, 2)
    assert "calling gdkit&#x27;s own" in graded["feedback"]["t23_calls_gdkit"]


def test_reloading_the_reference_gets_no_credit(graded):
    """The sandbox's gdkit is a view whose file holds only a stub of the part's reference: reloading the module
    reloads the stub (tests/test_grader_hardening.py has the other ways round it)."""
    assert scores(graded, "t23_reload") == (0, 1, 2)
    assert "calling gdkit&#x27;s own" in graded["feedback"]["t23_reload"]


def test_shadow_module_beside_the_notebook_gives_nothing(graded):
    assert scores(graded, "t24_shadow") == (0, 1, 2)


def test_swallowed_exceptions_still_fail(graded):
    assert scores(graded, "t27_swallow") == (0, 0, 2)


def test_gradebook_untouched_by_student_code(graded):
    import sqlite3
    assert scores(graded, "t28_gradebook") == (0, 1, 2)
    db = sqlite3.connect(graded["out"] / "gradebook.db")
    totals = dict(db.execute("SELECT student, score FROM gdkit_grading_record"))
    auto = dict(db.execute("SELECT student.id, SUM(grade.auto_score) FROM grade JOIN submitted_notebook ON "
                           "grade.notebook_id = submitted_notebook.id JOIN submitted_assignment ON "
                           "submitted_notebook.assignment_id = submitted_assignment.id JOIN student ON "
                           "submitted_assignment.student_id = student.id GROUP BY student.id"))
    assert auto == totals
    assert totals["t37_unmodified"] == 5 and totals["t28_gradebook"] == 3


def test_course_package_unchanged(graded):
    assert not graded["digest_changed"]


def test_feedback_hides_tests_and_grader_internals(graded):
    for student, page in graded["feedback"].items():
        assert "Traceback" not in page and 'File "' not in page, student
        assert "parts_fixture" not in page and "/job" not in page and "-800." not in page, student
        assert "check(" not in page, student


def test_feedback_escapes_student_text(graded):
    page = graded["feedback"]["t30_html_error"]
    assert scores(graded, "t30_html_error") == (0, 1, 2)
    assert "&lt;script&gt;" in page and "<script>" not in page


def test_garbage_on_the_result_channel_gives_nothing(graded):
    assert scores(graded, "t20_result_channel") == (0, 0, 0)
    assert "result channel" in graded["feedback"]["t20_result_channel"]
