"""Autograde every submission, one student at a time, export and report grades.

One nbgrader process per student and assignment: a submission that hangs,
kills its kernel or is not a notebook at all is reported and the others are
graded as usual.
"""
from __future__ import annotations

import shutil
import time
from dataclasses import dataclass
from pathlib import Path

from course.errors import CourseError
from course.grading.nbgrader_cli import nbgrader
from course.grading.paths import CourseLayout

# A whole submission may take this long before its grading is stopped (s).
SUBMISSION_TIMEOUT = 3600


@dataclass
class GradeOutcome:
    """How one student's submission of one assignment went through autograde."""

    assignment: str
    student: str
    ok: bool
    seconds: float
    problem: str = ""


@dataclass
class Score:
    """A graded submission's points from the gradebook."""

    assignment: str
    student: str
    auto_score: float
    max_auto_score: float
    score: float
    max_score: float
    needs_manual_grade: bool


def gradebook_settings(course_dir: Path) -> tuple[str, str]:
    """(db_url, course_id) as nbgrader_config.py sets them."""
    from traitlets.config.loader import PyFileConfigLoader

    config = PyFileConfigLoader("nbgrader_config.py", path=str(course_dir)).load_config()
    return config.CourseDirectory.db_url, config.CourseDirectory.course_id


def students_of(submitted: Path, name: str) -> list[str]:
    """Students with a folder for the assignment under submitted/."""
    if not submitted.is_dir():
        return []
    return sorted(p.name for p in submitted.iterdir() if (p / name).is_dir())


def grade(names=None, submissions=None, students=None, layout: CourseLayout | None = None,
          export_csv=True) -> int:
    """Autograde (in fast mode) every submission of the named assignments.

    submissions: a folder laid out like submitted/ (student/assignment/*.ipynb),
    copied into the course's submitted/ first. students: grade only these.
    Prints one line per submission, then the grade table; exports grades.csv.
    Returns 0 when every submission was autograded, 1 when some could not be
    (they are named; the others are graded all the same).
    """
    layout = layout or CourseLayout.default()
    names = layout.assignment_names(names)
    submitted = layout.course_dir / "submitted"
    if submissions:
        _merge_submissions(Path(submissions), submitted)
    outcomes = []
    for name in names:
        if not (layout.course_dir / "source" / name / f"{name}.ipynb").is_file():
            raise CourseError(f"{name} has not been released: run `course release {name}` first")
        for student in students or students_of(submitted, name):
            outcome = grade_one(layout.course_dir, name, student)
            status = "graded" if outcome.ok else f"NOT GRADED: {outcome.problem}"
            print(f"{name:<24} {student:<16} {outcome.seconds:6.1f} s  {status}", flush=True)
            outcomes.append(outcome)
    if export_csv:
        export(layout)
    print_scores(scores(layout.course_dir, names))
    failed = [o for o in outcomes if not o.ok]
    if failed:
        print(f"{len(failed)} submission(s) could not be autograded; see above. "
              f"Their notebooks are in {submitted}.")
    return 1 if failed else 0


def grade_one(course_dir: Path, name: str, student: str) -> GradeOutcome:
    """Run `nbgrader autograde NAME --student=STUDENT` in fast mode."""
    start = time.perf_counter()
    run = nbgrader(course_dir, "autograde", name, f"--student={student}", "--force",
                   env={"COURSE_FAST": "1"}, timeout=SUBMISSION_TIMEOUT)
    seconds = time.perf_counter() - start
    if run.ok:
        return GradeOutcome(name, student, True, seconds)
    reasons = [line.split("]", 1)[-1].strip() for line in run.log.splitlines() if "[ERROR]" in line]
    problem = next((r for r in reasons if r), run.log.strip().splitlines()[-1] if run.log.strip() else "")
    return GradeOutcome(name, student, False, seconds, problem[:300])


def scores(course_dir: Path, names) -> list[Score]:
    """Every graded submission's points, from the gradebook."""
    from nbgrader.api import Gradebook, MissingEntry

    db_url, course_id = gradebook_settings(course_dir)
    result = []
    with Gradebook(db_url, course_id) as gb:
        for name in names:
            try:
                assignment = gb.find_assignment(name)
            except MissingEntry:
                continue
            for submission in assignment.submissions:
                result.append(Score(name, submission.student_id, submission.code_score,
                                    submission.max_code_score, submission.score,
                                    submission.max_score, submission.needs_manual_grade))
    return result


def print_scores(table: list[Score]) -> None:
    """The grade table: autograded points, total so far, and manual grading to do."""
    if not table:
        print("no graded submissions yet")
        return
    print(f"\n{'assignment':<24} {'student':<16} {'autograded':>12} {'total':>12}  manual grading")
    for s in table:
        manual = "needed" if s.needs_manual_grade else "-"
        print(f"{s.assignment:<24} {s.student:<16} {s.auto_score:>5.1f} / {s.max_auto_score:<4.1f}"
              f" {s.score:>5.1f} / {s.max_score:<4.1f}  {manual}")


def export(layout: CourseLayout | None = None) -> int:
    """Write grades.csv in the course directory with nbgrader export."""
    layout = layout or CourseLayout.default()
    target = layout.course_dir / "grades.csv"
    run = nbgrader(layout.course_dir, "export", f"--to={target}")
    if not run.ok:
        raise CourseError(f"nbgrader export failed:\n{run.log[-2000:]}")
    print(f"grades exported to {target}")
    return 0


def feedback(names=None, layout: CourseLayout | None = None) -> int:
    """HTML feedback for every autograded submission, in feedback/STUDENT/NAME/."""
    layout = layout or CourseLayout.default()
    for name in layout.assignment_names(names):
        run = nbgrader(layout.course_dir, "generate_feedback", name, "--force")
        if not run.ok:
            raise CourseError(f"nbgrader generate_feedback {name} failed:\n{run.log[-2000:]}")
        print(f"{name:<24} feedback written to {layout.course_dir / 'feedback'}")
    return 0


def _merge_submissions(source: Path, submitted: Path) -> None:
    if not source.is_dir():
        raise CourseError(f"--submissions {source}: no such folder (expected STUDENT/ASSIGNMENT/*.ipynb)")
    for student_dir in sorted(p for p in source.iterdir() if p.is_dir()):
        shutil.copytree(student_dir, submitted / student_dir.name, dirs_exist_ok=True)
