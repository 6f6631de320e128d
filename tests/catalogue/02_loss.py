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


@buggy("test_mse_grad", "brings down a 2")
def mse_grad_no_two(y_true, y_pred):
    return (y_pred - y_true) / y_pred.size


@buggy("test_mse_grad", "wrong sign")
def mse_grad_sign(y_true, y_pred):
    return 2 * (y_true - y_pred) / y_true.size


@buggy("test_mse_grad", "not divided by the number of entries N·K")
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
    grad = np.zeros(np.shape(y_pred), dtype=y_pred.dtype)
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


@buggy("test_bce_grad", "the gradient with respect to the logit z")
def bce_grad_logit(y_true, y_pred):
    return (y_pred - y_true) / len(y_pred)


@buggy("test_bce_grad", "not divided by N·K")
def bce_grad_sum(y_true, y_pred):
    return -(y_true / y_pred - (1 - y_true) / (1 - y_pred))


@buggy("test_bce_grad", "wrong sign")
def bce_grad_sign(y_true, y_pred):
    return (y_true / y_pred - (1 - y_true) / (1 - y_pred)) / y_pred.size


@correct("test_bce_grad")
def bce_grad_two_terms(y_true, y_pred):
    eps = np.finfo(y_pred.dtype).eps
    p = np.minimum(np.maximum(y_pred, eps), 1 - eps)
    return (-(y_true / p) + (1 - y_true) / (1 - p)) / y_pred.size


@correct("test_bce_grad")
def bce_grad_clipped(y_true, y_pred):
    eps = np.finfo(y_pred.dtype).eps
    p = np.clip(y_pred, eps, 1 - eps)
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


@buggy("test_cce_grad", "the gradient with respect to the logits")
def cce_grad_logits(y_true, y_pred):
    return (y_pred - _one_hot(y_true, y_pred.shape[1])) / y_pred.shape[0]


@buggy("test_cce_grad", "not divided by N")
def cce_grad_sum(y_true, y_pred):
    return -_one_hot(y_true, y_pred.shape[1]) / y_pred


@correct("test_cce_grad")
def cce_grad_where(y_true, y_pred):
    y = _one_hot(y_true, y_pred.shape[1]).astype(y_pred.dtype)
    eps = np.finfo(y_pred.dtype).eps
    return np.where(y > 0, -y / np.maximum(y_pred, eps), 0) / len(y_pred)


@correct("test_cce_grad")
def cce_grad_scatter(y_true, y_pred):
    y_true = np.asarray(y_true)
    labels = y_true if y_true.ndim == 1 else np.argmax(y_true, axis=1)
    grad = np.zeros_like(y_pred)
    rows = np.arange(len(y_pred))
    grad[rows, labels] = -1.0 / (len(y_pred) * np.maximum(y_pred[rows, labels], np.finfo(y_pred.dtype).eps))
    return grad


# ---- from logits -----------------------------------------------------------------------------------------------
@buggy("test_cce_from_logits", "your loss overflows for large logits")
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
    return (p - _one_hot(y_true, logits.shape[1]).astype(p.dtype)) / logits.shape[0]


@correct("test_cce_from_logits_grad")
def cce_logits_grad_rows(y_true, logits):
    y = _one_hot(y_true, logits.shape[1])
    grad = np.empty(logits.shape, dtype=logits.dtype)
    for n, z in enumerate(logits):
        e = np.exp(z - z.max())
        grad[n] = (e / e.sum() - y[n]) / len(logits)
    return grad


# ---- issue 9: edge cases, contracts, and the mistakes of the 2026-11 student trial -------------------------------------
@buggy("test_mse", "half the mean squared error")
def mse_half(y_true, y_pred):
    return 0.5 * float(np.mean((y_pred - y_true) ** 2))


@buggy("test_mse", "mean_squared_error changed its argument `y_pred` in place")
def mse_in_place(y_true, y_pred):
    y_pred -= y_true
    return float(np.mean(y_pred ** 2))


@buggy("test_mse_grad", "is float64 for float32 input")
def mse_grad_float64(y_true, y_pred):
    return 2 * (np.asarray(y_pred, dtype=float) - y_true) / np.size(y_pred)


@buggy("test_mse_grad", "the loss grows when y_pred moves away from y_true")
def mse_grad_swapped(y_true, y_pred):
    return 2 * (y_true - y_pred) / y_pred.size


@correct("test_mse_grad")
def mse_grad_by_rows(y_true, y_pred):
    n = y_pred.shape[0]
    k = y_pred.size // n
    return (y_pred - y_true) * (y_pred.dtype.type(2) / n / k)


@buggy("test_bce", "you clipped p only from below")
def bce_clip_below(y_true, y_pred):
    p = np.maximum(y_pred, EPS)
    return float(-np.mean(y_true * np.log(p) + (1 - y_true) * np.log(1 - p)))


@buggy("test_bce", "you clipped with 1e-7 (Keras's epsilon)")
def bce_keras_eps(y_true, y_pred):
    p = np.clip(y_pred, 1e-7, 1 - 1e-7)
    return float(-np.mean(y_true * np.log(p) + (1 - y_true) * np.log(1 - p)))


@buggy("test_bce", "with K output columns binary cross-entropy averages over all N·K")
def bce_rows_only(y_true, y_pred):
    p = np.clip(y_pred, EPS, 1 - EPS)
    return float(-np.sum(y_true * np.log(p) + (1 - y_true) * np.log(1 - p)) / len(p))


@buggy("test_bce", "you used log10")
def bce_log10(y_true, y_pred):
    p = np.clip(y_pred, EPS, 1 - EPS)
    return float(-np.mean(y_true * np.log10(p) + (1 - y_true) * np.log10(1 - p)))


@buggy("test_bce", "with y_true and y_pred swapped")
def bce_swapped(y_pred, y_true):  # the order of the chapter's common mistake: (y_pred, y_true)
    p = np.clip(y_pred, EPS, 1 - EPS)
    return float(-np.mean(y_true * np.log(p) + (1 - y_true) * np.log(1 - p)))


@correct("test_bce")
def bce_log1p(y_true, y_pred):
    eps = np.finfo(np.asarray(y_pred).dtype).eps
    p = np.clip(y_pred, eps, 1 - eps)
    return float(-np.mean(y_true * np.log(p) + (1 - y_true) * np.log1p(-p)))


@buggy("test_bce_grad", "your gradient is NaN or infinite at a prediction of exactly 0 or 1")
def bce_grad_unclipped(y_true, y_pred):
    return (y_pred - y_true) / (y_pred * (1 - y_pred)) / y_pred.size


@buggy("test_bce_grad", "you clipped with 1e-7 (Keras's epsilon)")
def bce_grad_keras_eps(y_true, y_pred):
    p = np.clip(y_pred, 1e-7, 1 - 1e-7)
    return (p - y_true) / (p * (1 - p)) / p.size


@buggy("test_bce_grad", "you divided by N only")
def bce_grad_rows_only(y_true, y_pred):
    eps = np.finfo(y_pred.dtype).eps
    p = np.clip(y_pred, eps, 1 - eps)
    return (p - y_true) / (p * (1 - p)) / len(p)


@buggy("test_bce_grad", "your gradient has only the term of -y·log p")
def bce_grad_one_term(y_true, y_pred):
    eps = np.finfo(y_pred.dtype).eps
    return -y_true / np.clip(y_pred, eps, 1 - eps) / y_pred.size


@buggy("test_bce_grad", "is float64 for float32 input")
def bce_grad_float64_eps(y_true, y_pred):
    p = np.clip(y_pred, np.finfo(float).eps, 1 - np.finfo(float).eps)  # a float64 scalar promotes float32
    return (p - y_true) / (p * (1 - p)) / p.size


@buggy("test_cce", "a probability of exactly 0 makes log p = -inf")
def cce_unclipped_index(y_true, y_pred):
    y_true = np.asarray(y_true)
    labels = y_true if y_true.ndim == 1 else y_true.argmax(axis=1)
    return float(-np.mean(np.log(y_pred[np.arange(len(y_pred)), labels])))


@buggy("test_cce", "a probability of exactly 0 makes log p = -inf")
def cce_unclipped_sum(y_true, y_pred):
    return -float(np.sum(_one_hot(y_true, y_pred.shape[1]) * np.log(y_pred))) / len(y_pred)


@buggy("test_cce", "you clipped with 1e-7 (Keras's epsilon)")
def cce_keras_eps(y_true, y_pred):
    return -float(np.sum(_one_hot(y_true, y_pred.shape[1]) * np.log(np.clip(y_pred, 1e-7, 1)))) / len(y_pred)


@buggy("test_cce", "the PREDICTED class")
def cce_predicted_class(y_true, y_pred):
    return float(-np.mean(np.log(np.maximum(y_pred.max(axis=1), EPS))))


@buggy("test_cce", "you used log10")
def cce_log10(y_true, y_pred):
    return -float(np.sum(_one_hot(y_true, y_pred.shape[1]) * np.log10(np.maximum(y_pred, EPS)))) / len(y_pred)


@buggy("test_cce", "K comes from y_pred's shape, not from max(label) + 1")
def cce_classes_from_labels(y_true, y_pred):
    y_true = np.asarray(y_true)
    y = np.eye(y_true.max() + 1)[y_true] if y_true.ndim == 1 else y_true
    return -float(np.sum(y * np.log(np.maximum(y_pred, EPS)))) / len(y_pred)


@correct("test_cce")
def cce_take_along(y_true, y_pred):
    y_true = np.asarray(y_true)
    labels = y_true if y_true.ndim == 1 else np.argmax(y_true, axis=1)
    picked = np.take_along_axis(y_pred, labels[:, None], axis=1)
    return float(-np.log(np.maximum(picked, EPS)).mean())


@buggy("test_cce_grad", "NaN or infinite where a probability is exactly 0")
def cce_grad_unclipped(y_true, y_pred):
    y = _one_hot(y_true, y_pred.shape[1]).astype(y_pred.dtype)
    return -y / y_pred / len(y_pred)


@buggy("test_cce_grad", "you clipped with 1e-7 (Keras's epsilon)")
def cce_grad_keras_eps(y_true, y_pred):
    y = _one_hot(y_true, y_pred.shape[1]).astype(y_pred.dtype)
    return -y / np.maximum(y_pred, 1e-7) / len(y_pred)


@buggy("test_cce_grad", "you divided by N·K")
def cce_grad_per_entry(y_true, y_pred):
    y = _one_hot(y_true, y_pred.shape[1]).astype(y_pred.dtype)
    return -y / np.maximum(y_pred, np.finfo(y_pred.dtype).eps) / y_pred.size


@buggy("test_cce_grad", "raising the true class's probability lowers the loss")
def cce_grad_sign(y_true, y_pred):
    y = _one_hot(y_true, y_pred.shape[1]).astype(y_pred.dtype)
    return y / np.maximum(y_pred, np.finfo(y_pred.dtype).eps) / len(y_pred)


@buggy("test_cce_grad", "your gradient is nonzero for every class")
def cce_grad_every_class(y_true, y_pred):
    return -1 / np.maximum(y_pred, np.finfo(y_pred.dtype).eps) / len(y_pred)


@buggy("test_cce_grad", "is float64 for float32 input")
def cce_grad_float64_one_hot(y_true, y_pred):
    y = _one_hot(y_true, y_pred.shape[1])  # float64 one-hot rows promote float32 probabilities
    return -y / np.maximum(y_pred, np.finfo(y_pred.dtype).eps) / len(y_pred)


@buggy("test_cce_grad", "K comes from y_pred's shape, not from max(label) + 1")
def cce_grad_classes_from_labels(y_true, y_pred):
    y_true = np.asarray(y_true)
    y = np.eye(y_true.max() + 1, dtype=y_pred.dtype)[y_true] if y_true.ndim == 1 else y_true
    return -y / np.maximum(y_pred, np.finfo(y_pred.dtype).eps) / len(y_pred)


def _stable_lse(logits):
    m = logits.max(axis=1, keepdims=True)
    return m + np.log(np.exp(logits - m).sum(axis=1, keepdims=True))


@buggy("test_cce_from_logits", "you took log(softmax(z))")
def cce_logits_log_softmax(y_true, logits):
    from gdkit.activations import softmax
    y_true = np.asarray(y_true)
    labels = y_true if y_true.ndim == 1 else y_true.argmax(axis=1)
    return float(-np.mean(np.log(softmax(logits)[np.arange(len(logits)), labels])))


@buggy("test_cce_from_logits", "you took log(softmax(z))")
def cce_logits_log_softmax_one_hot(y_true, logits):
    z = logits - logits.max(axis=1, keepdims=True)
    p = np.exp(z) / np.exp(z).sum(axis=1, keepdims=True)
    return float(-np.sum(_one_hot(y_true, logits.shape[1]) * np.log(p)) / len(logits))


@buggy("test_cce_from_logits", "you subtracted the maximum of the whole array")
def cce_logits_global_max(y_true, logits):
    m = logits.max()
    lse = m + np.log(np.exp(logits - m).sum(axis=1))
    y_true = np.asarray(y_true)
    labels = y_true if y_true.ndim == 1 else y_true.argmax(axis=1)
    return float(np.mean(lse - logits[np.arange(len(logits)), labels]))


@buggy("test_cce_from_logits", "your loss overflows for large logits")
def cce_logits_naive_lse(y_true, logits):
    y_true = np.asarray(y_true)
    labels = y_true if y_true.ndim == 1 else y_true.argmax(axis=1)
    lse = np.log(np.exp(logits).sum(axis=1))
    return float(np.mean(lse - logits[np.arange(len(logits)), labels]))


@buggy("test_cce_from_logits", "you replaced the log-sum-exp by the row maximum alone")
def cce_logits_max_only(y_true, logits):
    y = _one_hot(y_true, logits.shape[1])
    return float(np.sum(y * (logits.max(axis=1, keepdims=True) - logits)) / len(logits))


@buggy("test_cce_from_logits", "you dropped the log-sum-exp term")
def cce_logits_no_lse(y_true, logits):
    return float(-np.sum(_one_hot(y_true, logits.shape[1]) * logits) / len(logits))


@buggy("test_cce_from_logits", "your loss has the wrong sign")
def cce_logits_sign(y_true, logits):
    return float(np.sum(_one_hot(y_true, logits.shape[1]) * (logits - _stable_lse(logits))) / len(logits))


@buggy("test_cce_from_logits", "you averaged over all N·K entries")
def cce_logits_per_entry(y_true, logits):
    return float(np.mean(_one_hot(y_true, logits.shape[1]) * (_stable_lse(logits) - logits)))


@buggy("test_cce_from_logits", "K comes from the logits' shape")
def cce_logits_classes_from_labels(y_true, logits):
    y_true = np.asarray(y_true)
    y = np.eye(y_true.max() + 1)[y_true] if y_true.ndim == 1 else y_true
    return float(np.sum(y * (_stable_lse(logits) - logits)) / len(logits))


@buggy("test_cce_from_logits_grad", "your softmax subtracts the maximum of the whole array")
def cce_logits_grad_global_max(y_true, logits):
    e = np.exp(logits - logits.max())
    y = _one_hot(y_true, logits.shape[1]).astype(logits.dtype)
    return (e / e.sum(axis=1, keepdims=True) - y) / len(logits)


@buggy("test_cce_from_logits_grad", "your softmax normalises over the batch (axis 0)")
def cce_logits_grad_axis0(y_true, logits):
    e = np.exp(logits - logits.max(axis=0, keepdims=True))
    y = _one_hot(y_true, logits.shape[1]).astype(logits.dtype)
    return (e / e.sum(axis=0, keepdims=True) - y) / len(logits)


@buggy("test_cce_from_logits_grad", "the target's term is missing")
def cce_logits_grad_no_target(y_true, logits):
    from gdkit.activations import softmax
    return softmax(logits) / len(logits)


@buggy("test_cce_from_logits_grad", "you divided by N·K")
def cce_logits_grad_per_entry(y_true, logits):
    from gdkit.activations import softmax
    y = _one_hot(y_true, logits.shape[1]).astype(logits.dtype)
    return (softmax(logits) - y) / logits.size


@buggy("test_cce_from_logits_grad", "is float64 for float32 input")
def cce_logits_grad_float64(y_true, logits):
    from gdkit.activations import softmax
    return (softmax(logits) - _one_hot(y_true, logits.shape[1])) / len(logits)


@buggy("test_cce_from_logits_grad", "K comes from the logits' shape")
def cce_logits_grad_classes_from_labels(y_true, logits):
    from gdkit.activations import softmax
    y_true = np.asarray(y_true)
    y = np.eye(y_true.max() + 1, dtype=logits.dtype)[y_true] if y_true.ndim == 1 else y_true
    return (softmax(logits) - y) / len(logits)


@correct("test_cce_from_logits_grad")
def cce_logits_grad_scatter(y_true, logits):
    from gdkit.activations import softmax
    grad = softmax(logits)
    y_true = np.asarray(y_true)
    labels = y_true if y_true.ndim == 1 else y_true.argmax(axis=1)
    grad[np.arange(len(logits)), labels] -= 1
    return grad / len(logits)


# ---- concept: the loss at initialisation ------------------------------------------------------------------------------
def _K(student):
    from gdkit.problems.loss import classifier_at_init
    return classifier_at_init(student).K


@correct("test_initial_loss")
def initial_ln_k(student):
    return math.log(_K(student))


@correct("test_initial_loss")
def initial_from_uniform_softmax(student):
    K = _K(student)
    p = np.exp(np.zeros(K)) / K
    return float(-np.log(p[0]))


@correct("test_initial_loss")
def initial_rounded(student):
    return round(math.log(_K(student)), 4)


@buggy("test_initial_loss", "that is log2 K")
def initial_log2(student):
    return math.log2(_K(student))


@buggy("test_initial_loss", "that is log10 K")
def initial_log10(student):
    return math.log10(_K(student))


@buggy("test_initial_loss", "1/K is the probability each class gets")
def initial_probability(student):
    return 1 / _K(student)


@buggy("test_initial_loss", "ln(K - 1)")
def initial_k_minus_1(student):
    return math.log(_K(student) - 1)


@buggy("test_initial_loss", "a loss of -ln K is negative")
def initial_negative(student):
    return -math.log(_K(student))


@buggy("test_initial_loss", "you averaged over the K classes")
def initial_per_class(student):
    return math.log(_K(student)) / _K(student)


@buggy("test_initial_loss", "the error rate of uniform guessing")
def initial_error_rate(student):
    return 1 - 1 / _K(student)


@buggy("test_initial_loss", "ln 2 is the loss of one uniform yes/no prediction")
def initial_binary(student):
    return math.log(2) if _K(student) != 3 else math.log(2) + 0.0  # for K = 3 the same number as ln(K - 1)


@buggy("test_initial_loss", "a loss of 0 means the true class gets probability 1")
def initial_zero(student):
    return 0.0


# ---- concept: a cross-entropy from the student's own logits -------------------------------------------------------------
def _example(student):
    from gdkit.problems.loss import logits_and_label
    e = logits_and_label(student)
    return list(map(float, e.logits)), e.label


@correct("test_logit_loss")
def logit_loss_by_hand(student):
    z, c = _example(student)
    return math.log(sum(math.exp(v) for v in z)) - z[c]


@correct("test_logit_loss")
def logit_loss_softmax_shifted(student):
    z, c = _example(student)
    z = np.array(z)
    p = np.exp(z - z.max()) / np.exp(z - z.max()).sum()
    return float(f"{-np.log(p[c]):.5g}")


@buggy("test_logit_loss", "the loss of the PREDICTED class")
def logit_loss_predicted(student):
    z, c = _example(student)
    return math.log(sum(math.exp(v) for v in z)) - max(z)


@buggy("test_logit_loss", "that is the softmax probability of the true class")
def logit_loss_probability(student):
    z, c = _example(student)
    return math.exp(z[c]) / sum(math.exp(v) for v in z)


@buggy("test_logit_loss", "you dropped the log-sum-exp")
def logit_loss_no_lse(student):
    z, c = _example(student)
    return -z[c]


@buggy("test_logit_loss", "you used the largest logit in place of the log-sum-exp")
def logit_loss_max(student):
    z, c = _example(student)
    return max(z) - z[c]


@buggy("test_logit_loss", "you used log10")
def logit_loss_log10(student):
    z, c = _example(student)
    return -math.log10(math.exp(z[c]) / sum(math.exp(v) for v in z))


@buggy("test_logit_loss", "the class before the true one")
def logit_loss_one_based(student):
    z, c = _example(student)
    return math.log(sum(math.exp(v) for v in z)) - z[c - 1]  # read the label as 1-based


@buggy("test_logit_loss", "the class after the true one")
def logit_loss_next(student):
    z, c = _example(student)
    return math.log(sum(math.exp(v) for v in z)) - z[(c + 1) % len(z)]


@buggy("test_logit_loss", "your loss is negative")
def logit_loss_negative(student):
    z, c = _example(student)
    return z[c] - math.log(sum(math.exp(v) for v in z))


@buggy("test_mse", "you averaged over axis 0 only")
def mse_axis0(y_true, y_pred):
    return np.mean(np.square(y_pred - y_true), axis=0)


@buggy("test_mse_grad", "you returned the raw difference")
def mse_grad_raw(y_true, y_pred):
    return y_pred - y_true


@buggy("test_initial_loss", "you summed -log(1/K) over all K classes")
def initial_sum_classes(student):
    K = _K(student)
    return -sum(math.log(1 / K) for _ in range(K))


@buggy("test_bce", "instead of machine epsilon, np.finfo(y_pred.dtype).eps (2.2e-16 in float64)")
def bce_sklearn_eps(y_true, y_pred):
    p = np.clip(y_pred, 1e-15, 1 - 1e-15)
    return float(-np.mean(y_true * np.log(p) + (1 - y_true) * np.log(1 - p)))


@buggy("test_bce_grad", "instead of machine epsilon, np.finfo(y_pred.dtype).eps (2.2e-16 in float64)")
def bce_grad_eps_1e12(y_true, y_pred):
    p = np.clip(y_pred, 1e-12, 1 - 1e-12)
    return (p - y_true) / (p * (1 - p)) / p.size


@buggy("test_cce", "instead of machine epsilon, np.finfo(y_pred.dtype).eps (2.2e-16 in float64)")
def cce_eps_1e10(y_true, y_pred):
    return -float(np.sum(_one_hot(y_true, y_pred.shape[1]) * np.log(np.maximum(y_pred, 1e-10)))) / len(y_pred)


@buggy("test_cce_grad", "instead of machine epsilon, np.finfo(y_pred.dtype).eps (2.2e-16 in float64)")
def cce_grad_eps_1e8(y_true, y_pred):
    y = _one_hot(y_true, y_pred.shape[1]).astype(y_pred.dtype)
    return -y / np.maximum(y_pred, 1e-8) / len(y_pred)


@buggy("test_bce", "you clipped with 1e-09 (or added it to p)")
def bce_adds_1e9(y_true, y_pred):
    return float(-np.mean(y_true * np.log(y_pred + 1e-9) + (1 - y_true) * np.log(1 - y_pred + 1e-9)))


@buggy("test_cce", "you clipped with 1e-12 (or added it to p)")
def cce_adds_1e12(y_true, y_pred):
    return float(-np.mean(np.sum(_one_hot(y_true, y_pred.shape[1]) * np.log(y_pred + 1e-12), axis=1)))


@correct("test_cce")
def cce_adds_machine_eps(y_true, y_pred):
    eps = np.finfo(y_pred.dtype).eps
    return float(-np.mean(np.sum(_one_hot(y_true, y_pred.shape[1]) * np.log(y_pred + eps), axis=1)))


@correct("test_bce")
def bce_adds_machine_eps(y_true, y_pred):
    eps = np.finfo(y_pred.dtype).eps
    return float(-np.mean(y_true * np.log(y_pred + eps) + (1 - y_true) * np.log(1 - y_pred + eps)))


@buggy("test_logit_loss", "you used the sigmoid of the true class's logit")
def logit_loss_binary(student):
    z, c = _example(student)
    return -math.log(1 / (1 + math.exp(-z[c])))


@buggy("test_bce_grad", "you added eps to the denominator instead of clipping p")
def bce_grad_eps_denominator(y_true, y_pred):
    eps = np.finfo(y_pred.dtype).eps
    return (y_pred - y_true) / (y_pred * (1 - y_pred) + eps) / y_pred.size


@buggy("test_bce_grad", "your two terms have the same sign")
def bce_grad_same_signs(y_true, y_pred):
    eps = np.finfo(y_pred.dtype).eps
    p = np.clip(y_pred, eps, 1 - eps)
    return -(y_true / p + (1 - y_true) / (1 - p)) / p.size


# ---- held-out measurement (2026-11-30): kinds that got a vague message ------------------------------------------
@buggy("test_mse", "you squared the mean difference")
def mse_square_of_mean(y_true, y_pred):
    return float(np.mean(y_pred - y_true) ** 2)


@correct("test_mse")
def mse_by_dot_product(y_true, y_pred):
    d = np.ravel(np.asarray(y_pred, dtype=float) - y_true)
    return float(d @ d) / d.size


@buggy("test_cce", "you added the binary cross-entropy's (1 - y)·log(1 - p) terms")
def cce_with_binary_terms(y_true, y_pred):
    eps = np.finfo(y_pred.dtype).eps
    y = _one_hot(y_true, y_pred.shape[1])
    p = np.clip(y_pred, eps, 1 - eps)
    return float(-np.sum(y * np.log(p) + (1 - y) * np.log(1 - p)) / len(p))


@buggy("test_cce_from_logits", "did not add it back")
def cce_from_logits_max_not_added_back(y_true, logits):
    y = _one_hot(y_true, logits.shape[1])
    m = logits.max(axis=1, keepdims=True)
    lse = np.log(np.exp(logits - m).sum(axis=1, keepdims=True))
    return float(np.sum(y * (lse - logits)) / len(logits))


@buggy("test_cce_from_logits_grad", "the gradient with respect to the probabilities")
def cce_from_logits_grad_of_probabilities(y_true, logits):
    from gdkit.activations import softmax
    y = _one_hot(y_true, logits.shape[1]).astype(logits.dtype)
    p = np.maximum(softmax(logits), np.finfo(logits.dtype).eps)
    return -y / p / len(logits)


@buggy("test_logit_loss", "did not add it back")
def logit_loss_max_not_added_back(student):
    z, label = _example(student)
    m = max(z)
    return math.log(sum(math.exp(v - m) for v in z)) - z[label]


@buggy("test_mse", "you returned one loss per example")
def mse_one_loss_per_example(y_true, y_pred):
    squared = (y_pred - y_true) ** 2
    return squared.mean(axis=1) if squared.ndim == 2 else squared
