"""Incremental grading: only new or changed submissions are graded again
(`--force` all, `--student` the named), and a regrade keeps the manual grade
and comment an instructor gave to an answer that did not change.
Fixture points: add 2, scale_vector 3, count_positive 4, q_why 1 (by hand)."""
from __future__ import annotations

import copy

import nbformat
import pytest

from course.cli import build_parser
from course.grading import incremental
from course.grading import submissions as subs
from course.grading.autograde import export, grade, gradebook_settings, scores
from course.grading.dispatch import select
from course.grading.release import release
from grading_helpers import (FIXTURE_NOTEBOOKS, exported_grades, read_master, read_release,
                             scratch_layout, submit)

NAME = "00_fixture"


def with_cell(notebook, grade_id, source):
    notebook = copy.deepcopy(notebook)
    for cell in notebook.cells:
        if cell.metadata.get("nbgrader", {}).get("grade_id") == grade_id:
            cell.source = source
    return notebook


def graded(run) -> set[str]:
    """The students a grade() run graded, after checking that all of them were autograded."""
    assert run.ok, [o.line() for o in run.failed]
    return {o.student for o in run.outcomes}


@pytest.fixture
def course(tmp_path):
    """The fixture released, with reference, blank and partial submissions."""
    layout = scratch_layout(tmp_path, FIXTURE_NOTEBOOKS)
    release([NAME], layout=layout)
    released, master = read_release(layout, NAME), read_master(layout, NAME)
    submit(layout, "reference", NAME, subs.reference_submission(released, master))
    submit(layout, "blank", NAME, subs.blank_submission(released))
    submit(layout, "partial", NAME, subs.fill(released, master, ["add"]))
    return layout, released, master


@pytest.mark.slow
def test_only_new_or_changed_submissions_are_graded_again(course):
    layout, released, master = course
    assert graded(grade([NAME], layout=layout, export_csv=False, jobs=2)) == {"reference", "blank", "partial"}

    again = grade([NAME], layout=layout, export_csv=False, jobs=2)
    assert graded(again) == set()
    assert [(u.assignment, sorted(u.students)) for u in again.unchanged] == [
        (NAME, ["blank", "partial", "reference"])]

    submit(layout, "partial", NAME, subs.fill(released, master, ["add", "scale_vector"]))
    submit(layout, "newcomer", NAME, subs.blank_submission(released))
    run = grade([NAME], layout=layout, export_csv=False, jobs=2)
    assert graded(run) == {"partial", "newcomer"}
    assert {s.student: s.auto_score for s in run.scores}["partial"] == 5

    assert graded(grade([NAME], layout=layout, export_csv=False, students=["blank"])) == {"blank"}
    assert graded(grade([NAME], layout=layout, export_csv=False, force=True)) == {
        "reference", "blank", "partial", "newcomer"}

    config = layout.course_dir / "nbgrader_config.py"  # a new config changes how everyone is graded
    config.write_text(config.read_text() + "\nc.Execute.timeout = 60\n")
    assert select(layout.course_dir, NAME)[0] == ["blank", "newcomer", "partial", "reference"]


def set_manual_grade(course_dir, student, score, comment):
    """What the formgrader does when an instructor grades q_why by hand."""
    from nbgrader.api import Gradebook

    with Gradebook(*gradebook_settings(course_dir)) as gb:
        cell = gb.find_grade("q_why", NAME, NAME, student)
        cell.manual_score = score
        cell.needs_manual_grade = False
        gb.find_comment("q_why", NAME, NAME, student).manual_comment = comment
        gb.db.commit()


def manual_grade(course_dir, student):
    from nbgrader.api import Gradebook

    with Gradebook(*gradebook_settings(course_dir)) as gb:
        cell = gb.find_grade("q_why", NAME, NAME, student)
        comment = gb.find_comment("q_why", NAME, NAME, student)
        return cell.manual_score, comment.manual_comment, cell.needs_manual_grade


@pytest.mark.slow
@pytest.mark.parametrize("jobs", [1, 2])
def test_a_regrade_keeps_the_manual_grade_of_an_unchanged_answer(course, jobs):
    layout, released, master = course
    course_dir = layout.course_dir
    assert graded(grade([NAME], layout=layout, export_csv=False, jobs=jobs)) == {"reference", "blank", "partial"}
    assert manual_grade(course_dir, "reference") == (None, None, True)
    set_manual_grade(course_dir, "reference", 1.0, "Right: f(0) = b is not 0.")
    set_manual_grade(course_dir, "partial", 0.5, "Half of it.")

    # reference edits a code cell (still correct), partial rewrites its answer
    submitted = course_dir / "submitted" / "reference" / NAME / f"{NAME}.ipynb"
    notebook = nbformat.read(submitted, as_version=4)
    nbformat.write(with_cell(notebook, "add", "def add(a, b):\n    return b + a  # commutes"), submitted)
    partial = course_dir / "submitted" / "partial" / NAME / f"{NAME}.ipynb"
    nbformat.write(with_cell(nbformat.read(partial, as_version=4), "q_why", "Because of b."), partial)
    assert graded(grade([NAME], layout=layout, export_csv=False, jobs=jobs)) == {"reference", "partial"}

    assert manual_grade(course_dir, "reference") == (1.0, "Right: f(0) = b is not 0.", False)
    # a changed answer keeps its old grade, and is back on the list to review
    assert manual_grade(course_dir, "partial") == (0.5, "Half of it.", True)
    table = {s.student: s for s in scores(course_dir, [NAME])}
    assert (table["reference"].score, table["reference"].needs_manual_grade) == (10, False)
    assert export(layout) == course_dir / "grades.csv"
    assert exported_grades(layout)[(NAME, "reference")] == 10


def test_submission_checksum_follows_submission_source_and_config(tmp_path):
    course_dir = tmp_path
    for path, text in {"submitted/ann/a1/a1.ipynb": "{}", "source/a1/a1.ipynb": "{}",
                       "nbgrader_config.py": "c = 1"}.items():
        (course_dir / path).parent.mkdir(parents=True, exist_ok=True)
        (course_dir / path).write_text(text)
    first = incremental.submission_checksum(course_dir, "a1", "ann")
    seen = {first}
    for path in ("submitted/ann/a1/a1.ipynb", "source/a1/a1.ipynb", "nbgrader_config.py"):
        (course_dir / path).write_text((course_dir / path).read_text() + " ")
        seen.add(incremental.submission_checksum(course_dir, "a1", "ann"))
    (course_dir / "submitted/ann/a1/timestamp.txt").write_text("2026-12-01 10:00:00")
    seen.add(incremental.submission_checksum(course_dir, "a1", "ann"))
    (course_dir / "submitted/bob/a1").mkdir(parents=True)  # another student's files do not count
    (course_dir / "submitted/bob/a1/a1.ipynb").write_text("[]")
    seen.add(incremental.submission_checksum(course_dir, "a1", "ann"))
    assert len(seen) == 5


@pytest.mark.slow
def test_answer_checksums_tell_which_graded_cells_changed(tmp_path, course):
    _, released, master = course
    path = tmp_path / "sub.ipynb"
    nbformat.write(subs.reference_submission(released, master), path)
    before = incremental.answer_checksums(path)
    assert set(before) == {"test_add", "test_scale_vector", "test_count_positive", "q_why"}
    nbformat.write(with_cell(nbformat.read(path, as_version=4), "add", "def add(a, b):\n    return 0"), path)
    # a test cell depends on the solution cells; the inline answer only on itself
    assert incremental.unchanged_answers(before, path) == {"q_why"}
    path.write_text("not a notebook")
    assert incremental.answer_checksums(path) == {} and incremental.unchanged_answers(before, path) == set()


def test_state_is_kept_across_runs_and_survives_damage(tmp_path):
    (tmp_path / "submitted/ann/a1").mkdir(parents=True)
    (tmp_path / "submitted/ann/a1/a1.ipynb").write_text('{"cells": []}')
    state = incremental.GradingState(tmp_path)
    assert not state.is_current("a1", "ann")
    state.record("a1", "ann")
    assert incremental.GradingState(tmp_path).is_current("a1", "ann")
    (tmp_path / "submitted/ann/a1/a1.ipynb").write_text('{"cells": [], "x": 1}')
    assert not incremental.GradingState(tmp_path).is_current("a1", "ann")
    (tmp_path / incremental.STATE_FILE).write_text("{ damaged")
    assert incremental.GradingState(tmp_path).entries == {}


def test_cli_grade_options():
    args = build_parser().parse_args(["grade", NAME, "--jobs", "3", "--force", "--student", "ann",
                                      "--student", "bob", "--scheduler", "tcp://10.0.0.5:8786"])
    assert (args.jobs, args.force, args.student, args.scheduler) == (3, True, ["ann", "bob"],
                                                                     "tcp://10.0.0.5:8786")
    default = build_parser().parse_args(["grade"])
    assert (default.jobs, default.force, default.student, default.scheduler) == (None, False, None, None)
