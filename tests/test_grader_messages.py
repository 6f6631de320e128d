"""The check machinery's messages (all assignments): named quantities, swapped arguments, notebook output."""
import numpy as np
import pytest

from gdkit.grading import core


def _result(part, function, hidden=True):
    cases = part.cases(np.random.default_rng(0), hidden)
    return core.evaluate(part, cases, core.answers(part, function, cases))


def _cases(rng, hidden):
    return [core.Case((rng.standard_normal((3, 2)), rng.standard_normal((3, 2))), label="two 3x2 arrays")]


def _update(param, grad):
    return param - 0.1 * grad, 0.9 * grad


PART = core.Part("00_demo", "test_update", "update", _update, _cases, names=("the updated param", "the new buffer"))


def test_a_wrong_tuple_value_is_named():
    result = _result(PART, lambda param, grad: (param - 0.1 * grad, 0.5 * grad))
    assert "the new buffer" in result.message and "returned tuple" not in result.message
    assert result.message.count("wrong") <= 1


def test_without_names_the_old_wording_stays():
    unnamed = core.Part("00_demo", "test_update", "update", _update, _cases)
    result = _result(unnamed, lambda param, grad: (param - 0.1 * grad, 0.5 * grad))
    assert "value 2 of the returned tuple is wrong" in result.message


def test_swapped_arguments_are_named_as_such():
    part = core.Part("00_demo", "test_diff", "diff", lambda a, b: a - 2 * b, _cases)
    result = _result(part, lambda a, b: b - 2 * a)
    assert "a and b swapped" in result.message and "multiplied" not in result.message


def test_a_failing_check_shows_only_its_message_and_a_passing_one_returns_nothing(capsys):
    with pytest.raises(core.CheckFailed) as raised:
        core.check(PART, lambda param, grad: (param, grad))
    assert raised.value._render_traceback_()[0].startswith("\u2717 update")
    import gdkit.grading
    registry_part = next(iter(gdkit.grading.all_parts()))
    assert registry_part  # the notebook-facing check returns None (nothing echoed under the tick)
    assert gdkit.grading.check("01_forward/test_sigmoid", lambda z: 1 / (1 + np.exp(-z))) is None


@pytest.mark.parametrize("value, form, ok", [
    (0.05, "number", True), (np.float32(0.05), "number", True), (np.array(3.0), "number", True),
    ("0.05", "number", False), (True, "number", False), (np.nan, "number", False), (None, "number", False),
    (3, "integer", True), (3.5, "integer", False), ("b", "letter:ABCD", True), ("E", "letter:ABCD", False),
    ((1, 2.5), "numbers:2", True), ((1,), "numbers:2", False), ((1, "x"), "numbers:2", False),
])
def test_answer_forms(value, form, ok):
    assert (core.answer_problem(value, form, "x") == "") == ok


# ---- contract checks usable by any part ---------------------------------------------------------------------------
def _one_case(rng, hidden):
    return [core.Case((rng.standard_normal(3).astype(np.float32), rng.standard_normal(3).astype(np.float32)),
                      label="float32 vectors")]


def _shift(x0, step):
    return x0 - step


def test_mutating_a_protected_argument_is_named():
    part = core.Part("00_demo", "test_shift", "shift", _shift, _one_case, unchanged=(0,))

    def in_place(x0, step):
        x0 -= step
        return x0
    result = _result(part, in_place)
    assert not result.passed and "changed its argument `x0` in place" in result.message
    assert _result(part, lambda x0, step: x0 - step).passed


def test_the_dtype_contract():
    part = core.Part("00_demo", "test_shift", "shift", _shift, _one_case, check_dtype=True)
    result = _result(part, lambda x0, step: x0.astype(np.float64) - step)
    assert not result.passed and "float64 for float32 input" in result.message
    assert _result(part, _shift).passed
    labels = core.Part("00_demo", "test_labels", "labels", lambda x0, step: np.argsort(x0), _one_case,
                       check_dtype=True)
    assert "labels as floats" in _result(labels, lambda x0, step: np.argsort(x0).astype(float)).message


def test_return_the_state_argument():
    def update(param, grad, state):
        param -= grad
        return state

    def cases(rng, hidden):
        return [core.Case((rng.standard_normal(2), rng.standard_normal(2), np.zeros(2)))]
    part = core.Part("00_demo", "test_update", "update", update, cases, returns_argument=2,
                     collect=lambda returned, args: args[0])

    def forgot(param, grad, state):
        param -= grad
    result = _result(part, forgot)
    assert not result.passed and "must return its argument `state`" in result.message and "None" in result.message


def test_drawing_from_the_global_generator_is_named():
    def noise(shape, rng):
        return rng.standard_normal(shape)

    def cases(rng, hidden):
        return [core.Case(((2, 3), np.random.default_rng(7)))]
    part = core.Part("00_demo", "test_noise", "noise", noise, cases, own_rng=True)
    result = _result(part, lambda shape, rng: np.random.standard_normal(shape))
    assert not result.passed and "global generator" in result.message
    state = np.random.get_state()[1].copy()
    assert _result(part, noise).passed
    assert np.array_equal(np.random.get_state()[1], state), "the global generator's state is restored"


# ---- cascades: a part failing only through the student's earlier function --------------------------------------
def sigmoid(z):  # the student's own sigmoid, wrong (the derivative part below calls it by name)
    return 1 / (1 + np.exp(-np.clip(z, -1, 1)))


def sigmoid_grad(z):
    s = sigmoid(z)
    return s * (1 - s)


def test_a_cascade_is_blamed_on_the_earlier_function():
    from gdkit import activations

    def cases(rng, hidden):
        return [core.Case((np.array([-5.0, 0.3, 5.0]),), label="large |z|")]
    part = core.Part("00_demo", "test_sigmoid_grad", "sigmoid_grad", activations.sigmoid_grad, cases,
                     depends=(("sigmoid", activations.sigmoid),))
    with pytest.raises(core.CheckFailed) as raised:
        core.check(part, sigmoid_grad)
    assert "uses your sigmoid, which is wrong here" in str(raised.value)
    assert sigmoid(np.array([5.0]))[0] < 0.8, "the module's own sigmoid is restored after the check"


# ---- partial credit (Part.credit) ---------------------------------------------------------------------------------
def _grads(dY, X):
    return X.T @ dY, dY @ np.ones((2, 2)), dY.sum(axis=0)


def _grad_cases(rng, hidden):
    return [core.Case((rng.standard_normal((4, 2)), rng.standard_normal((4, 2))), label="a batch of 4"),
            core.Case((rng.standard_normal((1, 2)), rng.standard_normal((1, 2))), label="a batch of one")]


GRADS = core.Part("00_demo", "test_grads", "grads", _grads, _grad_cases, points=4, names=("dW", "dX", "db"),
                  credit=(2, 1, 1), unchanged=(0, 1),
                  mistakes=(core.Mistake("dw_transposed", lambda dY, X: (dY.T @ X, dY @ np.ones((2, 2)),
                                                                           dY.sum(axis=0)),
                                         "your dW is the transpose of the expected gradient"),))


def test_partial_credit_gives_the_points_of_the_right_values_and_says_which_lost_which():
    result = _result(GRADS, lambda dY, X: (dY.T @ X, dY @ np.ones((2, 2)), dY.sum(axis=0)))
    assert not result.passed and result.score == 2 and result.max_score == 4
    assert result.credit == (("dW", 0.0, 2.0), ("dX", 1.0, 1.0), ("db", 1.0, 1.0))
    assert result.message.startswith("your dW is the transpose")  # the catalogued mistake still names it
    assert "Partial credit: 2 of 4 points (dW 0 of 2, wrong first on the test case: a batch of 4; dX 1 of 1; " \
           "db 1 of 1)" in result.message
    # a value wrong on only one case loses its points too; the first case it is wrong on is named
    only_one = _result(GRADS, lambda dY, X: (X.T @ dY, dY @ np.ones((2, 2)),
                                             dY.sum(axis=0) if len(dY) > 1 else dY[0] * 2))
    assert only_one.score == 3 and "db 0 of 1, wrong first on the test case: a batch of one" in only_one.message
    assert _result(GRADS, _grads).score == 4 and _result(GRADS, _grads).credit == ()


def test_partial_credit_keeps_every_whole_part_rule():
    def half_right_in_place(dY, X):
        result = X.T @ dY * 3, dY @ np.ones((2, 2)), dY.sum(axis=0)
        dY[:] = 0.0  # the values are computed before, but an argument is changed in place: a whole-part contract
        return result

    def half_right_but_raises_once(dY, X):
        if len(dY) == 1:
            raise ValueError("batch of one")
        return X.T @ dY * 3, dY @ np.ones((2, 2)), dY.sum(axis=0)
    for function, said in ((half_right_in_place, "changed its argument `dY` in place"),
                           (half_right_but_raises_once, "raised ValueError: batch of one")):
        result = _result(GRADS, function)
        assert result.score == 0 and result.credit == () and said in result.message, result.message
    assert _result(GRADS, lambda dY, X: (X.T @ dY, dY.sum(axis=0))).score == 0  # a tuple of 2, not 3
    cases = GRADS.cases(np.random.default_rng(0), True)
    expected = core.answers(GRADS, _grads, cases)
    with core.forbid_references((_grads,)):  # calling the reference
        called = core.evaluate(GRADS, cases, core.answers(GRADS, lambda dY, X: _grads(dY, X)[:2] + (0,), cases),
                               expected)
    assert called.score == 0 and "gets no credit" in called.message
    with pytest.raises(core.CheckFailed, match="Partial credit: 3 of 4 points"):  # the notebook's check says it
        core.check(GRADS, lambda dY, X: (X.T @ dY, dY @ np.ones((2, 2)) * 2, dY.sum(axis=0)))


@pytest.mark.parametrize("bad", [dict(credit=(2, 1)), dict(credit=(2, 1, 2)), dict(credit=(2, 1, 1), names=None),
                                 dict(credit=(2, 1, 1), compare=lambda e, a: True)])
def test_credit_must_match_the_names_and_the_points(bad):
    with pytest.raises(ValueError):
        core.Part("00_demo", "test_grads", "grads", _grads, _grad_cases, points=4,
                  **{"names": ("dW", "dX", "db"), **bad})
