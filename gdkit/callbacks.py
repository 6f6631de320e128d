"""Training history and callbacks for :meth:`gdkit.models.Sequential.fit` (chapter: training in practice)."""
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
    """

    def __init__(self):
        self.history, self.epoch, self.diagnostics, self.stopped_reason = {}, [], {}, None
        self.batch_loss = []

    def record(self, epoch, logs):
        self.epoch.append(epoch)
        for key, value in logs.items():
            self.history.setdefault(key, []).append(value)

    def __repr__(self):
        last = ", ".join(f"{k}={v[-1]:.4g}" for k, v in self.history.items() if v)
        return f"History({len(self.epoch)} epochs: {last})"


class Callback:
    """Base class: override ``on_epoch_end(epoch, logs)``; set ``self.model.stop_training = True`` to stop."""

    model = None

    def set_model(self, model):
        self.model = model

    def on_train_begin(self, logs=None):
        pass

    def on_epoch_end(self, epoch, logs=None):
        pass

    def on_train_end(self, logs=None):
        pass


class EarlyStopping(Callback):
    """Stop when ``monitor`` has not improved by more than ``min_delta`` for ``patience`` epochs (Prechelt 1998).

    Parameters
    ----------
    monitor : str
        A key of ``history.history``, normally ``"val_loss"``.
    patience : int
    min_delta : float
    mode : {"min", "max"}
        ``"min"`` for losses, ``"max"`` for accuracies.
    restore_best_weights : bool
        Put back the weights of the best epoch when stopping.
    """

    def __init__(self, monitor="val_loss", patience=5, min_delta=0.0, mode="min", restore_best_weights=False):
        if mode not in ("min", "max"):
            raise ValueError(f"EarlyStopping: mode must be 'min' or 'max', got {mode!r}.")
        self.monitor, self.patience, self.min_delta = monitor, int(patience), float(min_delta)
        self.sign = 1.0 if mode == "min" else -1.0
        self.restore_best_weights = restore_best_weights

    def on_train_begin(self, logs=None):
        self.best, self.best_epoch, self.wait, self.best_weights = np.inf, None, 0, None
        self.stopped_epoch = None

    def on_epoch_end(self, epoch, logs=None):
        if self.monitor not in logs:
            raise KeyError(f"EarlyStopping monitors {self.monitor!r} but fit logged only {sorted(logs)}; "
                           "pass validation_data or validation_split to get 'val_loss'.")
        value = self.sign * logs[self.monitor]
        if np.isfinite(value) and value < self.best - self.min_delta:  # NaN/inf never counts as improvement
            self.best, self.best_epoch, self.wait = value, epoch, 0
            if self.restore_best_weights:
                self.best_weights = self.model.get_weights()
            return
        self.wait += 1
        if self.wait >= self.patience:
            self.stopped_epoch = epoch
            self.model.stop_training = True
            best = "never finite" if self.best_epoch is None else f"best at epoch {self.best_epoch + 1}"
            self.model.stop_reason = (f"early stopping at epoch {epoch + 1}: {self.monitor} has not improved for "
                                      f"{self.patience} epochs ({best})")
            if self.restore_best_weights and self.best_weights is not None:
                self.model.set_weights(self.best_weights)
