"""nbgrader's own ``autograde`` and ``generate_feedback`` refuse to run in this course (``nbgrader_config.py``).

``nbgrader autograde`` runs the hidden tests inside the student's kernel, with the public seed, and would
overwrite the trusted grader's scores in the gradebook (formgrader's Autograde button runs it too);
``nbgrader generate_feedback`` would replace the trusted feedback pages with pages built from notebooks nobody
executed. The course's ``nbgrader_config.py`` sets both converters' ``exporter_class`` to the classes below:
nbgrader creates its exporter in ``BaseConverter.start`` *before* it touches any submission, ``autograded/``
folder or the gradebook (``--force`` removes the destination only later, in ``convert_notebooks``), so the
refusal changes nothing. The message is logged (the CLI's output, formgrader's error box) and raised.

The course's own tests run ``nbgrader autograde`` on the source notebooks to check that nbgrader accepts them;
they set ``GDKIT_NBGRADER_AUTOGRADE_FOR_TESTS=1``, which ``nbgrader_config.py`` reads to leave nbgrader's
converters alone. It is not meant for grading.
"""
from nbconvert.exporters import Exporter

ALLOW_ENV = "GDKIT_NBGRADER_AUTOGRADE_FOR_TESTS"

AUTOGRADE_REFUSED = (
    "nbgrader autograde is disabled in this course: it would run the hidden tests inside the student's own kernel "
    "and overwrite the trusted grades. Grade with the course's trusted grader instead: "
    "`python -m gdkit.grading grade submitted --assignment <assignment>` (or `make grade SUBMITTED=submitted`). "
    "It records the scores in this gradebook and writes the graded notebooks formgrader opens "
    "(autograded/<student>/<assignment>/); see docs/jupyterhub.md.")
FEEDBACK_REFUSED = (
    "nbgrader generate_feedback is disabled in this course: the feedback pages come from the trusted grader. "
    "Run `python -m gdkit.grading grade submitted --nbgrader-feedback feedback` (it rewrites missing or changed "
    "pages, manual grades included, without regrading), then `nbgrader release_feedback <assignment>`; see "
    "docs/jupyterhub.md.")


def _refuse(exporter, message):
    from nbgrader.converters.base import NbGraderException  # nbgrader's apps turn it into exit status 1 after the log line
    parent = getattr(exporter, "parent", None)
    log = getattr(parent, "log", None)
    if log is not None:
        log.error(message)
    raise NbGraderException(message)


class RefuseAutograde(Exporter):
    """``c.Autograde.exporter_class``: refuses as soon as nbgrader's autograde starts (see the module)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _refuse(self, AUTOGRADE_REFUSED)


class RefuseGenerateFeedback(Exporter):
    """``c.GenerateFeedback.exporter_class``: refuses as soon as nbgrader's generate_feedback starts."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _refuse(self, FEEDBACK_REFUSED)
