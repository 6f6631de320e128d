"""Training history and callbacks for :meth:`gdkit.models.Sequential.fit` (chapter: training in practice).

They behave as Keras 3's: ``History.history`` has one list per key (``val_...`` lists are shorter when
``validation_freq > 1``), ``History.params`` is ``{"verbose", "epochs", "steps"}``, and :class:`EarlyStopping`
has Keras's defaults, its ``mode="auto"`` and its restoring of the best weights at the end of training.
"""
import numpy as np

from .losses import _snake_case
from ._keras_names import missing_name_getattr

__all__ = ["History", "Callback", "EarlyStopping", "LambdaCallback", "LearningRateScheduler", "ReduceLROnPlateau",
           "ModelCheckpoint", "CSVLogger", "TerminateOnNaN", "TrainingDivergedWarning"]


class TrainingDivergedWarning(RuntimeWarning):
    """Issued when the training loss becomes NaN or infinite and ``fit`` stops."""


class History:
    """What ``fit`` returns, as in Keras.

    Attributes
    ----------
    history : dict of str -> list of float
        One value per epoch: ``"loss"``, each metric, and ``"val_..."`` versions with validation data.
    epoch : list of int
    batch_loss : list of float
        The loss of every training step (one per batch, before its update), for plots per update.
    diagnostics : dict of str -> dict of str -> list of float
        Filled when ``fit(..., diagnostics=True)``: per layer and per epoch, ``"grad_norm"`` (mean over the
        epoch's batches of the Frobenius norm of dL/dW), ``"weight_norm"``, ``"activation_mean"``,
        ``"activation_std"``, ``"inactive_fraction"`` (ReLU, leaky ReLU or ELU units whose input is <= 0 for
        every probe example), ``"dead_fraction"`` (the same for ReLU units that output 0 for every probe example: no gradient
        reaches their weights; NaN for other activations)
        and ``"saturated_fraction"`` (sigmoid outputs outside [0.01, 0.99], tanh outputs beyond ±0.99).
    stopped_reason : str or None
        Why training stopped before the last epoch (divergence, early stopping), else None.
    params : dict
        ``{"verbose": ..., "epochs": ..., "steps": ...}``, the arguments of the ``fit`` call (steps per epoch),
        as Keras's ``History.params``.
    """

    def __init__(self):
        self.history, self.epoch, self.diagnostics, self.stopped_reason = {}, [], {}, None
        self.batch_loss, self.params = [], {}

    def record(self, epoch, logs):
        self.epoch.append(epoch)
        for key, value in logs.items():
            self.history.setdefault(key, []).append(value)

    def __repr__(self):
        last = ", ".join(f"{k}={v[-1]:.4g}" for k, v in self.history.items() if v)
        return f"History({len(self.epoch)} epochs: {last})"


class Callback:
    """Base class: override ``on_epoch_end(epoch, logs)`` (or any hook below); set
    ``self.model.stop_training = True`` to stop.

    ``self.model`` is the model being trained and ``self.params`` the ``fit`` call's ``{"verbose", "epochs",
    "steps"}``, as in Keras. ``fit`` calls ``on_train_begin``, then per epoch ``on_epoch_begin``, per batch
    ``on_train_batch_begin`` / ``on_train_batch_end`` (whose logs are the epoch's running means, as Keras's;
    ``on_batch_begin`` / ``on_batch_end`` are the old names) and ``on_epoch_end`` (whose ``logs`` a callback
    may extend, e.g. with ``"learning_rate"``, before the history records them), and finally ``on_train_end``.
    ``evaluate`` (and ``fit``'s validation pass, before ``on_epoch_end``) calls ``on_test_begin``,
    ``on_test_batch_begin`` / ``on_test_batch_end`` and ``on_test_end``; ``predict`` the ``on_predict_...`` hooks.
    """

    model = None
    params = None

    def set_model(self, model):
        self.model = model

    def set_params(self, params):
        self.params = params

    def on_train_begin(self, logs=None):
        pass

    def on_epoch_begin(self, epoch, logs=None):
        pass

    def on_train_batch_begin(self, batch, logs=None):
        self.on_batch_begin(batch, logs)

    def on_train_batch_end(self, batch, logs=None):
        self.on_batch_end(batch, logs)

    def on_batch_begin(self, batch, logs=None):
        pass

    def on_batch_end(self, batch, logs=None):
        pass

    def on_epoch_end(self, epoch, logs=None):
        pass

    def on_train_end(self, logs=None):
        pass

    # Keras's hooks of evaluate (and of fit's validation pass) and of predict
    def on_test_begin(self, logs=None):
        pass

    def on_test_batch_begin(self, batch, logs=None):
        pass

    def on_test_batch_end(self, batch, logs=None):
        pass

    def on_test_end(self, logs=None):
        pass

    def on_predict_begin(self, logs=None):
        pass

    def on_predict_batch_begin(self, batch, logs=None):
        pass

    def on_predict_batch_end(self, batch, logs=None):
        pass

    def on_predict_end(self, logs=None):
        pass


_MAXIMISED = ("accuracy", "acc", "binary_accuracy", "categorical_accuracy", "sparse_categorical_accuracy", "auc",
              "precision", "recall")
_MINIMISED = ("loss", "mae", "mse", "mean_absolute_error", "mean_squared_error")


def _monitor_mode(monitor, mode, who):
    """Keras's ``mode``: "min", "max", or "auto" (max for accuracies, min for losses and errors, else an error)."""
    if mode not in ("auto", "min", "max"):
        raise ValueError(f"{who}: mode must be 'auto', 'min' or 'max', got {mode!r}.")
    if mode != "auto":
        return mode
    name = _snake_case(monitor[4:] if monitor.startswith("val_") else monitor)  # "BinaryAccuracy" as Keras logs it
    if name in _MAXIMISED:
        return "max"
    if name in _MINIMISED:
        return "min"
    raise ValueError(f"{who} cannot tell whether {monitor!r} should go up or down: pass mode='max' (accuracies) "
                     "or mode='min' (losses, errors).")


def _learning_rate(model):
    """The optimizer's current learning rate as a float (a schedule evaluated at the current step)."""
    return float(model.optimizer.current_learning_rate())


def _set_learning_rate(model, value):
    if callable(model.optimizer.learning_rate):
        raise ValueError("the optimizer's learning rate is a schedule (a function of the step); a callback that sets "
                         "the learning rate needs a number, e.g. Adam(learning_rate=0.001).")
    model.optimizer.learning_rate = float(value)


class EarlyStopping(Callback):
    """Stop when ``monitor`` has not improved by more than ``min_delta`` for ``patience`` epochs (Prechelt 1998).

    The arguments, their defaults and the behaviour are Keras 3's.

    Parameters
    ----------
    monitor : str
        A key of ``history.history``, normally ``"val_loss"``.
    min_delta : float
        An improvement smaller than this does not count.
    patience : int
        Epochs without improvement before training stops. Keras's default 0 stops at the first epoch that is
        not an improvement; pass e.g. ``patience=5`` to wait.
    verbose : {0, 1}
        1 prints "Epoch k: early stopping" and the epoch whose weights are restored (as Keras).
        Independently, ``fit`` with ``verbose > 0`` prints why it stopped.
    mode : {"auto", "min", "max"}
        ``"min"`` for losses and errors, ``"max"`` for accuracies. ``"auto"`` (default) takes ``"max"`` for
        ``accuracy``, ``acc``, ``binary_accuracy``, ``categorical_accuracy`` (also with ``val_``) and ``"min"``
        for ``loss``, ``mae``, ``mse``; for any other monitor it asks you to choose, as Keras does.
    baseline : float, optional
        Training stops if the monitor does not get better than this within ``patience`` epochs.
    restore_best_weights : bool
        At the end of training put back the weights of the best epoch, whether training stopped early or ran
        all its epochs (as Keras 3 does).
    start_from_epoch : int
        Epochs to train before monitoring starts (warm-up).

    Notes
    -----
    One difference from Keras: a NaN or infinite monitored value never counts as an improvement (Keras takes
    the first value as the best even when it is NaN).
    """

    def __init__(self, monitor="val_loss", min_delta=0.0, patience=0, verbose=0, mode="auto", baseline=None,
                 restore_best_weights=False, start_from_epoch=0):
        mode = _monitor_mode(monitor, mode, "EarlyStopping")
        self.monitor, self.patience, self.min_delta = monitor, int(patience), abs(float(min_delta))
        self.mode, self.sign = mode, (1.0 if mode == "min" else -1.0)
        self.verbose, self.start_from_epoch = verbose, int(start_from_epoch)
        self.baseline = None if baseline is None else float(baseline)
        self.restore_best_weights = restore_best_weights
        self.best_weights, self.best_epoch, self.stopped_epoch = None, None, None

    def on_train_begin(self, logs=None):
        self.best, self.best_epoch, self.wait, self.best_weights = np.inf, None, 0, None
        self.stopped_epoch = None

    def _improves(self, value, reference):
        return np.isfinite(value) and value < reference - self.min_delta  # NaN/inf never counts as improvement

    def on_epoch_end(self, epoch, logs=None):
        logs = logs or {}
        if self.monitor not in logs:
            if getattr(self.model, "validation_skipped", False) and self.monitor.startswith("val_"):
                return  # fit(validation_freq=k) validates only every k-th epoch
            raise KeyError(f"EarlyStopping monitors {self.monitor!r} but fit logged only {sorted(logs)}; "
                           "pass validation_data or validation_split to get 'val_loss'.")
        if epoch < self.start_from_epoch:
            return
        value = self.sign * logs[self.monitor]
        if self.restore_best_weights and self.best_weights is None:
            self.best_weights, self.best_epoch = self.model.get_weights(), epoch  # Keras: the first are the best so far
        self.wait += 1
        if self._improves(value, self.best):
            self.best, self.best_epoch = value, epoch
            if self.restore_best_weights:
                self.best_weights = self.model.get_weights()
            if self.baseline is None or self._improves(value, self.sign * self.baseline):
                self.wait = 0
            return
        if self.wait >= self.patience and epoch > 0:
            self.stopped_epoch = epoch
            self.model.stop_training = True
            best = "never finite" if not np.isfinite(self.best) else f"best at epoch {self.best_epoch + 1}"
            self.model.stop_reason = (f"early stopping at epoch {epoch + 1}: {self.monitor} has not improved for "
                                      f"{self.wait} epoch{'s' if self.wait != 1 else ''} ({best})")

    def on_train_end(self, logs=None):
        if self.stopped_epoch is not None and self.verbose > 0:
            print(f"Epoch {self.stopped_epoch + 1}: early stopping")
        if self.restore_best_weights and self.best_weights is not None:
            if self.verbose > 0:
                print(f"Restoring model weights from the end of the best epoch: {self.best_epoch + 1}.")
            self.model.set_weights(self.best_weights)


class LambdaCallback(Callback):
    """A callback from functions, as ``keras.callbacks.LambdaCallback(on_epoch_end=lambda epoch, logs: ...)``.

    Parameters
    ----------
    on_epoch_begin, on_epoch_end : callable ``(epoch, logs)``, optional
    on_train_begin, on_train_end : callable ``(logs)``, optional
    on_train_batch_begin, on_train_batch_end : callable ``(batch, logs)``, optional
    """

    def __init__(self, on_epoch_begin=None, on_epoch_end=None, on_train_begin=None, on_train_end=None,
                 on_train_batch_begin=None, on_train_batch_end=None):
        for name, function in (("on_epoch_begin", on_epoch_begin), ("on_epoch_end", on_epoch_end),
                               ("on_train_begin", on_train_begin), ("on_train_end", on_train_end),
                               ("on_train_batch_begin", on_train_batch_begin),
                               ("on_train_batch_end", on_train_batch_end)):
            if function is not None:
                setattr(self, name, function)


class LearningRateScheduler(Callback):
    """Set the learning rate at the start of every epoch, as ``keras.callbacks.LearningRateScheduler``.

    Parameters
    ----------
    schedule : callable ``(epoch, learning_rate) -> new learning rate`` (or ``(epoch) -> learning rate``)
        ``epoch`` counts from 0.
    verbose : {0, 1}

    Notes
    -----
    As in Keras, the epoch's logs (and so ``history.history``) get a ``"learning_rate"`` entry. For a learning
    rate that changes every *step*, give the optimizer a schedule instead (:mod:`gdkit.schedules`).
    """

    def __init__(self, schedule, verbose=0):
        self.schedule, self.verbose = schedule, verbose

    def on_epoch_begin(self, epoch, logs=None):
        current = _learning_rate(self.model)
        try:
            value = self.schedule(epoch, current)
        except TypeError:  # the one-argument form, schedule(epoch)
            value = self.schedule(epoch)
        if not isinstance(value, (float, int, np.floating, np.integer)) or isinstance(value, bool):
            raise ValueError(f"LearningRateScheduler: the schedule must return a number, got {value!r}.")
        _set_learning_rate(self.model, value)
        if self.verbose > 0:
            print(f"\nEpoch {epoch + 1}: LearningRateScheduler setting learning rate to {float(value)}.")

    def on_epoch_end(self, epoch, logs=None):
        if logs is not None:
            logs["learning_rate"] = _learning_rate(self.model)


class ReduceLROnPlateau(Callback):
    """Multiply the learning rate by ``factor`` when ``monitor`` has not improved for ``patience`` epochs, as
    ``keras.callbacks.ReduceLROnPlateau`` (same arguments, defaults and rules).

    Parameters
    ----------
    monitor : str
    factor : float < 1
    patience : int
    verbose : {0, 1}
    mode : {"auto", "min", "max"}
    min_delta : float
        An improvement smaller than this does not count (Keras's default 1e-4).
    cooldown : int
        Epochs to wait after a reduction before counting again.
    min_lr : float
        The learning rate is never reduced below this.
    """

    def __init__(self, monitor="val_loss", factor=0.1, patience=10, verbose=0, mode="auto", min_delta=1e-4,
                 cooldown=0, min_lr=0.0):
        if factor >= 1.0:
            raise ValueError(f"ReduceLROnPlateau: factor must be < 1 (it multiplies the learning rate), got {factor}.")
        self.monitor, self.factor, self.patience, self.verbose = monitor, float(factor), int(patience), verbose
        self.sign = 1.0 if _monitor_mode(monitor, mode, "ReduceLROnPlateau") == "min" else -1.0
        self.min_delta, self.cooldown, self.min_lr = abs(float(min_delta)), int(cooldown), float(min_lr)

    def on_train_begin(self, logs=None):
        self.best, self.wait, self.cooldown_counter = None, 0, 0

    def on_epoch_end(self, epoch, logs=None):
        logs = {} if logs is None else logs
        logs["learning_rate"] = _learning_rate(self.model)
        if self.monitor not in logs:
            return  # Keras warns and goes on
        value = self.sign * logs[self.monitor]
        if self.cooldown_counter > 0:
            self.cooldown_counter -= 1
            self.wait = 0
        if self.best is None or value < self.best - self.min_delta:
            self.best, self.wait = value, 0
        elif self.cooldown_counter == 0:
            self.wait += 1
            if self.wait >= self.patience:
                old = _learning_rate(self.model)
                if old > np.float32(self.min_lr):
                    new = max(old * self.factor, self.min_lr)
                    _set_learning_rate(self.model, new)
                    if self.verbose > 0:
                        print(f"\nEpoch {epoch + 1}: ReduceLROnPlateau reducing learning rate to {new}.")
                    self.cooldown_counter, self.wait = self.cooldown, 0


class ModelCheckpoint(Callback):
    """Save the model's weights after every epoch, or only when ``monitor`` improves, as
    ``keras.callbacks.ModelCheckpoint(filepath, save_weights_only=True)``.

    Parameters
    ----------
    filepath : str or path
        Must end in ``.npz`` (gdkit's weights format, see :meth:`gdkit.models.Sequential.save_weights`); it may
        contain Keras's fields, e.g. ``"weights.{epoch:02d}-{val_loss:.2f}.npz"``.
    monitor : str
    verbose : {0, 1}
    save_best_only : bool
    save_weights_only : bool
        gdkit saves weights only; ``False`` (Keras's default, a whole ``.keras`` model) is accepted when the file
        name ends in ``.npz``.
    mode : {"auto", "min", "max"}
    initial_value_threshold : float, optional
        With ``save_best_only``, a value the monitor must beat before the first save.
    """

    def __init__(self, filepath, monitor="val_loss", verbose=0, save_best_only=False, save_weights_only=False,
                 mode="auto", save_freq="epoch", initial_value_threshold=None):
        self.filepath = str(filepath)
        if not self.filepath.endswith(".npz"):
            raise ValueError(f"ModelCheckpoint: gdkit saves the weights only, in NumPy's .npz format, so the file name "
                             f"must end in .npz, e.g. ModelCheckpoint('best.weights.npz', save_weights_only=True); "
                             f"got {self.filepath!r}.")
        if save_freq != "epoch":
            raise ValueError("ModelCheckpoint: only save_freq='epoch' is supported in gdkit.")
        self.monitor, self.verbose, self.save_best_only = monitor, verbose, save_best_only
        self.sign = 1.0 if _monitor_mode(monitor, mode, "ModelCheckpoint") == "min" else -1.0
        self.initial = None if initial_value_threshold is None else self.sign * float(initial_value_threshold)
        self.best = self.initial

    def on_train_begin(self, logs=None):
        self.best = self.initial

    def on_epoch_end(self, epoch, logs=None):
        logs = logs or {}
        path = self.filepath.format(epoch=epoch + 1, **logs)
        if self.save_best_only:
            if self.monitor not in logs:
                return  # Keras warns and skips
            value = self.sign * logs[self.monitor]
            if not (np.isfinite(value) and (self.best is None or value < self.best)):
                return
            if self.verbose > 0:
                print(f"\nEpoch {epoch + 1}: {self.monitor} improved, saving model to {path}")
            self.best = value
        self.model.save_weights(path)


class CSVLogger(Callback):
    """Write each epoch's logs to a CSV file, as ``keras.callbacks.CSVLogger(filename, separator=",",
    append=False)``: a header ``epoch,<keys in alphabetical order>`` and one row per epoch."""

    def __init__(self, filename, separator=",", append=False):
        self.filename, self.separator, self.append = str(filename), separator, append

    def on_train_begin(self, logs=None):
        import os
        self.keys = None
        self._header_needed = not (self.append and os.path.exists(self.filename) and os.path.getsize(self.filename))
        self.file = open(self.filename, "a" if self.append else "w", encoding="utf-8")

    def on_epoch_end(self, epoch, logs=None):
        logs = logs or {}
        if self.keys is None:
            self.keys = sorted(logs)
            if self._header_needed:
                self.file.write(self.separator.join(["epoch"] + self.keys) + "\n")
        self.file.write(self.separator.join([str(epoch)] + [repr(float(logs.get(k, float("nan"))))
                                                            for k in self.keys]) + "\n")
        self.file.flush()

    def on_train_end(self, logs=None):
        self.file.close()


class TerminateOnNaN(Callback):
    """Stop as soon as a batch's loss is NaN or infinite, as ``keras.callbacks.TerminateOnNaN()``.

    ``fit`` already does this by itself (with a :class:`TrainingDivergedWarning` that says what to change); the
    callback is accepted so that Keras code runs unchanged.
    """

    def on_train_batch_end(self, batch, logs=None):
        loss = (logs or {}).get("loss")
        if loss is not None and not np.isfinite(loss):
            self.model.stop_training = True


__getattr__ = missing_name_getattr("callbacks", __all__)  # a Keras name gdkit lacks gets an error that says so
