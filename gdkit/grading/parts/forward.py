"""Parts of assignment 01_forward (chapter: forward propagation): activations, softmax, a dense layer, a network,
and two concept questions on the student's own network (its parameter count, a forward pass by hand).

Every kind of case the grader runs is also visible (public seed 0); the grader draws the same kinds from its
private seed. Contracts: arguments unchanged, float32 in -> float32 out, floats (not bools or ints) for the
derivatives, softmax's ``axis``.
"""
import numpy as np

from ... import activations, nn
from ...problems.forward import network_sizes, tiny_network
from ..core import ANSWER, Mistake, Part, _generic_diagnosis, _same
from ..hooks import dense_collect, mlp_collect
from ._common import Case, normal

A = "01_forward"
_CHAPTER = "the chapter's section \"Activation functions\""


# ---- cases: every kind visible -------------------------------------------------------------------------------------
def _element_wise_cases(rng, hidden):
    """A small batch, exact zeros, a larger batch, a batch of one, large |z|, float32 and a 3-D array."""
    z_zero = normal(rng, 5, 4)
    z_zero[::2, 1:3] = 0.0
    return [Case((normal(rng, 4, 3),), label="a 4x3 batch"),
            Case((z_zero,), label="exact zeros"),
            Case((normal(rng, 20, 7, scale=3.0),), label="a 20x7 batch"),
            Case((normal(rng, 1, 5),), label="a batch of one"),
            Case((np.array([[-1000.0, -50.0, -5.0, 0.0, 0.5, 5.0, 50.0, 1000.0]]),), label="large |z|"),
            Case((normal(rng, 6, 3, dtype=np.float32),), label="float32 input"),
            Case((normal(rng, 2, 3, 4),), label="a 3-D array")]


def _logit_cases(rng, hidden):
    far = np.array([[1000.0, 999.0, -1000.0], [-800.0, -801.0, -799.0]])
    return [Case((normal(rng, 3, 4),), label="a 3x4 batch of logits"),
            Case((normal(rng, 1, 3),), label="a batch of one"),
            Case((normal(rng, 10, 6, scale=4.0),), label="a 10x6 batch"),
            Case((np.array([[1000.0, 999.0, -1000.0]]),), label="large logits"),
            Case((far,), label="large logits, rows far apart (one row's maximum is far below the other's)"),
            Case((normal(rng, 4, 5, dtype=np.float32),), label="float32 logits"),
            Case((normal(rng, 4, 3),), {"axis": 0}, label="axis=0 (classes down each column)"),
            Case((normal(rng, 2, 3, 4),), {"axis": 1}, label="a 3-D array, axis=1")]


def _dense_cases(rng, hidden):
    def case(n, d, m, label, dtype=np.float64):
        return Case((normal(rng, n, d, dtype=dtype), normal(rng, d, m, dtype=dtype), normal(rng, m, dtype=dtype)),
                    label=label)
    return [case(6, 4, 4, "X 6x4, a square W 4x4"), case(4, 3, 2, "X 4x3, W 3x2"), case(7, 5, 3, "X 7x5, W 5x3"),
            case(1, 4, 6, "a batch of one"), case(5, 3, 1, "a layer of one unit"),
            case(3, 2, 5, "float32 inputs", np.float32)]


def _mlp_cases(rng, hidden):
    def case(sizes, names, n, label, dtype=np.float64):
        params = [(normal(rng, d, m, scale=1 / np.sqrt(d), dtype=dtype), normal(rng, m, scale=0.5, dtype=dtype))
                  for d, m in zip(sizes[:-1], sizes[1:])]
        return Case((normal(rng, n, sizes[0], dtype=dtype), params, names), label=label)
    return [case([2, 3, 1], ["relu", "sigmoid"], 4, "a 2-3-1 network"),
            case([4, 5, 5, 3], ["tanh", "relu", "softmax"], 6, "a 4-5-5-3 network"),
            case([3, 2], ["linear"], 1, "one linear layer, a batch of one"),
            case([5, 8, 2], ["sigmoid", "tanh"], 9, "a 5-8-2 network"),
            case([3, 4, 2], ["relu", "sigmoid"], 5, "float32 inputs and weights", np.float32),
            case([3, 3, 3, 2], ["tanh", "relu", "sigmoid"], 4, "a 3-3-3-2 network (hidden layers as wide as the input)")]


# ---- mistakes -------------------------------------------------------------------------------------------------------
def _exp(z):
    return np.exp(np.asarray(z))


def _sigmoid_unstable(z):
    e = _exp(z)
    return e / (1.0 + e)


def _sigmoid_abs(z):
    return 1.0 / (1.0 + np.exp(-np.abs(z)))


def _sigmoid_grad_at_activation(z):
    s = activations.sigmoid(activations.sigmoid(z))
    return s * (1.0 - s)


def _naive_softmax(z, axis=-1):
    e = _exp(z)
    return e / e.sum(axis=axis, keepdims=True)


def _softmax_global_max(z, axis=-1):
    e = np.exp(z - np.max(z))
    return e / e.sum(axis=axis, keepdims=True)


def _softmax_axis0(z, axis=-1):
    e = np.exp(z - z.max(axis=0, keepdims=True))
    return e / e.sum(axis=0, keepdims=True)


def _softmax_shift_numerator(z, axis=-1):
    return np.exp(z - z.max(axis=axis, keepdims=True)) / _exp(z).sum(axis=axis, keepdims=True)


def _softmax_max_axis0(z, axis=-1):
    e = np.exp(z - z.max(axis=0, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


def _softmax_whole_sum(z, axis=-1):
    e = np.exp(z - np.max(z, axis=axis, keepdims=True))
    return e / e.sum()


def _softmax_whole(z, axis=-1):
    e = np.exp(z - z.max())
    return e / e.sum()


def _softmax_last_axis(z, axis=-1):
    return activations.softmax(z, axis=-1)


def _dense_explain(expected, actual):
    """Which of Z, the cache's X and the cache's W is wrong, and how (for answers matching no mistake)."""
    for name, e, a in zip(("Z", "the X in your cache", "the W in your cache"), expected, actual):
        if not _same(e, a, 1e-6, 1e-9):
            return f"{name} is wrong: {_generic_diagnosis(e, a, 1e-6, 1e-9)}"
    return "the answer is wrong"


def _mlp_bug(*, last=True, first=False, bias=True, same=False, relu_hidden=False, last_twice=False,
             input_every=False, reversed_names=False):
    """A forward pass with one misconception (see the messages)."""
    def forward(X, params, names):
        A = X
        for index, ((W, b), name) in enumerate(zip(params, names)):
            if input_every and X.shape[1] == W.shape[0]:  # (where the shapes allow it: else it raises anyway)
                A = X
            f = activations.get(names[0] if same else (names[::-1][index] if reversed_names else name))
            if relu_hidden and index < len(params) - 1:
                f = activations.relu
            use = last or index < len(params) - 1
            if first:
                A = (f(A) if use else A) @ W + (b if bias else 0.0)
            else:
                Z = A @ W + (b if bias else 0.0)
                A = f(Z) if use else Z
        if last_twice:
            A = activations.get(names[-1])(A)
        return A, []
    return forward


PARTS = (
    Part(A, "test_sigmoid", "sigmoid", activations.sigmoid, _element_wise_cases, points=1,
         forbidden=(activations.sigmoid,), unchanged=(0,), check_dtype=True,
         mistakes=(
             Mistake("exp_plus", lambda z: 1.0 / (1.0 + _exp(z)),
                     "your sigmoid uses exp(+z): it computes 1/(1 + e^z) = 1 - sigmoid(z); the exponent is -z"),
             Mistake("unstable", _sigmoid_unstable,
                     "your sigmoid computes e^z/(1 + e^z) for every z: for a large positive z, e^z overflows to inf "
                     "and inf/inf is NaN. That form is safe only for z < 0; use 1/(1 + e^(-z)) for z >= 0 (np.where "
                     "on the sign of z, or e = exp(-|z|) in both branches)"),
             Mistake("abs_no_branch", _sigmoid_abs,
                     "you computed 1/(1 + e^(-|z|)) for every z: that is sigmoid(|z|), right only for z >= 0; for "
                     "z < 0 the stable form is e/(1 + e) with e = e^(-|z|) (np.where on the sign of z)"),
             Mistake("tanh", np.tanh, "you returned tanh(z); the sigmoid is 1/(1 + e^(-z)), with values in (0, 1)"),
             Mistake("tanh_full_argument", lambda z: 0.5 * (1.0 + np.tanh(z)),
                     "you computed (1 + tanh(z))/2; the identity is sigmoid(z) = (1 + tanh(z/2))/2: tanh takes half "
                     "the argument"),
             Mistake("clipped", lambda z: np.clip(activations.sigmoid(z), 1e-7, 1 - 1e-7),
                     "your sigmoid is clipped to [1e-7, 1 - 1e-7]: the sigmoid itself is not clipped (a loss clips "
                     "its input where it needs to); return 1/(1 + e^(-z)) as it is"),
         )),
    Part(A, "test_sigmoid_grad", "sigmoid_grad", activations.sigmoid_grad, _element_wise_cases, points=1,
         forbidden=(activations.sigmoid_grad,), unchanged=(0,), check_dtype=True,
         depends=(("sigmoid", activations.sigmoid),),
         mistakes=(
             Mistake("at_activation", _sigmoid_grad_at_activation,
                     "you evaluated the derivative at the activation a = sigmoid(z) instead of the pre-activation "
                     "z (sigmoid was applied twice): sigmoid_grad receives z itself"),
             Mistake("z_as_activation", lambda z: z * (1.0 - z),
                     "you computed z(1 - z): you treated the argument z as if it were the activation sigmoid(z); "
                     "sigmoid_grad receives the pre-activation z, so compute sigmoid(z) first"),
             Mistake("no_one_minus", lambda z: activations.sigmoid(z),
                     f"you returned sigmoid(z) itself, the activation, not its derivative; differentiate "
                     f"1/(1 + e^(-z)) with the chain rule and write the result with sigmoid(z) ({_CHAPTER})"),
             Mistake("unstable_exp_form", lambda z: _exp(-np.asarray(z)) / (1.0 + _exp(-np.asarray(z))) ** 2,
                     "your formula e^(-z)/(1 + e^(-z))^2 is right mathematically, but for large negative z, e^(-z) "
                     "overflows to inf and inf/inf is NaN; write the derivative with your (stable) sigmoid instead"),
             Mistake("one_minus_only", lambda z: 1.0 - activations.sigmoid(z),
                     f"you returned 1 - sigmoid(z): only one of the derivative's two factors; the derivative is "
                     f"largest (1/4) at z = 0 and small for large |z| in both directions ({_CHAPTER})"),
             Mistake("squared", lambda z: activations.sigmoid(z) ** 2,
                     f"you returned sigmoid(z)^2, which grows towards 1 for large z; the derivative of a function "
                     f"that flattens out at 1 must fall to 0 there ({_CHAPTER})"),
         )),
    Part(A, "test_relu", "relu", activations.relu, _element_wise_cases, points=1,
         forbidden=(activations.relu,), unchanged=(0,), check_dtype=True,
         mistakes=(
             Mistake("abs", np.abs, "you returned |z|; ReLU maps negative inputs to 0, not to -z"),
             Mistake("mask", lambda z: (np.asarray(z) > 0).astype(float),
                     "you returned the derivative (1 where z > 0) instead of ReLU itself, max(0, z)"),
             Mistake("min", lambda z: np.minimum(z, 0.0), "you computed min(z, 0); ReLU is max(z, 0)"),
             Mistake("leaky", lambda z: np.maximum(z, 0.01 * np.asarray(z)),
                     "you computed a leaky ReLU (slope 0.01 for z < 0); ReLU is exactly 0 for negative z"),
             Mistake("np_max", lambda z: np.max(z, axis=0),
                     "np.max(z, 0) is a reduction: the largest value along axis 0, one number per column; ReLU is "
                     "element-wise, np.maximum(z, 0)"),
             Mistake("twice", lambda z: np.asarray(z) + np.abs(z),
                     "you computed z + |z|, which is twice max(0, z): divide by 2, or use np.maximum(z, 0)"),
         )),
    Part(A, "test_relu_grad", "relu_grad", activations.relu_grad, _element_wise_cases, points=1,
         forbidden=(activations.relu_grad,), unchanged=(0,), check_dtype=True,
         mistakes=(
             Mistake("at_zero", lambda z: (np.asarray(z) >= 0).astype(float),
                     "at exactly z = 0 your derivative is 1; the notebook's convention (PyTorch's) is 0 there: "
                     "1 only where z > 0"),
             Mistake("half_at_zero", lambda z: np.heaviside(z, 0.5),
                     "at exactly z = 0 your derivative is 0.5 (np.heaviside(z, 0.5)); the notebook's convention "
                     "(PyTorch's) is 0 there: np.heaviside(z, 0.0), or z > 0"),
             Mistake("relu", lambda z: np.maximum(z, 0.0),
                     "you returned relu(z) instead of its derivative (1 where z > 0, else 0)"),
             Mistake("sign", lambda z: np.sign(z),
                     "np.sign(z) is -1 for negative z; ReLU is flat there, so its derivative is 0 (and 0 at z = 0)"),
         )),
    Part(A, "test_tanh_grad", "tanh_grad", activations.tanh_grad, _element_wise_cases, points=1,
         forbidden=(activations.tanh_grad,), unchanged=(0,), check_dtype=True,
         mistakes=(
             Mistake("at_activation", lambda z: 1.0 - np.tanh(np.tanh(z)) ** 2,
                     "you evaluated the derivative at the activation a = tanh(z) instead of the pre-activation z "
                     "(tanh was applied twice): tanh_grad receives z itself"),
             Mistake("z_as_activation", lambda z: 1.0 - np.asarray(z) ** 2,
                     "you computed 1 - z^2: you treated the argument z as if it were the activation tanh(z); "
                     "tanh_grad receives the pre-activation z, so compute tanh(z) first"),
             Mistake("not_squared", lambda z: 1.0 - np.tanh(z),
                     "you computed 1 - tanh(z): the tanh is not squared (the derivative is even, tanh'(-z) = "
                     "tanh'(z), and 1 - tanh(z) is not)"),
             Mistake("square_outside", lambda z: (1.0 - np.tanh(z)) ** 2,
                     "you squared the whole of 1 - tanh(z); only tanh(z) is squared in the derivative (compare the "
                     "values at z = 1 and z = -1: the derivative is even)"),
             Mistake("half_chain", lambda z: 0.5 * activations.tanh_grad(z),
                     "your result is half of tanh's derivative: from tanh(z) = 2 sigmoid(2z) - 1, the chain rule gives "
                     "a factor 2 from the sigmoid's coefficient AND another 2 from its argument 2z"),
             Mistake("sech", lambda z: 1.0 / np.cosh(z),
                     "you returned 1/cosh(z); differentiating tanh = sinh/cosh with the quotient rule gives "
                     "1/cosh(z) SQUARED (= 1 - tanh(z)^2): the square is missing"),
             Mistake("sigmoid_form", lambda z: np.tanh(z) * (1.0 - np.tanh(z)),
                     "you used the sigmoid's pattern a(1 - a) with a = tanh(z); tanh's derivative has its own form "
                     f"(differentiate sinh/cosh, {_CHAPTER})"),
         )),
    Part(A, "test_softmax", "softmax", activations.softmax, _logit_cases, points=2,
         forbidden=(activations.softmax,), unchanged=(0,), check_dtype=True,
         mistakes=(
             Mistake("no_shift", _naive_softmax,
                     "softmax without subtracting the maximum overflows for large logits (exp(1000) = inf, "
                     "inf/inf = NaN); subtract z.max(axis=axis, keepdims=True) first: the result is the same"),
             Mistake("global_max", _softmax_global_max,
                     "you subtracted the maximum of the whole array (z.max()) instead of each row's own maximum: a "
                     "row whose logits all lie far below the array's largest logit underflows to 0/0 = NaN; use "
                     "z.max(axis=axis, keepdims=True)"),
             Mistake("axis0", _softmax_axis0,
                     "you normalised over the batch (axis 0) instead of over each row's classes (the `axis` "
                     "argument, -1 by default)"),
             Mistake("shift_numerator_only", _softmax_shift_numerator,
                     "you subtracted the maximum in the numerator only: shift z once (z - max), then use the same "
                     "shifted exponentials in the numerator and in the sum"),
             Mistake("max_other_axis", _softmax_max_axis0,
                     "you subtracted the maximum over the wrong axis (each column's, axis 0): the shift must be "
                     "constant along `axis` to cancel, so use z.max(axis=axis, keepdims=True)"),
             Mistake("whole", _softmax_whole,
                     "you divided by the sum over the whole array; the values along `axis` must sum to 1 "
                     "(keepdims=True, axis=axis)"),
             Mistake("whole_sum", _softmax_whole_sum,
                     "you divided by the sum over the whole array; the values along `axis` must sum to 1 "
                     "(keepdims=True, axis=axis)"),
             Mistake("ignores_axis", _softmax_last_axis,
                     "your softmax ignores its `axis` argument: it always normalises over the last axis; use "
                     "axis=axis in the max and the sum"),
         )),
    Part(A, "test_dense_forward", "dense_forward", nn.dense_forward, _dense_cases, points=2,
         forbidden=(nn.dense_forward,), collect=dense_collect, explain=_dense_explain, rtol=1e-6, atol=1e-9,
         unchanged=(0, 1, 2), check_dtype=True, names=("Z", "the X in your cache", "the W in your cache"),
         mistakes=(
             Mistake("no_bias", lambda X, W, b: (X @ W, (X, W)), "your Z is missing the bias: Z = X @ W + b"),
             Mistake("minus_bias", lambda X, W, b: (X @ W - b, (X, W)),
                     "you subtracted the bias; the layer adds it: Z = X @ W + b"),
             Mistake("w_transposed", lambda X, W, b: (X @ W.T + b, (X, W)),
                     "you multiplied by W transposed (X @ W.T): W has shape (D, M), one column per unit, so the "
                     "batch-first layer is X @ W; only a square W let the shapes fit"),
             Mistake("z_transposed", lambda X, W, b: (W.T @ X.T + b[:, None], (X, W)),
                     "your Z is the transpose of the expected one (one column per example): the course is batch "
                     "first, Z has shape (N, M) with one row per example: X @ W + b"),
             Mistake("cache_order", lambda X, W, b: (X @ W + b, (W, X)),
                     "your cache holds (W, X); store (X, W) in that order, as dense_backward unpacks it"),
             Mistake("cache_z", lambda X, W, b: (X @ W + b, (X @ W + b, W)),
                     "your cache holds Z instead of the input X; the backward pass needs the layer's input X"),
         )),
    Part(A, "test_mlp_forward", "mlp_forward", nn.mlp_forward, _mlp_cases, points=2,
         forbidden=(nn.mlp_forward,), uses=(activations.get,), collect=mlp_collect, unchanged=(0,),
         check_dtype=True,
         mistakes=(
             Mistake("no_last_activation", _mlp_bug(last=False),
                     "your last layer's activation is missing: every layer, the last included, applies its "
                     "activation (the output of a 'sigmoid' last layer is a probability, not a logit)"),
             Mistake("activation_first", _mlp_bug(first=True),
                     "you applied each activation before its dense layer; each layer is dense first, then its "
                     "activation: A = f(A_prev @ W + b)"),
             Mistake("no_bias", _mlp_bug(bias=False),
                     "your layers ignore their biases: each layer computes A_prev @ W + b before its activation"),
             Mistake("input_every_layer", _mlp_bug(input_every=True),
                     "every layer received the network's input X; layer l's input is the previous layer's output "
                     "A_(l-1) (update A in the loop and feed it to the next layer)"),
             Mistake("names_reversed", _mlp_bug(reversed_names=True),
                     "your layers' activations are in reverse order: layer l applies activation_names[l], the "
                     "first name to the first layer"),
             Mistake("first_activation_everywhere", _mlp_bug(same=True),
                     "every layer used the first layer's activation; layer l applies activation_names[l]"),
             Mistake("relu_hidden", _mlp_bug(relu_hidden=True),
                     "your hidden layers all use ReLU whatever their names; layer l applies activation_names[l]"),
             Mistake("last_twice", _mlp_bug(last_twice=True),
                     "the last layer's activation is applied twice (once in the loop, once more after it)"),
         )),
)


# ---- concept 1: the parameter count of the student's own network (gdkit.problems.forward.network_sizes) ------------
def parameter_count(student):
    """Weights D_l x M_l plus biases M_l, summed over the layers."""
    sizes = network_sizes(student).sizes
    return int(sum(d * m + m for d, m in zip(sizes[:-1], sizes[1:])))


def _count(formula):
    def answer(student):
        sizes = network_sizes(student).sizes
        return int(formula(sizes, list(zip(sizes[:-1], sizes[1:]))))
    return answer


COUNT_MISTAKES = (
    ("no_biases", _count(lambda s, layers: sum(d * m for d, m in layers)),
     "you counted the weights only: every Dense layer also has one bias per unit (per OUTPUT of the layer)"),
    ("bias_per_input", _count(lambda s, layers: sum(d * m + d for d, m in layers)),
     "you gave each layer one bias per INPUT; a layer has one bias per unit it computes (M_l biases for "
     "b of shape (M_l,))"),
    ("units", _count(lambda s, layers: sum(s)),
     "you counted the units (the layer sizes), not the parameters: a Dense layer from D_l to M_l units has a "
     "D_l x M_l weight matrix and M_l biases"),
    ("input_biases", _count(lambda s, layers: sum(d * m + m for d, m in layers) + s[0]),
     "you gave the input layer biases too; the inputs are data, not units: biases belong to the Dense layers"),
    ("missing_last", _count(lambda s, layers: sum(d * m + m for d, m in layers[:-1])),
     "you left out the output layer: every pair of neighbouring sizes is a Dense layer, the last one included"),
    ("missing_first", _count(lambda s, layers: sum(d * m + m for d, m in layers[1:])),
     "you left out the first layer (inputs to the first hidden layer): the input size counts as D_0 of the "
     "first Dense layer"),
    ("hidden_biases_only", _count(lambda s, layers: sum(d * m for d, m in layers) + sum(s[1:-1])),
     "you gave biases to the hidden layers only; the output layer is a Dense layer too, with one bias per output"),
    ("bias_per_input_and_unit", _count(lambda s, layers: sum(d * m + d + m for d, m in layers)),
     "you gave each layer biases for its inputs AND its units; a layer has one bias per unit it computes only (b of "
     "shape (M_l,)): D_l M_l + M_l"),
    ("bias_per_layer", _count(lambda s, layers: sum(d * m + 1 for d, m in layers)),
     "you gave each layer ONE bias; a Dense layer has one bias per unit it computes (b has shape (M_l,))"),
    ("plus_one_both", _count(lambda s, layers: sum((d + 1) * (m + 1) for d, m in layers)),
     "you counted (D_l + 1)(M_l + 1) per layer: one bias per unit gives D_l M_l + M_l = (D_l + 1) M_l"),
)


# ---- concept 2: a forward pass by hand through the student's own 3-3-1 network ---------------------------------------
def _sig(z):
    return 1.0 / (1.0 + np.exp(-z))


def _relu(z):
    return np.maximum(z, 0.0)


def _forward_with(hidden=_relu, output=_sig, bias1=True, bias2=True, transpose=False, activation_first=False,
                  report_z1=False):
    """The student's network's (three hidden activations, output pre-activation, output) under one
    misconception."""
    def answer(student):
        n = tiny_network(student)
        W1 = n.W1.T if transpose else n.W1
        b1 = n.b1 if bias1 else 0.0
        b2 = n.b2 if bias2 else 0.0
        if activation_first:  # A = f(A_prev) @ W + b: relu(x) @ W1 + b1, then sigmoid(that) @ W2 + b2
            a1 = hidden(n.x) @ W1 + b1
            z2 = y = output(a1) @ n.W2 + b2
        else:
            a1 = hidden(n.x @ W1 + b1)
            z2 = a1 @ n.W2 + b2
            y = output(z2)
            if report_z1:
                a1 = n.x @ W1 + b1
        return tuple(float(v) for v in a1[0]) + (float(z2[0, 0]), float(y[0, 0]))
    return answer


hand_forward = _forward_with()
hand_forward.__doc__ = "(a1_1, a1_2, a1_3, z2, output): a1 = relu(x W1 + b1), z2 = a1 W2 + b2, output sigmoid(z2)."

FORWARD_MISTAKES = (
    ("activation_first", _forward_with(activation_first=True),
     "you applied each layer's activation before its dense layer (ReLU on x, then W1 and b1; the sigmoid on the "
     "hidden values, then W2 and b2); each layer is dense first, then its activation: a = f(a_prev @ W + b)"),
    ("no_relu", _forward_with(hidden=lambda z: z),
     "your hidden activations keep a negative value: you skipped the hidden layer's ReLU, which sets every "
     "negative pre-activation to 0"),
    ("sigmoid_hidden", _forward_with(hidden=_sig),
     "you used a sigmoid in the hidden layer; the hidden layer is ReLU, only the output layer is a sigmoid"),
    ("w1_transposed", _forward_with(transpose=True),
     "you multiplied x by W1 transposed: with x a row (1, 3) and W1 of shape (3, 3), hidden unit j gets "
     "x @ W1[:, j] + b1[j], the COLUMN j of W1 (batch first: Z1 = x @ W1 + b1)"),
    ("no_bias", _forward_with(bias1=False, bias2=False),
     "you left out the biases: each layer computes a_prev @ W + b before its activation"),
    ("no_hidden_bias", _forward_with(bias1=False),
     "you left out the hidden layer's bias b1: Z1 = x @ W1 + b1"),
    ("no_output_bias", _forward_with(bias2=False),
     "your hidden activations are right, but your z2 misses the output layer's bias b2: z2 = a1 @ W2 + b2"),
    ("reported_z1", _forward_with(report_z1=True),
     "your z2 and output are right, but the three hidden values you report are the pre-activations Z1 = x @ W1 + b1; "
     "the question asks for the hidden activations a1 = relu(Z1)"),
    ("one_minus", _forward_with(output=lambda z: 1.0 / (1.0 + np.exp(z))),
     "your hidden activations and z2 are right, but your output is 1 - sigmoid(z2) = sigmoid(-z2), the probability of "
     "the other class: the sigmoid is 1/(1 + e^(-z2))"),
    ("z2_output_swapped", lambda student: hand_forward(student)[:3] + hand_forward(student)[3:][::-1],
     "your last two values are swapped: the tuple is (a1_1, a1_2, a1_3, z2, output), the output unit's "
     "pre-activation z2 before the network's output sigmoid(z2)"),
    ("no_output_activation", _forward_with(output=lambda z: z),
     "your hidden activations and z2 are right, but your output is z2 itself (no activation, or a ReLU, which "
     "leaves a positive z2 unchanged): the output unit's activation is the sigmoid, so the network's output is a "
     "probability in (0, 1)"),
)


def _mistakes(table):
    return tuple(Mistake(name, function, message) for name, function, message in table)


PARTS += (
    Part(A, "test_parameter_count", "parameter_count", parameter_count, None, points=1, kind=ANSWER,
         answer_format="integer", rtol=0.0, atol=0.0, mistakes=_mistakes(COUNT_MISTAKES)),
    Part(A, "test_hand_forward", "hand_forward", hand_forward, None, points=2, kind=ANSWER,
         answer_format="numbers:5", rtol=1e-2, atol=1e-6, mistakes=_mistakes(FORWARD_MISTAKES)),
)
