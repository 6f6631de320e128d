"""Keras's ``keras.utils`` helpers that tutorials call (chapter: training in practice): :func:`to_categorical` and
:func:`set_random_seed`."""
import numpy as np
from ._keras_names import missing_name_getattr

__all__ = ["to_categorical", "set_random_seed"]


def set_random_seed(seed):
    """Make the following runs repeatable, as ``keras.utils.set_random_seed(seed)``.

    Every ``Sequential`` made afterwards without its own ``rng`` takes its seed (initial weights, shuffling,
    dropout masks) from a sequence started at ``seed``: the same program gives the same numbers. gdkit keeps no
    other global random state (NumPy's global generator is left alone); passing ``rng=`` to ``Sequential`` is the
    explicit way.

    Parameters
    ----------
    seed : int >= 0, or None to go back to fresh randomness
    """
    from . import models
    if seed is not None and (isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0):
        raise ValueError(f"set_random_seed expects an integer >= 0, got {seed!r}.")
    models._seeds.sequence = None if seed is None else np.random.SeedSequence(int(seed))


def to_categorical(x, num_classes=None):
    """One-hot rows for integer class labels, as ``keras.utils.to_categorical``.

    Parameters
    ----------
    x : array-like of int, shape (N,) (or (N, 1), or any shape)
        Class labels in ``0 .. num_classes - 1``.
    num_classes : int, optional
        Number of classes K; by default ``max(x) + 1``.

    Returns
    -------
    ndarray, shape (N, K) (in general ``x.shape + (K,)``, with a trailing axis of length 1 dropped first), float64

    Examples
    --------
    >>> to_categorical([0, 2, 1])
    array([[1., 0., 0.],
           [0., 0., 1.],
           [0., 1., 0.]])
    """
    x = np.asarray(x)
    if x.size and not np.all(np.mod(x, 1) == 0):
        raise ValueError(f"to_categorical expects integer class labels, got values such as {x[np.mod(x, 1) != 0][0]!r}.")
    labels = x.astype(np.int64)
    shape = labels.shape[:-1] if labels.ndim > 1 and labels.shape[-1] == 1 else labels.shape
    labels = labels.reshape(-1)
    if labels.size and labels.min() < 0:
        raise ValueError(f"to_categorical: class labels must be >= 0, got {labels.min()}.")
    k = int(labels.max(initial=-1)) + 1 if num_classes is None else int(num_classes)
    if labels.size and labels.max() >= k:
        raise ValueError(f"to_categorical: num_classes={k} but the labels go up to {labels.max()}; labels must lie in "
                         f"0..{k - 1}.")
    categorical = np.zeros((labels.size, k))
    categorical[np.arange(labels.size), labels] = 1.0
    return categorical.reshape(shape + (k,))


__getattr__ = missing_name_getattr("utils", __all__)  # a Keras name gdkit lacks gets an error that says so
