r"""Weight penalties for the model API, with Keras's names and conventions (chapter: training in practice).

``Dense(..., kernel_regularizer=l2(0.01))`` adds :math:`0.01 \sum W^2` to the loss and :math:`0.02\,W` to the
weight gradient. The math lives in :mod:`gdkit.losses` (:func:`~gdkit.losses.l2_penalty` and friends).
"""
from . import losses

__all__ = ["L1", "L2", "L1L2", "l1", "l2", "l1_l2", "get"]


class L1L2:
    r"""Penalty :math:`\lambda_1 \sum |W| + \lambda_2 \sum W^2`; ``penalty(W)`` and its gradient ``grad(W)``."""

    def __init__(self, l1=0.0, l2=0.0):
        if l1 < 0 or l2 < 0:
            raise ValueError(f"regularization strengths must be >= 0, got l1={l1}, l2={l2}.")
        self.l1, self.l2 = float(l1), float(l2)

    def __call__(self, W):
        total = 0.0
        if self.l1:
            total += losses.l1_penalty(W, self.l1)
        if self.l2:
            total += losses.l2_penalty(W, self.l2)
        return total

    def grad(self, W):
        grad = 0.0
        if self.l1:
            grad = grad + losses.l1_penalty_grad(W, self.l1)
        if self.l2:
            grad = grad + losses.l2_penalty_grad(W, self.l2)
        return grad

    def __repr__(self):
        return f"{type(self).__name__}(l1={self.l1:g}, l2={self.l2:g})"


def L1(l1=0.01):
    """L1 penalty ``l1 * sum(|W|)``: pushes weights to exactly zero (sparse weights)."""
    return L1L2(l1=l1)


def L2(l2=0.01):
    """L2 penalty ``l2 * sum(W**2)`` (weight decay): shrinks all weights towards zero."""
    return L1L2(l2=l2)


l1, l2, l1_l2 = L1, L2, L1L2


def get(identifier):
    """``None``, a regularizer object, or a name ``'l1'`` / ``'l2'`` / ``'l1_l2'`` (default strength 0.01)."""
    if identifier is None or isinstance(identifier, L1L2):
        return identifier
    names = {"l1": L1, "l2": L2, "l1_l2": lambda: L1L2(0.01, 0.01)}
    if isinstance(identifier, str) and identifier.lower() in names:
        return names[identifier.lower()]()
    raise ValueError(f"Unknown regularizer {identifier!r}. Known: {', '.join(names)}, or gdkit.regularizers.l2(0.01).")
