"""Student-style answers to 05_momentum: one wrong answer per catalogued misconception, several right ones."""
import numpy as np
from _entries import buggy, correct

from gdkit.optimizers import SGDState


# ---- momentum and Nesterov --------------------------------------------------------------------------------------
@buggy("test_momentum", "you put the learning rate inside the velocity")
def momentum_lr_inside(param, grad, state, *, learning_rate, momentum=0.0, nesterov=False, weight_decay=0.0):
    v = state.momentum_buffer
    v *= momentum
    v += learning_rate * grad
    param -= v
    return state


@buggy("test_momentum", "exponential average")
def momentum_dampened(param, grad, state, *, learning_rate, momentum=0.0, nesterov=False, weight_decay=0.0):
    b = state.momentum_buffer
    b[:] = momentum * b + (1 - momentum) * grad
    param -= learning_rate * b
    return state


@buggy("test_momentum", "the step used the old buffer")
def momentum_old_buffer(param, grad, state, *, learning_rate, momentum=0.0, nesterov=False, weight_decay=0.0):
    b = state.momentum_buffer
    param -= learning_rate * b
    b *= momentum
    b += grad
    return state


@buggy("test_momentum", "ignores the velocity")
def momentum_ignored(param, grad, state, *, learning_rate, momentum=0.0, nesterov=False, weight_decay=0.0):
    b = state.momentum_buffer
    b *= momentum
    b += grad
    param -= learning_rate * grad
    return state


@buggy("test_momentum", "momentum buffer in the state was not changed")
@buggy("test_nesterov", "momentum buffer in the state was not changed")
def momentum_rebind(param, grad, state, *, learning_rate, momentum=0.0, nesterov=False, weight_decay=0.0):
    b = state.momentum_buffer
    b = momentum * b + grad  # rebinds the name: the state keeps the old buffer
    param -= learning_rate * (grad + momentum * b if nesterov else b)
    return state


@buggy("test_momentum", "must return its argument `state`")
@buggy("test_adam", "must return its argument `state`")
def update_returns_nothing(param, grad, state, *, learning_rate, momentum=0.0, nesterov=False, weight_decay=0.0,
                           t=1, beta_1=0.9, beta_2=0.999, epsilon=1e-8):
    if "m" in state._fields:
        state.m[...] = beta_1 * state.m + (1 - beta_1) * grad
        state.v[...] = beta_2 * state.v + (1 - beta_2) * grad ** 2
        param -= learning_rate * (state.m / (1 - beta_1 ** t)) / (np.sqrt(state.v / (1 - beta_2 ** t)) + epsilon)
        return None
    state.momentum_buffer[...] = momentum * state.momentum_buffer + grad
    param -= learning_rate * state.momentum_buffer
    return SGDState(state.momentum_buffer, state.scratch)  # a new tuple, not the state it was given


@correct("test_momentum")
@correct("test_nesterov")
def momentum_slice_assign(param, grad, state, *, learning_rate, momentum=0.0, nesterov=False, weight_decay=0.0):
    b = state.momentum_buffer
    b[...] = momentum * b + grad
    step = grad + momentum * b if nesterov else b
    param[...] = param - learning_rate * step
    return state


@correct("test_momentum")
@correct("test_nesterov")
def momentum_loops(param, grad, state, *, learning_rate, momentum=0.0, nesterov=False, weight_decay=0.0):
    b = state.momentum_buffer
    for index in np.ndindex(param.shape):
        b[index] = momentum * b[index] + grad[index]
        direction = grad[index] + momentum * b[index] if nesterov else b[index]
        param[index] -= learning_rate * direction
    return state


@buggy("test_nesterov", "your step is plain momentum")
def nesterov_as_momentum(param, grad, state, *, learning_rate, momentum=0.0, nesterov=False, weight_decay=0.0):
    b = state.momentum_buffer
    b *= momentum
    b += grad
    param -= learning_rate * b
    return state


# ---- Adagrad ----------------------------------------------------------------------------------------------------
@buggy("test_adagrad", "epsilon inside the square root")
def adagrad_eps_inside(param, grad, state, *, learning_rate, epsilon=1e-10):
    state.sum_of_squares[...] += grad ** 2
    param -= learning_rate * grad / np.sqrt(state.sum_of_squares + epsilon)
    return state


@buggy("test_adagrad", "does not accumulate")
def adagrad_no_sum(param, grad, state, *, learning_rate, epsilon=1e-10):
    state.sum_of_squares[...] = grad ** 2
    param -= learning_rate * grad / (np.sqrt(state.sum_of_squares) + epsilon)
    return state


@buggy("test_adagrad", "before adding this step's g^2")
def adagrad_old_sum(param, grad, state, *, learning_rate, epsilon=1e-10):
    G = state.sum_of_squares
    param -= learning_rate * grad / (np.sqrt(G) + epsilon)
    G += grad * grad
    return state


@correct("test_adagrad")
def adagrad_scratch(param, grad, state, *, learning_rate, epsilon=1e-10):
    G, s = state.sum_of_squares, state.scratch
    np.add(G, np.square(grad), out=G)
    np.sqrt(G, out=s)
    s += epsilon
    param -= learning_rate * (grad / s)
    return state


@correct("test_adagrad")
def adagrad_float32_safe(param, grad, state, *, learning_rate, epsilon=1e-10):
    G = state.sum_of_squares
    G += grad * grad
    update = (learning_rate * grad / (np.sqrt(G) + epsilon)).astype(param.dtype)
    param -= update
    return state


# ---- RMSprop ----------------------------------------------------------------------------------------------------
@buggy("test_rmsprop", "epsilon inside the square root")
def rmsprop_eps_inside(param, grad, state, *, learning_rate, rho=0.99, epsilon=1e-8):
    v = state.square_avg
    v[...] = rho * v + (1 - rho) * grad ** 2
    param -= learning_rate * grad / np.sqrt(v + epsilon)
    return state


@buggy("test_rmsprop", "rho and 1 - rho are swapped")
def rmsprop_swapped(param, grad, state, *, learning_rate, rho=0.99, epsilon=1e-8):
    v = state.square_avg
    v[...] = (1 - rho) * v + rho * grad ** 2
    param -= learning_rate * grad / (np.sqrt(v) + epsilon)
    return state


@buggy("test_rmsprop", "you summed the squares (Adagrad)")
def rmsprop_sum(param, grad, state, *, learning_rate, rho=0.99, epsilon=1e-8):
    state.square_avg[...] += grad * grad
    param -= learning_rate * grad / (np.sqrt(state.square_avg) + epsilon)
    return state


@buggy("test_rmsprop", "divided by v + epsilon")
def rmsprop_no_sqrt(param, grad, state, *, learning_rate, rho=0.99, epsilon=1e-8):
    v = state.square_avg
    v *= rho
    v += (1 - rho) * grad * grad
    param -= learning_rate * grad / (v + epsilon)
    return state


@correct("test_rmsprop")
def rmsprop_lerp(param, grad, state, *, learning_rate, rho=0.99, epsilon=1e-8):
    v = state.square_avg
    v += (1 - rho) * (grad * grad - v)  # v + (1 - rho)(g^2 - v) = rho v + (1 - rho) g^2
    param -= learning_rate * grad / (v ** 0.5 + epsilon)
    return state


@correct("test_rmsprop")
def rmsprop_loops(param, grad, state, *, learning_rate, rho=0.99, epsilon=1e-8):
    v = state.square_avg
    for index in np.ndindex(param.shape):
        v[index] = rho * v[index] + (1 - rho) * grad[index] ** 2
        param[index] -= learning_rate * grad[index] / (np.sqrt(v[index]) + epsilon)
    return state


# ---- Adam -------------------------------------------------------------------------------------------------------
@buggy("test_adam", "Adam without bias correction")
def adam_uncorrected(param, grad, state, *, learning_rate, t, beta_1=0.9, beta_2=0.999, epsilon=1e-8):
    state.m[...] = beta_1 * state.m + (1 - beta_1) * grad
    state.v[...] = beta_2 * state.v + (1 - beta_2) * grad ** 2
    param -= learning_rate * state.m / (np.sqrt(state.v) + epsilon)
    return state


@buggy("test_adam", "epsilon inside the square root")
def adam_eps_inside(param, grad, state, *, learning_rate, t, beta_1=0.9, beta_2=0.999, epsilon=1e-8):
    state.m[...] = beta_1 * state.m + (1 - beta_1) * grad
    state.v[...] = beta_2 * state.v + (1 - beta_2) * grad ** 2
    m_hat = state.m / (1 - beta_1 ** t)
    v_hat = state.v / (1 - beta_2 ** t)
    param -= learning_rate * m_hat / np.sqrt(v_hat + epsilon)
    return state


@buggy("test_adam", "stored the bias-corrected")
def adam_store_corrected(param, grad, state, *, learning_rate, t, beta_1=0.9, beta_2=0.999, epsilon=1e-8):
    m, v = state.m, state.v
    m[...] = (beta_1 * m + (1 - beta_1) * grad) / (1 - beta_1 ** t)
    v[...] = (beta_2 * v + (1 - beta_2) * grad ** 2) / (1 - beta_2 ** t)
    param -= learning_rate * m / (np.sqrt(v) + epsilon)
    return state


@buggy("test_adam", "uses t + 1")
def adam_t_plus_one(param, grad, state, *, learning_rate, t, beta_1=0.9, beta_2=0.999, epsilon=1e-8):
    t = t + 1
    state.m[...] = beta_1 * state.m + (1 - beta_1) * grad
    state.v[...] = beta_2 * state.v + (1 - beta_2) * grad ** 2
    param -= learning_rate * (state.m / (1 - beta_1 ** t)) / (np.sqrt(state.v / (1 - beta_2 ** t)) + epsilon)
    return state


@correct("test_adam")
def adam_keras_style(param, grad, state, *, learning_rate, t, beta_1=0.9, beta_2=0.999, epsilon=1e-8):
    m, v = state.m, state.v
    m += (1 - beta_1) * (grad - m)
    v += (1 - beta_2) * (grad * grad - v)
    c1, c2 = 1 - beta_1 ** t, 1 - beta_2 ** t
    param -= learning_rate / c1 * m / (np.sqrt(v) / np.sqrt(c2) + epsilon)
    return state


@correct("test_adam")
def adam_loops(param, grad, state, *, learning_rate, t, beta_1=0.9, beta_2=0.999, epsilon=1e-8):
    m, v = state.m, state.v
    for i in np.ndindex(param.shape):
        m[i] = beta_1 * m[i] + (1 - beta_1) * grad[i]
        v[i] = beta_2 * v[i] + (1 - beta_2) * grad[i] ** 2
        param[i] -= learning_rate * (m[i] / (1 - beta_1 ** t)) / ((v[i] / (1 - beta_2 ** t)) ** 0.5 + epsilon)
    return state


@buggy("test_momentum", "Sutskever form v = mu v - lr g")
def momentum_sutskever(param, grad, state, *, learning_rate, momentum=0.0, nesterov=False, weight_decay=0.0):
    v = state.momentum_buffer
    v[...] = momentum * v - learning_rate * grad
    param += v
    return state


@buggy("test_momentum", "velocity has the opposite sign")
def momentum_negative_velocity(param, grad, state, *, learning_rate, momentum=0.0, nesterov=False,
                               weight_decay=0.0):
    v = state.momentum_buffer
    v *= momentum
    v -= grad
    param += learning_rate * v
    return state


# ---- mistakes of the 2026-11 student trial and their neighbours --------------------------------------------------
@buggy("test_momentum", "you applied momentum twice")
def momentum_twice(param, grad, state, *, learning_rate, momentum=0.0, nesterov=False, weight_decay=0.0):
    b = state.momentum_buffer
    b *= momentum
    b += grad
    param -= learning_rate * momentum * b
    return state


@buggy("test_nesterov", "used the buffer from before this step")
def nesterov_stale_buffer(param, grad, state, *, learning_rate, momentum=0.0, nesterov=False, weight_decay=0.0):
    b = state.momentum_buffer
    if nesterov:
        param -= learning_rate * (grad + momentum * b)
    else:
        param -= learning_rate * (momentum * b + grad)
    b *= momentum
    b += grad
    return state


@buggy("test_nesterov", "misses the factor mu")
def nesterov_no_mu(param, grad, state, *, learning_rate, momentum=0.0, nesterov=False, weight_decay=0.0):
    b = state.momentum_buffer
    b[...] = momentum * b + grad
    param -= learning_rate * ((grad + b) if nesterov else b)
    return state


@correct("test_nesterov")
def nesterov_expanded(param, grad, state, *, learning_rate, momentum=0.0, nesterov=False, weight_decay=0.0):
    old = state.momentum_buffer.copy()
    state.momentum_buffer[...] = momentum * old + grad
    # g + mu (mu b_old + g) = (1 + mu) g + mu^2 b_old
    step = (1 + momentum) * grad + momentum ** 2 * old if nesterov else state.momentum_buffer
    param -= learning_rate * step
    return state


@buggy("test_adagrad", "state.sum_of_squares in the state was not changed")
def adagrad_rebind(param, grad, state, *, learning_rate, epsilon=1e-10):
    G = state.sum_of_squares
    G = G + grad ** 2
    param -= learning_rate * grad / (np.sqrt(G) + epsilon)
    return state


@buggy("test_adagrad", "not their squares")
def adagrad_no_square(param, grad, state, *, learning_rate, epsilon=1e-10):
    state.sum_of_squares[...] += grad
    param -= learning_rate * grad / (np.sqrt(state.sum_of_squares) + epsilon)
    return state


@buggy("test_adagrad", "you accumulated |g|")
def adagrad_abs(param, grad, state, *, learning_rate, epsilon=1e-10):
    state.sum_of_squares[...] += np.abs(grad)
    param -= learning_rate * grad / (np.sqrt(state.sum_of_squares) + epsilon)
    return state


@buggy("test_rmsprop", "without its weight 1 - rho")
def rmsprop_no_one_minus(param, grad, state, *, learning_rate, rho=0.99, epsilon=1e-8):
    v = state.square_avg
    v *= rho
    v += grad ** 2
    param -= learning_rate * grad / (np.sqrt(v) + epsilon)
    return state


@buggy("test_rmsprop", "you averaged the gradient, not its square")
def rmsprop_no_square(param, grad, state, *, learning_rate, rho=0.99, epsilon=1e-8):
    v = state.square_avg
    v[...] = rho * v + (1 - rho) * grad
    param -= learning_rate * grad / (np.sqrt(v) + epsilon)
    return state


@buggy("test_rmsprop", "state.square_avg in the state was not changed")
def rmsprop_rebind(param, grad, state, *, learning_rate, rho=0.99, epsilon=1e-8):
    v = rho * state.square_avg + (1 - rho) * grad ** 2
    param -= learning_rate * grad / (np.sqrt(v) + epsilon)
    return state


@correct("test_rmsprop")
def rmsprop_float32_work(param, grad, state, *, learning_rate, rho=0.99, epsilon=1e-8):
    v = state.square_avg
    np.multiply(v, rho, out=v)
    np.add(v, (1 - rho) * np.square(grad), out=v)
    np.subtract(param, learning_rate * grad / (np.sqrt(v) + epsilon), out=param)
    return state


@buggy("test_adam", "uses t - 1")
def adam_t_minus_one(param, grad, state, *, learning_rate, t, beta_1=0.9, beta_2=0.999, epsilon=1e-8):
    state.m[...] = beta_1 * state.m + (1 - beta_1) * grad
    state.v[...] = beta_2 * state.v + (1 - beta_2) * grad ** 2
    with np.errstate(divide="ignore", invalid="ignore"):
        m_hat = state.m / (1 - beta_1 ** (t - 1))
        v_hat = state.v / (1 - beta_2 ** (t - 1))
        param -= learning_rate * m_hat / (np.sqrt(v_hat) + epsilon)
    return state


@buggy("test_adam", "state.m and state.v in the state was not changed")
def adam_rebind(param, grad, state, *, learning_rate, t, beta_1=0.9, beta_2=0.999, epsilon=1e-8):
    m = beta_1 * state.m + (1 - beta_1) * grad
    v = beta_2 * state.v + (1 - beta_2) * grad * grad
    param -= learning_rate * m / (1 - beta_1 ** t) / (np.sqrt(v / (1 - beta_2 ** t)) + epsilon)
    return state


@buggy("test_adam", "beta_1 and beta_2 are swapped")
def adam_swapped(param, grad, state, *, learning_rate, t, beta_1=0.9, beta_2=0.999, epsilon=1e-8):
    state.m[...] = beta_2 * state.m + (1 - beta_2) * grad
    state.v[...] = beta_1 * state.v + (1 - beta_1) * grad ** 2
    m_hat = state.m / (1 - beta_2 ** t)
    v_hat = state.v / (1 - beta_1 ** t)
    param -= learning_rate * m_hat / (np.sqrt(v_hat) + epsilon)
    return state


@buggy("test_adam", "v averages the gradient, not its square")
def adam_v_linear(param, grad, state, *, learning_rate, t, beta_1=0.9, beta_2=0.999, epsilon=1e-8):
    state.m[...] = beta_1 * state.m + (1 - beta_1) * grad
    state.v[...] = beta_2 * state.v + (1 - beta_2) * grad
    with np.errstate(invalid="ignore"):
        param -= learning_rate * (state.m / (1 - beta_1 ** t)) / (np.sqrt(state.v / (1 - beta_2 ** t)) + epsilon)
    return state


# ---- concept: steps to a tolerance with and without momentum (the student's own m, L, tolerance) ---------------
def _problem(student):
    from gdkit.problems.momentum import steps_problem
    return steps_problem(student)


def _kappa_tol(student):
    p = _problem(student)
    return p.L / p.m, p.tolerance


@correct("test_steps_to_tolerance")
def steps_ceil(student):
    kappa, tol = _kappa_tol(student)
    gd, hb = (kappa - 1) / (kappa + 1), (kappa ** 0.5 - 1) / (kappa ** 0.5 + 1)
    return (int(np.ceil(np.log(tol) / np.log(gd))), int(np.ceil(np.log(tol) / np.log(hb))))


@correct("test_steps_to_tolerance")
def steps_by_counting(student):
    """Multiplying the error by the rate until it is below the tolerance, in log10."""
    kappa, tol = _kappa_tol(student)
    counts = []
    for rate in ((kappa - 1) / (kappa + 1), (np.sqrt(kappa) - 1) / (np.sqrt(kappa) + 1)):
        k, error = 0, 1.0
        while error > tol:
            error *= rate
            k += 1
        counts.append(k)
    return tuple(counts)


@buggy("test_steps_to_tolerance", "your two numbers are swapped")
def steps_swapped(student):
    return tuple(reversed(steps_ceil(student)))


@buggy("test_steps_to_tolerance", "your heavy-ball count uses gradient descent's rate")
def steps_no_sqrt(student):
    kappa, tol = _kappa_tol(student)
    k = int(np.ceil(np.log(tol) / np.log((kappa - 1) / (kappa + 1))))
    return (k, k)


@buggy("test_steps_to_tolerance", "your gradient-descent count uses momentum's rate")
def steps_sqrt_for_both(student):
    kappa, tol = _kappa_tol(student)
    k = int(np.ceil(np.log(tol) / np.log((np.sqrt(kappa) - 1) / (np.sqrt(kappa) + 1))))
    return (k, k)


@buggy("test_steps_to_tolerance", "that of eta = 1/L")
def steps_one_over_l(student):
    kappa, tol = _kappa_tol(student)
    return (int(np.ceil(np.log(tol) / np.log(1 - 1 / kappa))), steps_ceil(student)[1])


@buggy("test_steps_to_tolerance", "Polyak's momentum coefficient")
def steps_mu_as_rate(student):
    kappa, tol = _kappa_tol(student)
    mu = ((np.sqrt(kappa) - 1) / (np.sqrt(kappa) + 1)) ** 2
    return (steps_ceil(student)[0], int(np.ceil(np.log(tol) / np.log(mu))))


@buggy("test_steps_to_tolerance", "one step short")
def steps_floor(student):
    kappa, tol = _kappa_tol(student)
    return tuple(int(np.log(tol) / np.log(r)) for r in ((kappa - 1) / (kappa + 1),
                                                         (np.sqrt(kappa) - 1) / (np.sqrt(kappa) + 1)))


@buggy("test_steps_to_tolerance", "you mixed logarithms")
def steps_log10(student):
    kappa, tol = _kappa_tol(student)
    return tuple(int(np.ceil(np.log10(tol) / np.log(r))) for r in ((kappa - 1) / (kappa + 1),
                                                                    (np.sqrt(kappa) - 1) / (np.sqrt(kappa) + 1)))


@buggy("test_steps_to_tolerance", "you counted on the loss")
def steps_on_the_loss(student):
    kappa, tol = _kappa_tol(student)
    return tuple(int(np.ceil(np.log(tol) / (2 * np.log(r)))) for r in ((kappa - 1) / (kappa + 1),
                                                                        (np.sqrt(kappa) - 1) / (np.sqrt(kappa) + 1)))


# ---- concept: Adam's uncorrected step relative to the corrected one at step t ----------------------------------
def _adam(student):
    from gdkit.problems.momentum import adam_step
    return adam_step(student)


@correct("test_adam_uncorrected_ratio")
def adam_ratio_formula(student):
    p = _adam(student)
    return (1 - p.beta_1 ** p.t) / np.sqrt(1 - p.beta_2 ** p.t)


@correct("test_adam_uncorrected_ratio")
def adam_ratio_simulated(student):
    """Run t steps of both versions under g = 1 and divide the last steps, rounded to 3 digits."""
    p = _adam(student)
    m = v = 0.0
    for _ in range(p.t):
        m = p.beta_1 * m + (1 - p.beta_1)
        v = p.beta_2 * v + (1 - p.beta_2)
    uncorrected = m / np.sqrt(v)
    corrected = (m / (1 - p.beta_1 ** p.t)) / np.sqrt(v / (1 - p.beta_2 ** p.t))
    return float(f"{uncorrected / corrected:.3g}")


@buggy("test_adam_uncorrected_ratio", "uncorrected / corrected")
def adam_ratio_inverted(student):
    return 1 / adam_ratio_formula(student)


@buggy("test_adam_uncorrected_ratio", "the square root is missing")
def adam_ratio_no_sqrt(student):
    p = _adam(student)
    return (1 - p.beta_1 ** p.t) / (1 - p.beta_2 ** p.t)


@buggy("test_adam_uncorrected_ratio", "you counted only m's bias")
def adam_ratio_m_only(student):
    p = _adam(student)
    return 1 - p.beta_1 ** p.t


@buggy("test_adam_uncorrected_ratio", "you counted only v's bias")
def adam_ratio_v_only(student):
    p = _adam(student)
    return 1 / np.sqrt(1 - p.beta_2 ** p.t)


@buggy("test_adam_uncorrected_ratio", "that is the ratio at the first step")
def adam_ratio_first_step(student):
    p = _adam(student)
    return (1 - p.beta_1) / np.sqrt(1 - p.beta_2)


@buggy("test_adam_uncorrected_ratio", "you used beta^t where the bias factors are 1 - beta^t")
def adam_ratio_betas(student):
    p = _adam(student)
    return p.beta_1 ** p.t / np.sqrt(p.beta_2 ** p.t)


# ---- concept: momentum's effective learning rate -----------------------------------------------------------------
def _effective(student):
    from gdkit.problems.momentum import effective_step
    return effective_step(student)


@correct("test_effective_learning_rate")
def effective_formula(student):
    p = _effective(student)
    return p.learning_rate / (1 - p.momentum)


@correct("test_effective_learning_rate")
def effective_series(student):
    p = _effective(student)
    return p.learning_rate * sum(p.momentum ** k for k in range(2000))


@buggy("test_effective_learning_rate", "lr * mu shrinks the step")
def effective_times_mu(student):
    p = _effective(student)
    return p.learning_rate * p.momentum


@buggy("test_effective_learning_rate", "DAMPED buffer")
def effective_dampened(student):
    p = _effective(student)
    return p.learning_rate * (1 - p.momentum)


@buggy("test_effective_learning_rate", "Nesterov's FIRST step")
def effective_nesterov_first(student):
    p = _effective(student)
    return p.learning_rate * (1 + p.momentum)


@buggy("test_effective_learning_rate", "sums to 1 / (1 - mu), not 1 / mu")
def effective_over_mu(student):
    p = _effective(student)
    return p.learning_rate / p.momentum


@buggy("test_effective_learning_rate", "you summed only the past gradients")
def effective_past_only(student):
    p = _effective(student)
    return p.learning_rate * p.momentum / (1 - p.momentum)


@buggy("test_effective_learning_rate", "momentum does change the step")
def effective_unchanged(student):
    return _effective(student).learning_rate


# ---- the held-out measurement of 2026-11-30: mistakes that escaped or got a vague message, by kind -------------
from gdkit.problems.momentum import adam_step, effective_step, steps_problem  # noqa: E402


@buggy('test_momentum', "your buffer does not accumulate: it holds only this step's g")
def heldout_momentum_no_accumulation(param, grad, state, *, learning_rate, momentum=0.0, nesterov=False, weight_decay=0.0):
    if momentum:
        b = state.momentum_buffer
        b[...] = grad
        param -= learning_rate * b
    else:
        param -= learning_rate * grad
    return state


@buggy('test_momentum', 'momentum multiplies the gradient (b = b + mu g); it multipli')
def heldout_momentum_mu_on_gradient(param, grad, state, *, learning_rate, momentum=0.0, nesterov=False, weight_decay=0.0):
    if momentum:
        b = state.momentum_buffer
        b += momentum * grad
        param -= learning_rate * b
    else:
        param -= learning_rate * grad
    return state


@buggy('test_momentum', 'your step goes uphill')
def heldout_momentum_uphill(param, grad, state, *, learning_rate, momentum=0.0, nesterov=False, weight_decay=0.0):
    if momentum:
        b = state.momentum_buffer
        b *= momentum
        b += grad
        param += learning_rate * b
    else:
        param += learning_rate * grad
    return state


@buggy('test_momentum', 'param itself was not changed')
def heldout_momentum_param_rebound(param, grad, state, *, learning_rate, momentum=0.0, nesterov=False, weight_decay=0.0):
    if momentum:
        b = state.momentum_buffer
        b *= momentum
        b += grad
        param = param - learning_rate * b
    else:
        param = param - learning_rate * grad
    return state


@buggy('test_nesterov', 'your Nesterov step lr * mu * b misses the gradient: Nesterov')
def heldout_nesterov_no_gradient(param, grad, state, *, learning_rate, momentum=0.0, nesterov=False, weight_decay=0.0):
    if momentum:
        b = state.momentum_buffer
        b *= momentum
        b += grad
        param -= learning_rate * (momentum * b if nesterov else b)
    else:
        param -= learning_rate * grad
    return state


@buggy('test_nesterov', 'your look-ahead g - mu b subtracts the velocity; Nesterov ad')
def heldout_nesterov_minus_lookahead(param, grad, state, *, learning_rate, momentum=0.0, nesterov=False, weight_decay=0.0):
    if momentum:
        b = state.momentum_buffer
        b *= momentum
        b += grad
        param -= learning_rate * ((grad - momentum * b) if nesterov else b)
    else:
        param -= learning_rate * grad
    return state


@buggy('test_nesterov', "your look-ahead b + mu g puts mu on the gradient; Nesterov's")
def heldout_nesterov_mu_on_gradient(param, grad, state, *, learning_rate, momentum=0.0, nesterov=False, weight_decay=0.0):
    if momentum:
        b = state.momentum_buffer
        b *= momentum
        b += grad
        param -= learning_rate * ((b + momentum * grad) if nesterov else b)
    else:
        param -= learning_rate * grad
    return state


@buggy('test_nesterov', 'you stored the look-ahead direction g + mu b in the buffer; ')
def heldout_nesterov_stored_lookahead(param, grad, state, *, learning_rate, momentum=0.0, nesterov=False, weight_decay=0.0):
    if momentum:
        b = state.momentum_buffer
        b *= momentum
        b += grad
        if nesterov:
            b[...] = grad + momentum * b
        param -= learning_rate * b
    else:
        param -= learning_rate * grad
    return state


@buggy('test_nesterov', "you used Sutskever's Nesterov form (v = mu v - lr g, param +")
def heldout_nesterov_sutskever_nesterov(param, grad, state, *, learning_rate, momentum=0.0, nesterov=False, weight_decay=0.0):
    if momentum:
        v = state.momentum_buffer
        v *= momentum
        v -= learning_rate * grad
        param += (momentum * v - learning_rate * grad) if nesterov else v
    else:
        param -= learning_rate * grad
    return state


@buggy('test_adagrad', 'you divided by G + epsilon; divide by its square root, sqrt(')
def heldout_adagrad_no_sqrt(param, grad, state, *, learning_rate, epsilon=1e-10):
    G = state.sum_of_squares
    G += grad * grad
    param -= learning_rate * grad / (G + epsilon)
    return state


@buggy('test_adagrad', 'without epsilon, a coordinate whose gradients were all 0 so ')
def heldout_adagrad_no_epsilon(param, grad, state, *, learning_rate, epsilon=1e-10):
    G = state.sum_of_squares
    G += grad * grad
    param -= learning_rate * grad / np.sqrt(G)
    return state


@buggy('test_adagrad', 'you added epsilon into the stored sum of squares; epsilon on')
def heldout_adagrad_epsilon_stored(param, grad, state, *, learning_rate, epsilon=1e-10):
    G = state.sum_of_squares
    G += grad * grad + epsilon
    param -= learning_rate * grad / np.sqrt(G)
    return state


@buggy('test_adagrad', 'your step goes uphill: param moved by +lr * (...) where Adag')
def heldout_adagrad_uphill(param, grad, state, *, learning_rate, epsilon=1e-10):
    G = state.sum_of_squares
    G += grad * grad
    param += learning_rate * grad / (np.sqrt(G) + epsilon)
    return state


@buggy('test_rmsprop', 'the step used the average from before this step; update v fi')
def heldout_rmsprop_old_average(param, grad, state, *, learning_rate, rho=0.99, epsilon=1e-8, **kw):
    v = state.square_avg
    param -= learning_rate * grad / (np.sqrt(v) + epsilon)
    v *= rho
    v += (1 - rho) * grad ** 2
    return state


@buggy('test_rmsprop', 'you bias-corrected v like Adam (v / (1 - rho)); RMSprop divi')
def heldout_rmsprop_bias_corrected(param, grad, state, *, learning_rate, rho=0.99, epsilon=1e-8, **kw):
    v = state.square_avg
    v *= rho
    v += (1 - rho) * grad ** 2
    param -= learning_rate * grad / (np.sqrt(v / (1 - rho)) + epsilon)
    return state


@buggy('test_rmsprop', 'your step goes uphill: param moved by +lr * (...) where RMSp')
def heldout_rmsprop_uphill(param, grad, state, *, learning_rate, rho=0.99, epsilon=1e-8, **kw):
    v = state.square_avg
    v *= rho
    v += (1 - rho) * grad ** 2
    param += learning_rate * grad / (np.sqrt(v) + epsilon)
    return state


@buggy('test_adam', 'you bias-corrected only m; v is biased towards 0 too: v_hat ')
def heldout_adam_m_only(param, grad, state, *, learning_rate, t, beta_1=0.9, beta_2=0.999, epsilon=1e-8, **kw):
    m, v = state.m, state.v
    m *= beta_1
    m += (1 - beta_1) * grad
    v *= beta_2
    v += (1 - beta_2) * grad * grad
    m_hat = m / (1 - beta_1 ** t)
    param -= learning_rate * m_hat / (np.sqrt(v) + epsilon)
    return state


@buggy('test_adam', 'you divided by (1 - beta)^t; the bias factor after t steps i')
def heldout_adam_power_outside(param, grad, state, *, learning_rate, t, beta_1=0.9, beta_2=0.999, epsilon=1e-8, **kw):
    m, v = state.m, state.v
    m *= beta_1
    m += (1 - beta_1) * grad
    v *= beta_2
    v += (1 - beta_2) * grad * grad
    m_hat = m / (1 - beta_1) ** t
    v_hat = v / (1 - beta_2) ** t
    param -= learning_rate * m_hat / (np.sqrt(v_hat) + epsilon)
    return state


@buggy('test_adam', 'the step used m and v from before this step; update them wit')
def heldout_adam_stale(param, grad, state, *, learning_rate, t, beta_1=0.9, beta_2=0.999, epsilon=1e-8, **kw):
    m, v = state.m, state.v
    m_hat = (beta_1 * m + (1 - beta_1) * grad) * 0 + m / (1 - beta_1 ** t)
    v_hat = v / (1 - beta_2 ** t)
    param -= learning_rate * m_hat / (np.sqrt(v_hat) + epsilon)
    m *= beta_1
    m += (1 - beta_1) * grad
    v *= beta_2
    v += (1 - beta_2) * grad * grad
    return state


@buggy('test_adam', 'the new gradient enters m (and g^2 enters v) without its wei')
def heldout_adam_unweighted(param, grad, state, *, learning_rate, t, beta_1=0.9, beta_2=0.999, epsilon=1e-8, **kw):
    m, v = state.m, state.v
    m *= beta_1
    m += grad
    v *= beta_2
    v += grad * grad
    m_hat = m / (1 - beta_1 ** t)
    v_hat = v / (1 - beta_2 ** t)
    param -= learning_rate * m_hat / (np.sqrt(v_hat) + epsilon)
    return state


@buggy('test_adam', "you folded the bias correction into the step size (Keras's f")
def heldout_adam_epsilon_hat(param, grad, state, *, learning_rate, t, beta_1=0.9, beta_2=0.999, epsilon=1e-8, **kw):
    m, v = state.m, state.v
    m *= beta_1
    m += (1 - beta_1) * grad
    v *= beta_2
    v += (1 - beta_2) * grad * grad
    step = learning_rate * np.sqrt(1 - beta_2 ** t) / (1 - beta_1 ** t)
    param -= step * m / (np.sqrt(v) + epsilon)
    return state


@buggy('test_steps_to_tolerance', 'you rounded ln(tolerance)/ln(rate) to the nearest whole numb')
def heldout_steps_to_tolerance_round(student):
    p = steps_problem(student); k = p.L / p.m
    rates = ((k - 1) / (k + 1), (np.sqrt(k) - 1) / (np.sqrt(k) + 1))
    return tuple(int(round(np.log(p.tolerance) / np.log(r))) for r in rates)


@buggy('test_steps_to_tolerance', 'one step too many: the smallest k with rate^k <= tolerance i')
def heldout_steps_to_tolerance_one_more(student):
    p = steps_problem(student); k = p.L / p.m
    rates = ((k - 1) / (k + 1), (np.sqrt(k) - 1) / (np.sqrt(k) + 1))
    return tuple(int(np.ceil(np.log(p.tolerance) / np.log(r))) + 1 for r in rates)


@buggy('test_steps_to_tolerance', 'you used the estimate k ~ kappa ln(1/tolerance) (sqrt(kappa)')
def heldout_steps_to_tolerance_estimate(student):
    p = steps_problem(student); k = p.L / p.m
    return (int(np.ceil(k * np.log(1 / p.tolerance))), int(np.ceil(np.sqrt(k) * np.log(1 / p.tolerance))))


@buggy('test_adam_uncorrected_ratio', 'you used step t - 1: after t steps (t = 1 is the first) the ')
def heldout_adam_uncorrected_ratio_t_minus_one(student):
    b1, b2, t = adam_step(student)
    return (1 - b1 ** (t - 1)) / np.sqrt(1 - b2 ** (t - 1))


@buggy('test_adam_uncorrected_ratio', 'you used step t + 1: after t steps (t = 1 is the first) the ')
def heldout_adam_uncorrected_ratio_t_plus_one(student):
    b1, b2, t = adam_step(student)
    return (1 - b1 ** (t + 1)) / np.sqrt(1 - b2 ** (t + 1))


@buggy('test_adam_uncorrected_ratio', 'you used (1 - beta)^t; the bias factor after t steps is 1 - ')
def heldout_adam_uncorrected_ratio_power_outside(student):
    b1, b2, t = adam_step(student)
    return (1 - b1) ** t / np.sqrt((1 - b2) ** t)


@buggy('test_effective_learning_rate', '1 / (1 - mu^2) sums only the even powers of mu; the buffer b')
def heldout_effective_learning_rate_one_minus_square(student):
    lr, mu = effective_step(student)
    return lr / (1 - mu ** 2)


@buggy('test_effective_learning_rate', '1 / (1 - mu) is the factor by which the buffer outgrows the ')
def heldout_effective_learning_rate_no_lr(student):
    lr, mu = effective_step(student)
    return 1 / (1 - mu)


@buggy('test_effective_learning_rate', "the buffer's sum 1 + mu + mu^2 + ... is 1 / (1 - mu), not 1 ")
def heldout_effective_learning_rate_squared(student):
    lr, mu = effective_step(student)
    return lr / (1 - mu) ** 2


@buggy("test_adagrad", "param itself was not changed")
def heldout_adagrad_param_rebound(param, grad, state, *, learning_rate, epsilon=1e-10):
    state.sum_of_squares[...] += grad ** 2
    param = param - learning_rate * grad / (np.sqrt(state.sum_of_squares) + epsilon)
    return state


@buggy("test_rmsprop", "param itself was not changed")
def heldout_rmsprop_param_rebound(param, grad, state, *, learning_rate, rho=0.99, epsilon=1e-8):
    v = state.square_avg
    v *= rho
    v += (1 - rho) * grad ** 2
    param = param - learning_rate * grad / (np.sqrt(v) + epsilon)
    return state


@buggy("test_rmsprop", "without epsilon, a coordinate whose gradients were all 0 so far")
def heldout_rmsprop_no_epsilon(param, grad, state, *, learning_rate, rho=0.99, epsilon=1e-8):
    v = state.square_avg
    v *= rho
    v += (1 - rho) * grad ** 2
    param -= learning_rate * grad / np.sqrt(v)
    return state


def _heldout_adam(param, grad, state, learning_rate, t, beta_1, beta_2, epsilon, correct_m=True, correct_v=True,
                  eps=True, sign=-1.0, in_place=True):
    m, v = state.m, state.v
    m *= beta_1
    m += (1 - beta_1) * grad
    v *= beta_2
    v += (1 - beta_2) * grad * grad
    m_hat = m / (1 - beta_1 ** t) if correct_m else m
    v_hat = v / (1 - beta_2 ** t) if correct_v else v
    step = learning_rate * m_hat / (np.sqrt(v_hat) + (epsilon if eps else 0.0))
    if in_place:
        param += sign * step
    else:
        param = param + sign * step
    return state


@buggy("test_adam", "you bias-corrected only v")
def heldout_adam_v_only(param, grad, state, *, learning_rate, t, beta_1=0.9, beta_2=0.999, epsilon=1e-8):
    return _heldout_adam(param, grad, state, learning_rate, t, beta_1, beta_2, epsilon, correct_m=False)


@buggy("test_adam", "without epsilon, a coordinate whose gradients were all 0 so far")
def heldout_adam_no_epsilon(param, grad, state, *, learning_rate, t, beta_1=0.9, beta_2=0.999, epsilon=1e-8):
    return _heldout_adam(param, grad, state, learning_rate, t, beta_1, beta_2, epsilon, eps=False)


@buggy("test_adam", "your step goes uphill")
def heldout_adam_uphill(param, grad, state, *, learning_rate, t, beta_1=0.9, beta_2=0.999, epsilon=1e-8):
    return _heldout_adam(param, grad, state, learning_rate, t, beta_1, beta_2, epsilon, sign=1.0)


@buggy("test_adam", "param itself was not changed")
def heldout_adam_param_rebound(param, grad, state, *, learning_rate, t, beta_1=0.9, beta_2=0.999, epsilon=1e-8):
    return _heldout_adam(param, grad, state, learning_rate, t, beta_1, beta_2, epsilon, in_place=False)


@buggy("test_nesterov", "your step goes uphill")
def heldout_nesterov_uphill(param, grad, state, *, learning_rate, momentum=0.0, nesterov=False, weight_decay=0.0):
    b = state.momentum_buffer
    b *= momentum
    b += grad
    param += learning_rate * (grad + momentum * b if nesterov else b)
    return state


@buggy("test_nesterov", "param itself was not changed")
def heldout_nesterov_param_rebound(param, grad, state, *, learning_rate, momentum=0.0, nesterov=False,
                                   weight_decay=0.0):
    b = state.momentum_buffer
    b *= momentum
    b += grad
    param = param - learning_rate * (grad + momentum * b if nesterov else b)
    return state


@correct("test_adam")
def heldout_adam_pytorch_form(param, grad, state, *, learning_rate, t, beta_1=0.9, beta_2=0.999, epsilon=1e-8):
    m, v = state.m, state.v
    m *= beta_1
    m += (1 - beta_1) * grad
    v *= beta_2
    v += (1 - beta_2) * grad * grad
    denom = np.sqrt(v) / np.sqrt(1 - beta_2 ** t) + epsilon  # PyTorch's implementation
    param -= (learning_rate / (1 - beta_1 ** t)) * m / denom
    return state


@correct("test_adagrad")
def heldout_adagrad_scratch(param, grad, state, *, learning_rate, epsilon=1e-10):
    G, s = state.sum_of_squares, state.scratch
    np.multiply(grad, grad, out=s)
    G += s
    np.sqrt(G, out=s)
    s += epsilon
    np.divide(grad, s, out=s)
    s *= learning_rate
    param -= s
    return state


@correct("test_nesterov")
def heldout_nesterov_expanded(param, grad, state, *, learning_rate, momentum=0.0, nesterov=False, weight_decay=0.0):
    b = state.momentum_buffer
    if nesterov:  # g + mu (mu b_old + g) = (1 + mu) g + mu^2 b_old
        param -= learning_rate * ((1 + momentum) * grad + momentum ** 2 * b)
    b *= momentum
    b += grad
    if not nesterov:
        param -= learning_rate * b
    return state


@buggy("test_momentum", "changed its argument `grad` in place")
def heldout_momentum_scales_grad(param, grad, state, *, learning_rate, momentum=0.0, nesterov=False,
                                 weight_decay=0.0):
    b = state.momentum_buffer
    b *= momentum
    b += grad
    grad *= momentum  # reuses the caller's gradient as work space
    param -= learning_rate * (b + grad if nesterov else b)
    return state


@buggy("test_adam", "changed its argument `grad` in place")
def heldout_adam_squares_grad(param, grad, state, *, learning_rate, t, beta_1=0.9, beta_2=0.999, epsilon=1e-8):
    m, v = state.m, state.v
    m *= beta_1
    m += (1 - beta_1) * grad
    grad **= 2  # the caller's gradient becomes g^2
    v *= beta_2
    v += (1 - beta_2) * grad
    param -= learning_rate * (m / (1 - beta_1 ** t)) / (np.sqrt(v / (1 - beta_2 ** t)) + epsilon)
    return state


@buggy("test_adagrad", "your step divides by the learning rate")
def heldout_adagrad_divides_lr(param, grad, state, *, learning_rate, epsilon=1e-10):
    G = state.sum_of_squares
    G += grad ** 2
    param -= grad / (learning_rate * (np.sqrt(G) + epsilon))
    return state


@buggy("test_momentum", "your step divides by the learning rate")
@buggy("test_nesterov", "your step divides by the learning rate")
def heldout_sgd_divides_lr(param, grad, state, *, learning_rate, momentum=0.0, nesterov=False, weight_decay=0.0):
    b = state.momentum_buffer
    b *= momentum
    b += grad
    param -= (grad + momentum * b if nesterov else b) / learning_rate
    return state


@buggy("test_rmsprop", "your step divides by the learning rate")
def heldout_rmsprop_divides_lr(param, grad, state, *, learning_rate, rho=0.99, epsilon=1e-8):
    v = state.square_avg
    v *= rho
    v += (1 - rho) * grad ** 2
    param -= grad / (np.sqrt(v) + epsilon) / learning_rate
    return state


@buggy("test_adam", "your step divides by the learning rate")
def heldout_adam_divides_lr(param, grad, state, *, learning_rate, t, beta_1=0.9, beta_2=0.999, epsilon=1e-8):
    return _heldout_adam(param, grad, state, 1.0 / learning_rate, t, beta_1, beta_2, epsilon)


@buggy("test_adam", "you divided by v_hat + epsilon")
def heldout_adam_no_sqrt(param, grad, state, *, learning_rate, t, beta_1=0.9, beta_2=0.999, epsilon=1e-8):
    m, v = state.m, state.v
    m *= beta_1
    m += (1 - beta_1) * grad
    v *= beta_2
    v += (1 - beta_2) * grad ** 2
    param -= learning_rate * (m / (1 - beta_1 ** t)) / (v / (1 - beta_2 ** t) + epsilon)
    return state


@buggy("test_adam", "uses the first step's factors 1 - beta whatever t")
def heldout_adam_t_one(param, grad, state, *, learning_rate, t, beta_1=0.9, beta_2=0.999, epsilon=1e-8):
    return _heldout_adam(param, grad, state, learning_rate, 1, beta_1, beta_2, epsilon)


@buggy("test_nesterov", "heavy-ball and Nesterov momentum add the whole gradient")
def heldout_nesterov_dampened(param, grad, state, *, learning_rate, momentum=0.0, nesterov=False, weight_decay=0.0):
    b = state.momentum_buffer
    b *= momentum
    b += (1 - momentum) * grad
    param -= learning_rate * (grad + momentum * b if nesterov else b)
    return state


@buggy("test_nesterov", "with nesterov=True the buffer was not updated")
def heldout_nesterov_buffer_stays(param, grad, state, *, learning_rate, momentum=0.0, nesterov=False,
                                  weight_decay=0.0):
    b = state.momentum_buffer
    if nesterov:
        param -= learning_rate * (grad + momentum * b)
        return state
    b *= momentum
    b += grad
    param -= learning_rate * b
    return state


@buggy("test_adagrad", "you averaged the old sum with the new square")
def heldout_adagrad_averaged(param, grad, state, *, learning_rate, epsilon=1e-10):
    G = state.sum_of_squares
    G += grad ** 2
    G /= 2
    param -= learning_rate * grad / (np.sqrt(G) + epsilon)
    return state


@buggy("test_steps_to_tolerance", "your heavy-ball rate is the square root of gradient descent's")
def heldout_steps_hb_sqrt_rate(student):
    p = steps_problem(student)
    k = p.L / p.m
    r = (k - 1) / (k + 1)
    return tuple(int(np.ceil(np.log(p.tolerance) / np.log(x))) for x in (r, np.sqrt(r)))


@buggy("test_adam_uncorrected_ratio", "1 / (1 - beta_1^t) is m's correction alone")
def heldout_adam_ratio_inverse_m(student):
    b1, b2, t = adam_step(student)
    return 1 / (1 - b1 ** t)


@buggy("test_adam_uncorrected_ratio", "sqrt(1 - beta_2^t) is v's factor alone")
def heldout_adam_ratio_v_root(student):
    b1, b2, t = adam_step(student)
    return float(np.sqrt(1 - b2 ** t))
