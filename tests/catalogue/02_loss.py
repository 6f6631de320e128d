"""Student-style answers to 02_loss: one wrong answer per catalogued misconception, several right ones."""
import math

import numpy as np
from _entries import buggy, correct

EPS = np.finfo(float).eps


# ---- MSE --------------------------------------------------------------------------------------------------------
@buggy("test_mse", "not averaged")
def mse_sum(y_true, y_pred):
    return float(((y_pred - y_true) ** 2).sum())


@buggy("test_mse", "divided by the batch size N only")
def mse_per_example(y_true, y_pred):
    total = 0.0
    for n in range(len(y_true)):
        total += np.sum((y_pred[n] - y_true[n]) ** 2)
    return total / len(y_true)


@buggy("test_mse", "mean absolute error")
def mse_abs(y_true, y_pred):
    return float(np.abs(y_true - y_pred).mean())


@buggy("test_mse", "square root (RMSE)")
def mse_rmse(y_true, y_pred):
    return math.sqrt(np.mean((y_true - y_pred) ** 2))


@correct("test_mse")
def mse_loop(y_true, y_pred):
    flat_t, flat_p = np.ravel(y_true), np.ravel(y_pred)
    return sum((float(p) - float(t)) ** 2 for t, p in zip(flat_t, flat_p)) / len(flat_t)


@correct("test_mse")
def mse_dot(y_true, y_pred):
    d = (np.asarray(y_pred, dtype=float) - y_true).ravel()
    return float(d @ d / d.size)


@buggy("test_mse_grad", "the factor 2")
def mse_grad_no_two(y_true, y_pred):
    return (y_pred - y_true) / y_pred.size


@buggy("test_mse_grad", "wrong sign")
def mse_grad_sign(y_true, y_pred):
    return 2 * (y_true - y_pred) / y_true.size


@buggy("test_mse_grad", "not divided by the number of entries")
def mse_grad_sum(y_true, y_pred):
    return 2 * (y_pred - y_true)


@buggy("test_mse_grad", "you divided by N only")
def mse_grad_n(y_true, y_pred):
    return 2 * (y_pred - y_true) / y_pred.shape[0]


@correct("test_mse_grad")
def mse_grad_float32(y_true, y_pred):
    return (np.float32(2.0) / np.float32(np.size(y_pred))) * (y_pred - y_true)


@correct("test_mse_grad")
def mse_grad_loop(y_true, y_pred):
    grad = np.zeros(np.shape(y_pred))
    n = np.size(y_pred)
    for index in np.ndindex(grad.shape):
        grad[index] = 2 * (y_pred[index] - y_true[index]) / n
    return grad


# ---- BCE --------------------------------------------------------------------------------------------------------
@buggy("test_bce", "NaN or infinite when a prediction is exactly 0 or 1")
def bce_unclipped(y_true, y_pred):
    return float(-np.mean(y_true * np.log(y_pred) + (1 - y_true) * np.log(1 - y_pred)))


@buggy("test_bce", "minus sign")
def bce_positive(y_true, y_pred):
    p = np.clip(y_pred, EPS, 1 - EPS)
    return float(np.mean(y_true * np.log(p) + (1 - y_true) * np.log(1 - p)))


@buggy("test_bce", "not averaged over the batch")
def bce_sum(y_true, y_pred):
    p = np.clip(y_pred, EPS, 1 - EPS)
    return -float(np.sum(y_true * np.log(p) + (1 - y_true) * np.log(1 - p)))


@buggy("test_bce", "(1 - y)·log(1 - p) term")
def bce_one_term(y_true, y_pred):
    return -float(np.mean(y_true * np.log(np.maximum(y_pred, EPS))))


@correct("test_bce")
def bce_select(y_true, y_pred):
    p = np.clip(y_pred, EPS, 1 - EPS)
    return float(-np.mean(np.log(np.where(y_true == 1, p, 1 - p))))


@correct("test_bce")
def bce_loop(y_true, y_pred):
    total = 0.0
    for y, p in zip(np.ravel(y_true), np.ravel(y_pred)):
        p = min(max(float(p), EPS), 1 - EPS)
        total -= math.log(p) if y == 1 else math.log1p(-p)
    return total / np.size(y_pred)


@buggy("test_bce_grad", "gradient with respect to the logit")
def bce_grad_logit(y_true, y_pred):
    return (y_pred - y_true) / len(y_pred)


@buggy("test_bce_grad", "not divided by N")
def bce_grad_sum(y_true, y_pred):
    return -(y_true / y_pred - (1 - y_true) / (1 - y_pred))


@buggy("test_bce_grad", "wrong sign")
def bce_grad_sign(y_true, y_pred):
    return (y_true / y_pred - (1 - y_true) / (1 - y_pred)) / y_pred.size


@correct("test_bce_grad")
def bce_grad_two_terms(y_true, y_pred):
    return (-(y_true / y_pred) + (1 - y_true) / (1 - y_pred)) / y_pred.size


@correct("test_bce_grad")
def bce_grad_clipped(y_true, y_pred):
    p = np.clip(y_pred, 1e-12, 1 - 1e-12)
    return (p - y_true) / (p - p * p) / p.size


# ---- CCE --------------------------------------------------------------------------------------------------------
def _one_hot(y_true, k):
    y_true = np.asarray(y_true)
    if y_true.ndim == 2:
        return y_true
    out = np.zeros((len(y_true), k))
    for n, label in enumerate(y_true):
        out[n, int(label)] = 1
    return out


@buggy("test_cce", "not averaged over the batch")
def cce_sum(y_true, y_pred):
    return -float(np.sum(_one_hot(y_true, y_pred.shape[1]) * np.log(y_pred)))


@buggy("test_cce", "over all N·K entries")
def cce_mean_entries(y_true, y_pred):
    return -float(np.mean(_one_hot(y_true, y_pred.shape[1]) * np.log(y_pred)))


@buggy("test_cce", "the minus sign is missing")
def cce_positive(y_true, y_pred):
    return float(np.sum(_one_hot(y_true, y_pred.shape[1]) * np.log(y_pred)) / len(y_pred))


@correct("test_cce")
def cce_index(y_true, y_pred):
    y_true = np.asarray(y_true)
    labels = y_true if y_true.ndim == 1 else y_true.argmax(axis=1)
    return float(-np.mean(np.log(np.maximum(y_pred[np.arange(len(y_pred)), labels], EPS))))


@correct("test_cce")
def cce_loop(y_true, y_pred):
    y = _one_hot(y_true, y_pred.shape[1])
    total = 0.0
    for n in range(len(y)):
        for k in range(y.shape[1]):
            if y[n, k]:
                total -= y[n, k] * math.log(max(y_pred[n, k], EPS))
    return total / len(y)


@buggy("test_cce_grad", "gradient with respect to the logits")
def cce_grad_logits(y_true, y_pred):
    return (y_pred - _one_hot(y_true, y_pred.shape[1])) / y_pred.shape[0]


@buggy("test_cce_grad", "not divided by N")
def cce_grad_sum(y_true, y_pred):
    return -_one_hot(y_true, y_pred.shape[1]) / y_pred


@correct("test_cce_grad")
def cce_grad_where(y_true, y_pred):
    y = _one_hot(y_true, y_pred.shape[1])
    return np.where(y > 0, -y / np.maximum(y_pred, EPS), 0.0) / len(y_pred)


@correct("test_cce_grad")
def cce_grad_scatter(y_true, y_pred):
    y_true = np.asarray(y_true)
    if y_true.ndim == 2:
        return -y_true / y_pred / len(y_pred)
    grad = np.zeros_like(y_pred)
    rows = np.arange(len(y_pred))
    grad[rows, y_true] = -1.0 / (len(y_pred) * y_pred[rows, y_true])
    return grad


# ---- from logits -----------------------------------------------------------------------------------------------
@buggy("test_cce_from_logits", "log-sum-exp")
def cce_logits_naive(y_true, logits):
    p = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
    return -float(np.sum(_one_hot(y_true, logits.shape[1]) * np.log(p))) / len(logits)


@buggy("test_cce_from_logits", "not averaged over the batch")
def cce_logits_sum(y_true, logits):
    m = logits.max(axis=1, keepdims=True)
    lse = m + np.log(np.exp(logits - m).sum(axis=1, keepdims=True))
    return float(np.sum(_one_hot(y_true, logits.shape[1]) * (lse - logits)))


@correct("test_cce_from_logits")
def cce_logits_loop(y_true, logits):
    y = _one_hot(y_true, logits.shape[1])
    total = 0.0
    for z, target in zip(logits, y):
        m = max(z)
        lse = m + math.log(sum(math.exp(v - m) for v in z))
        total += float(np.dot(target, lse - z))
    return total / len(logits)


@correct("test_cce_from_logits")
def cce_logits_logaddexp(y_true, logits):
    lse = np.logaddexp.reduce(logits, axis=1)
    y = _one_hot(y_true, logits.shape[1])
    return float(np.mean(lse - np.sum(y * logits, axis=1)))


@buggy("test_cce_from_logits_grad", "softmax without subtracting the row maximum")
def cce_logits_grad_naive(y_true, logits):
    e = np.exp(logits)
    return (e / e.sum(axis=1, keepdims=True) - _one_hot(y_true, logits.shape[1])) / len(logits)


@buggy("test_cce_from_logits_grad", "not divided by N")
def cce_logits_grad_sum(y_true, logits):
    from gdkit.activations import softmax
    return softmax(logits) - _one_hot(y_true, logits.shape[1])


@buggy("test_cce_from_logits_grad", "wrong sign")
def cce_logits_grad_sign(y_true, logits):
    from gdkit.activations import softmax
    return (_one_hot(y_true, logits.shape[1]) - softmax(logits)) / len(logits)


@correct("test_cce_from_logits_grad")
def cce_logits_grad_own_softmax(y_true, logits):
    z = logits - logits.max(axis=1, keepdims=True)
    p = np.exp(z) / np.exp(z).sum(axis=1, keepdims=True)
    return (p - _one_hot(y_true, logits.shape[1])) / logits.shape[0]


@correct("test_cce_from_logits_grad")
def cce_logits_grad_rows(y_true, logits):
    y = _one_hot(y_true, logits.shape[1])
    grad = np.empty(logits.shape)
    for n, z in enumerate(logits):
        e = np.exp(z - z.max())
        grad[n] = (e / e.sum() - y[n]) / len(logits)
    return grad
