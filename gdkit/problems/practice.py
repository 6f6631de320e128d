"""Concept-question data of assignment 07_practice (chapter: training in practice): a table of runs at several
weight decays to choose from, and procedures to judge for leakage. Data only: the answers are computed by the
grader."""
from typing import NamedTuple

import numpy as np

from . import problem_rng

__all__ = ["WeightDecayTable", "weight_decay_table", "LEAKAGE_PROCEDURES", "LeakageQuestion", "leakage_question"]


class WeightDecayTable(NamedTuple):
    """Final losses of one network trained with each L2 strength ``lambdas`` (same seed and epochs): on the
    training data it was trained on, on the validation data, and on the test data."""

    lambdas: np.ndarray
    train_loss: np.ndarray
    validation_loss: np.ndarray
    test_loss: np.ndarray


def weight_decay_table(student, question="07_practice/chosen_lambda"):
    """Seven strengths on a log grid (a factor 10 apart, from 1e-6 .. 5e-4); the training loss grows with lambda, the validation and the test loss are
    U-shaped with their minima at different lambdas (as measured losses are: the test set is another sample)."""
    rng = problem_rng(question, student)
    first = float(rng.choice([1.0, 2.0, 3.0, 5.0])) * 10.0 ** int(rng.integers(-6, -3))
    lambdas = np.array([float(f"{first * 10.0 ** k:.0e}") for k in range(7)])
    x = np.arange(7, dtype=float)
    base = rng.uniform(0.05, 0.15)
    train = base * (1 + 0.6 * np.exp(0.9 * (x - 6))) + 0.02 * x * base
    best_val = int(rng.integers(2, 5))
    best_test = best_val + int(rng.choice([-1, 1]))
    level = base + rng.uniform(0.15, 0.3)

    def u_shape(best):
        return level + 0.015 * (x - best) ** 2 + 0.01 * rng.random(7)
    validation, test = u_shape(best_val), u_shape(best_test)
    return WeightDecayTable(lambdas, np.round(train, 4), np.round(validation, 4), np.round(test, 4))


LEAKAGE_PROCEDURES = {
    "fit_all": "Standardise the inputs with the mean and standard deviation of the whole data set, then split it "
               "into training, validation and test sets.",
    "epochs_on_test": "Train on the training set and stop at the epoch with the best accuracy on the test set; report "
                      "that accuracy.",
    "honest": "Split first; standardise with the training set's statistics; choose the epochs and the weight decay on "
              "the validation set; evaluate once on the test set and report that.",
    "augment_first": "Add five noisy copies of every example to the data set, then split it at random into training "
                     "and test sets.",
    "select_on_all": "Keep the 10 features most correlated with the label over the whole data set, then split it, "
                     "train on the training set and report the accuracy on the test set.",
    "tune_on_test": "Split into training and test sets; train one network per weight decay and report the best of "
                    "their test accuracies.",
}


class LeakageQuestion(NamedTuple):
    """Six procedures, labelled A to F: letter -> description (one of :data:`LEAKAGE_PROCEDURES`)."""

    options: dict


def leakage_question(student, question="07_practice/honest_procedure"):
    """The six procedures in an order drawn from the student id."""
    rng = problem_rng(question, student)
    keys = list(LEAKAGE_PROCEDURES)
    order = rng.permutation(len(keys))
    return LeakageQuestion({letter: LEAKAGE_PROCEDURES[keys[i]] for letter, i in zip("ABCDEF", order)})
