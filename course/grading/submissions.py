"""Build submissions from a released notebook: the reference (every solution
filled from the master), the blank one (the release unchanged) and partial ones
(a chosen set of exercises filled). Tests use them, and so can an instructor
who wants to check an assignment before publishing it.
"""
from __future__ import annotations

import copy
from dataclasses import dataclass
from pathlib import Path

import nbformat

from course.errors import CourseError
from course.grading.masters import autograded_points, exercises, grade_id, load_master, solution_sources
from course.grading.paths import CourseLayout
from course.grading.release import release_path


def fill(release, master, stems) -> nbformat.NotebookNode:
    """A copy of the release with the solution cells of the given exercises
    (stems, or "all") replaced by the master's solutions."""
    all_exercises = exercises(master)
    wanted = set(all_exercises) if stems == "all" else set(stems)
    unknown = wanted - set(all_exercises)
    if unknown:
        raise CourseError(f"no exercise {sorted(unknown)}; the exercises are {sorted(all_exercises)}")
    solution_ids = {sid for stem in wanted for sid in all_exercises[stem].solution_ids}
    solutions = {gid: source for gid, source in solution_sources(master).items() if gid in solution_ids}
    submission = copy.deepcopy(release)
    for cell in submission.cells:
        if grade_id(cell) in solutions:
            cell.source = solutions[grade_id(cell)]
    return submission


def reference_submission(release, master):
    """Every solution cell filled from the master."""
    return fill(release, master, "all")


def blank_submission(release):
    """The release as a student receives it."""
    return copy.deepcopy(release)


def write_submission(submitted_dir: Path, student: str, name: str, notebook) -> Path:
    """Write a submission where nbgrader looks for it:
    submitted_dir/student/name/name.ipynb. Returns that path."""
    path = Path(submitted_dir) / student / name / f"{name}.ipynb"
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(notebook, path)
    return path


@dataclass(frozen=True)
class BuiltSubmission:
    """What `course submission` wrote: the notebook's path and the autograded points it
    should score (of max_points)."""
    name: str
    path: Path
    expected: float
    max_points: float

    def line(self) -> str:
        return (f"wrote {self.path}; it should score {self.expected:g} of {self.max_points:g} "
                f"autograded points (`course grade {self.name}`)")


def build_submission(name: str, student: str, fill_spec: str = "all",
                     layout: CourseLayout | None = None) -> BuiltSubmission:
    """Write a submission of a released assignment under submitted/STUDENT/:
    fill_spec 'all' (reference), 'none' (blank) or comma-separated exercise
    names (partial). Raises CourseError when the assignment is not released or an
    exercise name is unknown."""
    layout = layout or CourseLayout.default()
    layout.assignment_names([name])
    if not release_path(layout, name).is_file():
        raise CourseError(f"{name} has not been released: run `course release {name}` first")
    released = nbformat.read(release_path(layout, name), as_version=4)
    master = load_master(layout.master(name))
    stems = "all" if fill_spec == "all" else [] if fill_spec == "none" else fill_spec.split(",")
    notebook = fill(released, master, stems)
    path = write_submission(layout.course_dir / "submitted", student, name, notebook)
    found = exercises(master)
    expected = sum(e.points for stem, e in found.items() if stems == "all" or stem in stems)
    return BuiltSubmission(name, path, expected, autograded_points(master))
