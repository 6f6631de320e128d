"""Parts of assignment 03_backprop (chapter: backpropagation): layer and network gradients, gradient checking, and
a closed-loop part (a worked example of the kind): gradient-check your own mlp_backward with your own
numerical_gradient and relative_error, on networks the grader chooses."""
import numpy as np

from ... import activations, gradcheck, nn
from ..core import Mistake, Part, _generic_diagnosis, _same
from ..hooks import (dense_backward_prepare, mlp_backward_prepare, numerical_collect,
                     numerical_prepare)
from ._common import Case, cases_from, normal

A = "03_backprop"


# ---- dense_backward ------------------------------------------------------------------------------------------
def _dense_backward_cases(rng, hidden):
    def case(n, d, m, label, dtype=np.float64, **kwargs):
        return Case((normal(rng, n, m, dtype=dtype), normal(rng, n, d, dtype=dtype), normal(rng, d, m, dtype=dtype)),
                    kwargs, label=label)
    visible = [case(4, 3, 2, "N=4, D=3, M=2"), case(3, 2, 4, "need_dX=False", need_dX=False)]
    extra = [case(8, 5, 3, "N=8, D=5, M=3"), case(1, 3, 4, "a batch of one"), case(5, 4, 4, "square W"),
             case(6, 3, 2, "float32", np.float32), case(5, 2, 3, "need_dX=False", need_dX=False)]
    return cases_from(visible, extra, hidden)


def _dense_bug(dX_of, dW_of, db_of):
    def backward(dZ, cache, need_dX=True):
        X, W = cache
        return (dX_of(dZ, X, W) if need_dX else None), dW_of(dZ, X, W), db_of(dZ, X, W)
    return backward


def _dense_ignoring_need_dX(dZ, cache, need_dX=True):
    X, W = cache
    return _dX(dZ, X, W), _dW(dZ, X, W), _db(dZ, X, W)


def _dX(dZ, X, W):
    return dZ @ W.T


def _dW(dZ, X, W):
    return X.T @ dZ


def _db(dZ, X, W):
    return dZ.sum(axis=0)


# ---- softmax_backward -----------------------------------------------------------------------------------------
def _softmax_backward_cases(rng, hidden):
    def case(n, k, label):
        return Case((normal(rng, n, k), activations.softmax(normal(rng, n, k, scale=2.0))), label=label)
    visible = [case(3, 4, "3 examples, 4 classes")]
    extra = [case(10, 3, "10 examples, 3 classes"), case(1, 5, "a batch of one"), case(6, 2, "2 classes")]
    return cases_from(visible, extra, hidden)


# ---- mlp_backward ---------------------------------------------------------------------------------------------
def _mlp_backward_cases(rng, hidden):
    def case(sizes, names, n, label):
        params = [(normal(rng, d, m, scale=1 / np.sqrt(d)), normal(rng, m, scale=0.1))
                  for d, m in zip(sizes[:-1], sizes[1:])]
        return Case((normal(rng, n, sizes[-1]), normal(rng, n, sizes[0]), params, names), label=label)
    visible = [case([2, 3, 1], ["tanh", "sigmoid"], 4, "a 2-3-1 network")]
    extra = [case([4, 5, 6, 3], ["sigmoid", "relu", "tanh"], 7, "a 4-5-6-3 network"),
             case([3, 4, 2], ["relu", "linear"], 1, "a batch of one"),
             case([5, 8, 8, 2], ["tanh", "sigmoid", "sigmoid"], 9, "three layers")]
    return cases_from(visible, extra, hidden)


def _mlp_reversed(dA, caches):
    return nn.mlp_backward(dA, caches)[::-1]


def _mlp_no_activation(dA, caches):
    grads = []
    for index in range(len(caches) - 1, -1, -1):
        dense_cache, _ = caches[index]
        dA, dW, db = nn.dense_backward(dA, dense_cache)
        grads.append((dW, db))
    return grads[::-1]


def _mlp_grad_at_activation(dA, caches):
    grads = []
    for index in range(len(caches) - 1, -1, -1):
        dense_cache, (Z, A, act) = caches[index]
        dZ = dA * act.grad(A)
        dA, dW, db = nn.dense_backward(dZ, dense_cache)
        grads.append((dW, db))
    return grads[::-1]


# ---- numerical gradient ---------------------------------------------------------------------------------------
def _numerical_cases(rng, hidden):
    def case(name, shape, label, **kwargs):
        return Case((name, normal(rng, *shape), normal(rng, *shape)), kwargs, label=label)
    visible = [case("quadratic", (3,), "f(x) = sum(c x^2) + sum(x), x of shape (3,)"),
               case("cubic", (3,), "f(x) = sum(c x^3) with a large step h=1e-2", h=1e-2)]
    extra = [case("sin", (2, 3), "f(x) = sum(sin(c x)), x of shape (2, 3)"),
             case("logsumexp", (5,), "log-sum-exp"),
             case("cubic", (4, 2), "a cubic with h=1e-5", h=1e-5),
             case("cubic", (1,), "one variable"),
             case("quadratic", (2, 2), "a large step h=1e-3", h=1e-3)]
    return cases_from(visible, extra, hidden)


def _forward_difference(f, x, h=1e-6):
    grad = np.zeros_like(x)
    for index in np.ndindex(x.shape):
        old = x[index]
        fx = f(x)
        x[index] = old + h
        grad[index] = (f(x) - fx) / h
        x[index] = old
    return grad


def _not_restored(f, x, h=1e-6):
    grad = np.zeros_like(x)
    for index in np.ndindex(x.shape):
        old = x[index]
        x[index] = old + h
        f_plus = f(x)
        x[index] = old - h
        grad[index] = (f_plus - f(x)) / (2 * h)
    return grad


def _fixed_step(f, x, h=1e-6):
    return gradcheck.numerical_gradient(f, x)  # the default step, whatever h is


def _divided_by_h(f, x, h=1e-6):
    return 2.0 * gradcheck.numerical_gradient(f, x, h)


# ---- relative error --------------------------------------------------------------------------------------------
def _relative_error_cases(rng, hidden):
    a = normal(rng, 4, 3)
    visible = [Case((a, a + 1e-3 * normal(rng, 4, 3)), label="two close gradients"),
               Case((np.zeros((3, 2)), np.zeros((3, 2))), label="two zero gradients")]
    b = normal(rng, 6)
    extra = [Case((b, -b), label="opposite gradients"),
             Case((normal(rng, 2, 2, 2), normal(rng, 2, 2, 2)), label="unrelated 3-D arrays"),
             Case((np.array([1e-9, 2.0]), np.array([2e-9, 2.0])), label="one tiny entry"),
             Case((b, b * (1 + 1e-8)), {"floor": 1e-6}, label="a larger floor")]
    return cases_from(visible, extra, hidden)


def _entrywise(a, b, floor=1e-12):
    return float(np.max(np.abs(a - b) / np.maximum(np.abs(a) + np.abs(b), floor)))


def _no_floor(a, b, floor=1e-12):
    return float(np.linalg.norm(a - b) / (np.linalg.norm(a) + np.linalg.norm(b)))


def _by_b(a, b, floor=1e-12):
    return float(np.linalg.norm(a - b) / max(np.linalg.norm(b), floor))


# ---- closed loop: gradient-check your own backward pass --------------------------------------------------------
# The student's gradient_check_network(X, G, params, names) computes, for the loss L = sum(A * G) of the network
# gdkit.nn.mlp_forward(X, params, names) (so dL/dA = G), the analytic gradients with THEIR mlp_backward, the
# numerical ones with THEIR numerical_gradient (perturbing each W and b of params in place), and THEIR
# relative_error of each pair. gdkit's versions of those three are stubs in the part's view.
CLOSED_LOOP_RETURNS = ("gradient_check_network must return (grads, numerical, errors): three lists with one "
                       "entry per layer, (dW, db) pairs for the first two and (error of W, error of b) for errors")


def _closed_loop_cases(rng, hidden):
    def case(sizes, names, n, label, h=1e-6):
        params = [(normal(rng, d, m, scale=1 / np.sqrt(d)), normal(rng, m, scale=0.1))
                  for d, m in zip(sizes[:-1], sizes[1:])]
        return Case((normal(rng, n, sizes[0]), normal(rng, n, sizes[-1]), params, names), {"h": h}, label=label)
    visible = [case([2, 3, 1], ["tanh", "sigmoid"], 4, "a 2-3-1 network"),
               case([2, 2, 2], ["tanh", "tanh"], 3, "a large step h=1e-2", h=1e-2)]
    extra = [case([3, 4, 2], ["sigmoid", "tanh"], 1, "a batch of one"),
             case([4, 5, 3, 2], ["tanh", "sigmoid", "linear"], 6, "three layers", h=1e-2),
             case([3, 3, 3], ["relu", "linear"], 5, "a ReLU network")]
    return cases_from(visible, extra, hidden)


def _gradient_check_network(X, G, params, names, h=1e-6, perturb_copy=False):
    def loss(_):
        return float(np.sum(nn.mlp_forward(X, params, names)[0] * G))
    _, caches = nn.mlp_forward(X, params, names)
    grads = [tuple(pair) for pair in nn.mlp_backward(G, caches)]
    numerical = [tuple(gradcheck.numerical_gradient(loss, p.copy() if perturb_copy else p, h=h) for p in (W, b))
                 for W, b in params]
    errors = [tuple(gradcheck.relative_error(a, n) for a, n in zip(g, m)) for g, m in zip(grads, numerical)]
    return grads, numerical, errors


def _gradient_check_copy(X, G, params, names, h=1e-6):
    return _gradient_check_network(X, G, params, names, h=h, perturb_copy=True)


def _layer_tuples(value, width):
    """``value`` as a tuple of per-layer tuples of ``width`` arrays, or None if it has another structure."""
    if not isinstance(value, tuple) or not all(isinstance(v, tuple) and len(v) == width and
                                               all(isinstance(x, np.ndarray) for x in v) for v in value):
        return None
    return value


def _first_wrong(expected, actual, what, rtol, atol):
    """ "layer 2's dW has wrong values (...)" for the first per-layer array that differs, else ""."""
    for layer, (e_pair, a_pair) in enumerate(zip(expected, actual), start=1):
        for name, e, a in zip(("W", "b"), e_pair, a_pair):
            if not _same(e, a, rtol, atol):
                return _generic_diagnosis(e, a, rtol, atol, what=f"layer {layer}'s {what}{name}")
    return ""


def _errors_table(value, layers):
    """The reported errors as a float array of shape (layers, 2) (a list of pairs of numbers arrives as one array,
    pairs of 0-d arrays as tuples), or None."""
    if isinstance(value, tuple) and all(isinstance(v, tuple) and len(v) == 2 and
                                        all(isinstance(x, np.ndarray) and x.shape == () for x in v) for v in value):
        value = np.array([[float(x) for x in v] for v in value]) if value else np.zeros((0, 2))
    if isinstance(value, np.ndarray) and value.shape == (layers, 2):
        return value.astype(float)
    return None


def _inconsistent_errors(grads, numerical, errors):
    """The first (layer, name) whose reported error is not relative_error of the student's own pair, or None."""
    for layer, (g, m, e) in enumerate(zip(grads, numerical, errors), start=1):
        for name, a, n, err in zip(("W", "b"), g, m, e):
            own = gradcheck.relative_error(a.astype(float), n.astype(float))
            if not np.isclose(float(err), own, rtol=1e-3, atol=1e-12):
                return layer, name, own
    return None


def _closed_loop_parts(expected, actual):
    if not isinstance(actual, tuple) or len(actual) != 3:
        return None
    layers = len(expected[0])
    grads, numerical = _layer_tuples(actual[0], 2), _layer_tuples(actual[1], 2)
    errors = _errors_table(actual[2], layers)
    if grads is None or numerical is None or errors is None or not len(grads) == len(numerical) == layers:
        return None
    return grads, numerical, errors


def _closed_loop_same(expected, actual):
    """The analytic gradients as the reference's (1e-5), the numerical ones too (1e-4: both are centred
    differences), and each reported relative error equal to relative_error of the student's own two arrays
    (the errors themselves are rounding noise for right gradients, so they are not compared with ours)."""
    parts = _closed_loop_parts(expected, actual)
    if parts is None:
        return False
    grads, numerical, errors = parts
    return (not _first_wrong(expected[0], grads, "d", 1e-5, 1e-8) and
            not _first_wrong(expected[1], numerical, "numerical d", 1e-4, 1e-7) and
            _inconsistent_errors(grads, numerical, errors) is None)


def _closed_loop_explain(expected, actual):
    """Blame the piece of the student's that is wrong: their mlp_backward (the analytic gradients), their
    numerical_gradient or how it is called (the numerical ones), their relative_error (the errors)."""
    parts = _closed_loop_parts(expected, actual)
    if parts is None:
        return f"{CLOSED_LOOP_RETURNS}; got something else"
    grads, numerical, errors = parts
    own_check = _inconsistent_errors(grads, numerical, errors)
    wrong = _first_wrong(expected[0], grads, "d", 1e-5, 1e-8)
    if wrong:
        found = ""
        if own_check is None:
            worst = float(np.max(errors))
            found = (f"; your own check does show it (largest relative error {worst:.2g}), so the checking works"
                     if worst > 1e-5 else "")
        return (f"the analytic gradients, which come from your mlp_backward, are wrong: {wrong}{found}. Fix "
                "mlp_backward (its own test says what is wrong)")
    wrong = _first_wrong(expected[1], numerical, "numerical d", 1e-4, 1e-7)
    if wrong:
        return (f"the numerical gradients, from your numerical_gradient, are wrong: {wrong}. Check "
                "numerical_gradient itself, and that the loss you differentiate reads the very array it perturbs")
    layer, name, own = own_check
    return (f"your relative error for layer {layer}'s {name} is not relative_error of your own analytic and "
            f"numerical gradients of {name} (that would be {own:.3g}): check relative_error and the arrays you "
            "pass it")


PARTS = (
    Part(A, "test_dense_backward", "dense_backward", nn.dense_backward, _dense_backward_cases, points=3,
         forbidden=(nn.dense_backward,), prepare=dense_backward_prepare, rtol=1e-5,
         mistakes=(
             Mistake("dW_transposed", _dense_bug(_dX, lambda dZ, X, W: dZ.T @ X, _db),
                     "your dW is the transpose of the expected gradient: dW = X^T dZ has the shape of W"),
             Mistake("db_axis", _dense_bug(_dX, _dW, lambda dZ, X, W: dZ.sum(axis=1)),
                     "the bias gradient was summed over the wrong axis: sum dZ over the batch (axis 0)"),
             Mistake("db_mean", _dense_bug(_dX, _dW, lambda dZ, X, W: dZ.mean(axis=0)),
                     "your db is averaged over the batch; sum it (the 1/N of the loss is already inside dZ)"),
             Mistake("need_dX_ignored", _dense_ignoring_need_dX,
                     "you returned dX although need_dX is False: return None for dX then (the first layer never "
                     "needs it, and skipping dZ @ W.T saves a matrix product)"),
             Mistake("dW_mean", _dense_bug(_dX, lambda dZ, X, W: X.T @ dZ / len(X), _db),
                     "your dW is divided by N; the 1/N of the loss is already inside dZ, so dW = X^T dZ"),
         )),
    Part(A, "test_softmax_backward", "softmax_backward", activations.softmax_backward, _softmax_backward_cases,
         points=2, forbidden=(activations.softmax_backward,),
         mistakes=(
             Mistake("elementwise", lambda dA, A: dA * A * (1 - A),
                     "you treated softmax as element-wise (dA * a(1 - a)); each output depends on every input, "
                     "so dz = a * (dA - sum(dA * a)) per row"),
             Mistake("axis0", lambda dA, A: A * (dA - np.sum(dA * A, axis=0, keepdims=True)),
                     "the sum over classes was taken over the wrong axis: use axis=-1 (per example)"),
             Mistake("whole", lambda dA, A: A * (dA - np.sum(dA * A)),
                     "you summed dA * a over the whole array; the sum runs over each row's classes only: "
                     "np.sum(dA * a, axis=-1, keepdims=True)"),
         )),
    Part(A, "test_mlp_backward", "mlp_backward", nn.mlp_backward, _mlp_backward_cases, points=4,
         forbidden=(nn.mlp_backward,), uses=(nn.activation_backward,), prepare=mlp_backward_prepare, rtol=1e-5,
         mistakes=(
             Mistake("reversed", _mlp_reversed,
                     "your gradients are in reverse order (last layer first); return them in the order of params"),
             Mistake("no_activation", _mlp_no_activation,
                     "the activation derivative is missing: dZ = dA * f'(Z) before each dense layer's backward"),
             Mistake("at_activation", _mlp_grad_at_activation,
                     "the activation derivative was evaluated at the activation A instead of the pre-activation Z"),
         )),
    Part(A, "test_numerical_gradient", "numerical_gradient", gradcheck.numerical_gradient, _numerical_cases,
         points=2, forbidden=(gradcheck.numerical_gradient, gradcheck.numerical_gradient_array),
         prepare=numerical_prepare, collect=numerical_collect, rtol=1e-6, atol=1e-8,
         mistakes=(
             Mistake("forward", _forward_difference,
                     "you used a one-sided difference (f(x+h) - f(x))/h; the centred difference "
                     "(f(x+h) - f(x-h))/(2h) is far more accurate"),
             Mistake("not_restored", _not_restored,
                     "x is left perturbed after your function returns: restore every entry to its old value"),
             Mistake("by_h", _divided_by_h, "you divided by h instead of 2h (the two points are 2h apart)"),
             Mistake("fixed_step", _fixed_step,
                     "your result does not change with the step h you are given (a fixed step inside?): perturb "
                     "x by the argument h"),
         )),
    Part(A, "test_relative_error", "relative_error", gradcheck.relative_error, _relative_error_cases, points=1,
         forbidden=(gradcheck.relative_error,),
         mistakes=(
             Mistake("no_floor", _no_floor,
                     "your relative error is NaN for two zero gradients: divide by max(norm(a) + norm(b), floor)"),
             Mistake("entrywise", _entrywise,
                     "you took the largest entry-by-entry ratio; use norms of the whole arrays: "
                     "||a - b|| / (||a|| + ||b||)"),
             Mistake("by_b", _by_b, "you divided by ||b|| alone; divide by ||a|| + ||b||"),
         )),
    Part(A, "test_gradient_check_network", "gradient_check_network", _gradient_check_network,
         _closed_loop_cases, points=3,
         forbidden=(nn.mlp_backward, gradcheck.numerical_gradient, gradcheck.numerical_gradient_array,
                    gradcheck.relative_error, gradcheck.check_gradient),
         compare=_closed_loop_same, explain=_closed_loop_explain,
         mistakes=(
             Mistake("perturbed_copy", _gradient_check_copy,
                     "your numerical gradients are all zero: the loss you differentiate never sees the array "
                     "numerical_gradient perturbs (a copy of W?); pass W itself, which params holds"),
         )),
)
