"""The master-notebook format, its one owner (see CONTRIBUTING.md).

A master is an nbgrader notebook, authored as a jupytext py:percent pair. Every
cell carries an `nbgrader` entry; what it says makes the cell one of six kinds:

    markdown   explanation or an inline question (locked markdown)
    answer     a manually graded answer (markdown, solution and grade): the model answer
    provided   code students get as it is (locked, not graded)
    solution   an exercise's code (solution): its body between the SOLUTION markers
    test       an autograded test cell (grade, not solution): visible tests, then
               a hidden block between the HIDDEN TESTS markers
    free       unlocked, ungraded code (free exploration)

An exercise is named by its stem, the grade id of its solution cell `stem`; its
test cells are `test_stem` or `test_stem_<suffix>`. A marker is a line of its
own (indentation and trailing blanks aside).
"""
from __future__ import annotations

import copy
import re
from dataclasses import dataclass, field
from pathlib import Path

import jupytext
import nbformat

from course.errors import CourseError

SOLUTION_BEGIN, SOLUTION_END = "### BEGIN SOLUTION", "### END SOLUTION"
HIDDEN_BEGIN, HIDDEN_END = "### BEGIN HIDDEN TESTS", "### END HIDDEN TESTS"
SOLUTION_MARKERS = (SOLUTION_BEGIN, SOLUTION_END)
HIDDEN_MARKERS = (HIDDEN_BEGIN, HIDDEN_END)
STUB = "raise NotImplementedError"  # what a released solution cell raises

HIDDEN = re.compile(rf"^[ \t]*{HIDDEN_BEGIN}[ \t]*\n(.*?)^[ \t]*{HIDDEN_END}[ \t]*$", re.S | re.M)

# What jupytext keeps in a notebook: the pairing (notebook metadata `jupytext`)
# and, per cell, how to write the cell back to text (jupytext's own list).
JUPYTEXT_NOTEBOOK_KEY = "jupytext"
JUPYTEXT_CELL_KEYS = ("cell_marker", "lines_to_next_cell", "lines_to_end_of_cell_marker",
                      "skipline", "noskipline")


@dataclass
class Exercise:
    """One exercise of a master: its solution cells, its autograded test cells
    and their points. The stem is the first solution cell's grade id."""

    stem: str
    solution_ids: list = field(default_factory=list)
    test_ids: list = field(default_factory=list)
    points: float = 0.0


def load_master(path) -> nbformat.NotebookNode:
    """The master at path, NN_name.ipynb (nbformat) or its pair NN_name.py (jupytext)."""
    path = Path(path)
    if not path.is_file():
        raise CourseError(f"no master notebook {path}")
    if path.suffix == ".py":
        return jupytext.read(path)
    if path.suffix == ".ipynb":
        return nbformat.read(path, as_version=4)
    raise CourseError(f"{path} is not a master: give NN_name.ipynb or its jupytext pair NN_name.py")


def nbgrader_meta(cell) -> dict:
    """The cell's nbgrader metadata ({} when it has none)."""
    return cell.metadata.get("nbgrader", {})


def grade_id(cell) -> str | None:
    return nbgrader_meta(cell).get("grade_id")


def cell_kind(cell) -> str:
    """markdown, answer, provided, solution, test or free (see the module docstring)."""
    meta = nbgrader_meta(cell)
    if cell.cell_type != "code":
        return "answer" if meta.get("solution") else "markdown"
    if meta.get("solution"):
        return "solution"
    if meta.get("grade"):
        return "test"
    return "provided" if meta.get("locked") else "free"


def exercises(master) -> dict[str, Exercise]:
    """The master's exercises by stem: solution cell `stem`, tests `test_stem` or
    `test_stem_<suffix>` (the longest matching stem wins). Manually graded answer
    cells are exercises with 0 autograded points. Raises CourseError for a test
    cell that matches no solution cell."""
    found: dict[str, Exercise] = {}
    for cell in master.cells:
        if cell_kind(cell) in ("solution", "answer"):
            found.setdefault(grade_id(cell), Exercise(grade_id(cell))).solution_ids.append(grade_id(cell))
    for cell in master.cells:
        if cell_kind(cell) != "test":
            continue
        gid = grade_id(cell)
        stems = [s for s in found if gid == f"test_{s}" or gid.startswith(f"test_{s}_")]
        if not stems:
            raise CourseError(f"test cell {gid!r} matches no solution cell: name it test_<solution grade id>")
        stem = max(stems, key=len)
        found[stem].test_ids.append(gid)
        found[stem].points += float(nbgrader_meta(cell).get("points", 0))
    return found


def autograded_points(master) -> float:
    """The maximum autograded score of a master."""
    return sum(e.points for e in exercises(master).values())


def strip_solution_markers(source: str) -> str:
    """The master's solution code with its BEGIN/END SOLUTION lines removed."""
    return "\n".join(line for line in source.splitlines() if line.strip() not in SOLUTION_MARKERS)


def solution_sources(master) -> dict[str, str]:
    """grade id -> source without markers, for every solution and answer cell."""
    return {grade_id(c): strip_solution_markers(c.source) for c in master.cells
            if cell_kind(c) in ("solution", "answer")}


def hidden_blocks(source: str) -> list[str]:
    """The code of each hidden block of a test cell (between its marker lines)."""
    return HIDDEN.findall(source)


def solution_only_lines(master, min_length: int = 12) -> set[str]:
    """Stripped lines that stand only inside the master's solution and hidden-test
    blocks (at least min_length characters and not comments, to be telling): what
    must not reach a student."""
    inside, outside = set(), set()
    for cell in master.cells:
        if cell.cell_type != "code":
            outside.update(line.strip() for line in cell.source.splitlines())
            continue
        depth = 0
        for raw in cell.source.splitlines():
            line = raw.strip()
            if line in (SOLUTION_BEGIN, HIDDEN_BEGIN):
                depth += 1
            elif line in (SOLUTION_END, HIDDEN_END):
                depth -= 1
            elif len(line) >= min_length and not line.startswith("#"):
                (inside if depth else outside).add(line)
    return inside - outside


def jupytext_metadata(notebook) -> list[str]:
    """Where the notebook carries jupytext metadata ('notebook' or 'cell N: key'),
    empty when none: such a notebook, opened in JupyterLab, may get a paired .py."""
    found = ["notebook"] if JUPYTEXT_NOTEBOOK_KEY in notebook.metadata else []
    for index, cell in enumerate(notebook.cells):
        found += [f"cell {index}: {key}" for key in JUPYTEXT_CELL_KEYS if key in cell.metadata]
    return found


def without_jupytext(notebook) -> nbformat.NotebookNode:
    """A copy of the notebook with every jupytext key removed (pairing and cell layout)."""
    clean = copy.deepcopy(notebook)
    clean.metadata.pop(JUPYTEXT_NOTEBOOK_KEY, None)
    for cell in clean.cells:
        for key in JUPYTEXT_CELL_KEYS:
            cell.metadata.pop(key, None)
    return clean
