"""Tests for gdkit.losses: hand-computed values, gradients against finite differences, the 1/N averaging,
learner-facing errors, saturation, and hypothesis properties linking the probability and logit versions."""
import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from gdkit import losses
from gdkit.gradcheck import numerical_gradient, relative_error
from gdkit.losses import (binary_crossentropy, binary_crossentropy_from_logits, binary_crossentropy_from_logits_grad,
                          binary_crossentropy_grad, categorical_crossentropy, categorical_crossentropy_from_logits,
                          categorical_crossentropy_from_logits_grad, categorical_crossentropy_grad, l1_penalty,
                          l1_penalty_grad, l2_penalty, l2_penalty_grad, mean_squared_error, mean_squared_error_grad)


def own_softmax(z):
    """Softmax written out here, independently of gdkit (moderate logits only)."""
    e = np.exp(z - z.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def own_sigmoid(z):
    """The naive sigmoid 1 / (1 + e^-z), fine for |z| < 700."""
    return 1.0 / (1.0 + np.exp(-z))


# --- hand-computed values -----------------------------------------------------------------------------------

def test_mse_hand_computed():
    """MSE is the mean over all N*K entries of the squared differences."""
    # diffs 1, 2 -> (1 + 4) / 2 = 2.5
    assert mean_squared_error(np.array([[1.0], [2.0]]), np.array([[2.0], [4.0]])) == 2.5
    # diffs 1, 2, 0, 2 -> (1 + 4 + 0 + 4) / 4 = 2.25
    assert mean_squared_error(np.array([[0.0, 0.0], [1.0, 1.0]]), np.array([[1.0, 2.0], [1.0, 3.0]])) == 2.25
    # gradient 2 (y_pred - y_true) / (N K): 2 * [1, 2, 0, 2] / 4
    np.testing.assert_array_equal(
        mean_squared_error_grad(np.array([[0.0, 0.0], [1.0, 1.0]]), np.array([[1.0, 2.0], [1.0, 3.0]])),
        [[0.5, 1.0], [0.0, 1.0]])


def test_binary_crossentropy_hand_computed():
    """BCE with y = [1, 0], p = [0.8, 0.4]: -(log 0.8 + log 0.6) / 2."""
    expected = -(math.log(0.8) + math.log(1 - 0.4)) / 2  # (0.22314 + 0.51083) / 2 = 0.36698
    assert binary_crossentropy(np.array([[1.0], [0.0]]), np.array([[0.8], [0.4]])) == pytest.approx(expected, 1e-14)
    assert expected == pytest.approx(0.3669845875, 1e-9)
    # gradient (p - y) / (p (1 - p)) / N: (-0.2 / 0.16) / 2 = -0.625 and (0.4 / 0.24) / 2 = 0.8333...
    np.testing.assert_allclose(binary_crossentropy_grad(np.array([[1.0], [0.0]]), np.array([[0.8], [0.4]])),
                               [[-0.625], [0.4 / 0.24 / 2]], rtol=1e-13)


def test_binary_crossentropy_from_logits_hand_computed():
    """z = [0, log 3] gives p = [1/2, 3/4]; with y = [1, 0]: -(log 1/2 + log 1/4) / 2 = 1.5 log 2."""
    y, z = np.array([[1.0], [0.0]]), np.array([[0.0], [math.log(3.0)]])
    assert binary_crossentropy_from_logits(y, z) == pytest.approx(1.5 * math.log(2.0), rel=1e-14)
    # gradient (p - y) / N = [(0.5 - 1) / 2, (0.75 - 0) / 2]
    np.testing.assert_allclose(binary_crossentropy_from_logits_grad(y, z), [[-0.25], [0.375]], rtol=1e-14)


def test_categorical_crossentropy_hand_computed():
    """Labels [0, 2] with p rows [0.7, 0.2, 0.1], [0.1, 0.3, 0.6]: -(log 0.7 + log 0.6) / 2."""
    p = np.array([[0.7, 0.2, 0.1], [0.1, 0.3, 0.6]])
    expected = -(math.log(0.7) + math.log(0.6)) / 2  # (0.35667 + 0.51083) / 2 = 0.43375
    assert categorical_crossentropy(np.array([0, 2]), p) == pytest.approx(expected, rel=1e-14)
    assert categorical_crossentropy(np.array([[1.0, 0, 0], [0, 0, 1.0]]), p) == pytest.approx(expected, rel=1e-14)
    # gradient -y / (N p): only the true-class entries: -1 / (2 * 0.7), -1 / (2 * 0.6)
    np.testing.assert_allclose(categorical_crossentropy_grad(np.array([0, 2]), p),
                               [[-1 / 1.4, 0, 0], [0, 0, -1 / 1.2]], rtol=1e-14)


def test_categorical_crossentropy_from_logits_hand_computed():
    """Equal logits over 3 classes cost log 3; logits log[1, 2, 3] give p = [1/6, 1/3, 1/2], so label 2 costs log 2."""
    assert categorical_crossentropy_from_logits(np.array([1]), np.zeros((1, 3))) == pytest.approx(math.log(3), 1e-14)
    z = np.log(np.array([[1.0, 2.0, 3.0]]))
    assert categorical_crossentropy_from_logits(np.array([2]), z) == pytest.approx(math.log(2), rel=1e-14)
    # gradient softmax(z) - y = [1/6, 1/3, 1/2 - 1]
    np.testing.assert_allclose(categorical_crossentropy_from_logits_grad(np.array([2]), z),
                               [[1 / 6, 1 / 3, -1 / 2]], rtol=1e-14)


def test_penalties_hand_computed():
    """L1: lam * sum|W| = 0.1 * 3.5; L2 (Keras convention): lam * sum W^2 = 0.1 * 5.25; gradients lam sign W, 2 lam W."""
    W = np.array([[1.0, -2.0], [0.5, 0.0]])
    assert l1_penalty(W, 0.1) == pytest.approx(0.35, rel=1e-14)
    assert l2_penalty(W, 0.1) == pytest.approx(0.525, rel=1e-14)
    np.testing.assert_allclose(l1_penalty_grad(W, 0.1), [[0.1, -0.1], [0.1, 0.0]], rtol=1e-15)
    np.testing.assert_allclose(l2_penalty_grad(W, 0.1), [[0.2, -0.4], [0.1, 0.0]], rtol=1e-15)
    assert isinstance(l1_penalty(W, 0.1), float) and isinstance(l2_penalty(W, 0.1), float)


# --- gradients against finite differences -------------------------------------------------------------------

def _cases():
    rng = np.random.default_rng(0)
    N, K = 5, 4
    y_reg = rng.normal(size=(N, K))
    y_bin = rng.integers(0, 2, size=(N, 1)).astype(float)
    labels = rng.integers(0, K, size=N)
    one_hot = np.eye(K)[labels]
    soft = rng.dirichlet(np.ones(K), size=N)
    probs = rng.uniform(0.05, 0.95, size=(N, 1))
    class_probs = rng.uniform(0.05, 1.0, size=(N, K))  # free variables, need not sum to 1 for the gradient check
    return [
        ("mse", mean_squared_error, mean_squared_error_grad, y_reg, rng.normal(size=(N, K))),
        ("mse 1-D", mean_squared_error, mean_squared_error_grad, y_reg[:, 0], rng.normal(size=N)),
        ("bce", binary_crossentropy, binary_crossentropy_grad, y_bin, probs),
        ("bce soft labels", binary_crossentropy, binary_crossentropy_grad, rng.uniform(size=(N, 1)), probs),
        ("bce logits", binary_crossentropy_from_logits, binary_crossentropy_from_logits_grad, y_bin,
         rng.normal(scale=3, size=(N, 1))),
        ("cce one-hot", categorical_crossentropy, categorical_crossentropy_grad, one_hot, class_probs),
        ("cce labels", categorical_crossentropy, categorical_crossentropy_grad, labels, class_probs),
        ("cce logits one-hot", categorical_crossentropy_from_logits, categorical_crossentropy_from_logits_grad,
         one_hot, rng.normal(scale=3, size=(N, K))),
        ("cce logits labels", categorical_crossentropy_from_logits, categorical_crossentropy_from_logits_grad,
         labels, rng.normal(scale=3, size=(N, K))),
        ("cce logits soft", categorical_crossentropy_from_logits, categorical_crossentropy_from_logits_grad,
         soft, rng.normal(scale=3, size=(N, K))),
    ]


CASES = _cases()


@pytest.mark.parametrize("name, loss, grad, y_true, y_pred", CASES, ids=[c[0] for c in CASES])
def test_loss_gradient_matches_finite_differences(name, loss, grad, y_true, y_pred):
    """Each *_grad is the gradient of its loss with respect to y_pred (relative error < 1e-7)."""
    y_pred = y_pred.copy()
    analytic = grad(y_true, y_pred)
    assert analytic.shape == y_pred.shape
    numeric = numerical_gradient(lambda p: loss(y_true, p), y_pred)
    error = relative_error(analytic, numeric)
    assert error < 1e-7, f"{name}: relative error {error:.2e}"


@pytest.mark.parametrize("penalty, grad", [(l1_penalty, l1_penalty_grad), (l2_penalty, l2_penalty_grad)])
def test_penalty_gradient_matches_finite_differences(penalty, grad):
    """L1 (away from W = 0, where it has a kink) and L2 gradients against finite differences."""
    rng = np.random.default_rng(1)
    W = rng.uniform(0.01, 2.0, size=(4, 3)) * rng.choice([-1.0, 1.0], size=(4, 3))
    numeric = numerical_gradient(lambda w: penalty(w, 0.3), W)
    assert relative_error(grad(W, 0.3), numeric) < 1e-7


# --- the 1/N averaging --------------------------------------------------------------------------------------

@pytest.mark.parametrize("name, loss, grad, y_true, y_pred", CASES, ids=[c[0] for c in CASES])
def test_duplicated_batch_same_loss_half_gradient(name, loss, grad, y_true, y_pred):
    """The loss is a mean: repeating the batch twice leaves it unchanged and halves each example's gradient."""
    y2_true = np.concatenate([y_true, y_true])
    y2_pred = np.concatenate([y_pred, y_pred])
    assert loss(y2_true, y2_pred) == pytest.approx(loss(y_true, y_pred), rel=1e-13)
    g, g2 = grad(y_true, y_pred), grad(y2_true, y2_pred)
    n = len(y_pred)
    np.testing.assert_allclose(g2[:n], g / 2, rtol=1e-13)
    np.testing.assert_allclose(g2[n:], g / 2, rtol=1e-13)


def test_losses_return_python_floats():
    """Losses return plain floats (printable, comparable), not 0-d arrays."""
    for name, loss, _, y_true, y_pred in CASES:
        assert type(loss(y_true, y_pred)) is float, name


# --- learner-facing errors ----------------------------------------------------------------------------------

@pytest.mark.parametrize("loss", [mean_squared_error, mean_squared_error_grad, binary_crossentropy,
                                  binary_crossentropy_grad, binary_crossentropy_from_logits])
def test_column_vs_flat_targets_error_names_shapes_and_suggests_reshape(loss):
    """y_true of shape (4,) against y_pred of shape (4, 1) must not broadcast to (4, 4) silently: the error
    names both shapes and says how to reshape."""
    with pytest.raises(ValueError) as info:
        loss(np.zeros(4), np.full((4, 1), 0.5))
    message = str(info.value)
    assert "(4,)" in message and "(4, 1)" in message
    assert "reshape" in message


@pytest.mark.parametrize("loss", [mean_squared_error, binary_crossentropy, binary_crossentropy_from_logits])
def test_flat_predictions_vs_column_targets_error_suggests_reshape(loss):
    """The mirror case, y_true (4, 1) against a flattened y_pred (4,), also names both shapes and suggests a
    reshape (a model output squeezed by mistake is as common as flat targets)."""
    with pytest.raises(ValueError) as info:
        loss(np.zeros((4, 1)), np.full(4, 0.5))
    message = str(info.value)
    assert "(4, 1)" in message and "(4,)" in message
    assert "reshape" in message


def test_unrelated_shapes_error_names_both_shapes():
    """Any other mismatch names both shapes and the loss."""
    with pytest.raises(ValueError) as info:
        mean_squared_error(np.zeros((3, 2)), np.zeros((3, 4)))
    message = str(info.value)
    assert "(3, 2)" in message and "(3, 4)" in message and "mean_squared_error" in message


def test_empty_batch_is_rejected():
    """A batch of zero examples is an error (the mean would be nan)."""
    with pytest.raises(ValueError, match="at least one"):
        mean_squared_error(np.zeros((0, 1)), np.zeros((0, 1)))


@pytest.mark.parametrize("loss", [categorical_crossentropy, categorical_crossentropy_grad,
                                  categorical_crossentropy_from_logits, categorical_crossentropy_from_logits_grad])
@pytest.mark.parametrize("bad", [3, -1])
def test_integer_label_out_of_range_is_a_clear_error(loss, bad):
    """A label outside 0..K-1 raises ValueError stating the valid range and the bad value (no IndexError, no
    silent wrap-around for -1)."""
    labels = np.array([0, bad, 1])
    with pytest.raises(ValueError) as info:
        loss(labels, np.full((3, 3), 1 / 3))
    message = str(info.value)
    assert "0..2" in message and str(bad) in message


def test_wrong_number_of_labels_is_a_clear_error():
    """Integer labels must be one per prediction row; the error gives both shapes."""
    with pytest.raises(ValueError) as info:
        categorical_crossentropy(np.array([0, 1]), np.full((3, 3), 1 / 3))
    message = str(info.value)
    assert "(2,)" in message and "(3, 3)" in message


def test_non_integer_labels_are_rejected():
    """Fractional values in a 1-D y_true are not labels: the error says to pass one-hot targets."""
    with pytest.raises(ValueError, match="one-hot"):
        categorical_crossentropy(np.array([0.5, 1.0]), np.full((2, 2), 0.5))


def test_integer_valued_float_labels_are_accepted():
    """Labels stored as floats (e.g. loaded from CSV) are accepted when integer-valued."""
    p = np.array([[0.7, 0.3], [0.4, 0.6]])
    assert categorical_crossentropy(np.array([0.0, 1.0]), p) == categorical_crossentropy(np.array([0, 1]), p)


# --- saturation -----------------------------------------------------------------------------------------------

def test_confidently_wrong_prediction_gives_large_but_finite_loss():
    """p = 0 for the true class is a huge loss, not inf or nan; same for its gradient."""
    y, p = np.array([[1.0], [0.0]]), np.array([[0.0], [1.0]])
    value = binary_crossentropy(y, p)
    assert math.isfinite(value) and value > 30  # -log(eps) = 36.04
    assert np.all(np.isfinite(binary_crossentropy_grad(y, p)))
    value = categorical_crossentropy(np.array([0]), np.array([[0.0, 1.0]]))
    assert math.isfinite(value) and value > 30
    assert np.all(np.isfinite(categorical_crossentropy_grad(np.array([0]), np.array([[0.0, 1.0]]))))


def test_confidently_wrong_logits_give_exact_large_loss():
    """From logits there is no clipping: z = -1e4 for a positive example costs exactly 1e4 (log(1 + e^{1e4}))."""
    with np.errstate(under="ignore"):
        assert binary_crossentropy_from_logits(np.array([[1.0]]), np.array([[-1e4]])) == 1e4
        assert categorical_crossentropy_from_logits(np.array([0]), np.array([[-1e4, 0.0]])) == 1e4
        np.testing.assert_array_equal(binary_crossentropy_from_logits_grad(np.array([[1.0]]), np.array([[-1e4]])),
                                      [[-1.0]])


def test_confidently_right_prediction_costs_almost_nothing():
    """p = 1 on the true class gives a loss of essentially 0 (clipping costs at most about eps)."""
    assert 0 <= binary_crossentropy(np.array([[1.0]]), np.array([[1.0]])) < 1e-15
    assert 0 <= categorical_crossentropy(np.array([1]), np.array([[0.0, 1.0]])) < 1e-15


# --- registry -------------------------------------------------------------------------------------------------

def test_get_looks_up_names_and_aliases():
    """Names and Keras aliases resolve to the same losses; sigmoid/softmax losses name their logit partners."""
    assert losses.get("mse").forward is mean_squared_error
    assert losses.get("MSE") is losses.get("mean_squared_error")
    assert losses.get("sparse_categorical_crossentropy").forward is losses.get("categorical_crossentropy").forward
    bce = losses.get("binary_crossentropy")
    assert bce.output_activation == "sigmoid" and bce.from_logits.forward is binary_crossentropy_from_logits
    cce = losses.get("categorical_crossentropy")
    assert cce.output_activation == "softmax" and cce.from_logits.grad is categorical_crossentropy_from_logits_grad
    assert losses.get(bce) is bce


def test_get_unknown_name_lists_known_losses():
    """An unknown loss name raises ValueError listing the known ones."""
    with pytest.raises(ValueError) as info:
        losses.get("hinge")
    message = str(info.value)
    assert "hinge" in message
    for known in ["mean_squared_error", "mse", "binary_crossentropy", "categorical_crossentropy"]:
        assert known in message
    with pytest.raises(TypeError):
        losses.get(None)


# --- hypothesis property tests --------------------------------------------------------------------------------

shapes = st.tuples(st.integers(1, 6), st.integers(1, 5))


@st.composite
def regression_pairs(draw):
    shape = draw(shapes)
    elements = st.floats(-1e3, 1e3, allow_nan=False)
    return draw(arrays(np.float64, shape, elements=elements)), draw(arrays(np.float64, shape, elements=elements))


@st.composite
def binary_cases(draw, zmax=20.0):
    """(y in {0, 1}, logits z with |z| <= zmax), shape (N, 1)."""
    n = draw(st.integers(1, 8))
    y = draw(arrays(np.float64, (n, 1), elements=st.sampled_from([0.0, 1.0])))
    z = draw(arrays(np.float64, (n, 1), elements=st.floats(-zmax, zmax, allow_nan=False)))
    return y, z


@st.composite
def categorical_cases(draw, zmax=10.0):
    """(integer labels (N,), logits (N, K) with |z| <= zmax)."""
    n, k = draw(st.integers(1, 6)), draw(st.integers(1, 5))
    labels = draw(arrays(np.int64, (n,), elements=st.integers(0, k - 1)))
    z = draw(arrays(np.float64, (n, k), elements=st.floats(-zmax, zmax, allow_nan=False)))
    return labels, z


@given(regression_pairs())
def test_property_mse_non_negative_and_zero_iff_equal(pair):
    """MSE >= 0, and MSE(y, y) == 0."""
    y_true, y_pred = pair
    assert mean_squared_error(y_true, y_pred) >= 0
    assert mean_squared_error(y_true, y_true) == 0


@given(binary_cases(zmax=1e3))
def test_property_binary_crossentropies_non_negative(case):
    """BCE from probabilities and from logits is >= 0 for labels in {0, 1}."""
    y, z = case
    with np.errstate(under="ignore", over="ignore"):
        p = own_sigmoid(z)
        assert binary_crossentropy(y, p) >= 0
        assert binary_crossentropy_from_logits(y, z) >= 0


@given(categorical_cases(zmax=1e3))
def test_property_categorical_crossentropies_non_negative(case):
    """CCE from probabilities and from logits is >= 0."""
    labels, z = case
    with np.errstate(under="ignore"):
        assert categorical_crossentropy(labels, own_softmax(z)) >= 0
        assert categorical_crossentropy_from_logits(labels, z) >= 0


@given(binary_cases(zmax=20.0))
def test_property_bce_from_logits_equals_bce_of_sigmoid(case):
    """Where p = sigmoid(z) is not saturated (|z| <= 20), both BCE versions agree."""
    y, z = case
    np.testing.assert_allclose(binary_crossentropy_from_logits(y, z), binary_crossentropy(y, own_sigmoid(z)),
                               rtol=1e-6, atol=1e-12)


@given(categorical_cases(zmax=10.0))
def test_property_cce_from_logits_equals_cce_of_softmax(case):
    """Where no probability is clipped (|z| <= 10), CCE from logits equals CCE of softmax(z)."""
    labels, z = case
    np.testing.assert_allclose(categorical_crossentropy_from_logits(labels, z),
                               categorical_crossentropy(labels, own_softmax(z)), rtol=1e-9, atol=1e-12)


@given(categorical_cases(zmax=10.0))
def test_property_integer_labels_equal_one_hot(case):
    """Integer labels and their one-hot encoding give the same losses and gradients, both versions."""
    labels, z = case
    one_hot = np.eye(z.shape[1])[labels]
    p = own_softmax(z)
    assert categorical_crossentropy(labels, p) == pytest.approx(categorical_crossentropy(one_hot, p), rel=1e-14)
    assert categorical_crossentropy_from_logits(labels, z) == pytest.approx(
        categorical_crossentropy_from_logits(one_hot, z), rel=1e-14, abs=1e-300)
    np.testing.assert_allclose(categorical_crossentropy_grad(labels, p), categorical_crossentropy_grad(one_hot, p),
                               rtol=1e-14)
    np.testing.assert_allclose(categorical_crossentropy_from_logits_grad(labels, z),
                               categorical_crossentropy_from_logits_grad(one_hot, z), rtol=1e-14)


@given(categorical_cases(zmax=50.0))
def test_property_cce_from_logits_gradient_is_softmax_minus_y_over_n(case):
    """d CCE / dz = (softmax(z) - y) / N for one-hot y."""
    labels, z = case
    one_hot = np.eye(z.shape[1])[labels]
    with np.errstate(under="ignore"):
        expected = (own_softmax(z) - one_hot) / z.shape[0]
    np.testing.assert_allclose(categorical_crossentropy_from_logits_grad(one_hot, z), expected,
                               rtol=1e-12, atol=1e-15)


@given(binary_cases(zmax=30.0))
def test_property_bce_from_logits_gradient_is_sigmoid_minus_y_over_n(case):
    """d BCE / dz = (sigmoid(z) - y) / N."""
    y, z = case
    np.testing.assert_allclose(binary_crossentropy_from_logits_grad(y, z), (own_sigmoid(z) - y) / len(z),
                               rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize("loss", [binary_crossentropy_from_logits, binary_crossentropy_from_logits_grad,
                                  categorical_crossentropy_from_logits, categorical_crossentropy_from_logits_grad],
                         ids=lambda f: f.__name__)
def test_from_logits_huge_logits_raise_no_floating_point_exception(loss):
    """Logits of +-1e4 give finite results with no warning of any kind, underflow included
    (np.errstate(all="raise")): exp(-1e4) underflowing to 0 is expected and must be silenced inside gdkit."""
    import warnings
    if "categorical" in loss.__name__:
        y, z = np.array([0, 1]), np.array([[1e4, -1e4, 0.0], [-1e4, 1e4, 1e4]])
    else:
        y, z = np.array([[1.0], [0.0]]), np.array([[-1e4], [1e4]])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with np.errstate(all="raise"):
            out = loss(y, z)
    assert np.all(np.isfinite(out))
