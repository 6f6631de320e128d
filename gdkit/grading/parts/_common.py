"""Shared helpers for the parts modules: random test inputs with friendly visible and thorough hidden cases."""
import numpy as np

from ..core import Case
from ..hooks import describe

__all__ = ["Case", "normal", "cases_from", "element_wise_cases", "describe"]


def normal(rng, *shape, scale=1.0, dtype=np.float64):
    """Normal random array of ``shape`` and ``dtype``."""
    return (scale * rng.standard_normal(shape)).astype(dtype)


def cases_from(visible, hidden_extra, hidden):
    """The visible cases, plus the hidden extra ones when ``hidden``."""
    return list(visible) + (list(hidden_extra) if hidden else [])


def element_wise_cases(rng, hidden, zeros=False):
    """Cases for an element-wise function ``f(z)``: a small batch visible, and (with ``zeros``) a batch with
    exact zeros, visible too; hidden adds shapes, large |z|, a batch of one and float32."""
    visible = [Case((normal(rng, 4, 3),), label="a 4x3 batch")]
    z_zero = normal(rng, 5, 4)
    z_zero[::2, 1:3] = 0.0
    if zeros:
        visible.append(Case((z_zero,), label="exact zeros"))
    extra = [
        Case((normal(rng, 20, 7, scale=3.0),), label="a 20x7 batch"),
        Case((normal(rng, 1, 5),), label="a batch of one"),
        Case((np.array([[-1000.0, -50.0, -5.0, 0.5, 5.0, 50.0, 1000.0]]),), label="large |z|"),
        Case((normal(rng, 6, 3, dtype=np.float32),), label="float32 input"),
        Case((normal(rng, 2, 3, 4),), label="a 3-D array"),
    ]
    return cases_from(visible, extra, hidden)
