"""Activation functions and their derivatives (chapters: forward propagation, backpropagation, pathologies).

Every activation comes as a pair: ``f(z)`` and ``f_grad(z)``, the derivative with respect to the
*pre-activation* ``z`` (evaluating it at the activation ``a = f(z)`` instead is a classic mistake).
All functions are element-wise on arrays of any shape, except :func:`softmax`, which works along the
last axis. They are numerically stable: no overflow warning for ``|z|`` up to 1e4 and beyond.

Use :func:`get` to look an activation up by name, as ``Dense(..., activation="relu")`` does. The name
``"leaky_relu"`` means Keras's leaky ReLU, slope 0.2 for negative inputs (:data:`KERAS_LEAKY_RELU_SLOPE`); the
function :func:`leaky_relu` itself defaults to PyTorch's 0.01.
"""
from typing import Callable, NamedTuple

import numpy as np

__all__ = [
    "sigmoid", "sigmoid_grad", "tanh", "tanh_grad", "relu", "relu_grad",
    "leaky_relu", "leaky_relu_grad", "elu", "elu_grad", "linear", "linear_grad",
    "softmax", "softmax_backward", "Activation", "get", "ACTIVATIONS", "KERAS_LEAKY_RELU_SLOPE",
]


def sigmoid(z):
    r"""Logistic sigmoid :math:`\sigma(z) = 1 / (1 + e^{-z})`.

    Parameters
    ----------
    z : ndarray, any shape
        Pre-activations.

    Returns
    -------
    ndarray, same shape as ``z``
        Values in [0, 1].

    Notes
    -----
    Computed as :math:`e^{z} / (1 + e^{z})` for negative ``z`` and :math:`1 / (1 + e^{-z})` otherwise, so
    ``exp`` never sees a large positive argument (no overflow for any finite ``z``).
    """
    z = np.asarray(z)
    with np.errstate(under="ignore"):  # exp(-1e4) is 0.0, correctly: not worth a warning
        e = np.exp(-np.abs(z))  # in (0, 1]: never overflows
    return np.where(z >= 0, 1.0 / (1.0 + e), e / (1.0 + e))


def sigmoid_grad(z):
    r"""Derivative of the sigmoid with respect to ``z``: :math:`\sigma'(z) = \sigma(z)(1 - \sigma(z))`.

    Its maximum is :math:`\sigma'(0) = 1/4`, the root of vanishing gradients in deep sigmoid networks.
    """
    s = sigmoid(z)
    return s * (1.0 - s)


def tanh(z):
    r"""Hyperbolic tangent :math:`\tanh(z) = (e^{z} - e^{-z}) / (e^{z} + e^{-z})`, values in (-1, 1)."""
    return np.tanh(z)


def tanh_grad(z):
    r"""Derivative :math:`\tanh'(z) = 1 - \tanh^2(z)`, at most 1 (at ``z = 0``)."""
    t = np.tanh(z)
    return 1.0 - t * t


def relu(z):
    r"""Rectified linear unit :math:`\max(0, z)`."""
    return np.maximum(z, 0.0)


def relu_grad(z):
    r"""Derivative of ReLU: 1 where ``z > 0``, else 0 (the value at exactly 0 is taken as 0, as in PyTorch)."""
    z = np.asarray(z)
    return (z > 0).astype(_float_dtype(z))


def leaky_relu(z, alpha=0.01):
    r"""Leaky ReLU :math:`z` for :math:`z > 0`, :math:`\alpha z` otherwise (Maas et al. 2013)."""
    return np.where(z > 0, z, alpha * z)


def leaky_relu_grad(z, alpha=0.01):
    r"""Derivative of leaky ReLU: 1 where ``z > 0``, ``alpha`` elsewhere; never exactly zero, so units cannot die."""
    z = np.asarray(z)
    return np.where(z > 0, 1.0, alpha).astype(_float_dtype(z))


def elu(z, alpha=1.0):
    r"""Exponential linear unit :math:`z` for :math:`z > 0`, :math:`\alpha(e^{z} - 1)` otherwise (Clevert et al. 2016).

    ``expm1`` is evaluated at :math:`\min(z, 0)` so a large positive ``z`` cannot overflow.
    """
    z = np.asarray(z)
    with np.errstate(under="ignore"):
        return np.where(z > 0, z, alpha * np.expm1(np.minimum(z, 0.0)))


def elu_grad(z, alpha=1.0):
    r"""Derivative of ELU: 1 for :math:`z > 0`, :math:`\alpha e^{z}` otherwise."""
    z = np.asarray(z)
    with np.errstate(under="ignore"):
        return np.where(z > 0, 1.0, alpha * np.exp(np.minimum(z, 0.0))).astype(_float_dtype(z))


def linear(z):
    """Identity activation, for regression outputs: ``f(z) = z``."""
    return z


def linear_grad(z):
    """Derivative of the identity: ones."""
    return np.ones_like(z, dtype=_float_dtype(z))


def softmax(z, axis=-1):
    r"""Softmax along ``axis``: :math:`\mathrm{softmax}(z)_k = e^{z_k} / \sum_j e^{z_j}`.

    Parameters
    ----------
    z : ndarray, shape (N, K)
        Scores (logits), one row per example.

    Returns
    -------
    ndarray, shape (N, K)
        Rows are probability vectors: non-negative, summing to 1.

    Notes
    -----
    Shifting by the row maximum, :math:`e^{z_k - m} / \sum_j e^{z_j - m}`, gives the same result (the factor
    :math:`e^{-m}` cancels) and keeps every exponent at most 0, so nothing overflows.
    """
    z = np.asarray(z, dtype=_float_dtype(z))
    shifted = z - np.max(z, axis=axis, keepdims=True)
    with np.errstate(under="ignore"):
        e = np.exp(shifted)
    return e / np.sum(e, axis=axis, keepdims=True)


def softmax_backward(dA, A):
    r"""Backward pass through softmax along the last axis, given its output ``A``.

    Parameters
    ----------
    dA : ndarray, shape (N, K)
        Gradient of the loss with respect to the softmax output.
    A : ndarray, shape (N, K)
        Softmax output ``softmax(Z)``.

    Returns
    -------
    dZ : ndarray, shape (N, K)

    Notes
    -----
    Softmax is not element-wise: its Jacobian per row is :math:`J = \mathrm{diag}(a) - a a^\top`, so
    :math:`dz = J^\top da = a \odot (da - (da \cdot a))` without ever forming :math:`J`.
    """
    return A * (dA - np.sum(dA * A, axis=-1, keepdims=True))


def _float_dtype(z):
    dtype = np.asarray(z).dtype
    return dtype if np.issubdtype(dtype, np.floating) else np.float64


class Activation(NamedTuple):
    """An activation by name: its function, its derivative, and whether it is element-wise.

    ``backward(dA, Z, A)`` returns ``dZ``; for element-wise activations that is ``dA * grad(Z)``.
    """

    name: str
    forward: Callable
    grad: Callable
    elementwise: bool = True

    def __call__(self, z):
        return self.forward(z)

    def backward(self, dA, Z, A):
        if self.elementwise:
            return dA * self.grad(Z)
        return softmax_backward(dA, A)

    def __repr__(self):
        return f"Activation({self.name!r})"


KERAS_LEAKY_RELU_SLOPE = 0.2
"""Negative slope of the activation *named* ``"leaky_relu"`` (``Dense(..., activation="leaky_relu")``), Keras's
default, so that a Keras tutorial behaves the same; :func:`leaky_relu` called directly defaults to 0.01 (PyTorch's)."""


def _keras_leaky_relu(z):
    return leaky_relu(z, alpha=KERAS_LEAKY_RELU_SLOPE)


def _keras_leaky_relu_grad(z):
    return leaky_relu_grad(z, alpha=KERAS_LEAKY_RELU_SLOPE)


ACTIVATIONS = {
    "sigmoid": Activation("sigmoid", sigmoid, sigmoid_grad),
    "tanh": Activation("tanh", tanh, tanh_grad),
    "relu": Activation("relu", relu, relu_grad),
    "leaky_relu": Activation("leaky_relu", _keras_leaky_relu, _keras_leaky_relu_grad),  # slope 0.2, as Keras
    "elu": Activation("elu", elu, elu_grad),
    "linear": Activation("linear", linear, linear_grad),
    "softmax": Activation("softmax", softmax, None, elementwise=False),
}


_KERAS_ONLY = ("celu", "exponential", "gelu", "glu", "hard_shrink", "hard_sigmoid", "hard_silu", "hard_swish",
               "hard_tanh", "log_sigmoid", "log_softmax", "mish", "relu6", "selu", "silu", "soft_shrink", "softplus",
               "softsign", "sparse_plus", "sparsemax", "squareplus", "swish", "tanh_shrink", "threshold")


def get(identifier):
    """Look an activation up by name (``"relu"``), or pass an :class:`Activation` through.

    ``None`` means ``"linear"``, as in Keras. An unknown name raises ``ValueError`` listing the known ones.
    ``"leaky_relu"`` has Keras's negative slope 0.2 (:data:`KERAS_LEAKY_RELU_SLOPE`); for another slope pass
    ``Activation("leaky_relu", lambda z: leaky_relu(z, a), lambda z: leaky_relu_grad(z, a))``.
    """
    if identifier is None:
        return ACTIVATIONS["linear"]
    if isinstance(identifier, Activation):
        return identifier
    if isinstance(identifier, str):
        key = identifier.lower()
        if key in ACTIVATIONS:
            return ACTIVATIONS[key]
        keras = " Keras has it, but gdkit does not implement it." if key in _KERAS_ONLY else ""
        raise ValueError(
            f"Unknown activation {identifier!r}.{keras} Known activations: {', '.join(sorted(ACTIVATIONS))}.")
    raise TypeError(
        f"activation must be a name such as 'relu' or a gdkit.activations.Activation, got {type(identifier).__name__}.")
