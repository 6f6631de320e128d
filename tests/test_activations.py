"""Tests for gdkit.activations: values against the textbook formulas, derivatives against finite differences,
numerical stability for huge inputs, the book's claims (max sigmoid' = 1/4, ...) and softmax invariants."""
import warnings

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from gdkit import activations
from gdkit.activations import (elu, elu_grad, leaky_relu, leaky_relu_grad, linear, linear_grad, relu, relu_grad,
                               sigmoid, sigmoid_grad, softmax, softmax_backward, tanh, tanh_grad)
from gdkit.gradcheck import numerical_gradient

H = 1e-6


def centred_difference(f, z, h=H):
    """Independent element-wise derivative: (f(z + h) - f(z - h)) / 2h, valid for element-wise f."""
    return (f(z + h) - f(z - h)) / (2.0 * h)


def rel_error(a, b):
    """Whole-array relative error ||a - b|| / (||a|| + ||b||), written out here independently of gdkit."""
    return np.linalg.norm(a - b) / (np.linalg.norm(a) + np.linalg.norm(b))


def away_from_zero(rng, size, low=1e-3, high=5.0):
    """Random values with low <= |z| <= high, both signs: avoids the kinks of relu/leaky relu/elu at 0."""
    return rng.uniform(low, high, size=size) * rng.choice([-1.0, 1.0], size=size)


# --- values against the direct formulas -------------------------------------------------------------------

def test_sigmoid_matches_direct_formula():
    """sigmoid(z) equals 1 / (1 + exp(-z)) for moderate z (where the naive formula is safe)."""
    z = np.linspace(-30, 30, 601)
    np.testing.assert_allclose(sigmoid(z), 1.0 / (1.0 + np.exp(-z)), rtol=1e-14, atol=0)
    assert sigmoid(0.0) == 0.5


def test_tanh_matches_direct_formula():
    """tanh(z) equals (e^z - e^-z) / (e^z + e^-z)."""
    z = np.linspace(-20, 20, 401)
    expected = (np.exp(z) - np.exp(-z)) / (np.exp(z) + np.exp(-z))
    np.testing.assert_allclose(tanh(z), expected, rtol=1e-13, atol=1e-15)


def test_relu_family_match_direct_formulas():
    """relu, leaky_relu and elu match their piecewise definitions, with default and custom alpha."""
    z = np.array([-3.0, -0.5, -1e-3, 0.0, 1e-3, 0.5, 3.0])
    assert np.array_equal(relu(z), [0, 0, 0, 0, 1e-3, 0.5, 3.0])
    np.testing.assert_array_equal(leaky_relu(z), [-0.03, -0.005, -1e-5, 0, 1e-3, 0.5, 3.0])
    np.testing.assert_allclose(leaky_relu(z, alpha=0.2), [-0.6, -0.1, -2e-4, 0, 1e-3, 0.5, 3.0], rtol=1e-15)
    neg = z <= 0
    expected_elu = np.where(neg, np.exp(z) - 1.0, z)
    np.testing.assert_allclose(elu(z), expected_elu, rtol=1e-12, atol=1e-300)
    np.testing.assert_allclose(elu(z, alpha=0.5), np.where(neg, 0.5 * (np.exp(z) - 1.0), z), rtol=1e-12)
    assert elu(-3.0) == pytest.approx(np.exp(-3.0) - 1.0)


def test_linear_is_identity():
    """linear returns its input and linear_grad returns ones of the same shape."""
    z = np.arange(6.0).reshape(2, 3) - 2.5
    assert np.array_equal(linear(z), z)
    assert np.array_equal(linear_grad(z), np.ones((2, 3)))


def test_softmax_matches_direct_formula():
    """softmax(z) equals exp(z) / sum(exp(z)) per row for moderate logits, and works on rows of any length."""
    z = np.array([[1.0, 2.0, 3.0], [0.0, 0.0, 0.0], [-1.0, 5.0, 0.5]])
    e = np.exp(z)
    np.testing.assert_allclose(softmax(z), e / e.sum(axis=1, keepdims=True), rtol=1e-14)
    np.testing.assert_allclose(softmax(np.array([[0.0, 0.0, 0.0]])), [[1 / 3, 1 / 3, 1 / 3]], rtol=1e-15)
    # [log 1, log 2, log 3] -> [1/6, 2/6, 3/6]
    np.testing.assert_allclose(softmax(np.log([[1.0, 2.0, 3.0]])), [[1 / 6, 2 / 6, 3 / 6]], rtol=1e-14)


# --- derivatives against centred finite differences -------------------------------------------------------

ELEMENTWISE = [
    ("sigmoid", sigmoid, sigmoid_grad),
    ("tanh", tanh, tanh_grad),
    ("relu", relu, relu_grad),
    ("leaky_relu", leaky_relu, leaky_relu_grad),
    ("leaky_relu(alpha=0.2)", lambda z: leaky_relu(z, alpha=0.2), lambda z: leaky_relu_grad(z, alpha=0.2)),
    ("elu", elu, elu_grad),
    ("elu(alpha=0.5)", lambda z: elu(z, alpha=0.5), lambda z: elu_grad(z, alpha=0.5)),
    ("linear", linear, linear_grad),
]


@pytest.mark.parametrize("name, f, f_grad", ELEMENTWISE, ids=[e[0] for e in ELEMENTWISE])
def test_elementwise_derivative_matches_finite_differences(name, f, f_grad):
    """f_grad(z) agrees with a centred difference of f to relative error < 1e-7, away from kinks (|z| >= 1e-3)."""
    rng = np.random.default_rng(0)
    z = away_from_zero(rng, (20, 7))
    analytic = f_grad(z)
    assert analytic.shape == z.shape
    error = rel_error(analytic, centred_difference(f, z))
    assert error < 1e-7, f"{name}: relative error {error:.2e}"


@pytest.mark.parametrize("name, f, f_grad", ELEMENTWISE[:2], ids=["sigmoid", "tanh"])
def test_smooth_derivatives_match_finite_differences_entrywise(name, f, f_grad):
    """For the smooth activations, each entry of the derivative matches (also near 0 and in the tails)."""
    z = np.linspace(-8, 8, 161)
    np.testing.assert_allclose(f_grad(z), centred_difference(f, z), rtol=1e-6, atol=1e-10)


def test_derivative_is_taken_at_z_not_at_the_activation():
    """sigmoid_grad(z) is sigma(z)(1 - sigma(z)), not a(1 - a) evaluated at a = sigma(z) (a classic bug)."""
    z = np.array([2.0])
    s = 1.0 / (1.0 + np.exp(-2.0))
    assert sigmoid_grad(z)[0] == pytest.approx(s * (1 - s), rel=1e-14)
    assert tanh_grad(z)[0] == pytest.approx(1 - np.tanh(2.0) ** 2, rel=1e-14)


# --- numerical stability ----------------------------------------------------------------------------------

STABILITY_FUNCTIONS = [
    ("sigmoid", sigmoid), ("sigmoid_grad", sigmoid_grad), ("tanh", tanh), ("tanh_grad", tanh_grad),
    ("relu", relu), ("relu_grad", relu_grad), ("leaky_relu", leaky_relu), ("leaky_relu_grad", leaky_relu_grad),
    ("elu", elu), ("elu_grad", elu_grad), ("linear", linear), ("linear_grad", linear_grad), ("softmax", softmax),
]


@pytest.mark.parametrize("big", [1e4, 1e300])
@pytest.mark.parametrize("name, f", STABILITY_FUNCTIONS, ids=[s[0] for s in STABILITY_FUNCTIONS])
def test_huge_inputs_no_overflow_no_invalid_finite_output(name, f, big):
    """For |z| up to 1e4 and 1e300: no overflow/invalid/divide-by-zero and finite outputs (numpy's default
    treatment of underflow, which is silently 0, is kept)."""
    z = np.array([[-big, -1.0, 0.0, 1.0, big]])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with np.errstate(over="raise", invalid="raise", divide="raise"):
            out = f(z)
    assert np.all(np.isfinite(out)), f"{name}({z.tolist()}) = {out}"


@pytest.mark.parametrize("big", [1e4, 1e300])
@pytest.mark.parametrize("name, f", STABILITY_FUNCTIONS, ids=[s[0] for s in STABILITY_FUNCTIONS])
def test_huge_inputs_no_floating_point_exception_at_all(name, f, big):
    """Strict version required by the brief: no warning of any kind, underflow included
    (warnings as errors and np.errstate(all="raise")). exp(-1e4) underflowing to 0 must be silenced inside gdkit."""
    z = np.array([[-big, -1.0, 0.0, 1.0, big]])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with np.errstate(all="raise"):
            out = f(z)
    assert np.all(np.isfinite(out))


def test_saturation_limits_are_exact():
    """The limits the book quotes hold exactly in float64: sigmoid(-1e4) == 0, sigmoid(1e4) == 1, ..."""
    with np.errstate(under="ignore"):
        assert sigmoid(np.array(-1e4)) == 0.0
        assert sigmoid(np.array(1e4)) == 1.0
        assert sigmoid(np.array(-1e300)) == 0.0
        assert sigmoid(np.array(1e300)) == 1.0
        assert sigmoid_grad(np.array([-1e4, 1e4])).tolist() == [0.0, 0.0]
        assert tanh(np.array([-1e4, 1e4])).tolist() == [-1.0, 1.0]
        assert tanh_grad(np.array([-1e4, 1e4])).tolist() == [0.0, 0.0]
        assert elu(np.array(-1e4)) == -1.0
        assert elu_grad(np.array(-1e4)) == 0.0
        assert elu(np.array(1e300)) == 1e300
        assert softmax(np.array([[1e4, 0.0, -1e4]])).tolist() == [[1.0, 0.0, 0.0]]


@pytest.mark.parametrize("big", [1e4, 1e300])
def test_softmax_of_huge_logits_is_finite_and_normalised(big):
    """Softmax of huge logits (where naive exp overflows) is finite, in [0, 1], rows summing to 1."""
    z = np.array([[big, big, 0.0], [-big, -big, -big], [big, -big, big / 2]])
    with np.errstate(under="ignore"):
        p = softmax(z)
    assert np.all(np.isfinite(p))
    assert np.all((p >= 0) & (p <= 1))
    np.testing.assert_allclose(p.sum(axis=1), 1.0, rtol=1e-15)
    np.testing.assert_allclose(p, [[0.5, 0.5, 0.0], [1 / 3, 1 / 3, 1 / 3], [1.0, 0.0, 0.0]], rtol=1e-15)


# --- the book's claims --------------------------------------------------------------------------------------

def test_sigmoid_derivative_is_at_most_one_quarter_attained_at_zero():
    """max sigma'(z) = 1/4, at z = 0: the root of vanishing gradients in deep sigmoid networks."""
    z = np.linspace(-10, 10, 20001)  # contains 0 exactly
    g = sigmoid_grad(z)
    assert sigmoid_grad(0.0) == 0.25
    assert g.max() == 0.25
    assert z[np.argmax(g)] == 0.0
    assert np.all(g <= 0.25)


def test_tanh_derivative_is_at_most_one_attained_at_zero():
    """max tanh'(z) = 1, at z = 0."""
    z = np.linspace(-10, 10, 20001)
    g = tanh_grad(z)
    assert tanh_grad(0.0) == 1.0
    assert np.all(g <= 1.0)
    assert z[np.argmax(g)] == 0.0


def test_relu_derivative_is_zero_or_one():
    """ReLU' takes only the values 0 and 1 (0 at exactly z = 0, as documented), so it never shrinks a gradient."""
    rng = np.random.default_rng(1)
    z = np.concatenate([rng.normal(size=1000), [0.0, -0.0, 1e-300, -1e-300]])
    g = relu_grad(z)
    assert set(np.unique(g).tolist()) == {0.0, 1.0}
    np.testing.assert_array_equal(g, (z > 0).astype(float))
    assert relu_grad(np.array(0.0)) == 0.0


def test_leaky_relu_derivative_never_zero():
    """Leaky ReLU' is alpha (not 0) for negative inputs, so units cannot die."""
    z = np.array([-5.0, -1e-8, 0.0, 2.0])
    np.testing.assert_array_equal(leaky_relu_grad(z), [0.01, 0.01, 0.01, 1.0])
    np.testing.assert_array_equal(leaky_relu_grad(z, alpha=0.3), [0.3, 0.3, 0.3, 1.0])


def test_softmax_invariant_to_adding_a_constant_per_row():
    """softmax(z + c) == softmax(z) when c is a constant per row (the basis of the max-shift trick)."""
    rng = np.random.default_rng(2)
    z = rng.normal(size=(5, 4))
    c = rng.normal(scale=100.0, size=(5, 1))
    np.testing.assert_allclose(softmax(z + c), softmax(z), rtol=1e-12, atol=1e-15)
    # ... but not to a constant per column.
    assert not np.allclose(softmax(z + np.arange(4.0)), softmax(z))


@pytest.mark.parametrize("shape", [(1, 2), (3, 4), (6, 10)])
def test_softmax_backward_matches_finite_differences(shape):
    """softmax_backward(dA, softmax(Z)) is the gradient of sum(softmax(Z) * dA) with respect to Z."""
    rng = np.random.default_rng(shape[1])
    Z = rng.normal(size=shape)
    dA = rng.normal(size=shape)
    analytic = softmax_backward(dA, softmax(Z))
    numeric = numerical_gradient(lambda z: float(np.sum(softmax(z) * dA)), Z)
    assert rel_error(analytic, numeric) < 1e-7


def test_softmax_backward_is_not_the_elementwise_formula():
    """softmax's Jacobian is not diagonal: dA * a(1 - a) would be wrong (guards against that shortcut)."""
    rng = np.random.default_rng(3)
    Z, dA = rng.normal(size=(4, 3)), rng.normal(size=(4, 3))
    A = softmax(Z)
    assert rel_error(softmax_backward(dA, A), dA * A * (1 - A)) > 1e-2


def test_registry_softmax_backward_matches_finite_differences():
    """The registry's softmax Activation uses the Jacobian product in backward."""
    rng = np.random.default_rng(4)
    Z, dA = rng.normal(size=(3, 5)), rng.normal(size=(3, 5))
    act = activations.get("softmax")
    numeric = numerical_gradient(lambda z: float(np.sum(softmax(z) * dA)), Z)
    assert rel_error(act.backward(dA, Z, act(Z)), numeric) < 1e-7


# --- registry -----------------------------------------------------------------------------------------------

def test_get_unknown_name_lists_known_names():
    """An unknown activation name raises ValueError naming the bad value and every known activation."""
    with pytest.raises(ValueError) as info:
        activations.get("relu6")
    message = str(info.value)
    assert "relu6" in message
    for known in ["sigmoid", "tanh", "relu", "leaky_relu", "elu", "linear", "softmax"]:
        assert known in message


def test_get_none_means_linear_and_names_are_case_insensitive():
    """get(None) is the identity (as in Keras); names are looked up case-insensitively; Activation passes through."""
    z = np.array([[-2.0, 3.0]])
    identity = activations.get(None)
    assert identity.name == "linear"
    assert np.array_equal(identity(z), z)
    assert activations.get("ReLU").name == "relu"
    np.testing.assert_array_equal(activations.get("ReLU")(z), [[0.0, 3.0]])
    act = activations.get("tanh")
    assert activations.get(act) is act
    assert "tanh" in repr(act)


def test_get_wrong_type_raises_type_error():
    """Passing something that is neither a name nor an Activation gives a TypeError naming the type."""
    with pytest.raises(TypeError, match="int"):
        activations.get(3)


@pytest.mark.parametrize("name", ["sigmoid", "tanh", "relu", "leaky_relu", "elu", "linear"])
def test_registry_elementwise_backward_matches_finite_differences(name):
    """Each registered element-wise Activation's backward(dA, Z, A) equals dA * f'(Z) from finite differences."""
    rng = np.random.default_rng(5)
    act = activations.get(name)
    Z = away_from_zero(rng, (4, 3))
    dA = rng.normal(size=(4, 3))
    expected = dA * centred_difference(act.forward, Z)
    assert rel_error(act.backward(dA, Z, act(Z)), expected) < 1e-7


# --- dtypes -------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("name, f", STABILITY_FUNCTIONS, ids=[s[0] for s in STABILITY_FUNCTIONS])
def test_float32_input_gives_float32_output(name, f):
    """float32 in, float32 out (speed paths may use float32); float64 stays float64."""
    z32 = np.array([[-2.0, -0.5, 0.5, 2.0]], dtype=np.float32)
    assert f(z32).dtype == np.float32
    assert f(z32.astype(np.float64)).dtype == np.float64


@pytest.mark.parametrize("name, f", [("sigmoid", sigmoid), ("softmax", softmax), ("relu_grad", relu_grad),
                                     ("linear_grad", linear_grad), ("elu_grad", elu_grad)])
def test_integer_input_gives_float64(name, f):
    """Integer inputs are promoted to float64 (never truncated to integers)."""
    out = f(np.array([[-1, 0, 2]]))
    assert out.dtype == np.float64


# --- hypothesis property tests ------------------------------------------------------------------------------

finite = st.floats(min_value=-1e6, max_value=1e6, allow_nan=False, allow_infinity=False)
matrices = arrays(np.float64, st.tuples(st.integers(1, 6), st.integers(1, 6)), elements=finite)


@given(matrices)
def test_property_softmax_rows_are_probability_vectors(z):
    """Rows of softmax(z) lie in [0, 1] and sum to 1, for any finite logits."""
    with np.errstate(under="ignore"):
        p = softmax(z)
    assert p.shape == z.shape
    assert np.all((p >= 0) & (p <= 1))
    np.testing.assert_allclose(p.sum(axis=1), 1.0, rtol=1e-12)


@given(matrices, st.floats(-1e3, 1e3))
def test_property_softmax_shift_invariance(z, c):
    """Adding the same constant to every logit of a row does not change softmax (moderate logits)."""
    z = np.clip(z, -50, 50)
    np.testing.assert_allclose(softmax(z + c), softmax(z), rtol=1e-9, atol=1e-15)


@given(matrices)
def test_property_sigmoid_in_unit_interval_and_symmetric(z):
    """0 <= sigmoid(z) <= 1 and sigmoid(-z) = 1 - sigmoid(z)."""
    with np.errstate(under="ignore"):
        s, s_neg = sigmoid(z), sigmoid(-z)
    assert np.all((s >= 0) & (s <= 1))
    np.testing.assert_allclose(s_neg, 1.0 - s, rtol=0, atol=2e-16)


@given(matrices)
def test_property_relu_idempotent_and_non_negative(z):
    """relu(relu(z)) == relu(z) exactly, and relu(z) >= 0."""
    r = relu(z)
    assert np.array_equal(relu(r), r)
    assert np.all(r >= 0)
