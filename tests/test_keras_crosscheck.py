"""gdkit against Keras 3 itself (torch backend), side by side: same data, Keras's initial weights copied into gdkit,
shuffle=False. Optional: skipped when keras (and torch) are not installed; CI does not install them.

Keras computes in float32 (on the torch backend even with floatx='float64', see the parity review), gdkit in
float64, so numbers agree to float32 rounding accumulated over the epochs, not exactly. Largest relative
differences of the per-epoch logs measured here (Keras 3.15.1, torch 2.13.0, 5 epochs of 6 batches): 'sgd'
1.7e-7, 'rmsprop' 8.1e-8, 'adam' 5.8e-7, 'adamw' 4.3e-7, 'adagrad' 9.3e-8 by name; with PyTorch's epsilon
placement instead, 'rmsprop' 1.5e-5 and 'adam' 1.7e-6 on the same run. validation_split, sample_weight,
class_weight and weighted metrics: at most 6.8e-7. The assertions allow 5e-6.
"""
import os
import re

import numpy as np
import pytest

os.environ.setdefault("KERAS_BACKEND", "torch")
keras = pytest.importorskip("keras")
if keras.backend.backend() != "torch":
    pytest.skip("the cross-check runs Keras on its torch backend", allow_module_level=True)

import gdkit  # noqa: E402
from gdkit import layers  # noqa: E402

ANSI = re.compile(r"\x1b\[[0-9;]*m")


def screen(out):
    """The lines a terminal shows at the end: ANSI colours, backspaces and overwritten bar states removed, times
    replaced by T."""
    lines = [ANSI.sub("", line.replace("\b", "")).split("\r")[-1].rstrip() for line in out.split("\n")]
    return [re.sub(r"\d+(s|ms|us)/step", "T/step", re.sub(r" \d+s ", " Ts ", line)) for line in lines if line]


def binary_data(n=96, d=5, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, d)).astype(np.float32)
    return x, (x[:, 0] - x[:, 1] + 0.5 * rng.normal(size=n) > 0).astype(np.float32)


def twin_models(hidden=(8,), d=5, units=1, activation="tanh", last="sigmoid", seed=0, inputs=None):
    """A Keras model and a gdkit model of the same architecture, with Keras's initial weights in both."""
    keras.utils.set_random_seed(seed)
    shape = inputs or (d,)
    k_layers = [keras.Input(shape=shape)] + ([keras.layers.Flatten()] if inputs else [])
    g_layers = [gdkit.Input(shape=shape)] + ([layers.Flatten()] if inputs else [])
    for h in hidden:
        k_layers.append(keras.layers.Dense(h, activation=activation))
        g_layers.append(layers.Dense(h, activation=activation))
    k_layers.append(keras.layers.Dense(units, activation=last))
    g_layers.append(layers.Dense(units, activation=last))
    k_model, g_model = keras.Sequential(k_layers), gdkit.Sequential(g_layers)
    g_model.set_weights(k_model.get_weights())
    return k_model, g_model


def relative_difference(a, b):
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    return float(np.max(np.abs(a - b) / np.maximum(np.abs(b), 1e-12)))


@pytest.mark.parametrize("name", ["sgd", "rmsprop", "adam", "adamw", "adagrad"])
def test_optimizers_by_name_reproduce_keras(name):
    x, y = binary_data()
    histories = []
    for model in twin_models():
        model.compile(optimizer=name, loss="binary_crossentropy", metrics=["accuracy"])
        histories.append(model.fit(x, y, epochs=5, batch_size=16, shuffle=False, verbose=0).history)
    k, g = histories
    assert list(k) == list(g)
    assert relative_difference(g["loss"], k["loss"]) < 5e-6
    np.testing.assert_allclose(g["accuracy"], k["accuracy"], atol=1e-6)


def test_validation_split_and_weights_reproduce_keras():
    """validation_split=0.33 of 76 holds out 26 (Keras's rule; round(76 * 0.33) would be 25); sample_weight
    and class_weight weight the loss and the weighted metrics, not the plain ones, as in Keras."""
    x, y = binary_data(76)
    weights = np.linspace(0.2, 2.0, 76).astype(np.float32)
    for kwargs in ({"validation_split": 0.33}, {"sample_weight": weights}, {"class_weight": {0: 1.0, 1: 3.0}},
                   {"sample_weight": weights, "validation_split": 0.25}):
        histories = []
        for model in twin_models():
            model.compile(optimizer="adam", loss="binary_crossentropy", metrics=["accuracy"],
                          weighted_metrics=["accuracy", "mae"])
            histories.append(model.fit(x, y, epochs=4, batch_size=10, shuffle=False, verbose=0, **kwargs))
        k, g = histories
        assert g.params == k.params, kwargs
        assert list(g.history) == list(k.history)
        for key in k.history:
            assert relative_difference(g.history[key], k.history[key]) < 5e-6, (kwargs, key)


def test_early_stopping_on_val_accuracy_reproduces_keras():
    """No mode given: both maximise val_accuracy, stop after the same epoch and end with the best weights."""
    x, y = binary_data(120, seed=3)
    runs = []
    for model in twin_models(hidden=(16,), activation="relu", seed=1):
        model.compile(optimizer="adam", loss="binary_crossentropy", metrics=["accuracy"])
        stopper = (keras if isinstance(model, keras.Model) else gdkit).callbacks.EarlyStopping(
            monitor="val_accuracy", patience=2, restore_best_weights=True)
        history = model.fit(x, y, epochs=40, batch_size=16, shuffle=False, validation_split=0.3, verbose=0,
                            callbacks=[stopper])
        runs.append((history.epoch, history.history["val_accuracy"], model.get_weights()))
    (k_epochs, k_acc, k_weights), (g_epochs, g_acc, g_weights) = runs
    assert g_epochs == k_epochs and len(k_epochs) < 40
    np.testing.assert_allclose(g_acc, k_acc, atol=1e-6)
    for ours, theirs in zip(g_weights, k_weights):
        np.testing.assert_allclose(ours, theirs, rtol=1e-4, atol=1e-6)


def test_flatten_and_sparse_logits_reproduce_keras():
    data = gdkit.datasets.load_digits()
    images, labels = (data[0][:400] / 16.0).reshape(-1, 8, 8).astype(np.float32), data[1][:400]
    histories = []
    for model in twin_models(hidden=(32,), d=None, units=10, activation="relu", last=None, inputs=(8, 8)):
        loss = (keras if isinstance(model, keras.Model) else gdkit).losses.SparseCategoricalCrossentropy(
            from_logits=True)
        model.compile(optimizer="adam", loss=loss, metrics=["accuracy"])
        histories.append(model.fit(images, labels, epochs=3, shuffle=False, verbose=0).history)
    k, g = histories
    assert relative_difference(g["loss"], k["loss"]) < 5e-6
    np.testing.assert_allclose(g["accuracy"], k["accuracy"], atol=1e-6)


def test_leaky_relu_by_name_is_keras():
    z = np.linspace(-3, 3, 13).astype(np.float32).reshape(-1, 1)
    k_model, g_model = twin_models(hidden=(), d=1, units=1, last="leaky_relu")
    np.testing.assert_allclose(g_model.predict(z), k_model.predict(z, verbose=0), rtol=1e-6, atol=1e-7)


def test_what_the_student_sees_is_keras(capsys):
    """fit (verbose 2 and 1), evaluate (verbose 2 and 1): the same lines with the same 4-decimal numbers, up to the
    step times; and the same History.params, history keys and evaluate(return_dict=True) keys."""
    x, y = binary_data(40)
    outputs, results = [], []
    for model in twin_models():
        model.compile(optimizer="sgd", loss="binary_crossentropy", metrics=["accuracy", "mae"])
        history = model.fit(x, y, epochs=2, shuffle=False, validation_split=0.25, verbose=2)
        model.fit(x, y, epochs=2, shuffle=False, verbose=1)
        model.evaluate(x, y, verbose=2)
        model.evaluate(x, y, verbose=1)
        outputs.append(screen(capsys.readouterr().out))
        results.append((history.params, list(history.history), model.evaluate(x, y, verbose=0),
                        model.evaluate(x, y, verbose=0, return_dict=True)))
    assert outputs[1] == outputs[0]
    (k_params, k_keys, k_list, k_dict), (g_params, g_keys, g_list, g_dict) = results
    assert g_params == k_params and g_keys == k_keys and list(g_dict) == list(k_dict)
    np.testing.assert_allclose(g_list, k_list, rtol=1e-5)
    np.testing.assert_allclose(list(g_dict.values()), list(k_dict.values()), rtol=1e-5)


def test_learning_rate_callbacks_and_hooks_reproduce_keras():
    """LearningRateScheduler then ReduceLROnPlateau on the same run: the same rates, losses and history keys; and
    the same sequence of callback hooks."""
    x, y = binary_data(80)
    runs = []
    for model in twin_models():
        library = keras if isinstance(model, keras.Model) else gdkit
        model.compile(optimizer=library.optimizers.SGD(0.5), loss="binary_crossentropy")
        events = []
        callbacks = [library.callbacks.LearningRateScheduler(lambda epoch, lr: lr * 0.9 if epoch else lr),
                     library.callbacks.ReduceLROnPlateau(monitor="loss", factor=0.5, patience=1, min_delta=0.01),
                     library.callbacks.LambdaCallback(
                         on_epoch_begin=lambda epoch, logs: events.append(("epoch", epoch)),
                         on_train_batch_end=lambda batch, logs: events.append(("batch", batch, sorted(logs))))]
        history = model.fit(x, y, epochs=8, batch_size=16, shuffle=False, verbose=0, callbacks=callbacks)
        runs.append((history.history, events))
    (k, k_events), (g, g_events) = runs
    assert list(g) == list(k) == ["loss", "learning_rate"] and g_events == k_events
    np.testing.assert_allclose(g["learning_rate"], k["learning_rate"], rtol=1e-6)
    assert relative_difference(g["loss"], k["loss"]) < 5e-6


# ---- The tutorial programs of tests/test_keras_examples.py, side by side ----------------------------------------
# Same programs, Keras's initial weights copied into gdkit, shuffle=False so that both see the batches in the same
# order. Measured (Keras 3.15.1, torch 2.13.0): early stopping on val_accuracy, seeds 0-4: the same number of epochs
# and the same best epoch in all five, loss <= 6.0e-6, val_accuracy <= 2.8e-8; iris with Input and 'rmsprop':
# loss 2.4e-7; regression with MAE: 4.7e-6 over the first 18 epochs, then the kinks of |r| amplify float32
# rounding (Keras against itself with the initial weights changed by 1e-6 relative: 0.14 over 100 epochs, 42 of
# 100 printed losses different; gdkit against Keras: 0.083); the MNIST-shaped MLP with Dropout(0.2): the masks
# differ, the per-epoch loss by 1.2% at most, test accuracy by 0.006.
from test_keras_examples import breast_cancer_split, digits_images  # noqa: E402


def twins(spec, seed=0):
    """Keras and gdkit models from the same list of layer makers (``lambda lib: lib.layers.Dense(...)``), with
    Keras's initial weights in both."""
    models = []
    keras.backend.clear_session()  # Keras numbers layer names per session, gdkit per model
    for library in (keras, gdkit):
        library.utils.set_random_seed(seed)
        models.append(library.Sequential([make(library) for make in spec]))
    k_model, g_model = models
    g_model.set_weights(k_model.get_weights())
    return k_model, g_model


def library_of(model):
    return keras if isinstance(model, keras.Model) else gdkit


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_early_stopping_tutorial_reproduces_keras(seed):
    X_train, y_train = breast_cancer_split()[:2]
    X_train = X_train.astype(np.float32)
    runs = []
    for model in twins([lambda lib: lib.Input(shape=(30,)), lambda lib: lib.layers.Dense(16, activation="relu"),
                        lambda lib: lib.layers.Dense(1, activation="sigmoid")], seed):
        model.compile(optimizer="adam", loss="binary_crossentropy", metrics=["accuracy"])
        stopper = library_of(model).callbacks.EarlyStopping(monitor="val_accuracy", patience=3,
                                                            restore_best_weights=True)
        history = model.fit(X_train, y_train, epochs=100, batch_size=32, validation_split=0.2, callbacks=[stopper],
                            verbose=0, shuffle=False)
        runs.append((history.epoch, stopper.best_epoch, history.history, history.params))
    (k_epochs, k_best, k, k_params), (g_epochs, g_best, g, g_params) = runs
    assert g_epochs == k_epochs and g_best == k_best and len(k_epochs) == k_best + 4 and g_params == k_params
    assert relative_difference(g["loss"], k["loss"]) < 5e-5
    np.testing.assert_allclose(g["val_accuracy"], k["val_accuracy"], atol=1e-6)


def test_input_rmsprop_tutorial_reproduces_keras(capsys):
    data = gdkit.datasets.load_iris()
    order = np.random.default_rng(3).permutation(len(data[0]))
    X, labels = data[0][order], data[1][order]
    X = ((X - X.mean(axis=0)) / X.std(axis=0)).astype(np.float32)
    runs = []
    for model in twins([lambda lib: lib.Input(shape=(4,)), lambda lib: lib.layers.Dense(16, activation="relu"),
                        lambda lib: lib.layers.Dense(3, activation="softmax")]):
        y = library_of(model).utils.to_categorical(labels, 3)
        model.compile(optimizer="rmsprop", loss="categorical_crossentropy", metrics=["accuracy"])
        history = model.fit(X[:120], y[:120], epochs=50, batch_size=16, verbose=0, shuffle=False)
        runs.append((history.history, model.evaluate(X[120:], y[120:], return_dict=True, verbose=0)))
    (k, k_results), (g, g_results) = runs
    assert relative_difference(g["loss"], k["loss"]) < 5e-6
    np.testing.assert_allclose(g["accuracy"], k["accuracy"], atol=1e-6)
    assert list(g_results) == list(k_results)
    np.testing.assert_allclose(list(g_results.values()), list(k_results.values()), rtol=1e-5)


def test_regression_tutorial_reproduces_keras_until_the_kinks_of_mae_take_over():
    """TensorFlow's basic regression with its Normalization layer adapted in each library (the statistics agree to
    float32 rounding), then Keras's initial weights copied in."""
    X, y = gdkit.datasets.make_nonlinear_regression(300, noise=0.1, rng=2)[:2]
    X = (30.0 * X + 7.0).astype(np.float32)
    normalizers = []
    for library in (keras, gdkit):
        normalizers.append(library.layers.Normalization(axis=-1))
        normalizers[-1].adapt(X)
    np.testing.assert_allclose(normalizers[1].get_weights()[:2], normalizers[0].get_weights()[:2], rtol=1e-6)
    runs = []
    for model in twins([lambda lib: lib.Input(shape=(X.shape[1],)),
                        lambda lib: normalizers[lib is gdkit],
                        lambda lib: lib.layers.Dense(64, activation="relu"),
                        lambda lib: lib.layers.Dense(64, activation="relu"), lambda lib: lib.layers.Dense(1)]):
        model.compile(loss="mean_absolute_error", optimizer="adam")
        runs.append(model.fit(X, y, validation_split=0.2, verbose=0, epochs=15, shuffle=False))
    k, g = runs
    assert g.params == k.params == {"verbose": 0, "epochs": 15, "steps": 8} and list(g.history) == list(k.history)
    for key in k.history:
        assert relative_difference(g.history[key], k.history[key]) < 2e-5, key


def test_mnist_tutorial_with_dropout_trains_as_keras():
    """Dropout's masks come from each library's own generator, so only the course of training can agree."""
    (x_train, y_train), (x_test, y_test) = digits_images()
    x_train, x_test = (x_train / 16.0).astype(np.float32), (x_test / 16.0).astype(np.float32)
    runs = []
    for model in twins([lambda lib: lib.layers.Flatten(input_shape=(8, 8)),
                        lambda lib: lib.layers.Dense(128, activation="relu"), lambda lib: lib.layers.Dropout(0.2),
                        lambda lib: lib.layers.Dense(10)]):
        library = library_of(model)
        model.compile(optimizer="adam", loss=library.losses.SparseCategoricalCrossentropy(from_logits=True),
                      metrics=["accuracy"])
        history = model.fit(x_train, y_train, epochs=5, verbose=0, shuffle=False)
        runs.append((history.history, model.evaluate(x_test, y_test, verbose=0), [layer.name for layer in model.layers]))
    (k, k_test, k_names), (g, g_test, g_names) = runs
    assert g_names == k_names == ["flatten", "dense", "dropout", "dense_1"]
    assert relative_difference(g["loss"], k["loss"]) < 0.05
    assert abs(g_test[1] - k_test[1]) < 0.03 and relative_difference(g_test[0], k_test[0]) < 0.1


def test_summary_is_keras(capsys):
    """The same table, line for line (a float32 gdkit model, so that the byte sizes are Keras's too)."""
    spec = [lambda lib: lib.Input(shape=(8, 8)), lambda lib: lib.layers.Flatten(),
            lambda lib: lib.layers.Dense(64), lambda lib: lib.layers.BatchNormalization(),
            lambda lib: lib.layers.Activation("relu"), lambda lib: lib.layers.Dropout(0.2),
            lambda lib: lib.layers.Dense(10, activation="softmax")]
    keras.backend.clear_session()  # Keras numbers layer names per session, gdkit per model
    k_model = keras.Sequential([make(keras) for make in spec])
    g_model = gdkit.Sequential([make(gdkit) for make in spec], dtype="float32")
    k_model.summary()
    k_out = capsys.readouterr().out
    g_model.summary()
    assert capsys.readouterr().out == k_out.replace(f'"{k_model.name}"', '"sequential"')
    keras.backend.clear_session()
    keras.Sequential([keras.layers.Dense(3), keras.layers.Dropout(0.5)]).summary()
    k_out = capsys.readouterr().out
    gdkit.Sequential([layers.Dense(3), layers.Dropout(0.5)]).summary()
    assert capsys.readouterr().out == k_out


def test_test_and_predict_hooks_reproduce_keras():
    x, y = binary_data(40)
    sequences = []
    for model in twin_models():
        library = library_of(model)
        events = []
        names = ["on_train_begin", "on_epoch_begin", "on_train_batch_begin", "on_train_batch_end", "on_test_begin",
                 "on_test_batch_begin", "on_test_batch_end", "on_test_end", "on_epoch_end", "on_train_end",
                 "on_predict_begin", "on_predict_batch_begin", "on_predict_batch_end", "on_predict_end"]
        spy = library.callbacks.Callback()
        for name in names:
            setattr(spy, name, lambda *args, name=name, **kwargs: events.append((name,) + args[:1] if args and
                                                                      isinstance(args[0], int) else (name,)))
        model.compile(optimizer="sgd", loss="binary_crossentropy", metrics=["accuracy"])
        model.fit(x, y, epochs=2, batch_size=16, validation_split=0.25, validation_batch_size=16, verbose=0,
                  shuffle=False, callbacks=[spy])
        model.evaluate(x, y, batch_size=16, verbose=0, callbacks=[spy])
        model.predict(x, batch_size=16, verbose=0, callbacks=[spy])
        sequences.append(events)
    assert sequences[1] == sequences[0]


def test_history_params_and_predict_lines_are_keras(capsys):
    x, y = binary_data(40)
    results = []
    for model in twin_models():
        model.compile(optimizer="sgd", loss="binary_crossentropy")
        history = model.fit(x, y, epochs=1, shuffle=False)
        model.predict(x, batch_size=16, verbose=1)
        results.append((history.params, screen(capsys.readouterr().out)))
    assert results[1] == results[0]


def test_early_stopping_defaults_and_restoring_at_the_end_reproduce_keras():
    """EarlyStopping() with Keras's defaults (val_loss, patience 0) stops at the same epoch; with
    restore_best_weights=True and a patience that never runs out, both end with the best epoch's weights."""
    x, y = binary_data(120, seed=3)
    for kwargs, epochs in (({}, 40), ({"patience": 100, "restore_best_weights": True}, 25)):
        runs = []
        for model in twin_models(hidden=(16,), activation="relu", seed=1):
            model.compile(optimizer=library_of(model).optimizers.SGD(0.5), loss="binary_crossentropy")
            stopper = library_of(model).callbacks.EarlyStopping(**kwargs)
            x_val, y_val = x[80:], 1.0 - y[80:]  # labels flipped: val_loss rises soon while training goes on
            history = model.fit(x[:80], y[:80], epochs=epochs, batch_size=16, shuffle=False, verbose=0,
                                validation_data=(x_val, y_val), callbacks=[stopper])
            runs.append((history.epoch, stopper.best_epoch, model.get_weights(),
                         model.evaluate(x_val, y_val, verbose=0)))
        (k_epochs, k_best, k_weights, k_val), (g_epochs, g_best, g_weights, g_val) = runs
        assert g_epochs == k_epochs and g_best == k_best, kwargs
        for ours, theirs in zip(g_weights, k_weights):
            np.testing.assert_allclose(ours, theirs, rtol=1e-4, atol=1e-6)
        assert g_val == pytest.approx(k_val, rel=1e-5)
        if not kwargs:
            assert len(k_epochs) == k_best + 2 < epochs  # patience 0: stopped at the first epoch without improvement
    assert len(k_epochs) == 25 and k_best < 24  # ran to the end, restored an earlier epoch
