"""Concept-question data of assignment 02_loss (chapter: loss)."""
from typing import NamedTuple

import numpy as np

from . import problem_rng

__all__ = ["ClassifierAtInit", "classifier_at_init"]


class ClassifierAtInit(NamedTuple):
    """A classifier with ``K`` classes whose initial logits are all close to 0."""

    K: int


def classifier_at_init(student, question="02_loss/initial_loss"):
    """``K`` between 3 and 1000 classes."""
    return ClassifierAtInit(int(problem_rng(question, student).integers(3, 1001)))
