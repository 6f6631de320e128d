"""03_backprop's concept problems and cascade: every gradient-check table comes from exactly one of the listed
backward passes (so the question has one answer), every cause is planted for some students, the leading-order
errors the difference question asks for agree with the exact ones, and mlp_backward blames the student's own
dense_backward when that is what is wrong."""
import numpy as np
import pytest

from gdkit.grading import core, get_part
from gdkit.problems import backprop

STUDENTS = [f"student{i:03d}" for i in range(40)]


def test_each_table_matches_exactly_one_cause_and_every_cause_is_planted():
    planted = set()
    for student in STUDENTS:
        p = backprop.gradient_check_table(student)
        matching = [key for key in backprop.BACKWARD_VARIANTS
                    if backprop.variant_table(p.X, p.Y, p.params, key) == p.table]
        assert len(matching) == 1, (student, matching)
        planted.add(matching[0])
        # the causes differ visibly: every other variant's table is off by more than 5% in some row (1 against
        # (N - 1)/(N + 1) at least, rounding level against 1e-2 or more)
        for key in backprop.BACKWARD_VARIANTS:
            if key != matching[0]:
                other = np.array(list(backprop.variant_table(p.X, p.Y, p.params, key).values()))
                shown = np.array(list(p.table.values()))
                assert np.max(np.abs(np.log10(other + 1e-16) - np.log10(shown + 1e-16))) > np.log10(1.05), (student, key)
    assert planted == set(backprop.BACKWARD_VARIANTS)


def test_a_right_backward_pass_checks_at_rounding_level():
    p = backprop.gradient_check_table("alice")
    assert max(backprop.variant_table(p.X, p.Y, p.params, "correct").values()) < 1e-7


@pytest.mark.parametrize("student", STUDENTS[:20])
def test_the_leading_order_errors_agree_with_the_exact_ones(student):
    p = backprop.difference_problem(student)
    true = p.a * np.exp(p.a * p.x0)
    f = lambda x: np.exp(p.a * x)  # noqa: E731
    one_sided = abs((f(p.x0 + p.h) - f(p.x0)) / p.h - true) / true
    centred = abs((f(p.x0 + p.h) - f(p.x0 - p.h)) / (2 * p.h) - true) / true
    expected = get_part("03_backprop/test_difference_errors").reference(student)
    assert np.allclose([one_sided, centred], expected, rtol=1e-2)


def dense_backward(dZ, cache, need_dX=True):
    """A student's own dense_backward, wrong: db averaged over the batch."""
    X, W = cache
    return (dZ @ W.T if need_dX else None), X.T @ dZ, dZ.mean(axis=0)


def mlp_backward(dA, caches):
    """A right mlp_backward that calls the student's (wrong) dense_backward by name."""
    from gdkit import nn
    grads = []
    for dense_cache, activation_cache in reversed(caches):
        dA, dW, db = dense_backward(nn.activation_backward(dA, activation_cache), dense_cache)
        grads.append((dW, db))
    return grads[::-1]


def test_mlp_backward_blames_the_students_dense_backward():
    with pytest.raises(core.CheckFailed) as raised:
        core.check(get_part("03_backprop/test_mlp_backward"), mlp_backward)
    assert "uses your dense_backward, which is wrong here" in str(raised.value)
    assert dense_backward(np.ones((2, 1)), (np.ones((2, 1)), np.ones((1, 1))))[2][0] == 1.0  # the module's own is back


def test_the_five_checks_look_as_the_question_says():
    """Only the bug's check is out of what the arithmetic allows; the float32 check at h = 1e-6 fails although its
    gradient is right (the distractor is real), the float64 check at h = 1e-2 shows its truncation error."""
    for student in STUDENTS[:15]:
        keys = backprop.check_run_keys(student)
        errors = {keys[letter]: error for letter, (_, _, error) in backprop.check_runs(student).runs.items()}
        assert errors["bug"] > 1e-3 and errors["float64_small_h"] < 1e-7, (student, errors)
        assert errors["float32_tiny_h"] > 1e-2 and 1e-7 < errors["float64_large_h"] < 1e-3, (student, errors)
        assert errors["float32_large_h"] < 1e-2, (student, errors)
