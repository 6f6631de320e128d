"""Concept-question data of assignment 01_forward (chapter: forward propagation)."""
from typing import NamedTuple

import numpy as np

from . import problem_rng

__all__ = ["NetworkSizes", "network_sizes"]


class NetworkSizes(NamedTuple):
    """Layer sizes ``[D, H_1, ..., K]`` of a fully connected network (a Dense layer with bias between each
    pair)."""

    sizes: tuple


def network_sizes(student, question="01_forward/parameter_count"):
    """Two to four Dense layers with 2..64 units each."""
    rng = problem_rng(question, student)
    depth = int(rng.integers(2, 5))
    return NetworkSizes(tuple(int(v) for v in rng.integers(2, 65, size=depth + 1)))
