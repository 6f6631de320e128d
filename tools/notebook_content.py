"""Cell sources of the nbgrader source notebooks (solutions/), read by tools/make_notebooks.py.

Each assignment is a title, an introduction, an import cell, and a list of steps. A step is a markdown cell
that teaches, one solution cell (a ``def`` with gdkit's contract, the body between BEGIN/END SOLUTION) and the
test cells of the parts that check it, each described by one line. The committed notebooks under solutions/
are what instructors edit afterwards; this file only made the first version.
"""

IMPORTS = "import numpy as np\n"

ASSIGNMENTS = {}

# =====================================================================================================================
ASSIGNMENTS["01_forward"] = dict(
    title="Assignment 1: forward propagation",
    intro="""\
This assignment accompanies the chapter **Forward propagation**. You will write the activation functions
and their derivatives, a numerically stable softmax, a dense layer and the forward pass of a whole network.

Conventions used throughout the course: arrays are *batch first*. A batch of $N$ inputs with $D$ features is
`X` of shape `(N, D)`, a layer's weights `W` have shape `(D, M)`, its bias `b` shape `(M,)`, and
$Z = XW + b$ has shape `(N, M)`.

Each exercise ends with a test cell. Running it checks your function against the course's reference
implementation on a few random inputs and tells you what is wrong; when grading, more hidden inputs are used
(other shapes, a batch of one, large values, float32). Write vectorised NumPy code: no loops over examples.
""",
    imports=IMPORTS,
    steps=[
        ("""\
## 1. The sigmoid

$$\\sigma(z) = \\frac{1}{1 + e^{-z}}$$

squashes any real number into $(0, 1)$. It works element-wise on arrays of any shape. For a large negative
$z$, `np.exp(-z)` overflows to `inf` (NumPy warns); the result $1/\\infty = 0$ is still right, but a
stable version avoids the warning: for $z < 0$ use the equivalent form $e^{z}/(1 + e^{z})$.
""", '''\
def sigmoid(z):
    """Logistic sigmoid, element-wise.

    Parameters
    ----------
    z : ndarray, any shape

    Returns
    -------
    ndarray, same shape as z, values in [0, 1]
    """
    ### BEGIN SOLUTION
    z = np.asarray(z)
    e = np.exp(-np.abs(z))  # never overflows
    return np.where(z >= 0, 1.0 / (1.0 + e), e / (1.0 + e))
    ### END SOLUTION
''', [("test_sigmoid", "sigmoid")]),
        ("""\
## 2. Its derivative

$$\\sigma'(z) = \\sigma(z)\\,(1 - \\sigma(z)).$$

The derivative is taken with respect to the **pre-activation** $z$. A classic mistake is to plug in the
activation $a = \\sigma(z)$ instead of $z$. You may use your `sigmoid` from above.
""", '''\
def sigmoid_grad(z):
    """Derivative of the sigmoid with respect to z, element-wise.

    Parameters
    ----------
    z : ndarray, any shape
        Pre-activations.

    Returns
    -------
    ndarray, same shape as z, values in [0, 1/4]
    """
    ### BEGIN SOLUTION
    s = sigmoid(z)
    return s * (1.0 - s)
    ### END SOLUTION
''', [("test_sigmoid_grad", "sigmoid_grad")]),
        ("""\
## 3. ReLU and its derivative

$$\\mathrm{relu}(z) = \\max(0, z), \\qquad \\mathrm{relu}'(z) = \\begin{cases} 1 & z > 0 \\\\ 0 & z \\le 0\\end{cases}$$

At exactly $z = 0$ the derivative is not defined; the convention (PyTorch's and ours) is 0. Return the
derivative as floats (0.0 and 1.0), in the input's dtype when it is a float type.
""", '''\
def relu(z):
    """Rectified linear unit max(0, z), element-wise; z of any shape, result of the same shape."""
    ### BEGIN SOLUTION
    return np.maximum(z, 0.0)
    ### END SOLUTION


def relu_grad(z):
    """Derivative of ReLU with respect to z: 1.0 where z > 0, else 0.0 (also at z == 0)."""
    ### BEGIN SOLUTION
    z = np.asarray(z)
    dtype = z.dtype if np.issubdtype(z.dtype, np.floating) else np.float64
    return (z > 0).astype(dtype)
    ### END SOLUTION
''', [("test_relu", "relu"), ("test_relu_grad", "relu_grad")]),
        ("""\
## 4. The derivative of tanh

$$\\tanh'(z) = 1 - \\tanh^2(z).$$

As for the sigmoid, evaluate it at the pre-activation $z$ (`np.tanh` is allowed).
""", '''\
def tanh_grad(z):
    """Derivative of tanh with respect to z, element-wise; z of any shape."""
    ### BEGIN SOLUTION
    t = np.tanh(z)
    return 1.0 - t * t
    ### END SOLUTION
''', [("test_tanh_grad", "tanh_grad")]),
        ("""\
## 5. Softmax

For one row of scores (logits) $z_1, \\dots, z_K$:

$$\\mathrm{softmax}(z)_k = \\frac{e^{z_k}}{\\sum_j e^{z_j}}.$$

Every row of the result is a probability vector. Subtracting the row maximum $m$ from every score changes
nothing (the factor $e^{-m}$ cancels) but keeps every exponent $\\le 0$, so `exp` cannot overflow even for
logits of 1000. Use `axis` and `keepdims=True`.
""", '''\
def softmax(z, axis=-1):
    """Softmax along `axis`.

    Parameters
    ----------
    z : ndarray, shape (N, K)
        Scores, one row per example.
    axis : int
        The class axis (the last one by default).

    Returns
    -------
    ndarray, shape (N, K)
        Each row non-negative and summing to 1.
    """
    ### BEGIN SOLUTION
    z = np.asarray(z)
    shifted = z - np.max(z, axis=axis, keepdims=True)
    e = np.exp(shifted)
    return e / np.sum(e, axis=axis, keepdims=True)
    ### END SOLUTION
''', [("test_softmax", "softmax")]),
        ("""\
## 6. A dense layer

$$Z = XW + b, \\qquad X: (N, D),\\; W: (D, M),\\; b: (M,),\\; Z: (N, M).$$

The bias is broadcast over the batch. The layer also returns a *cache*: what its backward pass will need in
the next assignment, the input `X` and the weights `W`, as the pair `(X, W)` in that order.
""", '''\
def dense_forward(X, W, b):
    """Forward pass of a dense layer.

    Parameters
    ----------
    X : ndarray, shape (N, D)
    W : ndarray, shape (D, M)
    b : ndarray, shape (M,)

    Returns
    -------
    Z : ndarray, shape (N, M)
    cache : tuple (X, W)
    """
    ### BEGIN SOLUTION
    Z = X @ W + b
    return Z, (X, W)
    ### END SOLUTION
''', [("test_dense_forward", "dense_forward")]),
        ("""\
## 7. A whole network

A network is a stack of dense layers, each followed by its activation:
$A_0 = X$, $Z_l = A_{l-1} W_l + b_l$, $A_l = f_l(Z_l)$ for $l = 1, \\dots, L$; the output is $A_L$.

`params` is a list of `(W, b)` pairs and `activation_names` a list of names such as `"relu"`, `"sigmoid"`,
`"tanh"`, `"softmax"` or `"linear"`. Here you may use gdkit's building blocks: `gdkit.nn.dense_forward` and
`gdkit.activations.get(name)`, which returns a callable activation. Return the output and a list of caches
(the caches are not graded here; gdkit stores `(dense_cache, activation_cache)` per layer).
""", '''\
from gdkit import activations, nn


def mlp_forward(X, params, activation_names):
    """Forward pass through a stack of dense layers with activations.

    Parameters
    ----------
    X : ndarray, shape (N, D)
    params : list of (W, b) pairs, W of shape (D_l, M_l), b of shape (M_l,)
    activation_names : list of str, one per layer

    Returns
    -------
    A : ndarray, shape (N, M_L)
        The network's output.
    caches : list, one entry per layer
    """
    ### BEGIN SOLUTION
    A, caches = X, []
    for (W, b), name in zip(params, activation_names):
        Z, dense_cache = nn.dense_forward(A, W, b)
        A = activations.get(name)(Z)
        caches.append((dense_cache, Z, A))
    return A, caches
    ### END SOLUTION
''', [("test_mlp_forward", "mlp_forward")]),
    ],
)

# =====================================================================================================================
ASSIGNMENTS["02_loss"] = dict(
    title="Assignment 2: loss functions and their gradients",
    intro="""\
This assignment accompanies the chapter **Loss functions**. Every loss takes `(y_true, y_pred)` in that order
(as Keras and scikit-learn do), returns the **mean over the batch** as a Python float, and has a gradient
with respect to `y_pred` of the same shape as `y_pred`. Because the loss is a mean over $N$ examples, every
gradient carries a factor $1/N$.
""",
    imports=IMPORTS,
    steps=[
        ("""\
## 1. Mean squared error

$$L = \\frac{1}{NK} \\sum_{n,k} (\\hat y_{nk} - y_{nk})^2, \\qquad
\\frac{\\partial L}{\\partial \\hat y} = \\frac{2(\\hat y - y)}{NK}.$$

The mean runs over all $N \\cdot K$ entries (`y_pred.size`); `y` may also be 1-D, shape `(N,)`.
""", '''\
def mean_squared_error(y_true, y_pred):
    """Mean squared error over all entries; y_true and y_pred of the same shape (N, K) or (N,). Returns a float."""
    ### BEGIN SOLUTION
    diff = np.asarray(y_pred) - np.asarray(y_true)
    return float(np.mean(diff * diff))
    ### END SOLUTION


def mean_squared_error_grad(y_true, y_pred):
    """Gradient of the mean squared error with respect to y_pred; same shape as y_pred."""
    ### BEGIN SOLUTION
    y_true, y_pred = np.asarray(y_true), np.asarray(y_pred)
    return 2.0 * (y_pred - y_true) / y_pred.size
    ### END SOLUTION
''', [("test_mse", "mean_squared_error"), ("test_mse_grad", "mean_squared_error_grad")]),
        ("""\
## 2. Binary cross-entropy

For labels $y \\in \\{0, 1\\}$ and predicted probabilities $p$ of class 1:

$$L = -\\frac{1}{N}\\sum_n \\big[y_n \\log p_n + (1 - y_n)\\log(1 - p_n)\\big], \\qquad
\\frac{\\partial L}{\\partial p} = \\frac{1}{N}\\,\\frac{p - y}{p(1 - p)}.$$

A prediction of exactly 0 or 1 makes a logarithm infinite and $0 \\cdot \\log 0$ gives NaN. Clip the
probabilities to $[\\varepsilon, 1 - \\varepsilon]$ first, with $\\varepsilon$ = `np.finfo(float).eps`
(machine epsilon). With several output columns, the mean runs over all entries (`p.size`).
""", '''\
def binary_crossentropy(y_true, y_pred):
    """Binary cross-entropy from probabilities; y_true, y_pred of shape (N, 1) (or (N, K)). Returns a float."""
    ### BEGIN SOLUTION
    eps = np.finfo(float).eps
    p = np.clip(y_pred, eps, 1.0 - eps)
    return float(-np.mean(y_true * np.log(p) + (1.0 - y_true) * np.log(1.0 - p)))
    ### END SOLUTION


def binary_crossentropy_grad(y_true, y_pred):
    """Gradient of the binary cross-entropy with respect to the probabilities y_pred; same shape."""
    ### BEGIN SOLUTION
    eps = np.finfo(float).eps
    p = np.clip(y_pred, eps, 1.0 - eps)
    return (p - y_true) / (p * (1.0 - p)) / p.size
    ### END SOLUTION
''', [("test_bce", "binary_crossentropy"), ("test_bce_grad", "binary_crossentropy_grad")]),
        ("""\
## 3. Categorical cross-entropy

For one-hot targets $y$ (shape `(N, K)`) and probabilities $p$ (rows of a softmax):

$$L = -\\frac{1}{N}\\sum_n \\sum_k y_{nk}\\log p_{nk}, \\qquad \\frac{\\partial L}{\\partial p} = -\\frac{y}{N p}.$$

The targets may also be **integer labels** of shape `(N,)`: then $L = -\\frac1N\\sum_n \\log p_{n, y_n}$.
Turn them into one-hot rows first (`np.eye(K)[labels]`). The mean is over the $N$ examples, not over
all $N \\cdot K$ entries. Clip $p$ below at machine epsilon as before.
""", '''\
def to_one_hot(y_true, n_classes):
    """Integer labels (N,) become one-hot rows (N, K); one-hot rows pass through."""
    y_true = np.asarray(y_true)
    if y_true.ndim == 1:
        return np.eye(n_classes)[y_true.astype(int)]
    return y_true


def categorical_crossentropy(y_true, y_pred):
    """Categorical cross-entropy from probabilities y_pred (N, K); y_true one-hot (N, K) or labels (N,)."""
    ### BEGIN SOLUTION
    y = to_one_hot(y_true, y_pred.shape[1])
    p = np.clip(y_pred, np.finfo(float).eps, 1.0)
    return float(-np.sum(y * np.log(p)) / len(p))
    ### END SOLUTION


def categorical_crossentropy_grad(y_true, y_pred):
    """Gradient of the categorical cross-entropy with respect to the probabilities; shape (N, K)."""
    ### BEGIN SOLUTION
    y = to_one_hot(y_true, y_pred.shape[1])
    p = np.clip(y_pred, np.finfo(float).eps, 1.0)
    return -y / p / len(p)
    ### END SOLUTION
''', [("test_cce", "categorical_crossentropy"), ("test_cce_grad", "categorical_crossentropy_grad")]),
        ("""\
## 4. Cross-entropy from logits

Networks usually compute the loss directly from the logits $z$ (the scores before softmax): it is more
accurate and much simpler to differentiate. With $m_n = \\max_k z_{nk}$,

$$-\\log \\mathrm{softmax}(z_n)_k = \\underbrace{m_n + \\log\\sum_j e^{z_{nj} - m_n}}_{\\text{log-sum-exp}} - z_{nk},
\\qquad \\frac{\\partial L}{\\partial z} = \\frac{\\mathrm{softmax}(z) - y}{N}.$$

Labels may again be one-hot or integers. For the gradient you may use `gdkit.activations.softmax`.
""", '''\
from gdkit.activations import softmax


def categorical_crossentropy_from_logits(y_true, logits):
    """Mean categorical cross-entropy of softmax(logits), logits (N, K), computed stably; returns a float."""
    ### BEGIN SOLUTION
    y = to_one_hot(y_true, logits.shape[1])
    m = np.max(logits, axis=1, keepdims=True)
    log_sum_exp = m + np.log(np.sum(np.exp(logits - m), axis=1, keepdims=True))
    return float(np.sum(y * (log_sum_exp - logits)) / len(logits))
    ### END SOLUTION


def categorical_crossentropy_from_logits_grad(y_true, logits):
    """Gradient of the cross-entropy from logits with respect to the logits; shape (N, K)."""
    ### BEGIN SOLUTION
    y = to_one_hot(y_true, logits.shape[1])
    return (softmax(logits) - y) / len(logits)
    ### END SOLUTION
''', [("test_cce_from_logits", "categorical_crossentropy_from_logits"),
      ("test_cce_from_logits_grad", "categorical_crossentropy_from_logits_grad")]),
    ],
)

# =====================================================================================================================
ASSIGNMENTS["03_backprop"] = dict(
    title="Assignment 3: backpropagation and gradient checking",
    intro="""\
This assignment accompanies the chapter **Backpropagation**. You will write the backward pass of a dense
layer and of softmax, chain them through a whole network, and check gradients numerically.

Shapes are batch first: `X` (N, D), `W` (D, M), `b` (M,), `Z = X @ W + b` (N, M). The gradient of the loss
with respect to an array always has the shape of that array; gradients are named `dX`, `dW`, `db`, `dZ`.
""",
    imports=IMPORTS,
    steps=[
        ("""\
## 1. Backward through a dense layer

From $Z = XW + b$ and the upstream gradient $dZ = \\partial L / \\partial Z$:

$$dX = dZ\\,W^\\top, \\qquad dW = X^\\top dZ, \\qquad db = \\textstyle\\sum_n dZ_{n,:}.$$

The sums over the batch in $dW$ and $db$ appear because every example used the same weights; the $1/N$ of
the loss is already inside $dZ$. `cache` is the pair `(X, W)` from the forward pass. When `need_dX` is
False (the first layer never needs its input gradient), return `None` for `dX`.
""", '''\
def dense_backward(dZ, cache, need_dX=True):
    """Backward pass of a dense layer.

    Parameters
    ----------
    dZ : ndarray, shape (N, M)
    cache : tuple (X, W), X of shape (N, D), W of shape (D, M)
    need_dX : bool

    Returns
    -------
    dX : ndarray, shape (N, D), or None when need_dX is False
    dW : ndarray, shape (D, M)
    db : ndarray, shape (M,)
    """
    ### BEGIN SOLUTION
    X, W = cache
    dW = X.T @ dZ
    db = dZ.sum(axis=0)
    dX = dZ @ W.T if need_dX else None
    return dX, dW, db
    ### END SOLUTION
''', [("test_dense_backward", "dense_backward")]),
        ("""\
## 2. Backward through softmax

Softmax is not element-wise: each output depends on every score of its row. Its Jacobian per row is
$J = \\mathrm{diag}(a) - a a^\\top$, so with $a = \\mathrm{softmax}(z)$ and the upstream gradient $dA$:

$$dZ = a \\odot \\big(dA - (dA \\cdot a)\\big) \\quad \\text{(row by row, without ever forming } J\\text{)}.$$
""", '''\
def softmax_backward(dA, A):
    """Backward pass through softmax along the last axis; dA and A (the softmax output) of shape (N, K)."""
    ### BEGIN SOLUTION
    return A * (dA - np.sum(dA * A, axis=-1, keepdims=True))
    ### END SOLUTION
''', [("test_softmax_backward", "softmax_backward")]),
        ("""\
## 3. Backpropagation through a network

`caches` comes from `gdkit.nn.mlp_forward(X, params, activation_names)`: one `(dense_cache,
activation_cache)` pair per layer. Going from the last layer to the first, alternate

$$dZ_l = dA_l \\odot f_l'(Z_l), \\qquad dA_{l-1} = dZ_l W_l^\\top,$$

collecting $dW_l = A_{l-1}^\\top dZ_l$ and $db_l = \\sum_n dZ_l$. Here you may use gdkit's pieces:
`gdkit.nn.activation_backward(dA, activation_cache)` returns $dZ$ (softmax included) and
`gdkit.nn.dense_backward(dZ, dense_cache)` returns `(dX, dW, db)`. Return the `(dW, db)` pairs **in the
order of the layers** (first layer first).
""", '''\
from gdkit import nn


def mlp_backward(dA, caches):
    """Backpropagation through the network of gdkit.nn.mlp_forward.

    Parameters
    ----------
    dA : ndarray, shape (N, M_L)
        Gradient of the loss with respect to the network's output.
    caches : list of (dense_cache, activation_cache), one per layer

    Returns
    -------
    list of (dW, db) pairs, first layer first
    """
    ### BEGIN SOLUTION
    grads = []
    for dense_cache, activation_cache in reversed(caches):
        dZ = nn.activation_backward(dA, activation_cache)
        dA, dW, db = nn.dense_backward(dZ, dense_cache)
        grads.append((dW, db))
    return grads[::-1]
    ### END SOLUTION
''', [("test_mlp_backward", "mlp_backward")]),
        ("""\
## 4. Numerical gradients

The centred difference

$$\\frac{\\partial f}{\\partial x_i} \\approx \\frac{f(x + h e_i) - f(x - h e_i)}{2h}$$

has an error of order $h^2$ (the one-sided $(f(x + h e_i) - f(x))/h$ only of order $h$). Perturb `x` **in
place**, one entry at a time (`np.ndindex(x.shape)` visits every index of an array of any shape), and
restore each entry before moving on: the caller's `x` must be unchanged afterwards.
""", '''\
def numerical_gradient(f, x, h=1e-6):
    """Gradient of a scalar function f at x by centred differences.

    Parameters
    ----------
    f : callable, f(x) -> float
    x : ndarray of floats, any shape (perturbed in place and restored)
    h : float

    Returns
    -------
    ndarray, same shape as x
    """
    ### BEGIN SOLUTION
    grad = np.zeros_like(x)
    for index in np.ndindex(x.shape):
        old = x[index]
        x[index] = old + h
        f_plus = f(x)
        x[index] = old - h
        f_minus = f(x)
        x[index] = old
        grad[index] = (f_plus - f_minus) / (2.0 * h)
    return grad
    ### END SOLUTION
''', [("test_numerical_gradient", "numerical_gradient")]),
        ("""\
## 5. Relative error

To compare an analytic gradient $a$ with a numerical one $b$, use a relative error of the whole arrays:

$$\\frac{\\lVert a - b\\rVert_2}{\\max(\\lVert a\\rVert_2 + \\lVert b\\rVert_2,\\ \\text{floor})}.$$

Correct float64 gradients give about $10^{-9}$ or less; a bug gives $10^{-2}$ or more. The floor keeps two
all-zero gradients from dividing 0 by 0.
""", '''\
def relative_error(a, b, floor=1e-12):
    """Relative error of two arrays of the same shape, as a float."""
    ### BEGIN SOLUTION
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    return float(np.linalg.norm(a - b) / max(np.linalg.norm(a) + np.linalg.norm(b), floor))
    ### END SOLUTION
''', [("test_relative_error", "relative_error")]),
    ],
)

# =====================================================================================================================
ASSIGNMENTS["04_gradient_descent"] = dict(
    title="Assignment 4: gradient descent",
    intro="""\
This assignment accompanies the chapter **Gradient descent**. You will write one gradient-descent step the
way gdkit's optimizers do (in place), run it on a test function, and write one epoch of mini-batch training.
""",
    imports=IMPORTS + "from gdkit import optimizers\n",
    steps=[
        ("""\
## 1. One step, in place

$$\\theta \\leftarrow \\theta - \\eta\\, \\nabla L(\\theta).$$

gdkit's update rules change the parameter array **in place** (`param -= ...`): the network keeps using the
same array object. Writing `param = param - ...` only rebinds a local name and the caller's array never
changes. The rule receives a `state` (`gdkit.optimizers.SGDState`, with a `scratch` work array you may ignore)
and returns it. Momentum comes in the next assignment: here `momentum` is always 0.
""", '''\
def sgd_update(param, grad, state, *, learning_rate, momentum=0.0, nesterov=False, weight_decay=0.0):
    """One plain gradient-descent step, in place on param.

    Parameters
    ----------
    param : ndarray, any shape (updated in place)
    grad : ndarray, same shape as param
    state : gdkit.optimizers.SGDState
    learning_rate : float

    Returns
    -------
    state : the same SGDState
    """
    ### BEGIN SOLUTION
    param -= learning_rate * grad
    return state
    ### END SOLUTION
''', [("test_sgd_update", "sgd_update")]),
        ("""\
## 2. A descent path

Run gradient descent for `steps` steps from `x0` on a test function from `gdkit.landscapes` (it has a method
`function.grad(x)` returning the gradient at a point `x` of shape `(d,)`), and return the whole path: an array
of shape `(steps + 1, d)` whose row 0 is `x0` and row `k` the point after `k` steps. Do not modify `x0`.
Careful: appending the same array object at every step gives a path whose rows are all the final point.
(gdkit's own version is `gdkit.landscapes.descend`; it gets no credit here.)
""", '''\
def gradient_descent(function, x0, learning_rate, steps):
    """Plain gradient descent on a test function.

    Parameters
    ----------
    function : a gdkit.landscapes test function (with .grad(x))
    x0 : ndarray, shape (d,)
    learning_rate : float
    steps : int >= 0

    Returns
    -------
    path : ndarray, shape (steps + 1, d)
    """
    ### BEGIN SOLUTION
    x = np.array(x0, dtype=float)
    path = [x.copy()]
    for _ in range(steps):
        x = x - learning_rate * function.grad(x)
        path.append(x)
    return np.array(path)
    ### END SOLUTION
''', [("test_gradient_descent", "gradient_descent")]),
        ("""\
## 3. One epoch of mini-batch gradient descent

A linear model $\\hat y = XW + b$ trained with the mean squared error. Go through the examples **in the
given order** (the caller shuffles), in batches of `batch_size` (the last batch holds what remains and may be
smaller). For each batch:

1. compute $Z = X_b W + b$ and record the batch loss $\\mathrm{MSE}(y_b, Z)$ **before** the step;
2. compute $dZ = 2(Z - y_b)/(\\text{size of } Z)$, $dW = X_b^\\top dZ$, $db = \\sum_n dZ$;
3. update `W` and `b` **in place**.

Return the batch losses as an array. You may use gdkit's building blocks (`gdkit.nn.dense_forward`,
`gdkit.nn.dense_backward`, `gdkit.losses.mean_squared_error` and its gradient).
""", '''\
def minibatch_epoch(X, y, W, b, learning_rate, batch_size):
    """One epoch of mini-batch gradient descent on a linear model with MSE, updating W and b in place.

    Parameters
    ----------
    X : ndarray, shape (N, D)
    y : ndarray, shape (N, M)
    W : ndarray, shape (D, M)
    b : ndarray, shape (M,)
    learning_rate : float
    batch_size : int

    Returns
    -------
    ndarray, shape (number of batches,): each batch's loss before its step
    """
    ### BEGIN SOLUTION
    batch_losses = []
    for start in range(0, len(X), batch_size):
        Xb, yb = X[start:start + batch_size], y[start:start + batch_size]
        Z = Xb @ W + b
        batch_losses.append(np.mean((Z - yb) ** 2))
        dZ = 2.0 * (Z - yb) / Z.size
        W -= learning_rate * (Xb.T @ dZ)
        b -= learning_rate * dZ.sum(axis=0)
    return np.array(batch_losses)
    ### END SOLUTION
''', [("test_minibatch_epoch", "minibatch_epoch")]),
    ],
)

# =====================================================================================================================
ASSIGNMENTS["05_momentum"] = dict(
    title="Assignment 5: momentum and adaptive methods",
    intro="""\
This assignment accompanies the chapter **Momentum and adaptive methods**. You will write the update rules of
gdkit's optimizers: momentum, Nesterov momentum, Adagrad, RMSprop and Adam. Each is a function
`<name>_update(param, grad, state, *, hyperparameters)` that changes `param` and the arrays of `state` (a
`NamedTuple` from `gdkit.optimizers`) **in place**, and returns the state. The equations follow PyTorch.
Every state also has a `scratch` array you may use as work space or ignore.
""",
    imports=IMPORTS + "from gdkit import optimizers\n",
    steps=[
        ("""\
## 1. Momentum and Nesterov momentum

With momentum $\\mu$, the state's `momentum_buffer` $b$ (zero before the first step) accumulates gradients:

$$b \\leftarrow \\mu b + g, \\qquad \\theta \\leftarrow \\theta - \\eta\\, b.$$

This is PyTorch's form: the learning rate stays outside the buffer (Sutskever et al. write
$v \\leftarrow \\mu v + \\eta g$, which differs when $\\eta$ changes). **Nesterov** momentum looks ahead
along the updated buffer: $\\theta \\leftarrow \\theta - \\eta\\,(g + \\mu b)$, with $b$ already updated.
Update `state.momentum_buffer` in place (`b *= momentum; b += grad`); `weight_decay` is always 0 here.
""", '''\
def sgd_update(param, grad, state, *, learning_rate, momentum=0.0, nesterov=False, weight_decay=0.0):
    """One SGD step with optional (Nesterov) momentum, in place on param and state.momentum_buffer.

    Parameters
    ----------
    param : ndarray, any shape
    grad : ndarray, same shape
    state : gdkit.optimizers.SGDState (momentum_buffer, scratch)
    learning_rate, momentum : float
    nesterov : bool

    Returns
    -------
    state : the same SGDState
    """
    ### BEGIN SOLUTION
    if momentum:
        buffer = state.momentum_buffer
        buffer *= momentum
        buffer += grad
        direction = grad + momentum * buffer if nesterov else buffer
    else:
        direction = grad
    param -= learning_rate * direction
    return state
    ### END SOLUTION
''', [("test_momentum", "sgd_update"), ("test_nesterov", "sgd_update")]),
        ("""\
## 2. Adagrad

Each coordinate's step is divided by the root of its summed squared gradients:

$$G \\leftarrow G + g^2, \\qquad \\theta \\leftarrow \\theta - \\eta\\,\\frac{g}{\\sqrt{G} + \\epsilon}.$$

Note $\\epsilon$ is added **outside** the square root (PyTorch's choice; some texts put it inside). The state
is `gdkit.optimizers.AdagradState(sum_of_squares, scratch)`.
""", '''\
def adagrad_update(param, grad, state, *, learning_rate, epsilon=1e-10):
    """One Adagrad step, in place on param and state.sum_of_squares; returns the state."""
    ### BEGIN SOLUTION
    G = state.sum_of_squares
    G += grad * grad
    param -= learning_rate * grad / (np.sqrt(G) + epsilon)
    return state
    ### END SOLUTION
''', [("test_adagrad", "adagrad_update")]),
        ("""\
## 3. RMSprop

Adagrad's sum grows forever; RMSprop keeps a decaying average instead:

$$v \\leftarrow \\rho v + (1 - \\rho)\\, g^2, \\qquad \\theta \\leftarrow \\theta - \\eta\\,\\frac{g}{\\sqrt{v} + \\epsilon}.$$

The state is `gdkit.optimizers.RMSpropState(square_avg, grad_avg, momentum_buffer, scratch)`; only
`square_avg` is used here (the other two are `None`).
""", '''\
def rmsprop_update(param, grad, state, *, learning_rate, rho=0.99, epsilon=1e-8):
    """One RMSprop step, in place on param and state.square_avg; returns the state."""
    ### BEGIN SOLUTION
    v = state.square_avg
    v *= rho
    v += (1.0 - rho) * grad * grad
    param -= learning_rate * grad / (np.sqrt(v) + epsilon)
    return state
    ### END SOLUTION
''', [("test_rmsprop", "rmsprop_update")]),
        ("""\
## 4. Adam

Momentum on the gradient and a running mean of its square, both started at 0 and therefore biased towards 0
in the first steps; dividing by $1 - \\beta^t$ removes that bias. For step $t = 1, 2, \\dots$:

$$m \\leftarrow \\beta_1 m + (1 - \\beta_1) g, \\qquad v \\leftarrow \\beta_2 v + (1 - \\beta_2) g^2,$$
$$\\hat m = \\frac{m}{1 - \\beta_1^t}, \\qquad \\hat v = \\frac{v}{1 - \\beta_2^t}, \\qquad
\\theta \\leftarrow \\theta - \\eta\\, \\frac{\\hat m}{\\sqrt{\\hat v} + \\epsilon}.$$

Keep the raw averages $m$, $v$ in the state (`gdkit.optimizers.AdamState(m, v, v_max, scratch)`, `v_max` is
`None`), not the corrected ones.
""", '''\
def adam_update(param, grad, state, *, learning_rate, t, beta_1=0.9, beta_2=0.999, epsilon=1e-8):
    """One Adam step number t (1 for the first), in place on param, state.m and state.v; returns the state."""
    ### BEGIN SOLUTION
    m, v = state.m, state.v
    m *= beta_1
    m += (1.0 - beta_1) * grad
    v *= beta_2
    v += (1.0 - beta_2) * grad * grad
    m_hat = m / (1.0 - beta_1 ** t)
    v_hat = v / (1.0 - beta_2 ** t)
    param -= learning_rate * m_hat / (np.sqrt(v_hat) + epsilon)
    return state
    ### END SOLUTION
''', [("test_adam", "adam_update")]),
    ],
)

# =====================================================================================================================
ASSIGNMENTS["06_pathologies"] = dict(
    title="Assignment 6: gradient pathologies",
    intro="""\
This assignment accompanies the chapter **Gradient pathologies**: exploding gradients and clipping,
initialisation that keeps signals alive, and diagnosing a network that does not learn from its statistics.
""",
    imports=IMPORTS,
    steps=[
        ("""\
## 1. The global norm of the gradients, and clipping by it

The global norm of a list of gradient arrays treats them as one long vector:
$n = \\sqrt{\\sum_i \\lVert g_i\\rVert^2}$. Clipping by global norm rescales **all** arrays by one common
factor when $n$ is too large, so the direction of the step is kept:

$$c = \\frac{\\text{max\\_norm}}{n + 10^{-6}}, \\qquad g_i \\leftarrow c\\, g_i \\ \\text{ for every } i,
\\text{ only when } c < 1.$$

Scale the arrays **in place** and return the norm *before* clipping (worth logging: a growing norm is the
sign of exploding gradients). You may use your `global_norm` in `clip_by_global_norm`.
""", '''\
def global_norm(grads):
    """Euclidean norm of all arrays of the list grads taken together, as a float."""
    ### BEGIN SOLUTION
    return float(np.sqrt(sum(np.sum(g * g) for g in grads)))
    ### END SOLUTION


def clip_by_global_norm(grads, max_norm):
    """Rescale the arrays of grads in place so that their global norm is at most max_norm.

    Returns
    -------
    float : the global norm before clipping
    """
    ### BEGIN SOLUTION
    total = global_norm(grads)
    factor = max_norm / (total + 1e-6)
    if factor < 1.0:
        for g in grads:
            g *= factor
    return total
    ### END SOLUTION
''', [("test_global_norm", "global_norm"), ("test_clip_by_global_norm", "clip_by_global_norm")]),
        ("""\
## 2. Initialisation

Weights of shape `(fan_in, fan_out)` must be random (zeros make every unit of a layer identical) and of the
right scale, so that activations and gradients neither vanish nor explode from layer to layer.

* **Glorot (Xavier) uniform**, for tanh or sigmoid layers: $U(-r, r)$ with
  $r = \\sqrt{6 / (\\text{fan\\_in} + \\text{fan\\_out})}$ (variance $r^2/3 = 2/(\\text{fan\\_in} + \\text{fan\\_out})$).
* **He normal**, for ReLU layers: $\\mathcal N(0, \\sigma^2)$ with $\\sigma^2 = 2 / \\text{fan\\_in}$.

Draw from `np.random.default_rng(rng)` (never the global `np.random`) and return an array of the given
`dtype`. The test compares the distribution of your weights (shape, dtype, mean, spread, quantiles) on
large matrices, so any correct way of sampling passes.
""", '''\
def glorot_uniform(shape, rng=None, dtype=np.float64):
    """Glorot/Xavier uniform weights of shape (fan_in, fan_out)."""
    ### BEGIN SOLUTION
    fan_in, fan_out = shape
    limit = np.sqrt(6.0 / (fan_in + fan_out))
    return np.random.default_rng(rng).uniform(-limit, limit, size=shape).astype(dtype)
    ### END SOLUTION


def he_normal(shape, rng=None, dtype=np.float64):
    """He normal weights of shape (fan_in, fan_out)."""
    ### BEGIN SOLUTION
    fan_in, _ = shape
    return np.random.default_rng(rng).normal(0.0, np.sqrt(2.0 / fan_in), size=shape).astype(dtype)
    ### END SOLUTION
''', [("test_glorot_uniform", "glorot_uniform"), ("test_he_normal", "he_normal")]),
        ("""\
## 3. Dead ReLU units

A ReLU unit is **dead** on a batch when its pre-activation is $\\le 0$ for *every* example: it outputs 0
and its gradient is 0, so it never recovers. Given the pre-activations `Z` of shape `(N, M)` (examples in
rows, units in columns), return the fraction of the $M$ units that are dead. This is the statistic
`fit(..., diagnostics=True)` records as `dead_fraction`.
""", '''\
def dead_fraction(Z):
    """Fraction of units (columns of Z, shape (N, M)) whose pre-activation is <= 0 for every example."""
    ### BEGIN SOLUTION
    return float(np.mean(np.all(Z <= 0, axis=0)))
    ### END SOLUTION
''', [("test_dead_fraction", "dead_fraction")]),
        ("""\
## 4. A diagnosis

Given per-layer statistics of a network (first layer first), return one label, checking in this order:

1. `"dead_relu"` if some layer has at least half of its units dead (`dead_fractions` holds NaN for layers
   without ReLU: ignore those);
2. `"exploding"` if some gradient norm is not finite;
3. `"vanishing"` if the first layer's gradient norm is below $10^{-3}$ times the last layer's;
4. `"exploding"` if it is above $10^{3}$ times the last layer's;
5. `"healthy"` otherwise.

Dead units come first: a network with dead units also has small gradients, but the cure differs
(a smaller learning rate, He initialisation, leaky ReLU rather than a different activation).
""", '''\
def diagnose(grad_norms, dead_fractions):
    """One-word diagnosis from per-layer gradient norms (L,) and dead-unit fractions (L,); returns a str."""
    ### BEGIN SOLUTION
    dead = np.nan_to_num(np.asarray(dead_fractions, dtype=float), nan=0.0)
    if dead.size and dead.max() >= 0.5:
        return "dead_relu"
    if not np.all(np.isfinite(grad_norms)):
        return "exploding"
    ratio = grad_norms[0] / grad_norms[-1]
    if ratio < 1e-3:
        return "vanishing"
    if ratio > 1e3:
        return "exploding"
    return "healthy"
    ### END SOLUTION
''', [("test_diagnose", "diagnose")]),
    ],
)

# =====================================================================================================================
ASSIGNMENTS["07_practice"] = dict(
    title="Assignment 7: training in practice",
    intro="""\
This assignment accompanies the chapter **Training in practice**: L2 regularisation, and a complete training
run on real data.
""",
    imports=IMPORTS,
    steps=[
        ("""\
## 1. L2 regularisation

Adding a penalty on large weights to the loss, $L' = L + \\lambda \\sum_{ij} W_{ij}^2$ (Keras's convention,
`regularizers.l2(lam)`), adds $2\\lambda W$ to the weight gradient. Many texts write
$\\frac{\\lambda}{2}\\lVert W\\rVert^2$ so that the gradient is $\\lambda W$; here, as in gdkit and Keras,
there is no $1/2$.
""", '''\
def l2_penalty(W, lam):
    """L2 penalty lam * sum(W**2) as a float; W of any shape."""
    ### BEGIN SOLUTION
    return float(lam * np.sum(W * W))
    ### END SOLUTION


def l2_penalty_grad(W, lam):
    """Gradient of the L2 penalty with respect to W; same shape as W."""
    ### BEGIN SOLUTION
    return 2.0 * lam * W
    ### END SOLUTION
''', [("test_l2_penalty", "l2_penalty"), ("test_l2_penalty_grad", "l2_penalty_grad")]),
        ("""\
## 2. Train a classifier

Write `train_and_predict(X_train, y_train, X_test)`: train a network on the training data (integer class
labels `0 .. K-1`) and return the predicted class of every test example, an integer array of shape
`(len(X_test),)`. The test cell calls it on a split of the Iris data; the hidden tests use other splits and
another data set with 30 features and very different scales. At least 85% of the hidden test predictions must
be right.

Use what the course taught: standardise the inputs with statistics of the **training** data only
(`gdkit.datasets.Standardizer`), a small network (`gdkit.Sequential` and `gdkit.layers.Dense`, or your own
loop), a softmax output with categorical cross-entropy, Adam, and enough epochs. Seed the randomness
(`Sequential(..., rng=0)`) so that your result is reproducible.
""", '''\
from gdkit import Sequential
from gdkit.datasets import Standardizer
from gdkit.layers import Dense


def train_and_predict(X_train, y_train, X_test):
    """Train a classifier on (X_train (N, D), y_train (N,) integer labels); return labels for X_test, shape (M,)."""
    ### BEGIN SOLUTION
    scaler = Standardizer().fit(X_train)
    n_classes = int(np.max(y_train)) + 1
    model = Sequential([Dense(16, activation="relu"), Dense(n_classes, activation="softmax")], rng=0)
    model.compile(optimizer="adam", loss="categorical_crossentropy")
    model.fit(scaler.transform(X_train), y_train, epochs=100, batch_size=16, verbose=0)
    return np.argmax(model.predict(scaler.transform(X_test)), axis=1)
    ### END SOLUTION
''', [("test_train_and_predict", "train_and_predict")]),
    ],
)

# One line per part: what its test cell checks (the first line of the cell).
DESCRIPTIONS = {
    "test_sigmoid": "Checks sigmoid against gdkit's reference on random inputs",
    "test_sigmoid_grad": "Checks sigmoid_grad (the derivative at the pre-activation) on random inputs",
    "test_relu": "Checks relu on random inputs",
    "test_relu_grad": "Checks relu_grad on random inputs, including exact zeros in the hidden tests",
    "test_tanh_grad": "Checks tanh_grad (the derivative at the pre-activation) on random inputs",
    "test_softmax": "Checks softmax: rows of probabilities, stable for large logits",
    "test_dense_forward": "Checks dense_forward: Z and the cache (X, W)",
    "test_mlp_forward": "Checks the output of mlp_forward on small networks",
    "test_mse": "Checks mean_squared_error, a mean over all entries",
    "test_mse_grad": "Checks mean_squared_error_grad against the reference gradient",
    "test_bce": "Checks binary_crossentropy, including predictions of exactly 0 and 1",
    "test_bce_grad": "Checks binary_crossentropy_grad with respect to the probabilities",
    "test_cce": "Checks categorical_crossentropy with one-hot and integer labels",
    "test_cce_grad": "Checks categorical_crossentropy_grad with respect to the probabilities",
    "test_cce_from_logits": "Checks categorical_crossentropy_from_logits, stable for large logits",
    "test_cce_from_logits_grad": "Checks the gradient of the cross-entropy with respect to the logits",
    "test_dense_backward": "Checks dense_backward: dX, dW and db, their shapes and values",
    "test_softmax_backward": "Checks softmax_backward against the Jacobian-vector product",
    "test_mlp_backward": "Checks mlp_backward: the (dW, db) pair of every layer",
    "test_numerical_gradient": "Checks numerical_gradient, and that x is restored afterwards",
    "test_relative_error": "Checks relative_error, including two zero gradients",
    "test_sgd_update": "Checks one in-place gradient-descent step",
    "test_gradient_descent": "Checks the descent path on test functions",
    "test_minibatch_epoch": "Checks the batch losses and the updated W and b of one epoch",
    "test_momentum": "Checks sgd_update with momentum: the parameter and the buffer, in place",
    "test_nesterov": "Checks sgd_update with Nesterov momentum",
    "test_adagrad": "Checks adagrad_update: the parameter and the sum of squares, in place",
    "test_rmsprop": "Checks rmsprop_update: the parameter and the running average, in place",
    "test_adam": "Checks adam_update: the parameter, m and v, in place, with bias correction",
    "test_global_norm": "Checks global_norm on lists of gradient arrays",
    "test_clip_by_global_norm": "Checks clip_by_global_norm: the returned norm and the clipped arrays",
    "test_glorot_uniform": "Checks the distribution of glorot_uniform weights on large matrices",
    "test_he_normal": "Checks the distribution of he_normal weights on large matrices",
    "test_dead_fraction": "Checks dead_fraction on batches of pre-activations",
    "test_diagnose": "Checks diagnose on statistics of healthy and sick networks",
    "test_l2_penalty": "Checks l2_penalty",
    "test_l2_penalty_grad": "Checks l2_penalty_grad",
    "test_train_and_predict": "Trains your classifier and checks its accuracy on test data",
}
