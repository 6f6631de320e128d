r"""Weight penalties for the model API, with Keras's names and conventions (chapter: training in practice).

``Dense(..., kernel_regularizer=l2(0.01))`` adds :math:`0.01 \sum W^2` to the loss and :math:`0.02\,W` to the
weight gradient. The math lives in :mod:`gdkit.losses` (:func:`~gdkit.losses.l2_penalty` and friends).

L1 comes in two forms. By default, as in Keras, its *subgradient* :math:`\lambda_1\,\mathrm{sign}(W)` is added to
the gradient; a weight near 0 then jumps across 0 by about :math:`\eta\lambda_1` every step and is (almost)
never exactly 0. With ``l1(lam, proximal=True)`` the L1 term is left out of the gradient and, after every
optimizer step, the kernel is *soft-thresholded* (the proximal step of proximal gradient descent, ISTA):
:math:`W \leftarrow \mathrm{sign}(W)\max(|W| - \eta\lambda_1, 0)`, which sets small weights exactly to 0.
"""
import numpy as np

from . import losses

__all__ = ["L1", "L2", "L1L2", "l1", "l2", "l1_l2", "get", "soft_threshold", "proximal_step"]


def soft_threshold(W, threshold, out=None):
    r"""The proximal operator of :math:`t\,\|W\|_1`: :math:`\mathrm{sign}(W)\max(|W| - t, 0)`, entry by entry.

    Parameters
    ----------
    W : ndarray, any shape
    threshold : float >= 0
        :math:`t = \eta\lambda_1` after a gradient step of length :math:`\eta`.
    out : ndarray, optional
        Where to write the result (``out=W`` thresholds in place).

    Returns
    -------
    ndarray, shape of ``W``
        Entries with :math:`|W| \le t` become exactly 0; the others move :math:`t` towards 0.

    Notes
    -----
    It solves :math:`\min_V \tfrac12\|V - W\|^2 + t\|V\|_1`, one coordinate at a time.
    """
    if not threshold >= 0:
        raise ValueError(f"soft_threshold: the threshold must be >= 0, got {threshold!r}.")
    W = np.asarray(W)
    shrunk = np.maximum(np.abs(W) - threshold, 0.0)
    return np.multiply(np.sign(W), shrunk, out=out)


class L1L2:
    r"""Penalty :math:`\lambda_1 \sum |W| + \lambda_2 \sum W^2`; ``penalty(W)`` and its gradient ``grad(W)``.

    Parameters
    ----------
    l1, l2 : float >= 0
    proximal : bool, default False
        If True, ``grad`` leaves out the L1 term and the L1 part is applied by :meth:`prox` after each optimizer
        step (soft-thresholding by ``learning_rate * l1``). Only with plain SGD (see :func:`proximal_step`).
        The loss that ``fit`` reports still includes :math:`\lambda_1 \sum |W|`.
    """

    def __init__(self, l1=0.0, l2=0.0, proximal=False):
        if l1 < 0 or l2 < 0:
            raise ValueError(f"regularization strengths must be >= 0, got l1={l1}, l2={l2}.")
        self.l1, self.l2, self.proximal = float(l1), float(l2), bool(proximal)

    def __call__(self, W):
        total = 0.0
        if self.l1:
            total += losses.l1_penalty(W, self.l1)
        if self.l2:
            total += losses.l2_penalty(W, self.l2)
        return total

    def grad(self, W):
        """The gradient added to dL/dW: :math:`2\\lambda_2 W`, plus :math:`\\lambda_1\\mathrm{sign}(W)` unless
        proximal."""
        grad = 0.0
        if self.l1 and not self.proximal:
            grad = grad + losses.l1_penalty_grad(W, self.l1)
        if self.l2:
            grad = grad + losses.l2_penalty_grad(W, self.l2)
        return grad

    def prox(self, W, learning_rate):
        """Soft-threshold ``W`` in place by ``learning_rate * l1`` (nothing unless ``proximal``)."""
        if self.proximal and self.l1:
            soft_threshold(W, learning_rate * self.l1, out=W)
        return W

    def __repr__(self):
        extra = ", proximal=True" if self.proximal else ""
        return f"{type(self).__name__}(l1={self.l1:g}, l2={self.l2:g}{extra})"


def L1(l1=0.01, proximal=False):
    """L1 penalty ``l1 * sum(|W|)``: pulls every weight towards 0 with the same force.

    With the default subgradient the weights near 0 oscillate around it (amplitude about
    ``learning_rate * l1`` under SGD) and are almost never exactly 0; ``proximal=True`` soft-thresholds after
    each SGD step and gives exact zeros (sparse weights).
    """
    return L1L2(l1=l1, proximal=proximal)


def L2(l2=0.01):
    """L2 penalty ``l2 * sum(W**2)``: shrinks all weights towards zero.

    With plain SGD it is weight decay: the step multiplies W by ``1 - 2 * learning_rate * l2`` (PyTorch's
    ``weight_decay=2 * l2``). With Adam it is not: the penalty's gradient is divided by Adam's per-weight scale.
    """
    return L1L2(l2=l2)


l1, l2, l1_l2 = L1, L2, L1L2


def _is_plain_sgd(optimizer):
    from .optimizers import SGD  # late import: optimizers is a larger module and does not need this one
    return isinstance(optimizer, SGD) and optimizer.momentum == 0


def proximal_step(layers, optimizer, learning_rate):
    """After an optimizer step: soft-threshold the kernel of every layer whose regularizer is proximal.

    Parameters
    ----------
    layers : list of gdkit.layers.Layer
    optimizer : gdkit.optimizers.Optimizer
        The one that just took the step; must be plain SGD (momentum 0) if any regularizer is proximal.
    learning_rate : float
        The rate that step used (the schedule's value for that step).
    """
    for layer in layers:
        regularizer = getattr(layer, "kernel_regularizer", None)
        if regularizer is None or not regularizer.proximal:
            continue
        if not _is_plain_sgd(optimizer):
            raise ValueError(f"layer {layer.name!r} has a proximal L1 regularizer ({regularizer!r}), which "
                             f"soft-thresholds by learning_rate * l1 after a plain SGD step; the optimizer is "
                             f"{optimizer!r}. Use gdkit.optimizers.SGD(learning_rate) without momentum, or the "
                             "subgradient form gdkit.regularizers.l1(l1) (proximal=False).")
        regularizer.prox(layer.W, learning_rate)


def get(identifier):
    """``None``, a regularizer object, or a name ``'l1'`` / ``'l2'`` / ``'l1_l2'`` (default strength 0.01)."""
    if identifier is None or isinstance(identifier, L1L2):
        return identifier
    names = {"l1": L1, "l2": L2, "l1_l2": lambda: L1L2(0.01, 0.01)}
    if isinstance(identifier, str) and identifier.lower() in names:
        return names[identifier.lower()]()
    raise ValueError(f"Unknown regularizer {identifier!r}. Known: {', '.join(names)}, or gdkit.regularizers.l2(0.01).")
