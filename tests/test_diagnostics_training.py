"""gdkit.diagnostics and gdkit.training against hand-computed values."""
import numpy as np
import pytest

from gdkit import diagnostics, training


def test_dead_fraction_counts_units_never_positive():
    Z = np.array([[-1.0, 2.0, 0.0], [-3.0, -1.0, 0.0]])
    assert diagnostics.dead_fraction(Z) == pytest.approx(2 / 3)  # columns 0 and 2 never > 0


@pytest.mark.parametrize("activation, A, expected", [
    ("sigmoid", [[0.005, 0.5], [0.995, 0.2]], 0.5),
    ("tanh", [[-0.995, 0.0], [0.5, 0.999]], 0.5),
])
def test_saturated_fraction(activation, A, expected):
    assert diagnostics.saturated_fraction(np.array(A), activation) == expected


def test_saturated_fraction_is_nan_for_relu():
    assert np.isnan(diagnostics.saturated_fraction(np.ones((2, 2)), "relu"))


@pytest.mark.parametrize("grad_norms, dead, label", [
    ([1.0, 1.0, 1.0], [0.0, 0.6, np.nan], "dead_relu"),
    ([1e-5, 1e-2, 1.0], [0.0, 0.0, 0.0], "vanishing"),
    ([1e4, 10.0, 1.0], [np.nan] * 3, "exploding"),
    ([np.inf, 1.0], [0.0, 0.0], "exploding"),
    ([0.5, 1.0, 2.0], [0.1, 0.0, np.nan], "healthy"),
])
def test_diagnose_labels(grad_norms, dead, label):
    assert diagnostics.diagnose(np.array(grad_norms), np.array(dead)) == label


def test_minibatch_epoch_matches_two_hand_computed_steps():
    """Batches [x=1, x=2] then [x=3]; y = 2x; W, b start at 0; learning rate 0.1."""
    X = np.array([[1.0], [2.0], [3.0]])
    y = 2 * X
    W, b = np.zeros((1, 1)), np.zeros(1)
    losses = training.minibatch_epoch(X, y, W, b, 0.1, 2)
    # batch 1: Z = 0, loss = (4 + 16) / 2 = 10; dZ = 2 (Z - y) / 2 = [-2, -4]; dW = 1*-2 + 2*-4 = -10; db = -6
    # after: W = 1.0, b = 0.6. batch 2: Z = 3.6, loss = (3.6 - 6)^2 = 5.76; dZ = 2 * -2.4 = -4.8
    # dW = 3 * -4.8 = -14.4 -> W = 2.44; db = -4.8 -> b = 1.08
    np.testing.assert_allclose(losses, [10.0, 5.76])
    np.testing.assert_allclose(W, [[2.44]])
    np.testing.assert_allclose(b, [1.08])
