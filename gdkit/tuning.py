"""Honest comparisons of training methods: a run repeated over seeds, and a learning rate tuned per method.

Serves every chapter that ranks methods (gradient descent, momentum, practice): one seed is an anecdote, and
two methods compared at one shared learning rate compare their step sizes, not the methods. The rule the book
follows: tune each method's learning rate on some seeds, then report the mean and spread over other seeds.

A *run* is any function of a seed (and, for tuning, of a learning rate) that trains and returns a number (a
final loss) or an array of numbers (a loss curve). Nothing here draws: see :mod:`gdkit.plotting` for figures.

For several hyperparameters at once (chapter: tuning and debugging), :func:`random_search` samples them, on a
log scale for scale parameters such as the learning rate, and :func:`grid_search` tries a grid, both returning
a :class:`Search`. :func:`lr_range_test` ramps the learning rate geometrically over one epoch of a model and
records the loss of every batch (Smith, 2017).
"""
from __future__ import annotations

import itertools
import math
import warnings
from typing import NamedTuple

import numpy as np

from .callbacks import TrainingDivergedWarning
from .schedules import ExponentialDecay

__all__ = ["SeedRuns", "Tuned", "over_seeds", "tune_learning_rate", "Search", "log_uniform", "random_search",
           "grid_search", "RangeTest", "lr_range_test"]


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
    runs = []

    def mean_score(trial):  # +inf (via grid_search) if any seed's score is not finite
        runs.append(over_seeds(lambda seed: run(trial["learning_rate"], seed), seeds))
        return np.mean([score(values) for values in runs[-1].values])

    search = grid_search(mean_score, {"learning_rate": rates.tolist()})
    if not np.any(np.isfinite(search.scores)):
        raise ValueError(f"every learning rate in {rates.tolist()} diverged on some seed: try smaller rates")
    return Tuned(float(rates[search.best_index]), rates, search.scores, runs[search.best_index])


# --- searching several hyperparameters ----------------------------------------------------------------------------

class Search(NamedTuple):
    """The trials of a hyperparameter search and their scores.

    Attributes
    ----------
    trials : list of dict
        The hyperparameters of each trial, in the order they were tried.
    scores : ndarray, shape (T,)
        The objective of each trial (lower is better; +inf where it was not finite, e.g. a diverged run).
    """
    trials: list
    scores: np.ndarray

    @property
    def best_index(self):
        return int(np.argmin(self.scores))

    @property
    def best(self):
        """The hyperparameters of the trial with the lowest score."""
        return self.trials[self.best_index]

    @property
    def best_score(self):
        return float(self.scores[self.best_index])

    def values(self, name):
        """The values of hyperparameter ``name`` over the trials, shape (T,) (for scatter plots)."""
        return np.array([trial[name] for trial in self.trials], dtype=float)


def log_uniform(low, high):
    """A sampler ``rng -> value`` uniform in ``log(value)`` between ``low`` and ``high`` (both > 0): each factor of
    10 gets the same share of the draws. Pass it (or just the pair ``(low, high)``) in :func:`random_search`'s
    ``space``."""
    low, high = float(low), float(high)
    if not (0 < low < high and math.isfinite(high)):
        raise ValueError(f"a log-uniform range needs 0 < low < high, got ({low!r}, {high!r}); learning rates and "
                         "weight decays are searched on a log scale, e.g. (1e-4, 1e-1).")

    def sample(rng):
        return float(np.exp(rng.uniform(np.log(low), np.log(high))))

    sample.__qualname__ = f"log_uniform({low!r}, {high!r})"
    return sample


def _score(value):
    value = float(value)
    return value if math.isfinite(value) else math.inf


def _search(objective, trials):
    if not trials:
        raise ValueError("the search has no trials: give n_trials >= 1 or a non-empty grid")
    return Search(trials, np.array([_score(objective(dict(trial))) for trial in trials]))


def random_search(objective, space, n_trials, rng=None):
    """Minimise ``objective`` over hyperparameters drawn at random (Bergstra & Bengio, 2012).

    Parameters
    ----------
    objective : callable ``dict -> float``
        Trains with the hyperparameters of the dict (e.g. ``{"learning_rate": 0.01, "weight_decay": 1e-4}``) and
        returns a score to minimise, such as a validation loss. A non-finite score counts as +inf.
    space : dict of str -> (low, high) or callable
        A pair is sampled log-uniformly (:func:`log_uniform`), the right scale for learning rates, weight decays
        and other scale parameters; a callable ``rng -> value`` is used as given (e.g. ``lambda rng:
        rng.uniform(0.8, 0.99)`` or ``lambda rng: rng.choice([32, 64])``).
    n_trials : int >= 1
    rng : None, int or numpy Generator
        Draws every trial, in order: trial ``i`` draws the hyperparameters in the order of ``space``.

    Returns
    -------
    Search

    Notes
    -----
    With the same budget, a grid of :math:`k \\times k` points tries only :math:`k` values of each
    hyperparameter; random search tries :math:`k^2` different values of each, which matters when only one of
    them has a strong effect.
    """
    if isinstance(n_trials, bool) or not isinstance(n_trials, (int, np.integer)) or n_trials < 1:
        raise ValueError(f"n_trials must be an integer >= 1, got {n_trials!r}")
    if not space:
        raise ValueError("space must name at least one hyperparameter, e.g. {'learning_rate': (1e-4, 1e-1)}")
    samplers = {name: spec if callable(spec) else log_uniform(*spec) for name, spec in space.items()}
    rng = np.random.default_rng(rng)
    trials = [{name: sample(rng) for name, sample in samplers.items()} for _ in range(int(n_trials))]
    return _search(objective, trials)


def grid_search(objective, grid):
    """Minimise ``objective`` over every combination of the values in ``grid``.

    Parameters
    ----------
    objective : callable ``dict -> float``
        As in :func:`random_search`.
    grid : dict of str -> sequence
        The values of each hyperparameter, e.g. ``{"learning_rate": np.geomspace(1e-4, 1e-1, 4)}``: a log-spaced
        grid for scale parameters.

    Returns
    -------
    Search
        Trials in ``itertools.product`` order (the last hyperparameter varies fastest).
    """
    if not grid:
        raise ValueError("grid must name at least one hyperparameter, e.g. {'learning_rate': [1e-3, 1e-2, 1e-1]}")
    names = list(grid)
    trials = [dict(zip(names, (v.item() if isinstance(v, np.generic) else v for v in values)))
              for values in itertools.product(*(list(grid[name]) for name in names))]
    return _search(objective, trials)


# --- learning-rate range test --------------------------------------------------------------------------------------

class RangeTest(NamedTuple):
    """The result of :func:`lr_range_test`: the learning rate and the loss of every batch.

    Attributes
    ----------
    learning_rates : ndarray, shape (B,)
        The rate of each step, increasing geometrically.
    losses : ndarray, shape (B,)
        The loss of each batch, computed before that step's update (so ``losses[i]`` shows the effect of the
        steps with the rates before ``learning_rates[i]``). Shorter than the planned ramp if training diverged:
        the last entry is then the non-finite loss.
    """
    learning_rates: np.ndarray
    losses: np.ndarray

    def smoothed(self, beta=0.9):
        """The losses smoothed by a bias-corrected exponential moving average (as Adam's moments),
        ``s_t = beta s_{t-1} + (1 - beta) L_t`` divided by ``1 - beta^t``."""
        if not 0 <= beta < 1:
            raise ValueError(f"beta must be in [0, 1), got {beta!r}")
        out, average = np.empty(len(self.losses)), 0.0
        for t, loss in enumerate(self.losses, start=1):
            average = beta * average + (1 - beta) * loss
            out[t - 1] = average / (1 - beta ** t)
        return out

    def suggestion(self, beta=0.9):
        """A rule of thumb: a tenth of the rate at which the smoothed loss is lowest (the loss still falls fast
        there, and a tenth leaves a margin before the rates at which it blows up)."""
        smooth = self.smoothed(beta)
        finite = np.isfinite(smooth)
        if not finite.any():
            raise ValueError("the range test has no finite loss: start it at a smaller min_lr")
        index = int(np.argmin(np.where(finite, smooth, np.inf)))
        return float(self.learning_rates[index] / 10)


def lr_range_test(model, x, y, min_lr=1e-6, max_lr=10.0, batch_size=32, epochs=1, rng=None):
    """Train ``model`` once while the learning rate grows geometrically from ``min_lr`` to ``max_lr``, and record
    the loss of every batch (Smith, 2017; the "LR finder" of fastai).

    Parameters
    ----------
    model : gdkit.models.Sequential
        Compiled with the optimizer to test. It is *trained* by the test: build a fresh model (same architecture
        and seed) for the real training. Its optimizer's learning rate is restored afterwards and its state reset.
    x, y : arrays
        Training data, as for ``fit``.
    min_lr, max_lr : float, 0 < min_lr < max_lr
    batch_size : int
    epochs : int
        The ramp spans all steps of ``epochs`` epochs (1 is usual; more gives more points on a small data set).
    rng : None, int or Generator
        Shuffling.

    Returns
    -------
    RangeTest
        Plot it with :func:`gdkit.plotting.plot_lr_range_test`. Read off the largest rate at which the loss still
        falls steeply, and take a rate somewhat below it (``RangeTest.suggestion`` takes a tenth of the rate at the
        minimum of the smoothed loss).

    Notes
    -----
    Step :math:`t` of the :math:`B` steps uses :math:`\\eta_t = \\eta_{\\min} (\\eta_{\\max} /
    \\eta_{\\min})^{t / (B - 1)}` (an ``ExponentialDecay`` with a rate above 1). Once the loss diverges
    (NaN or infinite) training stops; the divergence warning is silenced because it is expected here.
    """
    if not (0 < min_lr < max_lr and math.isfinite(max_lr)):
        raise ValueError(f"need 0 < min_lr < max_lr, got min_lr={min_lr!r}, max_lr={max_lr!r}")
    if getattr(model, "optimizer", None) is None:
        raise ValueError("lr_range_test needs a compiled model: call model.compile(optimizer=..., loss=...) first")
    n = len(x)
    steps = epochs * -(-n // min(batch_size, n))
    if steps < 2:
        raise ValueError(f"the range test needs at least 2 steps; {n} examples with batch_size={batch_size} and "
                         f"epochs={epochs} give {steps}: use a smaller batch_size or more epochs")
    optimizer, original_rate = model.optimizer, model.optimizer.learning_rate
    optimizer.reset()
    optimizer.learning_rate = ExponentialDecay(min_lr, max_lr / min_lr, steps - 1)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", TrainingDivergedWarning)
            history = model.fit(x, y, batch_size=batch_size, epochs=epochs, verbose=0, rng=rng)
        schedule = optimizer.learning_rate
        losses = np.array(history.batch_loss, dtype=float)
        rates = np.array([schedule(t) for t in range(len(losses))])
    finally:
        optimizer.learning_rate = original_rate
        optimizer.reset()
    return RangeTest(rates, losses)
