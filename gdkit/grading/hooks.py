"""How a part calls the student's function and reads its answer: the only part-specific code that runs in the sandbox.

A :class:`~gdkit.grading.core.Part` may name a ``prepare`` hook (plain test inputs -> the call's arguments, e.g. an
optimizer state NamedTuple or a landscape object) and a ``collect`` hook (what the function returned and its
arguments after the call -> the plain value compared, e.g. an array updated in place). The sandbox never sees the
parts registry (its answers and catalogued mistakes), so these hooks live here, in a module that the sandbox's
copy of gdkit contains, and the grader refuses a part whose hooks are defined anywhere else
(:func:`gdkit.grading.views.hook_name`). Nothing here computes an answer of any part.
"""
import numpy as np

from .. import landscapes, nn, optimizers
from .core import WrongReturn

__all__ = ["describe", "pair", "dense_backward_prepare", "mlp_backward_prepare", "numerical_prepare",
           "numerical_collect", "training_prepare", "training_collect", "TEST_FUNCTIONS", "CLOSURE_FUNCTIONS",
           "dense_collect", "mlp_collect", "sgd_prepare", "sgd_collect",
           "descent_prepare", "LANDSCAPES", "epoch_collect", "adagrad_prepare", "adagrad_collect",
           "rmsprop_prepare", "rmsprop_collect", "adam_prepare", "adam_collect", "clip_prepare", "clip_collect", "warmup_collect", "DENSE_RETURNS",
           "MLP_RETURNS"]


def describe(value):
    """A few words on what a returned value is, for messages: "a single array of shape (4, 2)", "None"..."""
    if value is None:
        return "None"
    if isinstance(value, np.ndarray):
        return f"a single array of shape {value.shape}"
    if isinstance(value, (tuple, list)):
        return f"a {type(value).__name__} of {len(value)} value{'s' * (len(value) != 1)}"
    return f"a {type(value).__name__}"


def pair(value, message):
    """``value`` if it is a pair (tuple or list of two), else a WrongReturn with ``message``."""
    if not isinstance(value, (tuple, list)) or len(value) != 2:
        raise WrongReturn(message)
    return value


# ---- 01_forward --------------------------------------------------------------------------------------------------
DENSE_RETURNS = "dense_forward must return the pair (Z, cache) with cache = (X, W), e.g. `return Z, (X, W)`"
MLP_RETURNS = "mlp_forward must return the pair (A, caches): the network's output and the list of caches"


def dense_collect(returned, args):
    """Z and the cache's X and W, once the answer is known to have the structure (Z, (X, W))."""
    Z, cache = pair(returned, f"{DENSE_RETURNS}; it returned {describe(returned)}")
    if not isinstance(Z, np.ndarray):
        raise WrongReturn(f"{DENSE_RETURNS}; the first value it returned, Z, is {describe(Z)}, not an array")
    pair(cache, f"{DENSE_RETURNS}; its cache is {describe(cache)}, not the pair (X, W)")
    for position, value in zip(("first", "second"), cache):
        if not isinstance(value, np.ndarray):
            raise WrongReturn(f"{DENSE_RETURNS}; the {position} value of its cache is {describe(value)}, "
                              "not an array")
    return Z, cache[0], cache[1]


def mlp_collect(returned, args):
    """The network's output, once the answer is known to be a pair (output array, caches)."""
    A, _ = pair(returned, f"{MLP_RETURNS}; it returned {describe(returned)}")
    if not isinstance(A, np.ndarray):
        raise WrongReturn(f"{MLP_RETURNS}; the first value it returned, A, is {describe(A)}, not an array")
    return A


# ---- 03_backprop -------------------------------------------------------------------------------------------------
def dense_backward_prepare(args):
    dZ, X, W = args
    return dZ, nn.DenseCache(X, W)


def mlp_backward_prepare(args):
    """The caches of gdkit's mlp_forward (an earlier part) for the network ``params, names`` on ``X``."""
    dA, X, params, names = args
    _, caches = nn.mlp_forward(X, params, names)
    return dA, caches


TEST_FUNCTIONS = {
    "quadratic": lambda c: (lambda x: float(np.sum(c * x * x) + np.sum(x))),
    "sin": lambda c: (lambda x: float(np.sum(np.sin(c * x)))),
    "logsumexp": lambda c: (lambda x: float(np.log(np.sum(np.exp(c * x))))),
    "cubic": lambda c: (lambda x: float(np.sum(c * x ** 3))),
}


# Test functions that read x through a closure (the caller's array itself), not through their argument: only a
# numerical_gradient that perturbs x in place, as its contract says, sees the changes.
CLOSURE_FUNCTIONS = {
    "closure": lambda c, x: (lambda _: float(np.sum(c * np.sin(x)) + 0.5 * np.sum(x * x))),
}


def numerical_prepare(args):
    name, c, x = args
    if name in CLOSURE_FUNCTIONS:
        return CLOSURE_FUNCTIONS[name](c, x), x
    return TEST_FUNCTIONS[name](c), x


def numerical_collect(returned, args):
    return returned, args[1]  # the gradient, and x after the call (it must be restored)


# ---- 04_gradient_descent and 05_momentum -------------------------------------------------------------------------
def sgd_prepare(args):
    """(param, grad[, momentum_buffer]) -> (param, grad, SGDState)."""
    param, grad, *buffer = args
    return param, grad, optimizers.SGDState(buffer[0] if buffer else None, np.empty_like(param))


def sgd_collect(returned, args):
    """The parameter after the call and, with momentum, the buffer: both must be updated in place."""
    param, _, state = args
    return param if state.momentum_buffer is None else (param, state.momentum_buffer)


LANDSCAPES = {
    "bowl": landscapes.QuadraticBowl, "ravine": landscapes.IllConditionedQuadratic,
    "rosenbrock": landscapes.Rosenbrock, "parabola": landscapes.Parabola,
}


def descent_prepare(args):
    name, argument, x0, lr, steps = args
    function = LANDSCAPES[name](argument) if name != "rosenbrock" else landscapes.Rosenbrock(b=argument)
    return function, x0, lr, steps


def epoch_collect(returned, args):
    return returned, args[2], args[3]


def training_prepare(args):
    """(X, Y, params, names, learning_rate, batch_size, epochs, seed) -> the same with params as a list of
    (W, b) pairs and a generator ``np.random.default_rng(seed)`` for the batch order."""
    X, Y, params, names, learning_rate, batch_size, epochs, seed = args
    return (X, Y, [tuple(pair) for pair in params], list(names), learning_rate, batch_size, epochs,
            np.random.default_rng(seed))


def training_collect(returned, args):
    """The returned batch losses and the params after training (updated in place)."""
    return returned, args[2]


def adagrad_prepare(args):
    param, grad, total = args
    return param, grad, optimizers.AdagradState(total, np.empty_like(param))


def adagrad_collect(returned, args):
    return args[0], args[2].sum_of_squares


def rmsprop_prepare(args):
    param, grad, square_avg = args
    return param, grad, optimizers.RMSpropState(square_avg, None, None, np.empty_like(param))


def rmsprop_collect(returned, args):
    return args[0], args[2].square_avg


def adam_prepare(args):
    param, grad, m, v = args
    return param, grad, optimizers.AdamState(m, v, None, np.empty_like(param))


def adam_collect(returned, args):
    return args[0], args[2].m, args[2].v


# ---- 06_pathologies ----------------------------------------------------------------------------------------------
class GradientList(list):
    """The list of gradient arrays handed to the student, remembering its arrays: clipping must scale THEM in
    place (the caller holds them, e.g. as its layers' gradients), not put new arrays in the list."""

    def __init__(self, arrays):
        super().__init__(arrays)
        self.originals = tuple(arrays)


def clip_prepare(args):
    grads, *rest = args
    return (GradientList(list(grads)), *rest)


def clip_collect(returned, args):
    """The returned norm and the caller's arrays after the call (the arrays themselves, whatever the list holds)."""
    grads = args[0]
    return returned, tuple(getattr(grads, "originals", grads))


def warmup_collect(returned, args):
    """warmup_schedule's contract returns an array of shape (steps,): a list of rates is not one."""
    if not isinstance(returned, np.ndarray):
        raise WrongReturn(f"warmup_schedule returned {describe(returned)}; the contract returns a NumPy array of "
                          "shape (steps,) (np.array(rates), or fill an array made with np.empty(steps)), as the "
                          "notebook states")
    return returned
