"""Reading a network's health from its statistics (chapter: gradient pathologies).

:meth:`gdkit.models.Sequential.fit` with ``diagnostics=True`` records these statistics per layer and epoch;
:func:`diagnose` turns them into a one-word verdict; :func:`backward_norms` looks inside one backward pass.
"""
import numpy as np

__all__ = ["dead_fraction", "saturated_fraction", "diagnose", "DIAGNOSES", "backward_norms"]


def dead_fraction(Z):
    """The fraction of units (columns of ``Z``, shape (N, M)) whose
    pre-activation is <= 0 for every example of the batch, i.e. dead ReLU units, as in
    ``History.diagnostics["dead_fraction"]``."""
    return float(np.mean(np.all(np.asarray(Z) <= 0, axis=0)))


def saturated_fraction(A, activation):
    """The fraction of outputs ``A`` of a sigmoid (outside [0.01, 0.99]) or tanh (beyond +-0.99) layer that sit
    where the derivative is nearly 0; NaN for other activations."""
    A = np.asarray(A)
    if activation == "sigmoid":
        return float(np.mean((A < 0.01) | (A > 0.99)))
    if activation == "tanh":
        return float(np.mean(np.abs(A) > 0.99))
    return float("nan")


DIAGNOSES = ("dead_relu", "vanishing", "exploding", "healthy")


def diagnose(grad_norms, dead_fractions):
    """A one-word diagnosis of a network from per-layer statistics.

    Parameters
    ----------
    grad_norms : ndarray, shape (L,)
        Norm of each layer's weight gradient, first layer first.
    dead_fractions : ndarray, shape (L,)
        Fraction of dead ReLU units per layer (NaN for layers without ReLU).

    Returns
    -------
    str
        ``"dead_relu"`` if some layer has at least half of its units dead; otherwise ``"vanishing"`` if the
        first layer's gradient norm is below 1e-3 times the last layer's, ``"exploding"`` if it is above 1e3
        times the last layer's or any norm is not finite; otherwise ``"healthy"``.
    """
    grad_norms = np.asarray(grad_norms, dtype=float)
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


def backward_norms(model, x, y):
    r"""Per layer with weights, the norms of what one backward pass multiplies: input, ``dZ`` and ``dW``.

    For a Dense layer :math:`l`, :math:`Z_l = A_{l-1} W_l + b_l` and :math:`dW_l = A_{l-1}^\top dZ_l`, so the size of
    :math:`dW_l` is set by both the activations coming forward and the gradient coming back. This runs one
    forward and one backward pass on ``(x, y)`` (as :meth:`~gdkit.models.Sequential.compute_gradients`: the
    weights do not change) and records the three Frobenius norms per layer.

    Parameters
    ----------
    model : gdkit.models.Sequential
        Compiled (a loss is needed).
    x : ndarray, shape (N, D)
    y : ndarray
        Targets, as for ``fit``.

    Returns
    -------
    dict
        ``{"input": {name: ||A_{l-1}||}, "dZ": {name: ||dL/dZ_l||}, "dW": {name: ||dW_l||}}`` for every layer
        with weights, keyed by layer name in layer order (``A_0`` is ``x``).
    """
    if not model.built:
        model.build(np.shape(x)[1])
    layers = [layer for layer in model.layers if layer.params]
    dZ_norms = {}

    def record_dZ(layer):
        backward_from_z = layer.backward_from_z   # the class's method; every backward pass goes through it

        def backward_from_z_recording(dZ, need_dX=True):
            dZ_norms[layer.name] = float(np.linalg.norm(dZ))
            return backward_from_z(dZ, need_dX)
        return backward_from_z_recording

    for layer in layers:
        layer.backward_from_z = record_dZ(layer)     # an instance attribute, removed below
    try:
        grads = model.compute_gradients(x, y)
    finally:
        for layer in layers:
            del layer.backward_from_z
    inputs, previous = {}, np.asarray(x, dtype=float)
    for layer, layer_grads in zip(model.layers, grads):
        if layer.params:
            inputs[layer.name] = float(np.linalg.norm(previous))
        previous = layer.output
    dW = {layer.name: float(np.linalg.norm(g[0])) for layer, g in zip(model.layers, grads) if layer.params}
    return {"input": inputs, "dZ": {layer.name: dZ_norms[layer.name] for layer in layers}, "dW": dW}
