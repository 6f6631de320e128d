"""Test functions with analytic gradients, and a descent runner, for the gradient-descent and momentum chapters.

Every function is a small object with

- ``f(x)``: the value; ``x`` has shape ``(..., d)`` and the result shape ``(...)``, so a whole contour grid
  is evaluated at once (``f(np.stack([X, Y], axis=-1))``);
- ``f.grad(x)``: the gradient, shape ``(d,)`` for a point of shape ``(d,)`` (also vectorised);
- ``f.minima``: the known minimisers, shape ``(m, d)``, the global one first;
- ``f.domain``: a suggested plot box, ``(xmin, xmax)`` in 1-D or ``(xmin, xmax, ymin, ymax)`` in 2-D;
- ``f.name`` and ``f.dim``.

:func:`descend` runs any gdkit optimizer on such a function with the very same ``optimizer.step([x], [g])``
that trains a network, and returns the path of iterates. Nothing here draws: see gdkit's plotting module.
"""
from __future__ import annotations

import math
import warnings

import numpy as np

from .optimizers import SGD

__all__ = [
    "gradient_descent",
    "Landscape", "Parabola", "DoubleWell", "ShallowLocalMinimum", "QuadraticBowl", "IllConditionedQuadratic",
    "Rosenbrock", "SaddlePoint", "GaussianWells", "DivergenceWarning", "descend", "evaluate_on_grid",
]


class Landscape:
    """Base class of the test functions: checks the input shape, then calls ``_value`` / ``_grad``.

    Subclasses set ``name``, ``dim``, ``minima`` (ndarray (m, dim), global minimum first) and ``domain``.
    """

    name = "landscape"
    dim = 2

    def _as_points(self, x):
        x = np.asarray(x, dtype=float)
        if self.dim == 1 and x.ndim == 0:
            x = x[None]
        if x.ndim == 0 or x.shape[-1] != self.dim:
            raise ValueError(f"{self.name} takes points of shape (..., {self.dim}), got shape {x.shape}; "
                             f"for a grid use np.stack([X, Y], axis=-1)" if self.dim == 2 else
                             f"{self.name} takes points of shape (..., 1), got shape {x.shape}; "
                             f"for a 1-D grid xs use xs[:, None]")
        return x

    def __call__(self, x):
        """Value at ``x``, ndarray (..., dim) -> ndarray (...)."""
        return self._value(self._as_points(x))

    def grad(self, x):
        """Gradient at ``x``, ndarray (dim,) -> ndarray (dim,) (also works on (..., dim))."""
        return self._grad(self._as_points(x))

    def __repr__(self):
        args = ", ".join(f"{k}={v!r}" for k, v in vars(self).items() if not k.startswith("_")
                         and k not in ("minima", "domain"))
        return f"{type(self).__name__}({args})"


# --------------------------------------------------------------------------------------------------
# 1-D
# --------------------------------------------------------------------------------------------------
class Parabola(Landscape):
    """:math:`f(x) = a x^2`, gradient :math:`2 a x`; gradient descent converges iff :math:`0 < \\eta < 1/a`.

    Parameters
    ----------
    a : float > 0, default 1.0
        Curvature is :math:`f'' = 2a`, so the classical bound :math:`\\eta < 2/L` reads :math:`\\eta < 1/a`.
    """

    name = "parabola"
    dim = 1

    def __init__(self, a=1.0):
        if not a > 0:
            raise ValueError(f"a must be > 0 (a bowl opening upwards), got {a!r}")
        self.a = float(a)
        self.minima = np.zeros((1, 1))
        self.domain = (-2.0, 2.0)

    def _value(self, x):
        return self.a * x[..., 0] ** 2

    def _grad(self, x):
        return 2.0 * self.a * x


class DoubleWell(Landscape):
    """A tilted double well, :math:`f(x) = x^4 - 2x^2 + c\\,x`: a deep minimum left, a shallow one right.

    Parameters
    ----------
    tilt : float, default 0.5
        :math:`c`; for :math:`0 < c < 8/(3\\sqrt3)` there are two minima, the global one at negative x.
        With c = 0.5 they are at x = -1.057 (f = -1.515) and x = 0.930 (f = -0.517), the barrier at 0.127.

    Notes
    -----
    The minima are the roots of :math:`f'(x) = 4x^3 - 4x + c` with :math:`f''(x) = 12x^2 - 4 > 0`.
    Gradient descent from x0 = 2 with learning rate 0.02 stops in the shallow minimum; momentum 0.9 with
    the same rate carries the iterate over the barrier into the deep one (tests/test_landscapes.py).
    """

    name = "double well"
    dim = 1

    def __init__(self, tilt=0.5):
        if not 0 < tilt < 8 / (3 * math.sqrt(3)):
            raise ValueError(f"tilt must be in (0, {8 / (3 * math.sqrt(3)):.4f}) for two minima, got {tilt!r}")
        self.tilt = float(tilt)
        roots = np.sort(np.roots([4.0, 0.0, -4.0, self.tilt]).real)
        self.minima = roots[[0, 2], None]          # the outer roots; the middle one is the barrier's top
        self.barrier = float(roots[1])
        self.domain = (-2.0, 2.0)

    def _value(self, x):
        x = x[..., 0]
        return x ** 4 - 2.0 * x ** 2 + self.tilt * x

    def _grad(self, x):
        return 4.0 * x ** 3 - 4.0 * x + self.tilt


ShallowLocalMinimum = DoubleWell


# --------------------------------------------------------------------------------------------------
# 2-D
# --------------------------------------------------------------------------------------------------
class QuadraticBowl(Landscape):
    """Isotropic bowl :math:`f(x) = \\tfrac{c}{2} \\|x\\|^2`, gradient :math:`c\\,x`; GD converges iff :math:`\\eta < 2/c`.

    Parameters
    ----------
    curvature : float > 0, default 1.0
    """

    name = "quadratic bowl"
    dim = 2

    def __init__(self, curvature=1.0):
        if not curvature > 0:
            raise ValueError(f"curvature must be > 0, got {curvature!r}")
        self.curvature = float(curvature)
        self.lipschitz = self.curvature
        self.minima = np.zeros((1, 2))
        self.domain = (-2.0, 2.0, -2.0, 2.0)

    def _value(self, x):
        return 0.5 * self.curvature * np.sum(x ** 2, axis=-1)

    def _grad(self, x):
        return self.curvature * x


class IllConditionedQuadratic(Landscape):
    """A ravine, :math:`f(x, y) = \\tfrac12 (x^2 + \\kappa y^2)`, with condition number :math:`\\kappa`.

    Parameters
    ----------
    condition_number : float >= 1, default 10.0
        :math:`\\kappa = L / \\mu`, the ratio of the largest to the smallest curvature.

    Notes
    -----
    The gradient is :math:`(x, \\kappa y)`. Gradient descent multiplies each coordinate by
    :math:`1 - \\eta \\lambda_i` per step, with :math:`\\lambda = (1, \\kappa)`; it converges iff
    :math:`\\eta < 2 / L = 2 / \\kappa` (attribute ``lipschitz`` is :math:`L`), and then the flat direction
    shrinks only by :math:`1 - \\eta` per step: slow when :math:`\\kappa` is large.
    """

    name = "ill-conditioned quadratic"
    dim = 2

    def __init__(self, condition_number=10.0):
        if not condition_number >= 1:
            raise ValueError(f"condition_number must be >= 1, got {condition_number!r}")
        self.condition_number = float(condition_number)
        self.curvatures = np.array([1.0, self.condition_number])
        self.lipschitz = self.condition_number
        self.minima = np.zeros((1, 2))
        self.domain = (-3.0, 3.0, -1.5, 1.5)

    def _value(self, x):
        return 0.5 * (x[..., 0] ** 2 + self.condition_number * x[..., 1] ** 2)

    def _grad(self, x):
        return x * self.curvatures


class Rosenbrock(Landscape):
    """Rosenbrock's banana valley, :math:`f(x, y) = (a - x)^2 + b (y - x^2)^2`, minimum at :math:`(a, a^2)`.

    Parameters
    ----------
    a : float, default 1.0
    b : float > 0, default 100.0

    Notes
    -----
    .. math::

        \\nabla f = \\bigl(-2(a - x) - 4 b x (y - x^2),\\; 2 b (y - x^2)\\bigr)
    """

    name = "Rosenbrock"
    dim = 2

    def __init__(self, a=1.0, b=100.0):
        if not b > 0:
            raise ValueError(f"b must be > 0, got {b!r}")
        self.a = float(a)
        self.b = float(b)
        self.minima = np.array([[self.a, self.a ** 2]])
        self.domain = (-2.0, 2.0, -1.0, 3.0)

    def _value(self, x):
        x0, x1 = x[..., 0], x[..., 1]
        return (self.a - x0) ** 2 + self.b * (x1 - x0 ** 2) ** 2

    def _grad(self, x):
        x0, x1 = x[..., 0], x[..., 1]
        valley = x1 - x0 ** 2
        return np.stack([-2.0 * (self.a - x0) - 4.0 * self.b * x0 * valley, 2.0 * self.b * valley], axis=-1)


class SaddlePoint(Landscape):
    """A saddle kept bounded below: :math:`f(x, y) = \\tfrac12 (x^2 - y^2) + \\tfrac14 y^4`.

    Notes
    -----
    The origin is a saddle point (Hessian diag(1, -1)); the quartic term turns the descending direction
    back up, giving two minima at :math:`(0, \\pm 1)` with :math:`f = -1/4`. The gradient is
    :math:`(x,\\; y^3 - y)`. Started exactly on the x axis, gradient descent converges to the saddle;
    a tiny offset in y makes it leave, slowly at first (the ``saddle`` attribute holds its location).
    """

    name = "saddle point"
    dim = 2

    def __init__(self):
        self.minima = np.array([[0.0, 1.0], [0.0, -1.0]])
        self.saddle = np.zeros(2)
        self.domain = (-2.0, 2.0, -1.8, 1.8)

    def _value(self, x):
        x0, x1 = x[..., 0], x[..., 1]
        return 0.5 * (x0 ** 2 - x1 ** 2) + 0.25 * x1 ** 4

    def _grad(self, x):
        x0, x1 = x[..., 0], x[..., 1]
        return np.stack([x0, x1 ** 3 - x1], axis=-1)


class GaussianWells(Landscape):
    """Gaussian wells in a wide bowl: a deep well and a shallow one, for "momentum escapes a local minimum".

    .. math::

        f(x) = \\tfrac{q}{2} \\|x\\|^2 - \\sum_k A_k \\exp\\!\\Bigl(-\\frac{\\|x - c_k\\|^2}{2 s_k^2}\\Bigr)

    Parameters
    ----------
    centers : array_like (k, 2), default ((-1, 0), (1.2, 0.4))
        Centre :math:`c_k` of each well.
    depths : array_like (k,), default (1.0, 0.25)
        :math:`A_k > 0`.
    widths : array_like (k,), default (0.6, 0.3)
        :math:`s_k > 0`.
    bowl : float >= 0, default 0.1
        :math:`q`, keeps the function bounded below and the iterates from wandering off.

    Notes
    -----
    The gradient is :math:`q x + \\sum_k \\frac{A_k}{s_k^2} e_k (x - c_k)` with :math:`e_k` the k-th
    exponential. The minima have no closed form: they are found by Newton's method from each centre
    when the object is built and sorted by value (global first). With the defaults, gradient descent
    from (2, 1) with learning rate 0.2 stops in the shallow well near (1.155, 0.385); momentum 0.9 with
    the same rate escapes into the deep one near (-0.97, 0) (tests/test_landscapes.py).
    """

    name = "Gaussian wells"
    dim = 2

    def __init__(self, centers=((-1.0, 0.0), (1.2, 0.4)), depths=(1.0, 0.25), widths=(0.6, 0.3), bowl=0.1):
        self.centers = np.asarray(centers, dtype=float)
        self.depths = np.asarray(depths, dtype=float)
        self.widths = np.asarray(widths, dtype=float)
        k = len(self.centers)
        if self.centers.shape != (k, 2) or self.depths.shape != (k,) or self.widths.shape != (k,):
            raise ValueError(f"need centers (k, 2), depths (k,), widths (k,); got {self.centers.shape}, "
                             f"{self.depths.shape}, {self.widths.shape}")
        if np.any(self.depths <= 0) or np.any(self.widths <= 0) or bowl < 0:
            raise ValueError(f"depths and widths must be > 0 and bowl >= 0, got depths={depths}, "
                             f"widths={widths}, bowl={bowl}")
        self.bowl = float(bowl)
        self.minima = self._find_minima()
        self.domain = (-2.5, 2.5, -2.0, 2.0)

    def _exponentials(self, x):
        diff = x[..., None, :] - self.centers                            # (..., k, 2)
        e = np.exp(-np.sum(diff ** 2, axis=-1) / (2.0 * self.widths ** 2))   # (..., k)
        return diff, e

    def _value(self, x):
        _, e = self._exponentials(x)
        return 0.5 * self.bowl * np.sum(x ** 2, axis=-1) - e @ self.depths

    def _grad(self, x):
        diff, e = self._exponentials(x)
        weights = self.depths / self.widths ** 2 * e                     # (..., k)
        return self.bowl * x + np.sum(weights[..., None] * diff, axis=-2)

    def _hessian(self, point):
        diff, e = self._exponentials(point)                              # (k, 2), (k,)
        hessian = self.bowl * np.eye(2)
        for d, ek, a, s in zip(diff, e, self.depths, self.widths):
            hessian += a * ek / s ** 2 * (np.eye(2) - np.outer(d, d) / s ** 2)
        return hessian

    def _find_minima(self):
        found = []
        for start in self.centers:
            point = start.copy()
            for _ in range(100):
                step = np.linalg.solve(self._hessian(point), self._grad(point))
                point -= step
                if np.linalg.norm(step) < 1e-15:
                    break
            is_minimum = (np.linalg.norm(self._grad(point)) < 1e-10
                          and np.all(np.linalg.eigvalsh(self._hessian(point)) > 0))
            if is_minimum and not any(np.allclose(point, other, atol=1e-8) for other in found):
                found.append(point)
        if not found:
            raise ValueError("no minimum found near the centres; make the wells deeper or the bowl flatter")
        found.sort(key=lambda p: float(self._value(p)))
        return np.array(found)


# --------------------------------------------------------------------------------------------------
# Running an optimizer on a function
# --------------------------------------------------------------------------------------------------
class DivergenceWarning(RuntimeWarning):
    """Issued by :func:`descend` when the iterate becomes non-finite or huge (the path is cut there)."""


def descend(function, x0, optimizer, steps, *, stop_if_diverged=True, divergence_threshold=1e8):
    """Run ``optimizer`` for ``steps`` steps on ``function`` from ``x0`` and return the path of iterates.

    Parameters
    ----------
    function : Landscape
        Anything with ``grad(x) -> (d,)`` and ``dim``.
    x0 : array_like (d,) (or a number in 1-D)
        Starting point; not modified.
    optimizer : gdkit.optimizers.Optimizer
        Reset first (so a path never starts with stale momentum), then stepped as in network training:
        ``optimizer.step([x], [function.grad(x)])``.
    steps : int >= 0
    stop_if_diverged : bool, default True
        Stop as soon as an iterate is non-finite or has a coordinate larger than ``divergence_threshold``
        in magnitude, issue a :class:`DivergenceWarning` and return the path so far (it is then shorter
        than ``steps + 1``; ``len(path) < steps + 1`` is the flag).
    divergence_threshold : float, default 1e8

    Returns
    -------
    path : ndarray (steps + 1, d)
        ``path[0]`` is ``x0``, ``path[k]`` the iterate after k steps.
    """
    if isinstance(steps, bool) or not isinstance(steps, (int, np.integer)) or steps < 0:
        raise ValueError(f"steps must be an integer >= 0, got {steps!r}")
    x = np.array(x0, dtype=float).reshape(-1)
    if x.shape != (function.dim,):
        raise ValueError(f"x0 must have {function.dim} coordinate(s) for {function.name}, got {np.shape(x0)}")
    optimizer.reset()
    path = np.empty((steps + 1, function.dim))
    path[0] = x
    with np.errstate(over="ignore", invalid="ignore"):
        for k in range(1, steps + 1):
            optimizer.step([x], [function.grad(x)])
            path[k] = x
            if stop_if_diverged and not (np.all(np.isfinite(x)) and np.max(np.abs(x)) <= divergence_threshold):
                warnings.warn(DivergenceWarning(
                    f"{type(optimizer).__name__} diverged on {function.name} at step {k} (iterate {x}); "
                    f"the path is cut there. Try a smaller learning rate (now {optimizer.learning_rate!r})."),
                    stacklevel=2)
                return path[:k + 1]
    return path


def evaluate_on_grid(function, num=200, domain=None):
    """Evaluate ``function`` on a regular grid over ``domain`` (default ``function.domain``), for plotting.

    Returns
    -------
    (xs, values) : ndarray (num,), ndarray (num,)
        In 1-D.
    (X, Y, Z) : three ndarray (num, num)
        In 2-D, as ``np.meshgrid`` gives them, ready for ``ax.contour(X, Y, Z)``.
    """
    domain = function.domain if domain is None else domain
    if function.dim == 1:
        xs = np.linspace(domain[0], domain[1], num)
        return xs, function(xs[:, None])
    X, Y = np.meshgrid(np.linspace(domain[0], domain[1], num), np.linspace(domain[2], domain[3], num))
    return X, Y, function(np.stack([X, Y], axis=-1))


def gradient_descent(function, x0, learning_rate, steps):
    """Plain gradient descent from ``x0``; the path of iterates, shape (steps + 1, d).

    The same as ``gdkit.descend(function, x0, gdkit.SGD(learning_rate), steps)``.
    """
    return descend(function, x0, SGD(learning_rate), steps)
