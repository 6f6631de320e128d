"""Tests for gdkit.gradcheck: centred differences of functions with known derivatives, the relative error,
check_gradient passing correct and failing wrong gradients, and x left exactly as it was."""
import numpy as np
import pytest

from gdkit.gradcheck import (GradientCheck, check_gradient, numerical_gradient, numerical_gradient_array,
                             relative_error)


# --- numerical_gradient -----------------------------------------------------------------------------------------

def test_numerical_gradient_of_squared_norm_is_2x():
    """d/dx (x . x) = 2x, to 1e-8 (the centred difference is exact for quadratics up to rounding)."""
    x = np.random.default_rng(0).normal(size=(3, 4))
    g = numerical_gradient(lambda v: float(np.sum(v * v)), x)
    assert g.shape == x.shape
    np.testing.assert_allclose(g, 2 * x, rtol=0, atol=1e-8)


def test_numerical_gradient_of_sum_of_sines_is_cos():
    """d/dx sum(sin x) = cos x, to 1e-8."""
    x = np.linspace(-3, 3, 13)
    np.testing.assert_allclose(numerical_gradient(lambda v: float(np.sum(np.sin(v))), x), np.cos(x),
                               rtol=0, atol=1e-8)


def test_numerical_gradient_of_linear_function_and_closures():
    """For f(x) = sum(A * x) the gradient is A; a closure over x (not using its argument) sees the perturbation."""
    A = np.arange(6.0).reshape(2, 3) - 2
    x = np.ones((2, 3))
    np.testing.assert_allclose(numerical_gradient(lambda v: float(np.sum(A * v)), x), A, atol=1e-8)
    np.testing.assert_allclose(numerical_gradient(lambda _: float(np.sum(A * x)), x), A, atol=1e-8)


def test_numerical_gradient_array_is_vector_jacobian_product():
    """numerical_gradient_array(f, x, dout) = J^T dout; for f(x) = x**2 element-wise that is 2 x dout."""
    rng = np.random.default_rng(1)
    x, dout = rng.normal(size=(4, 2)), rng.normal(size=(4, 2))
    np.testing.assert_allclose(numerical_gradient_array(lambda v: v ** 2, x, dout), 2 * x * dout, atol=1e-8)
    M = rng.normal(size=(2, 3))
    dout = rng.normal(size=(4, 3))
    np.testing.assert_allclose(numerical_gradient_array(lambda v: v @ M, x, dout), dout @ M.T, atol=1e-8)


def test_numerical_gradient_restores_x_bit_for_bit():
    """After the check, x holds exactly the values it had (x + h - h would not round-trip for these values)."""
    x = np.array([0.1, 1 / 3, -2.7e-20, 1e10, -0.0, 123.456789])
    before = x.tobytes()
    numerical_gradient(lambda v: float(np.sum(np.exp(np.sin(v)))), x)
    assert x.tobytes() == before


def test_numerical_gradient_restores_x_even_when_f_raises():
    """If f raises part-way (a learner's buggy loss), x must not be left perturbed by h."""
    x = np.array([0.1, 0.2, 0.3])
    before = x.copy()
    calls = []

    def f(v):
        calls.append(1)
        if len(calls) == 4:  # second entry, minus side (x[1] is at 0.2 - h)
            raise RuntimeError("bug in the loss")
        return float(np.sum(v))

    with pytest.raises(RuntimeError):
        numerical_gradient(f, x)
    np.testing.assert_array_equal(x, before)


@pytest.mark.parametrize("x", [np.arange(3), np.array([1, 2], dtype=np.int32), [1.0, 2.0]],
                         ids=["int64 array", "int32 array", "list"])
def test_numerical_gradient_rejects_non_float_arrays_clearly(x):
    """An integer array (or a list) cannot be perturbed by 1e-6 in place: TypeError that says how to convert."""
    with pytest.raises(TypeError) as info:
        numerical_gradient(lambda v: float(np.sum(v)), x)
    message = str(info.value)
    assert "float" in message and "np.asarray" in message


def test_numerical_gradient_of_non_contiguous_view_is_rejected_or_correct():
    """A transposed (non C-contiguous) x must never give a silently wrong (all-zero) gradient."""
    base = np.random.default_rng(2).normal(size=(3, 4))
    x = base.T
    try:
        g = numerical_gradient(lambda v: float(np.sum(v * v)), x)
    except ValueError as err:
        assert "contiguous" in str(err)
    else:
        np.testing.assert_allclose(g, 2 * x, atol=1e-8)


# --- relative_error ---------------------------------------------------------------------------------------------

def test_relative_error_symmetric_and_zero_for_equal_arrays():
    """relative_error(a, b) == relative_error(b, a); 0 for equal arrays, also for two zero arrays."""
    rng = np.random.default_rng(3)
    a, b = rng.normal(size=(3, 3)), rng.normal(size=(3, 3))
    assert relative_error(a, b) == relative_error(b, a)
    assert relative_error(a, a) == 0.0
    assert relative_error(np.zeros(4), np.zeros(4)) == 0.0


def test_relative_error_known_values():
    """||a - b|| / (||a|| + ||b||): orthogonal unit vectors give sqrt(2)/2; opposite vectors give 1; 1 vs 1.01
    gives 0.01 / 2.01."""
    assert relative_error(np.array([1.0, 0.0]), np.array([0.0, 1.0])) == pytest.approx(np.sqrt(2) / 2, rel=1e-15)
    assert relative_error(np.array([2.0, -1.0]), np.array([-2.0, 1.0])) == pytest.approx(1.0, rel=1e-15)
    assert relative_error(np.array([1.0]), np.array([1.01])) == pytest.approx(0.01 / 2.01, rel=1e-12)


# --- check_gradient ---------------------------------------------------------------------------------------------

def least_squares_problem(seed=4):
    """f(W) = 0.5 ||X W - Y||^2 with gradient X^T (X W - Y), for a square W (so W.T has W's shape)."""
    rng = np.random.default_rng(seed)
    X, Y, W = rng.normal(size=(6, 3)), rng.normal(size=(6, 3)), rng.normal(size=(3, 3))

    def f(w):
        return 0.5 * float(np.sum((X @ w - Y) ** 2))

    return f, X.T @ (X @ W - Y), W


def test_check_gradient_passes_a_correct_gradient():
    """The correct gradient passes with a tiny relative error and no bad indices."""
    f, grad, W = least_squares_problem()
    result = check_gradient(f, grad, W)
    assert isinstance(result, GradientCheck)
    assert result.passed and bool(result)
    assert result.relative_error < 1e-8
    assert result.bad_indices == []
    assert "passed" in repr(result)


def test_check_gradient_fails_a_transposed_gradient_and_lists_bad_indices():
    """grad.T has the right shape but wrong entries: the check fails and lists off-diagonal entries that differ."""
    f, grad, W = least_squares_problem()
    wrong = grad.T
    result = check_gradient(f, wrong, W)
    assert not result.passed and not bool(result)
    assert result.relative_error > 1e-2
    assert result.bad_indices, "bad_indices must name the entries that disagree"
    differing = {tuple(int(i) for i in idx) for idx in np.argwhere(np.abs(grad - grad.T) > 1e-3)}
    assert set(result.bad_indices) <= differing
    assert all(i != j for i, j in result.bad_indices)
    # the worst entry is among those listed
    worst = tuple(int(i) for i in np.unravel_index(np.argmax(np.abs(grad - grad.T)), grad.shape))
    assert worst in result.bad_indices
    assert "FAILED" in repr(result) and "entry" in repr(result)


def test_check_gradient_fails_a_wrongly_scaled_gradient():
    """Twice the gradient (a forgotten 1/2, or 1/N) fails; every sizeable entry is listed."""
    f, grad, W = least_squares_problem()
    result = check_gradient(f, 2 * grad, W)
    assert not result.passed
    assert result.relative_error == pytest.approx(1 / 3, rel=1e-6)  # ||2g - g|| / (||2g|| + ||g||)
    big = {tuple(int(i) for i in idx) for idx in np.argwhere(np.abs(grad) > 0.05 * np.abs(grad).max())}
    assert big <= set(result.bad_indices)


def test_check_gradient_only_one_wrong_entry_is_reported():
    """A single wrong entry is found and is the only one reported."""
    f, grad, W = least_squares_problem()
    wrong = grad.copy()
    wrong[1, 2] += 1.0
    result = check_gradient(f, wrong, W)
    assert not result.passed
    assert result.bad_indices == [(1, 2)]


def test_check_gradient_leaves_x_unchanged_bit_for_bit():
    """check_gradient restores x exactly, whether it passes or fails."""
    f, grad, W = least_squares_problem()
    W[0, 0] = 0.1
    W[1, 1] = 1 / 3
    before = W.tobytes()
    check_gradient(f, grad, W)
    check_gradient(f, grad.T, W)
    assert W.tobytes() == before


def test_check_gradient_shape_mismatch_names_both_shapes():
    """An analytic gradient of the wrong shape is reported with both shapes."""
    f, grad, W = least_squares_problem()
    with pytest.raises(ValueError) as info:
        check_gradient(f, grad[:, :2], W)
    message = str(info.value)
    assert "(3, 2)" in message and "(3, 3)" in message


def test_check_gradient_tolerance_is_respected():
    """A gradient off by 1e-5 relative fails at the default tolerance 1e-7 and passes at tolerance 1e-4."""
    f, grad, W = least_squares_problem()
    slightly_off = grad * (1 + 2e-5)
    assert not check_gradient(f, slightly_off, W).passed
    assert check_gradient(f, slightly_off, W, tolerance=1e-4).passed
