"""Parts of assignment 02_loss (chapter: loss functions): MSE, binary and categorical cross-entropy, gradients."""
import numpy as np

from ... import activations, losses
from ..core import Mistake, Part
from ._common import Case, cases_from, normal

A = "02_loss"


# ---- inputs ------------------------------------------------------------------------------------------------
def _regression_cases(rng, hidden):
    def case(n, k, label, dtype=np.float64):
        return Case((normal(rng, n, k, dtype=dtype), normal(rng, n, k, dtype=dtype)), label=label)
    visible = [case(5, 1, "5 examples, one output"), case(4, 3, "4 examples, 3 outputs")]
    extra = [case(8, 3, "8 examples, 3 outputs"), case(1, 1, "a batch of one"), case(6, 2, "float32", np.float32),
             Case((normal(rng, 7), normal(rng, 7)), label="1-D targets")]
    return cases_from(visible, extra, hidden)


def _binary_cases(rng, hidden):
    def case(n, k, label):
        y = (rng.random((n, k)) < 0.5).astype(float)
        p = rng.uniform(0.02, 0.98, size=(n, k))
        return Case((y, p), label=label)
    y_sure = np.array([[1.0], [0.0], [1.0], [0.0]])
    visible = [case(6, 1, "6 examples"),
               Case((y_sure, np.array([[1.0], [0.0], [0.7], [0.2]])), label="predictions of exactly 0 and 1")]
    extra = [case(10, 1, "10 examples"), case(1, 1, "a batch of one"), case(5, 3, "3 outputs per example")]
    return cases_from(visible, extra, hidden)


def _binary_grad_cases(rng, hidden):
    return [case for case in _binary_cases(rng, hidden) if "exactly" not in case.label]


def _probability_rows(rng, n, k):
    return activations.softmax(normal(rng, n, k, scale=1.5))


def _categorical_cases(rng, hidden, scores=_probability_rows):
    def case(n, k, label, integer):
        labels = rng.integers(0, k, size=n)
        y = labels if integer else np.eye(k)[labels]
        return Case((y, scores(rng, n, k)), label=label)
    visible = [case(4, 3, "one-hot labels, 4 examples, 3 classes", False), case(4, 3, "integer labels", True)]
    extra = [case(9, 5, "one-hot, 5 classes", False),
             case(1, 4, "a batch of one, integer label", True), case(12, 2, "integer labels, 2 classes", True)]
    return cases_from(visible, extra, hidden)


def _logit_scores(rng, n, k):
    return normal(rng, n, k, scale=3.0)


def _logit_cases(rng, hidden):
    large = Case((np.array([0, 2]), np.array([[1000.0, 0.0, -1000.0], [500.0, 499.0, 501.0]])),
                 label="large logits")
    cases = _categorical_cases(rng, hidden, scores=_logit_scores)
    return cases[:2] + [large] + cases[2:]  # visible: one-hot, integer labels, large logits


def _one_hot(y, p):
    y, p = np.asarray(y), np.asarray(p)
    return np.eye(p.shape[1])[y] if y.ndim == 1 else y


# ---- mistakes ----------------------------------------------------------------------------------------------
def _bce_terms(y, p):
    return -(y * np.log(p) + (1 - y) * np.log(1 - p))


def _cce_naive_logits(y, z):
    e = np.exp(z)
    p = e / e.sum(axis=1, keepdims=True)
    return float(-np.sum(_one_hot(y, z) * np.log(p)) / z.shape[0])


def _softmax_naive(z):
    e = np.exp(z)
    return e / e.sum(axis=1, keepdims=True)


PARTS = (
    Part(A, "test_mse", "mean_squared_error", losses.mean_squared_error, _regression_cases, points=1,
         forbidden=(losses.mean_squared_error,),
         mistakes=(
             Mistake("sum", lambda y, p: float(np.sum((p - y) ** 2)),
                     "your loss is not averaged (it is the sum, off by a factor of N·K); take the mean"),
             Mistake("per_row", lambda y, p: float(np.sum((p - y) ** 2) / len(y)),
                     "you divided by the batch size N only; the mean runs over all N·K entries"),
             Mistake("not_squared", lambda y, p: float(np.mean(np.abs(p - y))),
                     "you computed the mean absolute error; square the differences"),
             Mistake("rmse", lambda y, p: float(np.sqrt(np.mean((p - y) ** 2))),
                     "you took the square root (RMSE); the MSE has no root"),
         )),
    Part(A, "test_mse_grad", "mean_squared_error_grad", losses.mean_squared_error_grad, _regression_cases,
         points=1, forbidden=(losses.mean_squared_error_grad,),
         mistakes=(
             Mistake("no_two", lambda y, p: (p - y) / np.size(p), "the factor 2 from the derivative of the square is missing"),
             Mistake("sign", lambda y, p: 2 * (y - p) / np.size(p),
                     "your gradient has the wrong sign: d/dŷ of (ŷ - y)² is +2(ŷ - y)"),
             Mistake("sum", lambda y, p: 2 * (p - y),
                     "your gradient is not divided by the number of entries N·K (the loss is a mean)"),
             Mistake("per_row", lambda y, p: 2 * (p - y) / len(p),
                     "you divided by N only; the loss averages over all N·K entries, so divide by y_pred.size"),
         )),
    Part(A, "test_bce", "binary_crossentropy", losses.binary_crossentropy, _binary_cases, points=2,
         forbidden=(losses.binary_crossentropy,),
         mistakes=(
             Mistake("no_clip", lambda y, p: float(np.mean(_bce_terms(y, p))),
                     "your loss is NaN or infinite when a prediction is exactly 0 or 1 (0·log 0): clip p to "
                     "[eps, 1 - eps] with eps = np.finfo(float).eps before taking logs"),
             Mistake("no_minus", lambda y, p: -losses.binary_crossentropy(y, p),
                     "your loss is negative: the minus sign in front of the mean is missing"),
             Mistake("sum", lambda y, p: losses.binary_crossentropy(y, p) * np.size(p),
                     "your loss is not averaged over the batch (off by a factor of N); take the mean"),
             Mistake("one_term", lambda y, p: float(-np.mean(y * np.log(np.clip(p, 2.2e-16, 1)))),
                     "only the y·log p term is there: the (1 - y)·log(1 - p) term for the examples of class 0 is "
                     "missing"),
         )),
    Part(A, "test_bce_grad", "binary_crossentropy_grad", losses.binary_crossentropy_grad, _binary_grad_cases,
         points=1, forbidden=(losses.binary_crossentropy_grad,),
         mistakes=(
             Mistake("logit", lambda y, p: (p - y) / np.size(p),
                     "you returned (p - y)/N, the gradient with respect to the logit z; this part asks for the "
                     "gradient with respect to the probability p: (p - y) / (p(1 - p)) / N"),
             Mistake("sum", lambda y, p: (p - y) / (p * (1 - p)),
                     "your gradient is not divided by N (the loss is a mean over the batch)"),
             Mistake("sign", lambda y, p: (y - p) / (p * (1 - p)) / np.size(p), "your gradient has the wrong sign"),
         )),
    Part(A, "test_cce", "categorical_crossentropy", losses.categorical_crossentropy, _categorical_cases, points=2,
         forbidden=(losses.categorical_crossentropy,),
         mistakes=(
             Mistake("sum", lambda y, p: losses.categorical_crossentropy(y, p) * len(p),
                     "your loss is not averaged over the batch (off by a factor of N)"),
             Mistake("per_entry", lambda y, p: losses.categorical_crossentropy(y, p) / np.shape(p)[1],
                     "you averaged over all N·K entries; average over the N examples only (sum over classes)"),
             Mistake("no_minus", lambda y, p: -losses.categorical_crossentropy(y, p),
                     "your loss is negative: the minus sign is missing"),
         )),
    Part(A, "test_cce_grad", "categorical_crossentropy_grad", losses.categorical_crossentropy_grad,
         _categorical_cases, points=1, forbidden=(losses.categorical_crossentropy_grad,),
         mistakes=(
             Mistake("logit", lambda y, p: (p - _one_hot(y, p)) / len(p),
                     "you returned (p - y)/N, the gradient with respect to the logits; with respect to the "
                     "probabilities it is -y / (N p)"),
             Mistake("sum", lambda y, p: -_one_hot(y, p) / p,
                     "your gradient is not divided by N (the loss is a mean over the batch)"),
         )),
    Part(A, "test_cce_from_logits", "categorical_crossentropy_from_logits",
         losses.categorical_crossentropy_from_logits, _logit_cases, points=2,
         forbidden=(losses.categorical_crossentropy_from_logits,),
         mistakes=(
             Mistake("naive", _cce_naive_logits,
                     "your loss overflows for large logits (exp(1000) = inf): use the log-sum-exp trick, "
                     "m + log(sum(exp(z - m))) with m the row maximum"),
             Mistake("sum", lambda y, z: losses.categorical_crossentropy_from_logits(y, z) * len(z),
                     "your loss is not averaged over the batch (off by a factor of N)"),
         )),
    Part(A, "test_cce_from_logits_grad", "categorical_crossentropy_from_logits_grad",
         losses.categorical_crossentropy_from_logits_grad, _logit_cases, points=2,
         forbidden=(losses.categorical_crossentropy_from_logits_grad,),
         mistakes=(
             Mistake("naive", lambda y, z: (_softmax_naive(z) - _one_hot(y, z)) / len(z),
                     "your gradient is NaN for large logits: softmax without subtracting the row maximum "
                     "overflows; use a stable softmax (gdkit.activations.softmax is allowed here)"),
             Mistake("sum", lambda y, z: activations.softmax(z) - _one_hot(y, z),
                     "your gradient is not divided by N (the loss is a mean over the batch)"),
             Mistake("sign", lambda y, z: (_one_hot(y, z) - activations.softmax(z)) / len(z),
                     "your gradient has the wrong sign: it is (softmax(z) - y)/N"),
         )),
)
