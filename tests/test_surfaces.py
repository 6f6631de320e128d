"""Tests for gdkit.surfaces against a known quadratic (exact values)."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gdkit import surfaces

A = np.array([[3.0, 1.0], [1.0, 2.0]])


def quadratic_vectorised(P):
    """f(p) = p^T A p for p of shape (..., 2)."""
    return np.einsum("...i,ij,...j->...", P, A, P)


def quadratic_pointwise(p):
    """The same function, one point (2,) at a time, returning a Python float."""
    x, y = p
    return 3.0 * x * x + 2.0 * x * y + 2.0 * y * y


def test_grid_2d_axes_and_orientation():
    """xs, ys follow the extent; Z[i, j] is f at (xs[j], ys[i]), exactly."""
    xs, ys, Z = surfaces.grid_2d(quadratic_vectorised, (-1, 1, 0, 2), resolution=(5, 3))
    np.testing.assert_array_equal(xs, [-1.0, -0.5, 0.0, 0.5, 1.0])
    np.testing.assert_array_equal(ys, [0.0, 1.0, 2.0])
    assert Z.shape == (3, 5)
    for i, y in enumerate(ys):
        for j, x in enumerate(xs):
            assert Z[i, j] == 3 * x * x + 2 * x * y + 2 * y * y
    assert Z[2, 0] == 3 - 4 + 8  # (x, y) = (-1, 2)


def test_grid_2d_pointwise_function_gives_the_same_grid():
    """A function of one point (2,) -> scalar works too and agrees with the vectorised one."""
    _, _, Z1 = surfaces.grid_2d(quadratic_vectorised, (-2, 2, -1, 3), resolution=7)
    _, _, Z2 = surfaces.grid_2d(quadratic_pointwise, (-2, 2, -1, 3), resolution=7)
    np.testing.assert_allclose(Z1, Z2, rtol=1e-14)


def test_grid_2d_falls_back_when_the_vectorised_shape_is_wrong():
    """A function returning a scalar for any input (sum over everything) is evaluated pointwise."""
    _, _, Z = surfaces.grid_2d(lambda p: np.sum(p**2), (-1, 1, -1, 1), resolution=3)
    np.testing.assert_array_equal(Z, [[2, 1, 2], [1, 0, 1], [2, 1, 2]])


@pytest.mark.parametrize(
    "extent, resolution, match",
    [((1, 0, 0, 1), 10, "xmin < xmax"), ((0, 1, 0), 10, "extent"), ((0, 1, 0, 1), 1, "resolution"),
     ((0, 1, 0, 1), 2.5, "resolution")],
)
def test_grid_2d_rejects_bad_extent_and_resolution(extent, resolution, match):
    """Reversed or short extents and tiny resolutions are refused with a message naming them."""
    with pytest.raises(ValueError, match=match):
        surfaces.grid_2d(quadratic_vectorised, extent, resolution)


def test_grid_2d_reports_a_function_it_cannot_call():
    """A function that fails both ways gives a message explaining the expected signature."""
    def broken(p):
        raise TypeError("nope")

    with pytest.raises(ValueError, match=r"\(\.\.\., 2\)"):
        surfaces.grid_2d(broken, (0, 1, 0, 1), 3)


def loss_of_flat(theta):
    """A quadratic in P=3 parameters: 0.5 * |theta - 1|^2 with weights (1, 2, 3)."""
    return 0.5 * np.sum(np.array([1.0, 2.0, 3.0]) * (theta - 1.0) ** 2)


def test_slice_2d_exact_values_and_orientation():
    """Z[i, j] = f(center + alphas[j] d1 + betas[i] d2), checked in closed form."""
    center = np.ones(3)
    d1, d2 = np.array([1.0, 0.0, 0.0]), np.array([0.0, 0.0, 1.0])
    alphas, betas, Z = surfaces.slice_2d(loss_of_flat, center, d1, d2, span=(2.0, 1.0), resolution=(5, 3))
    np.testing.assert_array_equal(alphas, [-2.0, -1.0, 0.0, 1.0, 2.0])
    np.testing.assert_array_equal(betas, [-1.0, 0.0, 1.0])
    expected = 0.5 * (1.0 * alphas[None, :] ** 2 + 3.0 * betas[:, None] ** 2)
    np.testing.assert_allclose(Z, expected, rtol=0, atol=1e-15)
    assert Z[1, 2] == 0.0  # the centre is the minimum


def test_slice_2d_default_grid_is_41_by_41_and_symmetric():
    """Default resolution 41, span 1; a quadratic around its minimum gives a symmetric slice."""
    alphas, betas, Z = surfaces.slice_2d(loss_of_flat, np.ones(3), [1.0, 1.0, 0.0], [0.0, 1.0, 1.0])
    assert Z.shape == (41, 41) and alphas[0] == -1 and alphas[-1] == 1
    np.testing.assert_allclose(Z, Z[::-1, ::-1], atol=1e-14)
    assert Z[20, 20] == 0.0


def test_slice_1d_exact_values():
    """values[j] = f(center + alphas[j] * direction)."""
    alphas, values = surfaces.slice_1d(loss_of_flat, np.ones(3), np.array([0.0, 1.0, 0.0]), span=2.0, resolution=5)
    np.testing.assert_array_equal(alphas, [-2, -1, 0, 1, 2])
    np.testing.assert_array_equal(values, alphas**2)  # 0.5 * 2 * alpha^2


def test_slices_reject_bad_shapes():
    """A direction of the wrong length, a 2-D center or a non-scalar loss is named in the error."""
    with pytest.raises(ValueError, match=r"direction_2.*\(3,\).*\(2,\)"):
        surfaces.slice_2d(loss_of_flat, np.ones(3), np.ones(3), np.ones(2))
    with pytest.raises(ValueError, match="flat parameter vector"):
        surfaces.slice_2d(loss_of_flat, np.ones((3, 1)), np.ones(3), np.ones(3))
    with pytest.raises(ValueError, match="scalar loss"):
        surfaces.slice_1d(lambda t: t, np.ones(3), np.ones(3))
    with pytest.raises(ValueError, match="span"):
        surfaces.slice_1d(loss_of_flat, np.ones(3), np.ones(3), span=0.0)


@settings(max_examples=30)
@given(st.integers(1, 200), st.integers(0, 2**32 - 1))
def test_random_directions_have_the_norm_of_center(p, seed):
    """Property: both directions have the norm of center (unit norm for a zero center)."""
    center = np.random.default_rng(seed).standard_normal(p)
    d1, d2 = surfaces.random_directions(center, rng=seed)
    assert d1.shape == d2.shape == (p,)
    np.testing.assert_allclose(np.linalg.norm(d1), np.linalg.norm(center), rtol=1e-12)
    np.testing.assert_allclose(np.linalg.norm(d2), np.linalg.norm(center), rtol=1e-12)
    z1, _ = surfaces.random_directions(np.zeros(p), rng=seed)
    np.testing.assert_allclose(np.linalg.norm(z1), 1.0)


def test_random_directions_unit_scale_and_reproducibility():
    """scale='unit' gives norm 1; the same seed gives the same directions; the two differ."""
    center = np.full(50, 3.0)
    d1, d2 = surfaces.random_directions(center, rng=0, scale="unit")
    np.testing.assert_allclose([np.linalg.norm(d1), np.linalg.norm(d2)], 1.0)
    e1, e2 = surfaces.random_directions(center, rng=0, scale="unit")
    np.testing.assert_array_equal(d1, e1)
    assert not np.allclose(d1, d2)
    with pytest.raises(ValueError, match="scale"):
        surfaces.random_directions(center, scale="layer")


# ---- a whole network ----------------------------------------------------------------------------------------------
def _trained_model():
    import gdkit
    from gdkit.layers import BatchNormalization, Dense

    rng = np.random.default_rng(0)
    x = rng.normal(size=(60, 3))
    y = (x[:, 0] * x[:, 1] > 0).astype(float)
    model = gdkit.Sequential([Dense(6, "tanh", input_dim=3), BatchNormalization(), Dense(1, "sigmoid")], rng=0)
    model.compile(optimizer="adam", loss="binary_crossentropy", metrics=["accuracy"])
    model.fit(x, y, epochs=3, verbose=0)
    return model, x, y


def test_filter_normalized_directions_match_each_units_norm_and_skip_vectors():
    model, _, _ = _trained_model()
    d1, d2 = surfaces.filter_normalized_directions(model, rng=1)
    assert d1.shape == d2.shape == model.get_flat_weights().shape and not np.allclose(d1, d2)
    start = 0
    for layer in model.layers:
        for param in layer.params:
            part = d1[start:start + param.size].reshape(param.shape)
            start += param.size
            if param.ndim == 1:  # biases, gamma, beta
                np.testing.assert_array_equal(part, 0.0)
            else:  # each unit's incoming weights: the norm of that unit's weights
                np.testing.assert_allclose(np.linalg.norm(part, axis=0), np.linalg.norm(param, axis=0), rtol=1e-12)
    np.testing.assert_array_equal(surfaces.filter_normalized_directions(model, rng=1)[1], d2)


def test_model_slice_2d_is_the_loss_at_each_point_and_restores_the_weights():
    model, x, y = _trained_model()
    theta = model.get_flat_weights()
    d1, d2 = surfaces.filter_normalized_directions(model, rng=2)
    alphas, betas, Z = surfaces.model_slice_2d(model, x, y, d1, d2, span=(1.0, 0.5), resolution=(5, 3))
    np.testing.assert_array_equal(model.get_flat_weights(), theta)
    assert Z.shape == (3, 5) and alphas[0] == -1.0 and betas[-1] == 0.5
    center_loss = model.evaluate(x, y)[0]
    assert Z[1, 2] == pytest.approx(center_loss, rel=1e-12)
    model.set_flat_weights(theta + alphas[4] * d1 + betas[0] * d2)
    assert Z[0, 4] == pytest.approx(model.evaluate(x, y)[0], rel=1e-12)
    model.set_flat_weights(theta)
    # default directions come from rng, the same as filter_normalized_directions with that rng
    _, _, Z_default = surfaces.model_slice_2d(model, x, y, span=(1.0, 0.5), resolution=(5, 3), rng=2)
    np.testing.assert_array_equal(Z_default, Z)
