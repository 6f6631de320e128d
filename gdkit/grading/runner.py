"""The sandboxed side of the trusted grader: run a notebook's code, then answer one part's test cases.

Invoked by :mod:`gdkit.grading.sandbox` as
``python -m gdkit.grading.runner JOB_DIR RESULT_FD STATUS_FD PROGRESS_FD UID``, never by hand, inside the sandbox,
where ``gdkit`` is the part's *view* (:mod:`gdkit.grading.views`): no parts registry, no grader, and every gdkit
function the part may not use replaced by a stub. In order, before any student code runs: set resource limits,
drop to ``UID`` (when started as root), give the process a keyring session of its own and empty the uid's
keyrings (:func:`_fresh_keyrings`), fork (the parent stays behind as a *supervisor* that only waits for the runner
and reports how it ended on ``STATUS_FD``: if student code kills its parent, the supervisor's missing report says
so), and import the part's hooks. Then it executes the part's cells (magics transformed as IPython would, a stub
``get_ipython()``, an empty stdin; an exception in a cell is recorded and the next cell runs; ``SystemExit`` stops
the cells there, as a kernel stops "run all"; each cell's number is written on ``PROGRESS_FD`` before it runs, so
a crash can be attributed to its cell), writes :data:`~gdkit.grading.sandbox.READY_MARKER` on ``RESULT_FD``, reads
the test cases from the original stdin, and writes the plain answers as a :mod:`gdkit.grading.plain` record on
``RESULT_FD``. Only those plain values leave this process; the grader compares them with the reference.

``job.json`` holds ``function`` (the name the notebook defines), ``prepare`` and ``collect`` (``"module:name"`` of
the part's hooks, or null), ``kind`` and ``answer_format`` (a concept part: ``function`` names a variable whose
plain value is the answer), ``cells`` (``[number, source]`` pairs) and ``limits``. Nothing else of the part
reaches the sandbox. ``student`` (the submission folder's name) becomes what ``gdkit.problems.student_id()``
returns in the cells. The record also carries ``declared_id``, the notebook's ``STUDENT_ID`` if it is a string.
"""
import builtins
import json
import os
import resource
import sys

_MB = 2**20


def _confine(limits, uid):
    """Resource limits for this process and its children; then an unprivileged uid if we are root."""
    for name, value in (("RLIMIT_AS", limits["memory_mb"] * _MB), ("RLIMIT_CPU", limits["cpu_seconds"]),
                        ("RLIMIT_FSIZE", limits["file_mb"] * _MB), ("RLIMIT_NOFILE", limits["open_files"]),
                        ("RLIMIT_NPROC", limits["processes"]), ("RLIMIT_CORE", 0)):
        resource.setrlimit(getattr(resource, name), (value, value))
    if uid is not None:
        os.setgroups([])
        os.setresgid(uid, uid, uid)
        os.setresuid(uid, uid, uid)
    _fresh_keyrings(clear_user=uid is not None)


_KEYCTL = {"x86_64": 250, "aarch64": 219, "i686": 288, "armv7l": 311, "ppc64le": 250, "s390x": 280}
_KEYCTL_JOIN_SESSION_KEYRING, _KEYCTL_CLEAR, _KEYCTL_GET_PERSISTENT = 1, 7, 22
_KEY_SPEC_SESSION_KEYRING, _KEY_SPEC_USER_KEYRING, _KEY_SPEC_USER_SESSION_KEYRING = -3, -4, -5


def _fresh_keyrings(clear_user):
    """Kernel keyrings outlive a process and are shared by every process of a uid: a new anonymous session
    keyring for this sandbox and, when it runs under a sandbox uid of its own (``clear_user``), the uid's user,
    user-session and persistent keyrings emptied, so that nothing a previous sandbox of this uid stored (another
    student's code, another part) can be found. A kernel without keyrings (ENOSYS) has nothing to isolate."""
    import ctypes
    import platform
    number = _KEYCTL.get(platform.machine())
    if number is None:
        return
    libc = ctypes.CDLL(None, use_errno=True)
    keyctl = libc.syscall
    keyctl.restype = ctypes.c_long
    keyctl(number, _KEYCTL_JOIN_SESSION_KEYRING, None)
    if clear_user:
        for ring in (_KEY_SPEC_USER_KEYRING, _KEY_SPEC_USER_SESSION_KEYRING):
            keyctl(number, _KEYCTL_CLEAR, ctypes.c_long(ring))
        persistent = keyctl(number, _KEYCTL_GET_PERSISTENT, ctypes.c_long(-1),
                            ctypes.c_long(_KEY_SPEC_SESSION_KEYRING))
        if persistent > 0:
            keyctl(number, _KEYCTL_CLEAR, ctypes.c_long(persistent))


class _StubShell:
    """What ``get_ipython()`` returns: magics do nothing, except that ``%time``/``%%time``-like magics run
    their code once; input transformers registered by student code are kept but never used."""

    def __init__(self, namespace):
        self.user_ns = namespace
        self.input_transformers_cleanup, self.input_transformers_post, self.ast_transformers = [], [], []

    def run_line_magic(self, name, line, *args, **kwargs):
        if name in ("time", "timeit", "prun") and line.strip():
            exec(compile(line, "<magic>", "exec"), self.user_ns)

    def run_cell_magic(self, name, line, cell, *args, **kwargs):
        if name in ("time", "timeit", "capture", "prun"):
            exec(compile(cell, "<magic>", "exec"), self.user_ns)

    def magic(self, *args, **kwargs):
        return None

    def system(self, *args, **kwargs):
        return None

    def getoutput(self, *args, **kwargs):
        return []

    def __getattr__(self, name):
        raise AttributeError(f"get_ipython().{name} is not available when grading")


def run_cells(cells, namespace, progress=None):
    """Execute ``cells`` (``(number, source)`` pairs, ``number`` the cell's place in the submitted notebook)
    in ``namespace`` in order, calling ``progress(number)`` (if given) before each.

    All cells are transformed first, so nothing a cell does can change how later cells are read. An exception
    in a cell is recorded and the next cell runs; a ``SystemExit`` (``exit()``, ``sys.exit()``) stops there.

    Returns
    -------
    errors : list of str
        One message per failing cell.
    stopped : tuple (number, message) or None
        The cell that called exit and what feedback says about it.
    """
    from IPython.core.inputtransformer2 import TransformerManager
    transformer = TransformerManager()
    compiled, errors = [], []
    for number, source in cells:
        try:
            compiled.append((number, compile(transformer.transform_cell(source), f"<cell {number}>", "exec")))
        except BaseException as error:  # noqa: BLE001 - a syntax error is the student's, reported as such
            errors.append(f"cell {number}: {type(error).__name__}: {error}"[:500])
    for number, code in compiled:
        if progress is not None:
            progress(number)
        try:
            exec(code, namespace)
        except SystemExit as error:
            errors.append(f"cell {number}: SystemExit: {error}"[:500])
            return errors, (number, f"cell {number} called exit(); later cells were not run")
        except BaseException as error:  # noqa: BLE001 - KeyboardInterrupt included
            errors.append(f"cell {number}: {type(error).__name__}: {error}"[:500])
    return errors, None


def _supervise(runner_pid, status_fd):
    """The runner's parent for its whole life: wait for it, report how it ended on ``status_fd``
    (``b"runner <code>"``, negative: killed by that signal), and end the same way (as bwrap's init does)."""
    os.close(0)  # the test cases are for the runner
    while True:
        try:
            _, status = os.waitpid(runner_pid, 0)
            break
        except ChildProcessError:
            os._exit(70)
    code = os.waitstatus_to_exitcode(status)
    os.write(status_fd, f"runner {code}\n".encode())
    os._exit(code if code >= 0 else 128 - code)


def _guarded(function):
    """``function`` with SystemExit / KeyboardInterrupt turned into ordinary errors (a failed case)."""
    def guarded(*args, **kwargs):
        try:
            return function(*args, **kwargs)
        except (SystemExit, KeyboardInterrupt, GeneratorExit) as error:
            raise RuntimeError(f"{type(error).__name__} raised while being tested") from None
    return guarded


def _plain_answers(answers, plain):
    """Answers whose values are plain (the grader validates them again), others turned into an error.
    ``plain`` is :mod:`gdkit.grading.plain` as imported before the cells ran (they may have replaced gdkit)."""
    return [(str(kind), value) if plain.is_plain_answer(value) else
            ("error", "returned a value that is not an array, a number or a tuple of those")
            for kind, value in answers]


def _hook(name):
    """The part's prepare/collect hook ``"module:name"`` (a module of the sandbox's gdkit), or None."""
    if not name:
        return None
    import importlib
    module, _, attribute = name.partition(":")
    return getattr(importlib.import_module(module), attribute)


def main(argv):
    job_dir, result_fd, status_fd, progress_fd = argv[0], int(argv[1]), int(argv[2]), int(argv[3])
    uid = None if argv[4] == "-" else int(argv[4])
    with open(os.path.join(job_dir, "job.json"), encoding="utf-8") as stream:
        job = json.load(stream)
    _confine(job["limits"], uid)
    runner_pid = os.fork()  # the parent, same uid as student code, is what os.getppid() names in the cells
    if runner_pid:
        os.close(result_fd)
        os.close(progress_fd)
        _supervise(runner_pid, status_fd)
    os.close(status_fd)
    os.set_inheritable(result_fd, False)
    os.set_inheritable(progress_fd, False)
    result = os.fdopen(result_fd, "wb", buffering=0)
    cases_in = os.fdopen(os.dup(0), "rb")  # the test cases arrive here; the student's stdin is empty:
    devnull = os.open(os.devnull, os.O_RDONLY)  # input() in a cell raises EOFError instead of waiting
    os.dup2(devnull, 0)
    os.close(devnull)

    from gdkit.grading import core, plain
    part = core.Part(assignment="", name="", function=job["function"], reference=None, cases=None,
                     prepare=_hook(job.get("prepare")), collect=_hook(job.get("collect")),
                     kind=job.get("kind", core.FUNCTION), answer_format=job.get("answer_format", ""),
                     unchanged=tuple(job.get("unchanged") or ()), returns_argument=job.get("returns_argument"),
                     own_rng=bool(job.get("own_rng")), arg_names=tuple(job.get("arg_names") or ()))

    if type(job.get("student")) is str and job["student"]:  # gdkit.problems.student_id(): the folder's id
        import gdkit.problems
        gdkit.problems._SUBMISSION_ID = job["student"]
    namespace = {"__name__": "__main__", "__builtins__": builtins}
    shell = _StubShell(namespace)
    namespace["get_ipython"] = lambda: shell
    write = os.write
    write(progress_fd, b"0\n")  # started: from here on student code runs (cells are numbered from 1)
    cell_errors, stopped = run_cells([(number, source) for number, source in job["cells"]], namespace,
                                     progress=lambda number: write(progress_fd, b"%d\n" % number))
    os.close(progress_fd)
    sys.stdout.flush()
    sys.stderr.flush()

    result.write(b"C")  # READY_MARKER: the grader now sends the test cases
    raw_cases = plain.loads(cases_in.read(), max_bytes=job["limits"]["result_mb"] * _MB)
    cases = [core.Case(tuple(args), dict(kwargs), str(label)) for args, kwargs, label in raw_cases]

    function = namespace.get(part.function)
    cascade_answers = None
    if part.kind == core.ANSWER:  # a concept part: the variable's plain value is the answer, whatever the case
        if part.function not in namespace:
            status, answers = "missing", []
        else:
            status = "ok"
            answers = core.answers(part, lambda *args, **kwargs: function, cases)
            answers = [(str(kind), value) if plain.is_plain_answer(value) else
                       ("error", "is not a number, a string or a tuple of those") for kind, value in answers]
    elif function is None:
        status, answers = "missing", []
    elif not callable(function):
        status, answers = f"not callable ({type(function).__name__})", []
    else:
        status = "ok"
        answers = _plain_answers(core.answers(part, _guarded(function), cases), plain)
        depends = {name: _hook(hook) for name, hook in job.get("depends") or ()}
        if depends:  # the same calls with gdkit's versions of the earlier functions it uses: only for messages
            cascade = core.answers_with(part, function, cases, depends, call=_guarded(function))
            if cascade is not None:
                cascade_answers = _plain_answers(cascade, plain)
    record = {"status": status, "answers": answers, "cell_errors": cell_errors[:20]}
    if cascade_answers is not None:
        record["cascade"] = cascade_answers
    declared = namespace.get("STUDENT_ID")
    if type(declared) is str:  # the id the notebook claims: only ever used to explain a wrong concept answer
        record["declared_id"] = str.__getitem__(declared, slice(None, 100))
    if stopped is not None:
        record["stopped_at"], record["stopped"] = stopped
    record = plain.dumps(record)
    sys.stdout.flush()
    sys.stderr.flush()
    result.write(record)
    result.close()
    os._exit(0)  # skip interpreter shutdown: atexit hooks and __del__ methods the student registered


if __name__ == "__main__":
    main(sys.argv[1:])
