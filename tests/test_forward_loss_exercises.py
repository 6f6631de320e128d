"""Assignments 01_forward and 02_loss: what the catalogue tests cannot see.

- the cascade of 01's sigmoid_grad (a right sigmoid_grad calling the student's wrong sigmoid is told so, in the
  notebook's check), which needs the student's globals;
- the per-student problems keep the properties their questions rely on (a hidden unit that ReLU switches off,
  a true class that is neither the predicted one nor its neighbour, ...), for many ids;
- no catalogued wrong answer of a concept part is accepted as right, for many ids (a wrong formula that happens
  to give the right number for some student would pass silently).
"""
import numpy as np
import pytest

from gdkit.grading import all_parts, core
from gdkit.problems.forward import network_sizes, tiny_network
from gdkit.problems.loss import classifier_at_init, logits_and_label

IDS = [f"student{i}" for i in range(300)]
PARTS = all_parts()


def _student_functions(source):
    namespace = {"np": np}
    exec(source, namespace)  # the notebook's cells, as a student wrote them
    return namespace


def _failure(part_id, function):
    with pytest.raises(core.CheckFailed) as failure:
        core.check(PARTS[part_id], function)
    return str(failure.value)


def test_sigmoid_grad_blames_the_students_own_sigmoid():
    student = _student_functions("def sigmoid(z):\n    return np.exp(z) / (1 + np.exp(z))\n\n"
                                 "def sigmoid_grad(z):\n    s = sigmoid(z)\n    return s * (1 - s)\n")
    assert "sigmoid_grad itself looks right, but it uses your sigmoid" in \
        _failure("01_forward/test_sigmoid_grad", student["sigmoid_grad"])
    assert "your sigmoid computes e^z/(1 + e^z) for every z" in _failure("01_forward/test_sigmoid", student["sigmoid"])


def test_a_wrong_sigmoid_grad_with_a_right_sigmoid_gets_its_own_message():
    student = _student_functions("def sigmoid(z):\n    return 0.5 * (1 + np.tanh(z / 2))\n\n"
                                 "def sigmoid_grad(z):\n    return sigmoid(sigmoid(z)) * (1 - sigmoid(sigmoid(z)))\n")
    assert "at the activation a = sigmoid(z)" in _failure("01_forward/test_sigmoid_grad", student["sigmoid_grad"])


def test_the_problems_keep_their_properties():
    for student in IDS:
        sizes = network_sizes(student).sizes
        assert all(a != b for a, b in zip(sizes, sizes[1:])) and sizes[0] != sizes[-1]
        net = tiny_network(student)
        z1 = (net.x @ net.W1 + net.b1)[0]
        assert (z1 > 0).sum() == 2 and (z1 < 0).sum() == 1, "two active hidden units and one switched off"
        assert np.all(net.b1 != 0) and np.all(net.W1 != 0) and np.all(net.W2 != 0) and np.all(net.x > 0)
        assert not np.array_equal(net.x @ net.W1.T, net.x @ net.W1)
        assert 3 <= classifier_at_init(student).K <= 100
        example = logits_and_label(student)
        top = int(np.argmax(example.logits))
        assert len(set(example.logits.tolist())) == 6
        assert min((example.label - top) % 6, (top - example.label) % 6) >= 2


@pytest.mark.parametrize("part_id", ["01_forward/test_parameter_count", "01_forward/test_hand_forward",
                                     "02_loss/test_initial_loss", "02_loss/test_logit_loss"])
def test_no_catalogued_wrong_answer_is_right_for_any_student(part_id):
    part = PARTS[part_id]
    for student in IDS:
        cases = core.cases_for(part, None, True, student)
        expected = core.answers(part, part.reference, cases)
        for mistake in part.mistakes:
            result = core.evaluate(part, cases, core.answers(part, mistake.function, cases), expected)
            assert not result.passed, f"{part_id}: {mistake.name} is right for {student}"


@pytest.mark.parametrize("part_id", ["01_forward/test_hand_forward", "02_loss/test_logit_loss"])
def test_students_rarely_share_an_answer(part_id):
    part = PARTS[part_id]
    answers = {repr(core.answers(part, part.reference, core.cases_for(part, None, True, s))[0][1]) for s in IDS}
    assert len(answers) >= 0.9 * len(IDS)
