"""Keras 3 behaviour, one behaviour per test, as the parity review lists them: what a student moving between Keras
and gdkit would notice. Expected values are Keras 3.15's (read from its source or measured in the review), or
computed by hand from Keras's equations; tests/test_keras_crosscheck.py compares with Keras itself when it is
installed."""
import re
import warnings

import numpy as np
import pytest

import gdkit
from gdkit import activations, losses, optimizers
from gdkit.callbacks import Callback, EarlyStopping
from gdkit.layers import Dense, Flatten, Input
from gdkit.models import KerasPortabilityWarning, Sequential, load_model
from gdkit.utils import to_categorical


def binary_data(n=60, d=4, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, d))
    return x, (x[:, 0] - 0.5 * x[:, 1] + 0.3 * rng.normal(size=n) > 0).astype(float)


def binary_model(seed=0, d=4, optimizer="sgd", metrics=("accuracy",)):
    model = Sequential([Input(shape=(d,)), Dense(6, activation="tanh"), Dense(1, activation="sigmoid")], rng=seed)
    model.compile(optimizer=optimizer, loss="binary_crossentropy", metrics=list(metrics))
    return model


def final_lines(out):
    """What a terminal shows: the text after the last carriage return of every line, right spaces removed."""
    return [line.split("\r")[-1].rstrip() for line in out.split("\n") if line.split("\r")[-1].strip()]


# ---- fit's arguments ----------------------------------------------------------------------------------------
@pytest.mark.parametrize("n, split, held_out", [(10, 0.25, 3), (768, 0.33, 254), (7, 0.3, 3), (50, 0.05, 3),
                                                 (100, 0.2, 20)])
def test_validation_split_holds_out_the_last_n_minus_floor_n_times_1_minus_s(n, split, held_out):
    """The four (n, s) pairs where the review found gdkit holding out one example fewer than Keras, and a plain one."""
    x, y = binary_data(n)
    model = binary_model()
    model.fit(x, y, epochs=1, batch_size=n, verbose=0, validation_split=split, shuffle=False)
    assert model.history.params["steps"] == 1 and model.optimizer.iterations == 1
    reference = binary_model()
    reference.fit(x[:n - held_out], y[:n - held_out], epochs=1, batch_size=n, verbose=0, shuffle=False)
    np.testing.assert_array_equal(model.get_weights()[0], reference.get_weights()[0])
    assert model.history.history["val_loss"][0] == pytest.approx(
        reference.evaluate(x[n - held_out:], y[n - held_out:])[0], rel=1e-12)


def test_validation_split_that_leaves_no_training_example_says_so():
    x, y = binary_data(2)
    with pytest.raises(ValueError, match="validation_split=0.6 leaves 0 training and 2 validation examples out of 2"):
        binary_model().fit(x, y, validation_split=0.6, verbose=0)


def test_initial_epoch_numbers_the_epochs_as_keras():
    x, y = binary_data()
    history = binary_model().fit(x, y, epochs=5, initial_epoch=2, verbose=0)
    assert history.epoch == [2, 3, 4] and len(history.history["loss"]) == 3
    assert history.params == {"verbose": 0, "epochs": 5, "steps": 2}


def test_validation_freq_validates_every_kth_epoch_and_after_listed_epochs():
    x, y = binary_data()
    history = binary_model().fit(x, y, epochs=5, validation_split=0.2, validation_freq=2, verbose=0)
    assert len(history.history["loss"]) == 5 and len(history.history["val_loss"]) == 2  # after epochs 2 and 4
    history = binary_model().fit(x, y, epochs=5, validation_split=0.2, validation_freq=[1, 5], verbose=0)
    assert len(history.history["val_accuracy"]) == 2
    stopper = EarlyStopping(patience=1)  # skips the epochs without val_loss instead of failing
    binary_model().fit(x, y, epochs=4, validation_split=0.2, validation_freq=2, verbose=0, callbacks=[stopper])
    with pytest.raises(ValueError, match="validation_freq"):
        binary_model().fit(x, y, validation_split=0.2, validation_freq=0, verbose=0)


@pytest.mark.parametrize("name", ["steps_per_epoch", "validation_steps"])
def test_generator_arguments_get_a_clear_message(name):
    x, y = binary_data()
    with pytest.raises(ValueError, match=f"{name}.*arrays, not data generators"):
        binary_model().fit(x, y, verbose=0, **{name: 3})


def test_batch_size_must_be_a_positive_integer():
    x, y = binary_data()
    for bad in (0, -1, 2.5, True):
        with pytest.raises(ValueError, match="None means 32"):
            binary_model().fit(x, y, batch_size=bad, verbose=0)


# ---- sample_weight and class_weight --------------------------------------------------------------------------
def numerical_grad_of_evaluate(model, x, y, weights, eps=1e-6):
    grads = []
    for param in model._params:
        grad = np.zeros_like(param)
        for index in np.ndindex(param.shape):
            old = param[index]
            param[index] = old + eps
            plus = model.evaluate(x, y, sample_weight=weights, batch_size=len(x))
            param[index] = old - eps
            minus = model.evaluate(x, y, sample_weight=weights, batch_size=len(x))
            param[index] = old
            grad[index] = (plus - minus) / (2 * eps)
        grads.append(grad)
    return grads


@pytest.mark.parametrize("loss, last", [("binary_crossentropy", "sigmoid"), ("mse", "linear"),
                                        ("categorical_crossentropy", "softmax"),
                                        (losses.BinaryCrossentropy(from_logits=True), "linear")])
def test_sample_weight_gives_keras_weighted_loss_and_its_exact_gradient(loss, last):
    """loss = sum_n w_n l_n / N (Keras's sum_over_batch_size); one full-batch SGD step follows its gradient,
    checked against finite differences of evaluate(sample_weight=...)."""
    rng = np.random.default_rng(1)
    x, w = rng.normal(size=(9, 3)), rng.uniform(0.0, 3.0, size=9)
    units = 3 if last == "softmax" else 1
    y = np.eye(3)[rng.integers(0, 3, 9)] if units == 3 else rng.integers(0, 2, size=9).astype(float)
    model = Sequential([Dense(4, activation="tanh", input_dim=3), Dense(units, activation=last)], rng=0)
    model.compile(optimizer=optimizers.SGD(0.1), loss=loss)
    per_example = [model.evaluate(x[i:i + 1], y[i:i + 1]) for i in range(9)]
    assert model.evaluate(x, y, sample_weight=w) == pytest.approx(np.dot(w, per_example) / 9, rel=1e-12)
    expected = numerical_grad_of_evaluate(model, x, y, w)
    before = model.get_weights()
    model.fit(x, y, sample_weight=w, batch_size=9, epochs=1, shuffle=False, verbose=0)
    for b, a, g in zip(before, model.get_weights(), expected):
        np.testing.assert_allclose((b - a) / 0.1, g, rtol=1e-6, atol=1e-9)


def test_class_weight_is_sample_weight_by_class_and_only_weighted_metrics_are_weighted():
    x, y = binary_data()
    a, b = binary_model(), binary_model()
    ha = a.fit(x, y, class_weight={0: 1.0, 1: 4.0}, epochs=2, batch_size=16, shuffle=False, verbose=0)
    hb = b.fit(x, y, sample_weight=np.where(y == 1, 4.0, 1.0), epochs=2, batch_size=16, shuffle=False, verbose=0)
    assert ha.history == hb.history
    # Keras 3: `metrics` ignore the weights, `weighted_metrics` are sum(w * correct) / sum(w)
    a.compile(optimizer="sgd", loss="binary_crossentropy", metrics=["accuracy"], weighted_metrics=["accuracy"])
    w = np.where(y == 1, 4.0, 1.0)
    correct = ((a.predict(x) > 0.5).ravel() == (y > 0.5))
    logs = a.evaluate(x, y, sample_weight=w, return_dict=True)
    assert list(logs) == ["accuracy", "loss", "weighted_accuracy"] and a.metrics_names[1:] == ["accuracy",
                                                                                                "weighted_accuracy"]
    assert logs["accuracy"] == pytest.approx(correct.mean(), rel=1e-12)
    assert logs["weighted_accuracy"] == pytest.approx(np.dot(w, correct) / w.sum(), rel=1e-12)
    with pytest.raises(ValueError, match="either sample_weight or class_weight"):
        binary_model().fit(x, y, class_weight={0: 1.0}, sample_weight=np.ones(len(y)), verbose=0)
    with pytest.raises(ValueError, match=r"one weight per example, shape \(60,\)"):
        binary_model().fit(x, y, sample_weight=np.ones(3), verbose=0)


# ---- evaluate, metrics_names, logs, History.params -------------------------------------------------------------
def test_logs_history_and_evaluate_in_keras_order():
    x, y = binary_data()
    model = binary_model(metrics=["mae", "accuracy"])
    history = model.fit(x, y, epochs=2, validation_split=0.25, verbose=0)
    assert list(history.history) == ["accuracy", "loss", "mae", "val_accuracy", "val_loss", "val_mae"]
    assert history.params == {"verbose": 0, "epochs": 2, "steps": 2}
    assert model.metrics_names == ["loss", "mae", "accuracy"]
    values = model.evaluate(x, y)
    as_dict = model.evaluate(x, y, return_dict=True)
    assert list(as_dict) == ["accuracy", "loss", "mae"]  # Keras: alphabetical
    assert values == [as_dict["loss"], as_dict["mae"], as_dict["accuracy"]]  # Keras: loss, then compile order
    assert model.evaluate(x, y, batch_size=7) == pytest.approx(values, rel=1e-12)


def test_callbacks_get_params_as_in_keras():
    seen = {}

    class Spy(Callback):
        def on_train_begin(self, logs=None):
            seen.update(self.params)

    x, y = binary_data(40)
    binary_model().fit(x, y, epochs=3, batch_size=None, verbose=0, callbacks=[Spy()])
    assert seen == {"verbose": 0, "epochs": 3, "steps": 2}  # None means 32: 40 examples in 2 steps


# ---- progress output ---------------------------------------------------------------------------------------------
def test_progress_lines_are_keras_3s(capsys):
    x, y = binary_data(40)
    model = binary_model()
    model.fit(x, y, epochs=1, verbose=1)
    lines = final_lines(capsys.readouterr().out)
    assert len(lines) == 1  # one epoch: no "Epoch 1/1" header, as in Keras 3
    assert re.fullmatch(r"2/2 ━{20} \d+s \d+(us|ms)/step - accuracy: \d\.\d{4} - loss: \d\.\d{4}", lines[0])
    model.fit(x, y, epochs=2, verbose=2, validation_split=0.5)
    lines = final_lines(capsys.readouterr().out)
    assert lines[0] == "Epoch 1/2" and lines[2] == "Epoch 2/2"
    assert re.fullmatch(r"1/1 - \d+s - \d+(us|ms)/step - accuracy: \d\.\d{4} - loss: \d\.\d{4} - "
                        r"val_accuracy: \d\.\d{4} - val_loss: \d\.\d{4}", lines[1])


def test_evaluate_and_predict_show_progress_only_when_asked(capsys):
    x, y = binary_data(40)
    model = binary_model()
    model.evaluate(x, y)
    model.predict(x)
    assert capsys.readouterr().out == ""  # gdkit's default stays quiet (Keras prints a bar)
    model.evaluate(x, y, verbose=2)
    assert re.fullmatch(r"2/2 - \d+s - \d+(us|ms)/step - accuracy: \d\.\d{4} - loss: \d\.\d{4}",
                        final_lines(capsys.readouterr().out)[0])
    model.evaluate(x, y, verbose=1)
    assert re.fullmatch(r"2/2 ━{20} \d+s \d+(us|ms)/step - accuracy: \d\.\d{4} - loss: \d\.\d{4}",
                        final_lines(capsys.readouterr().out)[0])
    model.predict(x, batch_size=16, verbose=1)
    assert re.fullmatch(r"3/3 ━{20} \d+s \d+(us|ms)/step", final_lines(capsys.readouterr().out)[0])


# ---- labels and losses -----------------------------------------------------------------------------------------
def test_integer_labels_with_categorical_crossentropy_warn_once_per_fit():
    rng = np.random.default_rng(0)
    x, labels = rng.normal(size=(30, 3)), rng.integers(0, 3, size=30)
    model = Sequential([Dense(3, activation="softmax", input_dim=3)], rng=0)
    model.compile(optimizer="sgd", loss="categorical_crossentropy")
    with pytest.warns(KerasPortabilityWarning, match="sparse_categorical_crossentropy") as record:
        model.fit(x, labels, epochs=3, verbose=0, validation_data=(x, labels))
    assert len(record) == 1
    sparse = Sequential([Dense(3, activation="softmax", input_dim=3)], rng=0)
    sparse.compile(optimizer="sgd", loss="sparse_categorical_crossentropy")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        sparse.fit(x, labels, epochs=3, verbose=0)
        sparse.fit(x, labels.reshape(-1, 1), epochs=1, verbose=0)  # Keras's (N, 1) sparse labels
    with pytest.warns(KerasPortabilityWarning, match="one-hot labels with loss='sparse_categorical_crossentropy'"):
        sparse.fit(x, to_categorical(labels), epochs=1, verbose=0)


def test_loss_objects_are_the_named_losses_and_from_logits_folds_the_activation():
    """BinaryCrossentropy(from_logits=True) on a linear output trains exactly as a sigmoid output with
    'binary_crossentropy' (which gdkit folds into the loss); the same for sparse categorical cross-entropy."""
    rng = np.random.default_rng(2)
    x = rng.normal(size=(40, 3))
    cases = [(1, "sigmoid", "binary_crossentropy", losses.BinaryCrossentropy(from_logits=True),
              (x[:, 0] > 0).astype(float)),
             (3, "softmax", "sparse_categorical_crossentropy", losses.SparseCategoricalCrossentropy(from_logits=True),
              rng.integers(0, 3, size=40)),
             (3, "softmax", "categorical_crossentropy", losses.CategoricalCrossentropy(from_logits=True),
              to_categorical(rng.integers(0, 3, size=40)))]
    for units, last, name, loss_object, y in cases:
        runs = []
        for activation, loss in ((last, name), (None, loss_object)):
            model = Sequential([Dense(5, activation="relu", input_dim=3), Dense(units, activation=activation)], rng=0)
            model.compile(optimizer="adam", loss=loss)
            runs.append((model.fit(x, y, epochs=3, batch_size=8, shuffle=False, verbose=0).history["loss"],
                         model.get_weights()))
        np.testing.assert_allclose(runs[0][0], runs[1][0], rtol=1e-12)
        for a, b in zip(runs[0][1], runs[1][1]):
            np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-13)
    assert isinstance(losses.MeanSquaredError(), losses.Loss) and losses.get(losses.MeanAbsoluteError()).name == \
        "mean_absolute_error"
    assert losses.BinaryCrossentropy()(np.array([[1.0]]), np.array([[0.5]])) == pytest.approx(np.log(2))
    with pytest.raises(ValueError, match="label_smoothing is not supported.*y \\* \\(1 - a\\) \\+ a / K"):
        losses.CategoricalCrossentropy(label_smoothing=0.1)
    with pytest.raises(ValueError, match="Keras has it, but gdkit does not implement it"):
        losses.get("huber")


def test_mae_loss_gradient_matches_finite_differences():
    rng = np.random.default_rng(3)
    y, p = rng.normal(size=(5, 2)), rng.normal(size=(5, 2))
    numeric = np.zeros_like(p)
    for index in np.ndindex(p.shape):
        step = np.zeros_like(p)
        step[index] = 1e-6
        numeric[index] = (losses.mean_absolute_error(y, p + step) - losses.mean_absolute_error(y, p - step)) / 2e-6
    np.testing.assert_allclose(losses.mean_absolute_error_grad(y, p), numeric, rtol=1e-6)
    assert losses.mean_absolute_error_grad(np.zeros(2), np.array([0.0, 1.0]))[0] == 0.0


# ---- EarlyStopping ---------------------------------------------------------------------------------------------
class FakeModel:
    def __init__(self):
        self.stop_training, self.stop_reason, self.weights = False, None, [np.zeros(1)]

    def get_weights(self):
        return [w.copy() for w in self.weights]

    def set_weights(self, weights):
        self.weights = [w.copy() for w in weights]


def run_callback(callback, values, key):
    """Epochs with the given monitored values (weights of epoch k: [k]); returns (epochs run, final weight)."""
    model = FakeModel()
    callback.set_model(model)
    callback.on_train_begin()
    for epoch, value in enumerate(values):
        model.weights = [np.array([float(epoch)])]
        callback.on_epoch_end(epoch, {key: value})
        if model.stop_training:
            break
    callback.on_train_end()
    return epoch + 1, model.weights[0][0]


def test_early_stopping_defaults_are_keras_and_auto_mode_maximises_accuracy():
    stopper = EarlyStopping()
    assert (stopper.monitor, stopper.patience, stopper.min_delta, stopper.mode, stopper.restore_best_weights) == \
        ("val_loss", 0, 0.0, "min", False)
    # the review's case: val_accuracy, patience 3, no mode: Keras ran 6 epochs with the best at epoch 3
    accuracies = [0.55, 0.60, 0.70, 0.65, 0.68, 0.66, 0.75, 0.80]
    assert EarlyStopping(monitor="val_accuracy", patience=3).mode == "max"
    assert run_callback(EarlyStopping(monitor="val_accuracy", patience=3), accuracies, "val_accuracy")[0] == 6
    # patience 0 stops at the first epoch that is no improvement
    assert run_callback(EarlyStopping(), [1.0, 0.9, 0.95, 0.5], "val_loss")[0] == 3
    assert EarlyStopping("val_mae").mode == "min" and EarlyStopping("accuracy").mode == "max"
    with pytest.raises(ValueError, match="cannot tell whether 'val_auc_roc' should go up or down"):
        EarlyStopping("val_auc_roc")


def test_restore_best_weights_also_when_training_ends_without_stopping():
    """Keras 3 restores the best epoch's weights at the end of training, stopped early or not."""
    assert run_callback(EarlyStopping(patience=5, restore_best_weights=True), [1.0, 0.5, 0.7, 0.8], "val_loss") \
        == (4, 1.0)
    assert run_callback(EarlyStopping(patience=5), [1.0, 0.5, 0.7, 0.8], "val_loss") == (4, 3.0)


def test_restore_best_weights_inside_fit_without_stopping():
    """Train towards y, validate against -y: the best validation loss is after epoch 1; patience never runs out."""
    rng = np.random.default_rng(0)
    x = rng.normal(size=(64, 3))
    y = x @ np.array([[1.0], [-2.0], [0.5]])

    def make():
        model = Sequential([Dense(1, input_dim=3)], rng=0)
        model.compile(optimizer=optimizers.SGD(0.05), loss="mse")
        return model

    model = make()
    stopper = EarlyStopping(patience=100, restore_best_weights=True)
    history = model.fit(x, y, epochs=5, batch_size=64, verbose=0, validation_data=(x, -y), callbacks=[stopper])
    assert history.epoch == [0, 1, 2, 3, 4] and history.stopped_reason is None and stopper.best_epoch == 0
    reference = make()
    reference.fit(x, y, epochs=1, batch_size=64, verbose=0)
    for restored, best in zip(model.get_weights(), reference.get_weights()):
        np.testing.assert_array_equal(restored, best)
    assert model.evaluate(x, -y, batch_size=64) == pytest.approx(min(history.history["val_loss"]), rel=1e-12)


def test_early_stopping_baseline_start_from_epoch_and_verbose(capsys):
    # baseline 0.5: no value beats it, so the wait is never reset and the first non-improvement after patience
    # epochs stops training (Keras's rule); without the baseline the same values train on
    assert run_callback(EarlyStopping(patience=2, baseline=0.5), [1.0, 0.9, 0.95, 0.8], "val_loss")[0] == 3
    assert run_callback(EarlyStopping(patience=2), [1.0, 0.9, 0.95, 0.8], "val_loss")[0] == 4
    # nothing is monitored before start_from_epoch
    assert run_callback(EarlyStopping(patience=1, start_from_epoch=2), [1.0, 2.0, 3.0, 4.0, 5.0], "val_loss")[0] == 4
    run_callback(EarlyStopping(patience=1, verbose=1, restore_best_weights=True), [1.0, 2.0, 3.0], "val_loss")
    assert capsys.readouterr().out == ("Epoch 2: early stopping\n"
                                       "Restoring model weights from the end of the best epoch: 1.\n")


# ---- layers, Input, Flatten, weights ------------------------------------------------------------------------------
def test_input_first_declares_the_shape_and_is_not_a_layer():
    model = gdkit.Sequential([gdkit.Input(shape=(8,)), Dense(12, activation="relu"), Dense(1)])
    assert [layer.name for layer in model.layers] == ["dense", "dense_1"]
    assert model.built and model.input_shape == (None, 8) and model.output_shape == (None, 1)
    assert [w.shape for w in model.layers[0].get_weights()] == [(8, 12), (12,)]
    assert model.count_params() == 8 * 12 + 12 + 13
    assert gdkit.layers.Input(batch_shape=(None, 8)).shape == (8,)
    with pytest.raises(ValueError, match="Input.*must be the first element"):
        Sequential([Dense(3), Input(shape=(3,))])
    with pytest.raises(ValueError, match=r"'dense'.*\(8, 8\).*Flatten"):
        Sequential([Input(shape=(8, 8)), Dense(3)])
    with pytest.raises(TypeError, match="functional API.*Sequential\\(\\[Input"):
        Dense(3)(Input(shape=(3,)))


def test_flatten_reshapes_images_and_passes_gradients_back():
    rng = np.random.default_rng(4)
    images, labels = rng.normal(size=(7, 4, 3)), rng.integers(0, 2, size=7).astype(float)
    model = Sequential([Flatten(input_shape=(4, 3)), Dense(1, activation="sigmoid")], rng=0)
    model.compile(optimizer="sgd", loss="binary_crossentropy")
    same = Sequential([Dense(1, activation="sigmoid", input_dim=12)], rng=0)
    same.compile(optimizer="sgd", loss="binary_crossentropy")
    assert model.layers[0].output_dim == 12 and model.output_shape == (None, 1)
    np.testing.assert_array_equal(model.predict(images), same.predict(images.reshape(7, -1)))
    np.testing.assert_array_equal(model.compute_gradients(images, labels)[1][0],
                                  same.compute_gradients(images.reshape(7, -1), labels)[0][0])
    flatten = model.layers[0]
    dZ = rng.normal(size=(7, 12))
    np.testing.assert_array_equal(flatten.backward_from_z(dZ), dZ.reshape(7, 4, 3))
    with pytest.raises(ValueError, match=r"expects \(4, 3\) as the shape of each example but x has shape \(7, 12\)"):
        model.predict(images.reshape(7, -1))
    with pytest.raises(ValueError, match="Flatten"):
        same.predict(images)


def test_layer_get_set_weights_write_in_place_and_name_the_layer():
    x, y = binary_data()
    model = binary_model(optimizer="adam")
    model.fit(x, y, epochs=1, verbose=0)
    layer = model.layers[0]
    W, b = layer.get_weights()
    assert W is not layer.W and layer.kernel is layer.W and layer.bias is layer.b
    layer.set_weights([np.zeros_like(W), np.ones_like(b)])
    assert np.all(layer.W == 0) and np.all(model.get_weights()[1] == 1)
    model.fit(x, y, epochs=1, verbose=0)  # the optimizer still updates the same arrays
    assert np.any(layer.W != 0)
    with pytest.raises(ValueError, match=r"layer 'dense' has 2 weight arrays \(\(4, 6\), \(6,\)\), got 1"):
        layer.set_weights([W])
    with pytest.raises(ValueError, match=r"layer 'dense': weight 0 has shape \(4, 6\), got an array of shape \(6, 4\)"):
        layer.set_weights([W.T, b])


def test_save_and_load_weights_round_trip(tmp_path):
    x, y = binary_data()
    model = binary_model(optimizer="adam")
    model.fit(x, y, epochs=2, verbose=0)
    path = tmp_path / "model.weights.npz"
    model.save_weights(path)
    other = binary_model(seed=5)
    other.load_weights(path)
    np.testing.assert_array_equal(other.predict(x), model.predict(x))
    with pytest.raises(ValueError, match=r"must end in .npz.*'model.weights.npz'.*h5py"):
        model.save_weights(tmp_path / "model.weights.h5")
    with pytest.raises(ValueError, match="the model has 2 arrays, got 4"):
        Sequential([Dense(1, input_dim=4)]).load_weights(path)
    with pytest.raises(NotImplementedError, match="save_weights"):
        model.save(tmp_path / "model.keras")
    with pytest.raises(NotImplementedError, match="load_weights"):
        load_model(tmp_path / "model.keras")


def test_to_categorical_as_keras():
    np.testing.assert_array_equal(to_categorical([0, 2, 1]), np.eye(3)[[0, 2, 1]])
    assert to_categorical(np.array([[1], [0]]), num_classes=4).shape == (2, 4)
    assert to_categorical(np.array([1.0, 3.0])).dtype == np.float64
    with pytest.raises(ValueError, match="num_classes=2 but the labels go up to 3"):
        to_categorical([0, 3], num_classes=2)
    with pytest.raises(ValueError, match="integer class labels"):
        to_categorical([0.5])
    with pytest.raises(ValueError, match=">= 0"):
        to_categorical([-1, 0])


# ---- names: activations, optimizers ----------------------------------------------------------------------------
def test_leaky_relu_by_name_has_keras_slope_and_the_function_keeps_its_own():
    model = Sequential([Dense(1, activation="leaky_relu", input_dim=1, kernel_initializer="ones")])
    assert model.predict(np.array([[-3.0], [2.0]])).ravel().tolist() == pytest.approx([-0.6, 2.0])
    assert activations.leaky_relu(np.array(-3.0)) == pytest.approx(-0.03)  # 0.01, PyTorch's default
    assert activations.get("leaky_relu").grad(np.array([-1.0, 1.0])).tolist() == [0.2, 1.0]


def test_rmsprop_by_name_takes_keras_steps():
    """Keras: v = rho v + (1 - rho) g^2, theta -= lr g / sqrt(v + eps), lr 0.001, rho 0.9, eps 1e-7 (by hand)."""
    opt = optimizers.get("rmsprop")
    theta, v = np.array([1.0, -2.0, 0.5]), np.zeros(3)
    param = theta.copy()
    for g in (np.array([0.3, -1e-4, 2.0]), np.array([0.1, 1e-5, -1.0])):
        v = 0.9 * v + 0.1 * g * g
        theta = theta - 0.001 * g / np.sqrt(v + 1e-7)
        opt.step([param], [g])
        np.testing.assert_allclose(param, theta, rtol=1e-14)
    assert optimizers.RMSprop().eps_inside_sqrt is False  # the class keeps PyTorch's form


def test_adam_by_name_takes_keras_steps():
    """Keras: alpha = lr sqrt(1 - b2^t) / (1 - b1^t), theta -= alpha m / (sqrt(v) + 1e-7) (by hand)."""
    opt = optimizers.get("adam")
    theta, m, v = np.array([1.0, -2.0]), np.zeros(2), np.zeros(2)
    param = theta.copy()
    for t, g in enumerate((np.array([1e-6, -1.0]), np.array([2e-6, 0.5]), np.array([-1e-6, 0.25])), start=1):
        m, v = 0.9 * m + 0.1 * g, 0.999 * v + 0.001 * g * g
        theta = theta - 0.001 * np.sqrt(1 - 0.999 ** t) / (1 - 0.9 ** t) * m / (np.sqrt(v) + 1e-7)
        opt.step([param], [g])
        np.testing.assert_allclose(param, theta, rtol=1e-14)


def test_keras_optimizer_names_gdkit_lacks_say_so():
    for name in ("nadam", "adamax", "adadelta", "ftrl", "lion"):
        with pytest.raises(ValueError, match=f"Keras has '{name}' but gdkit does not implement it; known names"):
            optimizers.get(name)
    assert optimizers.get("adamw").weight_decay == 0.004 and optimizers.get("adamw").epsilon_hat


def test_no_chapter_asks_for_full_batch_with_batch_size_none():
    """fit(batch_size=None) means 32, as in Keras; chapters or exercises written when it meant the full batch would
    silently train another way. Full-batch gradient descent is batch_size=len(X)."""
    from pathlib import Path
    root = Path(__file__).resolve().parents[1]
    sources = sorted(root.glob("book/*.md")) + sorted(root.glob("solutions/*/*.ipynb"))
    offenders = [f"{path.relative_to(root)}:{number}" for path in sources
                 for number, line in enumerate(path.read_text().splitlines(), start=1) if "batch_size=None" in line]
    assert not offenders, f"batch_size=None means 32 (Keras); write batch_size=len(X) for full batch: {offenders}"


def test_set_random_seed_makes_models_without_rng_repeatable():
    x, y = binary_data()

    def run():
        model = Sequential([Dense(6, activation="tanh"), gdkit.layers.Dropout(0.3), Dense(1, activation="sigmoid")])
        model.compile(optimizer="adam", loss="binary_crossentropy")
        return model.fit(x, y, epochs=2, verbose=0).history["loss"], model.get_weights()

    try:
        gdkit.utils.set_random_seed(7)
        first = run()
        gdkit.utils.set_random_seed(7)
        again = run()
        other = run()  # the next model of the sequence: other weights
    finally:
        gdkit.utils.set_random_seed(None)
    assert first[0] == again[0] and all(np.array_equal(a, b) for a, b in zip(first[1], again[1]))
    assert not np.array_equal(first[1][0], other[1][0])
    with pytest.raises(ValueError, match="integer >= 0"):
        gdkit.utils.set_random_seed(-1)


KERAS_3_SUMMARY = """\
Model: "sequential"
┏━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━┳━━━━━━━━━━━━━━━━━━━━━━━━┳━━━━━━━━━━━━━━━┓
┃ Layer (type)                    ┃ Output Shape           ┃       Param # ┃
┡━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━╇━━━━━━━━━━━━━━━━━━━━━━━━╇━━━━━━━━━━━━━━━┩
│ dense (Dense)                   │ (None, 3)              │            15 │
├─────────────────────────────────┼────────────────────────┼───────────────┤
│ batch_normalization             │ (None, 3)              │            12 │
│ (BatchNormalization)            │                        │               │
├─────────────────────────────────┼────────────────────────┼───────────────┤
│ dense_1 (Dense)                 │ (None, 1)              │             4 │
└─────────────────────────────────┴────────────────────────┴───────────────┘
 Total params: 31 (124.00 B)
 Trainable params: 25 (100.00 B)
 Non-trainable params: 6 (24.00 B)
"""


def test_summary_is_keras_3s_table_and_counts_non_trainable_arrays_apart(capsys):
    """Keras 3.15's summary() of this model, captured (not in a terminal); the byte sizes are the arrays' own, so the
    float32 model's are Keras's and the float64 model's twice as large."""
    model = Sequential([Input(shape=(4,)), Dense(3), gdkit.layers.BatchNormalization(), Dense(1)], dtype="float32")
    model.summary()
    assert capsys.readouterr().out == KERAS_3_SUMMARY
    assert model.count_params() == 25
    lines = []
    Sequential([Input(shape=(4,)), Dense(3), gdkit.layers.BatchNormalization(), Dense(1)]).summary(print_fn=lines.append)
    assert lines[0].split("\n")[-3:] == [" Total params: 31 (248.00 B)", " Trainable params: 25 (200.00 B)",
                                          " Non-trainable params: 6 (48.00 B)"]
    # unbuilt layers, thousands separators and a name too long for its column, as Keras shows them
    Sequential([Dense(3), gdkit.layers.Dropout(0.5)]).summary()
    out = capsys.readouterr().out.split("\n")
    assert out[4] == "│ dense (Dense)                   │ ?                      │   0 (unbuilt) │"
    Sequential([Input(shape=(64,)), Dense(64), Dense(10, name="a_very_long_layer_name_that_goes_beyond_thirty_chars")],
               dtype="float32").summary()
    out = capsys.readouterr().out.split("\n")
    assert out[4] == "│ dense (Dense)                   │ (None, 64)             │         4,160 │"
    assert out[6:8] == ["│ a_very_long_layer_name_that_go… │ (None, 10)             │           650 │",
                        "│ (Dense)                         │                        │               │"]
    assert out[-4] == " Total params: 4,810 (18.79 KB)"


def test_activation_names_keras_has_and_gdkit_lacks_say_so():
    with pytest.raises(ValueError, match="'gelu'. Keras has it, but gdkit does not implement it. Known activations"):
        Dense(3, activation="gelu")


def test_metric_names_keras_has_and_gdkit_lacks_say_so():
    assert gdkit.metrics.get("sparse_categorical_accuracy")[1] is gdkit.metrics.categorical_accuracy
    with pytest.raises(ValueError, match="'AUC'. Keras has it, but gdkit does not implement it"):
        gdkit.metrics.get("AUC")


def test_model_weights_get_layer_pop_and_compile_options_as_keras():
    model = binary_model()
    assert [w.shape for w in model.weights] == [(4, 6), (6,), (6, 1), (1,)]
    assert model.weights[0] is model.layers[0].W and model.trainable_weights[2] is model.layers[1].W
    assert model.get_layer("dense_1") is model.layers[1] and model.get_layer(index=0) is model.layers[0]
    with pytest.raises(ValueError, match=r"no layer named 'dense_7'; the layers are \['dense', 'dense_1'\]"):
        model.get_layer("dense_7")
    model.compile(optimizer="adam", loss="binary_crossentropy", jit_compile=False, run_eagerly=True,
                  steps_per_execution=1)
    with pytest.raises(ValueError, match="several outputs"):
        model.compile(optimizer="adam", loss="mse", loss_weights=[1.0])
    last = model.pop()
    assert last.name == "dense_1" and len(model.layers) == 1 and len(model.trainable_weights) == 2


def test_from_logits_loss_after_a_sigmoid_is_flagged():
    x, y = binary_data()
    model = Sequential([Dense(1, activation="sigmoid", input_dim=4)], rng=0)
    model.compile(optimizer="sgd", loss=losses.BinaryCrossentropy(from_logits=True))
    with pytest.warns(UserWarning, match="expects logits.*applies sigmoid"):
        model.fit(x, y, epochs=1, verbose=0)


def test_history_params_keep_verbose_as_given():
    """Keras 3 records the verbose argument itself: 'auto' (the default) stays 'auto'."""
    x, y = binary_data(40)
    assert binary_model().fit(x, y, epochs=1, verbose="auto").params == {"verbose": "auto", "epochs": 1, "steps": 2}


def test_losses_and_metrics_by_keras_class_name():
    """Keras also takes a class name as a string: loss='BinaryCrossentropy', metrics=['BinaryAccuracy'] (logged under
    the name given, as Keras logs it); EarlyStopping's auto mode reads those names too."""
    x, y = binary_data()
    runs = []
    for loss, metric in (("binary_crossentropy", "binary_accuracy"), ("BinaryCrossentropy", "BinaryAccuracy")):
        model = binary_model()
        model.compile(optimizer="sgd", loss=loss, metrics=[metric])
        runs.append(model.fit(x, y, epochs=2, shuffle=False, verbose=0, validation_split=0.25).history)
    assert list(runs[1]) == ["BinaryAccuracy", "loss", "val_BinaryAccuracy", "val_loss"]
    assert runs[1]["loss"] == runs[0]["loss"] and runs[1]["BinaryAccuracy"] == runs[0]["binary_accuracy"]
    assert losses.get("MeanSquaredError") is losses.get("mse") and losses.get("MSE") is losses.get("mse")
    assert gdkit.metrics.get("MeanAbsoluteError")[1] is gdkit.metrics.mean_absolute_error
    assert EarlyStopping("val_BinaryAccuracy").mode == "max" and EarlyStopping("val_MeanAbsoluteError").mode == "min"
    with pytest.raises(ValueError, match="'Huber'. Keras has it, but gdkit does not implement it"):
        losses.get("Huber")
    with pytest.raises(ValueError, match="exactly equal.*metrics=\\['accuracy'\\]"):
        gdkit.metrics.get("Accuracy")


class HookRecorder(Callback):
    def __init__(self):
        self.events = []

    def __getattribute__(self, name):
        if name.startswith("on_"):
            return lambda *args: self.events.append((name,) + tuple(a for a in args[:1] if isinstance(a, int)))
        return super().__getattribute__(name)


def test_evaluate_and_predict_call_keras_test_and_predict_hooks():
    x, y = binary_data(40)
    model = binary_model()
    recorder = HookRecorder()
    model.evaluate(x, y, batch_size=16, callbacks=[recorder])
    assert recorder.events == [("on_test_begin",), ("on_test_batch_begin", 0), ("on_test_batch_end", 0),
                               ("on_test_batch_begin", 1), ("on_test_batch_end", 1), ("on_test_batch_begin", 2),
                               ("on_test_batch_end", 2), ("on_test_end",)]
    assert recorder.model is model
    outputs = []
    spy = gdkit.callbacks.LambdaCallback()
    spy.on_predict_batch_end = lambda batch, logs: outputs.append(logs["outputs"])
    predictions = model.predict(x, batch_size=16, callbacks=[spy])
    assert [len(o) for o in outputs] == [16, 16, 8]
    np.testing.assert_array_equal(np.concatenate(outputs), predictions)
    # fit's validation pass calls the test hooks before on_epoch_end, as Keras's
    recorder = HookRecorder()
    model.fit(x, y, epochs=1, batch_size=40, validation_split=0.25, verbose=0, callbacks=[recorder])
    assert [e[0] for e in recorder.events] == [
        "on_train_begin", "on_epoch_begin", "on_train_batch_begin", "on_train_batch_end", "on_test_begin",
        "on_test_batch_begin", "on_test_batch_end", "on_test_end", "on_epoch_end", "on_train_end"]
    for method, call in (("evaluate", lambda: model.evaluate(x, y, steps=2)),
                         ("predict", lambda: model.predict(x, steps=2))):
        with pytest.raises(ValueError, match=f"{method}\\(..., steps=2\\): gdkit works on arrays, not data generators"):
            call()


@pytest.mark.parametrize("path, message", [
    ("layers.Conv2D", r"gdkit.layers has no 'Conv2D': Keras has keras.layers.Conv2D, but gdkit does not implement it. "
                      r"gdkit.layers has Activation, BatchNormalization, Dense, Dropout, Flatten, Input"),
    ("layers.LeakyReLU", r"Instead, write Dense\(units, activation='leaky_relu'\).*LeakyReLU's is 0.3"),
    ("datasets.mnist", r"gdkit downloads nothing.*load_digits\(\).*X.reshape\(-1, 8, 8\), divided by 16.0"),
    ("Model", r"gdkit has no 'Model': Keras has keras.Model.*not its functional API.*gdkit.Sequential"),
    ("models.Model", r"not its functional API"),
    ("losses.Huber", r"Keras has keras.losses.Huber.*gdkit.losses has BinaryCrossentropy, CategoricalCrossentropy"),
    ("optimizers.Nadam", r"Keras has keras.optimizers.Nadam.*gdkit.optimizers has Adagrad, Adam, AdamW, Momentum, "
                         r"Nesterov, Optimizer, RMSprop, SGD\.$"),
    ("metrics.AUC", r"Keras has keras.metrics.AUC, but gdkit does not implement it"),
    ("callbacks.TensorBoard", r"Keras has keras.callbacks.TensorBoard.*EarlyStopping"),
    ("utils.normalize", r"Standardise the arrays yourself"),
])
def test_keras_names_gdkit_lacks_say_so(path, message):
    """A tutorial that asks for a Keras building block gdkit lacks gets told so, with what to write instead where
    there is a one-line replacement (instead of "module 'gdkit.layers' has no attribute 'Conv2D'")."""
    obj = gdkit
    with pytest.raises(AttributeError, match=message):
        for part in path.split("."):
            obj = getattr(obj, part)


def test_other_missing_names_are_plain_attribute_errors():
    """Names that are not Keras's keep Python's message, and hasattr still works."""
    with pytest.raises(AttributeError, match="^module 'gdkit.layers' has no attribute 'Dens'$"):
        gdkit.layers.Dens
    assert not hasattr(gdkit.layers, "Conv2D") and not hasattr(gdkit, "__wrapped__")
    assert gdkit.plotting.__name__ == "gdkit.plotting"  # still loaded lazily


# ---- Normalization (the first layer of Keras's regression tutorials) ----------------------------------------------
def test_normalization_adapts_to_the_training_data_as_keras():
    rng = np.random.default_rng(5)
    x = rng.normal(size=(50, 3)) * [1.0, 10.0, 100.0] + [0.0, 5.0, -3.0]
    layer = gdkit.layers.Normalization(axis=-1)
    layer.adapt(x)
    model = Sequential([layer, Dense(2)], rng=0)
    assert model.built and [layer.name for layer in model.layers] == ["normalization", "dense"]
    mean, variance, count = layer.get_weights()
    np.testing.assert_allclose(mean, x.mean(axis=0), rtol=1e-14)
    np.testing.assert_allclose(variance, x.var(axis=0), rtol=1e-14)  # biased, as Keras
    assert count == 50 and layer.params == []  # nothing to train
    np.testing.assert_allclose(model.layers[0].forward(x), (x - x.mean(axis=0)) / x.std(axis=0), rtol=1e-12)
    assert model.count_params() == 8 and sum(w.size for w in model.weights) == 15  # mean, variance, count: 7 more
    # a constant column: divided by max(sqrt(0), 1e-7), as Keras, not by 0
    constant = gdkit.layers.Normalization()
    constant.adapt(np.ones((4, 1)))
    Sequential([constant])
    assert constant.forward(np.full((2, 1), 1.0 + 1e-8)).ravel() == pytest.approx([0.1, 0.1])
    # axis=None: one mean and variance for the whole array; explicit statistics; the inverse
    whole = gdkit.layers.Normalization(axis=None)
    whole.adapt(x)
    Sequential([whole])
    assert whole.mean.shape == () and whole.mean == pytest.approx(x.mean())
    given = gdkit.layers.Normalization(mean=[1.0, 2.0], variance=[4.0, 9.0])
    Sequential([given, Dense(1)]).predict(np.zeros((1, 2)))
    assert given.forward(np.array([[3.0, 8.0]])).tolist() == [[1.0, 2.0]] and given.get_weights() == []
    inverse = gdkit.layers.Normalization(mean=[1.0, 2.0], variance=[4.0, 9.0], invert=True)
    Sequential([inverse]).build(2)
    assert inverse.forward(np.array([[1.0, 2.0]])).tolist() == [[3.0, 8.0]]
    with pytest.raises(ValueError, match="first layer 'normalization' expects 3 features but x has shape \\(1, 2\\)"):
        Sequential([layer]).predict(np.zeros((1, 2)))
    with pytest.raises(ValueError, match="adapted to .* 3 features but receives inputs with 2"):
        Sequential([Dense(2, input_dim=4), gdkit.layers.Normalization(mean=[0.0] * 3, variance=[1.0] * 3)])


def test_normalization_backward_matches_finite_differences():
    rng = np.random.default_rng(6)
    x, G = rng.normal(size=(6, 3)) * 4.0 + 1.0, rng.normal(size=(6, 3))
    for invert in (False, True):
        layer = gdkit.layers.Normalization(invert=invert) if not invert else \
            gdkit.layers.Normalization(mean=[0.5, -1.0, 2.0], variance=[4.0, 0.25, 9.0], invert=True)
        if not invert:
            layer.adapt(rng.normal(size=(20, 3)) * 3.0)
        Sequential([layer])
        analytic = layer.backward(G)
        numeric = np.zeros_like(x)
        for index in np.ndindex(x.shape):
            step = np.zeros_like(x)
            step[index] = 1e-6
            numeric[index] = np.sum((layer.forward(x + step) - layer.forward(x - step)) * G) / 2e-6
        np.testing.assert_allclose(analytic, numeric, rtol=1e-7)


def test_normalization_that_was_not_adapted_warns_and_passes_inputs_through():
    x, y = binary_data()
    model = Sequential([gdkit.layers.Normalization(), Dense(1, activation="sigmoid")], rng=0)
    model.compile(optimizer="sgd", loss="binary_crossentropy")
    with pytest.warns(UserWarning, match="'normalization' was not adapted.*adapt\\(x_train\\)"):
        model.fit(x, y, epochs=1, verbose=0)
    np.testing.assert_array_equal(model.layers[0].forward(x), x)
    with pytest.raises(ValueError, match="axis=-1.*or axis=None"):
        gdkit.layers.Normalization(axis=0)
    with pytest.raises(ValueError, match="NaN"):
        gdkit.layers.Normalization().adapt(np.array([[1.0], [np.nan]]))


def test_normalization_weights_are_saved_and_restored(tmp_path):
    x = np.random.default_rng(7).normal(size=(30, 2)) * 5.0
    first = gdkit.layers.Normalization()
    first.adapt(x)
    model = Sequential([first, Dense(1)], rng=0)
    model.save_weights(tmp_path / "m.weights.npz")
    other = Sequential([gdkit.layers.Normalization(input_shape=(2,)), Dense(1)], rng=1)
    other.load_weights(tmp_path / "m.weights.npz")
    np.testing.assert_array_equal(other.predict(x), model.predict(x))
    assert other.layers[0].get_weights()[2] == 30


def test_normalization_keeps_a_float32_model_in_float32():
    x = np.random.default_rng(8).normal(size=(20, 2)) * 3.0
    layer = gdkit.layers.Normalization()
    layer.adapt(x)
    assert [w.shape for w in layer.get_weights()] == [(2,), (2,), ()]  # built by adapt, as Keras's
    model = Sequential([layer, Dense(1)], dtype="float32", rng=0)
    assert model.predict(x).dtype == np.float32
    model.compile(optimizer="sgd", loss="mse")
    model.fit(x, x[:, :1], epochs=1, verbose=0)
    assert all(p.dtype == np.float32 for p in model.trainable_weights)
