"""The book builds strictly: every notebook executes, and Sphinx reports no warning and no error."""
import re

import pytest

pytestmark = pytest.mark.slow

# Known harmless noise, matched whole-line and kept as narrow as possible. ipykernel >= 7 warns on every kernel
# start that its local TCP sockets are unencrypted; the kernel is on this machine only.
ALLOWED_LINES = [
    re.compile(r"^\[IPKernelApp\] WARNING \| Kernel is running over TCP without encryption\..*$"),
]
NON_LOADING_LINK = re.compile(r"rel=[\"'](?:canonical|alternate|author|license)[\"']", re.IGNORECASE)


def test_strict_build_succeeds(book_build):
    """`jupyter-book build book -W -n --keep-going --all` exits 0."""
    assert book_build.returncode == 0, (
        f"the strict book build failed (exit {book_build.returncode}); "
        f"run `make book-strict` to reproduce. Output tail:\n{book_build.output[-4000:]}"
    )


def test_strict_build_has_no_warning_or_error(book_build):
    """The build output contains no WARNING or ERROR line (a broken page must not pass silently)."""
    bad = [
        line for line in book_build.output.splitlines()
        if re.search(r"WARNING|ERROR", line) and not any(p.match(line) for p in ALLOWED_LINES)
    ]
    assert not bad, "the book build reported problems (fix them, see `make book-strict`):\n" + "\n".join(bad)


def test_every_toc_page_was_built(book_build, toc_pages):
    """Every chapter listed in book/_toc.yml has an HTML page."""
    absent = [name for name in toc_pages if not (book_build.html / f"{name}.html").is_file()]
    assert not absent, f"no HTML page for {absent} in {book_build.html}; are they listed in book/_toc.yml?"


def test_no_page_loads_from_the_network(book_build, toc_pages):
    """No page references a script, stylesheet or font on the web: the book must work offline."""
    remote = re.compile(r"<(?:script|link)\b[^>]*\b(?:src|href)=[\"'](?:https?:)?//[^>]*>", re.IGNORECASE)
    offenders = {}
    for name in toc_pages:
        html = (book_build.html / f"{name}.html").read_text(encoding="utf-8")
        # <link rel="canonical"/"alternate"> only names a URL; everything else would be fetched.
        tags = [t for t in (m.group(0) for m in remote.finditer(html)) if not NON_LOADING_LINK.search(t)]
        if tags:
            offenders[name] = tags
    assert not offenders, f"pages load assets from the network: {offenders}"
