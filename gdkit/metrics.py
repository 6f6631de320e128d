"""Metrics reported during training (chapter: training in practice): accuracy and regression errors.

Each metric takes ``(y_true, y_pred)`` and returns a float. :func:`accuracy` works out the task from the
shapes, as Keras's ``metrics=['accuracy']`` does from the loss.
"""
import numpy as np

from .losses import _snake_case
from ._keras_names import missing_name_getattr

__all__ = ["accuracy", "binary_accuracy", "categorical_accuracy", "confusion_matrix", "mean_absolute_error", "mean_squared_error",
           "get", "METRICS"]


def binary_accuracy(y_true, y_pred, threshold=0.5):
    """Fraction of examples whose probability ``y_pred`` is on the right side of ``threshold``."""
    y_true = np.asarray(y_true).reshape(np.shape(y_pred))
    return float(np.mean((np.asarray(y_pred) > threshold) == (y_true > 0.5)))


def categorical_accuracy(y_true, y_pred):
    """Fraction of rows whose largest score is the true class (labels as integers (N,) or one-hot (N, K))."""
    y_true = np.asarray(y_true)
    labels = y_true.argmax(axis=1) if y_true.ndim == 2 else y_true
    return float(np.mean(np.argmax(y_pred, axis=1) == labels))


def accuracy(y_true, y_pred):
    """Binary accuracy for one output column, categorical accuracy for several."""
    y_pred = np.asarray(y_pred)
    if y_pred.ndim == 1 or y_pred.shape[1] == 1:
        return binary_accuracy(y_true, y_pred)
    return categorical_accuracy(y_true, y_pred)


def mean_absolute_error(y_true, y_pred):
    """Mean of ``|y_pred - y_true|``."""
    return float(np.mean(np.abs(np.asarray(y_pred) - np.asarray(y_true).reshape(np.shape(y_pred)))))


def mean_squared_error(y_true, y_pred):
    """Mean of ``(y_pred - y_true)**2``."""
    return float(np.mean((np.asarray(y_pred) - np.asarray(y_true).reshape(np.shape(y_pred))) ** 2))


METRICS = {"accuracy": accuracy, "acc": accuracy, "binary_accuracy": binary_accuracy,
           "categorical_accuracy": categorical_accuracy, "sparse_categorical_accuracy": categorical_accuracy, "mae": mean_absolute_error,
           "mean_absolute_error": mean_absolute_error, "mse": mean_squared_error,
           "mean_squared_error": mean_squared_error}


def get(identifier):
    """A metric by name (returns ``(name, function)``), or ``(function.__name__, function)`` for a callable.

    Names as in Keras: ``"accuracy"`` (binary or categorical, from the output's shape), ``"mae"``, ..., or a Keras
    class name such as ``"BinaryAccuracy"`` (logged under the name given).
    """
    if callable(identifier):
        return identifier.__name__, identifier
    key = _snake_case(identifier) if isinstance(identifier, str) else None
    if key in METRICS and identifier != "Accuracy":  # keras.metrics.Accuracy is exact equality, not 'accuracy'
        return identifier, METRICS[key]
    if identifier == "Accuracy":
        raise ValueError("Unknown metric 'Accuracy'. Keras's Accuracy class counts predictions exactly equal to the "
                         "targets; gdkit does not implement it. For the fraction of examples classified correctly, "
                         "write metrics=['accuracy'].")
    keras = " Keras has it, but gdkit does not implement it." if key in _KERAS_ONLY else ""
    raise ValueError(f"Unknown metric {identifier!r}.{keras} Known metrics: {', '.join(sorted(METRICS))}.")


_KERAS_ONLY = ("auc", "precision", "recall", "f1_score", "top_k_categorical_accuracy", "root_mean_squared_error",
               "rmse", "mape", "r2_score", "sparse_top_k_categorical_accuracy", "mean_absolute_percentage_error")


def confusion_matrix(y_true, y_pred, num_classes=None):
    """Counts ``C[i, j]`` of examples of true class ``i`` predicted as class ``j``.

    ``y_true`` and ``y_pred`` are integer labels (N,), or one-hot / probability rows (N, K) (argmax taken).
    """
    y_true, y_pred = (np.asarray(y).argmax(axis=1) if np.ndim(y) == 2 else np.asarray(y) for y in (y_true, y_pred))
    if y_true.shape != y_pred.shape:
        raise ValueError(f"confusion_matrix: {y_true.shape[0]} true labels but {y_pred.shape[0]} predictions.")
    k = int(max(y_true.max(initial=-1), y_pred.max(initial=-1)) + 1) if num_classes is None else int(num_classes)
    counts = np.zeros((k, k), dtype=np.int64)
    np.add.at(counts, (y_true.astype(np.int64), y_pred.astype(np.int64)), 1)
    return counts


__getattr__ = missing_name_getattr("metrics", __all__)  # a Keras name gdkit lacks gets an error that says so
