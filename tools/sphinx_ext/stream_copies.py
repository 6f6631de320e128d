"""Sphinx extension: myst-nb's ``merge_streams`` without broken lines and without writing a broken notebook.

With ``mystnb: merge_streams: true`` myst-nb 1.4 (``myst_nb.core.utils.coalesce_streams``) has two faults:

- it merges a cell's stream outputs into the *first* output object, in place. The notebook it writes afterwards to
  ``_build/jupyter_execute/<page>.ipynb``, which is also the page's ".ipynb" download (``_sources/<page>.ipynb``),
  then holds the later outputs next to the merged first one: every line printed after the first flush appears
  twice (pathologies.md printed its ELU line twice there, practice.md its best epoch);
- it strips each piece's trailing whitespace and adds a newline before joining, so a flush that falls inside a
  line breaks that line on the page (practice.md once showed ``L1L2(l1=0, l2=0.01)`` and `` penalty: ...`` on two
  lines), depending on when the kernel happened to flush.

Here the pieces of each stream are first joined exactly as printed, on copies, and myst-nb's own function then only
tidies the single piece per stream (final newline, ``\\r`` and ``\\b``, stdout before stderr). Enabled in
_config.yml (``sphinx: local_extensions``); tests/test_book_build.py checks the function and the downloads.
"""
import copy

from myst_nb.core import render

_MYST_NB_COALESCE = render.coalesce_streams


def coalesce_copies(outputs):
    """The cell's outputs with each stream's pieces joined exactly as printed (one output per stream name, where
    its first piece was), tidied by myst-nb's coalesce_streams; ``outputs`` and its items are left unchanged."""
    joined, streams = [], {}
    for output in outputs:
        if output.get("output_type") == "stream":
            if output["name"] in streams:
                streams[output["name"]]["text"] += output["text"]
                continue
            output = copy.deepcopy(output)
            streams[output["name"]] = output
        joined.append(output)
    return _MYST_NB_COALESCE(joined)


def setup(app):
    render.coalesce_streams = coalesce_copies
    return {"parallel_read_safe": True, "parallel_write_safe": True}
