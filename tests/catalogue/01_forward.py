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
    out = np.empty(z.shape, dtype=z.dtype)
    for index in np.ndindex(z.shape):
        x = float(z[index])
        out[index] = 1 / (1 + math.exp(-x)) if x >= 0 else math.exp(x) / (1 + math.exp(x))
    return out


# ---- sigmoid_grad -----------------------------------------------------------------------------------------------
def _sigmoid(z):
    return 0.5 * (1.0 + np.tanh(0.5 * np.asarray(z)))


@buggy("test_sigmoid_grad", "you treated the argument z as if it were the activation sigmoid(z)")
def sigmoid_grad_at_a(a):
    return a * (1 - a)


@buggy("test_sigmoid_grad", "you evaluated the derivative at the activation a = sigmoid(z)")
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
    z = np.abs(np.asarray(z))  # symmetric: sigma'(z) = sigma'(-z)
    e = np.exp(-z)
    return e / (1 + e) ** 2


@correct("test_sigmoid_grad")
def sigmoid_grad_float64(z):
    z = np.asarray(z)
    s = 1.0 / (1.0 + np.exp(-z.astype(np.float64)))  # works in float64, returns the input's dtype
    return (s * (1.0 - s)).astype(z.dtype)


@correct("test_sigmoid_grad")
def sigmoid_grad_cosh(z):
    with np.errstate(over="ignore"):
        return 0.25 / np.cosh(0.5 * np.asarray(z)) ** 2


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


@buggy("test_relu_grad", "at exactly z = 0 your derivative is 1")
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
    z = np.asarray(z)
    return np.maximum(np.sign(z), 0).astype(z.dtype)


# ---- tanh_grad --------------------------------------------------------------------------------------------------
@buggy("test_tanh_grad", "you treated the argument z as if it were the activation tanh(z)")
def tanh_grad_at_a(z):
    return 1 - z * z


@buggy("test_tanh_grad", "you evaluated the derivative at the activation a = tanh(z)")
def tanh_grad_of_activation(z):
    a = np.tanh(z)
    return 1 - np.tanh(a) ** 2  # tanh'(a): the derivative taken at the activation


@buggy("test_tanh_grad", "the tanh is not squared")
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
@buggy("test_softmax", "without subtracting the maximum overflows")
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
    for row in np.reshape(np.moveaxis(z, axis, -1), (-1, np.shape(z)[axis])):
        e = np.exp(row - row.max())
        rows.append(e / e.sum())
    moved = np.moveaxis(np.asarray(z), axis, -1)
    return np.moveaxis(np.array(rows, dtype=moved.dtype).reshape(moved.shape), -1, axis)


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
    Z = np.zeros((N, M), dtype=X.dtype)
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
    Z = np.empty((N, M))  # sums in float64, returned in the inputs' dtype
    for n in range(N):
        for m in range(M):
            Z[n, m] = sum(float(X[n, d]) * float(W[d, m]) for d in range(W.shape[0])) + float(b[m])
    return Z.astype(X.dtype), [X, W]


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


# ---- issue 9: contracts, stability, axis, and the mistakes the 2026-11 student trial made ---------------------------
@buggy("test_sigmoid", "your sigmoid computes e^z/(1 + e^z) for every z")
def sigmoid_unstable(z):
    return np.exp(z) / (1 + np.exp(z))


@buggy("test_sigmoid", "that is sigmoid(|z|), right only for z >= 0")
def sigmoid_abs_only(z):
    e = np.exp(-np.abs(z))
    return 1 / (1 + e)


@buggy("test_sigmoid", "sigmoid changed its argument `z` in place")
def sigmoid_in_place(z):
    np.negative(z, out=z)
    np.exp(z, out=z)
    z += 1
    return np.reciprocal(z, out=z)


@buggy("test_sigmoid", "is float64 for float32 input")
def sigmoid_float64(z):
    z = np.asarray(z, dtype=np.float64)
    e = np.exp(-np.abs(z))
    return np.where(z >= 0, 1 / (1 + e), e / (1 + e))


@correct("test_sigmoid")
def sigmoid_where_branches(z):
    z = np.asarray(z)
    out = np.empty_like(z)
    positive = z >= 0
    out[positive] = 1 / (1 + np.exp(-z[positive]))
    e = np.exp(z[~positive])
    out[~positive] = e / (1 + e)
    return out


@buggy("test_sigmoid_grad", "you returned 1 - sigmoid(z)")
def sigmoid_grad_one_factor(z):
    return 1 - _sigmoid(z)


@buggy("test_relu", "relu changed its argument `z` in place")
def relu_in_place(z):
    z[z < 0] = 0
    return z


@buggy("test_relu", "is float64 for float32 input")
def relu_float64(z):
    return np.maximum(np.asarray(z, dtype=float), 0.0)


@buggy("test_relu_grad", "is an array of bools")
def relu_grad_bool(z):
    return np.asarray(z) > 0


@buggy("test_relu_grad", "is an array of integers")
def relu_grad_int(z):
    return (np.asarray(z) > 0).astype(int)


@buggy("test_relu_grad", "is float64 for float32 input")
def relu_grad_float64(z):
    return (np.asarray(z) > 0).astype(np.float64)


@buggy("test_relu_grad", "your derivative is 0.5 (np.heaviside(z, 0.5))")
def relu_grad_half(z):
    return np.heaviside(z, 0.5)


@buggy("test_relu_grad", "relu_grad changed its argument `z` in place")
def relu_grad_in_place(z):
    z[...] = z > 0
    return z


@correct("test_relu_grad")
def relu_grad_where(z):
    z = np.asarray(z)
    return np.where(z > 0, np.ones_like(z), np.zeros_like(z))


@buggy("test_tanh_grad", "1/cosh(z) SQUARED")
def tanh_grad_sech(z):
    return 1 / np.cosh(z)


@buggy("test_tanh_grad", "the sigmoid's pattern a(1 - a)")
def tanh_grad_sigmoid_pattern(z):
    a = np.tanh(z)
    return a * (1 - a)


@buggy("test_tanh_grad", "is float64 for float32 input")
def tanh_grad_float64(z):
    return 1 - np.tanh(np.asarray(z, dtype=np.float64)) ** 2


@correct("test_tanh_grad")
def tanh_grad_via_sigmoid(z):
    z = np.asarray(z)
    s = 0.5 * (1 + np.tanh(z))  # sigmoid(2z); tanh'(z) = 4 sigmoid'(2z)
    return 4 * s * (1 - s)


@buggy("test_softmax", "you subtracted the maximum of the whole array")
def softmax_global_max(z, axis=-1):
    e = np.exp(z - z.max())
    return e / e.sum(axis=axis, keepdims=True)


@buggy("test_softmax", "your softmax ignores its `axis` argument")
def softmax_ignores_axis(z, axis=-1):
    e = np.exp(z - z.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


@buggy("test_softmax", "softmax changed its argument `z` in place")
def softmax_in_place(z, axis=-1):
    z -= z.max(axis=axis, keepdims=True)
    np.exp(z, out=z)
    z /= z.sum(axis=axis, keepdims=True)
    return z


@buggy("test_softmax", "is float64 for float32 input")
def softmax_float64(z, axis=-1):
    z = np.asarray(z, dtype=np.float64)
    e = np.exp(z - z.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


@correct("test_softmax")
def softmax_moveaxis(z, axis=-1):
    moved = np.moveaxis(np.asarray(z), axis, -1)
    e = np.exp(moved - moved.max(axis=-1)[..., None])
    return np.moveaxis(e / e.sum(axis=-1)[..., None], -1, axis)


@buggy("test_dense_forward", "you multiplied by W transposed")
def dense_forward_w_transposed(X, W, b):
    return X @ W.T + b, (X, W)


@buggy("test_dense_forward", "your Z is the transpose of the expected one")
def dense_forward_column_major(X, W, b):
    return W.T @ X.T + b.reshape(-1, 1), (X, W)


@buggy("test_dense_forward", "is float64 for float32 input")
def dense_forward_float64(X, W, b):
    return X.astype(float) @ W.astype(float) + b, (X, W)


@buggy("test_dense_forward", "dense_forward changed its argument `X` in place")
def dense_forward_overwrites_x(X, W, b):
    Z = X @ W + b
    X[...] = 0.0  # "free" the input
    return Z, (X, W)


@buggy("test_mlp_forward", "your layers ignore their biases")
def mlp_forward_no_bias(X, params, activation_names):
    A = X
    for (W, b), name in zip(params, activation_names):
        A = _ACT[name](A @ W)
    return A, []


@buggy("test_mlp_forward", "every layer used the first layer's activation")
def mlp_forward_one_activation(X, params, activation_names):
    A = X
    for W, b in params:
        A = _ACT[activation_names[0]](A @ W + b)
    return A, []


@buggy("test_mlp_forward", "mlp_forward changed its argument `X` in place")
def mlp_forward_in_place(X, params, activation_names):
    A = X
    for index, ((W, b), name) in enumerate(zip(params, activation_names)):
        Z = A @ W + b
        if index == 0 and Z.shape == X.shape:
            X[...] = Z  # reuses the input's memory
            Z = X
        A = _ACT[name](Z)
    X *= 0
    return A, []


@correct("test_mlp_forward")
def mlp_forward_recursive(X, params, activation_names):
    if not params:
        return X, []
    (W, b), *rest = params
    A = _ACT[activation_names[0]](np.dot(X, W) + b)
    out, caches = mlp_forward_recursive(A, rest, activation_names[1:])
    return out, [(X, W)] + caches


# ---- concept: the parameter count of the student's own network --------------------------------------------------------
def _sizes(student):
    from gdkit.problems.forward import network_sizes
    return network_sizes(student).sizes


@correct("test_parameter_count")
def count_per_layer(student):
    sizes = _sizes(student)
    return sum((d + 1) * m for d, m in zip(sizes[:-1], sizes[1:]))


@correct("test_parameter_count")
def count_with_arrays(student):
    sizes = _sizes(student)
    shapes = [((d, m), (m,)) for d, m in zip(sizes[:-1], sizes[1:])]
    return int(sum(np.prod(w) + np.prod(b) for w, b in shapes))


@correct("test_parameter_count")
def count_as_float(student):
    return float(count_per_layer(student))


@buggy("test_parameter_count", "you counted the weights only")
def count_weights_only(student):
    sizes = _sizes(student)
    return sum(d * m for d, m in zip(sizes[:-1], sizes[1:]))


@buggy("test_parameter_count", "one bias per INPUT")
def count_bias_per_input(student):
    sizes = _sizes(student)
    return sum(d * (m + 1) for d, m in zip(sizes[:-1], sizes[1:]))


@buggy("test_parameter_count", "you counted the units")
def count_units(student):
    return sum(_sizes(student))


@buggy("test_parameter_count", "you gave the input layer biases too")
def count_input_biases(student):
    return count_per_layer(student) + _sizes(student)[0]


@buggy("test_parameter_count", "you left out the output layer")
def count_missing_last(student):
    sizes = _sizes(student)[:-1]
    return sum((d + 1) * m for d, m in zip(sizes[:-1], sizes[1:]))


@buggy("test_parameter_count", "you left out the first layer")
def count_missing_first(student):
    sizes = _sizes(student)[1:]
    return sum((d + 1) * m for d, m in zip(sizes[:-1], sizes[1:]))


@buggy("test_parameter_count", "you counted (D_l + 1)(M_l + 1) per layer")
def count_plus_one_both(student):
    sizes = _sizes(student)
    return sum((d + 1) * (m + 1) for d, m in zip(sizes[:-1], sizes[1:]))


# ---- concept: a forward pass by hand through the student's own tiny network ------------------------------------------
def _net(student):
    from gdkit.problems.forward import tiny_network
    return tiny_network(student)


def _forward(student, hidden=lambda z: np.maximum(z, 0), out=lambda z: 1 / (1 + math.exp(-z)), b1=True, b2=True,
             transpose=False):
    n = _net(student)
    x, W1, W2 = n.x[0], (n.W1.T if transpose else n.W1), n.W2[:, 0]
    z1 = [sum(x[i] * W1[i, j] for i in range(3)) + (n.b1[j] if b1 else 0) for j in range(3)]
    a1 = [float(hidden(v)) for v in z1]
    z2 = sum(a * w for a, w in zip(a1, W2)) + (n.b2[0] if b2 else 0)
    return (*a1, float(z2), float(out(z2)))


@correct("test_hand_forward")
def forward_by_hand(student):
    return _forward(student)


@correct("test_hand_forward")
def forward_rounded(student):
    """Three significant digits, as a careful hand computation reports them."""
    return tuple(float(f"{v:.3g}") for v in _forward(student))


@correct("test_hand_forward")
def forward_with_gdkit(student):
    from gdkit import nn
    n = _net(student)
    hidden, _ = nn.dense_forward(n.x, n.W1, n.b1)
    a1 = np.maximum(hidden, 0)
    z2, _ = nn.dense_forward(a1, n.W2, n.b2)
    return (*a1[0], z2[0, 0], 1 / (1 + np.exp(-z2[0, 0])))


@buggy("test_hand_forward", "your output is z2 itself")
def forward_no_output_sigmoid(student):
    return _forward(student, out=lambda z: z)


@buggy("test_hand_forward", "you skipped the hidden layer's ReLU")
def forward_no_relu(student):
    return _forward(student, hidden=lambda z: z)


@buggy("test_hand_forward", "you used a sigmoid in the hidden layer")
def forward_sigmoid_hidden(student):
    return _forward(student, hidden=lambda z: 1 / (1 + math.exp(-z)))


@buggy("test_hand_forward", "you multiplied x by W1 transposed")
def forward_w1_transposed(student):
    return _forward(student, transpose=True)


@buggy("test_hand_forward", "you left out the biases")
def forward_no_biases(student):
    return _forward(student, b1=False, b2=False)


@buggy("test_hand_forward", "you left out the hidden layer's bias b1")
def forward_no_b1(student):
    return _forward(student, b1=False)


@buggy("test_hand_forward", "your z2 misses the output layer's bias b2")
def forward_no_b2(student):
    return _forward(student, b2=False)


@buggy("test_hand_forward", "you applied each layer's activation before its dense layer")
def forward_activation_first(student):
    n = _net(student)
    z1 = np.maximum(n.x, 0) @ n.W1 + n.b1
    z2 = (1 / (1 + np.exp(-z1))) @ n.W2 + n.b2
    return (*z1[0], z2[0, 0], z2[0, 0])


@buggy("test_relu", "np.max(z, 0) is a reduction")
def relu_np_max(z):
    return np.max(z, 0)


@buggy("test_relu", "which is twice max(0, z)")
def relu_plus_abs(z):
    return z + np.abs(z)


@buggy("test_relu_grad", "np.sign(z) is -1 for negative z")
def relu_grad_np_sign(z):
    return np.sign(z)


@buggy("test_tanh_grad", "you squared the whole of 1 - tanh(z)")
def tanh_grad_square_outside(z):
    return (1 - np.tanh(z)) ** 2


@buggy("test_parameter_count", "biases to the hidden layers only")
def count_hidden_biases_only(student):
    sizes = _sizes(student)
    return sum(d * m for d, m in zip(sizes[:-1], sizes[1:])) + sum(sizes[1:-1])


@buggy("test_hand_forward", "the three hidden values you report are the pre-activations Z1")
def forward_reports_z1(student):
    n = _net(student)
    z1 = n.x @ n.W1 + n.b1
    z2 = np.maximum(z1, 0) @ n.W2 + n.b2
    return (*z1[0], z2[0, 0], 1 / (1 + np.exp(-z2[0, 0])))


@buggy("test_hand_forward", "the probability of the other class")
def forward_other_class(student):
    a1_1, a1_2, a1_3, z2, _ = _forward(student)
    return (a1_1, a1_2, a1_3, z2, math.exp(-z2) / (1 + math.exp(-z2)))



@buggy("test_sigmoid", "your sigmoid is clipped to [1e-7, 1 - 1e-7]")
def sigmoid_clipped(z):
    return np.clip(1 / (1 + np.exp(-z)), 1e-7, 1 - 1e-7)


@buggy("test_sigmoid_grad", "overflows to inf and inf/inf is NaN")
def sigmoid_grad_exp_form(z):
    e = np.exp(-z)
    return e / (1 + e) ** 2


@buggy("test_relu", "you computed a leaky ReLU")
def relu_leaky(z):
    return np.where(z > 0, z, 0.01 * z)


@buggy("test_tanh_grad", "your result is half of tanh's derivative")
def tanh_grad_identity_half(z):
    s = 1 / (1 + np.exp(-2 * np.asarray(z)))
    return 2 * s * (1 - s)


@buggy("test_softmax", "you subtracted the maximum in the numerator only")
def softmax_shift_numerator(z, axis=-1):
    return np.exp(z - z.max(axis=axis, keepdims=True)) / np.exp(z).sum(axis=axis, keepdims=True)


@buggy("test_softmax", "you subtracted the maximum over the wrong axis")
def softmax_column_max(z, axis=-1):
    e = np.exp(z - z.max(axis=0))
    return e / e.sum(axis=axis, keepdims=True)


@buggy("test_dense_forward", "you subtracted the bias")
def dense_forward_minus_bias(X, W, b):
    return X @ W - b, (X, W)


@buggy("test_mlp_forward", "your hidden layers all use ReLU whatever their names")
def mlp_forward_relu_hidden(X, params, activation_names):
    A = X
    for index, ((W, b), name) in enumerate(zip(params, activation_names)):
        Z = A @ W + b
        A = _ACT[name](Z) if index == len(params) - 1 else np.maximum(Z, 0)
    return A, []


@buggy("test_mlp_forward", "the last layer's activation is applied twice")
def mlp_forward_last_twice(X, params, activation_names):
    A = X
    for (W, b), name in zip(params, activation_names):
        A = _ACT[name](A @ W + b)
    return _ACT[activation_names[-1]](A), []


@buggy("test_parameter_count", "you gave each layer ONE bias")
def count_one_bias_per_layer(student):
    sizes = _sizes(student)
    return sum(d * m for d, m in zip(sizes[:-1], sizes[1:])) + len(sizes) - 1



# ---- held-out measurement (2026-11-30): kinds that escaped or got a vague message -------------------------------
@buggy("test_relu", "an integer array also drops the fractional part")
def relu_as_integers(z):
    return np.maximum(z, 0).astype(int)


@buggy("test_softmax", "you divided by the sum over the whole array")
def softmax_row_max_whole_sum(z, axis=-1):
    e = np.exp(z - z.max(axis=axis, keepdims=True))
    return e / np.sum(e)


@buggy("test_mlp_forward", "every layer received the network's input X")
def mlp_forward_input_every_layer(X, params, activation_names):
    from gdkit import activations
    A = X
    for (W, b), name in zip(params, activation_names):
        A = activations.get(name)(X @ W + b) if X.shape[1] == W.shape[0] else activations.get(name)(A @ W + b)
    return A, []


@buggy("test_mlp_forward", "your layers' activations are in reverse order")
def mlp_forward_names_reversed(X, params, activation_names):
    from gdkit import activations
    A = X
    for (W, b), name in zip(params, reversed(activation_names)):
        A = activations.get(name)(A @ W + b)
    return A, []


@correct("test_mlp_forward")
def mlp_forward_indexed_loop(X, params, activation_names):
    from gdkit import activations
    A = X
    layer = 0
    while layer < len(params):
        W, b = params[layer]
        A = activations.get(activation_names[layer])(np.matmul(A, W) + b)
        layer += 1
    return A, [None] * len(params)


@buggy("test_hand_forward", "your last two values are swapped")
def forward_output_before_z2(student):
    a1_1, a1_2, a1_3, z2, output = _forward(student)
    return (a1_1, a1_2, a1_3, output, z2)


@buggy("test_sigmoid", "tanh takes half the argument")
def sigmoid_tanh_full_argument(z):
    return (1 + np.tanh(z)) / 2


@buggy("test_parameter_count", "biases for its inputs AND its units")
def parameter_count_biases_both_sides(student):
    sizes = _sizes(student)
    return sum(d * m + d + m for d, m in zip(sizes[:-1], sizes[1:]))
