"""Training loops written out step by step, for the gradient-descent chapter and its exercise.

:class:`gdkit.models.Sequential` runs the same loop for any network; here it is spelled out for a linear model
so that every line of mini-batch gradient descent is visible.
"""
import numpy as np

from . import losses, nn

__all__ = ["minibatch_epoch"]


def minibatch_epoch(X, y, W, b, learning_rate, batch_size):
    """One epoch of mini-batch gradient descent on a linear model with MSE.

    The examples are taken in the given order in batches of ``batch_size`` (the last one may be smaller).
    For each batch: ``Z = X_b @ W + b``, the batch loss ``mean_squared_error(y_b, Z)`` (recorded before the
    step), its gradients, and an in-place step ``W -= learning_rate * dW``, ``b -= learning_rate * db``.

    Returns
    -------
    ndarray, shape (number of batches,)
        The loss of each batch before its step.
    """
    batch_losses = []
    for start in range(0, len(X), batch_size):
        Xb, yb = X[start:start + batch_size], y[start:start + batch_size]
        Z, cache = nn.dense_forward(Xb, W, b)
        batch_losses.append(losses.mean_squared_error(yb, Z))
        _, dW, db = nn.dense_backward(losses.mean_squared_error_grad(yb, Z), cache, need_dX=False)
        W -= learning_rate * dW
        b -= learning_rate * db
    return np.array(batch_losses)
