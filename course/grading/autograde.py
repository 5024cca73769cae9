"""Autograde submissions, export and report grades (dispatch.py decides
which submissions and where: serially, several at once, or on a Dask cluster).

One nbgrader process per student and assignment: a submission that hangs,
kills its kernel or is not a notebook at all is reported and the others are
graded as usual. Every student kernel runs in the sandbox (sandbox.py) unless
the instructor asks for `sandbox=False` (`course grade --no-sandbox`), and the
files that decide how grading runs are checked after every submission
(integrity.py).

The work returns results and prints nothing: `grade()` gives a GradingRun
(each submission's GradeOutcome, the grade table, grades.csv), and
`course grade` (cli.py) prints their lines and owns the exit code.
"""
from __future__ import annotations

import re
import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from course.errors import CourseError
from course.grading.nbgrader_cli import nbgrader
from course.grading.paths import CourseLayout
from course.grading.sandbox import SANDBOX_SWITCH, Limits, describe_limit_errors, require_sandbox

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
    sandboxed: bool = True
    limits_hit: tuple = ()

    def line(self) -> str:
        """The grade line: assignment, student, time, status, limits hit, UNSANDBOXED."""
        status = "graded" if self.ok else "NOT GRADED"
        notes = [self.problem] if self.problem else []
        notes += list(self.limits_hit)
        text = f"{self.assignment:<24} {self.student:<20} {self.seconds:6.1f} s  {status}"
        text += f": {'; '.join(notes)}" if notes else ""
        return text + ("" if self.sandboxed else "  UNSANDBOXED")


@dataclass
class Unchanged:
    """Submissions of one assignment left alone: unchanged since their last grading."""

    assignment: str
    students: list[str]

    def line(self) -> str:
        return (f"{self.assignment}: {len(self.students)} submission(s) unchanged since their last grading, "
                "not graded again (--force regrades them)")


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


@dataclass
class GradingRun:
    """What one grade() did: the submissions it graded (in the order they
    finished), those it left alone, the gradebook's grade table afterwards
    (every graded submission of the assignments, from this run or earlier) and
    the grades.csv it wrote (None when not exported)."""

    submitted: Path
    outcomes: list[GradeOutcome]
    unchanged: list[Unchanged]
    scores: list[Score]
    grades_csv: Path | None = None

    @property
    def failed(self) -> list[GradeOutcome]:
        """The submissions that could not be autograded (NOT GRADED)."""
        return [o for o in self.outcomes if not o.ok]

    @property
    def ok(self) -> bool:
        return not self.failed

    def summary(self) -> list[str]:
        """What `course grade` prints after the grade lines: the export, the
        grade table, and the submissions that could not be autograded."""
        lines = [f"grades exported to {self.grades_csv}"] if self.grades_csv else []
        lines += score_lines(self.scores)
        if self.failed:
            lines.append(f"{len(self.failed)} submission(s) could not be autograded; see above. "
                         f"Their notebooks are in {self.submitted}.")
        return lines


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
          export_csv=True, sandbox=True, jobs=None, scheduler=None, force=False,
          progress: Callable[[GradeOutcome | Unchanged], None] | None = None) -> GradingRun:
    """Autograde (in fast mode) the submissions of the named assignments that
    are new or changed since their last grading (dispatch.py says which and where).

    submissions: a folder laid out like submitted/ (student/assignment/*.ipynb),
    copied into the course's submitted/ first. students: grade these (changed
    or not). force: grade every submission. jobs: submissions graded at once
    on this machine (default: every core; 1 is serial). scheduler: the address
    of a Dask scheduler (tcp://HOST:8786) whose workers grade instead.
    sandbox: run every student kernel in the sandbox; without it every grade
    line says UNSANDBOXED. export_csv: write grades.csv at the end.
    progress: called as grading goes with each assignment's Unchanged notice
    and each submission's GradeOutcome as it finishes (`course grade` prints
    their line()).

    Returns the GradingRun; a submission that could not be autograded is in its
    `failed` (the others are graded all the same). Raises CourseError before
    grading anything when an assignment is not released or the sandbox cannot
    run here, and stops with CourseError when a submission's run changed a file
    that decides how grading runs (integrity.py). Prints nothing.
    """
    from course.grading import dispatch  # dispatch builds on this module's grade_one

    report = progress or (lambda event: None)
    layout = layout or CourseLayout.default()
    names = layout.assignment_names(names)
    if sandbox:
        require_sandbox()
    submitted = layout.course_dir / "submitted"
    if submissions:
        _merge_submissions(Path(submissions), submitted)
    outcomes, left_alone = [], []
    with dispatch.grading_on(jobs, scheduler) as where:
        for name in names:
            if not (layout.course_dir / "source" / name / f"{name}.ipynb").is_file():
                raise CourseError(f"{name} has not been released: run `course release {name}` first")
            todo, unchanged = dispatch.select(layout.course_dir, name, students, force)
            if unchanged:
                left_alone.append(Unchanged(name, unchanged))
                report(left_alone[-1])
            for outcome in dispatch.grade_assignment(layout.course_dir, name, todo, sandbox, where):
                report(outcome)
                outcomes.append(outcome)
    grades_csv = export(layout) if export_csv else None
    return GradingRun(submitted, outcomes, left_alone, scores(layout.course_dir, names), grades_csv)


def grade_one(course_dir: Path, name: str, student: str, sandbox=True, db_url=None,
              env=None) -> GradeOutcome:
    """Run `nbgrader autograde NAME --student=STUDENT` in fast mode, every
    kernel sandboxed unless sandbox=False; a submission without the notebook
    is recorded with zero points. db_url: the gradebook to write (default:
    the config's). env: grading settings (COURSE_CELL_TIMEOUT, limits) over
    this process's environment. The outcome names the sandbox limits that
    cells of the submission hit."""
    start = time.perf_counter()
    links = symbolic_links(course_dir / "submitted" / student, name)
    if links:
        record_missing_notebook(course_dir, name, student, db_url)
        return GradeOutcome(name, student, True, time.perf_counter() - start,
                            f"{links[0]} is a symbolic link, not a file of the student's: zero points; "
                            "ask for the file itself", sandbox)
    if not (course_dir / "submitted" / student / name / f"{name}.ipynb").is_file():
        record_missing_notebook(course_dir, name, student, db_url)
        return GradeOutcome(name, student, True, time.perf_counter() - start,
                            f"no {name}.ipynb submitted: zero points", sandbox)
    db_option = [f"--CourseDirectory.db_url={db_url}"] if db_url else []
    run = nbgrader(course_dir, "autograde", name, f"--student={student}", "--force", *db_option,
                   env={**(env or {}), "COURSE_FAST": "1", SANDBOX_SWITCH: "on" if sandbox else "off"},
                   timeout=SUBMISSION_TIMEOUT)
    seconds = time.perf_counter() - start
    limits_hit = tuple(limits_reached(course_dir, name, student, env)) if sandbox else ()
    if run.ok:
        return GradeOutcome(name, student, True, seconds, sandboxed=sandbox, limits_hit=limits_hit)
    problem = explain_failure(run.log)
    return GradeOutcome(name, student, False, seconds, problem[:300], sandbox, limits_hit)


def symbolic_links(student_dir: Path, name: str) -> list[Path]:
    """Symbolic links in a student's submission of `name` (the folder itself
    included): a link could make nbgrader grade or copy a file that is not
    the student's (the source, a classmate's)."""
    folder = student_dir / name
    found = [p for p in (student_dir, folder) if p.is_symlink()]
    if folder.is_dir() and not found:
        found = [p for p in folder.rglob("*") if p.is_symlink()]
    return found


def limits_reached(course_dir: Path, name: str, student: str, env=None) -> list[str]:
    """The sandbox limits the graded copy's cells ran into ('memory limit 4 GiB
    reached in test_add'); empty when there is no graded copy. env: as for grade_one."""
    import os

    import nbformat

    graded = course_dir / "autograded" / student / name / f"{name}.ipynb"
    if not graded.is_file():
        return []
    limits = Limits.from_environment({**os.environ, **(env or {})})
    return describe_limit_errors(nbformat.read(graded, as_version=4), limits)


KNOWN_FAILURES = {
    "DeadKernelError": "the kernel died (os._exit, a crash or out of memory): nbgrader "
                       "keeps no autograded points and flags it for manual grading",
    "NotJSONError": "the file is not a readable notebook (not JSON): ask the student to re-submit",
    "NotebookValidationError": "the notebook does not follow the notebook format",
}


def explain_failure(log: str) -> str:
    """One line saying why nbgrader could not autograde a submission."""
    for marker, explanation in KNOWN_FAILURES.items():
        if marker in log:
            return explanation
    exception_lines = [line.strip() for line in log.splitlines()
                       if re.match(r"^\s*[\w.]+(Error|Exception|Exit): ", line)]
    return exception_lines[-1][:300] if exception_lines else "nbgrader autograde failed; run it by hand to see its log"


def record_missing_notebook(course_dir: Path, name: str, student: str, db_url=None) -> None:
    """Give a submission without its notebook zero points in the gradebook
    (db_url, default the config's), as nbgrader does for a missing notebook of
    a several-notebook assignment."""
    from nbgrader.api import Gradebook

    config_url, course_id = gradebook_settings(course_dir)
    db_url = db_url or config_url
    with Gradebook(db_url, course_id) as gb:
        gb.update_or_create_student(student)
        submission = gb.update_or_create_submission(name, student)
        for notebook in submission.notebooks:
            for cell_grade in notebook.grades:
                cell_grade.auto_score = 0
                cell_grade.needs_manual_grade = False
        gb.db.commit()


def scores(course_dir: Path, names) -> list[Score]:
    """Every graded submission's points, from the gradebook, by assignment then student."""
    from nbgrader.api import Gradebook, MissingEntry

    db_url, course_id = gradebook_settings(course_dir)
    result = []
    with Gradebook(db_url, course_id) as gb:
        for name in names:
            try:
                assignment = gb.find_assignment(name)
            except MissingEntry:
                continue
            for submission in sorted(assignment.submissions, key=lambda s: s.student_id):
                result.append(Score(name, submission.student_id, submission.code_score,
                                    submission.max_code_score, submission.score,
                                    submission.max_score, submission.needs_manual_grade))
    return result


def score_lines(table: list[Score]) -> list[str]:
    """The grade table (after a blank line): autograded points, total so far,
    and manual grading to do."""
    if not table:
        return ["no graded submissions yet"]
    lines = ["", f"{'assignment':<24} {'student':<20} {'autograded':>12} {'total':>12}  manual grading"]
    for s in table:
        manual = "needed" if s.needs_manual_grade else "-"
        lines.append(f"{s.assignment:<24} {s.student:<20} {s.auto_score:>5.1f} / {s.max_auto_score:<4.1f}"
                     f" {s.score:>5.1f} / {s.max_score:<4.1f}  {manual}")
    return lines


def export(layout: CourseLayout | None = None) -> Path:
    """Write grades.csv in the course directory with nbgrader export; returns its path."""
    layout = layout or CourseLayout.default()
    target = layout.course_dir / "grades.csv"
    run = nbgrader(layout.course_dir, "export", f"--to={target}")
    if not run.ok:
        raise CourseError(f"nbgrader export failed:\n{run.log[-2000:]}")
    return target


def _merge_submissions(source: Path, submitted: Path) -> None:
    if not source.is_dir():
        raise CourseError(f"--submissions {source}: no such folder (expected STUDENT/ASSIGNMENT/*.ipynb)")
    for student_dir in sorted(p for p in source.iterdir() if p.is_dir()):
        # links stay links (grade_one refuses them), never the files they point to
        shutil.copytree(student_dir, submitted / student_dir.name, dirs_exist_ok=True, symlinks=True)
