"""Student-style answers to 03_backprop: one wrong answer per catalogued misconception, several right ones."""
import numpy as np
from _entries import buggy, correct


# ---- dense_backward ---------------------------------------------------------------------------------------------
# Partial credit (Part.credit = dX 1, dW 1, db 1): each wrong answer declares the points of its values that are right
# on every case (score=...). An error on any case (dZ @ W with a non-square W raises; dZ changed in place) costs all 3;
# gradients in the wrong order are all wrong: 0.
@buggy("test_dense_backward", "your dW is the transpose", score=2)
def dense_backward_dW_T(dZ, cache, need_dX=True):
    X, W = cache
    return (dZ @ W.T if need_dX else None), dZ.T @ X, dZ.sum(0)


@buggy("test_dense_backward", "summed over the wrong axis", score=2)
def dense_backward_db_axis(dZ, cache, need_dX=True):
    X, W = cache
    return (dZ @ W.T if need_dX else None), X.T @ dZ, np.sum(dZ, axis=1)


@buggy("test_dense_backward", "your db is averaged over the batch", score=2)
def dense_backward_db_mean(dZ, cache, need_dX=True):
    X, W = cache
    return (dZ @ W.T if need_dX else None), X.T @ dZ, np.mean(dZ, axis=0)


@buggy("test_dense_backward", "your dW is divided by N", score=2)
def dense_backward_dW_mean(dZ, cache, need_dX=True):
    X, W = cache
    N = X.shape[0]
    return (dZ @ W.T if need_dX else None), (X.T @ dZ) / N, dZ.sum(axis=0)


@buggy("test_dense_backward", "you returned dX although need_dX is False", score=2)
def dense_backward_always_dX(dZ, cache, need_dX=True):
    X, W = cache
    return dZ @ W.T, X.T @ dZ, dZ.sum(axis=0)


@buggy("test_dense_backward", "your db is a single number", score=2)
def dense_backward_db_total(dZ, cache, need_dX=True):
    X, W = cache
    return (dZ @ W.T if need_dX else None), X.T @ dZ, np.sum(dZ)


@buggy("test_dense_backward", "your three gradients are in the wrong order")
def dense_backward_order(dZ, cache, need_dX=True):
    X, W = cache
    dX = dZ @ W.T if need_dX else None
    return X.T @ dZ, dZ.sum(axis=0), dX


@buggy("test_dense_backward", "your dX multiplies dZ by W itself")
def dense_backward_dX_no_transpose(dZ, cache, need_dX=True):
    X, W = cache
    return (dZ @ W if need_dX else None), X.T @ dZ, dZ.sum(axis=0)


@buggy("test_dense_backward", "your db has one row per example", score=2)
def dense_backward_db_not_summed(dZ, cache, need_dX=True):
    X, W = cache
    return (dZ @ W.T if need_dX else None), X.T @ dZ, dZ


@buggy("test_dense_backward", "dW is float64 for float32 input", score=2)
def dense_backward_float64_accumulator(dZ, cache, need_dX=True):
    X, W = cache
    dW = np.zeros(W.shape)  # float64, whatever the dtype of X and dZ
    for n in range(len(X)):
        dW += np.outer(X[n], dZ[n])
    return (dZ @ W.T if need_dX else None), dW, dZ.sum(axis=0)


@buggy("test_dense_backward", "changed its argument `dZ` in place")
def dense_backward_scales_dZ_in_place(dZ, cache, need_dX=True):
    X, W = cache
    db = dZ.sum(axis=0)
    dZ *= 1.0 + 0.0 * dZ  # harmless?
    dZ -= 0.0
    dZ[...] = dZ[::-1][::-1] * 1  # still the same values ...
    dZ += 1e-3  # ... until a "small" correction
    dZ -= 1e-3
    dX = dZ @ W.T if need_dX else None
    dZ[0] = 0.0
    return dX, X.T @ dZ, db


@correct("test_dense_backward")
def dense_backward_outer_products(dZ, cache, need_dX=True):
    X, W = cache
    dW = np.zeros_like(W)
    for n in range(len(X)):
        dW += np.outer(X[n], dZ[n])
    dX = np.stack([W @ dZ[n] for n in range(len(X))]) if need_dX else None
    return dX, dW, dZ.sum(axis=0)


@correct("test_dense_backward")
def dense_backward_einsum(dZ, cache, need_dX=True):
    X, W = cache.X, cache.W
    db = np.einsum("nm->m", dZ)
    return (np.einsum("nm,dm->nd", dZ, W) if need_dX else None), np.einsum("nd,nm->dm", X, dZ), db


# ---- softmax_backward -------------------------------------------------------------------------------------------
@buggy("test_softmax_backward", "treated softmax as element-wise")
def softmax_backward_diag(dA, A):
    return dA * A - dA * A ** 2


@buggy("test_softmax_backward", "wrong axis")
def softmax_backward_axis0(dA, A):
    return A * (dA - (dA * A).sum(axis=0))


@buggy("test_softmax_backward", "you summed dA * a over the whole array")
def softmax_backward_total_sum(dA, A):
    return A * (dA - (dA * A).sum())


@buggy("test_softmax_backward", "keepdims=True")
def softmax_backward_no_keepdims(dA, A):
    return A * (dA - (dA * A).sum(axis=-1))


@buggy("test_softmax_backward", "the -a a^T part, which couples")
def softmax_backward_diagonal_only(dA, A):
    return dA * A


@buggy("test_softmax_backward", "lacks the outer factor a")
def softmax_backward_no_a(dA, A):
    return dA - np.einsum("nk,nk->n", dA, A)[:, None]


@buggy("test_softmax_backward", "your row sum adds up dA alone")
def softmax_backward_unweighted_sum(dA, A):
    return A * (dA - dA.sum(axis=1, keepdims=True))


@buggy("test_softmax_backward", "is float64 for float32 input")
def softmax_backward_float64_loop(dA, A):
    out = np.zeros(A.shape)
    for n in range(len(A)):
        out[n] = A[n] * (dA[n] - dA[n] @ A[n])
    return out


@correct("test_softmax_backward")
def softmax_backward_jacobian(dA, A):
    dZ = np.empty_like(dA)
    for n in range(len(A)):
        a = A[n]
        J = np.diag(a) - np.outer(a, a)
        dZ[n] = J.T @ dA[n]
    return dZ


@correct("test_softmax_backward")
def softmax_backward_einsum(dA, A):
    return A * dA - A * np.einsum("nk,nk->n", dA, A)[:, None]


# ---- mlp_backward -----------------------------------------------------------------------------------------------
@buggy("test_mlp_backward", "reverse order")
def mlp_backward_reversed(dA, caches):
    from gdkit import nn
    grads = []
    for dense_cache, act_cache in caches[::-1]:
        dA, dW, db = nn.dense_backward(nn.activation_backward(dA, act_cache), dense_cache)
        grads.append((dW, db))
    return grads


@buggy("test_mlp_backward", "activation derivative is missing")
def mlp_backward_no_activation(dA, caches):
    grads = []
    for dense_cache, _ in reversed(caches):
        X, W = dense_cache
        grads.insert(0, (X.T @ dA, dA.sum(axis=0)))
        dA = dA @ W.T
    return grads


@buggy("test_mlp_backward", "evaluated at the activation A instead of the pre-activation Z")
def mlp_backward_grad_of_a(dA, caches):
    grads = []
    for dense_cache, act_cache in reversed(caches):
        X, W = dense_cache
        dZ = dA * act_cache.activation.grad(act_cache.A)
        grads.insert(0, (X.T @ dZ, dZ.sum(axis=0)))
        dA = dZ @ W.T
    return grads


_DERIVATIVES = {
    "sigmoid": lambda Z, A: A * (1 - A), "tanh": lambda Z, A: 1 - A ** 2,
    "relu": lambda Z, A: (Z > 0).astype(float), "linear": lambda Z, A: np.ones_like(Z),
}


@buggy("test_mlp_backward", "the gradient is not passed down")
def mlp_backward_never_propagates(dA, caches):
    from gdkit import nn
    grads = []
    for dense_cache, act_cache in reversed(caches):
        _, dW, db = nn.dense_backward(nn.activation_backward(dA, act_cache), dense_cache)
        grads.append((dW, db))
    return grads[::-1]


@buggy("test_mlp_backward", "you passed down the gradient before this layer's activation derivative")
def mlp_backward_passes_dA(dA, caches):
    grads = []
    for (X, W), act_cache in reversed(caches):
        dZ = dA * _DERIVATIVES[act_cache.activation.name](act_cache.Z, act_cache.A)
        grads.insert(0, (X.T @ dZ, dZ.sum(axis=0)))
        dA = dA @ W.T
    return grads


@buggy("test_mlp_backward", "you passed this layer's dZ down as the layer below's gradient")
def mlp_backward_passes_dZ(dA, caches):
    grads = []
    for (X, W), act_cache in reversed(caches):
        dZ = dA * _DERIVATIVES[act_cache.activation.name](act_cache.Z, act_cache.A)
        grads.insert(0, (X.T @ dZ, dZ.sum(axis=0)))
        dA = dZ  # forgot the product with W.T
    return grads


@buggy("test_mlp_backward", "the last layer's activation derivative is missing")
def mlp_backward_output_linear(dA, caches):
    from gdkit import nn
    grads = []
    for index in reversed(range(len(caches))):
        dense_cache, act_cache = caches[index]
        dZ = dA if index == len(caches) - 1 else nn.activation_backward(dA, act_cache)
        dA, dW, db = nn.dense_backward(dZ, dense_cache)
        grads.append((dW, db))
    return grads[::-1]


@buggy("test_mlp_backward", "changed its argument `dA` in place")
def mlp_backward_in_place(dA, caches):
    grads = []
    for (X, W), act_cache in reversed(caches):
        dA *= _DERIVATIVES[act_cache.activation.name](act_cache.Z, act_cache.A)  # the caller's dA on the first layer
        grads.insert(0, (X.T @ dA, dA.sum(axis=0)))
        dA = dA @ W.T
    return grads


@buggy("test_mlp_backward", "layer 1's dW")
def mlp_backward_first_layer_transposed_twice(dA, caches):
    """Not catalogued: the first layer's dW scaled by 2; the message names layer 1's dW."""
    from gdkit import nn
    grads = []
    for index in reversed(range(len(caches))):
        dense_cache, act_cache = caches[index]
        dA, dW, db = nn.dense_backward(nn.activation_backward(dA, act_cache), dense_cache)
        grads.append((2 * dW if index == 0 else dW, db))
    return grads[::-1]


@correct("test_mlp_backward")
def mlp_backward_own_derivatives(dA, caches):
    grads = [None] * len(caches)
    for layer in range(len(caches) - 1, -1, -1):
        (X, W), (Z, A, activation) = caches[layer]
        dZ = dA * _DERIVATIVES[activation.name](Z, A)
        grads[layer] = (X.T @ dZ, dZ.sum(axis=0))
        dA = dZ @ W.T
    return grads


@correct("test_mlp_backward")
def mlp_backward_tuple_output(dA, caches):
    from gdkit import nn
    out = []
    for dense_cache, act_cache in reversed(caches):
        dX, dW, db = nn.dense_backward(nn.activation_backward(dA, act_cache), dense_cache)
        out = [[dW, db]] + out
        dA = dX
    return tuple(out)


# ---- numerical_gradient -----------------------------------------------------------------------------------------
@buggy("test_numerical_gradient", "one-sided difference")
def numerical_gradient_forward(f, x, h=1e-6):
    grad = np.zeros(x.shape)
    base = f(x)
    flat = x.reshape(-1)
    for i in range(flat.size):
        flat[i] += h
        grad.flat[i] = (f(x) - base) / h
        flat[i] -= h
    return grad


@buggy("test_numerical_gradient", "x is left perturbed")
def numerical_gradient_not_restored(f, x, h=1e-6):
    grad = np.zeros_like(x)
    for index in np.ndindex(*x.shape):
        original = x[index]
        x[index] = original + h
        plus = f(x)
        x[index] = original - h
        minus = f(x)
        grad[index] = (plus - minus) / (2 * h)
    return grad


@buggy("test_numerical_gradient", "divided by h instead of 2h")
def numerical_gradient_by_h(f, x, h=1e-6):
    grad = np.zeros_like(x)
    for index in np.ndindex(x.shape):
        old = x[index]
        x[index] = old + h
        plus = f(x)
        x[index] = old - h
        minus = f(x)
        x[index] = old
        grad[index] = (plus - minus) / h
    return grad


@buggy("test_numerical_gradient", "does not change with the step h you are given")
def numerical_gradient_own_step(f, x, h=1e-6):
    step = 1e-5  # ignores the h it is given
    grad = np.zeros_like(x)
    for index in np.ndindex(x.shape):
        old = x[index]
        x[index] = old + step
        plus = f(x)
        x[index] = old - step
        minus = f(x)
        x[index] = old
        grad[index] = (plus - minus) / (2 * step)
    return grad


@buggy("test_numerical_gradient", "you perturbed a copy")
def numerical_gradient_copies(f, x, h=1e-6):
    grad = np.zeros_like(x)
    for index in np.ndindex(x.shape):
        step = np.zeros_like(x)
        step[index] = h
        grad[index] = (f(x + step) - f(x - step)) / (2 * h)
    return grad


@buggy("test_numerical_gradient", "adding h, subtracting 2h and adding h again rounds")
def numerical_gradient_add_subtract(f, x, h=1e-6):
    grad = np.zeros_like(x)
    for index in np.ndindex(x.shape):
        x[index] += h
        f_plus = f(x)
        x[index] -= 2 * h
        f_minus = f(x)
        x[index] += h
        grad[index] = (f_plus - f_minus) / (2 * h)
    return grad


@buggy("test_numerical_gradient", "not restored exactly")
def numerical_gradient_subtract_then_add(f, x, h=1e-6):
    """Not catalogued as such (other operations than the catalogued mistake): the explanation still names it."""
    grad = np.zeros_like(x)
    for index in np.ndindex(x.shape):
        x[index] -= h
        f_minus = f(x)
        x[index] += 2 * h
        f_plus = f(x)
        x[index] -= h
        grad[index] = (f_plus - f_minus) / (2 * h)
    return grad


@buggy("test_numerical_gradient", "you perturbed every entry of x at once")
def numerical_gradient_whole_vector(f, x, h=1e-6):
    slope = (f(x + h) - f(x - h)) / (2 * h)
    return slope * np.ones_like(x)


@correct("test_numerical_gradient")
def numerical_gradient_saved_copy(f, x, h=1e-6):
    """Perturbs x in place and restores it from a saved copy of the whole array at the end of each entry."""
    saved = x.copy()
    grad = np.empty(x.shape)
    for index in np.ndindex(x.shape):
        x[index] = saved[index] + h
        up = f(x)
        x[index] = saved[index] - h
        down = f(x)
        x[...] = saved
        grad[index] = (up - down) / (2 * h)
    return grad


@correct("test_numerical_gradient")
def numerical_gradient_flat_view(f, x, h=1e-6):
    grad = np.empty_like(x)
    flat_x, flat_g = x.ravel(), grad.ravel()  # views of contiguous arrays
    for i in range(flat_x.size):
        saved = flat_x[i]
        flat_x[i] = saved + h
        up = f(x)
        flat_x[i] = saved - h
        down = f(x)
        flat_x[i] = saved
        flat_g[i] = (up - down) / (2 * h)
    print("checked", flat_x.size, "entries")
    return grad


# ---- relative_error ---------------------------------------------------------------------------------------------
@buggy("test_relative_error", "NaN for two zero gradients")
def relative_error_no_floor(a, b, floor=1e-12):
    return np.linalg.norm(a - b) / (np.linalg.norm(a) + np.linalg.norm(b))


@buggy("test_relative_error", "largest entry-by-entry ratio")
def relative_error_entrywise(a, b, floor=1e-12):
    return float(np.max(np.abs(a - b) / np.maximum(np.abs(a) + np.abs(b), floor)))


@buggy("test_relative_error", "divided by ||b|| alone")
def relative_error_by_b(a, b, floor=1e-12):
    return float(np.linalg.norm(a - b) / max(np.linalg.norm(b), floor))


@buggy("test_relative_error", "you divided by the larger of the two norms")
def relative_error_by_max(a, b, floor=1e-12):
    return float(np.linalg.norm(a - b) / max(np.linalg.norm(a), np.linalg.norm(b), floor))


@buggy("test_relative_error", "you used squared norms")
def relative_error_squared(a, b, floor=1e-12):
    d = (a - b).ravel()
    return float(d @ d / max(a.ravel() @ a.ravel() + b.ravel() @ b.ravel(), floor))


@buggy("test_relative_error", "L1 norms")
def relative_error_l1(a, b, floor=1e-12):
    return float(np.abs(a - b).sum() / max(np.abs(a).sum() + np.abs(b).sum(), floor))


@buggy("test_relative_error", "that is the absolute difference")
def relative_error_absolute(a, b, floor=1e-12):
    return float(np.linalg.norm(a - b))


@correct("test_relative_error")
def relative_error_plus_floor(a, b, floor=1e-12):
    """floor added instead of max(..., floor): the same number wherever the gradients are not both ~0."""
    return float(np.linalg.norm(a - b) / (np.linalg.norm(a) + np.linalg.norm(b) + floor))


@correct("test_relative_error")
def relative_error_sqrt_sums(a, b, floor=1e-12):
    a, b = np.ravel(a).astype(float), np.ravel(b).astype(float)
    num = np.sqrt(np.sum((a - b) ** 2))
    den = np.sqrt(np.sum(a ** 2)) + np.sqrt(np.sum(b ** 2))
    return float(num / den) if den > floor else float(num / floor)


@correct("test_relative_error")
def relative_error_loop(a, b, floor=1e-12):
    import math
    sa = sb = sd = 0.0
    for x, y in zip(np.ravel(a), np.ravel(b)):
        sa, sb, sd = sa + x * x, sb + y * y, sd + (x - y) ** 2
    return math.sqrt(sd) / max(math.sqrt(sa) + math.sqrt(sb), floor)


# ---- closed loop: gradient_check_network with the student's own pieces ------------------------------------------
# Each entry is the student's gradient_check_network together with the student's own helpers (correct or buggy);
# gdkit's mlp_backward, numerical_gradient and relative_error are forbidden in this part, gdkit's mlp_forward (an
# earlier assignment's) is allowed.
def _own_numerical_gradient(f, x, h=1e-6, one_sided=False):
    grad = np.zeros_like(x, dtype=float)
    for index in np.ndindex(x.shape):
        old = x[index]
        x[index] = old + h
        plus = f(x)
        x[index] = old if one_sided else old - h
        minus = f(x)
        x[index] = old
        grad[index] = (plus - minus) / (h if one_sided else 2 * h)
    return grad


def _own_relative_error(a, b, floor=1e-12):
    return np.linalg.norm(a - b) / max(np.linalg.norm(a) + np.linalg.norm(b), floor)


_OWN_DERIVATIVES = {"tanh": lambda z: 1 - np.tanh(z) ** 2, "sigmoid": lambda z: (s := 1 / (1 + np.exp(-z))) * (1 - s),
                    "relu": lambda z: (z > 0).astype(float), "linear": lambda z: np.ones_like(z)}


def _own_mlp_backward(dA, caches, skip_activation=False):
    grads = []
    for dense_cache, act_cache in reversed(caches):
        X, W = dense_cache
        Z, name = act_cache.Z, act_cache.activation.name
        dZ = dA if skip_activation else dA * _OWN_DERIVATIVES[name](Z)
        grads.append((X.T @ dZ, dZ.sum(axis=0)))
        dA = dZ @ W.T
    return grads[::-1]


def _check(X, G, params, names, h, backward=_own_mlp_backward, numerical=_own_numerical_gradient,
           error=_own_relative_error):
    from gdkit import nn

    def loss(_):
        return float(np.sum(nn.mlp_forward(X, params, names)[0] * G))
    _, caches = nn.mlp_forward(X, params, names)
    grads = backward(G, caches)
    numeric = [(numerical(loss, W, h), numerical(loss, b, h)) for W, b in params]
    errors = [(error(dW, nW), error(db, nb)) for (dW, db), (nW, nb) in zip(grads, numeric)]
    return grads, numeric, errors


@correct("test_gradient_check_network")
def gradient_check_network_own_pieces(X, G, params, names, h=1e-6):
    return _check(X, G, params, names, h)


@correct("test_gradient_check_network")
def gradient_check_network_lists_and_floats(X, G, params, names, h=1e-6):
    grads, numeric, errors = _check(X, G, params, names, h)
    return [list(g) for g in grads], [list(n) for n in numeric], [[float(e) for e in pair] for pair in errors]


@buggy("test_gradient_check_network", "your numerical gradients are all zero")
def gradient_check_network_perturbs_a_copy(X, G, params, names, h=1e-6):
    from gdkit import nn

    def loss(_):
        return float(np.sum(nn.mlp_forward(X, params, names)[0] * G))
    _, caches = nn.mlp_forward(X, params, names)
    grads = _own_mlp_backward(G, caches)
    numeric = [(_own_numerical_gradient(loss, W.copy(), h), _own_numerical_gradient(loss, b.copy(), h))
               for W, b in params]
    errors = [(_own_relative_error(dW, nW), _own_relative_error(db, nb)) for (dW, db), (nW, nb) in zip(grads, numeric)]
    return grads, numeric, errors


@buggy("test_gradient_check_network", "come from your mlp_backward, are wrong")
def gradient_check_network_buggy_backward(X, G, params, names, h=1e-6):
    return _check(X, G, params, names, h, backward=lambda dA, caches: _own_mlp_backward(dA, caches, True))


@buggy("test_gradient_check_network", "from your numerical_gradient, are wrong")
def gradient_check_network_one_sided(X, G, params, names, h=1e-6):
    return _check(X, G, params, names, h, numerical=lambda f, x, h: _own_numerical_gradient(f, x, h, one_sided=True))


@buggy("test_gradient_check_network", "is not relative_error of your own analytic and numerical")
def gradient_check_network_entrywise_error(X, G, params, names, h=1e-6):
    return _check(X, G, params, names, h, error=lambda a, b: float(np.max(np.abs(a - b) / (np.abs(a) + np.abs(b)))))


# ---- concept: which bug produced the student's gradient-check table ----------------------------------------------
# Each entry takes the student id and returns the letter that student would assign to which_bug.
def _table(student):
    from gdkit.problems.backprop import gradient_check_table
    return gradient_check_table(student)


def _letter_of(problem, words):
    return next(letter for letter, text in problem.options.items() if words in text)


def _read_table(student):
    """Reading the table as the chapter does: which rows are at rounding level, which are off, by how much."""
    p = _table(student)
    t = p.table
    bad = {row for row, error in t.items() if error > 1e-6}
    n = len(p.X)
    same = all(abs(t[row] - (n - 1) / (n + 1)) < 1e-6 for row in bad)
    if not bad:
        return _letter_of(p, "no bug")
    if all(abs(error - 1) < 1e-6 for error in t.values()):
        return _letter_of(p, "wrong sign")
    if same and bad == set(t):
        return _letter_of(p, "1/N of the mean")
    if same and bad == {"b1", "b2", "b3"}:
        return _letter_of(p, "db is averaged")
    if same and bad == {"W1", "W2", "W3"}:
        return _letter_of(p, "dW is divided")
    if bad <= {"W1", "b1"}:
        return _letter_of(p, "layer 1's activation")
    return _letter_of(p, "layer 2's activation")


@correct("test_which_bug")
def which_bug_read_the_rows(student):
    return _read_table(student)


@correct("test_which_bug")
def which_bug_by_experiment(student):
    """Plant each candidate bug in gdkit's pieces and compare the resulting checks with the table (lower case)."""
    from gdkit import gradcheck, losses, nn
    p = _table(student)
    names = ["tanh", "tanh", "linear"]

    def table(dA_scale=1.0, db_scale=1.0, dW_scale=1.0, skip=None, at_A=None):
        A, caches = nn.mlp_forward(p.X, p.params, names)
        dA = dA_scale * losses.mean_squared_error_grad(p.Y, A)
        grads = []
        for layer in (2, 1, 0):
            dense, act = caches[layer]
            dZ = dA if layer == skip else dA * act.activation.grad(act.A) if layer == at_A else \
                nn.activation_backward(dA, act)
            dA, dW, db = nn.dense_backward(dZ, dense)
            grads.insert(0, (dW_scale * dW, db_scale * db))
        out = []
        for (W, b), (dW, db) in zip(p.params, grads):
            for value, grad in ((W, dW), (b, db)):
                num = gradcheck.numerical_gradient(lambda _: losses.mean_squared_error(
                    p.Y, nn.mlp_forward(p.X, p.params, names)[0]), value)
                out.append(gradcheck.relative_error(grad, num))
        return np.array(out)
    n = len(p.X)
    candidates = {"no bug": table(), "db is averaged": table(db_scale=1 / n), "dW is divided": table(dW_scale=1 / n),
                  "1/N of the mean": table(dA_scale=n), "wrong sign": table(dA_scale=-1),
                  "layer 2's activation": table(skip=1), "layer 1's activation": table(at_A=0)}
    shown = np.array(list(p.table.values()))
    best = min(candidates, key=lambda k: np.max(np.abs(np.log(candidates[k] + 1e-15) - np.log(shown + 1e-15))))
    return _letter_of(p, best).lower()


def _chose(words):
    def answer(student):
        return _letter_of(_table(student), words)
    return answer


for _words, _message in [
        ("no bug", "a right backward pass leaves every row at rounding level"),
        ("db is averaged", "averaging db over the batch would make only the b rows wrong"),
        ("dW is divided", "dividing dW by N would make only the W rows wrong"),
        ("1/N of the mean", "a loss gradient N times too large scales every gradient"),
        ("wrong sign", "a flipped loss gradient flips every gradient"),
        ("layer 2's activation", "a missing derivative in layer 2 leaves layer 3 right"),
        ("layer 1's activation", "a wrong derivative in layer 1 only touches layer 1's rows")]:
    _entry = _chose(_words)
    _entry.__name__ = "which_bug_chose_" + _words.replace(" ", "_").replace("'", "").replace("/", "")
    globals()[_entry.__name__] = buggy("test_which_bug", _message)(_entry)


@buggy("test_which_bug", "should be one of the letters")
def which_bug_description(student):
    return "layer 2"


# ---- concept: the errors of one-sided and centred differences -----------------------------------------------------
def _difference(student):
    from gdkit.problems.backprop import difference_problem
    return difference_problem(student)


@correct("test_difference_errors")
def difference_errors_taylor(student):
    p = _difference(student)
    return (p.h / 2 * p.a, p.h ** 2 / 6 * p.a ** 2)


@correct("test_difference_errors")
def difference_errors_measured(student):
    """Measured in float64: the exact errors agree with the leading terms to within 1%."""
    p = _difference(student)
    f = lambda x: np.exp(p.a * x)  # noqa: E731
    true = p.a * np.exp(p.a * p.x0)
    one_sided = (f(p.x0 + p.h) - f(p.x0)) / p.h
    centred = (f(p.x0 + p.h) - f(p.x0 - p.h)) / (2 * p.h)
    return [abs(one_sided - true) / abs(true), abs(centred - true) / abs(true)]


@correct("test_difference_errors")
def difference_errors_signed(student):
    """Signed errors (true - approximate) / true: for exp both differences overestimate, so both are negative."""
    p = _difference(student)
    true = p.a * np.exp(p.a * p.x0)
    one = (true - (np.exp(p.a * (p.x0 + p.h)) - np.exp(p.a * p.x0)) / p.h) / true
    two = (true - (np.exp(p.a * (p.x0 + p.h)) - np.exp(p.a * (p.x0 - p.h))) / (2 * p.h)) / true
    return (float(one), float(two))


@buggy("test_difference_errors", "your two numbers are swapped")
def difference_errors_swapped(student):
    return difference_errors_taylor(student)[::-1]


@buggy("test_difference_errors", "misses the 1/2 of Taylor's h^2/2 f'' term")
def difference_errors_no_half(student):
    p = _difference(student)
    return (p.a * p.h, (p.a * p.h) ** 2 / 6)


@buggy("test_difference_errors", "has the wrong coefficient")
def difference_errors_centred_half(student):
    p = _difference(student)
    return (p.a * p.h / 2, (p.a * p.h) ** 2 / 2)


@buggy("test_difference_errors", "the centred difference is not first order")
def difference_errors_both_first_order(student):
    p = _difference(student)
    return (p.a * p.h / 2, p.a * p.h / 2)


@buggy("test_difference_errors", "those are absolute errors")
def difference_errors_absolute(student):
    p = _difference(student)
    f = lambda x: np.exp(p.a * x)  # noqa: E731
    true = p.a * np.exp(p.a * p.x0)
    return (abs((f(p.x0 + p.h) - f(p.x0)) / p.h - true), abs((f(p.x0 + p.h) - f(p.x0 - p.h)) / (2 * p.h) - true))


@buggy("test_difference_errors", "the derivatives of f are missing")
def difference_errors_no_derivatives(student):
    p = _difference(student)
    return (p.h / 2, p.h ** 2 / 6)


# ---- concept: which of five checks is of a wrong gradient --------------------------------------------------------
def _checks(student):
    from gdkit.problems.backprop import check_runs
    return check_runs(student).runs


@correct("test_wrong_check")
def wrong_check_by_rules(student):
    """float64 at a small step allows only rounding: the check there with a large error."""
    return next(letter for letter, (dtype, h, error) in _checks(student).items()
                if dtype == "float64" and h <= 1e-6 and error > 1e-7)


@correct("test_wrong_check")
def wrong_check_by_allowance(student):
    """The largest ratio of the measured error to what the arithmetic allows: truncation ~ h^2 plus rounding
    ~ eps / h for the dtype (lower case, with spaces)."""
    def allowed(dtype, h):
        eps = 6e-8 if dtype == "float32" else 2e-16
        return h ** 2 + eps / h
    runs = _checks(student)
    return " " + max(runs, key=lambda k: runs[k][2] / allowed(runs[k][0], runs[k][1])).lower() + " "


def _wrong_check_chose(dtype, large_h, small_error=None):
    def answer(student):
        for letter, (d, h, error) in _checks(student).items():
            if d == dtype and (h > 1e-4) == large_h and (small_error is None or (error < 1e-7) == small_error):
                return letter
    return answer


for _args, _message, _name in [
        (("float64", False, True), "that check sits at rounding level", "float64_small_h"),
        (("float64", True), "the large step h = 1e-2", "float64_large_h"),
        (("float32", False), "so even a right gradient fails", "float32_tiny_h"),
        (("float32", True), "about 1e-4 is the best float32 can do", "float32_large_h")]:
    _entry = _wrong_check_chose(*_args)
    _entry.__name__ = f"wrong_check_chose_{_name}"
    globals()[_entry.__name__] = buggy("test_wrong_check", _message)(_entry)


@buggy("test_wrong_check", "should be one of the letters")
def wrong_check_two_letters(student):
    return "B, D"


# ---- held-out measurement (2026-11-30): the floor's role, and vague messages ------------------------------------
@buggy("test_relative_error", "does not follow the `floor` argument")
def relative_error_fixed_floor(a, b, floor=1e-12):
    denominator = np.linalg.norm(a) + np.linalg.norm(b)
    return float(np.linalg.norm(a - b) / (denominator if denominator > 1e-12 else 1e-12))


@buggy("test_relative_error", "you divided by the norm of the SUM")
def relative_error_norm_of_sum(a, b, floor=1e-12):
    return float(np.linalg.norm(a - b) / max(np.linalg.norm(a + b), floor))


@correct("test_relative_error")
def relative_error_floor_with_np_maximum(a, b, floor=1e-12):
    a, b = np.ravel(a).astype(float), np.ravel(b).astype(float)
    return float(np.sqrt(np.sum((a - b) ** 2)) / np.maximum(np.sqrt(a @ a) + np.sqrt(b @ b), floor))


@buggy("test_difference_errors", "your centred error has only one factor a")
def difference_errors_one_a(student):
    from gdkit.problems.backprop import difference_problem
    p = difference_problem(student)
    return (p.a * p.h / 2, p.a * p.h ** 2 / 6)


@buggy("test_softmax_backward", "you passed dA through unchanged")
def softmax_backward_identity(dA, A):
    return dA.copy()


@buggy("test_gradient_check_network", "you returned the numerical gradients first")
def gradient_check_numerical_first(X, G, params, names, h=1e-6):
    grads, numerical, errors = _check(X, G, params, names, h)
    return numerical, grads, errors


@buggy("test_gradient_check_network", "not computed with the step h you are given")
def gradient_check_own_step(X, G, params, names, h=1e-6):
    return _check(X, G, params, names, 1e-5)


@buggy("test_gradient_check_network", "a mean instead of the sum")
def gradient_check_mean_loss(X, G, params, names, h=1e-6):
    from gdkit import nn

    def loss(_):
        return float(np.mean(nn.mlp_forward(X, params, names)[0] * G))
    _, caches = nn.mlp_forward(X, params, names)
    grads = _own_mlp_backward(G, caches)
    numerical = [(_own_numerical_gradient(loss, W, h), _own_numerical_gradient(loss, b, h)) for W, b in params]
    errors = [(_own_relative_error(dW, nW), _own_relative_error(db, nb))
              for (dW, db), (nW, nb) in zip(grads, numerical)]
    return grads, numerical, errors


@buggy("test_numerical_gradient", "x[i] is a whole ROW")
def numerical_gradient_by_rows(f, x, h=1e-6):
    grad = np.zeros_like(x)
    for i in range(x.shape[0]):
        saved = np.copy(x[i])
        x[i] = saved + h
        up = f(x)
        x[i] = saved - h
        down = f(x)
        x[i] = saved
        grad[i] = (up - down) / (2 * h)
    return grad
