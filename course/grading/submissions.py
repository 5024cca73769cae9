"""Build submissions from a released notebook: the reference (every solution
filled from the master), the blank one (the release unchanged) and partial ones
(a chosen set of exercises filled). Tests use them, and so can an instructor
who wants to check an assignment before publishing it.
"""
from __future__ import annotations

import copy
from dataclasses import dataclass, field
from pathlib import Path

import nbformat

from course.errors import CourseError
from course.grading.paths import CourseLayout
from course.grading.release import SOLUTION_MARKERS, release_path


@dataclass
class Exercise:
    """One exercise of a master: its solution cells, its autograded test cells
    and their points. The stem is the first solution cell's grade id."""

    stem: str
    solution_ids: list = field(default_factory=list)
    test_ids: list = field(default_factory=list)
    points: float = 0.0


def _meta(cell) -> dict:
    return cell.metadata.get("nbgrader", {})


def exercises(master) -> dict[str, Exercise]:
    """The master's exercises by stem: solution cell `stem`, tests `test_stem` or
    `test_stem_<suffix>`. Manually graded answer cells are exercises with 0
    autograded points."""
    found: dict[str, Exercise] = {}
    for cell in master.cells:
        meta = _meta(cell)
        if meta.get("solution"):
            found.setdefault(meta["grade_id"], Exercise(meta["grade_id"])).solution_ids.append(meta["grade_id"])
    for cell in master.cells:
        meta = _meta(cell)
        if not meta.get("grade") or meta.get("solution"):
            continue
        grade_id = meta["grade_id"]
        stems = [s for s in found if grade_id == f"test_{s}" or grade_id.startswith(f"test_{s}_")]
        if not stems:
            raise CourseError(f"test cell {grade_id!r} matches no solution cell: name it test_<solution grade id>")
        stem = max(stems, key=len)
        found[stem].test_ids.append(grade_id)
        found[stem].points += float(meta.get("points", 0))
    return found


def autograded_points(master) -> float:
    """The maximum autograded score of a master."""
    return sum(e.points for e in exercises(master).values())


def strip_solution_markers(source: str) -> str:
    """The master's solution code with its BEGIN/END SOLUTION lines removed."""
    return "\n".join(line for line in source.splitlines() if line.strip() not in SOLUTION_MARKERS)


def fill(release, master, stems) -> nbformat.NotebookNode:
    """A copy of the release with the solution cells of the given exercises
    (stems, or "all") replaced by the master's solutions."""
    all_exercises = exercises(master)
    wanted = set(all_exercises) if stems == "all" else set(stems)
    unknown = wanted - set(all_exercises)
    if unknown:
        raise CourseError(f"no exercise {sorted(unknown)}; the exercises are {sorted(all_exercises)}")
    solution_ids = {sid for stem in wanted for sid in all_exercises[stem].solution_ids}
    solutions = {_meta(c)["grade_id"]: c.source for c in master.cells if _meta(c).get("grade_id") in solution_ids}
    submission = copy.deepcopy(release)
    for cell in submission.cells:
        grade_id = _meta(cell).get("grade_id")
        if grade_id in solutions:
            cell.source = strip_solution_markers(solutions[grade_id])
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


def build_submission(name: str, student: str, fill_spec: str = "all",
                     layout: CourseLayout | None = None) -> int:
    """Write a submission of a released assignment under submitted/STUDENT/:
    fill_spec 'all' (reference), 'none' (blank) or comma-separated exercise
    names (partial). Prints the autograded points it should get."""
    layout = layout or CourseLayout.default()
    layout.assignment_names([name])
    if not release_path(layout, name).is_file():
        raise CourseError(f"{name} has not been released: run `course release {name}` first")
    released = nbformat.read(release_path(layout, name), as_version=4)
    master = nbformat.read(layout.master(name), as_version=4)
    stems = "all" if fill_spec == "all" else [] if fill_spec == "none" else fill_spec.split(",")
    notebook = fill(released, master, stems)
    path = write_submission(layout.course_dir / "submitted", student, name, notebook)
    found = exercises(master)
    expected = sum(e.points for stem, e in found.items() if stems == "all" or stem in stems)
    print(f"wrote {path}; it should score {expected:g} of {autograded_points(master):g} "
          f"autograded points (`course grade {name}`)")
    return 0
