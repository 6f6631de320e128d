"""Gradient clipping, by global norm and by value, in place, for the chapter on exploding gradients."""
from __future__ import annotations

import math

import numpy as np

__all__ = ["global_norm", "clip_by_global_norm", "clip_by_value"]


def global_norm(grads):
    """Euclidean norm of all gradient arrays taken together, :math:`\\sqrt{\\sum_i \\|g_i\\|^2}`.

    Parameters
    ----------
    grads : list of ndarray, any shapes

    Returns
    -------
    float
    """
    # the norm of the per-array norms, as torch.nn.utils.clip_grad_norm_ computes it
    return math.sqrt(sum(float(np.dot(g.ravel(), g.ravel())) for g in grads))


def clip_by_global_norm(grads, max_norm):
    """Rescale ``grads`` in place so that their global norm is at most ``max_norm``; return the norm before.

    Parameters
    ----------
    grads : list of ndarray, any shapes
        Scaled in place (all by the same factor, so the direction is kept).
    max_norm : float > 0

    Returns
    -------
    total_norm : float
        The global norm before clipping (log it: a growing norm is the sign of exploding gradients).

    Notes
    -----
    As ``torch.nn.utils.clip_grad_norm_``: with :math:`n = \\sqrt{\\sum_i \\|g_i\\|^2}` and
    :math:`c = \\text{max\\_norm} / (n + 10^{-6})`, every :math:`g_i` is multiplied by :math:`c` when
    :math:`c < 1` (in effect when :math:`n` exceeds max_norm; the :math:`10^{-6}` guards against
    division by zero). This is Keras's ``global_clipnorm``; Keras's ``clipnorm`` clips each array
    separately. A non-finite norm is returned without touching the gradients.
    """
    if not (isinstance(max_norm, (int, float, np.floating, np.integer)) and max_norm > 0):
        raise ValueError(f"max_norm must be a number > 0, got {max_norm!r}")
    total_norm = global_norm(grads)
    if not math.isfinite(total_norm):
        return total_norm
    clip_coef = max_norm / (total_norm + 1e-6)
    if clip_coef < 1.0:
        for g in grads:
            g *= clip_coef
    return total_norm


def clip_by_value(grads, clip_value):
    """Clip every entry of every array of ``grads`` to ``[-clip_value, clip_value]``, in place.

    Parameters
    ----------
    grads : list of ndarray, any shapes
    clip_value : float > 0

    Returns
    -------
    list of ndarray
        The same list, for convenience.

    Notes
    -----
    Unlike :func:`clip_by_global_norm`, this can change the gradient's direction.
    """
    if not (isinstance(clip_value, (int, float, np.floating, np.integer)) and clip_value > 0):
        raise ValueError(f"clip_value must be a number > 0, got {clip_value!r}")
    for g in grads:
        np.clip(g, -clip_value, clip_value, out=g)
    return grads
