"""Tests for gdkit.datasets: generators, splitting, scaling and the shipped real data."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from gdkit import datasets as ds

CLASSIFIERS = {
    "blobs": lambda n, rng: ds.make_blobs(n, centers=3, rng=rng),
    "moons": lambda n, rng: ds.make_moons(n, noise=0.1, rng=rng),
    "circles": lambda n, rng: ds.make_circles(n, noise=0.05, rng=rng),
    "spirals": lambda n, rng: ds.make_spirals(n, n_classes=3, rng=rng),
    "xor": lambda n, rng: ds.make_xor(n, rng=rng),
}
N_CLASSES = {"blobs": 3, "moons": 2, "circles": 2, "spirals": 3, "xor": 2}


# --- generators ------------------------------------------------------------------------------

@pytest.mark.parametrize("name", sorted(CLASSIFIERS))
def test_classification_shapes_dtypes_and_balance(name):
    """Every classifier generator gives float64 (N, 2), int labels (N,), classes balanced within one."""
    X, y = CLASSIFIERS[name](101, 0)
    assert X.shape == (101, 2) and X.dtype == np.float64
    assert y.shape == (101,) and y.dtype.kind == "i"
    counts = np.bincount(y)
    assert len(counts) == N_CLASSES[name]
    assert counts.max() - counts.min() <= 1


@pytest.mark.parametrize("name", sorted(CLASSIFIERS))
def test_classification_same_seed_same_data_and_shuffled(name):
    """The rng argument alone decides the data; labels are not sorted by class."""
    X1, y1 = CLASSIFIERS[name](200, 7)
    X2, y2 = CLASSIFIERS[name](200, 7)
    X3, _ = CLASSIFIERS[name](200, 8)
    np.testing.assert_array_equal(X1, X2)
    np.testing.assert_array_equal(y1, y2)
    assert not np.array_equal(X1, X3)
    assert np.any(np.diff(y1) < 0), "samples should be shuffled, not grouped by class"


def test_generators_accept_a_generator():
    """A Generator passed as rng is used (and advanced), not reseeded."""
    rng = np.random.default_rng(0)
    X1, _ = ds.make_moons(50, rng=rng)
    X2, _ = ds.make_moons(50, rng=rng)
    assert not np.array_equal(X1, X2)


def test_moons_without_noise_lie_on_the_half_circles():
    """Noise-free moons: class 0 on the unit circle's upper half, class 1 on the shifted lower one."""
    X, y = ds.make_moons(40, noise=0.0, rng=0)
    upper, lower = X[y == 0], X[y == 1]
    np.testing.assert_allclose(np.hypot(*upper.T), 1.0)
    assert np.all(upper[:, 1] >= -1e-12)
    np.testing.assert_allclose(np.hypot(lower[:, 0] - 1.0, lower[:, 1] - 0.5), 1.0)
    assert np.all(lower[:, 1] <= 0.5 + 1e-12)


def test_circles_without_noise_have_the_two_radii():
    """Noise-free circles: radius 1 for class 0, radius factor for class 1."""
    X, y = ds.make_circles(60, noise=0.0, factor=0.3, rng=0)
    r = np.hypot(*X.T)
    np.testing.assert_allclose(r[y == 0], 1.0)
    np.testing.assert_allclose(r[y == 1], 0.3)


def test_xor_labels_follow_the_signs_when_noise_is_small():
    """With tiny noise the label is 1 exactly when the two coordinates have opposite signs."""
    X, y = ds.make_xor(100, noise=0.01, rng=0)
    np.testing.assert_array_equal(y, (np.sign(X[:, 0]) != np.sign(X[:, 1])).astype(int))


def test_spirals_stay_in_the_unit_disc():
    """Spiral points have radius <= 1 (radius does not depend on the angle noise)."""
    X, y = ds.make_spirals(300, n_classes=4, noise=0.5, rng=0)
    assert np.all(np.hypot(*X.T) <= 1.0 + 1e-12)
    assert set(np.unique(y)) == {0, 1, 2, 3}


def test_blobs_with_given_centers_cluster_around_them():
    """Sample means of each class are close to the centers passed in."""
    centers = np.array([[0.0, 0.0, 0.0], [5.0, 5.0, 5.0]])
    X, y = ds.make_blobs(2000, centers=centers, cluster_std=0.5, rng=0)
    assert X.shape == (2000, 3)
    for k in range(2):
        np.testing.assert_allclose(X[y == k].mean(axis=0), centers[k], atol=0.1)


def test_linear_regression_without_noise_is_exact():
    """With noise=0 the targets are exactly X @ w + b, shapes (N, 1), (D, 1), (1,)."""
    X, y, w, b = ds.make_linear_regression(50, n_features=3, noise=0.0, rng=1)
    assert X.shape == (50, 3) and y.shape == (50, 1) and w.shape == (3, 1) and b.shape == (1,)
    np.testing.assert_allclose(y, X @ w + b)


def test_linear_regression_least_squares_recovers_weights():
    """Least squares on many noisy samples recovers the true weights and bias."""
    X, y, w, b = ds.make_linear_regression(5000, n_features=2, noise=0.1, rng=2)
    A = np.column_stack([X, np.ones(len(X))])
    coef = np.linalg.lstsq(A, y, rcond=None)[0]
    np.testing.assert_allclose(coef[:2], w, atol=0.01)
    np.testing.assert_allclose(coef[2], b, atol=0.01)


def test_nonlinear_regression_is_sorted_sine():
    """Inputs are sorted (N, 1) in x_range; noise-free targets are sin(X)."""
    X, y = ds.make_nonlinear_regression(80, noise=0.0, x_range=(-2, 2), rng=0)
    assert X.shape == y.shape == (80, 1)
    assert np.all(np.diff(X[:, 0]) >= 0) and X.min() >= -2 and X.max() < 2
    np.testing.assert_allclose(y, np.sin(X))


@pytest.mark.parametrize(
    "call, match",
    [
        (lambda: ds.make_moons(0), "n_samples"),
        (lambda: ds.make_moons(10.5), "n_samples"),
        (lambda: ds.make_moons(10, noise=-1), "noise"),
        (lambda: ds.make_circles(10, factor=1.5), "factor"),
        (lambda: ds.make_spirals(10, n_classes=0), "n_classes"),
        (lambda: ds.make_blobs(10, centers=[1.0, 2.0]), "shape"),
        (lambda: ds.make_nonlinear_regression(10, x_range=(1, -1)), "x_range"),
    ],
)
def test_generators_reject_bad_arguments(call, match):
    """Bad sizes and noise levels raise a ValueError naming the argument."""
    with pytest.raises(ValueError, match=match):
        call()


# --- one_hot ---------------------------------------------------------------------------------

def test_one_hot_values():
    """Hand-written example, with and without num_classes."""
    np.testing.assert_array_equal(ds.one_hot([2, 0, 1]), [[0, 0, 1], [1, 0, 0], [0, 1, 0]])
    assert ds.one_hot([0, 1], num_classes=4).shape == (2, 4)
    assert ds.one_hot(np.array([1.0, 0.0])).dtype == np.float64


@given(hnp.arrays(np.int64, st.integers(1, 50), elements=st.integers(0, 9)))
def test_one_hot_rows_sum_to_one_and_argmax_recovers_labels(y):
    """Property: each row has a single 1, at the label's column."""
    Y = ds.one_hot(y)
    np.testing.assert_array_equal(Y.sum(axis=1), 1.0)
    np.testing.assert_array_equal(Y.argmax(axis=1), y)


@pytest.mark.parametrize(
    "y, kwargs, match",
    [
        ([0, -1, 2], {}, "negative"),
        ([0.5, 1.0], {}, "integer"),
        (["a", "b"], {}, "integer"),
        ([[0], [1]], {}, r"\(N, 1\)|ravel"),
        ([0, 3], {"num_classes": 2}, "num_classes"),
    ],
)
def test_one_hot_rejects_bad_labels(y, kwargs, match):
    """Negative, fractional, non-numeric, 2-D labels and too few classes give clear errors."""
    with pytest.raises(ValueError, match=match):
        ds.one_hot(y, **kwargs)


# --- train_test_split ------------------------------------------------------------------------

def test_train_test_split_partitions_the_data():
    """Sizes follow test_size; together the parts hold every sample once, rows stay paired."""
    X = np.arange(20.0).reshape(10, 2)
    y = np.arange(10)
    X_tr, X_te, y_tr, y_te = ds.train_test_split(X, y, test_size=0.3, rng=0)
    assert len(X_te) == len(y_te) == 3 and len(X_tr) == len(y_tr) == 7
    assert sorted(np.concatenate([y_tr, y_te])) == list(range(10))
    np.testing.assert_array_equal(X_tr[:, 0], 2 * y_tr)
    np.testing.assert_array_equal(X_te[:, 0], 2 * y_te)
    X_tr2, *_ = ds.train_test_split(X, y, test_size=0.3, rng=0)
    np.testing.assert_array_equal(X_tr, X_tr2)


def test_train_test_split_accepts_an_integer_size():
    """An integer test_size is a number of samples."""
    _, X_te, _, _ = ds.train_test_split(np.zeros((10, 1)), np.zeros(10), test_size=4, rng=0)
    assert len(X_te) == 4


def test_train_test_split_names_both_lengths():
    """Mismatched X and y: the message shows both shapes."""
    with pytest.raises(ValueError, match=r"\(10, 2\).*\(9,\)"):
        ds.train_test_split(np.zeros((10, 2)), np.zeros(9))


@pytest.mark.parametrize("test_size", [0.0, 1.0, 10, 0])
def test_train_test_split_rejects_empty_parts(test_size):
    """A split leaving an empty part is refused."""
    with pytest.raises(ValueError, match="test_size"):
        ds.train_test_split(np.zeros((10, 2)), np.zeros(10), test_size=test_size)


def test_train_test_split_wants_2d_X():
    """1-D X is refused with the reshape hint."""
    with pytest.raises(ValueError, match="reshape"):
        ds.train_test_split(np.zeros(10), np.zeros(10))


# --- Standardizer ----------------------------------------------------------------------------

def test_standardizer_hand_computed():
    """Column means and population standard deviations, by hand."""
    X = np.array([[1.0, 10.0], [3.0, 10.0]])
    s = ds.Standardizer().fit(X)
    np.testing.assert_array_equal(s.mean_, [2.0, 10.0])
    np.testing.assert_array_equal(s.scale_, [1.0, 1.0])  # std 1 and a constant column kept at 1
    np.testing.assert_array_equal(s.transform(X), [[-1.0, 0.0], [1.0, 0.0]])
    np.testing.assert_array_equal(s.transform([[4.0, 12.0]]), [[2.0, 2.0]])


@settings(max_examples=50)
@given(hnp.arrays(np.float64, st.tuples(st.integers(2, 30), st.integers(1, 5)), elements=st.floats(-1e3, 1e3)))
def test_standardizer_properties(X):
    """Property: transformed training data has mean 0 and std 1 (or 0 for constant columns); inverse undoes it."""
    s = ds.Standardizer()
    Z = s.fit_transform(X)
    np.testing.assert_allclose(Z.mean(axis=0), 0.0, atol=1e-9)
    std = Z.std(axis=0)
    assert np.all((np.abs(std - 1.0) < 1e-6) | (std < 1e-6))
    np.testing.assert_allclose(s.inverse_transform(Z), X, atol=1e-9)


def test_standardizer_errors():
    """Unfitted use and a feature-count mismatch give actionable errors."""
    with pytest.raises(RuntimeError, match="fit"):
        ds.Standardizer().transform(np.zeros((2, 2)))
    s = ds.Standardizer().fit(np.zeros((3, 2)))
    with pytest.raises(ValueError, match="3 features.*2 features"):
        s.transform(np.zeros((3, 3)))
    with pytest.raises(ValueError, match="reshape"):
        s.transform(np.zeros(3))


def test_standardize_uses_training_statistics_for_test():
    """standardize() scales the test set with the training mean and std, not its own."""
    X_train = np.array([[0.0], [2.0]])
    X_test = np.array([[4.0]])
    Z_train, Z_test = ds.standardize(X_train, X_test)
    np.testing.assert_array_equal(Z_train, [[-1.0], [1.0]])
    np.testing.assert_array_equal(Z_test, [[3.0]])


# --- shipped real data -----------------------------------------------------------------------

def test_iris_matches_fisher():
    """Iris: shape, classes, known rows and published column means."""
    d = ds.load_iris()
    assert d.X.shape == (150, 4) and d.X.dtype == np.float64 and d.y.dtype == np.int64
    np.testing.assert_array_equal(np.bincount(d.y), [50, 50, 50])
    np.testing.assert_array_equal(d.X[0], [5.1, 3.5, 1.4, 0.2])
    np.testing.assert_array_equal(d.X[-1], [5.9, 3.0, 5.1, 1.8])
    # Fisher's values (not UCI's): sample 35 is 4.9,3.1,1.5,0.2 and sample 38 is 4.9,3.6,1.4,0.1
    np.testing.assert_array_equal(d.X[34], [4.9, 3.1, 1.5, 0.2])
    np.testing.assert_array_equal(d.X[37], [4.9, 3.6, 1.4, 0.1])
    np.testing.assert_allclose(d.X.mean(axis=0), [5.8433, 3.0573, 3.758, 1.1993], atol=1e-4)
    assert d.target_names == ("setosa", "versicolor", "virginica")
    assert len(d.feature_names) == 4 and "Fisher" in d.description


def test_digits_shapes_and_values():
    """Digits: 1797 x 64 integer intensities 0..16, ten classes, a known first image."""
    d = ds.load_digits()
    assert d.X.shape == (1797, 64) and d.y.shape == (1797,)
    assert d.X.min() == 0 and d.X.max() == 16 and np.all(d.X == np.round(d.X))
    np.testing.assert_array_equal(np.bincount(d.y), [178, 182, 177, 183, 181, 182, 181, 179, 174, 180])
    assert d.y[0] == 0
    np.testing.assert_array_equal(d.X[0].reshape(8, 8)[1], [0, 0, 13, 15, 10, 15, 5, 0])
    assert d.feature_names[8 * 2 + 3] == "pixel_2_3"
    assert "CC BY 4.0" in d.description


def test_breast_cancer_shapes_and_labels():
    """Breast cancer: 569 x 30, 212 malignant (0) and 357 benign (1), a known first row."""
    d = ds.load_breast_cancer()
    assert d.X.shape == (569, 30) and len(d.feature_names) == 30
    np.testing.assert_array_equal(np.bincount(d.y), [212, 357])
    assert d.target_names == ("malignant", "benign")
    assert d.X[0, 0] == 17.99 and d.X[0, 3] == 1001.0 and d.y[0] == 0
    assert d.feature_names[0] == "mean_radius" and d.feature_names[-1] == "worst_fractal_dimension"


def test_loaders_return_fresh_arrays():
    """Modifying a loaded array does not change the next load."""
    d = ds.load_iris()
    d.X[:] = 0.0
    assert ds.load_iris().X[0, 0] == 5.1


def test_shipped_files_have_readme_and_license():
    """Every data file in gdkit/data is described in its README, and the LICENSE names CC BY 4.0."""
    from importlib import resources

    folder = resources.files("gdkit").joinpath("data")
    names = {p.name for p in folder.iterdir()}
    assert {"iris.csv", "digits.csv.gz", "breast_cancer.csv", "README.md", "LICENSE.md"} <= names
    readme = folder.joinpath("README.md").read_text(encoding="utf-8")
    for name in names - {"README.md", "LICENSE.md", "__pycache__"}:
        assert f"`{name}`" in readme, f"{name} is shipped but not described in gdkit/data/README.md"
    assert "CC BY 4.0" in folder.joinpath("LICENSE.md").read_text(encoding="utf-8")
    # the digits file is re-gzipped without a timestamp, so rebuilding it gives the same bytes
    raw = folder.joinpath("digits.csv.gz").read_bytes()
    assert raw[4:8] == b"\x00\x00\x00\x00", "digits.csv.gz should be gzipped with mtime=0"
