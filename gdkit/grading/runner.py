"""The sandboxed side of the trusted grader: run a notebook's code, then answer one part's test cases.

Invoked by :mod:`gdkit.grading.sandbox` as
``python -m gdkit.grading.runner JOB_DIR RESULT_FD STATUS_FD PROGRESS_FD UID pidns|session``, never by hand,
inside the sandbox, where ``gdkit`` is the part's *view* (:mod:`gdkit.grading.views`): no parts registry, no
grader, and every gdkit function the part may not use replaced by a stub. Before any student code runs: set
resource limits, drop to ``UID`` (when started as root), give the process a keyring session of its own and empty
the uid's keyrings (:func:`_fresh_keyrings`), make it non-dumpable (no process of the uid can read its pipes or
memory through ``/proc`` or ptrace), and import the part's hooks.

Three processes, so that the hidden test inputs never exist while code of the cells can run:

1. The *runner* (this process) never runs student code. It forks the cells' process, whose ``os.getppid()``
   it is (if student code kills it, its missing report on ``STATUS_FD`` says so), and keeps the result pipe,
   the status pipe and its stdin (where the test cases will arrive) to itself.
2. The *cells' process* executes the part's cells (magics transformed as IPython would, a stub
   ``get_ipython()``, an empty stdin; an exception in a cell is recorded and the next cell runs; ``SystemExit``
   stops the cells there, as a kernel stops "run all"; each cell's number is written on ``PROGRESS_FD`` before
   it runs, so a crash can be attributed to its cell), then sends the runner the facts about the cells and a
   copy (cloudpickle) of the student's function with everything it uses (or, for a concept part, the
   variable's value), and ends.
3. The runner then kills every other process of the sandbox (its own PID namespace; the session with weak
   isolation), so nothing the cells started is left, writes :data:`READY_MARKER` on ``RESULT_FD``, reads the
   test cases, and forks the *testing process*, which loads the copy, calls it on the cases and writes the plain
   answers as a :mod:`gdkit.grading.plain` record on ``RESULT_FD``. The runner reports how the cells' process
   (if it ended before sending its copy) or the testing process ended on ``STATUS_FD`` and ends the same way.

Only plain values leave the sandbox; the grader compares them with the reference. A function that cannot be
copied (it uses an open file or a generator kept in a global variable) is reported as such, never called in
the cells' process.

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
READY_MARKER = b"C"  # written on the result pipe once no process of the cells is left: the grader sends the cases


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


COPY_MAGIC = b"GDKCELL1"  # starts the cells' process's message to the runner: then two lengths, info and copy
_COPY_HEADER = len(COPY_MAGIC) + 16


def _not_dumpable():
    """No process of the sandbox may read or trace this one (``/proc/PID/fd``, ``/proc/PID/mem``, ptrace):
    the flag is inherited by the forks, so a cells' process cannot reach the runner's pipes either."""
    import ctypes
    PR_SET_DUMPABLE = 4
    ctypes.CDLL(None, use_errno=True).prctl(PR_SET_DUMPABLE, 0, 0, 0, 0)


def _write_all(fd, data):
    """Write all of ``data`` on ``fd``, even if student code made it non-blocking."""
    import select
    view = memoryview(data)
    while view:
        try:
            view = view[os.write(fd, view):]
        except BlockingIOError:
            select.select([], [fd], [])


def _run_cells_and_send_copy(job, part, progress_fd, copy_fd, plain):
    """The cells' process (it never returns): run the cells, then send the runner the plain facts about them and
    a copy (cloudpickle) of what the part needs from them: the student's function (with everything it uses) or,
    for a concept part, the variable's value. The test cases do not exist in this process or anywhere in the
    sandbox while it lives."""
    namespace = {"__name__": "__main__", "__builtins__": builtins}
    shell = _StubShell(namespace)
    namespace["get_ipython"] = lambda: shell
    write = os.write
    cell_errors, stopped = run_cells([(number, source) for number, source in job["cells"]], namespace,
                                     progress=lambda number: write(progress_fd, b"%d\n" % number))
    os.close(progress_fd)
    info = {"cell_errors": cell_errors[:20]}
    declared = namespace.get("STUDENT_ID")
    if type(declared) is str:  # the id the notebook claims: only ever used to explain a wrong concept answer
        info["declared_id"] = str.__getitem__(declared, slice(None, 100))
    if stopped is not None:
        info["stopped_at"], info["stopped"] = stopped
    value, copy = namespace.get(part.function, namespace), b""
    if value is namespace:
        info["status"] = "missing"
    elif part.kind != "answer" and not callable(value):
        info["status"] = f"not callable ({type(value).__name__})"
    else:
        try:
            import cloudpickle
            copy = cloudpickle.dumps(value)
            info["status"] = "ok"
        except BaseException as error:  # noqa: BLE001 - what the student's function uses cannot be copied
            info["status"] = f"{UNCOPYABLE}{type(error).__name__}: {error}"[:300]
    info = plain.dumps(info)
    sys.stdout.flush()
    sys.stderr.flush()
    _write_all(copy_fd, COPY_MAGIC + len(info).to_bytes(8, "little") + len(copy).to_bytes(8, "little") + info + copy)
    os._exit(0)  # skip interpreter shutdown: atexit hooks and __del__ methods the student registered


UNCOPYABLE = "uncopyable: "  # a status: the function or what it uses could not be copied out of the cells


def _receive_copy(fd, pid, cap):
    """The cells' process's message (``info`` bytes, ``copy`` bytes); None if the process ended before sending
    all of it; ``"malformed"`` if what it sent is not such a message (its code wrote on the pipe). Returns as soon
    as the message is complete or the process has ended, even if processes it started hold the pipe open."""
    import select
    data, needed, ended = bytearray(), _COPY_HEADER, os.pidfd_open(pid)
    while len(data) < needed:
        readable, _, _ = select.select([fd, ended], [], [])
        if fd not in readable:  # the cells' process ended: take what it wrote, without waiting for anyone else
            os.set_blocking(fd, False)
        try:
            chunk = os.read(fd, min(1 << 20, needed - len(data)))
        except BlockingIOError:
            chunk = b""
        if not chunk:
            return None
        data += chunk
        if needed == _COPY_HEADER and len(data) >= _COPY_HEADER:
            if data[:len(COPY_MAGIC)] != COPY_MAGIC:
                return "malformed"
            info_size = int.from_bytes(data[8:16], "little")
            copy_size = int.from_bytes(data[16:24], "little")
            if info_size + copy_size > cap:
                return "malformed"
            needed = _COPY_HEADER + info_size + copy_size
    info_end = _COPY_HEADER + int.from_bytes(data[8:16], "little")
    return bytes(data[_COPY_HEADER:info_end]), bytes(data[info_end:])


def _copy_channel():
    """(runner's end, cells' end) of the channel the copy travels on: a socket pair, not a pipe, because a pipe's
    write end can be reopened for reading through ``/proc/self/fd`` by a thread of the cells (which would take the
    copy before the runner reads it), whereas a socket cannot be opened there at all, and reading the cells' own
    end yields only what the runner sends on it: nothing."""
    import socket
    runner_end, cells_end = socket.socketpair()
    runner_end.shutdown(socket.SHUT_WR)
    return runner_end.detach(), cells_end.detach()


def _processes():
    """(pid, real uid, session id, whether it is a zombie) of every process this one can see (``status`` and
    ``stat`` are readable even for a process that is not dumpable, whose ``/proc`` folder root owns)."""
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", "rb") as stream:
                fields = stream.read().rsplit(b")", 1)[1].split()
            with open(f"/proc/{entry}/status", "rb") as stream:
                uid = next(int(line.split()[1]) for line in stream if line.startswith(b"Uid:"))
        except (OSError, StopIteration, ValueError, IndexError):
            continue  # ended meanwhile
        yield int(entry), uid, int(fields[3]), fields[0] == b"Z"


def _end_every_other_process(own_namespace):
    """Kill every process but this one that student code could run in: in the sandbox's own PID namespace,
    everything this uid may signal (``kill(-1)``: the namespace's init and this process are spared, and a fork
    cannot complete once its parent has a pending SIGKILL); with weak isolation, this session's processes. Returns
    once none is left alive; zombies (dead, only not yet reaped) run no code."""
    import signal
    import time
    me, uid, session = os.getpid(), os.getuid(), os.getsid(0)
    for _ in range(1000):
        if own_namespace:
            try:
                os.kill(-1, signal.SIGKILL)
            except ProcessLookupError:
                pass
        alive = [pid for pid, owner, sid, zombie in _processes()
                 if pid != me and owner == uid and not zombie and (own_namespace or sid == session)]
        if not alive:
            return
        for pid in alive if not own_namespace else ():
            try:
                os.kill(pid, signal.SIGKILL)
            except OSError:
                pass
        time.sleep(0.001)
    raise RuntimeError("processes started by the notebook's cells could not be ended")


def _answer(job, part, message, cases, depends, result_fd, plain, core):
    """The testing process (it never returns): load the copy the cells' process made, call it on the test cases,
    and write the plain answers as a record on the result pipe."""
    result = os.fdopen(result_fd, "wb", buffering=0)
    try:
        info = plain.loads(message[0], max_bytes=len(message[0]))
        info = info if type(info) is dict else {}
    except Exception:  # noqa: BLE001 - written by a process student code ran in
        info = {}
    status = info.get("status") if type(info.get("status")) is str else "?"
    answers, cascade_answers = [], None
    if status == "ok":
        import pickle
        try:
            value = pickle.loads(message[1])  # student code may run here: after the cells' processes have ended
        except BaseException as error:  # noqa: BLE001
            status = f"{UNCOPYABLE}{type(error).__name__}: {error}"[:300]
    if status == "ok" and part.kind == core.ANSWER:  # the variable's plain value is the answer, whatever the case
        answers = core.answers(part, lambda *args, **kwargs: value, cases)
        answers = [(str(kind), answer) if plain.is_plain_answer(answer) else
                   ("error", "is not a number, a string or a tuple of those") for kind, answer in answers]
    elif status == "ok":
        answers = _plain_answers(core.answers(part, _guarded(value), cases), plain)
        if depends:  # the same calls with gdkit's versions of the earlier functions it uses: only for messages
            cascade = core.answers_with(part, value, cases, depends, call=_guarded(value))
            if cascade is not None:
                cascade_answers = _plain_answers(cascade, plain)
    record = {key: info[key] for key in ("cell_errors", "declared_id", "stopped_at", "stopped") if key in info}
    record.update(status=status, answers=answers)
    if cascade_answers is not None:
        record["cascade"] = cascade_answers
    record = plain.dumps(record)
    sys.stdout.flush()
    sys.stderr.flush()
    result.write(record)
    result.close()
    os._exit(0)  # skip interpreter shutdown: atexit hooks and __del__ methods the student registered


def _exit_as(status_fd, status):
    """Report ``status`` (a wait status) as the runner's way of ending, and end the same way."""
    code = os.waitstatus_to_exitcode(status)
    os.write(status_fd, f"runner {code}\n".encode())
    os._exit(code if code >= 0 else 128 - code)


def main(argv):
    job_dir, result_fd, status_fd, progress_fd = argv[0], int(argv[1]), int(argv[2]), int(argv[3])
    uid = None if argv[4] == "-" else int(argv[4])
    own_namespace = argv[5:6] == ["pidns"]
    with open(os.path.join(job_dir, "job.json"), encoding="utf-8") as stream:
        job = json.load(stream)
    _confine(job["limits"], uid)
    _not_dumpable()
    from gdkit.grading import core, plain
    part = core.Part(assignment="", name="", function=job["function"], reference=None, cases=None,
                     prepare=_hook(job.get("prepare")), collect=_hook(job.get("collect")),
                     kind=job.get("kind", core.FUNCTION), answer_format=job.get("answer_format", ""),
                     unchanged=tuple(job.get("unchanged") or ()), returns_argument=job.get("returns_argument"),
                     own_rng=bool(job.get("own_rng")), arg_names=tuple(job.get("arg_names") or ()))
    depends = {name: _hook(hook) for name, hook in job.get("depends") or ()}
    if type(job.get("student")) is str and job["student"]:  # gdkit.problems.student_id(): the folder's id
        import gdkit.problems
        gdkit.problems._SUBMISSION_ID = job["student"]
    cap = job["limits"]["result_mb"] * _MB

    os.write(progress_fd, b"0\n")  # started: from here on student code runs (cells are numbered from 1)
    copy_r, copy_w = _copy_channel()
    cells_pid = os.fork()  # the cells' process; this one, which never runs student code, is what its getppid() names
    if cells_pid == 0:
        for fd in (copy_r, result_fd, status_fd):
            os.close(fd)
        devnull = os.open(os.devnull, os.O_RDONLY)  # input() in a cell raises EOFError instead of waiting
        os.dup2(devnull, 0)  # and the test cases, sent later on the runner's stdin, are out of reach
        os.close(devnull)
        _run_cells_and_send_copy(job, part, progress_fd, copy_w, plain)
    os.close(copy_w)
    os.close(progress_fd)
    message = _receive_copy(copy_r, cells_pid, cap)
    _end_every_other_process(own_namespace)
    _, cells_status = os.waitpid(cells_pid, 0)
    if message == "malformed":
        os.write(result_fd, b"X")  # not the ready marker: the grader reports a corrupted channel
        os._exit(1)
    if message is None:  # the cells' process ended (a crash, os._exit) before it sent its copy
        _exit_as(status_fd, cells_status)

    os.write(result_fd, READY_MARKER)  # only now, with no process of the cells left, the grader sends the cases
    with os.fdopen(0, "rb") as stream:
        raw_cases = plain.loads(stream.read(cap + 1), max_bytes=cap)
    cases = [core.Case(tuple(args), dict(kwargs), str(label)) for args, kwargs, label in raw_cases]
    testing_pid = os.fork()
    if testing_pid == 0:
        os.close(status_fd)
        _answer(job, part, message, cases, depends, result_fd, plain, core)
    os.close(result_fd)
    _, status = os.waitpid(testing_pid, 0)
    _exit_as(status_fd, status)


if __name__ == "__main__":
    main(sys.argv[1:])
