"""Parts of assignment 03_backprop (chapter: backpropagation): layer and network gradients, gradient checking, and
a closed-loop part (a worked example of the kind): gradient-check your own mlp_backward with your own
numerical_gradient and relative_error, on networks the grader chooses."""
import numpy as np

from ... import activations, gradcheck, nn
from ...problems import backprop as problems_backprop
from ..core import ANSWER, Mistake, Part, _generic_diagnosis, _same
from ..hooks import (dense_backward_prepare, mlp_backward_prepare, numerical_collect,
                     numerical_prepare)
from ._common import Case, normal

A = "03_backprop"


# ---- dense_backward ------------------------------------------------------------------------------------------
def _dense_backward_cases(rng, hidden):
    def case(n, d, m, label, dtype=np.float64, **kwargs):
        return Case((normal(rng, n, m, dtype=dtype), normal(rng, n, d, dtype=dtype), normal(rng, d, m, dtype=dtype)),
                    kwargs, label=label)
    # every kind of case is visible (public seed); the hidden run draws the same kinds from the private seed. The
    # square W comes first: there a transposed product has the right shape, so the mistake shows as wrong values.
    return [case(4, 3, 3, "N=4, D=3, M=3 (a square W)"), case(4, 3, 2, "N=4, D=3, M=2"),
            case(3, 2, 4, "need_dX=False", need_dX=False), case(8, 5, 3, "N=8, D=5, M=3"),
            case(1, 3, 4, "a batch of one"), case(6, 3, 2, "float32", np.float32),
            case(5, 2, 3, "need_dX=False, float32", np.float32, need_dX=False)]


def _dense_bug(dX_of, dW_of, db_of):
    def backward(dZ, cache, need_dX=True):
        X, W = cache
        return (dX_of(dZ, X, W) if need_dX else None), dW_of(dZ, X, W), db_of(dZ, X, W)
    return backward


def _dense_wrong_order(dZ, cache, need_dX=True):
    X, W = cache
    return _dW(dZ, X, W), _db(dZ, X, W), (_dX(dZ, X, W) if need_dX else None)


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
    def case(n, k, label, scale=2.0, dtype=np.float64):
        return Case((normal(rng, n, k, dtype=dtype), activations.softmax(normal(rng, n, k, scale=scale)).astype(dtype)),
                    label=label)
    # every kind of case is visible (public seed); the hidden run draws the same kinds from the private seed. N = K
    # comes first: there a sum over the wrong axis, or without keepdims, broadcasts without an error.
    return [case(4, 4, "4 examples, 4 classes"), case(3, 5, "3 examples, 5 classes"),
            case(10, 3, "10 examples, 3 classes"), case(1, 5, "a batch of one"), case(6, 2, "2 classes"),
            case(5, 4, "confident predictions (probabilities near 0 and 1)", scale=8.0),
            case(4, 3, "float32", dtype=np.float32)]


# ---- mlp_backward ---------------------------------------------------------------------------------------------
def _mlp_backward_cases(rng, hidden):
    def case(sizes, names, n, label):
        params = [(normal(rng, d, m, scale=1 / np.sqrt(d)), normal(rng, m, scale=0.1))
                  for d, m in zip(sizes[:-1], sizes[1:])]
        return Case((normal(rng, n, sizes[-1]), normal(rng, n, sizes[0]), params, names), label=label)
    # every kind of case is visible (public seed); the hidden run draws the same kinds from the private seed
    return [case([2, 3, 1], ["tanh", "sigmoid"], 4, "a 2-3-1 network"),
            case([3, 3, 3], ["tanh", "sigmoid"], 4, "a 3-3-3 network (equal widths)"),
            case([4, 5, 6, 3], ["sigmoid", "relu", "tanh"], 7, "a 4-5-6-3 network"),
            case([3, 4, 2], ["relu", "linear"], 1, "a batch of one"),
            case([5, 8, 8, 2], ["tanh", "sigmoid", "sigmoid"], 9, "three layers"),
            case([3, 2], ["tanh"], 5, "a single layer")]


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


def _mlp_variant(*, propagate="dZ", skip_last=False):
    """Backprop that passes down ``propagate`` ("dZ": right; "dA": the gradient before the activation derivative;
    "dZ itself": this layer's dZ without the product with W.T (shapes fit only between layers of equal widths);
    "none": the network's output gradient to every layer, as `_, dW, db = dense_backward(...)` does, which
    broadcasts silently when the output has one column), optionally skipping the output layer's derivative."""
    def backward(dA, caches):
        top, grads = dA, []
        for index in range(len(caches) - 1, -1, -1):
            dense_cache, act_cache = caches[index]
            dZ = dA if skip_last and index == len(caches) - 1 else nn.activation_backward(dA, act_cache)
            dX, dW, db = nn.dense_backward(dZ, dense_cache)
            grads.append((dW, db))
            dA = {"dZ": dX, "dA": dA @ dense_cache.W.T if propagate == "dA" else None, "dZ itself": dZ,
                  "none": top}[propagate]
        return grads[::-1]
    return backward


def _mlp_explain(expected, actual):
    """Name the first wrong layer's quantity ("layer 1's dW ..."), and which layers are right."""
    if not isinstance(actual, tuple) or len(actual) != len(expected) or \
            not all(isinstance(pair, tuple) and len(pair) == 2 for pair in actual):
        return (f"mlp_backward must return one (dW, db) pair per layer, {len(expected)} here, first layer first; "
                f"got {'a sequence of ' + str(len(actual)) if isinstance(actual, tuple) else 'something else'}")
    wrong = [layer for layer, (e, a) in enumerate(zip(expected, actual), start=1) if not _same(e, a, 1e-5, 1e-8)]
    detail = _first_wrong(expected, actual, "d", 1e-5, 1e-8)
    right = [layer for layer in range(1, len(expected) + 1) if layer not in wrong]
    if right and min(right) > max(wrong):
        where = (f"; the layers above it ({', '.join(map(str, right))}) are right, so the gradient goes wrong on its "
                 f"way down from layer {max(wrong) + 1} to layer {max(wrong)}")
    elif right:
        where = f"; layer{'s' if len(wrong) > 1 else ''} {', '.join(map(str, wrong))} wrong, the others right"
    else:
        where = "; every layer is wrong, the last one too"
    return detail + where


# ---- numerical gradient ---------------------------------------------------------------------------------------
def _numerical_cases(rng, hidden):
    def case(name, shape, label, **kwargs):
        return Case((name, normal(rng, *shape), normal(rng, *shape)), kwargs, label=label)
    # every kind of case is visible (public seed); the hidden run draws the same kinds from the private seed
    return [case("quadratic", (3,), "f(x) = sum(c x^2) + sum(x), x of shape (3,)"),
            case("cubic", (3,), "f(x) = sum(c x^3) with a large step h=1e-2", h=1e-2),
            case("sin", (2, 3), "f(x) = sum(sin(c x)), x of shape (2, 3)"),
            case("closure", (3, 2), "an f that reads the array x itself (a closure), not its argument"),
            case("logsumexp", (5,), "log-sum-exp"),
            case("cubic", (4, 2), "a cubic with h=1e-5", h=1e-5),
            case("cubic", (1,), "one variable"),
            case("quadratic", (2, 2), "a large step h=1e-3", h=1e-3)]


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


def _perturbed_copy(f, x, h=1e-6):
    grad = np.zeros_like(x)
    for index in np.ndindex(x.shape):
        step = np.zeros_like(x)
        step[index] = h
        grad[index] = (f(x + step) - f(x - step)) / (2 * h)
    return grad


def _restored_by_arithmetic(f, x, h=1e-6):
    grad = np.zeros_like(x)
    for index in np.ndindex(x.shape):
        x[index] += h
        plus = f(x)
        x[index] -= 2 * h
        minus = f(x)
        x[index] += h
        grad[index] = (plus - minus) / (2 * h)
    return grad


def _all_at_once(f, x, h=1e-6):
    return np.full(x.shape, (f(x + h) - f(x - h)) / (2 * h))


def _rows_at_once(f, x, h=1e-6):
    grad = np.zeros_like(x)
    for i in range(len(x)):  # x[i] of a 2-D x is a whole row
        old = x[i].copy()
        x[i] = old + h
        f_plus = f(x)
        x[i] = old - h
        f_minus = f(x)
        x[i] = old
        grad[i] = (f_plus - f_minus) / (2 * h)
    return grad


def _numerical_same(expected, actual):
    """The gradient within the part's tolerance, and x after the call EXACTLY the x before (the contract)."""
    return (isinstance(actual, tuple) and len(actual) == 2 and _same(expected[0], actual[0], 1e-6, 1e-8) and
            isinstance(actual[1], np.ndarray) and actual[1].shape == expected[1].shape and
            np.array_equal(actual[1], expected[1]))


def _numerical_explain(expected, actual):
    if not isinstance(actual, tuple) or len(actual) != 2:
        return "numerical_gradient must return the gradient, an array of the shape of x"
    grad, x = actual
    if not _same(expected[0], grad, 1e-6, 1e-8):
        return _generic_diagnosis(expected[0], grad, 1e-6, 1e-8, what="your gradient")
    change = float(np.max(np.abs(x - expected[1])))
    if change <= 1e-12 * max(1.0, float(np.max(np.abs(expected[1])))):
        return ("your gradient is right, but x is not restored exactly: some entries differ from their old values "
                f"in the last bits (by up to {change:.1e}), since adding and subtracting h rounds; save each entry "
                "before perturbing it and write that saved value back")
    return f"your gradient is right, but x is left changed (by up to {change:.3g}): restore every entry"


# ---- relative error --------------------------------------------------------------------------------------------
def _relative_error_cases(rng, hidden):
    a, b = normal(rng, 4, 3), normal(rng, 6)
    # every kind of case is visible (public seed); the hidden run draws the same kinds from the private seed
    return [Case((a, (1 - 1e-3) * a + 1e-4 * normal(rng, 4, 3)), label="two close gradients"),
            Case((np.zeros((3, 2)), np.zeros((3, 2))), label="two zero gradients"),
            Case((2.0 * b, 3.0 * b), label="gradients of different sizes"),
            Case((b, -b), label="opposite gradients"),
            Case((normal(rng, 2, 2, 2), normal(rng, 2, 2, 2)), label="unrelated 3-D arrays"),
            Case((np.array([1e-9, 2.0]), np.array([2e-9, 2.0])), label="one tiny entry"),
            Case((b, b * (1 + 1e-8)), {"floor": 1e-6}, label="a larger floor"),
            Case((1e-14 * a, 1e-14 * (a + normal(rng, 4, 3))), {"floor": 1e-6},
                 label="tiny gradients, their norms far below the floor (the floor is the denominator)")]


def _entrywise(a, b, floor=1e-12):
    return float(np.max(np.abs(a - b) / np.maximum(np.abs(a) + np.abs(b), floor)))


def _no_floor(a, b, floor=1e-12):
    return float(np.linalg.norm(a - b) / (np.linalg.norm(a) + np.linalg.norm(b)))


def _by_b(a, b, floor=1e-12):
    return float(np.linalg.norm(a - b) / max(np.linalg.norm(b), floor))


def _by_max(a, b, floor=1e-12):
    return float(np.linalg.norm(a - b) / max(np.linalg.norm(a), np.linalg.norm(b), floor))


def _squared_norms(a, b, floor=1e-12):
    return float(np.sum((a - b) ** 2) / max(np.sum(a * a) + np.sum(b * b), floor))


def _l1_norms(a, b, floor=1e-12):
    return float(np.sum(np.abs(a - b)) / max(np.sum(np.abs(a)) + np.sum(np.abs(b)), floor))


def _floor_ignored(a, b, floor=1e-12):
    return float(np.linalg.norm(a - b) / max(np.linalg.norm(a) + np.linalg.norm(b), 1e-12))


def _norm_of_sum(a, b, floor=1e-12):
    return float(np.linalg.norm(a - b) / max(np.linalg.norm(a + b), floor))


def _no_denominator(a, b, floor=1e-12):
    return float(np.linalg.norm(a - b))


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
    # every kind of case is visible (public seed); the hidden run draws the same kinds from the private seed
    return [case([2, 3, 1], ["tanh", "sigmoid"], 4, "a 2-3-1 network"),
            case([3, 3, 3], ["tanh", "sigmoid"], 4, "a 3-3-3 network (equal widths)"),
            case([2, 2, 2], ["tanh", "tanh"], 3, "a large step h=1e-2", h=1e-2),
            case([3, 4, 2], ["sigmoid", "tanh"], 1, "a batch of one"),
            case([4, 5, 3, 2], ["tanh", "sigmoid", "linear"], 6, "three layers", h=1e-2),
            case([3, 3, 3], ["relu", "linear"], 5, "a ReLU network")]


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
    if wrong and not _first_wrong(expected[0], numerical, "d", 1e-5, 1e-8) and \
            not _first_wrong(expected[1], grads, "numerical d", 1e-4, 1e-7):
        return ("you returned the numerical gradients first and the analytic ones second; the order is (grads, "
                "numerical, errors): your mlp_backward's pairs, then your numerical_gradient's")
    if wrong:
        found = ""
        if own_check is None:
            worst = float(np.max(errors))
            found = (f"; your own check does show it (largest relative error {worst:.2g}), so the checking works"
                     if worst > 1e-5 else "")
        return (f"the analytic gradients, which come from your mlp_backward, are wrong: {wrong}{found}. Fix "
                "mlp_backward (its own test says what is wrong)")
    wrong = _first_wrong(expected[1], numerical, "numerical d", 1e-4, 1e-7)
    if wrong and not _first_wrong(expected[0], numerical, "numerical d", 1e-6, 1e-9) and \
            _first_wrong(expected[0], expected[1], "numerical d", 1e-6, 1e-9):
        return ("your numerical gradients are as exact as the analytic ones although the step h of this case is "
                "large, where a centred difference with that h is not: they were not computed with the step h you "
                "are given (pass h on to numerical_gradient)")
    factors = {float(np.round(np.sum(a * e) / np.sum(e * e), 6)) for pair_e, pair_a in zip(expected[1], numerical)
               for e, a in zip(pair_e, pair_a) if np.sum(e * e) > 0}
    if wrong and len(factors) == 1 and 0 < next(iter(factors)) < 1 and \
            all(_same(next(iter(factors)) * e, a, 1e-4, 1e-9) for pair_e, pair_a in zip(expected[1], numerical)
                for e, a in zip(pair_e, pair_a)):
        return (f"the numerical gradients, from your numerical_gradient, are the expected ones times "
                f"{next(iter(factors)):.3g} in every layer: the loss you differentiate is scaled (a mean instead of "
                "the sum L = sum(A * G)?); differentiate exactly the loss whose gradient is G")
    if wrong:
        return (f"the numerical gradients, from your numerical_gradient, are wrong: {wrong}. Check "
                "numerical_gradient itself, and that the loss you differentiate reads the very array it perturbs")
    layer, name, own = own_check
    return (f"your relative error for layer {layer}'s {name} is not relative_error of your own analytic and "
            f"numerical gradients of {name} (that would be {own:.3g}): check relative_error and the arrays you "
            "pass it")


PARTS = (
    # Partial credit (Part.credit): dX, dW and db are three derivations of their own, a point each; the notebook
    # says so. An error on any case (a product of the wrong shapes, dZ changed in place) still costs all 3.
    Part(A, "test_dense_backward", "dense_backward", nn.dense_backward, _dense_backward_cases, points=3,
         forbidden=(nn.dense_backward,), prepare=dense_backward_prepare, rtol=1e-5, names=("dX", "dW", "db"),
         credit=(1, 1, 1), unchanged=(0,), check_dtype=True,
         mistakes=(
             Mistake("dW_transposed", _dense_bug(_dX, lambda dZ, X, W: dZ.T @ X, _db),
                     "your dW is the transpose of the expected gradient: a gradient has the shape of its array, "
                     "(D, M) like W; order the product so that the shapes say so"),
             Mistake("dX_not_transposed", _dense_bug(lambda dZ, X, W: dZ @ W, _dW, _db),
                     "your dX multiplies dZ by W itself; that only runs because this W is square. dX has the shape "
                     "(N, D) of X: of dZ (N, M) and W (D, M), which product gives it?"),
             Mistake("db_not_summed", _dense_bug(_dX, _dW, lambda dZ, X, W: dZ.copy()),
                     "your db has one row per example: b is shared by every example of the batch, so its gradient "
                     "adds their contributions (db has the shape (M,) of b)"),
             Mistake("db_total", _dense_bug(_dX, _dW, lambda dZ, X, W: dZ.sum()),
                     "your db is a single number: you summed over every axis; b has one entry per unit, so sum "
                     "over the batch only"),
             Mistake("wrong_order", _dense_wrong_order,
                     "your three gradients are in the wrong order: return (dX, dW, db)"),
             Mistake("db_axis", _dense_bug(_dX, _dW, lambda dZ, X, W: dZ.sum(axis=1)),
                     "your db was summed over the wrong axis: b is shared by the examples, so sum over the batch "
                     "(axis 0)"),
             Mistake("db_mean", _dense_bug(_dX, _dW, lambda dZ, X, W: dZ.mean(axis=0)),
                     "your db is averaged over the batch; sum it (the 1/N of the loss is already inside dZ)"),
             Mistake("need_dX_ignored", _dense_ignoring_need_dX,
                     "you returned dX although need_dX is False: return None for dX then (the first layer never "
                     "needs it, and skipping dZ @ W.T saves a matrix product)"),
             Mistake("dW_mean", _dense_bug(_dX, lambda dZ, X, W: X.T @ dZ / len(X), _db),
                     "your dW is divided by N; the 1/N of the loss is already inside dZ, so the layer only adds up "
                     "the examples' contributions"),
         )),
    Part(A, "test_softmax_backward", "softmax_backward", activations.softmax_backward, _softmax_backward_cases,
         points=2, forbidden=(activations.softmax_backward,), unchanged=(0, 1), check_dtype=True,
         mistakes=(
             Mistake("identity", lambda dA, A: np.array(dA, copy=True),
                     "you passed dA through unchanged, as if dZ = dA (the shortcut p - y holds only for softmax "
                     "followed by cross-entropy, computed from the logits); softmax_backward must apply softmax's "
                     "Jacobian diag(a) - a a^T to each row's dA"),
             Mistake("elementwise", lambda dA, A: dA * A * (1 - A),
                     "you treated softmax as element-wise (dA * a(1 - a), the diagonal of the Jacobian only); each "
                     "output of a row depends on every score of that row, so the off-diagonal entries -a_i a_j of "
                     "the Jacobian contribute too"),
             Mistake("axis0", lambda dA, A: A * (dA - np.sum(dA * A, axis=0, keepdims=True)),
                     "the sum over classes was taken over the wrong axis: use axis=-1 (per example)"),
             Mistake("whole", lambda dA, A: A * (dA - np.sum(dA * A)),
                     "you summed dA * a over the whole array; the sum runs over each row's classes only "
                     "(axis=-1, keepdims=True)"),
             Mistake("no_keepdims", lambda dA, A: A * (dA - np.sum(dA * A, axis=-1)),
                     "your per-row sums lost their axis (shape (N,) instead of (N, 1)), so they broadcast along "
                     "the classes, not the examples: keep it with keepdims=True"),
             Mistake("no_sum_term", lambda dA, A: A * dA,
                     "you kept only the diagonal a_i of the Jacobian's diag(a) part; the -a a^T part, which couples "
                     "the classes of a row, is missing"),
             Mistake("no_a_factor", lambda dA, A: dA - np.sum(dA * A, axis=-1, keepdims=True),
                     "every entry of the Jacobian diag(a) - a a^T carries a factor a_i; your result lacks the "
                     "outer factor a"),
             Mistake("jacobian_of_z", lambda dA, A: A * (dA - np.sum(dA, axis=-1, keepdims=True)),
                     "your row sum adds up dA alone; the Jacobian's a a^T part weighs each class's dA by its "
                     "probability a"),
         )),
    Part(A, "test_mlp_backward", "mlp_backward", nn.mlp_backward, _mlp_backward_cases, points=4,
         forbidden=(nn.mlp_backward,), uses=(nn.activation_backward,), prepare=mlp_backward_prepare, rtol=1e-5,
         unchanged=(0,), depends=(("dense_backward", nn.dense_backward),), explain=_mlp_explain,
         mistakes=(
             Mistake("reversed", _mlp_reversed,
                     "your gradients are in reverse order (last layer first); return them in the order of params"),
             Mistake("no_activation", _mlp_no_activation,
                     "the activation derivative is missing: every layer's gradient goes back through its "
                     "activation (by the chain rule) before its dense layer's backward pass"),
             Mistake("at_activation", _mlp_grad_at_activation,
                     "the activation derivative was evaluated at the activation A instead of the pre-activation Z"),
             Mistake("not_propagated", _mlp_variant(propagate="none"),
                     "the gradient is not passed down: every layer received the network's output gradient dA; the "
                     "layer below must get the gradient with respect to this layer's INPUT (dense_backward's dX)"),
             Mistake("propagated_dA", _mlp_variant(propagate="dA"),
                     "you passed down the gradient before this layer's activation derivative: the input gradient "
                     "comes from dZ (after the derivative), which is what dense_backward's dX gives"),
             Mistake("dZ_down", _mlp_variant(propagate="dZ itself"),
                     "you passed this layer's dZ down as the layer below's gradient: the layer below needs the "
                     "gradient with respect to this layer's INPUT, dZ @ W.T (dense_backward's dX); dZ itself has "
                     "this layer's width, so it only fits where two layers are equally wide"),
             Mistake("skip_last", _mlp_variant(skip_last=True),
                     "the last layer's activation derivative is missing: the output gradient dA is with respect to "
                     "the network's output A, after the last activation, so it goes back through it too"),
         )),
    Part(A, "test_numerical_gradient", "numerical_gradient", gradcheck.numerical_gradient, _numerical_cases,
         points=2, forbidden=(gradcheck.numerical_gradient, gradcheck.numerical_gradient_array),
         prepare=numerical_prepare, collect=numerical_collect, rtol=1e-6, atol=1e-8,
         compare=_numerical_same, explain=_numerical_explain, names=("your gradient", "x after the call"),
         mistakes=(
             Mistake("forward", _forward_difference,
                     "you used a one-sided difference (f(x+h) - f(x))/h; the centred difference "
                     "(f(x+h) - f(x-h))/(2h) is far more accurate"),
             Mistake("not_restored", _not_restored,
                     "x is left perturbed after your function returns: restore every entry to its old value"),
             Mistake("perturbed_copy", _perturbed_copy,
                     "your gradient is zero for an f that reads the array x itself (as a network's loss reads its "
                     "weights): you perturbed a copy (x + step), which f never sees. Perturb x in place, one entry "
                     "at a time, and restore it"),
             Mistake("restored_by_arithmetic", _restored_by_arithmetic,
                     "x is not restored exactly: adding h, subtracting 2h and adding h again rounds, so some "
                     "entries end a few bits off their old values; save each entry and write the saved value back"),
             Mistake("rows_at_once", _rows_at_once,
                     "you looped over range(len(x)): for a 2-D x, x[i] is a whole ROW, so you perturbed a row at once; "
                     "visit every single entry with np.ndindex(x.shape)"),
             Mistake("all_at_once", _all_at_once,
                     "you perturbed every entry of x at once, which gives one directional derivative for all "
                     "entries; perturb one entry at a time (the other entries unchanged)"),
             Mistake("by_h", _divided_by_h, "you divided by h instead of 2h (the two points are 2h apart)"),
             Mistake("fixed_step", _fixed_step,
                     "your result does not change with the step h you are given (a fixed step inside?): perturb "
                     "x by the argument h"),
         )),
    Part(A, "test_relative_error", "relative_error", gradcheck.relative_error, _relative_error_cases, points=1,
         forbidden=(gradcheck.relative_error,), unchanged=(0, 1),
         mistakes=(
             Mistake("no_floor", _no_floor,
                     "your relative error is NaN for two zero gradients: divide by max(norm(a) + norm(b), floor)"),
             Mistake("entrywise", _entrywise,
                     "you took the largest entry-by-entry ratio; use norms of the whole arrays: "
                     "||a - b|| / (||a|| + ||b||)"),
             Mistake("by_b", _by_b, "you divided by ||b|| alone; divide by ||a|| + ||b||"),
             Mistake("by_max", _by_max,
                     "you divided by the larger of the two norms; the denominator is their SUM ||a|| + ||b|| (with "
                     "the floor), so two opposite gradients give exactly 1"),
             Mistake("squared", _squared_norms,
                     "you used squared norms (sums of squares without the square root); the relative error is a "
                     "ratio of Euclidean norms, ||a - b||_2 / (||a||_2 + ||b||_2)"),
             Mistake("l1", _l1_norms,
                     "you used sums of absolute values (L1 norms); the relative error uses Euclidean (L2) norms"),
             Mistake("floor_ignored", _floor_ignored,
                     "your result does not follow the `floor` argument (a fixed 1e-12 inside?): divide by "
                     "max(||a|| + ||b||, floor) with the floor you are given"),
             Mistake("norm_of_sum", _norm_of_sum,
                     "you divided by the norm of the SUM ||a + b||; the denominator is the sum of the two NORMS "
                     "||a|| + ||b||, so that two opposite gradients give exactly 1 instead of dividing by ~0"),
             Mistake("no_denominator", _no_denominator,
                     "that is the absolute difference ||a - b||; divide it by the sizes of the gradients, so that "
                     "the measure does not depend on the scale of the loss"),
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


# ---- concept: which bug produced this gradient-check table --------------------------------------------------------
_DESCRIPTION_KEYS = {description: key for key, description in problems_backprop.BACKWARD_VARIANTS.items()}


def _letters(student):
    """{variant key: its letter} of the student's problem, and the key whose table is the one shown."""
    p = problems_backprop.gradient_check_table(student)
    letters = {_DESCRIPTION_KEYS[description]: letter for letter, description in p.options.items()}
    shown = [key for key in letters
             if problems_backprop.variant_table(p.X, p.Y, p.params, key) == p.table]
    return letters, shown[0]


def which_bug(student):
    """The letter of the backward pass whose gradient-check table the student is shown (recomputed and matched)."""
    letters, shown = _letters(student)
    return letters[shown]


def _chose(key):
    def answer(student):
        return _letters(student)[0][key]
    return answer


_SIGNATURE = {
    "correct": "a right backward pass leaves every row at rounding level (1e-9 or below in float64)",
    "db_mean": "averaging db over the batch would make only the b rows wrong, all by the same factor N: each at "
               "(N - 1)/(N + 1), with every W row at rounding level",
    "dW_mean": "dividing dW by N would make only the W rows wrong, all by the same factor N: each at "
               "(N - 1)/(N + 1), with every b row at rounding level",
    "sum_not_mean": "a loss gradient N times too large scales every gradient of every layer by N: EVERY row at the "
                    "same (N - 1)/(N + 1)",
    "sign": "a flipped loss gradient flips every gradient: every row at exactly 1 (||g - (-g)|| / (2 ||g||))",
    "no_derivative_layer2": "a missing derivative in layer 2 leaves layer 3 right and makes layers 2 AND 1 wrong (the "
                            "error travels down), by amounts that differ from row to row",
    "derivative_at_A_layer1": "a wrong derivative in layer 1 only touches layer 1's rows: layers 2 and 3 stay at "
                              "rounding level",
}
WHICH_BUG_MISTAKES = tuple(
    (f"chose_{key}", _chose(key),
     f"{_SIGNATURE[key]}. Your table does not look like that: read it row by row (which rows are at rounding "
     "level, which are wrong, by the same amount or not)")
    for key in problems_backprop.BACKWARD_VARIANTS)


# ---- concept: the error of one-sided and centred differences ------------------------------------------------------
def difference_errors(student):
    """(relative error of the one-sided difference, of the centred one) for f(x) = exp(a x) at x0 with step h, to
    leading order in h: (h/2) |f''/f'| = a h / 2 and (h^2/6) |f'''/f'| = (a h)^2 / 6 (exact values agree within
    1%, a h <= 0.02)."""
    p = problems_backprop.difference_problem(student)
    return (p.a * p.h / 2, (p.a * p.h) ** 2 / 6)


def _same_magnitudes(expected, actual):
    """Both errors within 2% (a relative error is a magnitude: a signed (true - approximate)/true counts too)."""
    if isinstance(actual, tuple) and all(isinstance(a, np.ndarray) and a.shape == () for a in actual):
        actual = np.array([float(a) for a in actual])
    return isinstance(actual, np.ndarray) and _same(expected, np.abs(actual), 2e-2, 0.0)


def _difference(formula):
    def answer(student):
        p = problems_backprop.difference_problem(student)
        return tuple(float(v) for v in formula(p.a, p.x0, p.h))
    return answer


DIFFERENCE_MISTAKES = (
    ("swapped", _difference(lambda a, x0, h: ((a * h) ** 2 / 6, a * h / 2)),
     "your two numbers are swapped: the first is the one-sided difference (the larger error, of order h), the "
     "second the centred one (of order h^2)"),
    ("no_half", _difference(lambda a, x0, h: (a * h, (a * h) ** 2 / 6)),
     "your one-sided error misses the 1/2 of Taylor's h^2/2 f'' term: (f(x + h) - f(x))/h = f' + (h/2) f'' + ..."),
    ("centred_half", _difference(lambda a, x0, h: (a * h / 2, (a * h) ** 2 / 2)),
     "your centred error has the wrong coefficient: in f(x + h) - f(x - h) the h^3 terms add to (h^3/3) f''', so "
     "dividing by 2h leaves (h^2/6) f'''"),
    ("centred_first_order", _difference(lambda a, x0, h: (a * h / 2, a * h / 2)),
     "the centred difference is not first order: the h^2 terms of f(x + h) and f(x - h) cancel, so its error is "
     "of order h^2"),
    ("absolute", _difference(lambda a, x0, h: (a * h / 2 * a * np.exp(a * x0),
                                                  (a * h) ** 2 / 6 * a * np.exp(a * x0))),
     "those are absolute errors; the question asks for errors relative to the true derivative f'(x0), which "
     "divides them by f'(x0)"),
    ("centred_a_once", _difference(lambda a, x0, h: (a * h / 2, a * h ** 2 / 6)),
     "your centred error has only one factor a: relative to f'(x0) it is (h^2/6) times the third derivative over "
     "the first, and for exp(a x) that ratio is a^3/a = a^2, so (a h)^2/6"),
    ("no_derivatives", _difference(lambda a, x0, h: (h / 2, h ** 2 / 6)),
     "the derivatives of f are missing: the one-sided error is (h/2) f''(x0), and for exp(a x) every derivative "
     "brings a factor a"),
)


# ---- concept: which of five checks is of a wrong gradient (float32 vs float64, large vs small h) ---------------------
def wrong_check(student):
    """The letter of the float64, h = 1e-6 check of a wrong gradient (the other four check a right one)."""
    return next(letter for letter, key in problems_backprop.check_run_keys(student).items() if key == "bug")


def _chose_check(key):
    def answer(student):
        return next(letter for letter, k in problems_backprop.check_run_keys(student).items() if k == key)
    return answer


_CHECK_WHY = {
    "float64_small_h": "that check sits at rounding level (about 1e-9): in float64 with h = 1e-6 a right gradient "
                       "gives exactly that",
    "float64_large_h": "that check is float64 with the large step h = 1e-2: the centred difference's truncation "
                       "error, of order h^2 times the third derivative, alone gives about 1e-5 to 1e-4 there, for a "
                       "right gradient",
    "float32_tiny_h": "that check is float32 (epsilon about 6e-8) with h = 1e-6: each loss value is rounded by about "
                      "epsilon |L|, and dividing their difference by 2h makes that a relative error near 1, so even a "
                      "right gradient fails; such a check says nothing",
    "float32_large_h": "that check is float32 with h = 1e-2, where rounding (epsilon |L| / h) and truncation (h^2) "
                       "balance: about 1e-4 is the best float32 can do, for a right gradient",
}
WRONG_CHECK_MISTAKES = tuple(
    (f"chose_{key}", _chose_check(key),
     f"{why}. The wrong gradient is the check whose error cannot come from the arithmetic: look for a large error "
     "where dtype and step leave no room for one")
    for key, why in _CHECK_WHY.items())


def _mistakes(table):
    return tuple(Mistake(name, function, message) for name, function, message in table)


PARTS += (
    Part(A, "test_which_bug", "which_bug", which_bug, None, points=2, kind=ANSWER, answer_format="letter:ABCDEFG",
         mistakes=_mistakes(WHICH_BUG_MISTAKES)),
    Part(A, "test_difference_errors", "difference_errors", difference_errors, None, points=2, kind=ANSWER,
         answer_format="numbers:2", rtol=2e-2, atol=0.0, compare=_same_magnitudes,
         mistakes=_mistakes(DIFFERENCE_MISTAKES)),
    Part(A, "test_wrong_check", "wrong_check", wrong_check, None, points=1, kind=ANSWER,
         answer_format="letter:ABCDE", mistakes=_mistakes(WRONG_CHECK_MISTAKES)),
)
