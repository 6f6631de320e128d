"""Concept-question data of assignment 08_normalization (chapters: normalisation, regularisation and weight decay,
tuning and debugging): a learning-rate range test to read, a broken training run to diagnose from its statistics,
and a running average to predict. Data only: the answers are computed by the grader."""
from typing import NamedTuple

import numpy as np

from . import problem_rng

__all__ = ["RangeTestProblem", "range_test_problem", "DIAGNOSES", "DebuggingProblem", "debugging_problem",
           "RunningAverageProblem", "running_average_problem"]


class RangeTestProblem(NamedTuple):
    """A learning-rate range test, as :func:`gdkit.tuning.lr_range_test` returns it: the rate of every step (growing
    geometrically) and the training loss of that step's batch."""

    learning_rates: np.ndarray
    losses: np.ndarray


def _range_curve(rng, rates, low, best):
    """A smooth range-test loss: flat at small rates, falling from about ``low`` to a minimum near ``best``,
    then blowing up, with batch noise."""
    x = np.log10(rates)
    start = float(rng.uniform(1.8, 2.5))
    fall = 1.0 / (1.0 + np.exp(-(x - np.log10(low)) * 4.0))
    blow = np.exp(np.clip((x - np.log10(best) - 0.15) * 6.0, -30, 30))
    loss = start - (start - 0.25) * fall + 0.05 * blow * start
    loss *= 1.0 + 0.03 * rng.standard_normal(len(rates))
    return np.round(loss, 4)


def range_test_problem(student, question="08_normalization/range_test"):
    """A range test from 1e-5 to 10 over 61 steps; the loss falls from about one rate and blows up a little above
    another, both different per student."""
    rng = problem_rng(question, student)
    rates = np.round(10.0 ** np.linspace(-5, 1, 61), 10)
    best_exponent = float(rng.uniform(-3.0, 0.0))
    low = 10 ** (best_exponent - float(rng.uniform(1.4, 1.8)))
    losses = _range_curve(rng, rates, low, 10 ** best_exponent)
    return RangeTestProblem(rates, losses)


DIAGNOSES = {
    "large_rate": "the learning rate is far too large",
    "small_rate": "the learning rate is far too small",
    "unscaled": "the inputs are not standardised (features on very different scales)",
    "labels": "the labels do not match the inputs (the inputs were shuffled without their labels)",
    "dropout": "dropout is still active when the model is evaluated",
    "init": "the output layer's initial weights are far too large",
}


class DebuggingProblem(NamedTuple):
    """The statistics of a training run with one bug (one of :data:`DIAGNOSES`).

    ``statistics`` maps a description to a value; ``n_classes`` is K; ``options`` maps the letters A to F to the
    diagnoses, in an order of this student's own."""

    n_classes: int
    statistics: dict
    options: dict


def debugging_problem(student, question="08_normalization/diagnosis"):
    """The statistics of a softmax classifier's training run on standardised-or-not data, with one bug chosen from
    the student id (the grader rebuilds the same problem and knows which)."""
    rng = problem_rng(question, student)
    bug = str(rng.choice(list(DIAGNOSES)))
    order = rng.permutation(len(DIAGNOSES))
    options = {letter: DIAGNOSES[list(DIAGNOSES)[i]] for letter, i in zip("ABCDEF", order)}
    K = int(rng.choice([3, 4, 5, 10]))
    ln_k = np.log(K)
    noise = lambda scale: float(rng.normal(scale=scale))  # noqa: E731
    initial = ln_k + noise(0.03)
    after = ln_k * rng.uniform(0.25, 0.4)
    tiny = rng.uniform(0.002, 0.02)
    ratio = 10 ** rng.uniform(-3.3, -2.7)
    std_min, std_max = rng.uniform(0.9, 0.99), rng.uniform(1.01, 1.1)
    train_acc = rng.uniform(0.85, 0.95)
    val = rng.uniform(0.8, 0.9)
    val_again = val
    if bug == "large_rate":
        ratio = 10 ** rng.uniform(-0.7, 0.0)
        after, tiny = float("nan"), float("nan")
        train_acc, val, val_again = 1.0 / K, 1.0 / K, 1.0 / K
    elif bug == "small_rate":
        ratio = 10 ** rng.uniform(-7.5, -6.5)
        after = initial - rng.uniform(0.0005, 0.003)
        tiny = initial - rng.uniform(0.01, 0.03)
        train_acc, val = rng.uniform(1.0 / K, 1.5 / K), rng.uniform(1.0 / K, 1.5 / K)
        val_again = val
    elif bug == "unscaled":
        std_min, std_max = 10 ** rng.uniform(-2.5, -1.5), 10 ** rng.uniform(2.5, 3.5)
        initial = ln_k * rng.uniform(3, 8)
        after = ln_k * rng.uniform(0.8, 1.5)
        tiny = rng.uniform(0.3, 0.9)
        train_acc, val = rng.uniform(0.45, 0.6), rng.uniform(0.4, 0.55)
        val_again = val
    elif bug == "labels":
        after = ln_k - rng.uniform(0.005, 0.03)
        train_acc, val = rng.uniform(1.0 / K, 1.2 / K), rng.uniform(0.9 / K, 1.1 / K)
        val_again = val
    elif bug == "dropout":
        val_again = val + rng.choice([-1, 1]) * rng.uniform(0.015, 0.04)
    elif bug == "init":
        initial = ln_k * rng.uniform(8, 20)
        after = ln_k * rng.uniform(0.5, 0.8)
    statistics = {
        "number of classes K": K,
        "training loss at step 0 (before any update)": round(float(initial), 3),
        "training loss after 100 steps": round(float(after), 3),
        "loss on a fixed batch of 8 examples after 200 steps on that batch alone": round(float(tiny), 3),
        "largest ratio ||update|| / ||weights|| of the first layer, over the first 100 steps": float(
            np.format_float_scientific(ratio, precision=1)),
        "smallest and largest standard deviation of an input feature (training set)": (
            float(np.format_float_positional(std_min, precision=2, fractional=False)),
            float(np.format_float_positional(std_max, precision=2, fractional=False))),
        "training accuracy after 100 steps": round(float(train_acc), 3),
        "validation accuracy, evaluated twice on the same data with the same weights": (
            round(float(val), 3), round(float(val_again), 3)),
    }
    return DebuggingProblem(K, statistics, options)


class RunningAverageProblem(NamedTuple):
    """A running mean starting at ``start`` that folds in the same batch mean ``value`` ``steps`` times with
    Keras's ``momentum`` (the weight of the old average)."""

    start: float
    value: float
    momentum: float
    steps: int


def running_average_problem(student, question="08_normalization/running_mean"):
    """Momentum 0.9 .. 0.999 and a number of steps after which the old average still weighs 10 % to 40 % or 60 % to 80 %; a batch
    mean between 1 and 10; the average starts at 0 (Keras's and gdkit's initial running mean)."""
    rng = problem_rng(question, student)
    momentum = float(rng.choice([0.9, 0.95, 0.98, 0.99, 0.995, 0.999]))
    remaining = float(rng.choice([rng.uniform(0.1, 0.4), rng.uniform(0.6, 0.8)]))  # not near 1/2
    steps = max(2, int(round(np.log(remaining) / np.log(momentum))))
    return RunningAverageProblem(0.0, float(np.round(rng.uniform(1, 10), 2)), momentum, steps)
