r"""Numerical gradient checking with centred differences (chapter: backpropagation).

The analytic gradient your backward pass computes should agree with

.. math:: \frac{\partial f}{\partial x_i} \approx \frac{f(x + h e_i) - f(x - h e_i)}{2h},

whose error shrinks like :math:`h^2`. :func:`check_gradient` compares the two entry by entry with a relative
error and reports which entries disagree.
"""
from typing import NamedTuple

import numpy as np

__all__ = ["numerical_gradient", "numerical_gradient_array", "relative_error", "check_gradient",
           "GradientCheck"]


def numerical_gradient(f, x, h=1e-6):
    r"""Gradient of a scalar function by centred differences.

    Parameters
    ----------
    f : callable
        ``f(x) -> float``. It is called with ``x`` itself, perturbed in place one entry at a time
        (and restored afterwards), so closures over ``x`` see the perturbation.
    x : ndarray, any shape, floating point
    h : float
        Step size. 1e-6 balances truncation error (:math:`\propto h^2`) and rounding error
        (:math:`\propto \varepsilon / h`) in float64.

    Returns
    -------
    ndarray, same shape as ``x``
    """
    if not (isinstance(x, np.ndarray) and np.issubdtype(x.dtype, np.floating)):
        raise TypeError("numerical_gradient perturbs x in place, so x must be a floating-point ndarray; "
                        f"got {type(x).__name__} {getattr(x, 'dtype', '')}. Convert with np.asarray(x, dtype=float).")
    grad = np.zeros_like(x)
    flat_x, flat_grad = x.reshape(-1), grad.reshape(-1)
    if not np.shares_memory(flat_x, x):
        raise ValueError("numerical_gradient needs a contiguous array x; pass np.ascontiguousarray(x).")
    for i in range(flat_x.size):
        old = flat_x[i]
        try:
            flat_x[i] = old + h
            f_plus = f(x)
            flat_x[i] = old - h
            f_minus = f(x)
        finally:
            flat_x[i] = old
        flat_grad[i] = (f_plus - f_minus) / (2.0 * h)
    return grad


def numerical_gradient_array(f, x, dout, h=1e-6):
    r"""Numerical vector-Jacobian product: the gradient of :math:`\sum f(x) \odot dout` with respect to ``x``.

    This is what a backward function returns for upstream gradient ``dout``, so
    ``numerical_gradient_array(lambda X: dense_forward(X, W, b)[0], X, dZ)`` checks ``dX``.
    """
    return numerical_gradient(lambda x_: float(np.sum(f(x_) * dout)), x, h)


def relative_error(a, b, floor=1e-12):
    r"""Relative error of two gradients as a whole: :math:`\|a - b\|_2 / \max(\|a\|_2 + \|b\|_2, \text{floor})`.

    A whole-array measure, as in the classic gradient-checking recipe: correct float64 gradients give about
    1e-9 or less, a bug gives 1e-2 or more. (Entry by entry, tiny gradient entries make the ratio noisy.)
    The floor keeps two all-zero gradients from dividing by zero.
    """
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    return float(np.linalg.norm(a - b) / max(np.linalg.norm(a) + np.linalg.norm(b), floor))


class GradientCheck(NamedTuple):
    """Result of :func:`check_gradient`. ``bool(result)`` is True when the check passed."""

    passed: bool
    relative_error: float
    bad_indices: list
    analytic: np.ndarray
    numeric: np.ndarray

    def __bool__(self):
        return self.passed

    def __repr__(self):
        status = "passed" if self.passed else "FAILED"
        lines = [f"GradientCheck({status}, relative error {self.relative_error:.2e})"]
        for index in self.bad_indices[:10]:
            lines.append(f"  entry {index}: analytic {self.analytic[index]:.8g}, numeric {self.numeric[index]:.8g}")
        if len(self.bad_indices) > 10:
            lines.append(f"  ... and {len(self.bad_indices) - 10} more entries disagree")
        return "\n".join(lines)


def check_gradient(f, analytic_grad, x, h=1e-6, tolerance=1e-7):
    """Compare an analytic gradient with centred differences.

    Parameters
    ----------
    f : callable ``f(x) -> float``
    analytic_grad : ndarray, same shape as ``x``
        The gradient your code computed at ``x``.
    x : ndarray
    h : float
    tolerance : float
        Largest acceptable :func:`relative_error`. In float64 a correct gradient typically gives 1e-9 or less;
        1e-2 or more means a bug.

    Returns
    -------
    GradientCheck
        ``passed`` (relative error at most ``tolerance``), ``relative_error`` (see :func:`relative_error`),
        ``bad_indices`` (tuples into ``x`` of the entries that disagree most, empty when passed), both gradients.
    """
    analytic_grad = np.asarray(analytic_grad, dtype=float)
    if analytic_grad.shape != np.shape(x):
        raise ValueError(f"check_gradient: analytic gradient has shape {analytic_grad.shape} but x has shape "
                         f"{np.shape(x)}; a gradient has the shape of the variable it differentiates.")
    numeric = numerical_gradient(f, x, h)
    error = relative_error(analytic_grad, numeric)
    if error <= tolerance:
        return GradientCheck(True, error, [], analytic_grad, numeric)
    # Entries whose own discrepancy is as large as an even share of the allowed total.
    scale = tolerance * (np.linalg.norm(analytic_grad) + np.linalg.norm(numeric)) / np.sqrt(analytic_grad.size)
    bad = [tuple(int(i) for i in index) for index in np.argwhere(np.abs(analytic_grad - numeric) > scale)]
    return GradientCheck(False, error, bad, analytic_grad, numeric)
