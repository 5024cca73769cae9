"""What the grading functions return, and the lines the commands print from it
(no nbgrader run: the results are built here; tests/test_grading_pipeline.py
checks them on real runs)."""
from __future__ import annotations

from pathlib import Path

from course.grading.autograde import GradeOutcome, GradingRun, Score, Unchanged, score_lines
from course.grading.execute import MastersRun, RunResult
from course.grading.release import Release, ReleasedAssignment

NAME = "00_fixture"


def test_a_grading_run_with_a_failure_is_not_ok_and_says_where_the_notebooks_are():
    good = GradeOutcome(NAME, "ann", True, 1.25)
    bad = GradeOutcome(NAME, "bob", False, 0.5, "the file is not a readable notebook (not JSON)")
    table = [Score(NAME, "ann", 9.0, 9.0, 9.0, 10.0, True)]
    run = GradingRun(Path("/c/submitted"), [good, bad], [Unchanged(NAME, ["cy"])], table, Path("/c/grades.csv"))
    assert not run.ok and run.failed == [bad]
    assert run.summary() == [
        "grades exported to /c/grades.csv",
        "",
        f"{'assignment':<24} {'student':<20} {'autograded':>12} {'total':>12}  manual grading",
        f"{NAME:<24} {'ann':<20}   9.0 / 9.0    9.0 / 10.0  needed",
        "1 submission(s) could not be autograded; see above. Their notebooks are in /c/submitted."]
    assert bad.line() == f"{NAME:<24} {'bob':<20}    0.5 s  NOT GRADED: the file is not a readable notebook (not JSON)"
    assert run.unchanged[0].line() == (f"{NAME}: 1 submission(s) unchanged since their last grading, "
                                       "not graded again (--force regrades them)")


def test_a_clean_run_without_export_or_grades_says_so():
    run = GradingRun(Path("/c/submitted"), [GradeOutcome(NAME, "ann", True, 1.0, sandboxed=False)], [], [])
    assert run.ok and run.summary() == ["no graded submissions yet"] == score_lines([])
    assert run.outcomes[0].line().endswith("graded  UNSANDBOXED")


def test_masters_run_names_the_notebooks_that_failed():
    ran = RunResult("01_a", 2.0)
    failed = RunResult("02_b", 3.5, "cell 4 (test_b), starting 'assert b()': ZeroDivisionError")
    assert ran.line() == f"{'01_a':<24}     2.0 s  ok"
    assert failed.line().endswith("FAILED at cell 4 (test_b), starting 'assert b()': ZeroDivisionError")
    run = MastersRun([ran, failed], Path("/x/executed"))
    assert not run.ok and run.failed == [failed]
    assert run.summary() == "1 notebook(s) failed: 02_b; executed copies with the errors are in /x/executed"
    assert MastersRun([ran], Path("/x/executed")).summary() == "all 1 notebook(s) ran; executed copies in /x/executed"


def test_release_lines_name_what_staging_removed_and_where_students_start():
    release_dir = Path("/c/release")
    assignment = ReleasedAssignment(NAME, release_dir / NAME / f"{NAME}.ipynb", [f"{NAME}.py"])
    made = Release([assignment], [release_dir / "course.whl", release_dir / "INSTALL.md"])
    assert made.install == release_dir / "INSTALL.md"
    assert made.lines() == [
        f"{NAME:<24} removed from source/{NAME}/ (not part of the master): {NAME}.py",
        f"{NAME:<24} released and verified: {release_dir / NAME / f'{NAME}.ipynb'}",
        f"{'students install with':<24} {release_dir / 'INSTALL.md'}"]
