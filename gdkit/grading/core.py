"""Checking a student's function against gdkit's reference (all exercise notebooks; the trusted grader).

A :class:`Part` is one autograded exercise: the function a student writes, the gdkit reference it is checked
against, how to generate test inputs, and a catalogue of :class:`Mistake` s that students commonly make, each
with the message that names the misconception.

Checking is split in two so that it can run outside the student's process:

1. :func:`answers` calls a function on the cases and turns what it returns into *plain* values
   (NumPy arrays of numbers, strings, tuples of those) or an error string. This is the only step that
   runs student code; the trusted grader runs it in a sandboxed process and brings back only the plain values.
2. :func:`evaluate` compares plain answers with the reference's answers (computed in the grader's own process)
   and explains mistakes. It never sees a student object.

:func:`check` does both in one process, for the visible tests in a notebook.
"""
import copy
import warnings
from dataclasses import dataclass, field
from typing import Callable

import numpy as np

__all__ = ["Case", "Mistake", "Part", "PartResult", "answers", "evaluate", "check", "to_plain",
           "forbid_references", "REFERENCE_CALL_MARKER", "WITHHELD_MARKER", "WrongReturn", "USES_ALL"]

REFERENCE_CALL_MARKER = "GDKIT-REFERENCE-CALL"
WITHHELD_MARKER = "GDKIT-WITHHELD"  # raised by gdkit functions that the sandbox's view of gdkit leaves out
USES_ALL = "all"  # Part.uses: the part may use every gdkit function except its own reference (forbidden)
WRONG_RETURN_MARKER = "WRONG-RETURN"


class WrongReturn(TypeError):
    """What a function returned does not have the contract's structure (raised by the checks, not the student)."""


@dataclass(frozen=True)
class Case:
    """One call of the function: positional ``args`` and keyword ``kwargs`` (plain values only), and a short
    ``label`` (e.g. "batch of one", "large |z|") that feedback may show; the values themselves are never shown
    for hidden cases."""

    args: tuple
    kwargs: dict = field(default_factory=dict)
    label: str = ""


@dataclass(frozen=True)
class Mistake:
    """A common wrong answer: ``function`` has the reference's signature and computes the wrong result the
    misconception gives; ``message`` names the misconception, e.g. "your dW is the transpose of the expected
    gradient"."""

    name: str
    function: Callable
    message: str


@dataclass(frozen=True)
class Part:
    """One autograded part of an assignment.

    Attributes
    ----------
    assignment : str
        Assignment folder name, e.g. ``"01_forward"``.
    name : str
        The grade id of the part's test cell, e.g. ``"test_sigmoid"``.
    function : str
        The name the student's notebook defines, e.g. ``"sigmoid"``.
    reference : callable
        The gdkit function with the same contract.
    cases : callable ``cases(rng, hidden) -> list of Case``
        Visible cases (``hidden=False``) are few and friendly; hidden cases add shapes, seeds and edge cases.
    points : int
    forbidden : tuple of callables
        gdkit functions that the student's answer must not call (the reference itself and its aliases);
        calling one gets no credit, with a message saying why. In the sandbox their code does not exist.
    uses : tuple of callables, or ``"all"``
        What the student's code may use from gdkit beyond gdkit's versions of *earlier* parts (the references of
        the parts before this one in the course: earlier assignments, and earlier test cells of this one), and
        what those need. Everything else of gdkit exists in the sandbox only as a stub that raises
        (:mod:`gdkit.grading.views`). ``"all"``: all of gdkit but ``forbidden`` and ``withheld``.
    withheld : tuple of callables
        gdkit functions or classes that compute this part's answer or trivially reduce to it, removed even when
        ``uses`` or an earlier part would bring them in (e.g. ``leaky_relu`` for ``relu``).
    mistakes : tuple of Mistake
    prepare : callable, optional
        ``prepare(args) -> args`` builds call arguments from plain values (e.g. a NamedTuple state). It runs in
        the sandbox, so it must be defined in :mod:`gdkit.grading.hooks` (or another module of the sandbox's
        gdkit), never in a parts module.
    collect : callable, optional
        ``collect(returned, args) -> plain value``: what is compared (e.g. arrays updated in place). Same rule.
    rtol, atol : float
        Tolerances of :func:`numpy.allclose`.
    compare : callable, optional
        ``compare(expected, actual) -> bool`` on plain values, replacing the default comparison. It is also
        used to recognise a catalogued mistake (``compare(mistaken, actual)``), so a statistical check of a
        random initialiser recognises a wrongly scaled distribution.
    explain : callable, optional
        ``explain(expected, actual) -> str``: the message for a wrong answer that matches no catalogued
        mistake, replacing the generic diagnosis (e.g. "accuracy 63% on the hidden test set, 85% needed").
    """

    assignment: str
    name: str
    function: str
    reference: Callable
    cases: Callable
    points: int = 1
    forbidden: tuple = ()
    mistakes: tuple = ()
    prepare: Callable | None = None
    collect: Callable | None = None
    uses: tuple | str = ()
    withheld: tuple = ()
    rtol: float = 1e-6
    atol: float = 1e-9
    compare: Callable | None = None
    explain: Callable | None = None

    def same(self, expected, actual):
        """Whether a plain ``actual`` answer is right: ``compare(expected, actual)`` if given (e.g. statistical
        checks of random initialisers), else structure, shapes and values within ``rtol``/``atol``."""
        if self.compare is not None:
            return bool(self.compare(expected, actual))
        return _same(expected, actual, self.rtol, self.atol)

    @property
    def id(self):
        return f"{self.assignment}/{self.name}"


@dataclass(frozen=True)
class PartResult:
    """Outcome of one part: ``score`` out of ``max_score`` and a ``message`` for the student."""

    part: str
    score: float
    max_score: float
    passed: bool
    message: str


# ---- plain values ------------------------------------------------------------------------------------------
_MAX_DEPTH = 4


def to_plain(value, depth=0):
    """Turn a returned value into plain data: numeric ndarray, str, None, or a tuple of those.

    Anything else (an object that merely claims to equal the answer, a subclass with a lying ``__eq__``) is
    converted from its raw numbers only, or rejected with a TypeError saying what was expected.
    """
    if depth > _MAX_DEPTH:
        raise WrongReturn("returned a value nested too deeply; return arrays or a tuple of arrays")
    if value is None:
        return None
    if isinstance(value, str):
        return str.__getitem__(value, slice(None, 1000))  # a plain str, whatever the subclass overrides
    if isinstance(value, (tuple, list)) and not _is_number_list(value):
        return tuple(to_plain(item, depth + 1) for item in value)
    if isinstance(value, np.ndarray):
        array = np.array(value.view(np.ndarray), copy=True)
    elif isinstance(value, (bool, int, float, np.number, np.bool_, list, tuple)):
        array = np.array(value)
    else:
        raise WrongReturn(f"returned an object of type {type(value).__name__}; expected a NumPy array or a number")
    if array.dtype.kind not in "biuf":
        raise WrongReturn(f"returned an array of dtype {array.dtype}; expected numbers (float, int or bool)")
    return array


def _is_number_list(value):
    return len(value) > 0 and all(isinstance(v, (int, float, np.number)) and not isinstance(v, bool) or
                                  isinstance(v, (list, tuple)) and _is_number_list(v) for v in value)


# ---- running a function ------------------------------------------------------------------------------------
def _stub_code(function):
    message = (f"{REFERENCE_CALL_MARKER}: this part asks you to write {function.__name__} yourself; "
               f"calling gdkit's own {function.__module__}.{function.__qualname__} gets no credit.")
    namespace = {}
    exec(f"def stub(*args, **kwargs):\n    raise RuntimeError({message!r})", namespace)
    return namespace["stub"].__code__


class forbid_references:
    """Context manager: while active, calling any of ``functions`` raises an error that :func:`evaluate`
    recognises. It swaps the functions' code objects, so every alias (registries, other modules) is covered."""

    def __init__(self, functions):
        self.functions = [f for f in functions if not getattr(f, "__closure__", None)]

    def __enter__(self):
        self.saved = [(f, f.__code__) for f in self.functions]
        for function in self.functions:
            function.__code__ = _stub_code(function)
        return self

    def __exit__(self, *exc):
        for function, code in self.saved:
            function.__code__ = code
        return False


def _call(part, function, case):
    args = copy.deepcopy(tuple(case.args))
    kwargs = copy.deepcopy(dict(case.kwargs))
    if part.prepare is not None:
        args = tuple(part.prepare(args))
    returned = function(*args, **kwargs)
    return to_plain(part.collect(returned, args) if part.collect else returned)


def answers(part, function, cases):
    """Call ``function`` on every case and return plain answers: ``("ok", value)`` or ``("error", text)``.

    Warnings and floating-point notices are silenced: a correct answer that makes NumPy warn is still correct.
    """
    results = []
    for case in cases:
        try:
            with warnings.catch_warnings(), np.errstate(all="ignore"):
                warnings.simplefilter("ignore")
                results.append(("ok", _call(part, function, case)))
        except WrongReturn as error:  # the checks found the returned structure wrong: not the student's exception
            results.append(("error", f"{WRONG_RETURN_MARKER}: {error}"[:2000]))
        except Exception as error:  # the student's error becomes feedback, never a crash of the grader
            results.append(("error", f"{type(error).__name__}: {error}"[:2000]))
    return results


# ---- comparing ---------------------------------------------------------------------------------------------
def _same(expected, actual, rtol, atol):
    """Whether two plain values agree (structure, shapes, and values within tolerance; NaN matches NaN)."""
    if isinstance(expected, tuple):
        return isinstance(actual, tuple) and len(actual) == len(expected) and \
            all(_same(e, a, rtol, atol) for e, a in zip(expected, actual))
    if expected is None or isinstance(expected, str):
        return type(actual) is type(expected) and actual == expected
    if not isinstance(actual, np.ndarray) or actual.shape != expected.shape:
        return False
    if np.float32 in (expected.dtype, actual.dtype):
        # float32 rounding (about 6e-8 relative, per operation) is not a mistake: a correct formula computed in
        # float64, or another correct formula in float32, differs from the float32 reference by a few ulps.
        scale = float(np.max(np.abs(expected), initial=0.0, where=np.isfinite(expected)))
        rtol, atol = max(rtol, 1e-5), max(atol, 1e-6 * max(1.0, scale))
    return bool(np.allclose(actual.astype(float), expected.astype(float), rtol=rtol, atol=atol, equal_nan=True))


def _shape_of(value):
    if isinstance(value, tuple):
        return f"a tuple of {len(value)}"
    if isinstance(value, np.ndarray):
        return f"shape {value.shape}"
    return type(value).__name__


def _generic_diagnosis(expected, actual, rtol, atol):
    """Explain a wrong array answer when no catalogued mistake matches."""
    if isinstance(expected, tuple):
        if not isinstance(actual, tuple) or len(actual) != len(expected):
            return f"expected a tuple of {len(expected)} values, got {_shape_of(actual)}"
        for index, (e, a) in enumerate(zip(expected, actual)):
            if not _same(e, a, rtol, atol):
                return f"value {index + 1} of the returned tuple is wrong: " + _generic_diagnosis(e, a, rtol, atol)
    if not isinstance(expected, np.ndarray) or not isinstance(actual, np.ndarray):
        return f"expected {_shape_of(expected)}, got {_shape_of(actual)}"
    if actual.shape != expected.shape:
        if actual.shape == expected.shape[::-1] and _same(expected, actual.T, rtol, atol):
            return f"your result is the transpose of the expected one (shape {actual.shape} instead of {expected.shape})"
        return f"expected an array of shape {expected.shape}, got shape {actual.shape}"
    a, e = actual.astype(float), expected.astype(float)
    if not np.all(np.isfinite(a)) and np.all(np.isfinite(e)):
        return "your result contains NaN or infinite values where the expected one is finite (overflow, or 0/0 after an underflow?)"
    if np.allclose(a, -e, rtol=rtol, atol=atol) and np.any(np.abs(e) > atol):
        return "your result has the opposite sign of the expected one"
    scale = np.vdot(e, e)
    if scale > 0:
        factor = np.vdot(a, e) / scale
        if not np.isclose(factor, 1.0) and np.allclose(a, factor * e, rtol=rtol, atol=atol):
            return f"your result is the expected one multiplied by {factor:.6g}"
    return f"wrong values (largest difference {np.max(np.abs(a - e)):.3g})"


def evaluate(part, cases, student_answers, expected_answers=None):
    """Score plain ``student_answers`` (from :func:`answers`) against the reference, naming mistakes.

    Runs no student code. ``expected_answers`` may be passed if already computed.
    """
    if expected_answers is None:
        expected_answers = answers(part, part.reference, cases)
    for case, (status, expected), (kind, actual) in zip(cases, expected_answers, student_answers):
        if status != "ok":
            raise RuntimeError(f"the reference failed on a case of {part.id}: {expected}")
        where = f" (test case: {case.label})" if case.label else ""
        if kind == "error":
            for marker in (REFERENCE_CALL_MARKER, WITHHELD_MARKER):
                if f"{marker}: " in actual:
                    return _fail(part, actual.split(f"{marker}: ", 1)[1].split("\n")[0][:300])
            if actual.startswith(f"{WRONG_RETURN_MARKER}: "):
                problem = actual[len(WRONG_RETURN_MARKER) + 2:]
                named = problem if problem.startswith(part.function) else f"{part.function} {problem}"
                return _fail(part, f"{named}{where}")
            return _fail(part, f"{part.function} raised {actual}{where}")
        if part.same(expected, actual):
            continue
        for mistake in part.mistakes:
            (mistake_status, mistaken), = answers(part, mistake.function, [case])
            if mistake_status == "ok" and part.same(mistaken, actual):
                return _fail(part, f"{mistake.message}{where}")
        if part.explain is not None:
            return _fail(part, f"{part.function}: {part.explain(expected, actual)}{where}")
        return _fail(part, f"{part.function}: {_generic_diagnosis(expected, actual, part.rtol, part.atol)}{where}")
    if len(student_answers) != len(cases):
        return _fail(part, f"{part.function} answered {len(student_answers)} of {len(cases)} test cases")
    return PartResult(part.id, float(part.points), float(part.points), True,
                      f"{part.function}: correct on all {len(cases)} test cases")


def _fail(part, message):
    return PartResult(part.id, 0.0, float(part.points), False, message)


class CheckFailed(AssertionError):
    """Raised by :func:`check` with a message that names what is wrong."""


def check(part, function, hidden=False, seed=0):
    """Check a student's function in this process (for the notebook's tests); raise CheckFailed if wrong."""
    if not callable(function):
        raise CheckFailed(f"{part.function} should be a function, but it is a {type(function).__name__}")
    cases = part.cases(np.random.default_rng(seed), hidden)
    expected = answers(part, part.reference, cases)
    with forbid_references(part.forbidden):
        student = answers(part, function, cases)
    result = evaluate(part, cases, student, expected)
    if not result.passed:
        raise CheckFailed(result.message)
    if hidden:
        print(f"\u2713 {part.function} passes all {len(cases)} test cases, visible and hidden")
    else:
        cases_word = "case" if len(cases) == 1 else "cases"
        print(f"\u2713 {part.function} passes the {len(cases)} visible test {cases_word}; the grader also runs "
              "hidden ones (other shapes, edge cases)")
    return result
