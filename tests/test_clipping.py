"""Gradient clipping by global norm and by value: hand-computed values and invariants."""
import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from gdkit.clipping import clip_by_global_norm, clip_by_value, global_norm


def test_global_norm_by_hand():
    """sqrt(3^2 + 4^2 + 12^2) = 13 over two arrays."""
    assert global_norm([np.array([3.0, 4.0]), np.array([[12.0]])]) == 13.0


def test_clip_by_global_norm_scales_all_arrays_together():
    """Norm 13 clipped to 1.3: every entry times 1.3 / (13 + 1e-6), the norm before is returned."""
    grads = [np.array([3.0, 4.0]), np.array([[12.0]])]
    norm = clip_by_global_norm(grads, 1.3)
    assert norm == 13.0
    factor = 1.3 / (13.0 + 1e-6)
    np.testing.assert_allclose(grads[0], [3.0 * factor, 4.0 * factor], rtol=1e-15)
    np.testing.assert_allclose(grads[1], [[12.0 * factor]], rtol=1e-15)
    assert math.isclose(global_norm(grads), 1.3, rel_tol=1e-6)


def test_clip_by_global_norm_leaves_small_gradients_alone():
    """Norm 5 with max_norm 10: unchanged (same objects, same values)."""
    g = np.array([3.0, 4.0])
    grads = [g]
    assert clip_by_global_norm(grads, 10.0) == 5.0
    assert grads[0] is g
    np.testing.assert_array_equal(g, [3.0, 4.0])


def test_clip_by_global_norm_non_finite_is_returned_untouched():
    """A nan gradient gives a nan norm and no scaling (the caller decides what to do)."""
    grads = [np.array([np.nan, 1.0])]
    assert math.isnan(clip_by_global_norm(grads, 1.0))
    assert grads[0][1] == 1.0


def test_clip_by_value_by_hand():
    """Entries clipped to [-0.5, 0.5] in place."""
    g = np.array([[-2.0, 0.25], [0.5, 3.0]])
    assert clip_by_value([g], 0.5)[0] is g
    np.testing.assert_array_equal(g, [[-0.5, 0.25], [0.5, 0.5]])


@pytest.mark.parametrize("bad", [0.0, -1.0, float("nan"), "1"])
def test_bad_thresholds_are_rejected(bad):
    """max_norm and clip_value must be positive numbers; the message names the value."""
    with pytest.raises(ValueError, match="must be a number > 0"):
        clip_by_global_norm([np.ones(2)], bad)
    with pytest.raises(ValueError, match="must be a number > 0"):
        clip_by_value([np.ones(2)], bad)


grad_lists = st.lists(hnp.arrays(np.float64, hnp.array_shapes(max_dims=2, max_side=4),
                                 elements=st.floats(-1e6, 1e6, allow_nan=False)), min_size=1, max_size=3)


@given(grad_lists, st.floats(1e-3, 1e3))
def test_clipping_never_increases_the_norm_and_keeps_direction(grads, max_norm):
    """After clipping the norm is <= max(norm before, max_norm) and <= max_norm (+rounding); direction kept."""
    before = [g.copy() for g in grads]
    norm = clip_by_global_norm(grads, max_norm)
    after = global_norm(grads)
    assert after <= norm * (1 + 1e-12)
    assert after <= max_norm * (1 + 1e-9)
    if norm > 0:
        flat_before = np.concatenate([g.ravel() for g in before]) / norm
        flat_after = np.concatenate([g.ravel() for g in grads])
        if after > 0:
            np.testing.assert_allclose(flat_after / after, flat_before, atol=1e-9)


@given(grad_lists, st.floats(1e-3, 1e3))
def test_clip_by_value_bounds_every_entry(grads, clip_value):
    """Every entry ends in [-c, c]; entries already inside are unchanged."""
    before = [g.copy() for g in grads]
    clip_by_value(grads, clip_value)
    for g, b in zip(grads, before):
        assert np.all(np.abs(g) <= clip_value)
        inside = np.abs(b) <= clip_value
        np.testing.assert_array_equal(g[inside], b[inside])
