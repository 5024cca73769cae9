"""Make the student versions of the masters and check that nothing leaks.

A release folder, release/NAME/, holds the student notebook NAME.ipynb and
nothing else (release/ itself also holds what installs the support library,
course/grading/studentlib.py): nbgrader copies every file of source/NAME/ into it, so staging
leaves only the master there (a paired .py that JupyterLab wrote beside it
would carry solutions and hidden tests), and verification fails on any other
file that reaches release/NAME/.
"""
from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

import nbformat

from course.errors import CourseError
from course.grading import masters, studentlib
from course.grading.nbgrader_cli import nbgrader
from course.grading.paths import CourseLayout


@dataclass
class ReleasedAssignment:
    """One assignment's student version, generated and verified."""

    name: str
    notebook: Path        # release/NAME/NAME.ipynb
    removed: list[str]    # stray files and folders staging took out of source/NAME/

    def lines(self) -> list[str]:
        removed = [f"{self.name:<24} removed from source/{self.name}/ (not part of the master): "
                   f"{', '.join(self.removed)}"] if self.removed else []
        return removed + [f"{self.name:<24} released and verified: {self.notebook}"]


@dataclass
class Release:
    """What release() made. Everything in it passed verification: release()
    raises instead of returning a release that is not safe to publish."""

    assignments: list[ReleasedAssignment]
    student_files: list[Path]  # in release/: the library's wheel, requirements.txt, nbgrader_config.py, INSTALL.md

    @property
    def install(self) -> Path:
        """release/INSTALL.md, what students read first."""
        return next(path for path in self.student_files if path.name == "INSTALL.md")

    def lines(self) -> list[str]:
        """What `course release` prints: each assignment, then where students start."""
        return [line for a in self.assignments for line in a.lines()] + [
            f"{'students install with':<24} {self.install}"]


def release_path(layout: CourseLayout, name: str) -> Path:
    return layout.course_dir / "release" / name / f"{name}.ipynb"


def source_path(layout: CourseLayout, name: str) -> Path:
    return layout.course_dir / "source" / name / f"{name}.ipynb"


def stage(layout: CourseLayout, name: str) -> list[str]:
    """Write the master to source/NAME/NAME.ipynb without jupytext metadata (so
    JupyterLab pairs no .py with it) and remove everything else from source/NAME/.
    Returns the names of the stray files and folders removed."""
    staged = source_path(layout, name)
    staged.parent.mkdir(parents=True, exist_ok=True)
    removed = []
    for entry in sorted(staged.parent.iterdir()):
        if entry.name == staged.name:
            continue
        removed.append(entry.name)
        if entry.is_dir() and not entry.is_symlink():
            shutil.rmtree(entry)
        else:
            entry.unlink()
    nbformat.write(masters.without_jupytext(masters.load_master(layout.master(name))), staged)
    return removed


def release(names=None, layout: CourseLayout | None = None) -> Release:
    """Stage each master into source/NAME/, run generate_assignment, verify the release;
    then write and verify the student library's files in release/ (studentlib).

    Returns what was released; raises CourseError naming the assignment and
    what leaked or failed. Prints nothing.
    """
    layout = layout or CourseLayout.default()
    released = []
    for name in layout.assignment_names(names):
        removed = stage(layout, name)
        run = nbgrader(layout.course_dir, "generate_assignment", name, "--force")
        if not run.ok:
            raise CourseError(f"nbgrader generate_assignment {name} failed:\n{run.log[-3000:]}")
        problems = verify_release_folder(layout, name)
        if problems:
            raise CourseError(f"the release of {name} is not safe to publish:\n  " + "\n  ".join(problems))
        released.append(ReleasedAssignment(name, release_path(layout, name), removed))
    student_files = studentlib.write_student_files(layout)
    problems = studentlib.verify_student_files(layout)
    if problems:
        raise CourseError("the release folder is not safe to publish:\n  " + "\n  ".join(problems))
    return Release(released, student_files)


def verify_release_folder(layout: CourseLayout, name: str) -> list[str]:
    """Problems with release/NAME/, empty when it is safe to publish: any file but
    NAME.ipynb, and every problem of that notebook (verify_release)."""
    release_file = release_path(layout, name)
    folder = release_file.parent
    problems = [f"{path} is not the student notebook: only {release_file.name} may be released "
                f"(remove it from source/{name}/ and run `course release {name}`)"
                for path in sorted(folder.rglob("*")) if path != release_file]
    return problems + verify_release(layout.master(name), release_file)


def verify_release(master_path: Path, release_file: Path) -> list[str]:
    """Problems with a released notebook, empty when it is safe to publish:
    solution or hidden-test text, outputs, graded code cells whose stub does not
    raise NotImplementedError, solution lines of the master that survive, and
    jupytext metadata (a pairing would make JupyterLab write a .py beside it)."""
    if not release_file.is_file():
        return [f"{release_file} was not generated"]
    master = masters.load_master(master_path)
    released = nbformat.read(release_file, as_version=4)
    problems = []
    for index, cell in enumerate(released.cells):
        where = f"cell {index} ({masters.grade_id(cell) or 'no grade id'})"
        for marker in masters.SOLUTION_MARKERS + masters.HIDDEN_MARKERS:
            if marker in cell.source:
                problems.append(f"{where} contains {marker!r}")
        if cell.cell_type == "code" and (cell.get("outputs") or cell.get("execution_count")):
            problems.append(f"{where} has outputs")
        if masters.cell_kind(cell) == "solution" and masters.STUB not in cell.source:
            problems.append(f"{where} is a solution cell whose stub does not raise NotImplementedError")
    released_lines = {line.strip() for c in released.cells for line in c.source.splitlines()}
    for line in sorted(masters.solution_only_lines(master) & released_lines):
        problems.append(f"solution line {line!r} of the master is in the release")
    problems += [f"jupytext metadata ({where}) in the release: JupyterLab would pair a .py with it; "
                 f"`course release` stages masters without it" for where in masters.jupytext_metadata(released)]
    return problems
