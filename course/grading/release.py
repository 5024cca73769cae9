"""Make the student versions of the masters and check that nothing leaks."""
from __future__ import annotations

import shutil
from pathlib import Path

import nbformat

from course.errors import CourseError
from course.grading.nbgrader_cli import nbgrader
from course.grading.paths import CourseLayout

SOLUTION_MARKERS = ("### BEGIN SOLUTION", "### END SOLUTION")
HIDDEN_MARKERS = ("### BEGIN HIDDEN TESTS", "### END HIDDEN TESTS")
STUB = "raise NotImplementedError"


def release_path(layout: CourseLayout, name: str) -> Path:
    return layout.course_dir / "release" / name / f"{name}.ipynb"


def release(names=None, layout: CourseLayout | None = None) -> int:
    """Stage each master into source/NAME/, run generate_assignment, verify the release.

    Raises CourseError naming the assignment and what leaked or failed.
    """
    layout = layout or CourseLayout.default()
    for name in layout.assignment_names(names):
        source = layout.course_dir / "source" / name
        source.mkdir(parents=True, exist_ok=True)
        shutil.copy2(layout.master(name), source / f"{name}.ipynb")
        run = nbgrader(layout.course_dir, "generate_assignment", name, "--force")
        if not run.ok:
            raise CourseError(f"nbgrader generate_assignment {name} failed:\n{run.log[-3000:]}")
        problems = verify_release(layout.master(name), release_path(layout, name))
        if problems:
            raise CourseError(f"the release of {name} is not safe to publish:\n  " + "\n  ".join(problems))
        print(f"{name:<24} released and verified: {release_path(layout, name)}")
    return 0


def verify_release(master_path: Path, release_file: Path) -> list[str]:
    """Problems with a released notebook, empty when it is safe to publish:
    solution or hidden-test text, outputs, graded code cells whose stub does not
    raise NotImplementedError, solution lines of the master that survive."""
    if not release_file.is_file():
        return [f"{release_file} was not generated"]
    master = nbformat.read(master_path, as_version=4)
    released = nbformat.read(release_file, as_version=4)
    problems = []
    for index, cell in enumerate(released.cells):
        where = f"cell {index} ({cell.metadata.get('nbgrader', {}).get('grade_id', 'no grade id')})"
        for marker in SOLUTION_MARKERS + HIDDEN_MARKERS:
            if marker in cell.source:
                problems.append(f"{where} contains {marker!r}")
        if cell.cell_type == "code" and (cell.get("outputs") or cell.get("execution_count")):
            problems.append(f"{where} has outputs")
        meta = cell.metadata.get("nbgrader", {})
        if cell.cell_type == "code" and meta.get("solution") and STUB not in cell.source:
            problems.append(f"{where} is a solution cell whose stub does not raise NotImplementedError")
    released_lines = {line.strip() for c in released.cells for line in c.source.splitlines()}
    for line in sorted(_solution_only_lines(master) & released_lines):
        problems.append(f"solution line {line!r} of the master is in the release")
    return problems


def _solution_only_lines(master) -> set[str]:
    """Lines that stand only inside the master's solution and hidden-test blocks
    (long enough to be telling), to look for in the release."""
    inside, outside = set(), set()
    for cell in master.cells:
        if cell.cell_type != "code":
            outside.update(line.strip() for line in cell.source.splitlines())
            continue
        depth = 0
        for raw in cell.source.splitlines():
            line = raw.strip()
            if line in (SOLUTION_MARKERS[0], HIDDEN_MARKERS[0]):
                depth += 1
            elif line in (SOLUTION_MARKERS[1], HIDDEN_MARKERS[1]):
                depth -= 1
            elif len(line) >= 12 and not line.startswith("#"):
                (inside if depth else outside).add(line)
    return inside - outside
