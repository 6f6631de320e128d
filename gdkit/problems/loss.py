"""Concept-question data of assignment 02_loss (chapter: loss)."""
from typing import NamedTuple

import numpy as np

from . import problem_rng

__all__ = ["ClassifierAtInit", "classifier_at_init", "LogitsAndLabel", "logits_and_label"]


class ClassifierAtInit(NamedTuple):
    """A classifier with ``K`` classes whose initial logits are all close to 0."""

    K: int


def classifier_at_init(student, question="02_loss/initial_loss"):
    """``K`` between 3 and 100 classes."""
    return ClassifierAtInit(int(problem_rng(question, student).integers(3, 101)))


class LogitsAndLabel(NamedTuple):
    """One example's logits (a row of ``K`` scores, before the softmax) and its true class (0-based)."""

    logits: np.ndarray  # (K,)
    label: int


def logits_and_label(student, question="02_loss/logit_loss"):
    """Six distinct logits with one decimal in [-3, 4]; the true class is not the largest logit's class, nor its
    neighbour, counting round the ends (so that the loss of the predicted class, or of a class off by one, is another number)."""
    rng = problem_rng(question, student)
    logits = rng.choice(np.arange(-30, 41) / 10, size=6, replace=False)
    top = int(np.argmax(logits))
    label = int(rng.choice([k for k in range(6) if min((k - top) % 6, (top - k) % 6) >= 2]))
    return LogitsAndLabel(logits, label)
