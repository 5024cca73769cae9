"""Static checks of the masters: jupytext pairs in sync, no outputs, nbgrader
metadata the pipeline relies on, every test cell with hidden tests.

Hidden tests are written plainly (np.testing, np.allclose): the trusted test
runner decides their points outside the student's kernel, so no static rule
against "replaceable" names is needed here."""
from __future__ import annotations

import pytest

from course.grading.masters import (HIDDEN_MARKERS, SOLUTION_BEGIN, SOLUTION_MARKERS, exercises, hidden_blocks,
                                    load_master, nbgrader_meta)
from grading_helpers import FIXTURE_NOTEBOOKS, REPO

MASTERS = sorted((REPO / "notebooks").glob("[0-9][0-9]_*.ipynb")) + [FIXTURE_NOTEBOOKS / "00_fixture.ipynb"]


@pytest.fixture(params=MASTERS, ids=lambda p: p.stem)
def master(request):
    return request.param, load_master(request.param)


def test_pair_in_sync(master):
    path, nb = master
    text = load_master(path.with_suffix(".py"))
    assert [(c.cell_type, c.source, nbgrader_meta(c)) for c in text.cells] == \
           [(c.cell_type, c.source, nbgrader_meta(c)) for c in nb.cells], \
        f"{path.name} differs from its .py: run `jupytext --update --to ipynb {path.with_suffix('.py')}`"


def test_no_outputs_and_python3_kernel(master):
    path, nb = master
    assert nb.metadata.kernelspec.name == "python3"
    for index, cell in enumerate(nb.cells):
        if cell.cell_type == "code":
            assert not cell.outputs and cell.execution_count is None, f"{path.name} cell {index} has outputs"


def test_grade_ids_unique_and_tests_locked_with_points(master):
    path, nb = master
    ids = [nbgrader_meta(c)["grade_id"] for c in nb.cells if "grade_id" in nbgrader_meta(c)]
    assert len(ids) == len(set(ids)), f"duplicate grade ids in {path.name}"
    for cell in nb.cells:
        meta = nbgrader_meta(cell)
        if meta.get("grade") and not meta.get("solution"):
            assert meta.get("locked") and meta.get("points", 0) > 0, meta["grade_id"]
        if meta.get("solution") and cell.cell_type == "code":
            assert SOLUTION_BEGIN in cell.source, f"{meta['grade_id']} has no solution block"
    found = exercises(nb)  # raises when a test cell matches no solution cell
    assert sum(e.points for e in found.values()) > 0


def test_markers_stand_on_lines_of_their_own(master):
    """nbgrader finds a marker anywhere in a line; the course's tools only on a line of its own."""
    path, nb = master
    for cell in nb.cells:
        for line in cell.source.splitlines():
            for marker in SOLUTION_MARKERS + HIDDEN_MARKERS:
                words = marker.removeprefix("### ")
                assert words not in line or line.strip() == marker, \
                    f"{path.name} {nbgrader_meta(cell).get('grade_id')}: {line.strip()!r} is not the marker {marker!r} alone"


def test_every_test_cell_has_hidden_tests(master):
    path, nb = master
    graded_tests = [c for c in nb.cells if nbgrader_meta(c).get("grade") and c.cell_type == "code"]
    assert all(hidden_blocks(c.source) for c in graded_tests), \
        f"every test cell of {path.name} needs hidden tests"


def test_parameters_cell_reads_the_environment(master):
    path, nb = master
    if path.parent == FIXTURE_NOTEBOOKS:
        pytest.skip("the fixture has no parameters")
    assert any("notebook_params(" in c.source for c in nb.cells[:4]), \
        f"{path.name}: the parameters cell (notebook_params()) comes first after the title"


def test_inline_questions_stay_visible_to_students(master):
    """The release replaces a whole answer cell with YOUR ANSWER HERE, so the
    question must stand in a locked markdown cell just before it."""
    path, nb = master
    for before, cell in zip(nb.cells, nb.cells[1:]):
        meta = nbgrader_meta(cell)
        if cell.cell_type == "markdown" and meta.get("solution"):
            assert before.cell_type == "markdown" and nbgrader_meta(before).get("locked"), \
                f"{path.name}: answer cell {meta['grade_id']} needs its question in a locked cell before it"
