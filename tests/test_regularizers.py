"""gdkit.regularizers: the penalties' values and gradients, and proximal L1 (soft-thresholding after an SGD step)
against hand-computed values and against the lasso's optimality conditions."""
import numpy as np
import pytest

from gdkit import Sequential, gradcheck, optimizers, regularizers, schedules
from gdkit.layers import Dense


def test_soft_threshold_hand_values():
    W = np.array([[0.5, -0.03], [-2.0, 0.05]])
    np.testing.assert_array_equal(regularizers.soft_threshold(W, 0.05), [[0.45, 0.0], [-1.95, 0.0]])
    np.testing.assert_array_equal(regularizers.soft_threshold(W, 0.0), W)
    out = W.copy()
    assert regularizers.soft_threshold(out, 1.0, out=out) is out
    assert np.count_nonzero(out) == 1 and out[1, 0] == -1.0
    with pytest.raises(ValueError, match="threshold must be >= 0"):
        regularizers.soft_threshold(W, -0.1)


@pytest.mark.parametrize("penalty", [regularizers.l1(0.03), regularizers.l2(0.07), regularizers.l1_l2(0.02, 0.05)])
def test_penalty_gradient_matches_finite_differences(penalty):
    W = np.random.default_rng(0).normal(size=(3, 4))  # no entry near 0, where |W| has a kink
    numeric = gradcheck.numerical_gradient(lambda V: penalty(V), W.copy())
    np.testing.assert_allclose(penalty.grad(W), numeric, rtol=1e-6, atol=1e-9)


def test_proximal_l1_leaves_the_gradient_and_keeps_the_penalty():
    W = np.array([[0.5, -0.2]])
    prox, sub = regularizers.l1(0.1, proximal=True), regularizers.l1(0.1)
    assert prox(W) == sub(W) == pytest.approx(0.07)
    np.testing.assert_array_equal(sub.grad(W), [[0.1, -0.1]])
    assert np.all(prox.grad(W) == 0)
    assert repr(prox) == "L1L2(l1=0.1, l2=0, proximal=True)"
    assert regularizers.l1(0.1).prox(W.copy(), 1.0).tolist() == W.tolist()  # not proximal: unchanged


def _one_step(regularizer, learning_rate=0.5):
    """One SGD step on Z = x W, x = (1, 0, 0), y = 0.2, W = (0.5, -0.03, -2.0), MSE. By hand: Z = 0.5,
    dL/dW = 2 (Z - y) x = (0.6, 0, 0)."""
    model = Sequential([Dense(1, use_bias=False, input_dim=3, kernel_regularizer=regularizer)], rng=0)
    model.compile(optimizer=optimizers.SGD(learning_rate), loss="mse")
    model.set_weights([np.array([[0.5], [-0.03], [-2.0]])])
    loss = model.train_on_batch(np.array([[1.0, 0.0, 0.0]]), np.array([[0.2]]))
    return loss, model.get_weights()[0].ravel()


def test_subgradient_l1_step_by_hand():
    # W - 0.5 * (g + 0.1 sign(W)) = (0.5 - 0.35, -0.03 + 0.05, -2.0 + 0.05): the small weight jumps across 0
    loss, W = _one_step(regularizers.l1(0.1))
    assert loss == pytest.approx(0.3 ** 2 + 0.1 * 2.53)
    np.testing.assert_allclose(W, [0.15, 0.02, -1.95], rtol=1e-12)


def test_proximal_l1_step_by_hand():
    # gradient step W - 0.5 g = (0.2, -0.03, -2.0), then soft-threshold by 0.5 * 0.1 = 0.05
    loss, W = _one_step(regularizers.l1(0.1, proximal=True))
    assert loss == pytest.approx(0.3 ** 2 + 0.1 * 2.53)
    np.testing.assert_allclose(W, [0.15, 0.0, -1.95], rtol=1e-12)
    assert W[1] == 0.0


def test_proximal_l1_with_l2_and_a_schedule_uses_the_steps_learning_rate():
    # l1_l2(0.1, 0.2, proximal): the gradient gains 2 * 0.2 * W = 0.4 W, rate 0.5 at step 0, threshold 0.05
    schedule = schedules.StepDecay(0.5, step_size=1, gamma=0.1)  # 0.5 for the first step, 0.05 afterwards
    model = Sequential([Dense(1, use_bias=False, input_dim=3,
                              kernel_regularizer=regularizers.l1_l2(0.1, 0.2, proximal=True))], rng=0)
    model.compile(optimizer=optimizers.SGD(schedule), loss="mse")
    model.set_weights([np.array([[0.5], [-0.03], [-2.0]])])
    model.train_on_batch(np.array([[1.0, 0.0, 0.0]]), np.array([[0.2]]))
    step = np.array([0.5 - 0.5 * (0.6 + 0.2), -0.03 - 0.5 * (-0.012), -2.0 - 0.5 * (-0.8)])   # (0.1, -0.024, -1.6)
    expected = np.sign(step) * np.maximum(np.abs(step) - 0.05, 0.0)
    np.testing.assert_allclose(model.get_weights()[0].ravel(), expected, rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(expected, [0.05, 0.0, -1.55])
    model.train_on_batch(np.array([[1.0, 0.0, 0.0]]), np.array([[0.2]]))  # second step: rate 0.05, threshold 0.005
    assert model.optimizer.iterations == 2


@pytest.mark.parametrize("optimizer", [optimizers.Adam(0.01), optimizers.Momentum(0.1), optimizers.RMSprop(0.01)])
def test_proximal_l1_refuses_optimizers_it_is_not_defined_for(optimizer):
    model = Sequential([Dense(2, input_dim=3, kernel_regularizer=regularizers.l1(0.1, proximal=True))], rng=0)
    model.compile(optimizer=optimizer, loss="mse")
    with pytest.raises(ValueError, match="plain SGD step"):
        model.train_on_batch(np.ones((4, 3)), np.ones((4, 2)))


def test_proximal_sgd_reaches_the_lasso_solution_with_exact_zeros():
    """Full-batch proximal SGD on a linear model is ISTA; at its fixed point the lasso's optimality conditions hold:
    dMSE/dw_j = -l1 sign(w_j) where w_j != 0 and |dMSE/dw_j| <= l1 where w_j = 0. Subgradient L1 gets no zero."""
    rng = np.random.default_rng(3)
    X = rng.normal(size=(200, 6))
    y = X @ np.array([1.5, -1.0, 0.0, 0.0, 0.02, 0.0]) + 0.1 * rng.normal(size=200)
    lam = 0.1
    weights = {}
    for proximal in (True, False):
        model = Sequential([Dense(1, use_bias=False, input_dim=6,
                                  kernel_regularizer=regularizers.l1(lam, proximal=proximal))], rng=0)
        model.compile(optimizer=optimizers.SGD(0.2), loss="mse")
        model.fit(X, y, batch_size=len(X), epochs=400, verbose=0)
        weights[proximal] = model.get_weights()[0].ravel()
    w = weights[True]
    smooth_grad = 2 * X.T @ (X @ w - y) / len(X)
    zero = w == 0
    assert zero.sum() == 4 and not zero[0] and not zero[1]
    np.testing.assert_allclose(smooth_grad[~zero], -lam * np.sign(w[~zero]), atol=1e-9)
    assert np.all(np.abs(smooth_grad[zero]) <= lam)
    assert np.count_nonzero(weights[False] == 0) == 0
    # the subgradient iterate jumps across 0 by eta (l1 +- dMSE/dw) < 2 eta l1 each step, so stays within that
    assert 0 < np.max(np.abs(weights[False][zero])) <= 2 * 0.2 * lam
