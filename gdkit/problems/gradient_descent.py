"""Concept-question data of assignment 04_gradient_descent (chapter: gradient descent)."""
from typing import NamedTuple

import numpy as np

from . import problem_rng

__all__ = ["RegressionProblem", "regression_problem", "ConditioningProblem", "conditioning_problem", "BatchScaling",
           "batch_scaling"]


class RegressionProblem(NamedTuple):
    """Inputs of a linear least-squares problem, loss :math:`\\mathcal{L}(w) = \\frac1N \\|Xw - y\\|^2`."""

    X: np.ndarray  # (N, D)


def regression_problem(student, question="04_gradient_descent/stable_learning_rate"):
    """Inputs ``X`` (N, D) with features of different scales (N in 20..60, D in 2..4), rounded to 2 decimals so
    they can be copied exactly."""
    rng = problem_rng(question, student)
    n, d = int(rng.integers(20, 61)), int(rng.integers(2, 5))
    scales = rng.choice([0.5, 1.0, 2.0, 3.0, 5.0], size=d, replace=False)
    return RegressionProblem(np.round(rng.standard_normal((n, d)) * scales, 2))


class ConditioningProblem(NamedTuple):
    """A quadratic with Hessian eigenvalues in ``[m, L]`` and a tolerance on the error's norm, relative to the
    start: find the number of steps ``k`` with :math:`\\rho^k \\le` ``tolerance``."""

    m: float
    L: float
    tolerance: float


def conditioning_problem(student, question):
    """Curvatures ``m`` < ``L`` with a condition number between 10 and 1000 and a tolerance 1e-3 .. 1e-8."""
    rng = problem_rng(question, student)
    m = float(rng.choice([0.1, 0.2, 0.5, 1.0, 2.0]))
    kappa = float(np.round(10 ** rng.uniform(1, 3)))
    return ConditioningProblem(m, m * kappa, float(10.0 ** -int(rng.integers(3, 9))))


class BatchScaling(NamedTuple):
    """A learning rate ``learning_rate`` tuned at batch size ``batch_size``, and a new batch size ``new_batch_size``
    (below the critical batch size)."""

    batch_size: int
    learning_rate: float
    new_batch_size: int


def batch_scaling(student, question="04_gradient_descent/batch_scaling"):
    """Batch sizes that are powers of two between 8 and 512, a tuned rate between 0.01 and 0.2."""
    rng = problem_rng(question, student)
    b, new = (int(2 ** v) for v in rng.choice(np.arange(3, 10), size=2, replace=False))
    return BatchScaling(b, float(rng.choice([0.01, 0.02, 0.05, 0.1, 0.2])), new)
