"""Grading several submissions at once (`--jobs`) and on a real Dask cluster
gives exactly the serial grades: the same gradebook rows, grade table,
grades.csv and graded notebooks, on SQLite and on a real PostgreSQL server.
Fixture points: add 2, scale_vector 3, count_positive 4 (9 autograded), q_why 1
by hand."""
from __future__ import annotations

import copy
import datetime
import json
import os
import sys
from pathlib import Path

import pytest

from course.errors import CourseError
from course.grading import dispatch
from course.grading import submissions as subs
from course.grading.autograde import grade, scores
from course.grading.release import release
from grading_helpers import FIXTURE_NOTEBOOKS, read_master, read_release, scratch_layout
from pg_server import postgres_server  # noqa: F401 (a fixture)

NAME = "00_fixture"
DUE = datetime.datetime(2026, 11, 29, 9, 15)
EXPECTED = {"reference": 9, "blank": 0, "partial": 6, "sys-exit": 5, "missing-notebook": 0}


def with_cell(notebook, grade_id, source):
    notebook = copy.deepcopy(notebook)
    for cell in notebook.cells:
        if cell.metadata.get("nbgrader", {}).get("grade_id") == grade_id:
            cell.source = source
    return notebook


@pytest.fixture(scope="module")
def class_folder(tmp_path_factory):
    """A folder laid out like submitted/: reference, blank, partial, a few bad
    ones (sys.exit() in a solution, an unparseable file, no notebook), one late
    and one with a submission time."""
    root = tmp_path_factory.mktemp("class")
    layout = scratch_layout(root / "release", FIXTURE_NOTEBOOKS)
    release([NAME], layout=layout)
    released, master = read_release(layout, NAME), read_master(layout, NAME)
    reference = subs.reference_submission(released, master)
    folder = root / "submissions"
    subs.write_submission(folder, "reference", NAME, reference)
    subs.write_submission(folder, "blank", NAME, subs.blank_submission(released))
    subs.write_submission(folder, "partial", NAME, subs.fill(released, master, ["add", "count_positive"]))
    subs.write_submission(folder, "sys-exit", NAME, with_cell(
        reference, "count_positive", "import sys\nsys.exit()\ndef count_positive(x):\n    return 0"))
    (folder / "reference" / NAME / "timestamp.txt").write_text("2026-11-30 09:15:00.000000 UTC")
    (folder / "unparseable" / NAME).mkdir(parents=True)
    (folder / "unparseable" / NAME / f"{NAME}.ipynb").write_text('{"cells": [ not json')
    (folder / "missing-notebook" / NAME).mkdir(parents=True)
    return folder


def graded_course(tmp_path: Path, folder: Path, **how):
    """Release the fixture in a fresh course directory, grade the folder's
    submissions (how: jobs, scheduler) and return everything grading produced."""
    from nbgrader.api import Gradebook

    from course.grading.autograde import gradebook_settings

    layout = scratch_layout(tmp_path, FIXTURE_NOTEBOOKS)
    with open(layout.course_dir / "nbgrader_config.py", "a") as config:
        config.write("\nc.LateSubmissionPlugin.penalty_method = 'zero'  # a late submission scores 0\n")
    release([NAME], layout=layout)
    with Gradebook(*gradebook_settings(layout.course_dir)) as gb:
        gb.update_or_create_assignment(NAME, duedate=DUE)  # the reference comes a day late
    run = grade([NAME], submissions=folder, layout=layout, **how)
    return layout, record(layout, run)


def record(layout, run) -> dict:
    """Every result of a grading run that must not depend on how it ran."""
    from nbgrader.api import Gradebook

    from course.grading.autograde import gradebook_settings

    course_dir = layout.course_dir
    cells = []
    db_url, course_id = gradebook_settings(course_dir)
    with Gradebook(db_url, course_id) as gb:
        for submission in gb.find_assignment(NAME).submissions:
            for notebook in submission.notebooks:
                cells.append((submission.student_id, str(submission.timestamp), submission.total_seconds_late,
                              notebook.late_submission_penalty, notebook.flagged))
                cells += [(submission.student_id, g.name, g.auto_score, g.manual_score,
                           g.needs_manual_grade) for g in notebook.grades]
                cells += [(submission.student_id, c.name, c.auto_comment) for c in notebook.comments]
    graded = {}
    for path in sorted((course_dir / "autograded").rglob("*.ipynb")):
        cells_out = [(c.get("source"), [(o.get("output_type"), o.get("ename"), o.get("text"))
                                        for o in c.get("outputs", [])])
                     for c in json.loads(path.read_text())["cells"]]
        graded[str(path.relative_to(course_dir))] = cells_out
    assert run.scores == scores(course_dir, [NAME])
    return {"failed": {o.student: o.problem for o in run.failed}, "scores": run.scores, "cells": sorted(cells, key=str),
            "csv": (course_dir / "grades.csv").read_text(), "graded": graded,
            "files": sorted(str(p.relative_to(course_dir)) for p in (course_dir / "autograded").rglob("*"))}


@pytest.fixture(scope="module")
def serial_sqlite(class_folder, tmp_path_factory):
    return graded_course(tmp_path_factory.mktemp("serial"), class_folder, jobs=1)[1]


def assert_same_grading(run, serial):
    points = {s.student: s.auto_score for s in run["scores"]}
    assert {student: points[student] for student in EXPECTED} == EXPECTED
    assert run["failed"] == serial["failed"] == {  # the unparseable notebook is reported
        "unparseable": "the file is not a readable notebook (not JSON): ask the student to re-submit"}
    for key in ("scores", "cells", "csv", "graded", "files"):
        assert run[key] == serial[key], key


@pytest.mark.slow
def test_jobs_grade_exactly_as_serial_on_sqlite(class_folder, serial_sqlite, tmp_path):
    layout, parallel = graded_course(tmp_path, class_folder, jobs=2)
    assert_same_grading(parallel, serial_sqlite)
    late = [row for row in parallel["cells"] if row[:3] == ("reference", "2026-11-30 09:15:00", 86400.0)]
    assert late and late[0][3] == 9  # the late penalty, decided on the workers' gradebook copies
    assert not list(Path(layout.course_dir).glob("*.db-journal"))


@pytest.mark.slow
def test_jobs_grade_exactly_as_serial_on_postgres(class_folder, serial_sqlite, postgres_server,  # noqa: F811
                                                  tmp_path, monkeypatch):
    runs = {}
    for jobs in (1, 2):
        monkeypatch.setenv("COURSE_GRADEBOOK_URL", postgres_server.create_database(f"dispatch_jobs{jobs}"))
        layout, runs[jobs] = graded_course(tmp_path / f"jobs{jobs}", class_folder, jobs=jobs)
        assert not (layout.course_dir / "gradebook.db").exists()  # the grades are in the server
    assert_same_grading(runs[2], runs[1])
    assert_same_grading(runs[1], serial_sqlite)


@pytest.mark.slow
def test_dask_cluster_grades_exactly_as_serial(class_folder, serial_sqlite, tmp_path):
    from distributed import LocalCluster

    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
                      dashboard_address=None) as cluster:
        _, on_dask = graded_course(tmp_path, class_folder, scheduler=cluster.scheduler_address)
        workers = cluster.scheduler.workers
        assert len(workers) == 2
        assert all(w.host == "127.0.0.1" for w in workers.values())
    assert_same_grading(on_dask, serial_sqlite)


REWRITES_CONFIG = (
    "import pathlib\n"
    "config = next(p / 'nbgrader_config.py' for p in pathlib.Path.cwd().parents\n"
    "              if (p / 'nbgrader_config.py').exists())\n"
    "config.write_text(config.read_text() + '\\n# changed by a student\\n')\n"
    "def add(a, b):\n    return a + b")


@pytest.mark.slow
@pytest.mark.parametrize("jobs", [1, 2])
def test_a_run_that_changes_grading_files_stops_grading(class_folder, tmp_path, jobs):
    """Unsandboxed (only the integrity check stands in the way), one submission
    rewrites the nbgrader_config.py it finds above its working folder: in place
    (jobs=1) the instructor's, in a worker's scratch copy (jobs=2) the copy's.
    Either way grading stops and names the file and the student."""
    layout = scratch_layout(tmp_path, FIXTURE_NOTEBOOKS)
    release([NAME], layout=layout)
    released, master = read_release(layout, NAME), read_master(layout, NAME)
    folder = tmp_path / "submissions"
    subs.write_submission(folder, "attacker", NAME, with_cell(
        subs.reference_submission(released, master), "add", REWRITES_CONFIG))
    for student in ("classmate-1", "classmate-2", "classmate-3", "classmate-4"):
        subs.write_submission(folder, student, NAME, subs.blank_submission(released))
    config_before = (layout.course_dir / "nbgrader_config.py").read_text()
    with pytest.raises(CourseError, match=r"(?s)grading stopped.*attacker.*nbgrader_config.py") as stopped:
        grade([NAME], submissions=folder, layout=layout, jobs=jobs, sandbox=False, export_csv=False)
    changed_here = (layout.course_dir / "nbgrader_config.py").read_text() != config_before
    assert changed_here == (jobs == 1)
    assert ("on its worker" in str(stopped.value)) == (jobs == 2)
    graded = {s.student for s in scores(layout.course_dir, [NAME]) if s.max_auto_score}
    assert len(graded) < 5  # what had not started was never graded


def test_jobs_must_be_positive():
    with pytest.raises(CourseError, match="--jobs 0"):
        with dispatch.grading_on(jobs=0):
            pass


def test_default_jobs_is_every_usable_core():
    with dispatch.grading_on() as where:
        assert where.jobs == dispatch.default_jobs() >= 1 and where.client is None


@pytest.mark.slow
def test_an_absent_scheduler_is_named_with_what_to_start(monkeypatch):
    monkeypatch.setattr(dispatch, "SCHEDULER_TIMEOUT", "1s")
    with pytest.raises(CourseError, match=r"no Dask scheduler answers at tcp://127.0.0.1:9.*dask scheduler"):
        with dispatch.grading_on(scheduler="tcp://127.0.0.1:9"):
            pass


@pytest.fixture
def alembic_on_path(monkeypatch):
    """nbgrader runs its environment's `alembic` script to create a gradebook."""
    monkeypatch.setenv("PATH", os.path.dirname(sys.executable) + os.pathsep + os.environ["PATH"])


def test_gradebook_seed_copies_every_row_and_results_round_trip(tmp_path, alembic_on_path):
    """A seed of a gradebook holds the same rows; results() of one copy
    applied to another gradebook reproduce the submission there."""
    from nbgrader.api import Gradebook

    from course.grading import gradebook_copy

    url = gradebook_copy.sqlite_url(tmp_path / "main.db")
    with Gradebook(url, "c") as gb:
        gb.add_assignment("a1", duedate=datetime.datetime(2026, 12, 1))
        gb.add_notebook("a1", "a1")
        gb.add_grade_cell("q", "a1", "a1", max_score=2, cell_type="markdown")
        gb.add_solution_cell("q", "a1", "a1")
        gb.add_student("ann")
        grade_row = gb.update_or_create_submission("a1", "ann", timestamp=datetime.datetime(2026, 12, 2))
        cell = gb.find_grade("q", "a1", "a1", "ann")
        cell.auto_score, cell.manual_score, cell.needs_manual_grade = 1.0, 2.0, False
        gb.find_comment("q", "a1", "a1", "ann").manual_comment = "well argued"
        gb.db.commit()
        assert grade_row.total_seconds_late == 86400
    seed = gradebook_copy.seed(url, "c", tmp_path / "seed.db")
    seed_url = gradebook_copy.sqlite_url(seed)
    assert gradebook_copy.results(seed_url, "c", "a1", "ann") == gradebook_copy.results(url, "c", "a1", "ann")
    with Gradebook(seed_url, "c") as gb:
        assert gb.find_grade("q", "a1", "a1", "ann").manual_score == 2.0
        assert gb.find_comment("q", "a1", "a1", "ann").manual_comment == "well argued"
        gb.find_grade("q", "a1", "a1", "ann").auto_score = 0.5
        gb.db.commit()
    gradebook_copy.apply(url, "c", "a1", "ann", gradebook_copy.results(seed_url, "c", "a1", "ann"))
    with Gradebook(url, "c") as gb:
        cell = gb.find_grade("q", "a1", "a1", "ann")
        assert (cell.auto_score, cell.manual_score) == (0.5, 2.0)  # the manual score stays the instructor's
        assert gb.find_comment("q", "a1", "a1", "ann").manual_comment == "well argued"


def test_seed_of_a_gradebook_without_the_course_says_so(tmp_path, alembic_on_path):
    from nbgrader.api import Gradebook

    from course.grading import gradebook_copy

    url = gradebook_copy.sqlite_url(tmp_path / "main.db")
    Gradebook(url, "other-course").close()
    with pytest.raises(CourseError, match="no course 'c'.*course_id"):
        gradebook_copy.seed(url, "c", tmp_path / "seed.db")


def test_the_package_fingerprint_covers_its_data_not_its_bytecode(tmp_path, monkeypatch):
    """A worker whose stored splits or mnist10k differ grades differently: refused too."""
    import course
    from course.grading.dispatch import package_fingerprint

    (tmp_path / "lib" / "__pycache__").mkdir(parents=True)
    (tmp_path / "lib" / "code.py").write_text("x = 1\n")
    (tmp_path / "lib" / "splits.npz").write_bytes(b"indices")
    monkeypatch.setattr(course, "__path__", [str(tmp_path)])
    first = package_fingerprint()
    (tmp_path / "lib" / "__pycache__" / "code.cpython-311.pyc").write_bytes(b"cache")
    assert package_fingerprint() == first
    (tmp_path / "lib" / "splits.npz").write_bytes(b"other indices")
    assert package_fingerprint() != first
