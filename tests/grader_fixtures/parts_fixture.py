"""A tiny assignment ``fixture`` with three parts, for the grader's tests (stands in for gdkit.grading.parts)."""
import numpy as np

from gdkit import activations, losses
from gdkit.grading import Case, Mistake, Part


def _vector_cases(rng, hidden):
    cases = [Case((np.array([-1.0, 0.0, 2.0]),), label="a small vector")]
    if hidden:
        cases += [Case((rng.normal(size=(4, 3)) * 3,), label="a batch"),
                  Case((np.array([[-800.0, 800.0]]),), label="large |z|")]
    return cases


def _loss_cases(rng, hidden):
    cases = [Case((np.array([[1.0], [0.0]]), np.array([[0.5], [0.5]])), label="two samples")]
    if hidden:
        cases.append(Case((rng.normal(size=(5, 2)), rng.normal(size=(5, 2))), label="a batch"))
    return cases


def _mse_summed(y_true, y_pred):
    return np.sum((y_pred - y_true) ** 2) / y_true.shape[0]


PARTS = (
    Part("fixture", "test_sigmoid", "sigmoid", activations.sigmoid, _vector_cases, points=2,
         forbidden=(activations.sigmoid,)),
    Part("fixture", "test_relu", "relu", activations.relu, _vector_cases, points=1, forbidden=(activations.relu,)),
    Part("fixture", "test_mse", "mse", losses.mean_squared_error, _loss_cases, points=2,
         forbidden=(losses.mean_squared_error,),
         mistakes=(Mistake("sum over outputs", _mse_summed,
                           "you divided by the number of samples only; average over every element"),)),
)
