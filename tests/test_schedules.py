"""Learning-rate schedules against hand-computed values."""
import math

import numpy as np
import pytest

from gdkit.schedules import Constant, CosineDecay, ExponentialDecay, InverseTimeDecay, LinearWarmup, StepDecay


def test_constant():
    """The same rate at every iteration."""
    schedule = Constant(0.1)
    assert [schedule(t) for t in (0, 1, 1000)] == [0.1, 0.1, 0.1]


def test_step_decay_by_hand():
    """lr0 = 1, halved every 3 iterations: 1, 1, 1, 0.5, 0.5, 0.5, 0.25."""
    schedule = StepDecay(1.0, step_size=3, gamma=0.5)
    assert [schedule(t) for t in range(7)] == [1.0, 1.0, 1.0, 0.5, 0.5, 0.5, 0.25]


def test_exponential_decay_by_hand():
    """0.1 * 0.5^(t/10): t = 0 -> 0.1, t = 10 -> 0.05, t = 5 -> 0.1/sqrt(2); staircase floors t/10."""
    schedule = ExponentialDecay(0.1, decay_rate=0.5, decay_steps=10)
    assert schedule(0) == 0.1
    assert math.isclose(schedule(10), 0.05, rel_tol=1e-15)
    assert math.isclose(schedule(5), 0.1 / math.sqrt(2), rel_tol=1e-15)
    staircase = ExponentialDecay(0.1, decay_rate=0.5, decay_steps=10, staircase=True)
    assert staircase(9) == 0.1 and math.isclose(staircase(25), 0.025, rel_tol=1e-15)


def test_inverse_time_decay_by_hand():
    """1 / (1 + 0.5 t / 2): t = 0 -> 1, t = 2 -> 1/1.5, t = 4 -> 0.5; staircase floors t/2."""
    schedule = InverseTimeDecay(1.0, decay_rate=0.5, decay_steps=2)
    assert schedule(0) == 1.0
    assert math.isclose(schedule(2), 1 / 1.5, rel_tol=1e-15)
    assert math.isclose(schedule(4), 0.5, rel_tol=1e-15)
    assert math.isclose(schedule(1), 1 / 1.25, rel_tol=1e-15)
    assert InverseTimeDecay(1.0, 0.5, 2, staircase=True)(3) == pytest.approx(1 / 1.5, rel=1e-15)


def test_cosine_decay_by_hand():
    """From 1 to alpha = 0.1 over 10 steps: half way 0.1 + 0.9 * 0.5 = 0.55, then flat at 0.1."""
    schedule = CosineDecay(1.0, decay_steps=10, alpha=0.1)
    assert schedule(0) == 1.0
    assert math.isclose(schedule(5), 0.55, rel_tol=1e-15)
    assert math.isclose(schedule(10), 0.1, rel_tol=1e-15)
    assert math.isclose(schedule(25), 0.1, rel_tol=1e-15)
    # a quarter of the way: 0.5 * (1 + cos(pi/4)) = 0.853553...
    assert math.isclose(CosineDecay(2.0, 8)(2), 2.0 * 0.5 * (1 + math.sqrt(0.5)), rel_tol=1e-15)


def test_reprs_are_readable():
    """repr shows the constructor call."""
    assert repr(StepDecay(0.1, 10, 0.5)) == "StepDecay(initial_learning_rate=0.1, step_size=10, gamma=0.5)"
    assert repr(CosineDecay(1.0, 100)) == "CosineDecay(initial_learning_rate=1.0, decay_steps=100, alpha=0.0)"
    assert repr(Constant(0.01)) == "Constant(learning_rate=0.01)"


@pytest.mark.parametrize("make, match", [
    (lambda: StepDecay(0.1, 0), "step_size .* got 0"),
    (lambda: StepDecay(-0.1, 5), "initial_learning_rate .* got -0.1"),
    (lambda: ExponentialDecay(0.1, 0.0, 10), "decay_rate .* got 0.0"),
    (lambda: CosineDecay(0.1, 10, alpha=2.0), "alpha .* got 2.0"),
    (lambda: Constant(-1.0), "got -1.0"),
])
def test_bad_arguments_name_the_value(make, match):
    """Construction fails early with the bad value in the message."""
    with pytest.raises(ValueError, match=match):
        make()


def test_negative_iteration_is_rejected():
    """Iterations start at 0."""
    with pytest.raises(ValueError, match="-1"):
        StepDecay(0.1, 5)(-1)


def test_linear_warmup_by_hand_first_step_is_not_zero():
    """W = 4 steps to a constant 0.8: 0.2, 0.4, 0.6, 0.8 (the first step already moves), then 0.8."""
    schedule = LinearWarmup(0.8, warmup_steps=4)
    rates = [schedule(t) for t in range(7)]
    np.testing.assert_allclose(rates, [0.2, 0.4, 0.6, 0.8, 0.8, 0.8, 0.8], rtol=1e-15)
    assert schedule(0) > 0


def test_linear_warmup_then_cosine_by_hand():
    """W = 2 to the cosine's peak 1, then CosineDecay(1, 4) from its own iteration 0: 1, 0.854, 0.5, 0.146, 0."""
    schedule = LinearWarmup(CosineDecay(1.0, decay_steps=4), warmup_steps=2)
    expected = [0.5, 1.0, 1.0, 0.5 * (1 + math.cos(math.pi / 4)), 0.5, 0.5 * (1 + math.cos(3 * math.pi / 4)), 0.0,
                0.0]
    np.testing.assert_allclose([schedule(t) for t in range(8)], expected, rtol=1e-15, atol=1e-16)


def test_linear_warmup_with_step_decay_and_one_step():
    """warmup_steps=1 is the identity shifted by one step; the decay counts its steps after the warm-up."""
    schedule = LinearWarmup(StepDecay(1.0, step_size=2, gamma=0.1), warmup_steps=1)
    np.testing.assert_allclose([schedule(t) for t in range(6)], [1.0, 1.0, 1.0, 0.1, 0.1, 0.01], rtol=1e-15)


def test_linear_warmup_inside_an_optimizer_first_step_uses_rate_over_w():
    """SGD on a constant gradient 1: the iterates move by 0.25, 0.5, 0.75, 1 (W = 4, peak 1), then by 1."""
    from gdkit.optimizers import SGD

    optimizer, p = SGD(LinearWarmup(1.0, 4)), np.zeros(1)
    moves = []
    for _ in range(6):
        before = p.copy()
        optimizer.step([p], [np.ones(1)])
        moves.append(float(before[0] - p[0]))
    np.testing.assert_allclose(moves, [0.25, 0.5, 0.75, 1.0, 1.0, 1.0], rtol=1e-15)


@pytest.mark.parametrize("after, steps, match", [(0.0, 3, "after .* > 0"), (-1.0, 3, "after"),
                                                 (0.1, 0, "warmup_steps must be an integer >= 1, got 0"),
                                                 (0.1, 2.5, "warmup_steps .* got 2.5")])
def test_linear_warmup_rejects_bad_arguments(after, steps, match):
    with pytest.raises(ValueError, match=match):
        LinearWarmup(after, steps)
    assert "LinearWarmup(after=Constant(learning_rate=0.1), warmup_steps=3)" == repr(LinearWarmup(0.1, 3))
