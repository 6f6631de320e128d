"""Loss-landscape computation, no drawing: grids of a 2-D function and slices through parameter space (chapters 2 and 8).

``grid_2d`` evaluates a function of two variables on a grid (for contour plots of test functions);
``slice_1d`` and ``slice_2d`` evaluate a loss of a flat parameter vector along one or two directions
around a point (Goodfellow et al. 2015; Li et al. 2018), and ``random_directions`` draws those
directions. For a whole network, ``model_slice_2d`` slices a ``Sequential`` model's loss around its current
weights along ``filter_normalized_directions``. Draw the results with ``gdkit.plotting``.
"""

import numpy as np

__all__ = ["grid_2d", "random_directions", "slice_1d", "slice_2d", "filter_normalized_directions", "model_slice_2d"]


def _check_extent(extent):
    try:
        xmin, xmax, ymin, ymax = (float(v) for v in extent)
    except (TypeError, ValueError):
        raise ValueError(f"extent must be (xmin, xmax, ymin, ymax), got {extent!r}.") from None
    if not (xmin < xmax and ymin < ymax):
        raise ValueError(f"extent must be (xmin, xmax, ymin, ymax) with xmin < xmax and ymin < ymax, got {extent!r}.")
    return xmin, xmax, ymin, ymax


def _check_resolution(resolution):
    """Return (nx, ny) from an int or a pair; each at least 2."""
    pair = (resolution, resolution) if np.ndim(resolution) == 0 else tuple(resolution)
    if len(pair) != 2 or not all(isinstance(n, (int, np.integer)) and n >= 2 for n in pair):
        raise ValueError(f"resolution must be an int >= 2 or a pair (nx, ny) of them, got {resolution!r}.")
    return int(pair[0]), int(pair[1])


def _scalar(value):
    """The loss value ``f`` returned, as a float; it must hold exactly one number."""
    value = np.asarray(value, dtype=np.float64)
    if value.size != 1:
        raise ValueError(f"f must return a scalar loss, got an array of shape {value.shape}.")
    return float(value.reshape(()))


def grid_2d(f, extent, resolution=100):
    """Evaluate a function of two variables on a regular grid.

    Parameters
    ----------
    f : callable
        Either vectorised, mapping an array of shape (..., 2) to shape (...), like the
        ``gdkit.landscapes`` functions; or pointwise, mapping a point of shape (2,) to a scalar.
        The vectorised call is tried first; if it fails or returns the wrong shape, ``f`` is called
        once per grid point.
    extent : (xmin, xmax, ymin, ymax)
        The rectangle to cover.
    resolution : int or (int, int)
        Number of grid points along x and y (``nx, ny``), each >= 2.

    Returns
    -------
    xs : ndarray of shape (nx,)
        Evenly spaced x values from xmin to xmax.
    ys : ndarray of shape (ny,)
        Evenly spaced y values from ymin to ymax.
    Z : ndarray of shape (ny, nx), float64
        ``Z[i, j] = f((xs[j], ys[i]))``: rows follow y, as ``ax.contour(xs, ys, Z)`` expects.
    """
    xmin, xmax, ymin, ymax = _check_extent(extent)
    nx, ny = _check_resolution(resolution)
    xs = np.linspace(xmin, xmax, nx)
    ys = np.linspace(ymin, ymax, ny)
    XX, YY = np.meshgrid(xs, ys)
    points = np.stack([XX, YY], axis=-1)
    try:
        Z = np.asarray(f(points), dtype=np.float64)
        vectorised = Z.shape == (ny, nx)
    except Exception as error:  # noqa: BLE001 - fall back to a pointwise f, re-raised below if that fails too
        vectorised, first_error = False, error
    else:
        first_error = None
    if not vectorised:
        try:
            Z = np.array([[_scalar(f(points[i, j])) for j in range(nx)] for i in range(ny)])
        except Exception as error:
            hint = f" (the vectorised call failed first with: {first_error!r})" if first_error else ""
            raise ValueError(
                "grid_2d could not evaluate f: it must map an array of shape (..., 2) to shape (...), "
                f"or a point of shape (2,) to a scalar{hint}."
            ) from error
    return xs, ys, Z


def _check_direction(name, direction, center):
    direction = np.asarray(direction, dtype=np.float64)
    if direction.shape != center.shape:
        raise ValueError(
            f"{name} must have the shape of center, {center.shape}, got {direction.shape}; "
            "flatten the parameters into one vector first."
        )
    return direction


def _check_center(center):
    center = np.asarray(center, dtype=np.float64)
    if center.ndim != 1:
        raise ValueError(
            f"center must be a flat parameter vector of shape (P,), got shape {center.shape}; "
            "use np.concatenate([p.ravel() for p in params])."
        )
    return center


def _check_span(span):
    """Return (span_1, span_2) from a positive number or a pair of them."""
    s1, s2 = (span, span) if np.ndim(span) == 0 else span
    if not (s1 > 0 and s2 > 0):
        raise ValueError(f"span must be positive (or a pair of positive numbers), got {span!r}.")
    return float(s1), float(s2)


def slice_1d(f, center, direction, span=1.0, resolution=101):
    """Evaluate a loss along a line through parameter space.

    Parameters
    ----------
    f : callable
        Loss of a flat parameter vector of shape (P,), returning a scalar.
    center : ndarray of shape (P,)
        The point the line passes through (for example the trained parameters).
    direction : ndarray of shape (P,)
        Direction of the line. Use ``theta_init - center`` with ``span=1`` to see the straight path
        back to the initialisation (Goodfellow et al. 2015) at ``alphas = 1``.
    span : float
        The line is sampled for ``alpha`` in ``[-span, span]``.
    resolution : int
        Number of samples, >= 2.

    Returns
    -------
    alphas : ndarray of shape (resolution,)
    values : ndarray of shape (resolution,)
        ``values[j] = f(center + alphas[j] * direction)``.
    """
    center = _check_center(center)
    direction = _check_direction("direction", direction, center)
    span, _ = _check_span(span)
    n, _ = _check_resolution(resolution)
    alphas = np.linspace(-span, span, n)
    values = np.array([_scalar(f(center + a * direction)) for a in alphas])
    return alphas, values


def slice_2d(f, center, direction_1, direction_2, span=1.0, resolution=41):
    """Evaluate a loss on a plane through parameter space, for loss-landscape figures.

    Parameters
    ----------
    f : callable
        Loss of a flat parameter vector of shape (P,), returning a scalar.
    center : ndarray of shape (P,)
        The point at the centre of the plane (for example the trained parameters).
    direction_1, direction_2 : ndarray of shape (P,)
        The two directions spanning the plane (see ``random_directions``).
    span : float or (float, float)
        The plane is sampled for ``alpha`` in ``[-span_1, span_1]`` and ``beta`` in ``[-span_2, span_2]``.
    resolution : int or (int, int)
        Number of samples of alpha and of beta, each >= 2.

    Returns
    -------
    alphas : ndarray of shape (n_alpha,)
    betas : ndarray of shape (n_beta,)
    Z : ndarray of shape (n_beta, n_alpha), float64
        ``Z[i, j] = f(center + alphas[j] * direction_1 + betas[i] * direction_2)``; rows follow beta,
        as ``ax.contour(alphas, betas, Z)`` expects.

    Notes
    -----
    f is called ``n_alpha * n_beta`` times (1681 by default), one parameter vector at a time; keep the
    data set used inside f small or subsampled.
    """
    center = _check_center(center)
    d1 = _check_direction("direction_1", direction_1, center)
    d2 = _check_direction("direction_2", direction_2, center)
    span_1, span_2 = _check_span(span)
    n_alpha, n_beta = _check_resolution(resolution)
    alphas = np.linspace(-span_1, span_1, n_alpha)
    betas = np.linspace(-span_2, span_2, n_beta)
    Z = np.empty((n_beta, n_alpha))
    for i, beta in enumerate(betas):
        for j, alpha in enumerate(alphas):
            Z[i, j] = _scalar(f(center + alpha * d1 + beta * d2))
    return alphas, betas, Z


def random_directions(center, rng=None, scale="center"):
    """Two random directions for ``slice_2d``.

    Parameters
    ----------
    center : ndarray of shape (P,)
        The flat parameter vector the slice will be centred on.
    rng : None, int or numpy.random.Generator
        Source of randomness.
    scale : {"center", "unit"}
        ``"center"``: each direction has the Euclidean norm of ``center`` (unit norm if center is 0),
        so ``alpha = 1`` moves as far as the parameters are from the origin. ``"unit"``: norm 1.

    Returns
    -------
    direction_1, direction_2 : ndarray of shape (P,)
        Independent standard normal vectors, rescaled. In high dimension they are nearly orthogonal.

    Notes
    -----
    This rescales the whole vector. Li et al. (2018) rescale per filter or per layer ("filter
    normalisation"), which needs the layer structure; for the small networks of this course the whole
    vector is a reasonable stand-in.
    """
    center = _check_center(center)
    if scale not in ("center", "unit"):
        raise ValueError(f'scale must be "center" or "unit", got {scale!r}.')
    rng = np.random.default_rng(rng)
    target = np.linalg.norm(center) if scale == "center" else 1.0
    if target == 0.0:
        target = 1.0
    directions = rng.standard_normal((2, center.size))
    directions *= target / np.linalg.norm(directions, axis=1, keepdims=True)
    return directions[0], directions[1]


def filter_normalized_directions(model, rng=None):
    """Two random directions in a network's weight space, scaled unit by unit (Li et al., 2018).

    Parameters
    ----------
    model : gdkit.models.Sequential
        A built model; the directions follow the order of ``model.get_flat_weights()``.
    rng : None, int or numpy.random.Generator

    Returns
    -------
    direction_1, direction_2 : ndarray of shape (P,)

    Notes
    -----
    For every weight matrix ``W`` of shape (D, M), each column (the incoming weights of one unit) of a standard
    normal direction is rescaled to the norm of that column of ``W``; one-dimensional parameters (biases, batch
    normalisation's ``gamma`` and ``beta``) get direction 0, as in Li et al. So ``alpha = 1`` changes every unit's
    weights by as much as their own size, and networks whose units have different scales (or are scale-invariant,
    as units followed by batch normalisation are) can be compared.
    """
    rng = np.random.default_rng(rng)
    directions = []
    for _ in range(2):
        parts = []
        for layer in model.layers:
            for param in layer.params:
                if param.ndim < 2:
                    parts.append(np.zeros(param.size))
                    continue
                d = rng.standard_normal(param.shape)
                column_norms = np.linalg.norm(d, axis=0)
                d *= np.linalg.norm(param, axis=0) / np.where(column_norms > 0, column_norms, 1.0)
                parts.append(d.ravel())
        directions.append(np.concatenate(parts) if parts else np.zeros(0))
    return directions[0], directions[1]


def model_slice_2d(model, x, y, direction_1=None, direction_2=None, span=1.0, resolution=21, rng=None):
    """A network's loss on a plane through its current weights (its loss landscape around them).

    Parameters
    ----------
    model : gdkit.models.Sequential
        Compiled (the loss) and built. Its weights are restored when the slice is done.
    x, y : arrays
        The data the loss is evaluated on, in inference mode (``model.evaluate``); keep it to a few hundred
        examples: the loss is evaluated ``resolution**2`` times.
    direction_1, direction_2 : ndarray of shape (P,), optional
        Default: :func:`filter_normalized_directions` drawn from ``rng``.
    span, resolution :
        As in :func:`slice_2d`.

    Returns
    -------
    alphas, betas, Z
        As :func:`slice_2d`: ``Z[i, j]`` is the loss (without metrics, with any regularisation penalty) at
        ``theta + alphas[j] d_1 + betas[i] d_2``.
    """
    center = model.get_flat_weights().astype(np.float64)
    if direction_1 is None or direction_2 is None:
        d1, d2 = filter_normalized_directions(model, rng)
        direction_1 = d1 if direction_1 is None else direction_1
        direction_2 = d2 if direction_2 is None else direction_2

    def loss(theta):
        model.set_flat_weights(theta)
        value = model.evaluate(x, y)
        return value[0] if isinstance(value, list) else value

    try:
        return slice_2d(loss, center, direction_1, direction_2, span=span, resolution=resolution)
    finally:
        model.set_flat_weights(center)
