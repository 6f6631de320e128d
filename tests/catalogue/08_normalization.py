"""Student-style answers to 08_normalization: one wrong answer per catalogued misconception, several right ones."""
import numpy as np
from _entries import buggy, correct


# ---- batchnorm_forward ---------------------------------------------------------------------------------------
@correct("test_batchnorm_forward")
def bn_forward_loops(X, gamma, beta, epsilon=1e-3):
    N, D = X.shape
    Y, means, variances = np.empty_like(X), np.empty(D, X.dtype), np.empty(D, X.dtype)
    for d in range(D):
        column = X[:, d]
        mu = sum(column) / N
        var = sum((x - mu) ** 2 for x in column) / N
        means[d], variances[d] = mu, var
        Y[:, d] = gamma[d] * (column - mu) / (var + epsilon) ** 0.5 + beta[d]
    return Y, means, variances


@correct("test_batchnorm_forward")
def bn_forward_np_var(X, gamma, beta, epsilon=1e-3):
    mu, var = np.mean(X, axis=0, keepdims=True), np.var(X, axis=0, keepdims=True)
    X_hat = (X - mu) * (1.0 / np.sqrt(var + epsilon))
    return X_hat * gamma + beta, mu[0], var[0]


@buggy("test_batchnorm_forward", "divides by N - 1")
def bn_forward_ddof1(X, gamma, beta, epsilon=1e-3):
    mu, var = X.mean(0), X.var(0, ddof=1)
    return gamma * (X - mu) / np.sqrt(var + epsilon) + beta, mu, var


@buggy("test_batchnorm_forward", "epsilon is outside the square root")
def bn_forward_eps_out(X, gamma, beta, epsilon=1e-3):
    mu, var = X.mean(0), X.var(0)
    return gamma * (X - mu) / (np.sqrt(var) + epsilon) + beta, mu, var


@buggy("test_batchnorm_forward", "ignores epsilon")
def bn_forward_no_eps(X, gamma, beta, epsilon=1e-3):
    mu, std = X.mean(0), X.std(0)
    return gamma * (X - mu) / std + beta, mu, std ** 2


@buggy("test_batchnorm_forward", "over its features (axis 1")
def bn_forward_axis1(X, gamma, beta, epsilon=1e-3):
    mu, var = X.mean(1, keepdims=True), X.var(1, keepdims=True)
    return gamma * (X - mu) / np.sqrt(var + epsilon) + beta, mu[:, 0], var[:, 0]


@buggy("test_batchnorm_forward", "the standard deviation")
def bn_forward_returns_std(X, gamma, beta, epsilon=1e-3):
    mu = X.mean(0)
    std = np.sqrt(X.var(0) + epsilon)
    return gamma * (X - mu) / std + beta, mu, std


@buggy("test_batchnorm_forward", "gamma and beta are swapped")
def bn_forward_swapped(X, gamma, beta, epsilon=1e-3):
    mu, var = X.mean(0), X.var(0)
    return beta * (X - mu) / np.sqrt(var + epsilon) + gamma, mu, var


@buggy("test_batchnorm_forward", "without the learned scale and shift")
def bn_forward_no_affine(X, gamma, beta, epsilon=1e-3):
    mu, var = X.mean(0), X.var(0)
    return (X - mu) / np.sqrt(var + epsilon), mu, var


@buggy("test_batchnorm_forward", "mean of X**2")
def bn_forward_uncentred(X, gamma, beta, epsilon=1e-3):
    mu, var = X.mean(0), (X ** 2).mean(0)
    return gamma * (X - mu) / np.sqrt(var + epsilon) + beta, mu, var


# ---- batchnorm_inference ----------------------------------------------------------------------------------------
@correct("test_batchnorm_inference")
def bn_inference_folded(X, gamma, beta, running_mean, running_var, epsilon=1e-3):
    scale = gamma / np.sqrt(running_var + epsilon)      # folded into one affine map, as deployed networks do
    return X * scale + (beta - running_mean * scale)


@correct("test_batchnorm_inference")
def bn_inference_rows(X, gamma, beta, running_mean, running_var, epsilon=1e-3):
    return np.stack([gamma * (x - running_mean) / (running_var + epsilon) ** 0.5 + beta for x in X])


@buggy("test_batchnorm_inference", "statistics of the batch")
def bn_inference_batch_stats(X, gamma, beta, running_mean, running_var, epsilon=1e-3):
    return gamma * (X - X.mean(0)) / np.sqrt(X.var(0) + epsilon) + beta


@buggy("test_batchnorm_inference", "running_var is a variance")
def bn_inference_var_as_std(X, gamma, beta, running_mean, running_var, epsilon=1e-3):
    return gamma * (X - running_mean) / (running_var + epsilon) + beta


@buggy("test_batchnorm_inference", "epsilon is outside the square root")
def bn_inference_eps_out(X, gamma, beta, running_mean, running_var, epsilon=1e-3):
    return gamma * (X - running_mean) / (np.sqrt(running_var) + epsilon) + beta


@buggy("test_batchnorm_inference", "lacks the learned scale and shift")
def bn_inference_no_affine(X, gamma, beta, running_mean, running_var, epsilon=1e-3):
    return (X - running_mean) / np.sqrt(running_var + epsilon)


@buggy("test_batchnorm_inference", "running_mean and running_var are swapped")
def bn_inference_swapped(X, gamma, beta, running_mean, running_var, epsilon=1e-3):
    return gamma * (X - running_var) / np.sqrt(np.abs(running_mean) + epsilon) + beta


# ---- batchnorm_backward -------------------------------------------------------------------------------------------
# Partial credit (Part.credit = dX 2, dgamma 0.5, dbeta 0.5): each wrong answer declares the points of its right
# values (score=...), and its message must name the mistake; test_catalogue checks both. A float64 answer to
# float32 input has no value of the right dtype: 0.
@correct("test_batchnorm_backward")
def bn_backward_step_by_step(dY, X, gamma, epsilon=1e-3):
    # the staged graph: mu -> xc -> var -> std -> x_hat
    N = X.shape[0]
    mu = X.mean(0)
    xc = X - mu
    var = (xc ** 2).mean(0)
    std = np.sqrt(var + epsilon)
    x_hat = xc / std
    dbeta, dgamma = dY.sum(0), (dY * x_hat).sum(0)
    dx_hat = dY * gamma
    dxc = dx_hat / std
    dstd = -(dx_hat * xc).sum(0) / std ** 2
    dvar = dstd / (2 * std)
    dxc += 2 * xc * dvar / N
    dmu = -dxc.sum(0)
    return dxc + dmu / N, dgamma, dbeta


@correct("test_batchnorm_backward")
def bn_backward_jacobian(dY, X, gamma, epsilon=1e-3):
    # per feature, the full N x N Jacobian of x_hat with respect to the column
    N, D = X.shape
    dX = np.empty_like(dY)
    x_hat_all = (X - X.mean(0)) / np.sqrt(X.var(0) + epsilon)
    for d in range(D):
        x_hat = x_hat_all[:, d]
        inv_std = 1 / np.sqrt(X[:, d].var() + epsilon)
        jac = inv_std * (np.eye(N) - 1.0 / N - np.outer(x_hat, x_hat) / N)
        dX[:, d] = jac.T @ (dY[:, d] * gamma[d])
    return dX, (dY * x_hat_all).sum(0), dY.sum(0)


@buggy("test_batchnorm_backward", "treats the batch mean and variance as constants", score=1)
def bn_backward_constants(dY, X, gamma, epsilon=1e-3):
    x_hat = (X - X.mean(0)) / np.sqrt(X.var(0) + epsilon)
    return dY * gamma / np.sqrt(X.var(0) + epsilon), (dY * x_hat).sum(0), dY.sum(0)


@buggy("test_batchnorm_backward", "not through the variance", score=1)
def bn_backward_only_mean(dY, X, gamma, epsilon=1e-3):
    inv = 1 / np.sqrt(X.var(0) + epsilon)
    x_hat = (X - X.mean(0)) * inv
    g = dY * gamma
    return inv * (g - g.sum(0) / len(X)), (dY * x_hat).sum(0), dY.sum(0)


@buggy("test_batchnorm_backward", "not through the mean", score=1)
def bn_backward_only_var(dY, X, gamma, epsilon=1e-3):
    inv = 1 / np.sqrt(X.var(0) + epsilon)
    x_hat = (X - X.mean(0)) * inv
    g = dY * gamma
    return inv * (g - x_hat * (g * x_hat).sum(0) / len(X)), (dY * x_hat).sum(0), dY.sum(0)


def _true_dx(dY, X, gamma, epsilon):
    N = len(X)
    inv = 1 / np.sqrt(X.var(0) + epsilon)
    x_hat = (X - X.mean(0)) * inv
    g = dY * gamma
    return inv / N * (N * g - g.sum(0) - x_hat * (g * x_hat).sum(0)), x_hat


@buggy("test_batchnorm_backward", "your dgamma is the sum of dY", score=2.5)
def bn_backward_dgamma_sum(dY, X, gamma, epsilon=1e-3):
    dX, _ = _true_dx(dY, X, gamma, epsilon)
    return dX, dY.sum(0), dY.sum(0)


@buggy("test_batchnorm_backward", "by the raw input X", score=2.5)
def bn_backward_dgamma_raw(dY, X, gamma, epsilon=1e-3):
    dX, _ = _true_dx(dY, X, gamma, epsilon)
    return dX, (dY * X).sum(0), dY.sum(0)


@buggy("test_batchnorm_backward", "dgamma and dbeta are swapped", score=2)
def bn_backward_swapped(dY, X, gamma, epsilon=1e-3):
    dX, x_hat = _true_dx(dY, X, gamma, epsilon)
    return dX, dY.sum(0), (dY * x_hat).sum(0)


@buggy("test_batchnorm_backward", "your dX forgets gamma", score=1)
def bn_backward_no_gamma(dY, X, gamma, epsilon=1e-3):
    dX, x_hat = _true_dx(dY, X, np.ones_like(gamma), epsilon)
    return dX, (dY * x_hat).sum(0), dY.sum(0)


@buggy("test_batchnorm_backward", "divided by N - 1", score=0.5)
def bn_backward_ddof1(dY, X, gamma, epsilon=1e-3):
    N = len(X)
    inv = 1 / np.sqrt(X.var(0, ddof=1) + epsilon)
    x_hat = (X - X.mean(0)) * inv
    g = dY * gamma
    dX = inv * (g - g.mean(0) - x_hat * (g * x_hat).sum(0) / (N - 1))
    return dX, (dY * x_hat).sum(0), dY.sum(0)


@buggy("test_batchnorm_backward", "averaged over the batch", score=2)
def bn_backward_means(dY, X, gamma, epsilon=1e-3):
    dX, x_hat = _true_dx(dY, X, gamma, epsilon)
    return dX, (dY * x_hat).mean(0), dY.mean(0)


# ---- batchnorm_inference_backward -----------------------------------------------------------------------------
@correct("test_batchnorm_inference_backward")
def bn_inference_backward_folded(dY, X, gamma, running_mean, running_var, epsilon=1e-3):
    scale = gamma / np.sqrt(running_var + epsilon)    # the layer is one affine map at inference: its slope
    return dY * scale


@correct("test_batchnorm_inference_backward")
def bn_inference_backward_loops(dY, X, gamma, running_mean, running_var, epsilon=1e-3):
    # per feature, the chain rule through x_hat = (x - running_mean) / std, std a constant
    dX = np.empty_like(dY)
    for d in range(dY.shape[1]):
        std = (running_var[d] + epsilon) ** 0.5
        dx_hat = dY[:, d] * gamma[d]
        dX[:, d] = dx_hat / std
    return dX


@correct("test_batchnorm_inference_backward")
def bn_inference_backward_staged(dY, X, gamma, running_mean, running_var, epsilon=1e-3):
    # the graph of part 2: xc = X - running_mean, x_hat = xc * inv_std, Y = gamma * x_hat + beta
    inv_std = 1 / np.sqrt(running_var + epsilon)
    dx_hat = dY * gamma
    dxc = dx_hat * inv_std
    return dxc                                           # d(X - running_mean)/dX is the identity


@buggy("test_batchnorm_inference_backward", "the training-mode gradient of part 3")
def bn_inference_backward_part3(dY, X, gamma, running_mean, running_var, epsilon=1e-3):
    N = len(X)
    inv = 1 / np.sqrt(X.var(0) + epsilon)
    x_hat = (X - X.mean(0)) * inv
    g = dY * gamma
    return inv / N * (N * g - g.sum(0) - x_hat * (g * x_hat).sum(0))


@buggy("test_batchnorm_inference_backward", "the batch's standard deviation")
def bn_inference_backward_batch_std(dY, X, gamma, running_mean, running_var, epsilon=1e-3):
    return dY * gamma / np.sqrt(np.var(X, axis=0) + epsilon)


@buggy("test_batchnorm_inference_backward", "keeps the terms of the training-mode gradient")
def bn_inference_backward_kept_terms(dY, X, gamma, running_mean, running_var, epsilon=1e-3):
    std = np.sqrt(running_var + epsilon)
    x_hat = (X - running_mean) / std
    g = dY * gamma
    return (g - g.mean(0) - x_hat * (g * x_hat).mean(0)) / std


@buggy("test_batchnorm_inference_backward", "your dX ignores epsilon")
def bn_inference_backward_no_eps(dY, X, gamma, running_mean, running_var, epsilon=1e-3):
    return gamma * dY / running_var ** 0.5


@buggy("test_batchnorm_inference_backward", "epsilon is outside the square root")
def bn_inference_backward_eps_out(dY, X, gamma, running_mean, running_var, epsilon=1e-3):
    std = np.sqrt(running_var) + epsilon
    return dY * gamma / std


@buggy("test_batchnorm_inference_backward", "your dX forgets gamma")
def bn_inference_backward_no_gamma(dY, X, gamma, running_mean, running_var, epsilon=1e-3):
    return dY / np.sqrt(running_var + epsilon)


@buggy("test_batchnorm_inference_backward", "running_var is a variance")
def bn_inference_backward_var(dY, X, gamma, running_mean, running_var, epsilon=1e-3):
    return dY * gamma / (running_var + epsilon)


@buggy("test_batchnorm_inference_backward", "an unbiased variance")
def bn_inference_backward_bessel(dY, X, gamma, running_mean, running_var, epsilon=1e-3):
    m = X.shape[0]
    var = m / (m - 1) * running_var    # Var[x] = m/(m-1) E[sigma_B^2], the paper's inference variance
    return dY * gamma / np.sqrt(var + epsilon)


# ---- running_update --------------------------------------------------------------------------------------------------
@correct("test_running_update")
def running_lerp(running_mean, running_var, X, momentum=0.99):
    mean, var = X.mean(0), X.var(0)
    return running_mean + (1 - momentum) * (mean - running_mean), running_var + (1 - momentum) * (var - running_var)


@correct("test_running_update")
def running_loop(running_mean, running_var, X, momentum=0.99):
    new_mean, new_var = running_mean.copy(), running_var.copy()
    for d in range(X.shape[1]):
        column = X[:, d]
        mu = column.sum() / len(column)
        new_mean[d] = momentum * new_mean[d] + (1 - momentum) * mu
        new_var[d] = momentum * new_var[d] + (1 - momentum) * ((column - mu) ** 2).sum() / len(column)
    return new_mean, new_var


@buggy("test_running_update", "PyTorch's convention")
def running_torch(running_mean, running_var, X, momentum=0.99):
    return (1 - momentum) * running_mean + momentum * X.mean(0), (1 - momentum) * running_var + momentum * X.var(0)


@buggy("test_running_update", "unbiased variance")
def running_unbiased(running_mean, running_var, X, momentum=0.99):
    return (momentum * running_mean + (1 - momentum) * X.mean(0),
            momentum * running_var + (1 - momentum) * X.var(0, ddof=1))


@buggy("test_running_update", "batch standard deviation")
def running_std(running_mean, running_var, X, momentum=0.99):
    return (momentum * running_mean + (1 - momentum) * X.mean(0),
            momentum * running_var + (1 - momentum) * X.std(0))


@buggy("test_running_update", "replaced by the batch statistics")
def running_replace(running_mean, running_var, X, momentum=0.99):
    return X.mean(0), X.var(0)


# ---- dropout_forward -----------------------------------------------------------------------------------------------
@correct("test_dropout_forward")
def dropout_where(X, rate, rng, training=True):
    keep = np.ones(X.shape, dtype=bool)
    if training and rate > 0:
        keep = np.random.default_rng(rng).random(X.shape) >= rate
    Y = np.where(keep, X / (1 - rate), 0.0).astype(X.dtype) if training else X.copy()
    return Y, keep


@buggy("test_dropout_forward", "keep is an array of floats; a boolean mask is expected")
def dropout_float_mask(X, rate, rng, training=True):
    if not training:
        return X, np.ones_like(X, dtype=bool)
    generator = rng if isinstance(rng, np.random.Generator) else np.random.default_rng(rng)
    u = generator.random(size=X.shape)
    mask = (u >= rate).astype(X.dtype)
    return X * mask * (1.0 / (1.0 - rate)), mask


@buggy("test_dropout_forward", "survivors are not rescaled")
def dropout_no_scale(X, rate, rng, training=True):
    if not training:
        return X, np.ones(X.shape, bool)
    keep = np.random.default_rng(rng).random(X.shape) >= rate
    return X * keep, keep


@buggy("test_dropout_forward", "multiplied by 1 - rate")
def dropout_old_scaling(X, rate, rng, training=True):
    if not training:
        return X, np.ones(X.shape, bool)
    keep = np.random.default_rng(rng).random(X.shape) >= rate
    return X * keep * (1 - rate), keep


@buggy("test_dropout_forward", "probability of keeping a unit")
def dropout_rate_as_keep(X, rate, rng, training=True):
    if not training or rate == 0:
        return X, np.ones(X.shape, bool)
    keep = np.random.default_rng(rng).random(X.shape) < rate
    return X * keep / rate, keep


@buggy("test_dropout_forward", "still active at inference")
def dropout_always(X, rate, rng, training=True):
    if rate == 0:
        return X, np.ones(X.shape, bool)
    keep = np.random.default_rng(rng).random(X.shape) >= rate
    return X * keep / (1 - rate), keep


@buggy("test_dropout_forward", "at inference you scaled X by 1 - rate")
def dropout_test_scaling(X, rate, rng, training=True):
    if not training:
        return X * (1 - rate), np.ones(X.shape, bool)
    if rate == 0:
        return X, np.ones(X.shape, bool)
    keep = np.random.default_rng(rng).random(X.shape) >= rate
    return X * keep / (1 - rate), keep


@buggy("test_dropout_forward", "rng.random(X.shape) < 1 - rate")
def dropout_lt(X, rate, rng, training=True):
    if not training:
        return X, np.ones(X.shape, bool)
    keep = np.random.default_rng(rng).random(X.shape) < 1 - rate
    return X * keep / (1 - rate), keep


@buggy("test_dropout_forward", "marks the dropped entries")
def dropout_returns_dropped(X, rate, rng, training=True):
    if not training or rate == 0:
        return X, np.ones(X.shape, bool)
    dropped = np.random.default_rng(rng).random(X.shape) < rate
    return X * ~dropped / (1 - rate), dropped


@buggy("test_dropout_forward", "not np.random's global one")
def dropout_global(X, rate, rng, training=True):
    if not training or rate == 0:
        return X, np.ones(X.shape, bool)
    np.random.seed(rng)
    keep = np.random.rand(*X.shape) >= rate
    return X * keep / (1 - rate), keep


# ---- dropout_backward --------------------------------------------------------------------------------------------
@correct("test_dropout_backward")
def dropout_backward_where(dY, keep, rate):
    return np.where(keep, dY / (1 - rate), 0).astype(dY.dtype)


@correct("test_dropout_backward")
def dropout_backward_mask(dY, keep, rate):
    mask = keep.astype(dY.dtype) / (1 - rate)
    return dY * mask


@buggy("test_dropout_backward", "without the 1 / (1 - rate)")
def dropout_backward_no_scale(dY, keep, rate):
    return dY * keep


@buggy("test_dropout_backward", "you divided by rate")
def dropout_backward_by_rate(dY, keep, rate):
    return dY * keep / rate


@buggy("test_dropout_backward", "you multiplied by 1 - rate")
def dropout_backward_times(dY, keep, rate):
    return dY * keep * (1 - rate)


@buggy("test_dropout_backward", "ignores the mask")
def dropout_backward_no_mask(dY, keep, rate):
    return dY / (1 - rate)


@buggy("test_dropout_backward", "through the dropped entries and not the kept ones")
def dropout_backward_inverted(dY, keep, rate):
    return dY * (1 - keep) / (1 - rate)


@buggy("test_dropout_backward", "never a new draw")
def dropout_backward_new_mask(dY, keep, rate):
    new_keep = np.random.default_rng(12345).random(dY.shape) >= rate
    return dY * new_keep / (1 - rate)


# ---- adamw_update ---------------------------------------------------------------------------------------------------
def _adam(param, grad, m, v, t, lr, b1, b2, eps):
    m = b1 * m + (1 - b1) * grad
    v = b2 * v + (1 - b2) * grad ** 2
    return param - lr * (m / (1 - b1 ** t)) / (np.sqrt(v / (1 - b2 ** t)) + eps), m, v


@correct("test_adamw_update")
def adamw_decay_term(param, grad, m, v, t, *, learning_rate, weight_decay, beta_1=0.9, beta_2=0.999, epsilon=1e-8):
    # the decay written as a separate term, lr * wd * param, from the parameter before the step
    new_param, new_m, new_v = _adam(param, grad, m, v, t, learning_rate, beta_1, beta_2, epsilon)
    return new_param - learning_rate * weight_decay * param, new_m, new_v


@correct("test_adamw_update")
def adamw_step_size(param, grad, m, v, t, *, learning_rate, weight_decay, beta_1=0.9, beta_2=0.999, epsilon=1e-8):
    # Kingma & Ba's "alpha_t" form, with epsilon rescaled so that it stays added to sqrt(v_hat)
    m = beta_1 * m + (1 - beta_1) * grad
    v = beta_2 * v + (1 - beta_2) * grad * grad
    c2 = np.sqrt(1 - beta_2 ** t)
    alpha = learning_rate * c2 / (1 - beta_1 ** t)
    p = param.copy()
    p *= 1 - learning_rate * weight_decay
    p -= alpha * m / (np.sqrt(v) + epsilon * c2)
    return p, m, v


@buggy("test_adamw_update", "L2 penalty under Adam")
def adamw_as_l2(param, grad, m, v, t, *, learning_rate, weight_decay, beta_1=0.9, beta_2=0.999, epsilon=1e-8):
    return _adam(param, grad + weight_decay * param, m, v, t, learning_rate, beta_1, beta_2, epsilon)


@buggy("test_adamw_update", "after the Adam step")
def adamw_decay_last(param, grad, m, v, t, *, learning_rate, weight_decay, beta_1=0.9, beta_2=0.999, epsilon=1e-8):
    p, m, v = _adam(param, grad, m, v, t, learning_rate, beta_1, beta_2, epsilon)
    return p * (1 - learning_rate * weight_decay), m, v


@buggy("test_adamw_update", "not multiplied by the learning rate")
def adamw_decay_without_lr(param, grad, m, v, t, *, learning_rate, weight_decay, beta_1=0.9, beta_2=0.999,
                           epsilon=1e-8):
    return _adam(param * (1 - weight_decay), grad, m, v, t, learning_rate, beta_1, beta_2, epsilon)


@buggy("test_adamw_update", "that is plain Adam")
def adamw_plain_adam(param, grad, m, v, t, *, learning_rate, weight_decay, beta_1=0.9, beta_2=0.999, epsilon=1e-8):
    return _adam(param, grad, m, v, t, learning_rate, beta_1, beta_2, epsilon)


@buggy("test_adamw_update", "no bias correction")
def adamw_uncorrected(param, grad, m, v, t, *, learning_rate, weight_decay, beta_1=0.9, beta_2=0.999, epsilon=1e-8):
    m = beta_1 * m + (1 - beta_1) * grad
    v = beta_2 * v + (1 - beta_2) * grad ** 2
    return param * (1 - learning_rate * weight_decay) - learning_rate * m / (np.sqrt(v) + epsilon), m, v


@buggy("test_adamw_update", "uses step t + 1")
def adamw_next_t(param, grad, m, v, t, *, learning_rate, weight_decay, beta_1=0.9, beta_2=0.999, epsilon=1e-8):
    return _adam(param * (1 - learning_rate * weight_decay), grad, m, v, t + 1, learning_rate, beta_1, beta_2, epsilon)


@buggy("test_adamw_update", "decayed the weights twice")
def adamw_twice(param, grad, m, v, t, *, learning_rate, weight_decay, beta_1=0.9, beta_2=0.999, epsilon=1e-8):
    p, m, v = _adam(param, grad + weight_decay * param, m, v, t, learning_rate, beta_1, beta_2, epsilon)
    return p - learning_rate * weight_decay * param, m, v


# ---- warmup_schedule ------------------------------------------------------------------------------------------------
def _cos(peak, T, s):
    return peak * 0.5 * (1 + np.cos(np.pi * min(s, T) / T))


@correct("test_warmup_schedule")
def warmup_vectorised(steps, peak, warmup_steps, decay_steps):
    t = np.arange(steps)
    s = np.clip(t - warmup_steps, 0, decay_steps)
    return np.where(t < warmup_steps, peak * (t + 1) / warmup_steps, peak * 0.5 * (1 + np.cos(np.pi * s / decay_steps)))


@correct("test_warmup_schedule")
def warmup_list(steps, peak, warmup_steps, decay_steps):
    rates = [peak * (t + 1) / warmup_steps for t in range(min(steps, warmup_steps))]
    rates += [_cos(peak, decay_steps, s) for s in range(steps - len(rates))]
    return np.array(rates, dtype=float)


@buggy("test_warmup_schedule", "your first step (t = 0) has learning rate 0")
def warmup_zero_first(steps, peak, warmup_steps, decay_steps):
    return np.array([peak * t / warmup_steps if t < warmup_steps else _cos(peak, decay_steps, t - warmup_steps)
                     for t in range(steps)])


@buggy("test_warmup_schedule", "is not shifted")
def warmup_unshifted(steps, peak, warmup_steps, decay_steps):
    return np.array([peak * (t + 1) / warmup_steps if t < warmup_steps else _cos(peak, decay_steps, t)
                     for t in range(steps)])


@buggy("test_warmup_schedule", "one step late")
def warmup_late(steps, peak, warmup_steps, decay_steps):
    return np.array([peak * (t + 1) / warmup_steps if t < warmup_steps else
                     _cos(peak, decay_steps, t - warmup_steps + 1) for t in range(steps)])


@buggy("test_warmup_schedule", "never reaches the peak")
def warmup_too_long(steps, peak, warmup_steps, decay_steps):
    return np.array([peak * (t + 1) / (warmup_steps + 1) if t < warmup_steps else
                     _cos(peak, decay_steps, t - warmup_steps) for t in range(steps)])


@buggy("test_warmup_schedule", "stays at the peak")
def warmup_flat(steps, peak, warmup_steps, decay_steps):
    return np.minimum(peak * (np.arange(steps) + 1) / warmup_steps, peak)


# ---- concepts (each entry takes the student id and returns what that student would assign) ----------------------
def _running(student):
    from gdkit.problems.normalization import running_average_problem
    return running_average_problem(student)


@correct("test_running_mean_after")
def running_mean_closed_form(student):
    p = _running(student)
    return p.value * (1 - p.momentum ** p.steps)


@correct("test_running_mean_after")
def running_mean_loop_rounded(student):
    p = _running(student)
    average = p.start
    for _ in range(p.steps):
        average = p.momentum * average + (1 - p.momentum) * p.value
    return float(f"{average:.3g}")


@buggy("test_running_mean_after", "that is the batch mean itself")
def running_mean_is_value(student):
    return _running(student).value


@buggy("test_running_mean_after", "after one step, not after all of them")
def running_mean_one_step(student):
    p = _running(student)
    return (1 - p.momentum) * p.value


@buggy("test_running_mean_after", "momentum**steps is the weight left on the old value")
def running_mean_power(student):
    p = _running(student)
    return p.momentum ** p.steps * p.value


@buggy("test_running_mean_after", "the gap to the batch mean shrinks geometrically")
def running_mean_linear(student):
    p = _running(student)
    return p.steps * (1 - p.momentum) * p.value


def _range(student):
    from gdkit.problems.normalization import range_test_problem
    return range_test_problem(student)


def _smoothed(problem):
    losses, average, smooth = problem.losses, 0.0, []
    for t, loss in enumerate(losses, start=1):
        average = 0.9 * average + 0.1 * loss
        smooth.append(average / (1 - 0.9 ** t))
    return np.array(smooth)


@correct("test_range_test_rate")
def range_tenth_of_minimum(student):
    p = _range(student)
    return float(p.learning_rates[int(np.argmin(_smoothed(p)))] / 10)


@correct("test_range_test_rate")
def range_read_off_rounded(student):
    # read off the plot as one significant digit, a little below a tenth of the minimum
    p = _range(student)
    return float(f"{0.7 * p.learning_rates[int(np.argmin(_smoothed(p)))] / 10:.0e}")


@buggy("test_range_test_rate", "that is the rate at the minimum of the loss")
def range_at_minimum(student):
    p = _range(student)
    return float(p.learning_rates[int(np.argmin(_smoothed(p)))])


@buggy("test_range_test_rate", "training diverges there")
def range_blown_up(student):
    p = _range(student)
    smooth = _smoothed(p)
    lowest = int(np.argmin(smooth))
    return float(p.learning_rates[lowest + np.nonzero(smooth[lowest:] > smooth[0])[0][0]])


@buggy("test_range_test_rate", "the smallest rate of the ramp")
def range_smallest(student):
    return float(_range(student).learning_rates[0])


@buggy("test_range_test_rate", "a hundredth of the rate at the minimum")
def range_hundredth(student):
    p = _range(student)
    return float(p.learning_rates[int(np.argmin(_smoothed(p)))] / 100)


@buggy("test_range_test_rate", "not within a factor of 2")
def range_raw_minimum_tenth_of_noisy(student):
    # a third of the minimum: between the rule and the minimum, no catalogued misconception
    p = _range(student)
    return float(p.learning_rates[int(np.argmin(_smoothed(p)))] / 3.5)


def _problem(student):
    from gdkit.problems.normalization import debugging_problem
    return debugging_problem(student)


def _letter(student, words):
    """The letter of the option whose text contains ``words`` in this student's order."""
    return next(letter for letter, text in _problem(student).options.items() if words in text)


@correct("test_diagnosis")
def diagnosis_checklist(student):
    p = _problem(student)
    K, initial, after, tiny, ratio, (low, high), _, (v1, v2) = p.statistics.values()
    if v1 != v2:
        return _letter(student, "dropout")
    if np.isnan(after) or ratio > 0.05:
        return _letter(student, "far too large")
    if ratio < 1e-5:
        return _letter(student, "far too small")
    if high / low > 1e3:
        return _letter(student, "not standardised")
    if initial > 2 * np.log(K):
        return _letter(student, "initial weights")
    return _letter(student, "labels")


@correct("test_diagnosis")
def diagnosis_other_order(student):
    p = _problem(student)
    K, initial, after, tiny, ratio, (low, high), train_acc, (v1, v2) = p.statistics.values()
    if high > 50 * low:
        words = "not standardised"
    elif initial > 1.5 * np.log(K) and ratio < 0.1:
        words = "initial weights"
    elif abs(v1 - v2) > 0.005:
        words = "dropout"
    elif ratio >= 0.1:
        words = "far too large"
    elif ratio <= 1e-6:
        words = "far too small"
    else:
        words = "labels"
    return " " + _letter(student, words).lower() + " "


def _wrong(words):
    def answer(student):
        right = diagnosis_checklist(student)
        mine = _letter(student, words)
        return mine if mine != right else _letter(student, "labels" if words != "labels" else "dropout")
    return answer


diagnosis_wrong_large = buggy("test_diagnosis", "does not fit")(_wrong("far too large"))
diagnosis_wrong_small = buggy("test_diagnosis", "does not fit")(_wrong("far too small"))
diagnosis_wrong_unscaled = buggy("test_diagnosis", "does not fit")(_wrong("not standardised"))
diagnosis_wrong_labels = buggy("test_diagnosis", "does not fit")(_wrong("labels"))
diagnosis_wrong_dropout = buggy("test_diagnosis", "does not fit")(_wrong("dropout"))
diagnosis_wrong_init = buggy("test_diagnosis", "does not fit")(_wrong("initial weights"))


# ---- contracts ----------------------------------------------------------------------------------------------
@buggy("test_adamw_update", "changed its argument")
def adamw_in_place(param, grad, m, v, t, *, learning_rate, weight_decay, beta_1=0.9, beta_2=0.999, epsilon=1e-8):
    # the right numbers, but the caller's arrays are updated in place (the contract returns new ones)
    param *= 1 - learning_rate * weight_decay
    m *= beta_1
    m += (1 - beta_1) * grad
    v *= beta_2
    v += (1 - beta_2) * grad ** 2
    param -= learning_rate * (m / (1 - beta_1 ** t)) / (np.sqrt(v / (1 - beta_2 ** t)) + epsilon)
    return param, m, v


@buggy("test_batchnorm_forward", "changed its argument")
def bn_forward_centres_in_place(X, gamma, beta, epsilon=1e-3):
    mu = X.mean(0)
    X -= mu
    var = (X ** 2).mean(0)
    return gamma * X / np.sqrt(var + epsilon) + beta, mu, var


@buggy("test_dropout_forward", "draws from NumPy's global generator")
def dropout_unseeded_global(X, rate, rng, training=True):
    if not training or rate == 0:
        return X, np.ones(X.shape, bool)
    keep = np.random.random(X.shape) >= rate
    return X * keep / (1 - rate), keep


@buggy("test_batchnorm_backward", "dtype")
def bn_backward_float64(dY, X, gamma, epsilon=1e-3):
    dX, x_hat = _true_dx(dY.astype(np.float64), X.astype(np.float64), gamma.astype(np.float64), epsilon)
    return dX, (dY * x_hat).sum(0), dY.sum(0).astype(np.float64)


# ---- the held-out measurement of 2026-11-30: mistakes that escaped or got a vague message, by kind -------------
from gdkit import tuning  # noqa: E402
from gdkit.problems.normalization import (debugging_problem, range_test_problem,  # noqa: E402
                                         running_average_problem)


@buggy('test_batchnorm_forward', 'the variance you returned includes epsilon; return the batch')
def heldout_batchnorm_forward_var_plus_eps(X, gamma, beta, epsilon=1e-3):
    mean = X.mean(axis=0); var = X.var(axis=0) + epsilon
    return gamma * (X - mean) / np.sqrt(var) + beta, mean, var


@buggy('test_batchnorm_forward', 'you used one mean and one variance for the whole batch; batc')
def heldout_batchnorm_forward_global_stats(X, gamma, beta, epsilon=1e-3):
    mean = X.mean(); var = X.var()
    Y = gamma * (X - mean) / np.sqrt(var + epsilon) + beta
    return Y, np.full(X.shape[1], mean), np.full(X.shape[1], var)


@buggy('test_batchnorm_forward', 'your Y lacks the shift beta: Y = gamma * X_hat + beta')
def heldout_batchnorm_forward_no_beta(X, gamma, beta, epsilon=1e-3):
    mean = X.mean(axis=0); var = X.var(axis=0)
    return gamma * (X - mean) / np.sqrt(var + epsilon), mean, var


@buggy('test_batchnorm_inference', 'your normalisation ignores epsilon: divide by sqrt(running_v')
def heldout_batchnorm_inference_no_eps(X, gamma, beta, running_mean, running_var, epsilon=1e-3):
    return gamma * (X - running_mean) / np.sqrt(running_var) + beta


@buggy('test_running_update', 'you folded var + epsilon into the running variance; fold in ')
def heldout_running_update_var_plus_eps(running_mean, running_var, X, momentum=0.99):
    return momentum * running_mean + (1 - momentum) * X.mean(0), momentum * running_var + (1 - momentum) * (X.var(0) + 1e-3)


@buggy('test_running_update', "you returned (variance, mean); the contract's order is (new_")
def heldout_running_update_swapped_outputs(running_mean, running_var, X, momentum=0.99):
    return momentum * running_var + (1 - momentum) * X.var(0), momentum * running_mean + (1 - momentum) * X.mean(0)


@buggy('test_running_update', "you averaged over the whole batch (or over each example's fe")
def heldout_running_update_global(running_mean, running_var, X, momentum=0.99):
    return momentum * running_mean + (1 - momentum) * X.mean(1).mean(), momentum * running_var + (1 - momentum) * X.var(1).mean()


@buggy('test_running_update', 'the batch statistics enter without their weight 1 - momentum')
def heldout_running_update_no_weight(running_mean, running_var, X, momentum=0.99):
    return momentum * running_mean + X.mean(0), momentum * running_var + X.var(0)


@buggy('test_running_update', 'you measured the batch variance around the running mean; fol')
def heldout_running_update_around_old_mean(running_mean, running_var, X, momentum=0.99):
    return momentum * running_mean + (1 - momentum) * X.mean(0), momentum * running_var + (1 - momentum) * ((X - running_mean) ** 2).mean(0)


@buggy('test_adamw_update', 'your decay shrinks by 1 - 2 * learning_rate * weight_decay (')
def heldout_adamw_update_decay_twice(param, grad, m, v, t, *, learning_rate, weight_decay, beta_1=0.9, beta_2=0.999, epsilon=1e-8):
    nm = beta_1 * m + (1 - beta_1) * grad
    nv = beta_2 * v + (1 - beta_2) * grad ** 2
    mh = nm / (1 - beta_1 ** t); vh = nv / (1 - beta_2 ** t)
    return param * (1 - 2 * learning_rate * weight_decay) - learning_rate * mh / (np.sqrt(vh) + epsilon), nm, nv


@buggy('test_adamw_update', "you returned (m, v, param); the contract's order is (new_par")
def heldout_adamw_update_order(param, grad, m, v, t, *, learning_rate, weight_decay, beta_1=0.9, beta_2=0.999, epsilon=1e-8):
    nm = beta_1 * m + (1 - beta_1) * grad
    nv = beta_2 * v + (1 - beta_2) * grad ** 2
    mh = nm / (1 - beta_1 ** t); vh = nv / (1 - beta_2 ** t)
    return nm, nv, param * (1 - learning_rate * weight_decay) - learning_rate * mh / (np.sqrt(vh) + epsilon)


@buggy('test_adamw_update', "your decay weight_decay * param went through Adam's normalis")
def heldout_adamw_update_decay_normalised(param, grad, m, v, t, *, learning_rate, weight_decay, beta_1=0.9, beta_2=0.999, epsilon=1e-8):
    nm = beta_1 * m + (1 - beta_1) * grad
    nv = beta_2 * v + (1 - beta_2) * grad ** 2
    mh = nm / (1 - beta_1 ** t); vh = nv / (1 - beta_2 ** t)
    return param - learning_rate * (mh + weight_decay * param) / (np.sqrt(vh) + epsilon), nm, nv


@buggy('test_warmup_schedule', 'after decay_steps your cosine rises again: the decay stops a')
def heldout_warmup_schedule_no_floor(steps, peak, warmup_steps, decay_steps):
    out = np.zeros(steps)
    for t in range(steps):
        if t < warmup_steps:
            out[t] = peak * (t + 1) / warmup_steps
        else:
            s = t - warmup_steps
            out[t] = peak * 0.5 * (1 + np.cos(np.pi * s / decay_steps))
    return out


@buggy('test_warmup_schedule', 'your decay is peak * cos(pi s / T); the cosine decay is peak')
def heldout_warmup_schedule_cos_only(steps, peak, warmup_steps, decay_steps):
    out = np.zeros(steps)
    for t in range(steps):
        if t < warmup_steps:
            out[t] = peak * (t + 1) / warmup_steps
        else:
            s = min(t - warmup_steps, decay_steps)
            out[t] = peak * max(np.cos(np.pi * s / decay_steps), 0)
    return out


@buggy('test_warmup_schedule', 'your decay is cos(pi s / (2 T)), a quarter period; the cosin')
def heldout_warmup_schedule_quarter_cosine(steps, peak, warmup_steps, decay_steps):
    out = np.zeros(steps)
    for t in range(steps):
        if t < warmup_steps:
            out[t] = peak * (t + 1) / warmup_steps
        else:
            s = min(t - warmup_steps, decay_steps)
            out[t] = peak * np.cos(0.5 * np.pi * s / decay_steps)
    return out


@buggy('test_warmup_schedule', "your decay is linear; the schedule's decay is a cosine, peak")
def heldout_warmup_schedule_linear_decay(steps, peak, warmup_steps, decay_steps):
    out = np.zeros(steps)
    for t in range(steps):
        if t < warmup_steps:
            out[t] = peak * (t + 1) / warmup_steps
        else:
            s = min(t - warmup_steps, decay_steps)
            out[t] = peak * (1 - s / decay_steps)
    return out


@buggy('test_running_mean_after', 'that is the running mean after steps - 1 updates (off by one')
def heldout_running_mean_after_one_step_less(student):
    p = running_average_problem(student); m, k, x = p.momentum, p.steps, p.value
    return x * (1 - m ** (k - 1))


@buggy('test_running_mean_after', 'that is the running mean after steps + 1 updates (off by one')
def heldout_running_mean_after_one_step_more(student):
    p = running_average_problem(student); m, k, x = p.momentum, p.steps, p.value
    return x * (1 - m ** (k + 1))


@buggy('test_running_mean_after', 'that is the fraction 1 - momentum**steps of the way covered;')
def heldout_running_mean_after_fraction(student):
    p = running_average_problem(student); m, k, x = p.momentum, p.steps, p.value
    return 1 - m ** k


@buggy('test_running_mean_after', '(1 - momentum)**steps is not the weight of anything here: ea')
def heldout_running_mean_after_one_minus_power(student):
    p = running_average_problem(student); m, k, x = p.momentum, p.steps, p.value
    return x * (1 - m) ** k


@buggy('test_range_test_rate', 'that is the largest rate of the ramp, where the loss has lon')
def heldout_range_test_rate_largest(student):
    p = range_test_problem(student); rates, loss = p.learning_rates, p.losses
    sm = tuning.RangeTest(rates, loss).smoothed()
    return float(rates[-1])


@buggy('test_range_test_rate', 'that is ten times the rate at the minimum, deep in the blow-')
def heldout_range_test_rate_ten_times(student):
    p = range_test_problem(student)
    sm = tuning.RangeTest(p.learning_rates, p.losses).smoothed()
    return float(p.learning_rates[np.argmin(sm)] * 10)


@buggy('test_range_test_rate', 'that is the lowest smoothed LOSS; the answer is a learning r')
def heldout_range_test_rate_loss(student):
    p = range_test_problem(student); rates, loss = p.learning_rates, p.losses
    sm = tuning.RangeTest(rates, loss).smoothed()
    return float(np.min(sm))


@buggy('test_range_test_rate', 'that is the position (index) of the minimum in the arrays; t')
def heldout_range_test_rate_index(student):
    p = range_test_problem(student); rates, loss = p.learning_rates, p.losses
    sm = tuning.RangeTest(rates, loss).smoothed()
    return int(np.argmin(sm))


@buggy("test_batchnorm_forward", "your variance is one number for the whole batch")
def heldout_bn_global_var(X, gamma, beta, epsilon=1e-3):
    mean = X.mean(0)
    var = np.full(X.shape[1], ((X - mean) ** 2).mean(), dtype=X.dtype)
    return gamma * (X - mean) / np.sqrt(var + epsilon) + beta, mean, var


@buggy("test_adamw_update", "to the gradient that enters m")
def heldout_adamw_decay_in_m(param, grad, m, v, t, *, learning_rate, weight_decay, beta_1=0.9, beta_2=0.999,
                             epsilon=1e-8):
    new_m = beta_1 * m + (1 - beta_1) * (grad + weight_decay * param)
    new_v = beta_2 * v + (1 - beta_2) * grad ** 2
    step = (new_m / (1 - beta_1 ** t)) / (np.sqrt(new_v / (1 - beta_2 ** t)) + epsilon)
    return param - learning_rate * step, new_m, new_v


@buggy("test_warmup_schedule", "your ramp starts at 0 (np.linspace(0, peak, warmup_steps))")
def heldout_warmup_linspace(steps, peak, warmup_steps, decay_steps):
    ramp = list(np.linspace(0, peak, warmup_steps))
    return np.array([ramp[t] if t < warmup_steps else
                     peak * 0.5 * (1 + np.cos(np.pi * min(t - warmup_steps, decay_steps) / decay_steps))
                     for t in range(steps)])


# ---- issue 9: contract checks and mistakes found by a second held-out measurement ----------------------------------
@buggy("test_dropout_forward", "Y is float64 for float32 input")
def dropout_float64_scale(X, rate, rng, training=True):
    if not training or rate == 0:
        return X.copy(), np.ones(X.shape, dtype=bool)
    keep = np.random.default_rng(rng).random(X.shape) >= rate
    return X * keep * np.float64(1 / (1 - rate)), keep      # a float64 scalar promotes float32 (NumPy 2)


@correct("test_dropout_forward")
def dropout_multiply_bool(X, rate, rng, training=True):
    keep = np.full(X.shape, True)
    if training and rate:
        keep = np.random.default_rng(rng).random(X.shape) >= rate
        return np.multiply(X, keep, dtype=X.dtype) / X.dtype.type(1 - rate), keep
    return np.array(X), keep


@buggy("test_dropout_backward", "dtype")
def dropout_backward_float_mask(dY, keep, rate):
    return dY * keep.astype(float) / (1 - rate)            # a float64 mask promotes float32 dY


@correct("test_dropout_backward")
def dropout_backward_copy(dY, keep, rate):
    dX = np.zeros_like(dY)
    dX[keep] = dY[keep] / (1 - rate)
    return dX


@buggy("test_warmup_schedule", "warmup_schedule returned a list of")
def warmup_python_list(steps, peak, warmup_steps, decay_steps):
    return [peak * (t + 1) / warmup_steps if t < warmup_steps else _cos(peak, decay_steps, t - warmup_steps)
            for t in range(steps)]


@correct("test_warmup_schedule")
def warmup_fromiter(steps, peak, warmup_steps, decay_steps):
    rates = (peak * min(t + 1, warmup_steps) / warmup_steps if t < warmup_steps
             else _cos(peak, decay_steps, t - warmup_steps) for t in range(steps))
    return np.fromiter(rates, dtype=float, count=steps)


@buggy("test_adamw_update", "epsilon is inside the square root")
def adamw_eps_in_sqrt(param, grad, m, v, t, *, learning_rate, weight_decay, beta_1=0.9, beta_2=0.999, epsilon=1e-8):
    m = beta_1 * m + (1 - beta_1) * grad
    v = beta_2 * v + (1 - beta_2) * grad ** 2
    m_hat, v_hat = m / (1 - beta_1 ** t), v / (1 - beta_2 ** t)
    return param * (1 - learning_rate * weight_decay) - learning_rate * m_hat / np.sqrt(v_hat + epsilon), m, v


@correct("test_adamw_update")
def adamw_denominator_in_place(param, grad, m, v, t, *, learning_rate, weight_decay, beta_1=0.9, beta_2=0.999,
                               epsilon=1e-8):
    m = beta_1 * m + (1 - beta_1) * grad
    v = beta_2 * v + (1 - beta_2) * np.square(grad)
    denominator = np.sqrt(v / (1 - beta_2 ** t))
    denominator += epsilon
    step = learning_rate * (m / (1 - beta_1 ** t)) / denominator
    return param - learning_rate * weight_decay * param - step, m, v


def _bn_backward_formula(dY, X, gamma, epsilon, inv_std, signs=(1, 1)):
    x_hat = (X - X.mean(0)) * inv_std
    g = dY * gamma
    dX = inv_std * (g - signs[0] * g.mean(0) - signs[1] * x_hat * (g * x_hat).mean(0))
    return dX, (dY * x_hat).sum(0), dY.sum(0)


@buggy("test_batchnorm_backward", "epsilon is outside the square root", score=0.5)
def bn_backward_eps_out(dY, X, gamma, epsilon=1e-3):
    return _bn_backward_formula(dY, X, gamma, epsilon, 1 / (X.std(0) + epsilon))


@buggy("test_batchnorm_backward", "adds the term along X_hat instead of subtracting it", score=1)
def bn_backward_plus_projection(dY, X, gamma, epsilon=1e-3):
    return _bn_backward_formula(dY, X, gamma, epsilon, 1 / np.sqrt(X.var(0) + epsilon), signs=(1, -1))


@buggy("test_batchnorm_backward", "adds the batch mean of the gradient instead of subtracting it", score=1)
def bn_backward_plus_mean(dY, X, gamma, epsilon=1e-3):
    return _bn_backward_formula(dY, X, gamma, epsilon, 1 / np.sqrt(X.var(0) + epsilon), signs=(-1, 1))


@buggy("test_batchnorm_backward", "catastrophic cancellation", score=0.5)
def bn_backward_moments(dY, X, gamma, epsilon=1e-3):
    var = (X ** 2).mean(0) - X.mean(0) ** 2
    return _bn_backward_formula(dY, X, gamma, epsilon, 1 / np.sqrt(var + epsilon))


@correct("test_batchnorm_backward")
def bn_backward_compact(dY, X, gamma, epsilon=1e-3):
    # the compact form with batch means, and 1 / sqrt computed once in the input's dtype
    return _bn_backward_formula(dY, X, gamma, epsilon, 1 / np.sqrt(X.var(0) + X.dtype.type(epsilon)))
