"""The in-browser site (JupyterLite on the site's own Pyodide) works as a student uses it, with no network.

Serves the built book and its lite/ site on 127.0.0.1 (a free port) and drives Debian's Chromium with
Playwright (never `playwright install`). Checked:
- every solution notebook, opened in JupyterLite (a private site built from solutions/, never published) and
  run with Run > Run All Cells: every check cell (nbgrader grade cell) runs without error, hidden cases included;
- a chapter opened with the book's Launch > JupyterLite button runs end to end, its figures redrawn in the
  browser, its MyST markup rendered;
- an exercise opened from the chapter's "open it in the browser" link keeps a student's edit across a reload
  (browser storage) and File > Download gives the notebook with that edit;
- no request leaves 127.0.0.1, seen two ways: every request of a page or its workers is recorded by Playwright
  (and aborted unless it is for 127.0.0.1); and Chromium sends every request for another host to a recording
  proxy on 127.0.0.1 that refuses them, which also sees what Playwright cannot (e.g. a service worker's own
  fetches). The proxy's log may hold only Chromium's own housekeeping (CHROMIUM_SERVICES), never a site's host.
The time to a ready kernel and the bytes served are written to _build/lite-browser-metrics.json (measured,
never asserted).
"""
import json
import socketserver
import subprocess
import sys
import threading
import time

import pytest

from conftest import REPO, require

sys.path.insert(0, str(REPO / "tools" / "lite"))
from serve import Server  # noqa: E402

pytestmark = pytest.mark.slow

BUILD = [sys.executable, str(REPO / "tools" / "lite" / "build.py")]
CHAPTER = "loss"  # the chapter run end to end: 4 figures, about 15-40 s in Pyodide
EXERCISE = "01_forward"
KERNEL_TIMEOUT = 300_000  # ms; a cold kernel takes 10-45 s on a busy 2-core machine
RUN_TIMEOUT = 900_000
METRICS = REPO / "_build" / "lite-browser-metrics.json"
SITE = REPO / "_build" / "html"

NB = "window.jupyterapp.shell.currentWidget.content"
KERNEL_IDLE_JS = """() => { const w = window.jupyterapp && window.jupyterapp.shell.currentWidget;
    const k = w && w.sessionContext && w.sessionContext.session && w.sessionContext.session.kernel;
    return Boolean(k && k.status === 'idle'); }"""
# Run All finished: every code cell has an execution count, or one raised (Run All stops there).
RUN_DONE_JS = f"""() => {{ const nb = {NB};
    const code = nb.widgets.filter(c => c.model.type === 'code');
    const k = window.jupyterapp.shell.currentWidget.sessionContext.session.kernel;
    const err = code.some(c => c.model.outputs.toJSON().some(o => o.output_type === 'error'));
    return k.status === 'idle' && (err || code.every(c => c.model.executionCount !== null)); }}"""
CODE_CELLS_JS = f"""() => {NB}.widgets.filter(c => c.model.type === 'code').map(c => ({{
    source: c.model.sharedModel.getSource(), count: c.model.executionCount, outputs: c.model.outputs.toJSON() }}))"""


# Hosts Chromium itself contacts in the background whatever page is open (component updater, sign-in, network
# time, form autofill hints), despite --disable-component-update/--disable-background-networking. The site
# never names them (test_site_never_names_chromium_housekeeping_hosts checks that no file of the site does).
# The first four were seen here; the others are Chromium's other background services (hints, safe browsing,
# component downloads), listed so that a Chromium update does not make the test flaky.
CHROMIUM_SERVICES = ("update.googleapis.com", "accounts.google.com", "clients2.google.com",
                     "content-autofill.googleapis.com", "optimizationguide-pa.googleapis.com",
                     "safebrowsing.googleapis.com", "safebrowsingohttpgateway.googleapis.com",
                     "redirector.gvt1.com", "edgedl.me.gvt1.com")
LOCAL = ("http://127.0.0.1:", "data:", "blob:", "about:")


class OffsiteRecorder(socketserver.ThreadingTCPServer):
    """The browser's proxy: records the first line of every request it gets (all of them off-site) and refuses."""

    daemon_threads = True

    def __init__(self):
        self.seen = []
        recorder = self

        class Handler(socketserver.StreamRequestHandler):
            def handle(self):
                line = self.rfile.readline(4096).decode("latin-1").strip()
                recorder.seen.append(line)
                self.wfile.write(b"HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")

        super().__init__(("127.0.0.1", 0), Handler)
        self.port = self.server_address[1]


@pytest.fixture(scope="session")
def offsite():
    """The recording proxy, running for the whole session."""
    recorder = OffsiteRecorder()
    threading.Thread(target=recorder.serve_forever, daemon=True).start()
    yield recorder
    recorder.shutdown()
    recorder.server_close()


@pytest.fixture(scope="session")
def lite_browser(playwright, offsite):
    """Headless Debian Chromium whose every request to a host other than 127.0.0.1 goes to `offsite`."""
    chromium = require("chromium", exe=True, hint="apt-get install -y chromium (or run .ci/run)")
    args = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
            "--disable-component-update", "--disable-sync",
            f"--proxy-server=http://127.0.0.1:{offsite.port}"]
    browser = playwright.chromium.launch(executable_path=chromium, headless=True, args=args)
    yield browser
    browser.close()


def _build(args, what):
    """Run tools/lite/build.py with `args`; npm is needed the first time (the Pyodide core)."""
    require("npm", exe=True, hint="apt-get install -y npm (Node.js >= 18)")
    proc = subprocess.run(BUILD + args, cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    assert proc.returncode == 0, f"tools/lite/build.py ({what}) failed:\n{proc.stdout[-5000:]}"


@pytest.fixture(scope="session")
def site(book_build):
    """The book and its in-browser site, served on 127.0.0.1: tools/lite/build.py after the strict book build."""
    assert (book_build.html / "index.html").is_file(), f"the book build failed:\n{book_build.output[-3000:]}"
    _build([], "the book's site")
    with Server(book_build.html) as server:
        yield server


@pytest.fixture(scope="session")
def solutions_site(tmp_path_factory):
    """A private site of the solution notebooks (tests only), served on 127.0.0.1."""
    tmp = tmp_path_factory.mktemp("lite-solutions")
    # As a student does in the first cell (there is no JupyterHub user in the browser): type a student id.
    solutions = tmp / "solutions"
    for source in REPO.glob("solutions/*/*.ipynb"):
        (solutions / source.parent.name).mkdir(parents=True)
        text = source.read_text(encoding="utf-8")
        (solutions / source.parent.name / source.name).write_text(
            text.replace('STUDENT_ID = \\"\\"', 'STUDENT_ID = \\"lite-tester\\"'), encoding="utf-8")
    _build(["--solutions", str(solutions), "--output", str(tmp / "site"), "--stage", str(tmp / "stage")],
           "solutions")
    with Server(tmp / "site") as server:
        yield server


def not_chromium_housekeeping(line):
    """False for a proxy log line that is one of Chromium's own background requests (CHROMIUM_SERVICES)."""
    return not any(f"{host}:" in line or f"//{host}/" in line for host in CHROMIUM_SERVICES)


def block_offsite(route):
    if route.request.url.startswith(LOCAL):
        route.continue_()
    else:
        route.abort()


@pytest.fixture
def context(lite_browser, offsite):
    """A fresh browser profile per test; fails the test if anything was requested off-site meanwhile.

    ``context.offsite`` lists the off-site URLs its pages and workers requested (all aborted).
    """
    before = len(offsite.seen)
    ctx = lite_browser.new_context(viewport={"width": 1300, "height": 1000}, accept_downloads=True)
    ctx.offsite = []
    ctx.on("request", lambda r: None if r.url.startswith(LOCAL) else ctx.offsite.append(r.url))
    ctx.route("**/*", block_offsite)
    yield ctx
    ctx.close()
    leaked = ctx.offsite + [line for line in offsite.seen[before:] if not_chromium_housekeeping(line)]
    assert not leaked, f"requests left 127.0.0.1 (the site must serve everything itself): {leaked}"


def record(key, value):
    """Add a measured figure to _build/lite-browser-metrics.json (for the docs; never asserted)."""
    data = json.loads(METRICS.read_text()) if METRICS.is_file() else {}
    data[key] = value
    METRICS.parent.mkdir(exist_ok=True)
    METRICS.write_text(json.dumps(data, indent=1, sort_keys=True))


def wait_kernel(page):
    page.wait_for_function(KERNEL_IDLE_JS, timeout=KERNEL_TIMEOUT, polling=250)


def run_all(page):
    """Run > Run All Cells, through the menus as a student would; return the code cells afterwards."""
    page.get_by_role("menuitem", name="Run", exact=True).click()
    page.get_by_role("menuitem", name="Run All Cells", exact=True).click()
    page.wait_for_function(RUN_DONE_JS, timeout=RUN_TIMEOUT, polling=500)
    return page.evaluate(CODE_CELLS_JS)


def errors_in(cells):
    return [f"{o['ename']}: {o['evalue'][:500]}" for c in cells for o in c["outputs"] if o["output_type"] == "error"]


def test_published_site_serves_the_exercises_not_the_solutions(site):
    """The site's assignment notebooks are exercises/ byte for byte; no solution notebook is published."""
    files = SITE / "lite" / "files"
    for folder in sorted((REPO / "exercises").iterdir()):
        exercise = folder / f"{folder.name}.ipynb"
        served = files / f"{folder.name}.ipynb"
        assert served.read_bytes() == exercise.read_bytes(), f"{served} is not {exercise}"
    published = {p.read_bytes() for p in files.rglob("*.ipynb")}
    leaked = [p for p in (REPO / "solutions").glob("*/*.ipynb") if p.read_bytes() in published]
    assert not leaked, f"solution notebooks in the published site: {leaked}"


def test_site_never_names_chromium_housekeeping_hosts(site):
    """The hosts the off-site check forgives (CHROMIUM_SERVICES, Chromium's own background requests) appear in no
    file of the book or its in-browser site: a request for one of them can only come from Chromium itself."""
    named = [(path.relative_to(SITE).as_posix(), host) for path in SITE.rglob("*") if path.is_file()
             for data in [path.read_bytes()] for host in CHROMIUM_SERVICES if host.encode() in data]
    assert not named, f"files of the site name hosts the off-site check ignores: {named}"


def test_offsite_requests_are_detected(lite_browser, offsite):
    """The detectors work: a page's request for another host is seen by Playwright, and one Playwright lets
    through reaches the recording proxy (and goes no further)."""
    ctx = lite_browser.new_context()
    try:
        seen = []
        ctx.on("request", lambda r: seen.append(r.url))
        page = ctx.new_page()
        before = len(offsite.seen)
        with pytest.raises(Exception):
            page.goto("http://offsite-probe.invalid/", timeout=30_000)
        assert "http://offsite-probe.invalid/" in seen
        assert any("offsite-probe.invalid" in line and not_chromium_housekeeping(line) for line in offsite.seen[before:])
        del offsite.seen[before:]  # the probe's own request, not a leak of the site
    finally:
        ctx.close()


def grade_cell_indices(notebook):
    """Indices, among the code cells of `notebook`, of nbgrader's grade cells (the check cells)."""
    code = [c for c in json.loads(notebook.read_text())["cells"] if c["cell_type"] == "code"]
    return [i for i, c in enumerate(code) if c.get("metadata", {}).get("nbgrader", {}).get("grade")]


ASSIGNMENTS = sorted(p.name for p in (REPO / "solutions").iterdir() if (p / f"{p.name}.ipynb").is_file())


@pytest.mark.parametrize("name", ASSIGNMENTS)
def test_solution_passes_its_checks_in_the_browser(name, solutions_site, context):
    """Run All on the solution notebook in JupyterLite: every check cell passes (visible and hidden cases)."""
    checks = grade_cell_indices(REPO / "solutions" / name / f"{name}.ipynb")
    assert checks, f"solutions/{name} has no grade cells"
    page = context.new_page()
    start = time.monotonic()
    page.goto(f"{solutions_site.url}notebooks/index.html?path={name}.ipynb")
    wait_kernel(page)
    idle = time.monotonic() - start
    cells = run_all(page)
    assert not errors_in(cells), f"{name} in the browser: {errors_in(cells)}"
    not_run = [i for i in checks if cells[i]["count"] is None]
    assert not not_run, f"{name}: check cells {not_run} did not run"
    assert all(any(call in cells[i]["source"] for call in ("check(", "check_answer(")) for i in checks), (
        f"{name}: a grade cell without check(...) or check_answer(...)")
    record(f"solution {name}", {"kernel_ready_s": round(idle, 1), "run_all_s": round(time.monotonic() - start - idle, 1),
                                "check_cells": len(checks)})


def test_chapter_runs_end_to_end_from_the_launch_button(site, context):
    """Launch > JupyterLite on a chapter page opens its notebook; MyST renders; Run All redraws every figure."""
    served = json.loads((SITE / "lite" / "files" / "book" / f"{CHAPTER}.ipynb").read_text())
    figures = sum("image/png" in o.get("data", {}) for c in served["cells"] for o in c.get("outputs", []))
    assert figures > 0, f"the site's book/{CHAPTER}.ipynb has no figure: the book's outputs are not shipped"
    book = context.new_page()
    book.goto(f"{site.url}{CHAPTER}.html")
    book.locator(".dropdown-launch-buttons button").first.click()
    link = book.locator(".dropdown-launch-buttons a", has_text="JupyterLite")
    assert link.get_attribute("href") == f"lite/notebooks/index.html?path=book/{CHAPTER}.ipynb"
    sent, requests, start = site.sent, len(site.requests), time.monotonic()
    with context.expect_page() as opened:
        link.click()
    page = opened.value
    wait_kernel(page)
    record("first load (chapter, cold profile)", {
        "kernel_ready_s": round(time.monotonic() - start, 1), "transfer_MB": round((site.sent - sent) / 1e6, 1),
        "requests": len(site.requests) - requests})

    # jupyterlab-myst renders markdown cells into div.myst; a MyST admonition becomes an <aside>, not raw text.
    rendered = page.evaluate("""() => Array.from(document.querySelectorAll('.jp-MarkdownCell .myst'))
        .map(e => e.innerText).join('\\n')""")
    assert "{admonition}" not in rendered, "MyST markup shows as raw text (is jupyterlab-myst in the site?)"
    assert "Learning goals" in page.locator(".jp-MarkdownCell aside.myst-admonition").first.inner_text()

    page.evaluate("() => window.jupyterapp.commands.execute('notebook:clear-all-cell-outputs')")
    start = time.monotonic()
    cells = run_all(page)
    assert not errors_in(cells), f"{CHAPTER} in the browser: {errors_in(cells)}"
    assert all(c["count"] is not None for c in cells), f"{CHAPTER}: not every code cell ran"
    drawn = sum("image/png" in o.get("data", {}) for c in cells for o in c["outputs"])
    assert drawn == figures, f"{CHAPTER}: {drawn} figures drawn in the browser, {figures} in the book's build"
    record(f"chapter {CHAPTER}", {"run_all_s": round(time.monotonic() - start, 1), "figures": drawn,
                                  "transfer_MB_first_visit_incl_run_all": round((site.sent - sent) / 1e6, 1)})


def test_exercise_work_persists_and_downloads(site, context, tmp_path):
    """The chapter's "open it in the browser" link opens the exercise; an edit survives a reload; it downloads."""
    book = context.new_page()
    book.goto(f"{site.url}forward.html")
    link = book.locator("a.lite-link")
    assert link.get_attribute("href") == f"lite/notebooks/index.html?path={EXERCISE}.ipynb"
    link.click()
    book.wait_for_selector(".jp-Notebook .jp-CodeCell", timeout=KERNEL_TIMEOUT)
    wait_kernel(book)  # the student's view is fully loaded (no save racing the start-up)
    mark = "# my answer, kept by the browser"
    cell = book.locator(".jp-Notebook .jp-CodeCell").first.locator(".cm-content")
    cell.click()
    book.keyboard.press("Control+End")
    book.keyboard.insert_text("\n" + mark)
    book.keyboard.press("Control+s")
    book.wait_for_function(f"() => !{NB}.model.dirty", timeout=60_000)

    book.reload()
    book.wait_for_selector(".jp-Notebook .jp-CodeCell", timeout=KERNEL_TIMEOUT)
    wait_kernel(book)
    sources = book.evaluate(CODE_CELLS_JS)
    assert mark in sources[0]["source"], "the edit was lost on reload (not kept in browser storage)"

    with book.expect_download() as download:
        book.get_by_role("menuitem", name="File", exact=True).click()
        book.get_by_role("menuitem", name="Download", exact=True).click()
    saved = tmp_path / download.value.suggested_filename
    download.value.save_as(saved)
    assert saved.name == f"{EXERCISE}.ipynb", "students hand in the notebook under its original name"
    notebook = json.loads(saved.read_text())
    code = [c for c in notebook["cells"] if c["cell_type"] == "code"]
    assert mark in "".join(code[0]["source"]), "the downloaded notebook lacks the student's edit"


def test_bench_lite_measures_a_first_visit(site, tmp_path):
    """benchmarks/bench_lite.py (the figures quoted in tools/lite/README.md) still runs on the built site: one cold
    visit of an exercise, its transfer and times in the table, nothing off-site. Figures are not asserted."""
    out = tmp_path / "results_lite.md"
    proc = subprocess.run([sys.executable, str(REPO / "benchmarks" / "bench_lite.py"), "--runs", "1",
                           "--notebook", f"{EXERCISE}.ipynb", "--write", str(out)],
                          cwd=REPO, capture_output=True, text=True, timeout=900)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    (row,) = [line for line in out.read_text().splitlines() if line.startswith(f"| {EXERCISE}.ipynb |")]
    cells = [cell.strip() for cell in row.strip("|").split("|")]
    assert cells[1] == "1" and cells[-1] == "0", row  # one visit, no off-site request
    ready_mb, _gzip = (float(v) for v in cells[4].split(";"))
    assert ready_mb > 10, f"a first visit loads Pyodide (about 30 MB): {row}"
    assert "whole in-browser site" in out.read_text()
