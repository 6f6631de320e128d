"""The course's grading seed: a long secret, generated on first use and kept where only the grader reads it.

The hidden cases of every part are drawn from it (:func:`gdkit.grading.batch.part_seed`). gdkit is public, so a
seed that can be guessed, or brute-forced from one hidden input a student's code saw (a five-digit number takes
seconds), gives away every hidden case of the term. So a seed given by the instructor must be long, and without
one the grader draws 256 random bits and stores them in ``<out>/.grading-seed`` (mode 0600; the output folder is
never inside a sandbox).
"""
import os
import secrets
from pathlib import Path

__all__ = ["SeedError", "course_seed", "MIN_SEED_LENGTH", "SEED_FILE"]

MIN_SEED_LENGTH = 16
SEED_FILE = ".grading-seed"
_HINT = "e.g. python -c \"import secrets; print(secrets.token_hex(32))\""


class SeedError(ValueError):
    """The seed given is too short or cannot be stored/read."""


def check_seed(seed):
    """``seed`` as a str if it is long enough to be a secret; SeedError otherwise."""
    seed = str(seed).strip()
    if len(seed) < MIN_SEED_LENGTH or len(set(seed)) < 4:
        raise SeedError(f"the grading seed must be a long random value (at least {MIN_SEED_LENGTH} characters, "
                        f"{_HINT}): a short one can be recovered by brute force from a single hidden input, and "
                        "gives away every hidden case of the term")
    return seed


def course_seed(given, out):
    """``(seed, note)``: the seed ``given`` (checked), else the one stored in ``<out>/.grading-seed``, else a new
    one written there. ``note`` tells the instructor when a seed was generated."""
    if given is not None:
        return check_seed(given), ""
    path = Path(out) / SEED_FILE
    if path.is_symlink():
        raise SeedError(f"{path} is a symbolic link; refusing to read or write the grading seed through it")
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600)
    except FileExistsError:
        if path.stat().st_mode & 0o077:
            path.chmod(0o600)
        return check_seed(path.read_text(encoding="utf-8")), ""
    seed = secrets.token_hex(32)
    with os.fdopen(fd, "w", encoding="utf-8") as stream:
        stream.write(seed + "\n")
    return seed, (f"no --seed given: generated a private grading seed in {path} (mode 0600). Every run of this term "
                  "must use it (the same --out, or pass its content as --seed / GDKIT_GRADING_SEED): another seed "
                  "draws other hidden cases and regrades everything. Back it up; never publish it.")
