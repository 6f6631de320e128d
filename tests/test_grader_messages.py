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
