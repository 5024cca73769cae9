"""The gradebook on a real PostgreSQL server (the throw-away cluster of
pg_server.py): the fixture assignment graded through PostgreSQL scores exactly
what the same submissions score on SQLite."""
from __future__ import annotations

import pytest

from course.grading import submissions as subs
from course.grading.autograde import grade
from course.grading.release import release
from grading_helpers import FIXTURE_NOTEBOOKS, read_master, read_release, scratch_layout, submit

NAME = "00_fixture"


def test_server_listens_on_its_unix_socket_only(postgres_server):
    import psycopg

    with psycopg.connect(postgres_server.conninfo("postgres")) as conn:
        assert conn.execute("SHOW listen_addresses").fetchone() == ("",)
        assert conn.execute("SHOW unix_socket_directories").fetchone() == (str(postgres_server.socket_dir),)
        assert conn.info.host == str(postgres_server.socket_dir)


def _grade_fixture(tmp_path, monkeypatch, db_url):
    """Release the fixture and grade reference, blank and partial submissions
    with COURSE_GRADEBOOK_URL = db_url (None: the SQLite file beside the config)."""
    if db_url:
        monkeypatch.setenv("COURSE_GRADEBOOK_URL", db_url)
    else:
        monkeypatch.delenv("COURSE_GRADEBOOK_URL", raising=False)
    layout = scratch_layout(tmp_path, FIXTURE_NOTEBOOKS)
    release([NAME], layout=layout)
    released, master = read_release(layout, NAME), read_master(layout, NAME)
    submit(layout, "reference", NAME, subs.reference_submission(released, master))
    submit(layout, "blank", NAME, subs.blank_submission(released))
    submit(layout, "partial", NAME, subs.fill(released, master, ["add", "count_positive"]))
    run = grade([NAME], layout=layout, export_csv=False)
    assert run.ok and sorted(o.student for o in run.outcomes) == ["blank", "partial", "reference"]
    table = {s.student: (s.auto_score, s.max_auto_score, s.score, s.needs_manual_grade) for s in run.scores}
    return layout, table


@pytest.mark.slow
def test_postgres_gradebook_scores_what_sqlite_scores(postgres_server, tmp_path, monkeypatch):
    import psycopg

    url = postgres_server.create_database("fixture_grades")
    pg_layout, on_postgres = _grade_fixture(tmp_path / "pg", monkeypatch, url)
    _, on_sqlite = _grade_fixture(tmp_path / "sqlite", monkeypatch, None)

    assert on_sqlite["reference"][0] == 9 and on_sqlite["blank"][0] == 0 and on_sqlite["partial"][0] == 6
    assert on_postgres == on_sqlite
    # the grades are in the server, not in a SQLite file beside the config
    assert not (pg_layout.course_dir / "gradebook.db").exists()
    with psycopg.connect(postgres_server.conninfo("fixture_grades")) as conn:
        students = {row[0] for row in conn.execute("SELECT id FROM student")}
        graded_cells = conn.execute("SELECT count(*) FROM grade WHERE auto_score IS NOT NULL").fetchone()[0]
    assert students == {"reference", "blank", "partial"}
    assert graded_cells > 0
