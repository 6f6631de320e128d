"""The graded notebook written for formgrader (gdkit.grading.autograded), without a server: what it keeps of the
submission and what it never trusts (tests/test_formgrader.py opens it in a real formgrader)."""
import nbformat

from gdkit.grading.autograded import build_autograded


def _code(cell_id, source, nbgrader=None, outputs=()):
    return {"cell_type": "code", "id": cell_id, "metadata": {"nbgrader": nbgrader} if nbgrader else {},
            "source": source, "outputs": list(outputs), "execution_count": None}


SOURCE = [_code("solution-relu", "def relu(z):\n    ### BEGIN SOLUTION\n    return z\n    ### END SOLUTION",
                {"grade": False, "solution": True, "grade_id": "relu", "locked": False, "schema_version": 3}),
          _code("test-relu", 'check("fixture/test_relu", relu)\n### BEGIN HIDDEN TESTS\nsecret_case()\n'
                '### END HIDDEN TESTS', {"grade": True, "solution": False, "grade_id": "test_relu", "points": 1,
                                         "locked": True, "schema_version": 3}),
          {"cell_type": "markdown", "id": "written-why", "source": "### BEGIN SOLUTION\nmodel\n### END SOLUTION",
           "metadata": {"nbgrader": {"grade": True, "solution": True, "grade_id": "written_why", "points": 3,
                                     "locked": False, "schema_version": 3}}}]
ROW = {"parts": [{"name": "test_relu", "score": 0.0, "max_score": 1.0, "message": "relu: wrong values"}]}


def test_the_graded_copy_keeps_the_students_work_and_trusts_only_the_source():
    submitted = [
        _code("solution-relu", "def relu(z):\n    return abs(z)", {"grade_id": "relu", "points": 99},
              outputs=[{"output_type": "display_data", "data": {"text/html": "<script>steal()</script>",
                                                                "text/plain": "shown as text"}},
                       {"output_type": "stream", "name": "stdout", "text": ["printed ", "by the student"]}]),
        _code("solution-relu", "helper = 1"),  # a duplicated id
        _code("mine", "extra = 2", {"grade": True, "grade_id": "forged", "points": 50}),  # forged grade cell
        _code("test-relu", "check = lambda *a: None"),  # the student's edited test cell: replaced
    ]
    notebook = build_autograded(ROW, SOURCE, submitted)
    nbformat.validate(nbformat.from_dict(notebook))
    cells = notebook["cells"]
    assert [c["source"] for c in cells[:3]] == ["def relu(z):\n    return abs(z)", "helper = 1", "extra = 2"]
    assert cells[0]["metadata"]["nbgrader"] == SOURCE[0]["metadata"]["nbgrader"]  # the source's, not 99 points
    assert cells[2]["metadata"] == {}  # the forged grade cell gets no score box
    assert len({c["id"] for c in cells}) == len(cells)
    outputs = cells[0]["outputs"]
    assert outputs[0]["data"] == {"text/plain": "shown as text"} and outputs[1]["text"] == "printed by the student"
    test = cells[3]
    assert test["metadata"]["nbgrader"]["grade_id"] == "test_relu" and "secret_case" not in test["source"]
    assert "0 / 1 points\nrelu: wrong values" in test["outputs"][0]["text"]
    written = cells[4]  # missing from the submission: a placeholder keeps its score box
    assert written["metadata"]["nbgrader"]["grade_id"] == "written_why"
    assert written["source"] == "(no answer was submitted)"


def test_a_missing_notebook_gets_a_copy_with_every_score_box():
    notebook = build_autograded(ROW, SOURCE, None, "no notebook was submitted")
    nbformat.validate(nbformat.from_dict(notebook))
    boxes = [c["metadata"]["nbgrader"]["grade_id"] for c in notebook["cells"] if c["metadata"].get("nbgrader")]
    assert boxes == ["test_relu", "written_why"]
    assert "no notebook was submitted" in notebook["cells"][0]["source"]
