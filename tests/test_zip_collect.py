"""`nbgrader zip_collect` with the course's nbgrader_config.py collects what Canvas and Moodle download.

Real nbgrader commands in a temporary copy of the course: the archive of a platform's "download submissions"
goes in downloaded/<assignment>/archive/, and zip_collect must put each notebook in
submitted/<student>/<assignment>/<assignment>.ipynb, the layout the trusted grader reads.
"""
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tools"))
from generate_exercises import nbgrader_env  # noqa: E402

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parent.parent
A = "01_forward"


@pytest.fixture()
def course(tmp_path):
    course = tmp_path / "course"
    (course / "exercises").mkdir(parents=True)
    shutil.copy(REPO / "nbgrader_config.py", course)
    shutil.copytree(REPO / "exercises" / A, course / "exercises" / A)
    (course / "downloaded" / A / "archive").mkdir(parents=True)
    return course


def _zip_collect(course):
    nbgrader = Path(sys.executable).with_name("nbgrader")
    proc = subprocess.run([str(nbgrader), "zip_collect", A, "--force"], cwd=course, env=nbgrader_env(),
                          capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return proc.stdout + proc.stderr


def _collected(course):
    return sorted(str(p.relative_to(course / "submitted")) for p in (course / "submitted").rglob("*.ipynb"))


def test_canvas_download(course):
    """Canvas names files <name>_[LATE_]<user id>_<submission id>_<file>, adding -1, -2 to resubmissions."""
    notebook = (REPO / "exercises" / A / f"{A}.ipynb").read_bytes()
    with zipfile.ZipFile(course / "downloaded" / A / "archive" / "submissions.zip", "w") as archive:
        archive.writestr(f"lovelaceada_1001_5001_{A}.ipynb", notebook)
        archive.writestr(f"babbagecharles_LATE_1002_5002_{A}-1.ipynb", notebook)
        archive.writestr("hoppergrace_1003_5003_notes.txt", b"not a notebook")
    output = _zip_collect(course)
    assert _collected(course) == [f"1001/{A}/{A}.ipynb", f"1002/{A}/{A}.ipynb"], output
    assert (course / "submitted" / "1002" / A / f"{A}.ipynb").read_bytes() == notebook


def test_moodle_download(course):
    """Moodle (3.1 and later) puts each student's files in a folder <Full Name>_<number>_assignsubmission_file_;
    the course config's Moodle expression is chosen in nbgrader_config_local.py, as the docs say."""
    (course / "nbgrader_config_local.py").write_text(
        'c.FileNameCollectorPlugin.named_regexp = ZIP_COLLECT_REGEXP["moodle"]\n')
    notebook = (REPO / "exercises" / A / f"{A}.ipynb").read_bytes()
    with zipfile.ZipFile(course / "downloaded" / A / "archive" / "moodle.zip", "w") as archive:
        archive.writestr(f"Ada Lovelace_88001_assignsubmission_file_/{A}.ipynb", notebook)
        archive.writestr(f"Charles Babbage_88002_assignsubmission_file_/{A}.ipynb", notebook)
    output = _zip_collect(course)
    assert _collected(course) == [f"Ada Lovelace/{A}/{A}.ipynb", f"Charles Babbage/{A}/{A}.ipynb"], output
