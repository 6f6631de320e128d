"""Concept-question data of assignment 01_forward (chapter: forward propagation)."""
from typing import NamedTuple

import numpy as np

from . import problem_rng

__all__ = ["NetworkSizes", "network_sizes", "TinyNetwork", "tiny_network"]


class NetworkSizes(NamedTuple):
    """Layer sizes ``[D, H_1, ..., K]`` of a fully connected network (a Dense layer with bias between each
    pair)."""

    sizes: tuple


def network_sizes(student, question="01_forward/parameter_count"):
    """Two to four Dense layers with 2..64 units each; neighbouring sizes differ, and so do the input and output
    sizes (so that counting one bias per *input* unit never happens to give the right number)."""
    rng = problem_rng(question, student)
    depth = int(rng.integers(2, 5))
    sizes = [int(v) for v in rng.integers(2, 64, size=depth + 1)]
    for i in range(1, len(sizes)):
        while sizes[i] == sizes[i - 1] or (i == len(sizes) - 1 and sizes[i] == sizes[0]):
            sizes[i] = sizes[i] % 63 + 2  # the next size in 2..64
    return NetworkSizes(tuple(sizes))


class TinyNetwork(NamedTuple):
    """A 3-3-1 network, ReLU hidden layer and sigmoid output, and one input ``x`` (batch first, as in gdkit:
    ``Z1 = x @ W1 + b1``, ``A1 = relu(Z1)``, ``z2 = A1 @ W2 + b2``, output ``sigmoid(z2)``)."""

    x: np.ndarray   # (1, 3)
    W1: np.ndarray  # (3, 3)
    b1: np.ndarray  # (3,)
    W2: np.ndarray  # (3, 1)
    b2: np.ndarray  # (1,)


def tiny_network(student, question="01_forward/hand_forward"):
    """Small numbers a student can multiply by hand (quarters, halves and wholes). The hidden biases are chosen so
    that two hidden units are active and one (at a random place) is not: its pre-activation is negative, so the
    ReLU matters. No bias and no weight is 0, the input's entries are positive, and x @ W1.T differs from
    x @ W1 (a transposed W1 gives another network)."""
    rng = problem_rng(question, student)
    values = np.array([-2.0, -1.5, -1.0, -0.5, 0.5, 1.0, 1.5, 2.0])
    while True:
        x = rng.choice([0.5, 1.0, 1.5, 2.0, 3.0], size=3)
        W1 = rng.choice(values, size=(3, 3))
        targets = rng.choice(np.arange(1, 11) / 4, size=3)
        targets[rng.integers(3)] = -rng.choice([0.5, 1.0, 1.5, 2.0])
        b1 = targets - x @ W1  # the hidden pre-activations are the targets: two positive, one negative
        if np.all(b1 != 0) and np.any(x @ W1.T != x @ W1):
            break
    W2 = rng.choice(values[1:-1], size=(3, 1))  # |w| <= 1.5, so that the output is rarely saturated
    # the hidden activations are multiples of 1/4 and W2's entries of 1/2, so a1 @ W2 is a multiple of 1/8; b2 is not
    # one, so the output's pre-activation is never exactly 0
    b2 = rng.choice([-0.9, -0.7, -0.3, 0.3, 0.7, 0.9], size=1)
    return TinyNetwork(x.reshape(1, 3), W1, b1, W2, b2)
