"""Learning-rate schedules, callables ``iteration -> learning rate``, for the chapters on training in practice and on
tuning (warm-up).

Pass one as an optimizer's ``learning_rate``; the optimizer calls it once per step with the number of steps
already taken (0 for the first step), as Keras does and as torch's LR schedulers do when stepped every
iteration.
"""
from __future__ import annotations

import math

__all__ = ["Schedule", "Constant", "StepDecay", "ExponentialDecay", "InverseTimeDecay", "CosineDecay",
           "LinearWarmup"]


def _positive(name, value):
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value) or value <= 0:
        raise ValueError(f"{name} must be a finite number > 0, got {value!r}")
    return value


def _nonnegative(name, value):
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value) or value < 0:
        raise ValueError(f"{name} must be a finite number >= 0, got {value!r}")
    return value


def _check_iteration(iteration):
    if iteration < 0:
        raise ValueError(f"iteration must be >= 0, got {iteration!r}")


class Schedule:
    """Base class: a schedule is called with an iteration number (int >= 0) and returns a learning rate."""

    def __call__(self, iteration):
        raise NotImplementedError

    def __repr__(self):
        args = ", ".join(f"{k}={v!r}" for k, v in vars(self).items())
        return f"{type(self).__name__}({args})"


class Constant(Schedule):
    """The same learning rate at every iteration: :math:`\\eta_t = \\eta_0`."""

    def __init__(self, learning_rate):
        self.learning_rate = _nonnegative("learning_rate", learning_rate)

    def __call__(self, iteration):
        _check_iteration(iteration)
        return float(self.learning_rate)


class StepDecay(Schedule):
    """Multiply the learning rate by ``gamma`` every ``step_size`` iterations (torch's StepLR, per iteration).

    Notes
    -----
    .. math:: \\eta_t = \\eta_0 \\, \\gamma^{\\lfloor t / s \\rfloor}
    """

    def __init__(self, initial_learning_rate, step_size, gamma=0.1):
        self.initial_learning_rate = _positive("initial_learning_rate", initial_learning_rate)
        if isinstance(step_size, bool) or not isinstance(step_size, int) or step_size < 1:
            raise ValueError(f"step_size must be an integer >= 1 (iterations between decays), got {step_size!r}")
        self.step_size = step_size
        self.gamma = _positive("gamma", gamma)

    def __call__(self, iteration):
        _check_iteration(iteration)
        return self.initial_learning_rate * self.gamma ** (iteration // self.step_size)


class ExponentialDecay(Schedule):
    """Smooth exponential decay by ``decay_rate`` every ``decay_steps`` iterations (Keras's ExponentialDecay).

    Notes
    -----
    .. math:: \\eta_t = \\eta_0 \\, r^{t / s}

    With ``staircase=True`` the exponent is :math:`\\lfloor t / s \\rfloor`. With ``decay_steps=1`` this is
    torch's ExponentialLR with ``gamma = decay_rate``.
    """

    def __init__(self, initial_learning_rate, decay_rate, decay_steps, staircase=False):
        self.initial_learning_rate = _positive("initial_learning_rate", initial_learning_rate)
        self.decay_rate = _positive("decay_rate", decay_rate)
        self.decay_steps = _positive("decay_steps", decay_steps)
        self.staircase = bool(staircase)

    def __call__(self, iteration):
        _check_iteration(iteration)
        exponent = iteration / self.decay_steps
        if self.staircase:
            exponent = math.floor(exponent)
        return self.initial_learning_rate * self.decay_rate ** exponent


class InverseTimeDecay(Schedule):
    """Decay as one over time (Keras's InverseTimeDecay), the classical Robbins-Monro rate.

    Notes
    -----
    .. math:: \\eta_t = \\frac{\\eta_0}{1 + r \\, t / s}

    With ``staircase=True``, :math:`t / s` is replaced by :math:`\\lfloor t / s \\rfloor`.
    """

    def __init__(self, initial_learning_rate, decay_rate, decay_steps, staircase=False):
        self.initial_learning_rate = _positive("initial_learning_rate", initial_learning_rate)
        self.decay_rate = _nonnegative("decay_rate", decay_rate)
        self.decay_steps = _positive("decay_steps", decay_steps)
        self.staircase = bool(staircase)

    def __call__(self, iteration):
        _check_iteration(iteration)
        ratio = iteration / self.decay_steps
        if self.staircase:
            ratio = math.floor(ratio)
        return self.initial_learning_rate / (1.0 + self.decay_rate * ratio)


class CosineDecay(Schedule):
    """Half a cosine from ``initial_learning_rate`` down to ``alpha * initial_learning_rate`` (Keras's CosineDecay).

    Notes
    -----
    With :math:`\\tau = \\min(t, T)`:

    .. math:: \\eta_t = \\eta_0 \\left( \\alpha + (1 - \\alpha) \\, \\tfrac12 \\bigl(1 + \\cos(\\pi \\tau / T)\\bigr) \\right)

    It stays at :math:`\\alpha \\eta_0` after :math:`T` steps. Up to :math:`T` this equals torch's
    CosineAnnealingLR with ``T_max = T`` and ``eta_min = alpha * eta_0`` (which, unlike this, rises again
    after :math:`T`).
    """

    def __init__(self, initial_learning_rate, decay_steps, alpha=0.0):
        self.initial_learning_rate = _positive("initial_learning_rate", initial_learning_rate)
        self.decay_steps = _positive("decay_steps", decay_steps)
        if isinstance(alpha, bool) or not isinstance(alpha, (int, float)) or not 0 <= alpha <= 1:
            raise ValueError(f"alpha (final learning rate as a fraction of the initial one) must be in [0, 1], "
                             f"got {alpha!r}")
        self.alpha = alpha

    def __call__(self, iteration):
        _check_iteration(iteration)
        progress = min(iteration, self.decay_steps) / self.decay_steps
        cosine = 0.5 * (1.0 + math.cos(math.pi * progress))
        return self.initial_learning_rate * (self.alpha + (1.0 - self.alpha) * cosine)


class LinearWarmup(Schedule):
    """Ramp the learning rate up linearly for ``warmup_steps`` steps, then follow another schedule.

    Parameters
    ----------
    after : Schedule or float
        What follows the warm-up: a schedule (e.g. ``CosineDecay(0.1, 1000)``) or a constant learning rate. Its
        rate at its own iteration 0 is the peak the warm-up climbs to.
    warmup_steps : int >= 1
        Number of warm-up steps.

    Notes
    -----
    With :math:`W` warm-up steps and :math:`\\eta_{\\text{peak}} = \\text{after}(0)`:

    .. math::

        \\eta_t = \\eta_{\\text{peak}} \\, \\frac{t + 1}{W} \\quad (0 \\le t < W), \\qquad
        \\eta_t = \\text{after}(t - W) \\quad (t \\ge W)

    The first step (``t = 0``, the optimizer's first call) uses :math:`\\eta_{\\text{peak}} / W`, not 0 (a step
    with rate 0 would be wasted), and step :math:`W - 1` reaches the peak; the following schedule then starts
    from its own beginning, so a ``CosineDecay(eta, T)`` after the warm-up ends at step :math:`W + T`. This is
    torch's ``SequentialLR([LinearLR(start_factor=1/W, total_iters=W-1), after], milestones=[W])``.
    """

    def __init__(self, after, warmup_steps):
        if not callable(after):
            after = Constant(_positive("after (the learning rate after the warm-up)", after))
        self.after = after
        if isinstance(warmup_steps, bool) or not isinstance(warmup_steps, int) or warmup_steps < 1:
            raise ValueError(f"warmup_steps must be an integer >= 1, got {warmup_steps!r}")
        self.warmup_steps = warmup_steps

    def __call__(self, iteration):
        _check_iteration(iteration)
        if iteration < self.warmup_steps:
            return float(self.after(0)) * (iteration + 1) / self.warmup_steps
        return float(self.after(iteration - self.warmup_steps))
