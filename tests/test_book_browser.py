"""Every chapter of the built book, opened in headless Chromium, reads as a student sees it.

Checks, per page listed in book/_toc.yml: MathJax finished and left no raw TeX, every image loaded, no
error output from an executed cell, no JavaScript error, and no request to anything but local files.
Uses Playwright for Python with the Debian chromium (`apt-get install chromium`); never `playwright install`.
"""
import pytest

from conftest import require, toc_page_names

pytestmark = pytest.mark.slow

CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]
LOCAL_SCHEMES = ("file:", "data:", "blob:", "about:")
RAW_TEX = ("\\(", "\\)", "\\[", "\\]", "$$")

# Text of the page's article as a reader sees it, without code blocks (code may legitimately hold "$$"
# or "\\(") and without rendered math.
ARTICLE_TEXT_JS = """() => {
    const article = document.querySelector("article") || document.body;
    const copy = article.cloneNode(true);
    copy.querySelectorAll("pre, code, script, style, mjx-container, mjx-assistive-mml").forEach(e => e.remove());
    return copy.textContent;
}"""
# Resolves when MathJax 3 has typeset the page (its startup promise covers the first typeset).
MATHJAX_DONE_JS = """async () => {
    if (!window.MathJax || !MathJax.startup || !MathJax.startup.promise) { return false; }
    await MathJax.startup.promise;
    return true;
}"""
IMAGES_JS = """() => Array.from(document.querySelectorAll("article img")).map(img => ({
    src: img.getAttribute("src"), complete: img.complete, width: img.naturalWidth
}))"""


@pytest.fixture(scope="session")
def browser(playwright):
    """One headless Debian Chromium for the whole session, driven by Playwright."""
    chromium = require("chromium", exe=True, hint="apt-get install -y chromium (or run .ci/run)")
    browser = playwright.chromium.launch(executable_path=chromium, headless=True, args=CHROMIUM_ARGS)
    yield browser
    browser.close()


@pytest.fixture(scope="session")
def built_html(book_build):
    """The _build/html folder of the strict build.

    Pages are checked even when the build reported warnings (``--keep-going`` still writes every page;
    test_book_build.py reports the warnings), so one build problem does not hide what readers would see.
    """
    index = book_build.html / "index.html"
    assert index.is_file(), f"the book build wrote no {index}; see test_book_build.py:\n{book_build.output[-3000:]}"
    return book_build.html


@pytest.mark.parametrize("name", toc_page_names())
def test_page_renders_offline(name, browser, built_html):
    """The page of chapter `name` renders completely, with no network access and no error."""
    path = built_html / f"{name}.html"
    assert path.is_file(), f"{path} was not built; is '{name}' in book/_toc.yml spelled as the file?"
    context = browser.new_context()
    page = context.new_page()
    requests, failed, js_errors = [], [], []
    page.on("request", lambda r: requests.append(r.url))
    page.on("requestfailed", lambda r: failed.append(f"{r.url} ({r.failure})"))
    page.on("pageerror", lambda e: js_errors.append(str(e)))
    try:
        page.goto(path.as_uri(), wait_until="load")

        has_math = page.locator("article .math").count() > 0
        if has_math:
            assert page.evaluate(MATHJAX_DONE_JS), f"{name}: the page has math but MathJax did not load"
            assert page.locator("article mjx-container").count() > 0, f"{name}: MathJax rendered nothing"
            assert page.locator("mjx-merror").count() == 0, (
                f"{name}: MathJax reports a TeX error: {page.locator('mjx-merror').first.inner_text()!r}"
            )
        text = page.evaluate(ARTICLE_TEXT_JS)
        raw = [tex for tex in RAW_TEX if tex in text]
        assert not raw, f"{name}: raw TeX {raw} left in the rendered text (math not typeset?)"

        broken = [img["src"] for img in page.evaluate(IMAGES_JS) if not img["complete"] or img["width"] == 0]
        assert not broken, f"{name}: images that did not load: {broken}"

        errors = page.locator("article .output.stderr, article .output.traceback").count()
        assert errors == 0, f"{name}: {errors} cell output(s) are stderr or a traceback; fix the chapter's code"
        assert "Traceback" not in text, f"{name}: a Python traceback is shown on the page"

        remote = [url for url in requests if not url.startswith(LOCAL_SCHEMES)]
        assert not remote, f"{name}: the page requested non-local URLs (the book must work offline): {remote}"
        assert not failed, f"{name}: requests failed (missing local asset?): {failed}"
        assert not js_errors, f"{name}: JavaScript errors: {js_errors}"
    finally:
        context.close()
