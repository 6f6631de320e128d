"""gdkit.models.Sequential: gradients against finite differences, one SGD step by hand, fit's behaviour
(history, validation, shuffling, verbosity, divergence, diagnostics, float32), error messages, and 20 training
steps against PyTorch as an independent oracle."""
import re

import numpy as np
import pytest
from conftest import require

import gdkit
from gdkit import activations, losses, optimizers, regularizers
from gdkit.callbacks import TrainingDivergedWarning
from gdkit.layers import Activation, Dense
from gdkit.models import Sequential


# ---- helpers ------------------------------------------------------------------------------------------------
def numerical_gradients(model, x, y, eps=1e-6):
    """Central differences of ``model.evaluate(x, y)`` (loss plus penalty) for every parameter, in layer order."""
    grads = []
    for layer in model.layers:
        layer_grads = []
        for param in layer.params:
            grad = np.zeros_like(param)
            for index in np.ndindex(param.shape):
                old = param[index]
                param[index] = old + eps
                plus = model.evaluate(x, y)
                param[index] = old - eps
                minus = model.evaluate(x, y)
                param[index] = old
                grad[index] = (plus - minus) / (2 * eps)
            layer_grads.append(grad)
        grads.append(layer_grads)
    return grads


def relative_error(a, b):
    return np.max(np.abs(a - b)) / max(np.max(np.abs(a) + np.abs(b)), 1e-300)


def regression_data(n=12, d=3, k=2, seed=0):
    rng = np.random.default_rng(seed)
    return rng.normal(size=(n, d)), rng.normal(size=(n, k))


def binary_data(n=100, d=4, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, d))
    return x, (x[:, 0] + 0.5 * x[:, 1] > 0).astype(float)


# ---- gradients ----------------------------------------------------------------------------------------------
def _gradient_cases():
    rng = np.random.default_rng(1)
    x = rng.normal(size=(9, 3))
    labels = rng.integers(0, 4, size=9)
    one_hot = np.eye(4)[labels]
    return {
        "mse+linear": ([Dense(5, "tanh", input_dim=3), Dense(2)], "mse", x, rng.normal(size=(9, 2)), False),
        "bce+sigmoid (fused)": ([Dense(5, "tanh", input_dim=3), Dense(1, "sigmoid")], "binary_crossentropy", x,
                                rng.integers(0, 2, size=9).astype(float), True),
        "bce+sigmoid, 2 outputs (fused)": ([Dense(4, "relu", input_dim=3), Dense(2, "sigmoid")],
                                           "binary_crossentropy", x, rng.integers(0, 2, size=(9, 2)), True),
        "cce+softmax one-hot (fused)": ([Dense(5, "sigmoid", input_dim=3), Dense(4, "softmax")],
                                        "categorical_crossentropy", x, one_hot, True),
        "cce+softmax integer labels (fused)": ([Dense(5, "elu", input_dim=3), Dense(4, "softmax")],
                                               "categorical_crossentropy", x, labels, True),
        "cce+softmax as Activation layer (fused)": ([Dense(5, "tanh", input_dim=3), Dense(4), Activation("softmax")],
                                                    "sparse_categorical_crossentropy", x, labels, True),
        "cce+sigmoid output (unfused)": ([Dense(5, "tanh", input_dim=3), Dense(4, "sigmoid")],
                                         "categorical_crossentropy", x, one_hot, False),
        "bce+linear output (unfused)": ([Dense(5, "tanh", input_dim=3), Dense(1, "linear")], "mse", x,
                                        rng.normal(size=9), False),
        "mse with kernel l2": ([Dense(5, "tanh", input_dim=3, kernel_regularizer=regularizers.l2(0.03)),
                                Dense(2, kernel_regularizer="l2")], "mse", x, rng.normal(size=(9, 2)), False),
        "bce with kernel l1 and l1_l2": ([Dense(5, "leaky_relu", input_dim=3, kernel_regularizer=regularizers.l1(0.02)),
                                          Dense(1, "sigmoid", kernel_regularizer=regularizers.l1_l2(0.01, 0.02))],
                                         "binary_crossentropy", x, rng.integers(0, 2, size=9), True),
    }


@pytest.mark.parametrize("case", list(_gradient_cases()))
def test_compute_gradients_match_finite_differences_of_evaluate(case):
    layers, loss, x, y, fused = _gradient_cases()[case]
    model = Sequential(layers, rng=3)
    model.compile(optimizer="sgd", loss=loss)
    model.build(x.shape[1])
    for layer in model.layers:  # non-zero biases, so a wrong db cannot hide
        if len(layer.params) == 2:
            layer.b[...] = np.random.default_rng(4).normal(scale=0.3, size=layer.b.shape)
    assert model._fused_output() == fused, "the case does not exercise the intended (fused/unfused) path"
    before = model.get_weights()
    analytic = model.compute_gradients(x, y)
    for old, new in zip(before, model.get_weights()):
        np.testing.assert_array_equal(old, new, err_msg="compute_gradients must not change the weights")
    numeric = numerical_gradients(model, x, y)
    for layer, a_layer, n_layer in zip(model.layers, analytic, numeric):
        assert len(a_layer) == len(layer.params)
        for name, a, n in zip(["dW", "db"], a_layer, n_layer):
            assert a.shape == n.shape
            assert relative_error(a, n) < 1e-7, f"{case}: {name} of {layer.name} differs from finite differences"


def test_fused_and_unfused_paths_give_the_same_gradients():
    """Folding softmax into CCE is an optimisation only: a custom softmax object with another name is unfused."""
    x, _ = regression_data(8, 3)
    labels = np.arange(8) % 3
    other_softmax = activations.Activation("my_softmax", activations.softmax, None, elementwise=False)
    grads = []
    for act in ("softmax", other_softmax):
        model = Sequential([Dense(4, "tanh", input_dim=3), Dense(3, act)], rng=0)
        model.compile(loss="categorical_crossentropy")
        grads.append(model.compute_gradients(x, labels))
    assert Sequential([Dense(3, other_softmax, input_dim=2)]).layers[0].activation.name == "my_softmax"
    for a, b in zip(sum(grads[0], []), sum(grads[1], [])):
        np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-14)


# ---- one step by hand -----------------------------------------------------------------------------------------
def test_train_on_batch_sgd_equals_hand_computed_update():
    rng = np.random.default_rng(5)
    x, y = rng.normal(size=(6, 3)), rng.integers(0, 2, size=(6, 1)).astype(float)
    model = Sequential([Dense(4, "tanh", input_dim=3), Dense(1, "sigmoid")], rng=2)
    model.compile(optimizer=optimizers.SGD(learning_rate=0.3), loss="binary_crossentropy")
    W1, b1, W2, b2 = model.get_weights()
    b1 += 0.1  # non-zero biases
    b2 -= 0.2
    model.set_weights([W1, b1, W2, b2])
    # The backpropagation chapter's formulas, written out independently of gdkit:
    A1 = np.tanh(x @ W1 + b1)
    Z2 = A1 @ W2 + b2
    P = 1 / (1 + np.exp(-Z2))
    expected_loss = -np.mean(y * np.log(P) + (1 - y) * np.log(1 - P))
    dZ2 = (P - y) / len(x)
    dW2, db2 = A1.T @ dZ2, dZ2.sum(axis=0)
    dZ1 = (dZ2 @ W2.T) * (1 - A1 ** 2)
    dW1, db1 = x.T @ dZ1, dZ1.sum(axis=0)
    loss = model.train_on_batch(x, y)
    assert loss == pytest.approx(expected_loss, rel=1e-12)
    for new, old, grad in zip(model.get_weights(), [W1, b1, W2, b2], [dW1, db1, dW2, db2]):
        np.testing.assert_allclose(new, old - 0.3 * grad, rtol=1e-12, atol=1e-15)


def test_train_on_batch_with_l2_adds_two_lambda_w():
    rng = np.random.default_rng(6)
    x, y = rng.normal(size=(5, 2)), rng.normal(size=(5, 1))
    model = Sequential([Dense(1, input_dim=2, kernel_regularizer=regularizers.l2(0.1))], rng=0)
    model.compile(optimizer=optimizers.SGD(0.5), loss="mse")
    W, b = model.get_weights()
    residual = x @ W + b - y
    dW = 2 * x.T @ residual / len(x) + 2 * 0.1 * W
    db = 2 * residual.sum(axis=0) / len(x)
    loss = model.train_on_batch(x, y)
    assert loss == pytest.approx(np.mean(residual ** 2) + 0.1 * np.sum(W ** 2), rel=1e-12)
    np.testing.assert_allclose(model.get_weights()[0], W - 0.5 * dW, rtol=1e-12)
    np.testing.assert_allclose(model.get_weights()[1], b - 0.5 * db, rtol=1e-12)


# ---- fit ------------------------------------------------------------------------------------------------------
def small_model(seed=0, metrics=("accuracy",), optimizer="adam", d=4):
    model = Sequential([Dense(8, "relu", input_dim=d), Dense(1, "sigmoid")], rng=seed)
    model.compile(optimizer=optimizer, loss="binary_crossentropy", metrics=list(metrics))
    return model


def test_fit_history_has_loss_metrics_and_validation_keys():
    x, y = binary_data()
    history = small_model().fit(x, y, epochs=3, batch_size=16, verbose=0, validation_split=0.2)
    assert set(history.history) == {"loss", "accuracy", "val_loss", "val_accuracy"}
    assert history.epoch == [0, 1, 2]
    assert all(len(values) == 3 for values in history.history.values())
    assert history.stopped_reason is None
    assert "3 epochs" in repr(history)


def test_validation_split_holds_out_the_last_examples_before_shuffling():
    x, y = binary_data(100)
    split = small_model(seed=1)
    history = split.fit(x, y, epochs=2, batch_size=16, verbose=0, validation_split=0.2, rng=7)
    manual = small_model(seed=1)
    manual.fit(x[:80], y[:80], epochs=2, batch_size=16, verbose=0, rng=7)
    for a, b in zip(split.get_weights(), manual.get_weights()):
        np.testing.assert_array_equal(a, b)
    loss, accuracy = split.evaluate(x[80:], y[80:])
    assert history.history["val_loss"][-1] == pytest.approx(loss, rel=1e-12)
    assert history.history["val_accuracy"][-1] == pytest.approx(accuracy)


def test_validation_data_is_evaluated_after_each_epoch():
    x, y = binary_data(100)
    x_val, y_val = binary_data(30, seed=9)
    model = small_model()
    history = model.fit(x, y, epochs=2, batch_size=20, verbose=0, validation_data=(x_val, y_val))
    assert history.history["val_loss"][-1] == pytest.approx(model.evaluate(x_val, y_val)[0], rel=1e-12)


def test_same_rng_same_history_other_rng_other_history():
    x, y = binary_data(120)
    runs = [small_model(seed=0).fit(x, y, epochs=3, batch_size=10, verbose=0, rng=seed).history
            for seed in (11, 11, 12)]
    assert runs[0] == runs[1]
    assert runs[0]["loss"] != runs[2]["loss"]


def test_batch_size_none_means_32_and_len_x_is_full_batch():
    x, y = binary_data(50)
    model = small_model(optimizer="sgd")
    model.fit(x, y, epochs=7, batch_size=None, verbose=0)
    assert model.optimizer.iterations == 7 * 2  # batches of 32 and 18, as in Keras
    model = small_model(optimizer="sgd")
    model.fit(x, y, epochs=7, batch_size=len(x), verbose=0)
    assert model.optimizer.iterations == 7
    model = small_model(optimizer="sgd")
    model.fit(x, y, epochs=2, batch_size=20, verbose=0)
    assert model.optimizer.iterations == 2 * 3  # batches of 20, 20, 10


def test_full_batch_fit_equals_repeated_train_on_batch():
    x, y = binary_data(40)
    a, b = small_model(seed=2, optimizer="sgd"), small_model(seed=2, optimizer="sgd")
    history = a.fit(x, y, epochs=4, batch_size=len(x), verbose=0)
    step_losses = [b.train_on_batch(x, y) for _ in range(4)]
    np.testing.assert_allclose(history.history["loss"], step_losses, rtol=1e-12)
    for wa, wb in zip(a.get_weights(), b.get_weights()):
        np.testing.assert_array_equal(wa, wb)


def test_verbose_0_prints_nothing(capsys):
    x, y = binary_data(40)
    small_model().fit(x, y, epochs=2, verbose=0)
    assert capsys.readouterr().out == ""


def test_verbose_1_prints_epoch_headers_and_a_bar(capsys):
    x, y = binary_data(40)
    small_model().fit(x, y, epochs=2, batch_size=8, verbose=1)
    out = capsys.readouterr().out
    assert "Epoch 1/2" in out and "Epoch 2/2" in out
    # Keras 3's last line of an epoch: steps, a full bar of 20, time, then the logs in alphabetical order
    last_lines = [line.split("\r")[-1].rstrip() for line in out.split("\n") if "\r" in line]
    assert len(last_lines) == 2
    for line in last_lines:
        assert re.fullmatch(r"5/5 ━{20} \d+s \d+(us|ms)/step - accuracy: \d\.\d{4} - loss: \d\.\d{4}", line), line


def test_verbose_2_prints_one_line_per_epoch(capsys):
    x, y = binary_data(40)
    small_model().fit(x, y, epochs=3, batch_size=8, verbose=2)
    lines = capsys.readouterr().out.strip().splitlines()
    assert lines[0::2] == ["Epoch 1/3", "Epoch 2/3", "Epoch 3/3"]  # Keras 3: a header, then one line per epoch
    for line in lines[1::2]:
        assert re.fullmatch(r"5/5 - \d+s - \d+(us|ms)/step - accuracy: \d\.\d{4} - loss: \d\.\d{4}", line), line


def test_divergence_stops_with_a_warning_naming_the_epoch_and_the_learning_rate():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(50, 3)) * 10
    y = x @ np.array([[100.0], [-50.0], [30.0]])
    model = Sequential([Dense(8, "relu", input_dim=3), Dense(1)], rng=0)
    model.compile(optimizer=optimizers.SGD(learning_rate=1.0), loss="mse")
    with pytest.warns(TrainingDivergedWarning) as record:
        history = model.fit(x, y, epochs=50, batch_size=len(x), verbose=0)
    message = str(record[0].message)
    epochs_run = len(history.epoch)
    assert epochs_run < 50
    assert f"epoch {epochs_run}" in message
    assert "smaller learning rate" in message and "1.0" in message
    assert history.stopped_reason == message
    assert not np.isfinite(history.history["loss"][-1])


def test_divergence_in_the_first_epoch_stops_after_it():
    x = np.ones((4, 1))
    y = np.full((4, 1), 1e200)
    model = Sequential([Dense(1, input_dim=1)], rng=0)
    model.compile(optimizer=optimizers.SGD(1.0), loss="mse")
    with pytest.warns(TrainingDivergedWarning, match="epoch 1"):
        history = model.fit(x, y, epochs=3, verbose=0)
    assert history.epoch == [0]


def test_diagnostics_record_per_layer_statistics_and_detect_dead_relu_layer():
    x, y = binary_data(200)
    model = Sequential([Dense(16, "relu", input_dim=4), Dense(16, "relu"), Dense(1, "sigmoid")], rng=0)
    model.compile(optimizer="sgd", loss="binary_crossentropy")
    model.build(4)
    model.layers[1].b[...] = -100.0  # kill the second layer: every unit outputs 0 for every input
    history = model.fit(x, y, epochs=3, batch_size=50, verbose=0, diagnostics=True)
    stats = history.diagnostics
    assert {"grad_norm", "weight_norm", "activation_mean", "activation_std", "dead_fraction",
            "saturated_fraction"} <= set(stats)
    assert set(stats["grad_norm"]) == {"dense", "dense_1", "dense_2"}
    assert all(len(values) == 3 for values in stats["grad_norm"].values())
    assert stats["dead_fraction"]["dense_1"] == [1.0, 1.0, 1.0]
    assert stats["dead_fraction"]["dense"][-1] < 0.5
    # A dead layer passes no gradient back: the first layer stops learning, the output layer's W gets none.
    assert stats["grad_norm"]["dense"] == [0.0, 0.0, 0.0]
    assert stats["grad_norm"]["dense_2"] == [0.0, 0.0, 0.0]
    assert np.isnan(stats["saturated_fraction"]["dense"][0])


def test_diagnostics_detect_a_saturated_sigmoid_layer():
    x, y = binary_data(200)
    model = Sequential([Dense(16, "sigmoid", input_dim=4), Dense(16, "sigmoid"), Dense(1, "sigmoid")], rng=0)
    model.compile(optimizer="sgd", loss="binary_crossentropy")
    model.build(4)
    model.layers[0].W *= 200.0  # huge pre-activations: outputs pinned at 0 or 1
    history = model.fit(x, y, epochs=2, batch_size=len(x), verbose=0, diagnostics=True)
    saturated = history.diagnostics["saturated_fraction"]
    assert saturated["dense"][-1] > 0.9
    assert saturated["dense_1"][-1] < 0.5
    assert history.diagnostics["grad_norm"]["dense"][-1] < 0.01 * history.diagnostics["grad_norm"]["dense_2"][-1]


def test_float32_model_keeps_float32_weights_and_trains():
    x, y = binary_data(200)  # float64 data: the model's dtype decides
    model = Sequential([Dense(16, "tanh", input_dim=4), Dense(1, "sigmoid")], rng=0, dtype="float32")
    model.compile(optimizer="adam", loss="binary_crossentropy", metrics=["accuracy"])
    history = model.fit(x, y, epochs=30, batch_size=20, verbose=0)
    assert all(w.dtype == np.float32 for w in model.get_weights())
    assert all(g.dtype == np.float32 for layer in model.layers for g in layer.grads)
    assert model.predict(x).dtype == np.float32
    assert history.history["loss"][-1] < 0.5 * history.history["loss"][0]
    assert history.history["accuracy"][-1] > 0.9


def test_dtype_must_be_a_float_type():
    with pytest.raises(ValueError, match="float32 or float64"):
        Sequential(dtype="int32")


@pytest.mark.parametrize("optimizer", ["adam", "Adam", optimizers.Adam(0.01), "sgd", optimizers.SGD(0.1, 0.9)])
@pytest.mark.parametrize("loss", ["binary_crossentropy", losses.get("binary_crossentropy")])
def test_optimizers_and_losses_by_name_or_object(optimizer, loss):
    x, y = binary_data(60)
    model = Sequential([Dense(8, activations.get("tanh"), input_dim=4), Dense(1, "sigmoid")], rng=0)
    model.compile(optimizer=optimizer, loss=loss)
    history = model.fit(x, y, epochs=20, batch_size=len(x), verbose=0)
    assert history.history["loss"][-1] < history.history["loss"][0]


def test_unknown_names_list_the_known_ones():
    model = Sequential([Dense(1, input_dim=2)])
    with pytest.raises(ValueError, match="adam") as err:
        model.compile(optimizer="adamax", loss="mse")
    assert "'adamax'" in str(err.value) and "sgd" in str(err.value) and "adamw" in str(err.value)
    with pytest.raises(ValueError, match="mean_squared_error") as err:
        model.compile(optimizer="sgd", loss="hinge")
    assert "'hinge'" in str(err.value)
    with pytest.raises(ValueError, match="accuracy") as err:
        model.compile(optimizer="sgd", loss="mse", metrics=["f1"])
    assert "'f1'" in str(err.value)
    with pytest.raises(ValueError, match="relu") as err:
        Dense(3, activation="swish")
    assert "'swish'" in str(err.value)
    with pytest.raises(ValueError, match="loss"):
        model.compile(optimizer="sgd")


def test_wrong_feature_count_names_both_shapes_and_the_layer():
    model = small_model(d=8)
    with pytest.raises(ValueError) as err:
        model.fit(np.zeros((10, 5)), np.zeros(10), verbose=0)
    message = str(err.value)
    assert "'dense'" in message and "8" in message and "(10, 5)" in message
    built = small_model(d=8)
    built.fit(np.zeros((10, 8)), np.zeros(10), verbose=0)
    with pytest.raises(ValueError, match=r"'dense'.*8.*\(3, 5\)"):
        built.predict(np.zeros((3, 5)))


def test_declared_input_dim_builds_at_once_and_a_mismatch_names_the_layer():
    model = Sequential([Dense(4, input_dim=8), Dense(1)])
    assert model.built and [w.shape for w in model.get_weights()] == [(8, 4), (4,), (4, 1), (1,)]
    assert Sequential([Dense(4), Dense(1)]).get_weights() == []  # no input size yet: no weights, as in Keras
    model.compile(loss="mse")
    with pytest.raises(ValueError, match=r"'dense' expects 8 .*\(10, 5\)"):
        model.fit(np.zeros((10, 5)), np.zeros(10), verbose=0)


def test_y_length_and_width_mismatch():
    model = small_model()
    with pytest.raises(ValueError, match=r"x has 10 examples but y has 9"):
        model.fit(np.zeros((10, 4)), np.zeros(9), verbose=0)
    with pytest.raises(ValueError, match=r"y has shape \(10, 3\).*'dense_1' has 1 units"):
        model.fit(np.zeros((10, 4)), np.zeros((10, 3)), verbose=0)
    softmax = Sequential([Dense(3, "softmax", input_dim=2)])
    softmax.compile(loss="categorical_crossentropy")
    with pytest.raises(ValueError, match=r"0\.\.2"):
        softmax.fit(np.zeros((4, 2)), np.array([0, 1, 2, 3]), verbose=0)


def test_non_finite_inputs_and_targets_are_reported():
    model = small_model()
    x = np.zeros((10, 4))
    x[3, 2] = np.nan
    with pytest.raises(ValueError, match=r"input x contains 1 NaN.*\(3, 2\)"):
        model.fit(x, np.zeros(10), verbose=0)
    y = np.zeros(10)
    y[5] = np.inf
    with pytest.raises(ValueError, match=r"targets y contains 1 NaN or infinite"):
        model.fit(np.zeros((10, 4)), y, verbose=0)


def test_methods_need_compile_first():
    model = Sequential([Dense(1, input_dim=2)])
    for call in (lambda: model.fit(np.zeros((2, 2)), np.zeros(2), verbose=0),
                 lambda: model.evaluate(np.zeros((2, 2)), np.zeros(2)),
                 lambda: model.train_on_batch(np.zeros((2, 2)), np.zeros(2))):
        with pytest.raises(RuntimeError, match=r"model\.compile"):
            call()
    assert model.predict(np.zeros((3, 2))).shape == (3, 1)  # predict works without compile, as in Keras


def test_add_rejects_non_layers_and_names_layers_like_keras():
    model = Sequential()
    with pytest.raises(TypeError, match="Dense"):
        model.add("dense")
    model.add(Dense(3, input_dim=2))
    model.add(Activation("relu"))
    model.add(Dense(2, name="out"))
    model.add(Dense(1))
    names = [layer.name for layer in model.layers]
    assert names[:3] == ["dense", "activation", "out"] and names[3].startswith("dense_")
    assert len(set(names)) == 4
    with pytest.raises(ValueError, match="no layers"):
        Sequential().build(3)


def test_evaluate_returns_list_with_metrics_and_float_without():
    x, y = binary_data(50)
    with_metrics = small_model(seed=4)
    result = with_metrics.evaluate(x, y)
    assert isinstance(result, list) and len(result) == 2
    p = with_metrics.predict(x)
    assert result[0] == pytest.approx(losses.binary_crossentropy(y.reshape(-1, 1), p), rel=1e-12)
    assert result[1] == pytest.approx(np.mean((p[:, 0] > 0.5) == y))
    without = small_model(seed=4, metrics=())
    assert isinstance(without.evaluate(x, y), float)
    assert without.evaluate(x, y) == pytest.approx(result[0], rel=1e-12)


def test_predict_shape_and_batching():
    model = Sequential([Dense(5, "relu", input_dim=3), Dense(4, "softmax")], rng=0)
    x = np.random.default_rng(0).normal(size=(23, 3))
    p = model.predict(x)
    assert p.shape == (23, 4)
    np.testing.assert_allclose(p.sum(axis=1), 1.0)
    np.testing.assert_allclose(model.predict(x, batch_size=5), p, rtol=1e-14)
    with pytest.raises(ValueError, match=r"\(N, features\)"):
        model.predict(np.zeros(3))


def test_get_set_weights_round_trip_and_shape_errors():
    a = Sequential([Dense(5, "relu", input_dim=3), Dense(2)], rng=0)
    b = Sequential([Dense(5, "relu", input_dim=3), Dense(2)], rng=1)
    a.build(3)
    b.build(3)
    x = np.random.default_rng(0).normal(size=(4, 3))
    assert not np.allclose(a.predict(x), b.predict(x))
    b.set_weights(a.get_weights())
    np.testing.assert_array_equal(a.predict(x), b.predict(x))
    weights = a.get_weights()
    weights[0][...] = 0  # copies: changing them leaves the model alone
    assert np.any(a.get_weights()[0] != 0)
    assert [w.shape for w in weights] == [(3, 5), (5,), (5, 2), (2,)]
    with pytest.raises(ValueError, match="4 arrays, got 3"):
        b.set_weights(weights[:3])
    with pytest.raises(ValueError, match=r"\(5, 3\).*\(3, 5\)"):
        b.set_weights([weights[0].T] + weights[1:])


def test_summary_prints_layers_and_parameter_counts(capsys):
    model = Sequential([Dense(12, input_dim=8, activation="relu"), Dense(8, activation="relu"),
                        Dense(1, activation="sigmoid")])
    model.build(8)
    model.summary()
    out = capsys.readouterr().out
    assert "dense (Dense)" in out and "dense_2 (Dense)" in out
    assert "(None, 12)" in out and "(None, 1)" in out
    for count in ("108", "104", "9"):
        assert re.search(rf"\b{count}\b", out)
    assert "Total params: 221" in out
    assert model.count_params() == 8 * 12 + 12 + 12 * 8 + 8 + 8 + 1
    lines = []
    model.summary(print_fn=lines.append)
    assert "Total params: 221" in lines[0]


# ---- PyTorch as an independent oracle -----------------------------------------------------------------------
def _torch_agreement_case(kind):
    rng = np.random.default_rng(0)
    x = rng.normal(size=(40, 2))
    if kind == "bce":
        layers = [Dense(16, "tanh", input_dim=2), Dense(16, "tanh"), Dense(1, "sigmoid")]
        return layers, "binary_crossentropy", x, (x[:, 0] * x[:, 1] > 0).astype(float)
    layers = [Dense(16, "tanh", input_dim=2), Dense(16, "relu"), Dense(3, "softmax")]
    labels = np.digitize(x[:, 0] + 0.3 * x[:, 1], [-0.5, 0.5])
    return layers, "categorical_crossentropy", x, labels


@pytest.mark.parametrize("kind", ["bce", "cce"])
@pytest.mark.parametrize("opt_name", ["sgd-momentum", "adam"])
def test_twenty_full_batch_steps_agree_with_pytorch(kind, opt_name):
    torch = require("torch")
    layers, loss, x, y = _torch_agreement_case(kind)
    model = Sequential(layers, rng=1)
    gd_opt = optimizers.SGD(0.1, momentum=0.9) if opt_name == "sgd-momentum" else optimizers.Adam(0.01)
    model.compile(optimizer=gd_opt, loss=loss)
    model.build(2)
    initial = model.get_weights()

    torch_layers = []
    acts = {"tanh": torch.nn.Tanh, "relu": torch.nn.ReLU}
    for i, layer in enumerate(model.layers):
        linear = torch.nn.Linear(layer.input_dim, layer.units, dtype=torch.float64)
        with torch.no_grad():
            linear.weight.copy_(torch.from_numpy(initial[2 * i].T.copy()))
            linear.bias.copy_(torch.from_numpy(initial[2 * i + 1]))
        torch_layers.append(linear)
        if i < len(model.layers) - 1:
            torch_layers.append(acts[layer.activation.name]())
    net = torch.nn.Sequential(*torch_layers)
    if opt_name == "sgd-momentum":
        t_opt = torch.optim.SGD(net.parameters(), lr=0.1, momentum=0.9)
    else:
        t_opt = torch.optim.Adam(net.parameters(), lr=0.01)
    xt = torch.from_numpy(x)
    if kind == "bce":
        loss_fn, yt = torch.nn.BCEWithLogitsLoss(), torch.from_numpy(y.reshape(-1, 1))
    else:
        loss_fn, yt = torch.nn.CrossEntropyLoss(), torch.from_numpy(y)

    history = model.fit(x, y, epochs=20, batch_size=len(x), verbose=0)
    torch_losses = []
    for _ in range(20):
        t_opt.zero_grad()
        loss_value = loss_fn(net(xt), yt)
        loss_value.backward()
        t_opt.step()
        torch_losses.append(loss_value.item())

    np.testing.assert_allclose(history.history["loss"], torch_losses, rtol=1e-10)
    torch_weights = [p.detach().numpy() for p in net.parameters()]
    for i, (ours, theirs) in enumerate(zip(model.get_weights(), torch_weights)):
        theirs = theirs.T if ours.ndim == 2 else theirs
        np.testing.assert_allclose(ours, theirs, rtol=0, atol=1e-10, err_msg=f"parameter {i} after 20 steps")
    assert history.history["loss"][-1] < history.history["loss"][0]


def test_diagnostics_record_gradient_norms_before_clipping():
    """grad_norm is the backpropagated gradient, not what clipping left of it."""
    rng = np.random.default_rng(3)
    X, y = rng.normal(size=(40, 3)), rng.normal(size=(40, 1)) * 100
    norms = {}
    for clipnorm in (None, 1e-3):
        model = Sequential([Dense(4, input_dim=3, activation="tanh"), Dense(1)], rng=0)
        model.compile(optimizer=optimizers.SGD(0.0, clipnorm=clipnorm), loss="mse")
        history = model.fit(X, y, epochs=1, batch_size=len(X), verbose=0, diagnostics=True)
        norms[clipnorm] = history.diagnostics["grad_norm"]["dense_1"][0]
    assert norms[None] > 1.0
    assert norms[1e-3] == pytest.approx(norms[None], rel=1e-12)


def test_diagnostics_keys_exist_when_training_diverges_in_the_first_epoch():
    """A run that diverges at once still has every diagnostics key (with empty per-layer lists)."""
    X = np.random.default_rng(0).normal(size=(20, 2)) * 1e3
    model = Sequential([Dense(3, input_dim=2, activation="relu"), Dense(1)], rng=0)
    model.compile(optimizer=optimizers.SGD(1e3), loss="mse")
    with pytest.warns(TrainingDivergedWarning, match="epoch 1"):
        history = model.fit(X, X[:, :1] ** 3, epochs=3, batch_size=2, verbose=0, diagnostics=True)
    assert history.diagnostics["dead_fraction"] == {"dense": [], "dense_1": []}
    assert history.diagnostics["grad_norm"] == {"dense": [], "dense_1": []}


def test_dead_fraction_only_for_relu_inactive_fraction_for_the_relu_family():
    """Leaky ReLU units with negative input are inactive but not dead (they still get a gradient)."""
    X = np.random.default_rng(1).normal(size=(50, 2))
    for activation, dead_expected in (("relu", 1.0), ("leaky_relu", None)):
        model = Sequential([Dense(3, input_dim=2, activation=activation,
                                  bias_initializer=gdkit.initializers.constant(-100.0)), Dense(1)], rng=0)
        model.compile(optimizer="sgd", loss="mse")
        history = model.fit(X, X[:, :1], epochs=1, verbose=0, diagnostics=True)
        assert history.diagnostics["inactive_fraction"]["dense"] == [1.0]
        dead = history.diagnostics["dead_fraction"]["dense"][0]
        assert dead == dead_expected if dead_expected is not None else np.isnan(dead)


def test_flat_weights_round_trip_and_order():
    """get_flat_weights concatenates get_weights in order; set_flat_weights writes them back."""
    model = Sequential([Dense(3, input_dim=2, activation="tanh"), Dense(1)], rng=0)
    theta = model.get_flat_weights()
    assert theta.shape == (model.count_params(),) == (13,)
    np.testing.assert_array_equal(theta, np.concatenate([w.ravel() for w in model.get_weights()]))
    model.set_flat_weights(np.arange(13.0))
    W1, b1, W2, b2 = model.get_weights()
    np.testing.assert_array_equal(W1, np.arange(6.0).reshape(2, 3))
    np.testing.assert_array_equal(b2, [12.0])
    with pytest.raises(ValueError, match="13 parameters"):
        model.set_flat_weights(np.zeros(12))


def test_batch_loss_has_one_value_per_update():
    """history.batch_loss records every step; their weighted mean per epoch is history['loss']."""
    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(25, 2)), rng.normal(size=(25, 1))
    model = Sequential([Dense(1, input_dim=2)], rng=0)
    model.compile(optimizer="sgd", loss="mse")
    history = model.fit(X, y, epochs=2, batch_size=10, verbose=0)
    assert len(history.batch_loss) == 6  # batches of 10, 10, 5 per epoch
    first_epoch = np.average(history.batch_loss[:3], weights=[10, 10, 5])
    assert history.history["loss"][0] == pytest.approx(first_epoch)


def test_history_lists_keep_equal_lengths_when_training_diverges_later():
    """The diverged epoch is recorded as inf loss and NaN for the metrics, so the lists line up."""
    rng = np.random.default_rng(0)
    X = rng.normal(size=(40, 2))
    y = X[:, :1] * 3
    model = Sequential([Dense(1, input_dim=2)], rng=0)
    schedule = lambda t: 0.01 if t < 12 else 1e6  # noqa: E731  (a learning rate that jumps after 3 epochs)
    model.compile(optimizer=optimizers.SGD(schedule), loss="mse", metrics=["mae"])
    with pytest.warns(TrainingDivergedWarning):
        history = model.fit(X, y, epochs=20, batch_size=10, validation_split=0.0, validation_data=(X, y), verbose=0)
    lengths = {key: len(values) for key, values in history.history.items()}
    assert set(lengths) == {"loss", "mae", "val_loss", "val_mae"} and len(set(lengths.values())) == 1
    assert not np.isfinite(history.history["loss"][-1]) and np.isnan(history.history["val_mae"][-1])
    assert not np.isfinite(history.batch_loss[-1])


def test_evaluate_uses_the_same_stable_loss_as_training_for_saturated_outputs():
    """A confidently wrong sigmoid output: evaluate's BCE is the from-logits value, not the clipped -log(eps)."""
    model = Sequential([Dense(1, input_dim=1, activation="sigmoid")], rng=0)
    model.set_weights([np.array([[100.0]]), np.array([0.0])])
    model.compile(optimizer="sgd", loss="binary_crossentropy")
    x, y = np.array([[1.0]]), np.array([0.0])
    assert model.evaluate(x, y) == pytest.approx(100.0, rel=1e-12)  # log(1 + e^100) = 100 + tiny


def test_optimizer_names_get_keras_defaults():
    """compile(optimizer='rmsprop') behaves as in a Keras tutorial; classes keep PyTorch's defaults."""
    rmsprop = optimizers.get("rmsprop")
    assert (rmsprop.learning_rate, rmsprop.rho) == (0.001, 0.9)
    adagrad = optimizers.get("adagrad")
    assert (adagrad.learning_rate, adagrad.initial_accumulator_value) == (0.001, 0.1)
    assert optimizers.get("rmsprop", learning_rate=0.5).learning_rate == 0.5
    assert (optimizers.RMSprop().learning_rate, optimizers.RMSprop().rho) == (0.01, 0.99)


def test_diagnostics_grad_norm_is_the_mean_over_the_epochs_batches():
    """With learning rate 0 the weights stay put, so each batch's gradient norm can be computed independently."""
    rng = np.random.default_rng(5)
    X, y = rng.normal(size=(30, 3)), rng.normal(size=(30, 1))
    model = Sequential([Dense(4, input_dim=3, activation="tanh"), Dense(1)], rng=0)
    model.compile(optimizer=optimizers.SGD(0.0), loss="mse")
    expected = np.mean([np.linalg.norm(model.compute_gradients(X[i:i + 10], y[i:i + 10])[0][0])
                        for i in (0, 10, 20)])
    history = model.fit(X, y, epochs=1, batch_size=10, shuffle=False, verbose=0, diagnostics=True)
    assert history.diagnostics["grad_norm"]["dense"][0] == pytest.approx(expected, rel=1e-12)


# ---- training and inference modes -----------------------------------------------------------------------------
class _ModeRecorder(Activation):
    """An identity layer that records the ``training`` flag of every forward pass."""

    def __init__(self):
        super().__init__("linear")
        self.modes = []

    def forward(self, X, training=False):
        self.modes.append(training)
        return super().forward(X, training=training)


def test_training_mode_in_fit_train_on_batch_and_compute_gradients_inference_mode_otherwise():
    recorder = _ModeRecorder()
    model = Sequential([Dense(3, "tanh", input_dim=2), recorder, Dense(1)], rng=0)
    model.compile(optimizer="sgd", loss="mse")
    x, y = np.random.default_rng(0).normal(size=(10, 2)), np.zeros(10)

    def modes(call):
        recorder.modes.clear()
        call()
        return list(recorder.modes)

    assert modes(lambda: model.train_on_batch(x, y)) == [True]
    assert modes(lambda: model.compute_gradients(x, y)) == [True]
    assert modes(lambda: model.predict(x, batch_size=4)) == [False] * 3
    assert modes(lambda: model.evaluate(x, y)) == [False]
    assert modes(lambda: model(x)) == [False] and modes(lambda: model(x, training=True)) == [True]
    # fit: training mode for each of the 2 batches, then inference mode for the validation loss, every epoch
    assert modes(lambda: model.fit(x[:8], y[:8], batch_size=4, epochs=2, verbose=0,
                                   validation_data=(x[8:], y[8:]))) == [True, True, False] * 2
    # diagnostics probe the network in inference mode once per epoch, after the validation pass
    assert modes(lambda: model.fit(x, y, batch_size=10, epochs=1, verbose=0, diagnostics=True)) == [True, False]


def test_dense_and_activation_compute_the_same_in_both_modes():
    model = Sequential([Dense(4, "relu", input_dim=3), Activation("tanh"), Dense(2, "softmax")], rng=1)
    x = np.random.default_rng(2).normal(size=(5, 3))
    np.testing.assert_array_equal(model._forward(x, training=True), model.predict(x))


# ---- batch normalisation and dropout inside a model ---------------------------------------------------------------
from gdkit.gradcheck import numerical_gradient  # noqa: E402
from gdkit.layers import BatchNormalization, Dropout  # noqa: E402


def _bn_model(seed=0):
    model = Sequential([Dense(5, use_bias=False, input_dim=3), BatchNormalization(momentum=0.9), Activation("tanh"),
                        Dense(4, "softmax")], rng=seed)
    model.compile(optimizer=optimizers.SGD(0.1), loss="sparse_categorical_crossentropy")
    return model


def test_batchnorm_model_gradients_match_finite_differences_of_the_training_mode_loss():
    """compute_gradients (training mode: batch statistics) against central differences of the same loss."""
    model = _bn_model()
    rng = np.random.default_rng(3)
    x, labels = rng.normal(size=(7, 3)) * 3 + 1, rng.integers(0, 4, size=7)
    bn = model.layers[1]
    bn.gamma[...], bn.beta[...] = rng.normal(size=5), rng.normal(size=5)
    y = model._prepare_y(labels, 7)

    def training_loss():
        return model._loss_value(y, model._forward(x, training=True))

    analytic = model.compute_gradients(x, labels)
    for layer, grads in zip(model.layers, analytic):
        for param, grad in zip(layer.params, grads):
            numeric = numerical_gradient(lambda _: training_loss(), param)  # perturbs param in place
            assert relative_error(grad, numeric) < 1e-7, layer.name


def test_fit_updates_running_averages_predict_evaluate_and_validation_do_not():
    model = _bn_model()
    rng = np.random.default_rng(0)
    x, labels = rng.normal(loc=2.0, size=(64, 3)), rng.integers(0, 4, size=64)
    bn = model.layers[1]
    model.predict(x)
    model.evaluate(x, labels)
    np.testing.assert_array_equal(bn.moving_mean, 0.0)
    np.testing.assert_array_equal(bn.moving_variance, 1.0)
    model.fit(x[:48], labels[:48], batch_size=16, epochs=1, verbose=0, validation_data=(x[48:], labels[48:]))
    after_fit = bn.moving_mean.copy()
    # three batches, momentum 0.9: the running mean moved 1 - 0.9^3 = 27 % of the way to the batch means
    assert np.all(np.abs(after_fit) > 0)
    model.predict(x)
    model.evaluate(x, labels)
    np.testing.assert_array_equal(bn.moving_mean, after_fit)


def test_batchnorm_model_predictions_do_not_depend_on_the_batch():
    """Inference uses the running averages: one example predicted alone gets the same output as in a batch;
    in training mode it would not (the classic bug of evaluating with batch statistics)."""
    model = _bn_model()
    rng = np.random.default_rng(1)
    x, labels = rng.normal(size=(64, 3)), rng.integers(0, 4, size=64)
    model.fit(x, labels, batch_size=16, epochs=3, verbose=0)
    together = model.predict(x)
    alone = np.concatenate([model.predict(x[i:i + 1]) for i in range(5)])
    np.testing.assert_allclose(alone, together[:5], rtol=1e-12)
    np.testing.assert_array_equal(model(x), together)
    in_training_mode = model(x[:5], training=True)
    assert np.max(np.abs(in_training_mode - together[:5])) > 1e-3


def test_dropout_model_predict_and_evaluate_are_deterministic_training_is_not():
    model = Sequential([Dense(32, "relu", input_dim=4), Dropout(0.5), Dense(1, "sigmoid")], rng=0)
    model.compile(optimizer="adam", loss="binary_crossentropy")
    x, y = binary_data(64)
    np.testing.assert_array_equal(model.predict(x), model.predict(x))
    assert model.evaluate(x, y) == model.evaluate(x, y)
    first, second = model.compute_gradients(x, y), model.compute_gradients(x, y)
    assert not np.allclose(first[0][0], second[0][0])  # a new mask per training-mode pass
    # the mask's expectation is 1: averaged over many masks, training-mode outputs approach inference outputs
    hidden = model.layers[0].forward(x)
    mean_dropped = np.mean([model.layers[1].forward(hidden, training=True) for _ in range(2000)], axis=0)
    np.testing.assert_allclose(mean_dropped, hidden, atol=5 * hidden.max() / np.sqrt(2000))
    history = model.fit(x, y, batch_size=16, epochs=30, verbose=0)
    assert history.history["loss"][-1] < history.history["loss"][0]


def test_dropout_model_gradients_match_finite_differences_with_the_mask_held_fixed():
    """compute_gradients through a Dropout layer against central differences of the training-mode loss drawn with the
    same mask (the layer's generator reset to its seed before every pass)."""
    model = Sequential([Dense(6, "tanh", input_dim=3), Dropout(0.4, seed=7), Dense(4, "softmax")], rng=0)
    model.compile(optimizer=optimizers.SGD(0.1), loss="sparse_categorical_crossentropy")
    rng = np.random.default_rng(3)
    x, labels = rng.normal(size=(7, 3)), rng.integers(0, 4, size=7)
    y = model._prepare_y(labels, 7)
    dropout = model.layers[1]

    def training_loss():
        dropout._rng = np.random.default_rng(7)
        return model._loss_value(y, model._forward(x, training=True))

    dropout._rng = np.random.default_rng(7)
    analytic = model.compute_gradients(x, labels)
    kept = dropout._cache.mask != 0
    assert 0 < kept.mean() < 1  # some entries dropped, some kept: the mask is part of what is checked
    checked = 0
    for layer, grads in zip(model.layers, analytic):
        for param, grad in zip(layer.params, grads):
            numeric = numerical_gradient(lambda _: training_loss(), param)  # perturbs param in place
            assert relative_error(grad, numeric) < 1e-7, layer.name
            checked += 1
    assert checked == 4  # W and b of both Dense layers
    # without the mask the gradient of the first layer would be another one
    dropout._rng = np.random.default_rng(8)
    assert not np.allclose(model.compute_gradients(x, labels)[0][0], analytic[0][0])


def test_batchnorm_and_dropout_names_follow_keras():
    model = Sequential([Dense(3, input_dim=2), BatchNormalization(), Dropout(0.1), Dropout(0.2)])
    assert [layer.name for layer in model.layers] == ["dense", "batch_normalization", "dropout", "dropout_1"]


def test_restoring_the_best_weights_also_restores_batchnorm_running_averages():
    """EarlyStopping(restore_best_weights=True) puts back the running averages of the best epoch too: the restored
    model predicts exactly as the model did at that epoch."""
    from gdkit.callbacks import Callback, EarlyStopping

    class Snapshots(Callback):
        def on_train_begin(self, logs=None):
            self.predictions = []

        def on_epoch_end(self, epoch, logs=None):
            self.predictions.append(self.model.predict(x_val))

    rng = np.random.default_rng(0)
    x, labels = rng.normal(loc=1.0, size=(40, 3)), rng.integers(0, 4, size=40)
    x_val, labels_val = rng.normal(loc=1.0, size=(40, 3)), rng.integers(0, 4, size=40)  # noise: val loss rises
    model = _bn_model()
    snapshots = Snapshots()
    stopper = EarlyStopping(patience=3, restore_best_weights=True)
    history = model.fit(x, labels, epochs=40, batch_size=8, verbose=0, validation_data=(x_val, labels_val),
                        callbacks=[snapshots, stopper])
    best = int(np.argmin(history.history["val_loss"]))
    assert best < len(history.history["val_loss"]) - 1
    np.testing.assert_allclose(model.predict(x_val), snapshots.predictions[best], rtol=1e-12)
