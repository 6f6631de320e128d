"""Concept-question data of assignment 05_momentum (chapter: momentum and adaptive learning rates)."""
from typing import NamedTuple

import numpy as np

from . import problem_rng

__all__ = ["AdamBetas", "adam_betas"]


class AdamBetas(NamedTuple):
    """Adam's decay rates for the first and second moments."""

    beta_1: float
    beta_2: float


def adam_betas(student, question="05_momentum/bias_correction"):
    """``beta_1`` in {0.8, 0.85, 0.9, 0.95}, ``beta_2`` in {0.99, 0.995, 0.999, 0.9999}."""
    rng = problem_rng(question, student)
    return AdamBetas(float(rng.choice([0.8, 0.85, 0.9, 0.95])), float(rng.choice([0.99, 0.995, 0.999, 0.9999])))
