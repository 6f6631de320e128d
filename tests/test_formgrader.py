"""nbgrader's formgrader on a gradebook the trusted grader wrote (a real `jupyter server` with nbgrader's formgrader
extension, on 127.0.0.1 and a free port of its own, checked over HTTP through formgrader's JSON API and pages).

A small class of the fixture assignment with a written answer: alice (right, answered), carol (relu wrong, the
written answer left as the stub), dave (a folder without a notebook). Formgrader shows every
submission as graded with the trusted scores (never "needs autograding", never "file missing") and opens the graded
notebooks; a manual grade and an override set through formgrader's API reach grades.csv and the feedback pages on the
next grader run; a resubmission whose part got another verdict drops the override and says so; nbgrader's own
autograde and generate_feedback refuse (command line and formgrader's buttons) and change nothing.
"""
import html
import json
import os
import re
import secrets
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from conftest import require

sys.path.insert(0, str(Path(__file__).resolve().parent / "grader_fixtures"))
import build  # noqa: E402

pytestmark = pytest.mark.slow
REPO = Path(__file__).resolve().parent.parent
WRONG_RELU = "def relu(z):\n    return np.abs(z)"
OTHER_WRONG_RELU = "def relu(z):\n    return np.maximum(z, 0) * 2"  # also 0 points, another diagnosis
STAMPS = {"alice": "2025-03-01 10:00:00.250000 UTC", "carol": "2025-03-01 11:30:00.000000 UTC"}


def _written(text):
    return build._cell("markdown", text, "written-why", {"grade": True, "solution": True, "locked": False,
                                                         "grade_id": "written_why", "points": 3,
                                                         "schema_version": 3})


def _grade(course):
    """The trusted grader on the course's submitted/ folder, recording into the gradebook nbgrader_config.py names
    (grading-output/gradebook.db); the graded notebooks go to autograded/ beside submitted/ (the default)."""
    proc = build.run_grader(course / "submitted", course / "grading-output", "--source", course / "source",
                            "--workers", "1", "--nbgrader-feedback", course / "feedback")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return proc.stdout


@pytest.fixture(scope="module")
def course(tmp_path_factory):
    require("bwrap", exe=True, hint="apt-get install -y bubblewrap")
    require("nbgrader")
    root = tmp_path_factory.mktemp("formgrader-course")
    shutil.copy(REPO / "nbgrader_config.py", root)
    build.write_notebook(root / "source" / "fixture" / "fixture.ipynb",
                         build.notebook_cells(build.CORRECT) + [_written("### BEGIN SOLUTION\nBecause.\n"
                                                                         "### END SOLUTION")])
    submitted = root / "submitted"
    build.submission(submitted, "alice", cells=build.notebook_cells(build.CORRECT) +
                     [_written("Because sigmoid saturates.")])
    build.submission(submitted, "carol", cells=build.notebook_cells({**build.CORRECT, "relu": WRONG_RELU}) +
                     [_written("YOUR ANSWER HERE")])
    (submitted / "dave" / "fixture").mkdir(parents=True)
    for student, stamp in STAMPS.items():  # as nbgrader collect brings them
        (submitted / student / "fixture" / "timestamp.txt").write_text(stamp)
        (submitted / student / "fixture" / "submission_secret.txt").write_text(f"secret-of-{student}")
    _grade(root)
    return root


def _report(course):
    """The class report of the course (the real CLI): ``(manual.csv rows, the assignment's page)``."""
    import csv
    out = course / "grading-output"
    proc = subprocess.run([sys.executable, "-m", "gdkit.grading", "report", "--out", str(out)], cwd=course,
                          capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    with (out / "report" / "manual.csv").open(encoding="utf-8") as stream:
        rows = list(csv.DictReader(stream))
    return rows, (out / "report" / "fixture.html").read_text(encoding="utf-8")


def _free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Formgrader:
    """A jupyter server with nbgrader's formgrader, started in the course folder (nbgrader reads its config there)."""

    def __init__(self, course, log):
        self.token = secrets.token_hex(16)
        self.port = _free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        config = course.parent / f"{course.name}-jupyter"
        env = {**os.environ, "JUPYTER_CONFIG_DIR": str(config / "config"), "JUPYTER_RUNTIME_DIR":
               str(config / "runtime"), "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"}
        env.pop("GDKIT_NBGRADER_AUTOGRADE_FOR_TESTS", None)  # as an instructor runs it
        self.log = log
        self.process = subprocess.Popen(
            [sys.executable, "-m", "jupyter", "server", "--no-browser", "--ip=127.0.0.1", f"--port={self.port}",
             "--ServerApp.port_retries=0", f"--IdentityProvider.token={self.token}",
             f"--ServerApp.root_dir={course}", *(["--allow-root"] if os.geteuid() == 0 else [])],
            cwd=course, env=env, stdout=log.open("wb"), stderr=subprocess.STDOUT)
        for _ in range(600):  # until it answers (or stops): no assertion on how long that takes
            if self.process.poll() is not None:
                pytest.fail(f"jupyter server stopped: {log.read_text(errors='replace')[-3000:]}")
            try:
                if self.request("GET", "/formgrader/api/status")["status"]:
                    break
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                time.sleep(0.5)
        else:
            pytest.fail(f"formgrader did not answer: {log.read_text(errors='replace')[-3000:]}")

    def request(self, method, path, body=None, raw=False):
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(self.base + path, data=data, method=method,
                                         headers={"Authorization": f"token {self.token}"})
        with urllib.request.urlopen(request, timeout=300) as response:
            text = response.read().decode("utf-8", errors="replace")
        return text if raw else json.loads(text)

    def stop(self):
        self.process.terminate()  # our own server only (its pid)
        try:
            self.process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


@pytest.fixture(scope="module")
def formgrader(course, tmp_path_factory):
    server = Formgrader(course, tmp_path_factory.mktemp("formgrader-log") / "server.log")
    yield server
    server.stop()


def _submissions(formgrader):
    return {s["student"]: s for s in formgrader.request("GET", "/formgrader/api/submissions/fixture")}


def test_formgrader_shows_the_trusted_scores_as_graded(course, formgrader):
    grades = build.read_grades(course / "grading-output")
    submissions = _submissions(formgrader)
    assert set(submissions) == {"alice", "carol", "dave"}
    for student, submission in submissions.items():
        assert submission["autograded"], f"{student}: formgrader says 'needs autograding'"
        assert submission["score"] == float(grades[student]["total"]), student
        assert submission["max_score"] == float(grades[student]["max_total"]) == 8
    assert [submissions[s]["score"] for s in ("alice", "carol", "dave")] == [5, 4, 0]
    assert submissions["alice"]["needs_manual_grade"]  # her written answer waits for a person
    assert not submissions["carol"]["needs_manual_grade"]  # the stub: 0, nothing to grade
    assert not submissions["dave"]["needs_manual_grade"]  # no notebook: nothing to grade either
    one = formgrader.request("GET", "/formgrader/api/submission/fixture/carol")
    assert one["autograded"] and one["score"] == 4
    manual, page = _report(course)  # the class report: alice's written answer waits for a person
    assert [(r["kind"], r["name"], r["answered"], r["graded"], r["awaiting_grading"]) for r in manual] == \
        [("written", "written_why", "1", "0", "1")]
    assert "<b>0</b> points given by hand" in page and "<b>1</b> written answer(s) still await grading" in page


def test_formgrader_opens_each_graded_submission(course, formgrader):
    for student in ("alice", "carol", "dave"):
        notebooks = formgrader.request("GET", f"/formgrader/api/student_notebook_submissions/{student}/fixture")
        assert len(notebooks) == 1 and notebooks[0]["id"] is not None, f"{student}: (file missing)"
    alice, = formgrader.request("GET", "/formgrader/api/student_notebook_submissions/alice/fixture")
    page = formgrader.request("GET", f"/formgrader/submissions/{alice['id']}/", raw=True)
    text = html.unescape(re.sub(r"<[^>]+>", "", page))  # the page's text (code is syntax-highlighted)
    assert "return 1 / (1 + np.exp(-z))" in text  # her code, as she handed it in
    assert "Because sigmoid saturates." in text  # her written answer
    for box in ("test_sigmoid", "test_relu", "test_mse", "written_why"):
        assert f'id="{box}"' in page, f"no score box for {box}"
    assert text.count("Graded by the course's trusted grader (outside the student's kernel)") == 3  # one per part
    assert "BEGIN HIDDEN TESTS" not in text
    carol, = formgrader.request("GET", "/formgrader/api/student_notebook_submissions/carol/fixture")
    page = formgrader.request("GET", f"/formgrader/submissions/{carol['id']}/", raw=True)
    assert "0 / 1 points" in html.unescape(re.sub(r"<[^>]+>", "", page))  # relu's trusted score and message under its test cell
    listed = formgrader.request("GET", "/formgrader/api/submitted_notebooks/fixture/fixture")
    assert {n["student"] for n in listed} == {"alice", "carol", "dave"}  # Manual Grading lists them all
    copy = course / "autograded" / "alice" / "fixture" / "fixture.ipynb"
    assert not os.access(copy, os.W_OK) or os.geteuid() == 0
    assert copy.stat().st_mode & 0o222 == 0  # read-only


def _grade_id(formgrader, student, name):
    notebook, = formgrader.request("GET", f"/formgrader/api/student_notebook_submissions/{student}/fixture")
    grades = formgrader.request("GET", f"/formgrader/api/grades?submission_id={notebook['id']}")
    return next(g["id"] for g in grades if g["name"] == name)


def test_nbgrader_autograde_and_generate_feedback_refuse(course, formgrader):
    copy = course / "autograded" / "carol" / "fixture" / "fixture.ipynb"
    before = copy.read_bytes()
    result = formgrader.request("POST", "/formgrader/api/submission/fixture/carol/autograde", body={})
    assert result["success"] is False
    assert "nbgrader autograde is disabled in this course" in result.get("log", "") + result.get("error", "")
    feedback = formgrader.request("POST", "/formgrader/api/assignment/fixture/carol/generate_feedback", body={})
    assert feedback["success"] is False
    assert "generate_feedback is disabled" in feedback.get("log", "") + feedback.get("error", "")
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"}
    env.pop("GDKIT_NBGRADER_AUTOGRADE_FOR_TESTS", None)
    nbgrader = str(Path(sys.executable).with_name("nbgrader"))
    for command, said in ((["autograde", "fixture", "--force"], "nbgrader autograde is disabled in this course"),
                          (["generate_feedback", "fixture", "--force"], "generate_feedback is disabled")):
        proc = subprocess.run([nbgrader, *command], cwd=course, env=env, capture_output=True, text=True)
        assert proc.returncode != 0 and said in proc.stdout + proc.stderr, proc.stdout + proc.stderr
        assert "python -m gdkit.grading grade" in proc.stdout + proc.stderr
    assert copy.read_bytes() == before  # nothing removed or rewritten
    assert _submissions(formgrader)["carol"]["score"] == 4  # the trusted scores stand


def test_manual_grades_set_in_formgrader_reach_the_csv_and_the_feedback(course, formgrader):
    formgrader.request("PUT", f"/formgrader/api/grade/{_grade_id(formgrader, 'alice', 'written_why')}",
                       body={"manual_score": 2.5})
    formgrader.request("PUT", f"/formgrader/api/grade/{_grade_id(formgrader, 'carol', 'test_relu')}",
                       body={"manual_score": 1})  # an override of the grader's 0
    out = _grade(course)
    assert "already recorded, skipped" in out  # nothing regraded: only the outputs follow the gradebook
    grades = build.read_grades(course / "grading-output")
    assert (grades["alice"]["fixture/written_why"], grades["alice"]["total"]) == ("2.5", "7.5")
    assert (grades["carol"]["fixture/test_relu"], grades["carol"]["total"]) == ("1", "5")
    alice = (course / "grading-output" / "feedback" / "alice" / "fixture.html").read_text(encoding="utf-8")
    assert "written answer, graded by hand" in alice and "7.5 / 8" in alice
    carol = (course / "grading-output" / "feedback" / "carol" / "fixture.html").read_text(encoding="utf-8")
    assert "score set by hand: 1 (the grader&#x27;s: 0)" in carol and "5 / 8" in carol
    released = (course / "feedback" / "alice" / "fixture" / "fixture.html").read_text(encoding="utf-8")
    assert released == alice  # the page release_feedback sends follows the manual grade too
    submissions = _submissions(formgrader)  # formgrader, grades.csv and the feedback agree
    assert (submissions["alice"]["score"], submissions["carol"]["score"]) == (7.5, 5)
    manual, page = _report(course)  # and the class report counts them: 2.5 written + 1 override, none waiting
    assert [(r["kind"], r["name"], r["student"], r["graded"], r["awaiting_grading"], r["grader_score"],
             r["manual_score"]) for r in manual] == [("written", "written_why", "", "1", "0", "", "2.500"),
                                                    ("override", "test_relu", "carol", "", "", "0", "1")]
    assert "<b>3.5</b> points given by hand (2.5 for written answers, +1 from overridden parts)" in page
    assert "<b>0</b> written answer(s) still await grading" in page

    # carol hands in another wrong relu: the same 0 points but another diagnosis, so the override judged an answer
    # that is gone: it is removed and flagged, never silently kept
    build.submission(course / "submitted", "carol",
                     cells=build.notebook_cells({**build.CORRECT, "relu": OTHER_WRONG_RELU}) +
                     [_written("YOUR ANSWER HERE")])
    (course / "submitted" / "carol" / "fixture" / "timestamp.txt").write_text("2025-03-01 12:00:00.000000 UTC")
    out = _grade(course)
    assert "carol fixture" in out and "regraded" in out
    grades = build.read_grades(course / "grading-output")
    assert (grades["carol"]["fixture/test_relu"], grades["carol"]["total"]) == ("0", "4")
    assert "set by hand (1) was removed: the grader's verdict changed" in grades["carol"]["flags"]
    assert _submissions(formgrader)["carol"]["autograded"]  # the new copy, with the new timestamp
    assert "* 2" in (course / "autograded" / "carol" / "fixture" / "fixture.ipynb").read_text(encoding="utf-8")
    # alice was not regraded: her hand-given written score stays
    assert build.read_grades(course / "grading-output")["alice"]["fixture/written_why"] == "2.5"
