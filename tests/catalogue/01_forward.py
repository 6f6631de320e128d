"""Student-style answers to 01_forward: one wrong answer per catalogued misconception, several right ones."""
import math
import warnings

import numpy as np
from _entries import buggy, correct


# ---- sigmoid ----------------------------------------------------------------------------------------------------
@buggy("test_sigmoid", "exp(+z)")
def sigmoid_plus(z):
    return 1 / (1 + np.exp(z))


@buggy("test_sigmoid", "you returned tanh(z)")
def sigmoid_tanh(z):
    return (np.exp(z) - np.exp(-z)) / (np.exp(z) + np.exp(-z)) if np.max(np.abs(z)) < 300 else np.tanh(z)


@correct("test_sigmoid")
def sigmoid_naive_warns(z):
    return 1.0 / (1.0 + np.exp(-z))  # overflows (RuntimeWarning) for z = -1000, still right


@correct("test_sigmoid")
def sigmoid_via_tanh(z):
    return 0.5 * (1.0 + np.tanh(0.5 * np.asarray(z)))


@correct("test_sigmoid")
def sigmoid_loop(z):
    z = np.asarray(z)
    out = np.empty(z.shape)
    for index in np.ndindex(z.shape):
        x = float(z[index])
        out[index] = 1 / (1 + math.exp(-x)) if x >= 0 else math.exp(x) / (1 + math.exp(x))
    return out


# ---- sigmoid_grad -----------------------------------------------------------------------------------------------
def _sigmoid(z):
    return 0.5 * (1.0 + np.tanh(0.5 * np.asarray(z)))


@buggy("test_sigmoid_grad", "not the pre-activation z itself")
def sigmoid_grad_at_a(a):
    return a * (1 - a)


@buggy("test_sigmoid_grad", "evaluated at the activation a = sigmoid(z) instead of the pre-activation z")
def sigmoid_grad_of_activation(z):
    a = _sigmoid(z)
    return _sigmoid(a) * (1 - _sigmoid(a))  # sigmoid'(a): the derivative taken at the activation


@buggy("test_sigmoid_grad", "you returned sigmoid(z) itself")
def sigmoid_grad_forgot(z):
    return _sigmoid(z)


@buggy("test_sigmoid_grad", "you returned sigmoid(z)^2")
def sigmoid_grad_squared(z):
    s = _sigmoid(z)
    return s * s


@correct("test_sigmoid_grad")
def sigmoid_grad_exp(z):
    z = np.abs(np.asarray(z, dtype=float))  # symmetric: sigma'(z) = sigma'(-z)
    e = np.exp(-z)
    return e / (1 + e) ** 2


@correct("test_sigmoid_grad")
def sigmoid_grad_float64(z):
    s = 1.0 / (1.0 + np.exp(-np.asarray(z, dtype=np.float64)))  # float64 even for float32 inputs
    return s * (1.0 - s)


@correct("test_sigmoid_grad")
def sigmoid_grad_cosh(z):
    return 0.25 / np.cosh(0.5 * np.asarray(z, dtype=float)) ** 2


# ---- relu, relu_grad --------------------------------------------------------------------------------------------
@buggy("test_relu", "you returned |z|")
def relu_abs(z):
    return np.sqrt(np.asarray(z) ** 2)


@buggy("test_relu", "instead of ReLU itself")
def relu_mask(z):
    return np.where(np.asarray(z) > 0, 1.0, 0.0)


@buggy("test_relu", "min(z, 0)")
def relu_min(z):
    z = np.array(z, dtype=float)
    z[z > 0] = 0
    return z


@correct("test_relu")
def relu_where(z):
    return np.where(z > 0, z, 0.0)


@correct("test_relu")
def relu_multiply(z):
    z = np.asarray(z)
    return z * (z > 0)


@buggy("test_relu_grad", "at exactly z = 0")
def relu_grad_ge(z):
    return np.where(np.asarray(z) >= 0, 1.0, 0.0)


@buggy("test_relu_grad", "you returned relu(z)")
def relu_grad_relu(z):
    return np.clip(z, 0, None)


@correct("test_relu_grad")
def relu_grad_heaviside(z):
    return np.heaviside(z, 0.0)


@correct("test_relu_grad")
def relu_grad_sign(z):
    return np.maximum(np.sign(z), 0).astype(float)


# ---- tanh_grad --------------------------------------------------------------------------------------------------
@buggy("test_tanh_grad", "1 - z^2")
def tanh_grad_at_a(z):
    return 1 - z * z


@buggy("test_tanh_grad", "evaluated at the activation a = tanh(z) instead of the pre-activation z")
def tanh_grad_of_activation(z):
    a = np.tanh(z)
    return 1 - np.tanh(a) ** 2  # tanh'(a): the derivative taken at the activation


@buggy("test_tanh_grad", "the square is missing")
def tanh_grad_unsquared(z):
    return 1 - np.tanh(z)


@correct("test_tanh_grad")
def tanh_grad_cosh(z):
    with np.errstate(over="ignore"):
        return 1 / np.cosh(z) ** 2


@correct("test_tanh_grad")
def tanh_grad_product(z):
    t = np.tanh(z)
    return (1 - t) * (1 + t)


# ---- softmax ----------------------------------------------------------------------------------------------------
@buggy("test_softmax", "without subtracting the row maximum")
def softmax_naive(z, axis=-1):
    out = np.exp(z)
    return out / np.sum(out, axis=1, keepdims=True)


@buggy("test_softmax", "over the batch (axis 0)")
def softmax_columns(z, axis=-1):
    z = z - z.max(axis=0)
    return np.exp(z) / np.exp(z).sum(axis=0)


@buggy("test_softmax", "sum over the whole array")
def softmax_global(z, axis=-1):
    e = np.exp(z - np.max(z))
    return e / np.sum(e)


@correct("test_softmax")
def softmax_loop(z, axis=-1):
    rows = []
    for row in np.asarray(z, dtype=float):
        e = np.exp(row - row.max())
        rows.append(e / e.sum())
    return np.array(rows)


@correct("test_softmax")
def softmax_logsumexp(z, axis=-1):
    z = np.asarray(z)
    m = z.max(axis=axis, keepdims=True)
    return np.exp(z - m - np.log(np.exp(z - m).sum(axis=axis, keepdims=True)))


# ---- dense_forward ----------------------------------------------------------------------------------------------
@buggy("test_dense_forward", "missing the bias")
def dense_forward_no_bias(X, W, b):
    return np.dot(X, W), (X, W)


@buggy("test_dense_forward", "your cache holds (W, X)")
def dense_forward_cache_order(X, W, b):
    return X @ W + b, (W, X)


@buggy("test_dense_forward", "your cache holds Z instead of the input X")
def dense_forward_cache_z(X, W, b):
    Z = X @ W + b
    return Z, (Z, W)


@buggy("test_dense_forward", "must return the pair (Z, cache) with cache = (X, W), e.g. `return Z, (X, W)`; "
                              "it returned a single array of shape")
def dense_forward_only_z(X, W, b):
    return X @ W + b


@buggy("test_dense_forward", "must return the pair (Z, cache) with cache = (X, W), e.g. `return Z, (X, W)`; "
                              "it returned a tuple of 3 values")
def dense_forward_flat(X, W, b):
    return X @ W + b, X, W


@buggy("test_dense_forward", "its cache is a tuple of 3 values, not the pair (X, W)")
def dense_forward_cache_with_b(X, W, b):
    return X @ W + b, (X, W, b)


@buggy("test_dense_forward", "its cache is a dict, not the pair (X, W)")
def dense_forward_cache_dict(X, W, b):
    return X @ W + b, {"X": X, "W": W}


@buggy("test_dense_forward", "the X in your cache is wrong: your result is the transpose of the expected one")
def dense_forward_cache_xt(X, W, b):
    return X @ W + b, (X.T, W)


@correct("test_dense_forward")
def dense_forward_loops(X, W, b):
    N, M = X.shape[0], W.shape[1]
    Z = np.zeros((N, M))
    for n in range(N):
        for m in range(M):
            Z[n, m] = np.dot(X[n], W[:, m]) + b[m]
    return Z, (X, W)


@correct("test_dense_forward")
def dense_forward_einsum(X, W, b):
    from collections import namedtuple
    Cache = namedtuple("Cache", "X W")
    return np.einsum("nd,dm->nm", X, W) + b[None, :], Cache(X, W)


@correct("test_dense_forward")
def dense_forward_float64_loops(X, W, b):
    N, M = X.shape[0], W.shape[1]
    Z = np.empty((N, M))  # float64 even for float32 inputs
    for n in range(N):
        for m in range(M):
            Z[n, m] = sum(float(X[n, d]) * float(W[d, m]) for d in range(W.shape[0])) + float(b[m])
    return Z, [X, W]


# ---- mlp_forward ------------------------------------------------------------------------------------------------
_ACT = {"relu": lambda z: np.maximum(z, 0), "sigmoid": lambda z: 0.5 * (1 + np.tanh(z / 2)), "tanh": np.tanh,
        "linear": lambda z: z,
        "softmax": lambda z: np.exp(z - z.max(1, keepdims=True)) / np.exp(z - z.max(1, keepdims=True)).sum(1, keepdims=True)}


@buggy("test_mlp_forward", "last layer's activation is missing")
def mlp_forward_no_last(X, params, activation_names):
    A = X
    for i in range(len(params)):
        W, b = params[i]
        A = A @ W + b
        if i < len(params) - 1:
            A = _ACT[activation_names[i]](A)
    return A, None


@buggy("test_mlp_forward", "before its dense layer")
def mlp_forward_act_first(X, params, activation_names):
    A = X
    for (W, b), name in zip(params, activation_names):
        A = _ACT[name](A) @ W + b
    return A, None


@buggy("test_mlp_forward", "mlp_forward must return the pair (A, caches): the network's output and the list of "
                            "caches; it returned a single array of shape")
def mlp_forward_only_output(X, params, activation_names):
    A = X
    for (W, b), name in zip(params, activation_names):
        A = _ACT[name](A @ W + b)
    return A


@correct("test_mlp_forward")
def mlp_forward_own_activations(X, params, activation_names):
    A, caches = X, []
    for (W, b), name in zip(params, activation_names):
        Z = A @ W + b
        A = _ACT[name](Z)
        caches.append((A, Z))
    return A, caches


@correct("test_mlp_forward")
def mlp_forward_gdkit_pieces(X, params, activation_names):
    from gdkit import nn
    A = X
    for (W, b), name in zip(params, activation_names):
        A, _ = nn.activation_forward(nn.dense_forward(A, W, b)[0], name)
    warnings.warn("a correct answer that warns")
    return A, []
