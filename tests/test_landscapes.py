"""Test functions (gradients, minima, vectorisation) and descend(): the classical facts the chapters show."""
import warnings

import numpy as np
import pytest

from gdkit.landscapes import (DivergenceWarning, DoubleWell, GaussianWells, IllConditionedQuadratic, Parabola,
                              QuadraticBowl, Rosenbrock, SaddlePoint, ShallowLocalMinimum, descend,
                              evaluate_on_grid)
from gdkit.optimizers import SGD, Adam, Momentum

FUNCTIONS = [Parabola(), Parabola(a=3.0), DoubleWell(), DoubleWell(tilt=0.2), QuadraticBowl(),
             QuadraticBowl(curvature=4.0), IllConditionedQuadratic(), IllConditionedQuadratic(condition_number=50),
             Rosenbrock(), Rosenbrock(a=-0.5, b=10.0), SaddlePoint(), GaussianWells(),
             GaussianWells(centers=[[0.0, 0.0], [1.0, 1.0], [-1.0, 1.0]], depths=[1.0, 0.5, 0.7],
                           widths=[0.5, 0.3, 0.4], bowl=0.2)]


def random_points(function, n, seed=0):
    """n points spread over the function's plot box."""
    rng = np.random.default_rng(seed)
    low, high = np.array(function.domain[0::2]), np.array(function.domain[1::2])
    return rng.uniform(low, high, size=(n, function.dim))


def centred_difference(function, x, h=1e-6):
    grad = np.empty_like(x)
    for i in range(len(x)):
        e = np.zeros_like(x)
        e[i] = h
        grad[i] = (function(x + e) - function(x - e)) / (2 * h)
    return grad


@pytest.mark.parametrize("function", FUNCTIONS, ids=repr)
def test_gradient_matches_centred_differences(function):
    """Analytic gradient vs centred finite differences, relative error < 1e-7 at 20 points."""
    for x in random_points(function, 20):
        analytic, numeric = function.grad(x), centred_difference(function, x)
        assert analytic.shape == (function.dim,)
        error = np.linalg.norm(analytic - numeric) / max(np.linalg.norm(analytic) + np.linalg.norm(numeric), 1e-8)
        assert error < 1e-7, f"{function!r} at {x}: analytic {analytic}, numeric {numeric}"


@pytest.mark.parametrize("function", FUNCTIONS, ids=repr)
def test_minima_are_stationary_local_minima(function):
    """grad = 0 at every listed minimum, nearby points are higher, and the first one is the lowest."""
    rng = np.random.default_rng(1)
    assert function.minima.ndim == 2 and function.minima.shape[1] == function.dim
    for m in function.minima:
        assert np.linalg.norm(function.grad(m)) < 1e-9, f"{function!r}: gradient {function.grad(m)} at {m}"
        nearby = m + 1e-3 * rng.normal(size=(50, function.dim))
        assert np.all(function(nearby) > function(m))
    values = function(function.minima)
    assert values[0] == values.min()


@pytest.mark.parametrize("function", FUNCTIONS, ids=repr)
def test_vectorised_over_leading_axes(function):
    """f on a (5, 7, d) block equals f point by point; grad too."""
    points = random_points(function, 35).reshape(5, 7, function.dim)
    values = function(points)
    assert values.shape == (5, 7)
    np.testing.assert_allclose(values[2, 3], function(points[2, 3]), rtol=1e-15)
    np.testing.assert_allclose(function.grad(points)[4, 6], function.grad(points[4, 6]), rtol=1e-15)


def test_values_by_hand():
    """A few values computed by hand."""
    assert Parabola(a=3.0)(np.array([2.0])) == 12.0
    assert DoubleWell(tilt=0.5)(np.array([1.0])) == 1 - 2 + 0.5
    assert QuadraticBowl(curvature=2.0)(np.array([1.0, 2.0])) == 5.0
    assert IllConditionedQuadratic(condition_number=10)(np.array([1.0, 1.0])) == 5.5
    assert Rosenbrock()(np.array([0.0, 1.0])) == 1 + 100
    assert SaddlePoint()(np.array([1.0, 2.0])) == 0.5 * (1 - 4) + 0.25 * 16
    assert ShallowLocalMinimum is DoubleWell


def test_wrong_point_shape_is_explained():
    """A (3,) point for a 2-D function names the expected shape."""
    with pytest.raises(ValueError, match=r"shape \(\.\.\., 2\), got shape \(3,\)"):
        Rosenbrock()(np.zeros(3))
    with pytest.raises(ValueError, match=r"xs\[:, None\]"):
        Parabola()(np.zeros((4, 2)))


def test_evaluate_on_grid():
    """2-D: X, Y, Z of shape (num, num) with Z = f(X, Y); 1-D: xs, f(xs)."""
    f = Rosenbrock()
    X, Y, Z = evaluate_on_grid(f, num=11)
    assert X.shape == Y.shape == Z.shape == (11, 11)
    assert Z[3, 7] == f(np.array([X[3, 7], Y[3, 7]]))
    xs, values = evaluate_on_grid(Parabola(a=2.0), num=5)
    np.testing.assert_allclose(values, 2.0 * xs ** 2)


# --------------------------------------------------------------------------------------------------
# descend()
# --------------------------------------------------------------------------------------------------
def test_descend_on_bowl_first_steps_by_hand():
    """Bowl with curvature 2, lr 0.1: x_{k+1} = x_k - 0.1 * 2 x_k = 0.8 x_k; converges to the minimum."""
    path = descend(QuadraticBowl(curvature=2.0), [1.0, -2.0], SGD(0.1), 100)
    assert path.shape == (101, 2)
    np.testing.assert_array_equal(path[0], [1.0, -2.0])
    np.testing.assert_allclose(path[1], [0.8, -1.6], rtol=1e-15)
    np.testing.assert_allclose(path[2], [0.64, -1.28], rtol=1e-15)
    np.testing.assert_allclose(path[3], [0.512, -1.024], rtol=1e-14)
    assert np.linalg.norm(path[-1]) < 1e-8


def test_descend_does_not_modify_x0_and_resets_the_optimizer():
    """x0 stays as given; a second run with the same optimizer object gives the same path."""
    x0 = np.array([1.5, 0.5])
    optimizer = Momentum(0.001)
    first = descend(Rosenbrock(), x0, optimizer, 20)
    second = descend(Rosenbrock(), x0, optimizer, 20)
    np.testing.assert_array_equal(x0, [1.5, 0.5])
    np.testing.assert_array_equal(first, second)
    assert optimizer.iterations == 20


def test_descend_in_1d_accepts_a_number():
    """Parabola a = 1, lr 0.25: x_{k+1} = x_k - 0.25 * 2 x_k = x_k / 2."""
    path = descend(Parabola(), 4.0, SGD(0.25), 3)
    np.testing.assert_allclose(path[:, 0], [4.0, 2.0, 1.0, 0.5], rtol=1e-15)


def test_descend_rejects_bad_arguments():
    """Wrong x0 size, negative steps."""
    with pytest.raises(ValueError, match="x0 must have 2 coordinate"):
        descend(Rosenbrock(), [1.0, 2.0, 3.0], SGD(0.1), 5)
    with pytest.raises(ValueError, match="steps must be an integer >= 0, got -1"):
        descend(Rosenbrock(), [1.0, 2.0], SGD(0.1), -1)


@pytest.mark.parametrize("condition_number", [10.0, 100.0])
def test_ill_conditioned_quadratic_learning_rate_bound(condition_number):
    """lr slightly below 2/L converges, slightly above diverges: |1 - lr * kappa| per step in y."""
    f = IllConditionedQuadratic(condition_number)
    bound = 2.0 / f.lipschitz
    x0 = [1.0, 1.0]
    below = descend(f, x0, SGD(0.95 * bound), 3000)
    assert np.linalg.norm(below[-1]) < 1e-6
    with warnings.catch_warnings():
        warnings.simplefilter("error", DivergenceWarning)
        descend(f, x0, SGD(0.95 * bound), 3000)           # no warning when it converges
    above = descend(f, x0, SGD(1.05 * bound), 50, stop_if_diverged=False)
    factor = 1.0 - 1.05 * bound * condition_number       # = -1.1: y flips sign and grows by 10% per step
    np.testing.assert_allclose(above[:, 1], factor ** np.arange(51), rtol=1e-12)
    with pytest.warns(DivergenceWarning, match="smaller learning rate"):
        cut = descend(f, x0, SGD(1.05 * bound), 10_000)
    assert len(cut) < 10_001
    assert np.all(np.isfinite(cut[:-1]))


def test_descend_cuts_the_path_at_non_finite_iterates():
    """Rosenbrock with a huge rate overflows to inf/nan: the path stops there, with a warning."""
    with pytest.warns(DivergenceWarning):
        path = descend(Rosenbrock(), [-1.5, 2.0], SGD(0.1), 1000)
    assert len(path) < 1001
    assert np.all(np.isfinite(path[:-1]))


def test_momentum_escapes_the_shallow_minimum_in_1d():
    """From x0 = 2 with lr 0.02, GD stops in the shallow well; momentum 0.9 rolls into the deep one."""
    f = DoubleWell(tilt=0.5)
    deep, shallow = f.minima[:, 0]
    assert deep < f.barrier < shallow and f(f.minima[0]) < f(f.minima[1])
    gd = descend(f, 2.0, SGD(0.02), 400)
    heavy_ball = descend(f, 2.0, Momentum(0.02, momentum=0.9), 400)
    assert abs(gd[-1, 0] - shallow) < 1e-6
    assert abs(heavy_ball[-1, 0] - deep) < 1e-3
    assert heavy_ball[:, 0].min() < f.barrier


def test_momentum_escapes_the_shallow_minimum_in_2d():
    """GaussianWells from (2, 1) with lr 0.2: GD ends in the shallow well, momentum 0.9 in the deep one."""
    f = GaussianWells()
    deep, shallow = f.minima
    gd = descend(f, [2.0, 1.0], SGD(0.2), 800)
    heavy_ball = descend(f, [2.0, 1.0], Momentum(0.2, momentum=0.9), 800)
    assert np.linalg.norm(gd[-1] - shallow) < 1e-4
    assert np.linalg.norm(heavy_ball[-1] - deep) < 1e-3


def test_saddle_point_attracts_only_from_the_axis():
    """On the x axis GD converges to the saddle; a 1e-6 offset in y ends in the minimum (0, 1)."""
    f = SaddlePoint()
    on_axis = descend(f, [1.0, 0.0], SGD(0.1), 500)
    assert np.linalg.norm(on_axis[-1] - f.saddle) < 1e-12
    off_axis = descend(f, [1.0, 1e-6], SGD(0.1), 500)
    np.testing.assert_allclose(off_axis[-1], [0.0, 1.0], atol=1e-8)


def test_adam_reaches_rosenbrock_minimum():
    """The same optimizer classes as for networks: Adam finds (1, 1) from (-1, 1)."""
    path = descend(Rosenbrock(), [-1.0, 1.0], Adam(0.02), 5000)
    np.testing.assert_allclose(path[-1], [1.0, 1.0], atol=1e-3)
