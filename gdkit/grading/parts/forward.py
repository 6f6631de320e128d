"""Parts of assignment 01_forward (chapter: forward propagation): activations, softmax, a dense layer, a network."""
import numpy as np

from ... import activations, nn
from ..core import Mistake, Part, _generic_diagnosis, _same
from ..hooks import dense_collect, mlp_collect
from ._common import Case, cases_from, element_wise_cases, normal

A = "01_forward"


def _logit_cases(rng, hidden):
    visible = [Case((normal(rng, 3, 4),), label="a 3x4 batch of logits"),
               Case((np.array([[1000.0, 999.0, -1000.0]]),), label="large logits")]
    extra = [
        Case((normal(rng, 10, 6, scale=4.0),), label="a 10x6 batch"),
        Case((normal(rng, 1, 3),), label="a batch of one"),
        Case((np.array([[1000.0, 999.0, -1000.0], [-800.0, -801.0, -799.0]]),), label="large logits"),
        Case((normal(rng, 4, 5, dtype=np.float32),), label="float32 logits"),
    ]
    return cases_from(visible, extra, hidden)


def _sigmoid_grad_at_activation(z):
    s = activations.sigmoid(activations.sigmoid(z))
    return s * (1.0 - s)


def _naive_sigmoid_plus(z):
    return 1.0 / (1.0 + np.exp(z))


def _naive_softmax(z):
    e = np.exp(z)
    return e / e.sum(axis=-1, keepdims=True)


def _softmax_axis0(z):
    e = np.exp(z - z.max(axis=0, keepdims=True))
    return e / e.sum(axis=0, keepdims=True)


def _softmax_whole(z):
    e = np.exp(z - z.max())
    return e / e.sum()


def _dense_cases(rng, hidden):
    def case(n, d, m, label, dtype=np.float64):
        return Case((normal(rng, n, d, dtype=dtype), normal(rng, d, m, dtype=dtype), normal(rng, m, dtype=dtype)),
                    label=label)
    visible = [case(4, 3, 2, "X 4x3, W 3x2")]
    extra = [case(7, 5, 3, "X 7x5, W 5x3"), case(1, 4, 6, "a batch of one"), case(6, 4, 4, "square W"),
             case(3, 2, 5, "float32 inputs", np.float32)]
    return cases_from(visible, extra, hidden)


_RTOL, _ATOL = 1e-6, 1e-9  # the tolerances of the dense_forward part
def _dense_explain(expected, actual):
    """Which of Z, the cache's X and the cache's W is wrong, and how (for answers matching no mistake)."""
    for name, e, a in zip(("Z", "the X in your cache", "the W in your cache"), expected, actual):
        if not _same(e, a, _RTOL, _ATOL):
            return f"{name} is wrong: {_generic_diagnosis(e, a, _RTOL, _ATOL)}"
    return "the answer is wrong"


def _mlp_cases(rng, hidden):
    def case(sizes, names, n, label):
        params = [(normal(rng, d, m, scale=1 / np.sqrt(d)), normal(rng, m, scale=0.1))
                  for d, m in zip(sizes[:-1], sizes[1:])]
        return Case((normal(rng, n, sizes[0]), params, names), label=label)
    visible = [case([2, 3, 1], ["relu", "sigmoid"], 4, "a 2-3-1 network")]
    extra = [case([4, 5, 5, 3], ["tanh", "relu", "softmax"], 6, "a 4-5-5-3 network"),
             case([3, 2], ["linear"], 1, "one linear layer, a batch of one"),
             case([5, 8, 2], ["sigmoid", "tanh"], 9, "a 5-8-2 network")]
    return cases_from(visible, extra, hidden)


def _mlp_no_last_activation(X, params, names):
    A = X
    for index, ((W, b), name) in enumerate(zip(params, names)):
        Z = A @ W + b
        A = Z if index == len(params) - 1 else activations.get(name)(Z)
    return A, []


def _mlp_activation_first(X, params, names):
    A = X
    for (W, b), name in zip(params, names):
        A = activations.get(name)(A) @ W + b
    return A, []


PARTS = (
    Part(A, "test_sigmoid", "sigmoid", activations.sigmoid, element_wise_cases, points=1,
         forbidden=(activations.sigmoid,),
         mistakes=(
             Mistake("exp_plus", _naive_sigmoid_plus,
                     "your sigmoid uses exp(+z): it computes 1/(1 + e^z) = 1 - sigmoid(z); the exponent is -z"),
             Mistake("tanh", np.tanh, "you returned tanh(z); the sigmoid is 1/(1 + e^(-z)), with values in (0, 1)"),
         )),
    Part(A, "test_sigmoid_grad", "sigmoid_grad", activations.sigmoid_grad, element_wise_cases, points=1,
         forbidden=(activations.sigmoid_grad,),
         mistakes=(
             Mistake("at_activation", _sigmoid_grad_at_activation,
                     "you computed sigmoid'(sigmoid(z)): sigmoid' was evaluated at the activation a = sigmoid(z) "
                     "instead of the pre-activation z; apply sigmoid once, s = sigmoid(z), and return s(1 - s)"),
             Mistake("z_as_activation", lambda z: z * (1.0 - z),
                     "you computed z(1 - z): the formula a(1 - a) needs the activation a = sigmoid(z), not the "
                     "pre-activation z itself; compute s = sigmoid(z) first, then s(1 - s)"),
             Mistake("no_one_minus", lambda z: activations.sigmoid(z),
                     "you returned sigmoid(z) itself; its derivative is sigmoid(z)(1 - sigmoid(z))"),
             Mistake("squared", lambda z: activations.sigmoid(z) ** 2,
                     "you returned sigmoid(z)^2; the derivative is sigmoid(z)(1 - sigmoid(z))"),
         )),
    Part(A, "test_relu", "relu", activations.relu, element_wise_cases, points=1,
         forbidden=(activations.relu,),
         mistakes=(
             Mistake("abs", np.abs, "you returned |z|; ReLU maps negative inputs to 0, not to -z"),
             Mistake("mask", lambda z: (np.asarray(z) > 0).astype(float),
                     "you returned the derivative (1 where z > 0) instead of ReLU itself, max(0, z)"),
             Mistake("min", lambda z: np.minimum(z, 0.0), "you computed min(z, 0); ReLU is max(z, 0)"),
         )),
    Part(A, "test_relu_grad", "relu_grad", activations.relu_grad,
         lambda rng, hidden: element_wise_cases(rng, hidden, zeros=True), points=1,
         forbidden=(activations.relu_grad,),
         mistakes=(
             Mistake("at_zero", lambda z: (np.asarray(z) >= 0).astype(float),
                     "at exactly z = 0 your derivative is 1; by convention (as in PyTorch) it is 0: use z > 0"),
             Mistake("relu", lambda z: np.maximum(z, 0.0),
                     "you returned relu(z) instead of its derivative (1 where z > 0, else 0)"),
         )),
    Part(A, "test_tanh_grad", "tanh_grad", activations.tanh_grad, element_wise_cases, points=1,
         forbidden=(activations.tanh_grad,),
         mistakes=(
             Mistake("at_activation", lambda z: 1.0 - np.tanh(np.tanh(z)) ** 2,
                     "you computed tanh'(tanh(z)) = 1 - tanh(tanh(z))^2: tanh' was evaluated at the activation "
                     "a = tanh(z) instead of the pre-activation z; apply tanh once: 1 - tanh(z)^2"),
             Mistake("z_as_activation", lambda z: 1.0 - np.asarray(z) ** 2,
                     "you computed 1 - z^2: the formula 1 - a^2 needs the activation a = tanh(z), not the "
                     "pre-activation z itself; use 1 - tanh(z)^2"),
             Mistake("not_squared", lambda z: 1.0 - np.tanh(z),
                     "you computed 1 - tanh(z); the derivative is 1 - tanh(z)^2 (the square is missing)"),
         )),
    Part(A, "test_softmax", "softmax", activations.softmax, _logit_cases, points=2,
         forbidden=(activations.softmax,),
         mistakes=(
             Mistake("no_shift", _naive_softmax,
                     "softmax without subtracting the row maximum overflows for large logits (exp(1000) = inf, "
                     "inf/inf = NaN); subtract z.max(axis=-1, keepdims=True) first: the result is the same"),
             Mistake("axis0", _softmax_axis0,
                     "you normalised over the batch (axis 0) instead of over each row's classes (axis -1)"),
             Mistake("whole", _softmax_whole,
                     "you divided by the sum over the whole array; each row must sum to 1 (keepdims=True, "
                     "axis=-1)"),
         )),
    Part(A, "test_dense_forward", "dense_forward", nn.dense_forward, _dense_cases, points=2,
         forbidden=(nn.dense_forward,), collect=dense_collect, explain=_dense_explain, rtol=_RTOL, atol=_ATOL,
         mistakes=(
             Mistake("no_bias", lambda X, W, b: (X @ W, (X, W)), "your Z is missing the bias: Z = X @ W + b"),
             Mistake("cache_order", lambda X, W, b: (X @ W + b, (W, X)),
                     "your cache holds (W, X); store (X, W) in that order, as dense_backward unpacks it"),
             Mistake("cache_z", lambda X, W, b: (X @ W + b, (X @ W + b, W)),
                     "your cache holds Z instead of the input X; backward needs X (dW = X^T dZ)"),
         )),
    Part(A, "test_mlp_forward", "mlp_forward", nn.mlp_forward, _mlp_cases, points=2,
         forbidden=(nn.mlp_forward,), uses=(activations.get,), collect=mlp_collect,
         mistakes=(
             Mistake("no_last_activation", _mlp_no_last_activation,
                     "your last layer's activation is missing: every layer, the last included, applies its "
                     "activation"),
             Mistake("activation_first", _mlp_activation_first,
                     "you applied each activation before its dense layer; the order is A = f(A_prev @ W + b)"),
         )),
)
