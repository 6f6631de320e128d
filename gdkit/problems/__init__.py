"""Each student's own numbers for the exercises' concept questions (all assignments).

A concept question asks for a prediction or a choice ("the largest stable learning rate for this data", "how
many steps to a tolerance at this condition number"). So that an answer cannot simply be passed around, every
student gets their own data: each function here builds a problem deterministically from the question's name
and the student's id. The notebook shows the problem; the student works out the answer with the chapter's
method; the grader rebuilds the same problem from the id of the submission (nbgrader's student id, the name of
the submission folder) and checks the answer. The answers themselves are computed only by the grader.

The student id in a notebook is :func:`student_id`: the JupyterHub user name when the notebook runs on the
course's JupyterHub, otherwise the id the student types into the notebook's first cell.

One module per assignment, named as its chapter (``gdkit.problems.gradient_descent`` for
``04_gradient_descent``), holds that assignment's problems; this module holds what they share.
"""
from __future__ import annotations

import hashlib
import os
import numpy as np

__all__ = ["student_id", "problem_rng"]

_ID_HELP = ("Set your student id in the notebook's first cell, e.g. STUDENT_ID = \"jdoe42\": use the id your "
            "instructor gave you (on the course's JupyterHub it is your user name, filled in for you). Your "
            "concept questions are generated from it, and the grader uses the id you hand in under, so a wrong "
            "id means answers to somebody else's questions.")


_SUBMISSION_ID = ""  # set by the trusted grader's sandbox to the submission folder's id (nbgrader's student id)


def student_id(declared=""):
    """The id whose problems this notebook shows.

    Parameters
    ----------
    declared : str
        What the student typed in the first cell (``STUDENT_ID``); used when not on JupyterHub.

    Returns
    -------
    str
        ``$JUPYTERHUB_USER`` if set (the course's JupyterHub), or, when the grader runs the notebook, the id
        it is handed in under; else ``declared`` stripped.

    Raises
    ------
    ValueError
        If neither is set, with instructions.
    """
    hub = os.environ.get("JUPYTERHUB_USER", "").strip() or _SUBMISSION_ID
    if hub:
        return hub
    declared = str(declared or "").strip()
    if not declared:
        raise ValueError(f"No student id. {_ID_HELP}")
    return declared


def problem_rng(question, student):
    """A generator seeded by ``question`` (e.g. ``"04_gradient_descent/stable_learning_rate"``) and ``student``.

    The seed is the first 8 bytes of SHA-256 of ``"question|student"``: the same problem on every machine and
    NumPy version of the course, a different one for every student and question.
    """
    if not str(student).strip():
        raise ValueError(f"No student id. {_ID_HELP}")
    digest = hashlib.sha256(f"{question}|{str(student).strip()}".encode()).digest()
    return np.random.default_rng(int.from_bytes(digest[:8], "little"))
