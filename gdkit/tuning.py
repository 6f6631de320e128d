"""Honest comparisons of training methods: a run repeated over seeds, and a learning rate tuned per method.

Serves every chapter that ranks methods (gradient descent, momentum, practice): one seed is an anecdote, and
two methods compared at one shared learning rate compare their step sizes, not the methods. The rule the book
follows: tune each method's learning rate on some seeds, then report the mean and spread over other seeds.

A *run* is any function of a seed (and, for tuning, of a learning rate) that trains and returns a number (a
final loss) or an array of numbers (a loss curve). Nothing here draws: see :mod:`gdkit.plotting` for figures.
"""
from __future__ import annotations

from typing import NamedTuple

import numpy as np

__all__ = ["SeedRuns", "Tuned", "over_seeds", "tune_learning_rate"]


class SeedRuns(NamedTuple):
    """The results of one run repeated over seeds.

    Attributes
    ----------
    values : ndarray, shape (S, ...)
        ``values[i]`` is what the run returned for ``seeds[i]`` (a number, or an array such as a loss curve).
    seeds : tuple of int, length S
    """
    values: np.ndarray
    seeds: tuple

    @property
    def mean(self):
        """Mean over the seeds, shape ``values.shape[1:]``."""
        return self.values.mean(axis=0)

    @property
    def std(self):
        """Sample standard deviation over the seeds (ddof=1; zeros for a single seed), shape ``values.shape[1:]``."""
        if len(self.seeds) < 2:
            return np.zeros(self.values.shape[1:])
        return self.values.std(axis=0, ddof=1)

    def __str__(self):
        if self.values.ndim == 1:
            return f"{self.mean:.4g} ± {self.std:.2g} (mean ± std over {len(self.seeds)} seeds)"
        return f"SeedRuns of {len(self.seeds)} seeds, each of shape {self.values.shape[1:]}"


class Tuned(NamedTuple):
    """A learning rate chosen from a grid, with the evidence.

    Attributes
    ----------
    learning_rate : float
        The rate of ``rates`` with the lowest mean score (non-finite runs count as +inf).
    rates : ndarray, shape (R,)
    scores : ndarray, shape (R,)
        Mean score over the tuning seeds for each rate (+inf where any seed diverged).
    runs : SeedRuns
        The runs at the chosen rate, on the tuning seeds.
    """
    learning_rate: float
    rates: np.ndarray
    scores: np.ndarray
    runs: SeedRuns


def over_seeds(run, seeds=range(5)):
    """Call ``run(seed)`` for every seed and stack the results.

    Parameters
    ----------
    run : callable ``seed -> float or ndarray``
        Trains once with randomness drawn only from ``seed`` (e.g. ``np.random.default_rng(seed)``) and returns
        a number or an array of the same shape for every seed.
    seeds : iterable of int, default ``range(5)``

    Returns
    -------
    SeedRuns
        ``values`` of shape (S, ...); ``.mean`` and ``.std`` give the mean and spread.

    Examples
    --------
    >>> float(over_seeds(lambda seed: float(seed), seeds=[1, 2, 3]).mean)
    2.0
    """
    seeds = tuple(int(s) for s in seeds)
    if not seeds:
        raise ValueError("over_seeds needs at least one seed, got an empty list")
    results = [np.asarray(run(seed), dtype=float) for seed in seeds]
    shapes = {r.shape for r in results}
    if len(shapes) > 1:
        raise ValueError(f"run(seed) returned results of different shapes {sorted(shapes)}: every seed must "
                         "return the same shape (e.g. a loss curve of the same number of epochs)")
    return SeedRuns(np.stack(results), seeds)


def _final(result):
    """The default score of a run's result: the number itself, or the last entry of a curve."""
    result = np.asarray(result, dtype=float)
    return float(result) if result.ndim == 0 else float(result.reshape(-1)[-1])


def tune_learning_rate(run, rates, seeds=range(5), score=_final):
    """Pick the learning rate with the lowest mean score over seeds.

    Parameters
    ----------
    run : callable ``(learning_rate, seed) -> float or ndarray``
    rates : sequence of float
        The grid to try, usually log-spaced (``np.geomspace(1e-3, 1, 7)``). If the chosen rate is at an end of
        the grid, widen the grid: the best rate may lie outside it.
    seeds : iterable of int, default ``range(5)``
        Seeds used for tuning. Report the chosen method on *other* seeds, so the reported numbers are not
        selected on their own noise.
    score : callable ``result -> float``, default the final value
        Lower is better. A run that returns a non-finite score (it diverged) makes that rate score +inf.

    Returns
    -------
    Tuned
    """
    rates = np.asarray(rates, dtype=float)
    if rates.ndim != 1 or rates.size == 0 or not np.all(rates > 0):
        raise ValueError(f"rates must be a non-empty 1-D sequence of positive learning rates, got {rates!r}")
    all_runs, scores = [], []
    for rate in rates:
        runs = over_seeds(lambda seed: run(float(rate), seed), seeds)
        per_seed = np.array([score(v) for v in runs.values])
        scores.append(per_seed.mean() if np.all(np.isfinite(per_seed)) else np.inf)
        all_runs.append(runs)
    scores = np.array(scores)
    if not np.any(np.isfinite(scores)):
        raise ValueError(f"every learning rate in {rates.tolist()} diverged on some seed: try smaller rates")
    best = int(np.argmin(scores))
    return Tuned(float(rates[best]), rates, scores, all_runs[best])
