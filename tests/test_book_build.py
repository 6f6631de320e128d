"""The book builds strictly: every notebook executes, and Sphinx reports no warning and no error; merged stream
outputs keep their lines whole and the downloaded notebooks repeat no output."""
import re
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent

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


def repeated_stream_outputs(notebook):
    """(cell index, repeated text) for every stream output that already ends with all the later outputs of the same
    stream in the same cell: what myst-nb 1.4's in-place merge_streams left in the notebooks it wrote (the first
    output merged, the later ones kept as well). Two equal lines printed on purpose (two epochs whose progress lines
    happen to read the same) are not that."""
    found = []
    for index, cell in enumerate(notebook.get("cells", [])):
        streams = {}
        for output in cell.get("outputs", []):
            if output.get("output_type") == "stream":
                streams.setdefault(output.get("name"), []).append("".join(output.get("text", "")))
        for texts in streams.values():
            for i in range(len(texts) - 1):
                later = "".join(texts[i + 1:])
                if later.strip() and texts[i].endswith(later):
                    found.append((index, later.strip()[:80]))
                    break
    return found


def test_repeated_stream_outputs_are_found():
    """The check below fails on the notebook myst-nb's in-place merge wrote (first output merged, later kept)."""
    merged_in_place = {"cells": [{"cell_type": "code", "outputs": [
        {"output_type": "stream", "name": "stdout", "text": "relu 0.50\nelu 0.96\n"},
        {"output_type": "stream", "name": "stdout", "text": "elu 0.96\n"}]}]}
    as_executed = {"cells": [{"cell_type": "code", "outputs": [
        {"output_type": "stream", "name": "stdout", "text": "relu 0.50\n"},
        {"output_type": "stream", "name": "stdout", "text": "elu 0.96\n"}]}]}
    assert repeated_stream_outputs(merged_in_place) == [(0, "elu 0.96")]
    assert repeated_stream_outputs(as_executed) == []
    same_line_twice = {"cells": [{"cell_type": "code", "outputs": [
        {"output_type": "stream", "name": "stdout", "text": f"Epoch {epoch}/3\n\r1/1 - loss: 0.0030\n"}
        for epoch in (1, 2, 3)]}]}
    assert repeated_stream_outputs(same_line_twice) == []


def test_merged_streams_keep_lines_whole_and_the_notebook_unchanged():
    """tools/sphinx_ext/stream_copies.py: pieces of a stream are joined exactly as printed (a flush inside a line
    does not break it, as myst-nb's own merge does), \\r progress lines are tidied, and the cell's outputs, which
    myst-nb writes to the page's .ipynb download afterwards, are left as executed."""
    import importlib.util

    import nbformat

    spec = importlib.util.spec_from_file_location("stream_copies", REPO / "tools" / "sphinx_ext" / "stream_copies.py")
    stream_copies = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(stream_copies)
    pieces = [{"output_type": "stream", "name": "stdout", "text": "L1L2(l1=0, l2=0.01)"},
              {"output_type": "stream", "name": "stdout", "text": " penalty: 0.0525\n"},
              {"output_type": "display_data", "data": {"text/plain": "<Figure>"}, "metadata": {}},
              {"output_type": "stream", "name": "stdout", "text": "Epoch 1/2\n\r3/3 ===\r3/3 done\n"}]
    outputs = [nbformat.from_dict(piece) for piece in pieces]
    merged = stream_copies.coalesce_copies(outputs)
    assert [output["output_type"] for output in merged] == ["stream", "display_data"]
    assert merged[0]["text"] == "L1L2(l1=0, l2=0.01) penalty: 0.0525\nEpoch 1/2\n3/3 done\n"
    assert outputs == [nbformat.from_dict(piece) for piece in pieces]


def test_downloaded_notebooks_repeat_no_output(book_build, toc_pages):
    """The .ipynb a reader downloads from a chapter (_sources/<page>.ipynb) shows each printed line once, also in
    chapters with merge_streams (tools/sphinx_ext/stream_copies.py)."""
    import json

    checked, offenders = 0, {}
    for name in toc_pages:
        path = book_build.html / "_sources" / f"{name}.ipynb"
        if path.is_file():
            checked += 1
            repeated = repeated_stream_outputs(json.loads(path.read_text(encoding="utf-8")))
            if repeated:
                offenders[name] = repeated
    assert checked, f"no chapter notebook under {book_build.html / '_sources'}"
    assert not offenders, f"downloaded notebooks print some outputs twice (cell, text): {offenders}"
