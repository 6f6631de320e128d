"""Loss functions, their gradients, and weight penalties (chapters: loss, backpropagation, training in practice).

Every loss takes ``(y_true, y_pred)`` in that order (as Keras and scikit-learn do), returns a **mean** as a
float, and has a ``*_grad`` partner returning the gradient with respect to ``y_pred``, with the same shape as
``y_pred``. What the mean runs over decides the gradient's constant: the categorical cross-entropies average
over the ``N`` examples (their gradients carry ``1/N``); the mean squared error and the binary cross-entropy
average over all ``N*K`` entries of ``y_pred`` (their gradients carry ``1/(NK)``, and MSE's ``2/(NK)``).
Forgetting the constant is the classic "learning rate secretly multiplied by N" bug.

Cross-entropies exist twice: from probabilities (what a sigmoid or softmax layer outputs) and, stably, from
logits (the scores before that last activation). Models that end in sigmoid/softmax use the logit versions
internally, as Keras and PyTorch do.

Keras's loss objects work too, for ``compile(loss=...)`` and as functions ``loss(y_true, y_pred)``:
:class:`MeanSquaredError`, :class:`MeanAbsoluteError`, :class:`BinaryCrossentropy`,
:class:`CategoricalCrossentropy` and :class:`SparseCategoricalCrossentropy`, each with ``from_logits=`` where
Keras has it.
"""
import re
from typing import Callable, NamedTuple

import numpy as np

from .activations import sigmoid, softmax
from ._keras_names import missing_name_getattr

__all__ = [
    "mean_squared_error", "mean_squared_error_grad", "mean_absolute_error", "mean_absolute_error_grad",
    "binary_crossentropy", "binary_crossentropy_grad",
    "binary_crossentropy_from_logits", "binary_crossentropy_from_logits_grad",
    "categorical_crossentropy", "categorical_crossentropy_grad",
    "categorical_crossentropy_from_logits", "categorical_crossentropy_from_logits_grad",
    "l1_penalty", "l1_penalty_grad", "l2_penalty", "l2_penalty_grad",
    "Loss", "get", "LOSSES", "KERAS_ONLY", "MeanSquaredError", "MeanAbsoluteError", "BinaryCrossentropy",
    "CategoricalCrossentropy", "SparseCategoricalCrossentropy",
]


def _check_shapes(y_true, y_pred, loss_name):
    y_true, y_pred = np.asarray(y_true), np.asarray(y_pred)
    if y_true.shape != y_pred.shape:
        hint = ""
        if y_true.ndim == 1 and y_pred.shape == (y_true.shape[0], 1):
            hint = " Reshape the targets with y_true.reshape(-1, 1)."
        elif y_pred.ndim == 1 and y_true.shape == (y_pred.shape[0], 1):
            hint = " Reshape the predictions with y_pred.reshape(-1, 1) (or flatten the targets with y_true.ravel())."
        raise ValueError(
            f"{loss_name}: y_true has shape {y_true.shape} but y_pred has shape {y_pred.shape}; "
            f"they must match.{hint}")
    if y_pred.ndim == 0 or y_pred.shape[0] == 0:
        raise ValueError(f"{loss_name}: expected a batch of at least one example, got y_pred of shape {y_pred.shape}.")
    return y_true, y_pred


def mean_squared_error(y_true, y_pred):
    r"""Mean squared error :math:`L = \frac{1}{NK}\sum_{n,k} (\hat y_{nk} - y_{nk})^2`.

    Parameters
    ----------
    y_true, y_pred : ndarray, shape (N, K) (or (N,))

    Returns
    -------
    float
    """
    y_true, y_pred = _check_shapes(y_true, y_pred, "mean_squared_error")
    diff = y_pred - y_true
    return float(np.mean(diff * diff))


def mean_squared_error_grad(y_true, y_pred):
    r"""Gradient of :func:`mean_squared_error`: :math:`\partial L / \partial \hat y = 2(\hat y - y) / (NK)`."""
    y_true, y_pred = _check_shapes(y_true, y_pred, "mean_squared_error")
    return 2.0 * (y_pred - y_true) / y_pred.size


def mean_absolute_error(y_true, y_pred):
    r"""Mean absolute error :math:`L = \frac{1}{NK}\sum_{n,k} |\hat y_{nk} - y_{nk}|` (Keras's ``"mae"`` loss).

    Parameters
    ----------
    y_true, y_pred : ndarray, shape (N, K) (or (N,))

    Returns
    -------
    float
    """
    y_true, y_pred = _check_shapes(y_true, y_pred, "mean_absolute_error")
    return float(np.mean(np.abs(y_pred - y_true)))


def mean_absolute_error_grad(y_true, y_pred):
    r"""(Sub)gradient of :func:`mean_absolute_error`: :math:`\mathrm{sign}(\hat y - y) / (NK)` (0 where they are
    equal, as in PyTorch)."""
    y_true, y_pred = _check_shapes(y_true, y_pred, "mean_absolute_error")
    return np.sign(y_pred - y_true) / y_pred.size


def _clip_probabilities(p):
    eps = np.finfo(p.dtype if np.issubdtype(p.dtype, np.floating) else np.float64).eps
    return np.clip(p, eps, 1.0 - eps)


def binary_crossentropy(y_true, y_pred):
    r"""Binary cross-entropy from probabilities.

    :math:`L = -\frac{1}{N}\sum_n \left[y_n \log p_n + (1 - y_n)\log(1 - p_n)\right]`

    Parameters
    ----------
    y_true : ndarray, shape (N, 1) (or (N,))
        Labels in {0, 1} (soft labels in [0, 1] also work).
    y_pred : ndarray, same shape
        Predicted probabilities ``p`` of class 1.

    Notes
    -----
    ``p`` is clipped to ``[eps, 1 - eps]`` (machine epsilon) so that a confident wrong prediction gives a large
    finite loss rather than ``inf``. With more than one output column the mean runs over all entries.
    """
    y_true, p = _check_shapes(y_true, y_pred, "binary_crossentropy")
    p = _clip_probabilities(p)
    return float(-np.mean(y_true * np.log(p) + (1.0 - y_true) * np.log1p(-p)))


def binary_crossentropy_grad(y_true, y_pred):
    r"""Gradient of :func:`binary_crossentropy`: :math:`\frac{1}{NK}\,\frac{p - y}{p(1 - p)}` (N examples, K
    columns: the mean runs over all entries).

    Notes
    -----
    ``p`` is clipped to ``[eps, 1 - eps]`` as in :func:`binary_crossentropy`, and the formula is evaluated at the
    clipped ``p``. Outside that interval this is therefore **not** the derivative of the clipped loss, which is
    constant there (derivative 0): at ``p`` = 0 or 1 it returns about :math:`\pm 1/(\varepsilon NK)`
    (:math:`\pm 4.5 \cdot 10^{15}/(NK)` in float64), and a finite-difference check fails at such points. Where
    probabilities can round to 0 or 1, use :func:`binary_crossentropy_from_logits` and its gradient.
    """
    y_true, p = _check_shapes(y_true, y_pred, "binary_crossentropy")
    p = _clip_probabilities(p)
    return (p - y_true) / (p * (1.0 - p)) / p.size


def binary_crossentropy_from_logits(y_true, logits):
    r"""Binary cross-entropy of ``sigmoid(logits)``, computed without ever forming the probability.

    Notes
    -----
    With :math:`p = \sigma(z)`, :math:`-[y\log p + (1-y)\log(1-p)] = \max(z, 0) - zy + \log(1 + e^{-|z|})`, which
    never overflows and stays accurate where :math:`p` would round to 0 or 1.
    """
    y_true, z = _check_shapes(y_true, logits, "binary_crossentropy_from_logits")
    with np.errstate(under="ignore"):
        return float(np.mean(np.maximum(z, 0.0) - z * y_true + np.log1p(np.exp(-np.abs(z)))))


def binary_crossentropy_from_logits_grad(y_true, logits):
    r"""Gradient of :func:`binary_crossentropy_from_logits` with respect to the logits: :math:`(\sigma(z) - y)/(NK)`
    (N examples, K columns: the mean runs over all entries)."""
    y_true, z = _check_shapes(y_true, logits, "binary_crossentropy_from_logits")
    return (sigmoid(z) - y_true) / z.size


def _as_one_hot(y_true, y_pred, loss_name):
    """Accept one-hot targets of shape (N, K) or integer labels of shape (N,)."""
    y_true, y_pred = np.asarray(y_true), np.asarray(y_pred)
    if y_pred.ndim != 2:
        raise ValueError(f"{loss_name}: y_pred must have shape (N, K), one row of K class scores per example; "
                         f"got shape {y_pred.shape}.")
    if y_true.ndim == 1:
        n, k = y_pred.shape
        if y_true.shape[0] != n:
            raise ValueError(f"{loss_name}: {y_true.shape[0]} integer labels for {n} predictions "
                             f"(y_true shape {y_true.shape}, y_pred shape {y_pred.shape}).")
        if not np.issubdtype(y_true.dtype, np.integer):
            if not np.all(np.mod(y_true, 1) == 0):
                raise ValueError(f"{loss_name}: integer labels expected in y_true of shape {y_true.shape}; "
                                 "for probability targets pass a one-hot array of shape (N, K).")
            y_true = y_true.astype(np.int64)
        if y_true.size and (y_true.min() < 0 or y_true.max() >= k):
            raise ValueError(f"{loss_name}: labels must lie in 0..{k - 1} for {k} classes; "
                             f"got values from {y_true.min()} to {y_true.max()}.")
        one_hot = np.zeros_like(y_pred, dtype=y_pred.dtype if np.issubdtype(y_pred.dtype, np.floating) else float)
        one_hot[np.arange(n), y_true] = 1.0
        return one_hot, y_pred
    return _check_shapes(y_true, y_pred, loss_name)


def categorical_crossentropy(y_true, y_pred):
    r"""Categorical cross-entropy from probabilities.

    :math:`L = -\frac{1}{N}\sum_n \sum_k y_{nk}\log p_{nk}`

    Parameters
    ----------
    y_true : ndarray, shape (N, K) one-hot (or soft) targets, or shape (N,) integer labels in 0..K-1
    y_pred : ndarray, shape (N, K)
        Class probabilities (rows of a softmax).

    Notes
    -----
    With integer labels this is :math:`-\frac{1}{N}\sum_n \log p_{n, y_n}` (Keras calls that version
    ``sparse_categorical_crossentropy``; both names are accepted). Probabilities are clipped below at machine
    epsilon so that a zero probability for the true class gives a large finite loss.
    """
    y, p = _as_one_hot(y_true, y_pred, "categorical_crossentropy")
    p = _clip_probabilities(p)
    return float(-np.sum(y * np.log(p)) / p.shape[0])


def categorical_crossentropy_grad(y_true, y_pred):
    r"""Gradient of :func:`categorical_crossentropy` with respect to the probabilities: :math:`-y / (N p)`."""
    y, p = _as_one_hot(y_true, y_pred, "categorical_crossentropy")
    p = _clip_probabilities(p)
    return -y / p / p.shape[0]


def categorical_crossentropy_from_logits(y_true, logits):
    r"""Categorical cross-entropy of ``softmax(logits)``, via the log-sum-exp trick.

    Notes
    -----
    :math:`-\log \mathrm{softmax}(z)_k = \log\sum_j e^{z_j} - z_k`, and
    :math:`\log\sum_j e^{z_j} = m + \log\sum_j e^{z_j - m}` with :math:`m = \max_j z_j` never overflows.
    """
    y, z = _as_one_hot(y_true, logits, "categorical_crossentropy_from_logits")
    m = np.max(z, axis=1, keepdims=True)
    with np.errstate(under="ignore"):
        log_sum_exp = m + np.log(np.sum(np.exp(z - m), axis=1, keepdims=True))
    return float(np.sum(y * (log_sum_exp - z)) / z.shape[0])


def categorical_crossentropy_from_logits_grad(y_true, logits):
    r"""Gradient of :func:`categorical_crossentropy_from_logits`: :math:`(\mathrm{softmax}(z) - y)/N` for one-hot ``y``."""
    y, z = _as_one_hot(y_true, logits, "categorical_crossentropy_from_logits")
    return (softmax(z) * np.sum(y, axis=1, keepdims=True) - y) / z.shape[0]


def l1_penalty(W, lam):
    r"""L1 penalty :math:`\lambda \sum_{ij} |W_{ij}|` (as Keras's ``regularizers.l1(lam)``)."""
    return float(lam * np.sum(np.abs(W)))


def l1_penalty_grad(W, lam):
    r"""(Sub)gradient of the L1 penalty: :math:`\lambda\,\mathrm{sign}(W)` (0 at exactly 0)."""
    return lam * np.sign(W)


def l2_penalty(W, lam):
    r"""L2 penalty :math:`\lambda \sum_{ij} W_{ij}^2`, with Keras's convention (``regularizers.l2(lam)``).

    Notes
    -----
    Many texts write :math:`\frac{\lambda}{2}\|W\|^2` so that the gradient is :math:`\lambda W`; PyTorch's
    ``weight_decay=wd`` adds :math:`wd\,W` to the gradient, which equals this penalty with :math:`\lambda = wd/2`.
    """
    return float(lam * np.sum(W * W))


def l2_penalty_grad(W, lam):
    r"""Gradient of :func:`l2_penalty`: :math:`2\lambda W`."""
    return 2.0 * lam * W


# ---- per-example losses (for sample weights: Keras's weighted loss is sum_n w_n l_n / N) -----------------------
def _rows(y_true, y_pred, loss_name):
    y_true, y_pred = _check_shapes(y_true, y_pred, loss_name)
    return y_true.reshape(len(y_true), -1), y_pred.reshape(len(y_pred), -1)


def _mse_per_example(y_true, y_pred):
    y, p = _rows(y_true, y_pred, "mean_squared_error")
    return np.mean((p - y) ** 2, axis=1)


def _mae_per_example(y_true, y_pred):
    y, p = _rows(y_true, y_pred, "mean_absolute_error")
    return np.mean(np.abs(p - y), axis=1)


def _bce_per_example(y_true, y_pred):
    y, p = _rows(y_true, y_pred, "binary_crossentropy")
    p = _clip_probabilities(p)
    return -np.mean(y * np.log(p) + (1.0 - y) * np.log1p(-p), axis=1)


def _bce_logits_per_example(y_true, logits):
    y, z = _rows(y_true, logits, "binary_crossentropy_from_logits")
    with np.errstate(under="ignore"):
        return np.mean(np.maximum(z, 0.0) - z * y + np.log1p(np.exp(-np.abs(z))), axis=1)


def _cce_per_example(y_true, y_pred):
    y, p = _as_one_hot(y_true, y_pred, "categorical_crossentropy")
    return -np.sum(y * np.log(_clip_probabilities(p)), axis=1)


def _cce_logits_per_example(y_true, logits):
    y, z = _as_one_hot(y_true, logits, "categorical_crossentropy_from_logits")
    m = np.max(z, axis=1, keepdims=True)
    with np.errstate(under="ignore"):
        log_sum_exp = m + np.log(np.sum(np.exp(z - m), axis=1, keepdims=True))
    return np.sum(y * (log_sum_exp - z), axis=1)


class Loss(NamedTuple):
    """A loss by name: ``forward(y_true, y_pred) -> float`` and ``grad(y_true, y_pred) -> dY``.

    ``from_logits`` names the stable partner used when the model's last activation is folded into the loss;
    ``per_example(y_true, y_pred) -> (N,)`` gives each example's loss (their mean is ``forward``), for
    sample weights.
    """

    name: str
    forward: Callable
    grad: Callable
    from_logits: "Loss | None" = None
    output_activation: str | None = None
    per_example: Callable | None = None

    def __call__(self, y_true, y_pred):
        return self.forward(y_true, y_pred)

    def __repr__(self):
        return f"Loss({self.name!r})"


_BCE_LOGITS = Loss("binary_crossentropy_from_logits", binary_crossentropy_from_logits,
                   binary_crossentropy_from_logits_grad, per_example=_bce_logits_per_example)
_CCE_LOGITS = Loss("categorical_crossentropy_from_logits", categorical_crossentropy_from_logits,
                   categorical_crossentropy_from_logits_grad, per_example=_cce_logits_per_example)
_SCCE_LOGITS = _CCE_LOGITS._replace(name="sparse_categorical_crossentropy_from_logits")
_MSE = Loss("mean_squared_error", mean_squared_error, mean_squared_error_grad, per_example=_mse_per_example)
_MAE = Loss("mean_absolute_error", mean_absolute_error, mean_absolute_error_grad, per_example=_mae_per_example)
_BCE = Loss("binary_crossentropy", binary_crossentropy, binary_crossentropy_grad, _BCE_LOGITS, "sigmoid",
            _bce_per_example)
_CCE = Loss("categorical_crossentropy", categorical_crossentropy, categorical_crossentropy_grad,
            _CCE_LOGITS, "softmax", _cce_per_example)
# The same computation as categorical cross-entropy (which accepts integer labels too); a name of its own so that
# a model can tell the student which of the two Keras would need.
_SCCE = _CCE._replace(name="sparse_categorical_crossentropy", from_logits=_SCCE_LOGITS)

LOSSES = {
    "mean_squared_error": _MSE, "mse": _MSE,
    "mean_absolute_error": _MAE, "mae": _MAE,
    "binary_crossentropy": _BCE,
    "categorical_crossentropy": _CCE, "sparse_categorical_crossentropy": _SCCE,
    "binary_crossentropy_from_logits": _BCE_LOGITS,
    "categorical_crossentropy_from_logits": _CCE_LOGITS,
    "sparse_categorical_crossentropy_from_logits": _SCCE_LOGITS,
}

KERAS_ONLY = ("binary_focal_crossentropy", "categorical_focal_crossentropy", "categorical_hinge", "cosine_similarity",
              "ctc", "dice", "hinge", "huber", "kl_divergence", "log_cosh", "mean_absolute_percentage_error",
              "mean_squared_logarithmic_error", "poisson", "squared_hinge", "tversky")
"""Loss names Keras 3 accepts that gdkit does not implement (an error says so)."""


def _snake_case(name):
    """Keras also takes a class name for a string: ``"BinaryCrossentropy"`` is ``"binary_crossentropy"`` (``"MSE"``
    stays ``"mse"``)."""
    if name[:1].isupper() and not name.isupper():
        name = re.sub(r"(?<!^)(?=[A-Z])", "_", name)
    return name.lower()


def get(identifier):
    """Look a loss up by name (``"mse"``, ``"binary_crossentropy"``, or Keras's class name ``"BinaryCrossentropy"``)
    or pass a :class:`Loss` (or a loss object such as ``BinaryCrossentropy(from_logits=True)``) through.

    An unknown name raises ``ValueError`` listing the known ones (and saying so for Keras losses gdkit lacks).
    """
    if isinstance(identifier, Loss):
        return identifier
    if isinstance(identifier, str):
        key = _snake_case(identifier)
        if key in LOSSES:
            return LOSSES[key]
        keras = (" Keras has it, but gdkit does not implement it." if key in KERAS_ONLY or
                 key in ("mape", "msle", "kld", "kullback_leibler_divergence") else "")
        raise ValueError(f"Unknown loss {identifier!r}.{keras} Known losses: {', '.join(sorted(LOSSES))}.")
    raise TypeError(f"loss must be a name such as 'mse' or a gdkit.losses.Loss, got {type(identifier).__name__}.")


# ---- Keras's loss classes ------------------------------------------------------------------------------------
def _keras_options(cls_name, reduction, label_smoothing=0.0, **unsupported):
    if reduction not in ("sum_over_batch_size", "mean", "auto"):
        raise ValueError(f"{cls_name}: only Keras's default reduction='sum_over_batch_size' (the mean over the "
                         f"batch) is supported, got reduction={reduction!r}.")
    if label_smoothing:
        raise ValueError(f"{cls_name}: label_smoothing is not supported; smooth the targets yourself, e.g. "
                         f"y * (1 - a) + a / K for K classes, and pass those.")
    for key, value in unsupported.items():
        if value is not None:
            raise ValueError(f"{cls_name}: {key}={value!r} is not supported in gdkit.")


class MeanSquaredError(Loss):
    """``keras.losses.MeanSquaredError()``: the loss ``"mse"`` as an object."""

    def __new__(cls, reduction="sum_over_batch_size", name=None, dtype=None):
        _keras_options(cls.__name__, reduction)
        return super().__new__(cls, *_MSE)


class MeanAbsoluteError(Loss):
    """``keras.losses.MeanAbsoluteError()``: the loss ``"mae"`` as an object."""

    def __new__(cls, reduction="sum_over_batch_size", name=None, dtype=None):
        _keras_options(cls.__name__, reduction)
        return super().__new__(cls, *_MAE)


class BinaryCrossentropy(Loss):
    """``keras.losses.BinaryCrossentropy(from_logits=False)``.

    With ``from_logits=True`` the model's last layer has no activation (its outputs are logits z) and the loss
    is :func:`binary_crossentropy_from_logits`; as in Keras, ``metrics=["accuracy"]`` then still thresholds
    the outputs at 0.5 (use ``predict`` and ``z > 0`` for the accuracy of logits).
    """

    def __new__(cls, from_logits=False, label_smoothing=0.0, axis=-1, reduction="sum_over_batch_size", name=None,
                dtype=None):
        _keras_options(cls.__name__, reduction, label_smoothing, axis=None if axis == -1 else axis)
        return super().__new__(cls, *(_BCE_LOGITS if from_logits else _BCE))


class CategoricalCrossentropy(Loss):
    """``keras.losses.CategoricalCrossentropy(from_logits=False)``: one-hot targets; with ``from_logits=True``
    the last layer has no activation and the loss is :func:`categorical_crossentropy_from_logits`."""

    def __new__(cls, from_logits=False, label_smoothing=0.0, axis=-1, reduction="sum_over_batch_size", name=None,
                dtype=None):
        _keras_options(cls.__name__, reduction, label_smoothing, axis=None if axis == -1 else axis)
        return super().__new__(cls, *(_CCE_LOGITS if from_logits else _CCE))


class SparseCategoricalCrossentropy(Loss):
    """``keras.losses.SparseCategoricalCrossentropy(from_logits=False)``: integer class labels; with
    ``from_logits=True`` the last layer has no activation (the Keras quickstart's ``Dense(10)``)."""

    def __new__(cls, from_logits=False, ignore_class=None, reduction="sum_over_batch_size", name=None, dtype=None):
        _keras_options(cls.__name__, reduction, ignore_class=ignore_class)
        return super().__new__(cls, *(_SCCE_LOGITS if from_logits else _SCCE))


__getattr__ = missing_name_getattr("losses", __all__)  # a Keras name gdkit lacks gets an error that says so
