"""The class report and the LMS exports, built from a gradebook the trusted grader wrote for the sample class.

The sample class (grading/make_sample_class.py: seven students of 01_forward, each with a known fault) is graded
once by the real CLI; an instructor then gives one manual score in the gradebook (as formgrader does) and adds a
student who never submitted with nbgrader's own `nbgrader db student add`. The report and the exports must show
the gradebook's scores, the catalogued mistakes by name, the flags and the similar submissions; the report's
pages are opened in headless Chromium, which must load every figure and request nothing from the network.
"""
import csv
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from conftest import require
from gdkit.grading import get_part
from gdkit.grading.report import flag_kinds, reason
from gdkit.grading.compare_submissions import normalise, similar_groups

REPO = Path(__file__).resolve().parent.parent
A = "01_forward"


# ---- fast: the pieces ---------------------------------------------------------------------------------------
def test_normalise_ignores_layout_comments_docstrings_and_names():
    first = 'def f(x):\n    """Doc."""\n    total = x * 2  # double\n\n    return total\n'
    second = "def f(y):\n    s = y*2\n    return s"
    assert normalise(first, keep={"f"}) == normalise(second, keep={"f"})
    assert normalise(first, keep={"f"}) != normalise("def f(x):\n    return x * 3", keep={"f"})
    assert normalise("def f(:\n  oops", keep={"f"})  # not Python: still compared, token by token


def test_similar_groups_finds_renamed_copies_not_the_stub_or_other_solutions():
    stub = {"g": "def g(z):\n    # YOUR CODE HERE\n    raise NotImplementedError()"}
    original = ("def g(z):\n    shifted = z - z.max(axis=-1, keepdims=True)\n    e = np.exp(shifted)\n"
                "    return e / e.sum(axis=-1, keepdims=True)\n")
    renamed = original.replace("shifted", "zz").replace("e ", "ex ").replace("(e", "(ex").replace("e.", "ex.")
    other = "def g(z):\n    m = np.max(z, axis=1)[:, None]\n    p = np.exp(z - m)\n    return p / np.sum(p, 1)[:, None]"
    codes = {"ann": {"g": original}, "bob": {"g": renamed}, "cat": {"g": other}, "dan": dict(stub),
             "eve": dict(stub)}
    groups = similar_groups(codes, stub=stub, keep={"g"})
    assert [(g.members, g.identical_cells) for g in groups] == [(["ann", "bob"], ["g"])]
    assert groups[0].low == 1.0


def test_reasons_name_the_catalogued_mistake_or_the_kind_of_failure():
    softmax = get_part(f"{A}/test_softmax")
    mistake = softmax.mistakes[0]
    key, label = reason(softmax, f"{mistake.message} (test case: a batch of one)")
    assert key == f"mistake:{mistake.name}" and mistake.name in label
    assert reason(softmax, "softmax raised NotImplementedError:  (test case: x)")[0].startswith("not attempted")
    assert reason(softmax, "softmax raised ValueError: bad (test case: x)")[0] == "raised ValueError"
    assert reason(softmax, "softmax: wrong values (largest difference 0.3)")[0] == "wrong values"
    assert flag_kinds(["renamed notebook: graded a.ipynb as b.ipynb", "something new"]) == ["renamed", "other"]
    assert flag_kinds([], isolation="weak", status="missing") == ["weak isolation", "missing"]


# ---- slow: the sample class, graded, reported, exported, opened in a browser -----------------------------------
def _cli(*args, cwd=REPO):
    return subprocess.run([sys.executable, "-m", "gdkit.grading", *map(str, args)], capture_output=True, text=True,
                          cwd=cwd)


@pytest.fixture(scope="module")
def sample(tmp_path_factory):
    require("bwrap", exe=True, hint="apt-get install -y bubblewrap")
    root = tmp_path_factory.mktemp("sample")
    submitted, out = root / "submitted", root / "out"
    subprocess.run([sys.executable, str(REPO / "grading" / "make_sample_class.py"), str(submitted)], check=True,
                   capture_output=True)
    graded = _cli("grade", submitted, "--out", out, "--workers", 2, "--part-timeout", 5)
    assert graded.returncode == 0, graded.stdout + graded.stderr
    db_url = f"sqlite:///{out / 'gradebook.db'}"
    from nbgrader.api import Gradebook
    with Gradebook(db_url) as gb:  # what formgrader's score box does: a manual score for ben's softmax
        grade = gb.find_grade("test_softmax", A, A, "ben_partly_wrong")
        grade.manual_score = 2.0
        gb.db.commit()
    nbgrader = Path(sys.executable).with_name("nbgrader")
    added = subprocess.run([str(nbgrader), "db", "student", "add", "zoe_never", "--first-name=Zoe",
                            "--last-name=Never", "--lms-user-id=4242", f"--CourseDirectory.db_url={db_url}"],
                           capture_output=True, text=True, cwd=root)
    assert added.returncode == 0, added.stdout + added.stderr
    collected = subprocess.run([str(nbgrader), "db", "student", "add", "1001", f"--CourseDirectory.db_url={db_url}"],
                               capture_output=True, text=True, cwd=root)  # an id zip_collect took from Canvas
    assert collected.returncode == 0, collected.stdout + collected.stderr
    report = _cli("report", "--out", out, "--submitted", submitted, "--source", REPO / "solutions")
    assert report.returncode == 0, report.stdout + report.stderr
    export = _cli("export", "--out", out, "--lms-id", f"{A}=777")
    assert export.returncode == 0, export.stdout + export.stderr
    return dict(out=out, report=out / "report", export=out / "export", stdout=report.stdout + export.stdout)


def _rows(path, key, skip=0):
    """The header of the CSV at ``path`` and its rows (after ``skip`` rows) as dicts, by their column ``key``."""
    with Path(path).open(encoding="utf-8") as stream:
        rows = list(csv.reader(stream))
    header, body = rows[0], rows[1 + skip:]
    return header, {row[header.index(key)]: dict(zip(header, row)) for row in body}


@pytest.mark.slow
def test_report_counts_parts_and_names_mistakes(sample):
    with (sample["report"] / "parts.csv").open(encoding="utf-8") as stream:
        parts = {row["part"]: row for row in csv.DictReader(stream) if row["assignment"] == A}
    # five readable notebooks (cleo's is unreadable, dan handed in none)
    assert {name: row["attempted"] for name, row in parts.items()} == {name: "5" for name in parts}
    # ben's softmax got a manual score of 2 in the gradebook: everybody has its full points now
    assert (parts["test_softmax"]["full_points"], parts["test_softmax"]["manual_scores"]) == ("5", "1")
    dense = parts["test_dense_forward"]  # ben forgot the bias; eve's endless cell ran out of time before it
    assert dense["full_points"] == "3" and dense["top_reason_count"] == "1"
    page = (sample["report"] / f"{A}.html").read_text(encoding="utf-8")
    assert "named mistake “no_bias”" in page and "1 of 2: time limit" in page
    assert "1 of 1: called gdkit&#x27;s own implementation" in page  # finn, for sigmoid and relu
    assert float(parts["test_sigmoid"]["median_seconds"]) > 0  # the grader recorded each part's time


@pytest.mark.slow
def test_report_flags_and_similar_submissions(sample):
    page = (sample["report"] / f"{A}.html").read_text(encoding="utf-8")
    flagged = page.split("<h2>Flagged submissions", 1)[1].split("<h2>", 1)[0]
    for student, kind in (("cleo_broken_json", "unreadable"), ("dan_missing", "missing"),
                          ("eve_infinite_loop", "time limit"), ("gus_renamed", "renamed")):
        assert f"<code>{student}</code></td>" in flagged and kind in flagged
    assert "ada_correct" not in flagged and "Flagged submissions (4)" in page
    similar = page.split("<h2>Similar solution code", 1)[1]
    group = next(row for row in similar.split("<table>", 1)[1].split("<tr>") if "ada_correct" in row)
    assert "gus_renamed" in group and "reference solution" in group  # built from solutions/: identical
    assert "ben_partly_wrong" not in group
    # gus handed in ada's very file under another name
    assert "Byte-identical notebook files (the same SHA-256): <code>ada_correct</code>, <code>gus_renamed</code>." \
        in similar
    for word in ("cheat", "plagiar", "guilty", "copied"):
        assert word not in page.lower()


@pytest.mark.slow
def test_exports_use_the_gradebook_and_the_roster(sample):
    header, canvas = _rows(sample["export"] / "canvas.csv", "Student", skip=1)
    assert header == ["Student", "ID", "SIS User ID", "SIS Login ID", "Section", f"{A} (777)"]
    points = next(csv.reader((sample["export"] / "canvas.csv").open(encoding="utf-8").readlines()[1:2]))
    assert points[0].strip() == "Points Possible" and points[5] == "16"  # 14 automatic + 2 written
    assert canvas["Never, Zoe"]["ID"] == "4242" and canvas["Never, Zoe"][f"{A} (777)"] == ""
    assert (canvas["1001"]["ID"], canvas["ada_correct"]["ID"]) == ("1001", "")  # a Canvas user id, or nothing
    assert canvas["ben_partly_wrong"][f"{A} (777)"] == "12"  # 10 from the grader + the manual 2 for softmax
    header, moodle = _rows(sample["export"] / "moodle.csv", "ID number")
    assert header[:4] == ["First name", "Last name", "ID number", "Email address"]
    assert moodle["ada_correct"][f"Assignment: {A} (Real)"] == "14"  # the written answer is not graded yet
    assert (moodle["zoe_never"]["First name"], moodle["zoe_never"][f"Assignment: {A} (Real)"]) == ("Zoe", "")
    header, wide = _rows(sample["export"] / "wide.csv", "student")
    assert len(wide) == 9 and wide["zoe_never"]["total"] == "0" and wide["zoe_never"][A] == ""
    with zipfile.ZipFile(sample["export"] / f"feedback-{A}.zip") as archive:
        names = sorted(archive.namelist())
        assert names == sorted(f"{s}.html" for s in wide if s not in ("zoe_never", "1001"))
        assert "Student: <b>ben_partly_wrong</b>" in archive.read("ben_partly_wrong.html").decode()


@pytest.mark.slow
def test_report_pages_open_offline_in_chromium(sample, playwright):
    chromium = require("chromium", exe=True, hint="apt-get install -y chromium")
    # Playwright from conftest's session fixture: a second sync_playwright() in the process would fail.
    browser = playwright.chromium.launch(executable_path=chromium, headless=True,
                                         args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"])
    try:
        for name, figures in (("index", 1), (A, 3)):
            page = browser.new_page()
            requests, errors = [], []
            page.on("request", lambda r: requests.append(r.url))
            page.on("pageerror", lambda e: errors.append(str(e)))
            page.goto((sample["report"] / f"{name}.html").as_uri(), wait_until="load")
            images = page.evaluate("() => Array.from(document.images).map(i => [i.alt, i.naturalWidth, "
                                   "i.src.slice(0, 22)])")
            assert len(images) == figures and all(width > 100 for _, width, _ in images), images
            assert {src for _, _, src in images} == {"data:image/png;base64,"}
            assert [url for url in requests if not url.startswith(("file:", "data:"))] == []
            assert errors == []
            page.close()
    finally:
        browser.close()
