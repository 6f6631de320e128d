"""Training history and callbacks for :meth:`gdkit.models.Sequential.fit` (chapter: training in practice).

They behave as Keras 3's: ``History.history`` has one list per key (``val_...`` lists are shorter when
``validation_freq > 1``), ``History.params`` is ``{"verbose", "epochs", "steps"}``, and :class:`EarlyStopping`
has Keras's defaults, its ``mode="auto"`` and its restoring of the best weights at the end of training.
"""
import numpy as np

__all__ = ["History", "Callback", "EarlyStopping", "TrainingDivergedWarning"]


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
    """Base class: override ``on_epoch_end(epoch, logs)``; set ``self.model.stop_training = True`` to stop.

    ``self.model`` is the model being trained and ``self.params`` the ``fit`` call's ``{"verbose", "epochs",
    "steps"}``, as in Keras.
    """

    model = None
    params = None

    def set_model(self, model):
        self.model = model

    def set_params(self, params):
        self.params = params

    def on_train_begin(self, logs=None):
        pass

    def on_epoch_end(self, epoch, logs=None):
        pass

    def on_train_end(self, logs=None):
        pass


_MAXIMISED = ("accuracy", "acc", "binary_accuracy", "categorical_accuracy", "sparse_categorical_accuracy", "auc",
              "precision", "recall")
_MINIMISED = ("loss", "mae", "mse", "mean_absolute_error", "mean_squared_error")


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
        if mode not in ("auto", "min", "max"):
            raise ValueError(f"EarlyStopping: mode must be 'auto', 'min' or 'max', got {mode!r}.")
        if mode == "auto":
            name = monitor[4:] if monitor.startswith("val_") else monitor
            if name in _MAXIMISED:
                mode = "max"
            elif name in _MINIMISED:
                mode = "min"
            else:
                raise ValueError(f"EarlyStopping cannot tell whether {monitor!r} should go up or down: pass "
                                 "mode='max' (accuracies) or mode='min' (losses, errors).")
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
