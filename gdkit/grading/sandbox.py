"""Running one grading job in a throw-away sandbox: bubblewrap, resource limits, capped output (trusted grader).

The sandbox (see ``docs/grading-design.md``) is a ``bwrap`` container with new PID, network, IPC and UTS
namespaces, read-only binds of the Python installation, the virtualenv and the gdkit package directory only,
size-capped tmpfs for ``/tmp`` and the working directory, a cleared environment, and ``--die-with-parent``.
Inside it, :mod:`gdkit.grading.runner` sets resource limits and, when the grader runs as root, drops to an
unprivileged uid of its own (so that ``RLIMIT_NPROC`` applies), before any student code runs. When the job
ends or times out, killing bwrap ends its PID namespace: every process the student started dies with it.

``weak`` isolation (no bwrap) is a separate process with the same resource limits and nothing else.
"""
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from dataclasses import asdict, dataclass
from pathlib import Path

from gdkit.grading.runner import READY_MARKER

__all__ = ["Limits", "Outcome", "SandboxUnavailable", "SandboxBusy", "check_bwrap", "run_job", "kill_all",
           "BWRAP_HINT", "READY_MARKER", "MemoryCgroup", "choose_uid_block", "uids_in_use"]

_RUNNING = set()  # Popen objects of the jobs running now (for kill_all)
_RUNNING_LOCK = threading.Lock()
_interrupted = threading.Event()  # kill_all() was called: jobs ending now were ended by the grader

BWRAP_HINT = ("install bubblewrap (Debian/Ubuntu: `sudo apt-get install -y bubblewrap`; Fedora: "
              "`sudo dnf install bubblewrap`), or pass --weak-isolation to grade with resource limits and a "
              "separate process only (student code can then read and write your files: not for real grading)")


SANDBOX_UID_BASE = 61000  # a root grader's sandboxes run as uids from here on (no such users needed)
SANDBOX_UID_SPAN = 64 * 4096  # per grader process 64 slots, 4096 disjoint ranges chosen by the grader's pid


_UID_BLOCK = None  # this grader's block of 64 sandbox uids, chosen unused by choose_uid_block()


class SandboxBusy(OSError):
    """The sandbox uid of a worker slot is used by a process that is not ours (another grader, a leftover)."""


def uids_in_use(low, high):
    """The uids in ``[low, high)`` that some process of this machine runs as (from /proc)."""
    found = set()
    for entry in os.scandir("/proc"):
        if entry.name.isdigit():
            try:
                with open(f"/proc/{entry.name}/status", "rb") as stream:
                    for line in stream:
                        if line.startswith(b"Uid:"):
                            found.update(u for u in map(int, line.split()[1:]) if low <= u < high)
                            break
            except (OSError, ValueError):
                continue
    return found


def choose_uid_block():
    """Pick this grader's block of 64 sandbox uids: the first, from the one its pid suggests, that no process
    uses now (another grader's sandboxes, leftovers), so that no two running sandboxes share a uid. Returns
    the block's first uid; SandboxBusy if every block is in use."""
    global _UID_BLOCK
    in_use = uids_in_use(SANDBOX_UID_BASE, SANDBOX_UID_BASE + SANDBOX_UID_SPAN)
    busy = {(uid - SANDBOX_UID_BASE) // 64 for uid in in_use}
    start = os.getpid() % 4096
    for offset in range(4096):
        block = (start + offset) % 4096
        if block not in busy:
            _UID_BLOCK = block
            return SANDBOX_UID_BASE + 64 * block
    raise SandboxBusy(f"every sandbox uid from {SANDBOX_UID_BASE} to {SANDBOX_UID_BASE + SANDBOX_UID_SPAN - 1} is "
                      "in use by some process")


def sandbox_uid(slot):
    """The uid of worker slot ``slot`` of this grader process: distinct from its other slots and from the
    uids that were in use when the grader started (:func:`choose_uid_block`), so that no two sandboxes share
    an ``RLIMIT_NPROC`` budget or the uid's kernel state."""
    if not 0 <= slot < 64:
        raise ValueError(f"worker slot {slot} out of range 0..63; use at most 64 workers")
    block = _UID_BLOCK if _UID_BLOCK is not None else os.getpid() % 4096
    return SANDBOX_UID_BASE + block * 64 + slot


@dataclass(frozen=True)
class Limits:
    """Resource limits of one sandboxed job (one part of one submission).

    Attributes
    ----------
    wall_seconds : float
        Wall-clock time of one part, cells included; the whole process tree is killed after it.
    cpu_seconds : int
        CPU time (``RLIMIT_CPU``) of the runner process.
    memory_mb : int
        Address space of each process (``RLIMIT_AS``).
    processes : int
        Processes and threads of the sandbox's uid (``RLIMIT_NPROC``): stops fork bombs.
    file_mb : int
        Largest file a process may write (``RLIMIT_FSIZE``).
    disk_mb : int
        Size of each writable tmpfs (``/tmp`` and the working directory).
    open_files : int
        Open file descriptors (``RLIMIT_NOFILE``).
    output_kb : int
        Student stdout and stderr kept for the instructor's log; the rest is read and discarded.
    result_mb : int
        Largest answer record accepted from the runner.
    """

    wall_seconds: float = 30.0
    cpu_seconds: int = 30
    memory_mb: int = 1024
    processes: int = 8
    file_mb: int = 16
    disk_mb: int = 64
    open_files: int = 256
    output_kb: int = 64
    result_mb: int = 64

    def as_dict(self):
        return asdict(self)


@dataclass
class Outcome:
    """What came back from one job: ``returncode`` (negative: killed by that signal), whether it was killed
    for exceeding ``wall_seconds`` (``timed_out``), whether the cells finished (``ready``), the result record
    bytes (``result``, None if none), the first ``output_kb`` of its output, the wall time, whether student
    code wrote on the result pipe before the runner did (``corrupt``: the job was killed at once), how the
    runner process itself ended as its supervisor saw it (``runner_status``: exit code, negative for a signal;
    None if unknown), whether that supervisor, the runner's parent, was killed while the runner was still
    running (``parent_killed``: student code killed the process ``os.getppid()`` names), and the number of the
    last cell the runner started (``last_cell``, None if none; student code could forge it, which would only
    mislabel its own crash message), whether the runner reached the student's code at all (``started``: if not,
    the failure is the grader's or the machine's), whether the grader was interrupted (``interrupted``), and
    whether the sandbox hit its total memory cap (``memory_exceeded``, with a memory cgroup only)."""

    returncode: int
    timed_out: bool
    ready: bool
    result: bytes | None
    output: bytes
    output_truncated: bool
    seconds: float
    corrupt: bool = False
    runner_status: int | None = None
    parent_killed: bool = False
    last_cell: int | None = None
    started: bool = True
    interrupted: bool = False
    memory_exceeded: bool = False


class SandboxUnavailable(RuntimeError):
    """bubblewrap is missing or cannot create a sandbox here."""


def gdkit_dir():
    """Where the gdkit package is (its real path): the sandbox finds the part's view of gdkit there."""
    import gdkit
    return Path(gdkit.__file__).resolve().parent


def _python_dirs():
    """Directories the sandbox needs read-only: the base installation and the virtualenv (gdkit is bound
    separately: the part's view, never the real package)."""
    dirs = [Path(sys.base_prefix).resolve(), Path(sys.prefix).resolve()]
    executable = Path(sys.executable)
    if executable.is_symlink():
        dirs.append(executable.resolve().parent.parent)
    unique = []
    for d in dirs:
        if not any(d == u or u in d.parents for u in unique):
            unique = [u for u in unique if d not in u.parents] + [d]
    return unique


def _ancestor_dirs(paths):
    """``--perms 0755 --dir`` for every ancestor of ``paths`` so an unprivileged uid can traverse them."""
    args, seen = [], set()
    for path in paths:
        for parent in reversed(path.parents):
            if str(parent) in ("/", "/usr") or parent in seen or str(parent).startswith("/usr/"):
                continue
            seen.add(parent)
            args += ["--perms", "0755", "--dir", str(parent)]
    return args


def bwrap_command(job_dir, limits, view, bwrap="bwrap"):
    """The ``bwrap`` argument list that runs the runner on ``job_dir`` (bound read-only at ``/job``), with the
    part's view of gdkit (:mod:`gdkit.grading.views`, a package folder) bound where the real package is."""
    binds = _python_dirs()
    args = [bwrap, "--unshare-ipc", "--unshare-pid", "--unshare-net", "--unshare-uts", "--unshare-cgroup-try",
            "--die-with-parent", "--new-session", "--clearenv",
            "--ro-bind", "/usr", "/usr"]
    for name in ("lib", "lib64", "bin", "sbin"):
        target = Path("/") / name
        if target.is_symlink():
            args += ["--symlink", os.readlink(target), str(target)]
        elif target.is_dir():
            args += ["--ro-bind", str(target), str(target)]
    # The writable tmpfs folders first, the read-only binds after: a course checked out under /tmp (CI's fresh
    # clones) keeps its venv and gdkit visible instead of hidden under the empty /tmp.
    size = str(limits.disk_mb * 2**20)
    args += ["--proc", "/proc", "--dev", "/dev",
             "--perms", "1777", "--size", size, "--tmpfs", "/tmp",
             "--perms", "1777", "--size", size, "--tmpfs", "/home/student"]
    package = gdkit_dir()
    args += _ancestor_dirs(binds + [package])
    for path in binds:
        args += ["--ro-bind", str(path), str(path)]
    args += ["--ro-bind", str(view), str(package)]  # after the venv's bind: it also hides an installed copy
    args += ["--ro-bind", str(job_dir), "/job", "--chdir", "/home/student"]
    for key, value in sandbox_env(home="/home/student").items():
        args += ["--setenv", key, value]
    if os.geteuid() == 0:  # no user namespace: the runner drops to its own uid, so RLIMIT_NPROC applies
        args += ["--cap-add", "CAP_SETUID", "--cap-add", "CAP_SETGID"]
    return args


def sandbox_env(home, package_parent=None):
    """The whole environment of student code: no secrets, one BLAS thread, no bytecode writes."""
    package_parent = str(package_parent or gdkit_dir().parent)
    return {"PATH": f"{Path(sys.prefix) / 'bin'}:/usr/bin:/bin", "HOME": home, "TMPDIR": "/tmp",
            "LANG": "C.UTF-8", "PYTHONHASHSEED": "0", "PYTHONDONTWRITEBYTECODE": "1", "PYTHONPATH": package_parent,
            "MPLBACKEND": "Agg", "MPLCONFIGDIR": "/tmp", "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1",
            "MKL_NUM_THREADS": "1", "NUMEXPR_NUM_THREADS": "1", "VECLIB_MAXIMUM_THREADS": "1"}


def check_bwrap(bwrap=None):
    """Path of a working ``bwrap``; raises :class:`SandboxUnavailable` saying how to install it."""
    bwrap = bwrap or shutil.which("bwrap")
    if bwrap is None:
        raise SandboxUnavailable(f"bubblewrap (bwrap) is not installed: {BWRAP_HINT}")
    probe = subprocess.run([bwrap, "--unshare-pid", "--unshare-net", "--die-with-parent", "--ro-bind", "/", "/",
                            "--proc", "/proc", "--dev", "/dev", "true"], capture_output=True, text=True)
    if probe.returncode != 0:
        raise SandboxUnavailable(f"bubblewrap cannot create a sandbox here ({probe.stderr.strip()[:300]}); "
                                 "user namespaces may be disabled (sysctl kernel.unprivileged_userns_clone=1 "
                                 f"or run as root), or {BWRAP_HINT.split(', or ', 1)[1]}")
    return bwrap


def _read_capped(fd, cap, into, on_ready=None, on_corrupt=None):
    """Read ``fd`` to EOF keeping the first ``cap`` bytes in ``into`` (a bytearray), discarding the rest.
    With ``on_ready``: the first byte must be :data:`READY_MARKER` (then ``on_ready()``), else ``on_corrupt()``."""
    first = True
    with os.fdopen(fd, "rb", buffering=0) as stream:
        while True:
            chunk = stream.read(65536)
            if not chunk:
                break
            if first and on_ready is not None:
                first = False
                if chunk[:1] == READY_MARKER:
                    on_ready()
                    chunk = chunk[1:]
                else:
                    on_corrupt()
            if len(into) < cap:
                into += chunk[:cap - len(into)]
            elif len(into) == cap:
                into.append(0)  # one byte past the cap records "truncated"


def _read_last_line(fd, into):
    """Read ``fd`` to EOF; leave in ``into`` (a bytearray) the last complete line, without its newline."""
    pending = b""
    with os.fdopen(fd, "rb", buffering=0) as stream:
        while True:
            chunk = stream.read(4096)
            if not chunk:
                break
            lines = (pending + chunk).split(b"\n")
            pending = lines[-1][-64:]
            complete = [line for line in lines[:-1] if line]
            if complete:
                into[:] = complete[-1][-64:]


def _set_limits(limits):
    import resource
    mb = 2**20
    for name, value in (("RLIMIT_AS", limits["memory_mb"] * mb), ("RLIMIT_CPU", limits["cpu_seconds"]),
                        ("RLIMIT_FSIZE", limits["file_mb"] * mb), ("RLIMIT_NOFILE", limits["open_files"]),
                        ("RLIMIT_CORE", 0)):
        resource.setrlimit(getattr(resource, name), (value, value))


def run_job(job_dir, limits, cases_payload, slot=0, weak=False, bwrap="bwrap", view=None):
    """Run :mod:`gdkit.grading.runner` on ``job_dir`` in a sandbox and return its :class:`Outcome`.

    ``cases_payload`` (bytes) is written to the runner's stdin only once it reports that the notebook's cells
    have run and that no process they ran in is left (:mod:`gdkit.grading.runner`), so the test inputs do not
    exist in the sandbox while any of the student's cells' code can run.
    ``slot`` (0, 1, ...) must be distinct for jobs running at the same time: it picks the unprivileged uid.
    ``view`` is the part's copy of the gdkit package (:func:`gdkit.grading.views.build_view`): the only gdkit
    the job can import.
    """
    if view is None:
        raise ValueError("run_job needs the part's view of gdkit (gdkit.grading.views)")
    result_r, result_w = os.pipe()
    output_r, output_w = os.pipe()
    stdin_r, stdin_w = os.pipe()
    status_r, status_w = os.pipe()  # the runner's supervisor reports on it how the runner ended
    progress_r, progress_w = os.pipe()  # the runner writes each cell's number on it before running the cell
    uid = sandbox_uid(slot) if (os.geteuid() == 0 and not weak) else None
    if uid is not None and uids_in_use(uid, uid + 1):
        for fd in (result_r, result_w, output_r, output_w, stdin_r, stdin_w, status_r, status_w, progress_r,
                   progress_w):
            os.close(fd)
        raise SandboxBusy(f"the sandbox uid {uid} is in use by a process that is not this grader's")
    runner = [sys.executable, "-P", "-s", "-m", "gdkit.grading.runner", "/job" if not weak else str(job_dir),
              str(result_w), str(status_w), str(progress_w), str(uid) if uid is not None else "-",
              "session" if weak else "pidns"]  # what the runner may kill once the cells are done
    if weak:
        env = sandbox_env(home=str(job_dir), package_parent=Path(view).parent)
        command, cwd = runner, str(job_dir)
        preexec = lambda: _set_limits(limits.as_dict())  # noqa: E731
    else:
        command, env, cwd, preexec = bwrap_command(job_dir, limits, view, bwrap) + runner, {}, "/", None
    started = time.monotonic()
    cgroup = MemoryCgroup.create(limits.memory_mb + CGROUP_HEADROOM_MB) if not weak else None
    if cgroup is not None:
        preexec = cgroup.enter
    try:
        process = subprocess.Popen(command, stdin=stdin_r, stdout=output_w, stderr=output_w,
                                   pass_fds=(result_w, status_w, progress_w), cwd=cwd, env=env,
                                   start_new_session=True, preexec_fn=preexec)
    except OSError:
        for fd in (result_r, result_w, output_r, output_w, stdin_r, stdin_w, status_r, status_w, progress_r,
                   progress_w):
            os.close(fd)
        if cgroup is not None:
            cgroup.remove()
        raise
    for fd in (result_w, output_w, stdin_r, status_w, progress_w):
        os.close(fd)
    with _RUNNING_LOCK:
        _RUNNING.add(process)

    ready = threading.Event()
    stdin_file = os.fdopen(stdin_w, "wb")

    def send_cases():
        ready.set()

        def write():
            try:
                stdin_file.write(cases_payload)
                stdin_file.close()
            except OSError:
                pass  # the runner died or closed its stdin: its missing answers say so
        threading.Thread(target=write, daemon=True).start()

    corrupt = threading.Event()

    def reject():  # student code wrote on the result pipe before the cells were done: nothing to wait for
        corrupt.set()
        _kill_tree(process, wait=False)

    result, output, status, progress = bytearray(), bytearray(), bytearray(), bytearray()
    readers = [threading.Thread(target=_read_capped, args=(result_r, limits.result_mb * 2**20, result, send_cases,
                                                           reject), daemon=True),
               threading.Thread(target=_read_capped, args=(output_r, limits.output_kb * 1024, output), daemon=True),
               threading.Thread(target=_read_capped, args=(status_r, 64, status), daemon=True),
               threading.Thread(target=_read_last_line, args=(progress_r, progress), daemon=True)]
    for reader in readers:
        reader.start()
    timed_out = False
    try:
        process.wait(timeout=limits.wall_seconds)
    except subprocess.TimeoutExpired:
        timed_out = True
    _kill_tree(process)
    with _RUNNING_LOCK:
        _RUNNING.discard(process)
    for reader in readers:
        reader.join(timeout=5)  # weak isolation: an escaped daemon may hold a pipe open; never wait for it
    if not ready.is_set():
        try:
            stdin_file.close()
        except OSError:
            pass
    seconds = time.monotonic() - started
    cap = limits.output_kb * 1024
    record = bytes(result) if result and len(result) <= limits.result_mb * 2**20 else None
    runner_status = _runner_status(bytes(status))
    killed_by_us = timed_out or corrupt.is_set() or _interrupted.is_set()
    memory_exceeded = cgroup.exceeded() if cgroup is not None else False
    if cgroup is not None:
        cgroup.remove()
    return Outcome(started=bool(progress), interrupted=_interrupted.is_set(), memory_exceeded=memory_exceeded,
                   returncode=process.returncode, timed_out=timed_out and not corrupt.is_set(), ready=ready.is_set(),
                   result=record, output=bytes(output[:cap]), output_truncated=len(output) > cap, seconds=seconds,
                   corrupt=corrupt.is_set(), runner_status=runner_status,
                   parent_killed=runner_status is None and not killed_by_us,
                   last_cell=int(progress) if progress.isdigit() and len(progress) < 9 else None)


CGROUP_HEADROOM_MB = 256  # the whole sandbox may use memory_mb plus this (libraries, page cache): one process
# reaches its own RLIMIT_AS (a MemoryError it can handle) before the sandbox's cap makes the kernel reclaim and kill


class MemoryCgroup:
    """A memory cgroup around one sandbox, capping all its processes together at ``memory_mb`` (RLIMIT_AS
    caps each process only). cgroup v2 (``memory.max``) where this process's cgroup delegates the memory
    controller, else cgroup v1's memory controller (``memory.limit_in_bytes``, swap included when the kernel
    accounts it); :meth:`create` returns None where neither is writable (then the per-process limits are all
    there is: see docs/grading-design.md)."""

    def __init__(self, path, version):
        self.path, self.version = path, version

    @classmethod
    def create(cls, memory_mb):
        limit = str(memory_mb * 2**20)
        for version, base, files in cls._candidates():
            path = base / f"gdkit-sandbox-{os.getpid()}-{threading.get_ident()}-{time.monotonic_ns()}"
            try:
                path.mkdir()
            except OSError:
                continue
            try:
                for name in files:
                    if (path / name).exists():
                        (path / name).write_text(limit)
                return cls(path, version)
            except OSError:
                cls(path, version).remove()
        return None

    @staticmethod
    def _candidates():
        try:
            lines = Path("/proc/self/cgroup").read_text().splitlines()
        except OSError:
            return []
        found = []
        for line in lines:
            number, controllers, relative = line.split(":", 2)
            relative = relative.lstrip("/")
            if number == "0" and Path("/sys/fs/cgroup/cgroup.controllers").exists():
                base = Path("/sys/fs/cgroup") / relative
                try:
                    if "memory" in (base / "cgroup.subtree_control").read_text().split():
                        found.append(("v2", base, ("memory.max", "memory.swap.max")))
                except OSError:
                    pass
            elif "memory" in controllers.split(","):
                found.append(("v1", Path("/sys/fs/cgroup/memory") / relative,
                              ("memory.limit_in_bytes", "memory.memsw.limit_in_bytes")))
        return found

    def enter(self):
        """Called in the child before exec: move it (and so the whole sandbox) into the cgroup."""
        with open(self.path / "cgroup.procs", "w") as stream:
            stream.write(str(os.getpid()))

    def exceeded(self):
        """Whether the sandbox ran into the cap (an allocation failed or the OOM killer acted in the cgroup)."""
        try:
            if self.version == "v2":
                events = dict(line.split() for line in (self.path / "memory.events").read_text().splitlines())
                return int(events.get("oom_kill", 0)) > 0 or int(events.get("max", 0)) > 0
            return int((self.path / "memory.failcnt").read_text()) > 0
        except (OSError, ValueError):
            return False

    def remove(self):
        for _ in range(50):  # the killed processes leave the cgroup a moment after they die
            try:
                self.path.rmdir()
                return
            except FileNotFoundError:
                return
            except OSError:
                time.sleep(0.02)


def _runner_status(report):
    """The runner's exit code from its supervisor's report ``b"runner <code>\\n"``, or None if there is none."""
    text = report.decode("ascii", "replace").strip()
    if text.startswith("runner ") and text[7:].lstrip("-").isdigit():
        return int(text[7:])
    return None


def stopping():
    """Whether :func:`kill_all` was called (the grader is being stopped)."""
    return _interrupted.is_set()


def kill_all():
    """Kill every job running now (the grader is being interrupted)."""
    _interrupted.set()
    with _RUNNING_LOCK:
        running = list(_RUNNING)
    for process in running:
        _kill_tree(process, wait=False)


def _kill_tree(process, wait=True):
    """Kill bwrap (its PID namespace dies with it) or, in weak mode, the runner's process group."""
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass
    try:
        process.kill()
    except (ProcessLookupError, PermissionError):
        pass
    if wait:
        process.wait()
