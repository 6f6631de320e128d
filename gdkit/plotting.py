"""Matplotlib figures for the book: loss curves, decision boundaries, descent paths, landscapes (all chapters).

Every function takes a Matplotlib ``ax`` first, draws on it, returns it and never calls ``show()``;
``animate_descent`` makes its own figure. The numbers come from elsewhere (``gdkit.surfaces``, a
training history, a model's ``predict``): this module only draws. Matplotlib is imported inside the
functions, so ``import gdkit.plotting`` stays cheap and ``import gdkit`` does not load it.
"""

from collections.abc import Mapping

import numpy as np

from gdkit.surfaces import grid_2d

__all__ = [
    "animate_descent",
    "animation_to_html",
    "plot_activation",
    "plot_contour",
    "plot_decision_boundary",
    "plot_descent_path_1d",
    "plot_descent_paths",
    "plot_gradient_norms",
    "plot_histograms",
    "plot_loss_curves",
    "plot_lr_range_test",
    "plot_seed_band",
    "plot_surface_slice",
    "plot_surface_slice_3d",
]


# ---------------------------------------------------------------------------------------------
# shared helpers
# ---------------------------------------------------------------------------------------------

def _levels(Z, levels, log_levels):
    """Contour levels: ``levels`` as given, or that many levels spaced logarithmically above min(Z).

    Log spacing puts most lines near the minimum, where a narrow valley would otherwise show none.
    """
    if not log_levels:
        return levels
    if np.ndim(levels) != 0:
        raise ValueError("log_levels=True needs levels to be a number of levels, not a list of values.")
    finite = Z[np.isfinite(Z)]
    low, high = finite.min(), finite.max()
    spread = high - low
    if spread <= 0:
        raise ValueError("log_levels=True needs a function that is not constant over the extent.")
    return low + np.geomspace(spread * 1e-4, spread, int(levels))


def _domain_of(f, extent):
    """``extent`` if given, else the ``domain`` attribute of a landscape function."""
    if extent is not None:
        return extent
    domain = getattr(f, "domain", None)
    if domain is None:
        raise ValueError(
            f"extent=None needs f to have a 'domain' attribute (xmin, xmax, ymin, ymax); "
            f"{f!r} has none: pass extent=(xmin, xmax, ymin, ymax)."
        )
    return domain


def _as_paths(paths, dim):
    """Check a dict label -> array of shape (T, dim) (or (T,) when dim == 1); return float arrays."""
    if isinstance(paths, np.ndarray):
        paths = {"path": paths}
    if not isinstance(paths, Mapping) or len(paths) == 0:
        raise ValueError(f"paths must be a non-empty dict label -> array of shape (T, {dim}), got {type(paths).__name__}.")
    checked = {}
    for label, path in paths.items():
        path = np.asarray(path, dtype=np.float64)
        if dim == 1 and path.ndim == 2 and path.shape[1] == 1:
            path = path[:, 0]
        wanted = (path.ndim == 1) if dim == 1 else (path.ndim == 2 and path.shape[1] == dim)
        if not wanted or len(path) == 0:
            shape = "(T,) or (T, 1)" if dim == 1 else f"(T, {dim})"
            raise ValueError(f"paths[{label!r}] must have shape {shape} with T >= 1, got shape {path.shape}.")
        checked[label] = path
    return checked


def _mark_ends(ax, x, y, color):
    """Mark the start (open circle) and the end (filled star) of a path; no legend entries."""
    ax.plot(x[0], y[0], marker="o", markersize=8, color=color, markerfacecolor="white", linestyle="none",
            label="_start")
    ax.plot(x[-1], y[-1], marker="*", markersize=12, color=color, linestyle="none", label="_end")


# ---------------------------------------------------------------------------------------------
# training curves
# ---------------------------------------------------------------------------------------------

def plot_loss_curves(ax, history, keys=None, log_scale=False):
    """Plot training curves, one line per key, against the epoch.

    Parameters
    ----------
    ax : matplotlib.axes.Axes
    history : dict or object with a ``.history`` dict
        Maps names (``"loss"``, ``"val_loss"``, ``"accuracy"``...) to one value per epoch, as a Keras
        ``History`` or ``gdkit``'s ``fit`` returns.
    keys : list of str, optional
        Which entries to plot; default ``"loss"`` and, if present, ``"val_loss"``. Validation keys
        (``"val_..."``) are drawn dashed.
    log_scale : bool
        Logarithmic y axis (all values must then be positive).

    Returns
    -------
    ax : matplotlib.axes.Axes
    """
    record = history.history if hasattr(history, "history") else history
    if not isinstance(record, Mapping):
        raise TypeError(f"history must be a dict of lists or have a .history dict, got {type(history).__name__}.")
    if keys is None:
        keys = [k for k in ("loss", "val_loss") if k in record]
        if not keys:
            raise ValueError(f"history has no 'loss' entry; pass keys=[...] from {sorted(record)}.")
    elif isinstance(keys, str):
        keys = [keys]
    missing = [k for k in keys if k not in record]
    if missing:
        raise ValueError(f"history has no entries {missing}; available: {sorted(record)}.")
    for key in keys:
        values = np.asarray(record[key], dtype=np.float64).ravel()
        if values.size == 0:
            raise ValueError(f"history[{key!r}] is empty: train for at least one epoch.")
        if log_scale and np.any(values <= 0):
            raise ValueError(f"log_scale=True needs positive values, but history[{key!r}] has values <= 0.")
        epochs = np.arange(1, values.size + 1)
        ax.plot(epochs, values, linestyle="--" if key.startswith("val_") else "-", label=key)
    if log_scale:
        ax.set_yscale("log")
    ax.set_xlabel("epoch")
    ax.set_ylabel("loss" if all("loss" in k for k in keys) else "value")
    ax.legend()
    return ax


def plot_seed_band(ax, x, runs, label=None, color=None, linestyle="-", alpha=0.2, band="std"):
    """One method's curve over several seeds: the mean as a line, and the spread over the seeds as a band.

    Parameters
    ----------
    ax : matplotlib.axes.Axes
    x : ndarray, shape (T,), or None
        Positions of the points (epochs, updates, seconds); None means 1, 2, ..., T.
    runs : gdkit.tuning.SeedRuns or ndarray, shape (S, T)
        One curve per seed, e.g. from :func:`gdkit.tuning.over_seeds`.
    label : str, optional
        Legend entry of the mean line (the band gets none).
    color, linestyle : optional
        Of the line; the band has the line's colour.
    alpha : float
        Opacity of the band.
    band : {"std", "range"}
        ``"std"``: mean ± one sample standard deviation (ddof=1); ``"range"``: from the lowest to the highest seed
        (stays positive for positive curves, so it suits a logarithmic axis).

    Returns
    -------
    ax : matplotlib.axes.Axes
        With one line (the mean) and one filled band.
    """
    values = np.asarray(getattr(runs, "values", runs), dtype=np.float64)
    if values.ndim != 2 or values.shape[0] < 2:
        raise ValueError(f"runs must hold one curve per seed, shape (S, T) with S >= 2, got shape {values.shape}; "
                         "pass gdkit.tuning.over_seeds(...) of a run that returns a curve.")
    x = np.arange(1, values.shape[1] + 1) if x is None else np.asarray(x, dtype=np.float64)
    if x.shape != values.shape[1:]:
        raise ValueError(f"x has shape {x.shape} but each curve has {values.shape[1]} points.")
    mean = values.mean(axis=0)
    if band == "std":
        std = values.std(axis=0, ddof=1)
        low, high = mean - std, mean + std
    elif band == "range":
        low, high = values.min(axis=0), values.max(axis=0)
    else:
        raise ValueError(f"band must be 'std' or 'range', got {band!r}.")
    (line,) = ax.plot(x, mean, color=color, linestyle=linestyle, label=label)
    ax.fill_between(x, low, high, color=line.get_color(), alpha=alpha, linewidth=0)
    return ax


def plot_lr_range_test(ax, result, beta=0.9, mark_suggestion=True, label=None, color=None):
    """The learning-rate range test: loss of every batch against its learning rate, on a log axis.

    Parameters
    ----------
    ax : matplotlib.axes.Axes
    result : gdkit.tuning.RangeTest
        From :func:`gdkit.tuning.lr_range_test`.
    beta : float in [0, 1)
        Smoothing of the solid line (``result.smoothed(beta)``); the raw losses are drawn faintly behind it.
    mark_suggestion : bool
        Draw a dotted vertical line at ``result.suggestion(beta)`` (a tenth of the rate at the smoothed minimum).
    label, color : optional
        Of the smoothed line.

    Returns
    -------
    ax : matplotlib.axes.Axes
        Log-scaled x axis; the y axis goes from 0 to twice the first loss, so the final blow-up does not
        flatten the interesting part.
    """
    rates, losses = np.asarray(result.learning_rates, float), np.asarray(result.losses, float)
    if rates.shape != losses.shape or rates.size < 2:
        raise ValueError(f"result must hold as many learning rates as losses, at least 2; got {rates.shape} and "
                         f"{losses.shape}. Pass the RangeTest returned by gdkit.tuning.lr_range_test.")
    smooth = result.smoothed(beta)
    (line,) = ax.plot(rates, smooth, color=color, label=label)
    ax.plot(rates, losses, color=line.get_color(), alpha=0.25, linewidth=0.8)
    ax.set_xscale("log")
    finite = losses[np.isfinite(losses)]
    if finite.size:
        low, first = float(np.min(finite)), float(finite[0])
        ax.set_ylim(min(low, 0.0), 2 * first if first > 0 else None)
    if mark_suggestion:
        ax.axvline(result.suggestion(beta), color=line.get_color(), linestyle=":", linewidth=1)
    ax.set_xlabel("learning rate (log scale)")
    ax.set_ylabel("batch loss")
    return ax


def plot_gradient_norms(ax, norms, log_scale=True, ylabel="gradient norm"):
    """Plot gradient norms (or any per-layer statistic) per layer: lines over training, or bars by layer.

    Parameters
    ----------
    ax : matplotlib.axes.Axes
    norms : dict
        Either layer name -> sequence of norms over steps or epochs (one line per layer), or layer
        name -> one number (a bar per layer, in dict order: shows a gradient shrinking with depth).
    log_scale : bool
        Logarithmic y axis (vanishing gradients span orders of magnitude).
    ylabel : str, default ``"gradient norm"``
        The y-axis label: say what is plotted when it is another statistic (``"fraction of dead units"``).

    Returns
    -------
    ax : matplotlib.axes.Axes
    """
    if not isinstance(norms, Mapping) or not norms:
        raise ValueError("norms must be a non-empty dict layer_name -> float or sequence of floats.")
    values = {name: np.asarray(v, dtype=np.float64) for name, v in norms.items()}
    scalar = [np.ndim(v) == 0 for v in values.values()]
    if all(scalar):
        names = list(values)
        ax.bar(np.arange(len(names)), [values[n] for n in names], tick_label=names)
        ax.set_xlabel("layer")
    elif not any(scalar):
        for name, v in values.items():
            if v.ndim != 1 or v.size == 0:
                raise ValueError(f"norms[{name!r}] must be a non-empty 1-D sequence, got shape {v.shape}.")
            ax.plot(np.arange(1, v.size + 1), v, label=str(name))
        ax.set_xlabel("step")
        ax.legend()
    else:
        raise ValueError(
            "norms mixes numbers and sequences; give every layer one number (bar chart) "
            "or every layer a sequence (lines)."
        )
    if log_scale:
        ax.set_yscale("log")
    ax.set_ylabel(ylabel)
    return ax


def plot_histograms(ax, values_by_layer, bins=50, density=True):
    """Overlay histograms of values per layer (activations, weights or gradients).

    Parameters
    ----------
    ax : matplotlib.axes.Axes
    values_by_layer : dict
        Layer name -> array of any shape (flattened); all finite.
    bins : int
        Number of bins, shared by all layers (same edges, so the histograms compare).
    density : bool
        Normalise each histogram to area 1 (layers of different sizes compare).

    Returns
    -------
    ax : matplotlib.axes.Axes
    """
    if not isinstance(values_by_layer, Mapping) or not values_by_layer:
        raise ValueError("values_by_layer must be a non-empty dict layer_name -> array.")
    flat = {}
    for name, v in values_by_layer.items():
        v = np.asarray(v, dtype=np.float64).ravel()
        if v.size == 0 or not np.all(np.isfinite(v)):
            raise ValueError(f"values_by_layer[{name!r}] must be non-empty and finite (no nan or inf).")
        flat[name] = v
    low = min(v.min() for v in flat.values())
    high = max(v.max() for v in flat.values())
    if low == high:
        low, high = low - 0.5, high + 0.5
    edges = np.linspace(low, high, int(bins) + 1)
    for name, v in flat.items():
        ax.hist(v, bins=edges, density=density, histtype="step", linewidth=1.5, label=str(name))
    ax.set_xlabel("value")
    ax.set_ylabel("density" if density else "count")
    ax.legend()
    return ax


def plot_activation(ax, f, df=None, z=None, label=None):
    """Plot an activation function and, if given, its derivative.

    Parameters
    ----------
    ax : matplotlib.axes.Axes
    f : callable
        Vectorised activation, ndarray -> ndarray of the same shape.
    df : callable, optional
        Its derivative with respect to z, vectorised; drawn dashed in the same colour.
    z : ndarray of shape (M,), optional
        Inputs; default ``np.linspace(-6, 6, 401)``.
    label : str, optional
        Legend name; default ``f.__name__``.

    Returns
    -------
    ax : matplotlib.axes.Axes
    """
    z = np.linspace(-6.0, 6.0, 401) if z is None else np.asarray(z, dtype=np.float64)
    label = label if label is not None else getattr(f, "__name__", "f")
    values = np.asarray(f(z), dtype=np.float64)
    if values.shape != z.shape:
        raise ValueError(f"f must return an array of the shape of z, {z.shape}; got {values.shape}.")
    (line,) = ax.plot(z, values, label=label)
    if df is not None:
        slopes = np.asarray(df(z), dtype=np.float64)
        if slopes.shape != z.shape:
            raise ValueError(f"df must return an array of the shape of z, {z.shape}; got {slopes.shape}.")
        ax.plot(z, slopes, linestyle="--", color=line.get_color(), label=f"{label}' (derivative)")
    ax.set_xlabel("z")
    ax.grid(True, alpha=0.3)
    ax.legend()
    return ax


# ---------------------------------------------------------------------------------------------
# classifiers
# ---------------------------------------------------------------------------------------------

def _predicted_classes(P, n_points):
    """Class index per grid point from labels (M,), probabilities (M,) / (M, 1) or (M, K)."""
    P = np.asarray(P)
    if P.shape[:1] != (n_points,) or P.ndim > 2:
        raise ValueError(
            f"predict must return shape (M,), (M, 1) or (M, K) for M={n_points} points, got {P.shape}."
        )
    if P.ndim == 2 and P.shape[1] > 1:
        return P.argmax(axis=1), None
    P = P.reshape(n_points)
    if P.dtype.kind in "iub":
        return P.astype(np.int64), None
    P = P.astype(np.float64)
    if np.any((P < 0) | (P > 1)):
        raise ValueError(
            "predict returned one float per point, read as the probability of class 1, but some values are "
            f"outside [0, 1] (min {P.min():.3g}, max {P.max():.3g}); apply a sigmoid or return integer labels."
        )
    return (P >= 0.5).astype(np.int64), P


def plot_decision_boundary(ax, predict, X, y, resolution=200, padding=0.5, feature_names=("$x_1$", "$x_2$")):
    """Shade the regions a 2-D classifier assigns to each class and scatter the data on top.

    Parameters
    ----------
    ax : matplotlib.axes.Axes
    predict : callable
        Maps points of shape (M, 2) to class labels (M,) of integer dtype, probabilities of class 1
        (M,) or (M, 1) (threshold 0.5; the 0.5 line is drawn), or class probabilities (M, K) (argmax).
    X : array_like of shape (N, 2)
    y : array_like of shape (N,) or (N, 1) of integer labels, or (N, K) one-hot
    resolution : int
        Grid points per axis.
    padding : float
        Margin around the data, in data units.
    feature_names : (str, str)
        Axis labels.

    Returns
    -------
    ax : matplotlib.axes.Axes
    """
    from matplotlib.colors import ListedColormap

    X = np.asarray(X, dtype=np.float64)
    y = np.asarray(y)
    if X.ndim != 2 or X.shape[1] != 2:
        raise ValueError(f"plot_decision_boundary needs X of shape (N, 2), got {X.shape}.")
    if y.ndim == 2 and y.shape[1] > 1:
        y = y.argmax(axis=1)
    y = y.reshape(-1)
    if len(y) != len(X):
        raise ValueError(f"X and y must have the same number of samples, got X {X.shape} and y {np.shape(y)}.")
    extent = (X[:, 0].min() - padding, X[:, 0].max() + padding, X[:, 1].min() - padding, X[:, 1].max() + padding)
    xs = np.linspace(extent[0], extent[1], resolution)
    ys = np.linspace(extent[2], extent[3], resolution)
    XX, YY = np.meshgrid(xs, ys)
    points = np.column_stack([XX.ravel(), YY.ravel()])
    classes, probability = _predicted_classes(predict(points), len(points))
    y = y.astype(np.int64)
    n_classes = int(max(classes.max(), y.max())) + 1
    colors = [f"C{k % 10}" for k in range(n_classes)]
    ax.contourf(xs, ys, classes.reshape(XX.shape), levels=np.arange(n_classes + 1) - 0.5,
                cmap=ListedColormap(colors), alpha=0.25)
    if probability is not None:
        ax.contour(xs, ys, probability.reshape(XX.shape), levels=[0.5], colors="k", linewidths=1)
    for k in np.unique(y):
        ax.scatter(X[y == k, 0], X[y == k, 1], s=12, color=colors[k], edgecolor="k", linewidth=0.3, label=f"class {k}")
    ax.set_xlim(extent[0], extent[1])
    ax.set_ylim(extent[2], extent[3])
    ax.set_xlabel(feature_names[0])
    ax.set_ylabel(feature_names[1])
    ax.legend(loc="best", fontsize="small")
    return ax


# ---------------------------------------------------------------------------------------------
# landscapes and descent paths
# ---------------------------------------------------------------------------------------------

def plot_contour(ax, f, extent=None, levels=30, log_levels=False, resolution=200, filled=False, cmap="viridis",
                 colors=None, mark_minima=True):
    """Contour lines of a function of two variables.

    Parameters
    ----------
    ax : matplotlib.axes.Axes
    f : callable
        Vectorised over (..., 2) -> (...) (or pointwise (2,) -> scalar, slower); may carry a
        ``domain`` attribute (xmin, xmax, ymin, ymax), as ``gdkit.landscapes`` functions do.
    extent : (xmin, xmax, ymin, ymax), optional
        Default ``f.domain``.
    levels : int or sequence of float
        Number of levels or the levels themselves.
    log_levels : bool
        Space ``levels`` (a number) logarithmically above the minimum on the grid, so that valleys
        such as Rosenbrock's show lines.
    resolution : int
        Grid points per axis.
    filled : bool
        ``contourf`` instead of ``contour``.
    cmap : str
        Colour map of the levels (ignored if ``colors`` is given).
    colors : color, optional
        One colour for every level (for example ``"0.6"``, a grey behind paths drawn on top).
    mark_minima : bool
        If f has a ``minima`` attribute of shape (m, 2) (as ``gdkit.landscapes`` functions do), mark
        them with black crosses (one line, no legend entry).

    Returns
    -------
    ax : matplotlib.axes.Axes
    """
    xs, ys, Z = grid_2d(f, _domain_of(f, extent), resolution)
    style = {"colors": colors} if colors is not None else {"cmap": cmap}
    if filled:
        ax.contourf(xs, ys, Z, levels=_levels(Z, levels, log_levels), **style)
    else:
        ax.contour(xs, ys, Z, levels=_levels(Z, levels, log_levels), linewidths=0.8, **style)
    minima = getattr(f, "minima", None) if mark_minima else None
    if minima is not None and np.ndim(minima) == 2 and np.shape(minima)[1] == 2:
        minima = np.asarray(minima, dtype=np.float64)
        ax.plot(minima[:, 0], minima[:, 1], marker="x", markersize=9, markeredgewidth=2, color="k",
                linestyle="none", label="_minima")
    ax.set_xlim(xs[0], xs[-1])
    ax.set_ylim(ys[0], ys[-1])
    ax.set_xlabel("$x_1$")
    ax.set_ylabel("$x_2$")
    return ax


def _extent_around(paths, padding=0.1):
    """A rectangle containing every path, with a relative margin."""
    points = np.vstack(list(paths.values()))
    points = points[np.all(np.isfinite(points), axis=1)]
    if len(points) == 0:
        raise ValueError("every point of every path is nan or inf: pass extent=(xmin, xmax, ymin, ymax).")
    low, high = points.min(axis=0), points.max(axis=0)
    margin = np.maximum((high - low) * padding, 0.5)
    return (low[0] - margin[0], high[0] + margin[0], low[1] - margin[1], high[1] + margin[1])


def plot_descent_paths(ax, f, paths, extent=None, levels=30, log_levels=False, resolution=200, markersize=3):
    """Contours of f with one or more optimisation paths on top.

    Parameters
    ----------
    ax : matplotlib.axes.Axes
    f : callable
        As for ``plot_contour``.
    paths : dict
        Label (for example the optimizer's name) -> iterates of shape (T, 2), first row the start.
    extent : (xmin, xmax, ymin, ymax), optional
        Default ``f.domain`` if f has one, else a box around the paths. Paths leaving it are clipped
        (a diverging run does not stretch the axes).
    levels, log_levels, resolution
        As for ``plot_contour``.
    markersize : float
        Size of the markers on the iterates.

    Returns
    -------
    ax : matplotlib.axes.Axes
        Per path, three lines: the iterates (with a legend entry), the start (open circle) and the
        end (star).
    """
    paths = _as_paths(paths, dim=2)
    if extent is None:
        extent = getattr(f, "domain", None)
        extent = _extent_around(paths) if extent is None else extent
    plot_contour(ax, f, extent, levels=levels, log_levels=log_levels, resolution=resolution, colors="0.7")
    for label, path in paths.items():
        (line,) = ax.plot(path[:, 0], path[:, 1], marker="o", markersize=markersize, linewidth=1.2, label=str(label))
        _mark_ends(ax, path[:, 0], path[:, 1], line.get_color())
    ax.set_xlim(extent[0], extent[1])
    ax.set_ylim(extent[2], extent[3])
    ax.legend()
    return ax


def _evaluate_1d(f, xs):
    """f on a 1-D array: vectorised over (M,) or over (M, 1) (as gdkit.landscapes), else point by point."""
    for points in (xs, xs[:, None]):
        try:
            values = np.asarray(f(points), dtype=np.float64)
        except Exception:  # noqa: BLE001 - f may accept only another form; the next one is tried
            continue
        if values.shape == xs.shape:
            return values
    return np.array([float(np.asarray(f(x)).reshape(())) for x in xs])


def plot_descent_path_1d(ax, f, paths, extent=None, resolution=400, markersize=4):
    """A function of one variable with gradient-descent iterates drawn on the curve.

    Parameters
    ----------
    ax : matplotlib.axes.Axes
    f : callable
        Function of one variable, vectorised (M,) -> (M,) or scalar -> scalar.
    paths : dict
        Label -> iterates of shape (T,) or (T, 1).
    extent : (xmin, xmax), optional
        x range; default ``f.domain`` if f has a 2-element one, else a range around the iterates.
    resolution : int
        Points on the curve.
    markersize : float

    Returns
    -------
    ax : matplotlib.axes.Axes
        One line for the curve, then per path three lines (iterates, start, end).
    """
    paths = _as_paths(paths, dim=1)
    if extent is None:
        domain = getattr(f, "domain", None)
        if domain is not None and len(domain) == 2:
            extent = domain
        else:
            points = np.concatenate(list(paths.values()))
            points = points[np.isfinite(points)]
            if points.size == 0:
                raise ValueError("every iterate is nan or inf: pass extent=(xmin, xmax).")
            margin = max(0.1 * (points.max() - points.min()), 0.5)
            extent = (points.min() - margin, points.max() + margin)
    xs = np.linspace(extent[0], extent[1], resolution)
    ax.plot(xs, _evaluate_1d(f, xs), color="0.3", linewidth=1.5, label="_curve")
    for label, path in paths.items():
        heights = _evaluate_1d(f, path)
        (line,) = ax.plot(path, heights, marker="o", markersize=markersize, linewidth=0.8, label=str(label))
        _mark_ends(ax, path, heights, line.get_color())
    ax.set_xlim(extent[0], extent[1])
    ax.set_xlabel("$x$")
    ax.set_ylabel("$f(x)$")
    ax.legend()
    return ax


def _check_slice(alphas, betas, Z):
    alphas, betas, Z = (np.asarray(a, dtype=np.float64) for a in (alphas, betas, Z))
    if Z.shape != (betas.size, alphas.size):
        raise ValueError(
            f"Z must have shape (len(betas), len(alphas)) = {(betas.size, alphas.size)}, got {Z.shape}; "
            "pass the three outputs of gdkit.surfaces.slice_2d in order."
        )
    return alphas, betas, Z


def plot_surface_slice(ax, alphas, betas, Z, levels=30, log_levels=False, filled=True, cmap="viridis"):
    """Contours of a 2-D loss-landscape slice from ``gdkit.surfaces.slice_2d``; the centre is marked.

    Parameters
    ----------
    ax : matplotlib.axes.Axes
    alphas : ndarray of shape (n_alpha,)
    betas : ndarray of shape (n_beta,)
    Z : ndarray of shape (n_beta, n_alpha)
    levels, log_levels
        As for ``plot_contour``.
    filled : bool
        Filled contours (with a colour bar) or lines only.
    cmap : str

    Returns
    -------
    ax : matplotlib.axes.Axes
    """
    alphas, betas, Z = _check_slice(alphas, betas, Z)
    draw = ax.contourf if filled else ax.contour
    contours = draw(alphas, betas, Z, levels=_levels(Z, levels, log_levels), cmap=cmap)
    if filled:
        ax.figure.colorbar(contours, ax=ax, label="loss")
    ax.plot(0.0, 0.0, marker="*", markersize=12, color="white" if filled else "k",
            markeredgecolor="k", linestyle="none", label="center")
    ax.set_xlabel(r"$\alpha$ (direction 1)")
    ax.set_ylabel(r"$\beta$ (direction 2)")
    return ax


def plot_surface_slice_3d(ax, alphas, betas, Z, cmap="viridis"):
    """The same slice as a 3-D surface; ``ax`` must be a 3-D axes.

    Parameters
    ----------
    ax : mpl_toolkits.mplot3d.axes3d.Axes3D
        Create it with ``fig.add_subplot(projection="3d")``.
    alphas, betas, Z
        As returned by ``gdkit.surfaces.slice_2d``.
    cmap : str

    Returns
    -------
    ax : Axes3D
    """
    if getattr(ax, "name", None) != "3d":
        raise ValueError('plot_surface_slice_3d needs a 3-D axes: ax = fig.add_subplot(projection="3d").')
    alphas, betas, Z = _check_slice(alphas, betas, Z)
    A, B = np.meshgrid(alphas, betas)
    ax.plot_surface(A, B, Z, cmap=cmap, linewidth=0, antialiased=True)
    ax.set_xlabel(r"$\alpha$")
    ax.set_ylabel(r"$\beta$")
    ax.set_zlabel("loss")
    return ax


def animate_descent(f, paths, extent=None, interval=50, frames=None, levels=30, log_levels=False, figsize=(5, 4)):
    """Animate optimisation paths growing over the contours of f.

    Parameters
    ----------
    f : callable
        As for ``plot_contour``.
    paths : dict
        Label -> iterates of shape (T, 2); paths of different lengths stop at their last point.
    extent : (xmin, xmax, ymin, ymax), optional
        As for ``plot_descent_paths``.
    interval : int
        Milliseconds between frames.
    frames : int, optional
        Number of frames; default the longest path's length, at most 60. Fewer frames than steps
        sample the steps evenly (first and last included); each frame adds about 50-100 kB to the page.
    levels, log_levels
        As for ``plot_contour``.
    figsize : (float, float)

    Returns
    -------
    matplotlib.animation.FuncAnimation
        Display it in a notebook with ``IPython.display.HTML(animation_to_html(anim))``: frames are
        embedded and, unlike plain ``anim.to_jshtml()``, the player's buttons need no icon font from a
        CDN. The figure is closed so that no static copy is shown too.
    """
    import matplotlib.pyplot as plt
    from matplotlib.animation import FuncAnimation

    paths = _as_paths(paths, dim=2)
    if extent is None:
        extent = getattr(f, "domain", None)
        extent = _extent_around(paths) if extent is None else extent
    longest = max(len(p) for p in paths.values())
    frames = min(longest, 60) if frames is None else int(frames)
    if frames < 1:
        raise ValueError(f"frames must be >= 1, got {frames}.")
    steps = np.unique(np.round(np.linspace(0, longest - 1, frames)).astype(int))

    fig, ax = plt.subplots(figsize=figsize, dpi=80)
    plot_contour(ax, f, extent, levels=levels, log_levels=log_levels, colors="0.7")
    lines = {label: ax.plot([], [], marker="o", markersize=3, label=str(label))[0] for label in paths}
    ax.set_xlim(extent[0], extent[1])
    ax.set_ylim(extent[2], extent[3])
    ax.legend(loc="upper right")
    title = ax.set_title("step 0")
    fig.tight_layout()  # room for the axis labels (a frame is saved at the figure's size, labels included)

    def draw_frame(step):
        for label, path in paths.items():
            shown = path[: min(step, len(path) - 1) + 1]
            lines[label].set_data(shown[:, 0], shown[:, 1])
        title.set_text(f"step {step}")
        return [*lines.values(), title]

    animation = FuncAnimation(fig, draw_frame, frames=steps, interval=interval, blit=False)
    plt.close(fig)
    return animation


# Matplotlib's HTML player takes its button icons from Font Awesome on a CDN; offline the buttons
# would be blank. These characters replace the icons (the fa-play key must come after the flipped one).
_PLAYER_ICONS = {
    '<i class="fa fa-minus"></i>': "&minus;",
    '<i class="fa fa-plus"></i>': "+",
    '<i class="fa fa-fast-backward"></i>': "|&#9664;&#9664;",
    '<i class="fa fa-step-backward"></i>': "|&#9664;",
    '<i class="fa fa-play fa-flip-horizontal"></i>': "&#9664;",
    '<i class="fa fa-pause"></i>': "&#10074;&#10074;",
    '<i class="fa fa-play"></i>': "&#9654;",
    '<i class="fa fa-step-forward"></i>': "&#9654;|",
    '<i class="fa fa-fast-forward"></i>': "&#9654;&#9654;|",
}


def animation_to_html(animation, embed_limit_mb=20, frame_format="png"):
    """HTML for a Matplotlib animation that works offline: frames embedded, no CDN link.

    Parameters
    ----------
    animation : matplotlib.animation.Animation
        For example from ``animate_descent``.
    embed_limit_mb : float
        Size limit of the embedded frames in MB (Matplotlib drops frames beyond it, with a warning).
    frame_format : {"png", "jpeg"}, default "png"
        Image format of the frames; ``"jpeg"`` makes a page with a large animation several times lighter.

    Returns
    -------
    str
        ``animation.to_jshtml()`` with the Font Awesome stylesheet link removed and the button icons
        replaced by plain characters. Show it with ``IPython.display.HTML(...)``.
    """
    import re

    import matplotlib

    if frame_format not in ("png", "jpeg"):
        raise ValueError(f"frame_format must be 'png' or 'jpeg', got {frame_format!r}.")
    with matplotlib.rc_context({"animation.embed_limit": embed_limit_mb, "animation.frame_format": frame_format}):
        html = animation.to_jshtml()
    html = re.sub(r"<link[^>]*font-awesome[^>]*>", "", html)
    for icon, text in _PLAYER_ICONS.items():
        html = html.replace(icon, text)
    return html
