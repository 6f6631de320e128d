"""The numbers the docs state about the graded exercises agree with the parts registry, so they cannot go stale.

After adding, removing or re-weighting a part (tools/new_part.py, or by hand), this test names the sentence to
update and the numbers it should say.
"""
import re
from pathlib import Path

from gdkit.grading import all_parts

REPO = Path(__file__).resolve().parent.parent


def _registry_counts():
    parts = all_parts().values()
    return len({p.assignment for p in parts}), len(parts), sum(p.points for p in parts)


def test_readme_counts_match_the_registry():
    text = " ".join((REPO / "README.md").read_text(encoding="utf-8").split())  # line breaks as spaces
    found = re.findall(r"(\d+) assignments, (\d+) autograded parts, (\d+) points", text)
    assignments, parts, points = _registry_counts()
    assert found, "README.md no longer says '<n> assignments, <n> autograded parts, <n> points' (For instructors)"
    assert [tuple(map(int, f)) for f in found] == [(assignments, parts, points)], (
        f"README.md says {found}; the registry (gdkit/grading/parts/) has {assignments} assignments, "
        f"{parts} autograded parts, {points} points: update the sentence in 'For instructors'")


def test_every_assignment_has_its_parts_file_in_the_grading_readme():
    text = (REPO / "grading" / "README.md").read_text(encoding="utf-8")
    for assignment in sorted({p.assignment for p in all_parts().values()}):
        assert f"| `{assignment}` | `gdkit/grading/parts/" in text, f"grading/README.md's table lacks {assignment}"
