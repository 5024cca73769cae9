"""The course's main job: execute every master, release the student versions,
autograde a reference and a blank submission of each, print the grade table."""
from __future__ import annotations

import nbformat

from course.grading import submissions
from course.grading.autograde import grade, scores
from course.grading.execute import run_masters
from course.grading.paths import CourseLayout
from course.grading.release import release, release_path

REFERENCE, BLANK = "demo-reference", "demo-blank"


def build_demo_submissions(name: str, layout: CourseLayout) -> None:
    """Write the reference and blank submissions of a released assignment."""
    released = nbformat.read(release_path(layout, name), as_version=4)
    master = nbformat.read(layout.master(name), as_version=4)
    submitted = layout.course_dir / "submitted"
    submissions.write_submission(submitted, REFERENCE, name, submissions.reference_submission(released, master))
    submissions.write_submission(submitted, BLANK, name, submissions.blank_submission(released))


def main_job(names=None, fast=True, layout: CourseLayout | None = None) -> int:
    """Returns 0 when every master ran, every release is clean, every reference
    scored the maximum autograded points and every blank scored zero."""
    layout = layout or CourseLayout.default()
    names = layout.assignment_names(names)
    print(f"== executing {len(names)} master notebook(s){' in fast mode' if fast else ''}")
    if run_masters(names, fast=fast, layout=layout) != 0:
        return 1
    print("\n== releasing the student versions")
    release(names, layout=layout)
    print("\n== autograding a reference and a blank submission of each")
    for name in names:
        build_demo_submissions(name, layout)
    grade(names, students=[REFERENCE, BLANK], layout=layout)
    wrong = []
    for s in scores(layout.course_dir, names):
        if s.student == REFERENCE and s.auto_score != s.max_auto_score:
            wrong.append(f"{s.assignment}: the reference scored {s.auto_score} of {s.max_auto_score}")
        if s.student == BLANK and s.auto_score != 0:
            wrong.append(f"{s.assignment}: the blank submission scored {s.auto_score}, not 0")
    if wrong:
        print("\nFAILED:\n  " + "\n  ".join(wrong))
        return 1
    print("\nevery reference scored full marks and every blank zero")
    return 0
