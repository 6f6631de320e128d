"""Shared test helpers: `require` for optional tools, the `slow` marker, a deterministic hypothesis profile.

Optional tools (torch, chromium, playwright, postgres, ...) make a test *skip* when missing on a
developer's machine, but *fail* when the environment variable ``CI=true`` (set by ``.ci/run``):
in CI a missing tool is a broken set-up, never a silent pass.
"""
import importlib
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest
from hypothesis import HealthCheck, settings

# Same examples on every run (derandomize), so the same code gives the same result everywhere.
settings.register_profile(
    "course",
    derandomize=True,
    max_examples=50,
    deadline=None,  # no timed assertions: a slow shared CI core must not fail a test
    suppress_health_check=[HealthCheck.too_slow],
    print_blob=True,
)
settings.load_profile("course")


def in_ci():
    """True when running in CI (``CI=true``), where missing optional tools are failures."""
    return os.environ.get("CI") == "true"


def missing(reason):
    """Skip the current test with `reason`, or fail it in CI (``CI=true``)."""
    if in_ci():
        pytest.fail(f"{reason} (CI=true: optional tools are required in CI)", pytrace=False)
    pytest.skip(reason)


def require(name, exe=False, hint=None):
    """Return an optional module or executable, or skip the test (fail it in CI) if it is missing.

    Parameters
    ----------
    name : str
        A module name (``"torch"``, ``"playwright.sync_api"``) or, with ``exe=True``, an executable
        name or path (``"chromium"``, ``"pg_ctl"``, ``"/usr/bin/chromium"``).
    exe : bool, default False
        Look `name` up as an executable on ``PATH`` instead of importing it.
    hint : str, optional
        How to install the tool; added to the skip/fail message.

    Returns
    -------
    module or str
        The imported module, or the absolute path of the executable.

    Examples
    --------
    >>> torch = require("torch")                        # doctest: +SKIP
    >>> chromium = require("chromium", exe=True)        # doctest: +SKIP
    """
    if exe:
        path = shutil.which(name)
        if path is None:
            missing(f"executable {name!r} not found on PATH" + (f"; {hint}" if hint else "; run .ci/run"))
        return path
    try:
        return importlib.import_module(name)
    except ImportError as err:
        missing(f"module {name!r} cannot be imported ({err})" + (f"; {hint}" if hint else ""))


REPO = Path(__file__).resolve().parent.parent
BOOK = REPO / "book"


@pytest.fixture(scope="session")
def book_build():
    """Build the book once per test session, strictly, as CI does; shared by the build and browser tests.

    Runs ``jupyter-book build book -W -n --keep-going --all`` from the repository root into the
    default ``_build/`` (so the execution cache in ``_build/.jupyter_cache`` is reused across runs).

    Returns
    -------
    SimpleNamespace
        ``returncode`` (int), ``output`` (str, stdout and stderr together), ``html`` (Path of
        ``_build/html``).
    """
    jb = Path(sys.executable).with_name("jupyter-book")
    if not jb.exists():
        missing(f"jupyter-book not found next to {sys.executable}; run `make test`, which installs it")
    cmd = [str(jb), "build", "book", "-W", "-n", "--keep-going", "--all"]
    # One BLAS thread, as `make book` (see the Makefile): small matrices, and no thrashing on a busy machine.
    env = {**os.environ, "NO_COLOR": "1", "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}
    proc = subprocess.run(cmd, cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    output = re.sub(r"\x1b\[[0-9;]*m", "", proc.stdout)  # Sphinx colours its messages even in a pipe
    return SimpleNamespace(returncode=proc.returncode, output=output, html=REPO / "_build" / "html")


@pytest.fixture(scope="session")
def playwright():
    """Playwright's sync API, started once for the whole session (a second start in the same process fails:
    "using Playwright Sync API inside the asyncio loop"); every browser fixture launches from this one."""
    sync_api = require("playwright.sync_api", hint="pip install playwright (never `playwright install`)")
    with sync_api.sync_playwright() as p:
        yield p


def toc_page_names(toc_path=BOOK / "_toc.yml"):
    """Names of every page in the table of contents (root first, reading order), e.g. ``["intro", "api"]``.

    Walks ``root``, ``parts``, ``chapters`` and ``sections`` of a jb-book ``_toc.yml``; names are paths
    relative to ``book/`` without extension, which is also the HTML page's path in ``_build/html``.
    """
    import yaml  # installed with jupyter-book

    toc = yaml.safe_load(toc_path.read_text(encoding="utf-8"))
    names = [str(toc["root"])]

    def walk(entries):
        for entry in entries or []:
            if "file" in entry:
                name = str(entry["file"])
                for suffix in (".md", ".ipynb"):
                    name = name.removesuffix(suffix)
                names.append(name)
            walk(entry.get("sections"))
            walk(entry.get("chapters"))

    walk(toc.get("parts"))
    walk(toc.get("chapters"))
    return names


@pytest.fixture(scope="session")
def toc_pages():
    """The page names listed in book/_toc.yml (see :func:`toc_page_names`)."""
    return toc_page_names()


def pytest_configure(config):
    config.addinivalue_line("markers", "slow: takes more than a few seconds (book build, browser, nbgrader)")
