"""Measure the in-browser site as a first-time visitor meets it: size, first-load transfer, time to a ready kernel.

Usage (after `make book`, which builds _build/html and its in-browser site _build/html/lite):

    .venv/bin/python benchmarks/bench_lite.py                 # 3 cold visits per notebook; prints the report
    .venv/bin/python benchmarks/bench_lite.py --write         # ... and writes benchmarks/results_lite.md
    .venv/bin/python benchmarks/bench_lite.py --runs 1 --notebook 01_forward.ipynb   # a quick look

Each visit launches Debian's headless Chromium (driven by Playwright, never `playwright install`) with a new,
empty profile, so nothing is cached: it is a student's first visit. The site is served by tools/lite/serve.py's
Server on 127.0.0.1, which counts the bytes of every file it sends; every request for another host is aborted
and counted (there must be none). Measured per visit, from the navigation to the notebook's URL:

- the notebook shown (its first cell in the page);
- the kernel ready (idle: Pyodide, its standard library, micropip, IPython and jedi loaded), with the bytes and
  requests served until then: the first-load transfer;
- a first cell `import numpy, matplotlib, gdkit` done (the kernel then fetches numpy, matplotlib and their
  dependencies, and gdkit's wheel), with the transfer until then.

Transfer is the bytes of the files as sent (the local server does not compress); the gzip column is what
the same files weigh compressed at level 6, an estimate of a host that compresses them (whether GitHub Pages
compresses .wasm and .whl was not verifiable here). Times depend on the machine and its load: the report
gives the load average and the CPU count.
"""
import argparse
import gzip
import os
import platform
import statistics
import subprocess
import sys
import time
from datetime import datetime, timezone
from pathlib import Path
from urllib.parse import unquote, urlsplit

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "tools" / "lite"))
from serve import Server  # noqa: E402

SITE = REPO / "_build" / "html"
NOTEBOOKS = ["01_forward.ipynb", "book/loss.ipynb"]  # an exercise (via "open it in the browser"), a chapter
KERNEL_IDLE_JS = """() => { const w = window.jupyterapp && window.jupyterapp.shell.currentWidget;
    const k = w && w.sessionContext && w.sessionContext.session && w.sessionContext.session.kernel;
    return Boolean(k && k.status === 'idle'); }"""
FIRST_CELL = "import numpy, matplotlib, gdkit\nprint(numpy.__version__, matplotlib.__version__, gdkit.__version__)"
# Runs code in the notebook's kernel and resolves with its stream output (or the error), as a cell would.
EXECUTE_JS = """async (code) => { const k = window.jupyterapp.shell.currentWidget.sessionContext.session.kernel;
    const out = []; const future = k.requestExecute({code});
    future.onIOPub = (msg) => { const c = msg.content;
        if (c.text) out.push(c.text); if (c.ename) out.push(c.ename + ': ' + c.evalue); };
    await future.done; return out.join(''); }"""
TIMEOUT = 600_000  # ms


def tree(root):
    """(bytes, files) of every file under `root`."""
    sizes = [p.stat().st_size for p in root.rglob("*") if p.is_file()]
    return sum(sizes), len(sizes)


def site_sizes(lite):
    """Size of the site and of its main parts, in bytes and files."""
    parts = {"whole in-browser site (_build/html/lite)": lite,
             "Pyodide core and wheels (static/pyodide)": lite / "static" / "pyodide",
             "JupyterLab extensions (extensions)": lite / "extensions",
             "notebooks (files, api/contents)": None,
             "the book and the site together (_build/html)": lite.parent}
    sizes = {}
    for name, path in parts.items():
        if path is None:
            a, b = tree(lite / "files"), tree(lite / "api")
            sizes[name] = (a[0] + b[0], a[1] + b[1])
        else:
            sizes[name] = tree(path)
    return sizes


_gzipped = {}


def gzip_size(path):
    if path not in _gzipped:
        _gzipped[path] = len(gzip.compress(path.read_bytes(), compresslevel=6))
    return _gzipped[path]


def served_files(root, requests):
    """The files behind the (status, path) of successful requests."""
    files = []
    for status, path in requests:
        if status != 200:
            continue
        local = root / unquote(urlsplit(path).path).lstrip("/")
        if local.is_dir():
            local = local / "index.html"
        if local.is_file():
            files.append(local)
    return files


def visit(playwright, chromium, server, notebook):
    """One cold visit of `notebook` in a new browser; returns its measurements."""
    browser = playwright.chromium.launch(executable_path=chromium, headless=True, args=[
        "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
        "--disable-component-update", "--disable-sync"])
    try:
        context = browser.new_context(viewport={"width": 1300, "height": 1000})
        offsite = []

        def route(r):
            if r.request.url.startswith(("http://127.0.0.1:", "data:", "blob:")):
                r.continue_()
            else:
                offsite.append(r.request.url)
                r.abort()

        context.route("**/*", route)
        page = context.new_page()
        server.requests.clear()
        server.sent = 0
        start = time.monotonic()
        page.goto(f"{server.url}lite/notebooks/index.html?path={notebook}")
        page.wait_for_selector(".jp-Notebook .jp-Cell", timeout=TIMEOUT)
        shown = time.monotonic() - start
        page.wait_for_function(KERNEL_IDLE_JS, timeout=TIMEOUT, polling=100)
        ready = time.monotonic() - start
        ready_files = served_files(server.root, list(server.requests))
        ready_bytes, ready_requests = server.sent, len(server.requests)
        output = page.evaluate(EXECUTE_JS, FIRST_CELL)
        first_cell = time.monotonic() - start
        if "Error" in output or output.count(".") < 3:
            raise RuntimeError(f"the first cell failed in {notebook}: {output}")
        all_files = served_files(server.root, list(server.requests))
        return {"notebook": notebook, "shown_s": shown, "ready_s": ready, "first_cell_s": first_cell,
                "ready_bytes": ready_bytes, "ready_requests": ready_requests,
                "ready_gzip": sum(gzip_size(p) for p in ready_files),
                "cell_bytes": server.sent, "cell_requests": len(server.requests),
                "cell_gzip": sum(gzip_size(p) for p in all_files), "versions": output.strip(),
                "offsite": offsite, "largest": sorted({p: p.stat().st_size for p in all_files}.items(),
                                                      key=lambda kv: -kv[1])[:6]}
    finally:
        browser.close()


def mb(n):
    return f"{n / 1e6:.1f}"


def span(values, fmt="{:.1f}"):
    """median (min-max)."""
    return f"{fmt.format(statistics.median(values))} ({fmt.format(min(values))}-{fmt.format(max(values))})"


def report(sizes, visits, chromium_version, loads):
    lines = [f"# The in-browser site measured ({datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC)", "",
             f"Written by `benchmarks/bench_lite.py` on {platform.machine()}, {os.cpu_count()} cores, "
             f"{chromium_version}; load average (1 min) {loads[0]:.1f} at the start, {loads[1]:.1f} at the end "
             "(a machine shared with other builds: times move with its load, sizes and bytes do not).", "",
             "## Site size", "", "| part | MB | files |", "|---|---|---|"]
    lines += [f"| {name} | {mb(b)} | {n} |" for name, (b, n) in sizes.items()]
    lines += ["", "## First visit, empty browser profile (per notebook: median (min-max) over the visits)", "",
              "| notebook | visits | notebook shown (s) | kernel ready (s) | transfer until ready (MB; gzip-6) | "
              "requests | first cell `import numpy, matplotlib, gdkit` done (s) | transfer until then (MB; gzip-6) "
              "| off-site requests |", "|---|---|---|---|---|---|---|---|---|"]
    for notebook in dict.fromkeys(v["notebook"] for v in visits):
        vs = [v for v in visits if v["notebook"] == notebook]
        lines.append(
            f"| {notebook} | {len(vs)} | {span([v['shown_s'] for v in vs])} | {span([v['ready_s'] for v in vs])} | "
            f"{mb(statistics.median(v['ready_bytes'] for v in vs))}; {mb(statistics.median(v['ready_gzip'] for v in vs))} | "
            f"{statistics.median(v['ready_requests'] for v in vs):.0f} | {span([v['first_cell_s'] for v in vs])} | "
            f"{mb(statistics.median(v['cell_bytes'] for v in vs))}; {mb(statistics.median(v['cell_gzip'] for v in vs))} | "
            f"{sum(len(v['offsite']) for v in vs)} |")
    lines += ["", f"The first cell printed the versions in the browser: `{visits[0]['versions']}` "
              "(numpy, matplotlib, gdkit).", "",
              "Largest files of a first visit (until the first cell is done): " +
              ", ".join(f"`{p.name}` {mb(n)} MB" for p, n in visits[0]["largest"]) + ".", ""]
    return "\n".join(lines)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--site", type=Path, default=SITE, help="the built book folder (default _build/html)")
    parser.add_argument("--runs", type=int, default=3, help="cold visits per notebook (default 3)")
    parser.add_argument("--notebook", action="append", help="site path of a notebook to open (repeatable; "
                        f"default {' and '.join(NOTEBOOKS)})")
    parser.add_argument("--write", nargs="?", const=str(REPO / "benchmarks" / "results_lite.md"), default=None)
    args = parser.parse_args(argv)
    lite = args.site / "lite"
    if not (lite / "jupyter-lite.json").is_file():
        sys.exit(f"{lite} is not a built in-browser site: run `make book` first")
    from playwright.sync_api import sync_playwright
    chromium = subprocess.run(["which", "chromium"], capture_output=True, text=True).stdout.strip()
    if not chromium:
        sys.exit("Debian's chromium is needed (apt-get install chromium)")
    version = subprocess.run([chromium, "--version"], capture_output=True, text=True).stdout.split(" built")[0]
    sizes = site_sizes(lite)
    loads = [os.getloadavg()[0]]
    visits = []
    server = Server(args.site)
    with server, sync_playwright() as playwright:
        for run in range(args.runs):
            for notebook in args.notebook or NOTEBOOKS:
                v = visit(playwright, chromium, server, notebook)
                print(f"visit {run + 1} {notebook}: shown {v['shown_s']:.1f} s, kernel ready {v['ready_s']:.1f} s "
                      f"({mb(v['ready_bytes'])} MB, {v['ready_requests']} requests), first cell {v['first_cell_s']:.1f} s "
                      f"({mb(v['cell_bytes'])} MB), off-site {len(v['offsite'])}", flush=True)
                visits.append(v)
    loads.append(os.getloadavg()[0])
    text = report(sizes, visits, version, loads)
    print(text)
    if args.write:
        Path(args.write).write_text(text)
    if any(v["offsite"] for v in visits):
        sys.exit(f"requests left 127.0.0.1: {sorted({u for v in visits for u in v['offsite']})}")
    return visits


if __name__ == "__main__":
    main()
