"""Decorators that file a student-style answer in the catalogue: ``@buggy(part, message)`` for a wrong answer
that must fail naming its misconception, ``@correct(part)`` for a right one that must get full credit."""


def _file(kind, part, message=None):
    def decorate(function):
        entries = list(getattr(function, "catalogue", ()))
        entries.append((kind, part, message))
        function.catalogue = entries
        return function
    return decorate


def buggy(part, message, score=0):
    """A wrong answer to ``part`` (its grade id); the feedback must contain ``message``. ``score``: the points it
    must get, for a part with partial credit (``Part.credit``) whose answer is partly right; 0 by default."""
    def decorate(function):
        function.scores = {**getattr(function, "scores", {}), part: score}
        return _file("buggy", part, message)(function)
    return decorate


def correct(part):
    """A right answer to ``part``, written differently from the reference; it must pass."""
    return _file("correct", part)
