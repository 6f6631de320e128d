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


# ---- Keras's other callbacks and hooks ------------------------------------------------------------------------
from gdkit.callbacks import (CSVLogger, LambdaCallback, LearningRateScheduler, ModelCheckpoint,  # noqa: E402
                             ReduceLROnPlateau, TerminateOnNaN)


def test_fit_calls_keras_hooks_in_keras_order_and_a_batch_hook_can_stop():
    events = []

    class Recorder(Callback):
        def on_train_begin(self, logs=None):
            events.append("train_begin")

        def on_epoch_begin(self, epoch, logs=None):
            events.append(("epoch_begin", epoch))

        def on_train_batch_begin(self, batch, logs=None):
            events.append(("batch_begin", batch))
            super().on_train_batch_begin(batch, logs)

        def on_batch_end(self, batch, logs=None):  # the old name, called through on_train_batch_end
            events.append(("batch_end", batch, sorted(logs)))

        def on_epoch_end(self, epoch, logs=None):
            events.append(("epoch_end", epoch))

        def on_train_end(self, logs=None):
            events.append("train_end")

    x, y = regression_problem()
    model = Sequential([Dense(1, input_dim=3)], rng=0)
    model.compile(optimizer="sgd", loss="mse", metrics=["mae"])
    model.fit(x, y, epochs=2, batch_size=32, verbose=0, callbacks=[Recorder()])
    assert events == ["train_begin", ("epoch_begin", 0), ("batch_begin", 0), ("batch_end", 0, ["loss", "mae"]),
                      ("batch_begin", 1), ("batch_end", 1, ["loss", "mae"]), ("epoch_end", 0),
                      ("epoch_begin", 1), ("batch_begin", 0), ("batch_end", 0, ["loss", "mae"]),
                      ("batch_begin", 1), ("batch_end", 1, ["loss", "mae"]), ("epoch_end", 1), "train_end"]
    stopper = LambdaCallback(on_train_batch_end=lambda batch, logs: setattr(model, "stop_training", True))
    history = model.fit(x, y, epochs=5, batch_size=16, verbose=0, callbacks=[stopper])
    assert model.optimizer.iterations == 4 + 1 and history.epoch == [0]  # one batch, then the epoch ends
    assert history.stopped_reason == "stopped by a callback in epoch 1"


def test_learning_rate_scheduler_sets_the_rate_each_epoch_and_logs_it():
    x, y = regression_problem()
    model = Sequential([Dense(1, input_dim=3)], rng=0)
    model.compile(optimizer=optimizers.SGD(0.1), loss="mse")
    scheduler = LearningRateScheduler(lambda epoch, lr: lr if epoch == 0 else lr * 0.5)
    reference = Sequential([Dense(1, input_dim=3)], rng=0)
    reference.compile(optimizer=optimizers.SGD(0.1), loss="mse")
    history = model.fit(x, y, epochs=3, batch_size=len(x), verbose=0, callbacks=[scheduler])
    assert history.history["learning_rate"] == [0.1, 0.05, 0.025]
    for rate in (0.1, 0.05, 0.025):  # the same steps by hand
        reference.optimizer.learning_rate = rate
        reference.train_on_batch(x, y)
    for a, b in zip(model.get_weights(), reference.get_weights()):
        np.testing.assert_allclose(a, b, rtol=1e-14)
    one_argument = LearningRateScheduler(lambda epoch: 0.01 * (epoch + 1))
    assert model.fit(x, y, epochs=2, verbose=0, callbacks=[one_argument]).history["learning_rate"] == [0.01, 0.02]


def test_reduce_lr_on_plateau_follows_keras_rules():
    """patience 2, factor 0.5, cooldown 1, min_delta 1e-4 (Keras's rules, computed by hand)."""

    class Model:
        stop_training = False

    model = Model()
    model.optimizer = optimizers.SGD(0.8)
    callback = ReduceLROnPlateau(monitor="val_loss", factor=0.5, patience=2, cooldown=1, min_lr=0.15)
    callback.set_model(model)
    callback.on_train_begin()
    rates = []
    for epoch, value in enumerate([1.0, 1.0, 1.0, 1.0, 1.0, 0.99995, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5]):
        logs = {"val_loss": value}
        callback.on_epoch_end(epoch, logs)
        rates.append((logs["learning_rate"], model.optimizer.learning_rate))
    # epoch 2: second epoch without improvement -> 0.4 and a cooldown of 1 epoch; epoch 3 ends the cooldown (Keras
    # then counts it already), epoch 4 -> 0.2; epoch 5 (0.99995, not better by 1e-4) counts, epoch 6 improves;
    # epochs 7, 8 -> 0.15 (min_lr, not 0.1); no lower afterwards
    assert [after for _, after in rates] == [0.8, 0.8, 0.4, 0.4, 0.2, 0.2, 0.2, 0.2, 0.15, 0.15, 0.15, 0.15]
    assert [logged for logged, _ in rates][:3] == [0.8, 0.8, 0.8]  # logged before the reduction, as Keras
    with pytest.raises(ValueError, match="factor must be < 1"):
        ReduceLROnPlateau(factor=2.0)


def test_model_checkpoint_saves_the_best_weights_as_npz(tmp_path):
    x, y = regression_problem()
    model = Sequential([Dense(1, input_dim=3)], rng=0)
    model.compile(optimizer=optimizers.SGD(0.05), loss="mse")
    path = tmp_path / "best.weights.npz"
    checkpoint = ModelCheckpoint(path, monitor="val_loss", save_best_only=True, save_weights_only=True)
    history = model.fit(x, y, epochs=6, batch_size=len(x), verbose=0, validation_data=(x, -y), callbacks=[checkpoint])
    assert np.argmin(history.history["val_loss"]) == 0  # validating against -y: the first epoch is the best
    best = Sequential([Dense(1, input_dim=3)], rng=1)
    best.load_weights(path)
    reference = Sequential([Dense(1, input_dim=3)], rng=0)
    reference.compile(optimizer=optimizers.SGD(0.05), loss="mse")
    reference.fit(x, y, epochs=1, batch_size=len(x), verbose=0)
    np.testing.assert_array_equal(best.get_weights()[0], reference.get_weights()[0])
    every = ModelCheckpoint(str(tmp_path / "w.{epoch:02d}-{loss:.2f}.npz"))
    model.fit(x, y, epochs=2, verbose=0, callbacks=[every])
    assert len(list(tmp_path.glob("w.0[12]-*.npz"))) == 2
    with pytest.raises(ValueError, match="must end in .npz"):
        ModelCheckpoint("model.keras")


def test_csv_logger_lambda_callback_and_terminate_on_nan(tmp_path):
    x, y = regression_problem()
    model = Sequential([Dense(1, input_dim=3)], rng=0)
    model.compile(optimizer="sgd", loss="mse", metrics=["mae"])
    seen = []
    history = model.fit(x, y, epochs=3, verbose=0, callbacks=[
        CSVLogger(tmp_path / "log.csv"), LambdaCallback(on_epoch_end=lambda epoch, logs: seen.append(epoch)),
        TerminateOnNaN()])
    rows = (tmp_path / "log.csv").read_text().splitlines()
    assert rows[0] == "epoch,loss,mae" and len(rows) == 4 and seen == [0, 1, 2]
    assert float(rows[3].split(",")[1]) == history.history["loss"][2]
