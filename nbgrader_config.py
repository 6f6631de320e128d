"""nbgrader configuration of the course: sources in solutions/, student versions in exercises/.

Run nbgrader from this folder (the repository root). Every path is computed from this file's own folder, so
a copy of the course (a clone, a temporary grading folder) uses its own folders and its own gradebook.
The gradebook lives in grading-output/ (ignored by git): it holds student data.
"""
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

# The deployment's own settings (course_id, Exchange.root, a PostgreSQL db_url: docs/jupyterhub.md) go in an
# untracked nbgrader_config_local.py beside this file; nbgrader reads only this file, so this one runs that one
# with the same `c`. Anything set there wins over the lines above.
LOCAL = ROOT / "nbgrader_config_local.py"
if LOCAL.is_file():
    exec(compile(LOCAL.read_text(encoding="utf-8"), str(LOCAL), "exec"), {"c": c, "get_config": lambda: c,
                                                                          "__file__": str(LOCAL)})
