"""Parts of assignment 08_normalization (chapters: normalisation, regularisation and weight decay, tuning and
debugging): batch normalisation forward and backward (training and inference), its running averages, dropout
forward and backward with an ``rng``, one AdamW step and a warm-up schedule.

Every contract takes and returns plain arrays (no caches or state objects), so that the student's function is
called directly on the test inputs: the references below wrap gdkit's ``nn.batchnorm_forward`` /
``batchnorm_backward`` / ``moving_average_update`` / ``dropout_forward``, ``optimizers.adamw_update`` and
``schedules.LinearWarmup`` into those contracts.
"""
import numpy as np

from ... import nn, optimizers, schedules, tuning
from ...problems.normalization import DIAGNOSES, debugging_problem, range_test_problem, running_average_problem
from ..core import ANSWER, Mistake, Part
from ..hooks import warmup_collect
from ._common import Case, normal

A = "08_normalization"
EPS = 1e-3


# ---- batch normalisation: training-mode forward ------------------------------------------------------------------
def batchnorm_train(X, gamma, beta, epsilon=EPS):
    """Reference: (Y, batch mean, biased batch variance) of batch normalisation in training mode."""
    Y, cache = nn.batchnorm_forward(X, gamma, beta, training=True, epsilon=epsilon)
    return Y, cache.mean, cache.var


def _bn_cases(rng, hidden, with_running=False):
    def case(n, d, label, dtype=np.float64, shift=0.0, scale=1.0, zero_column=False, epsilon=None):
        X = (normal(rng, n, d, scale=scale) + shift).astype(dtype)
        if zero_column:
            X[:, 0] = 0.0
        gamma = (1.0 + 0.5 * rng.standard_normal(d)).astype(dtype)
        beta = normal(rng, d, dtype=dtype)
        args = (X, gamma, beta)
        if with_running:
            args += ((shift + normal(rng, d, scale=0.3 * scale)).astype(dtype),
                     (scale ** 2 * rng.uniform(0.5, 2.0, d)).astype(dtype))
        kwargs = {} if epsilon is None else {"epsilon": epsilon}
        return Case(args, kwargs, label=label)
    visible = [case(6, 3, "a batch of 6 examples, 3 features"),
               case(5, 4, "features far from zero mean, small variance", shift=20.0, scale=0.05, epsilon=1e-5),
               case(4, 2, "float32 input", dtype=np.float32)]
    extra = [case(32, 7, "a batch of 32, 7 features", scale=3.0),
             case(2, 5, "a batch of two", epsilon=0.1),
             case(8, 3, "a feature that is constant 0 (variance 0)", zero_column=True),
             case(10, 1, "one feature, epsilon 1e-5", shift=-4.0, scale=0.1, epsilon=1e-5),
             case(16, 6, "float32, large values", dtype=np.float32, shift=1000.0, scale=50.0)]
    return visible + extra  # every kind is visible (public seed); the hidden run draws them from the private seed


def _train_cases(rng, hidden):
    return _bn_cases(rng, hidden)


def _bn_parts(X, epsilon, ddof=0):
    mean = X.mean(axis=0)
    var = X.var(axis=0, ddof=ddof)
    return mean, var


def _train_unbiased(X, gamma, beta, epsilon=EPS):
    mean, var = _bn_parts(X, epsilon, ddof=1)
    return gamma * (X - mean) / np.sqrt(var + epsilon) + beta, mean, var


def _train_eps_outside(X, gamma, beta, epsilon=EPS):
    mean, var = _bn_parts(X, epsilon)
    return gamma * (X - mean) / (np.sqrt(var) + epsilon) + beta, mean, var


def _train_no_eps(X, gamma, beta, epsilon=EPS):
    mean, var = _bn_parts(X, epsilon)
    return gamma * (X - mean) / np.sqrt(var) + beta, mean, var


def _train_rows(X, gamma, beta, epsilon=EPS):
    mean = X.mean(axis=1, keepdims=True)
    var = X.var(axis=1, keepdims=True)
    return gamma * (X - mean) / np.sqrt(var + epsilon) + beta, mean.ravel(), var.ravel()


def _train_std(X, gamma, beta, epsilon=EPS):
    Y, mean, var = batchnorm_train(X, gamma, beta, epsilon)
    return Y, mean, np.sqrt(var + epsilon)


def _train_swapped(X, gamma, beta, epsilon=EPS):
    Y, mean, var = batchnorm_train(X, beta, gamma, epsilon)
    return Y, mean, var


def _train_no_affine(X, gamma, beta, epsilon=EPS):
    _, mean, var = batchnorm_train(X, gamma, beta, epsilon)
    return (X - mean) / np.sqrt(var + epsilon), mean, var


def _train_var_not_centred(X, gamma, beta, epsilon=EPS):
    mean = X.mean(axis=0)
    var = (X * X).mean(axis=0)
    return gamma * (X - mean) / np.sqrt(var + epsilon) + beta, mean, var


# ---- batch normalisation at inference --------------------------------------------------------------------------
def batchnorm_inference(X, gamma, beta, running_mean, running_var, epsilon=EPS):
    """Reference: batch normalisation at inference, with the running averages."""
    Y, _ = nn.batchnorm_forward(X, gamma, beta, running_mean, running_var, training=False, epsilon=epsilon)
    return Y


def _inference_cases(rng, hidden):
    cases = _bn_cases(rng, hidden, with_running=True)
    # a batch of one: batch statistics would give beta whatever the input
    X = normal(rng, 1, 4)
    one = Case((X, 1.0 + 0.3 * normal(rng, 4), normal(rng, 4), normal(rng, 4), rng.uniform(0.5, 2.0, 4)),
               label="a batch of one example")
    return cases[:1] + [one] + cases[1:]


def _inference_batch_stats(X, gamma, beta, running_mean, running_var, epsilon=EPS):
    return batchnorm_train(X, gamma, beta, epsilon)[0]


def _inference_var_as_std(X, gamma, beta, running_mean, running_var, epsilon=EPS):
    return gamma * (X - running_mean) / (running_var + epsilon) + beta


def _inference_eps_outside(X, gamma, beta, running_mean, running_var, epsilon=EPS):
    return gamma * (X - running_mean) / (np.sqrt(running_var) + epsilon) + beta


def _inference_no_affine(X, gamma, beta, running_mean, running_var, epsilon=EPS):
    return (X - running_mean) / np.sqrt(running_var + epsilon)


def _inference_swapped_stats(X, gamma, beta, running_mean, running_var, epsilon=EPS):
    return gamma * (X - running_var) / np.sqrt(np.abs(running_mean) + epsilon) + beta


# ---- batch normalisation backward (training mode) ----------------------------------------------------------------
def batchnorm_grads(dY, X, gamma, epsilon=EPS):
    """Reference: (dX, dgamma, dbeta) of training-mode batch normalisation of X (beta does not matter)."""
    _, cache = nn.batchnorm_forward(X, gamma, np.zeros_like(gamma), training=True, epsilon=epsilon)
    return nn.batchnorm_backward(dY, cache)


def _backward_cases(rng, hidden):
    out = []
    for case in _bn_cases(rng, hidden):
        X, gamma, _ = case.args
        out.append(Case((normal(rng, *X.shape, dtype=X.dtype), X, gamma), case.kwargs, label=case.label))
    # far from zero mean with a tiny spread: mean(X**2) - mean**2 cancels catastrophically, (X - mean)**2 does not
    X = 1e5 + normal(rng, 6, 3, scale=1e-2)
    far = Case((normal(rng, 6, 3), X, 1.0 + 0.5 * normal(rng, 3)), {"epsilon": 1e-6},
               label="features far from zero mean (about 1e5), spread 0.01")
    return out[:3] + [far] + out[3:]


def _bn_pieces(X, gamma, epsilon):
    mean = X.mean(axis=0)
    inv_std = 1.0 / np.sqrt(X.var(axis=0) + epsilon)
    return (X - mean) * inv_std, inv_std


def _backward_constants(dY, X, gamma, epsilon=EPS):
    X_hat, inv_std = _bn_pieces(X, gamma, epsilon)
    return dY * gamma * inv_std, np.sum(dY * X_hat, axis=0), dY.sum(axis=0)


def _backward_no_projection(dY, X, gamma, epsilon=EPS):
    X_hat, inv_std = _bn_pieces(X, gamma, epsilon)
    dX_hat = dY * gamma
    return inv_std * (dX_hat - dX_hat.mean(axis=0)), np.sum(dY * X_hat, axis=0), dY.sum(axis=0)


def _backward_no_centring(dY, X, gamma, epsilon=EPS):
    X_hat, inv_std = _bn_pieces(X, gamma, epsilon)
    dX_hat = dY * gamma
    return (inv_std * (dX_hat - X_hat * np.mean(dX_hat * X_hat, axis=0)), np.sum(dY * X_hat, axis=0),
            dY.sum(axis=0))


def _backward_dgamma_sum(dY, X, gamma, epsilon=EPS):
    dX, _, dbeta = batchnorm_grads(dY, X, gamma, epsilon)
    return dX, dY.sum(axis=0), dbeta


def _backward_dgamma_raw_x(dY, X, gamma, epsilon=EPS):
    dX, _, dbeta = batchnorm_grads(dY, X, gamma, epsilon)
    return dX, np.sum(dY * X, axis=0), dbeta


def _backward_swapped_params(dY, X, gamma, epsilon=EPS):
    dX, dgamma, dbeta = batchnorm_grads(dY, X, gamma, epsilon)
    return dX, dbeta, dgamma


def _backward_no_gamma(dY, X, gamma, epsilon=EPS):
    dX, dgamma, dbeta = batchnorm_grads(dY, X, np.ones_like(gamma), epsilon)
    return dX, np.sum(dY * _bn_pieces(X, gamma, epsilon)[0], axis=0), dbeta


def _backward_unbiased(dY, X, gamma, epsilon=EPS):
    N = len(X)
    mean = X.mean(axis=0)
    inv_std = 1.0 / np.sqrt(X.var(axis=0, ddof=1) + epsilon)
    X_hat = (X - mean) * inv_std
    dX_hat = dY * gamma
    dX = inv_std / N * (N * dX_hat - dX_hat.sum(axis=0) - X_hat * np.sum(dX_hat * X_hat, axis=0) * N / (N - 1))
    return dX, np.sum(dY * X_hat, axis=0), dY.sum(axis=0)


def _backward_eps_outside(dY, X, gamma, epsilon=EPS):
    N, mean = len(X), X.mean(axis=0)
    inv_std = 1.0 / (np.sqrt(X.var(axis=0)) + epsilon)
    X_hat, dX_hat = (X - mean) * inv_std, dY * gamma
    dX = inv_std / N * (N * dX_hat - dX_hat.sum(axis=0) - X_hat * np.sum(dX_hat * X_hat, axis=0))
    return dX, np.sum(dY * X_hat, axis=0), dY.sum(axis=0)


def _backward_sign(signs):
    """dX with the sign of the mean term or of the X_hat term flipped (``signs`` multiply the two terms)."""
    def grads(dY, X, gamma, epsilon=EPS):
        X_hat, inv_std = _bn_pieces(X, gamma, epsilon)
        dX_hat, N = dY * gamma, len(X)
        dX = inv_std / N * (N * dX_hat - signs[0] * dX_hat.sum(axis=0)
                            - signs[1] * X_hat * np.sum(dX_hat * X_hat, axis=0))
        return dX, np.sum(dY * X_hat, axis=0), dY.sum(axis=0)
    return grads


def _backward_moments(dY, X, gamma, epsilon=EPS):
    """The variance as E[X^2] - mean^2: equal on paper, but it cancels catastrophically far from zero mean."""
    N, mean = len(X), X.mean(axis=0)
    inv_std = 1.0 / np.sqrt((X * X).mean(axis=0) - mean * mean + epsilon)
    X_hat, dX_hat = (X - mean) * inv_std, dY * gamma
    dX = inv_std / N * (N * dX_hat - dX_hat.sum(axis=0) - X_hat * np.sum(dX_hat * X_hat, axis=0))
    return dX, np.sum(dY * X_hat, axis=0), dY.sum(axis=0)


def _backward_mean_params(dY, X, gamma, epsilon=EPS):
    dX, dgamma, dbeta = batchnorm_grads(dY, X, gamma, epsilon)
    return dX, dgamma / len(X), dbeta / len(X)


# ---- batch normalisation backward at inference ----------------------------------------------------------------
def batchnorm_inference_grad(dY, X, gamma, running_mean, running_var, epsilon=EPS):
    """Reference: dX of inference-mode batch normalisation of X with the running averages (beta does not matter;
    dgamma and dbeta are computed as in training mode and are not asked)."""
    _, cache = nn.batchnorm_forward(X, gamma, np.zeros_like(gamma), running_mean, running_var, training=False,
                                    epsilon=epsilon)
    return nn.batchnorm_backward(dY, cache)[0]


def _inference_backward_cases(rng, hidden):
    out = []
    for case in _inference_cases(rng, hidden):  # its batch of one: the training-mode gradient would be 0 there
        X, gamma, _, running_mean, running_var = case.args
        out.append(Case((normal(rng, *X.shape, dtype=X.dtype), X, gamma, running_mean, running_var), case.kwargs,
                        label=case.label))
    # a feature that was constant in training: only epsilon keeps the gradient finite
    running_var = rng.uniform(0.5, 2.0, 3)
    running_var[1] = 0.0
    constant = Case((normal(rng, 5, 3), normal(rng, 5, 3), 1.0 + 0.5 * normal(rng, 3), normal(rng, 3), running_var),
                    label="a feature whose running variance is 0 (constant in training)")
    return out[:3] + [constant] + out[3:]  # every kind is visible (public seed); the hidden run draws them anew


def _inference_backward_batch_stats(dY, X, gamma, running_mean, running_var, epsilon=EPS):
    return batchnorm_grads(dY, X, gamma, epsilon)[0]


def _inference_backward_batch_var(dY, X, gamma, running_mean, running_var, epsilon=EPS):
    return dY * gamma / np.sqrt(X.var(axis=0) + epsilon)


def _inference_backward_training_terms(dY, X, gamma, running_mean, running_var, epsilon=EPS):
    """The training-mode formula of part 3 with the running statistics in place of the batch's."""
    inv_std = 1.0 / np.sqrt(running_var + epsilon)
    X_hat, dX_hat, N = (X - running_mean) * inv_std, dY * gamma, len(X)
    return inv_std / N * (N * dX_hat - dX_hat.sum(axis=0) - X_hat * np.sum(dX_hat * X_hat, axis=0))


def _inference_backward_no_eps(dY, X, gamma, running_mean, running_var, epsilon=EPS):
    return dY * gamma / np.sqrt(running_var)


def _inference_backward_eps_outside(dY, X, gamma, running_mean, running_var, epsilon=EPS):
    return dY * gamma / (np.sqrt(running_var) + epsilon)


def _inference_backward_no_gamma(dY, X, gamma, running_mean, running_var, epsilon=EPS):
    return dY / np.sqrt(running_var + epsilon)


def _inference_backward_var_as_std(dY, X, gamma, running_mean, running_var, epsilon=EPS):
    return dY * gamma / (running_var + epsilon)


def _inference_backward_bessel(dY, X, gamma, running_mean, running_var, epsilon=EPS):
    """running_var taken for a 1/N variance and turned into the unbiased 1/(N-1) one (Ioffe & Szegedy's rule
    for estimating the population variance), with N the size of this batch."""
    N = len(X)
    return dY * gamma / np.sqrt(running_var * N / (N - 1) + epsilon)


# ---- running averages --------------------------------------------------------------------------------------------
def running_update(running_mean, running_var, X, momentum=0.99):
    """Reference: the running mean and variance after folding in the batch X (Keras's momentum convention, the
    biased batch variance the forward pass normalised with)."""
    _, cache = nn.batchnorm_forward(X, np.ones(X.shape[1]), np.zeros(X.shape[1]), training=True)
    return (nn.moving_average_update(running_mean, cache.mean, momentum),
            nn.moving_average_update(running_var, cache.var, momentum))


def _running_cases(rng, hidden):
    def case(n, d, momentum, label, shift=0.0, scale=1.0):
        X = normal(rng, n, d, scale=scale) + shift
        return Case((normal(rng, d), rng.uniform(0.5, 2.0, d), X), {"momentum": momentum}, label=label)
    visible = [case(8, 3, 0.9, "momentum 0.9, a batch of 8"), case(5, 2, 0.99, "momentum 0.99", shift=3.0)]
    extra = [case(2, 4, 0.5, "a batch of two, momentum 0.5"), case(64, 5, 0.99, "a batch of 64", scale=4.0),
             case(10, 1, 0.0, "momentum 0: the batch statistics replace the averages"),
             case(6, 3, 1.0, "momentum 1: the averages do not move")]
    return visible + extra  # every kind is visible (public seed); the hidden run draws them from the private seed


def _running_torch(running_mean, running_var, X, momentum=0.99):
    return running_update(running_mean, running_var, X, 1.0 - momentum)


def _running_unbiased(running_mean, running_var, X, momentum=0.99):
    return (momentum * running_mean + (1 - momentum) * X.mean(axis=0),
            momentum * running_var + (1 - momentum) * X.var(axis=0, ddof=1))


def _running_std(running_mean, running_var, X, momentum=0.99):
    return (momentum * running_mean + (1 - momentum) * X.mean(axis=0),
            momentum * running_var + (1 - momentum) * X.std(axis=0))


def _running_replace(running_mean, running_var, X, momentum=0.99):
    return X.mean(axis=0), X.var(axis=0)


# ---- dropout --------------------------------------------------------------------------------------------------
def dropout_keep(X, rate, rng=None, training=True):
    """Reference: (Y, keep) of inverted dropout; keep is the boolean mask rng.random(X.shape) >= rate (all True
    at inference or for rate 0)."""
    Y, cache = nn.dropout_forward(X, rate, rng=rng, training=training)
    keep = np.ones(np.shape(X), dtype=bool) if cache.mask is None else cache.mask != 0
    return Y, keep


def _dropout_cases(rng, hidden):
    def case(shape, rate, seed, label, training=True, dtype=np.float64):
        return Case((normal(rng, *shape, dtype=dtype), rate, seed), {"training": training}, label=label)
    visible = [case((6, 4), 0.3, 1, "rate 0.3, rng seed 1"), case((5, 3), 0.2, 7, "rate 0.2 (a fifth dropped)"),
               case((4, 4), 0.5, 3, "inference (training=False)", training=False),
               case((8, 3), 0.25, 4, "float32", dtype=np.float32)]
    extra = [case((20, 10), 0.8, 11, "rate 0.8 (most units dropped)"), case((1, 6), 0.3, 5, "a batch of one"),
             case((7, 5), 0.0, 2, "rate 0: nothing dropped"),
             case((6, 2), 0.4, 9, "float32 at inference", training=False, dtype=np.float32),
             case((10, 5), 0.9, 6, "inference at rate 0.9", training=False),
             case((3, 3, 2), 0.5, 8, "a 3-D array")]
    return visible + extra  # every kind is visible (public seed); the hidden run draws them from the private seed


def _draw(X, rng):
    return np.random.default_rng(rng).random(np.shape(X))


def _dropout_no_rescale(X, rate, rng=None, training=True):
    if not training:
        return X, np.ones(X.shape, dtype=bool)
    keep = _draw(X, rng) >= rate
    return X * keep, keep


def _dropout_times_keep_prob(X, rate, rng=None, training=True):
    if not training:
        return X, np.ones(X.shape, dtype=bool)
    keep = _draw(X, rng) >= rate
    return X * keep * (1 - rate), keep


def _dropout_rate_is_keep(X, rate, rng=None, training=True):
    if not training or rate == 0:
        return X, np.ones(X.shape, dtype=bool)
    keep = _draw(X, rng) < rate
    return X * keep / rate, keep


def _dropout_active_at_test(X, rate, rng=None, training=True):
    return dropout_keep(X, rate, rng=rng, training=True)


def _dropout_scaled_at_test(X, rate, rng=None, training=True):
    if training:
        return dropout_keep(X, rate, rng=rng)
    return X * (1 - rate), np.ones(X.shape, dtype=bool)


def _dropout_other_draw(X, rate, rng=None, training=True):
    if not training or rate == 0:
        return X, np.ones(X.shape, dtype=bool)
    keep = _draw(X, rng) < 1 - rate
    return X * keep / (1 - rate), keep


def _dropout_dropped_mask(X, rate, rng=None, training=True):
    Y, keep = dropout_keep(X, rate, rng=rng, training=training)
    return Y, ~keep if training and rate else keep


def _explain_dropout(expected, actual):
    if not isinstance(actual, tuple) or len(actual) != 2 or not all(isinstance(a, np.ndarray) for a in actual):
        return "dropout_forward must return the pair (Y, keep): the output and the boolean mask of kept entries"
    (Y, keep), (Y_s, keep_s) = expected, actual
    if Y_s.shape != Y.shape or keep_s.shape != keep.shape:
        return f"Y and keep must have the shape of X, {Y.shape}; got {Y_s.shape} and {keep_s.shape}"
    if not np.array_equal(keep_s.astype(bool), keep):
        return ("your mask is not the one the contract draws: keep = rng.random(X.shape) >= rate, with rng = "
                "np.random.default_rng(rng), the generator made from the given rng (not np.random's global one, "
                "nor a draw of another shape or order); at inference keep is all True")
    return "Y is wrong where the mask keeps the entry: survivors are X / (1 - rate), dropped entries 0"


# ---- dropout backward ----------------------------------------------------------------------------------------
def dropout_grad(dY, keep, rate):
    """Reference: the gradient of inverted dropout with the mask ``keep`` (boolean, True kept), in dY's dtype (the
    mask scaled as ``nn.dropout_forward`` scales it, so float32 stays float32)."""
    dtype = np.asarray(dY).dtype
    return nn.dropout_backward(dY, nn.DropoutCache(None if rate == 0 else keep.astype(dtype) / dtype.type(1.0 - rate)))


def _dropout_backward_cases(rng, hidden):
    def case(shape, rate, label, dtype=np.float64):
        keep = rng.random(shape) >= rate
        return Case((normal(rng, *shape, dtype=dtype), keep, rate), label=label)
    visible = [case((6, 4), 0.3, "rate 0.3"), case((5, 3), 0.5, "rate 0.5"),
               case((4, 3), 0.25, "float32 dY", dtype=np.float32)]
    extra = [case((20, 10), 0.8, "rate 0.8"), case((1, 6), 0.3, "a batch of one"),
             case((8, 3), 0.2, "float32 dY, rate 0.2", dtype=np.float32), case((3, 3, 2), 0.5, "a 3-D array")]
    return visible + extra  # every kind is visible (public seed); the hidden run draws them from the private seed


def _dropout_backward_no_rescale(dY, keep, rate):
    return dY * keep


def _dropout_backward_rate_is_keep(dY, keep, rate):
    return dY * keep / rate


def _dropout_backward_times_keep_prob(dY, keep, rate):
    return dY * keep * (1 - rate)


def _dropout_backward_identity(dY, keep, rate):
    return dY / (1 - rate)


def _dropout_backward_inverted_mask(dY, keep, rate):
    return dY * ~keep / (1 - rate)


def _explain_dropout_backward(expected, actual):
    if isinstance(actual, np.ndarray) and actual.shape == expected.shape:
        nonzero_expected, nonzero_actual = expected != 0, actual != 0
        if not np.array_equal(nonzero_expected, nonzero_actual):
            return ("the gradient flows through other entries than the forward pass kept: use the mask keep that "
                    "the forward pass drew (passed to you), never a new draw: a dropped unit contributed nothing, "
                    "so it gets no gradient")
    return "dX is wrong: it is dY where the forward pass kept the entry, scaled as the forward pass scaled it"


# ---- AdamW ----------------------------------------------------------------------------------------------------
def adamw_step(param, grad, m, v, t, *, learning_rate, weight_decay, beta_1=0.9, beta_2=0.999, epsilon=1e-8):
    """Reference: (new param, new m, new v) after AdamW's step number t; the arguments are not changed."""
    param, m, v = (np.array(a, dtype=np.result_type(a, np.float32), copy=True) for a in (param, m, v))
    state = optimizers.AdamState(m, v, None, np.empty_like(param))
    optimizers.adamw_update(param, np.asarray(grad), state, learning_rate=learning_rate, t=t,
                            weight_decay=weight_decay, beta_1=beta_1, beta_2=beta_2, epsilon=epsilon)
    return param, m, v


def _adamw_cases(rng, hidden):
    def case(shape, t, lr, wd, label, dtype=np.float64, first=False, grad_scale=1.0, **options):
        param = normal(rng, *shape, dtype=dtype)
        m = np.zeros(shape, dtype) if first else normal(rng, *shape, scale=0.1, dtype=dtype)
        v = np.zeros(shape, dtype) if first else (rng.uniform(0.001, 0.05, shape)).astype(dtype)
        return Case((param, normal(rng, *shape, scale=grad_scale, dtype=dtype), m, v, t),
                    {"learning_rate": lr, "weight_decay": wd, **options}, label=label)
    visible = [case((3, 2), 1, 0.01, 0.1, "the first step (t = 1, m = v = 0)", first=True),
               case((4,), 5, 0.001, 0.01, "step 5 with earlier moments"),
               case((2, 2), 1, 0.01, 0.1, "tiny gradients (v_hat about epsilon), first step", first=True,
                    grad_scale=1e-4)]
    extra = [case((6, 3), 100, 0.1, 0.5, "step 100, large decay"), case((1, 1), 2, 0.05, 0.0, "no decay"),
             case((5, 4), 3, 0.003, 0.05, "float32", dtype=np.float32),
             case((2, 3), 7, 0.01, 0.1, "other betas and epsilon", beta_1=0.5, beta_2=0.9, epsilon=1e-3),
             case((3, 3), 1, 1.0, 0.3, "a large learning rate, first step", first=True)]
    return visible + extra  # every kind is visible (public seed); the hidden run draws them from the private seed


def _adam_step(param, grad, m, v, t, learning_rate, beta_1, beta_2, epsilon, correct=True, t_used=None):
    t_used = t if t_used is None else t_used
    m = beta_1 * m + (1 - beta_1) * grad
    v = beta_2 * v + (1 - beta_2) * grad * grad
    m_hat = m / (1 - beta_1 ** t_used) if correct else m
    v_hat = v / (1 - beta_2 ** t_used) if correct else v
    return param - learning_rate * m_hat / (np.sqrt(v_hat) + epsilon), m, v


def _adamw_l2(param, grad, m, v, t, *, learning_rate, weight_decay, beta_1=0.9, beta_2=0.999, epsilon=1e-8):
    return _adam_step(param, grad + weight_decay * param, m, v, t, learning_rate, beta_1, beta_2, epsilon)


def _adamw_decay_after(param, grad, m, v, t, *, learning_rate, weight_decay, beta_1=0.9, beta_2=0.999,
                       epsilon=1e-8):
    param, m, v = _adam_step(param, grad, m, v, t, learning_rate, beta_1, beta_2, epsilon)
    return param * (1 - learning_rate * weight_decay), m, v


def _adamw_decay_no_lr(param, grad, m, v, t, *, learning_rate, weight_decay, beta_1=0.9, beta_2=0.999,
                       epsilon=1e-8):
    return _adam_step(param * (1 - weight_decay), grad, m, v, t, learning_rate, beta_1, beta_2, epsilon)


def _adamw_no_decay(param, grad, m, v, t, *, learning_rate, weight_decay, beta_1=0.9, beta_2=0.999,
                    epsilon=1e-8):
    return _adam_step(param, grad, m, v, t, learning_rate, beta_1, beta_2, epsilon)


def _adamw_no_correction(param, grad, m, v, t, *, learning_rate, weight_decay, beta_1=0.9, beta_2=0.999,
                         epsilon=1e-8):
    return _adam_step(param * (1 - learning_rate * weight_decay), grad, m, v, t, learning_rate, beta_1, beta_2,
                      epsilon, correct=False)


def _adamw_t_plus_one(param, grad, m, v, t, *, learning_rate, weight_decay, beta_1=0.9, beta_2=0.999,
                      epsilon=1e-8):
    return _adam_step(param * (1 - learning_rate * weight_decay), grad, m, v, t, learning_rate, beta_1, beta_2,
                      epsilon, t_used=t + 1)


def _adamw_eps_inside(param, grad, m, v, t, *, learning_rate, weight_decay, beta_1=0.9, beta_2=0.999,
                      epsilon=1e-8):
    m = beta_1 * m + (1 - beta_1) * grad
    v = beta_2 * v + (1 - beta_2) * grad * grad
    m_hat, v_hat = m / (1 - beta_1 ** t), v / (1 - beta_2 ** t)
    return param * (1 - learning_rate * weight_decay) - learning_rate * m_hat / np.sqrt(v_hat + epsilon), m, v


def _adamw_decay_through_m(param, grad, m, v, t, *, learning_rate, weight_decay, beta_1=0.9, beta_2=0.999,
                           epsilon=1e-8):
    p, m, v = _adam_step(param, grad + weight_decay * param, m, v, t, learning_rate, beta_1, beta_2, epsilon)
    return p - learning_rate * weight_decay * param, m, v


# ---- warm-up ---------------------------------------------------------------------------------------------------
def warmup_rates(steps, peak, warmup_steps, decay_steps):
    """Reference: the learning rates of steps 0 .. steps-1 of a linear warm-up to ``peak`` over ``warmup_steps``
    steps followed by a cosine decay over ``decay_steps`` steps (gdkit's LinearWarmup(CosineDecay(...)))."""
    schedule = schedules.LinearWarmup(schedules.CosineDecay(peak, decay_steps), warmup_steps)
    return np.array([schedule(t) for t in range(steps)])


def _warmup_cases(rng, hidden):
    def case(steps, peak, warmup, decay, label):
        return Case((steps, peak, warmup, decay), label=label)
    visible = [case(12, 0.1, 4, 6, "4 warm-up steps, then 6 of decay"), case(30, 0.003, 10, 10, "peak 0.003")]
    extra = [case(5, 1.0, 1, 3, "a single warm-up step"), case(8, 0.5, 10, 5, "stopped during the warm-up"),
             case(200, 0.01, 50, 100, "a long schedule that ends on its floor"),
             case(1, 0.2, 3, 3, "only the first step")]
    return visible + extra  # every kind is visible (public seed); the hidden run draws them from the private seed


def _cosine(peak, decay_steps, t):
    return peak * 0.5 * (1 + np.cos(np.pi * min(t, decay_steps) / decay_steps))


def _warmup_from_zero(steps, peak, warmup_steps, decay_steps):
    return np.array([peak * t / warmup_steps if t < warmup_steps else _cosine(peak, decay_steps, t - warmup_steps)
                     for t in range(steps)])


def _warmup_not_shifted(steps, peak, warmup_steps, decay_steps):
    return np.array([peak * (t + 1) / warmup_steps if t < warmup_steps else _cosine(peak, decay_steps, t)
                     for t in range(steps)])


def _warmup_shift_by_one_less(steps, peak, warmup_steps, decay_steps):
    return np.array([peak * (t + 1) / warmup_steps if t < warmup_steps else
                     _cosine(peak, decay_steps, t - warmup_steps + 1) for t in range(steps)])


def _warmup_one_step_longer(steps, peak, warmup_steps, decay_steps):
    return np.array([peak * (t + 1) / (warmup_steps + 1) if t < warmup_steps else
                     _cosine(peak, decay_steps, t - warmup_steps) for t in range(steps)])


def _warmup_no_decay(steps, peak, warmup_steps, decay_steps):
    return np.array([peak * min(t + 1, warmup_steps) / warmup_steps for t in range(steps)])


# ---- concept: read a learning-rate range test ------------------------------------------------------------------
def _range_rates(student):
    """The rate at the minimum of the smoothed loss (bias-corrected moving average, beta 0.9, as
    ``RangeTest.smoothed``), the first rate after it at which the smoothed loss is back above its start, and the
    smallest rate of the ramp."""
    problem = range_test_problem(student)
    smooth = tuning.RangeTest(problem.learning_rates, problem.losses).smoothed()
    lowest = int(np.argmin(smooth))
    above = np.nonzero(smooth[lowest:] > smooth[0])[0]
    blow_up = problem.learning_rates[lowest + above[0]] if len(above) else problem.learning_rates[-1]
    return float(problem.learning_rates[lowest]), float(blow_up), float(problem.learning_rates[0])


def _range_answer(student):
    """The chapter's rule (``RangeTest.suggestion``): a tenth of the rate at the smoothed loss's minimum."""
    return _range_rates(student)[0] / 10


def _range_minimum(student):
    return _range_rates(student)[0]


def _range_blow_up(student):
    return _range_rates(student)[1]


def _range_first(student):
    return _range_rates(student)[2]


def _range_hundredth(student):
    return _range_rates(student)[0] / 100


def within_factor_two(expected, actual):
    """A rate read off a log-scale curve: right within a factor of 2 either way."""
    try:
        expected, actual = float(np.asarray(expected)), float(np.asarray(actual))
    except (TypeError, ValueError):
        return False
    return expected > 0 and actual > 0 and abs(np.log(actual / expected)) <= np.log(2.0)


def _explain_range(expected, actual):
    return ("not within a factor of 2 of the rate the chapter's rule gives for your curve: find where the "
            "smoothed loss is lowest and take about a tenth of that rate")


# ---- concept: diagnose a broken training run -------------------------------------------------------------------
def _diagnosis_kind(student):
    """The bug the statistics show, read as the chapter's checklist reads them (evaluating twice, the update/weight
    ratio, the inputs' scales, the initial loss against ln K, and a loss stuck at ln K although one small batch
    can be memorised)."""
    problem = debugging_problem(student)
    K, initial, after, tiny, ratio, (std_min, std_max), _, (val, val_again) = problem.statistics.values()
    if val != val_again:
        return "dropout"
    if not np.isfinite(after) or ratio > 1e-2:
        return "large_rate"
    if ratio < 1e-5:
        return "small_rate"
    if std_max / std_min > 100:
        return "unscaled"
    if initial > 3 * np.log(K):
        return "init"
    return "labels"


def _letter_of_diagnosis(student, kind):
    options = debugging_problem(student).options
    return next(letter for letter, text in options.items() if text == DIAGNOSES[kind])


def _diagnosis(student):
    return _letter_of_diagnosis(student, _diagnosis_kind(student))


def _diagnosis_mistake(kind, message):
    def answer(student):
        return _letter_of_diagnosis(student, kind)
    answer.__name__ = f"_diagnosis_{kind}"
    return Mistake(kind, answer, message)


_DIAGNOSIS_MISTAKES = (
    Mistake("init_for_unscaled", lambda student: _diagnosis_init_for_unscaled(student),
            "the diagnosis 'output weights far too large' does not fit, although your initial loss is high: your "
            "input features' standard deviations differ by a factor of far more than 100, and unscaled inputs "
            "alone make the first logits huge (so the initial loss is far above ln K); standardise the inputs, "
            "and the initial loss comes back to ln K"),
    _diagnosis_mistake("large_rate",
                       "the diagnosis 'learning rate far too large' does not fit: your updates are a small fraction of the "
                       "weights (the update/weight ratio is far below 1e-2) and the loss stays finite"),
    _diagnosis_mistake("small_rate",
                       "the diagnosis 'learning rate far too small' does not fit: the update/weight ratio of your run is about "
                       "1e-3 or more, not 1e-6 or less, so the weights do move"),
    _diagnosis_mistake("unscaled",
                       "the diagnosis 'inputs not standardised' does not fit: the input features of your run have standard deviations "
                       "of the same order (their ratio is far from 100)"),
    _diagnosis_mistake("labels",
                       "the diagnosis 'labels that do not match the inputs' does not fit: such labels leave the training loss near ln K with "
                       "normal updates, inputs and evaluations, while your statistics show another symptom"),
    _diagnosis_mistake("dropout",
                       "the diagnosis 'dropout active at evaluation' does not fit: your two evaluations of the same data with the same "
                       "weights agree, which an evaluation with random dropout would not"),
    _diagnosis_mistake("init",
                       "the diagnosis 'output weights far too large' does not fit: your initial loss is not far above ln K, the loss of "
                       "a network that starts by predicting every class equally"),
)


# ---- concept: the running mean after a number of steps --------------------------------------------------------------
def _running_mean_after(student):
    """momentum^k * start + (1 - momentum^k) * value: k steps of the moving average towards a constant value."""
    p = running_average_problem(student)
    return p.momentum ** p.steps * p.start + (1 - p.momentum ** p.steps) * p.value


def _running_one_step(student):
    p = running_average_problem(student)
    return (1 - p.momentum) * p.value


def _running_power_only(student):
    p = running_average_problem(student)
    return p.momentum ** p.steps * p.value


def _running_linear(student):
    p = running_average_problem(student)
    return p.steps * (1 - p.momentum) * p.value


def _running_value(student):
    return running_average_problem(student).value


# ---- mistakes found by a held-out measurement (2026-11-30), by kind -----------------------------------------------
def _train_var_plus_eps(X, gamma, beta, epsilon=EPS):
    Y, mean, var = batchnorm_train(X, gamma, beta, epsilon)
    return Y, mean, var + epsilon


def _train_global_stats(X, gamma, beta, epsilon=EPS):
    mean, var = X.mean(), X.var()
    d = X.shape[1]
    return (gamma * (X - mean) / np.sqrt(var + epsilon) + beta, np.full(d, mean, dtype=X.dtype),
            np.full(d, var, dtype=X.dtype))


def _train_no_beta(X, gamma, beta, epsilon=EPS):
    Y, mean, var = batchnorm_train(X, gamma, beta, epsilon)
    return Y - beta, mean, var


def _inference_no_eps(X, gamma, beta, running_mean, running_var, epsilon=EPS):
    return gamma * (X - running_mean) / np.sqrt(running_var) + beta


def _running_var_plus_eps(running_mean, running_var, X, momentum=0.99):
    mean, var = running_update(running_mean, running_var, X, momentum)
    return mean, var + (1 - momentum) * EPS


def _running_swapped(running_mean, running_var, X, momentum=0.99):
    mean, var = running_update(running_mean, running_var, X, momentum)
    return var, mean


def _running_no_weight(running_mean, running_var, X, momentum=0.99):
    return momentum * running_mean + X.mean(axis=0), momentum * running_var + X.var(axis=0)


def _running_around_old_mean(running_mean, running_var, X, momentum=0.99):
    return (momentum * running_mean + (1 - momentum) * X.mean(axis=0),
            momentum * running_var + (1 - momentum) * ((X - running_mean) ** 2).mean(axis=0))


def _adamw_decay_twice(param, grad, m, v, t, *, learning_rate, weight_decay, beta_1=0.9, beta_2=0.999, epsilon=1e-8):
    return _adam_step(param * (1 - 2 * learning_rate * weight_decay), grad, m, v, t, learning_rate, beta_1, beta_2,
                      epsilon)


def _adamw_order(param, grad, m, v, t, **kwargs):
    new_param, new_m, new_v = adamw_step(param, grad, m, v, t, **kwargs)
    return new_m, new_v, new_param


def _adamw_decay_normalised(param, grad, m, v, t, *, learning_rate, weight_decay, beta_1=0.9, beta_2=0.999,
                            epsilon=1e-8):
    m = beta_1 * m + (1 - beta_1) * grad
    v = beta_2 * v + (1 - beta_2) * grad * grad
    m_hat, v_hat = m / (1 - beta_1 ** t), v / (1 - beta_2 ** t)
    return param - learning_rate * (m_hat + weight_decay * param) / (np.sqrt(v_hat) + epsilon), m, v


def _train_global_var(X, gamma, beta, epsilon=EPS):
    mean = X.mean(axis=0)
    var = np.full(X.shape[1], ((X - mean) ** 2).mean(), dtype=X.dtype)
    return gamma * (X - mean) / np.sqrt(var + epsilon) + beta, mean, var


def _adamw_decay_in_m(param, grad, m, v, t, *, learning_rate, weight_decay, beta_1=0.9, beta_2=0.999, epsilon=1e-8):
    m = beta_1 * m + (1 - beta_1) * (grad + weight_decay * param)
    v = beta_2 * v + (1 - beta_2) * grad * grad
    return param - learning_rate * (m / (1 - beta_1 ** t)) / (np.sqrt(v / (1 - beta_2 ** t)) + epsilon), m, v


def _warmup_linspace(steps, peak, warmup_steps, decay_steps):
    ramp = np.linspace(0, peak, warmup_steps)
    return np.array([ramp[t] if t < warmup_steps else _cosine(peak, decay_steps, t - warmup_steps)
                     for t in range(steps)])


def _warmup_decay(decay):
    def rates(steps, peak, warmup_steps, decay_steps):
        return np.array([peak * (t + 1) / warmup_steps if t < warmup_steps else
                         decay(peak, decay_steps, t - warmup_steps) for t in range(steps)])
    return rates


def _running_steps(shift):
    def answer(student):
        p = running_average_problem(student)
        return (1 - p.momentum ** (p.steps + shift)) * p.value
    return answer


def _running_fraction(student):
    p = running_average_problem(student)
    return 1 - p.momentum ** p.steps


def _running_one_minus_power(student):
    p = running_average_problem(student)
    return (1 - p.momentum) ** p.steps * p.value


def _range_loss(student):
    problem = range_test_problem(student)
    return float(np.min(tuning.RangeTest(problem.learning_rates, problem.losses).smoothed()))


def _range_index(student):
    problem = range_test_problem(student)
    return int(np.argmin(tuning.RangeTest(problem.learning_rates, problem.losses).smoothed()))


def _range_ten_times(student):
    return _range_rates(student)[0] * 10


def _diagnosis_init_for_unscaled(student):
    """'Initial weights' chosen for a run whose inputs are unscaled (their initial loss is high too)."""
    return _letter_of_diagnosis(student, "init" if _diagnosis_kind(student) == "unscaled" else _diagnosis_kind(student))


_BN_FORBIDDEN = (nn.batchnorm_forward, nn.batchnorm_backward)

PARTS = (
    Part(A, "test_batchnorm_forward", "batchnorm_forward", batchnorm_train, _train_cases, points=2,
         forbidden=_BN_FORBIDDEN, rtol=1e-6, atol=1e-9, unchanged=(0, 1, 2), check_dtype=True,
         names=("Y", "the batch mean", "the batch variance"),
         mistakes=(
             Mistake("unbiased", _train_unbiased,
                     "your batch variance divides by N - 1 (the unbiased estimate, np.var(ddof=1)); batch "
                     "normalisation normalises with the variance of the numbers in the batch, divided by N"),
             Mistake("eps_outside", _train_eps_outside,
                     "epsilon is outside the square root: the contract divides by sqrt(var + epsilon), not "
                     "sqrt(var) + epsilon"),
             Mistake("no_eps", _train_no_eps,
                     "your normalisation ignores epsilon: divide by sqrt(var + epsilon), which also keeps a "
                     "constant feature (variance 0) finite"),
             Mistake("rows", _train_rows,
                     "you normalised each example over its features (axis 1, layer normalisation); batch "
                     "normalisation normalises each feature over the batch (axis 0)"),
             Mistake("std", _train_std,
                     "the third value you returned is the standard deviation sqrt(var + epsilon); the contract "
                     "returns the batch variance itself (biased, without epsilon)"),
             Mistake("swapped", _train_swapped,
                     "gamma and beta are swapped: gamma scales the normalised input, beta shifts it"),
             Mistake("no_affine", _train_no_affine,
                     "your Y is the normalised input without the learned scale and shift: Y = gamma * X_hat + beta"),
             Mistake("uncentred", _train_var_not_centred,
                     "your variance is the mean of X**2, not of (X - mean)**2: centre before squaring"),
             Mistake("var_plus_eps", _train_var_plus_eps,
                     "the variance you returned includes epsilon; return the batch variance itself (epsilon only "
                     "enters the normalisation, sqrt(var + epsilon))"),
             Mistake("global_stats", _train_global_stats,
                     "you used one mean and one variance for the whole batch; batch normalisation normalises each "
                     "feature (column) with its own mean and variance over the examples (axis 0)"),
             Mistake("global_var", _train_global_var,
                     "your variance is one number for the whole batch; each feature (column) has its own batch "
                     "variance over the examples: ((X - mean)**2).mean(axis=0)"),
             Mistake("no_beta", _train_no_beta,
                     "your Y lacks the shift beta: Y = gamma * X_hat + beta"),
         )),
    Part(A, "test_batchnorm_inference", "batchnorm_inference", batchnorm_inference, _inference_cases, points=1,
         forbidden=_BN_FORBIDDEN, rtol=1e-6, atol=1e-9, unchanged=(0, 1, 2, 3, 4), check_dtype=True,
         mistakes=(
             Mistake("batch_stats", _inference_batch_stats,
                     "at inference you normalised with the statistics of the batch; use running_mean and "
                     "running_var, so that an example's output does not depend on the other examples of its "
                     "batch (a batch of one would always give beta)"),
             Mistake("var_as_std", _inference_var_as_std,
                     "you divided by running_var + epsilon: running_var is a variance, divide by its square root "
                     "sqrt(running_var + epsilon)"),
             Mistake("eps_outside", _inference_eps_outside,
                     "epsilon is outside the square root: divide by sqrt(running_var + epsilon), as in training"),
             Mistake("no_eps", _inference_no_eps,
                     "your normalisation ignores epsilon: divide by sqrt(running_var + epsilon), as in training"),
             Mistake("no_affine", _inference_no_affine,
                     "your output lacks the learned scale and shift: Y = gamma * X_hat + beta at inference too"),
             Mistake("swapped_stats", _inference_swapped_stats,
                     "running_mean and running_var are swapped: subtract the mean, divide by the root of the "
                     "variance"),
         )),
    # Partial credit (the worked example of Part.credit): dX, the gradient through the batch statistics, is
    # the derivation the part teaches (2 points); dgamma and dbeta are half a point each. The notebook says so.
    Part(A, "test_batchnorm_backward", "batchnorm_backward", batchnorm_grads, _backward_cases, points=3,
         forbidden=_BN_FORBIDDEN, rtol=1e-5, atol=1e-8, unchanged=(0, 1, 2), check_dtype=True,
         names=("dX", "dgamma", "dbeta"), credit=(2, 0.5, 0.5),
         mistakes=(
             Mistake("constants", _backward_constants,
                     "your dX treats the batch mean and variance as constants (dX = dY * gamma / sqrt(var + eps), "
                     "the inference gradient); in training every output depends on every input through them: "
                     "differentiate through the mean and the variance too"),
             Mistake("no_projection", _backward_no_projection,
                     "your dX differentiates through the mean but not through the variance: the term along "
                     "X_hat is missing"),
             Mistake("no_centring", _backward_no_centring,
                     "your dX differentiates through the variance but not through the mean: the gradient's batch "
                     "mean is not removed"),
             Mistake("dgamma_sum", _backward_dgamma_sum,
                     "your dgamma is the sum of dY; gamma multiplies X_hat, so dgamma = sum over the batch of "
                     "dY * X_hat"),
             Mistake("dgamma_raw", _backward_dgamma_raw_x,
                     "your dgamma multiplies dY by the raw input X; gamma multiplies the normalised X_hat"),
             Mistake("swapped", _backward_swapped_params,
                     "dgamma and dbeta are swapped: beta is added (dbeta = sum dY), gamma multiplies X_hat"),
             Mistake("no_gamma", _backward_no_gamma,
                     "your dX forgets gamma: the gradient reaching X_hat is dY * gamma"),
             Mistake("unbiased", _backward_unbiased,
                     "your backward pass uses the variance divided by N - 1; the forward pass normalises with "
                     "the variance divided by N, and its gradient must match"),
             Mistake("eps_outside", _backward_eps_outside,
                     "epsilon is outside the square root: the forward pass divides by sqrt(var + epsilon), and "
                     "X_hat and the gradient must use that same scale, not sqrt(var) + epsilon"),
             Mistake("sign_projection", _backward_sign((1, -1)),
                     "your dX adds the term along X_hat instead of subtracting it: dX = gamma / sqrt(var + eps) * "
                     "(dY - mean(dY) - X_hat * mean(dY * X_hat)), both batch means subtracted"),
             Mistake("sign_mean", _backward_sign((-1, 1)),
                     "your dX adds the batch mean of the gradient instead of subtracting it: dX = gamma / "
                     "sqrt(var + eps) * (dY - mean(dY) - X_hat * mean(dY * X_hat))"),
             Mistake("moments", _backward_moments,
                     "your variance is mean(X**2) - mean**2: equal on paper, but far from zero mean the two "
                     "terms are huge and nearly equal, and their difference loses the digits (catastrophic "
                     "cancellation); compute mean((X - mean)**2), as the forward pass does"),
             Mistake("mean_params", _backward_mean_params,
                     "your dgamma and dbeta are averaged over the batch; they are sums: each example adds its "
                     "contribution (dY is already the gradient of the mean loss)"),
         )),
    # dX only (1 point): dgamma and dbeta have the training-mode formulas, graded in test_batchnorm_backward. The
    # notebook asks for the derivation (which terms of part 3 vanish when the statistics are constants), not the
    # formula.
    Part(A, "test_batchnorm_inference_backward", "batchnorm_inference_backward", batchnorm_inference_grad,
         _inference_backward_cases, points=1, forbidden=_BN_FORBIDDEN, rtol=1e-6, atol=1e-9,
         unchanged=(0, 1, 2, 3, 4), check_dtype=True,
         mistakes=(
             Mistake("batch_stats", _inference_backward_batch_stats,
                     "your dX is the training-mode gradient of part 3, through the mean and variance of the batch; "
                     "at inference the forward pass normalises with running_mean and running_var, constants that do "
                     "not depend on X: differentiate that forward pass (your dX would be 0 for a batch of one)"),
             Mistake("batch_var", _inference_backward_batch_var,
                     "your dX divides by the batch's standard deviation sqrt(var(X) + epsilon); the inference "
                     "forward pass divides by sqrt(running_var + epsilon), and so does its gradient"),
             Mistake("training_terms", _inference_backward_training_terms,
                     "your dX keeps the terms of the training-mode gradient that come from the mean and the variance "
                     "depending on the batch (with the running statistics in their place); at inference "
                     "running_mean and running_var are constants, so those terms are not there"),
             Mistake("no_eps", _inference_backward_no_eps,
                     "your dX ignores epsilon: the forward pass divides by sqrt(running_var + epsilon), and its "
                     "gradient by the same (a running variance of 0 then stays finite)"),
             Mistake("eps_outside", _inference_backward_eps_outside,
                     "epsilon is outside the square root: the forward pass divides by sqrt(running_var + epsilon), "
                     "not sqrt(running_var) + epsilon, and its gradient by the same"),
             Mistake("no_gamma", _inference_backward_no_gamma,
                     "your dX forgets gamma: the gradient reaching X_hat is dY * gamma"),
             Mistake("var_as_std", _inference_backward_var_as_std,
                     "you divided by running_var + epsilon: running_var is a variance, and the forward pass divides "
                     "by its square root"),
             Mistake("bessel", _inference_backward_bessel,
                     "you turned running_var into an unbiased variance (times N / (N - 1), the 1/(N - 1) estimate); "
                     "the forward pass of part 2 divides by sqrt(running_var + epsilon) with running_var as given, "
                     "whatever the size of the batch"),
         )),
    Part(A, "test_running_update", "running_update", running_update, _running_cases, points=1,
         forbidden=(nn.moving_average_update, *_BN_FORBIDDEN), rtol=1e-6, atol=1e-9, unchanged=(0, 1, 2),
         names=("the new running mean", "the new running variance"),
         mistakes=(
             Mistake("var_plus_eps", _running_var_plus_eps,
                     "you folded var + epsilon into the running variance; fold in the batch variance itself (epsilon "
                     "is added only when normalising)"),
             Mistake("swapped_outputs", _running_swapped,
                     "you returned (variance, mean); the contract's order is (new_running_mean, new_running_var)"),
             Mistake("global", lambda running_mean, running_var, X, momentum=0.99: (
                         momentum * running_mean + (1 - momentum) * X.mean(),
                         momentum * running_var + (1 - momentum) * X.var(axis=1).mean()),
                     "you averaged over the whole batch (or over each example's features, axis 1); the running "
                     "averages are per feature: the batch mean and variance over the examples, axis 0"),
             Mistake("no_weight", _running_no_weight,
                     "the batch statistics enter without their weight 1 - momentum: new = momentum * old + "
                     "(1 - momentum) * batch, an average"),
             Mistake("around_old_mean", _running_around_old_mean,
                     "you measured the batch variance around the running mean; fold in the batch's own variance, "
                     "around the batch mean (the one the forward pass normalised with)"),
             Mistake("torch", _running_torch,
                     "your momentum weighs the new batch statistic (PyTorch's convention); here, as in Keras, "
                     "momentum is the weight of the old average: momentum * average + (1 - momentum) * batch"),
             Mistake("unbiased", _running_unbiased,
                     "you folded in the unbiased variance (N - 1, what PyTorch's running_var stores); the contract "
                     "folds in the biased variance the forward pass normalised with (divided by N)"),
             Mistake("std", _running_std,
                     "you averaged the batch standard deviation into running_var; average the variance"),
             Mistake("replace", _running_replace,
                     "your averages are replaced by the batch statistics: a running average keeps momentum of "
                     "the old value"),
         )),
    Part(A, "test_dropout_forward", "dropout_forward", dropout_keep, _dropout_cases, points=2,
         forbidden=(nn.dropout_forward,), rtol=1e-6, atol=1e-9, explain=_explain_dropout, unchanged=(0,),
         own_rng=True, check_dtype=True, names=("Y", "keep"),
         mistakes=(
             Mistake("no_rescale", _dropout_no_rescale,
                     "your survivors are not rescaled: inverted dropout divides them by 1 - rate, so that the "
                     "expected output equals X and nothing changes at inference"),
             Mistake("times_keep", _dropout_times_keep_prob,
                     "your survivors are multiplied by 1 - rate (the old test-time scaling); inverted dropout "
                     "divides them by 1 - rate in training"),
             Mistake("rate_is_keep", _dropout_rate_is_keep,
                     "you read rate as the probability of keeping a unit; rate is the fraction dropped: keep = "
                     "rng.random(X.shape) >= rate, survivors divided by 1 - rate"),
             Mistake("active_at_test", _dropout_active_at_test,
                     "dropout is still active at inference (training=False): then the output must be X unchanged "
                     "and keep all True"),
             Mistake("scaled_at_test", _dropout_scaled_at_test,
                     "at inference you scaled X by 1 - rate: with inverted dropout the scaling happens in "
                     "training, and inference returns X unchanged"),
             Mistake("other_draw", _dropout_other_draw,
                     "your mask keeps the entries where rng.random(X.shape) < 1 - rate: the same distribution, "
                     "but the contract's mask is rng.random(X.shape) >= rate (so that a seed gives one mask)"),
             Mistake("dropped_mask", _dropout_dropped_mask,
                     "the mask you returned marks the dropped entries; keep is True where the entry is kept"),
         )),
    Part(A, "test_dropout_backward", "dropout_backward", dropout_grad, _dropout_backward_cases, points=1,
         forbidden=(nn.dropout_backward, nn.dropout_forward), rtol=1e-6, atol=1e-9, unchanged=(0, 1),
         check_dtype=True,
         explain=_explain_dropout_backward,
         mistakes=(
             Mistake("no_rescale", _dropout_backward_no_rescale,
                     "your dX is dY * keep without the 1 / (1 - rate): the forward pass scaled the survivors, so "
                     "their gradient is scaled the same way"),
             Mistake("rate_is_keep", _dropout_backward_rate_is_keep,
                     "you divided by rate: rate is the fraction dropped, the survivors' scale is 1 / (1 - rate)"),
             Mistake("times_keep", _dropout_backward_times_keep_prob,
                     "you multiplied by 1 - rate; the forward pass divides the survivors by 1 - rate, and so "
                     "does the backward pass"),
             Mistake("identity", _dropout_backward_identity,
                     "your dX ignores the mask: the dropped entries got a gradient, although they did not affect "
                     "the output"),
             Mistake("inverted_mask", _dropout_backward_inverted_mask,
                     "your dX flows through the dropped entries and not the kept ones: keep is True where the "
                     "entry was kept"),
         )),
    Part(A, "test_adamw_update", "adamw_update", adamw_step, _adamw_cases, points=2,
         forbidden=(optimizers.adamw_update, optimizers.adam_update), rtol=1e-5, atol=1e-9,
         unchanged=(0, 1, 2, 3), check_dtype=True, names=("the updated param", "the updated m", "the updated v"),
         mistakes=(
             Mistake("l2", _adamw_l2,
                     "you added weight_decay * param to the gradient: that is an L2 penalty under Adam (the "
                     "decay then goes through m and v and is divided by sqrt(v_hat)); AdamW decays the weights "
                     "directly, apart from the gradient"),
             Mistake("decay_after", _adamw_decay_after,
                     "you decayed the parameter after the Adam step; AdamW (as gdkit, Keras and torch) shrinks "
                     "param first, then subtracts the Adam step"),
             Mistake("decay_no_lr", _adamw_decay_no_lr,
                     "your decay is not multiplied by the learning rate: the shrink factor is "
                     "1 - learning_rate * weight_decay, so the decay follows the learning-rate schedule"),
             Mistake("no_decay", _adamw_no_decay, "your step ignores weight_decay: that is plain Adam"),
             Mistake("decay_in_m", _adamw_decay_in_m,
                     "you added weight_decay * param to the gradient that enters m (an L2 penalty through the "
                     "first moment); AdamW decays the weights directly, param * (1 - learning_rate * weight_decay), "
                     "and m and v see the plain gradient"),
             Mistake("decay_twice", _adamw_decay_twice,
                     "your decay shrinks by 1 - 2 * learning_rate * weight_decay (the factor 2 of an L2 penalty's "
                     "gradient); AdamW's factor is 1 - learning_rate * weight_decay"),
             Mistake("order", _adamw_order,
                     "you returned (m, v, param); the contract's order is (new_param, new_m, new_v)"),
             Mistake("decay_normalised", _adamw_decay_normalised,
                     "your decay weight_decay * param went through Adam's normalisation (divided by "
                     "sqrt(v_hat) + epsilon); AdamW decouples it: every weight shrinks by the same factor "
                     "1 - learning_rate * weight_decay, outside the Adam step"),
             Mistake("no_correction", _adamw_no_correction,
                     "your step has no bias correction of m and v (see the chapter on Adam): the first steps "
                     "are then far too small"),
             Mistake("t_plus_one", _adamw_t_plus_one,
                     "your bias correction uses step t + 1: t is already the number of this step (1 for the "
                     "first)"),
             Mistake("eps_inside", _adamw_eps_inside,
                     "epsilon is inside the square root: Adam divides by sqrt(v_hat) + epsilon (as gdkit, Keras "
                     "and torch do); sqrt(v_hat + epsilon) differs where v_hat is as small as epsilon (tiny "
                     "gradients), the very entries epsilon is there for"),
             Mistake("both", _adamw_decay_through_m,
                     "you decayed the weights twice: once through the gradient (L2) and once directly; AdamW "
                     "keeps the gradient plain"),
         )),
    Part(A, "test_warmup_schedule", "warmup_schedule", warmup_rates, _warmup_cases, points=2,
         forbidden=(schedules.LinearWarmup.__call__, schedules.CosineDecay.__call__), rtol=1e-9, atol=1e-12,
         collect=warmup_collect,
         mistakes=(
             Mistake("from_zero", _warmup_from_zero,
                     "your first step (t = 0) has learning rate 0, a wasted step: the warm-up's step t uses "
                     "peak * (t + 1) / warmup_steps, so step warmup_steps - 1 reaches the peak"),
             Mistake("not_shifted", _warmup_not_shifted,
                     "the decay after the warm-up is not shifted: it must start from its own beginning at step "
                     "warmup_steps (its step t - warmup_steps), not continue as if it had run during the warm-up"),
             Mistake("shift_by_one_less", _warmup_shift_by_one_less,
                     "the decay starts one step late in its own schedule: step warmup_steps uses the decay's "
                     "step 0, the peak"),
             Mistake("one_step_longer", _warmup_one_step_longer,
                     "your warm-up ramps over warmup_steps + 1 steps and never reaches the peak: step t of the "
                     "warm-up uses peak * (t + 1) / warmup_steps"),
             Mistake("no_decay", _warmup_no_decay,
                     "after the warm-up your rate stays at the peak: the cosine decay follows"),
             Mistake("linspace", _warmup_linspace,
                     "your ramp starts at 0 (np.linspace(0, peak, warmup_steps)): a wasted step with rate 0; the "
                     "warm-up's step t uses peak * (t + 1) / warmup_steps"),
             Mistake("no_floor", _warmup_decay(lambda peak, T, s: peak * 0.5 * (1 + np.cos(np.pi * s / T))),
                     "after decay_steps your cosine rises again: the decay stops at 0, its step is min(s, "
                     "decay_steps)"),
             Mistake("cos_only", _warmup_decay(lambda peak, T, s: peak * max(np.cos(np.pi * min(s, T) / T), 0.0)),
                     "your decay is peak * cos(pi s / T); the cosine decay is peak * (1 + cos(pi s / T)) / 2, "
                     "which goes from the peak to 0 over half a period"),
             Mistake("quarter_cosine", _warmup_decay(lambda peak, T, s: peak * np.cos(0.5 * np.pi * min(s, T) / T)),
                     "your decay is cos(pi s / (2 T)), a quarter period; the cosine decay is "
                     "peak * (1 + cos(pi * min(s, T) / T)) / 2, half a period from the peak down to 0"),
             Mistake("linear_decay", _warmup_decay(lambda peak, T, s: peak * (1 - min(s, T) / T)),
                     "your decay is linear; the schedule's decay is a cosine, peak * (1 + cos(pi * min(s, T) / T)) "
                     "/ 2"),
         )),
    Part(A, "test_running_mean_after", "running_mean_after", _running_mean_after, None, points=1, kind=ANSWER,
         answer_format="number", rtol=1e-2, atol=0.0,
         mistakes=(
             Mistake("value", _running_value,
                     "that is the batch mean itself: after your number of steps the running mean has covered only "
                     "part of the way from 0 (momentum**steps of the old value remains); with PyTorch's convention, "
                     "where momentum weighs the new value, it would be almost there"),
             Mistake("one_step", _running_one_step, "that is the running mean after one step, not after all of them"),
             Mistake("power_only", _running_power_only,
                     "momentum**steps is the weight left on the old value (the starting 0); the running mean is "
                     "(1 - momentum**steps) times the batch mean"),
             Mistake("linear", _running_linear,
                     "you added (1 - momentum) of the batch mean at every step, as if the old average were not "
                     "multiplied by momentum each time: the gap to the batch mean shrinks geometrically"),
             Mistake("one_step_less", _running_steps(-1),
                     "that is the running mean after steps - 1 updates (off by one): after k updates from 0 it is "
                     "(1 - momentum**k) times the batch mean, with k = steps"),
             Mistake("one_step_more", _running_steps(1),
                     "that is the running mean after steps + 1 updates (off by one): after k updates from 0 it is "
                     "(1 - momentum**k) times the batch mean, with k = steps"),
             Mistake("fraction", _running_fraction,
                     "that is the fraction 1 - momentum**steps of the way covered; the running mean is that "
                     "fraction times the batch mean"),
             Mistake("one_minus_power", _running_one_minus_power,
                     "(1 - momentum)**steps is not the weight of anything here: each step keeps momentum of the old "
                     "average, so after k steps momentum**k of the start remains and the mean is "
                     "(1 - momentum**k) times the batch mean"),
         )),
    Part(A, "test_range_test_rate", "range_test_rate", _range_answer, None, points=2, kind=ANSWER,
         answer_format="number", compare=within_factor_two, explain=_explain_range, rtol=1.0,
         mistakes=(
             Mistake("minimum", _range_minimum,
                     "that is the rate at the minimum of the loss: there the loss is about to blow up (the ramp has "
                     "reached the edge of stability), and a whole training run at that rate would diverge or "
                     "oscillate; the chapter's rule takes about a tenth of it, where the loss still falls steeply"),
             Mistake("blow_up", _range_blow_up,
                     "at that rate the smoothed loss is back above where it started: training diverges there"),
             Mistake("first", _range_first,
                     "that is the smallest rate of the ramp: the loss hardly moves there, so training would be very "
                     "slow; take the rate where it falls fastest, about a tenth of the rate at the minimum"),
             Mistake("hundredth", _range_hundredth,
                     "that is a hundredth of the rate at the minimum: safe, but ten times slower than needed; the "
                     "rule of thumb is a tenth"),
             Mistake("largest", lambda student: float(range_test_problem(student).learning_rates[-1]),
                     "that is the largest rate of the ramp, where the loss has long blown up; the rule of thumb is a "
                     "tenth of the rate at which the smoothed loss is lowest"),
             Mistake("ten_times", _range_ten_times,
                     "that is ten times the rate at the minimum, deep in the blow-up; the rule of thumb is a TENTH "
                     "of the rate at the minimum"),
             Mistake("loss", _range_loss,
                     "that is the lowest smoothed LOSS; the answer is a learning rate: a tenth of the rate at which "
                     "the smoothed loss is lowest"),
             Mistake("index", _range_index,
                     "that is the position (index) of the minimum in the arrays; the answer is a learning rate: a "
                     "tenth of learning_rates at that index"),
         )),
    Part(A, "test_diagnosis", "diagnosis", _diagnosis, None, points=2, kind=ANSWER, answer_format="letter:ABCDEF",
         mistakes=_DIAGNOSIS_MISTAKES),
)
