"""Decorators that file a student-style answer in the catalogue: ``@buggy(part, message)`` for a wrong answer
that must fail naming its misconception, ``@correct(part)`` for a right one that must get full credit."""


def _file(kind, part, message=None):
    def decorate(function):
        entries = list(getattr(function, "catalogue", ()))
        entries.append((kind, part, message))
        function.catalogue = entries
        return function
    return decorate


def buggy(part, message):
    """A wrong answer to ``part`` (its grade id); the feedback must contain ``message``."""
    return _file("buggy", part, message)


def correct(part):
    """A right answer to ``part``, written differently from the reference; it must pass."""
    return _file("correct", part)
