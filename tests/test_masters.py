"""The master format (course/grading/masters.py) on small notebooks built here
and on the real masters."""
from __future__ import annotations

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

from course.errors import CourseError
from course.grading import masters
from grading_helpers import FIXTURE_NOTEBOOKS, REPO

FIXTURE = FIXTURE_NOTEBOOKS / "00_fixture.ipynb"


def cell(kind: str, grade_id: str, source: str = "", **flags):
    """A cell with nbgrader metadata as CONTRIBUTING.md's table writes it."""
    meta = {"grade": False, "grade_id": grade_id, "locked": True, "schema_version": 3,
            "solution": False, "task": False, **flags}
    made = new_markdown_cell(source) if kind == "markdown" else new_code_cell(source)
    made.metadata["nbgrader"] = meta
    return made


def small_master():
    return new_notebook(cells=[
        cell("markdown", "intro", "# Title"),
        cell("code", "setup", "import numpy as np"),
        cell("code", "add", "def add(a, b):\n    ### BEGIN SOLUTION\n    return a + b\n    ### END SOLUTION",
             locked=False, solution=True),
        cell("code", "test_add", "assert add(1, 2) == 3\n### BEGIN HIDDEN TESTS\nassert add(-1, 1) == 0\n"
             "### END HIDDEN TESTS", grade=True, points=2),
        cell("code", "add_more", "def add_more(a):\n    ### BEGIN SOLUTION\n    return a + 2\n    ### END SOLUTION",
             locked=False, solution=True),
        cell("code", "test_add_more_values", "assert add_more(1) == 3", grade=True, points=1),
        cell("code", "test_add_more_types", "assert type(add_more(1)) is int", grade=True, points=0.5),
        cell("markdown", "q_why_question", "Why?"),
        cell("markdown", "q_why", "Because.", grade=True, locked=False, points=2, solution=True),
        cell("code", "explore", "plt.plot()", locked=False),
    ])


def test_every_cell_kind():
    kinds = [masters.cell_kind(c) for c in small_master().cells]
    assert kinds == ["markdown", "provided", "solution", "test", "solution", "test", "test",
                     "markdown", "answer", "free"]
    assert masters.cell_kind(new_code_cell("x = 1")) == "free"  # no nbgrader metadata: unlocked


def test_exercises_by_stem_with_the_longest_stem_winning():
    found = masters.exercises(small_master())
    assert set(found) == {"add", "add_more", "q_why"}
    assert found["add"].test_ids == ["test_add"] and found["add"].points == 2
    assert found["add_more"].test_ids == ["test_add_more_values", "test_add_more_types"]
    assert found["add_more"].points == 1.5
    assert found["q_why"].test_ids == [] and found["q_why"].points == 0
    assert masters.autograded_points(small_master()) == 3.5


def test_a_test_cell_without_its_solution_names_the_rule():
    nb = small_master()
    nb.cells.append(cell("code", "test_subtract", "assert True", grade=True, points=1))
    with pytest.raises(CourseError, match=r"'test_subtract' matches no solution cell: name it test_<"):
        masters.exercises(nb)


def test_hidden_blocks_are_marker_lines_only():
    source = ("assert f(1) == 2\n"
              "print('### BEGIN HIDDEN TESTS')  ### END HIDDEN TESTS\n"
              "  ### BEGIN HIDDEN TESTS  \n"
              "assert f(2) == 3\n"
              "  ### END HIDDEN TESTS\n"
              "### BEGIN HIDDEN TESTS\nassert f(3) == 4\n### END HIDDEN TESTS\n")
    assert masters.hidden_blocks(source) == ["assert f(2) == 3\n", "assert f(3) == 4\n"]
    assert masters.hidden_blocks("assert True  # ### BEGIN HIDDEN TESTS ... ### END HIDDEN TESTS") == []


def test_solution_sources_lose_their_markers_and_keep_the_rest():
    sources = masters.solution_sources(small_master())
    assert sources["add"] == "def add(a, b):\n    return a + b"
    assert sources["q_why"] == "Because."
    assert "setup" not in sources and "test_add" not in sources


def test_solution_only_lines_are_what_must_not_reach_students():
    nb = small_master()
    nb.cells[2].source += "\n    ### BEGIN SOLUTION\n    return a + b + 0 * a\n    ### END SOLUTION"
    lines = masters.solution_only_lines(nb, min_length=5)
    assert "return a + b" in lines and "return a + b + 0 * a" in lines
    assert "assert add(-1, 1) == 0" in lines  # hidden tests
    assert "def add(a, b):" not in lines and "assert add(1, 2) == 3" not in lines


@pytest.mark.parametrize("path", sorted((REPO / "notebooks").glob("[0-9][0-9]_*.ipynb")) + [FIXTURE],
                         ids=lambda p: p.stem)
def test_a_master_loads_alike_from_ipynb_and_py(path):
    from_ipynb, from_py = masters.load_master(path), masters.load_master(path.with_suffix(".py"))
    assert [(c.cell_type, c.source, masters.nbgrader_meta(c)) for c in from_ipynb.cells] == \
           [(c.cell_type, c.source, masters.nbgrader_meta(c)) for c in from_py.cells]
    assert masters.exercises(from_ipynb).keys() == masters.exercises(from_py).keys()


def test_load_master_names_what_it_needs(tmp_path):
    with pytest.raises(CourseError, match="no master notebook"):
        masters.load_master(tmp_path / "01_missing.ipynb")
    (tmp_path / "01_text.md").write_text("# not a master")
    with pytest.raises(CourseError, match=r"give NN_name.ipynb or its jupytext pair NN_name.py"):
        masters.load_master(tmp_path / "01_text.md")


def test_without_jupytext_removes_the_pairing_and_cell_layout_only():
    master = masters.load_master(REPO / "notebooks" / "01_linear_affine.ipynb")
    found = masters.jupytext_metadata(master)
    assert found[0] == "notebook" and any("lines_to_next_cell" in f for f in found[1:]), found
    clean = masters.without_jupytext(master)
    assert masters.jupytext_metadata(clean) == []
    assert masters.jupytext_metadata(master) == found  # the master itself is unchanged
    assert clean.metadata.kernelspec.name == "python3"
    assert [(c.source, masters.nbgrader_meta(c), c.get("id")) for c in clean.cells] == \
           [(c.source, masters.nbgrader_meta(c), c.get("id")) for c in master.cells]
    nbformat.validate(clean)
