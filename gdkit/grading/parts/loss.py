"""Parts of assignment 02_loss (chapter: loss functions): MSE, binary and categorical cross-entropy and their
gradients, and two concept questions on the student's own numbers (the loss at initialisation, a cross-entropy
from logits).

Every kind of case the grader runs is also visible (public seed 0); the grader draws the same kinds from its
private seed. Edge cases: probabilities of exactly 0 and 1 (right and confidently wrong), a zero probability for
a wrong class and for the true class, large logits (the true class's far below the maximum, rows far apart), the
highest class absent from integer labels, float32. Contracts: arguments unchanged, gradients in y_pred's dtype.
"""
import numpy as np

from ... import activations, losses
from ...problems.loss import classifier_at_init, logits_and_label
from ..core import ANSWER, Mistake, Part
from ._common import Case, normal

A = "02_loss"
EPS = np.finfo(float).eps
KERAS_EPS = 1e-7


# ---- inputs: every kind visible ------------------------------------------------------------------------------------
def _regression_cases(rng, hidden):
    def case(n, k, label, dtype=np.float64):
        return Case((normal(rng, n, k, dtype=dtype), normal(rng, n, k, dtype=dtype)), label=label)
    return [case(5, 1, "5 examples, one output"), case(4, 3, "4 examples, 3 outputs"), case(8, 3, "8 examples, 3 outputs"),
            case(1, 1, "a batch of one"), case(6, 2, "float32", np.float32),
            Case((normal(rng, 7), normal(rng, 7)), label="1-D targets")]


def _binary_cases(rng, hidden):
    def case(n, k, label, dtype=np.float64):
        y = (rng.random((n, k)) < 0.5).astype(dtype)
        p = rng.uniform(0.02, 0.98, size=(n, k)).astype(dtype)
        return Case((y, p), label=label)
    column = (lambda *v: np.array(v, dtype=float).reshape(-1, 1))
    return [case(6, 1, "6 examples"),
            Case((column(1, 0, 1, 0), column(0.9, 0, 0.7, 0)), label="predictions of exactly 0 (for labels 0)"),
            Case((column(1, 0, 1), column(1, 0.2, 1)), label="predictions of exactly 1 (for labels 1)"),
            Case((column(1, 0, 1, 0), column(0, 1, 0.5, 0.5)),
                 label="confidently wrong predictions (p = 0 for a label 1, p = 1 for a label 0)"),
            case(10, 1, "10 examples"), case(1, 1, "a batch of one"), case(5, 3, "3 outputs per example"),
            case(6, 1, "float32", np.float32)]


def _probability_rows(rng, n, k, dtype=np.float64):
    return activations.softmax(normal(rng, n, k, scale=1.5)).astype(dtype)


def _labels_without_last(rng, n, k):
    """Integer labels in 0..k-2: the highest class never occurs."""
    labels = rng.integers(0, k - 1, size=n)
    labels[0] = 0
    return labels


def _categorical_cases(rng, hidden):
    def case(n, k, label, integer, dtype=np.float64):
        labels = rng.integers(0, k, size=n)
        y = labels if integer else np.eye(k, dtype=dtype)[labels]
        return Case((y, _probability_rows(rng, n, k, dtype)), label=label)
    return [case(4, 3, "one-hot labels, 4 examples, 3 classes", False), case(4, 3, "integer labels", True),
            Case((np.eye(3)[[0, 1]], np.array([[0.7, 0.3, 0.0], [0.0, 0.5, 0.5]])),
                 label="a probability of exactly 0 for a wrong class (one-hot labels)"),
            Case((np.array([0, 2]), np.array([[0.0, 0.6, 0.4], [0.2, 0.8, 0.0]])),
                 label="a probability of exactly 0 for the true class"),
            Case((_labels_without_last(rng, 5, 4), _probability_rows(rng, 5, 4)),
                 label="integer labels where the highest class never occurs (K comes from y_pred's shape, not from "
                       "max(label) + 1)"),
            case(9, 5, "one-hot, 5 classes", False), case(1, 4, "a batch of one, integer label", True),
            case(12, 2, "integer labels, 2 classes", True),
            case(5, 3, "float32 probabilities, integer labels", True, np.float32),
            case(4, 3, "float32 probabilities, one-hot labels", False, np.float32)]


def _logit_cases(rng, hidden):
    def case(n, k, label, integer, dtype=np.float64):
        labels = rng.integers(0, k, size=n)
        y = labels if integer else np.eye(k, dtype=dtype)[labels]
        return Case((y, normal(rng, n, k, scale=3.0, dtype=dtype)), label=label)
    return [case(4, 3, "one-hot labels, 4 examples, 3 classes", False), case(4, 3, "integer labels", True),
            Case((_labels_without_last(rng, 5, 4), normal(rng, 5, 4, scale=3.0)),
                 label="integer labels where the highest class never occurs (K comes from the logits' shape, not "
                       "from max(label) + 1)"),
            Case((np.array([0]), np.array([[1000.0, 999.0, 990.0]])),
                 label="large logits (the true class's logit is the largest)"),
            Case((np.array([2]), np.array([[1000.0, 0.0, -1000.0]])),
                 label="large logits (the true class's logit is far below the largest)"),
            Case((np.array([0, 1]), np.array([[1000.0, 999.0, 998.0], [-1000.0, -999.0, -1001.0]])),
                 label="large logits, rows far apart (one row's maximum is far below the other's)"),
            case(9, 5, "one-hot, 5 classes", False), case(1, 4, "a batch of one, integer label", True),
            case(5, 3, "float32 logits, integer labels", True, np.float32),
            case(4, 3, "float32 logits, one-hot labels", False, np.float32)]


def _one_hot(y, p):
    y, p = np.asarray(y), np.asarray(p)
    return np.eye(p.shape[1])[y] if y.ndim == 1 else y


# ---- mistakes ----------------------------------------------------------------------------------------------------
def _bce_with(low=EPS, high=1 - EPS, log=np.log):
    def loss(y, p):
        q = np.clip(p, low, high) if low or high < 1 else p
        return float(-np.mean(y * log(q) + (1 - y) * log(1 - q)))
    return loss


def _bce_grad_with(low=EPS, high=1 - EPS):
    def grad(y, p):
        q = np.clip(p, low, high) if low or high < 1 else p
        return (q - y) / (q * (1 - q)) / np.size(p)
    return grad


def _other_eps(make, consequence):
    """Mistakes: clipping with (or adding) another small constant than machine epsilon (sklearn's old 1e-15, ...)."""
    return tuple(Mistake(f"eps_{eps:g}", make(eps),
                         f"you clipped with {eps:g} (or added it to p) instead of machine epsilon, "
                         f"np.finfo(y_pred.dtype).eps (2.2e-16 in float64): {consequence}")
                 for eps in (1e-5, 1e-6, 1e-8, 1e-9, 1e-10, 1e-12, 1e-15))


def _bce_grad_same_signs(y, p):
    q = np.clip(p, EPS, 1 - EPS)
    return -(y / q + (1 - y) / (1 - q)) / np.size(p)


def _cce_with(floor=EPS, log=np.log, pick=None):
    def loss(y, p):
        q = np.clip(p, floor, None) if floor else np.asarray(p)
        target = _one_hot(y, p) if pick is None else np.eye(np.shape(p)[1])[pick(q)]
        return float(-np.sum(target * log(q)) / len(q))
    return loss


def _cce_grad_with(floor=EPS):
    def grad(y, p):
        q = np.clip(p, floor, None) if floor else np.asarray(p)
        return -_one_hot(y, p) / q / len(q)
    return grad


def _lse_with(center="row"):
    def lse(z):
        z = np.asarray(z)
        if center is None:
            return np.log(np.sum(np.exp(z), axis=1, keepdims=True))
        m = z.max() if center == "global" else z.max(axis=1, keepdims=True)
        return m + np.log(np.sum(np.exp(z - m), axis=1, keepdims=True))
    return lse


def _from_logits_with(lse=None, scale=1.0, per=None, indexed=False):
    """Mean of lse(z) - z_true (one-hot weighted, or indexed: a student who picks z[n, label] gets inf where the
    one-hot product gives 0·inf = NaN)."""
    lse = lse or _lse_with()
    def loss(y, z):
        z = np.asarray(z)
        y = _one_hot(y, z)
        if indexed:
            rows = np.arange(len(z))
            labels = np.argmax(y, axis=1)
            total = np.sum(lse(z)[:, 0] - z[rows, labels])
        else:
            total = np.sum(y * (lse(z) - z))
        return float(scale * total / (per(z) if per else len(z)))
    return loss


def _log_softmax_with(indexed=False):
    def loss(y, z):
        log_p = np.log(activations.softmax(z))
        y = _one_hot(y, z)
        if indexed:
            return float(-np.mean(log_p[np.arange(len(z)), np.argmax(y, axis=1)]))
        return float(-np.sum(y * log_p) / len(z))
    return loss


def _naive_probabilities_with(indexed=False):
    def loss(y, z):
        e = np.exp(z)
        log_p = np.log(e / e.sum(axis=1, keepdims=True))
        y = _one_hot(y, z)
        if indexed:
            return float(-np.mean(log_p[np.arange(len(z)), np.argmax(y, axis=1)]))
        return float(-np.sum(y * log_p) / len(z))
    return loss


_LOG_SOFTMAX = ("you took log(softmax(z)): a true class whose logit lies far below its row's maximum gets a softmax "
                "probability that underflows to 0, and log 0 = -inf (nothing overflows). Compute -log softmax(z)_k = "
                "log-sum-exp(z) - z_k directly, which stays finite (here 2000)")
_GLOBAL_MAX = ("you subtracted the maximum of the whole array instead of each row's own maximum: a row whose logits "
               "all lie far below the largest logit of the batch gets log(0) = -inf; use z.max(axis=1, keepdims=True)")
_OVERFLOW = ("your loss overflows for large logits: exp(1000) = inf (and inf/inf = NaN). Use the log-sum-exp trick: "
             "log(sum(exp(z))) = m + log(sum(exp(z - m))) with m each row's maximum")


def _softmax_with(center="row", axis=1):
    def softmax(z):
        z = np.asarray(z)
        if center is None:
            e = np.exp(z)
        else:
            e = np.exp(z - (z.max() if center == "global" else z.max(axis=axis, keepdims=True)))
        return e / e.sum(axis=axis, keepdims=True)
    return softmax


def _logits_grad_with(softmax=activations.softmax, y_factor=1.0, per=None):
    def grad(y, z):
        return (softmax(z) - y_factor * _one_hot(y, z)) / (per(z) if per else len(z))
    return grad


PARTS = (
    Part(A, "test_mse", "mean_squared_error", losses.mean_squared_error, _regression_cases, points=1,
         forbidden=(losses.mean_squared_error,), unchanged=(0, 1),
         mistakes=(
             Mistake("sum", lambda y, p: float(np.sum((p - y) ** 2)),
                     "your loss is not averaged (it is the sum, off by a factor of N·K); take the mean"),
             Mistake("per_row", lambda y, p: float(np.sum((p - y) ** 2) / len(y)),
                     "you divided by the batch size N only; the mean runs over all N·K entries"),
             Mistake("half", lambda y, p: float(np.mean((p - y) ** 2) / 2),
                     "you computed half the mean squared error (the 1/2 convention of some texts); gdkit's MSE, "
                     "like Keras's, is the plain mean of the squares"),
             Mistake("per_output", lambda y, p: np.mean((np.asarray(p) - y) ** 2, axis=0),
                     "you averaged over axis 0 only: that gives one mean per output column (an array); the loss is "
                     "one number, the mean over all N·K entries"),
             Mistake("not_squared", lambda y, p: float(np.mean(np.abs(p - y))),
                     "you computed the mean absolute error; square the differences"),
             Mistake("per_example", lambda y, p: np.mean((np.asarray(p) - y) ** 2, axis=-1) if np.ndim(p) > 1
                     else (np.asarray(p) - y) ** 2,
                     "you returned one loss per example (an array); the loss is ONE number, the mean over every "
                     "entry (all examples and outputs), returned as a float"),
             Mistake("square_of_mean", lambda y, p: float(np.mean(np.asarray(p) - y) ** 2),
                     "you squared the mean difference; the MSE is the mean of the squared differences: square each "
                     "entry's difference first, then average (positive and negative errors must not cancel)"),
             Mistake("rmse", lambda y, p: float(np.sqrt(np.mean((p - y) ** 2))),
                     "you took the square root (RMSE); the MSE has no root"),
         )),
    Part(A, "test_mse_grad", "mean_squared_error_grad", losses.mean_squared_error_grad, _regression_cases,
         points=1, forbidden=(losses.mean_squared_error_grad,), unchanged=(0, 1), check_dtype=True,
         mistakes=(
             Mistake("no_two", lambda y, p: (p - y) / np.size(p),
                     "your gradient is half the right one: the derivative of the square (p - y)^2 brings down a 2"),
             Mistake("sign", lambda y, p: 2 * (y - p) / np.size(p),
                     "your gradient has the wrong sign: the loss grows when y_pred moves away from y_true, so its "
                     "gradient points from y_true towards y_pred"),
             Mistake("sum", lambda y, p: 2 * (p - y),
                     "your gradient is not divided by the number of entries N·K: the loss is a mean, and so is every "
                     "entry's share of it"),
             Mistake("per_row", lambda y, p: 2 * (p - y) / len(p),
                     "you divided by N only; the loss averages over all N·K entries, so divide by y_pred.size"),
             Mistake("raw_difference", lambda y, p: p - y,
                     "you returned the raw difference y_pred - y_true: the derivative of a MEAN of squares keeps the "
                     "square's factor and the mean's 1/(N·K)"),
         )),
    Part(A, "test_bce", "binary_crossentropy", losses.binary_crossentropy, _binary_cases, points=2,
         forbidden=(losses.binary_crossentropy,), unchanged=(0, 1),
         mistakes=(
             Mistake("clip_low_only", _bce_with(high=1.0),
                     "you clipped p only from below: a prediction of exactly 1 still makes log(1 - p) = log 0; clip "
                     "to [eps, 1 - eps]"),
             Mistake("no_clip", _bce_with(low=0.0, high=1.0),
                     "your loss is NaN or infinite when a prediction is exactly 0 or 1 (0·log 0 is NaN, log 0 is "
                     "-inf): clip p to [eps, 1 - eps] with eps = np.finfo(y_pred.dtype).eps before taking logs"),
             Mistake("keras_eps", _bce_with(low=KERAS_EPS, high=1 - KERAS_EPS),
                     "you clipped with 1e-7 (Keras's epsilon); the contract's eps is machine epsilon, "
                     "np.finfo(y_pred.dtype).eps (2.2e-16 in float64): on a confidently wrong prediction the loss "
                     "is -log(eps) = 36.04, not -log(1e-7) = 16.12"),
             *_other_eps(lambda eps: _bce_with(low=eps, high=1 - eps), "a confidently wrong prediction costs "
                         "-log(eps) = 36.04"),
             Mistake("no_minus", lambda y, p: -losses.binary_crossentropy(y, p),
                     "your loss is negative: the minus sign in front of the mean is missing"),
             Mistake("sum", lambda y, p: losses.binary_crossentropy(y, p) * np.size(p),
                     "your loss is not averaged over the batch (off by a factor of N); take the mean"),
             Mistake("per_example", lambda y, p: losses.binary_crossentropy(y, p) * np.shape(p)[-1],
                     "you divided by N only; with K output columns binary cross-entropy averages over all N·K "
                     "entries (y_pred.size)"),
             Mistake("one_term", lambda y, p: float(-np.mean(y * np.log(np.clip(p, EPS, 1)))),
                     "only the y·log p term is there: the (1 - y)·log(1 - p) term for the examples of class 0 is "
                     "missing"),
             Mistake("log10", _bce_with(log=np.log10),
                     "you used log10; cross-entropy uses the natural logarithm (np.log)"),
         )),
    Part(A, "test_bce_grad", "binary_crossentropy_grad", losses.binary_crossentropy_grad, _binary_cases,
         points=1, forbidden=(losses.binary_crossentropy_grad,), unchanged=(0, 1), check_dtype=True,
         mistakes=(
             Mistake("no_clip", _bce_grad_with(low=0.0, high=1.0),
                     "your gradient is NaN or infinite at a prediction of exactly 0 or 1 (0/0): clip p to "
                     "[eps, 1 - eps] as binary_crossentropy does, and evaluate your derivative at the clipped p"),
             Mistake("keras_eps", _bce_grad_with(low=KERAS_EPS, high=1 - KERAS_EPS),
                     "you clipped with 1e-7 (Keras's epsilon); the contract's eps is machine epsilon, "
                     "np.finfo(y_pred.dtype).eps (2.2e-16 in float64), so on a confidently wrong prediction the "
                     "gradient is about 1/eps = 4.5e15 (divided by N·K), not 1e7"),
             *_other_eps(lambda eps: _bce_grad_with(low=eps, high=1 - eps), "on a confidently wrong prediction the "
                         "gradient is about 1/eps = 4.5e15 (divided by N·K)"),
             Mistake("logit", lambda y, p: (p - y) / np.size(p),
                     "you returned (p - y)/(N·K), the gradient with respect to the logit z (after the sigmoid's "
                     "derivative cancels); this part asks for the gradient with respect to the probability p: "
                     "differentiate the loss in p itself"),
             Mistake("sum", lambda y, p: _bce_grad_with()(y, p) * np.size(p),
                     "your gradient is not divided by N·K (the loss is a mean over all entries)"),
             Mistake("per_example", lambda y, p: _bce_grad_with()(y, p) * np.shape(p)[-1],
                     "you divided by N only; the loss averages over all N·K entries, so divide by y_pred.size"),
             Mistake("sign", lambda y, p: -_bce_grad_with()(y, p), "your gradient has the wrong sign"),
             Mistake("eps_in_denominator", lambda y, p: (p - y) / (p * (1 - p) + EPS) / np.size(p),
                     "you added eps to the denominator instead of clipping p: at a prediction of exactly 0 for a "
                     "label 0 the derivative is 1/(1 - p) = 1 (divided by N·K), but your formula gives 0/eps = 0; clip "
                     "p to [eps, 1 - eps] first, then evaluate"),
             Mistake("second_term_sign", _bce_grad_same_signs,
                     "your two terms have the same sign: the derivative of -(1 - y) log(1 - p) with respect to p is "
                     "+(1 - y)/(1 - p) (the chain rule's inner derivative of 1 - p is -1)"),
             Mistake("one_term", lambda y, p: -y / np.clip(p, EPS, 1 - EPS) / np.size(p),
                     "your gradient has only the term of -y·log p: the (1 - y)·log(1 - p) term contributes too "
                     "(it is the whole gradient for the examples of class 0)"),
         )),
    Part(A, "test_cce", "categorical_crossentropy", losses.categorical_crossentropy, _categorical_cases, points=2,
         forbidden=(losses.categorical_crossentropy,), unchanged=(0, 1),
         mistakes=(
             Mistake("no_clip", _cce_with(floor=0.0),
                     "a probability of exactly 0 makes log p = -inf: for the true class the loss is infinite, for "
                     "another class 0·log 0 is NaN; clip p below at eps = np.finfo(y_pred.dtype).eps before the log"),
             Mistake("keras_eps", _cce_with(floor=KERAS_EPS),
                     "you clipped with 1e-7 (Keras's epsilon); the contract's eps is machine epsilon, "
                     "np.finfo(y_pred.dtype).eps (2.2e-16 in float64): a zero probability for the true class costs "
                     "-log(eps) = 36.04, not 16.12"),
             *_other_eps(lambda eps: _cce_with(floor=eps), "a zero probability for the true class costs "
                         "-log(eps) = 36.04"),
             Mistake("sum", lambda y, p: losses.categorical_crossentropy(y, p) * len(p),
                     "your loss is not averaged over the batch (off by a factor of N)"),
             Mistake("per_entry", lambda y, p: losses.categorical_crossentropy(y, p) / np.shape(p)[1],
                     "you averaged over all N·K entries; average over the N examples only (sum over classes)"),
             Mistake("no_minus", lambda y, p: -losses.categorical_crossentropy(y, p),
                     "your loss is negative: the minus sign is missing"),
             Mistake("binary_terms", lambda y, p: float(-np.sum(
                         _one_hot(y, p) * np.log(np.clip(p, np.finfo(p.dtype).eps, 1 - np.finfo(p.dtype).eps))
                         + (1 - _one_hot(y, p)) * np.log(1 - np.clip(p, np.finfo(p.dtype).eps,
                                                                      1 - np.finfo(p.dtype).eps))) / len(p)),
                     "you added the binary cross-entropy's (1 - y)·log(1 - p) terms for the other classes; the "
                     "categorical cross-entropy is -sum_k y_k log p_k alone (the other classes count through "
                     "softmax's normalisation, not through log(1 - p))"),
             Mistake("predicted_class", _cce_with(pick=lambda q: np.argmax(q, axis=1)),
                     "you took the log-probability of the PREDICTED class (the argmax of each row); the loss uses "
                     "the probability of the TRUE class, y_true"),
             Mistake("log10", _cce_with(log=np.log10),
                     "you used log10; cross-entropy uses the natural logarithm (np.log)"),
         )),
    Part(A, "test_cce_grad", "categorical_crossentropy_grad", losses.categorical_crossentropy_grad,
         _categorical_cases, points=1, forbidden=(losses.categorical_crossentropy_grad,), unchanged=(0, 1),
         check_dtype=True,
         mistakes=(
             Mistake("no_clip", _cce_grad_with(floor=0.0),
                     "your gradient is NaN or infinite where a probability is exactly 0 (0/0 for a wrong class, "
                     "1/0 for the true class): clip p below at eps as the loss does, and evaluate there"),
             Mistake("keras_eps", _cce_grad_with(floor=KERAS_EPS),
                     "you clipped with 1e-7 (Keras's epsilon); the contract's eps is machine epsilon, "
                     "np.finfo(y_pred.dtype).eps (2.2e-16 in float64): at a zero probability for the true class the "
                     "gradient is about -1/(N eps), not -1/(N 1e-7)"),
             *_other_eps(lambda eps: _cce_grad_with(floor=eps), "at a zero probability for the true class the "
                         "gradient is about -1/(N eps)"),
             Mistake("logit", lambda y, p: (p - _one_hot(y, p)) / len(p),
                     "you returned (p - y)/N, the gradient with respect to the logits (softmax's Jacobian folded "
                     "in); this part asks for the gradient with respect to the probabilities p themselves"),
             Mistake("sum", lambda y, p: losses.categorical_crossentropy_grad(y, p) * len(p),
                     "your gradient is not divided by N (the loss is a mean over the batch)"),
             Mistake("per_entry", lambda y, p: losses.categorical_crossentropy_grad(y, p) / np.shape(p)[1],
                     "you divided by N·K; the loss averages over the N examples only (it sums over the classes)"),
             Mistake("sign", lambda y, p: -losses.categorical_crossentropy_grad(y, p),
                     "your gradient has the wrong sign: raising the true class's probability lowers the loss"),
             Mistake("every_class", lambda y, p: -1.0 / np.clip(p, EPS, None) / len(p),
                     "your gradient is nonzero for every class: only the true class's log-probability is in the "
                     "loss, so the entries of the other classes are 0"),
         )),
    Part(A, "test_cce_from_logits", "categorical_crossentropy_from_logits",
         losses.categorical_crossentropy_from_logits, _logit_cases, points=2,
         forbidden=(losses.categorical_crossentropy_from_logits,), unchanged=(0, 1),
         mistakes=(
             Mistake("log_softmax", _log_softmax_with(), _LOG_SOFTMAX),
             Mistake("log_softmax_indexed", _log_softmax_with(indexed=True), _LOG_SOFTMAX),
             Mistake("global_max", _from_logits_with(lse=_lse_with(center="global")), _GLOBAL_MAX),
             Mistake("global_max_indexed", _from_logits_with(lse=_lse_with(center="global"), indexed=True),
                     _GLOBAL_MAX),
             Mistake("naive_probabilities", _naive_probabilities_with(), _OVERFLOW),
             Mistake("naive_probabilities_indexed", _naive_probabilities_with(indexed=True), _OVERFLOW),
             Mistake("naive_lse", _from_logits_with(lse=_lse_with(center=None)), _OVERFLOW),
             Mistake("naive_lse_indexed", _from_logits_with(lse=_lse_with(center=None), indexed=True), _OVERFLOW),
             Mistake("max_only", _from_logits_with(lse=lambda z: np.max(z, axis=1, keepdims=True)),
                     "you replaced the log-sum-exp by the row maximum alone; m + log(sum(exp(z - m))) keeps the log "
                     "of the sum, which is what makes the loss exact"),
             Mistake("max_not_added_back", _from_logits_with(
                         lse=lambda z: np.log(np.sum(np.exp(z - np.max(z, axis=1, keepdims=True)), axis=1,
                                                     keepdims=True))),
                     "you subtracted each row's maximum m inside the exponentials but did not add it back: "
                     "log(sum_j exp(z_j)) = m + log(sum_j exp(z_j - m))"),
             Mistake("no_lse", _from_logits_with(lse=lambda z: 0.0),
                     "you dropped the log-sum-exp term: -log softmax(z)_k = log(sum_j exp(z_j)) - z_k, not -z_k"),
             Mistake("sign", _from_logits_with(scale=-1.0),
                     "your loss has the wrong sign: it is log-sum-exp(z) - z_k (at least 0), not z_k - log-sum-exp(z)"),
             Mistake("sum", lambda y, z: losses.categorical_crossentropy_from_logits(y, z) * len(z),
                     "your loss is not averaged over the batch (off by a factor of N)"),
             Mistake("per_entry", _from_logits_with(per=np.size),
                     "you averaged over all N·K entries; average over the N examples only"),
         )),
    Part(A, "test_cce_from_logits_grad", "categorical_crossentropy_from_logits_grad",
         losses.categorical_crossentropy_from_logits_grad, _logit_cases, points=2,
         forbidden=(losses.categorical_crossentropy_from_logits_grad,), unchanged=(0, 1), check_dtype=True,
         mistakes=(
             Mistake("naive", _logits_grad_with(softmax=_softmax_with(center=None)),
                     "your gradient is NaN for large logits: softmax without subtracting the row maximum "
                     "overflows (exp(1000) = inf); use a stable softmax (gdkit.activations.softmax is allowed here)"),
             Mistake("global_max", _logits_grad_with(softmax=_softmax_with(center="global")),
                     "your softmax subtracts the maximum of the whole array: a row far below the batch's largest "
                     "logit underflows to 0/0 = NaN; subtract each row's own maximum"),
             Mistake("axis0", _logits_grad_with(softmax=_softmax_with(axis=0)),
                     "your softmax normalises over the batch (axis 0); each row's probabilities, over its classes, "
                     "must sum to 1 (axis=1)"),
             Mistake("no_y", _logits_grad_with(y_factor=0.0),
                     "your gradient is softmax(z)/N: the target's term is missing; the gradient is zero when the "
                     "prediction equals the one-hot target"),
             Mistake("probability_gradient", lambda y, z: (
                         -_one_hot(y, z).astype(z.dtype)
                         / np.clip(activations.softmax(z, axis=1), np.finfo(z.dtype).eps, None) / len(z)),
                     "you returned -y/p/N with p = softmax(z): the gradient with respect to the probabilities "
                     "(part 3's); this part asks for the gradient with respect to the logits z: chain it through "
                     "softmax's Jacobian, and it simplifies to (softmax(z) - y)/N"),
             Mistake("sum", _logits_grad_with(per=lambda z: 1),
                     "your gradient is not divided by N (the loss is a mean over the batch)"),
             Mistake("per_entry", _logits_grad_with(per=np.size),
                     "you divided by N·K; the loss averages over the N examples only"),
             Mistake("sign", lambda y, z: -losses.categorical_crossentropy_from_logits_grad(y, z),
                     "your gradient has the wrong sign: raising the true class's logit must lower the loss, so its "
                     "entry is negative"),
         )),
)


# ---- concept 1: the loss at initialisation (gdkit.problems.loss.classifier_at_init) -----------------------------------
def initial_loss(student):
    """-log(1/K) = ln K: uniform predictions over K classes."""
    return float(np.log(classifier_at_init(student).K))


def _initial(formula):
    def answer(student):
        return float(formula(classifier_at_init(student).K))
    return answer


INITIAL_MISTAKES = (
    ("log2", _initial(np.log2),
     "that is log2 K: cross-entropy uses the natural logarithm, -ln(1/K) = ln K"),
    ("log10", _initial(np.log10),
     "that is log10 K: cross-entropy uses the natural logarithm, -ln(1/K) = ln K"),
    ("probability", _initial(lambda K: 1.0 / K),
     "1/K is the probability each class gets; the loss is the negative log of the true class's probability"),
    ("k_minus_1", _initial(lambda K: np.log(K - 1)),
     "ln(K - 1): the uniform probability of the true class is 1/K, not 1/(K - 1) (the true class is one of the K)"),
    ("negative", _initial(lambda K: -np.log(K)),
     "a loss of -ln K is negative: cross-entropy is -log p, and log(1/K) is negative, so the loss is +ln K"),
    ("per_class", _initial(lambda K: np.log(K) / K),
     "you averaged over the K classes: the loss sums -y_k log p_k over the classes (only the true one counts) and "
     "averages over the examples"),
    ("error_rate", _initial(lambda K: 1.0 - 1.0 / K),
     "1 - 1/K is the error rate of uniform guessing, not its cross-entropy"),
    ("binary", _initial(lambda K: np.log(2.0)),
     "ln 2 is the loss of one uniform yes/no prediction (binary cross-entropy); with K classes it is ln K"),
    ("sum_classes", _initial(lambda K: K * np.log(K)),
     "you summed -log(1/K) over all K classes; the target is one-hot, so only the true class's term counts"),
    ("zero", _initial(lambda K: 0.0),
     "a loss of 0 means the true class gets probability 1; uniform predictions give each class only 1/K"),
)


# ---- concept 2: a cross-entropy from logits for the student's own example ---------------------------------------------
def _lse1(z):
    m = np.max(z)
    return m + np.log(np.sum(np.exp(z - m)))


def logit_loss(student):
    """log-sum-exp(z) - z_label for the student's own logits."""
    p = logits_and_label(student)
    return float(_lse1(p.logits) - p.logits[p.label])


def _logit(formula):
    def answer(student):
        p = logits_and_label(student)
        return float(formula(p.logits, p.label))
    return answer


LOGIT_MISTAKES = (
    ("predicted_class", _logit(lambda z, c: _lse1(z) - np.max(z)),
     "that is the loss of the PREDICTED class (the largest logit); the loss uses the TRUE class's logit z_label"),
    ("probability", _logit(lambda z, c: np.exp(z[c] - _lse1(z))),
     "that is the softmax probability of the true class; the loss is its negative log"),
    ("no_lse", _logit(lambda z, c: -z[c]),
     "you dropped the log-sum-exp: -log softmax(z)_c = log(sum_j exp(z_j)) - z_c, not -z_c"),
    ("max_not_added_back", _logit(lambda z, c: np.log(np.sum(np.exp(z - np.max(z)))) - z[c]),
     "you subtracted the maximum m inside the exponentials but did not add it back: "
     "log(sum_j exp(z_j)) = m + log(sum_j exp(z_j - m))"),
    ("max_only", _logit(lambda z, c: np.max(z) - z[c]),
     "you used the largest logit in place of the log-sum-exp: m + log(sum(exp(z - m))) keeps the log of the sum"),
    ("log10", _logit(lambda z, c: (_lse1(z) - z[c]) / np.log(10)),
     "you used log10; cross-entropy uses the natural logarithm"),
    ("class_before", _logit(lambda z, c: _lse1(z) - z[c - 1]),
     "that is the loss of the class before the true one: the label is a 0-based index into the logits"),
    ("class_after", _logit(lambda z, c: _lse1(z) - z[(c + 1) % len(z)]),
     "that is the loss of the class after the true one: the label is a 0-based index into the logits"),
    ("sigmoid", _logit(lambda z, c: np.log1p(np.exp(-z[c]))),
     "you used the sigmoid of the true class's logit, -log sigmoid(z_c), a binary cross-entropy; with K classes the "
     "probability is the softmax over all K logits"),
    ("negative", _logit(lambda z, c: z[c] - _lse1(z)),
     "your loss is negative: that is log softmax(z)_c; the loss is MINUS the log-probability"),
)


def _mistakes(table):
    return tuple(Mistake(name, function, message) for name, function, message in table)


PARTS += (
    Part(A, "test_initial_loss", "initial_loss", initial_loss, None, points=1, kind=ANSWER, answer_format="number",
         rtol=1e-3, atol=0.0, mistakes=_mistakes(INITIAL_MISTAKES)),
    Part(A, "test_logit_loss", "logit_loss", logit_loss, None, points=2, kind=ANSWER, answer_format="number",
         rtol=1e-3, atol=0.0, mistakes=_mistakes(LOGIT_MISTAKES)),
)
