"""Forward and backward passes as plain functions (chapters: forward propagation, backpropagation).

Each differentiable step is a pair, as in the CS231n assignments::

    Z, cache = dense_forward(X, W, b)        # Z = X @ W + b
    dX, dW, db = dense_backward(dZ, cache)

The caches are small named tuples you can print and inspect. :func:`mlp_forward` and :func:`mlp_backward`
chain the pairs through a whole network; :class:`gdkit.layers.Dense` and :class:`gdkit.models.Sequential` are
thin classes over exactly these functions.

Shapes are batch first: ``X`` is (N, D), ``W`` is (D, M), ``b`` is (M,), ``Z`` is (N, M).
"""
from typing import NamedTuple

import numpy as np

from . import activations

__all__ = ["DenseCache", "ActivationCache", "dense_forward", "dense_backward",
           "activation_forward", "activation_backward", "mlp_forward", "mlp_backward"]


class DenseCache(NamedTuple):
    """What :func:`dense_backward` needs: the layer's input ``X`` (N, D) and weights ``W`` (D, M)."""

    X: np.ndarray
    W: np.ndarray


class ActivationCache(NamedTuple):
    """What :func:`activation_backward` needs: pre-activation ``Z``, output ``A`` and the activation."""

    Z: np.ndarray
    A: np.ndarray
    activation: activations.Activation


def _check_dense_shapes(X, W, b, layer):
    where = f" {layer}" if layer else ""
    if X.ndim != 2:
        raise ValueError(f"Dense layer{where}: input must be 2-D (N examples, D features), got shape {X.shape}. "
                         "A single example x of shape (D,) becomes a batch with x.reshape(1, -1).")
    if W.ndim != 2 or X.shape[1] != W.shape[0]:
        raise ValueError(f"Dense layer{where}: input X has shape {X.shape} but W has shape {W.shape}; "
                         f"X @ W needs X.shape[1] == W.shape[0] ({X.shape[1]} != {W.shape[0]}).")
    if b.shape != (W.shape[1],):
        raise ValueError(f"Dense layer{where}: bias b has shape {b.shape} but W has shape {W.shape}; "
                         f"b must have shape ({W.shape[1]},), one entry per output unit.")


def dense_forward(X, W, b, layer=None):
    r"""Affine (dense) layer forward pass :math:`Z = XW + b`.

    Parameters
    ----------
    X : ndarray, shape (N, D)
        A batch of N inputs with D features each.
    W : ndarray, shape (D, M)
    b : ndarray, shape (M,)
        Broadcast over the batch.
    layer : str, optional
        The layer's name, used in error messages.

    Returns
    -------
    Z : ndarray, shape (N, M)
    cache : DenseCache
    """
    X, W, b = np.asarray(X), np.asarray(W), np.asarray(b)
    _check_dense_shapes(X, W, b, layer)
    Z = X @ W
    Z += b  # in place: one (N, M) array instead of two
    return Z, DenseCache(X, W)


def dense_backward(dZ, cache, need_dX=True):
    r"""Affine layer backward pass.

    Parameters
    ----------
    dZ : ndarray, shape (N, M)
        Gradient of the loss with respect to the layer's output ``Z``.
    cache : DenseCache
        From :func:`dense_forward`.
    need_dX : bool
        ``False`` skips the input gradient (the first layer never needs it: about a third of the work).

    Returns
    -------
    dX : ndarray, shape (N, D), or None when ``need_dX`` is False
    dW : ndarray, shape (D, M)
    db : ndarray, shape (M,)

    Notes
    -----
    From :math:`Z_{nm} = \sum_d X_{nd} W_{dm} + b_m`:

    .. math:: dX = dZ\,W^\top, \qquad dW = X^\top dZ, \qquad db = \textstyle\sum_n dZ_{n,:}

    The batch sum in ``dW`` and ``db`` appears because every example used the same weights.
    """
    X, W = cache
    dW = X.T @ dZ
    db = dZ.sum(axis=0)
    dX = dZ @ W.T if need_dX else None
    return dX, dW, db


def activation_forward(Z, activation):
    """Apply an activation (name or :class:`gdkit.activations.Activation`); returns ``(A, cache)``."""
    act = activations.get(activation)
    A = act(Z)
    return A, ActivationCache(Z, A, act)


def activation_backward(dA, cache):
    r"""Backward pass through an activation: :math:`dZ = dA \odot f'(Z)` (element-wise) or softmax's Jacobian."""
    Z, A, act = cache
    return act.backward(dA, Z, A)


def mlp_forward(X, params, activation_names):
    """Forward pass through a stack of dense layers, each followed by its activation.

    Parameters
    ----------
    X : ndarray, shape (N, D)
    params : list of (W, b) pairs
        Layer l maps its input to ``A_l = f_l(A_{l-1} @ W_l + b_l)``.
    activation_names : list of str, same length as ``params``

    Returns
    -------
    A : ndarray, shape (N, M_L)
        The network's output.
    caches : list of (DenseCache, ActivationCache)
    """
    if len(params) != len(activation_names):
        raise ValueError(f"mlp_forward: {len(params)} (W, b) pairs but {len(activation_names)} activations; "
                         "give one activation per layer.")
    A, caches = X, []
    for index, ((W, b), name) in enumerate(zip(params, activation_names)):
        Z, dense_cache = dense_forward(A, W, b, layer=str(index + 1))
        A, act_cache = activation_forward(Z, name)
        caches.append((dense_cache, act_cache))
    return A, caches


def mlp_backward(dA, caches):
    r"""Backpropagation through the whole network of :func:`mlp_forward`.

    Parameters
    ----------
    dA : ndarray, shape (N, M_L)
        Gradient of the loss with respect to the network's output.
    caches : list from :func:`mlp_forward`

    Returns
    -------
    grads : list of (dW, db) pairs, one per layer, in the order of ``params``

    Notes
    -----
    Going from the last layer to the first, the chain rule alternates
    :math:`dZ_l = dA_l \odot f_l'(Z_l)` and :math:`dA_{l-1} = dZ_l W_l^\top`,
    collecting :math:`dW_l = A_{l-1}^\top dZ_l` and :math:`db_l = \sum_n dZ_l` on the way.
    """
    grads = []
    for index in range(len(caches) - 1, -1, -1):
        dense_cache, act_cache = caches[index]
        dZ = activation_backward(dA, act_cache)
        dA, dW, db = dense_backward(dZ, dense_cache, need_dX=index > 0)
        grads.append((dW, db))
    return grads[::-1]
