"""Concept-question data of assignment 05_momentum (chapter: momentum and adaptive learning rates)."""
from typing import NamedTuple

import numpy as np

from . import problem_rng
from .gradient_descent import ConditioningProblem, conditioning_problem

__all__ = ["AdamBetas", "adam_betas", "AdamStep", "adam_step", "steps_problem", "EffectiveStep", "effective_step"]


class AdamBetas(NamedTuple):
    """Adam's decay rates for the first and second moments."""

    beta_1: float
    beta_2: float


def adam_betas(student, question="05_momentum/bias_correction"):
    """``beta_1`` in {0.8, 0.85, 0.9, 0.95}, ``beta_2`` in {0.99, 0.995, 0.999, 0.9999}."""
    rng = problem_rng(question, student)
    return AdamBetas(float(rng.choice([0.8, 0.85, 0.9, 0.95])), float(rng.choice([0.99, 0.995, 0.999, 0.9999])))


class AdamStep(NamedTuple):
    """Adam's decay rates and a step number ``t`` (1 for the first step) under a constant gradient: how much
    longer (or shorter) is Adam's step WITHOUT bias correction than with it, at step ``t``?"""

    beta_1: float
    beta_2: float
    t: int


def adam_step(student, question="05_momentum/bias_correction"):
    """The student's :func:`adam_betas` and a step ``t`` in {2, 3, 4, 5, 8, 12}."""
    betas = adam_betas(student, question)
    t = int(problem_rng(question + "/t", student).choice([2, 3, 4, 5, 8, 12]))
    return AdamStep(betas.beta_1, betas.beta_2, t)


def steps_problem(student, question="05_momentum/steps_to_tolerance"):
    """A quadratic with Hessian eigenvalues in ``[m, L]`` and a tolerance (see
    :class:`gdkit.problems.gradient_descent.ConditioningProblem`): the numbers of steps ``k`` with
    :math:`\\rho^k \\le` ``tolerance`` for gradient descent at :math:`\\eta = 2/(m + L)` and for heavy-ball momentum
    at Polyak's parameters, each with its rate :math:`\\rho`."""
    return conditioning_problem(student, question)


class EffectiveStep(NamedTuple):
    """SGD with momentum: a learning rate and a momentum coefficient (PyTorch's form, b = mu b + g,
    param -= learning_rate * b)."""

    learning_rate: float
    momentum: float


def effective_step(student, question="05_momentum/effective_step"):
    """``learning_rate`` in {0.001, 0.002, 0.005, 0.01, 0.02, 0.05}, ``momentum`` in {0.7, 0.8, 0.9, 0.95}."""
    rng = problem_rng(question, student)
    return EffectiveStep(float(rng.choice([0.001, 0.002, 0.005, 0.01, 0.02, 0.05])),
                         float(rng.choice([0.7, 0.8, 0.9, 0.95])))


_ = (np, ConditioningProblem)  # re-exported types the notebook may name
