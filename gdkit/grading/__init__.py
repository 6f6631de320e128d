"""Grading helpers: each exercise part checked against gdkit's reference, with feedback that names mistakes.

In a notebook's test cell::

    from gdkit.grading import check
    check("01_forward/test_sigmoid", sigmoid)

and for a concept question (a value the student works out for their own problem)::

    from gdkit.grading import check_answer
    check_answer("04_gradient_descent/test_stable_learning_rate", stable_learning_rate)

The parts of every assignment are registered in :mod:`gdkit.grading.parts`; :mod:`gdkit.grading.core` holds
the checking machinery that both the notebooks and the trusted grader use.
"""
import importlib
import pkgutil

from . import core
from .core import Case, Mistake, Part, PartResult

__all__ = ["check", "check_answer", "get_part", "all_parts", "Case", "Mistake", "Part", "PartResult"]


def all_parts():
    """Every registered part, keyed by ``"assignment/name"``."""
    from . import parts as parts_package
    registry = {}
    for module_info in pkgutil.iter_modules(parts_package.__path__):
        module = importlib.import_module(f"{parts_package.__name__}.{module_info.name}")
        for part in getattr(module, "PARTS", ()):
            if part.id in registry:
                raise RuntimeError(f"two parts share the id {part.id!r}")
            registry[part.id] = part
    return registry


def get_part(part_id):
    """The :class:`Part` with id ``"assignment/name"``; an unknown id lists the known ones."""
    registry = all_parts()
    if part_id not in registry:
        raise KeyError(f"no exercise part {part_id!r}; known parts: {', '.join(sorted(registry))}")
    return registry[part_id]


def check(part_id, function, hidden=False, seed=0):
    """Check ``function`` against the reference of part ``part_id``; prints a tick or raises with a message
    that names the mistake (only the message shows in a notebook). Returns None, so a test cell shows no
    result object: the tick is not the grade, which the grader computes on its own cases."""
    core.check(get_part(part_id), function, hidden=hidden, seed=seed)


def check_answer(part_id, value):
    """The visible check of a concept part: that ``value`` has the right form (a number, a letter ...), never
    whether it is right; the grader checks it against the problem of the student id the notebook is handed in
    under. Prints a tick or raises with a message; returns None."""
    import __main__
    declared = getattr(__main__, "STUDENT_ID", None)
    if not isinstance(declared, str) or not declared.strip():
        declared = None
    try:
        from ..problems import student_id
        declared = student_id(declared or "")
    except ValueError:
        pass
    core.check_answer(get_part(part_id), value, declared=declared)
