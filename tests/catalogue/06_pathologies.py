"""Student-style answers to 06_pathologies: one wrong answer per catalogued misconception, several right ones."""
import math

import numpy as np
from _entries import buggy, correct


# ---- global_norm ------------------------------------------------------------------------------------------------
@buggy("test_global_norm", "you added the arrays' norms")
def global_norm_sum_of_norms(grads):
    return sum(float(np.linalg.norm(g)) for g in grads)


@buggy("test_global_norm", "the square root is missing")
def global_norm_squared(grads):
    return float(sum((g ** 2).sum() for g in grads))


@buggy("test_global_norm", "largest array's norm")
def global_norm_max(grads):
    return max(np.sqrt(np.sum(g * g)) for g in grads)


@correct("test_global_norm")
def global_norm_concatenate(grads):
    return float(np.linalg.norm(np.concatenate([g.ravel() for g in grads])))


@correct("test_global_norm")
def global_norm_hypot(grads):
    total = 0.0
    for g in grads:
        total = math.hypot(total, float(np.linalg.norm(g)))
    return total


# ---- clip_by_global_norm ----------------------------------------------------------------------------------------
def _norm(grads):
    return math.sqrt(sum(float(np.sum(g * g)) for g in grads))


@buggy("test_clip_by_global_norm", "clipped each array by its own norm")
def clip_per_array(grads, max_norm):
    before = _norm(grads)
    for g in grads:
        n = np.linalg.norm(g)
        if n > max_norm:
            g *= max_norm / n
    return before


@buggy("test_clip_by_global_norm", "returned the norm after clipping")
def clip_norm_after(grads, max_norm):
    total = _norm(grads)
    if total > max_norm:
        for g in grads:
            g *= max_norm / (total + 1e-6)
    return _norm(grads)


@buggy("test_clip_by_global_norm", "rescaled even when")
def clip_always(grads, max_norm):
    total = _norm(grads)
    for g in grads:
        g *= max_norm / (total + 1e-6)
    return total


@buggy("test_clip_by_global_norm", "gradients were not changed")
def clip_not_in_place(grads, max_norm):
    total = _norm(grads)
    if total > max_norm:
        grads = [g * max_norm / total for g in grads]
    return total


@buggy("test_clip_by_global_norm", "clipping by value")
def clip_by_value(grads, max_norm):
    total = _norm(grads)
    for g in grads:
        np.clip(g, -max_norm, max_norm, out=g)
    return total


@correct("test_clip_by_global_norm")
def clip_textbook(grads, max_norm):
    total = _norm(grads)
    if math.isfinite(total) and total > max_norm:  # without PyTorch's 1e-6 guard: within tolerance
        for g in grads:
            g *= max_norm / total
    return total


@correct("test_clip_by_global_norm")
def clip_slice_assign(grads, max_norm):
    total = float(np.sqrt(sum(np.vdot(g, g) for g in grads)))
    if np.isnan(total) or np.isinf(total):
        return total
    scale = min(1.0, max_norm / (total + 1e-6))
    for i in range(len(grads)):
        grads[i][...] = grads[i] * scale
    return total


# ---- initialisers -----------------------------------------------------------------------------------------------
@buggy("test_glorot_uniform", "the normal's standard deviation")
def glorot_variance_as_limit(shape, rng=None, dtype=np.float64):
    r = np.sqrt(2 / (shape[0] + shape[1]))
    return np.random.default_rng(rng).uniform(-r, r, shape).astype(dtype)


@buggy("test_glorot_uniform", "fan_in only")
def glorot_fan_in(shape, rng=None, dtype=np.float64):
    r = math.sqrt(6 / shape[0])
    return (np.random.default_rng(rng).random(shape) * 2 * r - r).astype(dtype)


@buggy("test_glorot_uniform", "normally distributed")
def glorot_normal_instead(shape, rng=None, dtype=np.float64):
    std = np.sqrt(2.0 / sum(shape))
    return (std * np.random.default_rng(rng).standard_normal(shape)).astype(dtype)


@buggy("test_glorot_uniform", "square root is missing")
def glorot_no_sqrt(shape, rng=None, dtype=np.float64):
    r = 6 / (shape[0] + shape[1])
    return np.random.default_rng(rng).uniform(-r, r, size=shape).astype(dtype)


@correct("test_glorot_uniform")
def glorot_from_random(shape, rng=None, dtype=np.float64):
    fan_in, fan_out = shape
    r = math.sqrt(6.0 / (fan_in + fan_out))
    gen = np.random.default_rng(rng)
    return ((2.0 * gen.random((fan_in, fan_out)) - 1.0) * r).astype(dtype)


@correct("test_glorot_uniform")
def glorot_own_seed_handling(shape, rng=None, dtype=np.float64):
    gen = rng if isinstance(rng, np.random.Generator) else np.random.default_rng(rng + 12345 if rng else None)
    r = np.sqrt(6.0 / (shape[0] + shape[1]))
    return gen.uniform(low=-r, high=r, size=shape).astype(dtype)


@buggy("test_he_normal", "it is the variance")
def he_variance_as_std(shape, rng=None, dtype=np.float64):
    return np.random.default_rng(rng).normal(0, 2 / shape[0], shape).astype(dtype)


@buggy("test_he_normal", "(LeCun)")
def he_lecun(shape, rng=None, dtype=np.float64):
    return (np.random.default_rng(rng).standard_normal(shape) / np.sqrt(shape[0])).astype(dtype)


@buggy("test_he_normal", "you used fan_out")
def he_fan_out(shape, rng=None, dtype=np.float64):
    fan_in, fan_out = shape
    return np.random.default_rng(rng).normal(0, np.sqrt(2 / fan_out), (fan_in, fan_out)).astype(dtype)


@buggy("test_he_normal", "uniformly distributed")
def he_uniform_instead(shape, rng=None, dtype=np.float64):
    r = np.sqrt(6 / shape[0])
    return np.random.default_rng(rng).uniform(-r, r, shape).astype(dtype)


@correct("test_he_normal")
def he_scaled_standard_normal(shape, rng=None, dtype=np.float64):
    gen = np.random.default_rng(rng)
    return (gen.standard_normal(size=shape) * math.sqrt(2.0 / shape[0])).astype(dtype)


@correct("test_he_normal")
def he_box_muller(shape, rng=None, dtype=np.float64):
    gen = np.random.default_rng(rng)
    u1, u2 = 1.0 - gen.random(shape), gen.random(shape)
    z = np.sqrt(-2.0 * np.log(u1)) * np.cos(2.0 * np.pi * u2)
    return np.asarray(z * np.sqrt(2.0 / shape[0]), dtype=dtype)


# ---- dead_fraction ----------------------------------------------------------------------------------------------
@buggy("test_dead_fraction", "counted the entries")
def dead_fraction_entries(Z):
    return float((Z <= 0).sum() / Z.size)


@buggy("test_dead_fraction", "exactly 0 is dead too")
def dead_fraction_strict(Z):
    return float(np.mean((Z < 0).all(axis=0)))


@buggy("test_dead_fraction", "you looked at rows")
def dead_fraction_rows(Z):
    return float(np.mean([np.all(row <= 0) for row in Z]))


@correct("test_dead_fraction")
def dead_fraction_max(Z):
    return float(np.mean(Z.max(axis=0) <= 0))


@correct("test_dead_fraction")
def dead_fraction_loop(Z):
    dead = 0
    for unit in range(Z.shape[1]):
        if not np.any(Z[:, unit] > 0):
            dead += 1
    return dead / Z.shape[1]


# ---- diagnose ---------------------------------------------------------------------------------------------------
def _ratio_label(first, last):
    if not (np.isfinite(first) and np.isfinite(last)):
        return "exploding"
    if first < 1e-3 * last:
        return "vanishing"
    if first > 1e3 * last:
        return "exploding"
    return "healthy"


@buggy("test_diagnose", "compared the last layer to the first")
def diagnose_inverted(grad_norms, dead_fractions):
    if np.nanmax(dead_fractions) >= 0.5 if not np.all(np.isnan(dead_fractions)) else False:
        return "dead_relu"
    return _ratio_label(grad_norms[-1], grad_norms[0])


@buggy("test_diagnose", "check for dead ReLU units first")
def diagnose_dead_last(grad_norms, dead_fractions):
    label = _ratio_label(grad_norms[0], grad_norms[-1])
    if label == "healthy" and np.any(np.nan_to_num(dead_fractions) >= 0.5):
        return "dead_relu"
    return label


@buggy("test_diagnose", "NaN entries")
def diagnose_nan(grad_norms, dead_fractions):
    if max(dead_fractions) >= 0.5:
        return "dead_relu"
    return _ratio_label(grad_norms[0], grad_norms[-1])


@correct("test_diagnose")
def diagnose_nanmax(grad_norms, dead_fractions):
    dead = np.asarray(dead_fractions, dtype=float)
    if np.any(~np.isnan(dead)) and np.nanmax(dead) >= 0.5:
        return "dead_relu"
    if not np.isfinite(np.sum(grad_norms)):  # inf or NaN anywhere makes the sum non-finite
        return "exploding"
    return _ratio_label(grad_norms[0], grad_norms[-1])


@correct("test_diagnose")
def diagnose_loop(grad_norms, dead_fractions):
    for fraction in dead_fractions:
        if fraction == fraction and fraction >= 0.5:  # NaN != NaN
            return "dead_relu"
    if any(math.isinf(g) or math.isnan(g) for g in grad_norms):
        return "exploding"
    ratio = grad_norms[0] / grad_norms[-1]
    return "vanishing" if ratio < 1e-3 else "exploding" if ratio > 1e3 else "healthy"


# ---- mistakes of the 2026-11 student trial and their neighbours --------------------------------------------------
@buggy("test_global_norm", "you left out the last array")
def global_norm_off_by_one(grads):
    total = 0.0
    for i in range(len(grads) - 1):
        total += float(np.sum(grads[i] ** 2))
    return math.sqrt(total)


@correct("test_global_norm")
def global_norm_float32_loops(grads):
    total = 0.0
    for g in grads:
        for x in np.asarray(g, dtype=np.float64).ravel():
            total += x * x
    return total ** 0.5


def _clip_on(norm):
    def clip(grads, max_norm):
        total = norm(grads)
        if not np.isfinite(total):
            return total
        factor = max_norm / (total + 1e-6)
        if factor < 1:
            for g in grads:
                g *= factor
        return total
    return clip


# a correct clip_by_global_norm that calls the student's own (wrong) global_norm: the blame goes to global_norm
clip_on_norm_squared = buggy("test_clip_by_global_norm", "your global_norm is wrong and clip_by_global_norm uses it "
                             "(the square root")(_clip_on(global_norm_squared))
clip_on_norm_max = buggy("test_clip_by_global_norm", "your global_norm is wrong and clip_by_global_norm uses it "
                         "(you returned the largest")(_clip_on(global_norm_max))
clip_on_norm_off_by_one = buggy("test_clip_by_global_norm", "your global_norm is wrong and clip_by_global_norm "
                                "uses it (you left out")(_clip_on(global_norm_off_by_one))
clip_on_sum_of_norms = _clip_on(global_norm_sum_of_norms)
clip_on_sum_of_norms.catalogue = [("buggy", "test_clip_by_global_norm",
                                   "your global_norm is wrong and clip_by_global_norm uses it (you added")]


@buggy("test_clip_by_global_norm", "with a non-finite global norm (an inf in some layer) you still scaled")
def clip_nonfinite(grads, max_norm):
    total = _norm(grads)
    factor = max_norm / (total + 1e-6)
    if factor < 1.0:
        for g in grads:
            g *= factor
    return total


@correct("test_clip_by_global_norm")
def clip_min_factor(grads, max_norm):
    total = _norm(grads)
    if total != total or total == float("inf"):
        return total
    factor = min(1.0, max_norm / (total + 1e-6))
    for g in grads:
        np.multiply(g, factor, out=g)
    return total


@buggy("test_dead_fraction", "fraction of ALIVE units")
def dead_fraction_alive(Z):
    return float(np.mean(np.any(Z > 0, axis=0)))


@buggy("test_dead_fraction", "the number of dead units")
def dead_fraction_count(Z):
    return float(np.count_nonzero(np.all(Z <= 0, axis=0)))


@buggy("test_diagnose", "'at least half' includes exactly half")
def diagnose_strict_half(grad_norms, dead_fractions):
    dead = np.nan_to_num(np.asarray(dead_fractions, dtype=float))
    if np.any(dead > 0.5):
        return "dead_relu"
    if not np.all(np.isfinite(grad_norms)):
        return "exploding"
    return _ratio_label(grad_norms[0], grad_norms[-1])


@buggy("test_diagnose", "in ANY layer means exploding")
def diagnose_first_finite(grad_norms, dead_fractions):
    if np.nanmax(np.asarray(dead_fractions, dtype=float), initial=0.0) >= 0.5:
        return "dead_relu"
    first, last = float(grad_norms[0]), float(grad_norms[-1])
    if math.isinf(first):
        return "exploding"
    with np.errstate(divide="ignore", invalid="ignore"):
        return _ratio_label(first, last)


# ---- contract: the initialisers draw from the rng they are given ------------------------------------------------
@buggy("test_glorot_uniform", "draws from NumPy's global generator")
def glorot_global_random(shape, rng=None, dtype=np.float64):
    limit = np.sqrt(6.0 / (shape[0] + shape[1]))
    return np.random.uniform(-limit, limit, size=shape).astype(dtype)


@buggy("test_he_normal", "draws from NumPy's global generator")
def he_global_random(shape, rng=None, dtype=np.float64):
    return (np.random.randn(*shape) * np.sqrt(2.0 / shape[0])).astype(dtype)


# ---- concept: the gradient bound of a deep sigmoid network and the measured factor per layer ---------------------
def _net(student):
    from gdkit.problems.pathologies import sigmoid_network
    return sigmoid_network(student)


@correct("test_sigmoid_gradient_bound")
def bound_product(student):
    s = _net(student).spectral_norms
    return float(np.prod(s[1:] / 4))


@correct("test_sigmoid_gradient_bound")
def bound_loop_rounded(student):
    bound = 1.0
    for norm in _net(student).spectral_norms[1:]:
        bound *= 0.25 * norm
    return float(f"{bound:.3g}")


@buggy("test_sigmoid_gradient_bound", "you included layer 1's weights")
def bound_with_first(student):
    return float(np.prod(_net(student).spectral_norms / 4))


@buggy("test_sigmoid_gradient_bound", "the bound for weights of spectral norm 1")
def bound_quarter_only(student):
    return 0.25 ** (len(_net(student).spectral_norms) - 1)


@buggy("test_sigmoid_gradient_bound", "(1/4)^n ignores the weights")
def bound_quarter_n(student):
    return 0.25 ** len(_net(student).spectral_norms)


@buggy("test_sigmoid_gradient_bound", "the sigmoid's slope is missing")
def bound_no_quarter(student):
    return float(np.prod(_net(student).spectral_norms[1:]))


@buggy("test_sigmoid_gradient_bound", "that is the inverse")
def bound_inverted(student):
    return float(np.prod(4 / _net(student).spectral_norms[1:]))


@buggy("test_sigmoid_gradient_bound", "not 1/2")
def bound_half(student):
    return float(np.prod(_net(student).spectral_norms[1:] / 2))


@buggy("test_sigmoid_gradient_bound", "(a product), they do not add")
def bound_sum(student):
    return float(np.sum(_net(student).spectral_norms[1:] / 4))


@correct("test_typical_layer_factor")
def factor_root(student):
    d = _net(student).dZ_norms
    return float((d[0] / d[-1]) ** (1 / (len(d) - 1)))


@correct("test_typical_layer_factor")
def factor_log_mean(student):
    d = _net(student).dZ_norms
    return float(np.exp(np.mean(np.log(d[:-1] / d[1:]))))


@buggy("test_typical_layer_factor", "that is the growth factor")
def factor_inverted(student):
    return 1 / factor_root(student)


@buggy("test_typical_layer_factor", "n layers have n - 1 steps")
def factor_exponent_n(student):
    d = _net(student).dZ_norms
    return float((d[0] / d[-1]) ** (1 / len(d)))


@buggy("test_typical_layer_factor", "averaged the per-layer ratios arithmetically")
def factor_arithmetic(student):
    d = _net(student).dZ_norms
    return float(np.mean(d[:-1] / d[1:]))


@buggy("test_typical_layer_factor", "that is the total ratio")
def factor_total(student):
    d = _net(student).dZ_norms
    return float(d[0] / d[-1])


@buggy("test_typical_layer_factor", "not by equal amounts")
def factor_linear(student):
    d = _net(student).dZ_norms
    return float(1 - (1 - d[0] / d[-1]) / (len(d) - 1))


# ---- concept: which run shows the condition asked for ------------------------------------------------------------
def _runs(student):
    from gdkit.problems.pathologies import training_runs
    return training_runs(student)


def _read(run):
    """A student's reading of one run's last epoch, by the chapter's rules."""
    dead = run.dead_fraction[-1]
    if dead == dead and dead >= 0.5:
        return "dead_relu"
    first, last = run.grad_norm_first[-1], run.grad_norm_last[-1]
    if not (np.isfinite(first) and np.isfinite(last)):
        return "exploding"
    return "vanishing" if first < 1e-3 * last else "exploding" if first > 1e3 * last else "healthy"


@correct("test_which_run")
def which_run_by_rules(student):
    problem = _runs(student)
    return next(letter for letter, run in problem.runs.items() if _read(run) == problem.asked)


@correct("test_which_run")
def which_run_by_curves(student):
    """Reading the whole curves: overflowing norms, a dead fraction of at least half, a median ratio below 1e-3."""
    problem = _runs(student)
    for letter, run in problem.runs.items():
        ratio = run.grad_norm_first / run.grad_norm_last
        dead = np.nan_to_num(run.dead_fraction)
        condition = ("exploding" if not np.all(np.isfinite(ratio)) else "dead_relu" if dead.max() >= 0.5
                     else "vanishing" if np.median(ratio) < 1e-3 else "healthy")
        if condition == problem.asked:
            return letter.lower()


def _choosing(chosen):
    def answer(student):
        return next(letter for letter, run in _runs(student).runs.items() if _read(run) == chosen)
    return answer


which_run_vanishing = buggy("test_which_run", "that run shows vanishing gradients")(_choosing("vanishing"))
which_run_exploding = buggy("test_which_run", "that run shows exploding gradients")(_choosing("exploding"))
which_run_dead = buggy("test_which_run", "that run shows dead ReLU units")(_choosing("dead_relu"))
which_run_healthy = buggy("test_which_run", "that run shows a healthy network")(_choosing("healthy"))


# ---- the held-out measurement of 2026-11-30: mistakes that escaped or got a vague message, by kind -------------
from gdkit.problems.pathologies import sigmoid_network  # noqa: E402


@buggy('test_global_norm', 'you took the root of the sum of absolute values; square the ')
def heldout_global_norm_sqrt_abs_sum(grads):
    return float(np.sqrt(sum(np.abs(g).sum() for g in grads)))


@buggy('test_global_norm', 'for a matrix you used its spectral norm (np.linalg.norm(g, 2')
def heldout_global_norm_spectral(grads):
    total = 0.0
    for g in grads:
        n = np.linalg.norm(g, 2) if g.ndim == 2 else np.linalg.norm(g)
        total += n ** 2
    return float(np.sqrt(total))


@buggy('test_global_norm', 'you averaged the squared entries (a root mean square); the g')
def heldout_global_norm_rms(grads):
    return float(np.sqrt(np.mean(np.concatenate([g.ravel() for g in grads]) ** 2)))


@buggy('test_global_norm', "you squared each array's sum; square each entry, then sum: s")
def heldout_global_norm_square_of_sums(grads):
    return float(np.sqrt(sum(np.sum(g) ** 2 for g in grads)))


@buggy('test_global_norm', "you averaged the arrays' norms; the global norm is the root ")
def heldout_global_norm_mean_of_norms(grads):
    return float(np.mean([np.linalg.norm(g) for g in grads]))


@buggy('test_global_norm', 'you left out the non-finite entries; an inf anywhere makes t')
def heldout_global_norm_finite_only(grads):
    return float(np.sqrt(sum(np.sum(np.where(np.isfinite(g), g, 0.0) ** 2) for g in grads)))


@buggy('test_clip_by_global_norm', 'your factor is upside down (norm / max_norm, which grows the')
def heldout_clip_by_global_norm_inverted_factor(grads, max_norm):
    total = _norm(grads)
    if np.isfinite(total) and total > max_norm:
        for g in grads:
            g *= total / max_norm
    return total


@buggy('test_clip_by_global_norm', 'you returned the clipping factor; return the global norm bef')
def heldout_clip_by_global_norm_returns_factor(grads, max_norm):
    total = _norm(grads)
    c = max_norm / (total + 1e-6)
    if np.isfinite(total) and c < 1:
        for g in grads:
            g *= c
    return min(c, 1.0)


@buggy('test_clip_by_global_norm', 'with a non-finite global norm return that norm itself (inf o')
def heldout_clip_by_global_norm_nonfinite_zero(grads, max_norm):
    total = _norm(grads)
    if not np.isfinite(total):
        return 0.0
    c = max_norm / (total + 1e-6)
    if c < 1:
        for g in grads:
            g *= c
    return total


@buggy('test_he_normal', "you used Glorot's variance 2 / (fan_in + fan_out); He's is 2")
def heldout_he_normal_glorot_variance(shape, rng=None, dtype=np.float64):
    fan_in, fan_out = shape
    return np.random.default_rng(rng).normal(0, np.sqrt(2 / (fan_in + fan_out)), size=shape).astype(dtype)


@buggy('test_he_normal', "your normal is truncated at 2 standard deviations (as Keras'")
def heldout_he_normal_truncated(shape, rng=None, dtype=np.float64):
    fan_in, fan_out = shape
    g = np.random.default_rng(rng); s = np.sqrt(2 / fan_in)
    x = g.normal(0, s, size=shape)
    bad = np.abs(x) > 2 * s
    while bad.any():
        x[bad] = g.normal(0, s, size=bad.sum()); bad = np.abs(x) > 2 * s
    return x.astype(dtype)


@buggy('test_dead_fraction', 'you counted a unit as dead when SOME example has Z <= 0 (np.')
def heldout_dead_fraction_any(Z):
    return float(np.mean(np.any(Z <= 0, axis=0)))


@buggy('test_dead_fraction', 'integer division (//) rounds the fraction down to 0 or 1; di')
def heldout_dead_fraction_integer(Z):
    return np.sum(np.all(Z <= 0, axis=0)) // Z.shape[1]


@buggy('test_dead_fraction', "you tested the unit's MEAN pre-activation; a unit is dead on")
def heldout_dead_fraction_mean_below(Z):
    return float(np.mean(Z.mean(axis=0) <= 0))


@buggy('test_dead_fraction', 'you counted a unit as dead when most examples have Z <= 0; i')
def heldout_dead_fraction_majority(Z):
    return float(np.mean(np.mean(Z <= 0, axis=0) > 0.5))


@buggy('test_diagnose', 'a ratio of exactly 1e-3 (or 1e3) is not beyond the threshold')
def heldout_diagnose_inclusive(grad_norms, dead_fractions):
    g = np.asarray(grad_norms, dtype=float); d = np.asarray(dead_fractions, dtype=float)
    if np.nan_to_num(d).max(initial=0) >= 0.5:
        return "dead_relu"
    if not np.all(np.isfinite(g)):
        return "exploding"
    r = g[0] / g[-1]
    if r <= 1e-3:
        return "vanishing"
    if r >= 1e3:
        return "exploding"
    return "healthy"


@buggy('test_diagnose', 'your thresholds are 1e-2 and 1e2; the rule asks for three or')
def heldout_diagnose_thresholds_100(grad_norms, dead_fractions):
    g = np.asarray(grad_norms, dtype=float); d = np.asarray(dead_fractions, dtype=float)
    if np.nan_to_num(d).max(initial=0) >= 0.5:
        return "dead_relu"
    if not np.all(np.isfinite(g)):
        return "exploding"
    r = g[0] / g[-1]
    if r < 1e-2:
        return "vanishing"
    if r > 1e2:
        return "exploding"
    return "healthy"


@buggy('test_diagnose', 'you averaged the dead fractions over the layers; the rule fi')
def heldout_diagnose_mean_dead(grad_norms, dead_fractions):
    g = np.asarray(grad_norms, dtype=float); d = np.asarray(dead_fractions, dtype=float)
    if np.nanmean(d) >= 0.5:
        return 'dead_relu'
    if not np.all(np.isfinite(g)):
        return "exploding"
    r = g[0] / g[-1]
    if r < 1e-3:
        return "vanishing"
    if r > 1e3:
        return "exploding"
    return "healthy"


@buggy('test_diagnose', "you looked at one layer's dead fraction only; the rule fires")
def heldout_diagnose_last_dead(grad_norms, dead_fractions):
    g = np.asarray(grad_norms, dtype=float); d = np.asarray(dead_fractions, dtype=float)
    if np.nan_to_num(d[-1:]).max(initial=0) >= 0.5:
        return 'dead_relu'
    if not np.all(np.isfinite(g)):
        return "exploding"
    r = g[0] / g[-1]
    if r < 1e-3:
        return "vanishing"
    if r > 1e3:
        return "exploding"
    return "healthy"


@buggy('test_diagnose', 'you compared the smallest and the largest norm; the rule com')
def heldout_diagnose_extremes(grad_norms, dead_fractions):
    g = np.asarray(grad_norms, dtype=float); d = np.asarray(dead_fractions, dtype=float)
    if np.nan_to_num(d).max(initial=0) >= 0.5:
        return "dead_relu"
    if not np.all(np.isfinite(g)):
        return "exploding"
    if g.min() / g.max() < 1e-3:
        return "vanishing"
    if g.max() / g.min() > 1e3:
        return "exploding"
    return "healthy"


@buggy('test_sigmoid_gradient_bound', 'you multiplied the factors of layers 1 .. n-1; going down fr')
def heldout_sigmoid_gradient_bound_without_last(student):
    s, d = sigmoid_network(student)
    return float(np.prod(s[:-1] / 4))


@buggy('test_sigmoid_gradient_bound', 'you raised the average factor to the power n - 1; the bound ')
def heldout_sigmoid_gradient_bound_mean_factor(student):
    s, d = sigmoid_network(student)
    return float(np.mean(s[1:] / 4) ** (len(s) - 1))


@buggy('test_sigmoid_gradient_bound', 'that is the measured ratio ||dZ_1|| / ||dZ_n|| of one backwa')
def heldout_sigmoid_gradient_bound_measured(student):
    s, d = sigmoid_network(student)
    return float(d[0] / d[-1])


@buggy('test_typical_layer_factor', 'you used layers 1 and 2 only; the typical factor averages ov')
def heldout_typical_layer_factor_first_two(student):
    s, d = sigmoid_network(student)
    return float(d[0] / d[1])


@buggy('test_typical_layer_factor', 'that is a logarithm, the orders of magnitude per layer; the ')
def heldout_typical_layer_factor_log(student):
    s, d = sigmoid_network(student)
    return float(np.log10(d[0] / d[-1]) / (len(d) - 1))


@buggy('test_typical_layer_factor', "that is the bound's factor per layer (from ||W_l||_2 / 4); t")
def heldout_typical_layer_factor_bound_factor(student):
    s, d = sigmoid_network(student)
    return float(np.prod(s[1:] / 4) ** (1 / (len(s) - 1)))


@buggy("test_global_norm", "you added absolute values (an L1 norm)")
def heldout_global_norm_l1(grads):
    return float(sum(np.abs(g).sum() for g in grads))


@buggy("test_typical_layer_factor", "that is a natural logarithm")
def heldout_factor_ln(student):
    d = sigmoid_network(student).dZ_norms
    return float(np.log(d[0] / d[-1]) / (len(d) - 1))


@correct("test_clip_by_global_norm")
def heldout_clip_np_multiply_out(grads, max_norm):
    n = math.sqrt(sum(float((g.astype(float) ** 2).sum()) for g in grads))
    if not math.isfinite(n):
        return n
    for g in grads:
        np.multiply(g, min(max_norm / (n + 1e-6), 1.0), out=g, casting="unsafe")
    return n


@correct("test_diagnose")
def heldout_diagnose_products(grad_norms, dead_fractions):
    g, d = np.asarray(grad_norms, dtype=float), np.asarray(dead_fractions, dtype=float)
    if np.any(np.where(np.isnan(d), 0.0, d) >= 0.5):
        return "dead_relu"
    if not np.isfinite(g).all():
        return "exploding"
    return "vanishing" if g[0] < 1e-3 * g[-1] else "exploding" if g[0] > 1e3 * g[-1] else "healthy"


@buggy("test_diagnose", "changed its argument `dead_fractions` in place")
def heldout_diagnose_fills_nan(grad_norms, dead_fractions):
    dead_fractions[np.isnan(dead_fractions)] = 0.0  # the caller's statistics lose their NaN
    if np.max(dead_fractions) >= 0.5:
        return "dead_relu"
    if not np.all(np.isfinite(grad_norms)):
        return "exploding"
    ratio = grad_norms[0] / grad_norms[-1]
    return "vanishing" if ratio < 1e-3 else "exploding" if ratio > 1e3 else "healthy"


@buggy("test_dead_fraction", "changed its argument `Z` in place")
def heldout_dead_fraction_relu_in_place(Z):
    np.maximum(Z, 0, out=Z)  # applies ReLU to the caller's pre-activations
    return float(np.mean(np.all(Z == 0, axis=0)))


@buggy("test_sigmoid_gradient_bound", "you counted n slopes 1/4 for n - 1 weight matrices")
def heldout_bound_n_slopes(student):
    s = sigmoid_network(student).spectral_norms
    return float(0.25 ** len(s) * np.prod(s[1:]))


@buggy("test_typical_layer_factor", "you took the median of the per-layer ratios")
def heldout_factor_median(student):
    d = sigmoid_network(student).dZ_norms
    return float(np.median(d[:-1] / d[1:]))


@buggy("test_dead_fraction", "divided the number of dead units by the number of entries")
def heldout_dead_over_size(Z):
    return float(np.all(Z <= 0, axis=0).sum() / Z.size)
