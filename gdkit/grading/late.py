"""Late work: the course's late-penalty policy, the penalty of one submission, extensions.

The due date is nbgrader's (``nbgrader db assignment add <a> --duedate "2026-12-01 17:00:00 UTC"``), the
extension too (:func:`grant_extension`, ``python -m gdkit.grading extension``); lateness is nbgrader's
``total_seconds_late`` (submission time minus due date minus extension). The policy is recorded in the gradebook
(``grade --late-penalty POLICY`` sets it for the term) and applied to every recorded submission each time the
outputs are written, so a due date or an extension given after grading changes the penalty without regrading:

- ``none`` (default): lateness is shown, nothing is deducted;
- ``zero``: a late submission scores 0 (nbgrader's ``LateSubmissionPlugin.penalty_method = 'zero'``);
- ``per-day:P`` / ``per-hour:P``, optionally ``,max=M``: P percent of the assignment's points per started day
  (hour) late, at most M percent (default 100).

The penalty is stored as nbgrader's ``late_submission_penalty`` of the submitted notebook, so ``nbgrader
export`` and formgrader see it; the score never goes below zero (as nbgrader computes it).
"""
import math
import re

__all__ = ["LatePolicy", "PolicyError", "parse_policy", "grant_extension", "describe_lateness"]


class PolicyError(ValueError):
    """A late-penalty policy that cannot be read."""


_PATTERN = re.compile(r"^(per-day|per-hour):(\d+(?:\.\d+)?)(?:,max=(\d+(?:\.\d+)?))?$")


class LatePolicy:
    """A parsed policy (see the module's documentation); ``str()`` gives it back in the same syntax."""

    def __init__(self, kind="none", percent=0.0, cap=100.0):
        self.kind, self.percent, self.cap = kind, float(percent), float(cap)

    def __str__(self):
        if self.kind in ("none", "zero"):
            return self.kind
        return f"{self.kind}:{self.percent:g}" + (f",max={self.cap:g}" if self.cap != 100 else "")

    def penalty(self, score, max_score, seconds_late):
        """The points deducted from ``score`` (out of ``max_score``) for ``seconds_late`` (None: no due date)."""
        if not seconds_late or seconds_late <= 0 or self.kind == "none":
            return 0.0
        if self.kind == "zero":
            return float(score)
        unit = 86400.0 if self.kind == "per-day" else 3600.0
        percent = min(self.cap, self.percent * math.ceil(seconds_late / unit))
        return min(float(score), max_score * percent / 100.0)

    def describe(self):
        """One sentence for the feedback page."""
        if self.kind == "none":
            return "no points are deducted for lateness in this course"
        if self.kind == "zero":
            return "a late submission scores 0"
        unit = "day" if self.kind == "per-day" else "hour"
        return (f"{self.percent:g}% of the points are deducted per started {unit} late"
                + (f", at most {self.cap:g}%" if self.cap != 100 else ""))


def parse_policy(text):
    """A :class:`LatePolicy` from ``none``, ``zero``, ``per-day:P[,max=M]`` or ``per-hour:P[,max=M]``."""
    text = str(text).strip().lower()
    if text in ("none", "zero"):
        return LatePolicy(text)
    match = _PATTERN.match(text)
    if not match or float(match.group(2)) > 100 or (match.group(3) and float(match.group(3)) > 100):
        raise PolicyError(f"late-penalty policy {text!r} not understood: use none, zero, per-day:P or per-hour:P "
                          "(P percent of the points per started day or hour late, at most 100), optionally "
                          "followed by ,max=M (at most M percent in all), e.g. per-day:10,max=50")
    return LatePolicy(match.group(1), match.group(2), match.group(3) or 100)


def describe_lateness(seconds):
    """``"2 days 3 h 5 min"`` for a positive number of seconds."""
    minutes = int(math.ceil(seconds / 60.0))
    days, minutes = divmod(minutes, 1440)
    hours, minutes = divmod(minutes, 60)
    parts = ([f"{days} day{'s' if days != 1 else ''}"] if days else []) + ([f"{hours} h"] if hours else []) + \
        ([f"{minutes} min"] if minutes or not (days or hours) else [])
    return " ".join(parts)


def grant_extension(db_url, assignment, student, minutes):
    """Give ``student`` ``minutes`` more for ``assignment`` (replacing an earlier extension; 0 removes it), as
    nbgrader's ``Submission.extension``. The student and the submission are created in the gradebook when they
    do not exist yet (an extension given before grading). Returns the new due date of this student."""
    import datetime
    import warnings

    from nbgrader.api import Gradebook, MissingEntry
    with Gradebook(db_url) as gb:
        try:
            due = gb.find_assignment(assignment).duedate
        except MissingEntry:
            raise KeyError(f"no assignment {assignment!r} in the gradebook: add it with its due date first "
                           f"(nbgrader db assignment add {assignment} --duedate \"...\")") from None
        if due is None:
            raise KeyError(f"assignment {assignment!r} has no due date in the gradebook, so an extension means "
                           f"nothing: nbgrader db assignment add {assignment} --duedate \"2026-12-01 17:00:00 UTC\"")
        gb.update_or_create_student(student)
        try:
            submission = gb.find_submission(assignment, student)
        except MissingEntry:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                submission = gb.add_submission(assignment, student)
        submission.extension = datetime.timedelta(minutes=minutes) if minutes else None
        gb.db.commit()
        return due + datetime.timedelta(minutes=minutes)
