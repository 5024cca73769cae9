"""The course's main job: execute every master, release the student versions,
autograde a reference and a blank submission of each, print the grade table.

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
from contextlib import contextmanager
from pathlib import Path

import nbformat

from course.errors import CourseError
from course.grading import submissions
from course.grading.autograde import grade
from course.grading.execute import run_masters
from course.grading.paths import CourseLayout
from course.grading.release import release, release_path
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


def demo_sandbox() -> bool:
    """Grade the demo in the sandbox where it can run. The demo submissions
    are built here from the masters, so without bubblewrap (a student's
    laptop, macOS) they are graded unsandboxed, with a note: students' work
    never is (`course grade` refuses)."""
    problem = sandbox_problem()
    if problem:
        print(f"note: {problem}; the demo submissions, built here from the masters, are graded "
              f"without the sandbox. `course grade` needs it for students' work: {INSTALL_HINT}")
    return problem is None


def print_line(event) -> None:
    """Print a progress event at once: a notebook's RunResult, a submission's
    GradeOutcome or an Unchanged notice (`course run`, `course grade` and main_job)."""
    print(event.line(), flush=True)


def grade_demo(names: list[str], layout: CourseLayout) -> list[str]:
    """Release, build and grade the demo submissions in the demo course
    directory, printing the release and the grading as `course release` and
    `course grade` do. Returns what went wrong (empty: every reference scored
    full marks and every blank zero)."""
    demo = fresh_demo_course(layout)
    with gradebook_url("sqlite:///" + str(Path(demo.course_dir, "gradebook.db").resolve())):
        print("\n".join(release(names, layout=demo).lines()))
        for name in names:
            build_demo_submissions(name, demo)
        run = grade(names, students=[REFERENCE, BLANK], layout=demo, sandbox=demo_sandbox(),
                    progress=print_line)
        print("\n".join(run.summary()))
    wrong = []
    for s in run.scores:
        if s.student == REFERENCE and s.auto_score != s.max_auto_score:
            wrong.append(f"{s.assignment}: the reference scored {s.auto_score} of {s.max_auto_score}")
        if s.student == BLANK and s.auto_score != 0:
            wrong.append(f"{s.assignment}: the blank submission scored {s.auto_score}, not 0")
    return wrong


def main_job(names=None, fast=True, layout: CourseLayout | None = None) -> int:
    """The whole demonstration as a command: prints each step as it goes (the
    lines of `course run`, `course release` and `course grade`). Returns 0 when
    every master ran, every release is clean, every reference scored the
    maximum autograded points and every blank scored zero."""
    layout = layout or CourseLayout.default()
    names = layout.assignment_names(names)
    print(f"== executing {len(names)} master notebook(s){' in fast mode' if fast else ''}")
    run = run_masters(names, fast=fast, layout=layout, progress=print_line)
    print(run.summary())
    if not run.ok:
        return 1
    print(f"\n== releasing the student versions into {layout.course_dir / 'release'}")
    print("\n".join(release(names, layout=layout).lines()))
    demo_dir = demo_layout(layout).course_dir
    print(f"\n== autograding a reference and a blank submission of each in {demo_dir} "
          "(a demo gradebook, not the instructor's)")
    wrong = grade_demo(names, layout)
    if wrong:
        print("\nFAILED:\n  " + "\n  ".join(wrong))
        return 1
    print(f"\nevery reference scored full marks and every blank zero (demo grades in {demo_dir})")
    return 0
