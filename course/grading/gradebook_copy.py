"""A gradebook's contents as data: a private copy for a worker, one
submission's autograded results carried back to the instructor's gradebook.

A worker that must not write the instructor's gradebook (SQLite, or any Dask
worker) grades against `seed(...)`, a SQLite copy of every row (assignments,
their cells, students, extensions, earlier grades), so that nbgrader decides
exactly as it would on the real one: late penalties, manual scores in place.
`results(...)` reads back what `nbgrader autograde` wrote for one submission;
`apply(...)` writes it into the instructor's gradebook, and only the fields
autograde writes (timestamp, late penalty, flagged, auto_score,
needs_manual_grade, auto_comment): manual scores, extra credit and manual
comments stay the instructor's.
"""
from __future__ import annotations

from pathlib import Path

from course.errors import CourseError


def seed(source_url: str, course_id: str, target: Path) -> Path:
    """Copy every table of the gradebook at source_url (SQLite or PostgreSQL),
    nbgrader's schema version included, into a new SQLite file `target`, which
    nbgrader opens as a gradebook. course_id: the course it must hold."""
    from nbgrader.api import Base
    from sqlalchemy import create_engine, inspect, text

    source, copy = create_engine(source_url), create_engine(sqlite_url(target))
    try:
        if "alembic_version" not in inspect(source).get_table_names():
            raise CourseError(f"the gradebook {source_url} has no nbgrader schema yet: "
                              "run `course release` first")
        with source.connect() as read, copy.begin() as write:
            Base.metadata.create_all(write)
            write.execute(text("CREATE TABLE alembic_version (version_num VARCHAR(32) NOT NULL)"))
            for (version,) in read.execute(text("SELECT version_num FROM alembic_version")):
                write.execute(text("INSERT INTO alembic_version VALUES (:v)"), {"v": version})
            for table in Base.metadata.sorted_tables:  # parents before children
                rows = [dict(row._mapping) for row in read.execute(table.select())]
                if rows:
                    write.execute(table.insert(), rows)
            courses = {row[0] for row in write.execute(text("SELECT id FROM course"))}
        if course_id not in courses:
            raise CourseError(f"the gradebook {source_url} holds no course {course_id!r}: "
                              "is nbgrader_config.py's course_id the one it was released with?")
    finally:
        source.dispose()
        copy.dispose()
    return target


def sqlite_url(path: Path) -> str:
    return f"sqlite:///{Path(path).resolve()}"


def results(db_url: str, course_id: str, name: str, student: str) -> dict | None:
    """What autograde wrote for student's submission of name, as plain data:
    {"timestamp", "notebooks": {notebook: {"late_submission_penalty", "flagged",
    "grades": {grade id: (auto_score, needs_manual_grade)},
    "comments": {grade id: auto_comment}}}}; None when there is no submission."""
    from nbgrader.api import Gradebook, MissingEntry

    with Gradebook(db_url, course_id) as gb:
        try:
            submission = gb.find_submission(name, student)
        except MissingEntry:
            return None
        return {"timestamp": submission.timestamp, "notebooks": {
            notebook.name: {
                "late_submission_penalty": notebook.late_submission_penalty,
                "flagged": notebook.flagged,
                "grades": {g.name: (g.auto_score, g.needs_manual_grade) for g in notebook.grades},
                "comments": {c.name: c.auto_comment for c in notebook.comments},
            } for notebook in submission.notebooks}}


def apply(db_url: str, course_id: str, name: str, student: str, graded: dict) -> None:
    """Write results(...) of a worker's copy into the gradebook at db_url, as
    autograde would have: the submission is created if new."""
    import warnings

    from nbgrader.api import Gradebook
    from sqlalchemy.exc import SAWarning

    with Gradebook(db_url, course_id) as gb, warnings.catch_warnings():
        # nbgrader's update_or_create_submission touches relationships of rows
        # it has not added yet: SQLAlchemy's notice says so, and nothing is lost
        warnings.simplefilter("ignore", SAWarning)
        gb.update_or_create_student(student)
        if graded["timestamp"] is not None:
            submission = gb.update_or_create_submission(name, student, timestamp=graded["timestamp"])
        else:
            submission = gb.update_or_create_submission(name, student)
        for notebook in submission.notebooks:
            data = graded["notebooks"][notebook.name]
            notebook.late_submission_penalty = data["late_submission_penalty"]
            notebook.flagged = data["flagged"]
            for grade in notebook.grades:
                grade.auto_score, grade.needs_manual_grade = data["grades"][grade.name]
            for comment in notebook.comments:
                comment.auto_comment = data["comments"][comment.name]
        gb.db.commit()
