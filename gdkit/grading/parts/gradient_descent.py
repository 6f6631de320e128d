"""Parts of assignment 04_gradient_descent (chapter: gradient descent): one step, a descent path, a mini-batch epoch,
and the concept question "the largest stable learning rate for your data" (a worked example of a concept part).

References: ``gdkit.optimizers.sgd_update``, ``gdkit.landscapes.gradient_descent``, ``gdkit.training.minibatch_epoch``;
the concept answers are computed here, from the student's own problem (``gdkit.problems.gradient_descent``).
"""
import numpy as np

from ... import landscapes, losses, optimizers, training
from ...problems.gradient_descent import regression_problem
from ..core import ANSWER, Mistake, Part
from ..hooks import descent_prepare, epoch_collect, sgd_collect, sgd_prepare
from ._common import Case, cases_from, normal

A = "04_gradient_descent"


# ---- sgd_update (shared with 05_momentum) --------------------------------------------------------------------
def _plain_sgd_cases(rng, hidden):
    def case(shape, lr, label, dtype=np.float64):
        return Case((normal(rng, *shape, dtype=dtype), normal(rng, *shape, dtype=dtype)), {"learning_rate": lr},
                    label=label)
    visible = [case((3, 2), 0.1, "a 3x2 weight matrix, learning rate 0.1")]
    extra = [case((5,), 0.5, "a bias vector"), case((4, 4), 1e-3, "a small learning rate"),
             case((2, 3), 0.05, "float32 parameters", np.float32), case((1, 1), 2.0, "a 1x1 parameter")]
    return cases_from(visible, extra, hidden)


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
    def case(name, argument, x0, lr, steps, label):
        return Case((name, argument, np.asarray(x0, dtype=float), lr, steps), label=label)
    visible = [case("bowl", 1.0, [1.5, -1.0], 0.3, 10, "a round bowl, 10 steps")]
    extra = [case("ravine", 10.0, [2.0, 1.0], 0.15, 25, "a ravine (condition number 10)"),
             case("rosenbrock", 100.0, [-1.0, 1.5], 1e-3, 40, "Rosenbrock's valley"),
             case("parabola", 2.0, [1.0], 0.1, 5, "a 1-D parabola"),
             case("bowl", 3.0, normal(rng, 2), 0.5, 1, "a single step"),
             case("bowl", 1.0, [0.5, 0.5], 0.1, 0, "zero steps")]
    return cases_from(visible, extra, hidden)


def _descent_no_start(function, x0, learning_rate, steps):
    return landscapes.gradient_descent(function, x0, learning_rate, steps)[1:]


def _descent_aliased(function, x0, learning_rate, steps):
    path = landscapes.gradient_descent(function, x0, learning_rate, steps)
    return np.repeat(path[-1:], len(path), axis=0)


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
    visible = [case(8, 2, 1, 0.1, 4, "8 examples in batches of 4")]
    extra = [case(10, 3, 1, 0.05, 4, "10 examples in batches of 4 (the last has 2)"),
             case(5, 2, 2, 0.1, 1, "batch size 1 (stochastic), two outputs"),
             case(6, 4, 1, 0.2, 6, "one full batch"),
             case(7, 3, 2, 0.1, 10, "batch size larger than N"),
             case(12, 3, 1, 0.02, 5, "12 examples in batches of 5")]
    return cases_from(visible, extra, hidden)


def _epoch_drop_last(X, y, W, b, learning_rate, batch_size):
    n = (len(X) // batch_size) * batch_size or len(X)
    return training.minibatch_epoch(X[:n], y[:n], W, b, learning_rate, batch_size)


def _epoch_by_n(X, y, W, b, learning_rate, batch_size):
    batch_losses = []
    for start in range(0, len(X), batch_size):
        Xb, yb = X[start:start + batch_size], y[start:start + batch_size]
        Z = Xb @ W + b
        batch_losses.append(losses.mean_squared_error(yb, Z))
        dZ = 2 * (Z - yb) / (len(X) * y.shape[1])
        W -= learning_rate * Xb.T @ dZ
        b -= learning_rate * dZ.sum(axis=0)
    return np.array(batch_losses)


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
         mistakes=(
             Mistake("no_start", _descent_no_start,
                     "your path lacks the starting point: row 0 is x0, then one row per step (steps + 1 rows)"),
             Mistake("aliased", _descent_aliased,
                     "every row of your path is the final point: you stored the same array object each time; "
                     "append a copy (x.copy()) or update with x = x - ..."),
             Mistake("ascend", _descent_up, "the path moves up the gradient: x <- x - learning_rate * grad f(x)"),
         )),
    Part(A, "test_minibatch_epoch", "minibatch_epoch", training.minibatch_epoch, _epoch_cases, points=3,
         forbidden=(training.minibatch_epoch,), collect=epoch_collect, rtol=1e-6,
         mistakes=(
             Mistake("drop_last", _epoch_drop_last,
                     "the last, smaller batch was skipped: when N is not a multiple of batch_size the last batch "
                     "holds the remaining examples"),
             Mistake("by_n", _epoch_by_n,
                     "your batch gradient is divided by the whole data set's N; the batch loss is a mean over "
                     "the batch, so divide by the batch size"),
             Mistake("one_update", _epoch_one_update,
                     "you updated the weights once after the whole epoch (full-batch); mini-batch descent takes "
                     "one step per batch"),
             Mistake("loss_after", _epoch_loss_after,
                     "your batch losses were computed after the step; record each batch's loss before updating"),
             Mistake("rebind", _epoch_rebind,
                     "W and b were not changed: update them in place (W -= ..., b -= ...), not by rebinding names"),
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
