"""Tests for gdkit.nn: dense and activation forward/backward pairs against loops and finite differences,
backpropagation through whole networks against finite differences of the loss, and learner-facing errors."""
import numpy as np
import pytest

from gdkit import losses
from gdkit.gradcheck import numerical_gradient, numerical_gradient_array, relative_error
from gdkit.nn import (ActivationCache, DenseCache, activation_backward, activation_forward, dense_backward,
                      dense_forward, mlp_backward, mlp_forward)

DENSE_SHAPES = [(1, 3, 2), (4, 3, 5), (7, 1, 1), (5, 6, 3), (1, 1, 4)]  # (N, D, M), incl. batches of one


def make_dense(shape, seed=0):
    N, D, M = shape
    rng = np.random.default_rng(seed)
    return rng.normal(size=(N, D)), rng.normal(size=(D, M)), rng.normal(size=M), rng.normal(size=(N, M))


# --- dense layer ------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("shape", DENSE_SHAPES)
def test_dense_forward_matches_explicit_loops(shape):
    """Z[n, m] = sum_d X[n, d] W[d, m] + b[m], written as loops."""
    X, W, b, _ = make_dense(shape)
    Z, cache = dense_forward(X, W, b)
    N, D, M = shape
    expected = np.zeros((N, M))
    for n in range(N):
        for m in range(M):
            total = b[m]
            for d in range(D):
                total += X[n, d] * W[d, m]
            expected[n, m] = total
    assert Z.shape == (N, M)
    np.testing.assert_allclose(Z, expected, rtol=1e-13, atol=1e-14)
    assert isinstance(cache, DenseCache)
    assert cache.X is not None and cache.W is not None


@pytest.mark.parametrize("shape", DENSE_SHAPES)
def test_dense_backward_matches_finite_differences(shape):
    """dX, dW and db each equal the numerical vector-Jacobian product of dense_forward with dZ."""
    X, W, b, dZ = make_dense(shape, seed=sum(shape))
    _, cache = dense_forward(X, W, b)
    dX, dW, db = dense_backward(dZ, cache)
    assert (dX.shape, dW.shape, db.shape) == (X.shape, W.shape, b.shape)
    num_dX = numerical_gradient_array(lambda x: dense_forward(x, W, b)[0], X, dZ)
    num_dW = numerical_gradient_array(lambda w: dense_forward(X, w, b)[0], W, dZ)
    num_db = numerical_gradient_array(lambda v: dense_forward(X, W, v)[0], b, dZ)
    assert relative_error(dX, num_dX) < 1e-7
    assert relative_error(dW, num_dW) < 1e-7
    assert relative_error(db, num_db) < 1e-7


def test_dense_backward_hand_computed():
    """A 1x2 input through a 2x1 layer: dX = dZ W^T, dW = X^T dZ, db = dZ summed over the batch."""
    X, W, b = np.array([[1.0, 2.0]]), np.array([[3.0], [4.0]]), np.array([0.5])
    Z, cache = dense_forward(X, W, b)
    assert Z.tolist() == [[1 * 3 + 2 * 4 + 0.5]]
    dX, dW, db = dense_backward(np.array([[2.0]]), cache)
    assert dX.tolist() == [[6.0, 8.0]] and dW.tolist() == [[2.0], [4.0]] and db.tolist() == [2.0]


def test_dense_backward_sums_over_the_batch():
    """Two identical examples give twice the single-example dW and db (gradients add up over the batch)."""
    X, W, b, dZ = make_dense((1, 3, 2), seed=3)
    _, dW1, db1 = dense_backward(dZ, dense_forward(X, W, b)[1])
    _, dW2, db2 = dense_backward(np.vstack([dZ, dZ]), dense_forward(np.vstack([X, X]), W, b)[1])
    np.testing.assert_allclose(dW2, 2 * dW1, rtol=1e-14)
    np.testing.assert_allclose(db2, 2 * db1, rtol=1e-14)


def test_dense_backward_need_dX_false_returns_none():
    """need_dX=False skips the input gradient (None) and leaves dW, db unchanged."""
    X, W, b, dZ = make_dense((4, 3, 2), seed=4)
    _, cache = dense_forward(X, W, b)
    dX, dW, db = dense_backward(dZ, cache, need_dX=False)
    assert dX is None
    _, dW_full, db_full = dense_backward(dZ, cache)
    np.testing.assert_array_equal(dW, dW_full)
    np.testing.assert_array_equal(db, db_full)


# --- activations ------------------------------------------------------------------------------------------------

ACTIVATION_NAMES = ["sigmoid", "tanh", "relu", "leaky_relu", "elu", "linear", "softmax"]


@pytest.mark.parametrize("name", ACTIVATION_NAMES)
@pytest.mark.parametrize("shape", [(1, 3), (5, 4)])
def test_activation_backward_matches_finite_differences(name, shape):
    """activation_backward(dA, cache) is the numerical vector-Jacobian product of activation_forward
    (inputs kept at |z| >= 0.05, away from the kinks of relu, leaky_relu and elu)."""
    rng = np.random.default_rng(len(name) + shape[0])
    Z = rng.uniform(0.05, 3.0, size=shape) * rng.choice([-1.0, 1.0], size=shape)
    dA = rng.normal(size=shape)
    A, cache = activation_forward(Z, name)
    assert isinstance(cache, ActivationCache) and cache.activation.name == name
    assert A.shape == Z.shape
    dZ = activation_backward(dA, cache)
    numeric = numerical_gradient_array(lambda z: activation_forward(z, name)[0], Z, dA)
    assert relative_error(dZ, numeric) < 1e-7


# --- whole networks ---------------------------------------------------------------------------------------------

def init_params(sizes, rng):
    return [(rng.normal(scale=1 / np.sqrt(d), size=(d, m)), rng.normal(scale=0.5, size=m))
            for d, m in zip(sizes[:-1], sizes[1:])]


def relu_kink_distance(X, params, names):
    """Smallest |Z| over relu-family layers: must exceed h = 1e-6 by far for finite differences to be valid."""
    A, caches = mlp_forward(X, params, names)
    distances = [np.abs(act_cache.Z).min() for _, act_cache in caches
                 if act_cache.activation.name in ("relu", "leaky_relu", "elu")]
    return min(distances, default=np.inf)


NETWORKS = [
    # (layer sizes, activations, loss name, target kind)
    ([4, 5, 3, 3], ["tanh", "relu", "softmax"], "categorical_crossentropy", "labels"),
    ([4, 6, 5, 4, 3], ["tanh", "relu", "sigmoid", "softmax"], "categorical_crossentropy", "one_hot"),
    ([3, 4, 4, 1], ["sigmoid", "elu", "sigmoid"], "binary_crossentropy", "binary"),
    ([3, 5, 4, 2], ["leaky_relu", "tanh", "linear"], "mean_squared_error", "regression"),
]


@pytest.mark.parametrize("sizes, names, loss_name, target", NETWORKS, ids=["-".join(n[1]) for n in NETWORKS])
@pytest.mark.parametrize("N", [1, 6])
def test_mlp_backward_matches_finite_differences_of_the_loss(sizes, names, loss_name, target, N):
    """Backpropagation through a multi-layer network with mixed activations: every dW and db equals the
    finite-difference derivative of the whole loss with respect to that W or b (relative error < 1e-7)."""
    rng = np.random.default_rng(N + len(names))
    X = rng.normal(size=(N, sizes[0]))
    params = init_params(sizes, rng)
    K = sizes[-1]
    y = {"labels": rng.integers(0, K, size=N),
         "one_hot": np.eye(K)[rng.integers(0, K, size=N)],
         "binary": rng.integers(0, 2, size=(N, 1)).astype(float),
         "regression": rng.normal(size=(N, K))}[target]
    loss = losses.get(loss_name)
    assert relu_kink_distance(X, params, names) > 1e-4, "test set-up: a relu input is too close to its kink"

    A, caches = mlp_forward(X, params, names)
    grads = mlp_backward(loss.grad(y, A), caches)
    assert len(grads) == len(params)

    def total_loss(_):
        return loss(y, mlp_forward(X, params, names)[0])

    for index, ((W, b), (dW, db)) in enumerate(zip(params, grads)):
        assert dW.shape == W.shape and db.shape == b.shape
        error_W = relative_error(dW, numerical_gradient(total_loss, W))
        error_b = relative_error(db, numerical_gradient(total_loss, b))
        assert error_W < 1e-7, f"layer {index + 1} dW: relative error {error_W:.2e}"
        assert error_b < 1e-7, f"layer {index + 1} db: relative error {error_b:.2e}"


def test_mlp_forward_is_the_composition_of_the_layers():
    """mlp_forward equals tanh(X W1 + b1) -> relu(. W2 + b2) -> softmax(. W3 + b3), written out by hand."""
    rng = np.random.default_rng(7)
    X = rng.normal(size=(4, 3))
    params = init_params([3, 5, 4, 2], rng)
    (W1, b1), (W2, b2), (W3, b3) = params
    h1 = np.tanh(X @ W1 + b1)
    h2 = np.maximum(h1 @ W2 + b2, 0)
    z3 = h2 @ W3 + b3
    expected = np.exp(z3) / np.exp(z3).sum(axis=1, keepdims=True)
    A, caches = mlp_forward(X, params, ["tanh", "relu", "softmax"])
    np.testing.assert_allclose(A, expected, rtol=1e-13)
    assert len(caches) == 3


def test_mlp_backward_first_layer_gradient_uses_the_input():
    """The first layer's dW is X^T dZ_1 (checked for a single linear layer, where dZ_1 = dA)."""
    rng = np.random.default_rng(8)
    X, params = rng.normal(size=(3, 2)), init_params([2, 2], rng)
    dA = rng.normal(size=(3, 2))
    _, caches = mlp_forward(X, params, ["linear"])
    [(dW, db)] = mlp_backward(dA, caches)
    np.testing.assert_allclose(dW, X.T @ dA, rtol=1e-14)
    np.testing.assert_allclose(db, dA.sum(axis=0), rtol=1e-14)


# --- errors a learner can act on --------------------------------------------------------------------------------

def test_dense_shape_error_names_both_shapes_and_the_layer():
    """X @ W with incompatible shapes: the error gives X's shape, W's shape and the layer's name."""
    with pytest.raises(ValueError) as info:
        dense_forward(np.zeros((4, 3)), np.zeros((2, 5)), np.zeros(5), layer="layer 1")
    message = str(info.value)
    assert "(4, 3)" in message and "(2, 5)" in message and "layer 1" in message


def test_dense_bias_shape_error_names_shapes():
    """A bias of the wrong length is reported with its shape and the expected one."""
    with pytest.raises(ValueError) as info:
        dense_forward(np.zeros((4, 3)), np.zeros((3, 5)), np.zeros(3))
    message = str(info.value)
    assert "(3,)" in message and "(5,)" in message


def test_dense_single_example_error_suggests_reshape():
    """A 1-D input is rejected with the reshape that makes it a batch of one."""
    with pytest.raises(ValueError, match=r"reshape\(1, -1\)"):
        dense_forward(np.zeros(3), np.zeros((3, 5)), np.zeros(5))


def test_mlp_shape_error_in_first_layer_names_layer_1():
    """Layers are numbered as in the docstring's A_l = f_l(A_{l-1} W_l + b_l) with A_0 = X: the first (W, b)
    pair is "layer 1", so a wrong first W is reported there (with both shapes)."""
    rng = np.random.default_rng(9)
    params = [(np.zeros((5, 4)), np.zeros(4)), (np.zeros((4, 2)), np.zeros(2))]  # X has 3 features, W1 expects 5
    with pytest.raises(ValueError) as info:
        mlp_forward(rng.normal(size=(6, 3)), params, ["relu", "softmax"])
    message = str(info.value)
    assert "(6, 3)" in message and "(5, 4)" in message
    assert "layer 1" in message and "layer 0" not in message


def test_mlp_shape_error_in_last_layer_names_that_layer():
    """A mismatch between layer 2 and layer 3 is reported at layer 3, with both shapes."""
    rng = np.random.default_rng(10)
    params = [(np.zeros((3, 4)), np.zeros(4)), (np.zeros((4, 6)), np.zeros(6)), (np.zeros((5, 2)), np.zeros(2))]
    with pytest.raises(ValueError) as info:
        mlp_forward(rng.normal(size=(2, 3)), params, ["tanh", "tanh", "linear"])
    message = str(info.value)
    assert "(2, 6)" in message and "(5, 2)" in message
    assert "layer 3" in message


def test_mlp_mismatched_list_lengths():
    """Two (W, b) pairs but three activations: a ValueError giving both counts."""
    params = [(np.zeros((3, 4)), np.zeros(4)), (np.zeros((4, 2)), np.zeros(2))]
    with pytest.raises(ValueError) as info:
        mlp_forward(np.zeros((1, 3)), params, ["relu", "relu", "softmax"])
    message = str(info.value)
    assert "2" in message and "3" in message
    with pytest.raises(ValueError):
        mlp_forward(np.zeros((1, 3)), params, ["relu"])


def test_unknown_activation_in_network_lists_known_ones():
    """A misspelt activation name fails with the list of known names."""
    with pytest.raises(ValueError, match="relu"):
        mlp_forward(np.zeros((1, 3)), [(np.zeros((3, 2)), np.zeros(2))], ["rleu"])


# --- batch normalisation ------------------------------------------------------------------------------------------

from gdkit.nn import (BatchNormCache, DropoutCache, batchnorm_backward, batchnorm_forward, dropout_backward,  # noqa: E402
                      dropout_forward, moving_average_update)

BN_SHAPES = [(2, 1), (5, 3), (16, 4), (7, 6)]  # (N, D)


def make_bn(shape, seed=0):
    N, D = shape
    rng = np.random.default_rng(seed)
    X = rng.normal(loc=rng.normal(size=D) * 3, scale=rng.uniform(0.5, 4, size=D), size=(N, D))
    return (X, rng.normal(size=D), rng.normal(size=D), rng.normal(size=D),
            rng.uniform(0.5, 2, size=D), rng.normal(size=(N, D)))


@pytest.mark.parametrize("shape", BN_SHAPES)
def test_batchnorm_forward_training_by_hand(shape):
    """Each column standardised with its batch mean and the variance divided by N, then scaled and shifted."""
    X, gamma, beta, mean, var, _ = make_bn(shape)
    Y, cache = batchnorm_forward(X, gamma, beta, mean, var, training=True, epsilon=1e-5)
    N, D = shape
    for d in range(D):
        column = X[:, d]
        mu = sum(column) / N
        biased = sum((column - mu) ** 2) / N
        expected = gamma[d] * (column - mu) / np.sqrt(biased + 1e-5) + beta[d]
        np.testing.assert_allclose(Y[:, d], expected, rtol=1e-12, atol=1e-12)
        assert cache.mean[d] == pytest.approx(mu, rel=1e-12) and cache.var[d] == pytest.approx(biased, rel=1e-12)
    assert isinstance(cache, BatchNormCache) and cache.training
    # with gamma = 1, beta = 0 the output has mean 0 and (biased) variance var / (var + eps) per feature
    Y0, _ = batchnorm_forward(X, np.ones(shape[1]), np.zeros(shape[1]), epsilon=1e-5)
    np.testing.assert_allclose(Y0.mean(axis=0), 0, atol=1e-12)
    np.testing.assert_allclose(Y0.var(axis=0), cache.var / (cache.var + 1e-5), rtol=1e-10)


@pytest.mark.parametrize("shape", BN_SHAPES)
def test_batchnorm_forward_inference_uses_the_running_averages(shape):
    """At inference the running mean and variance replace the batch statistics; each row is independent."""
    X, gamma, beta, mean, var, _ = make_bn(shape, seed=1)
    Y, cache = batchnorm_forward(X, gamma, beta, mean, var, training=False)
    np.testing.assert_allclose(Y, gamma * (X - mean) / np.sqrt(var + 1e-3) + beta, rtol=1e-13)
    assert not cache.training
    first_row, _ = batchnorm_forward(X[:1], gamma, beta, mean, var, training=False)
    np.testing.assert_allclose(first_row, Y[:1], rtol=1e-14)


@pytest.mark.parametrize("training", [True, False])
@pytest.mark.parametrize("shape", BN_SHAPES)
def test_batchnorm_backward_matches_finite_differences(shape, training):
    """dX, dgamma, dbeta against numerical vector-Jacobian products, in both modes."""
    X, gamma, beta, mean, var, dY = make_bn(shape, seed=2 + shape[0])

    def forward(x=X, g=gamma, b=beta):
        return batchnorm_forward(x, g, b, mean, var, training=training)[0]

    dX, dgamma, dbeta = batchnorm_backward(dY, batchnorm_forward(X, gamma, beta, mean, var, training=training)[1])
    assert relative_error(dX, numerical_gradient_array(lambda x: forward(x=x), X, dY)) < 1e-6
    assert relative_error(dgamma, numerical_gradient_array(lambda g: forward(g=g), gamma, dY)) < 1e-7
    assert relative_error(dbeta, numerical_gradient_array(lambda b: forward(b=b), beta, dY)) < 1e-7


def test_batchnorm_backward_training_properties():
    """In training, dX sums to zero over the batch and is orthogonal to X_hat (per feature): shifting or scaling a
    feature of the whole batch does not change the output (exactly so only for epsilon -> 0)."""
    X, gamma, beta, _, _, dY = make_bn((9, 4), seed=5)
    Y, cache = batchnorm_forward(X, gamma, beta, epsilon=1e-14)
    dX, _, _ = batchnorm_backward(dY, cache)
    np.testing.assert_allclose(dX.sum(axis=0), 0, atol=1e-12)
    np.testing.assert_allclose((dX * cache.X_hat).sum(axis=0), 0, atol=1e-12)
    assert batchnorm_backward(dY, cache, need_dX=False)[0] is None


def test_batchnorm_batch_of_one_outputs_beta_and_passes_no_gradient():
    X, gamma, beta = np.array([[3.0, -2.0]]), np.array([2.0, 0.5]), np.array([0.1, 0.2])
    Y, cache = batchnorm_forward(X, gamma, beta)
    np.testing.assert_array_equal(Y, beta[None, :])
    dX, dgamma, dbeta = batchnorm_backward(np.array([[1.0, 1.0]]), cache)
    np.testing.assert_array_equal(dX, 0.0)
    np.testing.assert_array_equal(dgamma, 0.0)
    np.testing.assert_array_equal(dbeta, [1.0, 1.0])


def test_batchnorm_errors_name_the_problem():
    X = np.zeros((4, 3))
    with pytest.raises(ValueError, match="training=False.*needs running_mean"):
        batchnorm_forward(X, np.ones(3), np.zeros(3), training=False)
    with pytest.raises(ValueError, match=r"gamma has shape \(2,\) but X has shape \(4, 3\)"):
        batchnorm_forward(X, np.ones(2), np.zeros(3))
    with pytest.raises(ValueError, match="must be 2-D"):
        batchnorm_forward(np.zeros(3), np.ones(3), np.zeros(3))


def test_moving_average_update_keras_convention():
    """momentum 0.99 keeps 99 % of the old average; 0 replaces it; 1 freezes it; torch's m is 1 - m."""
    assert moving_average_update(np.array([10.0]), np.array([0.0]), 0.99)[0] == pytest.approx(9.9)
    np.testing.assert_array_equal(moving_average_update(np.array([1.0]), np.array([5.0]), 0.0), [5.0])
    np.testing.assert_array_equal(moving_average_update(np.array([1.0]), np.array([5.0]), 1.0), [1.0])
    with pytest.raises(ValueError, match="torch's momentum=m is momentum=1-m"):
        moving_average_update(np.zeros(1), np.zeros(1), 1.5)


# --- dropout ------------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("rate", [0.1, 0.5, 0.8])
def test_dropout_drops_the_rate_and_rescales_the_survivors(rate):
    """About a fraction `rate` of entries become 0, the others are X / (1 - rate); the mean is preserved."""
    X = np.random.default_rng(0).uniform(1, 2, size=(400, 250))
    Y, cache = dropout_forward(X, rate, rng=1)
    dropped = Y == 0
    # 100,000 Bernoulli draws: the fraction is within 5 standard errors of rate
    assert abs(dropped.mean() - rate) < 5 * np.sqrt(rate * (1 - rate) / X.size)
    np.testing.assert_allclose(Y[~dropped], X[~dropped] / (1 - rate), rtol=1e-15)
    assert abs(Y.mean() / X.mean() - 1) < 5 * np.sqrt(rate / (1 - rate) / X.size) * X.std() / X.mean() + 0.01
    assert isinstance(cache, DropoutCache)


def test_dropout_expectation_over_masks_is_the_input():
    """Averaged over many masks, the output of each entry converges to the input (inverted dropout)."""
    X = np.array([[1.0, -2.0, 3.0]])
    rng = np.random.default_rng(3)
    outputs = np.array([dropout_forward(X, 0.5, rng)[0] for _ in range(20000)])
    # each entry: mean of 20,000 draws of X * 2 * Bernoulli(0.5), standard error |X| / sqrt(20000)
    np.testing.assert_allclose(outputs.mean(axis=0), X, atol=5 * 3 / np.sqrt(20000))


def test_dropout_mask_comes_from_rng_random():
    """The documented mask: rng.random(X.shape) >= rate keeps an entry (so a seed fixes it)."""
    X = np.arange(1.0, 13.0).reshape(3, 4)
    Y, cache = dropout_forward(X, 0.25, rng=np.random.default_rng(42))
    keep = np.random.default_rng(42).random(X.shape) >= 0.25
    np.testing.assert_allclose(Y, np.where(keep, X / 0.75, 0.0), rtol=1e-15)
    np.testing.assert_array_equal(dropout_forward(X, 0.25, rng=42)[0], Y)


def test_dropout_inference_and_rate_zero_are_the_identity():
    X = np.random.default_rng(0).normal(size=(5, 4))
    for Y, cache in (dropout_forward(X, 0.5, rng=0, training=False), dropout_forward(X, 0.0, rng=0)):
        np.testing.assert_array_equal(Y, X)
        assert cache.mask is None
        dY = np.ones_like(X)
        np.testing.assert_array_equal(dropout_backward(dY, cache), dY)


def test_dropout_backward_matches_finite_differences_for_a_fixed_mask():
    X, dY = np.random.default_rng(1).normal(size=(2, 6, 5))
    _, cache = dropout_forward(X, 0.3, rng=7)
    numeric = numerical_gradient_array(lambda x: dropout_forward(x, 0.3, rng=7)[0], X, dY)
    assert relative_error(dropout_backward(dY, cache), numeric) < 1e-8
    np.testing.assert_array_equal(dropout_backward(dY, cache) == 0, cache.mask == 0)


def test_dropout_keeps_float32_and_rejects_bad_rates():
    X = np.ones((3, 3), dtype=np.float32)
    assert dropout_forward(X, 0.5, rng=0)[0].dtype == np.float32
    for rate in (1.0, -0.1, "0.5", True):
        with pytest.raises(ValueError, match=r"fraction of units dropped.*\[0, 1\)"):
            dropout_forward(X, rate)


# --- properties over many inputs (hypothesis) ------------------------------------------------------------------------
from hypothesis import given  # noqa: E402
from hypothesis import strategies as st  # noqa: E402
from hypothesis.extra import numpy as hnp  # noqa: E402

_batches = hnp.arrays(np.float64, st.tuples(st.integers(2, 12), st.integers(1, 5)),
                      elements=st.floats(-1e3, 1e3, allow_nan=False, allow_infinity=False))


@given(_batches, st.floats(-5, 5), st.floats(0.1, 5))
def test_batchnorm_output_ignores_a_shift_and_a_positive_scale_of_the_batch(X, shift, scale):
    """Training mode: X and scale * X + shift give the same output when epsilon is negligible, and every column of
    the output has mean beta."""
    # no (nearly) constant column: each column spreads over a range comparable to its values
    X = X + 0.1 * (1 + np.abs(X).max()) * np.arange(X.shape[0])[:, None] * (np.arange(X.shape[1]) + 1)
    gamma, beta = np.linspace(0.5, 2, X.shape[1]), np.linspace(-1, 1, X.shape[1])
    Y, _ = batchnorm_forward(X, gamma, beta, epsilon=1e-300)
    Y2, _ = batchnorm_forward(scale * X + shift, gamma, beta, epsilon=1e-300)
    np.testing.assert_allclose(Y2, Y, atol=1e-6 * (1 + np.abs(Y).max()))
    np.testing.assert_allclose(Y.mean(axis=0), beta, atol=1e-9)


@given(_batches, st.integers(0, 2 ** 32 - 1))
def test_batchnorm_training_gradient_has_no_component_along_the_batch_mean(X, seed):
    """sum over the batch of dX is 0 for any upstream gradient: shifting the whole batch changes nothing."""
    dY = np.random.default_rng(seed).normal(size=X.shape)
    _, cache = batchnorm_forward(X, np.ones(X.shape[1]), np.zeros(X.shape[1]))
    dX, _, dbeta = batchnorm_backward(dY, cache)
    np.testing.assert_allclose(dX.sum(axis=0), 0, atol=1e-9 * (1 + np.abs(dX).max() * X.shape[0]))
    np.testing.assert_allclose(dbeta, dY.sum(axis=0), rtol=1e-12)


@given(_batches, st.floats(0, 0.95), st.integers(0, 2 ** 32 - 1))
def test_dropout_output_is_zero_or_the_rescaled_input(X, rate, seed):
    Y, cache = dropout_forward(X, rate, rng=seed)
    kept = cache.mask != 0 if cache.mask is not None else np.ones(X.shape, bool)
    np.testing.assert_allclose(Y[kept], X[kept] / (1 - rate), rtol=1e-12)
    assert np.all(Y[~kept] == 0)
