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


@pytest.mark.parametrize("loss, output", [("mse", None), ("binary_crossentropy", "sigmoid")])
def test_backward_norms_match_a_hand_written_backward_pass(loss, output):
    """||A_{l-1}||, ||dZ_l|| and ||dW_l|| of a 3-4-5-2 net equal those of a backward pass written out here."""
    from gdkit import Sequential
    from gdkit.layers import Dense
    rng = np.random.default_rng(3)
    X = rng.standard_normal((6, 3))
    y = rng.integers(0, 2, size=(6, 2)).astype(float)
    model = Sequential([Dense(4, activation="tanh"), Dense(5, activation="relu"), Dense(2, activation=output)],
                       rng=1)
    model.compile(optimizer="sgd", loss=loss)
    norms = diagnostics.backward_norms(model, X, y)
    (W1, b1), (W2, b2), (W3, b3) = [layer.params for layer in model.layers]
    Z1 = X @ W1 + b1
    A1 = np.tanh(Z1)
    Z2 = A1 @ W2 + b2
    A2 = np.maximum(Z2, 0)
    Z3 = A2 @ W3 + b3
    if loss == "mse":
        dZ3 = 2 * (Z3 - y) / y.size
    else:  # sigmoid + binary cross-entropy over all N*K entries: dL/dZ = (sigmoid(Z) - y) / (N K)
        dZ3 = (1 / (1 + np.exp(-Z3)) - y) / y.size
    dZ2 = (dZ3 @ W3.T) * (Z2 > 0)
    dZ1 = (dZ2 @ W2.T) * (1 - A1 ** 2)
    names = [layer.name for layer in model.layers]
    expected = {"input": [X, A1, A2], "dZ": [dZ1, dZ2, dZ3], "dW": [X.T @ dZ1, A1.T @ dZ2, A2.T @ dZ3]}
    for key, arrays in expected.items():
        assert list(norms[key]) == names
        np.testing.assert_allclose(list(norms[key].values()), [np.linalg.norm(a) for a in arrays], rtol=1e-10)
    assert "backward_from_z" not in vars(model.layers[0])        # the recording is removed afterwards
    np.testing.assert_array_equal(model.layers[0].W, W1)           # and the weights did not change


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


def _linear_model_and_data():
    from gdkit import Sequential, optimizers
    from gdkit.layers import Dense
    rng = np.random.default_rng(4)
    X, y = rng.normal(size=(6, 2)), rng.normal(size=(6, 1))
    model = Sequential([Dense(1, input_dim=2)], rng=0)
    model.compile(optimizer=optimizers.SGD(0.1), loss="mse")
    W, b = model.get_weights()
    # per-example gradient of (x W + b - y)^2: dW = 2 x^T r, db = 2 r, with r = x W + b - y
    r = X @ W + b - y
    per_example = np.column_stack([2 * X * r, 2 * r])          # (6, 3): [dW_1, dW_2, db], as get_weights orders
    return model, X, y, per_example


def test_gradient_noise_against_hand_computed_per_example_gradients():
    model, X, y, per_example = _linear_model_and_data()
    weights = [w.copy() for w in model.get_weights()]
    noise = training.gradient_noise(model, X, y)
    G = per_example.mean(axis=0)
    np.testing.assert_allclose(noise.gradient, G, rtol=1e-12)
    full = model.compute_gradients(X, y)
    np.testing.assert_allclose(noise.gradient, np.concatenate([full[0][0].ravel(), full[0][1]]), rtol=1e-12)
    trace = np.mean(np.sum((per_example - G) ** 2, axis=1))
    assert noise.trace_covariance == pytest.approx(trace, rel=1e-12)
    assert noise.noise_scale == pytest.approx(trace / (G @ G), rel=1e-12)
    assert noise.n_examples == 6
    for new, old in zip(model.get_weights(), weights):
        np.testing.assert_array_equal(new, old)


@pytest.mark.parametrize("batch_size", [1, 2, 3, 5, 6])
def test_batch_variance_is_the_mean_over_all_batches_without_replacement(batch_size):
    """Enumerate every batch of distinct examples: the mean of ||g_B - G||^2 over all of them."""
    from itertools import combinations
    model, X, y, per_example = _linear_model_and_data()
    noise = training.gradient_noise(model, X, y)
    G = per_example.mean(axis=0)
    errors = [np.sum((per_example[list(batch)].mean(axis=0) - G) ** 2)
              for batch in combinations(range(6), batch_size)]
    assert noise.batch_variance(batch_size) == pytest.approx(np.mean(errors), rel=1e-12, abs=1e-15)


def test_batch_variance_rejects_impossible_sizes():
    model, X, y, _ = _linear_model_and_data()
    with pytest.raises(ValueError, match="between 1 and N = 6"):
        training.gradient_noise(model, X, y).batch_variance(7)
