"""Reading a network's health from its statistics (chapter: gradient pathologies).

:meth:`gdkit.models.Sequential.fit` with ``diagnostics=True`` records these statistics per layer and epoch;
:func:`diagnose` turns them into a one-word verdict.
"""
import numpy as np

__all__ = ["dead_fraction", "saturated_fraction", "diagnose", "DIAGNOSES"]


def dead_fraction(Z):
    """The fraction of units (columns of ``Z``, shape (N, M)) whose
    pre-activation is <= 0 for every example of the batch, i.e. dead ReLU units, as in
    ``History.diagnostics["dead_fraction"]``."""
    return float(np.mean(np.all(np.asarray(Z) <= 0, axis=0)))


def saturated_fraction(A, activation):
    """The fraction of outputs ``A`` of a sigmoid (outside [0.01, 0.99]) or tanh (beyond +-0.99) layer that sit
    where the derivative is nearly 0; NaN for other activations."""
    A = np.asarray(A)
    if activation == "sigmoid":
        return float(np.mean((A < 0.01) | (A > 0.99)))
    if activation == "tanh":
        return float(np.mean(np.abs(A) > 0.99))
    return float("nan")


DIAGNOSES = ("dead_relu", "vanishing", "exploding", "healthy")


def diagnose(grad_norms, dead_fractions):
    """A one-word diagnosis of a network from per-layer statistics.

    Parameters
    ----------
    grad_norms : ndarray, shape (L,)
        Norm of each layer's weight gradient, first layer first.
    dead_fractions : ndarray, shape (L,)
        Fraction of dead ReLU units per layer (NaN for layers without ReLU).

    Returns
    -------
    str
        ``"dead_relu"`` if some layer has at least half of its units dead; otherwise ``"vanishing"`` if the
        first layer's gradient norm is below 1e-3 times the last layer's, ``"exploding"`` if it is above 1e3
        times the last layer's or any norm is not finite; otherwise ``"healthy"``.
    """
    grad_norms = np.asarray(grad_norms, dtype=float)
    dead = np.nan_to_num(np.asarray(dead_fractions, dtype=float), nan=0.0)
    if dead.size and dead.max() >= 0.5:
        return "dead_relu"
    if not np.all(np.isfinite(grad_norms)):
        return "exploding"
    ratio = grad_norms[0] / grad_norms[-1]
    if ratio < 1e-3:
        return "vanishing"
    if ratio > 1e3:
        return "exploding"
    return "healthy"
