"""The trusted grader's pipeline through its real CLI: scores, outputs, re-runs, kill -9, parallel runs, locks.

Adversarial submissions are in ``test_grader_adversarial.py``; both use the fixture assignment in
``tests/grader_fixtures`` (three tiny parts: sigmoid 2 points, relu 1, mse 2).
"""
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from conftest import require

sys.path.insert(0, str(Path(__file__).resolve().parent / "grader_fixtures"))
import build  # noqa: E402  (tests/grader_fixtures/build.py)

pytestmark = pytest.mark.slow

C = build.CORRECT
WRONG = {"relu": "def relu(z):\n    return np.abs(z)",
         "mse": "def mse(y_true, y_pred):\n    return np.sum((y_pred - y_true) ** 2) / y_true.shape[0]"}


def make_class(root, slow=0.0):
    """alice correct, bob release stub, carol partly wrong, dave missing; ``slow`` seconds of sleep per part."""
    extra = [build._cell("code", f"import time\ntime.sleep({slow})", "slow")] if slow else []  # before the
    build.submission(root, "alice", cells=extra + build.notebook_cells(C))  # first test cell: every part runs it
    build.submission(root, "bob", cells=extra + build.notebook_cells(build.STUB))
    build.submission(root, "carol", cells=extra + build.notebook_cells({**C, **WRONG}))
    (Path(root) / "dave" / "fixture").mkdir(parents=True)
    return root


@pytest.fixture(scope="module")
def bwrap():
    return require("bwrap", exe=True, hint="apt-get install -y bubblewrap")


@pytest.fixture(scope="module")
def serial(bwrap, tmp_path_factory):
    root = tmp_path_factory.mktemp("serial")
    submitted, out = make_class(root / "submitted"), root / "out"
    first = build.run_grader(submitted, out, "--workers", 1)
    csv_first = (out / "grades.csv").read_text()
    again = build.run_grader(submitted, out, "--workers", 1)
    forced = build.run_grader(submitted, out, "--workers", 1, "--force")
    return dict(submitted=submitted, out=out, first=first, again=again, forced=forced, csv_first=csv_first,
                grades=build.read_grades(out))


def test_scores(serial):
    assert serial["first"].returncode == 0, serial["first"].stdout + serial["first"].stderr
    grades = serial["grades"]
    assert (grades["alice"]["total"], grades["alice"]["max_total"]) == ("5", "5")
    assert grades["bob"]["total"] == "0"
    assert [grades["carol"][f"fixture/test_{p}"] for p in ("sigmoid", "relu", "mse")] == ["2", "0", "0"]
    assert (grades["dave"]["status"], grades["dave"]["total"]) == ("missing", "0")
    assert grades["alice"]["isolation"] == "bwrap"
    assert (grades["alice"]["timestamp"], grades["alice"]["seconds_late"]) == ("", "")  # no timestamp.txt
    assert (serial["out"] / "logs").is_dir()  # always there, as the docs say


def test_progress_lines(serial):
    lines = [line for line in serial["first"].stdout.splitlines() if line.startswith("[")]
    assert len(lines) == 4
    assert any(line.startswith("[") and " alice fixture 5/5 in " in line for line in lines)


def test_feedback_names_the_mistake(serial):
    page = (serial["out"] / "feedback" / "carol" / "fixture.html").read_text()
    assert "you divided by the number of samples only" in page  # the catalogued mistake of the mse part
    assert "0 / 1" in page and "2 / 2" in page
    assert (serial["out"] / "feedback" / "dave" / "fixture.html").exists()


def test_gradebook_holds_the_scores(serial):
    require("nbgrader")
    from nbgrader.api import Gradebook
    with Gradebook(f"sqlite:///{serial['out'] / 'gradebook.db'}") as gb:
        assert [nb.name for nb in gb.find_assignment("fixture").notebooks] == ["fixture"]  # as nbgrader names it
        assert gb.find_submission("fixture", "alice").score == 5
        assert gb.find_submission("fixture", "carol").score == 2
        assert gb.find_submission("fixture", "dave").score == 0
        assert gb.find_grade_cell("test_sigmoid", "fixture", "fixture").max_score == 2


def test_rerun_skips_recorded_and_changes_nothing(serial):
    assert serial["again"].returncode == 0
    assert "4 submission(s) already recorded" in serial["again"].stdout
    assert not [line for line in serial["again"].stdout.splitlines() if line.startswith("[")]


def test_forced_regrade_is_identical(serial):
    assert serial["forced"].returncode == 0
    assert (serial["out"] / "grades.csv").read_text() == serial["csv_first"]


def test_changed_submission_is_regraded(serial, tmp_path):
    out = tmp_path / "out"
    submitted = make_class(tmp_path / "submitted")
    build.run_grader(submitted, out, "--workers", 1)
    build.submission(submitted, "bob", cells=build.notebook_cells(C))
    rerun = build.run_grader(submitted, out, "--workers", 1)
    assert "3 submission(s) already recorded" in rerun.stdout
    assert build.read_grades(out)["bob"]["total"] == "5"


def test_changed_points_or_seed_regrade(bwrap, tmp_path):
    """The record's grading key covers the parts (points, cases, their source) and the seed: changing either
    between runs regrades every recorded submission, says why, and the CSV's totals follow the new points."""
    submitted, out = tmp_path / "submitted", tmp_path / "out"
    build.submission(submitted, "alice", cells=build.notebook_cells(C))
    build.submission(submitted, "carol", cells=build.notebook_cells({**C, **WRONG}))
    parts_file = tmp_path / "parts.py"
    parts_file.write_text(build.PARTS_FILE.read_text())
    first = build.run_grader(submitted, out, "--parts-file", parts_file)
    assert first.returncode == 0, first.stdout + first.stderr
    assert "regraded" not in first.stdout
    assert build.read_grades(out)["alice"]["max_total"] == "5"

    text = parts_file.read_text()
    assert text.count("_vector_cases, points=1,") == 1
    parts_file.write_text(text.replace("_vector_cases, points=1,", "_vector_cases, points=3,"))
    rerun = build.run_grader(submitted, out, "--parts-file", parts_file)
    assert rerun.returncode == 0, rerun.stdout + rerun.stderr
    lines = [line for line in rerun.stdout.splitlines() if line.startswith("[")]
    assert len(lines) == 2 and all("(regraded: parts or seed changed)" in line for line in lines), rerun.stdout
    grades = build.read_grades(out)
    assert (grades["alice"]["total"], grades["alice"]["max_total"]) == ("7", "7")
    assert (grades["carol"]["fixture/test_relu"], grades["carol"]["max_total"]) == ("0", "7")

    same = build.run_grader(submitted, out, "--parts-file", parts_file)
    assert "2 submission(s) already recorded" in same.stdout and "regraded" not in same.stdout
    csv_before = (out / "grades.csv").read_text()
    refused = build.run_grader(submitted, out, "--parts-file", parts_file, "--seed", "another-seed-0123456789")
    assert refused.returncode == 2 and "graded with another grading seed" in refused.stderr, refused.stderr
    assert "--regrade-all" in refused.stderr and (out / "grades.csv").read_text() == csv_before
    reseeded = build.run_grader(submitted, out, "--parts-file", parts_file, "--seed", "another-seed-0123456789",
                                "--regrade-all")
    assert reseeded.returncode == 0, reseeded.stdout + reseeded.stderr
    assert "grading seed is replaced" in reseeded.stdout
    assert reseeded.stdout.count("(regraded: parts or seed changed)") == 2, reseeded.stdout
    again = build.run_grader(submitted, out, "--parts-file", parts_file, "--seed", "another-seed-0123456789")
    assert again.returncode == 0 and "2 submission(s) already recorded" in again.stdout  # the new seed is the term's


def test_term_seed_hash_is_recorded_and_another_seed_refused(bwrap, tmp_path):
    """The first run records a salted hash of the seed (never the seed) in the gradebook; a later run on the same
    gradebook without the term's seed (here: another --out, which would generate its own) is refused before
    grading anything, and the seed it generated is not kept."""
    submitted, db = tmp_path / "submitted", tmp_path / "db"
    build.submission(submitted, "alice", cells=build.notebook_cells(C))
    db.mkdir()
    url = f"sqlite:///{db / 'gb.db'}"
    first = build.run_grader(submitted, tmp_path / "out1", "--db-url", url)
    assert first.returncode == 0, first.stdout + first.stderr
    seed = (tmp_path / "out1" / ".grading-seed").read_text().strip()
    with sqlite3.connect(db / "gb.db") as connection:
        (recorded,) = connection.execute("SELECT value FROM gdkit_grading_term WHERE name = 'seed_hash'").fetchone()
    assert recorded.startswith("pbkdf2_sha256$") and seed not in recorded
    other = build.run_grader(submitted, tmp_path / "out2", "--db-url", url)
    assert other.returncode == 2 and "graded with another grading seed" in other.stderr, other.stdout + other.stderr
    assert not (tmp_path / "out2" / ".grading-seed").exists() and not (tmp_path / "out2" / "grades.csv").exists()
    same = build.run_grader(submitted, tmp_path / "out2", "--db-url", url, "--seed", seed)
    assert same.returncode == 0 and "1 submission(s) already recorded" in same.stdout, same.stdout + same.stderr


def test_regrade_reason_names_what_changed():
    from gdkit.grading.batch import regrade_reason
    key = "parts=aa gdkit=bb source=cc"
    record = {"fingerprint": "f", "timestamp": "2025-01-01 10:00:00", "grading_key": key}
    assert regrade_reason(record, "f", "2025-01-01 10:00:00", key) is None
    assert regrade_reason(record, "g", "2025-01-01 10:00:00", key) == "notebook changed"
    assert regrade_reason(record, "f", "2025-01-02 10:00:00", key) == "resubmitted (timestamp.txt changed)"
    assert regrade_reason(record, "f", "2025-01-01 10:00:00", "parts=aa gdkit=bd source=cd") == \
        "gdkit changed, source notebook changed"
    assert regrade_reason({**record, "grading_key": ""}, "f", "2025-01-01 10:00:00", key) == \
        "recorded without a grading key"


def test_read_timestamp_as_nbgrader_does(tmp_path):
    from gdkit.grading.notebooks import read_timestamp
    assert read_timestamp(tmp_path) == ("", "")
    (tmp_path / "timestamp.txt").write_text("2025-01-01 10:00:00.000000 UTC\n")
    assert read_timestamp(tmp_path) == ("2025-01-01 10:00:00", "")
    (tmp_path / "timestamp.txt").write_text("2025-01-01 11:30:00.250000 Europe/Paris")  # Exchange.timezone
    assert read_timestamp(tmp_path) == ("2025-01-01 10:30:00.250000", "")
    (tmp_path / "timestamp.txt").write_text("yesterday-ish")
    stamp, flag = read_timestamp(tmp_path)
    assert stamp == "" and "not a time nbgrader can read" in flag


def test_stale_job_folders_of_dead_graders_are_removed(tmp_path):
    """Job folders hold student code; a grader killed with -9 cannot remove its own, the next one does.
    Folders of a running grader (its pid alive, its .alive file locked) are left alone."""
    import fcntl
    from gdkit.grading.batch import clean_stale_job_folders
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True,
                          text=True).stdout.strip()
    stale = tmp_path / f"gdkit-grading-{dead}-abc"
    (stale / "job-1").mkdir(parents=True)
    (stale / "job-1" / "job.json").write_text("{}")
    running = tmp_path / f"gdkit-grading-{os.getpid()}-def"
    running.mkdir()
    reused = tmp_path / f"gdkit-grading-{os.getpid()}-ghi"  # this pid, but nobody holds the lock: reused pid
    reused.mkdir()
    (reused / ".alive").touch()
    os.utime(reused, (time.time() - 3600, time.time() - 3600))
    loose_old, loose_new = tmp_path / "gdkit-grade-old", tmp_path / "gdkit-grade-new"  # one part's job folder,
    loose_old.mkdir()                                                                   # made by older graders
    loose_new.mkdir()
    os.utime(loose_old, (time.time() - 7200, time.time() - 7200))
    with open(running / ".alive", "w") as alive:
        fcntl.flock(alive, fcntl.LOCK_EX)
        os.utime(running, (time.time() - 3600, time.time() - 3600))
        removed = clean_stale_job_folders(tmp_path)
    assert sorted(removed) == sorted([stale, reused, loose_old])
    assert not stale.exists() and not reused.exists() and running.exists() and loose_new.exists()


def test_parallel_equals_serial(serial, tmp_path):
    parallel = build.run_grader(serial["submitted"], tmp_path / "out", "--workers", 2)
    assert parallel.returncode == 0
    assert (tmp_path / "out" / "grades.csv").read_text() == serial["csv_first"]


def _records(db):
    if not Path(db).exists():
        return 0
    with sqlite3.connect(db) as connection:
        try:
            return connection.execute("SELECT COUNT(*) FROM gdkit_grading_record").fetchone()[0]
        except sqlite3.OperationalError:
            return 0


def _spawn(submitted, out, *options, env=None):
    command = [sys.executable, "-m", "gdkit.grading", "grade", str(submitted), "--out", str(out), "--source",
               str(build.SOURCE), "--parts-file", str(build.PARTS_FILE), *map(str, options)]
    return subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                            start_new_session=True, env={**os.environ, **(env or {})})


def test_kill_9_then_rerun_completes_exactly_the_rest(bwrap, tmp_path):
    submitted = make_class(tmp_path / "submitted", slow=0.3)
    for name in ("erin", "frank"):
        build.submission(submitted, name, cells=build.notebook_cells(C))
    out, tmp = tmp_path / "out", tmp_path / "tmp"
    tmp.mkdir()
    grader = _spawn(submitted, out, "--workers", 1, env={"TMPDIR": str(tmp)})
    first = grader.stdout.readline()
    while first and not first.startswith("["):
        first = grader.stdout.readline()
    assert first.startswith("[1/6]"), first
    os.killpg(grader.pid, signal.SIGKILL)  # the grader and anything in its process group
    grader.wait()
    done = _records(out / "gradebook.db")
    assert 1 <= done < 6
    with sqlite3.connect(out / "gradebook.db") as connection:
        assert connection.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    left = list(tmp.glob("gdkit-grading-*"))  # the killed grader's private folder of job folders (mode 0700)
    assert [p.name.split("-")[2] for p in left] == [str(grader.pid)] and left[0].stat().st_mode & 0o077 == 0
    rerun = build.run_grader(submitted, out, "--workers", 1, env={"TMPDIR": str(tmp)})
    assert rerun.returncode == 0, rerun.stdout + rerun.stderr
    assert list(tmp.iterdir()) == []  # the stale folder removed at start-up, the rerun's own at the end
    assert f"{done} submission(s) already recorded" in rerun.stdout
    assert len([line for line in rerun.stdout.splitlines() if line.startswith("[")]) == 6 - done
    grades = build.read_grades(out)
    assert len(grades) == 6 and grades["frank"]["total"] == "5" and grades["alice"]["total"] == "5"


def test_second_grader_on_the_same_gradebook_is_refused(bwrap, tmp_path):
    submitted = make_class(tmp_path / "submitted", slow=1.0)
    out = tmp_path / "out"
    first = _spawn(submitted, out, "--workers", 1)
    try:
        deadline = time.monotonic() + 120
        while not (out / ".grader.lock").exists() or (out / ".grader.lock").stat().st_size == 0:
            assert time.monotonic() < deadline and first.poll() is None
            time.sleep(0.1)
        second = build.run_grader(submitted, out, "--workers", 1)
        assert second.returncode == 2
        assert "another grader is already running" in second.stderr
    finally:
        first.wait(timeout=300)
    assert first.returncode == 0
    assert len(build.read_grades(out)) == 4


def test_missing_bwrap_refuses_with_install_hint(tmp_path):
    submitted = make_class(tmp_path / "submitted")
    env = {**os.environ, "PATH": str(tmp_path / "empty-bin")}
    proc = subprocess.run([sys.executable, "-m", "gdkit.grading", "grade", str(submitted), "--out",
                           str(tmp_path / "out"), "--source", str(build.SOURCE), "--parts-file",
                           str(build.PARTS_FILE)], capture_output=True, text=True, env=env)
    assert proc.returncode == 2
    assert "apt-get install -y bubblewrap" in proc.stderr and "--weak-isolation" in proc.stderr
    assert not (tmp_path / "out" / "grades.csv").exists()


def test_weak_isolation_is_loud_and_recorded(tmp_path):
    submitted = make_class(tmp_path / "submitted")
    proc = build.run_grader(submitted, tmp_path / "out", "--workers", 2, "--weak-isolation")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert proc.stdout.count("WITHOUT a sandbox") == 2  # at the start and at the end
    grades = build.read_grades(tmp_path / "out")
    assert grades["alice"]["total"] == "5" and grades["alice"]["isolation"] == "weak"
    assert "weak-isolation" in grades["alice"]["flags"]


def test_sample_class_with_the_real_registry(bwrap, tmp_path):
    """grading/make_sample_class.py builds 01_forward submissions from the notebooks; the grader scores them
    with the course's own parts registry (no fixture)."""
    repo = Path(__file__).resolve().parent.parent
    if not (repo / "solutions" / "01_forward" / "01_forward.ipynb").exists():
        pytest.fail("solutions/01_forward/01_forward.ipynb is missing")
    subprocess.run([sys.executable, str(repo / "grading" / "make_sample_class.py"), str(tmp_path / "submitted")],
                   check=True, capture_output=True)
    proc = subprocess.run([sys.executable, "-m", "gdkit.grading", "grade", str(tmp_path / "submitted"), "--out",
                           str(tmp_path / "out"), "--workers", "2", "--part-timeout", "5"],
                          capture_output=True, text=True, cwd=repo)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    grades = build.read_grades(tmp_path / "out")
    totals = {student: (row["total"], row["status"]) for student, row in grades.items()}
    # every automatic point; the written answers (manually graded cells) wait for a person: 0 until graded
    from gdkit.grading.notebooks import load_source
    written = sum(cell.points for cell in load_source(repo / "solutions" / "01_forward" / "01_forward.ipynb").manual_cells)
    maximum = f"{float(grades['ada_correct']['max_total']) - written:g}"
    assert totals["ada_correct"] == (maximum, "graded") and totals["gus_renamed"] == (maximum, "graded")
    assert totals["cleo_broken_json"] == ("0", "unreadable") and totals["dan_missing"] == ("0", "missing")
    eve = grades["eve_infinite_loop"]  # an endless cell after softmax's test: the parts tested later get 0
    assert (eve["01_forward/test_softmax"], eve["01_forward/test_dense_forward"], eve["01_forward/test_mlp_forward"],
            eve["total"], eve["status"]) == ("2", "0", "0", "7", "graded")
    assert "did not finish" in eve["flags"]
    ben, finn = grades["ben_partly_wrong"], grades["finn_calls_gdkit"]
    assert (ben["01_forward/test_softmax"], ben["01_forward/test_dense_forward"], ben["01_forward/test_relu"]) == \
        ("0", "0", "1")
    assert (finn["01_forward/test_sigmoid"], finn["01_forward/test_relu"], finn["01_forward/test_softmax"]) == \
        ("0", "0", "2")


def test_ctrl_c_stops_at_once_and_leaves_no_sandbox(bwrap, tmp_path):
    submitted = make_class(tmp_path / "submitted", slow=2.0)
    out = tmp_path / "out"
    grader = _spawn(submitted, out, "--workers", 2)
    line, uids = grader.stdout.readline(), range(0)
    while line and not line.startswith("["):
        if line.startswith("sandbox uids: "):  # the block of uids this grader's sandboxes run as
            low, high = map(int, line.split(": ", 1)[1].split("-"))
            uids = range(low, high + 1)
        line = grader.stdout.readline()
    grader.send_signal(signal.SIGINT)
    rest = grader.communicate(timeout=30)[0]
    assert grader.returncode == 130 and "run the same command again" in rest
    time.sleep(0.5)
    assert os.geteuid() != 0 or len(uids) == 64
    assert [pid for pid in os.listdir("/proc") if pid.isdigit() and _uid(pid) in uids] == []
    rerun = build.run_grader(submitted, out, "--workers", 2)
    assert rerun.returncode == 0 and len(build.read_grades(out)) == 4


def _uid(pid):
    try:
        return int(Path(f"/proc/{pid}/status").read_text().split("Uid:")[1].split()[0])
    except (OSError, IndexError):
        return -1


@pytest.fixture()
def postgres(tmp_path):
    """A throw-away PostgreSQL server on a Unix socket (run as the ``postgres`` user when we are root);
    yields the SQLAlchemy URL of an empty database."""
    require("psycopg2", hint="pip install psycopg2-binary")
    bindir = sorted(Path("/usr/lib/postgresql").glob("*/bin"))
    if not bindir:
        require("pg_ctl", exe=True, hint="apt-get install -y postgresql")
    bindir = bindir[-1] if bindir else Path(require("pg_ctl", exe=True)).parent
    import shutil
    import tempfile
    root = Path(tempfile.mkdtemp(prefix="gdkit-pg-"))  # outside pytest's private tmp: the server user reads it
    data, sockets = root / "pgdata", root / "pgsock"
    data.mkdir()
    sockets.mkdir()
    as_user = []
    if os.geteuid() == 0:  # PostgreSQL refuses to run as root
        root.chmod(0o755)
        for path in (data, sockets):
            shutil.chown(path, "postgres")
        as_user = ["runuser", "-u", "postgres", "--"]
    run = lambda *cmd: subprocess.run(as_user + list(cmd), check=True, capture_output=True)  # noqa: E731
    run(str(bindir / "initdb"), "-D", str(data), "-A", "trust", "-U", "postgres")
    port = str(20000 + os.getpid() % 20000)
    run(str(bindir / "pg_ctl"), "-D", str(data), "-w", "-l", str(data / "log"), "-o",
        f"-k {sockets} -p {port} -c listen_addresses=''", "start")
    try:
        run(str(bindir / "createdb"), "-h", str(sockets), "-p", port, "-U", "postgres", "gradebook")
        yield f"postgresql+psycopg2://postgres@/gradebook?host={sockets}&port={port}"
    finally:
        run(str(bindir / "pg_ctl"), "-D", str(data), "-m", "immediate", "stop")
        shutil.rmtree(root, ignore_errors=True)


def test_postgresql_gradebook_and_its_lock(bwrap, postgres, tmp_path):
    submitted = make_class(tmp_path / "submitted", slow=3.0)  # long enough to outlast the second's start-up
    seed = ("--seed", "one-seed-for-both-output-folders")  # else each --out would generate its own seed
    first = _spawn(submitted, tmp_path / "out1", "--workers", 1, "--db-url", postgres, *seed)
    try:
        line = first.stdout.readline()
        while line and not line.startswith("["):
            line = first.stdout.readline()
        second = build.run_grader(submitted, tmp_path / "out2", "--workers", 1, "--db-url", postgres, *seed)
        assert second.returncode == 2 and "advisory lock" in second.stderr
    finally:
        first.communicate(timeout=300)
    assert first.returncode == 0
    grades = build.read_grades(tmp_path / "out1")
    assert (grades["alice"]["total"], grades["bob"]["total"], grades["carol"]["total"]) == ("5", "0", "2")
    rerun = build.run_grader(submitted, tmp_path / "out2", "--workers", 1, "--db-url", postgres, *seed)
    assert rerun.returncode == 0 and "4 submission(s) already recorded" in rerun.stdout
    from nbgrader.api import Gradebook
    with Gradebook(postgres) as gb:
        assert gb.find_submission("fixture", "alice").score == 5


def test_nbgrader_feedback_is_delivered_by_release_feedback(bwrap, tmp_path, monkeypatch):
    """--nbgrader-feedback puts each page where nbgrader 0.9.6's release_feedback finds it (with the collected
    timestamp and secret beside it); release_feedback then publishes it under the hash fetch_feedback uses, and
    fetch_feedback brings it to the student, also to carol who renamed her notebook (the page is named after
    the notebook she submitted). A submission nbgrader did not collect (no secret) is reported, not placed.
    The collected timestamps reach the gradebook and grades.csv, with seconds late past the gradebook's due
    date."""
    require("nbgrader")
    from nbgrader.api import Gradebook
    from nbgrader.utils import notebook_hash
    # nbgrader runs the `alembic` program when it creates a gradebook: the venv's bin must be on PATH even when
    # pytest is started without activating the venv (as `make test` does).
    monkeypatch.setenv("PATH", f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}")
    submitted, course, exchange = make_class(tmp_path / "submitted"), tmp_path / "course", tmp_path / "exchange"
    (submitted / "carol" / "fixture" / "fixture.ipynb").rename(submitted / "carol" / "fixture" / "my fixture.ipynb")
    stamps = {"alice": "2025-01-01 10:00:00.000000 UTC", "carol": "2025-01-01 08:59:30.000000 UTC"}
    for student, stamp in stamps.items():
        (submitted / student / "fixture" / "timestamp.txt").write_text(stamp)
        (submitted / student / "fixture" / "submission_secret.txt").write_text(f"secret-of-{student}")
    db_url = f"sqlite:///{tmp_path / 'out' / 'gradebook.db'}"
    (tmp_path / "out").mkdir()
    with Gradebook(db_url) as gb:  # what `nbgrader db assignment add fixture --duedate=...` does
        gb.update_or_create_assignment("fixture", duedate="2025-01-01 09:00:00 UTC")
    proc = build.run_grader(submitted, tmp_path / "out", "--workers", 2, "--nbgrader-feedback", course / "feedback")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "bob fixture: no timestamp.txt/submission_secret.txt" in proc.stdout
    pages = sorted(p.relative_to(course / "feedback") for p in (course / "feedback").glob("*/fixture/*.html"))
    assert pages == [Path("alice/fixture/fixture.html"), Path("carol/fixture/my fixture.html")]

    grades = build.read_grades(tmp_path / "out")
    assert (grades["alice"]["timestamp"], grades["alice"]["seconds_late"]) == ("2025-01-01 10:00:00", "3600")
    assert (grades["carol"]["timestamp"], grades["carol"]["seconds_late"]) == ("2025-01-01 08:59:30", "0")
    assert (grades["bob"]["timestamp"], grades["bob"]["seconds_late"]) == ("", "")
    with Gradebook(db_url) as gb:
        assert str(gb.find_submission("fixture", "alice").timestamp) == "2025-01-01 10:00:00"
        assert gb.find_submission("fixture", "alice").total_seconds_late == 3600

    exchange.mkdir()
    nbgrader = str(Path(sys.executable).parent / "nbgrader")
    release = subprocess.run([nbgrader, "release_feedback", "fixture", "--course=gdcourse",
                              f"--Exchange.root={exchange}"], cwd=course, capture_output=True, text=True)
    assert release.returncode == 0, release.stderr
    for student, notebook in (("alice", "fixture"), ("carol", "my fixture")):
        released = notebook_hash(secret=f"secret-of-{student}", notebook_id=notebook)
        page = exchange / "gdcourse" / "feedback" / f"{released}.html"
        assert f"Student: <b>{student}</b>" in page.read_text()

    # carol's side: nbgrader submit left her submission, with her own notebook name, in her exchange cache
    cache, home = tmp_path / "carol-cache", tmp_path / "carol-home"
    kept = cache / "gdcourse" / f"carol+fixture+{stamps['carol']}"
    kept.mkdir(parents=True)
    home.mkdir()
    (kept / "my fixture.ipynb").write_bytes((submitted / "carol" / "fixture" / "my fixture.ipynb").read_bytes())
    (kept / "submission_secret.txt").write_text("secret-of-carol")
    fetch = subprocess.run([nbgrader, "fetch_feedback", "fixture", "--course=gdcourse", "--student=carol",
                            f"--Exchange.root={exchange}", f"--Exchange.cache={cache}"],
                           cwd=home, capture_output=True, text=True)
    assert fetch.returncode == 0, fetch.stderr
    fetched = list(home.glob("fixture/feedback/*/my fixture.html"))
    assert len(fetched) == 1 and "Student: <b>carol</b>" in fetched[0].read_text(), fetch.stderr


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGHUP])
def test_sigterm_or_sighup_in_the_background_stops_cleanly_then_rerun_completes_the_rest(bwrap, tmp_path, signum):
    """A grader started in the background (SIGINT ignored, as a shell's `&` does) and stopped with SIGTERM
    (kill, a scheduler) or SIGHUP (the terminal closed) stops as Ctrl-C does: exit 130, no sandbox of its uid
    block left, its job folders (student code) removed; the same command then grades exactly the rest."""
    submitted = make_class(tmp_path / "submitted", slow=0.3)
    for name in ("erin", "frank"):
        build.submission(submitted, name, cells=build.notebook_cells(C))
    out, tmp = tmp_path / "out", tmp_path / "tmp"
    tmp.mkdir()
    command = [sys.executable, "-m", "gdkit.grading", "grade", str(submitted), "--out", str(out), "--source",
               str(build.SOURCE), "--parts-file", str(build.PARTS_FILE), "--workers", "1"]
    grader = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                              start_new_session=True, env={**os.environ, "TMPDIR": str(tmp)},
                              preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_IGN))
    line = grader.stdout.readline()
    while line and not line.startswith("["):
        line = grader.stdout.readline()
    assert line.startswith("[1/6]"), line
    grader.send_signal(signum)
    rest = grader.communicate(timeout=60)[0]
    assert grader.returncode == 130, rest
    assert "run the same command again" in rest and "Traceback" not in rest
    assert list(tmp.iterdir()) == []  # its private folder of job folders (the student code) is gone
    uids = out / "logs" / "sandbox-uids.txt"
    if uids.exists():  # as root: the uid block of this grader's sandboxes
        first, last = map(int, uids.read_text().split())
        deadline = time.monotonic() + 10
        while [pid for pid in os.listdir("/proc") if pid.isdigit() and first <= _uid(pid) <= last]:
            assert time.monotonic() < deadline, "a sandbox of the stopped grader is still running"
            time.sleep(0.1)
    done = _records(out / "gradebook.db")
    assert 1 <= done < 6
    rerun = build.run_grader(submitted, out, "--workers", 1, env={"TMPDIR": str(tmp)})
    assert rerun.returncode == 0, rerun.stdout + rerun.stderr
    assert f"{done} submission(s) already recorded" in rerun.stdout
    assert len([line for line in rerun.stdout.splitlines() if line.startswith("[")]) == 6 - done
    assert len(build.read_grades(out)) == 6


def test_late_work_penalty_and_extension(bwrap, tmp_path):
    """Lateness past the gradebook's due date is shown on the feedback page and in grades.csv; the term's policy
    (--late-penalty, recorded in the gradebook) deducts points (nbgrader's late_submission_penalty, so nbgrader's
    own export agrees); `extension` grants time and the next run (no regrading) updates the penalty and the page."""
    submitted, out = tmp_path / "submitted", tmp_path / "out"
    stamps = {"alice": "2025-01-01 10:00:00.000000 UTC",   # 1 h late: one started day
              "erin": "2025-01-03 09:30:00.000000 UTC",    # 2 days 30 min late: three started days
              "carol": "2025-01-01 08:59:30.000000 UTC"}   # on time
    for student, stamp in stamps.items():
        build.submission(submitted, student, cells=build.notebook_cells(C))
        (submitted / student / "fixture" / "timestamp.txt").write_text(stamp)
    db_url = f"sqlite:///{out / 'gradebook.db'}"
    out.mkdir()
    path = f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"  # nbgrader runs alembic
    subprocess.run([sys.executable, "-m", "nbgrader", "db", "assignment", "add", "fixture",
                    "--duedate=2025-01-01 09:00:00 UTC", f"--CourseDirectory.db_url={db_url}"], check=True,
                   capture_output=True, cwd=tmp_path, env={**os.environ, "PATH": path})
    bad = build.run_grader(submitted, out, "--late-penalty", "per-week:3")
    assert bad.returncode == 2 and "per-day:10,max=50" in bad.stderr
    proc = build.run_grader(submitted, out, "--late-penalty", "per-day:10,max=25")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    grades = build.read_grades(out)
    assert [(grades[s]["total"], grades[s]["late_penalty"]) for s in ("alice", "erin", "carol")] == \
        [("4.5", "0.5"), ("3.75", "1.25"), ("5", "0")]
    assert grades["alice"]["fixture/test_sigmoid"] == "2"  # the parts' scores are before the penalty
    page = (out / "feedback" / "alice" / "fixture.html").read_text()
    assert "<b>1 h</b> after the due date" in page and "late penalty: <b>0.5</b> points" in page
    assert "10% of the points are deducted per started day late, at most 25%" in page
    assert "Submitted on time" in (out / "feedback" / "carol" / "fixture.html").read_text()

    extension = subprocess.run([sys.executable, "-m", "gdkit.grading", "extension", "fixture", "alice", "--hours",
                                "2", "--out", str(out)], capture_output=True, text=True)
    assert extension.returncode == 0, extension.stderr
    assert "due 2025-01-01 11:00:00 UTC" in extension.stdout
    rerun = build.run_grader(submitted, out)  # the policy stays the term's without --late-penalty
    assert rerun.returncode == 0 and "3 submission(s) already recorded" in rerun.stdout, rerun.stdout
    assert "alice fixture: feedback page updated" in rerun.stdout
    grades = build.read_grades(out)
    assert (grades["alice"]["total"], grades["alice"]["seconds_late"], grades["alice"]["late_penalty"]) == \
        ("5", "0", "0")
    assert grades["erin"]["total"] == "3.75"
    page = (out / "feedback" / "alice" / "fixture.html").read_text()
    assert "Submitted on time (an extension of 2 h included)" in page
    nbgrader_csv = tmp_path / "nbgrader.csv"  # nbgrader's own export reads the same penalty
    subprocess.run([sys.executable, "-m", "nbgrader", "export", f"--CourseDirectory.db_url={db_url}",
                    f"--CsvExportPlugin.to={nbgrader_csv}"], check=True, capture_output=True, cwd=tmp_path)
    import csv
    with nbgrader_csv.open() as stream:
        exported = {row["student_id"]: row for row in csv.DictReader(stream)}
    assert (float(exported["erin"]["late_submission_penalty"]), float(exported["erin"]["score"])) == (1.25, 3.75)


def _written(text):
    return build._cell("markdown", text, "written-why", {"grade": True, "solution": True, "locked": False,
                                                         "grade_id": "written_why", "points": 3,
                                                         "schema_version": 3})


def test_written_answers_manual_grades_and_overrides_flow_into_csv_and_feedback(bwrap, tmp_path):
    """A manually graded answer cell of the source is recorded in the gradebook as needing manual grading with its
    points (answered) or 0 (left as the stub); the CSV has its column and the totals are autograded + manual. A
    manual grade and an override given in the gradebook (as formgrader stores them) reach grades.csv and the
    feedback page on the next run without regrading; a changed written answer or a changed automatic score
    removes the hand-given score and says so in the flags."""
    source = tmp_path / "source"
    build.write_notebook(source / "fixture" / "fixture.ipynb",
                         build.notebook_cells(C) + [_written("### BEGIN SOLUTION\nBecause.\n### END SOLUTION")])
    submitted, out = tmp_path / "submitted", tmp_path / "out"
    build.submission(submitted, "alice", cells=build.notebook_cells(C) + [_written("Because sigmoid saturates.")])
    build.submission(submitted, "carol", cells=build.notebook_cells({**C, **WRONG}) + [_written("YOUR ANSWER HERE")])
    (submitted / "dave" / "fixture").mkdir(parents=True)
    first = build.run_grader(submitted, out, "--source", source)
    assert first.returncode == 0, first.stdout + first.stderr
    grades = build.read_grades(out)
    assert [(grades[s]["fixture/written_why"], grades[s]["total"], grades[s]["max_total"])
            for s in ("alice", "carol", "dave")] == [("0", "5", "8"), ("0", "2", "8"), ("0", "0", "8")]
    assert "awaiting manual grading" in (out / "feedback" / "alice" / "fixture.html").read_text()
    from nbgrader.api import Gradebook
    db_url = f"sqlite:///{out / 'gradebook.db'}"
    with Gradebook(db_url) as gb:
        assert gb.find_grade_cell("written_why", "fixture", "fixture").max_score == 3
        alice = gb.find_grade("written_why", "fixture", "fixture", "alice")
        assert alice.needs_manual_grade and alice.auto_score is None
        carol = gb.find_grade("written_why", "fixture", "fixture", "carol")
        assert not carol.needs_manual_grade and carol.auto_score == 0
        assert gb.find_submission("fixture", "alice").needs_manual_grade
        alice.manual_score = 2.5  # what formgrader's Manual Grading stores
        alice.needs_manual_grade = False
        gb.find_grade("test_relu", "fixture", "fixture", "carol").manual_score = 1.0  # an override
        gb.db.commit()
    again = build.run_grader(submitted, out, "--source", source)
    assert again.returncode == 0 and "3 submission(s) already recorded" in again.stdout, again.stdout
    grades = build.read_grades(out)
    assert (grades["alice"]["fixture/written_why"], grades["alice"]["total"]) == ("2.5", "7.5")
    assert (grades["carol"]["fixture/test_relu"], grades["carol"]["total"]) == ("1", "3")
    assert "graded by hand" in (out / "feedback" / "alice" / "fixture.html").read_text()
    assert "score set by hand: 1 (the grader&#x27;s: 0)" in (out / "feedback" / "carol" / "fixture.html").read_text()

    build.submission(submitted, "alice", cells=build.notebook_cells(C) + [_written("Another answer.")])
    build.submission(submitted, "carol", cells=build.notebook_cells({**C, "mse": WRONG["mse"]}) +
                     [_written("YOUR ANSWER HERE")])  # relu now right: the grader's score of the part changed
    third = build.run_grader(submitted, out, "--source", source)
    assert third.returncode == 0, third.stdout + third.stderr
    grades = build.read_grades(out)
    assert (grades["alice"]["fixture/written_why"], grades["alice"]["total"]) == ("0", "5")
    assert "written answer written_why changed since it was graded by hand" in grades["alice"]["flags"]
    assert (grades["carol"]["fixture/test_relu"], grades["carol"]["total"]) == ("1", "3")
    assert "the score of test_relu set by hand (1) was removed" in grades["carol"]["flags"]
