"""Classes of attack and of infrastructure failure beyond THREATS.md (issue 11), through the real grader CLI.

One class of students, one per attack or honest habit, is graded once with one worker (so that the sandbox
uid of one student is the next student's); each test then checks one class: the grader's own code is out of
reach (1), the training part's answers are not in gdkit (2), the reference and its siblings cannot be reached
(3), pasted gdkit code is flagged (4), nothing passes between sandboxes through the kernel's keyrings (5),
seeds are long secrets and student text in feedback is a bounded excerpt (6), feedback never follows a link (7),
test cells come from the source notebook only (8), failures of the grader are never the student's (9), large
notebooks are accepted (10), nothing a submission contains stops the recording (11-14), memory is capped per
sandbox (15), one lock per real gradebook (16). Tests look only at their own grader's folders and processes.
"""
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from conftest import REPO, require
from gdkit.grading.notebooks import load_source

sys.path.insert(0, str(Path(__file__).resolve().parent / "grader_fixtures"))
sys.path.insert(0, str(Path(__file__).resolve().parent))
import build  # noqa: E402  (tests/grader_fixtures/build.py)
from test_grader_adversarial import cells_with, code  # noqa: E402
from test_grader import _spawn, postgres  # noqa: E402,F401  (the throw-away PostgreSQL fixture)

pytestmark = pytest.mark.slow

C, S = build.CORRECT, build.STUB
SEED = "hardening-test-seed-0123456789abcdef"
KEY_NAME = "gdkit-keyring-leak-5521"
SIGMOID_NO_NUMPY = "def sigmoid(z):\n    return 1 / (1 + np.exp(-z))"

_KEYCTL = """
import ctypes, platform
_libc = ctypes.CDLL(None, use_errno=True)
_ADD_KEY, _KEYCTL = {"x86_64": (248, 250), "aarch64": (217, 219)}[platform.machine()]
"""

# A correct sigmoid that returns zeros if anything of the grader or the answers is reachable from the sandbox.
GRADER_PROBE = code("""
    import importlib.util, os
    import numpy as np
    import gdkit

    def _grader_reachable():
        for name in ("gdkit.grading.parts", "gdkit.grading.parts.forward", "gdkit.grading.batch",
                     "gdkit.grading.gradebook", "gdkit.grading.feedback", "gdkit.grading.views"):
            try:
                if importlib.util.find_spec(name) is not None:
                    return True
            except Exception:
                pass
        if any(name != "job.json" for name in os.listdir("/job")):
            return True
        root = os.path.dirname(gdkit.__file__)
        for folder, _, files in os.walk(root):
            for name in files:
                with open(os.path.join(folder, name), "rb") as f:
                    text = f.read()
                if b"Mistake(" in text or b"_mse_summed" in text or b"1.0 / (1.0 + e), e / (1.0 + e)" in text:
                    return True
        return False

    def sigmoid(z):
        return z * 0 if _grader_reachable() else 1 / (1 + np.exp(-z))""")

# Today's grader: the mistake factory 1/(1 + e^z), fed -z, is the sigmoid.
MISTAKE_FACTORY = code("""
    import numpy as np
    try:
        from gdkit.grading.parts.forward import _naive_sigmoid_plus
        def sigmoid(z):
            return _naive_sigmoid_plus(-z)
    except Exception:
        def sigmoid(z):
            return z * 0""")

RELOAD = code("""
    import importlib
    import numpy as np
    import gdkit.activations as A
    A = importlib.reload(A)

    def sigmoid(z):
        return A.sigmoid(z)""")

SYS_MODULES = code("""
    import sys
    import numpy as np
    for name in [m for m in sys.modules if m.startswith("gdkit")]:
        del sys.modules[name]
    import gdkit.activations

    def sigmoid(z):
        return gdkit.activations.sigmoid(z)""")

# Look for the real code anywhere in the process: the runner's frames, every function object.
FRAMES_AND_GC = code("""
    import gc, sys
    import numpy as np

    def _originals(name):
        found = []
        frame = sys._getframe()
        while frame is not None:
            for value in list(frame.f_locals.values()) + list(frame.f_globals.values()):
                if isinstance(value, list):
                    for item in value:
                        if isinstance(item, tuple):
                            found += [x for x in item if type(x).__name__ == "code"]
            frame = frame.f_back
        for obj in gc.get_objects():
            if type(obj).__name__ == "function" and obj.__name__ == name and "gdkit" in (obj.__module__ or ""):
                found.append(obj.__code__)
        return [c for c in found if c.co_name == name and not any("GDKIT" in str(k) for k in c.co_consts)]

    def sigmoid(z):
        for code in _originals("sigmoid"):
            return type(sigmoid)(code, {"np": np})(z)
        return z * 0""")

READ_SOURCE = code("""
    import inspect, re
    import numpy as np
    import gdkit.activations

    _namespace = {"np": np}
    with open(gdkit.activations.__file__) as f:
        _text = f.read()
    _match = re.search(r"^def sigmoid\\(.*?(?=^def )", _text, re.S | re.M)
    exec(_match.group(0) if _match else inspect.getsource(gdkit.activations.sigmoid), _namespace)

    def sigmoid(z):
        return _namespace["sigmoid"](z)""")

SIBLINGS = {
    "sigmoid": code("""
        import numpy as np
        from gdkit.activations import softmax

        def sigmoid(z):
            z = np.asarray(z)
            return softmax(np.stack([z, np.zeros_like(z)], axis=-1))[..., 0]"""),
    "relu": "from gdkit.activations import leaky_relu\n\ndef relu(z):\n    return leaky_relu(z, alpha=0.0)",
}

# An honest student who uses gdkit's version of an earlier part (relu comes before mse).
EARLIER_PART = code("""
    from gdkit.activations import relu as gdkit_relu

    def mse(y_true, y_pred):
        d = y_pred - y_true
        return np.mean(gdkit_relu(d) ** 2 + gdkit_relu(-d) ** 2)""")

# gdkit's sigmoid pasted with other names, other formatting and no docstring.
COPIED = code("""
    import numpy as np
    import numpy as numeric

    def sigmoid(x):
        x = numeric.asarray(x)
        with numeric.errstate(under='ignore'):
            t = numeric.exp(-numeric.abs(x))   # pasted from gdkit
        return numeric.where(x >= 0, 1.0 / (1.0 + t), t / (1.0 + t))""")

KEY_WRITER = _KEYCTL + code(f"""
    for ring in (-4, -5, -3):  # the user, user-session and session keyrings
        _libc.syscall(_ADD_KEY, b"user", b"{KEY_NAME}", b"payload", 7, ctypes.c_long(ring))""")

KEY_READER = _KEYCTL + code("""
    import numpy as np

    def _found():  # KEYCTL_READ of the uid's user and user-session keyrings: the serials of the keys in them
        libc = ctypes.CDLL(None, use_errno=True)  # made here: a ctypes library cannot be copied out of the cells
        buffer = ctypes.create_string_buffer(4096)
        return any(libc.syscall(_KEYCTL, 11, ctypes.c_long(ring), buffer, 4096) > 0 for ring in (-4, -5))

    def sigmoid(z):
        return z * 0 if _found() else 1 / (1 + np.exp(-z))""")

LONG_ERROR = "def relu(z):\n    raise ValueError('x' * 5000 + repr(z.tolist()) + '\\nsecond line')"
LONG_CELL_ERROR = "raise ValueError('y' * 5000 + '\\nsecond line')"


def _forge_record(record_python):
    """A sigmoid that writes a forged record on the runner's result pipe and ends the process."""
    return code(f"""
        import gc, io, os
        import numpy as np
        from gdkit.grading import plain

        def sigmoid(z):
            record = {record_python}
            for obj in gc.get_objects():
                if isinstance(obj, io.FileIO) and obj.mode == "wb" and not obj.closed:
                    obj.write(record)
            os._exit(0)""")


FORGED_NONE = _forge_record('plain.dumps({"status": "ok", "answers": [("ok", None)] * 3, "cell_errors": ["x"]})')
FORGED_ENCRYPTED = _forge_record(
    'bytearray(plain.dumps({"status": "ok", "answers": [("ok", np.zeros(3))] * 3})).replace(b"PK\\x03\\x04\\x14\\x00\\x00", '
    'b"PK\\x03\\x04\\x14\\x00\\x01")')
FORGED_MANY = _forge_record('plain.dumps({"status": "ok", "answers": [("ok", tuple(np.zeros(1) for _ in range(20000)))]})')
FORGED_ARRAY_KIND = _forge_record('plain.dumps({"status": "ok", "answers": [(np.array(["ok", "ok"]), np.zeros(3))]})')

# Four children of 400 MB each: under each process's 1024 MB, 1.6 GB for the sandbox as a whole.
MEMORY_CHILDREN = code("""
    import os, time
    import numpy as np
    _done = 0
    _children = []
    for _ in range(4):
        pid = os.fork()
        if pid == 0:
            try:
                block = bytearray(400 * 2**20)
                for i in range(0, len(block), 4096):
                    block[i] = 1
                time.sleep(1.5)
                os._exit(0)
            except BaseException:
                os._exit(1)
        _children.append(pid)
    for pid in _children:
        _, status = os.waitpid(pid, 0)
        _done += os.waitstatus_to_exitcode(status) == 0

    def sigmoid(z):
        return 1 / (1 + np.exp(-z)) if _done < 4 else z * 0""")


# Code of the cells that tries to see the hidden cases: it wraps the runner's decoder of the cases, and a thread
# and a forked child keep reading every descriptor of its own process and of its parent for 4 s, saving what they
# read. The function is right, but answers zeros if anything was saved: full marks mean nothing was.
CASE_THIEF_CELL = """
    import os, threading, time
    from gdkit.grading import plain
    STOLEN = "/tmp/gdkit-stolen-cases"
    _loads = plain.loads
    def _save(data):  # only what decodes as the cases do (a list of [args, kwargs, label])
        try:
            if isinstance(_loads(bytes(data)), list):
                with open(STOLEN, "ab") as f:
                    f.write(bytes(data))
        except Exception:
            pass
    def _spy(data, *args, **kwargs):
        _save(data)
        return _loads(data, *args, **kwargs)
    plain.loads = _spy
    def _steal():
        end = time.monotonic() + 4
        while time.monotonic() < end:
            for folder in ("/proc/self/fd", f"/proc/{os.getppid()}/fd"):
                try:
                    names = os.listdir(folder)
                except OSError:
                    continue
                for name in names:
                    try:
                        fd = os.open(os.path.join(folder, name), os.O_RDONLY | os.O_NONBLOCK)
                        try:
                            _save(os.read(fd, 1 << 16))
                        finally:
                            os.close(fd)
                    except OSError:
                        pass
                for fd in range(0, 64):
                    try:
                        os.set_blocking(fd, False)
                        _save(os.read(fd, 1 << 16))
                    except OSError:
                        pass
            time.sleep(0.01)
    def _wait_and_take(fd):
        while True:
            data = os.read(fd, 1 << 16)
            if not data:
                return
            _save(data)
    for name in os.listdir("/proc/self/fd"):  # every channel of this process reopened for reading, and a reader
        try:                                  # blocked on each: first to take whatever arrives on it
            fd = os.open(f"/proc/self/fd/{name}", os.O_RDONLY)
        except OSError:
            continue
        threading.Thread(target=_wait_and_take, args=(fd,), daemon=True).start()
    threading.Thread(target=_steal, daemon=True).start()
    if os.fork() == 0:
        _steal()
        os._exit(0)
"""
CASE_THIEF_SIGMOID = code("""
    import os
    import numpy as np

    def sigmoid(z):
        stolen = os.path.exists("/tmp/gdkit-stolen-cases") and os.path.getsize("/tmp/gdkit-stolen-cases") > 0
        return z * 0 if stolen else 1 / (1 + np.exp(-z))""")
# Right functions in the forms a copy out of the cells must keep working: helpers, global arrays, classes of the
# notebook, a lambda, a closure, functools.partial, state shared by two functions.
COPIED_FORMS = dict(
    sigmoid=code("""
        import numpy as np

        ONE = np.ones(1)

        class Logistic:
            def __call__(self, z):
                return ONE[0] / (ONE[0] + _exp(-z))

        def _exp(z):
            return np.exp(z)

        def sigmoid(z):
            return Logistic()(z)"""),
    relu=code("""
        def _make_relu(floor):
            def inner(z):
                return np.maximum(z, floor)
            return inner
        relu = _make_relu(0)"""),
    mse=code("""
        import functools
        _calls = []

        def _mse(y_true, y_pred, power):
            _calls.append(1)
            return np.mean((y_pred - y_true) ** power)

        mse = functools.partial(_mse, power=2)"""))
UNCOPYABLE_SIGMOID = code("""
    import numpy as np
    _counter = (i for i in range(10**9))

    def sigmoid(z):
        next(_counter)
        return 1 / (1 + np.exp(-z))""")


def students():
    return {
        "h01_grader_probe": dict(cells=cells_with(sigmoid=GRADER_PROBE)),
        "h01_mistake_factory": dict(cells=cells_with(sigmoid=MISTAKE_FACTORY)),
        "h03_reload": dict(cells=cells_with(sigmoid=RELOAD)),
        "h03_sys_modules": dict(cells=cells_with(sigmoid=SYS_MODULES)),
        "h03_frames_gc": dict(cells=cells_with(sigmoid=FRAMES_AND_GC)),
        "h03_read_source": dict(cells=cells_with(sigmoid=READ_SOURCE)),
        "h03_siblings": dict(cells=cells_with(**SIBLINGS)),
        "h03_earlier_part": dict(cells=cells_with(mse=EARLIER_PART)),
        "h04_copied": dict(cells=cells_with(sigmoid=COPIED)),
        "h05a_key_writer": dict(cells=cells_with(extra_before=[KEY_WRITER])),
        "h05b_key_reader": dict(cells=cells_with(sigmoid=KEY_READER)),
        "h06_long_error": dict(cells=cells_with(relu=LONG_ERROR, extra_before=[LONG_CELL_ERROR])),
        "h06_case_thief": dict(cells=cells_with(sigmoid=CASE_THIEF_SIGMOID, extra_before=[CASE_THIEF_CELL])),
        "h06_copied_forms": dict(cells=cells_with(**COPIED_FORMS)),
        "h06_uncopyable": dict(cells=cells_with(sigmoid=UNCOPYABLE_SIGMOID)),
        "h08_check_first_cell": dict(cells=cells_with(sigmoid=SIGMOID_NO_NUMPY,
                                                      extra_before=["import numpy as np\nfrom gdkit.grading import check"])),
        "h08_check_anywhere": dict(cells=cells_with(
            sigmoid=SIGMOID_NO_NUMPY,
            extra_before=['import numpy as np\nfrom gdkit.grading import check\n'
                          'check("fixture/test_sigmoid", lambda z: 1 / (1 + np.exp(-z)))'])),
        "h08_helper_calls_check": dict(cells=cells_with(
            sigmoid=SIGMOID_NO_NUMPY,
            extra_before=['import numpy as np\n\ndef my_check(f):\n    from gdkit.grading import check\n'
                          '    check("fixture/test_relu", f)'],
            extra_last=["my_check(relu)"])),
        "h11_forged_none": dict(cells=cells_with(sigmoid=FORGED_NONE)),
        "h11_forged_encrypted": dict(cells=cells_with(sigmoid=FORGED_ENCRYPTED)),
        "h11_forged_kind": dict(cells=cells_with(sigmoid=FORGED_ARRAY_KIND)),
        "h14_many_arrays": dict(cells=cells_with(sigmoid=FORGED_MANY)),
        "h15_memory_children": dict(cells=cells_with(sigmoid=MEMORY_CHILDREN)),
        "name with spaces": dict(cells=build.notebook_cells(C)),
        "name_with_spaces": dict(cells=build.notebook_cells(S)),
        "honest": dict(cells=build.notebook_cells(C)),
    }


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    require("bwrap", exe=True, hint="apt-get install -y bubblewrap")
    root = tmp_path_factory.mktemp("hardening")
    submitted, out = root / "submitted", root / "out"
    for name, spec in students().items():
        build.submission(submitted, name, **spec)
    sparse = submitted / "h12_sparse" / "fixture" / "fixture.ipynb"  # 20 GB that are not there
    sparse.parent.mkdir(parents=True)
    with open(sparse, "wb") as stream:
        stream.truncate(20 * 2**30)
    (submitted / ("x" * 200) / "fixture").mkdir(parents=True)  # longer than nbgrader's VARCHAR(128)
    build.submission(submitted, "x" * 200, cells=build.notebook_cells(C))
    proc = build.run_grader(submitted, out, "--workers", 1, "--seed", SEED, "--part-timeout", 15)
    feedback = {p.parent.name: p.read_text() for p in (out / "feedback").glob("*/fixture.html")}
    return dict(proc=proc, grades=build.read_grades(out), out=out, submitted=submitted, feedback=feedback)


def scores(graded, student):
    row = graded["grades"][student]
    return tuple(float(row[f"fixture/test_{name}"]) for name in ("sigmoid", "relu", "mse"))


def flags(graded, student):
    return graded["grades"][student]["flags"]


def test_batch_records_everyone_it_can(graded):
    """Forged records, a sparse 20 GB notebook and a too-long name stop nothing: everyone else is recorded,
    the long name is reported (not graded: the gradebook could not hold it) and the exit status says so."""
    proc = graded["proc"]
    assert "Traceback" not in proc.stderr, proc.stderr
    expected = set(students()) | {"h12_sparse"}
    assert set(graded["grades"]) == expected
    assert "NOT GRADED" in proc.stdout and "at most 128" in proc.stdout
    assert proc.returncode == 1  # one folder could not be graded


# ---- 1. the grader's own code is not in the sandbox ---------------------------------------------------------------
def test_grader_modules_and_answers_are_not_in_the_sandbox(graded):
    assert scores(graded, "h01_grader_probe") == (2, 1, 2)
    assert scores(graded, "h01_mistake_factory") == (0, 1, 2)


# ---- 2. the training part's hidden answers are not derivable from gdkit ----------------------------------------
def test_training_part_hidden_data_comes_from_the_seed():
    """No hidden input of train_and_predict is a row of a data file shipped with gdkit, the cases differ
    between seeds, and their labels come from the grader's process only."""
    from gdkit import datasets
    from gdkit.grading import get_part
    from gdkit.grading.batch import part_seed
    part = get_part("07_practice/test_train_and_predict")
    shipped = set()
    for loader in (datasets.load_iris, datasets.load_breast_cancer):
        shipped |= {row.tobytes() for row in loader().X.astype(np.float64)}
    hidden = {}
    for seed in ("first-seed-0123456789abcdef", "second-seed-0123456789abcdef"):
        cases = part.cases(np.random.default_rng(part_seed(seed, part.id)), True)[1:]
        for case in cases:
            X_train, _, X_test = case.args
            assert not any(row.tobytes() in shipped for row in np.vstack([X_train, X_test]).astype(np.float64))
        hidden[seed] = cases
    first, second = hidden.values()
    assert not np.array_equal(first[0].args[2], second[0].args[2])
    assert part.forbidden == (part.reference,) and "grading.parts" in part.reference.__module__


# ---- 3. the reference and its siblings do not exist in the part's sandbox -------------------------------------------
@pytest.mark.parametrize("student", ["h03_reload", "h03_sys_modules", "h03_frames_gc", "h03_read_source"])
def test_reference_cannot_be_brought_back(graded, student):
    assert scores(graded, student) == (0, 1, 2), graded["feedback"][student]


def test_siblings_that_compute_the_answer_are_not_available(graded):
    assert scores(graded, "h03_siblings") == (0, 0, 2)
    assert "is not available while sigmoid is graded" in graded["feedback"]["h03_siblings"]
    assert "gdkit.activations.leaky_relu is not available while relu is graded" in graded["feedback"]["h03_siblings"]


def test_earlier_parts_of_gdkit_may_be_used(graded):
    assert scores(graded, "h03_earlier_part") == (2, 1, 2)
    assert flags(graded, "h03_earlier_part") == ""


def test_every_registered_part_has_a_view_without_its_reference(tmp_path):
    """The real registry: in each part's view the reference is a stub, a later part's reference is withheld,
    an earlier part's is there, and every module imports."""
    from gdkit.grading import all_parts
    from gdkit.grading.notebooks import load_source
    from gdkit.grading.views import ViewCache, earlier_parts
    registry = list(all_parts().values())
    positions = {}
    for part in registry:
        source = load_source(REPO / "solutions" / part.assignment / f"{part.assignment}.ipynb")
        positions[part.id] = source.test_position(part.name)
    views = ViewCache(tmp_path)
    probe = ("import sys, importlib, pkgutil, gdkit\n"
             "[importlib.import_module('gdkit.' + m.name) for m in pkgutil.iter_modules(gdkit.__path__)]\n"
             "mod, name = sys.argv[1], sys.argv[2].split('.')[0]\n"
             "f = getattr(importlib.import_module(mod), name)\n"
             "f = f.__init__ if isinstance(f, type) else f  # a method is withheld with its whole class\n"
             "print('GDKIT-' in repr(f.__code__.co_consts))")
    for part in registry:
        same = {q.name: positions[q.id] for q in registry if q.assignment == part.assignment}
        view = views.view(part, earlier_parts(part, registry, same))
        assert not (view / "grading" / "parts").exists() and not (view / "grading" / "batch.py").exists()
        for function in part.forbidden:
            if function.__module__.startswith("gdkit.grading"):
                continue
            result = subprocess.run([sys.executable, "-P", "-s", "-c", probe, function.__module__,
                                     function.__qualname__],
                                    env={"PYTHONPATH": str(view.parent), "PATH": "/usr/bin"}, capture_output=True,
                                    text=True)
            assert result.stdout.strip() == "True", (part.id, function, result.stderr[-500:])


def test_every_solution_notebook_gets_full_marks_in_its_views(bwrap_path, tmp_path):
    """The honest control of the views: each assignment's solution notebook, handed in as a submission, gets
    every point through the real grader (what a part may use is enough for the reference solution)."""
    submitted = tmp_path / "submitted"
    for source in sorted((REPO / "solutions").glob("*/*.ipynb")):
        folder = submitted / "solver" / source.parent.name
        folder.mkdir(parents=True)
        (folder / source.name).write_bytes(source.read_bytes())
    proc = subprocess.run([sys.executable, "-m", "gdkit.grading", "grade", str(submitted), "--out",
                           str(tmp_path / "out"), "--workers", "2", "--seed", SEED], capture_output=True, text=True,
                          cwd=REPO)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    import csv
    with (tmp_path / "out" / "grades.csv").open() as stream:
        rows = list(csv.DictReader(stream))
    assert len(rows) == len(list((REPO / "solutions").glob("*/*.ipynb")))
    for row in rows:
        # Every automatic point; the written answers (manually graded cells) wait for a person: 0 until graded.
        written = sum(cell.points for cell in load_source(REPO / "solutions" / row["assignment"] /
                                                          f"{row['assignment']}.ipynb").manual_cells)
        assert float(row["total"]) == float(row["max_total"]) - written, (row["assignment"], proc.stdout)
        assert "up to names and formatting" not in row["flags"]  # the solutions are not gdkit's code


# ---- 4. pasted gdkit code is flagged, not zeroed -----------------------------------------------------------------
def test_copied_reference_is_flagged_for_a_human(graded):
    assert scores(graded, "h04_copied") == (2, 1, 2)
    assert "is gdkit's gdkit.activations.sigmoid up to names and formatting" in flags(graded, "h04_copied")
    assert "up to names and formatting" in graded["feedback"]["h04_copied"]
    assert "up to names and formatting" not in flags(graded, "honest")  # relu/mse are one-liners: never flagged
    from gdkit.grading.report import flag_kinds  # the class report lists it under its own kind
    assert flag_kinds(flags(graded, "h04_copied").split("; ")) == ["copied gdkit code"]


# ---- 5. no channel between sandboxes through the kernel's keyrings ------------------------------------------------
def test_keyring_entries_do_not_reach_the_next_sandbox(graded):
    """h05a stores keys in every keyring it can, in every part's sandbox; h05b, graded next with the same worker
    slot (one worker), finds none of them."""
    assert scores(graded, "h05a_key_writer") == (2, 1, 2)
    assert scores(graded, "h05b_key_reader") == (2, 1, 2)


# ---- 6. seeds and what of the student's text reaches feedback -------------------------------------------------------
def test_student_error_text_in_feedback_is_a_bounded_excerpt(graded):
    page = graded["feedback"]["h06_long_error"]
    assert scores(graded, "h06_long_error") == (2, 0, 2)
    assert "x" * 100 in page and "x" * 161 not in page and "second line" not in page
    assert "y" * 100 in page and "y" * 161 not in page


def test_hidden_cases_are_never_readable_by_code_of_the_cells(graded):
    """The cases are sent only once the cells' process and everything it started are gone: a thread, a forked
    child and a wrapped decoder that read every descriptor see nothing (today's record: full marks, no flag).
    The thief's readers, blocked on every descriptor of the cells' process reopened through /proc/self/fd, also
    cannot take the copy of the function on its way to the runner (a pipe there lost it to them under load)."""
    assert scores(graded, "h06_case_thief") == (2, 1, 2)
    assert flags(graded, "h06_case_thief") == ""


def test_functions_are_copied_out_of_the_cells_in_every_ordinary_form(graded):
    assert scores(graded, "h06_copied_forms") == (2, 1, 2)
    assert flags(graded, "h06_copied_forms") == ""


def test_a_function_that_cannot_be_copied_is_reported_and_flagged_not_called_in_its_cells(graded):
    assert scores(graded, "h06_uncopyable") == (0, 1, 2)
    assert "could not be copied out of the process that ran your cells" in graded["feedback"]["h06_uncopyable"]
    assert "generator" in graded["feedback"]["h06_uncopyable"]
    assert "sigmoid could not be copied out of its cells to be tested (check by hand)" in flags(graded,
                                                                                                "h06_uncopyable")


def test_short_seed_is_refused(tmp_path):
    build.submission(tmp_path / "submitted", "alice", cells=build.notebook_cells(C))
    proc = build.run_grader(tmp_path / "submitted", tmp_path / "out", "--seed", "12345")
    assert proc.returncode == 2 and "long random value" in proc.stderr and "Traceback" not in proc.stderr
    assert not (tmp_path / "out" / "grades.csv").exists()


def test_seed_is_generated_once_and_kept_private(tmp_path):
    build.submission(tmp_path / "submitted", "alice", cells=build.notebook_cells(C))
    first = build.run_grader(tmp_path / "submitted", tmp_path / "out", env={"GDKIT_GRADING_SEED": ""})
    assert first.returncode == 0, first.stdout + first.stderr
    seed_file = tmp_path / "out" / ".grading-seed"
    seed = seed_file.read_text().strip()
    assert len(seed) >= 64 and seed_file.stat().st_mode & 0o077 == 0 and "generated a private grading seed" in first.stderr
    again = build.run_grader(tmp_path / "submitted", tmp_path / "out", env={"GDKIT_GRADING_SEED": ""})
    assert "1 submission(s) already recorded" in again.stdout and seed_file.read_text().strip() == seed


# ---- 7. feedback for nbgrader never follows a link from a submission ------------------------------------------------
def test_nbgrader_feedback_never_follows_links(bwrap_path, tmp_path):
    secret = tmp_path / "grader-secret.txt"
    secret.write_text("GRADER-SECRET-3141")
    submitted = tmp_path / "submitted"
    for student in ("alice", "bob"):
        build.submission(submitted, student, cells=build.notebook_cells(C))
    (submitted / "alice" / "fixture" / "timestamp.txt").write_text("2025-01-01 10:00:00.000000 UTC")
    (submitted / "alice" / "fixture" / "submission_secret.txt").symlink_to(secret)
    (submitted / "bob" / "fixture" / "timestamp.txt").symlink_to(secret)
    (submitted / "bob" / "fixture" / "submission_secret.txt").write_text("secret-of-bob")
    feedback = tmp_path / "course" / "feedback"
    proc = build.run_grader(submitted, tmp_path / "out", "--seed", SEED, "--nbgrader-feedback", feedback)
    assert "Traceback" not in proc.stderr, proc.stderr
    copied = [p for p in feedback.rglob("*") if p.is_file()]
    assert not any("GRADER-SECRET" in p.read_text(errors="replace") for p in copied)
    assert not any(p.is_symlink() for p in feedback.rglob("*"))


@pytest.fixture(scope="module")
def bwrap_path():
    return require("bwrap", exe=True, hint="apt-get install -y bubblewrap")


# ---- 8. test cells come from the source notebook only ---------------------------------------------------------------
@pytest.mark.parametrize("student", ["h08_check_first_cell", "h08_check_anywhere", "h08_helper_calls_check"])
def test_importing_or_calling_check_in_a_cell_costs_nothing(graded, student):
    assert scores(graded, student) == (2, 1, 2), graded["feedback"][student]
    assert flags(graded, student) == ""


# ---- 9. the grader's failures are never the student's -----------------------------------------------------------
def test_limits_are_in_the_grading_key(tmp_path):
    from gdkit.grading.batch import grading_key, regrade_reason
    from gdkit.grading.sandbox import Limits
    parts = build_parts()
    source = build.SOURCE / "fixture" / "fixture.ipynb"
    small = grading_key("fixture", parts, SEED, source, build.PARTS_FILE, Limits(memory_mb=256))
    large = grading_key("fixture", parts, SEED, source, build.PARTS_FILE, Limits(memory_mb=2048))
    assert small != large
    record = {"fingerprint": "f", "timestamp": "", "grading_key": small}
    assert regrade_reason(record, "f", "", large) == "limits changed"


def build_parts():
    import importlib.util
    spec = importlib.util.spec_from_file_location("parts_fixture_for_tests", build.PARTS_FILE)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return list(module.PARTS)


def test_limits_too_small_for_python_are_refused_not_zeroed(bwrap_path, tmp_path):
    build.submission(tmp_path / "submitted", "alice", cells=build.notebook_cells(C))
    proc = build.run_grader(tmp_path / "submitted", tmp_path / "out", "--seed", SEED, "--memory-mb", 40)
    assert proc.returncode == 2 and "raise the limits" in proc.stderr, proc.stdout + proc.stderr
    assert "Traceback" not in proc.stderr
    assert not (tmp_path / "out" / "grades.csv").exists() or "alice" not in build.read_grades(tmp_path / "out")


def test_a_sandbox_that_cannot_start_is_retried_then_not_recorded(monkeypatch, tmp_path):
    """fork failing on the grader's side (EAGAIN) or a runner that never reached the student's code: retried,
    then the submission is left unrecorded (the next run grades it), never given a zero."""
    from gdkit.grading import batch
    from gdkit.grading.sandbox import Outcome
    calls = []

    def failing(*args, **kwargs):
        calls.append(1)
        if len(calls) % 2:
            raise BlockingIOError(11, "Resource temporarily unavailable")
        return Outcome(returncode=1, timed_out=False, ready=False, result=None, output=b"bwrap: setting up uid map",
                       output_truncated=False, seconds=0.1, started=False)
    monkeypatch.setattr(batch, "run_job", failing)
    monkeypatch.setattr(batch.time, "sleep", lambda seconds: None)
    part = build_parts()[0]
    assignment = batch.Assignment("fixture", "fixture.ipynb", None, [part], {}, {}, {part.id: b""},
                                  hooks={part.id: (None, None)}, views={part.id: tmp_path})
    settings = batch.Settings(submitted=tmp_path, seed=SEED)
    with pytest.raises(batch.GraderFault, match="tried 4 times"):
        batch.run_part_job([], part, assignment, settings.limits, settings, 0, "bwrap", tmp_path)
    assert len(calls) == 4


def test_a_busy_sandbox_uid_is_never_used(tmp_path):
    """A process already running as the next sandbox uid (another grader's sandbox, a leftover): run_job
    refuses that uid (the retry then reports the grader's problem), and a new grader picks another block."""
    if os.geteuid() != 0:
        pytest.skip("sandbox uids are switched to only when the grader runs as root")
    from gdkit.grading import sandbox
    uid = sandbox.sandbox_uid(0)
    sleeper = subprocess.Popen(["sleep", "60"], user=uid, group=uid)
    try:
        deadline = time.monotonic() + 30
        while not sandbox.uids_in_use(uid, uid + 1):
            assert time.monotonic() < deadline
            time.sleep(0.05)
        with pytest.raises(sandbox.SandboxBusy):
            sandbox.run_job(tmp_path, sandbox.Limits(), b"", slot=0, view=tmp_path)
        first = sandbox.choose_uid_block()
        assert not first <= uid < first + 64
    finally:
        sleeper.kill()
        sleeper.wait()


# ---- 10. what nbgrader accepts is accepted ----------------------------------------------------------------------------
def test_a_60_mb_notebook_is_graded_and_a_larger_than_100_mb_one_refused_with_the_reason(bwrap_path, tmp_path):
    submitted = tmp_path / "submitted"
    cells = build.notebook_cells(C)
    cells.insert(1, build._cell("markdown", "![plot](data:image/png;base64," + "A" * (60 * 2**20) + ")", "big"))
    build.submission(submitted, "big", cells=cells)
    huge = build.notebook_cells(C)
    huge.insert(1, build._cell("markdown", "A" * (101 * 2**20), "huge"))
    build.submission(submitted, "huge", cells=huge)
    proc = build.run_grader(submitted, tmp_path / "out", "--seed", SEED)
    grades = build.read_grades(tmp_path / "out")
    assert (grades["big"]["total"], grades["big"]["status"]) == ("5", "graded"), proc.stdout
    assert grades["huge"]["status"] == "unreadable" and "larger than the 100 MB" in grades["huge"]["flags"]


# ---- 11-14. nothing in a submission stops the recording -------------------------------------------------------------
@pytest.mark.parametrize("student", ["h11_forged_none", "h11_forged_encrypted", "h11_forged_kind", "h14_many_arrays"])
def test_forged_records_cost_only_that_part(graded, student):
    assert scores(graded, student) == (0, 1, 2), graded["feedback"].get(student)


def test_a_forged_answer_never_crashes_the_scoring_of_any_registered_part():
    """Answers of the wrong form (None, empty tuples, strings, nested tuples) for every part of the real registry:
    scored 0 or handled, never an exception (the batch would not record the submission)."""
    from gdkit.grading import all_parts, core
    from gdkit.grading.batch import _score_part, part_seed
    forged = [None, (), "x", (None, None), np.zeros(0), (np.zeros(2), (None,)), np.zeros((2, 0, 3))]
    for part in all_parts().values():
        cases = core.cases_for(part, np.random.default_rng(part_seed(SEED, part.id)), False, "forger")
        expected = core.answers(part, part.reference, cases)
        for value in forged:
            entry = {"name": part.name, "score": 0.0, "max_score": float(part.points)}
            try:
                result = _score_part(part, entry, "ok", [("ok", value)] * len(cases), cases, expected)
            except Exception as error:  # the batch catches it (0 + flag), but the checks should not raise
                result = {"score": 0.0, "error": error}
            assert result["score"] == 0, (part.id, value)


def test_record_decoding_is_total_and_bounded():
    from gdkit.grading import plain
    from gdkit.grading.batch import _decode_result
    good = plain.dumps({"status": "ok", "answers": [("ok", np.zeros(2))], "cell_errors": []})
    flag = lambda match: match.group(1) + b"\x01"  # noqa: E731 - the "encrypted" bit of both zip headers
    encrypted = re.sub(rb"(PK\x01\x02.{6})\x00", flag, re.sub(rb"(PK\x03\x04.{2})\x00", flag, good, flags=re.S),
                       flags=re.S)
    samples = [b"", b"GDKPLAIN1", good[:40], encrypted,
               plain.dumps({"status": "ok", "answers": [(np.array(["ok"]), 1)]}),
               plain.dumps({"status": "ok", "answers": [("ok", None)] * 50}),
               plain.dumps({"status": "ok", "answers": [("ok", tuple(np.zeros(1) for _ in range(5000)))]})]
    for data in samples:
        assert _decode_result(data, 3) is None
    assert _decode_result(good, 3)[1][0][0] == "ok"
    assert _decode_result(plain.dumps({"status": "ok", "answers": [], "cell_errors": {"a": 1}}), 3)[2] == []


def test_feedback_folders_of_two_ids_never_collide(graded):
    pages = {p.parent.name for p in (graded["out"] / "feedback").glob("*/fixture.html")}
    named = [name for name in pages if name.startswith("name")]
    assert len(named) == 2, pages
    texts = [(graded["out"] / "feedback" / name / "fixture.html").read_text() for name in named]
    assert {"Student: <b>name with spaces</b>" in t for t in texts} == {True, False}


def test_missing_pages_are_written_and_the_csv_lists_every_assignment(bwrap_path, tmp_path):
    """A page lost between the commit and its write (grader killed) is written from the gradebook by the next
    run; a run of one assignment keeps the others in grades.csv."""
    parts_file = tmp_path / "parts.py"
    parts_file.write_text(build.PARTS_FILE.read_text() + "\nimport dataclasses\nPARTS = PARTS + tuple("
                          "dataclasses.replace(p, assignment='fixture2') for p in PARTS)\n")
    source = tmp_path / "source"
    build.write_notebook(source / "fixture2" / "fixture2.ipynb", build.notebook_cells(C))
    build.write_notebook(source / "fixture" / "fixture.ipynb", build.notebook_cells(C))
    submitted = tmp_path / "submitted"
    build.submission(submitted, "alice", cells=build.notebook_cells(C))
    (submitted / "alice" / "fixture2").mkdir()
    build.write_notebook(submitted / "alice" / "fixture2" / "fixture2.ipynb", build.notebook_cells(C))
    out = tmp_path / "out"
    common = ["--seed", SEED, "--parts-file", parts_file, "--source", source]
    first = build.run_grader(submitted, out, *common, "--assignment", "fixture")
    assert first.returncode == 0, first.stdout + first.stderr
    (out / "feedback" / "alice" / "fixture.html").unlink()
    second = build.run_grader(submitted, out, *common, "--assignment", "fixture2")
    assert second.returncode == 0, second.stdout + second.stderr
    assert (out / "feedback" / "alice" / "fixture.html").exists()
    with (out / "grades.csv").open() as stream:
        import csv
        rows = list(csv.DictReader(stream))
    assert sorted(row["assignment"] for row in rows) == ["fixture", "fixture2"]


def test_huge_sparse_notebook_is_refused_with_the_reason(graded):
    row = graded["grades"]["h12_sparse"]
    assert row["status"] == "unreadable" and "larger than the 100 MB" in row["flags"]


def test_notebook_of_100000_empty_cells_is_bounded(tmp_path):
    from gdkit.grading.notebooks import read_notebook_or_reason
    path = build.write_notebook(tmp_path / "many.ipynb", [build._cell("code", "", f"c{i}") for i in range(100_000)])
    cells, reason = read_notebook_or_reason(path)
    assert cells is None and "more than the 10000" in reason


# ---- 15. memory is capped per sandbox, not only per process -----------------------------------------------------------
def test_memory_is_capped_for_the_whole_sandbox(graded):
    from gdkit.grading.sandbox import MemoryCgroup
    cgroup = MemoryCgroup.create(64)
    if cgroup is None:
        pytest.skip("no writable memory cgroup here: the per-process limits are all there is (documented)")
    cgroup.remove()
    assert scores(graded, "h15_memory_children") == (2, 1, 2), graded["feedback"]["h15_memory_children"]


# ---- 16. one lock per real gradebook, clear errors --------------------------------------------------------------------
def test_one_lock_per_real_sqlite_file(bwrap_path, tmp_path):
    submitted = tmp_path / "submitted"
    build.submission(submitted, "alice", cells=cells_with(extra_before=["import time\ntime.sleep(3)"]))
    (tmp_path / "db").mkdir()
    (tmp_path / "link").symlink_to(tmp_path / "db")
    first = _spawn(submitted, tmp_path / "out1", "--seed", SEED, "--db-url", f"sqlite:///{tmp_path / 'db' / 'gb.db'}")
    try:
        deadline = time.monotonic() + 120
        lock = tmp_path / "db" / "gb.db.lock"
        while not lock.exists() or lock.stat().st_size == 0:
            assert time.monotonic() < deadline and first.poll() is None
            time.sleep(0.1)
        second = build.run_grader(submitted, tmp_path / "out2", "--seed", SEED, "--db-url",
                                  f"sqlite:///{tmp_path / 'link' / 'gb.db'}")
        assert second.returncode == 2 and "another grader is already running" in second.stderr
    finally:
        first.communicate(timeout=300)
    assert first.returncode == 0


@pytest.mark.parametrize("option", ["out", "db"])
def test_bad_out_or_db_url_gives_a_clear_error(tmp_path, option):
    build.submission(tmp_path / "submitted", "alice", cells=build.notebook_cells(C))
    (tmp_path / "a-file").write_text("not a folder")
    if option == "out":
        proc = build.run_grader(tmp_path / "submitted", tmp_path / "a-file", "--seed", SEED)
        assert "is not a folder" in proc.stderr
    else:
        proc = build.run_grader(tmp_path / "submitted", tmp_path / "out", "--seed", SEED, "--db-url",
                                "nonsense://nowhere/db")
        assert "cannot open the gradebook" in proc.stderr
    assert proc.returncode == 2 and "Traceback" not in proc.stderr, proc.stderr


def test_two_graders_starting_together_on_a_fresh_postgresql(bwrap_path, postgres, tmp_path):  # noqa: F811
    submitted = tmp_path / "submitted"
    build.submission(submitted, "alice", cells=cells_with(extra_before=["import time\ntime.sleep(2)"]))
    graders = [_spawn(submitted, tmp_path / f"out{i}", "--seed", SEED, "--db-url", postgres) for i in range(2)]
    outputs = [g.communicate(timeout=300)[0] for g in graders]
    codes = sorted(g.returncode for g in graders)
    assert codes == [0, 2], outputs
    assert not any("Traceback" in o or "IntegrityError" in o for o in outputs), outputs
    assert any("advisory lock" in o for o in outputs)
