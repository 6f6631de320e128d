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


# ---- random and grid search ---------------------------------------------------------------------------------------
import math  # noqa: E402
import warnings  # noqa: E402

import gdkit  # noqa: E402
from gdkit import optimizers  # noqa: E402
from gdkit.layers import Dense  # noqa: E402
from gdkit.tuning import Search, grid_search, log_uniform, lr_range_test, random_search  # noqa: E402


def test_random_search_draws_log_uniformly_from_the_rng_in_order():
    """Trial i draws its hyperparameters in the order of `space`, each exp(uniform(log low, log high))."""
    seen = []
    search = random_search(lambda p: seen.append(p) or p["lr"] * p["wd"], {"lr": (1e-4, 1e-1), "wd": (1e-6, 1e-2)},
                           n_trials=4, rng=3)
    rng = np.random.default_rng(3)
    for trial in search.trials:
        assert trial["lr"] == pytest.approx(math.exp(rng.uniform(math.log(1e-4), math.log(1e-1))), rel=1e-14)
        assert trial["wd"] == pytest.approx(math.exp(rng.uniform(math.log(1e-6), math.log(1e-2))), rel=1e-14)
    assert seen == search.trials
    np.testing.assert_allclose(search.scores, [t["lr"] * t["wd"] for t in search.trials])
    assert search.best == search.trials[int(np.argmin(search.scores))]
    assert search.best_score == min(search.scores)
    assert random_search(lambda p: p["lr"], {"lr": (1e-4, 1e-1)}, 4, rng=3).trials == \
        [{"lr": t["lr"]} for t in random_search(lambda p: 0.0, {"lr": (1e-4, 1e-1)}, 4, rng=3).trials]


def test_log_uniform_gives_each_decade_the_same_share():
    """4 decades, 4000 draws: about 1000 in each (binomial standard deviation about 27)."""
    sample, rng = log_uniform(1e-5, 1e-1), np.random.default_rng(0)
    draws = np.array([sample(rng) for _ in range(4000)])
    assert draws.min() >= 1e-5 and draws.max() <= 1e-1
    counts = np.histogram(np.log10(draws), bins=[-5, -4, -3, -2, -1])[0]
    assert np.all(np.abs(counts - 1000) < 5 * 27), counts
    with pytest.raises(ValueError, match="0 < low < high"):
        log_uniform(0.0, 1.0)


def test_random_search_accepts_any_sampler_and_scores_divergence_as_inf():
    search = random_search(lambda p: float("nan") if p["batch"] == 64 else p["lr"],
                           {"lr": (0.01, 0.1), "batch": lambda rng: int(rng.choice([32, 64]))}, n_trials=20, rng=0)
    batches = search.values("batch")
    assert set(batches) == {32.0, 64.0}
    assert np.all(np.isinf(search.scores[batches == 64])) and np.all(np.isfinite(search.scores[batches == 32]))
    assert search.best["batch"] == 32
    for bad in (0, 2.5, True):
        with pytest.raises(ValueError, match="n_trials must be an integer >= 1"):
            random_search(lambda p: 0.0, {"lr": (0.1, 1.0)}, bad)
    with pytest.raises(ValueError, match="space must name"):
        random_search(lambda p: 0.0, {}, 3)


def test_grid_search_tries_every_combination_in_product_order():
    search = grid_search(lambda p: (math.log10(p["lr"]) + 2) ** 2 + p["mu"],
                         {"lr": np.geomspace(1e-3, 1e-1, 3), "mu": [0.5, 0.0]})
    assert isinstance(search, Search) and len(search.trials) == 6
    assert [t["mu"] for t in search.trials] == [0.5, 0.0] * 3
    assert type(search.trials[0]["lr"]) is float
    assert search.best == {"lr": pytest.approx(1e-2), "mu": 0.0} and search.best_score == pytest.approx(0.0)
    with pytest.raises(ValueError, match="grid must name"):
        grid_search(lambda p: 0.0, {})


# ---- learning-rate range test -------------------------------------------------------------------------------------
def _range_model(optimizer):
    rng = np.random.default_rng(0)
    x = rng.normal(size=(256, 4))
    y = (x[:, 0] - x[:, 1] > 0).astype(float)
    model = gdkit.Sequential([Dense(8, "tanh", input_dim=4), Dense(1, "sigmoid")], rng=1)
    model.compile(optimizer=optimizer, loss="binary_crossentropy")
    return model, x, y


def test_lr_range_test_ramps_geometrically_and_records_every_batch():
    model, x, y = _range_model(optimizers.SGD(0.05))
    result = lr_range_test(model, x, y, min_lr=1e-3, max_lr=1.0, batch_size=16, epochs=2, rng=0)
    assert len(result.losses) == len(result.learning_rates) == 2 * 16
    np.testing.assert_allclose(result.learning_rates, np.geomspace(1e-3, 1.0, 32), rtol=1e-12)
    assert np.all(np.isfinite(result.losses))
    assert result.smoothed()[-1] < result.losses[0]  # on this easy problem the loss falls as the rate grows
    # the optimizer gets its own rate back, with its state reset
    assert model.optimizer.learning_rate == 0.05 and model.optimizer.iterations == 0


def test_lr_range_test_equals_fit_with_the_same_schedule():
    """The recorded losses are those of fit with a geometric schedule (the test adds nothing else)."""
    model, x, y = _range_model(optimizers.Adam())
    result = lr_range_test(model, x, y, min_lr=1e-4, max_lr=0.1, batch_size=64, rng=5)
    twin, _, _ = _range_model(optimizers.Adam(gdkit.schedules.ExponentialDecay(1e-4, 1e3, 3)))
    history = twin.fit(x, y, batch_size=64, epochs=1, verbose=0, rng=5)
    np.testing.assert_allclose(result.losses, history.batch_loss, rtol=1e-12)


def test_lr_range_test_stops_quietly_at_divergence():
    """Linear regression by SGD: once the rate passes 2/L the loss grows geometrically to infinity."""
    _, x, y = _range_model(optimizers.SGD())
    model = gdkit.Sequential([Dense(1, input_dim=4)], rng=0)
    model.compile(optimizer="sgd", loss="mse")
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # the expected divergence warning is silenced inside
        result = lr_range_test(model, x, y, min_lr=1e-2, max_lr=1e8, batch_size=4)
    assert len(result.losses) < 64 and not np.isfinite(result.losses[-1])
    assert len(result.learning_rates) == len(result.losses)
    assert 1e-3 < result.suggestion() < 1e3


def test_range_test_smoothing_and_suggestion_by_hand():
    result = gdkit.tuning.RangeTest(np.array([0.1, 1.0, 10.0]), np.array([2.0, 1.0, 4.0]))
    # beta = 0.5: s1 = 1 -> 2.0; s2 = 0.5 + 0.5 = 1.0 -> 1.0 / 0.75; s3 = 0.5 + 2 = 2.5 -> 2.5 / 0.875
    np.testing.assert_allclose(result.smoothed(0.5), [2.0, 1.0 / 0.75, 2.5 / 0.875], rtol=1e-15)
    np.testing.assert_array_equal(result.smoothed(0.0), result.losses)
    assert result.suggestion(0.0) == pytest.approx(0.1)  # a tenth of the rate of the lowest loss, 1.0


def test_lr_range_test_argument_errors():
    model, x, y = _range_model(optimizers.SGD())
    with pytest.raises(ValueError, match="0 < min_lr < max_lr"):
        lr_range_test(model, x, y, min_lr=1.0, max_lr=0.1)
    with pytest.raises(ValueError, match="at least 2 steps"):
        lr_range_test(model, x, y, batch_size=1000)
    uncompiled = gdkit.Sequential([Dense(1, input_dim=4)])
    with pytest.raises(ValueError, match="compiled model"):
        lr_range_test(uncompiled, x, y)
