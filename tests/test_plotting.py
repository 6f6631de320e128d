"""Tests for gdkit.plotting on the Agg backend: returned axes, drawn artists, labels and input errors."""

import gc
import subprocess
import sys
import warnings

import matplotlib
import numpy as np
import pytest

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.animation import FuncAnimation  # noqa: E402
from matplotlib.colors import to_hex  # noqa: E402

from gdkit import plotting as gp  # noqa: E402
from gdkit import surfaces  # noqa: E402


class Bowl:
    """A tiny landscape object like gdkit.landscapes': f(x, y) = x^2 + 4 y^2, vectorised over (..., 2)."""

    domain = (-2.0, 2.0, -1.0, 1.0)

    def __call__(self, P):
        P = np.asarray(P, dtype=np.float64)
        return P[..., 0] ** 2 + 4.0 * P[..., 1] ** 2


def descent(start, lr=0.1, steps=20):
    """Gradient descent on Bowl, as an array of iterates of shape (steps + 1, 2)."""
    point = np.asarray(start, dtype=np.float64)
    path = [point]
    for _ in range(steps):
        point = point - lr * np.array([2.0 * point[0], 8.0 * point[1]])
        path.append(point)
    return np.array(path)


@pytest.fixture
def ax():
    fig, ax = plt.subplots()
    yield ax
    plt.close(fig)


def visible_lines(ax):
    """Lines that get a legend entry (labels starting with '_' are hidden)."""
    return [line for line in ax.get_lines() if not line.get_label().startswith("_")]


# --- import cost -----------------------------------------------------------------------------

@pytest.mark.parametrize("statement", ["import gdkit", "import gdkit.plotting"])
def test_importing_gdkit_does_not_import_matplotlib(statement):
    """Matplotlib is loaded only when a plotting function runs (import gdkit stays fast)."""
    code = f"{statement}, sys; assert 'matplotlib' not in sys.modules, sorted(m for m in sys.modules if 'matplotlib' in m)"
    result = subprocess.run([sys.executable, "-c", f"import sys; {code}"], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr


# --- loss curves -----------------------------------------------------------------------------

class FakeHistory:
    """Looks like a Keras History: the record is in .history."""

    def __init__(self, record):
        self.history = record


def test_loss_curves_default_keys_and_labels(ax):
    """loss and val_loss, epochs counted from 1, val dashed, axes labelled epoch / loss."""
    history = FakeHistory({"loss": [3.0, 2.0, 1.0], "val_loss": [3.5, 2.5, 2.0], "accuracy": [0.1, 0.5, 0.9]})
    assert gp.plot_loss_curves(ax, history) is ax
    lines = ax.get_lines()
    assert [line.get_label() for line in lines] == ["loss", "val_loss"]
    np.testing.assert_array_equal(lines[0].get_xdata(), [1, 2, 3])
    np.testing.assert_array_equal(lines[1].get_ydata(), [3.5, 2.5, 2.0])
    assert lines[0].get_linestyle() == "-" and lines[1].get_linestyle() == "--"
    assert ax.get_xlabel() == "epoch" and ax.get_ylabel() == "loss"
    assert ax.get_legend() is not None


def test_loss_curves_plain_dict_metrics_and_log_scale(ax):
    """A plain dict works; chosen keys are drawn; log scale is set."""
    gp.plot_loss_curves(ax, {"loss": [1.0, 0.1], "accuracy": [0.5, 0.9]}, keys=["loss", "accuracy"], log_scale=True)
    assert len(ax.get_lines()) == 2 and ax.get_yscale() == "log" and ax.get_ylabel() == "value"


def test_loss_curves_errors(ax):
    """Unknown keys list the available ones; log scale refuses non-positive values; wrong types are named."""
    with pytest.raises(ValueError, match=r"accuracy.*available.*loss"):
        gp.plot_loss_curves(ax, {"loss": [1.0]}, keys=["accuracy"])
    with pytest.raises(ValueError, match="positive"):
        gp.plot_loss_curves(ax, {"loss": [1.0, 0.0]}, log_scale=True)
    with pytest.raises(ValueError, match="no 'loss'"):
        gp.plot_loss_curves(ax, {"acc": [1.0]})
    with pytest.raises(TypeError, match="list"):
        gp.plot_loss_curves(ax, [1.0, 2.0])


# --- decision boundary -----------------------------------------------------------------------

X2 = np.array([[-1.0, -1.0], [-1.0, 1.0], [1.0, -1.0], [1.0, 1.0]])


def filled_region_levels(ax):
    return ax.collections[0].levels


@pytest.mark.parametrize(
    "predict",
    [
        lambda P: 1.0 / (1.0 + np.exp(-P[:, 0])),  # (M,) probabilities
        lambda P: (1.0 / (1.0 + np.exp(-P[:, 0])))[:, None],  # (M, 1) probabilities
        lambda P: np.column_stack([P[:, 0] < 0, P[:, 0] >= 0]).astype(float),  # (M, 2) class probabilities
        lambda P: (P[:, 0] >= 0).astype(int),  # (M,) integer labels
    ],
    ids=["prob_1d", "prob_n1", "prob_nk", "labels"],
)
def test_decision_boundary_accepts_every_prediction_form(ax, predict):
    """All forms give the same two regions split at x1 = 0 and one scatter per class."""
    y = np.array([0, 0, 1, 1])
    assert gp.plot_decision_boundary(ax, predict, X2, y, resolution=21, padding=0.5) is ax
    scatters = [c for c in ax.collections if c.get_label().startswith("class")]
    assert [s.get_label() for s in scatters] == ["class 0", "class 1"]
    np.testing.assert_array_equal(scatters[1].get_offsets(), X2[2:])
    assert ax.get_xlim() == (-1.5, 1.5)
    assert ax.get_xlabel() == "$x_1$"
    np.testing.assert_array_equal(filled_region_levels(ax), [-0.5, 0.5, 1.5])


def test_decision_boundary_draws_the_half_line_for_probabilities(ax):
    """One probability per point adds the p = 0.5 contour; labels and (M, K) do not."""
    gp.plot_decision_boundary(ax, lambda P: 1.0 / (1.0 + np.exp(-P[:, 0])), X2, [0, 0, 1, 1], resolution=11)
    with_half = len(ax.collections)
    fig, other = plt.subplots()
    gp.plot_decision_boundary(other, lambda P: (P[:, 0] > 0).astype(int), X2, [0, 0, 1, 1], resolution=11)
    assert with_half == len(other.collections) + 1
    plt.close(fig)


def test_decision_boundary_three_classes_and_one_hot_y(ax):
    """(M, 3) probabilities give three regions; one-hot y is turned into labels."""
    X = np.array([[-1.0, 0.0], [0.0, 0.0], [1.0, 0.0]])
    Y = np.eye(3)

    def predict(P):
        return np.column_stack([P[:, 0] < -0.5, np.abs(P[:, 0]) <= 0.5, P[:, 0] > 0.5]).astype(float)

    gp.plot_decision_boundary(ax, predict, X, Y, resolution=31)
    np.testing.assert_array_equal(filled_region_levels(ax), [-0.5, 0.5, 1.5, 2.5])
    assert len([c for c in ax.collections if c.get_label().startswith("class")]) == 3


@pytest.mark.parametrize(
    "predict, X, y, match",
    [
        (lambda P: P[:, 0] * 10.0, X2, [0, 0, 1, 1], r"outside \[0, 1\].*sigmoid"),
        (lambda P: P[:5, 0], X2, [0, 0, 1, 1], r"\(M,\).*M=\d+.*\(5,\)"),
        (lambda P: P[:, 0] > 0, np.zeros((4, 3)), [0, 0, 1, 1], r"\(N, 2\).*\(4, 3\)"),
        (lambda P: P[:, 0] > 0, X2, [0, 1], r"\(4, 2\).*\(2,\)"),
    ],
    ids=["not_probabilities", "wrong_length", "X_not_2d", "y_length"],
)
def test_decision_boundary_errors(ax, predict, X, y, match):
    """Bad predictions, X with 3 columns and mismatched y are refused with the shapes in the message."""
    with pytest.raises(ValueError, match=match):
        gp.plot_decision_boundary(ax, predict, X, y, resolution=11)


# --- contours and descent paths --------------------------------------------------------------

def test_contour_uses_f_domain_and_levels(ax):
    """extent=None takes f.domain; a ContourSet with the requested levels is drawn."""
    assert gp.plot_contour(ax, Bowl(), levels=7, resolution=41) is ax
    assert ax.get_xlim() == (-2.0, 2.0) and ax.get_ylim() == (-1.0, 1.0)
    (contours,) = ax.collections
    assert 5 <= len(contours.levels) <= 9  # matplotlib picks "nice" levels near the number asked for


def test_contour_log_levels_are_geometric_above_the_minimum(ax):
    """log_levels spaces levels geometrically above the minimum, most of them near it."""
    gp.plot_contour(ax, Bowl(), levels=5, log_levels=True, resolution=41)
    levels = ax.collections[0].levels
    assert len(levels) == 5
    ratios = levels[1:] / levels[:-1]  # the minimum on this grid is exactly 0
    np.testing.assert_allclose(ratios, ratios[0])
    np.testing.assert_allclose(levels[-1], 8.0)  # max of x^2 + 4y^2 on the domain


def test_contour_needs_an_extent_without_domain(ax):
    """A plain function has no domain: the error asks for extent."""
    with pytest.raises(ValueError, match="extent"):
        gp.plot_contour(ax, lambda P: P[..., 0] ** 2)
    gp.plot_contour(ax, lambda P: P[..., 0] ** 2 + P[..., 1] ** 2, extent=(-1, 1, -1, 1), resolution=11, filled=True)
    assert len(ax.collections) == 1


def test_descent_paths_draw_path_start_end_and_legend(ax):
    """Per path: the iterates, a start marker and an end marker; legend shows the labels only."""
    paths = {"lr=0.1": descent([1.5, 0.8]), "lr=0.2": descent([-1.5, 0.5], lr=0.2)}
    assert gp.plot_descent_paths(ax, Bowl(), paths, levels=10, resolution=31) is ax
    assert len(ax.get_lines()) == 6
    assert [line.get_label() for line in visible_lines(ax)] == ["lr=0.1", "lr=0.2"]
    first = ax.get_lines()[0]
    np.testing.assert_array_equal(first.get_xdata(), paths["lr=0.1"][:, 0])
    start, end = ax.get_lines()[1], ax.get_lines()[2]
    np.testing.assert_array_equal(start.get_xydata()[0], paths["lr=0.1"][0])
    np.testing.assert_array_equal(end.get_xydata()[0], paths["lr=0.1"][-1])
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["lr=0.1", "lr=0.2"]


def test_descent_paths_keep_the_extent_when_a_path_diverges(ax):
    """A diverging path does not stretch the axes beyond f.domain."""
    gp.plot_descent_paths(ax, Bowl(), {"diverging": descent([1.0, 0.5], lr=0.3, steps=30)}, resolution=21)
    assert ax.get_ylim() == (-1.0, 1.0)


def test_descent_paths_without_domain_frame_the_paths(ax):
    """With no domain and no extent the axes enclose every iterate."""
    path = descent([3.0, 2.0], steps=5)
    gp.plot_descent_paths(ax, lambda P: P[..., 0] ** 2 + 4 * P[..., 1] ** 2, {"gd": path}, resolution=21)
    xmin, xmax = ax.get_xlim()
    assert xmin < path[:, 0].min() and xmax > path[:, 0].max()


@pytest.mark.parametrize("bad", [np.zeros((5, 3)), np.zeros(5), np.zeros((0, 2))])
def test_descent_paths_name_the_bad_shape(ax, bad):
    """A path that is not (T, 2) is named with its shape."""
    with pytest.raises(ValueError, match=rf"paths\['adam'\].*\(T, 2\).*{re_shape(bad.shape)}"):
        gp.plot_descent_paths(ax, Bowl(), {"adam": bad})


def re_shape(shape):
    return str(shape).replace("(", r"\(").replace(")", r"\)")


def test_descent_path_1d_curve_and_iterates(ax):
    """One curve, then per path iterates drawn at (x, f(x)) with start and end markers."""
    def f(x):
        return (x - 1.0) ** 2

    xs = [3.0, 2.0, 1.5, 1.25]
    assert gp.plot_descent_path_1d(ax, f, {"gd": xs, "column": np.array(xs)[:, None]}) is ax
    lines = ax.get_lines()
    assert len(lines) == 1 + 2 * 3
    np.testing.assert_array_equal(lines[1].get_ydata(), [4.0, 1.0, 0.25, 0.0625])
    assert [line.get_label() for line in visible_lines(ax)] == ["gd", "column"]
    assert ax.get_ylabel() == "$f(x)$"
    with pytest.raises(ValueError, match=r"\(T,\) or \(T, 1\).*\(3, 2\)"):
        gp.plot_descent_path_1d(ax, f, {"bad": np.zeros((3, 2))})


def test_descent_path_1d_accepts_a_scalar_only_function(ax):
    """A function written for one float at a time is evaluated point by point."""
    import math

    gp.plot_descent_path_1d(ax, lambda x: math.cos(x), {"gd": [0.0, 0.5]}, extent=(-1, 1), resolution=5)
    np.testing.assert_allclose(ax.get_lines()[0].get_ydata(), np.cos(np.linspace(-1, 1, 5)))


# --- landscape slices ------------------------------------------------------------------------

def test_surface_slice_contours_center_and_labels(ax):
    """A slice from surfaces.slice_2d: filled contours, a colour bar, the centre marked at (0, 0)."""
    center = np.array([1.0, -1.0])
    alphas, betas, Z = surfaces.slice_2d(lambda t: np.sum(t**2), center, [1.0, 0.0], [0.0, 1.0], resolution=11)
    assert gp.plot_surface_slice(ax, alphas, betas, Z) is ax
    assert len(ax.collections) == 1
    (marker,) = ax.get_lines()
    np.testing.assert_array_equal(marker.get_xydata(), [[0.0, 0.0]])
    assert "alpha" in ax.get_xlabel() and "beta" in ax.get_ylabel()
    assert len(ax.figure.axes) == 2  # the colour bar


def test_surface_slice_rejects_transposed_z(ax):
    """Z must be (len(betas), len(alphas)); a transposed grid is caught."""
    alphas, betas = np.linspace(-1, 1, 5), np.linspace(-1, 1, 3)
    with pytest.raises(ValueError, match=r"\(3, 5\).*\(5, 3\)"):
        gp.plot_surface_slice(ax, alphas, betas, np.zeros((5, 3)))


def test_surface_slice_3d_needs_3d_axes(ax):
    """The 3-D variant draws a surface on 3-D axes and explains how to make them otherwise."""
    alphas, betas = np.linspace(-1, 1, 5), np.linspace(-1, 1, 3)
    Z = alphas[None, :] ** 2 + betas[:, None] ** 2
    with pytest.raises(ValueError, match="projection"):
        gp.plot_surface_slice_3d(ax, alphas, betas, Z)
    fig = plt.figure()
    ax3 = fig.add_subplot(projection="3d")
    assert gp.plot_surface_slice_3d(ax3, alphas, betas, Z) is ax3
    assert len(ax3.collections) == 1 and ax3.get_zlabel() == "loss"
    plt.close(fig)


# --- activations, gradient norms, histograms ---------------------------------------------------

def test_activation_curve_and_derivative(ax):
    """Two lines on the default z grid: f and its derivative (dashed, same colour)."""
    def tanh(z):
        return np.tanh(z)

    assert gp.plot_activation(ax, tanh, lambda z: 1.0 - np.tanh(z) ** 2) is ax
    f_line, df_line = ax.get_lines()
    assert len(f_line.get_xdata()) == 401 and f_line.get_xdata()[0] == -6.0
    assert f_line.get_label() == "tanh" and df_line.get_linestyle() == "--"
    assert df_line.get_color() == f_line.get_color()
    np.testing.assert_allclose(df_line.get_ydata().max(), 1.0)


def test_activation_without_derivative_and_shape_error(ax):
    """df is optional; an f that changes the shape is refused."""
    gp.plot_activation(ax, np.tanh, z=np.linspace(-1, 1, 5), label="tanh")
    assert len(ax.get_lines()) == 1
    with pytest.raises(ValueError, match=r"shape of z"):
        gp.plot_activation(ax, np.sum)


def test_gradient_norms_lines_over_steps(ax):
    """Sequences give one line per layer on a log axis."""
    norms = {"dense_1": [1e-3, 2e-3, 1e-3], "dense_2": [1e-1, 2e-1, 1e-1]}
    assert gp.plot_gradient_norms(ax, norms) is ax
    assert [line.get_label() for line in ax.get_lines()] == ["dense_1", "dense_2"]
    assert ax.get_yscale() == "log" and ax.get_ylabel() == "gradient norm"


def test_gradient_norms_bars_by_layer(ax):
    """Single numbers give a bar per layer with the layer names as ticks."""
    gp.plot_gradient_norms(ax, {"layer 1": 1e-4, "layer 2": 1e-2, "layer 3": 1.0}, log_scale=False)
    assert len(ax.patches) == 3
    np.testing.assert_allclose([bar.get_height() for bar in ax.patches], [1e-4, 1e-2, 1.0])
    assert [t.get_text() for t in ax.get_xticklabels()] == ["layer 1", "layer 2", "layer 3"]


def test_gradient_norms_label_what_is_plotted(ax):
    """Another per-layer statistic gets its own y label (the dead-unit figure plots fractions, not norms)."""
    gp.plot_gradient_norms(ax, {"layer 1": [0.5, 0.2]}, log_scale=False, ylabel="fraction of dead units")
    assert ax.get_ylabel() == "fraction of dead units"


def test_gradient_norms_refuse_a_mix(ax):
    """Numbers and sequences in one dict is an error that says what to do."""
    with pytest.raises(ValueError, match="mixes"):
        gp.plot_gradient_norms(ax, {"a": 1.0, "b": [1.0, 2.0]})


def test_histograms_one_per_layer_with_shared_bins(ax):
    """One step histogram per layer, same bin edges, density normalised."""
    rng = np.random.default_rng(0)
    values = {"layer 1": rng.standard_normal((100, 4)), "layer 2": 3.0 * rng.standard_normal(50)}
    assert gp.plot_histograms(ax, values, bins=20) is ax
    assert len(ax.patches) == 2
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["layer 1", "layer 2"]
    xs = [patch.get_xy()[:, 0] for patch in ax.patches]
    assert xs[0].min() == xs[1].min() and xs[0].max() == xs[1].max()
    with pytest.raises(ValueError, match=r"'layer 3'.*finite"):
        gp.plot_histograms(ax, {"layer 3": [1.0, np.nan]})


# --- animation -------------------------------------------------------------------------------

def test_animate_descent_frames_and_offline_html():
    """FuncAnimation with the requested frames; the HTML embeds them and links nothing online."""
    paths = {"gd": descent([1.5, 0.8], steps=30), "short": descent([-1.5, -0.5], steps=5)}
    animation = gp.animate_descent(Bowl(), paths, frames=4, interval=10)
    assert isinstance(animation, FuncAnimation)
    html = gp.animation_to_html(animation)
    assert html.count("data:image/png;base64") == 4
    assert "http" not in html and "fa-play" not in html
    fresh = gp.animate_descent(Bowl(), paths, frames=4, interval=10)  # Matplotlib caches an animation's HTML
    jpeg = gp.animation_to_html(fresh, frame_format="jpeg")
    assert jpeg.count("data:image/jpeg;base64") == 4 and "image/png" not in jpeg
    with pytest.raises(ValueError, match="frame_format"):
        gp.animation_to_html(animation, frame_format="gif")


def test_animate_descent_frames_follow_the_steps():
    """Drawing a frame shows the iterates up to that step; shorter paths stop at their end."""
    paths = {"gd": descent([1.5, 0.8], steps=10), "short": descent([-1.5, -0.5], steps=2)}
    animation = gp.animate_descent(Bowl(), paths)
    artists = animation._func(5)
    lines = {line.get_label(): line for line in artists if hasattr(line, "get_xdata")}
    assert len(lines["gd"].get_xdata()) == 6
    assert len(lines["short"].get_xdata()) == 3
    with warnings.catch_warnings():  # never rendered on purpose: silence Matplotlib's reminder
        warnings.simplefilter("ignore")
        del animation, artists, lines
        gc.collect()
    with pytest.raises(ValueError, match=r"paths\['x'\]"):
        gp.animate_descent(Bowl(), {"x": np.zeros((3, 3))})


def test_contour_marks_known_minima(ax):
    """A function with a minima attribute (m, 2) gets one marker line at those points, outside the legend."""
    bowl = Bowl()
    bowl.minima = np.array([[0.0, 0.0], [1.0, 0.5]])
    gp.plot_contour(ax, bowl, resolution=11)
    (marks,) = ax.get_lines()
    np.testing.assert_array_equal(marks.get_xydata(), bowl.minima)
    assert marks.get_label().startswith("_")
    fig, other = plt.subplots()
    gp.plot_contour(other, bowl, resolution=11, mark_minima=False)
    assert other.get_lines() == []
    plt.close(fig)


def test_descent_path_1d_takes_functions_of_column_vectors(ax):
    """A 1-D landscape that wants points of shape (..., 1) (as gdkit.landscapes) is evaluated on its curve."""
    def f(x):
        x = np.asarray(x)
        if x.shape[-1:] != (1,):
            raise ValueError("points of shape (..., 1) please")
        return x[..., 0] ** 2

    gp.plot_descent_path_1d(ax, f, {"gd": np.array([[1.0], [0.5]])}, extent=(-1, 1), resolution=5)
    np.testing.assert_allclose(ax.get_lines()[0].get_ydata(), np.linspace(-1, 1, 5) ** 2)
    np.testing.assert_allclose(ax.get_lines()[1].get_ydata(), [1.0, 0.25])


def test_descent_paths_get_consecutive_colours(ax):
    """Start and end markers reuse the path's colour and do not use up the colour cycle."""
    paths = {"a": descent([1.5, 0.8]), "b": descent([-1.5, 0.5]), "c": descent([0.5, -0.5])}
    gp.plot_descent_paths(ax, Bowl(), paths, resolution=11)
    colours = [to_hex(line.get_color()) for line in visible_lines(ax)]
    assert colours == [to_hex(f"C{k}") for k in range(3)]
    start, end = ax.get_lines()[1:3]
    assert to_hex(start.get_markeredgecolor()) == to_hex(end.get_color()) == colours[0]


def test_seed_band_draws_the_mean_and_a_one_std_band(ax):
    from gdkit.tuning import over_seeds
    runs = over_seeds(lambda seed: np.array([1.0, 2.0, 3.0]) + seed, seeds=[0, 2])   # mean 2, 3, 4; std sqrt(2)
    assert gp.plot_seed_band(ax, None, runs, label="method") is ax
    (line,) = ax.get_lines()
    np.testing.assert_allclose(line.get_xdata(), [1, 2, 3])
    np.testing.assert_allclose(line.get_ydata(), [2, 3, 4])
    assert line.get_label() == "method"
    band = ax.collections[0].get_paths()[0].vertices
    np.testing.assert_allclose([band[:, 1].min(), band[:, 1].max()], [2 - np.sqrt(2), 4 + np.sqrt(2)])
    assert to_hex(ax.collections[0].get_facecolor()[0], keep_alpha=False) == to_hex(line.get_color())


def test_seed_band_range_spans_the_lowest_to_the_highest_seed(ax):
    runs = np.array([[1.0, 5.0], [3.0, 2.0], [2.0, 8.0]])
    gp.plot_seed_band(ax, [10.0, 20.0], runs, band="range")
    np.testing.assert_allclose(ax.get_lines()[0].get_ydata(), [2.0, 5.0])
    band = ax.collections[0].get_paths()[0].vertices
    np.testing.assert_allclose([band[:, 1].min(), band[:, 1].max()], [1.0, 8.0])


def test_seed_band_errors(ax):
    with pytest.raises(ValueError, match="band must be"):
        gp.plot_seed_band(ax, None, np.ones((2, 4)), band="iqr")
    with pytest.raises(ValueError, match="one curve per seed"):
        gp.plot_seed_band(ax, None, np.ones((1, 4)))
    with pytest.raises(ValueError, match="each curve has 4 points"):
        gp.plot_seed_band(ax, np.arange(3), np.ones((2, 4)))


def test_lr_range_test_plot_draws_smoothed_and_raw_losses_on_a_log_axis(ax):
    from gdkit.tuning import RangeTest
    result = RangeTest(np.geomspace(1e-4, 10, 6), np.array([2.3, 2.2, 1.5, 0.8, 3.0, 50.0]))
    assert gp.plot_lr_range_test(ax, result, beta=0.5, label="SGD") is ax
    smooth, raw = ax.get_lines()[:2]
    np.testing.assert_allclose(smooth.get_ydata(), result.smoothed(0.5))
    np.testing.assert_allclose(raw.get_ydata(), result.losses)
    assert smooth.get_label() == "SGD" and ax.get_xscale() == "log"
    assert ax.get_ylim() == (0.0, 4.6)  # up to twice the first loss: the blow-up to 50 is cut off
    (mark,) = ax.get_lines()[2:]
    assert mark.get_xdata()[0] == pytest.approx(result.suggestion(0.5))
    assert "learning rate" in ax.get_xlabel()


def test_lr_range_test_plot_errors(ax):
    from gdkit.tuning import RangeTest
    with pytest.raises(ValueError, match="as many learning rates as losses"):
        gp.plot_lr_range_test(ax, RangeTest(np.ones(3), np.ones(2)))
