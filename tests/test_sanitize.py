"""sanitize.rebuild: the graded notebook comes from the source, the answers from
the student, whatever the student did to cells and metadata."""
from __future__ import annotations

import copy

import nbformat

from course.grading.sanitize import CODE_STUB, rebuild
from grading_helpers import FIXTURE_NOTEBOOKS

SOURCE = nbformat.read(FIXTURE_NOTEBOOKS / "00_fixture.ipynb", as_version=4)


def grade_ids(notebook):
    return [c.metadata.get("nbgrader", {}).get("grade_id") for c in notebook.cells]


def by_id(notebook, grade_id):
    return next(c for c in notebook.cells if c.metadata.get("nbgrader", {}).get("grade_id") == grade_id)


def student_copy():
    """What a student hands in: the source with answers of their own."""
    notebook = copy.deepcopy(SOURCE)
    by_id(notebook, "add").source = "def add(a, b):\n    return 'mine'"
    by_id(notebook, "q_why").source = "My own answer."
    return notebook


def test_untouched_submission_keeps_answers_and_source_cells():
    rebuilt, notes = rebuild(student_copy(), SOURCE)
    assert grade_ids(rebuilt) == grade_ids(SOURCE)
    assert by_id(rebuilt, "add").source == "def add(a, b):\n    return 'mine'"
    assert by_id(rebuilt, "q_why").source == "My own answer."
    assert by_id(rebuilt, "test_add").source == by_id(SOURCE, "test_add").source
    assert notes == []


def test_tags_flags_and_points_come_from_the_source():
    notebook = student_copy()
    for cell in notebook.cells:
        cell.metadata["tags"] = ["skip-execution", "raises-exception"]
        meta = cell.metadata.get("nbgrader", {})
        meta.update(points=100, solution=True, locked=False)
    rebuilt, _ = rebuild(notebook, SOURCE)
    for got, want in zip(rebuilt.cells, SOURCE.cells):
        assert "tags" not in got.metadata
        assert got.metadata["nbgrader"] == want.metadata["nbgrader"]
        assert got.cell_type == want.cell_type
    assert by_id(rebuilt, "test_scale_vector").source == by_id(SOURCE, "test_scale_vector").source


def test_stripped_metadata_is_matched_by_cell_id():
    notebook = student_copy()
    for cell in notebook.cells:
        cell.metadata = {}
    rebuilt, _ = rebuild(notebook, SOURCE)
    assert grade_ids(rebuilt) == grade_ids(SOURCE)
    assert by_id(rebuilt, "add").source == "def add(a, b):\n    return 'mine'"


def test_renamed_grade_id_is_matched_by_cell_id_and_locked_text_restored():
    notebook = student_copy()
    by_id(notebook, "add").metadata["nbgrader"]["grade_id"] = "something_else"
    test = by_id(notebook, "test_add")
    test.source = "pass"
    test.metadata["nbgrader"]["grade_id"] = "test_renamed"
    rebuilt, _ = rebuild(notebook, SOURCE)
    assert by_id(rebuilt, "add").source == "def add(a, b):\n    return 'mine'"
    assert by_id(rebuilt, "test_add").source == by_id(SOURCE, "test_add").source


def test_own_and_duplicated_cells_keep_their_place_without_metadata():
    notebook = student_copy()
    add_index = grade_ids(notebook).index("add")
    helper = nbformat.v4.new_code_cell("def helper():\n    return 1")
    fake_test = copy.deepcopy(by_id(notebook, "test_add"))
    fake_test.source = "print('all good')"
    fake_test["id"] = "fake-test"
    notebook.cells[add_index + 1:add_index + 1] = [helper, fake_test]
    notebook.cells.insert(0, copy.deepcopy(fake_test) | {"id": "first-fake"})
    rebuilt, notes = rebuild(notebook, SOURCE)
    sources = [c.source for c in rebuilt.cells]
    # the first fake claims test_add's grade id first: it is matched and
    # replaced by the source's test; the real test cell is then a plain cell
    assert sources.count(by_id(SOURCE, "test_add").source) >= 1
    plain = [c for c in rebuilt.cells if "nbgrader" not in c.metadata]
    assert {c.source for c in plain} >= {"def helper():\n    return 1", "print('all good')"}
    assert all(c.metadata == {} for c in plain)
    assert [i for i in grade_ids(rebuilt) if i] == [i for i in grade_ids(SOURCE)]
    helper_at = sources.index("def helper():\n    return 1")
    assert grade_ids(rebuilt)[helper_at - 1] == "add"
    assert any("plain cells" in n for n in notes)


def test_deleted_answer_is_unanswered_never_the_master_solution():
    notebook = student_copy()
    notebook.cells = [c for c in notebook.cells
                      if c.metadata.get("nbgrader", {}).get("grade_id") not in ("add", "test_add")]
    rebuilt, notes = rebuild(notebook, SOURCE)
    assert by_id(rebuilt, "add").source == CODE_STUB
    assert by_id(rebuilt, "test_add").source == by_id(SOURCE, "test_add").source
    assert "BEGIN SOLUTION" not in by_id(rebuilt, "add").source
    assert any("'add'" in n for n in notes)


def test_notebook_metadata_and_outputs_are_not_the_students():
    notebook = student_copy()
    notebook.metadata["jupytext"] = {"formats": "ipynb,py:percent"}
    notebook.metadata["widgets"] = {"state": "<script>"}
    by_id(notebook, "add").outputs = [nbformat.v4.new_output("execute_result", data={"text/plain": "9"})]
    rebuilt, _ = rebuild(notebook, SOURCE)
    assert set(rebuilt.metadata) <= {"kernelspec", "language_info"}
    assert rebuilt.metadata["kernelspec"] == SOURCE.metadata["kernelspec"]
    assert all(c.get("outputs", []) == [] for c in rebuilt.cells)
    nbformat.validate(rebuilt)


def test_garbage_cells_do_not_stop_the_rebuild():
    garbage = {"cells": [7, {"cell_type": "code"}, {"source": ["x = ", 1]}], "metadata": {}}
    rebuilt, notes = rebuild(nbformat.from_dict(garbage), SOURCE)
    assert grade_ids(rebuilt)[:len(SOURCE.cells) + 2].count("add") == 1
    nbformat.validate(rebuilt)


def test_a_flood_of_own_cells_is_cut():
    from course.grading.sanitize import MAX_OWN_CELLS

    notebook = student_copy()
    notebook.cells += [nbformat.v4.new_code_cell("pass") for _ in range(MAX_OWN_CELLS + 50)]
    rebuilt, notes = rebuild(notebook, SOURCE)
    assert len(rebuilt.cells) == len(SOURCE.cells) + MAX_OWN_CELLS
    assert any("only the first" in n for n in notes)
