"""The mistake catalogue: student-style wrong answers fail with the message naming their misconception,
right answers written differently pass (also when they print or warn), and calling gdkit's own function
for the part gets no credit. Also: no catalogued mistake coincides with the reference on the hidden cases."""
import importlib.util
import sys
import warnings
from pathlib import Path

import numpy as np
import pytest

from gdkit.grading import all_parts, core

CATALOGUE = Path(__file__).resolve().parent / "catalogue"
sys.path.insert(0, str(CATALOGUE))
ASSIGNMENTS = sorted(p.stem for p in CATALOGUE.glob("[0-9]*.py"))
PARTS = all_parts()


def _load(assignment):
    spec = importlib.util.spec_from_file_location(f"catalogue_{assignment}", CATALOGUE / f"{assignment}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _entries():
    entries = []
    for assignment in ASSIGNMENTS:
        module = _load(assignment)
        for name, function in vars(module).items():
            for kind, part, message in getattr(function, "catalogue", ()):
                entries.append(pytest.param(kind, f"{assignment}/{part}", message, function,
                                            id=f"{assignment}/{part}/{name}"))
    return entries


ENTRIES = _entries()


# Concept parts (kind "answer") are checked for several students: a catalogue entry is then a function of the
# student id returning the value that student would hand in, and the notebook declares DECLARED_ID.
STUDENTS = ("alice", "bob42", "s1234567", "jdoe", "x")
DECLARED_ID = "someone-else"
ANSWER_PARTS = sorted(part_id for part_id, part in PARTS.items() if part.kind == core.ANSWER)
FUNCTION_PARTS = sorted(part_id for part_id, part in PARTS.items() if part.kind != core.ANSWER)


def _run(part_id, function, forbid=True):
    """Check ``function`` on the hidden cases as the grader does; returns the PartResult (never raises).
    ``forbid=False`` lets it call gdkit's reference (the catalogued mistakes are built from it). A concept
    part returns the first failing student's result (or the last one's)."""
    part = PARTS[part_id]
    for student in (STUDENTS if part.kind == core.ANSWER else (None,)):
        cases = core.cases_for(part, np.random.default_rng(0), True, student)
        expected = core.answers(part, part.reference, cases)
        with core.forbid_references(part.forbidden if forbid else ()):
            answered = core.answers(part, function, cases)
        result = core.evaluate(part, cases, answered, expected, declared=DECLARED_ID)
        if not result.passed:
            return result
    return result


def test_the_catalogue_covers_every_part_and_every_mistake():
    assert ASSIGNMENTS == sorted({part.assignment for part in PARTS.values()})
    buggy, correct = {}, {}
    for param in ENTRIES:
        kind, part_id, message, _ = param.values
        assert part_id in PARTS, f"{part_id} is not a registered part"
        (buggy if kind == "buggy" else correct).setdefault(part_id, []).append(message)
    for part_id, part in PARTS.items():
        assert len(correct.get(part_id, [])) >= 2, f"{part_id}: fewer than two correct variants"
        for mistake in part.mistakes:
            assert any(m in mistake.message for m in buggy.get(part_id, [])), \
                f"{part_id}: no buggy variant for the mistake {mistake.name!r}"


@pytest.mark.parametrize("kind, part_id, message, function", ENTRIES)
def test_catalogue_entry(kind, part_id, message, function):
    result = _run(part_id, function)
    if kind == "buggy":
        # a part with partial credit gives a partly right answer the points of its right values (declared by
        # the entry: @buggy(..., score=...)); every other wrong answer gets nothing
        score = getattr(function, "scores", {}).get(part_id.split("/", 1)[1], 0)
        assert not result.passed and result.score == score, \
            f"a wrong answer to {part_id} scored {result.score}, not {score}: {result.message}"
        assert message in result.message, f"feedback {result.message!r} does not name {message!r}"
    else:
        assert result.passed and result.score == result.max_score, result.message


def _printing(function):
    def noisy(*args, **kwargs):
        print("debugging output " * 20)
        print("to stderr too", file=sys.stderr)
        warnings.warn("a warning from a correct answer", RuntimeWarning)
        return function(*args, **kwargs)
    return noisy


CORRECT = [param for param in ENTRIES if param.values[0] == "correct"]
FIRST_CORRECT = {param.values[1]: param.values[3] for param in reversed(CORRECT)}


@pytest.mark.parametrize("part_id", sorted(PARTS))
def test_a_correct_answer_that_prints_and_warns_gets_full_credit(part_id, capsys):
    result = _run(part_id, _printing(FIRST_CORRECT[part_id]))
    assert result.passed and result.score == result.max_score, result.message


@pytest.mark.parametrize("part_id", FUNCTION_PARTS)
def test_calling_gdkits_own_function_gets_no_credit(part_id):
    part = PARTS[part_id]

    def just_call_the_reference(*args, **kwargs):
        return part.reference(*args, **kwargs)

    result = _run(part_id, just_call_the_reference)
    assert not result.passed and result.score == 0
    assert "gets no credit" in result.message


@pytest.mark.parametrize("part_id", sorted(PARTS))
def test_every_mistake_is_told_apart_from_the_reference(part_id):
    """Each catalogued mistake, handed in as an answer, fails on the hidden cases with its own message."""
    part = PARTS[part_id]
    for mistake in part.mistakes:
        result = _run(part_id, mistake.function, forbid=False)
        assert not result.passed, f"{part_id}: mistake {mistake.name!r} agrees with the reference on every case"
        assert mistake.message in result.message, f"{part_id}: {mistake.name!r} reported as {result.message!r}"


@pytest.mark.parametrize("part_id", sorted(PARTS))
def test_the_reference_passes_visible_and_hidden_cases(part_id):
    part = PARTS[part_id]
    for hidden in (False, True):
        cases = core.cases_for(part, np.random.default_rng(0), hidden, "alice")
        assert cases and (len(cases) > 1 or not hidden or part.kind == core.ANSWER)
        answers = core.answers(part, part.reference, cases)
        assert all(status == "ok" for status, _ in answers)
        assert core.evaluate(part, cases, answers, answers).passed


# ---- the visible cases already catch the mistakes the notebooks name ---------------------------------------------
# Wrong answers that still pass the few visible cases (only the hidden ones catch them); every other buggy entry
# must fail the visible cases too, with its message, so the notebook's tick never rewards a mistake it warns about.
CAUGHT_ONLY_BY_HIDDEN_CASES = set()
BUGGY = [param for param in ENTRIES if param.values[0] == "buggy" and param.values[1] in FUNCTION_PARTS]


def _run_visible(part_id, function, seed=0):
    """Check ``function`` on the visible cases, as the notebook's test cell does (never raises)."""
    part = PARTS[part_id]
    cases = part.cases(np.random.default_rng(seed), False)
    expected = core.answers(part, part.reference, cases)
    with core.forbid_references(part.forbidden):
        student = core.answers(part, function, cases)
    return core.evaluate(part, cases, student, expected)


@pytest.mark.parametrize("kind, part_id, message, function", BUGGY)
def test_the_visible_cases_catch_the_mistake(kind, part_id, message, function):
    entry = f"{part_id}/{function.__name__}"
    result = _run_visible(part_id, function)
    if entry in CAUGHT_ONLY_BY_HIDDEN_CASES:
        assert result.passed, f"{entry} is now caught by the visible cases: remove it from the list"
    else:
        assert not result.passed, f"{entry} passes the visible cases of {part_id}"
        assert message in result.message, f"visible feedback {result.message!r} does not name {message!r}"


@pytest.mark.parametrize("part_id, label", [
    ("01_forward/test_softmax", "large logits"), ("01_forward/test_relu_grad", "exact zeros"),
    ("02_loss/test_bce", "predictions of exactly 0"), ("02_loss/test_bce_grad", "confidently wrong"),
    ("02_loss/test_cce", "a probability of exactly 0 for the true class"), ("02_loss/test_cce", "integer labels"),
    ("02_loss/test_cce_from_logits", "large logits"), ("03_backprop/test_relative_error", "two zero gradients"),
    ("03_backprop/test_dense_backward", "need_dX=False"), ("03_backprop/test_numerical_gradient", "large step"),
])
def test_the_edge_cases_the_test_cells_name_are_visible_and_hidden(part_id, label):
    part = PARTS[part_id]
    for hidden in (False, True):
        assert any(label in case.label for case in part.cases(np.random.default_rng(0), hidden)), (part_id, hidden)


def test_check_says_the_visible_cases_are_not_all(capsys):
    part = PARTS["01_forward/test_sigmoid"]
    core.check(part, FIRST_CORRECT[part.id])
    assert "visible test cases; the grader also runs hidden ones" in capsys.readouterr().out
    core.check(part, FIRST_CORRECT[part.id], hidden=True)
    assert "visible and hidden" in capsys.readouterr().out


# ---- correct answers computed differently always get full credit -------------------------------------------------
def _catalogued(assignment, name):
    return getattr(_load(assignment), name)


FLOAT_SENSITIVE = [
    ("01_forward", "test_tanh_grad", "tanh_grad_cosh"), ("01_forward", "test_tanh_grad", "tanh_grad_product"),
    ("01_forward", "test_dense_forward", "dense_forward_einsum"),
    ("01_forward", "test_dense_forward", "dense_forward_float64_loops"),
    ("03_backprop", "test_dense_backward", "dense_backward_einsum"),
    ("01_forward", "test_sigmoid_grad", "sigmoid_grad_float64"), ("01_forward", "test_softmax", "softmax_loop"),
]


@pytest.mark.parametrize("assignment, part_name, function_name", FLOAT_SENSITIVE)
def test_other_correct_formulas_pass_the_hidden_cases_for_every_seed(assignment, part_name, function_name):
    """Rounding differences (float32 cases above all) never cost a correct formula its credit: 50 seeds."""
    part = PARTS[f"{assignment}/{part_name}"]
    function = _catalogued(assignment, function_name)
    for seed in range(50):
        cases = part.cases(np.random.default_rng(seed), True)
        expected = core.answers(part, part.reference, cases)
        with core.forbid_references(part.forbidden):
            student = core.answers(part, function, cases)
        result = core.evaluate(part, cases, student, expected)
        assert result.passed and result.score == result.max_score, f"seed {seed}: {result.message}"


# ---- concept parts: the visible check says nothing of the value; the grader checks the folder's student ---------
ANSWER_ENTRIES = [param for param in ENTRIES if param.values[1] in ANSWER_PARTS]


@pytest.mark.parametrize("kind, part_id, message, function", ANSWER_ENTRIES)
def test_check_answer_checks_only_the_form(kind, part_id, message, function, capsys):
    """Every well-formed answer, right or wrong, gets the same tick in the notebook: the value is never judged
    there (the notebook does not know the answer); a malformed one is refused with a message."""
    part = PARTS[part_id]
    value = function("alice")
    if core.answer_problem(value, part.answer_format, part.function):
        with pytest.raises(core.CheckFailed):
            core.check_answer(part, value)
    else:
        core.check_answer(part, value, declared="alice")
        out = capsys.readouterr().out
        assert "has the right form" in out and "the grader checks its value" in out and "'alice'" in out


@pytest.mark.parametrize("part_id", ANSWER_PARTS)
def test_concept_answers_are_checked_against_the_submission_folders_student(part_id):
    """Alice's right answer handed in under bob's folder is wrong for bob; if alice's notebook declared her own
    id, the message says the id does not match the one handed in under."""
    part = PARTS[part_id]
    (_, alices), = core.answers(part, part.reference, core.cases_for(part, None, True, "alice"))
    bobs = core.cases_for(part, None, True, "bob42")
    result = core.evaluate(part, bobs, [("ok", alices)], declared="alice")
    assert not result.passed and "the id your notebook declares" in result.message and "'bob42'" in result.message
    result = core.evaluate(part, bobs, [("ok", alices)], declared="bob42")
    assert not result.passed and "the id your notebook declares" not in result.message
    assert core.evaluate(part, bobs, core.answers(part, part.reference, bobs), declared="alice").passed


@pytest.mark.parametrize("part_id", ANSWER_PARTS)
def test_concept_answers_differ_between_students(part_id):
    part = PARTS[part_id]
    values = [core.answers(part, part.reference, core.cases_for(part, None, True, s))[0][1] for s in STUDENTS]
    assert len({repr(v) for v in values}) >= 4


@pytest.mark.parametrize("part_id", sorted(PARTS))
def test_hooks_are_importable_in_the_sandbox(part_id):
    """The sandbox imports a part's hooks by name and has no parts modules: a hook defined beside the part would
    stop every grading run of the assignment (the in-process checks above would not notice)."""
    from gdkit.grading import views
    part = PARTS[part_id]
    for hook in (part.prepare, part.collect, *(function for _, function in part.depends)):
        views.hook_name(hook)
