"""gdkit.callbacks: History, EarlyStopping (alone and inside fit, with restore_best_weights), custom callbacks."""
import numpy as np
import pytest

from gdkit import optimizers
from gdkit.callbacks import Callback, EarlyStopping, History
from gdkit.layers import Dense
from gdkit.models import Sequential


class FakeModel:
    """Just what EarlyStopping touches: stop flags and weights."""

    def __init__(self):
        self.stop_training, self.stop_reason, self.weights = False, None, [np.zeros(2)]

    def get_weights(self):
        return [w.copy() for w in self.weights]

    def set_weights(self, weights):
        self.weights = [w.copy() for w in weights]


def feed(callback, values, key="val_loss"):
    """Run the callback as fit does over epochs whose monitored values are ``values`` (the weights of epoch k are
    all k); return the epoch at which the model was stopped (None if never) and the model after on_train_end."""
    model = FakeModel()
    callback.set_model(model)
    callback.on_train_begin()
    stopped = None
    for epoch, value in enumerate(values):
        model.weights = [np.full(2, float(epoch))]
        callback.on_epoch_end(epoch, {key: value})
        if model.stop_training:
            stopped = epoch
            break
    callback.on_train_end()
    return stopped, model


def test_history_records_per_epoch_values():
    history = History()
    history.record(0, {"loss": 1.0, "accuracy": 0.5})
    history.record(1, {"loss": 0.5, "accuracy": 0.75})
    assert history.history == {"loss": [1.0, 0.5], "accuracy": [0.5, 0.75]}
    assert history.epoch == [0, 1]
    assert history.stopped_reason is None and history.diagnostics == {}
    assert repr(history) == "History(2 epochs: loss=0.5, accuracy=0.75)"


def test_early_stopping_waits_patience_epochs_after_the_best():
    stopped, model = feed(EarlyStopping(patience=2), [1.0, 0.8, 0.9, 0.85, 0.7])
    assert stopped == 3  # best at epoch 1, no improvement at epochs 2 and 3
    assert "epoch 4" in model.stop_reason and "best at epoch 2" in model.stop_reason
    assert feed(EarlyStopping(patience=3), [1.0, 0.8, 0.9, 0.85, 0.7])[0] is None


def test_early_stopping_min_delta_and_mode_max():
    # improvements of 0.01 do not count with min_delta=0.05
    assert feed(EarlyStopping(patience=2, min_delta=0.05), [1.0, 0.99, 0.98])[0] == 2
    assert feed(EarlyStopping(patience=2), [1.0, 0.99, 0.98])[0] is None
    # accuracy should go up
    assert feed(EarlyStopping("val_accuracy", patience=1, mode="max"), [0.5, 0.6, 0.55],
                key="val_accuracy")[0] == 2
    assert feed(EarlyStopping("val_accuracy", patience=1, mode="max"), [0.5, 0.6, 0.7],
                key="val_accuracy")[0] is None


def test_early_stopping_restores_the_best_weights():
    stopped, model = feed(EarlyStopping(patience=2, restore_best_weights=True), [1.0, 0.5, 0.7, 0.8, 0.1])
    assert stopped == 3
    np.testing.assert_array_equal(model.weights[0], [1.0, 1.0])  # the weights seen at epoch 1
    _, model = feed(EarlyStopping(patience=2), [1.0, 0.5, 0.7, 0.8])
    np.testing.assert_array_equal(model.weights[0], [3.0, 3.0])  # without restoring: the last ones


def test_early_stopping_errors_are_actionable():
    with pytest.raises(ValueError, match="'min' or 'max'.*'up'"):
        EarlyStopping(mode="up")
    callback = EarlyStopping()
    callback.set_model(FakeModel())
    callback.on_train_begin()
    with pytest.raises(KeyError, match="val_loss.*'loss'.*validation_data"):
        callback.on_epoch_end(0, {"loss": 1.0})


def regression_problem():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(64, 3))
    return x, x @ np.array([[1.0], [-2.0], [0.5]])


def test_early_stopping_inside_fit_stops_and_sets_stopped_reason(capsys):
    x, y = regression_problem()
    model = Sequential([Dense(1, input_dim=3)], rng=0)
    model.compile(optimizer=optimizers.SGD(learning_rate=0.0), loss="mse")  # nothing changes: no improvement
    history = model.fit(x, y, epochs=20, verbose=2, validation_split=0.25, callbacks=[EarlyStopping(patience=3)])
    assert history.epoch == [0, 1, 2, 3]
    assert history.stopped_reason.startswith("early stopping at epoch 4")
    assert "Stopped: early stopping at epoch 4" in capsys.readouterr().out


def test_restore_best_weights_inside_fit():
    """Train towards y but validate against -y: the validation loss is best after the first epoch."""
    x, y = regression_problem()
    make = lambda: Sequential([Dense(1, input_dim=3)], rng=0)  # noqa: E731
    model = make()
    model.compile(optimizer=optimizers.SGD(0.05), loss="mse")
    stopper = EarlyStopping(patience=2, restore_best_weights=True)
    history = model.fit(x, y, epochs=30, batch_size=len(x), verbose=0, validation_data=(x, -y), callbacks=[stopper])
    assert len(history.epoch) == 3 and stopper.best_epoch == 0
    assert history.history["val_loss"][0] < history.history["val_loss"][1] < history.history["val_loss"][2]
    reference = make()
    reference.compile(optimizer=optimizers.SGD(0.05), loss="mse")
    reference.fit(x, y, epochs=1, batch_size=len(x), verbose=0)
    for restored, best in zip(model.get_weights(), reference.get_weights()):
        np.testing.assert_array_equal(restored, best)


def test_custom_callback_sees_every_epoch_and_can_stop_training():
    seen = []

    class StopAtTwo(Callback):
        def on_train_begin(self, logs=None):
            seen.append("begin")

        def on_epoch_end(self, epoch, logs=None):
            seen.append((epoch, sorted(logs)))
            if epoch == 1:
                self.model.stop_training = True
                self.model.stop_reason = "enough"

        def on_train_end(self, logs=None):
            seen.append("end")

    x, y = regression_problem()
    model = Sequential([Dense(1, input_dim=3)], rng=0)
    model.compile(optimizer="sgd", loss="mse", metrics=["mae"])
    history = model.fit(x, y, epochs=10, verbose=0, callbacks=[StopAtTwo()])
    assert seen == ["begin", (0, ["loss", "mae"]), (1, ["loss", "mae"]), "end"]
    assert history.stopped_reason == "enough" and len(history.epoch) == 2


def test_early_stopping_with_a_monitor_that_is_never_finite_stops_without_crashing():
    """NaN never counts as an improvement; the stop reason says so instead of raising."""
    from gdkit.callbacks import EarlyStopping

    class Model:
        stop_training, stop_reason = False, None

    stopper = EarlyStopping(monitor="val_loss", patience=2)
    stopper.set_model(Model())
    stopper.on_train_begin()
    for epoch in range(3):
        stopper.on_epoch_end(epoch, {"val_loss": float("nan")})
    assert stopper.model.stop_training and "never finite" in stopper.model.stop_reason
