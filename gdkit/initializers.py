"""Weight initialisers (chapter: gradient pathologies, initialisation).

Each initialiser takes a weight shape ``(fan_in, fan_out)`` and returns an array of that shape, drawing from
an ``rng`` (anything :func:`numpy.random.default_rng` accepts: a seed, a Generator, or None).
Biases are usually initialised to zeros.
"""
import numpy as np

__all__ = ["zeros", "ones", "constant", "random_normal", "random_uniform", "glorot_normal", "glorot_uniform",
           "he_normal", "he_uniform", "get", "INITIALIZERS"]


def _fans(shape):
    if len(shape) != 2 or min(shape) < 1:
        raise ValueError(f"weight shape must be (fan_in, fan_out) with positive sizes, got {tuple(shape)}.")
    return shape


def zeros(shape, rng=None, dtype=np.float64):
    """All zeros. For weights this is a mistake worth seeing once: every unit of a layer computes the same
    thing and receives the same gradient, so they never become different (the symmetry problem)."""
    return np.zeros(shape, dtype=dtype)


def ones(shape, rng=None, dtype=np.float64):
    """All ones (symmetric, like :func:`zeros`)."""
    return np.ones(shape, dtype=dtype)


def constant(value):
    """An initialiser filling with ``value``."""
    def init(shape, rng=None, dtype=np.float64):
        return np.full(shape, value, dtype=dtype)
    return init


def random_normal(shape, rng=None, dtype=np.float64, stddev=0.05):
    r""":math:`W_{ij} \sim \mathcal N(0, \text{stddev}^2)` with a fixed scale (Keras's default 0.05)."""
    return np.random.default_rng(rng).normal(0.0, stddev, size=_fans(shape)).astype(dtype)


def random_uniform(shape, rng=None, dtype=np.float64, limit=0.05):
    r""":math:`W_{ij} \sim U(-\text{limit}, \text{limit})` with a fixed scale."""
    return np.random.default_rng(rng).uniform(-limit, limit, size=_fans(shape)).astype(dtype)


def glorot_normal(shape, rng=None, dtype=np.float64):
    r"""Glorot/Xavier normal (Glorot & Bengio 2010): :math:`\mathcal N(0, \sigma^2)`,
    :math:`\sigma^2 = 2 / (\text{fan\_in} + \text{fan\_out})`.

    Notes
    -----
    Glorot's derivation assumes an activation with slope 1 and outputs of mean 0 at the origin, like tanh: for tanh
    layers it keeps the variance of activations (forward) and gradients (backward) roughly constant. It does not
    do so for the sigmoid (slope 1/4 at 0, outputs of mean 1/2): each sigmoid layer still shrinks the gradient by
    about 4, so deep sigmoid stacks vanish with this initialisation too (the gradient pathologies chapter
    measures it). Keras draws from a truncated normal; this uses a plain normal with the same variance.
    """
    fan_in, fan_out = _fans(shape)
    return np.random.default_rng(rng).normal(0.0, np.sqrt(2.0 / (fan_in + fan_out)), size=shape).astype(dtype)


def glorot_uniform(shape, rng=None, dtype=np.float64):
    r"""Glorot/Xavier uniform: :math:`U(-r, r)`, :math:`r = \sqrt{6 / (\text{fan\_in} + \text{fan\_out})}`
    (variance :math:`2/(\text{fan\_in}+\text{fan\_out})`). Keras's default for ``Dense``; suited to tanh layers, not a
    cure for deep sigmoid stacks (see :func:`glorot_normal`)."""
    fan_in, fan_out = _fans(shape)
    limit = np.sqrt(6.0 / (fan_in + fan_out))
    return np.random.default_rng(rng).uniform(-limit, limit, size=shape).astype(dtype)


def he_normal(shape, rng=None, dtype=np.float64):
    r"""He/Kaiming normal (He et al. 2015): :math:`\mathcal N(0, 2/\text{fan\_in})`, for ReLU layers.

    Notes
    -----
    ReLU zeroes half of its inputs on average, halving the variance; the factor 2 restores it.
    """
    fan_in, _ = _fans(shape)
    return np.random.default_rng(rng).normal(0.0, np.sqrt(2.0 / fan_in), size=shape).astype(dtype)


def he_uniform(shape, rng=None, dtype=np.float64):
    r"""He uniform: :math:`U(-r, r)`, :math:`r = \sqrt{6 / \text{fan\_in}}` (variance :math:`2/\text{fan\_in}`)."""
    fan_in, _ = _fans(shape)
    limit = np.sqrt(6.0 / fan_in)
    return np.random.default_rng(rng).uniform(-limit, limit, size=shape).astype(dtype)


INITIALIZERS = {
    "zeros": zeros, "ones": ones, "random_normal": random_normal, "random_uniform": random_uniform,
    "glorot_normal": glorot_normal, "glorot_uniform": glorot_uniform, "xavier_normal": glorot_normal,
    "xavier_uniform": glorot_uniform, "he_normal": he_normal, "he_uniform": he_uniform,
}


def get(identifier):
    """Look an initialiser up by name (``"he_normal"``) or pass a callable through."""
    if callable(identifier):
        return identifier
    if isinstance(identifier, str) and identifier.lower() in INITIALIZERS:
        return INITIALIZERS[identifier.lower()]
    raise ValueError(f"Unknown initializer {identifier!r}. Known initializers: {', '.join(sorted(INITIALIZERS))}.")
