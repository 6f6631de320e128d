"""Student-style answers to 04_gradient_descent: one wrong answer per catalogued misconception, right ones."""
import numpy as np
from _entries import buggy, correct


# ---- sgd_update -------------------------------------------------------------------------------------------------
@buggy("test_sgd_update", "moves up the gradient")
def sgd_update_ascent(param, grad, state, *, learning_rate, momentum=0.0, nesterov=False, weight_decay=0.0):
    param += learning_rate * grad
    return state


@buggy("test_sgd_update", "param was not changed")
def sgd_update_rebind(param, grad, state, *, learning_rate, momentum=0.0, nesterov=False, weight_decay=0.0):
    param = param - learning_rate * grad
    return state


@buggy("test_sgd_update", "ignores the learning rate")
def sgd_update_no_lr(param, grad, state, *, learning_rate, momentum=0.0, nesterov=False, weight_decay=0.0):
    np.subtract(param, grad, out=param)
    return state


@correct("test_sgd_update")
def sgd_update_slice_assign(param, grad, state, *, learning_rate, momentum=0.0, nesterov=False, weight_decay=0.0):
    param[...] = param - learning_rate * grad
    return state


@correct("test_sgd_update")
def sgd_update_scratch(param, grad, state, *, learning_rate, momentum=0.0, nesterov=False, weight_decay=0.0):
    np.multiply(grad, learning_rate, out=state.scratch)
    np.subtract(param, state.scratch, out=param)
    return state


# ---- gradient_descent -------------------------------------------------------------------------------------------
@buggy("test_gradient_descent", "lacks the starting point")
def gradient_descent_no_start(function, x0, learning_rate, steps):
    x, path = np.array(x0, dtype=float), []
    for _ in range(steps):
        x = x - learning_rate * function.grad(x)
        path.append(x)
    return np.array(path).reshape(steps, len(x0))


@buggy("test_gradient_descent", "same array object")
def gradient_descent_aliased(function, x0, learning_rate, steps):
    x = np.array(x0, dtype=float)
    path = [x]
    for _ in range(steps):
        x -= learning_rate * function.grad(x)
        path.append(x)
    return np.array(path)


@buggy("test_gradient_descent", "moves up the gradient")
def gradient_descent_up(function, x0, learning_rate, steps):
    path = np.zeros((steps + 1, len(x0)))
    path[0] = x0
    for k in range(steps):
        path[k + 1] = path[k] + learning_rate * function.grad(path[k])
    return path


@correct("test_gradient_descent")
def gradient_descent_prealloc(function, x0, learning_rate, steps):
    path = np.empty((steps + 1, np.size(x0)))
    path[0] = x0
    for k in range(1, steps + 1):
        path[k] = path[k - 1] - learning_rate * function.grad(path[k - 1])
    return path


@correct("test_gradient_descent")
def gradient_descent_with_optimizer(function, x0, learning_rate, steps):
    from gdkit.optimizers import SGD
    optimizer, x = SGD(learning_rate), np.array(x0, dtype=float)
    path = [x.copy()]
    for _ in range(steps):
        optimizer.step([x], [function.grad(x)])
        path.append(x.copy())
    return np.vstack(path)


# ---- minibatch_epoch --------------------------------------------------------------------------------------------
def _step(Xb, yb, W, b, learning_rate):
    Z = Xb @ W + b
    loss = float(np.mean((Z - yb) ** 2))
    dZ = 2 * (Z - yb) / Z.size
    W -= learning_rate * Xb.T @ dZ
    b -= learning_rate * dZ.sum(axis=0)
    return loss


@buggy("test_minibatch_epoch", "last, smaller batch was skipped")
def minibatch_epoch_drop_last(X, y, W, b, learning_rate, batch_size):
    n_batches = max(len(X) // batch_size, 1)
    size = min(batch_size, len(X))
    return np.array([_step(X[i * size:(i + 1) * size], y[i * size:(i + 1) * size], W, b, learning_rate)
                     for i in range(n_batches)])


@buggy("test_minibatch_epoch", "divided by the whole data set's N")
def minibatch_epoch_by_n(X, y, W, b, learning_rate, batch_size):
    out = []
    for i in range(0, len(X), batch_size):
        Xb, yb = X[i:i + batch_size], y[i:i + batch_size]
        Z = Xb @ W + b
        out.append(np.mean((Z - yb) ** 2))
        dZ = 2 * (Z - yb) / y.size
        W -= learning_rate * Xb.T @ dZ
        b -= learning_rate * dZ.sum(axis=0)
    return np.array(out)


@buggy("test_minibatch_epoch", "once after the whole epoch")
def minibatch_epoch_accumulate(X, y, W, b, learning_rate, batch_size):
    out, dW, db = [], np.zeros_like(W), np.zeros_like(b)
    for i in range(0, len(X), batch_size):
        Xb, yb = X[i:i + batch_size], y[i:i + batch_size]
        Z = Xb @ W + b
        out.append(np.mean((Z - yb) ** 2))
        dZ = 2 * (Z - yb) / Z.size
        dW += Xb.T @ dZ
        db += dZ.sum(axis=0)
    W -= learning_rate * dW
    b -= learning_rate * db
    return np.array(out)


@buggy("test_minibatch_epoch", "computed after the step")
def minibatch_epoch_loss_after(X, y, W, b, learning_rate, batch_size):
    out = []
    for i in range(0, len(X), batch_size):
        Xb, yb = X[i:i + batch_size], y[i:i + batch_size]
        _step(Xb, yb, W, b, learning_rate)
        out.append(np.mean((Xb @ W + b - yb) ** 2))
    return np.array(out)


@buggy("test_minibatch_epoch", "W and b were not changed")
def minibatch_epoch_rebind(X, y, W, b, learning_rate, batch_size):
    out = []
    for i in range(0, len(X), batch_size):
        Xb, yb = X[i:i + batch_size], y[i:i + batch_size]
        Z = Xb @ W + b
        out.append(np.mean((Z - yb) ** 2))
        dZ = 2 * (Z - yb) / Z.size
        W = W - learning_rate * Xb.T @ dZ
        b = b - learning_rate * dZ.sum(axis=0)
    return np.array(out)


@correct("test_minibatch_epoch")
def minibatch_epoch_gdkit_pieces(X, y, W, b, learning_rate, batch_size):
    from gdkit import losses, nn
    out = []
    for batch in np.array_split(np.arange(len(X)), range(batch_size, len(X), batch_size)):
        Z, cache = nn.dense_forward(X[batch], W, b)
        out.append(losses.mean_squared_error(y[batch], Z))
        _, dW, db = nn.dense_backward(losses.mean_squared_error_grad(y[batch], Z), cache)
        W -= learning_rate * dW
        b -= learning_rate * db
    return out


@correct("test_minibatch_epoch")
def minibatch_epoch_per_example_sums(X, y, W, b, learning_rate, batch_size):
    out = []
    start = 0
    while start < len(X):
        stop = min(start + batch_size, len(X))
        Z = X[start:stop] @ W + b
        out.append(float(((Z - y[start:stop]) ** 2).sum() / Z.size))
        dW, db = np.zeros_like(W), np.zeros_like(b)
        for n in range(start, stop):
            dz = 2 * (Z[n - start] - y[n]) / Z.size
            dW += np.outer(X[n], dz)
            db += dz
        W -= learning_rate * dW
        b -= learning_rate * db
        start = stop
    return np.asarray(out)


# ---- concept: the largest stable learning rate (the student's value, computed from their own problem) -----------
# Each entry takes the student id and returns what that student would assign to stable_learning_rate.
def _X(student):
    from gdkit.problems.gradient_descent import regression_problem
    return regression_problem(student).X


@correct("test_stable_learning_rate")
def stable_lr_eigvalsh(student):
    X = _X(student)
    hessian = 2 / len(X) * X.T @ X
    return 2 / np.linalg.eigvalsh(hessian).max()


@correct("test_stable_learning_rate")
def stable_lr_singular_values_rounded(student):
    """sigma_max(X)^2 = lambda_max(X^T X), rounded to 3 significant digits as a student might write it."""
    X = _X(student)
    value = len(X) / np.linalg.svd(X, compute_uv=False)[0] ** 2
    return float(f"{value:.3g}")


@correct("test_stable_learning_rate")
def stable_lr_power_iteration(student):
    X = _X(student)
    H = 2 / len(X) * X.T @ X
    v = np.ones(H.shape[0])
    for _ in range(500):
        v = H @ v
        v /= np.linalg.norm(v)
    return np.float32(2 / (v @ H @ v))


@buggy("test_stable_learning_rate", "that is 1/L, half the limit")
def stable_lr_one_over_l(student):
    X = _X(student)
    return 1 / np.linalg.eigvalsh(2 / len(X) * X.T @ X).max()


@buggy("test_stable_learning_rate", "the factor 2/N is missing")
def stable_lr_gram(student):
    X = _X(student)
    return 2 / np.linalg.eigvalsh(X.T @ X).max()


@buggy("test_stable_learning_rate", "lacks the 2 from differentiating the square")
def stable_lr_no_two(student):
    X = _X(student)
    return 2 / np.linalg.eigvalsh(X.T @ X / len(X)).max()


@buggy("test_stable_learning_rate", "lacks the 1/N of the mean")
def stable_lr_sum(student):
    X = _X(student)
    return 2 / np.linalg.eigvalsh(2 * X.T @ X).max()


@buggy("test_stable_learning_rate", "you used the smallest eigenvalue")
def stable_lr_lambda_min(student):
    X = _X(student)
    return 2 / np.linalg.eigvalsh(2 / len(X) * X.T @ X).min()


@buggy("test_stable_learning_rate", "you used the trace")
def stable_lr_trace(student):
    X = _X(student)
    return 2 / np.trace(2 / len(X) * X.T @ X)


@buggy("test_stable_learning_rate", "largest singular value of X")
def stable_lr_sigma(student):
    X = _X(student)
    return 2 / (2 / len(X) * np.linalg.svd(X, compute_uv=False)[0])


@buggy("test_stable_learning_rate", "is not the right answer for your problem")
def stable_lr_guess(student):
    return 0.1


@buggy("test_stable_learning_rate", "should be a number")
def stable_lr_string(student):
    return "0.05"


@buggy("test_stable_learning_rate", "the id your notebook declares")
def stable_lr_someone_elses(student):
    """The right answer for another id (the notebook declared "someone-else"): see test_catalogue's _run."""
    X = _X("someone-else")
    return 2 / np.linalg.eigvalsh(2 / len(X) * X.T @ X).max()
