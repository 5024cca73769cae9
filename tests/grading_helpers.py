"""Shared set-up of the grading tests: a scratch nbgrader course directory."""
from __future__ import annotations

import copy
import csv
import shutil
from pathlib import Path

import nbformat

from course.grading.paths import CourseLayout, repo_root
from course.grading.release import release_path
from course.grading.submissions import write_submission

REPO = repo_root()
FIXTURE_NOTEBOOKS = REPO / "tests" / "fixtures" / "notebooks"


def scratch_layout(tmp: Path, notebooks: Path) -> CourseLayout:
    """A course directory in tmp with the course's own nbgrader_config.py."""
    course_dir = tmp / "autograde"
    course_dir.mkdir(parents=True)
    shutil.copy(REPO / "autograde" / "nbgrader_config.py", course_dir)
    return CourseLayout(notebooks, course_dir, tmp / "executed")


def with_cells(notebook, **sources):
    """A copy of the notebook with the cells of these grade ids given new sources."""
    notebook = copy.deepcopy(notebook)
    for cell in notebook.cells:
        grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
        if grade_id in sources:
            cell.source = sources[grade_id]
    return notebook


def read_release(layout: CourseLayout, name: str):
    return nbformat.read(release_path(layout, name), as_version=4)


def read_master(layout: CourseLayout, name: str):
    return nbformat.read(layout.master(name), as_version=4)


def submit(layout: CourseLayout, student: str, name: str, notebook) -> Path:
    return write_submission(layout.course_dir / "submitted", student, name, notebook)


def exported_grades(layout: CourseLayout) -> dict[tuple[str, str], float]:
    """(assignment, student) -> raw score, from grades.csv as nbgrader exported it."""
    with open(layout.course_dir / "grades.csv", newline="") as handle:
        return {(row["assignment"], row["student_id"]): float(row["raw_score"] or 0)
                for row in csv.DictReader(handle)}
