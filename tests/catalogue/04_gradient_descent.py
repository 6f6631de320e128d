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


@buggy("test_sgd_update", "must return its argument `state`")
def sgd_update_no_return(param, grad, state, *, learning_rate, momentum=0.0, nesterov=False, weight_decay=0.0):
    param -= learning_rate * grad


@buggy("test_sgd_update", "changed its argument `grad` in place")
def sgd_update_scales_grad(param, grad, state, *, learning_rate, momentum=0.0, nesterov=False, weight_decay=0.0):
    grad *= learning_rate  # saves a temporary, but the caller's gradient is now scaled
    param -= grad
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


@buggy("test_gradient_descent", "changed its argument `x0` in place")
def gradient_descent_moves_x0(function, x0, learning_rate, steps):
    x = x0  # not a copy: the caller's x0 walks along
    path = [x.copy()]
    for _ in range(steps):
        x -= learning_rate * function.grad(x)
        path.append(x.copy())
    return np.array(path)


@buggy("test_gradient_descent", "integer starting point")
def gradient_descent_copy_keeps_int(function, x0, learning_rate, steps):
    x = x0.copy()  # an int array stays int: x -= ... then fails
    path = [x.copy()]
    for _ in range(steps):
        x -= learning_rate * function.grad(x)
        path.append(x.copy())
    return np.array(path)


@buggy("test_gradient_descent", "you returned a list of points")
def gradient_descent_list(function, x0, learning_rate, steps):
    x = np.asarray(x0, dtype=float)
    path = [x]
    for _ in range(steps):
        x = x - learning_rate * function.grad(x)
        path.append(x)
    return path


@buggy("test_gradient_descent", "one step short")
def gradient_descent_one_short(function, x0, learning_rate, steps):
    x = np.array(x0, dtype=float)
    path = [x]
    for _ in range(steps - 1):
        x = x - learning_rate * function.grad(x)
        path.append(x)
    return np.array(path)


@buggy("test_gradient_descent", "one step too many")
def gradient_descent_one_long(function, x0, learning_rate, steps):
    x = np.array(x0, dtype=float)
    path = [x]
    for _ in range(steps + 1):
        x = x - learning_rate * function.grad(x)
        path.append(x)
    return np.array(path)


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


@buggy("test_minibatch_epoch", "must not draw at all")
def minibatch_epoch_shuffled(X, y, W, b, learning_rate, batch_size):
    order = np.random.permutation(len(X))  # the contract takes the examples in the given order
    return np.array([_step(X[order[i:i + batch_size]], y[order[i:i + batch_size]], W, b, learning_rate)
                     for i in range(0, len(X), batch_size)])


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


@buggy("test_minibatch_epoch", "divided by the number of examples in the batch only")
def minibatch_epoch_by_len(X, y, W, b, learning_rate, batch_size):
    out = []
    for i in range(0, len(X), batch_size):
        Xb, yb = X[i:i + batch_size], y[i:i + batch_size]
        Z = Xb @ W + b
        out.append(np.mean((Z - yb) ** 2))
        dZ = 2 * (Z - yb) / len(Xb)
        W -= learning_rate * Xb.T @ dZ
        b -= learning_rate * dZ.sum(axis=0)
    return np.array(out)


@buggy("test_minibatch_epoch", "lacks the factor 2")
def minibatch_epoch_no_two(X, y, W, b, learning_rate, batch_size):
    out = []
    for i in range(0, len(X), batch_size):
        Xb, yb = X[i:i + batch_size], y[i:i + batch_size]
        Z = Xb @ W + b
        out.append(np.mean((Z - yb) ** 2))
        dZ = (Z - yb) / Z.size
        W -= learning_rate * Xb.T @ dZ
        b -= learning_rate * dZ.sum(axis=0)
    return np.array(out)


@buggy("test_minibatch_epoch", "that of the SUM of squared errors")
def minibatch_epoch_sum_gradient(X, y, W, b, learning_rate, batch_size):
    out = []
    for i in range(0, len(X), batch_size):
        Xb, yb = X[i:i + batch_size], y[i:i + batch_size]
        r = Xb @ W + b - yb
        out.append(np.mean(r ** 2))
        W -= learning_rate * 2 * Xb.T @ r
        b -= learning_rate * 2 * r.sum(axis=0)
    return np.array(out)


@buggy("test_minibatch_epoch", "the update moves up the gradient")
def minibatch_epoch_ascent(X, y, W, b, learning_rate, batch_size):
    out = []
    for i in range(0, len(X), batch_size):
        Xb, yb = X[i:i + batch_size], y[i:i + batch_size]
        Z = Xb @ W + b
        out.append(np.mean((Z - yb) ** 2))
        dZ = 2 * (Z - yb) / Z.size
        W += learning_rate * Xb.T @ dZ
        b += learning_rate * dZ.sum(axis=0)
    return np.array(out)


@buggy("test_minibatch_epoch", "changed its argument `X` in place")
def minibatch_epoch_centres_X(X, y, W, b, learning_rate, batch_size):
    X -= 0.0 * X + 1e-3  # "normalises" the caller's data
    return minibatch_epoch_per_example_sums(X, y, W, b, learning_rate, batch_size)


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


# ---- closed loop: train_network with the student's own sgd_update ------------------------------------------------
# gdkit's sgd_update is forbidden in this part; gdkit's mlp_forward, mlp_backward and losses (earlier assignments)
# are allowed. Each entry is the student's train_network together with their own helpers.
def _own_sgd_update(param, grad, state, *, learning_rate, momentum=0.0, nesterov=False, weight_decay=0.0):
    param -= learning_rate * grad
    return state


def _train_loop(X, Y, params, names, learning_rate, batch_size, epochs, rng, *, grad_of=None, step_sign=1.0,
                permutation=None, record_after=False, keep_last=True):
    from gdkit import losses, nn
    from gdkit.optimizers import sgd_init
    trace = []
    for epoch in range(epochs):
        order = rng.permutation(len(X)) if permutation is None else permutation(epoch)
        for start in range(0, len(X), batch_size):
            rows = order[start:start + batch_size]
            if not keep_last and len(rows) < batch_size:
                continue
            A, caches = nn.mlp_forward(X[rows], params, names)
            if not record_after:
                trace.append(losses.mean_squared_error(Y[rows], A))
            dA = losses.mean_squared_error_grad(Y[rows], A) if grad_of is None else grad_of(A, Y[rows])
            for (W, b), (dW, db) in zip(params, nn.mlp_backward(dA, caches)):
                _own_sgd_update(W, step_sign * dW, sgd_init(W), learning_rate=learning_rate)
                _own_sgd_update(b, step_sign * db, sgd_init(b), learning_rate=learning_rate)
            if record_after:
                trace.append(losses.mean_squared_error(Y[rows], nn.mlp_forward(X[rows], params, names)[0]))
    return np.array(trace)


@correct("test_train_network")
def train_network_gdkit_pieces(X, Y, params, names, learning_rate, batch_size, epochs, rng):
    return _train_loop(X, Y, params, names, learning_rate, batch_size, epochs, rng)


@correct("test_train_network")
def train_network_by_hand(X, Y, params, names, learning_rate, batch_size, epochs, rng):
    """Forward, MSE gradient and backward written out for tanh/sigmoid/relu/linear layers, a list of losses."""
    derivative = {"tanh": lambda Z, A: 1 - A ** 2, "sigmoid": lambda Z, A: A * (1 - A),
                  "relu": lambda Z, A: (Z > 0) * 1.0, "linear": lambda Z, A: np.ones_like(Z)}
    function = {"tanh": np.tanh, "sigmoid": lambda z: 1 / (1 + np.exp(-z)), "relu": lambda z: np.maximum(z, 0),
                "linear": lambda z: z}
    state = None
    losses = []
    for _ in range(epochs):
        order = rng.permutation(len(X))
        n_batches = -(-len(X) // batch_size)
        for k in range(n_batches):
            rows = order[k * batch_size:(k + 1) * batch_size]
            inputs, Zs, As = [X[rows]], [], []
            for (W, b), name in zip(params, names):
                Zs.append(inputs[-1] @ W + b)
                As.append(function[name](Zs[-1]))
                inputs.append(As[-1])
            err = As[-1] - Y[rows]
            losses.append(float(np.mean(err ** 2)))
            dA = 2 * err / err.size
            grads = []
            for layer in reversed(range(len(params))):
                dZ = dA * derivative[names[layer]](Zs[layer], As[layer])
                grads.append((inputs[layer].T @ dZ, dZ.sum(axis=0)))
                dA = dZ @ params[layer][0].T
            for (W, b), (dW, db) in zip(params, grads[::-1]):
                sgd_update(W, dW, state, learning_rate=learning_rate)
                sgd_update(b, db, state, learning_rate=learning_rate)
    return losses


@correct("test_train_network")
def train_network_shuffled_index(X, Y, params, names, learning_rate, batch_size, epochs, rng):
    """rng.shuffle of an index array (the same draw as rng.permutation(N)), batches by np.array_split at multiples
    of batch_size, the loss and its gradient from gdkit, the update from the student's own sgd_update."""
    from gdkit import losses, nn
    trace = []
    index = np.arange(len(X))
    for _ in range(epochs):
        index = np.arange(len(X))
        rng.shuffle(index)
        for rows in np.array_split(index, np.arange(batch_size, len(X), batch_size)):
            A, caches = nn.mlp_forward(X[rows], params, names)
            trace.append(losses.mean_squared_error(Y[rows], A))
            for pair, grads in zip(params, nn.mlp_backward(losses.mean_squared_error_grad(Y[rows], A), caches)):
                for param, grad in zip(pair, grads):
                    sgd_update(param, grad, None, learning_rate=learning_rate)
    return np.asarray(trace, dtype=np.float64)


def sgd_update(param, grad, state, *, learning_rate, momentum=0.0, nesterov=False, weight_decay=0.0):
    """The student's own sgd_update (from section 1), used by train_network_by_hand."""
    param[...] = param - learning_rate * grad
    return state


@buggy("test_train_network", "the update moves up the gradient")
def train_network_ascent(X, Y, params, names, learning_rate, batch_size, epochs, rng):
    return _train_loop(X, Y, params, names, learning_rate, batch_size, epochs, rng, step_sign=-1.0)


@buggy("test_train_network", "is not averaged")
def train_network_sum_gradient(X, Y, params, names, learning_rate, batch_size, epochs, rng):
    return _train_loop(X, Y, params, names, learning_rate, batch_size, epochs, rng, grad_of=lambda A, Y: 2 * (A - Y))


@buggy("test_train_network", "divides by the number of examples only")
def train_network_by_len(X, Y, params, names, learning_rate, batch_size, epochs, rng):
    return _train_loop(X, Y, params, names, learning_rate, batch_size, epochs, rng,
                       grad_of=lambda A, Y: 2 * (A - Y) / len(A))


@buggy("test_train_network", "follow the data's own order")
def train_network_no_shuffle(X, Y, params, names, learning_rate, batch_size, epochs, rng):
    return _train_loop(X, Y, params, names, learning_rate, batch_size, epochs, rng,
                       permutation=lambda epoch: np.arange(len(X)))


@buggy("test_train_network", "you shuffled once, before the first epoch")
def train_network_shuffle_once(X, Y, params, names, learning_rate, batch_size, epochs, rng):
    order = rng.permutation(len(X))
    return _train_loop(X, Y, params, names, learning_rate, batch_size, epochs, rng, permutation=lambda epoch: order)


@buggy("test_train_network", "draws from NumPy's global generator")
def train_network_global_rng(X, Y, params, names, learning_rate, batch_size, epochs, rng):
    return _train_loop(X, Y, params, names, learning_rate, batch_size, epochs, rng,
                       permutation=lambda epoch: np.random.permutation(len(X)))


@buggy("test_train_network", "you shuffled X but not Y")
def train_network_shuffles_x_only(X, Y, params, names, learning_rate, batch_size, epochs, rng):
    from gdkit import losses, nn
    trace = []
    for _ in range(epochs):
        Xs = X[rng.permutation(len(X))]
        for start in range(0, len(X), batch_size):
            A, caches = nn.mlp_forward(Xs[start:start + batch_size], params, names)
            Yb = Y[start:start + batch_size]
            trace.append(losses.mean_squared_error(Yb, A))
            for (W, b), (dW, db) in zip(params, nn.mlp_backward(losses.mean_squared_error_grad(Yb, A), caches)):
                W -= learning_rate * dW
                b -= learning_rate * db
    return trace


@buggy("test_train_network", "you drew two different orders")
def train_network_two_orders(X, Y, params, names, learning_rate, batch_size, epochs, rng):
    from gdkit import losses, nn
    trace = []
    for _ in range(epochs):
        Xs, Ys = X[rng.permutation(len(X))], Y[rng.permutation(len(Y))]
        for start in range(0, len(X), batch_size):
            A, caches = nn.mlp_forward(Xs[start:start + batch_size], params, names)
            Yb = Ys[start:start + batch_size]
            trace.append(losses.mean_squared_error(Yb, A))
            for (W, b), (dW, db) in zip(params, nn.mlp_backward(losses.mean_squared_error_grad(Yb, A), caches)):
                sgd_update(W, dW, None, learning_rate=learning_rate)
                sgd_update(b, db, None, learning_rate=learning_rate)
    return trace


@buggy("test_train_network", "changed its argument `X` in place")
def train_network_shuffles_in_place(X, Y, params, names, learning_rate, batch_size, epochs, rng):
    """Shuffles the caller's X and Y in place (consistently), then walks them in order."""
    from gdkit import losses, nn
    trace = []
    for _ in range(epochs):
        order = rng.permutation(len(X))
        X[...], Y[...] = X[order], Y[order]
        for start in range(0, len(X), batch_size):
            A, caches = nn.mlp_forward(X[start:start + batch_size], params, names)
            trace.append(losses.mean_squared_error(Y[start:start + batch_size], A))
            grads = nn.mlp_backward(losses.mean_squared_error_grad(Y[start:start + batch_size], A), caches)
            for (W, b), (dW, db) in zip(params, grads):
                sgd_update(W, dW, None, learning_rate=learning_rate)
                sgd_update(b, db, None, learning_rate=learning_rate)
    return trace


@buggy("test_train_network", "one step per epoch on all the data")
def train_network_full_batch(X, Y, params, names, learning_rate, batch_size, epochs, rng):
    return _train_loop(X, Y, params, names, learning_rate, len(X), epochs, rng)


@buggy("test_train_network", "computed after the step")
def train_network_loss_after(X, Y, params, names, learning_rate, batch_size, epochs, rng):
    return _train_loop(X, Y, params, names, learning_rate, batch_size, epochs, rng, record_after=True)


@buggy("test_train_network", "last, smaller batch of each epoch was skipped")
def train_network_drop_last(X, Y, params, names, learning_rate, batch_size, epochs, rng):
    return _train_loop(X, Y, params, names, learning_rate, batch_size, epochs, rng, keep_last=False)


@buggy("test_train_network", "weights of the start of the epoch")
def train_network_stale_forward(X, Y, params, names, learning_rate, batch_size, epochs, rng):
    from gdkit import losses, nn
    trace = []
    for _ in range(epochs):
        order = rng.permutation(len(X))
        frozen = [(W.copy(), b.copy()) for W, b in params]
        for start in range(0, len(X), batch_size):
            rows = order[start:start + batch_size]
            A, caches = nn.mlp_forward(X[rows], frozen, names)
            trace.append(losses.mean_squared_error(Y[rows], A))
            for (W, b), (dW, db) in zip(params, nn.mlp_backward(losses.mean_squared_error_grad(Y[rows], A), caches)):
                W -= learning_rate * dW
                b -= learning_rate * db
    return trace


@buggy("test_train_network", "the updates go to copies")
def train_network_updates_copies(X, Y, params, names, learning_rate, batch_size, epochs, rng):
    from gdkit import losses, nn
    trace = []
    for _ in range(epochs):
        order = rng.permutation(len(X))
        for start in range(0, len(X), batch_size):
            rows = order[start:start + batch_size]
            A, caches = nn.mlp_forward(X[rows], params, names)
            trace.append(losses.mean_squared_error(Y[rows], A))
            new = []
            for (W, b), (dW, db) in zip(params, nn.mlp_backward(losses.mean_squared_error_grad(Y[rows], A), caches)):
                new.append((W - learning_rate * dW, b - learning_rate * db))  # params never sees these
    return trace


@buggy("test_train_network", "one loss per epoch")
def train_network_epoch_means(X, Y, params, names, learning_rate, batch_size, epochs, rng):
    trace = _train_loop(X, Y, params, names, learning_rate, batch_size, epochs, rng)
    return trace.reshape(epochs, -1).mean(axis=1)


@buggy("test_train_network", "differ from step")
def train_network_momentum(X, Y, params, names, learning_rate, batch_size, epochs, rng):
    """Heavy-ball momentum instead of plain SGD: not catalogued, the trajectory message says where it departs."""
    from gdkit import losses, nn
    velocity = [(np.zeros_like(W), np.zeros_like(b)) for W, b in params]
    trace = []
    for _ in range(epochs):
        order = rng.permutation(len(X))
        for start in range(0, len(X), batch_size):
            rows = order[start:start + batch_size]
            A, caches = nn.mlp_forward(X[rows], params, names)
            trace.append(losses.mean_squared_error(Y[rows], A))
            for (W, b), (vW, vb), (dW, db) in zip(params, velocity,
                                                  nn.mlp_backward(losses.mean_squared_error_grad(Y[rows], A), caches)):
                vW *= 0.9
                vW += dW
                vb *= 0.9
                vb += db
                W -= learning_rate * vW
                b -= learning_rate * vb
    return trace


# ---- concept: the learning rate for a new batch size ------------------------------------------------------------
def _scaling(student):
    from gdkit.problems.gradient_descent import batch_scaling
    return batch_scaling(student)


@correct("test_scaled_learning_rate")
def scaled_lr_ratio(student):
    p = _scaling(student)
    return p.learning_rate * (p.new_batch_size / p.batch_size)


@correct("test_scaled_learning_rate")
def scaled_lr_noise_scale(student):
    """Keep the noise scale eta/|B| fixed, rounded to 3 significant digits."""
    p = _scaling(student)
    return float(f"{p.learning_rate / p.batch_size * p.new_batch_size:.3g}")


@buggy("test_scaled_learning_rate", "you scaled the rate against the batch size")
def scaled_lr_inverse(student):
    p = _scaling(student)
    return p.learning_rate * p.batch_size / p.new_batch_size


@buggy("test_scaled_learning_rate", "square-root scaling")
def scaled_lr_sqrt(student):
    p = _scaling(student)
    return p.learning_rate * (p.new_batch_size / p.batch_size) ** 0.5


@buggy("test_scaled_learning_rate", "the tuned rate belongs to its batch size")
def scaled_lr_same(student):
    return _scaling(student).learning_rate


@buggy("test_scaled_learning_rate", "multiplied by the new batch size itself")
def scaled_lr_times_size(student):
    p = _scaling(student)
    return p.learning_rate * p.new_batch_size


@buggy("test_scaled_learning_rate", "divided by the new batch size")
def scaled_lr_over_size(student):
    p = _scaling(student)
    return p.learning_rate / p.new_batch_size


# ---- concept: steps to a tolerance at eta = 1/L and eta = 2/(m + L) ---------------------------------------------
def _conditioning(student):
    from gdkit.problems.gradient_descent import conditioning_problem
    p = conditioning_problem(student, "04_gradient_descent/steps_to_tolerance")
    return p.L / p.m, p.tolerance


@correct("test_gd_steps_to_tolerance")
def gd_steps_logs(student):
    kappa, tol = _conditioning(student)
    return (int(np.ceil(np.log(tol) / np.log(1 - 1 / kappa))),
            int(np.ceil(np.log(tol) / np.log((kappa - 1) / (kappa + 1)))))


@correct("test_gd_steps_to_tolerance")
def gd_steps_by_iterating(student):
    """Multiply the error by the rate until it is below the tolerance, as a list."""
    kappa, tol = _conditioning(student)
    counts = []
    for rate in (1 - 1 / kappa, (kappa - 1) / (kappa + 1)):
        k, error = 0, 1.0
        while error > tol:
            error *= rate
            k += 1
        counts.append(k)
    return counts


@buggy("test_gd_steps_to_tolerance", "your two numbers are swapped")
def gd_steps_swapped(student):
    return tuple(gd_steps_logs(student)[::-1])


@buggy("test_gd_steps_to_tolerance", "uses the rate (kappa - 1)/(kappa + 1) of the best step")
def gd_steps_both_best(student):
    best = gd_steps_logs(student)[1]
    return (best, best)


@buggy("test_gd_steps_to_tolerance", "uses the rate 1 - 1/kappa of eta = 1/L")
def gd_steps_both_slow(student):
    slow = gd_steps_logs(student)[0]
    return (slow, slow)


@buggy("test_gd_steps_to_tolerance", "rate of tuned MOMENTUM")
def gd_steps_momentum_rate(student):
    kappa, tol = _conditioning(student)
    r = (np.sqrt(kappa) - 1) / (np.sqrt(kappa) + 1)
    return (gd_steps_logs(student)[0], int(np.ceil(np.log(tol) / np.log(r))))


@buggy("test_gd_steps_to_tolerance", "one step short")
def gd_steps_floor(student):
    kappa, tol = _conditioning(student)
    return (int(np.log(tol) / np.log(1 - 1 / kappa)), int(np.log(tol) / np.log((kappa - 1) / (kappa + 1))))


@buggy("test_gd_steps_to_tolerance", "you counted on the loss")
def gd_steps_on_loss(student):
    kappa, tol = _conditioning(student)
    return tuple(int(np.ceil(0.5 * np.log(tol) / np.log(r))) for r in (1 - 1 / kappa, (kappa - 1) / (kappa + 1)))


@buggy("test_gd_steps_to_tolerance", "not by a fixed amount")
def gd_steps_linear(student):
    kappa, tol = _conditioning(student)
    return tuple(int(np.ceil((1 - tol) / (1 - r))) for r in (1 - 1 / kappa, (kappa - 1) / (kappa + 1)))


# ---- held-out measurement (2026-11-30): kinds that got a vague message ------------------------------------------
@buggy("test_gradient_descent", "your rows are one step ahead")
def gradient_descent_one_ahead(function, x0, learning_rate, steps):
    x = np.array(x0, dtype=float)
    path = []
    for _ in range(steps + 1):
        x = x - learning_rate * function.grad(x)
        path.append(x)
    return np.array(path)


@buggy("test_minibatch_epoch", "your gradient divides by batch_size even when the batch is smaller")
def minibatch_epoch_nominal_batch_size(X, y, W, b, learning_rate, batch_size):
    batch_losses = []
    for start in range(0, len(X), batch_size):
        Xb, yb = X[start:start + batch_size], y[start:start + batch_size]
        Z = Xb @ W + b
        batch_losses.append(np.mean((Z - yb) ** 2))
        dZ = 2 * (Z - yb) / (batch_size * y.shape[1])
        W -= learning_rate * Xb.T @ dZ
        b -= learning_rate * dZ.sum(axis=0)
    return np.array(batch_losses)


@correct("test_minibatch_epoch")
def minibatch_epoch_array_split(X, y, W, b, learning_rate, batch_size):
    cuts = np.arange(batch_size, len(X), batch_size)
    batch_losses = []
    for Xb, yb in zip(np.array_split(X, cuts), np.array_split(y, cuts)):
        residual = Xb @ W + b - yb
        batch_losses.append(float(np.mean(residual ** 2)))
        dZ = 2 * residual / residual.size
        W -= learning_rate * (Xb.T @ dZ)
        b -= learning_rate * dZ.sum(axis=0)
    return np.array(batch_losses)


@buggy("test_gd_steps_to_tolerance", "you replaced ln(1/rate) by 1 - rate")
def gd_steps_kappa_log(student):
    kappa, tol = _conditioning(student)
    return (int(np.ceil(kappa * np.log(1 / tol))), int(np.ceil((kappa + 1) / 2 * np.log(1 / tol))))


@buggy("test_gradient_descent", "you returned only the final point")
def gradient_descent_final_point(function, x0, learning_rate, steps):
    x = np.asarray(x0, dtype=float)
    for _ in range(steps):
        x = x - learning_rate * function.grad(x)
    return x


@buggy("test_minibatch_epoch", "you returned one number, the mean of the batch losses")
def minibatch_epoch_mean_loss(X, y, W, b, learning_rate, batch_size):
    return float(np.mean(minibatch_epoch_array_split(X, y, W, b, learning_rate, batch_size)))


@buggy("test_gd_steps_to_tolerance", "belong to momentum")
def gd_steps_momentum_rates(student):
    kappa, tol = _conditioning(student)
    root = np.sqrt(kappa)
    return (int(np.ceil(np.log(tol) / np.log(1 - 1 / root))), int(np.ceil(np.log(tol) / np.log((root - 1) / (root + 1)))))
