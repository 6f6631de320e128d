"""Student-style answers to 03_backprop: one wrong answer per catalogued misconception, several right ones."""
import numpy as np
from _entries import buggy, correct


# ---- dense_backward ---------------------------------------------------------------------------------------------
@buggy("test_dense_backward", "your dW is the transpose")
def dense_backward_dW_T(dZ, cache, need_dX=True):
    X, W = cache
    return (dZ @ W.T if need_dX else None), dZ.T @ X, dZ.sum(0)


@buggy("test_dense_backward", "summed over the wrong axis")
def dense_backward_db_axis(dZ, cache, need_dX=True):
    X, W = cache
    return (dZ @ W.T if need_dX else None), X.T @ dZ, np.sum(dZ, axis=1)


@buggy("test_dense_backward", "your db is averaged over the batch")
def dense_backward_db_mean(dZ, cache, need_dX=True):
    X, W = cache
    return (dZ @ W.T if need_dX else None), X.T @ dZ, np.mean(dZ, axis=0)


@buggy("test_dense_backward", "your dW is divided by N")
def dense_backward_dW_mean(dZ, cache, need_dX=True):
    X, W = cache
    N = X.shape[0]
    return (dZ @ W.T if need_dX else None), (X.T @ dZ) / N, dZ.sum(axis=0)


@buggy("test_dense_backward", "you returned dX although need_dX is False")
def dense_backward_always_dX(dZ, cache, need_dX=True):
    X, W = cache
    return dZ @ W.T, X.T @ dZ, dZ.sum(axis=0)


@correct("test_dense_backward")
def dense_backward_outer_products(dZ, cache, need_dX=True):
    X, W = cache
    dW = np.zeros(W.shape)
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


@correct("test_numerical_gradient")
def numerical_gradient_copies(f, x, h=1e-6):
    grad = np.zeros_like(x)
    for index in np.ndindex(x.shape):
        step = np.zeros_like(x)
        step[index] = h
        grad[index] = (f(x + step) - f(x - step)) / (2 * h)
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
