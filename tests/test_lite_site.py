"""The in-browser site's supply chain and publishing settings, checked without a browser or a download.

- tools/lite/build.py accepts a Pyodide package only when its sha256 equals the official lock file's, and puts
  gdkit in the lock so that `import gdkit` loads it;
- every artefact is pinned with a published hash (pip's --require-hashes lines, npm's package-lock integrity),
  and the Pyodide kernel extension is the one made for that Pyodide;
- the repository's URL is written in one place (_config.yml), and Binder installs what the course imports;
- the publishing workflow builds the strict book and the site and deploys them to Pages, with its actions pinned
  to commits, and its repository-URL step (run here on a copy of _config.yml) points the links at the
  repository being built;
- every exercise notebook's first cell tells a student how to work in the browser and hand the work in.
The built site itself is checked by tests/test_lite_browser.py.
"""
import hashlib
import importlib.util
import json
import re
import subprocess
import sys
import zipfile

import pytest
import yaml

from conftest import REPO, require

# tools/lite/build.py under a name of its own: the grader tests put another `build` module on sys.path.
_spec = importlib.util.spec_from_file_location("lite_build", REPO / "tools" / "lite" / "build.py")
build = importlib.util.module_from_spec(_spec)
sys.modules["lite_build"] = build
_spec.loader.exec_module(build)

LITE = REPO / "tools" / "lite"


def fake_pyodide(tmp_path, carried):
    """A minimal npm `pyodide` folder (core files, official lock) and a carrier wheel holding `carried` bytes.

    The lock lists numpy (depending on packaging) and packaging, each with the sha256 of b"numpy wheel" /
    b"packaging wheel"; `carried` maps lock file names to the bytes the carrier actually holds.
    """
    core = tmp_path / "core"
    core.mkdir()
    for name in build.PYODIDE_CORE:
        (core / name).write_text(f"core file {name}")
    official = {"numpy": b"numpy wheel", "packaging": b"packaging wheel"}
    packages = {name: {"name": name, "version": "1.0", "file_name": f"{name}-1.0-py3-none-any.whl",
                       "sha256": hashlib.sha256(data).hexdigest(), "depends": ["packaging"] if name == "numpy" else [],
                       "imports": [name]}
                for name, data in official.items()}
    packages["scipy"] = {**packages["packaging"], "name": "scipy", "file_name": "scipy.whl", "depends": ["numpy"]}
    (core / "pyodide-lock.json").write_text(json.dumps({"info": {"version": "0.27.7"}, "packages": packages}))
    carrier = tmp_path / "carrier.whl"
    with zipfile.ZipFile(carrier, "w") as zf:
        for file_name, data in carried.items():
            zf.writestr(build.CARRIER_DIR + file_name, data)
    return core, carrier


def test_assemble_keeps_only_official_wheels_and_adds_gdkit(tmp_path):
    core, carrier = fake_pyodide(tmp_path, {"numpy-1.0-py3-none-any.whl": b"numpy wheel",
                                            "packaging-1.0-py3-none-any.whl": b"packaging wheel"})
    gdkit = tmp_path / "gdkit-0.1.0-py3-none-any.whl"
    gdkit.write_bytes(b"course wheel")
    out = tmp_path / "pyodide"
    lock = build.assemble_pyodide(core, carrier, out, extra_wheels=[gdkit], wanted=["numpy"])

    assert sorted(lock["packages"]) == ["gdkit", "numpy", "packaging"]  # numpy's dependency in, scipy out
    assert (out / "numpy-1.0-py3-none-any.whl").read_bytes() == b"numpy wheel"
    assert all((out / name).is_file() for name in build.PYODIDE_CORE)
    entry = json.loads((out / "pyodide-lock.json").read_text())["packages"]["gdkit"]
    assert entry["imports"] == ["gdkit"] and entry["depends"] == ["numpy", "matplotlib"]
    assert entry["sha256"] == hashlib.sha256(b"course wheel").hexdigest()
    assert entry["file_name"] == gdkit.name and (out / gdkit.name).read_bytes() == b"course wheel"


def test_assemble_refuses_a_wheel_that_differs_from_the_official_lock(tmp_path):
    core, carrier = fake_pyodide(tmp_path, {"numpy-1.0-py3-none-any.whl": b"numpy wheel, altered",
                                            "packaging-1.0-py3-none-any.whl": b"packaging wheel"})
    with pytest.raises(build.SupplyError, match="does not match the sha256"):
        build.assemble_pyodide(core, carrier, tmp_path / "pyodide", wanted=["numpy"])


def test_assemble_refuses_a_missing_wheel(tmp_path):
    core, carrier = fake_pyodide(tmp_path, {"numpy-1.0-py3-none-any.whl": b"numpy wheel"})
    with pytest.raises(build.SupplyError, match="has no packaging-1.0"):
        build.assemble_pyodide(core, carrier, tmp_path / "pyodide", wanted=["numpy"])


def test_pypi_downloads_are_hash_pinned():
    """Every requirement of tools/lite/requirements.txt is exact (==) with a sha256, named by a `# file:` line."""
    lines = [l for l in (LITE / "requirements.txt").read_text().splitlines() if l.strip() and not l.startswith("#")]
    assert lines
    for line in lines:
        assert re.match(r"^[A-Za-z0-9_.-]+==[^ ]+ --hash=sha256:[0-9a-f]{64}$", line), line
    pins = build.pinned_wheels()
    assert len(pins) == len(lines)
    for line, (file_name, digest) in zip(lines, pins.items()):
        name, version = line.split(" ")[0].split("==")
        assert file_name.startswith(f"{name.replace('-', '_')}-{version}-") and digest in line


def test_pyodide_core_is_locked_and_matches_the_kernel():
    """npm's lock pins pyodide with a sha512; jupyterlite-pyodide-kernel is the release made for that Pyodide."""
    wanted = json.loads((LITE / "package.json").read_text())["dependencies"]["pyodide"]
    lock = json.loads((LITE / "package-lock.json").read_text())["packages"]
    assert re.fullmatch(r"\d+\.\d+\.\d+", wanted), "pin an exact Pyodide version"
    assert lock["node_modules/pyodide"]["version"] == wanted
    assert all(p["integrity"].startswith("sha512-") for key, p in lock.items() if key)
    constants = require("jupyterlite_pyodide_kernel.constants", hint="make env (the `online` extra)")
    assert constants.PYODIDE_VERSION.rsplit(".", 1)[0] == wanted.rsplit(".", 1)[0], (
        f"jupyterlite-pyodide-kernel expects Pyodide {constants.PYODIDE_VERSION}, the site serves {wanted}")


def pins(path):
    """{name: version} of the `name==version` lines of a requirements/constraints file."""
    found = {}
    for line in path.read_text().splitlines():
        if m := re.match(r"^([A-Za-z0-9_.-]+)==(\S+)", line):
            found[re.sub(r"[-_.]+", "-", m.group(1)).lower()] = m.group(2)
    return found


def test_binder_installs_the_course_with_the_pinned_versions():
    binder = pins(REPO / ".binder" / "requirements.txt")
    constraints = pins(REPO / "constraints.txt")
    assert {"numpy", "matplotlib", "jupytext"} <= set(binder)
    assert {name: constraints.get(name) for name in binder} == binder
    post_build = (REPO / ".binder" / "postBuild").read_text()
    assert "pip install" in post_build and " -e ." in post_build, "postBuild must install gdkit itself"
    assert (REPO / ".binder" / "postBuild").stat().st_mode & 0o111, "postBuild must be executable"
    requires = re.search(r'requires-python = ">=(\d+\.\d+)"', (REPO / "pyproject.toml").read_text()).group(1)
    runtime = (REPO / ".binder" / "runtime.txt").read_text().strip()
    assert tuple(map(int, runtime.removeprefix("python-").split("."))) >= tuple(map(int, requires.split(".")))


def test_repository_url_is_written_in_one_place():
    """Only _config.yml names the repository (the workflow writes the built repository's URL into it)."""
    url = yaml.safe_load((REPO / "_config.yml").read_text())["repository"]["url"]
    owner_repo = re.match(r"https://github\.com/([^/]+/[^/]+?)/?$", url).group(1)
    tracked = subprocess.run(["git", "ls-files"], cwd=REPO, capture_output=True, text=True, check=True).stdout
    naming = [path for path in tracked.splitlines() if path != "_config.yml" and (REPO / path).is_file()
              and owner_repo in (REPO / path).read_text(errors="ignore")]
    assert not naming, f"{naming} name the repository {owner_repo}; derive it from _config.yml's repository.url"
    workflow = (REPO / ".github" / "workflows" / "publish.yml").read_text()
    assert "github.repository" in workflow and "_config.yml" in workflow


WORKFLOW = REPO / ".github" / "workflows" / "publish.yml"


def workflow():
    # PyYAML reads the key `on` as True (YAML 1.1); nothing below needs it.
    return yaml.safe_load(WORKFLOW.read_text())


def test_workflow_actions_are_pinned_to_commits():
    """Every `uses:` names a full commit (a tag can be moved), with the release it is in a comment."""
    uses = re.findall(r"uses:\s*(\S+)(.*)", WORKFLOW.read_text())
    assert uses
    for ref, comment in uses:
        assert re.fullmatch(r"[\w-]+/[\w.-]+@[0-9a-f]{40}", ref), f"{ref}: pin the action to a commit"
        assert re.search(r"#\s*v\d+\.\d+\.\d+", comment), f"{ref}: say which release the commit is"


def test_workflow_builds_the_strict_book_and_the_site_and_deploys_them_to_pages():
    jobs = workflow()["jobs"]
    build_steps, deploy = jobs["build"]["steps"], jobs["deploy"]
    runs = [step.get("run", "") for step in build_steps]
    assert any(run.strip() == "make book-strict" for run in runs), "the book and the site, built strictly"
    makefile = (REPO / "Makefile").read_text()
    recipe = makefile.split("\nbook-strict:", 1)[1].split("\n\n", 1)[0]
    assert "-W -n --keep-going --all" in recipe and "tools/lite/build.py" in recipe
    assert any("actions/setup-node@" in step.get("uses", "") for step in build_steps), "npm fetches Pyodide"
    upload = next(step for step in build_steps if "upload-pages-artifact@" in step.get("uses", ""))
    assert upload["with"]["path"] == "_build/html", "the book's folder, with lite/ inside it"
    assert deploy["needs"] == "build" and "pull_request" in deploy["if"] and "refs/heads/main" in deploy["if"]
    assert deploy["permissions"] == {"pages": "write", "id-token": "write"}
    assert deploy["environment"]["name"] == "github-pages"
    (step,) = deploy["steps"]
    assert "actions/deploy-pages@" in step["uses"]
    assert deploy["environment"]["url"] == "${{ steps.%s.outputs.page_url }}" % step["id"]
    assert workflow()["permissions"] == {"contents": "read"}


def _url_step(tmp_path, actual):
    """Run the workflow's repository-URL step in a copy of the repository's _config.yml; (config text, output)."""
    (step,) = [s for s in workflow()["jobs"]["build"]["steps"] if "_config.yml" in s.get("run", "")]
    assert step["env"]["ACTUAL"] == "${{ github.server_url }}/${{ github.repository }}"
    (tmp_path / "_config.yml").write_text((REPO / "_config.yml").read_text())
    proc = subprocess.run(["bash", "-e", "-c", step["run"]], cwd=tmp_path, env={"ACTUAL": actual, "PATH": "/usr/bin:/bin"},
                          capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    return (tmp_path / "_config.yml").read_text(), proc.stdout


def test_workflow_points_the_links_at_the_repository_it_builds(tmp_path):
    """A fork (or a renamed repository) publishes links to itself, warned about; the committed URL is left alone."""
    original = (REPO / "_config.yml").read_text()
    configured = yaml.safe_load(original)["repository"]["url"]
    text, out = _url_step(tmp_path, configured)
    assert text == original and "::warning" not in out

    fork = "https://github.com/some-student/a-fork"
    text, out = _url_step(tmp_path, fork)
    assert yaml.safe_load(text)["repository"]["url"] == fork
    changed = [(a, b) for a, b in zip(original.splitlines(), text.splitlines()) if a != b]
    assert changed == [(f"  url: {configured}", f"  url: {fork}")], changed
    assert f"::warning file=_config.yml::repository.url is '{configured}'" in out


EXERCISES = sorted(p.name for p in (REPO / "exercises").iterdir() if (p / f"{p.name}.ipynb").is_file())


@pytest.mark.parametrize("name", EXERCISES)
def test_exercise_first_cell_says_how_to_work_in_the_browser_and_hand_in(name):
    """The student's instructions, where they look first: work kept in browser storage, File > Download to hand in."""
    first = "".join(json.loads((REPO / "exercises" / name / f"{name}.ipynb").read_text())["cells"][0]["source"])
    assert "Working in the browser" in first and "storage" in first
    assert "File > Download" in first and "original" in first and "name" in first


def _wheel_like(tmp_path, dist, tamper=None, version=None):
    """A wheel of the installed distribution `dist` as pip would have installed it: its RECORD gives each file's
    installed hash, files under sys.prefix/share in <name>.data/data/. `tamper` (a path suffix) gets a wrong hash."""
    import base64
    import importlib.metadata
    from pathlib import Path

    installed = importlib.metadata.distribution(dist)
    stem = f"{installed.metadata['Name'].replace('-', '_')}-{version or installed.version}"
    rows = []
    for f in installed.files:
        if f.hash is None or ".dist-info" in str(f) or "__pycache__" in str(f):
            continue
        where = Path(installed.locate_file(f)).resolve()
        site = Path(installed.locate_file("")).resolve()
        path = (where.relative_to(site).as_posix() if where.is_relative_to(site)
                else f"{stem}.data/data/{where.relative_to(Path(sys.prefix).resolve()).as_posix()}")
        digest = f.hash.value
        if tamper and path.endswith(tamper):
            digest = base64.urlsafe_b64encode(hashlib.sha256(b"tampered").digest()).decode().rstrip("=")
        rows.append(f"{path},sha256={digest},{f.size}")
    rows.append(f"{stem}.dist-info/RECORD,,")
    wheel = tmp_path / f"{stem}-py3-none-any.whl"
    with zipfile.ZipFile(wheel, "w") as zf:
        zf.writestr(f"{stem}.dist-info/RECORD", "\n".join(rows) + "\n")
    return wheel


def test_installed_jupyterlite_files_must_match_their_pinned_wheel(tmp_path):
    """The app and extensions copied into the site are checked file by file against their wheel's RECORD."""
    require("jupyterlab_myst", hint="make env (the `online` extra)")
    assert set(build.SITE_DISTRIBUTIONS) <= set(pins(LITE / "requirements.txt"))
    assert {name: pins(LITE / "requirements.txt")[name] for name in build.SITE_DISTRIBUTIONS} == {
        name: pins(REPO / "constraints.txt")[name] for name in build.SITE_DISTRIBUTIONS}, "same versions as constraints.txt"
    assert build.verify_installed("jupyterlab-myst", _wheel_like(tmp_path, "jupyterlab-myst")) > 10
    extension_file = "labextensions/jupyterlab-myst/package.json"
    with pytest.raises(build.SupplyError, match="differs from .*package.json"):
        build.verify_installed("jupyterlab-myst", _wheel_like(tmp_path, "jupyterlab-myst", tamper=extension_file))
    with pytest.raises(build.SupplyError, match="requirements.txt pins 9.9.9"):
        build.verify_installed("jupyterlab-myst", _wheel_like(tmp_path, "jupyterlab-myst", version="9.9.9"))
