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
import inspect
import warnings
from dataclasses import dataclass, field
from typing import Callable

import numpy as np

__all__ = ["Case", "Mistake", "Part", "PartResult", "answers", "evaluate", "check", "check_answer", "cases_for",
           "answer_problem", "to_plain", "forbid_references", "REFERENCE_CALL_MARKER", "WITHHELD_MARKER",
           "WrongReturn", "USES_ALL", "CheckFailed", "FUNCTION", "ANSWER"]

REFERENCE_CALL_MARKER = "GDKIT-REFERENCE-CALL"
WITHHELD_MARKER = "GDKIT-WITHHELD"  # raised by gdkit functions that the sandbox's view of gdkit leaves out
USES_ALL = "all"  # Part.uses: the part may use every gdkit function except its own reference (forbidden)
WRONG_RETURN_MARKER = "WRONG-RETURN"
FUNCTION, ANSWER = "function", "answer"  # Part.kind: a function the student writes, or a value they work out


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
    kind : ``"function"`` (default) or ``"answer"``
        ``"answer"``: a concept part. ``function`` is then the name of a *variable* the student assigns a plain
        value to (a number, a letter, a short tuple), ``reference(student_id) -> value`` computes the right
        answer for that student's own problem (built with :mod:`gdkit.problems`; grader-side only), each
        mistake's ``function(student_id) -> value`` the answer its misconception gives, and ``cases`` is
        ignored (:func:`cases_for`). The notebook's ``check_answer`` only checks ``answer_format``.
    answer_format : str
        Concept parts: what the value must look like, checked visibly by ``check_answer``: ``"number"``,
        ``"integer"``, ``"letter:ABCD"`` (one of those letters), ``"numbers:3"`` (a tuple of 3 numbers).
    names : tuple of str, optional
        What each value of a returned tuple (after ``collect``) is, for messages: e.g. ``("the updated param",
        "the updated momentum buffer")``, so feedback says "the updated momentum buffer is wrong" instead of
        "value 2 of the returned tuple". Nested tuples are named by their top-level entry.
    unchanged : tuple of int
        Contract: the positional arguments (indices, after ``prepare``) the function must not change in place
        (e.g. ``(1,)`` for ``x0``); a change fails the case with "changed its argument `x0` in place".
    returns_argument : int, optional
        Contract: the function must return this positional argument itself (e.g. ``2`` for ``return state``).
    own_rng : bool
        Contract: the function must draw only from the generator it is given (an argument named ``rng``), or, if it
        is given none, draw nothing at all; it is called twice with NumPy's global generator seeded differently,
        and results that differ fail with "draws from NumPy's global generator".
    check_dtype : bool
        Contract: a right value of the wrong dtype fails: float64 returned for float32 inputs (where the reference
        keeps float32), bool where floats are expected, floats where a boolean mask is, float labels where integers
        are.
    depends : tuple of (str, callable)
        Cascades: the student's earlier functions this one calls by name, with gdkit's version of each, e.g.
        ``(("sigmoid", activations.sigmoid),)``. When the part fails, it is run again with gdkit's versions in
        their place; if it passes then, the message says "your sigmoid is wrong ..., and sigmoid_grad uses it".
        Each gdkit version must be available in the part's view (an earlier part's reference is).
    arg_names : tuple of str
        The argument names used in contract messages (default: the reference's parameter names).
    credit : tuple of numbers, optional
        Partial credit: the points of each value of the returned tuple, in the order of ``names`` (same length,
        summing to ``points``), e.g. ``(2, 0.5, 0.5)`` for ``(dX, dgamma, dbeta)``. A wrong answer then scores
        the points of the values that are right (value, and dtype when ``check_dtype``) on **every** case;
        an error on any case (an exception, a forbidden call, a contract check such as an argument changed in
        place, a wrong return structure) still costs the whole part. Needs the default comparison (no
        ``compare``). The message says which value lost which points.
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
    kind: str = FUNCTION
    answer_format: str = ""
    names: tuple | None = None
    unchanged: tuple = ()
    returns_argument: int | None = None
    own_rng: bool = False
    check_dtype: bool = False
    depends: tuple = ()
    arg_names: tuple = ()
    credit: tuple = ()

    def __post_init__(self):
        if self.credit:
            if not self.names or len(self.names) != len(self.credit):
                raise ValueError(f"{self.id}: credit needs one entry per value named in names")
            if self.compare is not None or self.kind == ANSWER:
                raise ValueError(f"{self.id}: credit needs the default comparison of a function part")
            if any(c < 0 for c in self.credit) or abs(sum(self.credit) - self.points) > 1e-9:
                raise ValueError(f"{self.id}: the credit {self.credit} must add up to the part's {self.points} points")
        if not self.arg_names and callable(self.reference) and self.kind != ANSWER:
            try:
                names = tuple(inspect.signature(self.reference).parameters)
            except (TypeError, ValueError):
                names = ()
            object.__setattr__(self, "arg_names", names)

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
    """Outcome of one part: ``score`` out of ``max_score`` and a ``message`` for the student. ``credit``: for a
    part with partial credit (:attr:`Part.credit`) that was scored value by value, ``((name, earned, points),
    ...)`` per value of the returned tuple; else ``()``."""

    part: str
    score: float
    max_score: float
    passed: bool
    message: str
    credit: tuple = ()


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
def _describe(value):
    if value is None:
        return "None"
    if isinstance(value, np.ndarray):
        return f"an array of shape {value.shape}"
    return f"a {type(value).__name__}"


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


def _arg_name(part, index):
    names = part.arg_names
    return f"`{names[index]}`" if index < len(names) else f"argument {index + 1}"


def _plain_or_none(value):
    try:
        return to_plain(value)
    except WrongReturn:
        return None


def _uses_global_rng(part, function, args, kwargs):
    """Call ``function`` on two copies of the arguments, np.random seeded differently before each: True if the
    results differ (it draws from the global generator instead of the ``rng`` it is given). The global state is
    restored afterwards."""
    state = np.random.get_state()
    try:
        results = []
        for seed in (12345, 54321):
            call_args, call_kwargs = copy.deepcopy(args), copy.deepcopy(kwargs)
            np.random.seed(seed)
            returned = function(*call_args, **call_kwargs)
            results.append(_plain_or_none(part.collect(returned, call_args) if part.collect else returned))
    finally:
        np.random.set_state(state)
    return results[0] is not None and results[1] is not None and not _same(results[0], results[1], 0.0, 0.0)


def _call(part, function, case):
    args = copy.deepcopy(tuple(case.args))
    kwargs = copy.deepcopy(dict(case.kwargs))
    if part.prepare is not None:
        args = tuple(part.prepare(args))
    if part.own_rng and _uses_global_rng(part, function, args, kwargs):
        if "rng" in part.arg_names:
            raise WrongReturn(f"{part.function} draws from NumPy's global generator (np.random.*): use the generator "
                              "it is given (rng.normal, rng.uniform, rng.permutation ...), so that its results "
                              "depend on that rng alone")
        raise WrongReturn(f"{part.function} draws from NumPy's global generator (np.random.*, e.g. to shuffle): it is "
                          "given no generator because it must not draw at all; it takes its arguments in the order "
                          "given, so that its result depends on them alone (shuffling is the caller's job)")
    before = {i: np.array(args[i], copy=True) for i in part.unchanged
              if i < len(args) and isinstance(args[i], np.ndarray)}
    returned = function(*args, **kwargs)
    for index, old in before.items():
        now = args[index]
        if not (now.shape == old.shape and np.array_equal(now, old, equal_nan=True)):
            raise WrongReturn(f"{part.function} changed its argument {_arg_name(part, index)} in place; the "
                              "caller still needs it, so work on a copy (e.g. x = x.copy(), or x = x - ... "
                              "instead of x -= ...)")
    if part.returns_argument is not None and returned is not args[part.returns_argument]:
        raise WrongReturn(f"{part.function} must return its argument {_arg_name(part, part.returns_argument)} "
                          f"(e.g. `return {part.arg_names[part.returns_argument] if part.returns_argument < len(part.arg_names) else 'it'}`); "
                          f"it returned {_describe(returned)}")
    if part.kind == ANSWER:
        returned = _normal_answer(returned, part.answer_format)
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


def cases_for(part, rng, hidden, student=None):
    """The cases of ``part``: ``part.cases(rng, hidden)`` for a function part; for a concept part
    (``kind="answer"``) one case whose only argument is ``student``, the id whose problem is checked (at grading
    time the submission folder's name, never what the notebook declares)."""
    if part.kind == ANSWER:
        if student is None or not str(student).strip():
            raise ValueError(f"{part.id} is a concept part: its case needs the student's id")
        return [Case((str(student).strip(),), label="your own problem")]
    return part.cases(rng, hidden)


def answer_problem(value, answer_format, variable="the answer"):
    """What is wrong with the *form* of a concept answer ``value`` (``answer_format``: see :class:`Part`), or
    ``""``. Checks only the type and shape, never the value: that is the grader's job."""
    def number_problem(v, what, integer=False):
        if isinstance(v, np.ndarray) and v.ndim == 0:
            v = v[()]
        if v is None or v is Ellipsis:
            return f"{what} is not set yet (replace the ... with your answer)"
        if isinstance(v, (bool, np.bool_)):
            return f"{what} should be a number, but it is the bool {v}"
        if not isinstance(v, (int, float, np.integer, np.floating)):
            return f"{what} should be a number, but it is {type(v).__name__} {str(v)[:40]!r}"
        if not np.isfinite(float(v)):
            return f"{what} should be a finite number, but it is {v}"
        if integer and float(v) != round(float(v)):
            return f"{what} should be a whole number, but it is {v}"
        return ""
    kind, _, detail = answer_format.partition(":")
    if kind in ("number", "integer"):
        return number_problem(value, variable, kind == "integer")
    if kind == "letter":
        if value is None or value is Ellipsis:
            return f"{variable} is not set yet (replace the ... with your answer)"
        if not isinstance(value, str) or value.strip().upper() not in detail.upper() or len(value.strip()) != 1:
            return f"{variable} should be one of the letters {', '.join(detail)} (a string, e.g. \"{detail[0]}\"), " \
                   f"but it is {value!r}"[:200]
        return ""
    if kind == "numbers":
        count = int(detail)
        if not isinstance(value, (tuple, list)) or len(value) != count:
            return f"{variable} should be a tuple of {count} numbers, but it is {str(value)[:60]!r}"
        problems = [number_problem(v, f"its value {i + 1}") for i, v in enumerate(value)]
        problems = [p for p in problems if p]
        return f"{variable}: {problems[0]}" if problems else ""
    raise ValueError(f"unknown answer format {answer_format!r}")


def _normal_answer(value, answer_format):
    """A concept answer in the form it is compared in: letters upper-case and stripped, numbers as floats."""
    if answer_format.startswith("letter") and isinstance(value, str):
        return value.strip().upper()
    return value


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


def _generic_diagnosis(expected, actual, rtol, atol, names=None, what=None):
    """Explain a wrong answer when no catalogued mistake matches. ``names`` names the values of a returned tuple
    (:attr:`Part.names`); ``what`` is the name of the value being explained (default "your result")."""
    if isinstance(expected, tuple):
        if not isinstance(actual, tuple) or len(actual) != len(expected):
            listed = f" ({', '.join(names)})" if names and len(names) == len(expected) else ""
            return f"expected a tuple of {len(expected)} values{listed}, got {_shape_of(actual)}"
        for index, (e, a) in enumerate(zip(expected, actual)):
            if not _same(e, a, rtol, atol):
                if names and index < len(names) and names[index]:
                    # say which values are right too: it locates the mistake (the moments right, the step wrong)
                    right = [names[i] for i, (e_i, a_i) in enumerate(zip(expected, actual))
                             if i != index and i < len(names) and names[i] and _same(e_i, a_i, rtol, atol)]
                    tail = f"; right: {' and '.join(right)}" if right else ""  # names may be plural ("the gradients")
                    return _generic_diagnosis(e, a, rtol, atol, what=names[index]) + tail
                return f"value {index + 1} of the returned tuple is wrong: " + _generic_diagnosis(e, a, rtol, atol)
    subject = what or "your result"
    if isinstance(expected, str) and isinstance(actual, str):
        return f"{subject} is {actual!r}, expected {expected!r}"
    if not isinstance(expected, np.ndarray) or not isinstance(actual, np.ndarray):
        return f"{subject}: expected {_shape_of(expected)}, got {_shape_of(actual)}" if what else \
            f"expected {_shape_of(expected)}, got {_shape_of(actual)}"
    if actual.shape != expected.shape:
        if actual.shape == expected.shape[::-1] and _same(expected, actual.T, rtol, atol):
            return f"{subject} is the transpose of the expected one (shape {actual.shape} instead of {expected.shape})"
        if what:
            return f"{subject} has shape {actual.shape}; expected {expected.shape}"
        return f"expected an array of shape {expected.shape}, got shape {actual.shape}"
    a, e = actual.astype(float), expected.astype(float)
    if not np.all(np.isfinite(a)) and np.all(np.isfinite(e)):
        return f"{subject} contains NaN or infinite values where the expected one is finite (overflow, or 0/0 after an underflow?)"
    if np.allclose(a, -e, rtol=rtol, atol=atol) and np.any(np.abs(e) > atol):
        return f"{subject} has the opposite sign of the expected one"
    scale = np.vdot(e, e)
    if scale > 0:
        factor = np.vdot(a, e) / scale
        if not np.isclose(factor, 1.0) and np.allclose(a, factor * e, rtol=rtol, atol=atol):
            return f"{subject} is the expected one multiplied by {factor:.6g}"
    if what:
        return f"{subject} has wrong values (largest difference {np.max(np.abs(a - e)):.3g})"
    return f"wrong values (largest difference {np.max(np.abs(a - e)):.3g})"


def _argument_names(part):
    try:
        return list(inspect.signature(part.reference).parameters)
    except (TypeError, ValueError):
        return []


def _swapped_arguments(part, case, actual):
    """``"grad and param"`` if ``actual`` is what the reference gives with two positional arguments of the same
    shape swapped (a call or a definition with the arguments in the wrong order), else ``""``."""
    args = tuple(case.args)
    names = _argument_names(part)
    for i in range(len(args)):
        for j in range(i + 1, len(args)):
            a, b = args[i], args[j]
            if not (isinstance(a, np.ndarray) and isinstance(b, np.ndarray) and a.shape == b.shape) or \
                    np.array_equal(a, b):
                continue
            swapped = list(args)
            swapped[i], swapped[j] = b, a
            (status, value), = answers(part, part.reference, [Case(tuple(swapped), case.kwargs, case.label)])
            if status == "ok" and part.same(value, actual):
                first = names[i] if i < len(names) else f"argument {i + 1}"
                second = names[j] if j < len(names) else f"argument {j + 1}"
                return f"{first} and {second}"
    return ""


def _answer_text(value):
    if isinstance(value, np.ndarray) and value.ndim == 0:
        return f"{value[()]:.6g}" if value.dtype.kind == "f" else str(value[()])
    if isinstance(value, tuple):
        return "(" + ", ".join(_answer_text(v) for v in value) + ")"
    return repr(value) if isinstance(value, str) else str(value)


def _tolerance_text(part):
    if part.answer_format.startswith("letter") or part.answer_format == "integer":
        return "exactly"
    return f"to within {part.rtol:.3g} relative" if part.rtol >= 1e-4 else "exactly (to rounding)"


def _declared_match(part, case, actual, declared):
    """The message for a concept answer that is right for the id the notebook declares but not for the submission
    folder's, or ``""``."""
    student = case.args[0]
    given = f"{part.function} = {_answer_text(actual)}"
    if declared and str(declared).strip() != student:
        (status, theirs), = answers(part, part.reference, [Case((str(declared).strip(),))])
        if status == "ok" and part.same(theirs, actual):
            return (f"{given} is the right answer for the problem of student id {str(declared).strip()[:40]!r}, "
                    f"the id your notebook declares, but you handed in as {student!r}: the grader checks the "
                    f"problem of {student!r}. Set STUDENT_ID to the id you hand in under and redo the question")
    return ""


def _evaluate_answer(part, case, actual, declared):
    """The message for a wrong concept answer ``actual`` (catalogued mistakes were already tried)."""
    student = case.args[0]
    given = f"{part.function} = {_answer_text(actual)}"
    other = _declared_match(part, case, actual, declared)
    if other:
        return other
    if part.explain is not None:
        expected = answers(part, part.reference, [case])[0][1]
        return f"{given}: {part.explain(expected, actual)}"
    return (f"{given} is not the right answer for your problem (student id {student!r}; checked "
            f"{_tolerance_text(part)}): redo it with the chapter's method")


def evaluate(part, cases, student_answers, expected_answers=None, declared=None, cascade=None):
    """Score plain ``student_answers`` (from :func:`answers`) against the reference, naming mistakes.

    Runs no student code. ``expected_answers`` may be passed if already computed. ``declared``: for a concept
    part, the student id the notebook declared (``STUDENT_ID``), used only to explain a wrong answer.
    ``cascade``: the answers of the same function with gdkit's versions of ``part.depends`` in place of the
    student's (:func:`answers_with`), used only to explain a failure.
    """
    if expected_answers is None:
        expected_answers = answers(part, part.reference, cases)
    failure = _diagnose(part, cases, student_answers, expected_answers, declared, cascade)
    if failure is not None:
        message, whole = failure
        if part.credit and not whole:
            return _partial(part, cases, student_answers, expected_answers, message)
        return _fail(part, message)
    if part.kind == ANSWER:
        return PartResult(part.id, float(part.points), float(part.points), True,
                          f"{part.function}: right for your problem")
    return PartResult(part.id, float(part.points), float(part.points), True,
                      f"{part.function}: correct on all {len(cases)} test cases")


def _diagnose(part, cases, student_answers, expected_answers, declared=None, cascade=None):
    """None if every answer is right; else ``(message, whole)``: the message for the first wrong case, and
    whether the whole part is lost whatever :attr:`Part.credit` says (an error instead of an answer: an
    exception, a forbidden call, a contract check; or missing answers)."""
    for case, (status, expected), (kind, actual) in zip(cases, expected_answers, student_answers):
        if status != "ok":
            raise RuntimeError(f"the reference failed on a case of {part.id}: {expected}")
        where = f" (test case: {case.label})" if case.label and part.kind != ANSWER else ""
        if kind == "error":
            for marker in (REFERENCE_CALL_MARKER, WITHHELD_MARKER):
                if f"{marker}: " in actual:
                    return actual.split(f"{marker}: ", 1)[1].split("\n")[0][:300], True
            if actual.startswith(f"{WRONG_RETURN_MARKER}: "):
                problem = actual[len(WRONG_RETURN_MARKER) + 2:]
                named = problem if problem.startswith(part.function) else f"{part.function} {problem}"
                return f"{named}{where}", True
            return f"{part.function} raised {actual}{where}", True
        if part.same(expected, actual):
            problem = _dtype_problem(expected, actual, part) if part.check_dtype else ""
            if problem:
                return f"{part.function}: {problem}{where}", False
            continue
        if cascade is not None and len(cascade) == len(cases) and \
                all(k == "ok" and part.same(e, a) for (_, e), (k, a) in zip(expected_answers, cascade)):
            names = " and ".join(name for name, _ in part.depends)
            return (f"{part.function} itself looks right, but it uses your {names}, which "
                    f"{'is' if len(part.depends) == 1 else 'are'} wrong here: with gdkit's {names} in its place "
                    f"every case passes. Fix {names} first (its own check says what is wrong){where}"), False
        if part.kind != ANSWER and part.check_dtype:
            problem = _dtype_problem(expected, actual, part)
            if "array of integers" in problem:  # the cast to integers also truncated the values
                return (f"{part.function}: {problem}; an integer array also drops the fractional part of every "
                        f"value{where}"), False
        if part.kind == ANSWER:
            problem = answer_problem(_plain_answer_value(actual), part.answer_format, part.function)
            if problem:
                return problem, False
        for mistake in _matching_mistakes(part, cases, student_answers, case, actual)[:1]:
            if part.kind == ANSWER:
                # with letters, the right answer of the id the notebook declares is often a catalogued one
                other = _declared_match(part, case, actual, declared)
                note = f". Note: {other}" if other else ""
                return f"{part.function} = {_answer_text(actual)}: {mistake.message}{note}", False
            return f"{mistake.message}{where}", False
        if part.kind == ANSWER:
            return _evaluate_answer(part, case, actual, declared), False
        if part.explain is not None:
            return f"{part.function}: {part.explain(expected, actual)}{where}", False
        swapped = _swapped_arguments(part, case, actual)
        if swapped:
            return (f"{part.function}: your result is what the correct formula gives with {swapped} swapped: "
                    f"check the order of the arguments (in your definition and in your calls){where}"), False
        return (f"{part.function}: "
                f"{_generic_diagnosis(expected, actual, part.rtol, part.atol, part.names)}{where}"), False
    if len(student_answers) != len(cases):
        return f"{part.function} answered {len(student_answers)} of {len(cases)} test cases", True
    return None


def _matching_mistakes(part, cases, student_answers, case, actual):
    """The catalogued mistakes that give ``actual`` on ``case``, best first: when several do (two misconceptions
    can agree on one case), the one that also agrees with the student's other answers comes first, so the message
    names the student's mistake rather than another that happens to coincide on the first failing case."""
    matching = []
    for mistake in part.mistakes:
        (mistake_status, mistaken), = answers(part, mistake.function, [case])
        if mistake_status == "ok" and part.same(mistaken, actual):
            matching.append(mistake)
    if len(matching) < 2:
        return matching
    others = [(c, a) for c, (k, a) in zip(cases, student_answers) if k == "ok" and c is not case]

    def agreement(mistake):
        mistaken = answers(part, mistake.function, [c for c, _ in others])
        return sum(k == "ok" and part.same(m, a) for (k, m), (_, a) in zip(mistaken, others))
    scores = [agreement(mistake) for mistake in matching]
    return [mistake for _, mistake in sorted(zip(scores, matching), key=lambda pair: -pair[0])]


def _leaves(value):
    if isinstance(value, tuple):
        for item in value:
            yield from _leaves(item)
    else:
        yield value


def _dtype_problem(expected, actual, part):
    """What is wrong with the dtypes of a right-valued ``actual`` (:attr:`Part.check_dtype`), or ``""``."""
    for index, (e, a) in enumerate(zip(_leaves(expected), _leaves(actual))):
        if not (isinstance(e, np.ndarray) and isinstance(a, np.ndarray)):
            continue
        what = "your result" if not isinstance(expected, tuple) else \
            (part.names[index] if part.names and index < len(part.names) else f"value {index + 1}")
        if e.dtype.kind == "b" and a.dtype.kind != "b":
            return (f"{what} is an array of {'floats' if a.dtype.kind == 'f' else 'integers'}; a boolean mask is "
                    "expected (a comparison such as u >= rate already gives one: do not convert it with .astype)")
        if e.dtype.kind == "f" and a.dtype.kind == "b":
            return f"{what} is an array of bools; floats are expected (e.g. (z > 0).astype(z.dtype))"
        if e.dtype.kind == "f" and a.dtype.kind in "iu":
            return f"{what} is an array of integers; floats are expected (e.g. (z > 0).astype(z.dtype))"
        if e.dtype.kind in "iu" and a.dtype.kind == "f":
            return f"{what} holds labels as floats; labels are integers (np.argmax returns them, or .astype(int))"
        if e.dtype == np.float32 and a.dtype == np.float64:
            return (f"{what} is float64 for float32 input: keep the input's dtype (a float64 constant or "
                    "np.zeros without dtype= promotes it)")
    return ""


def answers_with(part, function, cases, replacements, call=None):
    """:func:`answers` with some of ``function``'s global names replaced (``{name: callable}``) for the
    duration: the cascade check of :attr:`Part.depends`. The globals are restored afterwards. ``call``: what to
    call instead of ``function`` itself (a guarded wrapper of it)."""
    namespace = getattr(function, "__globals__", None)
    if namespace is None or not replacements:
        return None
    saved = {name: namespace[name] for name in replacements if name in namespace}
    if len(saved) != len(replacements):
        return None  # the student's function does not use that name as a global
    try:
        namespace.update(replacements)
        return answers(part, call or function, cases)
    finally:
        namespace.update(saved)


def _plain_answer_value(value):
    """A plain concept answer back in the form ``answer_problem`` checks (0-d arrays -> Python numbers)."""
    if isinstance(value, np.ndarray):
        return value[()] if value.ndim == 0 else tuple(value.tolist())
    if isinstance(value, tuple):
        return tuple(_plain_answer_value(v) for v in value)
    return value


def _fail(part, message):
    return PartResult(part.id, 0.0, float(part.points), False, message)


def _quantity_right(part, expected, actual):
    """Whether one value of a returned tuple is right (:attr:`Part.credit`): its values, and its dtype when the
    part checks dtypes."""
    if not _same(expected, actual, part.rtol, part.atol):
        return False
    return not (part.check_dtype and _dtype_problem(expected, actual, part))


def _partial(part, cases, student_answers, expected_answers, message):
    """The result of a wrong answer to a part with :attr:`Part.credit`: the points of the values right on every
    case, the diagnosis ``message`` of the first wrong case, and which value lost which points (with the first
    case it is wrong on). No credit when some case did not return a tuple of the expected length."""
    count = len(part.credit)
    wrong_on = [None] * count  # the label of the first case each value is wrong on
    for case, (_, expected), (kind, actual) in zip(cases, expected_answers, student_answers):
        if kind != "ok":  # no answer on this case: nothing to give credit for
            error, _ = _diagnose(part, [case], [(kind, actual)], [(_, expected)])
            return _fail(part, message if error == message else
                         f"{message}; and {error}: no partial credit without an answer on every case")
        if not isinstance(actual, tuple) or len(actual) != count or \
                not isinstance(expected, tuple) or len(expected) != count:
            return _fail(part, message)
        for index in range(count):
            if wrong_on[index] is None and not _quantity_right(part, expected[index], actual[index]):
                wrong_on[index] = case.label or "one of the test cases"
    breakdown = tuple((name, 0.0 if wrong is not None else float(points), float(points))
                      for name, points, wrong in zip(part.names, part.credit, wrong_on))
    score = float(sum(earned for _, earned, _ in breakdown))
    values = "; ".join(f"{name} {_points_text(earned)} of {_points_text(points)}"
                       + (f", wrong first on the test case: {wrong}" if wrong is not None else "")
                       for (name, earned, points), wrong in zip(breakdown, wrong_on))
    summary = (f"Partial credit: {_points_text(score)} of {_points_text(part.points)} points" if score else
               "No credit: no value is right on every case") + f" ({values})"
    return PartResult(part.id, score, float(part.points), False, f"{message}. {summary}", breakdown)


def _points_text(value):
    return f"{float(value):g}"


class CheckFailed(AssertionError):
    """Raised by :func:`check` with a message that names what is wrong. In a notebook only the message shows
    (IPython's ``_render_traceback_``), not a traceback through the checking code."""

    def _render_traceback_(self):
        return [f"\u2717 {line}" if number == 0 else f"  {line}"
                for number, line in enumerate(str(self).splitlines() or [""])]


def check(part, function, hidden=False, seed=0):
    """Check a student's function in this process (for the notebook's tests); raise CheckFailed if wrong.

    ``hidden=False`` (the visible check) runs the part's visible cases; ``hidden=True`` every case kind the
    grader runs, drawn from ``seed`` (the grader's own seed is private, so its values differ)."""
    if part.kind == ANSWER:
        raise TypeError(f"{part.id} is a concept part: check it with check_answer({part.id!r}, {part.function})")
    if not callable(function):
        raise CheckFailed(f"{part.function} should be a function, but it is a {type(function).__name__}")
    cases = part.cases(np.random.default_rng(seed), hidden)
    expected = answers(part, part.reference, cases)
    with forbid_references(part.forbidden):
        student = answers(part, function, cases)
        cascade = None
        if part.depends and any(k != "ok" or not part.same(e, a) for (_, e), (k, a) in zip(expected, student)):
            cascade = answers_with(part, function, cases, dict(part.depends))
    result = evaluate(part, cases, student, expected, cascade=cascade)
    if not result.passed:
        raise CheckFailed(result.message)
    if hidden:
        print(f"\u2713 {part.function} passes all {len(cases)} test cases, visible and hidden")
    else:
        cases_word = "case" if len(cases) == 1 else "cases"
        print(f"\u2713 {part.function} passes the {len(cases)} visible test {cases_word}; the grader also runs "
              "hidden ones (other shapes, edge cases)")
    return result


def check_answer(part, value, declared=None):
    """The visible check of a concept part: only the *form* of ``value`` (a number, a letter ...); raise
    CheckFailed if it is wrong. The value itself is checked by the grader against the problem of the id the
    notebook is handed in under; nothing here knows the right answer."""
    if part.kind != ANSWER:
        raise TypeError(f"{part.id} checks a function: use check({part.id!r}, {part.function})")
    problem = answer_problem(value, part.answer_format, part.function)
    if problem:
        raise CheckFailed(problem)
    whose = f" of student id {str(declared).strip()!r}" if declared and str(declared).strip() else ""
    print(f"\u2713 {part.function} = {_answer_text(to_plain(_normal_answer(value, part.answer_format)))} has the "
          f"right form. Only its form is checked here: the grader checks its value against your own "
          f"problem{whose} ({_tolerance_text(part)}), the id you hand in under.")
