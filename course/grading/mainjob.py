"""The course's main job: execute every master, release the student versions,
autograde a reference and a blank submission of each; returns what it did (the CLI prints).

The student versions are released into the instructor's course directory
(autograde/: what gets published). The demo submissions are graded apart, in
a demo course directory beside it (autograde-demo/, git-ignored) with a
gradebook of its own (autograde-demo/gradebook.db, whatever
COURSE_GRADEBOOK_URL says): the demo students never reach the instructor's
gradebook, grades.csv or formgrader. The demo directory is rebuilt on every
run; nbgrader's own commands work in it too (`cd autograde-demo && nbgrader
formgrader`).
"""
from __future__ import annotations

import os
import shutil
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import nbformat

from course.errors import CourseError
from course.grading import submissions
from course.grading.autograde import GradingRun, grade
from course.grading.execute import MastersRun, run_masters
from course.grading.paths import CourseLayout
from course.grading.release import Release, release, release_path
from course.grading.sandbox import INSTALL_HINT, sandbox_problem

REFERENCE, BLANK = "demo-reference", "demo-blank"
DEMO_MARKER = "DEMO.txt"  # marks a folder main_job made and may rebuild


def demo_layout(layout: CourseLayout) -> CourseLayout:
    """The demo course directory beside the instructor's: autograde -> autograde-demo."""
    demo_dir = layout.course_dir.with_name(layout.course_dir.name + "-demo")
    return CourseLayout(layout.notebooks, demo_dir, layout.executed)


def fresh_demo_course(layout: CourseLayout) -> CourseLayout:
    """An empty demo course directory with the instructor's nbgrader_config.py
    (which puts the SQLite gradebook beside itself). Refuses to clear a folder
    that main_job did not make."""
    demo = demo_layout(layout)
    if demo.course_dir.exists():
        if not (demo.course_dir / DEMO_MARKER).is_file():
            raise CourseError(f"{demo.course_dir} exists and was not made by `course main` (no {DEMO_MARKER}): "
                              "move it away, main_job grades its demo submissions there")
        shutil.rmtree(demo.course_dir)
    demo.course_dir.mkdir(parents=True)
    shutil.copy(layout.course_dir / "nbgrader_config.py", demo.course_dir)
    (demo.course_dir / DEMO_MARKER).write_text(
        "Made by `course main`: the demo submissions graded apart from the instructor's "
        f"gradebook in {layout.course_dir}. Deleted and rebuilt on every run.\n")
    return demo


@contextmanager
def gradebook_url(url: str):
    """COURSE_GRADEBOOK_URL set to url inside the block (nbgrader_config.py reads it)."""
    before = os.environ.get("COURSE_GRADEBOOK_URL")
    os.environ["COURSE_GRADEBOOK_URL"] = url
    try:
        yield
    finally:
        if before is None:
            del os.environ["COURSE_GRADEBOOK_URL"]
        else:
            os.environ["COURSE_GRADEBOOK_URL"] = before


def build_demo_submissions(name: str, layout: CourseLayout) -> None:
    """Write the reference and blank submissions of a released assignment."""
    released = nbformat.read(release_path(layout, name), as_version=4)
    master = nbformat.read(layout.master(name), as_version=4)
    submitted = layout.course_dir / "submitted"
    submissions.write_submission(submitted, REFERENCE, name, submissions.reference_submission(released, master))
    submissions.write_submission(submitted, BLANK, name, submissions.blank_submission(released))


@dataclass(frozen=True)
class Note:
    """A line main_job reports as it goes (a heading, a release's lines, a summary)."""
    text: str

    def line(self) -> str:
        return self.text


@dataclass
class MainJob:
    """What main_job did: the masters' run, the instructor's release, the demo's
    grading (None for the steps a failed run skipped), and what went wrong with the
    demo grades (empty: every reference scored full marks and every blank zero)."""
    masters: MastersRun
    demo_dir: Path
    release: Release | None = None
    grading: GradingRun | None = None
    wrong: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.masters.ok and self.grading is not None and not self.wrong

    def conclusion(self) -> str:
        if not self.masters.ok:
            return "FAILED: a master notebook did not run (see above)"
        if self.wrong:
            return "\nFAILED:\n  " + "\n  ".join(self.wrong)
        return f"\nevery reference scored full marks and every blank zero (demo grades in {self.demo_dir})"


def demo_sandbox_note() -> str | None:
    """Why the demo is graded unsandboxed here (None: bubblewrap works). The demo
    submissions are built here from the masters, so without bubblewrap (a student's
    laptop, macOS) they are graded unsandboxed, with this note: students' work never
    is (`course grade` refuses)."""
    problem = sandbox_problem()
    return problem and (f"note: {problem}; the demo submissions, built here from the masters, are graded "
                        f"without the sandbox. `course grade` needs it for students' work: {INSTALL_HINT}")


def demo_scores_wrong(run: GradingRun) -> list[str]:
    """Every demo reference without full marks and every blank above zero."""
    wrong = []
    for s in run.scores:
        if s.student == REFERENCE and s.auto_score != s.max_auto_score:
            wrong.append(f"{s.assignment}: the reference scored {s.auto_score} of {s.max_auto_score}")
        if s.student == BLANK and s.auto_score != 0:
            wrong.append(f"{s.assignment}: the blank submission scored {s.auto_score}, not 0")
    return wrong


def grade_demo(names: list[str], layout: CourseLayout, progress=None) -> GradingRun:
    """Release, build and grade the demo submissions in the demo course directory,
    reporting the release and the grading to progress (called with each event that
    has a line(), as main_job's) as `course release` and `course grade` print them.
    Returns the grading."""
    progress = progress or (lambda event: None)
    demo = fresh_demo_course(layout)
    with gradebook_url("sqlite:///" + str(Path(demo.course_dir, "gradebook.db").resolve())):
        progress(Note("\n".join(release(names, layout=demo).lines())))
        for name in names:
            build_demo_submissions(name, demo)
        note = demo_sandbox_note()
        if note:
            progress(Note(note))
        run = grade(names, students=[REFERENCE, BLANK], layout=demo, sandbox=note is None, progress=progress)
        progress(Note("\n".join(run.summary())))
    return run


def main_job(names=None, fast=True, layout: CourseLayout | None = None,
             progress: Callable[[object], None] | None = None) -> MainJob:
    """The whole demonstration: execute the masters, release them, grade the demo
    submissions. progress is called as it goes with each event (a RunResult, a
    GradeOutcome, an Unchanged notice or a Note: each has a line(), those of `course
    run`, `course release` and `course grade`). The result is ok when every master ran,
    every reference scored the maximum autograded points and every blank scored zero."""
    progress = progress or (lambda event: None)
    layout = layout or CourseLayout.default()
    names = layout.assignment_names(names)
    demo_dir = demo_layout(layout).course_dir
    progress(Note(f"== executing {len(names)} master notebook(s){' in fast mode' if fast else ''}"))
    run = run_masters(names, fast=fast, layout=layout, progress=progress)
    progress(Note(run.summary()))
    job = MainJob(run, demo_dir)
    if not run.ok:
        return job
    progress(Note(f"\n== releasing the student versions into {layout.course_dir / 'release'}"))
    job.release = release(names, layout=layout)
    progress(Note("\n".join(job.release.lines())))
    progress(Note(f"\n== autograding a reference and a blank submission of each in {demo_dir} "
                  "(a demo gradebook, not the instructor's)"))
    job.grading = grade_demo(names, layout, progress)
    job.wrong = demo_scores_wrong(job.grading)
    return job
