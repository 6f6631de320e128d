"""Optimizer steps against hand-computed values, the shared interface, argument checks and invariants."""
import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from gdkit import optimizers
from gdkit.optimizers import SGD, Adagrad, Adam, AdamW, Momentum, Nesterov, RMSprop, get
from gdkit.schedules import StepDecay


def run(optimizer, p0, grads):
    """Apply one step per gradient in `grads` to a copy of `p0`; return the iterates after each step."""
    p = np.array(p0, dtype=float)
    iterates = []
    for g in grads:
        optimizer.step([p], [np.array(g, dtype=float)])
        iterates.append(p.copy())
    return iterates


# --------------------------------------------------------------------------------------------------
# Hand-computed steps
# --------------------------------------------------------------------------------------------------
def test_sgd_plain_steps():
    """theta -= lr * g, twice."""
    p1, p2 = run(SGD(learning_rate=0.1), [1.0, -2.0], [[0.5, 1.0], [-1.0, 2.0]])
    np.testing.assert_allclose(p1, [1.0 - 0.1 * 0.5, -2.0 - 0.1 * 1.0], rtol=0, atol=1e-15)   # [0.95, -2.1]
    np.testing.assert_allclose(p2, [0.95 + 0.1 * 1.0, -2.1 - 0.1 * 2.0], rtol=0, atol=1e-15)  # [1.05, -2.3]


def test_sgd_momentum_steps():
    """b = 0.9 b + g (b1 = g1), theta -= 0.1 b, three steps."""
    p1, p2, p3 = run(SGD(learning_rate=0.1, momentum=0.9), [0.0, 0.0], [[1.0, -2.0], [1.0, 1.0], [0.0, 0.0]])
    # b1 = [1, -2]
    np.testing.assert_allclose(p1, [-0.1, 0.2], atol=1e-15)
    # b2 = 0.9*[1, -2] + [1, 1] = [1.9, -0.8]
    np.testing.assert_allclose(p2, [-0.1 - 0.19, 0.2 + 0.08], atol=1e-15)
    # b3 = 0.9*[1.9, -0.8] + 0 = [1.71, -0.72]
    np.testing.assert_allclose(p3, [-0.29 - 0.171, 0.28 + 0.072], atol=1e-15)


def test_momentum_class_is_sgd_with_momentum_09():
    """Momentum() is SGD(momentum=0.9): same first two steps as computed by hand above."""
    p1, p2 = run(Momentum(learning_rate=0.1), [0.0, 0.0], [[1.0, -2.0], [1.0, 1.0]])
    np.testing.assert_allclose(p2, [-0.29, 0.28], atol=1e-15)


def test_nesterov_steps():
    """b = 0.9 b + g, theta -= 0.1 (g + 0.9 b), two steps."""
    for opt in (SGD(learning_rate=0.1, momentum=0.9, nesterov=True), Nesterov(learning_rate=0.1)):
        p1, p2 = run(opt, [0.0, 0.0], [[1.0, -2.0], [1.0, 1.0]])
        # b1 = [1, -2]; direction = [1, -2] + 0.9*[1, -2] = [1.9, -3.8]
        np.testing.assert_allclose(p1, [-0.19, 0.38], atol=1e-15)
        # b2 = [1.9, -0.8]; direction = [1, 1] + 0.9*[1.9, -0.8] = [2.71, 0.28]
        np.testing.assert_allclose(p2, [-0.19 - 0.271, 0.38 - 0.028], atol=1e-15)


def test_sgd_weight_decay_steps():
    """g <- g + 0.1 theta, theta -= 0.5 g."""
    p1, p2 = run(SGD(learning_rate=0.5, weight_decay=0.1), [2.0], [[1.0], [0.0]])
    np.testing.assert_allclose(p1, [2.0 - 0.5 * (1.0 + 0.1 * 2.0)], atol=1e-15)   # 1.4
    np.testing.assert_allclose(p2, [1.4 - 0.5 * (0.0 + 0.1 * 1.4)], atol=1e-15)   # 1.33


def test_sgd_momentum_with_weight_decay_and_nesterov():
    """Weight decay enters the buffer: g1 = 1 + 0.1*2 = 1.2, b1 = 1.2, direction = 1.2 + 0.5*1.2."""
    (p1,) = run(SGD(learning_rate=0.5, momentum=0.5, nesterov=True, weight_decay=0.1), [2.0], [[1.0]])
    np.testing.assert_allclose(p1, [2.0 - 0.5 * (1.2 + 0.5 * 1.2)], atol=1e-15)   # 1.1


def test_adagrad_steps():
    """G += g^2, theta -= 0.1 g / (sqrt(G) + eps)."""
    eps = 1e-10
    p1, p2 = run(Adagrad(learning_rate=0.1), [1.0, 1.0], [[3.0, -4.0], [4.0, 3.0]])
    # G1 = [9, 16]
    np.testing.assert_allclose(p1, [1.0 - 0.1 * 3.0 / (3.0 + eps), 1.0 + 0.1 * 4.0 / (4.0 + eps)], atol=1e-15)
    # G2 = [9 + 16, 16 + 9] = [25, 25]
    np.testing.assert_allclose(p2, [p1[0] - 0.1 * 4.0 / (5.0 + eps), p1[1] - 0.1 * 3.0 / (5.0 + eps)], atol=1e-15)
    np.testing.assert_allclose(p2, [0.82, 1.04], atol=1e-9)


def test_adagrad_initial_accumulator():
    """G0 = 16, g = 3: G1 = 25, step 0.1 * 3 / 5 = 0.06."""
    (p1,) = run(Adagrad(learning_rate=0.1, initial_accumulator_value=16.0), [0.0], [[3.0]])
    np.testing.assert_allclose(p1, [-0.1 * 3.0 / (5.0 + 1e-10)], atol=1e-15)


def test_rmsprop_steps():
    """v = 0.75 v + 0.25 g^2, theta -= 0.01 g / (sqrt(v) + eps)."""
    eps = 1e-8
    p1, p2 = run(RMSprop(learning_rate=0.01, rho=0.75), [1.0], [[2.0], [1.0]])
    # v1 = 0.25 * 4 = 1
    np.testing.assert_allclose(p1, [1.0 - 0.01 * 2.0 / (1.0 + eps)], atol=1e-15)
    # v2 = 0.75 * 1 + 0.25 * 1 = 1
    np.testing.assert_allclose(p2, [p1[0] - 0.01 * 1.0 / (1.0 + eps)], atol=1e-15)


def test_rmsprop_momentum_steps():
    """b = 0.5 b + g / (sqrt(v) + eps), theta -= 0.01 b."""
    eps = 1e-8
    p1, p2 = run(RMSprop(learning_rate=0.01, rho=0.75, momentum=0.5), [1.0], [[2.0], [1.0]])
    b1 = 2.0 / (1.0 + eps)                      # v1 = 1
    b2 = 0.5 * b1 + 1.0 / (1.0 + eps)           # v2 = 1
    np.testing.assert_allclose(p1, [1.0 - 0.01 * b1], atol=1e-15)
    np.testing.assert_allclose(p2, [1.0 - 0.01 * b1 - 0.01 * b2], atol=1e-15)


def test_rmsprop_centered_steps():
    """Centered: divide by sqrt(v - m^2) + eps with m = 0.75 m + 0.25 g."""
    eps = 1e-8
    p1, p2 = run(RMSprop(learning_rate=0.01, rho=0.75, centered=True), [1.0], [[2.0], [1.0]])
    # v1 = 1, m1 = 0.5, v1 - m1^2 = 0.75
    np.testing.assert_allclose(p1, [1.0 - 0.01 * 2.0 / (math.sqrt(0.75) + eps)], atol=1e-15)
    # v2 = 0.75 + 0.25 = 1, m2 = 0.375 + 0.25 = 0.625, v2 - m2^2 = 1 - 0.390625 = 0.609375
    np.testing.assert_allclose(p2, [p1[0] - 0.01 * 1.0 / (math.sqrt(0.609375) + eps)], atol=1e-15)


def test_adam_steps():
    """Bias-corrected moments; eps added to sqrt(v_hat)."""
    eps = 1e-8
    p1, p2 = run(Adam(learning_rate=0.1), [1.0, -1.0], [[0.5, -2.0], [0.5, 1.0]])
    # step 1: m_hat = g, v_hat = g^2, so each coordinate moves by 0.1 * g / (|g| + eps)
    np.testing.assert_allclose(p1, [1.0 - 0.1 * 0.5 / (0.5 + eps), -1.0 + 0.1 * 2.0 / (2.0 + eps)], atol=1e-15)
    # step 2, coordinate 0 (g = 0.5 twice): m_hat = 0.5, v_hat = 0.25 exactly
    # coordinate 1: m2 = 0.9*(-0.2) + 0.1*1 = -0.08, v2 = 0.999*0.004 + 0.001*1 = 0.004996
    m_hat = -0.08 / (1 - 0.9 ** 2)                  # 1 - 0.81 = 0.19
    v_hat = 0.004996 / (1 - 0.999 ** 2)             # 1 - 0.998001 = 0.001999
    np.testing.assert_allclose(p2, [p1[0] - 0.1 * 0.5 / (0.5 + eps),
                                    p1[1] - 0.1 * m_hat / (math.sqrt(v_hat) + eps)], atol=1e-14)


def test_amsgrad_uses_the_largest_second_moment():
    """g = 2 then 0: v2 = 0.999 * 0.004 < v1 = 0.004, so AMSGrad divides by the root of v1's correction."""
    eps = 1e-8
    p1, p2 = run(Adam(learning_rate=0.1, amsgrad=True), [0.0], [[2.0], [0.0]])
    np.testing.assert_allclose(p1, [-0.1 * 2.0 / (2.0 + eps)], atol=1e-15)
    m_hat = 0.9 * 0.2 / 0.19                         # m2 = 0.18
    v_hat = 0.004 / 0.001999                         # max(0.004, 0.003996)
    np.testing.assert_allclose(p2, [p1[0] - 0.1 * m_hat / (math.sqrt(v_hat) + eps)], atol=1e-14)
    # plain Adam uses v2 = 0.003996 and takes a (slightly) larger step
    q1, q2 = run(Adam(learning_rate=0.1), [0.0], [[2.0], [0.0]])
    np.testing.assert_allclose(q2, [q1[0] - 0.1 * m_hat / (math.sqrt(0.003996 / 0.001999) + eps)], atol=1e-14)
    assert q2[0] < p2[0]


def test_adam_coupled_weight_decay_adds_lambda_theta_to_the_gradient():
    """Adam(weight_decay=0.5) on gradient g at theta is Adam on g + 0.5 theta (an L2 term divided by sqrt(v_hat))."""
    (p1, p2) = run(Adam(0.1, weight_decay=0.5), [2.0], [[0.2], [0.2]])
    (q1,) = run(Adam(0.1), [2.0], [[0.2 + 0.5 * 2.0]])
    np.testing.assert_allclose(p1, q1, atol=1e-15)
    # the first step is -0.1 whatever lambda: Adam's first step has size lr, so the decay is not proportional to theta
    np.testing.assert_allclose(p1, [2.0 - 0.1 * 1.2 / (1.2 + 1e-8)], atol=1e-15)


def test_adamw_steps_by_hand():
    """theta <- (1 - lr lam) theta, then the Adam step with the plain gradient."""
    eps = 1e-8
    p1, p2 = run(AdamW(0.1, weight_decay=0.5), [2.0, -1.0], [[0.5, -2.0], [0.5, 1.0]])
    np.testing.assert_allclose(p1, [2.0 * 0.95 - 0.1 * 0.5 / (0.5 + eps), -1.0 * 0.95 + 0.1 * 2.0 / (2.0 + eps)],
                               atol=1e-15)
    m_hat = -0.08 / (1 - 0.9 ** 2)                  # as in test_adam_steps: the moments see only the loss gradient
    v_hat = 0.004996 / (1 - 0.999 ** 2)
    np.testing.assert_allclose(p2, [p1[0] * 0.95 - 0.1 * 0.5 / (0.5 + eps),
                                    p1[1] * 0.95 - 0.1 * m_hat / (math.sqrt(v_hat) + eps)], atol=1e-14)
    # with a zero gradient (and no moments yet) AdamW only shrinks: theta_t = 0.95^t theta_0
    zero = run(AdamW(0.1, weight_decay=0.5), [3.0], [[0.0]] * 3)
    np.testing.assert_allclose(np.concatenate(zero), 3.0 * 0.95 ** np.arange(1, 4), rtol=1e-15)


def test_adamw_decay_follows_the_schedule_and_is_off_at_zero():
    """The shrink factor uses the step's scheduled rate; weight_decay=0 is plain Adam."""
    zero = run(AdamW(StepDecay(0.1, step_size=1, gamma=0.5), weight_decay=1.0), [1.0], [[0.0]] * 3)
    np.testing.assert_allclose(np.concatenate(zero), [0.9, 0.9 * 0.95, 0.9 * 0.95 * 0.975], rtol=1e-15)
    grads = [[0.3, -1.0], [2.0, 0.1], [-0.5, 0.5]]
    np.testing.assert_array_equal(run(AdamW(0.01, weight_decay=0.0), [1.0, 2.0], grads),
                                  run(Adam(0.01), [1.0, 2.0], grads))


def test_schedule_gives_lr_t_at_step_t():
    """StepDecay(1.0, step_size=2, gamma=0.5): steps 0..3 use lr 1, 1, 0.5, 0.5 on a constant gradient 1."""
    iterates = run(SGD(learning_rate=StepDecay(1.0, step_size=2, gamma=0.5)), [0.0], [[1.0]] * 4)
    np.testing.assert_allclose(np.concatenate(iterates), [-1.0, -2.0, -2.5, -3.0], atol=1e-15)


def test_clipnorm_and_clipvalue_in_optimizer():
    """clipnorm rescales the global norm (5 -> 1) before the step; clipvalue clips entries to [-1, 1]."""
    (p1,) = run(SGD(learning_rate=1.0, clipnorm=1.0), [0.0, 0.0], [[3.0, 4.0]])
    np.testing.assert_allclose(p1, [-3.0 / (5.0 + 1e-6), -4.0 / (5.0 + 1e-6)], atol=1e-15)
    (p1,) = run(SGD(learning_rate=1.0, clipvalue=1.0), [0.0, 0.0, 0.0], [[3.0, -0.5, -4.0]])
    np.testing.assert_allclose(p1, [-1.0, 0.5, 1.0], atol=1e-15)


# --------------------------------------------------------------------------------------------------
# The shared interface
# --------------------------------------------------------------------------------------------------
ALL = [SGD(0.1), SGD(0.1, momentum=0.9, nesterov=True, weight_decay=0.01), Momentum(0.1), Nesterov(0.1),
       Adagrad(0.1), RMSprop(0.01), RMSprop(0.01, momentum=0.5, centered=True), Adam(0.01),
       Adam(0.01, amsgrad=True), AdamW(0.01), AdamW(0.01, weight_decay=0.1, amsgrad=True)]


@pytest.mark.parametrize("optimizer", ALL, ids=repr)
def test_interface_state_iterations_reset(optimizer):
    """Params updated in place; state created on the first step, keyed by position, kept across steps; reset."""
    optimizer.reset()
    rng = np.random.default_rng(0)
    params = [rng.normal(size=(3, 2)), rng.normal(size=4)]
    originals = [p.copy() for p in params]
    ids = [id(p) for p in params]
    assert optimizer.iterations == 0 and optimizer.state == {}
    grads = [rng.normal(size=(3, 2)), rng.normal(size=4)]
    grads_before = [g.copy() for g in grads]
    optimizer.step(params, grads)
    assert [id(p) for p in params] == ids
    assert all(not np.array_equal(p, o) for p, o in zip(params, originals))
    assert all(np.array_equal(g, b) for g, b in zip(grads, grads_before)), "step() must not modify grads"
    assert optimizer.iterations == 1 and sorted(optimizer.state) == [0, 1]
    buffers = [id(a) for a in optimizer.state[0] if a is not None]
    optimizer.step(params, grads)
    assert optimizer.iterations == 2
    assert [id(a) for a in optimizer.state[0] if a is not None] == buffers, "state must be updated in place"
    optimizer.reset()
    assert optimizer.iterations == 0 and optimizer.state == {}


@pytest.mark.parametrize("optimizer", ALL, ids=repr)
def test_float32_stays_float32(optimizer):
    """State in the parameter's dtype; float32 params stay float32 even with float64 gradients."""
    optimizer.reset()
    p = np.ones((2, 3), dtype=np.float32)
    for _ in range(3):
        optimizer.step([p], [np.full((2, 3), 0.5)])
    assert p.dtype == np.float32
    assert all(a.dtype == np.float32 for a in optimizer.state[0] if a is not None)


@pytest.mark.parametrize("optimizer", ALL, ids=repr)
def test_float32_agrees_with_float64(optimizer):
    """The float32 run follows the float64 run to float32 accuracy."""
    rng = np.random.default_rng(1)
    grads = rng.normal(size=(5, 4))
    p64, p32 = np.linspace(-1, 1, 4), np.linspace(-1, 1, 4).astype(np.float32)
    for p in (p64, p32):
        optimizer.reset()
        for g in grads:
            optimizer.step([p], [g.astype(p.dtype)])
    np.testing.assert_allclose(p32, p64, rtol=1e-5, atol=1e-6)


def test_step_rejects_mismatches():
    """Errors name the mismatch."""
    opt = SGD(0.1)
    with pytest.raises(ValueError, match="2 parameter arrays but 1 gradient"):
        opt.step([np.zeros(2), np.zeros(3)], [np.zeros(2)])
    with pytest.raises(ValueError, match=r"shape \(3,\) but parameter 0 has shape \(2,\)"):
        opt.step([np.zeros(2)], [np.zeros(3)])
    with pytest.raises(TypeError, match="floating-point ndarray"):
        opt.step([np.zeros(2, dtype=int)], [np.zeros(2)])
    with pytest.raises(TypeError, match="floating-point ndarray"):
        opt.step([[0.0, 1.0]], [np.zeros(2)])
    adam = Adam()
    adam.step([np.zeros(2)], [np.ones(2)])
    with pytest.raises(ValueError, match="call reset"):
        adam.step([np.zeros(3)], [np.ones(3)])


@pytest.mark.parametrize("make, match", [
    (lambda: SGD(-0.1), "-0.1"),
    (lambda: SGD(float("nan")), "nan"),
    (lambda: SGD("0.1"), "'0.1'"),
    (lambda: SGD(0.1, momentum=1.0), "momentum must be in .*1.0"),
    (lambda: SGD(0.1, momentum=-0.5), "-0.5"),
    (lambda: SGD(0.1, nesterov=True), "nesterov=True needs momentum > 0"),
    (lambda: SGD(0.1, weight_decay=-1.0), "weight_decay .*-1.0"),
    (lambda: Adagrad(epsilon=0.0), "epsilon .*0.0"),
    (lambda: RMSprop(rho=1.5), "rho .*1.5"),
    (lambda: Adam(beta_1=1.0), "beta_1 .*1.0"),
    (lambda: Adam(beta_2=-0.1), "beta_2 .*-0.1"),
    (lambda: Adam(clipnorm=0.0), "clipnorm .*0.0"),
    (lambda: Adam(clipvalue=-1.0), "clipvalue .*-1.0"),
])
def test_bad_hyperparameters_are_rejected_with_the_value(make, match):
    """Bad arguments fail at construction, naming the bad value."""
    with pytest.raises((ValueError, TypeError), match=match):
        make()


def test_schedule_returning_a_bad_value_is_reported():
    """A schedule returning a negative rate fails at the step, naming the iteration."""
    opt = SGD(learning_rate=lambda t: 0.1 - t)
    opt.step([np.zeros(1)], [np.ones(1)])
    with pytest.raises(ValueError, match="returned -0.9 at iteration 1"):
        opt.step([np.zeros(1)], [np.ones(1)])


def test_get_registry():
    """Names are case-insensitive, objects pass through, unknown names list the known ones."""
    assert type(get("ADAM")) is Adam and type(get("sgd")) is SGD
    assert type(get("Momentum")) is Momentum and get("momentum").momentum == 0.9
    assert get("nesterov").nesterov and type(get("adagrad")) is Adagrad and type(get("RMSprop")) is RMSprop
    assert get("adam", learning_rate=0.5).learning_rate == 0.5
    opt = Adam()
    assert get(opt) is opt
    assert type(get("AdamW")) is AdamW and get("adamw").weight_decay == 0.004  # Keras's default by name
    assert AdamW().weight_decay == 0.01  # torch's default for the class
    with pytest.raises(ValueError, match="unknown optimizer 'adamax'; Keras has 'adamax' but gdkit does not "
                                         "implement it; known names: sgd, momentum, nesterov, "
                                         "adagrad, rmsprop, adam, adamw"):
        get("adamax")
    with pytest.raises(ValueError, match="unknown optimizer 'adamm'; known names"):
        get("adamm")
    with pytest.raises(TypeError, match="42"):
        get(42)


def test_repr_shows_hyperparameters():
    """repr is readable and complete."""
    assert repr(SGD(0.1, momentum=0.9)) == "SGD(learning_rate=0.1, momentum=0.9, nesterov=False, weight_decay=0.0)"
    assert repr(Adam(clipnorm=1.0)) == ("Adam(learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-08, "
                                        "amsgrad=False, clipnorm=1.0)")
    assert repr(AdamW(0.01)) == ("AdamW(learning_rate=0.01, beta_1=0.9, beta_2=0.999, epsilon=1e-08, amsgrad=False, "
                                 "weight_decay=0.01)")
    assert repr(Adam(weight_decay=0.1)).endswith("amsgrad=False, weight_decay=0.1)")


def test_pure_update_rule_matches_class():
    """The pure rule with an explicit NamedTuple state gives the class's result."""
    p, q = np.array([1.0, -1.0]), np.array([1.0, -1.0])
    state = optimizers.adam_init(p)
    opt = Adam(0.1)
    for t, g in enumerate([np.array([0.5, -2.0]), np.array([0.5, 1.0])], start=1):
        state = optimizers.adam_update(p, g, state, learning_rate=0.1, t=t)
        opt.step([q], [g])
    assert isinstance(state, optimizers.AdamState)
    np.testing.assert_array_equal(p, q)


# --------------------------------------------------------------------------------------------------
# Properties
# --------------------------------------------------------------------------------------------------
finite = st.floats(-1e3, 1e3, allow_nan=False, width=64)
arrays = hnp.arrays(np.float64, hnp.array_shapes(min_dims=1, max_dims=2, max_side=4), elements=finite)


@given(arrays, st.data())
def test_zero_learning_rate_leaves_params_unchanged(p0, data):
    """With lr = 0 no optimizer moves the parameters."""
    g = data.draw(hnp.arrays(np.float64, p0.shape, elements=finite))
    for opt in (SGD(0.0), SGD(0.0, momentum=0.9, nesterov=True, weight_decay=0.1), Adagrad(0.0),
                RMSprop(0.0, momentum=0.9, centered=True), Adam(0.0, amsgrad=True)):
        p = p0.copy()
        opt.step([p], [g])
        opt.step([p], [g])
        np.testing.assert_array_equal(p, p0)


@given(arrays, st.data(), st.floats(1e-4, 1.0))
def test_adam_first_step_is_at_most_lr(p0, data, lr):
    """Adam's first step moves each coordinate by at most lr, against the gradient's sign."""
    g = data.draw(hnp.arrays(np.float64, p0.shape, elements=finite))
    p = p0.copy()
    Adam(lr).step([p], [g])
    delta = p - p0
    assert np.all(np.abs(delta) <= lr * (1 + 1e-12) + 1e-12 * np.abs(p0))
    assert np.all(delta * g <= 0)


@given(arrays, st.data(), st.floats(1e-3, 1.0))
def test_sgd_step_is_exactly_minus_lr_g(p0, data, lr):
    """Plain SGD: theta_1 = theta_0 - lr * g."""
    g = data.draw(hnp.arrays(np.float64, p0.shape, elements=finite))
    p = p0.copy()
    SGD(lr).step([p], [g])
    np.testing.assert_array_equal(p, p0 - lr * g)


@pytest.mark.parametrize("optimizer", ALL + [Adam(clipnorm=1.0), SGD(0.1, clipvalue=0.5)], ids=repr)
def test_steps_after_the_first_allocate_no_large_arrays(optimizer):
    """State is preallocated and updated in place: a step allocates far less than one parameter array."""
    import tracemalloc

    optimizer.reset()
    rng = np.random.default_rng(2)
    params = [rng.normal(size=(200, 100)), rng.normal(size=100)]
    grads = [rng.normal(size=(200, 100)), rng.normal(size=100)]
    optimizer.step(params, grads)                       # builds the state
    tracemalloc.start()
    try:
        optimizer.step(params, grads)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < params[0].nbytes / 20, f"a step allocated {peak} bytes (a parameter is {params[0].nbytes})"
