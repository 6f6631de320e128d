"""nbgrader configuration of the course: sources in solutions/, student versions in exercises/.

Run nbgrader from this folder (the repository root). Every path is computed from this file's own folder, so
a copy of the course (a clone, a temporary grading folder) uses its own folders and its own gradebook.
The gradebook lives in grading-output/ (ignored by git): it holds student data.
"""
import os
from pathlib import Path

c = get_config()  # noqa: F821 (provided by nbgrader when it loads this file)

ROOT = Path(__file__).resolve().parent
(ROOT / "grading-output").mkdir(exist_ok=True)

c.CourseDirectory.root = str(ROOT)
c.CourseDirectory.source_directory = "solutions"
c.CourseDirectory.release_directory = "exercises"
c.CourseDirectory.db_url = f"sqlite:///{ROOT / 'grading-output' / 'gradebook.db'}"

# Deterministic generate_assignment: exercises/ is byte for byte what solutions/ generate (tests check it).
c.ClearOutput.remove_metadata_fields = ["collapsed", "scrolled", "execution", "ExecuteTime"]
c.ClearMetadataPreprocessor.enabled = True
c.ClearMetadataPreprocessor.clear_cell_metadata = False
c.ClearMetadataPreprocessor.preserve_nb_metadata_mask = [("kernelspec",), ("language_info", "name")]

# A test cell may run a small training; 120 s per cell is generous on a slow shared core.
c.Execute.timeout = 120

# Any stderr text in a test cell (a NumPy RuntimeWarning from a correct answer, the student's own prints to
# stderr) would otherwise score 0; failures are "error" outputs, which this does not touch.
c.IgnorePattern.enabled = True
c.IgnorePattern.pattern = r"[\s\S]"

# nbgrader's own autograde and generate_feedback refuse to run (formgrader's Autograde and Generate Feedback buttons
# too): grades and feedback pages come from the trusted grader, `python -m gdkit.grading grade`, which also writes
# the graded notebooks formgrader opens (autograded/). See gdkit/grading/nbgrader_guard.py. The course's tests run
# nbgrader's autograde on the source notebooks with GDKIT_NBGRADER_AUTOGRADE_FOR_TESTS=1 set; never for grades.
if os.environ.get("GDKIT_NBGRADER_AUTOGRADE_FOR_TESTS") != "1":
    c.Autograde.exporter_class = "gdkit.grading.nbgrader_guard.RefuseAutograde"
    c.GenerateFeedback.exporter_class = "gdkit.grading.nbgrader_guard.RefuseGenerateFeedback"

# `nbgrader zip_collect A` (submissions downloaded from a learning platform, put in downloaded/A/archive/): how
# the student id and the notebook are read from each extracted file's full path. Canvas's "Download Submissions"
# names files <name>_[LATE_]<Canvas user id>_<submission id>_<file>[-<resubmission>].ipynb: the student id is
# the Canvas user id. Moodle's "Download all submissions" gives folders <Full Name>_<participant number>_
# assignsubmission_file_/<file> (the number differs per assignment): the student id is the full name. Canvas
# is the default; for Moodle put `c.FileNameCollectorPlugin.named_regexp = ZIP_COLLECT_REGEXP["moodle"]` in
# nbgrader_config_local.py. Tested with nbgrader's own zip_collect (tests/test_zip_collect.py).
ZIP_COLLECT_REGEXP = {
    "canvas": r".*/[^/]*?_(?:LATE_)?(?P<student_id>\d+)_\d+_(?P<file_id>[^/]+?)(?:-\d+)?\.ipynb$",
    "moodle": r".*/(?P<student_id>[^/_]+)_\d+_assignsubmission_file_/?(?P<file_id>[^/]+?)\.ipynb$",
}
c.FileNameCollectorPlugin.named_regexp = ZIP_COLLECT_REGEXP["canvas"]

# The deployment's own settings (course_id, Exchange.root, a PostgreSQL db_url: docs/jupyterhub.md) go in an
# untracked nbgrader_config_local.py beside this file; nbgrader reads only this file, so this one runs that one
# with the same `c`. Anything set there wins over the lines above.
LOCAL = ROOT / "nbgrader_config_local.py"
if LOCAL.is_file():
    exec(compile(LOCAL.read_text(encoding="utf-8"), str(LOCAL), "exec"), {"c": c, "get_config": lambda: c,
                                                                          "__file__": str(LOCAL),
                                                                          "ZIP_COLLECT_REGEXP": ZIP_COLLECT_REGEXP})
