"""Concept-question data of assignment 06_pathologies (chapter: gradient pathologies)."""
from typing import NamedTuple

import numpy as np

from . import problem_rng

__all__ = ["SigmoidNetwork", "sigmoid_network", "TrainingCurves", "DiagnosisProblem", "training_runs", "CONDITIONS"]


class SigmoidNetwork(NamedTuple):
    """A deep network of sigmoid layers, layer 1 next to the input.

    ``spectral_norms[l - 1]`` is :math:`\\lVert W_l\\rVert_2` (the largest singular value of layer ``l``'s weights),
    ``dZ_norms[l - 1]`` the measured :math:`\\lVert dZ_l\\rVert` of one backward pass, for ``l = 1 .. n_layers``."""

    spectral_norms: np.ndarray  # (n_layers,)
    dZ_norms: np.ndarray  # (n_layers,)


def sigmoid_network(student, question="06_pathologies/sigmoid_gradients"):
    """Between 6 and 12 layers; spectral norms in [1, 3.5] (2 decimals); measured norms that shrink towards the
    input by a noisy factor of about a third to a half of the bound per layer (3 significant digits)."""
    rng = problem_rng(question, student)
    n = int(rng.integers(6, 13))
    spectral = np.round(rng.uniform(1.0, 3.5, size=n), 2)
    factors = spectral[1:] / 4 * rng.uniform(0.3, 0.6, size=n - 1)  # ||dZ_l|| / ||dZ_{l+1}||, l = 1 .. n-1
    dZ = np.empty(n)
    dZ[-1] = rng.uniform(0.5, 2.0)
    for layer in range(n - 2, -1, -1):
        dZ[layer] = dZ[layer + 1] * factors[layer]
    return SigmoidNetwork(spectral, np.array([float(f"{v:.3g}") for v in dZ]))


#: The four conditions of the diagnosis question (the labels of ``gdkit.diagnostics.diagnose``).
CONDITIONS = ("vanishing", "exploding", "dead_relu", "healthy")


class TrainingCurves(NamedTuple):
    """Per epoch (``epoch`` 1 .. E) of a training run, as ``fit(..., diagnostics=True)`` records them:
    the training loss, the first and the last layer's gradient norm (mean of :math:`\\lVert dW\\rVert` over the
    epoch's steps), and the largest fraction of dead ReLU units over the layers (NaN: no ReLU layer)."""

    epoch: np.ndarray
    loss: np.ndarray
    grad_norm_first: np.ndarray
    grad_norm_last: np.ndarray
    dead_fraction: np.ndarray


def _run(condition, rng):
    """Curves of one run with ``condition``, 3 significant digits."""
    epochs = int(rng.integers(8, 13))
    e = np.arange(1, epochs + 1, dtype=float)
    noise = 1 + 0.05 * rng.standard_normal(epochs)
    last = rng.uniform(0.05, 0.5) * noise
    if condition == "vanishing":  # a sigmoid stack: no ReLU layer, the loss still falls a little
        loss = 0.69 - 0.004 * np.log1p(e) * rng.uniform(0.5, 2.0)
        first = last * 10.0 ** rng.uniform(-6.0, -4.0) * noise[::-1]
        dead = np.full(epochs, np.nan)
    elif condition == "exploding":  # the norms grow, then overflow (in the last layer too); the loss falls at first
        blow = int(rng.integers(epochs // 2, epochs - 1))
        loss = 0.7 * np.exp(-0.2 * e) + np.where(e > blow, 10.0 ** (e - blow), 0.0)
        first = last * 10.0 ** (0.8 * e - 1.0)
        loss[-1], first[-1], last[-1] = np.inf, np.inf, np.inf
        dead = rng.uniform(0.0, 0.2, size=epochs)
    elif condition == "dead_relu":  # most units pushed below 0; the first layer's gradient is tiny too
        loss = 0.69 - 0.25 * np.exp(-e) * rng.uniform(0.5, 1.0)
        dead = np.minimum(0.95, rng.uniform(0.5, 0.7) + 0.02 * e)
        first = last * 10.0 ** rng.uniform(-5.0, -4.0) * noise
    else:  # healthy: some dead units (fewer than half), level gradients, a slowly falling loss
        loss = 0.7 * np.exp(-rng.uniform(0.05, 0.15) * e) + 0.05
        dead = rng.uniform(0.05, 0.35, size=epochs)
        first = last * rng.uniform(0.1, 3.0) * noise[::-1]
    sig = lambda a: np.array([float(f"{v:.3g}") if np.isfinite(v) else v for v in a])  # noqa: E731
    return TrainingCurves(e.astype(int), sig(loss), sig(first), sig(last), sig(dead))


class DiagnosisProblem(NamedTuple):
    """Four training runs ``runs = {"A": TrainingCurves, ...}``, one of each of :data:`CONDITIONS` in the student's
    own order, and the condition ``asked`` for: which run shows it?"""

    runs: dict
    asked: str


def training_runs(student, question="06_pathologies/which_diagnosis"):
    """The student's four runs and the condition asked for.

    Every run has a feature that can mislead a quick reading: the vanishing run's loss still falls a little,
    the exploding run's loss falls at first, the dead-ReLU run also has a tiny first-layer gradient, and the
    healthy run has some dead units (fewer than half) and a slowly falling loss."""
    rng = problem_rng(question, student)
    order = rng.permutation(len(CONDITIONS))
    asked = CONDITIONS[int(rng.integers(len(CONDITIONS)))]
    return DiagnosisProblem({letter: _run(CONDITIONS[index], rng) for letter, index in zip("ABCD", order)}, asked)
