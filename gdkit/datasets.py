"""Toy and real data sets, splitting and scaling: the data every chapter trains on (chapters 1-9).

Synthetic generators return float64 ``X`` of shape (N, D); classification labels ``y`` are int64 of
shape (N,), regression targets ``y`` are float64 of shape (N, 1). Randomness comes only from the
``rng`` argument (``None``, a seed or a ``numpy.random.Generator``). The real data sets (Iris, Digits,
breast cancer) ship inside the package in ``gdkit/data`` and are read with ``importlib.resources``;
nothing is downloaded.
"""

import gzip
import io
from importlib import resources
from typing import NamedTuple

import numpy as np
from ._keras_names import missing_name_getattr

__all__ = [
    "Dataset",
    "Standardizer",
    "load_breast_cancer",
    "load_digits",
    "load_iris",
    "make_blobs",
    "make_circles",
    "make_linear_regression",
    "make_moons",
    "make_nonlinear_regression",
    "make_spirals",
    "make_xor",
    "one_hot",
    "standardize",
    "train_test_split",
]


# ---------------------------------------------------------------------------------------------
# argument checks
# ---------------------------------------------------------------------------------------------

def _check_count(name, value, minimum=1):
    """Return ``value`` as an int, or raise if it is not an integer >= ``minimum``."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < minimum:
        raise ValueError(f"{name} must be an integer >= {minimum}, got {value!r}.")
    return int(value)


def _check_noise(noise):
    if not np.isfinite(noise) or noise < 0:
        raise ValueError(f"noise is a standard deviation and must be >= 0, got {noise!r}.")
    return float(noise)


def _check_X_y(X, y):
    """Return X as a float64 (N, D) array and y as an array with the same first length."""
    X = np.asarray(X, dtype=np.float64)
    y = np.asarray(y)
    if X.ndim != 2:
        raise ValueError(
            f"X must be 2-D with shape (n_samples, n_features), got shape {X.shape}; "
            "for a single feature use X.reshape(-1, 1)."
        )
    if y.shape[:1] != X.shape[:1]:
        raise ValueError(
            f"X and y must have the same number of samples (first dimension), got X with shape "
            f"{X.shape} and y with shape {y.shape}."
        )
    return X, y


def _split_evenly(n_samples, n_groups):
    """Sizes of ``n_groups`` groups that sum to ``n_samples``, the first ones one larger."""
    sizes = np.full(n_groups, n_samples // n_groups)
    sizes[: n_samples % n_groups] += 1
    return sizes


def _shuffled(X, y, rng):
    order = rng.permutation(len(X))
    return X[order], y[order]


# ---------------------------------------------------------------------------------------------
# regression
# ---------------------------------------------------------------------------------------------

def make_linear_regression(n_samples=100, n_features=1, noise=0.1, rng=None):
    """Noisy samples of a random linear function, for the linear-regression chapter.

    Parameters
    ----------
    n_samples : int
        N, the number of samples.
    n_features : int
        D, the number of input features.
    noise : float
        Standard deviation of the Gaussian noise added to the targets.
    rng : None, int or numpy.random.Generator
        Source of randomness.

    Returns
    -------
    X : ndarray of shape (N, D), float64
        Inputs, standard normal.
    y : ndarray of shape (N, 1), float64
        Targets ``X @ true_w + true_b + noise * eps``.
    true_w : ndarray of shape (D, 1)
        The weights that generated the data, standard normal.
    true_b : ndarray of shape (1,)
        The bias that generated the data, standard normal.

    Notes
    -----
    .. math:: y_n = x_n^\\top w + b + \\sigma \\varepsilon_n, \\quad \\varepsilon_n \\sim \\mathcal{N}(0, 1)

    The least-squares solution approaches ``(true_w, true_b)`` as N grows or the noise shrinks.
    """
    n_samples = _check_count("n_samples", n_samples)
    n_features = _check_count("n_features", n_features)
    noise = _check_noise(noise)
    rng = np.random.default_rng(rng)
    true_w = rng.standard_normal((n_features, 1))
    true_b = rng.standard_normal(1)
    X = rng.standard_normal((n_samples, n_features))
    y = X @ true_w + true_b + noise * rng.standard_normal((n_samples, 1))
    return X, y, true_w, true_b


def make_nonlinear_regression(n_samples=100, noise=0.1, x_range=(-3.0, 3.0), f=np.sin, rng=None):
    """Noisy samples of a 1-D curve (``sin`` by default), for curve fitting with a small network.

    Parameters
    ----------
    n_samples : int
        N, the number of samples.
    noise : float
        Standard deviation of the Gaussian noise added to the targets.
    x_range : (float, float)
        Inputs are drawn uniformly from ``[low, high)``.
    f : callable
        The true curve, applied elementwise to an (N, 1) array.
    rng : None, int or numpy.random.Generator
        Source of randomness.

    Returns
    -------
    X : ndarray of shape (N, 1), float64
        Inputs, sorted in increasing order (so ``ax.plot(X, y)`` draws a curve).
    y : ndarray of shape (N, 1), float64
        Targets ``f(X) + noise * eps``.
    """
    n_samples = _check_count("n_samples", n_samples)
    noise = _check_noise(noise)
    low, high = x_range
    if not low < high:
        raise ValueError(f"x_range must be (low, high) with low < high, got {x_range!r}.")
    rng = np.random.default_rng(rng)
    X = np.sort(rng.uniform(low, high, size=(n_samples, 1)), axis=0)
    y = np.asarray(f(X), dtype=np.float64).reshape(n_samples, 1)
    y = y + noise * rng.standard_normal((n_samples, 1))
    return X, y


# ---------------------------------------------------------------------------------------------
# classification
# ---------------------------------------------------------------------------------------------

def make_blobs(n_samples=100, centers=3, n_features=2, cluster_std=1.0, center_box=(-10.0, 10.0), rng=None):
    """Gaussian clusters, one class per cluster.

    Parameters
    ----------
    n_samples : int
        N, split as evenly as possible between the clusters.
    centers : int or array_like of shape (K, D)
        Number of clusters (centers drawn uniformly from ``center_box``) or the centers themselves.
    n_features : int
        D, used only when ``centers`` is an int.
    cluster_std : float
        Standard deviation of every cluster.
    center_box : (float, float)
        Range of the random centers.
    rng : None, int or numpy.random.Generator
        Source of randomness.

    Returns
    -------
    X : ndarray of shape (N, D), float64
    y : ndarray of shape (N,), int64
        Cluster index in ``0 .. K-1``. Samples are shuffled.
    """
    n_samples = _check_count("n_samples", n_samples)
    cluster_std = _check_noise(cluster_std)
    rng = np.random.default_rng(rng)
    if np.ndim(centers) == 0:
        n_centers = _check_count("centers", centers)
        n_features = _check_count("n_features", n_features)
        centers = rng.uniform(*center_box, size=(n_centers, n_features))
    else:
        centers = np.asarray(centers, dtype=np.float64)
        if centers.ndim != 2:
            raise ValueError(f"centers must be an int or an array of shape (K, D), got shape {centers.shape}.")
    sizes = _split_evenly(n_samples, len(centers))
    y = np.repeat(np.arange(len(centers)), sizes)
    X = centers[y] + cluster_std * rng.standard_normal((n_samples, centers.shape[1]))
    return _shuffled(X, y, rng)


def make_moons(n_samples=100, noise=0.1, rng=None):
    """Two interleaving half circles: a binary problem a linear model cannot solve.

    Parameters
    ----------
    n_samples : int
        N; the upper moon (class 0) gets ``N // 2`` points, the lower moon (class 1) the rest.
    noise : float
        Standard deviation of Gaussian noise added to every coordinate.
    rng : None, int or numpy.random.Generator
        Source of randomness.

    Returns
    -------
    X : ndarray of shape (N, 2), float64
    y : ndarray of shape (N,), int64
        0 or 1. Samples are shuffled.

    Notes
    -----
    Upper moon :math:`(\\cos t, \\sin t)`, lower moon :math:`(1 - \\cos t, 1/2 - \\sin t)`,
    :math:`t \\in [0, \\pi]` evenly spaced.
    """
    n_samples = _check_count("n_samples", n_samples, minimum=2)
    noise = _check_noise(noise)
    rng = np.random.default_rng(rng)
    n_upper = n_samples // 2
    t_upper = np.linspace(0.0, np.pi, n_upper)
    t_lower = np.linspace(0.0, np.pi, n_samples - n_upper)
    upper = np.column_stack([np.cos(t_upper), np.sin(t_upper)])
    lower = np.column_stack([1.0 - np.cos(t_lower), 0.5 - np.sin(t_lower)])
    X = np.vstack([upper, lower]) + noise * rng.standard_normal((n_samples, 2))
    y = np.repeat([0, 1], [n_upper, n_samples - n_upper])
    return _shuffled(X, y, rng)


def make_circles(n_samples=100, noise=0.05, factor=0.5, rng=None):
    """A small circle inside a large one: a binary problem that needs a nonlinear boundary.

    Parameters
    ----------
    n_samples : int
        N; the outer circle (class 0) gets ``N // 2`` points, the inner circle (class 1) the rest.
    noise : float
        Standard deviation of Gaussian noise added to every coordinate.
    factor : float
        Radius of the inner circle relative to the outer one (radius 1), ``0 < factor < 1``.
    rng : None, int or numpy.random.Generator
        Source of randomness.

    Returns
    -------
    X : ndarray of shape (N, 2), float64
    y : ndarray of shape (N,), int64
        0 (outer) or 1 (inner). Samples are shuffled.
    """
    n_samples = _check_count("n_samples", n_samples, minimum=2)
    noise = _check_noise(noise)
    if not 0.0 < factor < 1.0:
        raise ValueError(f"factor is the inner radius relative to the outer and must be in (0, 1), got {factor!r}.")
    rng = np.random.default_rng(rng)
    n_outer = n_samples // 2
    t_outer = np.linspace(0.0, 2.0 * np.pi, n_outer, endpoint=False)
    t_inner = np.linspace(0.0, 2.0 * np.pi, n_samples - n_outer, endpoint=False)
    outer = np.column_stack([np.cos(t_outer), np.sin(t_outer)])
    inner = factor * np.column_stack([np.cos(t_inner), np.sin(t_inner)])
    X = np.vstack([outer, inner]) + noise * rng.standard_normal((n_samples, 2))
    y = np.repeat([0, 1], [n_outer, n_samples - n_outer])
    return _shuffled(X, y, rng)


def make_spirals(n_samples=300, n_classes=3, noise=0.2, rng=None):
    """Interleaved spiral arms, one class per arm (the CS231n spiral data).

    Parameters
    ----------
    n_samples : int
        N, split as evenly as possible between the arms.
    n_classes : int
        K, the number of arms.
    noise : float
        Standard deviation of Gaussian noise added to the angle (radians).
    rng : None, int or numpy.random.Generator
        Source of randomness.

    Returns
    -------
    X : ndarray of shape (N, 2), float64
        Points within the unit disc (up to noise).
    y : ndarray of shape (N,), int64
        Arm index in ``0 .. K-1``. Samples are shuffled.

    Notes
    -----
    Arm :math:`k` has radius :math:`r \\in [0, 1]` evenly spaced and angle
    :math:`\\theta = 4 (k + r) + \\sigma \\varepsilon`; the point is :math:`r (\\sin\\theta, \\cos\\theta)`.
    """
    n_samples = _check_count("n_samples", n_samples)
    n_classes = _check_count("n_classes", n_classes)
    noise = _check_noise(noise)
    rng = np.random.default_rng(rng)
    sizes = _split_evenly(n_samples, n_classes)
    y = np.repeat(np.arange(n_classes), sizes)
    radius = np.concatenate([np.linspace(0.0, 1.0, size) for size in sizes])
    theta = 4.0 * (y + radius) + noise * rng.standard_normal(n_samples)
    X = radius[:, None] * np.column_stack([np.sin(theta), np.cos(theta)])
    return _shuffled(X, y, rng)


def make_xor(n_samples=200, noise=0.2, rng=None):
    """Four Gaussian clusters at the corners (+-1, +-1), labelled by XOR of the signs.

    Parameters
    ----------
    n_samples : int
        N, split as evenly as possible between the four corners.
    noise : float
        Standard deviation of each cluster.
    rng : None, int or numpy.random.Generator
        Source of randomness.

    Returns
    -------
    X : ndarray of shape (N, 2), float64
    y : ndarray of shape (N,), int64
        1 for the corners (1, -1) and (-1, 1), 0 for (1, 1) and (-1, -1). Samples are shuffled.
    """
    n_samples = _check_count("n_samples", n_samples, minimum=4)
    noise = _check_noise(noise)
    rng = np.random.default_rng(rng)
    corners = np.array([[1.0, 1.0], [-1.0, -1.0], [1.0, -1.0], [-1.0, 1.0]])
    corner = np.repeat(np.arange(4), _split_evenly(n_samples, 4))
    X = corners[corner] + noise * rng.standard_normal((n_samples, 2))
    y = (corner >= 2).astype(np.int64)
    return _shuffled(X, y, rng)


# ---------------------------------------------------------------------------------------------
# labels, splitting, scaling
# ---------------------------------------------------------------------------------------------

def one_hot(y, num_classes=None):
    """One-hot encode integer class labels.

    Parameters
    ----------
    y : array_like of shape (N,)
        Integer labels in ``0 .. K-1`` (floats such as 2.0 are accepted if whole).
    num_classes : int, optional
        K; defaults to ``max(y) + 1``.

    Returns
    -------
    Y : ndarray of shape (N, K), float64
        ``Y[n, k] = 1`` if ``y[n] == k`` else 0.
    """
    y = np.asarray(y)
    if y.ndim != 1:
        raise ValueError(
            f"one_hot expects labels of shape (N,), got shape {y.shape}; "
            "if y has shape (N, 1), pass y.ravel()."
        )
    if y.dtype.kind == "f":
        not_whole = ~np.isfinite(y) | (y != np.round(y))
        if np.any(not_whole):
            raise ValueError(f"one_hot expects integer class labels, got values such as {y[not_whole][:5]!r}.")
    elif y.dtype.kind not in "iub":
        raise ValueError(
            f"one_hot expects integer class labels, got dtype {y.dtype} (values such as {y[:3]!r}); "
            "map the classes to 0 .. K-1 first (e.g. with np.unique(y, return_inverse=True))."
        )
    labels = y.astype(np.int64)
    if labels.size and labels.min() < 0:
        raise ValueError(
            f"one_hot expects labels in 0 .. K-1, got negative labels {np.unique(labels[labels < 0])!r}; "
            "map the classes to 0 .. K-1 first (e.g. with np.unique(y, return_inverse=True))."
        )
    needed = int(labels.max()) + 1 if labels.size else 0
    if num_classes is None:
        num_classes = needed
    elif num_classes < needed:
        raise ValueError(f"num_classes={num_classes} is too small for label {needed - 1}; use at least {needed}.")
    Y = np.zeros((len(labels), num_classes))
    Y[np.arange(len(labels)), labels] = 1.0
    return Y


def train_test_split(X, y, test_size=0.2, rng=None):
    """Shuffle and split a data set into a training and a test part.

    Parameters
    ----------
    X : array_like of shape (N, D)
    y : array_like of shape (N,) or (N, M)
    test_size : float or int
        Fraction of the samples in ``(0, 1)`` (rounded up) or a number of samples in ``1 .. N-1``.
    rng : None, int or numpy.random.Generator
        Source of randomness for the shuffle.

    Returns
    -------
    X_train, X_test, y_train, y_test : ndarrays
        In scikit-learn's order. Both parts have at least one sample.
    """
    X, y = _check_X_y(X, y)
    n = len(X)
    if isinstance(test_size, (float, np.floating)):
        if not 0.0 < test_size < 1.0:
            raise ValueError(f"test_size as a fraction must be in (0, 1), got {test_size!r}.")
        n_test = int(np.ceil(test_size * n))
    else:
        n_test = _check_count("test_size", test_size)
    if not 1 <= n_test <= n - 1:
        raise ValueError(
            f"test_size={test_size!r} leaves {n_test} of {n} samples for testing; both parts need at least one sample."
        )
    order = np.random.default_rng(rng).permutation(n)
    test, train = order[:n_test], order[n_test:]
    return X[train], X[test], y[train], y[test]


class Standardizer:
    """Scale every feature to mean 0 and standard deviation 1, using statistics of the training set.

    Attributes
    ----------
    mean_ : ndarray of shape (D,)
        Feature means of the data passed to ``fit``.
    scale_ : ndarray of shape (D,)
        Feature standard deviations; 1.0 for constant features (they are only centred). A feature
        counts as constant when its standard deviation is within rounding error of its mean.

    Notes
    -----
    .. math:: \\tilde x_{nd} = (x_{nd} - \\mu_d) / \\sigma_d

    Fit on the training data only and apply the same ``mean_`` and ``scale_`` to validation and test
    data; fitting on all the data leaks test information into training.

    Examples
    --------
    >>> scaler = Standardizer().fit(X_train)          # doctest: +SKIP
    >>> X_train_s, X_test_s = scaler.transform(X_train), scaler.transform(X_test)  # doctest: +SKIP
    """

    def __init__(self):
        self.mean_ = None
        self.scale_ = None

    def __repr__(self):
        if self.mean_ is None:
            return "Standardizer(not fitted)"
        return f"Standardizer(n_features={len(self.mean_)})"

    def fit(self, X):
        """Compute ``mean_`` and ``scale_`` from X of shape (N, D); returns self."""
        X = self._as_2d(X)
        if len(X) == 0:
            raise ValueError("Standardizer.fit needs at least one sample, got X with shape (0, D).")
        self.mean_ = X.mean(axis=0)
        std = X.std(axis=0)
        # a column is constant if its spread is only rounding error of its mean
        constant = std <= 10.0 * np.finfo(np.float64).eps * np.abs(self.mean_)
        self.scale_ = np.where(constant | (std == 0.0), 1.0, std)
        return self

    def transform(self, X):
        """Return ``(X - mean_) / scale_``, shape (N, D)."""
        return (self._checked(X) - self.mean_) / self.scale_

    def fit_transform(self, X):
        """``fit(X)`` then ``transform(X)``."""
        return self.fit(X).transform(X)

    def inverse_transform(self, X_scaled):
        """Undo ``transform``: return ``X_scaled * scale_ + mean_``, shape (N, D)."""
        return self._checked(X_scaled) * self.scale_ + self.mean_

    @staticmethod
    def _as_2d(X):
        X = np.asarray(X, dtype=np.float64)
        if X.ndim != 2:
            raise ValueError(
                f"Standardizer expects X of shape (n_samples, n_features), got shape {X.shape}; "
                "for a single feature use X.reshape(-1, 1)."
            )
        return X

    def _checked(self, X):
        if self.mean_ is None:
            raise RuntimeError("This Standardizer is not fitted yet: call fit(X_train) first.")
        X = self._as_2d(X)
        if X.shape[1] != len(self.mean_):
            raise ValueError(
                f"X has {X.shape[1]} features (shape {X.shape}) but the Standardizer was fitted on "
                f"{len(self.mean_)} features."
            )
        return X


def standardize(X_train, X_test=None):
    """Standardise ``X_train`` with its own statistics and ``X_test`` with the same ones.

    Parameters
    ----------
    X_train : array_like of shape (N, D)
    X_test : array_like of shape (M, D), optional

    Returns
    -------
    X_train_scaled : ndarray of shape (N, D)
    X_test_scaled : ndarray of shape (M, D)
        Only if ``X_test`` is given.
    """
    scaler = Standardizer().fit(X_train)
    if X_test is None:
        return scaler.transform(X_train)
    return scaler.transform(X_train), scaler.transform(X_test)


# ---------------------------------------------------------------------------------------------
# real data shipped in gdkit/data
# ---------------------------------------------------------------------------------------------

class Dataset(NamedTuple):
    """A real data set: features, integer labels and what they mean."""

    X: np.ndarray
    """(N, D) float64 features."""
    y: np.ndarray
    """(N,) int64 class labels in 0 .. K-1."""
    feature_names: tuple
    """D column names."""
    target_names: tuple
    """K class names; ``target_names[k]`` names label k."""
    description: str
    """What the data is, where it comes from, its license."""


def _read_table(filename):
    """Read a CSV from gdkit/data: header line, numeric rows, integer target in the last column."""
    resource = resources.files("gdkit").joinpath("data", filename)
    raw = resource.read_bytes()
    if filename.endswith(".gz"):
        raw = gzip.decompress(raw)
    text = raw.decode("utf-8")
    header, _, body = text.partition("\n")
    table = np.loadtxt(io.StringIO(body), delimiter=",", dtype=np.float64, ndmin=2)
    names = tuple(header.strip().split(","))
    return table[:, :-1], table[:, -1].astype(np.int64), names[:-1]


_CC_BY = "License: CC BY 4.0 (https://creativecommons.org/licenses/by/4.0/); see gdkit/data/README.md."


def load_iris():
    """Fisher's Iris data: 150 flowers, 4 measurements in cm, 3 species (50 each).

    Returns
    -------
    Dataset
        ``X`` (150, 4) float64: sepal length, sepal width, petal length, petal width;
        ``y`` (150,) int64: 0 setosa, 1 versicolor, 2 virginica.

    Notes
    -----
    R. A. Fisher (1936), "The use of multiple measurements in taxonomic problems", Annals of Eugenics 7,
    179-188. Values as in Fisher's paper and R's ``iris`` (the UCI copy differs in two points).
    Setosa is linearly separable from the others; versicolor and virginica are not.
    """
    X, y, feature_names = _read_table("iris.csv")
    description = (
        "Iris flowers (Fisher 1936): 150 samples, 4 features (sepal/petal length/width in cm), "
        "3 classes of 50. Data from R. A. Fisher, Annals of Eugenics 7 (1936) 179-188; "
        "UCI Machine Learning Repository, doi:10.24432/C56C76. " + _CC_BY
    )
    return Dataset(X, y, feature_names, ("setosa", "versicolor", "virginica"), description)


def load_digits():
    """Handwritten digits: 1797 images of 8x8 pixels with integer intensities 0..16, classes 0..9.

    Returns
    -------
    Dataset
        ``X`` (1797, 64) float64 with values 0..16, pixel ``(i, j)`` in column ``8 * i + j``
        (``X.reshape(-1, 8, 8)`` gives images); ``y`` (1797,) int64, the digit.

    Notes
    -----
    E. Alpaydin, C. Kaynak (1998), "Optical Recognition of Handwritten Digits", UCI Machine Learning
    Repository, doi:10.24432/C50P49, CC BY 4.0 (the test part of the UCI set). Divide by 16 to scale to [0, 1].
    """
    X, y, feature_names = _read_table("digits.csv.gz")
    description = (
        "Handwritten digits: 1797 samples, 64 features (8x8 images, pixel counts 0..16), 10 classes. "
        "E. Alpaydin and C. Kaynak, Optical Recognition of Handwritten Digits, UCI Machine Learning "
        "Repository (1998), doi:10.24432/C50P49. " + _CC_BY
    )
    return Dataset(X, y, feature_names, tuple(str(d) for d in range(10)), description)


def load_breast_cancer():
    """Breast cancer Wisconsin (diagnostic): 569 tumours, 30 nucleus features, malignant or benign.

    Returns
    -------
    Dataset
        ``X`` (569, 30) float64; ``y`` (569,) int64: 0 malignant (212), 1 benign (357),
        the convention of scikit-learn.

    Notes
    -----
    W. Wolberg, O. Mangasarian, N. Street, W. Street (1993), "Breast Cancer Wisconsin (Diagnostic)",
    UCI Machine Learning Repository, doi:10.24432/C5DW2B, CC BY 4.0. Features range from about 0.001 to
    4000: standardise them (``Standardizer``) before gradient descent. A binary task for
    ``Dense(1, activation="sigmoid")`` with a binary cross-entropy loss.
    """
    X, y, feature_names = _read_table("breast_cancer.csv")
    description = (
        "Breast cancer Wisconsin (diagnostic): 569 samples, 30 features (mean, standard error and worst "
        "value of 10 cell-nucleus measurements), 2 classes: 0 malignant (212), 1 benign (357). "
        "W. Wolberg, O. Mangasarian, N. Street and W. Street, UCI Machine Learning Repository (1993), "
        "doi:10.24432/C5DW2B. " + _CC_BY
    )
    return Dataset(X, y, feature_names, ("malignant", "benign"), description)


__getattr__ = missing_name_getattr("datasets", __all__)  # a Keras name gdkit lacks gets an error that says so
