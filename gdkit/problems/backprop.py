"""Concept-question data of assignment 03_backprop (chapter: backpropagation).

Three problems: a gradient-check table of a small network whose backward pass has (at most) one planted bug, to be
read like the chapter's table of deliberately wrong gradients; a function, a point and a step for predicting the
error of one-sided and centred differences; and five checks of one gradient in float32 and float64 at two steps,
one of them of a wrong gradient.
"""
from typing import NamedTuple

import numpy as np

from . import problem_rng

__all__ = ["GradientCheckTable", "gradient_check_table", "BACKWARD_VARIANTS", "variant_table", "DifferenceProblem",
           "difference_problem", "CheckRuns", "CHECK_RUNS", "check_runs", "check_run_keys"]

LAYER_SIZES = (3, 5, 4, 1)
ACTIVATIONS = ("tanh", "tanh", "linear")
ROWS = ("W1", "b1", "W2", "b2", "W3", "b3")

# The table is computed here with NumPy alone (a tanh-tanh-linear network with the mean squared error), so that this
# data module needs none of gdkit's graded functions.


def _forward(X, params):
    """The inputs and pre-activations of each layer, and the output."""
    inputs, Zs, A = [], [], X
    for layer, (W, b) in enumerate(params):
        inputs.append(A)
        Zs.append(A @ W + b)
        A = np.tanh(Zs[-1]) if ACTIVATIONS[layer] == "tanh" else Zs[-1]
    return inputs, Zs, A


def _loss(X, Y, params):
    return float(np.mean((_forward(X, params)[2] - Y) ** 2))


def _backward(variant, X, Y, params):
    """The (dW, db) pairs of the network's backward pass, or of one of its classic bugs (``variant``)."""
    inputs, Zs, A = _forward(X, params)
    n = len(X)
    dA = 2 * (A - Y) / A.size
    if variant == "sign":
        dA = -dA
    elif variant == "sum_not_mean":
        dA = dA * n
    grads = []
    for layer in range(len(params) - 1, -1, -1):
        if ACTIVATIONS[layer] == "linear" or (variant == "no_derivative_layer2" and layer == 1):
            dZ = dA
        elif variant == "derivative_at_A_layer1" and layer == 0:
            dZ = dA * (1 - np.tanh(np.tanh(Zs[layer])) ** 2)
        else:
            dZ = dA * (1 - np.tanh(Zs[layer]) ** 2)
        dW, db = inputs[layer].T @ dZ, dZ.sum(axis=0)
        dA = dZ @ params[layer][0].T
        if variant == "db_mean":
            db = db / n
        elif variant == "dW_mean":
            dW = dW / n
        grads.append((dW, db))
    return grads[::-1]


def _centred(f, x, h=1e-6):
    grad = np.zeros_like(x)
    for index in np.ndindex(x.shape):
        old = x[index]
        x[index] = old + h
        plus = f()
        x[index] = old - h
        minus = f()
        x[index] = old
        grad[index] = (plus - minus) / (2 * h)
    return grad


def _relative(a, b):
    return float(np.linalg.norm(a - b) / max(np.linalg.norm(a) + np.linalg.norm(b), 1e-12))


#: The backward passes the table can come from: a key and the description the student chooses among.
BACKWARD_VARIANTS = {
    "correct": "no bug: the backward pass is right",
    "db_mean": "every layer's db is averaged over the batch instead of summed",
    "dW_mean": "every layer's dW is divided by the batch size N",
    "sum_not_mean": "the loss gradient dL/dA misses the 1/N of the mean (the gradient of the sum)",
    "sign": "the loss gradient dL/dA has the wrong sign",
    "no_derivative_layer2": "layer 2's activation derivative is missing (dZ2 = dA2)",
    "derivative_at_A_layer1": "layer 1's activation derivative is evaluated at its output A1 instead of Z1",
}


class GradientCheckTable(NamedTuple):
    """A network ``mlp_forward(X, params, ACTIVATIONS)`` with the mean squared error on targets ``Y``; ``table``:
    the relative error of each parameter's analytic gradient (from a backward pass that may hold one bug)
    against its centred-difference gradient; ``options``: letter -> description of a possible cause."""

    X: np.ndarray
    Y: np.ndarray
    params: list
    table: dict
    options: dict


def _network(rng):
    n = int(rng.choice([4, 5, 6, 8, 10]))
    X = np.round(rng.standard_normal((n, LAYER_SIZES[0])), 2)
    Y = np.round(rng.standard_normal((n, LAYER_SIZES[-1])), 2)
    params = [(np.round(rng.standard_normal((d, m)) / np.sqrt(d), 3), np.round(0.3 * rng.standard_normal(m), 3))
              for d, m in zip(LAYER_SIZES[:-1], LAYER_SIZES[1:])]
    return X, Y, params


def variant_table(X, Y, params, variant):
    """{row name: relative error} of the gradient check of ``variant``'s backward pass (float64, h = 1e-6)."""
    params = [(W.copy(), b.copy()) for W, b in params]
    grads = _backward(variant, X, Y, params)
    table = {}
    for layer, ((W, b), (dW, db)) in enumerate(zip(params, grads), start=1):
        table[f"W{layer}"] = _relative(dW, _centred(lambda: _loss(X, Y, params), W))
        table[f"b{layer}"] = _relative(db, _centred(lambda: _loss(X, Y, params), b))
    return table


def gradient_check_table(student, question="03_backprop/which_bug"):
    """The student's network and gradient-check table, and the seven possible causes in the student's own order."""
    rng = problem_rng(question, student)
    keys = list(BACKWARD_VARIANTS)
    order = rng.permutation(len(keys))
    planted = keys[int(rng.integers(len(keys)))]
    X, Y, params = _network(rng)
    options = {letter: BACKWARD_VARIANTS[keys[index]] for letter, index in zip("ABCDEFG", order)}
    return GradientCheckTable(X, Y, params, variant_table(X, Y, params, planted), options)


class DifferenceProblem(NamedTuple):
    """``f(x) = exp(a x)`` at ``x0``, differentiated numerically with step ``h``."""

    a: float
    x0: float
    h: float


def difference_problem(student, question="03_backprop/difference_errors"):
    """A rate ``a`` in 0.5 .. 4 (not 1), a point ``x0`` in -1 .. 1 and a step ``h`` with ``a h`` at most 0.02."""
    rng = problem_rng(question, student)
    a = float(rng.choice([0.5, 0.8, 1.5, 2.0, 2.5, 3.0, 4.0]))
    h = float(rng.choice([1e-3, 2e-3, 5e-3]))
    if a * h > 0.02:
        h = 1e-3
    x0 = float(np.round(rng.uniform(-1, 1), 2))
    while abs(a * np.exp(a * x0) - 1) < 0.1:  # f'(x0) far from 1, so that absolute and relative errors differ
        x0 = float(np.round(rng.uniform(-1, 1), 2))
    return DifferenceProblem(a, x0, h)


class CheckRuns(NamedTuple):
    """Five gradient checks of W1's gradient in the student's network (:func:`gradient_check_table`'s kind):
    ``runs``: letter -> (dtype of the numerical gradient, step h, relative error). One checks a wrong gradient."""

    N: int
    runs: dict


def _check_run(X, Y, params, dtype, h, skip_last=False):
    """The relative error of W1's analytic gradient (float64; ``skip_last``: the last example left out of its sum)
    against the centred difference computed in ``dtype`` with step ``h``."""
    n = len(X) - 1 if skip_last else len(X)
    dW1 = _backward("correct", X[:n], Y[:n], params)[0][0] * n / len(X)
    cast = [(W.astype(dtype), b.astype(dtype)) for W, b in params]
    Xc, Yc = X.astype(dtype), Y.astype(dtype)

    def loss():
        A = _forward(Xc, cast)[2]
        return np.mean((A - Yc) ** 2, dtype=dtype)
    W1 = cast[0][0]
    numeric = np.zeros(W1.shape)
    step = dtype(h)
    for index in np.ndindex(W1.shape):
        old = W1[index]
        W1[index] = old + step
        plus = loss()
        W1[index] = old - step
        minus = loss()
        W1[index] = old
        numeric[index] = float(plus - minus) / (2 * h)
    return _relative(dW1, numeric)


#: The five checks: a key, and (dtype, h, wrong gradient?).
CHECK_RUNS = {
    "float64_small_h": (np.float64, 1e-6, False),
    "float64_large_h": (np.float64, 1e-2, False),
    "float32_tiny_h": (np.float32, 1e-6, False),
    "float32_large_h": (np.float32, 1e-2, False),
    "bug": (np.float64, 1e-6, True),
}


def check_runs(student, question="03_backprop/which_check_is_wrong"):
    """The student's five checks, in the student's own order of letters (the network of
    :func:`gradient_check_table`'s kind, drawn for this question)."""
    rng = problem_rng(question, student)
    order = rng.permutation(len(CHECK_RUNS))
    X, Y, params = _network(rng)
    keys = list(CHECK_RUNS)
    runs = {}
    for letter, index in zip("ABCDE", order):
        dtype, h, bug = CHECK_RUNS[keys[index]]
        runs[letter] = (np.dtype(dtype).name, h, _check_run(X, Y, params, dtype, h, skip_last=bug))
    return CheckRuns(len(X), runs)


def check_run_keys(student, question="03_backprop/which_check_is_wrong"):
    """{letter: key of CHECK_RUNS} of the student's problem (what each lettered check is)."""
    rng = problem_rng(question, student)
    order = rng.permutation(len(CHECK_RUNS))
    keys = list(CHECK_RUNS)
    return {letter: keys[index] for letter, index in zip("ABCDE", order)}
