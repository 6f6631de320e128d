"""Parts of assignment 06_pathologies (chapter: gradient pathologies): clipping, initialisation, diagnosis.

References for the diagnosis parts: ``gdkit.diagnostics.dead_fraction`` (the definition used by
``History.diagnostics["dead_fraction"]``) and ``gdkit.diagnostics.diagnose``.
"""
import numpy as np

from ... import clipping, diagnostics, initializers
from ...problems import pathologies as problems_pathologies
from ..core import ANSWER, Mistake, Part
from ..hooks import clip_collect, clip_prepare
from ._common import Case, normal

A = "06_pathologies"


# ---- clipping ---------------------------------------------------------------------------------------------------
def _gradient_lists(rng, hidden):
    def case(shapes, scale, max_norm, label, dtype=np.float64, infinite=False):
        grads = [normal(rng, *shape, scale=scale, dtype=dtype) for shape in shapes]
        if infinite:  # an overflow in a later layer: the global norm is inf
            grads[-1].flat[0] = np.inf
        return Case((grads, max_norm), label=label)
    # every kind of case is visible (public seed); the hidden run draws the same kinds from the private seed
    return [case([(3, 2), (2,)], 3.0, 1.0, "two arrays with a large global norm"),
            case([(4, 3), (3,), (3, 1), (1,)], 0.1, 5.0, "a global norm below max_norm"),
            case([(5,)], 10.0, 2.0, "a single array"),
            case([(2, 2), (2,)], 50.0, 0.5, "exploding gradients"),
            case([(3, 3), (3,)], 2.0, 1.0, "float32", np.float32),
            case([(8, 1), (20, 2)], 1.0, 4.0, "one large and one small array"),
            case([(3, 2), (2,), (2, 2), (2,)], 1.0, 1.0, "an infinite entry in the last layer", infinite=True)]


def _global_norm_cases(rng, hidden):
    return [Case((case.args[0],), label=case.label) for case in _gradient_lists(rng, hidden)]


def _clip_with(norm):
    """clip_by_global_norm written correctly, on top of a wrong global norm ``norm`` (the student's own)."""
    def clip(grads, max_norm):
        total = norm(grads)
        factor = max_norm / (total + 1e-6)
        if np.isfinite(total) and factor < 1.0:
            for g in grads:
                g *= factor
        return total
    return clip


def _sum_of_norms(grads):
    return float(sum(np.linalg.norm(g) for g in grads))


def _no_sqrt(grads):
    return float(sum(np.sum(g * g) for g in grads))


def _largest(grads):
    return float(max(np.linalg.norm(g) for g in grads))


def _without_last(grads):
    return float(np.sqrt(sum(np.sum(g * g) for g in grads[:-1])))


def _abs_sum(grads):
    return float(sum(np.sum(np.abs(g)) for g in grads))


def _sqrt_abs_sum(grads):
    return float(np.sqrt(_abs_sum(grads)))


def _spectral(grads):
    return float(np.sqrt(sum((np.linalg.norm(g, 2) if g.ndim == 2 else np.linalg.norm(g)) ** 2 for g in grads)))


def _rms(grads):
    return float(np.sqrt(np.mean(np.concatenate([np.ravel(g) for g in grads]) ** 2)))


def _square_of_sums(grads):
    return float(np.sqrt(sum(np.sum(g) ** 2 for g in grads)))


def _mean_of_norms(grads):
    return float(np.mean([np.linalg.norm(g) for g in grads]))


def _finite_only(grads):
    return float(np.sqrt(sum(np.sum(np.where(np.isfinite(g), g, 0.0) ** 2) for g in grads)))


_NORM_MISTAKES = (
    ("sum_of_norms", _sum_of_norms,
     "you added the arrays' norms; the global norm is the root of the sum of ALL squared entries"),
    ("no_sqrt", _no_sqrt, "the square root is missing: sqrt(sum of squared entries)"),
    ("max", _largest, "you returned the largest array's norm; take all arrays together"),
    ("without_last", _without_last,
     "you left out the last array (an off-by-one in the loop over the list?); every array counts"),
    ("abs_sum", _abs_sum, "you added absolute values (an L1 norm); the global norm squares every entry: "
                          "sqrt(sum of g^2 over all arrays)"),
    ("sqrt_abs_sum", _sqrt_abs_sum, "you took the root of the sum of absolute values; square the entries first: "
                                    "sqrt(sum of g^2 over all arrays)"),
    ("spectral", _spectral, "for a matrix you used its spectral norm (np.linalg.norm(g, 2), the largest singular "
                            "value); the global norm counts every entry: the Frobenius norm, sqrt(sum of g^2)"),
    ("rms", _rms, "you averaged the squared entries (a root mean square); the global norm SUMS them: "
                  "sqrt(sum of g^2), however many entries there are"),
    ("square_of_sums", _square_of_sums, "you squared each array's sum; square each entry, then sum: "
                                        "sqrt(sum of g^2), not sqrt(sum of (sum g)^2)"),
    ("mean_of_norms", _mean_of_norms, "you averaged the arrays' norms; the global norm is the root of the sum of "
                                      "ALL squared entries, as if the arrays were one long vector"),
    ("finite_only", _finite_only, "you left out the non-finite entries; an inf anywhere makes the global norm inf, "
                                  "and the caller must see it (clipping then skips the step)"),
)


def _inherited(name, norm, message):
    return Mistake(f"global_norm_{name}", _clip_with(norm),
                   f"your global_norm is wrong and clip_by_global_norm uses it ({message}): fix global_norm; the "
                   "clipping itself is right")


def _nonfinite_scaled(grads, max_norm):
    total = clipping.global_norm(grads)
    factor = max_norm / (total + 1e-6)
    if factor < 1.0:
        with np.errstate(invalid="ignore"):
            for g in grads:
                g *= factor
    return total


def _per_array(grads, max_norm):
    total = clipping.global_norm(grads)
    for g in grads:
        norm = np.linalg.norm(g)
        if norm > max_norm:
            g *= max_norm / norm
    return total


def _norm_after(grads, max_norm):
    clipping.clip_by_global_norm(grads, max_norm)
    return clipping.global_norm(grads)


def _always(grads, max_norm):
    total = clipping.global_norm(grads)
    for g in grads:
        g *= max_norm / (total + 1e-6)
    return total


def _not_in_place(grads, max_norm):
    return clipping.clip_by_global_norm([g.copy() for g in grads], max_norm)


def _inverted_factor(grads, max_norm):
    total = clipping.global_norm(grads)
    if np.isfinite(total) and total > max_norm:
        for g in grads:
            g *= total / max_norm
    return total


def _returns_factor(grads, max_norm):
    total = clipping.global_norm(grads)
    clipping.clip_by_global_norm(grads, max_norm)
    return min(max_norm / (total + 1e-6), 1.0)


def _nonfinite_zero(grads, max_norm):
    total = clipping.global_norm(grads)
    if not np.isfinite(total):
        return 0.0
    return clipping.clip_by_global_norm(grads, max_norm)


def _by_value(grads, max_norm):
    total = clipping.global_norm(grads)
    clipping.clip_by_value(grads, max_norm)
    return total


# ---- initialisers -----------------------------------------------------------------------------------------------
def _init_cases(rng, hidden):
    def case(shape, label, **kwargs):
        return Case((shape,), {"rng": int(rng.integers(2 ** 31)), **kwargs}, label=label)
    return [case((300, 200), "a 300x200 weight matrix"), case((1000, 100), "fan_in 1000, fan_out 100"),
            case((100, 1000), "fan_in 100, fan_out 1000"), case((400, 300), "float32", dtype="float32")]


_QUANTILES = (0.05, 0.1, 0.25, 0.5, 0.75, 0.9, 0.95)


def same_distribution(expected, actual):
    """Statistical comparison of two large samples: shape, dtype, spread and quantiles (any correct sampling
    passes; a wrong scale or a normal instead of a uniform does not)."""
    if not (isinstance(expected, np.ndarray) and isinstance(actual, np.ndarray)):
        return False
    if actual.shape != expected.shape or actual.dtype != expected.dtype or not np.all(np.isfinite(actual)):
        return False
    e, a = expected.astype(float).ravel(), actual.astype(float).ravel()
    scale = e.std()
    if abs(a.mean() - e.mean()) > 0.02 * scale or abs(a.std() - scale) > 0.02 * scale:
        return False
    return bool(np.all(np.abs(np.quantile(a, _QUANTILES) - np.quantile(e, _QUANTILES)) <= 0.05 * scale))


def _explain_distribution(expected, actual):
    if not isinstance(actual, np.ndarray):
        return f"expected a NumPy array, got {type(actual).__name__}"
    if actual.shape != expected.shape:
        return f"expected an array of shape {expected.shape}, got shape {actual.shape}"
    if actual.dtype != expected.dtype:
        return f"expected dtype {expected.dtype} (the dtype argument), got {actual.dtype}"
    e, a = expected.astype(float), actual.astype(float)
    return (f"your weights have mean {a.mean():.3g} and standard deviation {a.std():.3g}, expected mean about 0 "
            f"and standard deviation {e.std():.3g} (and the distribution's shape must match)")


def _explain_initialiser(law):
    """The distribution check's message, naming what the sample says about the student's formula: not centred,
    the constant the spread implies (``law``: "glorot" or "he"), or the right spread with the wrong shape."""
    def explain(expected, actual):
        if not isinstance(actual, np.ndarray) or actual.shape != expected.shape or actual.dtype != expected.dtype \
                or not np.all(np.isfinite(actual)):
            return _explain_distribution(expected, actual)
        e, a = expected.astype(float), actual.astype(float)
        fan_in, fan_out = expected.shape
        if abs(a.mean()) > 0.1 * e.std():
            return (f"your weights are not centred on 0 (mean {a.mean():.3g}, standard deviation {a.std():.3g}): "
                    "draw symmetrically around 0" + (" (from -r to r)" if law == "glorot" else " (mean 0)"))
        if abs(a.std() - e.std()) > 0.02 * e.std():
            if law == "glorot":
                r = a.std() * np.sqrt(3)
                return (f"your weights spread as a uniform on [-r, r] with r = {r:.3g}, i.e. r^2 (fan_in + fan_out) "
                        f"= {r * r * (fan_in + fan_out):.3g}; Glorot's limit has r^2 (fan_in + fan_out) = 6, "
                        f"r = sqrt(6 / (fan_in + fan_out)) = {np.sqrt(6 / (fan_in + fan_out)):.3g}")
            return (f"your weights have standard deviation {a.std():.3g}, i.e. variance * fan_in = "
                    f"{a.var() * fan_in:.3g}; He's variance has variance * fan_in = 2, std = sqrt(2 / fan_in) = "
                    f"{np.sqrt(2 / fan_in):.3g}")
        return (f"your weights have the right mean and spread but the wrong distribution (their quantiles differ): "
                f"{'a uniform on [-r, r]' if law == 'glorot' else 'a normal distribution'} is expected")
    return explain


def _truncated(std_of):
    """A normal truncated at 2 standard deviations (Keras's he_normal redraws beyond them)."""
    def init(shape, rng=None, dtype=np.float64):
        generator, std = np.random.default_rng(rng), std_of(*shape)
        w = generator.normal(0.0, std, size=shape)
        outside = np.abs(w) > 2 * std
        while outside.any():
            w[outside] = generator.normal(0.0, std, size=int(outside.sum()))
            outside = np.abs(w) > 2 * std
        return w.astype(dtype)
    return init


def _uniform(limit_of):
    def init(shape, rng=None, dtype=np.float64):
        limit = limit_of(*shape)
        return np.random.default_rng(rng).uniform(-limit, limit, size=shape).astype(dtype)
    return init


def _normal(std_of):
    def init(shape, rng=None, dtype=np.float64):
        return np.random.default_rng(rng).normal(0.0, std_of(*shape), size=shape).astype(dtype)
    return init


# ---- diagnosis --------------------------------------------------------------------------------------------------
def _dead_cases(rng, hidden):
    def case(n, m, dead, label, zero_column=False):
        Z = normal(rng, n, m)
        Z[:, :dead] = -np.abs(Z[:, :dead])
        if zero_column:
            Z[:, dead] = 0.0
        return Case((Z[:, rng.permutation(m)],), label=label)
    return [case(6, 5, 2, "6 examples, 5 units, some dead"), case(20, 8, 3, "20 examples, 8 units"),
            case(1, 6, 2, "a batch of one"), case(5, 4, 0, "no dead unit", zero_column=True),
            case(10, 3, 3, "every unit dead"), case(7, 6, 2, "a unit that outputs exactly 0", zero_column=True)]


def _diagnose_cases(rng, hidden):
    def case(first_over_last, dead, label, layers=4):
        norms = np.geomspace(first_over_last, 1.0, layers) * rng.uniform(0.5, 2.0)
        return Case((norms, np.asarray(dead, dtype=float)), label=label)
    nan = np.nan
    return [case(1e-6, [0.0, 0.1, 0.05, nan], "a deep sigmoid-like network"),
            case(0.5, [0.1, 0.0, 0.2, nan], "a healthy network"),
            case(1e5, [0.0, 0.0, 0.0, nan], "growing gradients"),
            case(2.0, [0.2, 0.6, 0.0, nan], "one layer more than half dead"),
            case(0.1, [nan, 0.7, 0.1, 0.0], "a tanh first layer, then dead ReLU units"),
            case(1e-5, [0.9, 0.7, 0.1, nan], "dead units and tiny gradients"),
            case(1e-2, [nan, nan, nan, nan], "no ReLU layer"),
            case(1e4, [0.0, 0.3], "two layers", layers=2),
            Case((np.array([np.inf, 1.0, 1.0]), np.array([0.0, 0.0, nan])), label="an infinite norm"),
            Case((np.array([0.3, 2.0, np.inf]), np.array([0.0, 0.1, nan])),
                 label="an infinite norm in the last layer"),
            Case((np.array([0.5, np.nan, 0.8, 1.0]), np.array([nan, 0.0, 0.1, 0.0])),
                 label="a NaN norm in a middle layer"),
            case(1.0, [0.0, 0.5, 0.25, 0.1], "exactly half of a layer's units dead"),
            case(3e-3, [0.0, 0.0, 0.0, nan], "a moderate ratio"),
            Case((np.array([0.002, 0.5, 2.0]), np.array([0.0, 0.1, nan])), label="a ratio of exactly 1e-3"),
            Case((np.array([2000.0, 3.0, 2.0]), np.array([0.0, 0.1, nan])), label="a ratio of exactly 1e3"),
            Case((np.array([1.0, 2.0, 1.5]), np.array([0.1, 0.1, 0.6])), label="the last layer more than half dead"),
            Case((np.array([1.0, 2.0, 1.5]), np.array([0.9, 0.2, 0.2])),
                 label="one layer dead, the others not (mean below half)")]


def _diagnose_inverted(grad_norms, dead_fractions):
    return diagnostics.diagnose(np.asarray(grad_norms)[::-1], dead_fractions)


def _diagnose_dead_last(grad_norms, dead_fractions):
    label = diagnostics.diagnose(grad_norms, np.zeros(len(dead_fractions)))
    if label != "healthy":
        return label
    return diagnostics.diagnose(grad_norms, dead_fractions)


def _diagnose_strict_half(grad_norms, dead_fractions):
    dead = np.nan_to_num(np.asarray(dead_fractions, dtype=float), nan=0.0)
    if dead.size and dead.max() > 0.5:
        return "dead_relu"
    return diagnostics.diagnose(grad_norms, np.zeros(len(dead_fractions)))


def _diagnose_rule(dead_of=None, ratio_of=None, low=1e-3, high=1e3, inclusive=False, finite_of=None):
    """diagnose with one rule changed: the dead fraction that counts, the ratio, the thresholds, which norms
    must be finite."""
    def diagnose(grad_norms, dead_fractions):
        dead = np.nan_to_num(np.asarray(dead_fractions, dtype=float), nan=0.0)
        if dead.size and (dead_of(dead) if dead_of else dead.max()) >= 0.5:
            return "dead_relu"
        norms = np.asarray(grad_norms, dtype=float)
        if not (finite_of(norms) if finite_of else np.all(np.isfinite(norms))):
            return "exploding"
        with np.errstate(invalid="ignore", divide="ignore"):
            ratio = ratio_of(norms) if ratio_of else norms[0] / norms[-1]
        if (ratio <= low) if inclusive else (ratio < low):
            return "vanishing"
        if (ratio >= high) if inclusive else (ratio > high):
            return "exploding"
        return "healthy"
    return diagnose


def _diagnose_nan(grad_norms, dead_fractions):
    if np.max(dead_fractions) >= 0.5:  # NaN makes max NaN and the test False
        return "dead_relu"
    return diagnostics.diagnose(grad_norms, np.zeros(len(dead_fractions)))


PARTS = (
    Part(A, "test_global_norm", "global_norm", clipping.global_norm, _global_norm_cases, points=1,
         forbidden=(clipping.global_norm,), rtol=1e-5,
         mistakes=tuple(Mistake(name, norm, message) for name, norm, message in _NORM_MISTAKES)),
    Part(A, "test_clip_by_global_norm", "clip_by_global_norm", clipping.clip_by_global_norm, _gradient_lists,
         points=3, forbidden=(clipping.clip_by_global_norm,), prepare=clip_prepare, collect=clip_collect,
         rtol=1e-5, names=("the returned norm", "the clipped gradients"),
         depends=(("global_norm", clipping.global_norm),),
         mistakes=(
             Mistake("nonfinite_scaled", _nonfinite_scaled,
                     "with a non-finite global norm (an inf in some layer) you still scaled: max_norm / inf = 0 "
                     "wipes out every finite gradient and turns the inf into NaN; return the norm and leave the "
                     "gradients unchanged"),
             Mistake("per_array", _per_array,
                     "you clipped each array by its own norm (Keras's clipnorm); clip all arrays together by their "
                     "global norm, with one common factor, so the direction is kept"),
             Mistake("norm_after", _norm_after, "you returned the norm after clipping; return the norm before"),
             Mistake("always", _always,
                     "you rescaled even when the global norm was already below max_norm; clip only when it is above"),
             Mistake("not_in_place", _not_in_place,
                     "the gradients were not changed: scale the arrays themselves in place (g *= factor); new "
                     "arrays, returned or put in the list (grads[i] = g * factor), never reach the caller, which "
                     "holds the original arrays"),
             Mistake("inverted_factor", _inverted_factor,
                     "your factor is upside down (norm / max_norm, which grows the gradients); clipping multiplies "
                     "by max_norm / (norm + 1e-6), which is below 1 when it clips"),
             Mistake("returns_factor", _returns_factor,
                     "you returned the clipping factor; return the global norm before clipping (worth logging)"),
             Mistake("nonfinite_zero", _nonfinite_zero,
                     "with a non-finite global norm return that norm itself (inf or NaN), so the caller sees it "
                     "and can skip the step; you returned 0"),
             Mistake("by_value", _by_value,
                     "you clipped each entry to [-max_norm, max_norm] (clipping by value), which changes the "
                     "direction; scale all arrays by max_norm / global norm"),
         ) + tuple(_inherited(name, norm, message) for name, norm, message in _NORM_MISTAKES[:4])),
    Part(A, "test_glorot_uniform", "glorot_uniform", initializers.glorot_uniform, _init_cases, points=2,
         forbidden=(initializers.glorot_uniform,), compare=same_distribution, explain=_explain_initialiser("glorot"),
         own_rng=True,
         mistakes=(
             Mistake("variance_as_limit", _uniform(lambda i, o: np.sqrt(2.0 / (i + o))),
                     "your limit is sqrt(2 / (fan_in + fan_out)), the normal's standard deviation; a uniform on "
                     "[-r, r] has variance r^2/3, so r = sqrt(6 / (fan_in + fan_out))"),
             Mistake("fan_in_only", _uniform(lambda i, o: np.sqrt(6.0 / i)),
                     "your limit uses fan_in only (that is He uniform); Glorot uses fan_in + fan_out"),
             Mistake("normal", _normal(lambda i, o: np.sqrt(2.0 / (i + o))),
                     "your weights are normally distributed; glorot_uniform draws from a uniform distribution"),
             Mistake("no_sqrt", _uniform(lambda i, o: 6.0 / (i + o)),
                     "the square root is missing from the limit: r = sqrt(6 / (fan_in + fan_out))"),
         )),
    Part(A, "test_he_normal", "he_normal", initializers.he_normal, _init_cases, points=2,
         forbidden=(initializers.he_normal,), compare=same_distribution, explain=_explain_initialiser("he"),
         own_rng=True,
         mistakes=(
             Mistake("variance_as_std", _normal(lambda i, o: 2.0 / i),
                     "you used 2 / fan_in as the standard deviation; it is the variance: std = sqrt(2 / fan_in)"),
             Mistake("lecun", _normal(lambda i, o: np.sqrt(1.0 / i)),
                     "your standard deviation is sqrt(1 / fan_in) (LeCun); He doubles the variance for ReLU: "
                     "sqrt(2 / fan_in)"),
             Mistake("fan_out", _normal(lambda i, o: np.sqrt(2.0 / o)),
                     "you used fan_out; He normal uses fan_in, the first dimension of the shape"),
             Mistake("uniform", _uniform(lambda i, o: np.sqrt(6.0 / i)),
                     "your weights are uniformly distributed; he_normal draws from a normal distribution"),
             Mistake("glorot_variance", _normal(lambda i, o: np.sqrt(2.0 / (i + o))),
                     "you used Glorot's variance 2 / (fan_in + fan_out); He's is 2 / fan_in: ReLU zeroes half of "
                     "its inputs, and only fan_in enters the forward variance"),
             Mistake("truncated", _truncated(lambda i, o: np.sqrt(2.0 / i)),
                     "your normal is truncated at 2 standard deviations (as Keras's he_normal draws it): no weight "
                     "lies beyond 2 sigma and the spread is smaller; draw from the full normal N(0, 2 / fan_in)"),
         )),
    Part(A, "test_dead_fraction", "dead_fraction", diagnostics.dead_fraction, _dead_cases, points=2,
         forbidden=(diagnostics.dead_fraction,), unchanged=(0,),
         mistakes=(
             Mistake("entries", lambda Z: float(np.mean(np.asarray(Z) <= 0)),
                     "you counted the entries that are <= 0; a unit is dead when its column is <= 0 for EVERY "
                     "example"),
             Mistake("strict", lambda Z: float(np.mean(np.all(np.asarray(Z) < 0, axis=0))),
                     "a unit whose pre-activation is exactly 0 is dead too (ReLU outputs 0, its gradient is 0): "
                     "use Z <= 0"),
             Mistake("rows", lambda Z: float(np.mean(np.all(np.asarray(Z) <= 0, axis=1))),
                     "you looked at rows (examples); units are the columns: np.all(Z <= 0, axis=0)"),
             Mistake("alive", lambda Z: float(np.mean(np.any(np.asarray(Z) > 0, axis=0))),
                     "you returned the fraction of ALIVE units; a unit is dead when its column is <= 0 for every "
                     "example"),
             Mistake("count", lambda Z: float(np.sum(np.all(np.asarray(Z) <= 0, axis=0))),
                     "you returned the number of dead units; return their fraction (divide by the number of "
                     "units, the columns)"),
             Mistake("any", lambda Z: float(np.mean(np.any(np.asarray(Z) <= 0, axis=0))),
                     "you counted a unit as dead when SOME example has Z <= 0 (np.any); it is dead only when its "
                     "pre-activation is <= 0 for EVERY example (np.all)"),
             Mistake("over_examples", lambda Z: float(np.sum(np.all(np.asarray(Z) <= 0, axis=0)) / np.shape(Z)[0]),
                     "you divided the number of dead units by the number of examples N (rows); the fraction is over "
                     "the units M (columns)"),
             Mistake("over_entries", lambda Z: float(np.sum(np.all(np.asarray(Z) <= 0, axis=0)) / np.size(Z)),
                     "you divided the number of dead units by the number of entries N * M; the fraction is over the "
                     "units M (columns)"),
             Mistake("integer", lambda Z: float(np.sum(np.all(np.asarray(Z) <= 0, axis=0)) // np.shape(Z)[1]),
                     "integer division (//) rounds the fraction down to 0 or 1; divide with / (a float)"),
             Mistake("mean_below", lambda Z: float(np.mean(np.mean(np.asarray(Z), axis=0) <= 0)),
                     "you tested the unit's MEAN pre-activation; a unit is dead only when every example's "
                     "pre-activation is <= 0 (a negative mean can hide examples where it fires)"),
             Mistake("majority", lambda Z: float(np.mean(np.mean(np.asarray(Z) <= 0, axis=0) > 0.5)),
                     "you counted a unit as dead when most examples have Z <= 0; it is dead only when EVERY "
                     "example's pre-activation is <= 0 (np.all over the column)"),
         )),
    Part(A, "test_diagnose", "diagnose", diagnostics.diagnose, _diagnose_cases, points=2,
         forbidden=(diagnostics.diagnose,), unchanged=(0, 1),
         mistakes=(
             Mistake("inverted", _diagnose_inverted,
                     "you compared the last layer to the first: gradients vanish when the FIRST layer's gradient "
                     "norm is much smaller than the last layer's"),
             Mistake("dead_last", _diagnose_dead_last,
                     "check for dead ReLU units first: a network with dead units also has small gradients, and "
                     "its cure is different"),
             Mistake("nan", _diagnose_nan,
                     "NaN entries (layers without ReLU) broke your dead-unit test: ignore them, e.g. with "
                     "np.nan_to_num or np.nanmax"),
             Mistake("strict_half", _diagnose_strict_half,
                     "'at least half' includes exactly half: a layer with dead fraction 0.5 is dead_relu (>= 0.5, "
                     "not > 0.5)"),
             Mistake("inclusive", _diagnose_rule(inclusive=True),
                     "a ratio of exactly 1e-3 (or 1e3) is not beyond the threshold: vanishing is r < 1e-3 and "
                     "exploding r > 1e3, strictly"),
             Mistake("thresholds_100", _diagnose_rule(low=1e-2, high=1e2),
                     "your thresholds are 1e-2 and 1e2; the rule asks for three orders of magnitude between the "
                     "ends of the network: r < 1e-3 vanishing, r > 1e3 exploding"),
             Mistake("mean_dead", _diagnose_rule(dead_of=np.mean),
                     "you averaged the dead fractions over the layers; the rule fires when SOME layer (any one) has "
                     "at least half of its units dead: the largest fraction counts"),
             Mistake("last_dead", _diagnose_rule(dead_of=lambda d: d[-1]),
                     "you looked at one layer's dead fraction only; the rule fires when ANY layer has at least half "
                     "of its units dead"),
             Mistake("extremes", _diagnose_rule(ratio_of=lambda n: n.min() / n.max()),
                     "you compared the smallest and the largest norm; the rule compares the FIRST layer's norm with "
                     "the LAST layer's, r = grad_norms[0] / grad_norms[-1] (its direction says vanishing or "
                     "exploding)"),
             Mistake("finite_first_only", _diagnose_rule(finite_of=lambda n: np.isfinite(n[0])),
                     "a non-finite gradient norm (inf or NaN) in ANY layer means exploding, also in a later layer "
                     "(an inf in the last layer makes the ratio 0, which looks like vanishing): check "
                     "np.all(np.isfinite(grad_norms)) before the ratio"),
         )),
)


# ---- concept questions: answers computed from the student's own problem (gdkit.problems.pathologies) ------------
def _network(student):
    return problems_pathologies.sigmoid_network(student)


def sigmoid_gradient_bound(student):
    """The chapter's upper bound on ||dZ_1|| / ||dZ_n||: prod over l = 2..n of max sigma' * ||W_l||_2 = ||W_l||_2 / 4."""
    return float(np.prod(_network(student).spectral_norms[1:] / 4))


def _bound(formula):
    def answer(student):
        return float(formula(_network(student).spectral_norms))
    return answer


BOUND_MISTAKES = (
    ("with_first", _bound(lambda s: np.prod(s / 4)),
     "you included layer 1's weights: going from dZ_n down to dZ_1 multiplies by W_l^T for l = n .. 2 only (W_1 "
     "acts on the input, below dZ_1); the product runs over l = 2 .. n"),
    ("quarter_only", _bound(lambda s: 0.25 ** (len(s) - 1)),
     "(1/4)^(n-1) is the bound for weights of spectral norm 1; each layer multiplies by max sigma' times "
     "||W_l||_2, so multiply the ||W_l||_2 / 4"),
    ("quarter_n", _bound(lambda s: 0.25 ** len(s)),
     "(1/4)^n ignores the weights (and counts one layer too many): multiply ||W_l||_2 / 4 over l = 2 .. n"),
    ("no_quarter", _bound(lambda s: np.prod(s[1:])),
     "the sigmoid's slope is missing: each layer multiplies by at most max sigma' = 1/4 times ||W_l||_2"),
    ("inverted", _bound(lambda s: np.prod(4 / s[1:])),
     "that is the inverse, the factor by which the gradient SHRINKS; the question asks for the bound on "
     "||dZ_1|| / ||dZ_n||, a product of ||W_l||_2 / 4"),
    ("half", _bound(lambda s: np.prod(s[1:] / 2)),
     "max sigma'(z) = sigma(0)(1 - sigma(0)) = 1/2 * 1/2 = 1/4, not 1/2"),
    ("sum", _bound(lambda s: np.sum(s[1:] / 4)),
     "the factors multiply layer after layer (a product), they do not add"),
    ("n_slopes", _bound(lambda s: 0.25 ** len(s) * np.prod(s[1:])),
     "you counted n slopes 1/4 for n - 1 weight matrices: between dZ_n and dZ_1 there are n - 1 layers, each "
     "contributing ||W_l||_2 / 4 (l = 2 .. n)"),
    ("without_last", _bound(lambda s: np.prod(s[:-1] / 4)),
     "you multiplied the factors of layers 1 .. n-1; going down from dZ_n to dZ_1 crosses W_n, ..., W_2: the "
     "product runs over l = 2 .. n"),
    ("mean_factor", _bound(lambda s: np.mean(s[1:] / 4) ** (len(s) - 1)),
     "you raised the average factor to the power n - 1; the bound multiplies each layer's own ||W_l||_2 / 4"),
    ("measured", lambda student: float(_network(student).dZ_norms[0] / _network(student).dZ_norms[-1]),
     "that is the measured ratio ||dZ_1|| / ||dZ_n|| of one backward pass; the bound comes from the weights: the "
     "product of ||W_l||_2 / 4 over l = 2 .. n"),
)


def typical_layer_factor(student):
    """The measured factor per layer, the geometric mean of ||dZ_l|| / ||dZ_{l+1}||: (||dZ_1|| / ||dZ_n||)^(1/(n-1))."""
    d = _network(student).dZ_norms
    return float((d[0] / d[-1]) ** (1 / (len(d) - 1)))


def _factor(formula):
    def answer(student):
        return float(formula(_network(student).dZ_norms))
    return answer


FACTOR_MISTAKES = (
    ("inverted", _factor(lambda d: (d[-1] / d[0]) ** (1 / (len(d) - 1))),
     "that is the growth factor from layer 1 up to layer n; the question asks for ||dZ_l|| / ||dZ_{l+1}||, which "
     "is below 1 when the gradient shrinks towards the input"),
    ("exponent_n", _factor(lambda d: (d[0] / d[-1]) ** (1 / len(d))),
     "n layers have n - 1 steps between them: the per-layer factor is the (n - 1)-th root of ||dZ_1|| / ||dZ_n||"),
    ("arithmetic", _factor(lambda d: np.mean(d[:-1] / d[1:])),
     "you averaged the per-layer ratios arithmetically; factors that multiply are averaged geometrically: the "
     "(n - 1)-th root of their product, (||dZ_1|| / ||dZ_n||)^(1/(n-1))"),
    ("total", _factor(lambda d: d[0] / d[-1]),
     "that is the total ratio over all layers; the per-layer factor is its (n - 1)-th root"),
    ("linear", _factor(lambda d: 1 - (1 - d[0] / d[-1]) / (len(d) - 1)),
     "the ratio shrinks geometrically (by a factor per layer), not by equal amounts: take the (n - 1)-th root"),
    ("median", _factor(lambda d: np.median(d[:-1] / d[1:])),
     "you took the median of the per-layer ratios; the typical factor is their geometric mean, the (n - 1)-th "
     "root of ||dZ_1|| / ||dZ_n||"),
    ("first_two", _factor(lambda d: d[0] / d[1]),
     "you used layers 1 and 2 only; the typical factor averages over the whole network: the (n - 1)-th root of "
     "||dZ_1|| / ||dZ_n||"),
    ("log", _factor(lambda d: np.log10(d[0] / d[-1]) / (len(d) - 1)),
     "that is a logarithm, the orders of magnitude per layer; the factor is 10 to that power"),
    ("ln", _factor(lambda d: np.log(d[0] / d[-1]) / (len(d) - 1)),
     "that is a natural logarithm, the log of the factor per layer; the factor is e to that power"),
    ("bound_factor", lambda student: float(np.prod(_network(student).spectral_norms[1:] / 4)
                                           ** (1 / (len(_network(student).spectral_norms) - 1))),
     "that is the bound's factor per layer (from ||W_l||_2 / 4); the question asks for the MEASURED one, from the "
     "dZ norms: (||dZ_1|| / ||dZ_n||)^(1/(n-1)), below the bound's"),
)


def _conditions(student):
    """The student's problem: {letter: condition by gdkit's diagnose on the last epoch}, and the condition asked."""
    problem = problems_pathologies.training_runs(student)
    return {letter: diagnostics.diagnose([c.grad_norm_first[-1], c.grad_norm_last[-1]], [c.dead_fraction[-1]])
            for letter, c in problem.runs.items()}, problem.asked


def which_run(student):
    """The letter of the run that shows the condition asked for (the rules of diagnose, on the last epoch)."""
    conditions, asked = _conditions(student)
    return next(letter for letter, condition in conditions.items() if condition == asked)


def _chose(chosen):
    """The letter of the ``chosen`` condition's run, whatever is asked (right only when ``chosen`` is asked)."""
    def answer(student):
        conditions, _ = _conditions(student)
        return next(letter for letter, condition in conditions.items() if condition == chosen)
    return answer


_NAMES = {"vanishing": "vanishing gradients", "exploding": "exploding gradients", "dead_relu": "dead ReLU units",
          "healthy": "a healthy network"}
_WHY = {
    "vanishing": "the first layer's gradient norm stays 4 to 6 orders of magnitude below the last layer's, there is "
                 "no ReLU layer (dead fraction NaN) and the loss barely moves",
    "exploding": "the gradient norms grow by orders of magnitude from epoch to epoch and end in inf, and the loss "
                 "shoots up after falling at first",
    "dead_relu": "at least half of a layer's units are dead and the loss is stuck near ln 2",
    "healthy": "the first and last layers' gradient norms are within a factor of a few, fewer than half of the units "
               "are dead and the loss keeps falling",
}
_TRAP = {
    "vanishing": "its tiny first-layer gradient is real, but with no dead units to explain it",
    "exploding": "its loss falls at first, but its norms grow and overflow",
    "dead_relu": "its first-layer gradient is tiny too, but that is a consequence of the dead units: the rules check "
                 "dead units first, and the cure differs (He initialisation, a smaller rate, leaky ReLU)",
    "healthy": "some of its units are dead and its loss falls slowly, but fewer than half are dead and its gradients "
               "are level",
}
DIAGNOSIS_MISTAKES = tuple(
    (f"chose_{chosen}", _chose(chosen),
     f"that run shows {_NAMES[chosen]}: {_WHY[chosen]} ({_TRAP[chosen]}). It is not the condition you were asked "
     "for: read each run's last epoch with the chapter's rules, in their order")
    for chosen in _NAMES)


def _mistakes(table):
    return tuple(Mistake(name, function, message) for name, function, message in table)


PARTS += (
    Part(A, "test_sigmoid_gradient_bound", "sigmoid_gradient_bound", sigmoid_gradient_bound, None, points=2,
         kind=ANSWER, answer_format="number", rtol=1e-2, atol=0.0, mistakes=_mistakes(BOUND_MISTAKES)),
    Part(A, "test_typical_layer_factor", "typical_layer_factor", typical_layer_factor, None, points=1,
         kind=ANSWER, answer_format="number", rtol=1e-2, atol=0.0, mistakes=_mistakes(FACTOR_MISTAKES)),
    Part(A, "test_which_run", "which_run", which_run, None, points=2, kind=ANSWER, answer_format="letter:ABCD",
         mistakes=_mistakes(DIAGNOSIS_MISTAKES)),
)
