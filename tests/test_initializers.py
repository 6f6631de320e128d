"""Tests for gdkit.initializers: shapes, dtypes, seeding, empirical variance against the formulas, uniform limits,
the symmetry problem of constant initialisation, and the registry."""
import numpy as np
import pytest

from gdkit import initializers
from gdkit.initializers import (constant, glorot_normal, glorot_uniform, he_normal, he_uniform, ones, random_normal,
                                random_uniform, zeros)
from gdkit.nn import mlp_backward, mlp_forward

RANDOM = [random_normal, random_uniform, glorot_normal, glorot_uniform, he_normal, he_uniform]
ALL = [zeros, ones, constant(0.3)] + RANDOM
FAN_IN, FAN_OUT = 400, 300

# (initialiser, expected variance, uniform limit or None): the formulas from the docstrings / papers
VARIANCES = [
    (random_normal, 0.05 ** 2, None),
    (random_uniform, 0.05 ** 2 / 3, 0.05),                                 # U(-r, r) has variance r^2 / 3
    (glorot_normal, 2 / (FAN_IN + FAN_OUT), None),                         # Glorot & Bengio 2010
    (glorot_uniform, 2 / (FAN_IN + FAN_OUT), np.sqrt(6 / (FAN_IN + FAN_OUT))),
    (he_normal, 2 / FAN_IN, None),                                         # He et al. 2015
    (he_uniform, 2 / FAN_IN, np.sqrt(6 / FAN_IN)),
]


@pytest.mark.parametrize("init", ALL, ids=lambda f: f.__name__)
@pytest.mark.parametrize("shape", [(3, 5), (1, 1), (400, 300)])
def test_shape_and_default_dtype(init, shape):
    """Every initialiser returns the requested (fan_in, fan_out) shape, float64 by default."""
    W = init(shape, rng=0)
    assert W.shape == shape
    assert W.dtype == np.float64


@pytest.mark.parametrize("init", ALL, ids=lambda f: f.__name__)
def test_float32_on_request(init):
    """dtype=np.float32 gives float32 weights."""
    assert init((4, 3), rng=0, dtype=np.float32).dtype == np.float32


@pytest.mark.parametrize("init", RANDOM, ids=lambda f: f.__name__)
def test_same_seed_same_weights_different_seed_different_weights(init):
    """Same seed, same array (bit for bit); another seed, another array; a Generator advances between calls."""
    np.testing.assert_array_equal(init((20, 10), rng=42), init((20, 10), rng=42))
    assert not np.array_equal(init((20, 10), rng=42), init((20, 10), rng=43))
    gen = np.random.default_rng(0)
    assert not np.array_equal(init((20, 10), rng=gen), init((20, 10), rng=gen))


@pytest.mark.parametrize("init", RANDOM, ids=lambda f: f.__name__)
def test_no_global_random_state(init):
    """Seeded initialisers ignore (and do not consume) numpy's global random state."""
    np.random.seed(0)
    first = init((5, 4), rng=7)
    state = np.random.get_state()[1].copy()
    np.random.seed(1)
    assert np.array_equal(init((5, 4), rng=7), first)
    np.random.seed(0)
    init((5, 4), rng=7)
    assert np.array_equal(np.random.get_state()[1], state)


@pytest.mark.parametrize("init, variance, limit", VARIANCES, ids=[v[0].__name__ for v in VARIANCES])
def test_empirical_variance_matches_formula(init, variance, limit):
    """On a 400x300 matrix (120,000 draws) the sample variance is within 3% of the formula (the sampling error
    is about 0.4%), and the mean is within 5 standard errors of 0."""
    W = init((FAN_IN, FAN_OUT), rng=123)
    assert W.var() == pytest.approx(variance, rel=0.03)
    assert abs(W.mean()) < 5 * np.sqrt(variance / W.size)


@pytest.mark.parametrize("init, variance, limit", [v for v in VARIANCES if v[2] is not None],
                         ids=[v[0].__name__ for v in VARIANCES if v[2] is not None])
def test_uniform_limits_respected_and_reached(init, variance, limit):
    """Uniform initialisers stay inside (-r, r) and fill it: the extremes come within 1% of +-r."""
    W = init((FAN_IN, FAN_OUT), rng=5)
    assert np.all(np.abs(W) <= limit)
    assert W.max() > 0.99 * limit and W.min() < -0.99 * limit


def test_glorot_and_he_scale_with_fan_sizes():
    """He depends on fan_in only; Glorot on fan_in + fan_out: the variance ratios follow the formulas."""
    wide = he_normal((100, 2000), rng=1).var()
    narrow = he_normal((100, 20), rng=1).var()
    assert wide == pytest.approx(narrow, rel=0.2)  # both 2/100
    assert he_normal((800, 200), rng=1).var() == pytest.approx(2 / 800, rel=0.05)
    assert glorot_normal((100, 2000), rng=1).var() == pytest.approx(2 / 2100, rel=0.05)


def test_constant_initialisers_fill_values():
    """zeros, ones and constant(v) fill with that value."""
    assert np.all(zeros((3, 2)) == 0) and np.all(ones((3, 2)) == 1)
    assert np.all(constant(-0.7)((2, 2)) == -0.7)


@pytest.mark.parametrize("init", [zeros, ones, constant(0.3)], ids=["zeros", "ones", "constant"])
def test_constant_initialisation_gives_identical_columns(init):
    """Every hidden unit (column of W) starts identical: the symmetry problem."""
    W = init((6, 4))
    assert all(np.array_equal(W[:, 0], W[:, j]) for j in range(4))


@pytest.mark.parametrize("init, symmetric", [(ones, True), (constant(0.3), True), (glorot_uniform, False)],
                         ids=["ones", "constant", "glorot_uniform"])
def test_symmetry_problem_identical_units_get_identical_gradients(init, symmetric):
    """With a constant first layer every hidden unit receives the same gradient, so gradient descent can never
    make them differ; random initialisation breaks the tie."""
    rng = np.random.default_rng(0)
    X = rng.normal(size=(8, 3))
    W1, b1 = init((3, 4), rng=1), np.zeros(4)
    W2, b2 = constant(0.5)((4, 2)), np.zeros(2)  # constant output weights keep the hidden units interchangeable
    A, caches = mlp_forward(X, [(W1, b1), (W2, b2)], ["tanh", "linear"])
    [(dW1, _), _] = mlp_backward(A - rng.normal(size=A.shape), caches)
    identical = all(np.allclose(dW1[:, 0], dW1[:, j], rtol=1e-12, atol=0) for j in range(4))
    assert identical == symmetric


# --- errors and registry ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("init", RANDOM, ids=lambda f: f.__name__)
@pytest.mark.parametrize("shape", [(3,), (2, 3, 4), (0, 5)])
def test_bad_shape_is_rejected_with_the_shape(init, shape):
    """A weight shape that is not (fan_in, fan_out) with positive sizes raises ValueError naming it."""
    with pytest.raises(ValueError) as info:
        init(shape, rng=0)
    assert str(shape) in str(info.value) and "fan_in" in str(info.value)


def test_get_resolves_names_aliases_and_callables():
    """Names (case-insensitive) and the xavier_* aliases resolve; a callable is passed through."""
    assert initializers.get("he_normal") is he_normal
    assert initializers.get("He_Normal") is he_normal
    assert initializers.get("xavier_uniform") is glorot_uniform
    assert initializers.get("xavier_normal") is glorot_normal
    custom = constant(2.0)
    assert initializers.get(custom) is custom


@pytest.mark.parametrize("bad", ["kaiming", None, 3])
def test_get_unknown_lists_known_names(bad):
    """An unknown initialiser raises ValueError naming it and listing every known initialiser."""
    with pytest.raises(ValueError) as info:
        initializers.get(bad)
    message = str(info.value)
    assert repr(bad) in message
    for known in ["zeros", "ones", "random_normal", "random_uniform", "glorot_normal", "glorot_uniform",
                  "he_normal", "he_uniform"]:
        assert known in message
