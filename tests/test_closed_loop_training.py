"""04_gradient_descent's training closed loop (train_network): the reference's loss falls on every case the grader
can draw, the contract is the one the notebook states, and a trajectory that departs is reported where it departs.
The catalogue (tests/catalogue/04_gradient_descent.py) covers each named mistake."""
import numpy as np
import pytest

from gdkit.grading import core, get_part
from gdkit.grading.parts.gradient_descent import _fell

PART = get_part("04_gradient_descent/test_train_network")


@pytest.mark.parametrize("seed", range(40))
def test_the_reference_loss_falls_on_every_case(seed):
    """The fall the notebook promises holds for the grader's cases whatever its seed (the last quarter of the steps
    averages below 0.9 of the first, with a margin over the 0.95 of the message), so a trajectory that matches the
    reference's has fallen."""
    cases = PART.cases(np.random.default_rng(seed), True)
    for case, (status, (trace, _)) in zip(cases, core.answers(PART, PART.reference, cases)):
        quarter = len(trace) // 4
        assert status == "ok" and _fell(trace), (seed, case.label)
        assert np.mean(trace[-quarter:]) < 0.9 * np.mean(trace[:quarter]), (seed, case.label, trace[:3], trace[-3:])


def test_the_visible_cases_are_every_kind_the_grader_runs():
    visible = [case.label for case in PART.cases(np.random.default_rng(0), False)]
    hidden = [case.label for case in PART.cases(np.random.default_rng(1), True)]
    assert visible == hidden and any("the last has" in label for label in visible)


def test_the_params_are_updated_in_place_and_the_data_left_alone():
    cases = PART.cases(np.random.default_rng(0), False)
    (status, (trace, params)), = core.answers(PART, PART.reference, cases[:1])
    X, Y, initial = cases[0].args[:3]
    assert status == "ok" and len(trace) == 30 * 4  # 30 epochs, 30 examples in batches of 8: 4 steps an epoch
    assert not np.allclose(params[0][0], initial[0][0])  # the weights moved ...
    assert np.array_equal(cases[0].args[0], X)  # ... the case's own data did not (the call works on copies)


def _momentum_training(X, Y, params, names, learning_rate, batch_size, epochs, rng):
    from gdkit import losses, nn
    velocity = [np.zeros_like(W) for W, _ in params]
    trace = []
    for _ in range(epochs):
        order = rng.permutation(len(X))
        for start in range(0, len(X), batch_size):
            rows = order[start:start + batch_size]
            A, caches = nn.mlp_forward(X[rows], params, names)
            trace.append(losses.mean_squared_error(Y[rows], A))
            for (W, b), v, (dW, db) in zip(params, velocity,
                                           nn.mlp_backward(losses.mean_squared_error_grad(Y[rows], A), caches)):
                v *= 0.5
                v += dW
                W -= learning_rate * v
                b -= learning_rate * db
    return trace


def test_a_trajectory_that_departs_is_reported_at_its_first_different_step():
    with pytest.raises(core.CheckFailed) as raised:
        core.check(PART, _momentum_training)
    message = str(raised.value)
    # the first update is plain SGD whatever the momentum (the buffer starts at 0), the second differs: the loss
    # recorded before step 3 is the first to show it
    assert "agree with the reference's for the first 2 steps, then differ from step 3 on" in message, message


def test_gdkits_own_update_gets_no_credit():
    from gdkit import losses, nn, optimizers

    def with_gdkits_update(X, Y, params, names, learning_rate, batch_size, epochs, rng):
        trace = []
        for _ in range(epochs):
            order = rng.permutation(len(X))
            for start in range(0, len(X), batch_size):
                rows = order[start:start + batch_size]
                A, caches = nn.mlp_forward(X[rows], params, names)
                trace.append(losses.mean_squared_error(Y[rows], A))
                for (W, b), (dW, db) in zip(params, nn.mlp_backward(losses.mean_squared_error_grad(Y[rows], A),
                                                                    caches)):
                    for p, g in ((W, dW), (b, db)):
                        optimizers.sgd_update(p, g, optimizers.sgd_init(p), learning_rate=learning_rate)
        return trace
    with pytest.raises(core.CheckFailed, match="gets no credit"):
        core.check(PART, with_gdkits_update)
