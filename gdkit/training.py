"""Training loops written out step by step, and the noise of mini-batch gradients (gradient-descent chapter).

:class:`gdkit.models.Sequential` runs the same loop for any network; here it is spelled out for a linear model
so that every line of mini-batch gradient descent is visible. :func:`gradient_noise` measures how noisy a
mini-batch gradient is, which sets how the learning rate should change with the batch size.
"""
from typing import NamedTuple

import numpy as np

from . import losses, nn

__all__ = ["minibatch_epoch", "GradientNoise", "gradient_noise"]


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


class GradientNoise(NamedTuple):
    r"""The full-batch gradient and the spread of the per-example gradients around it, at one point.

    Attributes
    ----------
    gradient : ndarray, shape (P,)
        :math:`G = \nabla\mathcal{L}(\theta) = \frac1N\sum_n \nabla\ell_n(\theta)`, all parameters flattened.
    trace_covariance : float
        :math:`\operatorname{tr}\Sigma = \frac1N\sum_n \|\nabla\ell_n(\theta) - G\|^2`, the expected squared
        error of the gradient of one example drawn at random.
    n_examples : int
        N.
    """
    gradient: np.ndarray
    trace_covariance: float
    n_examples: int

    @property
    def noise_scale(self):
        r""":math:`B_\text{noise} = \operatorname{tr}\Sigma / \|G\|^2`, McCandlish et al.'s (2018) "simple noise
        scale": the batch size at which the noise of a mini-batch gradient is as large as the gradient itself."""
        return float(self.trace_covariance / (self.gradient @ self.gradient))

    def batch_variance(self, batch_size):
        r"""Expected :math:`\|g_B - G\|^2` of the mean gradient of ``batch_size`` examples drawn without replacement:
        :math:`\frac{\operatorname{tr}\Sigma}{|B|}\,\frac{N - |B|}{N - 1}` (0 for the full batch)."""
        n = self.n_examples
        if not 1 <= batch_size <= n:
            raise ValueError(f"batch_size must be between 1 and N = {n}, got {batch_size}.")
        return float(self.trace_covariance / batch_size * (n - batch_size) / max(n - 1, 1))


def gradient_noise(model, X, y):
    """Per-example gradients of a compiled model at its current weights, summarised as a :class:`GradientNoise`.

    Parameters
    ----------
    model : gdkit.Sequential
        Compiled; its weights are not changed.
    X : ndarray, shape (N, D)
    y : ndarray, shape (N,) or (N, K)

    Returns
    -------
    GradientNoise

    Notes
    -----
    One backward pass per example (``model.compute_gradients`` on a batch of one), so it costs about N
    training steps: meant for the small data sets of the book. gdkit's losses are means over the examples, so
    ``gradient`` is exactly the full-batch gradient; a penalty's gradient is part of every per-example gradient.
    """
    X = np.asarray(X)
    y = np.asarray(y)

    def flat(grads):
        return np.concatenate([g.ravel() for layer in grads for g in layer])

    per_example = np.array([flat(model.compute_gradients(X[n:n + 1], y[n:n + 1])) for n in range(len(X))])
    mean = per_example.mean(axis=0)
    trace = float(np.mean(np.sum((per_example - mean) ** 2, axis=1)))
    return GradientNoise(mean, trace, len(X))
