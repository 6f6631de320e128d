"""Parts of assignment 04_gradient_descent (chapter: gradient descent): one step, a descent path, a mini-batch epoch,
and the concept question "the largest stable learning rate for your data" (a worked example of a concept part).

References: ``gdkit.optimizers.sgd_update``, ``gdkit.landscapes.gradient_descent``, ``gdkit.training.minibatch_epoch``;
the concept answers are computed here, from the student's own problem (``gdkit.problems.gradient_descent``).
"""
import numpy as np

from ... import landscapes, losses, nn, optimizers, training
from ...problems.gradient_descent import batch_scaling, conditioning_problem, regression_problem
from ..core import ANSWER, Mistake, Part, _same
from ..hooks import descent_prepare, epoch_collect, sgd_collect, sgd_prepare, training_collect, training_prepare
from ._common import Case, cases_from, normal

A = "04_gradient_descent"


# ---- sgd_update (shared with 05_momentum) --------------------------------------------------------------------
def _plain_sgd_cases(rng, hidden):
    def case(shape, lr, label, dtype=np.float64):
        return Case((normal(rng, *shape, dtype=dtype), normal(rng, *shape, dtype=dtype)), {"learning_rate": lr},
                    label=label)
    # every kind of case is visible (public seed); the hidden run draws the same kinds from the private seed
    return [case((3, 2), 0.1, "a 3x2 weight matrix, learning rate 0.1"), case((5,), 0.5, "a bias vector"),
            case((4, 4), 1e-3, "a small learning rate"), case((2, 3), 0.05, "float32 parameters", np.float32),
            case((1, 1), 2.0, "a 1x1 parameter"), case((2, 2, 3), 0.3, "a 3-D parameter")]


def _sgd_ascend(param, grad, state, *, learning_rate, **kwargs):
    param += learning_rate * grad
    return state


def _sgd_rebind(param, grad, state, *, learning_rate, **kwargs):
    param = param - learning_rate * grad
    return state


def _sgd_no_lr(param, grad, state, *, learning_rate, **kwargs):
    param -= grad
    return state


# ---- gradient descent on a landscape --------------------------------------------------------------------------
def _descent_cases(rng, hidden):
    def case(name, argument, x0, lr, steps, label, dtype=float):
        return Case((name, argument, np.asarray(x0, dtype=dtype), lr, steps), label=label)
    # every kind of case is visible (public seed); the hidden run draws the same kinds from the private seed
    return [case("bowl", 1.0, [1.5, -1.0], 0.3, 10, "a round bowl, 10 steps"),
            case("ravine", 10.0, [2.0, 1.0] + normal(rng, 2, scale=0.1), 0.15, 25, "a ravine (condition number 10)"),
            case("rosenbrock", 100.0, [-1.0, 1.5], 1e-3, 40, "Rosenbrock's valley"),
            case("parabola", 2.0, normal(rng, 1), 0.1, 5, "a 1-D parabola"),
            case("bowl", 3.0, normal(rng, 2), 0.5, 1, "a single step"),
            case("bowl", 1.0, [0.5, 0.5], 0.1, 0, "zero steps"),
            case("ravine", 4.0, rng.integers(-3, 4, size=2) + np.array([0, 5]), 0.2, 6,
                 "an integer starting point (an int array x0: compute with floats)", dtype=int)]


def _descent_no_start(function, x0, learning_rate, steps):
    return landscapes.gradient_descent(function, x0, learning_rate, steps)[1:]


def _descent_aliased(function, x0, learning_rate, steps):
    path = landscapes.gradient_descent(function, x0, learning_rate, steps)
    return np.repeat(path[-1:], len(path), axis=0)


def _descent_steps(offset):
    def descent(function, x0, learning_rate, steps):
        return landscapes.gradient_descent(function, x0, learning_rate, max(steps + offset, 0))
    return descent


def _descent_ahead(function, x0, learning_rate, steps):
    return landscapes.gradient_descent(function, x0, learning_rate, steps + 1)[1:]


def _descent_final(function, x0, learning_rate, steps):
    return landscapes.gradient_descent(function, x0, learning_rate, steps)[-1]


def _descent_list(function, x0, learning_rate, steps):
    return list(landscapes.gradient_descent(function, x0, learning_rate, steps))


def _descent_up(function, x0, learning_rate, steps):
    x = np.array(x0, dtype=float)
    path = [x.copy()]
    for _ in range(steps):
        x = x + learning_rate * function.grad(x)
        path.append(x.copy())
    return np.array(path)


# ---- mini-batch epoch -------------------------------------------------------------------------------------------
def _epoch_cases(rng, hidden):
    def case(n, d, m, lr, batch_size, label):
        return Case((normal(rng, n, d), normal(rng, n, m), normal(rng, d, m), normal(rng, m), lr, batch_size),
                    label=label)
    # every kind of case is visible (public seed); the hidden run draws the same kinds from the private seed
    return [case(12, 2, 1, 0.1, 4, "12 examples in batches of 4"),
            case(10, 3, 1, 0.05, 4, "10 examples in batches of 4 (the last has 2)"),
            case(5, 2, 2, 0.1, 1, "batch size 1 (stochastic), two outputs"),
            case(9, 3, 3, 0.1, 4, "three outputs, batches of 4 (the last has 1)"),
            case(6, 4, 1, 0.2, 6, "one full batch"),
            case(7, 3, 2, 0.1, 10, "batch size larger than N"),
            case(12, 3, 1, 0.02, 5, "12 examples in batches of 5")]


def _epoch_drop_last(X, y, W, b, learning_rate, batch_size):
    n = (len(X) // batch_size) * batch_size or len(X)
    return training.minibatch_epoch(X[:n], y[:n], W, b, learning_rate, batch_size)


def _epoch_with_dZ(dZ_of, sign=1.0):
    """One epoch whose batch gradient dZ is ``dZ_of(Z, yb, X, y, batch_size)`` (the bug), stepping with ``sign``."""
    def epoch(X, y, W, b, learning_rate, batch_size):
        batch_losses = []
        for start in range(0, len(X), batch_size):
            Xb, yb = X[start:start + batch_size], y[start:start + batch_size]
            Z = Xb @ W + b
            batch_losses.append(losses.mean_squared_error(yb, Z))
            dZ = dZ_of(Z, yb, X, y, batch_size)
            W -= sign * learning_rate * Xb.T @ dZ
            b -= sign * learning_rate * dZ.sum(axis=0)
        return np.array(batch_losses)
    return epoch


_epoch_by_n = _epoch_with_dZ(lambda Z, yb, X, y, size: 2 * (Z - yb) / (len(X) * y.shape[1]))
_epoch_by_rows = _epoch_with_dZ(lambda Z, yb, X, y, size: 2 * (Z - yb) / len(Z))
_epoch_no_two = _epoch_with_dZ(lambda Z, yb, X, y, size: (Z - yb) / Z.size)
_epoch_sum = _epoch_with_dZ(lambda Z, yb, X, y, size: 2 * (Z - yb))
_epoch_ascend = _epoch_with_dZ(lambda Z, yb, X, y, size: 2 * (Z - yb) / Z.size, sign=-1.0)
_epoch_nominal_size = _epoch_with_dZ(lambda Z, yb, X, y, size: 2 * (Z - yb) / (size * Z.shape[1]))


def _epoch_one_update(X, y, W, b, learning_rate, batch_size):
    W0, b0 = W.copy(), b.copy()
    batch_losses, dW, db = [], 0, 0
    for start in range(0, len(X), batch_size):
        Xb, yb = X[start:start + batch_size], y[start:start + batch_size]
        Z = Xb @ W0 + b0
        batch_losses.append(losses.mean_squared_error(yb, Z))
        dZ = losses.mean_squared_error_grad(yb, Z)
        dW, db = dW + Xb.T @ dZ, db + dZ.sum(axis=0)
    W -= learning_rate * dW
    b -= learning_rate * db
    return np.array(batch_losses)


def _epoch_loss_after(X, y, W, b, learning_rate, batch_size):
    batch_losses = []
    for start in range(0, len(X), batch_size):
        training.minibatch_epoch(X[start:start + batch_size], y[start:start + batch_size], W, b, learning_rate,
                                 batch_size)
        Xb, yb = X[start:start + batch_size], y[start:start + batch_size]
        batch_losses.append(losses.mean_squared_error(yb, Xb @ W + b))
    return np.array(batch_losses)


def _epoch_rebind(X, y, W, b, learning_rate, batch_size):
    return training.minibatch_epoch(X, y, W.copy(), b.copy(), learning_rate, batch_size)


# ---- closed loop: train a small network with your own sgd_update ---------------------------------------------------
# The student's train_network(X, Y, params, names, learning_rate, batch_size, epochs, rng) trains the network
# gdkit.nn.mlp_forward(X, params, names) on the mean squared error by mini-batch SGD, updating params in place with
# THEIR sgd_update (gdkit's is a stub in the part's view): every epoch draws its order rng.permutation(N), the
# batches are consecutive slices of that order (the last may be smaller), each batch's loss is recorded before its
# step. It returns the batch losses, one per step; the grader compares them and the final params with the
# reference's for the same initial params, data and rng seed, and checks that the loss fell.
def _training_cases(rng, hidden):
    def case(n, sizes, names, lr, batch_size, epochs, label):
        X = normal(rng, n, sizes[0])
        teacher = [(normal(rng, d, m, scale=1.5 / np.sqrt(d)), normal(rng, m, scale=0.3))
                   for d, m in zip(sizes[:-1], sizes[1:])]
        Y = nn.mlp_forward(X, teacher, names)[0] + normal(rng, n, sizes[-1], scale=0.05)
        params = [(normal(rng, d, m, scale=1 / np.sqrt(d)), np.zeros(m)) for d, m in zip(sizes[:-1], sizes[1:])]
        seed = int(rng.integers(2 ** 31))
        return Case((X, Y, params, list(names), lr, batch_size, epochs, seed), label=label)
    # every kind of case is visible (public seed); the hidden run draws the same kinds from the private seed
    return [case(30, [2, 8, 1], ["tanh", "linear"], 0.2, 8, 30, "30 examples in batches of 8 (the last has 6)"),
            case(24, [3, 6, 2], ["tanh", "linear"], 0.2, 6, 25, "two outputs, batches of 6"),
            case(12, [2, 5, 1], ["sigmoid", "linear"], 0.05, 1, 20, "batch size 1 (stochastic)"),
            case(16, [3, 6, 4, 2], ["tanh", "relu", "linear"], 0.3, 16, 120, "three layers, one full batch")]


def _train(X, Y, params, names, learning_rate, batch_size, epochs, rng, *, order="each", dA="mean", sign=1.0,
           loss_after=False, drop_last=False, full_batch=False, forward_with="current", update="params",
           shuffle_Y=True):
    """The reference loop (all defaults), or one of its catalogued bugs."""
    n, trace = len(X), []
    once = rng.permutation(n) if order == "once" else None
    for _ in range(epochs):
        perm = rng.permutation(n) if order in ("each", "two") else once if order == "once" else np.arange(n)
        perm_Y = rng.permutation(n) if order == "two" else perm
        snapshot = [(W.copy(), b.copy()) for W, b in params]
        stop = n - n % batch_size if drop_last and n % batch_size and n > batch_size else n
        for start in range(0, stop, n if full_batch else batch_size):
            rows = perm[start:start + (n if full_batch else batch_size)]
            rows_Y = perm_Y[start:start + (n if full_batch else batch_size)]
            Xb, Yb = X[rows], Y[rows_Y if shuffle_Y else np.arange(start, start + len(rows))]
            A, caches = nn.mlp_forward(Xb, snapshot if forward_with == "epoch_start" else params, names)
            if not loss_after:
                trace.append(losses.mean_squared_error(Yb, A))
            dA_ = {"mean": lambda: losses.mean_squared_error_grad(Yb, A), "sum": lambda: 2 * (A - Yb),
                   "rows": lambda: 2 * (A - Yb) / len(A)}[dA]()
            targets = params if update == "params" else [(W.copy(), b.copy()) for W, b in params]
            for (W, b), (dW, db) in zip(targets, nn.mlp_backward(dA_, caches)):
                for param, grad in ((W, dW), (b, db)):
                    optimizers.sgd_update(param, sign * grad, optimizers.sgd_init(param), learning_rate=learning_rate)
            if loss_after:
                trace.append(losses.mean_squared_error(Yb, nn.mlp_forward(Xb, params, names)[0]))
    return np.array(trace)


def _train_network(X, Y, params, names, learning_rate, batch_size, epochs, rng):
    return _train(X, Y, params, names, learning_rate, batch_size, epochs, rng)


def _train_bug(**bug):
    def train_network(X, Y, params, names, learning_rate, batch_size, epochs, rng):
        return _train(X, Y, params, names, learning_rate, batch_size, epochs, rng, **bug)
    return train_network


def _train_epoch_means(X, Y, params, names, learning_rate, batch_size, epochs, rng):
    trace = _train(X, Y, params, names, learning_rate, batch_size, epochs, rng)
    return trace.reshape(epochs, -1).mean(axis=1)


TRAINING_RETURNS = "train_network must return the batch losses (one number per step) and update params in place"


def _training_split(expected, actual):
    """(losses, params) of the student's answer, or None if it is not an array of losses and the params."""
    if not isinstance(actual, tuple) or len(actual) != 2 or not isinstance(actual[0], np.ndarray):
        return None
    return actual[0].astype(float).reshape(-1) if actual[0].ndim <= 1 else None, actual[1]


def _fell(trace):
    """Whether the loss fell: the mean loss of the last quarter of the steps is below 0.95 times that of the first
    quarter (the reference's is below 0.9 on every case, tests/test_closed_loop_training.py; most fall by 5x)."""
    quarter = max(1, len(trace) // 4)
    return bool(len(trace) and np.all(np.isfinite(trace)) and
                np.mean(trace[-quarter:]) < 0.95 * np.mean(trace[:quarter]))


def _training_same(expected, actual):
    """The batch losses as the reference's (relative 1e-6, the same steps in the same order) and the final params
    too. (The reference's loss falls on every case, tests/test_closed_loop_training.py, so a matching trajectory has
    fallen; ``explain`` says when a student's did not.) Also used to recognise a catalogued
    mistake, whose loss may well not fall."""
    split = _training_split(expected, actual)
    if split is None or split[0] is None:
        return False
    trace, params = split
    e_trace = expected[0].astype(float)
    return (trace.shape == e_trace.shape and np.allclose(trace, e_trace, rtol=1e-6, atol=1e-10, equal_nan=True) and
            _same_params(expected[1], params))


def _same_params(expected, actual):
    return _same(expected, actual, 1e-6, 1e-9)


def _training_explain(expected, actual):
    split = _training_split(expected, actual)
    if split is None or split[0] is None:
        return f"{TRAINING_RETURNS}; got something else"
    trace, params = split
    e_trace = expected[0].astype(float)
    if trace.shape != e_trace.shape:
        return (f"you returned {trace.size} losses; one per step is expected, {e_trace.size} here (every epoch "
                "has ceil(N / batch_size) steps, the last batch holding what remains)")
    differ = ~np.isclose(trace, e_trace, rtol=1e-6, atol=1e-10, equal_nan=True)
    if not differ.any():
        return ("your losses are right but the final params are not: update the arrays params holds, in place, "
                "after every step (also the last)")
    first = int(np.argmax(differ))
    quarter = max(1, len(trace) // 4)
    fell = "" if _fell(trace) else (
        f". Your loss did not fall: the last quarter of your steps averages {np.mean(trace[-quarter:]):.3g}, the "
        f"first {np.mean(trace[:quarter]):.3g}")
    if first == 0:
        return ("your very first loss already differs: it must be the mean squared error of the network as "
                "given on the first batch, the examples rng.permutation(N)[:batch_size], before any step" + fell)
    return (f"your losses agree with the reference's for the first {first} step{'s' if first > 1 else ''}, then "
            f"differ from step {first + 1} on: check what that step does differently (the gradient of the batch "
            "loss, the update, the next batch's examples)" + fell)


# ---- concept: the learning rate for a new batch size (linear scaling) ---------------------------------------------
def scaled_learning_rate(student):
    """The linear-scaling rule: the batch size times k, the learning rate times k (below the critical batch size)."""
    p = batch_scaling(student)
    return p.learning_rate * p.new_batch_size / p.batch_size


def _scaled(formula):
    def answer(student):
        p = batch_scaling(student)
        return float(formula(p.learning_rate, p.batch_size, p.new_batch_size))
    return answer


SCALING_MISTAKES = (
    ("inverse", _scaled(lambda lr, b, new: lr * b / new),
     "you scaled the rate against the batch size: a larger batch averages away noise, so it takes a LARGER step "
     "for the same progress per example (the noise scale eta/|B| stays the same when both grow by k)"),
    ("sqrt", _scaled(lambda lr, b, new: lr * np.sqrt(new / b)),
     "square-root scaling keeps the variance of the step, not the noise scale eta/|B| the chapter's rule keeps: "
     "the linear-scaling rule multiplies the rate by the same k as the batch"),
    ("same", _scaled(lambda lr, b, new: lr),
     "the tuned rate belongs to its batch size: below the critical batch size, k times the batch wants k times "
     "the rate (linear scaling)"),
    ("times_size", _scaled(lambda lr, b, new: lr * new),
     "you multiplied by the new batch size itself; the factor is the ratio of the batch sizes, new / old"),
    ("over_size", _scaled(lambda lr, b, new: lr / new),
     "you divided by the new batch size; the linear-scaling rule multiplies the rate by the ratio new / old"),
)


# ---- concept: steps to a tolerance at two learning rates -------------------------------------------------------
def _steps(rate, tolerance):
    """The smallest k with rate^k <= tolerance."""
    return int(np.ceil(np.log(tolerance) / np.log(rate)))


STEPS_QUESTION = "04_gradient_descent/steps_to_tolerance"


def _gd_rates(student):
    p = conditioning_problem(student, STEPS_QUESTION)
    kappa = p.L / p.m
    return 1 - 1 / kappa, (kappa - 1) / (kappa + 1), kappa, p.tolerance


def gd_steps_to_tolerance(student):
    """(steps at eta = 1/L, steps at eta = 2/(m + L)): the smallest k with rate^k <= tolerance."""
    slow, best, _, tol = _gd_rates(student)
    return (_steps(slow, tol), _steps(best, tol))


def _gd_steps_with(slow_rate=None, best_rate=None, count=_steps):
    def answer(student):
        slow, best, kappa, tol = _gd_rates(student)
        return (count(slow_rate(kappa) if slow_rate else slow, tol), count(best_rate(kappa) if best_rate else best, tol))
    return answer


def _gd_steps_swapped(student):
    slow, best = gd_steps_to_tolerance(student)
    return (best, slow)


GD_STEPS_MISTAKES = (
    ("swapped", _gd_steps_swapped,
     "your two numbers are swapped: the first is eta = 1/L (the slower one), the second eta = 2/(m + L)"),
    ("both_best", _gd_steps_with(slow_rate=lambda k: (k - 1) / (k + 1)),
     "your count for eta = 1/L uses the rate (kappa - 1)/(kappa + 1) of the best step 2/(m + L); at eta = 1/L the "
     "flattest direction shrinks by 1 - eta m = 1 - 1/kappa per step"),
    ("both_slow", _gd_steps_with(best_rate=lambda k: 1 - 1 / k),
     "your count for eta = 2/(m + L) uses the rate 1 - 1/kappa of eta = 1/L; the best step balances the steepest "
     "and the flattest direction, |1 - eta L| = |1 - eta m| = (kappa - 1)/(kappa + 1)"),
    ("sqrt", _gd_steps_with(best_rate=lambda k: (np.sqrt(k) - 1) / (np.sqrt(k) + 1)),
     "(sqrt(kappa) - 1)/(sqrt(kappa) + 1) is the rate of tuned MOMENTUM (next chapter); plain gradient descent at "
     "eta = 2/(m + L) converges at (kappa - 1)/(kappa + 1)"),
    ("sqrt_both", _gd_steps_with(slow_rate=lambda k: 1 - 1 / np.sqrt(k),
                                 best_rate=lambda k: (np.sqrt(k) - 1) / (np.sqrt(k) + 1)),
     "your rates have sqrt(kappa) where plain gradient descent has kappa: 1 - 1/sqrt(kappa) and (sqrt(kappa) - 1)/"
     "(sqrt(kappa) + 1) belong to momentum (next chapter); at eta = 1/L the rate is 1 - 1/kappa, at eta = 2/(m + L) "
     "(kappa - 1)/(kappa + 1)"),
    ("floor", _gd_steps_with(count=lambda rate, tol: int(np.floor(np.log(tol) / np.log(rate)))),
     "one step short: you rounded ln(tolerance)/ln(rate) down, but after that many steps rate^k is still above the "
     "tolerance; the smallest k with rate^k <= tolerance is the ceiling"),
    ("loss", _gd_steps_with(count=lambda rate, tol: int(np.ceil(np.log(tol) / np.log(rate ** 2)))),
     "you counted on the loss, which falls as rate^2 on a quadratic; the question asks for the error's norm, which "
     "falls as rate^k"),
    ("log_approximation", _gd_steps_with(count=lambda rate, tol: int(np.ceil(np.log(1 / tol) / (1 - rate)))),
     "you replaced ln(1/rate) by 1 - rate (k ~ kappa ln(1/tolerance)): that approximation only bounds k from "
     "above, and gives too many steps; the smallest k with rate^k <= tolerance is ceil(ln(tolerance)/ln(rate))"),
    ("linear", _gd_steps_with(count=lambda rate, tol: int(np.ceil((1 - tol) / (1 - rate)))),
     "the error shrinks geometrically, by the factor rate at every step, not by a fixed amount: solve rate^k <= "
     "tolerance with logarithms"),
)


def _mistakes(table):
    return tuple(Mistake(name, function, message) for name, function, message in table)


# ---- concept: the largest stable learning rate for the student's own data ----------------------------------------
def _gram_eigenvalues(student):
    """Eigenvalues of X^T X for the student's X, and N."""
    X = regression_problem(student).X
    return np.linalg.eigvalsh(X.T @ X), len(X)


def _stable_lr(student):
    """2 / L with L the largest eigenvalue of the MSE's Hessian (2/N) X^T X: the step beyond which GD diverges."""
    eig, n = _gram_eigenvalues(student)
    return 2.0 / (2.0 / n * eig.max())


def _stable_lr_one_over_l(student):
    eig, n = _gram_eigenvalues(student)
    return 1.0 / (2.0 / n * eig.max())


def _stable_lr_gram(student):
    eig, _ = _gram_eigenvalues(student)
    return 2.0 / eig.max()


def _stable_lr_no_two(student):
    eig, n = _gram_eigenvalues(student)
    return 2.0 / (eig.max() / n)


def _stable_lr_sum(student):
    eig, _ = _gram_eigenvalues(student)
    return 2.0 / (2.0 * eig.max())


def _stable_lr_lambda_min(student):
    eig, n = _gram_eigenvalues(student)
    return 2.0 / (2.0 / n * eig.min())


def _stable_lr_trace(student):
    eig, n = _gram_eigenvalues(student)
    return 2.0 / (2.0 / n * eig.sum())


def _stable_lr_sigma(student):
    eig, n = _gram_eigenvalues(student)
    return 2.0 / (2.0 / n * np.sqrt(eig.max()))


PARTS = (
    Part(A, "test_sgd_update", "sgd_update", optimizers.sgd_update, _plain_sgd_cases, points=2,
         forbidden=(optimizers.sgd_update,), prepare=sgd_prepare, collect=sgd_collect, rtol=1e-5,
         returns_argument=2, unchanged=(1,), check_dtype=True,
         mistakes=(
             Mistake("ascend", _sgd_ascend,
                     "the update moves up the gradient: subtract learning_rate * grad to go downhill"),
             Mistake("rebind", _sgd_rebind,
                     "param was not changed: `param = param - ...` rebinds a local name; update the array in "
                     "place with `param -= learning_rate * grad`"),
             Mistake("no_lr", _sgd_no_lr, "the step ignores the learning rate: param -= learning_rate * grad"),
         )),
    Part(A, "test_gradient_descent", "gradient_descent", landscapes.gradient_descent, _descent_cases, points=2,
         forbidden=(landscapes.descend, landscapes.gradient_descent), prepare=descent_prepare, rtol=1e-6,
         unchanged=(1,), check_dtype=True,
         mistakes=(
             Mistake("no_start", _descent_no_start,
                     "your path lacks the starting point: row 0 is x0, then one row per step (steps + 1 rows)"),
             Mistake("aliased", _descent_aliased,
                     "every row of your path is the final point: you stored the same array object each time; "
                     "append a copy (x.copy()) or update with x = x - ..."),
             Mistake("ascend", _descent_up, "the path moves up the gradient: x <- x - learning_rate * grad f(x)"),
             Mistake("list", _descent_list,
                     "you returned a list of points; return the path as one array of shape (steps + 1, d) "
                     "(np.array(path))"),
             Mistake("final_point", _descent_final,
                     "you returned only the final point; return the whole path, an array of shape (steps + 1, d) with "
                     "x0 as row 0"),
             Mistake("one_ahead", _descent_ahead,
                     "your rows are one step ahead: row 0 must be x0 itself and row k the point after k steps (you "
                     "left x0 out and ran one step more)"),
             Mistake("one_short", _descent_steps(-1),
                     "your path is one step short: `steps` steps give steps + 1 rows (row 0 is x0, row k the point "
                     "after k steps)"),
             Mistake("one_long", _descent_steps(1),
                     "your path has one step too many: `steps` steps give steps + 1 rows, row 0 being x0"),
         )),
    Part(A, "test_minibatch_epoch", "minibatch_epoch", training.minibatch_epoch, _epoch_cases, points=3,
         forbidden=(training.minibatch_epoch,), collect=epoch_collect, rtol=1e-6, unchanged=(0, 1), own_rng=True,
         names=("the batch losses", "the updated W", "the updated b"),
         mistakes=(
             Mistake("drop_last", _epoch_drop_last,
                     "the last, smaller batch was skipped: when N is not a multiple of batch_size the last batch "
                     "holds the remaining examples"),
             Mistake("by_n", _epoch_by_n,
                     "your batch gradient is divided by the whole data set's N; the batch loss is a mean over "
                     "the batch's entries, so its gradient divides by the size of the batch's Z"),
             Mistake("by_rows", _epoch_by_rows,
                     "your batch gradient is divided by the number of examples in the batch only; the mean squared "
                     "error averages over every entry of Z, examples AND outputs, so its gradient divides by Z.size "
                     "(the two differ when there are several outputs)"),
             Mistake("nominal_batch_size", _epoch_nominal_size,
                     "your gradient divides by batch_size even when the batch is smaller (the last one, or a "
                     "batch_size larger than N): the batch loss is the mean over that batch's own entries, so "
                     "divide by its Z.size"),
             Mistake("no_two", _epoch_no_two,
                     "your gradient of the squared error lacks the factor 2: the derivative of (z - y)^2 is 2(z - y)"),
             Mistake("sum", _epoch_sum,
                     "your gradient is that of the SUM of squared errors: the batch loss is their mean, so its "
                     "gradient carries the mean's 1/(size of Z) too"),
             Mistake("ascend", _epoch_ascend,
                     "the update moves up the gradient (the loss grows): W -= learning_rate * dW, b -= learning_rate * db"),
             Mistake("one_update", _epoch_one_update,
                     "you updated the weights once after the whole epoch (full-batch); mini-batch descent takes "
                     "one step per batch"),
             Mistake("mean_loss", lambda *args: float(np.mean(training.minibatch_epoch(*args))),
                     "you returned one number, the mean of the batch losses; return every batch's loss before its "
                     "step, an array with one entry per batch"),
             Mistake("loss_after", _epoch_loss_after,
                     "your batch losses were computed after the step; record each batch's loss before updating"),
             Mistake("rebind", _epoch_rebind,
                     "W and b were not changed: update them in place (W -= ..., b -= ...), not by rebinding names"),
         )),
    Part(A, "test_train_network", "train_network", _train_network, _training_cases, points=4,
         forbidden=(optimizers.sgd_update, training.minibatch_epoch, landscapes.descend, landscapes.gradient_descent),
         prepare=training_prepare, collect=training_collect, own_rng=True, unchanged=(0, 1),
         compare=_training_same, explain=_training_explain,
         mistakes=(
             Mistake("ascend", _train_bug(sign=-1.0),
                     "your loss grows: the update moves up the gradient. Each step is param -= learning_rate * grad "
                     "(check your sgd_update, and the sign of the gradient you pass it)"),
             Mistake("sum", _train_bug(dA="sum"),
                     "your gradient of the batch loss is not averaged: the loss is the MEAN squared error of the "
                     "batch, so dL/dA carries its 1/(size of A); without it every step is that many times too long"),
             Mistake("rows", _train_bug(dA="rows"),
                     "your gradient of the batch loss divides by the number of examples only: the mean squared "
                     "error averages over every entry of A (examples and outputs), so dL/dA divides by A.size"),
             Mistake("no_shuffle", _train_bug(order="none"),
                     "your batches follow the data's own order: every epoch must draw its order with "
                     "rng.permutation(N) and take consecutive slices of it"),
             Mistake("shuffle_once", _train_bug(order="once"),
                     "you shuffled once, before the first epoch: draw a new order with rng.permutation(N) at the "
                     "start of EVERY epoch"),
             Mistake("x_only", _train_bug(shuffle_Y=False),
                     "you shuffled X but not Y: each batch must take the same rows of both (X[rows], Y[rows]), "
                     "else the inputs no longer match their targets"),
             Mistake("two_orders", _train_bug(order="two"),
                     "you drew two different orders, one for X and one for Y: the inputs no longer match their "
                     "targets; draw ONE order per epoch and take the same rows of both"),
             Mistake("full_batch", _train_bug(full_batch=True),
                     "you took one step per epoch on all the data (full-batch descent); mini-batch SGD takes one "
                     "step per batch of batch_size examples"),
             Mistake("loss_after", _train_bug(loss_after=True),
                     "your batch losses were computed after the step; record each batch's loss before updating"),
             Mistake("drop_last", _train_bug(drop_last=True),
                     "the last, smaller batch of each epoch was skipped: when N is not a multiple of batch_size "
                     "the last batch holds the remaining examples"),
             Mistake("stale", _train_bug(forward_with="epoch_start"),
                     "your forward pass uses the weights of the start of the epoch (a copy?): each batch's forward "
                     "pass must see the weights the previous step updated"),
             Mistake("copies", _train_bug(update="copies"),
                     "your loss never improves: the updates go to copies, and the network keeps its initial "
                     "weights; update the arrays that params holds, in place"),
             Mistake("epoch_means", _train_epoch_means,
                     "you returned one loss per epoch (a mean); the contract asks for every step's batch loss"),
         )),
    Part(A, "test_stable_learning_rate", "stable_learning_rate", _stable_lr, None, points=2, kind=ANSWER,
         answer_format="number", rtol=1e-2, atol=0.0,
         mistakes=(
             Mistake("one_over_L", _stable_lr_one_over_l,
                     "that is 1/L, half the limit: gradient descent on a quadratic still converges (oscillating) for "
                     "every learning rate below 2/L, where L is the Hessian's largest eigenvalue"),
             Mistake("gram", _stable_lr_gram,
                     "you used the eigenvalues of X^T X, but the Hessian of the mean squared error "
                     "(1/N)||Xw - y||^2 is (2/N) X^T X: the factor 2/N is missing"),
             Mistake("no_two", _stable_lr_no_two,
                     "the Hessian lacks the 2 from differentiating the square: it is (2/N) X^T X, not (1/N) X^T X"),
             Mistake("sum", _stable_lr_sum,
                     "the Hessian lacks the 1/N of the mean: the loss is (1/N)||Xw - y||^2, so it is (2/N) X^T X"),
             Mistake("lambda_min", _stable_lr_lambda_min,
                     "you used the smallest eigenvalue: stability is decided by the steepest direction, so the "
                     "bound is 2/lambda_max (lambda_min governs how slowly the flattest direction converges)"),
             Mistake("trace", _stable_lr_trace,
                     "you used the trace (the sum of all eigenvalues): that gives a safe but smaller step; the "
                     "limit is 2/lambda_max of the Hessian"),
             Mistake("sigma", _stable_lr_sigma,
                     "you used the largest singular value of X; the Hessian's eigenvalues are (2/N) times the "
                     "squared singular values of X"),
         )),
)

PARTS += (
    Part(A, "test_scaled_learning_rate", "scaled_learning_rate", scaled_learning_rate, None, points=1, kind=ANSWER,
         answer_format="number", rtol=1e-2, atol=0.0, mistakes=_mistakes(SCALING_MISTAKES)),
    Part(A, "test_gd_steps_to_tolerance", "gd_steps_to_tolerance", gd_steps_to_tolerance, None, points=2,
         kind=ANSWER, answer_format="numbers:2", rtol=0.0, atol=0.0, mistakes=_mistakes(GD_STEPS_MISTAKES)),
)
