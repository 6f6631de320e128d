"""gdkit.tuning: repeated runs over seeds and per-method learning-rate tuning, against hand-computed values."""
import numpy as np
import pytest

from gdkit.tuning import over_seeds, tune_learning_rate


def test_over_seeds_mean_and_sample_std_by_hand():
    """Results 1, 2, 4: mean 7/3, sample std sqrt(((1-7/3)^2 + (2-7/3)^2 + (4-7/3)^2) / 2)."""
    runs = over_seeds(lambda seed: {0: 1.0, 1: 2.0, 2: 4.0}[seed], seeds=range(3))
    assert runs.seeds == (0, 1, 2)
    assert runs.mean == pytest.approx(7 / 3)
    assert runs.std == pytest.approx(np.sqrt(((1 - 7 / 3) ** 2 + (2 - 7 / 3) ** 2 + (4 - 7 / 3) ** 2) / 2))
    assert "± " in str(runs) and "3 seeds" in str(runs)


def test_over_seeds_curves_are_averaged_per_epoch():
    """Curves of equal length stack to (S, T); the mean is taken per epoch."""
    runs = over_seeds(lambda seed: np.array([seed, 2 * seed, 3 * seed]), seeds=[1, 3])
    assert runs.values.shape == (2, 3)
    np.testing.assert_allclose(runs.mean, [2, 4, 6])
    np.testing.assert_allclose(runs.std, np.std([[1, 2, 3], [3, 6, 9]], axis=0, ddof=1))


def test_over_seeds_single_seed_has_zero_spread():
    assert over_seeds(lambda seed: 5.0, seeds=[7]).std == 0.0


def test_over_seeds_rejects_mismatched_shapes_and_no_seeds():
    with pytest.raises(ValueError, match="different shapes"):
        over_seeds(lambda seed: np.zeros(seed + 1), seeds=[0, 1])
    with pytest.raises(ValueError, match="at least one seed"):
        over_seeds(lambda seed: 0.0, seeds=[])


def test_seeds_reach_the_run():
    """Every seed is passed once, in order."""
    seen = []
    over_seeds(lambda seed: seen.append(seed) or 0.0, seeds=[4, 2, 9])
    assert seen == [4, 2, 9]


def quadratic_gd(rate, seed, steps=20, curvature=4.0):
    """Gradient descent on f(x) = curvature/2 x^2 from a seed-dependent start; returns the final f."""
    x = 1.0 + np.random.default_rng(seed).random()
    for _ in range(steps):
        x -= rate * curvature * x
    return 0.5 * curvature * x * x


def test_tune_picks_the_optimal_rate_of_a_quadratic():
    """On f = 2 x^2 the best fixed step is 1/L = 0.25 (one step to the minimum); 0.6 > 2/L diverges."""
    tuned = tune_learning_rate(quadratic_gd, [0.01, 0.1, 0.25, 0.4, 0.6], seeds=range(3))
    assert tuned.learning_rate == 0.25
    assert tuned.scores[-1] > tuned.scores[2]
    assert tuned.runs.values.shape == (3,)
    np.testing.assert_array_equal(tuned.rates, [0.01, 0.1, 0.25, 0.4, 0.6])


def test_tune_counts_a_diverged_run_as_infinitely_bad():
    """A rate whose run returns inf or NaN on any seed scores +inf and is never chosen."""
    def run(rate, seed):
        return np.nan if (rate == 0.1 and seed == 1) else rate
    tuned = tune_learning_rate(run, [0.1, 0.2], seeds=range(3))
    assert tuned.scores[0] == np.inf and tuned.learning_rate == 0.2


def test_tune_rejects_bad_grids_and_all_diverged():
    with pytest.raises(ValueError, match="positive learning rates"):
        tune_learning_rate(quadratic_gd, [0.1, -1.0])
    with pytest.raises(ValueError, match="diverged"):
        tune_learning_rate(lambda rate, seed: np.inf, [0.1, 1.0])


def test_tune_custom_score_on_curves():
    """A custom score (area under the curve) instead of the final value."""
    def run(rate, seed):
        return np.array([1.0, rate, 0.0])
    tuned = tune_learning_rate(run, [0.5, 0.1], seeds=[0], score=np.sum)
    assert tuned.learning_rate == 0.1
