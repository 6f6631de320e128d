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
