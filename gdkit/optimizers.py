"""Gradient-descent optimizers (SGD, momentum, Nesterov, Adagrad, RMSprop, Adam, AdamW) for the optimizer chapters
and the chapter on regularisation (decoupled weight decay).

Every optimizer shares one interface, the same for a network and for a point on a test function::

    opt = Adam(learning_rate=1e-3, beta_1=0.9, beta_2=0.999, epsilon=1e-8)
    opt.step(params, grads)   # lists of ndarrays of equal shapes; params are updated IN PLACE
    opt.iterations            # number of step() calls so far (int)
    opt.state                 # per-parameter state, created on the first step, keyed by position in the list
    opt.reset()               # forget the state and the iteration count
    opt.learning_rate         # a float, or a schedule: callable iteration -> learning rate

Each algorithm is a pure update rule, ``<name>_update(param, grad, state, ...)``, with its state as an
explicit ``NamedTuple`` of arrays (as in optax). The classes only keep one state per parameter (as in
torch.optim). The update rules write into the parameter and into preallocated state in place, with a
``scratch`` buffer for intermediate results, so a step allocates no large temporary arrays.

Conventions: hyperparameter names follow Keras (``learning_rate``, ``beta_1``, ``rho``, ``epsilon``);
update equations follow PyTorch's torch.optim, so a run agrees with PyTorch to rounding
(tests/test_torch_agreement.py). The classes' defaults are PyTorch's, except SGD's learning rate (0.01, as
Keras; torch's is 1e-3). An optimizer chosen by *name* (``compile(optimizer="rmsprop")``, :func:`get`) gets
Keras's defaults and Keras's placement of epsilon instead (``eps_inside_sqrt`` for RMSprop, ``epsilon_hat`` for
Adam and AdamW), so a Keras tutorial prints the same numbers (to float32 rounding). The schedule is evaluated once per step at ``opt.iterations``, the number
of steps already taken: the first step uses ``learning_rate(0)`` (as Keras and torch's LR schedulers do).
State is kept in each parameter's dtype, so float32 parameters stay float32.
"""
from __future__ import annotations

import math
from typing import Callable, NamedTuple, Union

import numpy as np

from gdkit.clipping import clip_by_global_norm, clip_by_value
from ._keras_names import missing_name_getattr

__all__ = [
    "Optimizer", "SGD", "Momentum", "Nesterov", "Adagrad", "RMSprop", "Adam", "AdamW",
    "SGDState", "AdagradState", "RMSpropState", "AdamState",
    "sgd_init", "sgd_update", "adagrad_init", "adagrad_update", "rmsprop_init", "rmsprop_update",
    "adam_init", "adam_update", "adamw_update", "bias_correction", "get", "KERAS_DEFAULTS", "KERAS_ONLY",
]

LearningRate = Union[float, Callable[[int], float]]


# --------------------------------------------------------------------------------------------------
# Argument checks (bad value in the message, and what to do about it)
# --------------------------------------------------------------------------------------------------
def _check_learning_rate(learning_rate):
    if callable(learning_rate):
        return learning_rate
    if isinstance(learning_rate, bool) or not isinstance(learning_rate, (int, float, np.floating, np.integer)):
        raise TypeError(f"learning_rate must be a number or a schedule (callable iteration -> lr), "
                        f"got {learning_rate!r} of type {type(learning_rate).__name__}")
    if not math.isfinite(learning_rate) or learning_rate < 0:
        raise ValueError(f"learning_rate must be a finite number >= 0, got {learning_rate!r}; "
                         f"typical values are 1e-3 (Adam) to 0.1 (SGD)")
    return float(learning_rate)


def _check_in_range(name, value, low, high, *, low_closed=True, high_closed=False, hint=""):
    ok_low = value >= low if low_closed else value > low
    ok_high = value <= high if high_closed else value < high
    if not (isinstance(value, (int, float, np.floating, np.integer)) and math.isfinite(value) and ok_low and ok_high):
        interval = f"{'[' if low_closed else '('}{low}, {high}{']' if high_closed else ')'}"
        raise ValueError(f"{name} must be in {interval}, got {value!r}{hint}")
    return float(value)


def _check_nonnegative(name, value):
    return _check_in_range(name, value, 0.0, math.inf, hint="")


def _check_positive(name, value):
    return _check_in_range(name, value, 0.0, math.inf, low_closed=False, hint="")


# --------------------------------------------------------------------------------------------------
# SGD with optional momentum, Nesterov momentum and L2 weight decay
# --------------------------------------------------------------------------------------------------
class SGDState(NamedTuple):
    """State of :func:`sgd_update` for one parameter.

    Attributes
    ----------
    momentum_buffer : ndarray, same shape as the parameter, or None
        The velocity ``b`` (None when momentum is 0).
    scratch : ndarray, same shape as the parameter
        Work space, holds no information between steps.
    """
    momentum_buffer: np.ndarray | None
    scratch: np.ndarray


def sgd_init(param, momentum=0.0):
    """Zero state for :func:`sgd_update` in the dtype of ``param``."""
    buffer = np.zeros_like(param) if momentum else None
    return SGDState(buffer, np.empty_like(param))


def sgd_update(param, grad, state, *, learning_rate, momentum=0.0, nesterov=False, weight_decay=0.0):
    """One SGD step, in place on ``param`` and ``state``.

    Parameters
    ----------
    param : ndarray, any shape
        Updated in place.
    grad : ndarray, same shape as ``param``
        Gradient of the loss at ``param``; not modified.
    state : SGDState
        From :func:`sgd_init` or the previous call; its arrays are updated in place.
    learning_rate, momentum, weight_decay : float
    nesterov : bool

    Returns
    -------
    SGDState
        The (same, updated) state.

    Notes
    -----
    With gradient :math:`g_t`, momentum :math:`\\mu`, learning rate :math:`\\eta`, weight decay :math:`\\lambda`
    (PyTorch's form, buffer :math:`b_0 = 0` so that :math:`b_1 = g_1`):

    .. math::

        g_t &\\leftarrow g_t + \\lambda \\theta_{t-1} \\\\
        b_t &= \\mu b_{t-1} + g_t \\\\
        d_t &= g_t + \\mu b_t \\ \\text{(Nesterov)} \\quad\\text{or}\\quad d_t = b_t \\\\
        \\theta_t &= \\theta_{t-1} - \\eta d_t
    """
    direction = grad
    scratch = state.scratch
    if weight_decay:
        direction = np.multiply(param, weight_decay, out=scratch)
        direction += grad
    if momentum:
        buffer = state.momentum_buffer
        buffer *= momentum
        buffer += direction
        if nesterov:
            # theta -= lr * (g + mu * b), as two in-place subtractions since scratch may already hold g
            np.multiply(direction, learning_rate, out=scratch)
            param -= scratch
            np.multiply(buffer, learning_rate * momentum, out=scratch)
            param -= scratch
            return state
        direction = buffer
    np.multiply(direction, learning_rate, out=scratch)
    param -= scratch
    return state


# --------------------------------------------------------------------------------------------------
# Adagrad
# --------------------------------------------------------------------------------------------------
class AdagradState(NamedTuple):
    """State of :func:`adagrad_update`: ``sum_of_squares`` (running sum of g^2) and a ``scratch`` buffer."""
    sum_of_squares: np.ndarray
    scratch: np.ndarray


def adagrad_init(param, initial_accumulator_value=0.0):
    """State for :func:`adagrad_update`, the sum of squares filled with ``initial_accumulator_value``."""
    return AdagradState(np.full_like(param, initial_accumulator_value), np.empty_like(param))


def adagrad_update(param, grad, state, *, learning_rate, epsilon=1e-10):
    """One Adagrad step, in place on ``param`` and ``state`` (see :class:`Adagrad` for the equations)."""
    sum_of_squares, scratch = state.sum_of_squares, state.scratch
    np.multiply(grad, grad, out=scratch)
    sum_of_squares += scratch                                # G_t = G_{t-1} + g_t^2
    np.sqrt(sum_of_squares, out=scratch)
    scratch += epsilon                                       # sqrt(G_t) + eps
    np.divide(grad, scratch, out=scratch)
    scratch *= learning_rate
    param -= scratch                                         # theta -= lr * g / (sqrt(G) + eps)
    return state


# --------------------------------------------------------------------------------------------------
# RMSprop
# --------------------------------------------------------------------------------------------------
class RMSpropState(NamedTuple):
    """State of :func:`rmsprop_update`.

    Attributes
    ----------
    square_avg : ndarray
        Running average of g^2.
    grad_avg : ndarray or None
        Running average of g (only when ``centered``).
    momentum_buffer : ndarray or None
        Only when ``momentum > 0``.
    scratch : ndarray
        Work space.
    """
    square_avg: np.ndarray
    grad_avg: np.ndarray | None
    momentum_buffer: np.ndarray | None
    scratch: np.ndarray


def rmsprop_init(param, momentum=0.0, centered=False):
    """Zero state for :func:`rmsprop_update`."""
    return RMSpropState(np.zeros_like(param),
                        np.zeros_like(param) if centered else None,
                        np.zeros_like(param) if momentum else None,
                        np.empty_like(param))


def rmsprop_update(param, grad, state, *, learning_rate, rho=0.99, epsilon=1e-8, momentum=0.0, centered=False,
                   eps_inside_sqrt=False):
    """One RMSprop step, in place on ``param`` and ``state`` (see :class:`RMSprop` for the equations).

    ``eps_inside_sqrt=True`` divides by :math:`\\sqrt{v + \\epsilon}` (Keras) instead of :math:`\\sqrt v + \\epsilon`.
    """
    square_avg, grad_avg, buffer, scratch = state
    np.multiply(grad, grad, out=scratch)
    scratch *= 1.0 - rho
    square_avg *= rho
    square_avg += scratch                                    # v = rho v + (1 - rho) g^2
    if centered:
        np.multiply(grad, 1.0 - rho, out=scratch)
        grad_avg *= rho
        grad_avg += scratch                                  # m = rho m + (1 - rho) g
        np.multiply(grad_avg, grad_avg, out=scratch)
        np.subtract(square_avg, scratch, out=scratch)        # v - m^2
    else:
        scratch[...] = square_avg                            # v
    if eps_inside_sqrt:
        scratch += epsilon
        np.sqrt(scratch, out=scratch)                        # sqrt(. + eps)
    else:
        np.sqrt(scratch, out=scratch)
        scratch += epsilon                                   # sqrt(.) + eps
    np.divide(grad, scratch, out=scratch)                    # g / (sqrt(.) + eps)
    if momentum:
        buffer *= momentum
        buffer += scratch                                    # b = mu b + g / (sqrt(.) + eps)
        np.multiply(buffer, learning_rate, out=scratch)
    else:
        scratch *= learning_rate
    param -= scratch
    return state


# --------------------------------------------------------------------------------------------------
# Adam (and AMSGrad)
# --------------------------------------------------------------------------------------------------
class AdamState(NamedTuple):
    """State of :func:`adam_update`.

    Attributes
    ----------
    m : ndarray
        First-moment estimate (running mean of g).
    v : ndarray
        Second-moment estimate (running mean of g^2).
    v_max : ndarray or None
        Largest ``v`` seen so far (only with ``amsgrad``).
    scratch : ndarray
        Work space.
    """
    m: np.ndarray
    v: np.ndarray
    v_max: np.ndarray | None
    scratch: np.ndarray


def adam_init(param, amsgrad=False):
    """Zero state for :func:`adam_update`."""
    return AdamState(np.zeros_like(param), np.zeros_like(param),
                     np.zeros_like(param) if amsgrad else None, np.empty_like(param))


def bias_correction(beta, t):
    """``1 - beta**t``: divides a zero-initialised running mean after ``t`` steps to unbias it."""
    return 1.0 - beta ** t


def adam_update(param, grad, state, *, learning_rate, t, beta_1=0.9, beta_2=0.999, epsilon=1e-8, amsgrad=False,
                weight_decay=0.0, epsilon_hat=False):
    """One Adam step number ``t`` (1 for the first), in place on ``param`` and ``state``.

    See :class:`Adam` for the equations. ``weight_decay`` is the *coupled* kind (an L2 term ``weight_decay *
    param`` added to the gradient, as ``torch.optim.Adam``'s); see :func:`adamw_update` for the decoupled kind.
    ``epsilon_hat=True`` adds epsilon to the uncorrected root, as Keras does.
    """
    if weight_decay:
        grad = grad + weight_decay * param                   # a new array: grad itself is not modified
    m, v, scratch = state.m, state.v, state.scratch
    np.multiply(grad, 1.0 - beta_1, out=scratch)
    m *= beta_1
    m += scratch                                             # m = beta_1 m + (1 - beta_1) g
    np.multiply(grad, grad, out=scratch)
    scratch *= 1.0 - beta_2
    v *= beta_2
    v += scratch                                             # v = beta_2 v + (1 - beta_2) g^2
    if amsgrad:
        np.maximum(state.v_max, v, out=state.v_max)
        v = state.v_max
    np.sqrt(v, out=scratch)
    if epsilon_hat:
        scratch += epsilon
        scratch /= math.sqrt(bias_correction(beta_2, t))     # (sqrt(v) + eps_hat) / sqrt(1 - beta_2^t)
    else:
        scratch /= math.sqrt(bias_correction(beta_2, t))
        scratch += epsilon                                   # sqrt(v_hat) + eps
    np.divide(m, scratch, out=scratch)
    scratch *= learning_rate / bias_correction(beta_1, t)    # m_hat / (sqrt(v_hat) + eps) * lr
    param -= scratch
    return state


def adamw_update(param, grad, state, *, learning_rate, t, weight_decay, beta_1=0.9, beta_2=0.999, epsilon=1e-8,
                 amsgrad=False, epsilon_hat=False):
    """One AdamW step number ``t``: shrink ``param`` by ``1 - learning_rate * weight_decay``, then take the
    Adam step with the plain gradient; in place on ``param`` and ``state``. See :class:`AdamW` for the equations."""
    if weight_decay:
        param *= 1.0 - learning_rate * weight_decay
    return adam_update(param, grad, state, learning_rate=learning_rate, t=t, beta_1=beta_1, beta_2=beta_2,
                       epsilon=epsilon, amsgrad=amsgrad, epsilon_hat=epsilon_hat)


# --------------------------------------------------------------------------------------------------
# The classes: per-parameter state, schedules, clipping
# --------------------------------------------------------------------------------------------------
class Optimizer:
    """Base class: keeps one state per parameter position, the iteration count, the schedule and clipping.

    Subclasses define ``_init_state(param)`` and ``_update(param, grad, state, learning_rate, t)``.

    Parameters
    ----------
    learning_rate : float or callable
        A number >= 0, or a schedule ``iteration -> learning rate`` (see gdkit.schedules), called once per
        step with the number of steps already taken.
    clipnorm : float or None
        If set, the gradients are rescaled in place so that their *global* norm (over all arrays of the
        step, Keras's ``global_clipnorm``, torch's ``clip_grad_norm_``) is at most ``clipnorm``.
    clipvalue : float or None
        If set, every gradient entry is clipped in place to ``[-clipvalue, clipvalue]``.
    """

    def __init__(self, learning_rate, *, clipnorm=None, clipvalue=None):
        self.learning_rate = _check_learning_rate(learning_rate)
        self.clipnorm = None if clipnorm is None else _check_positive("clipnorm", clipnorm)
        self.clipvalue = None if clipvalue is None else _check_positive("clipvalue", clipvalue)
        self.iterations = 0
        self.state = {}

    def _hyperparameters(self):
        return {"learning_rate": self.learning_rate}

    def __repr__(self):
        items = dict(self._hyperparameters())
        if self.clipnorm is not None:
            items["clipnorm"] = self.clipnorm
        if self.clipvalue is not None:
            items["clipvalue"] = self.clipvalue
        return f"{type(self).__name__}({', '.join(f'{k}={v!r}' for k, v in items.items())})"

    def reset(self):
        """Forget all state and set ``iterations`` back to 0."""
        self.iterations = 0
        self.state = {}

    def current_learning_rate(self):
        """The learning rate the next step will use (the schedule evaluated at ``iterations``)."""
        if not callable(self.learning_rate):
            return self.learning_rate
        lr = float(self.learning_rate(self.iterations))
        if not math.isfinite(lr) or lr < 0:
            raise ValueError(f"the learning-rate schedule {self.learning_rate!r} returned {lr!r} at iteration "
                             f"{self.iterations}; it must return a finite number >= 0")
        return lr

    def step(self, params, grads):
        """Update every array of ``params`` in place from the matching array of ``grads``.

        Parameters
        ----------
        params : list of ndarray (floating dtype)
            Updated in place; the same list (same order, same shapes) must be passed at every step.
        grads : list of ndarray, same shapes as ``params``
            Not modified, except when ``clipnorm``/``clipvalue`` is set (clipped in place).
        """
        if len(params) != len(grads):
            raise ValueError(f"step() got {len(params)} parameter arrays but {len(grads)} gradient arrays; "
                             f"pass one gradient per parameter, in the same order")
        for i, (param, grad) in enumerate(zip(params, grads)):
            if not isinstance(param, np.ndarray) or param.dtype.kind != "f":
                raise TypeError(f"parameter {i} must be a floating-point ndarray (it is updated in place), got "
                                f"{type(param).__name__} {getattr(param, 'dtype', '')}; convert it with "
                                f"np.asarray(p, dtype=float) once, before training")
            if np.shape(grad) != param.shape:
                raise ValueError(f"gradient {i} has shape {np.shape(grad)} but parameter {i} has shape "
                                 f"{param.shape}; they must match")
        if self.clipvalue is not None:
            clip_by_value(grads, self.clipvalue)
        if self.clipnorm is not None:
            clip_by_global_norm(grads, self.clipnorm)
        learning_rate = self.current_learning_rate()
        t = self.iterations + 1
        for i, (param, grad) in enumerate(zip(params, grads)):
            state = self.state.get(i)
            if state is None:
                state = self._init_state(param)
            elif state.scratch.shape != param.shape or state.scratch.dtype != param.dtype:
                raise ValueError(f"parameter {i} is now {param.shape} {param.dtype} but the optimizer's state "
                                 f"was built for {state.scratch.shape} {state.scratch.dtype}; call reset() "
                                 f"or use a new optimizer for a different model")
            self.state[i] = self._update(param, grad, state, learning_rate, t)
        self.iterations = t


class SGD(Optimizer):
    """Stochastic gradient descent, with optional (Nesterov) momentum and L2 weight decay.

    Parameters
    ----------
    learning_rate : float or callable, default 0.01
    momentum : float in [0, 1), default 0.0
    nesterov : bool, default False
        Requires ``momentum > 0``.
    weight_decay : float >= 0, default 0.0
        L2 penalty coefficient added to the gradient (PyTorch's coupled weight decay).
    clipnorm, clipvalue : float or None
        See :class:`Optimizer`.

    Notes
    -----
    PyTorch's equations, with the buffer starting at :math:`b_0 = 0` (so :math:`b_1 = g_1`):

    .. math::

        g_t &\\leftarrow \\nabla L(\\theta_{t-1}) + \\lambda \\theta_{t-1} \\\\
        b_t &= \\mu b_{t-1} + g_t \\\\
        \\theta_t &= \\theta_{t-1} - \\eta\\, b_t
        \\qquad\\text{(Nesterov: } \\theta_t = \\theta_{t-1} - \\eta\\,(g_t + \\mu b_t)\\text{)}

    Other texts write momentum as a velocity that already contains the learning rate, Sutskever et al.
    (2013) and Keras: :math:`v_t = \\mu v_{t-1} - \\eta g_t`, :math:`\\theta_t = \\theta_{t-1} + v_t`. With a
    constant learning rate the two give the same iterates (:math:`v_t = -\\eta b_t`); they differ when the
    learning rate changes during training (here a new rate also rescales the accumulated velocity).
    Keras's Nesterov step, :math:`\\theta_t = \\theta_{t-1} + \\mu v_t - \\eta g_t`, is the same as this one.
    """

    def __init__(self, learning_rate=0.01, momentum=0.0, nesterov=False, weight_decay=0.0, *,
                 clipnorm=None, clipvalue=None):
        super().__init__(learning_rate, clipnorm=clipnorm, clipvalue=clipvalue)
        self.momentum = _check_in_range("momentum", momentum, 0.0, 1.0,
                                        hint="; 0 means plain SGD, 0.9 is the usual choice")
        if nesterov and self.momentum == 0:
            raise ValueError(f"nesterov=True needs momentum > 0, got momentum={momentum!r}; "
                             f"set momentum=0.9, say")
        self.nesterov = bool(nesterov)
        self.weight_decay = _check_nonnegative("weight_decay", weight_decay)

    def _hyperparameters(self):
        return {"learning_rate": self.learning_rate, "momentum": self.momentum, "nesterov": self.nesterov,
                "weight_decay": self.weight_decay}

    def _init_state(self, param):
        return sgd_init(param, self.momentum)

    def _update(self, param, grad, state, learning_rate, t):
        return sgd_update(param, grad, state, learning_rate=learning_rate, momentum=self.momentum,
                          nesterov=self.nesterov, weight_decay=self.weight_decay)


class Momentum(SGD):
    """SGD with heavy-ball momentum, ``momentum=0.9`` by default (see :class:`SGD` for the equations)."""

    def __init__(self, learning_rate=0.01, momentum=0.9, weight_decay=0.0, *, clipnorm=None, clipvalue=None):
        super().__init__(learning_rate, momentum, False, weight_decay, clipnorm=clipnorm, clipvalue=clipvalue)


class Nesterov(SGD):
    """SGD with Nesterov momentum, ``momentum=0.9`` by default (see :class:`SGD` for the equations)."""

    def __init__(self, learning_rate=0.01, momentum=0.9, weight_decay=0.0, *, clipnorm=None, clipvalue=None):
        super().__init__(learning_rate, momentum, True, weight_decay, clipnorm=clipnorm, clipvalue=clipvalue)


class Adagrad(Optimizer):
    """Adagrad: each coordinate's step is divided by the root of its summed squared gradients.

    Parameters
    ----------
    learning_rate : float or callable, default 0.01
    initial_accumulator_value : float >= 0, default 0.0
    epsilon : float > 0, default 1e-10
    clipnorm, clipvalue : float or None

    Notes
    -----
    PyTorch's equations (:math:`G_0` = ``initial_accumulator_value``):

    .. math::

        G_t &= G_{t-1} + g_t^2 \\\\
        \\theta_t &= \\theta_{t-1} - \\eta \\, \\frac{g_t}{\\sqrt{G_t} + \\epsilon}

    Keras starts the accumulator at 0.1 and uses epsilon=1e-7; Duchi et al. and many texts write
    :math:`\\epsilon` inside the root, :math:`\\sqrt{G_t + \\epsilon}`.
    """

    def __init__(self, learning_rate=0.01, initial_accumulator_value=0.0, epsilon=1e-10, *,
                 clipnorm=None, clipvalue=None):
        super().__init__(learning_rate, clipnorm=clipnorm, clipvalue=clipvalue)
        self.initial_accumulator_value = _check_nonnegative("initial_accumulator_value", initial_accumulator_value)
        self.epsilon = _check_positive("epsilon", epsilon)

    def _hyperparameters(self):
        return {"learning_rate": self.learning_rate,
                "initial_accumulator_value": self.initial_accumulator_value, "epsilon": self.epsilon}

    def _init_state(self, param):
        return adagrad_init(param, self.initial_accumulator_value)

    def _update(self, param, grad, state, learning_rate, t):
        return adagrad_update(param, grad, state, learning_rate=learning_rate, epsilon=self.epsilon)


class RMSprop(Optimizer):
    """RMSprop: divide the step by a running root-mean-square of the gradients.

    Parameters
    ----------
    learning_rate : float or callable, default 0.01
    rho : float in [0, 1), default 0.99
        Decay of the running average (PyTorch calls it ``alpha``).
    epsilon : float > 0, default 1e-8
    momentum : float in [0, 1), default 0.0
    centered : bool, default False
        Divide by an estimate of the gradient's standard deviation instead of its root mean square.
    clipnorm, clipvalue : float or None

    Notes
    -----
    PyTorch's equations (all running averages start at 0):

    .. math::

        v_t &= \\rho v_{t-1} + (1 - \\rho) g_t^2 \\\\
        m_t &= \\rho m_{t-1} + (1 - \\rho) g_t, \\quad \\tilde v_t = v_t - m_t^2
              \\quad\\text{(centered; otherwise } \\tilde v_t = v_t\\text{)} \\\\
        b_t &= \\mu b_{t-1} + \\frac{g_t}{\\sqrt{\\tilde v_t} + \\epsilon} \\\\
        \\theta_t &= \\theta_{t-1} - \\eta\\, b_t
              \\quad\\text{(without momentum: } \\theta_t = \\theta_{t-1} - \\eta\\,\\frac{g_t}{\\sqrt{\\tilde v_t}
              + \\epsilon}\\text{)}

    Keras uses rho=0.9, epsilon=1e-7, defaults to learning_rate=0.001 and puts :math:`\\epsilon` inside the root,
    :math:`g_t / \\sqrt{\\tilde v_t + \\epsilon}` (``eps_inside_sqrt=True``, which ``optimizer="rmsprop"`` by name
    uses); Hinton's lecture slides use rho=0.9. With its epsilon 1e-7 inside the root, Keras's denominator never
    falls below :math:`\\sqrt{10^{-7}} \\approx 3.2 \\times 10^{-4}`, so parameters with tiny gradients take much
    smaller steps than with PyTorch's form.
    """

    def __init__(self, learning_rate=0.01, rho=0.99, epsilon=1e-8, momentum=0.0, centered=False, *,
                 eps_inside_sqrt=False, clipnorm=None, clipvalue=None):
        super().__init__(learning_rate, clipnorm=clipnorm, clipvalue=clipvalue)
        self.rho = _check_in_range("rho", rho, 0.0, 1.0, hint="; 0.9 or 0.99 are usual")
        self.epsilon = _check_positive("epsilon", epsilon)
        self.momentum = _check_in_range("momentum", momentum, 0.0, 1.0)
        self.centered = bool(centered)
        self.eps_inside_sqrt = bool(eps_inside_sqrt)

    def _hyperparameters(self):
        items = {"learning_rate": self.learning_rate, "rho": self.rho, "epsilon": self.epsilon,
                 "momentum": self.momentum, "centered": self.centered}
        return {**items, "eps_inside_sqrt": True} if self.eps_inside_sqrt else items

    def _init_state(self, param):
        return rmsprop_init(param, self.momentum, self.centered)

    def _update(self, param, grad, state, learning_rate, t):
        return rmsprop_update(param, grad, state, learning_rate=learning_rate, rho=self.rho,
                              epsilon=self.epsilon, momentum=self.momentum, centered=self.centered,
                              eps_inside_sqrt=self.eps_inside_sqrt)


class Adam(Optimizer):
    """Adam: momentum on the gradient, divided by a running root-mean-square, both bias-corrected.

    Parameters
    ----------
    learning_rate : float or callable, default 0.001
    beta_1 : float in [0, 1), default 0.9
    beta_2 : float in [0, 1), default 0.999
    epsilon : float > 0, default 1e-8
    amsgrad : bool, default False
        Use the largest second-moment estimate seen so far (Reddi et al., 2018), as PyTorch does.
    weight_decay : float >= 0, default 0.0
        Coupled weight decay, an L2 penalty: :math:`\\lambda \\theta` is added to the gradient before the
        moments, as in ``torch.optim.Adam``. Under Adam this is *not* a uniform shrinkage of the weights (the
        term is divided by :math:`\\sqrt{\\hat v_t}` with the rest of the gradient); :class:`AdamW` is.
    clipnorm, clipvalue : float or None

    Notes
    -----
    PyTorch's equations (Kingma & Ba, Algorithm 1), step :math:`t = 1, 2, \\ldots`, :math:`m_0 = v_0 = 0`,
    :math:`g_t = \\nabla L(\\theta_{t-1}) + \\lambda \\theta_{t-1}`:

    .. math::

        m_t &= \\beta_1 m_{t-1} + (1 - \\beta_1) g_t \\\\
        v_t &= \\beta_2 v_{t-1} + (1 - \\beta_2) g_t^2 \\\\
        \\hat m_t &= \\frac{m_t}{1 - \\beta_1^t}, \\quad \\hat v_t = \\frac{v_t}{1 - \\beta_2^t} \\\\
        \\theta_t &= \\theta_{t-1} - \\eta \\, \\frac{\\hat m_t}{\\sqrt{\\hat v_t} + \\epsilon}

    (AMSGrad replaces :math:`v_t` by :math:`\\max(v_{\\max}, v_t)` before the correction.)
    Keras instead folds the corrections into the learning rate,
    :math:`\\theta_t = \\theta_{t-1} - \\eta \\frac{\\sqrt{1-\\beta_2^t}}{1-\\beta_1^t} \\frac{m_t}{\\sqrt{v_t} +
    \\hat\\epsilon}` with its "epsilon hat" :math:`\\hat\\epsilon` = 1e-7 added to the *uncorrected* root
    (``epsilon_hat=True``, which ``optimizer="adam"`` by name uses); the two agree except in the first steps
    when :math:`\\sqrt{v_t}` is comparable to epsilon.
    """

    def __init__(self, learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-8, amsgrad=False, weight_decay=0.0,
                 *, epsilon_hat=False, clipnorm=None, clipvalue=None):
        super().__init__(learning_rate, clipnorm=clipnorm, clipvalue=clipvalue)
        self.beta_1 = _check_in_range("beta_1", beta_1, 0.0, 1.0, hint="; the usual value is 0.9")
        self.beta_2 = _check_in_range("beta_2", beta_2, 0.0, 1.0, hint="; the usual value is 0.999")
        self.epsilon = _check_positive("epsilon", epsilon)
        self.amsgrad = bool(amsgrad)
        self.weight_decay = _check_nonnegative("weight_decay", weight_decay)
        self.epsilon_hat = bool(epsilon_hat)

    def _hyperparameters(self):
        items = {"learning_rate": self.learning_rate, "beta_1": self.beta_1, "beta_2": self.beta_2,
                 "epsilon": self.epsilon, "amsgrad": self.amsgrad}
        if self.weight_decay or isinstance(self, AdamW):
            items["weight_decay"] = self.weight_decay
        if self.epsilon_hat:
            items["epsilon_hat"] = True
        return items

    def _init_state(self, param):
        return adam_init(param, self.amsgrad)

    def _update(self, param, grad, state, learning_rate, t):
        return adam_update(param, grad, state, learning_rate=learning_rate, t=t, beta_1=self.beta_1,
                           beta_2=self.beta_2, epsilon=self.epsilon, amsgrad=self.amsgrad,
                           weight_decay=self.weight_decay, epsilon_hat=self.epsilon_hat)


class AdamW(Adam):
    """Adam with decoupled weight decay (Loshchilov & Hutter, 2019), as ``torch.optim.AdamW``.

    Parameters
    ----------
    learning_rate : float or callable, default 0.001
    beta_1, beta_2, epsilon, amsgrad : see :class:`Adam`
    weight_decay : float >= 0, default 0.01
        PyTorch's default (Keras's, used when the optimizer is chosen by the name ``"adamw"``, is 0.004). Every
        parameter array passed to ``step`` is decayed, biases included, as with one torch parameter group.
    clipnorm, clipvalue : float or None

    Notes
    -----
    Each step first shrinks the weights, then takes an Adam step with the plain loss gradient :math:`g_t`:

    .. math::

        \\theta_{t-1} &\\leftarrow (1 - \\eta \\lambda)\\, \\theta_{t-1} \\\\
        m_t, v_t, \\hat m_t, \\hat v_t &\\ \\text{as in Adam, from } g_t \\\\
        \\theta_t &= \\theta_{t-1} - \\eta \\, \\frac{\\hat m_t}{\\sqrt{\\hat v_t} + \\epsilon}

    With a schedule, :math:`\\eta` is the scheduled rate of the step (the decay follows the schedule too).

    **How this differs from an L2 penalty under Adam.** An L2 penalty :math:`\\tfrac{\\lambda}{2}\\|\\theta\\|^2`
    (``Adam(weight_decay=lam)`` or a ``kernel_regularizer``) adds :math:`\\lambda \\theta` to the gradient, and
    Adam then divides the sum by :math:`\\sqrt{\\hat v_t}`: a weight whose loss gradients are large (large
    :math:`\\hat v_t`) is barely decayed, one with tiny gradients is decayed hard, and the decay term also
    inflates :math:`\\hat v_t`. With plain SGD the two are the same thing (:math:`\\theta - \\eta(g + \\lambda
    \\theta) = (1 - \\eta\\lambda)\\theta - \\eta g`), which is why "L2" and "weight decay" are used
    interchangeably; under Adam only the decoupled form shrinks every weight by the same factor
    :math:`1 - \\eta\\lambda` per step. The :math:`\\lambda` values of the two are not comparable and are tuned
    separately.
    """

    def __init__(self, learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-8, amsgrad=False,
                 weight_decay=0.01, *, epsilon_hat=False, clipnorm=None, clipvalue=None):
        super().__init__(learning_rate, beta_1, beta_2, epsilon, amsgrad, weight_decay, epsilon_hat=epsilon_hat,
                         clipnorm=clipnorm, clipvalue=clipvalue)

    def _update(self, param, grad, state, learning_rate, t):
        return adamw_update(param, grad, state, learning_rate=learning_rate, t=t, weight_decay=self.weight_decay,
                            beta_1=self.beta_1, beta_2=self.beta_2, epsilon=self.epsilon, amsgrad=self.amsgrad,
                            epsilon_hat=self.epsilon_hat)


# --------------------------------------------------------------------------------------------------
# String registry
# --------------------------------------------------------------------------------------------------
OPTIMIZERS = {"sgd": SGD, "momentum": Momentum, "nesterov": Nesterov, "adagrad": Adagrad,
              "rmsprop": RMSprop, "adam": Adam, "adamw": AdamW}


KERAS_DEFAULTS = {
    "rmsprop": {"learning_rate": 0.001, "rho": 0.9, "epsilon": 1e-7, "eps_inside_sqrt": True},
    "adagrad": {"learning_rate": 0.001, "initial_accumulator_value": 0.1},
    "adam": {"epsilon": 1e-7, "epsilon_hat": True},
    "adamw": {"weight_decay": 0.004, "epsilon": 1e-7, "epsilon_hat": True},
}
"""Keras's defaults for optimizers chosen by name, where they differ from the classes' (PyTorch's) defaults."""

KERAS_ONLY = ("adadelta", "adafactor", "adamax", "ftrl", "lion", "muon", "nadam", "schedulefreeadamw")
"""Optimizer names Keras 3 accepts that gdkit does not implement (an error says so)."""


def get(identifier, **kwargs):
    """Return an optimizer from an optimizer object (returned as is) or a name such as ``"adam"``.

    Parameters
    ----------
    identifier : Optimizer or str
        A name is case-insensitive: 'sgd', 'momentum', 'nesterov', 'adagrad', 'rmsprop', 'adam', 'adamw'.
        Keras's other names (:data:`KERAS_ONLY`) raise an error saying gdkit lacks them.
    **kwargs
        Passed to the optimizer's constructor when ``identifier`` is a name, e.g. ``learning_rate=0.1``.

    Notes
    -----
    A name gives Keras's optimizer, so that ``compile(optimizer="rmsprop")`` trains as in a Keras tutorial (see
    :data:`KERAS_DEFAULTS`): 'rmsprop' is ``RMSprop(learning_rate=0.001, rho=0.9, epsilon=1e-7,
    eps_inside_sqrt=True)``, 'adam' ``Adam(epsilon=1e-7, epsilon_hat=True)``, 'adamw' ``AdamW(weight_decay=0.004,
    epsilon=1e-7, epsilon_hat=True)`` and 'adagrad' ``Adagrad(learning_rate=0.001, initial_accumulator_value=0.1)``
    (whose epsilon, 1e-10 outside the root against Keras's 1e-7 inside, changes a step by less than 1e-6
    relative once the accumulator starts at 0.1). ``**kwargs`` override them. The classes themselves keep
    PyTorch's equations and defaults.
    """
    if isinstance(identifier, Optimizer):
        if kwargs:
            raise ValueError(f"keyword arguments {sorted(kwargs)} are only used with an optimizer name, "
                             f"not with the optimizer object {identifier!r}")
        return identifier
    if isinstance(identifier, str):
        key = identifier.lower()
        cls = OPTIMIZERS.get(key)
        if cls is None:
            keras = f"; Keras has {identifier!r} but gdkit does not implement it" if key in KERAS_ONLY else ""
            raise ValueError(f"unknown optimizer {identifier!r}{keras}; known names: {', '.join(OPTIMIZERS)}")
        return cls(**{**KERAS_DEFAULTS.get(key, {}), **kwargs})
    raise TypeError(f"expected an optimizer object or one of the names {', '.join(OPTIMIZERS)}, "
                    f"got {identifier!r} of type {type(identifier).__name__}")


__getattr__ = missing_name_getattr("optimizers", __all__)  # a Keras name gdkit lacks gets an error that says so
