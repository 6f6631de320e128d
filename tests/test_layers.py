"""gdkit.layers: Dense and Activation against the gdkit.nn functions they wrap, finite differences, shapes,
dtypes, regularizers and argument checks."""
import numpy as np
import pytest

from gdkit import activations, nn, regularizers
from gdkit.layers import Activation, Dense


def built_dense(units=4, d=3, activation="tanh", seed=0, **kwargs):
    layer = Dense(units, activation=activation, **kwargs)
    layer.build(d, np.random.default_rng(seed), np.float64)
    layer.b[...] = np.random.default_rng(seed + 1).normal(size=units)
    return layer


def test_build_creates_weights_of_the_right_shapes_and_dtype():
    layer = Dense(5)
    assert not layer.built and layer.count_params() == 0
    layer.build(3, np.random.default_rng(0), np.float32)
    assert layer.built and (layer.input_dim, layer.output_dim) == (3, 5)
    assert layer.W.shape == (3, 5) and layer.b.shape == (5,)
    assert layer.W.dtype == layer.b.dtype == np.float32
    assert layer.params[0] is layer.W and layer.params[1] is layer.b
    assert [g.shape for g in layer.grads] == [(3, 5), (5,)]
    assert layer.count_params() == 20
    np.testing.assert_array_equal(layer.b, 0.0)  # Keras's default bias initializer
    limit = np.sqrt(6 / (3 + 5))  # glorot_uniform
    assert np.all(np.abs(layer.W) <= limit) and layer.W.std() > 0


def test_same_rng_same_weights():
    a, b = Dense(4), Dense(4)
    a.build(3, np.random.default_rng(7), np.float64)
    b.build(3, np.random.default_rng(7), np.float64)
    np.testing.assert_array_equal(a.W, b.W)


def test_initializers_by_name():
    layer = Dense(50, kernel_initializer="he_normal", bias_initializer="ones")
    layer.build(200, np.random.default_rng(0), np.float64)
    np.testing.assert_array_equal(layer.b, 1.0)
    assert layer.W.std() == pytest.approx(np.sqrt(2 / 200), rel=0.1)


def test_forward_is_nn_dense_forward_then_the_activation():
    layer = built_dense(activation="relu")
    X = np.random.default_rng(2).normal(size=(6, 3))
    Z, _ = nn.dense_forward(X, layer.W, layer.b)
    A = layer.forward(X)
    np.testing.assert_array_equal(A, activations.relu(Z))
    np.testing.assert_array_equal(layer.pre_activation, Z)
    assert layer.output is A


@pytest.mark.parametrize("activation", ["linear", "tanh", "sigmoid", "relu", "elu", "softmax"])
def test_backward_matches_finite_differences(activation):
    """Dense.backward against central differences of L = sum(G * forward(X)) for a fixed random G."""
    layer = built_dense(activation=activation, seed=3)
    rng = np.random.default_rng(4)
    X, G = rng.normal(size=(5, 3)), rng.normal(size=(5, 4))

    def loss():
        return float(np.sum(G * layer.forward(X)))

    layer.forward(X)
    dX = layer.backward(G)
    analytic = {"X": dX, "W": layer.grads[0].copy(), "b": layer.grads[1].copy()}
    eps = 1e-6
    for name, array in (("X", X), ("W", layer.W), ("b", layer.b)):
        numeric = np.zeros_like(array)
        for index in np.ndindex(array.shape):
            old = array[index]
            array[index] = old + eps
            plus = loss()
            array[index] = old - eps
            minus = loss()
            array[index] = old
            numeric[index] = (plus - minus) / (2 * eps)
        np.testing.assert_allclose(analytic[name], numeric, rtol=1e-6, atol=1e-9, err_msg=f"d{name}, {activation}")


def test_backward_without_dX_returns_none_and_still_fills_grads():
    layer = built_dense()
    X = np.random.default_rng(0).normal(size=(4, 3))
    layer.forward(X)
    G = np.ones((4, 4))
    full = layer.backward(G)
    dW = layer.grads[0].copy()
    layer.forward(X)
    assert layer.backward(G, need_dX=False) is None
    np.testing.assert_array_equal(layer.grads[0], dW)
    assert full.shape == X.shape


def test_kernel_regularizer_adds_its_gradient_and_penalty():
    layer = built_dense(kernel_regularizer=regularizers.l2(0.1))
    plain = built_dense()
    X = np.random.default_rng(0).normal(size=(4, 3))
    for each in (layer, plain):
        each.forward(X)
        each.backward(np.ones((4, 4)))
    np.testing.assert_allclose(layer.grads[0], plain.grads[0] + 0.2 * layer.W, rtol=1e-13)
    np.testing.assert_array_equal(layer.grads[1], plain.grads[1])  # biases are not regularised
    assert layer.penalty() == pytest.approx(0.1 * np.sum(layer.W ** 2))
    assert plain.penalty() == 0.0
    assert built_dense(kernel_regularizer="l1").penalty() == pytest.approx(0.01 * np.sum(np.abs(built_dense().W)))


def test_use_bias_false_has_only_a_kernel():
    layer = Dense(3, use_bias=False)
    layer.build(2, np.random.default_rng(0), np.float64)
    assert layer.params == [layer.W] and len(layer.grads) == 1 and layer.count_params() == 6
    X = np.ones((2, 2))
    np.testing.assert_allclose(layer.forward(X), X @ layer.W)


def test_input_shape_and_input_dim():
    assert Dense(3, input_shape=(7,)).input_dim == 7
    assert Dense(3, input_dim=5).input_dim == 5
    with pytest.raises(ValueError, match=r"input_shape must be \(D,\).*\(28, 28\).*reshape"):
        Dense(3, input_shape=(28, 28))
    layer = Dense(3, input_dim=5, name="hidden")
    with pytest.raises(ValueError, match=r"hidden: declared input_dim=5 but receives inputs with 4 features"):
        layer.build(4, np.random.default_rng(0), np.float64)


@pytest.mark.parametrize("units", [0, -2, 2.5, "8"])
def test_units_must_be_a_positive_integer(units):
    with pytest.raises(ValueError, match="units must be a positive integer"):
        Dense(units)


def test_forward_shape_error_names_the_layer():
    layer = built_dense(d=3)
    layer.name = "dense_7"
    with pytest.raises(ValueError, match=r"dense_7.*\(2, 5\).*\(3, 4\)"):
        layer.forward(np.zeros((2, 5)))


def test_activation_layer_passes_shapes_through_and_backpropagates():
    layer = Activation("sigmoid")
    layer.build(4, None, np.float64)
    assert (layer.input_dim, layer.output_dim, layer.params, layer.count_params()) == (4, 4, [], 0)
    Z = np.linspace(-3, 3, 8).reshape(2, 4)
    A = layer.forward(Z)
    np.testing.assert_allclose(A, 1 / (1 + np.exp(-Z)))
    np.testing.assert_allclose(layer.backward(np.ones_like(Z)), A * (1 - A))
    assert layer.penalty() == 0.0


def test_activation_objects_and_reprs():
    assert Dense(3, activation=activations.get("relu")).activation.name == "relu"
    assert Dense(3).activation.name == "linear"  # None means linear, as in Keras
    assert repr(Dense(3, activation="relu")) == "Dense(3, activation='relu')"
    assert repr(Activation("tanh")) == "Activation('tanh')"


# ---- BatchNormalization -----------------------------------------------------------------------------------------
from conftest import require  # noqa: E402

from gdkit.gradcheck import numerical_gradient  # noqa: E402
from gdkit.layers import BatchNormalization, Dropout  # noqa: E402


def built_bn(d=4, **kwargs):
    layer = BatchNormalization(**kwargs)
    layer.build(d, np.random.default_rng(0), np.float64)
    return layer


def test_batchnorm_builds_keras_initial_values():
    layer = built_bn(3)
    np.testing.assert_array_equal(layer.gamma, 1.0)
    np.testing.assert_array_equal(layer.beta, 0.0)
    np.testing.assert_array_equal(layer.moving_mean, 0.0)
    np.testing.assert_array_equal(layer.moving_variance, 1.0)
    assert layer.params[0] is layer.gamma and layer.params[1] is layer.beta and layer.count_params() == 6
    assert (layer.momentum, layer.epsilon) == (0.99, 1e-3)  # Keras's defaults
    assert repr(layer) == "BatchNormalization(momentum=0.99, epsilon=0.001)"


def test_batchnorm_training_mode_uses_batch_statistics_and_updates_running_averages():
    layer = built_bn(2, momentum=0.9)
    rng = np.random.default_rng(1)
    X = rng.normal(loc=[5.0, -3.0], scale=[2.0, 0.5], size=(50, 2))
    Y = layer.forward(X, training=True)
    Y_expected, _ = nn.batchnorm_forward(X, layer.gamma, layer.beta, epsilon=1e-3)
    np.testing.assert_array_equal(Y, Y_expected)
    np.testing.assert_allclose(layer.moving_mean, 0.9 * 0 + 0.1 * X.mean(axis=0), rtol=1e-14)
    np.testing.assert_allclose(layer.moving_variance, 0.9 * 1 + 0.1 * X.var(axis=0), rtol=1e-14)  # biased var


def test_batchnorm_inference_mode_uses_running_averages_and_does_not_update_them():
    layer = built_bn(2)
    layer.moving_mean[...] = [1.0, 2.0]
    layer.moving_variance[...] = [4.0, 0.25]
    X = np.array([[3.0, 2.5], [1.0, 1.5]])
    Y = layer.forward(X)  # training=False by default
    np.testing.assert_allclose(Y, (X - [1.0, 2.0]) / np.sqrt(np.array([4.0, 0.25]) + 1e-3), rtol=1e-14)
    np.testing.assert_array_equal(layer.moving_mean, [1.0, 2.0])
    layer.forward(X)
    dX = layer.backward(np.ones_like(X))
    np.testing.assert_allclose(dX, np.broadcast_to(1 / np.sqrt(np.array([4.0, 0.25]) + 1e-3), X.shape), rtol=1e-14)


@pytest.mark.parametrize("training", [True, False])
def test_batchnorm_layer_backward_matches_finite_differences(training):
    layer = built_bn(3)
    rng = np.random.default_rng(4)
    layer.gamma[...], layer.beta[...] = rng.normal(size=3), rng.normal(size=3)
    layer.moving_mean[...], layer.moving_variance[...] = rng.normal(size=3), rng.uniform(0.5, 2, size=3)
    X, G = rng.normal(size=(6, 3)) * 2 + 1, rng.normal(size=(6, 3))

    def loss():
        return float(np.sum(G * layer.forward(X, training=training)))

    layer.forward(X, training=training)
    dX = layer.backward(G)
    analytic = {"X": dX, "gamma": layer.grads[0].copy(), "beta": layer.grads[1].copy()}
    for name, array in (("X", X), ("gamma", layer.gamma), ("beta", layer.beta)):
        numeric = numerical_gradient(lambda _: loss(), array)  # perturbs array in place
        np.testing.assert_allclose(analytic[name], numeric, rtol=1e-6, atol=1e-8, err_msg=f"d{name}, {training}")


@pytest.mark.parametrize("momentum, epsilon", [(0.99, 1e-3), (0.9, 1e-5)])
def test_batchnorm_agrees_with_torch_batchnorm1d(momentum, epsilon):
    """torch.nn.BatchNorm1d(momentum=1 - momentum): same training output and gradients, same running mean, and
    running variances that differ only by torch's unbiased N / (N - 1) factor; same inference output."""
    torch = require("torch")
    D, N, steps = 4, 8, 6
    rng = np.random.default_rng(11)
    ours = built_bn(D, momentum=momentum, epsilon=epsilon)
    ours.gamma[...], ours.beta[...] = rng.normal(size=D), rng.normal(size=D)
    theirs = torch.nn.BatchNorm1d(D, eps=epsilon, momentum=1 - momentum, dtype=torch.float64)
    with torch.no_grad():
        theirs.weight.copy_(torch.tensor(ours.gamma))
        theirs.bias.copy_(torch.tensor(ours.beta))
    theirs.train()
    biased_running_var, unbiased_running_var = np.ones(D), np.ones(D)
    for _ in range(steps):
        X = rng.normal(loc=3.0, scale=2.0, size=(N, D))
        dY = rng.normal(size=(N, D))
        Y = ours.forward(X, training=True)
        dX = ours.backward(dY)
        X_t = torch.tensor(X, requires_grad=True)
        theirs.weight.grad = theirs.bias.grad = None
        Y_t = theirs(X_t)
        Y_t.backward(torch.tensor(dY))
        assert np.max(np.abs(Y - Y_t.detach().numpy())) <= 1e-12
        assert np.max(np.abs(dX - X_t.grad.numpy())) <= 1e-12
        assert np.max(np.abs(ours.grads[0] - theirs.weight.grad.numpy())) <= 1e-12
        assert np.max(np.abs(ours.grads[1] - theirs.bias.grad.numpy())) <= 1e-12
        biased_running_var = momentum * biased_running_var + (1 - momentum) * X.var(axis=0)
        unbiased_running_var = momentum * unbiased_running_var + (1 - momentum) * X.var(axis=0, ddof=1)
    assert np.max(np.abs(ours.moving_mean - theirs.running_mean.numpy())) <= 1e-12
    np.testing.assert_allclose(ours.moving_variance, biased_running_var, rtol=1e-13)  # gdkit: biased, as Keras
    np.testing.assert_allclose(theirs.running_var.numpy(), unbiased_running_var, rtol=1e-13)  # torch: unbiased
    assert np.all(theirs.running_var.numpy() > ours.moving_variance)
    # at inference with the same running statistics, the same output
    theirs.eval()
    with torch.no_grad():
        theirs.running_var.copy_(torch.tensor(ours.moving_variance))
    X = rng.normal(size=(5, D))
    assert np.max(np.abs(ours.forward(X) - theirs(torch.tensor(X)).detach().numpy())) <= 1e-12


def test_batchnorm_float32_and_argument_checks():
    layer = BatchNormalization()
    layer.build(3, None, np.float32)
    assert layer.forward(np.ones((4, 3), dtype=np.float32), training=True).dtype == np.float32
    assert layer.moving_mean.dtype == np.float32
    with pytest.raises(ValueError, match="torch's momentum=m is 1-m here"):
        BatchNormalization(momentum=1.5)
    with pytest.raises(ValueError, match="epsilon must be a number > 0"):
        BatchNormalization(epsilon=0)


# ---- Dropout ----------------------------------------------------------------------------------------------------
def test_dropout_layer_is_active_only_in_training():
    layer = Dropout(0.5, seed=0)
    layer.build(100, None, np.float64)
    X = np.ones((50, 100))
    np.testing.assert_array_equal(layer.forward(X), X)
    np.testing.assert_array_equal(layer.backward(np.full_like(X, 3.0)), 3.0)
    Y = layer.forward(X, training=True)
    assert set(np.unique(Y)) == {0.0, 2.0} and 0.45 < (Y == 0).mean() < 0.55
    dX = layer.backward(np.ones_like(X))
    np.testing.assert_array_equal(dX, Y)  # the same mask and scale as the forward pass
    assert (layer.count_params(), layer.output_dim, repr(layer)) == (0, 100, "Dropout(0.5)")


def test_dropout_layer_masks_change_per_call_and_follow_the_seed():
    a, b = Dropout(0.3, seed=5), Dropout(0.3, seed=5)
    for layer in (a, b):
        layer.build(20, None, np.float64)
    X = np.ones((10, 20))
    first, second = a.forward(X, training=True), a.forward(X, training=True)
    assert not np.array_equal(first, second)
    np.testing.assert_array_equal(b.forward(X, training=True), first)
    shared = Dropout(0.3)  # no seed: the generator handed over by build (the model's)
    shared.build(20, np.random.default_rng(5), np.float64)
    np.testing.assert_array_equal(shared.forward(X, training=True), first)


@pytest.mark.parametrize("rate", [1.0, -0.2, "0.5"])
def test_dropout_rate_must_be_a_fraction(rate):
    with pytest.raises(ValueError, match=r"fraction of units dropped.*\[0, 1\)"):
        Dropout(rate)


def test_batchnorm_weights_are_keras_four_arrays_of_which_two_are_trained():
    layer = built_bn(3)
    layer.moving_mean[...] = [1.0, 2.0, 3.0]
    weights = layer.get_weights()
    assert len(weights) == 4 and layer.params == [layer.gamma, layer.beta] and layer.count_params() == 6
    np.testing.assert_array_equal(weights[2], [1.0, 2.0, 3.0])
    layer.set_weights([np.full(3, 2.0), np.full(3, -1.0), np.zeros(3), np.full(3, 4.0)])
    np.testing.assert_array_equal(layer.gamma, 2.0)
    np.testing.assert_array_equal(layer.moving_variance, 4.0)
    assert BatchNormalization().get_weights() == []
