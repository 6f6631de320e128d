"""Parts of assignment 05_momentum (chapter: momentum and adaptive methods): momentum, Nesterov, Adagrad,
RMSprop and Adam, as the in-place update rules of gdkit.optimizers with their NamedTuple states."""
import numpy as np

from ... import optimizers
from ...problems import momentum as problems_momentum
from ..core import ANSWER, Mistake, Part
from ..hooks import (adagrad_collect, adagrad_prepare, adam_collect, adam_prepare, rmsprop_collect,
                     rmsprop_prepare, sgd_collect, sgd_prepare)
from ._common import Case, normal

A = "05_momentum"


# ---- momentum and Nesterov (sgd_update with a buffer) -------------------------------------------------------------
def _momentum_cases(nesterov):
    def cases(rng, hidden):
        def case(shape, lr, mu, label, fresh=False, dtype=np.float64):
            buffer = np.zeros(shape, dtype=dtype) if fresh else normal(rng, *shape, dtype=dtype)
            kwargs = {"learning_rate": lr, "momentum": mu}
            if nesterov:
                kwargs["nesterov"] = True
            return Case((normal(rng, *shape, dtype=dtype), normal(rng, *shape, dtype=dtype), buffer), kwargs,
                        label=label)
        # every kind of case is visible (public seed); the hidden run draws the same kinds from the private seed
        return [case((3, 2), 0.1, 0.9, "a 3x2 parameter with a velocity from earlier steps"),
                case((4,), 0.05, 0.5, "momentum 0.5"), case((2, 2), 0.1, 0.9, "the first step (zero buffer)", True),
                case((3, 3), 0.01, 0.99, "momentum 0.99"), case((1,), 0.2, 0.8, "a single parameter"),
                case((2, 5), 0.1, 0.9, "float32", dtype=np.float32)]
    return cases


def _momentum_bug(buffer_rule, direction_rule):
    """An update with the given buffer rule ``(b, g, lr, mu) -> new b`` and step ``(b, g, lr, mu) -> step``."""
    def update(param, grad, state, *, learning_rate, momentum=0.0, nesterov=False, weight_decay=0.0):
        b = state.momentum_buffer
        old = b.copy()
        b[...] = buffer_rule(old, grad, learning_rate, momentum)
        param -= direction_rule(old, b, grad, learning_rate, momentum)
        return state
    return update


def _heavy_ball(old, g, lr, mu):
    return mu * old + g


_plain_step = (lambda old, b, g, lr, mu: lr * b)
_nesterov_step = (lambda old, b, g, lr, mu: lr * (g + mu * b))


def _momentum_rebind(param, grad, state, *, learning_rate, momentum=0.0, nesterov=False, weight_decay=0.0):
    velocity = momentum * state.momentum_buffer + grad
    param -= learning_rate * (grad + momentum * velocity if nesterov else velocity)
    return state  # the state still holds the old buffer


def _adagrad_rebind(param, grad, state, *, learning_rate, epsilon=1e-10):
    G = state.sum_of_squares + grad * grad  # a new array: the state keeps the old sum
    param -= learning_rate * grad / (np.sqrt(G) + epsilon)
    return state


def _rmsprop_rebind(param, grad, state, *, learning_rate, rho=0.99, epsilon=1e-8):
    v = rho * state.square_avg + (1 - rho) * grad * grad
    param -= learning_rate * grad / (np.sqrt(v) + epsilon)
    return state


def _adam_rebind(param, grad, state, *, learning_rate, t, beta_1=0.9, beta_2=0.999, epsilon=1e-8):
    m = beta_1 * state.m + (1 - beta_1) * grad
    v = beta_2 * state.v + (1 - beta_2) * grad ** 2
    param -= learning_rate * (m / (1 - beta_1 ** t)) / (np.sqrt(v / (1 - beta_2 ** t)) + epsilon)
    return state


def _uphill(reference):
    """Any update rule stepping the wrong way: the reference's step added instead of subtracted."""
    def update(param, grad, state, **kwargs):
        before = param.copy()
        reference(param, grad, state, **kwargs)
        param[...] = 2 * before - param
        return state
    return update


def _param_rebound(reference):
    """Any update rule that updates its state but rebinds param (param = param - ...): the caller's param is
    unchanged."""
    def update(param, grad, state, **kwargs):
        reference(param.copy(), grad, state, **kwargs)
        return state
    return update


def _lr_inverted(reference):
    """Any update rule that divides by the learning rate instead of multiplying."""
    def update(param, grad, state, *, learning_rate, **kwargs):
        return reference(param, grad, state, learning_rate=1.0 / learning_rate, **kwargs)
    return update


def _common_mistakes(reference, rule):
    return (
        Mistake("lr_divides", _lr_inverted(reference),
                f"your step divides by the learning rate; {rule} multiplies the step by it (param -= lr * ...)"),
        Mistake("uphill", _uphill(reference),
                f"your step goes uphill: param moved by +lr * (...) where {rule} subtracts it (param -= ...); a "
                "descent step moves against the gradient"),
        Mistake("param_rebound", _param_rebound(reference),
                "param itself was not changed: the state was updated but the parameter was not; update it in place "
                "(param -= ...): `param = param - ...` makes a new array the caller never sees"),
    )


_REBIND_TEXT = ("{name} in the state was not changed: you computed a new array ({code}) and the caller's state "
                "still holds the old one; update it in place ({fix})")

_LR_INSIDE = Mistake(
    "lr_inside", _momentum_bug(lambda old, g, lr, mu: mu * old + lr * g, lambda old, b, g, lr, mu: b),
    "you put the learning rate inside the velocity (v = mu v + lr g, param -= v); gdkit keeps it outside, as "
    "PyTorch does: b = mu b + g, then param -= lr * b")
_SUTSKEVER = Mistake(
    "sutskever", _momentum_bug(lambda old, g, lr, mu: mu * old - lr * g, lambda old, b, g, lr, mu: -b),
    "you used the Sutskever form v = mu v - lr g, param += v: the learning rate is inside the velocity and its "
    "sign is flipped; gdkit keeps b = mu b + g in the buffer and steps param -= lr * b")
_NEGATED = Mistake(
    "negated", _momentum_bug(lambda old, g, lr, mu: mu * old - g, lambda old, b, g, lr, mu: -lr * b),
    "your velocity has the opposite sign (v = mu v - g, param += lr v): the parameter is right but the buffer "
    "gdkit keeps is b = mu b + g")
_REBIND = Mistake(
    "rebind", _momentum_rebind,
    "the momentum buffer in the state was not changed: you returned a new array instead of updating "
    "state.momentum_buffer in place (b *= mu; b += g)")

# ---- adaptive methods ---------------------------------------------------------------------------------------------
def _adaptive_cases(state_of, extra_kwargs):
    def cases(rng, hidden):
        def case(shape, kwargs, label, fresh=False, grad_scale=1.0, dtype=np.float64):
            param, grad = normal(rng, *shape, dtype=dtype), normal(rng, *shape, scale=grad_scale, dtype=dtype)
            return Case((param, grad) + state_of(rng, shape, fresh, dtype), {**extra_kwargs(0), **kwargs},
                        label=label)
        # every kind of case is visible (public seed); the hidden run draws the same kinds from the private seed
        return [case((3, 2), extra_kwargs(1), "a 3x2 parameter, a state from earlier steps"),
                case((2, 3), {**extra_kwargs(3), "epsilon": 0.1}, "a large epsilon"),
                case((4,), extra_kwargs(2), "the first step (zero state)", fresh=True),
                case((3, 3), extra_kwargs(4), "tiny gradients", grad_scale=1e-6),
                case((5, 2), extra_kwargs(0), "large gradients", grad_scale=1e3),
                case((2, 2), extra_kwargs(5), "float32", dtype=np.float32),
                _zero_gradient(case((3, 2), extra_kwargs(2), "gradients exactly 0 on a fresh state", fresh=True))]
    return cases


def _zero_gradient(case):
    """Some coordinates whose gradient is exactly 0 from the first step on (0 / 0 without epsilon)."""
    case.args[1][::2] = 0.0
    return case


def _square_state(rng, shape, fresh, dtype):
    return (np.zeros(shape, dtype) if fresh else rng.uniform(0.1, 2.0, size=shape).astype(dtype),)


def _adam_state(rng, shape, fresh, dtype):
    if fresh:
        return np.zeros(shape, dtype), np.zeros(shape, dtype)
    return normal(rng, *shape, scale=0.3, dtype=dtype), rng.uniform(0.05, 1.0, size=shape).astype(dtype)


def _adagrad_kwargs(i):
    return {"learning_rate": [0.01, 0.1, 0.5, 0.05, 0.2, 0.1][i]}


def _rmsprop_kwargs(i):
    return {"learning_rate": [0.01, 0.01, 0.1, 0.05, 0.001, 0.02][i], "rho": [0.99, 0.9, 0.99, 0.8, 0.9, 0.95][i]}


def _adam_kwargs(i):
    return {"learning_rate": [0.001, 0.01, 0.1, 0.05, 0.001, 0.01][i], "t": [1, 5, 1, 3, 2, 10][i],
            "beta_1": [0.9, 0.9, 0.8, 0.9, 0.5, 0.9][i], "beta_2": [0.999, 0.999, 0.99, 0.9, 0.999, 0.999][i]}


def _adagrad_bug(accumulate, step):
    def update(param, grad, state, *, learning_rate, epsilon=1e-10):
        G = state.sum_of_squares
        G[...] = accumulate(G, grad)
        param -= learning_rate * step(G, grad, epsilon)
        return state
    return update


def _rmsprop_bug(average, step):
    def update(param, grad, state, *, learning_rate, rho=0.99, epsilon=1e-8):
        v = state.square_avg
        v[...] = average(v, grad, rho)
        param -= learning_rate * step(v, grad, epsilon)
        return state
    return update


def _adam_bug(*, correct=True, eps_inside=False, store_corrected=False, t_shift=0, swap=False, v_linear=False,
              correct_m=True, correct_v=True, power_outside=False, stale=False, unweighted=False, no_epsilon=False,
              epsilon_hat=False, no_sqrt=False, fixed_t=False):
    def update(param, grad, state, *, learning_rate, t, beta_1=0.9, beta_2=0.999, epsilon=1e-8):
        if swap:
            beta_1, beta_2 = beta_2, beta_1
        m, v = state.m, state.v
        old_m, old_v = m.copy(), v.copy()
        w1, w2 = (1.0, 1.0) if unweighted else (1 - beta_1, 1 - beta_2)
        m[...] = beta_1 * m + w1 * grad
        v[...] = beta_2 * v + w2 * (grad if v_linear else grad ** 2)
        m_hat, v_hat = (old_m, old_v) if stale else (m, v)
        t = 1 if fixed_t else t
        bias_1, bias_2 = ((1 - beta_1) ** (t + t_shift), (1 - beta_2) ** (t + t_shift)) if power_outside else \
            (1 - beta_1 ** (t + t_shift), 1 - beta_2 ** (t + t_shift))
        if correct and correct_m:
            m_hat = m_hat / bias_1
        if correct and correct_v:
            v_hat = v_hat / bias_2
        if epsilon_hat:  # Keras: the correction folded into the step size, epsilon next to the raw sqrt(v)
            param -= learning_rate * np.sqrt(bias_2) / bias_1 * m / (np.sqrt(v) + epsilon)
            return state
        root = np.sqrt(v_hat + epsilon) if eps_inside else np.sqrt(v_hat) if no_epsilon else \
            v_hat + epsilon if no_sqrt else np.sqrt(v_hat) + epsilon
        param -= learning_rate * m_hat / root
        if store_corrected:
            m[...], v[...] = m_hat, v_hat
        return state
    return update


_EPS_OUTSIDE = (lambda v, g, eps: g / (np.sqrt(v) + eps))
_NO_EPSILON = ("without epsilon, a coordinate whose gradients were all 0 so far divides 0 by 0 (NaN): add epsilon "
               "outside the root, {root} + epsilon")


def _adagrad_epsilon_stored(param, grad, state, *, learning_rate, epsilon=1e-10):
    G = state.sum_of_squares
    G += grad * grad + epsilon
    param -= learning_rate * grad / np.sqrt(G)
    return state


def _rmsprop_old_average(param, grad, state, *, learning_rate, rho=0.99, epsilon=1e-8):
    v = state.square_avg
    param -= learning_rate * grad / (np.sqrt(v) + epsilon)
    v *= rho
    v += (1 - rho) * grad * grad
    return state


def _rmsprop_bias_corrected(param, grad, state, *, learning_rate, rho=0.99, epsilon=1e-8):
    v = state.square_avg
    v *= rho
    v += (1 - rho) * grad * grad
    param -= learning_rate * grad / (np.sqrt(v / (1 - rho)) + epsilon)
    return state
_EPS_INSIDE = (lambda v, g, eps: g / np.sqrt(v + eps))

PARTS = (
    Part(A, "test_momentum", "sgd_update", optimizers.sgd_update, _momentum_cases(False), points=3,
         forbidden=(optimizers.sgd_update,), prepare=sgd_prepare, collect=sgd_collect, rtol=1e-5,
         returns_argument=2, unchanged=(1,), names=("the updated param", "the updated state.momentum_buffer"),
         mistakes=(
             _LR_INSIDE,
             _SUTSKEVER,
             _NEGATED,
             Mistake("dampened", _momentum_bug(lambda old, g, lr, mu: mu * old + (1 - mu) * g, _plain_step),
                     "your buffer is an exponential average, b = mu b + (1 - mu) g; heavy-ball momentum adds the "
                     "whole gradient: b = mu b + g"),
             Mistake("old_buffer", _momentum_bug(_heavy_ball, lambda old, b, g, lr, mu: lr * old),
                     "the step used the old buffer; update the buffer first (b = mu b + g), then step with it"),
             Mistake("twice", _momentum_bug(_heavy_ball, lambda old, b, g, lr, mu: lr * mu * b),
                     "you applied momentum twice: the buffer b = mu b + g already carries the factor mu, so the step "
                     "is param -= lr * b, not lr * mu * b"),
             Mistake("no_momentum", _momentum_bug(_heavy_ball, lambda old, b, g, lr, mu: lr * g),
                     "the parameter step ignores the velocity: param -= lr * b, not lr * g"),
             Mistake("no_accumulation", _momentum_bug(lambda old, g, lr, mu: g, _plain_step),
                     "your buffer does not accumulate: it holds only this step's gradient (b = g, plain SGD); "
                     "heavy ball keeps b = mu b + g, the past gradients weighted by powers of mu"),
             Mistake("mu_on_gradient", _momentum_bug(lambda old, g, lr, mu: old + mu * g, _plain_step),
                     "momentum multiplies the gradient (b = b + mu g); it multiplies the OLD buffer: b = mu b + g"),
             _REBIND,
         ) + _common_mistakes(optimizers.sgd_update, "momentum")),
    Part(A, "test_nesterov", "sgd_update", optimizers.sgd_update, _momentum_cases(True), points=2,
         forbidden=(optimizers.sgd_update,), prepare=sgd_prepare, collect=sgd_collect, rtol=1e-5,
         returns_argument=2, unchanged=(1,), names=("the updated param", "the updated state.momentum_buffer"),
         mistakes=(
             Mistake("plain", _momentum_bug(_heavy_ball, _plain_step),
                     "with nesterov=True your step is plain momentum's, param -= lr (mu b_old + g) = lr b: either "
                     "nesterov=True was ignored, or your look-ahead g + mu b used the buffer from before this step "
                     "(which gives the same number). Nesterov looks ahead along the UPDATED buffer: first "
                     "b = mu b + g, then param -= lr (g + mu b)"),
             Mistake("no_mu", _momentum_bug(_heavy_ball, lambda old, b, g, lr, mu: lr * (g + b)),
                     "your look-ahead g + b misses the factor mu: Nesterov's step is param -= lr (g + mu b)"),
             Mistake("no_gradient", _momentum_bug(_heavy_ball, lambda old, b, g, lr, mu: lr * mu * b),
                     "your Nesterov step lr * mu * b misses the gradient: Nesterov steps along g + mu b (this "
                     "step's gradient plus the look-ahead along the updated buffer)"),
             Mistake("minus_lookahead", _momentum_bug(_heavy_ball, lambda old, b, g, lr, mu: lr * (g - mu * b)),
                     "your look-ahead g - mu b subtracts the velocity; Nesterov adds it: param -= lr (g + mu b)"),
             Mistake("mu_on_gradient", _momentum_bug(_heavy_ball, lambda old, b, g, lr, mu: lr * (b + mu * g)),
                     "your look-ahead b + mu g puts mu on the gradient; Nesterov's direction is g + mu b "
                     "(the gradient plus mu times the updated buffer)"),
             Mistake("stored_lookahead", _momentum_bug(lambda old, g, lr, mu: g + mu * (mu * old + g), _plain_step),
                     "you stored the look-ahead direction g + mu b in the buffer; the buffer keeps b = mu b + g, and "
                     "the look-ahead is only the direction of this step"),
             Mistake("dampened", _momentum_bug(lambda old, g, lr, mu: mu * old + (1 - mu) * g, _nesterov_step),
                     "your buffer is an exponential average, b = mu b + (1 - mu) g; heavy-ball and Nesterov momentum "
                     "add the whole gradient: b = mu b + g"),
             Mistake("buffer_not_updated", _momentum_bug(lambda old, g, lr, mu: old,
                                                         lambda old, b, g, lr, mu: lr * (g + mu * old)),
                     "with nesterov=True the buffer was not updated: update it first (b = mu b + g) for Nesterov "
                     "too, then step along g + mu b"),
             Mistake("sutskever_nesterov", _momentum_bug(lambda old, g, lr, mu: mu * old - lr * g,
                                                         lambda old, b, g, lr, mu: lr * g - mu * b),
                     "you used Sutskever's Nesterov form (v = mu v - lr g, param += mu v - lr g): the learning "
                     "rate sits inside the velocity and its sign is flipped; gdkit keeps b = mu b + g in the buffer "
                     "and steps param -= lr (g + mu b)"),
             _REBIND,
         ) + _common_mistakes(optimizers.sgd_update, "momentum")),
    Part(A, "test_adagrad", "adagrad_update", optimizers.adagrad_update,
         _adaptive_cases(_square_state, _adagrad_kwargs), points=2,
         forbidden=(optimizers.adagrad_update,), prepare=adagrad_prepare, collect=adagrad_collect, rtol=1e-5,
         returns_argument=2, unchanged=(1,), names=("the updated param", "the updated state.sum_of_squares"),
         mistakes=(
             Mistake("eps_inside", _adagrad_bug(lambda G, g: G + g * g, _EPS_INSIDE),
                     "epsilon inside the square root: gdkit (like PyTorch) divides by sqrt(G) + epsilon"),
             Mistake("no_sum", _adagrad_bug(lambda G, g: g * g, _EPS_OUTSIDE),
                     "the sum of squares does not accumulate: G = G + g^2 keeps every past gradient"),
             Mistake("old_sum", _adagrad_bug(lambda G, g: G + g * g,
                                             lambda G, g, eps: g / (np.sqrt(G - g * g) + eps)),
                     "the step used the sum of squares before adding this step's g^2; update G first"),
             Mistake("rebind", _adagrad_rebind,
                     _REBIND_TEXT.format(name="state.sum_of_squares", code="G = G + g**2", fix="G += g**2")),
             Mistake("no_square", _adagrad_bug(lambda G, g: G + g, _EPS_OUTSIDE),
                     "you accumulated the gradients, not their squares: G = G + g^2"),
             Mistake("abs", _adagrad_bug(lambda G, g: G + np.abs(g), _EPS_OUTSIDE),
                     "you accumulated |g|; Adagrad sums the SQUARED gradients: G = G + g^2"),
             Mistake("averaged", _adagrad_bug(lambda G, g: (G + g * g) / 2, _EPS_OUTSIDE),
                     "you averaged the old sum with the new square ((G + g^2) / 2); Adagrad SUMS every squared "
                     "gradient: G = G + g^2 (a decaying average is RMSprop)"),
             Mistake("no_square_abs", _adagrad_bug(lambda G, g: G + g, lambda G, g, eps: g / (np.sqrt(np.abs(G)) + eps)),
                     "you accumulated the gradients, not their squares (the abs() only hides the negative sums): "
                     "G = G + g^2"),
             Mistake("no_sqrt", _adagrad_bug(lambda G, g: G + g * g, lambda G, g, eps: g / (G + eps)),
                     "you divided by G + epsilon; divide by its square root, sqrt(G) + epsilon"),
             Mistake("no_epsilon", _adagrad_bug(lambda G, g: G + g * g, lambda G, g, eps: g / np.sqrt(G)),
                     _NO_EPSILON.format(root="sqrt(G)")),
             Mistake("epsilon_stored", _adagrad_epsilon_stored,
                     "you added epsilon into the stored sum of squares; epsilon only guards the division and stays "
                     "out of the state: G += g^2, then divide by sqrt(G) + epsilon"),
         ) + _common_mistakes(optimizers.adagrad_update, "Adagrad")),
    Part(A, "test_rmsprop", "rmsprop_update", optimizers.rmsprop_update,
         _adaptive_cases(_square_state, _rmsprop_kwargs), points=2,
         forbidden=(optimizers.rmsprop_update,), prepare=rmsprop_prepare, collect=rmsprop_collect, rtol=1e-5,
         returns_argument=2, unchanged=(1,), names=("the updated param", "the updated state.square_avg"),
         mistakes=(
             Mistake("eps_inside", _rmsprop_bug(lambda v, g, rho: rho * v + (1 - rho) * g * g, _EPS_INSIDE),
                     "epsilon inside the square root: gdkit (like PyTorch) divides by sqrt(v) + epsilon"),
             Mistake("swapped", _rmsprop_bug(lambda v, g, rho: (1 - rho) * v + rho * g * g, _EPS_OUTSIDE),
                     "rho and 1 - rho are swapped: v = rho v + (1 - rho) g^2 keeps most of the old average"),
             Mistake("adagrad", _rmsprop_bug(lambda v, g, rho: v + g * g, _EPS_OUTSIDE),
                     "you summed the squares (Adagrad); RMSprop keeps a decaying average: v = rho v + (1 - rho) g^2"),
             Mistake("no_sqrt", _rmsprop_bug(lambda v, g, rho: rho * v + (1 - rho) * g * g,
                                             lambda v, g, eps: g / (v + eps)),
                     "you divided by v + epsilon; divide by the root mean square, sqrt(v) + epsilon"),
             Mistake("no_one_minus", _rmsprop_bug(lambda v, g, rho: rho * v + g * g, _EPS_OUTSIDE),
                     "the new g^2 enters without its weight 1 - rho: v = rho v + (1 - rho) g^2 is an average, "
                     "rho v + g^2 grows to about g^2 / (1 - rho)"),
             Mistake("no_square", _rmsprop_bug(lambda v, g, rho: rho * v + (1 - rho) * g, _EPS_OUTSIDE),
                     "you averaged the gradient, not its square: v = rho v + (1 - rho) g^2"),
             Mistake("rebind", _rmsprop_rebind,
                     _REBIND_TEXT.format(name="state.square_avg", code="v = rho*v + ...",
                                         fix="v *= rho; v += (1 - rho) * g**2")),
             Mistake("old_average", _rmsprop_old_average,
                     "the step used the average from before this step; update v first (v = rho v + (1 - rho) g^2), "
                     "then divide by sqrt(v) + epsilon"),
             Mistake("bias_corrected", _rmsprop_bias_corrected,
                     "you bias-corrected v like Adam (v / (1 - rho)); RMSprop divides by the root of the average "
                     "itself, sqrt(v) + epsilon"),
             Mistake("no_epsilon", _rmsprop_bug(lambda v, g, rho: rho * v + (1 - rho) * g * g,
                                                lambda v, g, eps: g / np.sqrt(v)),
                     _NO_EPSILON.format(root="sqrt(v)")),
         ) + _common_mistakes(optimizers.rmsprop_update, "RMSprop")),
    Part(A, "test_adam", "adam_update", optimizers.adam_update, _adaptive_cases(_adam_state, _adam_kwargs),
         points=3, forbidden=(optimizers.adam_update, optimizers.bias_correction), prepare=adam_prepare,
         collect=adam_collect, rtol=1e-5, returns_argument=2, unchanged=(1,),
         names=("the updated param", "the updated state.m", "the updated state.v"),
         mistakes=(
             Mistake("no_correction", _adam_bug(correct=False),
                     "Adam without bias correction: divide m by 1 - beta_1^t and v by 1 - beta_2^t"),
             Mistake("eps_inside", _adam_bug(eps_inside=True),
                     "epsilon inside the square root: gdkit (like PyTorch) divides by sqrt(v_hat) + epsilon"),
             Mistake("stored_corrected", _adam_bug(store_corrected=True),
                     "you stored the bias-corrected m_hat and v_hat in the state; keep the raw running averages "
                     "m and v there and correct only a copy for the step"),
             Mistake("t_plus_one", _adam_bug(t_shift=1),
                     "the bias correction uses t + 1; t is already the number of this step (1 for the first)"),
             Mistake("t_minus_one", _adam_bug(t_shift=-1),
                     "the bias correction uses t - 1; t is already the number of this step (1 for the first), "
                     "so the first step divides by 1 - beta^1"),
             Mistake("rebind", _adam_rebind,
                     _REBIND_TEXT.format(name="state.m and state.v", code="m = beta_1*m + ...",
                                         fix="m *= beta_1; m += (1 - beta_1) * g, and the same for v")),
             Mistake("swapped_betas", _adam_bug(swap=True),
                     "beta_1 and beta_2 are swapped: beta_1 averages the gradient (m), beta_2 its square (v)"),
             Mistake("no_square", _adam_bug(v_linear=True),
                     "v averages the gradient, not its square: v = beta_2 v + (1 - beta_2) g^2"),
             Mistake("m_only", _adam_bug(correct_v=False),
                     "you bias-corrected only m; v is biased towards 0 too: v_hat = v / (1 - beta_2^t)"),
             Mistake("v_only", _adam_bug(correct_m=False),
                     "you bias-corrected only v; m is biased towards 0 too: m_hat = m / (1 - beta_1^t)"),
             Mistake("power_outside", _adam_bug(power_outside=True),
                     "you divided by (1 - beta)^t; the bias factor after t steps is 1 - beta^t (beta to the power "
                     "t, then subtracted from 1)"),
             Mistake("stale", _adam_bug(stale=True),
                     "the step used m and v from before this step; update them with this gradient first, then "
                     "correct and step"),
             Mistake("unweighted", _adam_bug(unweighted=True),
                     "the new gradient enters m (and g^2 enters v) without its weight 1 - beta: m = beta_1 m + "
                     "(1 - beta_1) g and v = beta_2 v + (1 - beta_2) g^2 are averages"),
             Mistake("no_epsilon", _adam_bug(no_epsilon=True), _NO_EPSILON.format(root="sqrt(v_hat)")),
             Mistake("no_sqrt", _adam_bug(no_sqrt=True),
                     "you divided by v_hat + epsilon; divide by its square root, sqrt(v_hat) + epsilon (v averages "
                     "squared gradients)"),
             Mistake("first_step_correction", _adam_bug(fixed_t=True),
                     "your bias correction uses the first step's factors 1 - beta whatever t; after t steps the "
                     "factors are 1 - beta_1^t and 1 - beta_2^t"),
             Mistake("epsilon_hat", _adam_bug(epsilon_hat=True),
                     "you folded the bias correction into the step size (Keras's form, lr sqrt(1 - beta_2^t) / "
                     "(1 - beta_1^t) times m / (sqrt(v) + epsilon)): epsilon then sits next to the raw sqrt(v); the "
                     "contract divides m_hat by sqrt(v_hat) + epsilon"),
         ) + _common_mistakes(optimizers.adam_update, "Adam")),
)


# ---- concept questions: answers computed from the student's own problem (gdkit.problems.momentum) ---------------
def _steps(rate, tolerance):
    """The smallest k with rate^k <= tolerance."""
    return int(np.ceil(np.log(tolerance) / np.log(rate)))


def _rates(student):
    p = problems_momentum.steps_problem(student)
    kappa = p.L / p.m
    return (kappa - 1) / (kappa + 1), (np.sqrt(kappa) - 1) / (np.sqrt(kappa) + 1), kappa, p.tolerance


def steps_to_tolerance(student):
    """(gradient descent at eta = 2/(m + L), heavy ball at Polyak's parameters): steps until rate^k <= tolerance."""
    gd, hb, _, tol = _rates(student)
    return (_steps(gd, tol), _steps(hb, tol))


def _steps_with(gd_rate=None, hb_rate=None, count=_steps):
    def answer(student):
        gd, hb, kappa, tol = _rates(student)
        return (count(gd_rate(kappa) if gd_rate else gd, tol), count(hb_rate(kappa) if hb_rate else hb, tol))
    return answer


def _floor_steps(rate, tolerance):
    return int(np.floor(np.log(tolerance) / np.log(rate)))


def _log10_steps(rate, tolerance):
    return int(np.ceil(np.log10(tolerance) / np.log(rate)))


def _loss_steps(rate, tolerance):
    """Counting on the loss, which falls as rate^2: half the steps."""
    return int(np.ceil(np.log(tolerance) / np.log(rate ** 2)))


def _steps_estimate(student):
    _, _, kappa, tol = _rates(student)
    return (int(np.ceil(kappa * np.log(1 / tol))), int(np.ceil(np.sqrt(kappa) * np.log(1 / tol))))


def _steps_swapped(student):
    gd, hb = steps_to_tolerance(student)
    return (hb, gd)


STEPS_MISTAKES = (
    ("swapped", _steps_swapped,
     "your two numbers are swapped: the first is plain gradient descent (the slower one), the second heavy ball"),
    ("hb_kappa", _steps_with(hb_rate=lambda k: (k - 1) / (k + 1)),
     "your heavy-ball count uses gradient descent's rate (kappa - 1)/(kappa + 1); tuned momentum converges at "
     "(sqrt(kappa) - 1)/(sqrt(kappa) + 1): the condition number enters through its square root"),
    ("gd_sqrt", _steps_with(gd_rate=lambda k: (np.sqrt(k) - 1) / (np.sqrt(k) + 1)),
     "your gradient-descent count uses momentum's rate with sqrt(kappa); plain gradient descent at eta = 2/(m + L) "
     "converges at (kappa - 1)/(kappa + 1)"),
    ("gd_one_over_L", _steps_with(gd_rate=lambda k: 1 - 1 / k),
     "your gradient-descent rate 1 - 1/kappa is that of eta = 1/L; at the best step eta = 2/(m + L) the rate is "
     "(kappa - 1)/(kappa + 1)"),
    ("hb_mu", _steps_with(hb_rate=lambda k: ((np.sqrt(k) - 1) / (np.sqrt(k) + 1)) ** 2),
     "you used Polyak's momentum coefficient mu = ((sqrt(kappa) - 1)/(sqrt(kappa) + 1))^2 as heavy ball's rate; "
     "the rate is its square root, (sqrt(kappa) - 1)/(sqrt(kappa) + 1)"),
    ("floor", _steps_with(count=_floor_steps),
     "one step short: you rounded ln(tolerance)/ln(rate) down, but after that many steps rate^k is still above the "
     "tolerance; the smallest k with rate^k <= tolerance is the ceiling"),
    ("log10", _steps_with(count=_log10_steps),
     "you mixed logarithms: log10(tolerance) over ln(rate); k = ln(tolerance) / ln(rate) (any base, the same in "
     "both)"),
    ("loss", _steps_with(count=_loss_steps),
     "you counted on the loss, which falls as rate^2 on a quadratic; the question asks for the error's norm, which "
     "falls as rate^k"),
    ("round", _steps_with(count=lambda rate, tol: int(round(np.log(tol) / np.log(rate)))),
     "you rounded ln(tolerance)/ln(rate) to the nearest whole number; the smallest k with rate^k <= tolerance is "
     "its ceiling (rounding down leaves rate^k above the tolerance)"),
    ("one_more", _steps_with(count=lambda rate, tol: _steps(rate, tol) + 1),
     "one step too many: the smallest k with rate^k <= tolerance is the ceiling of ln(tolerance)/ln(rate), "
     "without adding 1 (k counts the steps, the start is step 0)"),
    ("hb_sqrt_rate", _steps_with(hb_rate=lambda k: np.sqrt((k - 1) / (k + 1))),
     "your heavy-ball rate is the square root of gradient descent's; tuned momentum's rate is "
     "(sqrt(kappa) - 1)/(sqrt(kappa) + 1): the square root goes on the condition number, not on the rate"),
    ("estimate", _steps_estimate,
     "you used the estimate k ~ kappa ln(1/tolerance) (sqrt(kappa) ln(1/tolerance) with momentum): that is only "
     "the order of magnitude; count exactly with the rates, k = ceil(ln(tolerance) / ln(rate))"),
)


def adam_uncorrected_ratio(student):
    """Adam's step without bias correction over the corrected step at step t under a constant gradient:
    (1 - beta_1^t) / sqrt(1 - beta_2^t) (epsilon negligible)."""
    p = problems_momentum.adam_step(student)
    return (1 - p.beta_1 ** p.t) / np.sqrt(1 - p.beta_2 ** p.t)


def _adam_ratio(formula):
    def answer(student):
        p = problems_momentum.adam_step(student)
        return float(formula(p.beta_1, p.beta_2, p.t))
    return answer


ADAM_MISTAKES = (
    ("inverted", _adam_ratio(lambda b1, b2, t: np.sqrt(1 - b2 ** t) / (1 - b1 ** t)),
     "that is the corrected step over the uncorrected one; the question asks uncorrected / corrected"),
    ("no_sqrt", _adam_ratio(lambda b1, b2, t: (1 - b1 ** t) / (1 - b2 ** t)),
     "the square root is missing: the step divides by sqrt(v), so v's factor 1 - beta_2^t enters as its root"),
    ("m_only", _adam_ratio(lambda b1, b2, t: 1 - b1 ** t),
     "you counted only m's bias (1 - beta_1^t); v is biased too, and dividing by sqrt(v) makes the uncorrected "
     "step longer by 1/sqrt(1 - beta_2^t)"),
    ("v_only", _adam_ratio(lambda b1, b2, t: 1 / np.sqrt(1 - b2 ** t)),
     "you counted only v's bias; m is biased too: under a constant gradient m_t = (1 - beta_1^t) g"),
    ("first_step", _adam_ratio(lambda b1, b2, t: (1 - b1) / np.sqrt(1 - b2)),
     "that is the ratio at the first step; at step t the averages hold (1 - beta^t) of the gradient"),
    ("betas", _adam_ratio(lambda b1, b2, t: b1 ** t / np.sqrt(b2 ** t)),
     "you used beta^t where the bias factors are 1 - beta^t: after t steps of a constant g, m_t = (1 - beta_1^t) g"),
    ("inverse_m_only", _adam_ratio(lambda b1, b2, t: 1 / (1 - b1 ** t)),
     "1 / (1 - beta_1^t) is m's correction alone; the uncorrected step is off by BOTH biases: m's factor "
     "1 - beta_1^t over the root of v's, sqrt(1 - beta_2^t)"),
    ("v_root_only", _adam_ratio(lambda b1, b2, t: np.sqrt(1 - b2 ** t)),
     "sqrt(1 - beta_2^t) is v's factor alone (and upside down); the uncorrected step is off by both biases: "
     "(1 - beta_1^t) / sqrt(1 - beta_2^t)"),
    ("t_minus_one", _adam_ratio(lambda b1, b2, t: (1 - b1 ** (t - 1)) / np.sqrt(1 - b2 ** (t - 1))),
     "you used step t - 1: after t steps (t = 1 is the first) the averages hold 1 - beta^t of the gradient"),
    ("t_plus_one", _adam_ratio(lambda b1, b2, t: (1 - b1 ** (t + 1)) / np.sqrt(1 - b2 ** (t + 1))),
     "you used step t + 1: after t steps (t = 1 is the first) the averages hold 1 - beta^t of the gradient"),
    ("power_outside", _adam_ratio(lambda b1, b2, t: (1 - b1) ** t / np.sqrt((1 - b2) ** t)),
     "you used (1 - beta)^t; the bias factor after t steps is 1 - beta^t (beta to the power t, subtracted from 1)"),
)


def effective_learning_rate(student):
    """The plain-SGD learning rate whose step equals momentum's steady step under a constant gradient:
    eta / (1 - mu) (the buffer tends to g / (1 - mu))."""
    p = problems_momentum.effective_step(student)
    return p.learning_rate / (1 - p.momentum)


def _effective(formula):
    def answer(student):
        p = problems_momentum.effective_step(student)
        return float(formula(p.learning_rate, p.momentum))
    return answer


EFFECTIVE_MISTAKES = (
    ("times_mu", _effective(lambda lr, mu: lr * mu),
     "lr * mu shrinks the step; the buffer sums the gradients, b -> g (1 + mu + mu^2 + ...) = g / (1 - mu), so the "
     "steady step is lr / (1 - mu) times g"),
    ("times_one_minus", _effective(lambda lr, mu: lr * (1 - mu)),
     "lr (1 - mu) is the step of a DAMPED buffer (an exponential average, b = mu b + (1 - mu) g); gdkit's buffer "
     "b = mu b + g tends to g / (1 - mu), so the steady step is lr / (1 - mu)"),
    ("first_nesterov", _effective(lambda lr, mu: lr * (1 + mu)),
     "lr (1 + mu) is Nesterov's FIRST step; under a steady gradient the buffer keeps growing to g / (1 - mu)"),
    ("over_mu", _effective(lambda lr, mu: lr / mu),
     "the geometric series 1 + mu + mu^2 + ... sums to 1 / (1 - mu), not 1 / mu"),
    ("past_only", _effective(lambda lr, mu: lr * mu / (1 - mu)),
     "you summed only the past gradients (mu + mu^2 + ... = mu / (1 - mu)); the buffer adds this step's gradient "
     "too: 1 + mu + mu^2 + ... = 1 / (1 - mu)"),
    ("one_minus_square", _effective(lambda lr, mu: lr / (1 - mu ** 2)),
     "1 / (1 - mu^2) sums only the even powers of mu; the buffer b -> g (1 + mu + mu^2 + ...) sums them all: "
     "lr / (1 - mu)"),
    ("no_lr", _effective(lambda lr, mu: 1 / (1 - mu)),
     "1 / (1 - mu) is the factor by which the buffer outgrows the gradient; the learning rate asked for is that "
     "factor times your learning rate, lr / (1 - mu)"),
    ("squared", _effective(lambda lr, mu: lr / (1 - mu) ** 2),
     "the buffer's sum 1 + mu + mu^2 + ... is 1 / (1 - mu), not 1 / (1 - mu)^2: the steady step is lr / (1 - mu)"),
    ("same", _effective(lambda lr, mu: lr),
     "momentum does change the step: under a steady gradient the buffer grows to g / (1 - mu), so the step is "
     "lr / (1 - mu), not lr"),
)


def _mistakes(table):
    return tuple(Mistake(name, function, message) for name, function, message in table)


PARTS += (
    Part(A, "test_steps_to_tolerance", "steps_to_tolerance", steps_to_tolerance, None, points=2, kind=ANSWER,
         answer_format="numbers:2", rtol=0.0, atol=0.0, mistakes=_mistakes(STEPS_MISTAKES)),
    Part(A, "test_adam_uncorrected_ratio", "adam_uncorrected_ratio", adam_uncorrected_ratio, None, points=2,
         kind=ANSWER, answer_format="number", rtol=1e-2, atol=0.0, mistakes=_mistakes(ADAM_MISTAKES)),
    Part(A, "test_effective_learning_rate", "effective_learning_rate", effective_learning_rate, None, points=1,
         kind=ANSWER, answer_format="number", rtol=1e-2, atol=0.0, mistakes=_mistakes(EFFECTIVE_MISTAKES)),
)
