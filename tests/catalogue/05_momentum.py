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
    b = momentum * state.momentum_buffer + grad
    param -= learning_rate * (grad + momentum * b if nesterov else b)
    return SGDState(b, state.scratch)


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
