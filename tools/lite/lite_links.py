"""Sphinx extension: beside each chapter's "Download the exercise notebook" link, a link that opens the same
notebook in the in-browser site (JupyterLite, built by tools/lite/build.py into _build/html/lite).

A chapter keeps writing only ``{download}`Download the exercise notebook <../exercises/A/A.ipynb>```; this
extension adds " or open it in the browser" after every download link to ``exercises/A/A.ipynb``, pointing at
``<jupyterlite_url>?path=A.ipynb`` (the site keeps assignments at its root, see tools/lite/build.py), where ``jupyterlite_url`` is the launch-button setting in
_config.yml (one place for the site's address). Enabled in _config.yml (``sphinx: local_extensions``).
"""
import re

from docutils import nodes
from sphinx import addnodes

EXERCISE = re.compile(r"(?:^|/)exercises/(?P<name>[^/]+)/(?P=name)\.ipynb$")
LINK_TEXT = "open it in the browser (nothing to install)"


def lite_url(config):
    """The JupyterLite page of _config.yml's launch buttons, e.g. ``lite/notebooks/index.html``; or None."""
    launch = (config.html_theme_options or {}).get("launch_buttons") or {}
    return launch.get("jupyterlite_url") or None


def add_lite_links(app, doctree, docname):
    """After each download link to an exercise notebook, insert " or <open it in the browser>"."""
    url = lite_url(app.config)
    if url is None:
        return
    up = "../" * docname.count("/")  # the lite site sits beside the book's root page
    for ref in list(doctree.findall(addnodes.download_reference)):
        match = EXERCISE.search(ref.get("reftarget", ""))
        if match is None:
            continue
        name = match.group("name")
        link = nodes.reference("", LINK_TEXT, refuri=f"{up}{url}?path={name}.ipynb",
                               classes=["lite-link"])
        parent = ref.parent
        position = parent.index(ref) + 1
        parent.insert(position, nodes.Text(" or "))
        parent.insert(position + 1, link)


def setup(app):
    app.connect("doctree-resolved", add_lite_links)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
