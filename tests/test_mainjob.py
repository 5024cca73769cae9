"""The main job on the fixture assignment: it releases into the instructor's
course directory and grades its demo submissions apart, in autograde-demo/
with a gradebook of its own."""
from __future__ import annotations

import os

import pytest

from course.errors import CourseError
from course.grading.autograde import scores
from course.grading.mainjob import BLANK, REFERENCE, demo_layout, fresh_demo_course, main_job
from course.grading.release import release_path
from grading_helpers import FIXTURE_NOTEBOOKS, scratch_layout

NAME = "00_fixture"


def students_in_gradebook(course_dir) -> set[str]:
    """Every student the course directory's gradebook knows (nbgrader's own API)."""
    from nbgrader.api import Gradebook

    from course.grading.autograde import gradebook_settings

    db_url, course_id = gradebook_settings(course_dir)
    with Gradebook(db_url, course_id) as gb:
        return {student.id for student in gb.students}


@pytest.mark.slow
def test_main_job_grades_its_demo_apart_from_the_instructors_gradebook(tmp_path, monkeypatch):
    monkeypatch.delenv("COURSE_GRADEBOOK_URL", raising=False)
    layout = scratch_layout(tmp_path, FIXTURE_NOTEBOOKS)
    events = []
    job = main_job([NAME], layout=layout, progress=events.append)
    assert job.ok and job.wrong == [], job.conclusion()
    assert "every reference scored full marks" in job.conclusion()
    assert [r.name for r in job.masters.results] == [NAME] and job.release is not None
    assert {o.student for o in job.grading.outcomes} == {REFERENCE, BLANK}
    lines = "\n".join(event.line() for event in events)  # what `course main` prints as it goes
    assert "== executing 1 master notebook(s) in fast mode" in lines and "autograding a reference" in lines
    demo = demo_layout(layout)
    got = {s.student: s.auto_score for s in scores(demo.course_dir, [NAME])}
    assert got == {REFERENCE: 9, BLANK: 0} == {s.student: s.auto_score for s in job.grading.scores}
    # the instructor's course has the release and the assignment, and no demo student
    assert release_path(layout, NAME).is_file()
    assert scores(layout.course_dir, [NAME]) == []
    assert students_in_gradebook(layout.course_dir) == set()
    assert not (layout.course_dir / "submitted").exists()
    assert "COURSE_GRADEBOOK_URL" not in os.environ


def test_a_folder_main_job_did_not_make_is_never_cleared(tmp_path):
    layout = scratch_layout(tmp_path, FIXTURE_NOTEBOOKS)
    demo = demo_layout(layout)
    demo.course_dir.mkdir()
    (demo.course_dir / "grades-i-want-to-keep.csv").write_text("x")
    with pytest.raises(CourseError, match="was not made by `course main`"):
        fresh_demo_course(layout)
    assert (demo.course_dir / "grades-i-want-to-keep.csv").is_file()
    (demo.course_dir / "grades-i-want-to-keep.csv").unlink()
    demo.course_dir.rmdir()
    assert fresh_demo_course(layout) == demo and (demo.course_dir / "nbgrader_config.py").is_file()
    assert fresh_demo_course(layout) == demo  # its own folder is rebuilt


@pytest.mark.slow
def test_the_demo_stays_out_of_the_instructors_postgres_gradebook(postgres_server, tmp_path, monkeypatch):
    import psycopg

    url = postgres_server.create_database("instructor_grades")
    monkeypatch.setenv("COURSE_GRADEBOOK_URL", url)
    layout = scratch_layout(tmp_path, FIXTURE_NOTEBOOKS)
    assert main_job([NAME], layout=layout).ok
    assert os.environ["COURSE_GRADEBOOK_URL"] == url
    with psycopg.connect(postgres_server.conninfo("instructor_grades")) as conn:
        assert conn.execute("SELECT name FROM assignment").fetchall() == [(NAME,)]  # the release
        assert conn.execute("SELECT count(*) FROM student").fetchone() == (0,)
    monkeypatch.delenv("COURSE_GRADEBOOK_URL")
    demo = demo_layout(layout)
    assert {s.student: s.auto_score for s in scores(demo.course_dir, [NAME])} == {REFERENCE: 9, BLANK: 0}


@pytest.mark.slow
def test_main_job_without_bubblewrap_grades_its_demo_unsandboxed(tmp_path, monkeypatch):
    """A fresh laptop without bubblewrap: `course main` (./run.sh) still works,
    says so, and its grade lines are marked UNSANDBOXED."""
    import shutil

    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    for tool in ("git", "sh"):  # a PATH with the basics but no bwrap
        if shutil.which(tool):
            (bin_dir / tool).symlink_to(shutil.which(tool))
    monkeypatch.setenv("PATH", str(bin_dir))
    monkeypatch.delenv("COURSE_GRADEBOOK_URL", raising=False)
    layout = scratch_layout(tmp_path / "course", FIXTURE_NOTEBOOKS)
    events = []
    assert main_job([NAME], layout=layout, progress=events.append).ok
    out = "\n".join(event.line() for event in events)
    assert "graded without the sandbox" in out and "apt-get install bubblewrap" in out
    assert "UNSANDBOXED" in out
    assert {s.student: s.auto_score for s in scores(demo_layout(layout).course_dir, [NAME])} == {
        REFERENCE: 9, BLANK: 0}
