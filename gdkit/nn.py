"""Forward and backward passes as plain functions (chapters: forward propagation, backpropagation, normalisation
and regularisation).

Each differentiable step is a pair, as in the CS231n assignments::

    Z, cache = dense_forward(X, W, b)        # Z = X @ W + b
    dX, dW, db = dense_backward(dZ, cache)

The caches are small named tuples you can print and inspect. :func:`mlp_forward` and :func:`mlp_backward`
chain the pairs through a whole network; :class:`gdkit.layers.Dense` and :class:`gdkit.models.Sequential` are
thin classes over exactly these functions.

Batch normalisation and dropout are pairs of the same kind, with a ``training`` switch: they compute one
thing while a network trains and another at inference time::

    Y, cache = batchnorm_forward(X, gamma, beta, running_mean, running_var, training=True)
    dX, dgamma, dbeta = batchnorm_backward(dY, cache)
    Y, cache = dropout_forward(X, rate=0.5, rng=rng, training=True)
    dX = dropout_backward(dY, cache)

Shapes are batch first: ``X`` is (N, D), ``W`` is (D, M), ``b`` is (M,), ``Z`` is (N, M).
"""
from typing import NamedTuple

import numpy as np

from . import activations

__all__ = ["DenseCache", "ActivationCache", "BatchNormCache", "DropoutCache", "dense_forward", "dense_backward",
           "activation_forward", "activation_backward", "mlp_forward", "mlp_backward", "batchnorm_forward",
           "batchnorm_backward", "moving_average_update", "dropout_forward", "dropout_backward"]


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


# --- batch normalisation ------------------------------------------------------------------------------------------

class BatchNormCache(NamedTuple):
    """What :func:`batchnorm_backward` needs, and the statistics the forward pass used.

    Attributes
    ----------
    X_hat : ndarray, shape (N, D)
        The normalised input :math:`(X - \\mu) / \\sqrt{\\sigma^2 + \\epsilon}`.
    inv_std : ndarray, shape (D,)
        :math:`1 / \\sqrt{\\sigma^2 + \\epsilon}`.
    gamma : ndarray, shape (D,)
    mean, var : ndarray, shape (D,)
        The statistics used: the batch mean and the *biased* batch variance (divided by N) in training mode,
        which the caller folds into its running averages; the running averages themselves at inference.
    training : bool
        Which mode the forward pass ran in (the backward passes differ).
    """

    X_hat: np.ndarray
    inv_std: np.ndarray
    gamma: np.ndarray
    mean: np.ndarray
    var: np.ndarray
    training: bool


def _check_batchnorm_shapes(X, gamma, beta, running_mean, running_var, training):
    if X.ndim != 2:
        raise ValueError(f"batch normalisation: input must be 2-D (N examples, D features), got shape {X.shape}.")
    D = X.shape[1]
    for name, value in (("gamma", gamma), ("beta", beta)) + (() if training else
                                                              (("running_mean", running_mean),
                                                               ("running_var", running_var))):
        if value is None:
            raise ValueError(f"batch normalisation at inference (training=False) needs {name}: the running "
                             "averages collected during training replace the batch statistics.")
        if np.shape(value) != (D,):
            raise ValueError(f"batch normalisation: {name} has shape {np.shape(value)} but X has shape {X.shape}; "
                             f"it must have shape ({D},), one entry per feature.")
    if training and X.shape[0] < 1:
        raise ValueError("batch normalisation in training mode needs a batch of at least one example.")


def batchnorm_forward(X, gamma, beta, running_mean=None, running_var=None, *, training=True, epsilon=1e-3):
    r"""Batch normalisation forward pass (Ioffe & Szegedy, 2015), per feature over the batch.

    Parameters
    ----------
    X : ndarray, shape (N, D)
    gamma, beta : ndarray, shape (D,)
        Learned scale and shift.
    running_mean, running_var : ndarray, shape (D,), optional
        Running averages of the batch statistics; used (and needed) only when ``training`` is False.
    training : bool, default True
        True: normalise with the statistics of this batch. False (inference): normalise with the running
        averages, so an example's output does not depend on the other examples of its batch.
    epsilon : float, default 1e-3
        Added to the variance before the square root (Keras's default; torch's is 1e-5).

    Returns
    -------
    Y : ndarray, shape (N, D)
    cache : BatchNormCache
        Its ``mean`` and ``var`` are the batch statistics in training mode: update the running averages
        with :func:`moving_average_update`.

    Notes
    -----
    In training mode, with the batch mean and the biased batch variance (divided by N, not N - 1):

    .. math::

        \mu = \frac1N \sum_n X_{n,:}, \qquad \sigma^2 = \frac1N \sum_n (X_{n,:} - \mu)^2, \qquad
        \hat X = \frac{X - \mu}{\sqrt{\sigma^2 + \epsilon}}, \qquad Y = \gamma \odot \hat X + \beta

    At inference :math:`\mu, \sigma^2` are the running averages. A batch of one has :math:`\sigma^2 = 0` and
    :math:`\hat X = 0`: its training-mode output is ``beta`` whatever the input.
    """
    X, gamma, beta = np.asarray(X), np.asarray(gamma), np.asarray(beta)
    _check_batchnorm_shapes(X, gamma, beta, running_mean, running_var, training)
    if training:
        N = X.shape[0]
        mean = X.sum(axis=0) / N
        X_centered = X - mean
        var = np.einsum("nd,nd->d", X_centered, X_centered) / N  # biased: the variance of the numbers normalised
    else:
        mean, var = np.asarray(running_mean), np.asarray(running_var)
        X_centered = X - mean
    inv_std = 1.0 / np.sqrt(var + epsilon)
    X_hat = X_centered * inv_std
    Y = X_hat * gamma
    Y += beta
    return Y, BatchNormCache(X_hat, inv_std, gamma, mean, var, bool(training))


def batchnorm_backward(dY, cache, need_dX=True):
    r"""Batch normalisation backward pass.

    Parameters
    ----------
    dY : ndarray, shape (N, D)
        Gradient of the loss with respect to the output ``Y``.
    cache : BatchNormCache
        From :func:`batchnorm_forward`.
    need_dX : bool

    Returns
    -------
    dX : ndarray, shape (N, D), or None when ``need_dX`` is False
    dgamma, dbeta : ndarray, shape (D,)

    Notes
    -----
    :math:`d\beta = \sum_n dY_{n,:}`, :math:`d\gamma = \sum_n dY_{n,:} \odot \hat X_{n,:}`. In training mode
    every example's output depends on every input of the batch through :math:`\mu` and :math:`\sigma^2`; with
    :math:`d\hat X = dY \odot \gamma` the chain rule collapses to

    .. math::

        dX = \frac{1}{N \sqrt{\sigma^2 + \epsilon}} \Bigl( N\, d\hat X - \sum_n d\hat X_{n,:}
             - \hat X \odot \sum_n \bigl(d\hat X \odot \hat X\bigr)_{n,:} \Bigr):

    the gradient with its batch mean removed and its component along :math:`\hat X` projected out. At
    inference the statistics are constants and :math:`dX = d\hat X / \sqrt{\sigma^2 + \epsilon}`.
    """
    X_hat, inv_std, gamma, _, _, training = cache
    dbeta = dY.sum(axis=0)
    dgamma = np.einsum("nd,nd->d", dY, X_hat)
    if not need_dX:
        return None, dgamma, dbeta
    if not training:
        return dY * (gamma * inv_std), dgamma, dbeta
    # with dX_hat = dY * gamma: sum_n dX_hat = gamma * dbeta and sum_n dX_hat * X_hat = gamma * dgamma
    N = dY.shape[0]
    dX = dY - dbeta / N
    dX -= X_hat * (dgamma / N)
    dX *= gamma * inv_std
    return dX, dgamma, dbeta


def moving_average_update(average, value, momentum=0.99):
    r"""One step of an exponential moving average, Keras's convention: ``momentum * average + (1 - momentum) * value``.

    Parameters
    ----------
    average : ndarray
        The running average so far (e.g. a batch-normalisation layer's running mean).
    value : ndarray, same shape
        The new observation (this batch's mean or variance).
    momentum : float in [0, 1]
        The weight of the *old* average: 0.99 keeps 99 % of it (Keras's default for batch normalisation).
        PyTorch's ``momentum`` is the weight of the *new* value: torch's 0.1 is Keras's 0.9.

    Returns
    -------
    ndarray
        The new average (a new array; ``average`` is not modified).
    """
    if not 0.0 <= momentum <= 1.0:
        raise ValueError(f"momentum must be in [0, 1] (the weight of the old average, 0.99 in Keras), got "
                         f"{momentum!r}; torch's momentum=m is momentum=1-m here.")
    return momentum * np.asarray(average) + (1.0 - momentum) * np.asarray(value)


# --- dropout -------------------------------------------------------------------------------------------------------

class DropoutCache(NamedTuple):
    """What :func:`dropout_backward` needs: the mask ``(N, D)``, ``keep / (1 - rate)`` (0 for a dropped unit),
    or None when nothing was dropped (inference, or ``rate`` 0)."""

    mask: np.ndarray | None


def dropout_forward(X, rate, rng=None, training=True):
    r"""Inverted dropout (Srivastava et al., 2014): in training, zero each entry with probability ``rate`` and
    scale the survivors by ``1 / (1 - rate)``; at inference, return ``X`` unchanged.

    Parameters
    ----------
    X : ndarray, shape (N, D)
    rate : float in [0, 1)
        The fraction of units *dropped* (Keras's ``rate``, torch's ``p``), not the fraction kept.
    rng : None, int or numpy.random.Generator
        Source of the mask. The mask is ``rng.random(X.shape) >= rate`` (True keeps the entry).
    training : bool, default True

    Returns
    -------
    Y : ndarray, shape (N, D)
    cache : DropoutCache

    Notes
    -----
    With :math:`m_{nd} \sim \mathrm{Bernoulli}(1 - p)`, :math:`Y = X \odot m / (1 - p)`, so that
    :math:`\mathbb E[Y] = X`: the next layer sees inputs of the same expected size in training and at
    inference, and nothing needs rescaling at test time.
    """
    if isinstance(rate, bool) or not isinstance(rate, (int, float, np.floating)) or not 0.0 <= rate < 1.0:
        raise ValueError(f"dropout rate is the fraction of units dropped and must be in [0, 1), got {rate!r}.")
    X = np.asarray(X)
    if not training or rate == 0:
        return X, DropoutCache(None)
    keep = np.random.default_rng(rng).random(X.shape) >= rate
    mask = keep.astype(X.dtype) / X.dtype.type(1.0 - rate)
    return X * mask, DropoutCache(mask)


def dropout_backward(dY, cache):
    """Dropout backward pass: ``dX = dY * mask``, the same mask and scale as the forward pass (``dY`` itself when
    nothing was dropped)."""
    return dY if cache.mask is None else dY * cache.mask
