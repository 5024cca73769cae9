"""A grading run that reaches the submission time limit keeps its log and says
which cell was running: a real nbgrader autograde of a looping submission of
the fixture, stopped by a short limit."""
from __future__ import annotations

import pytest

from course.grading import autograde
from course.grading import submissions as subs
from course.grading.nbgrader_cli import describe_cell, last_executing_cell, nbgrader
from course.grading.release import release
from grading_helpers import FIXTURE_NOTEBOOKS, read_master, read_release, scratch_layout, submit

NAME = "00_fixture"
LOOP = "def scale_vector(x, k):\n    while True:\n        pass"

LOG = """[AutogradeApp | INFO] Executing notebook with kernel: python3
[AutogradeApp | DEBUG] Executing cell:
    def add(a, b):
        return a + b
[AutogradeApp | DEBUG] Executing cell:
    out = scale_vector(np.array([1.0]), 2.0)

    assert out.shape == (1,)
[AutogradeApp | WARNING] Timeout waiting for IOPub output
"""


def test_last_executing_cell_is_read_from_the_log():
    assert last_executing_cell(LOG) == "out = scale_vector(np.array([1.0]), 2.0)\n\nassert out.shape == (1,)"
    assert last_executing_cell("[AutogradeApp | INFO] nothing ran\n") is None


def test_an_unknown_cell_is_described_by_its_first_line(tmp_path):
    assert describe_cell("\nx = 1\ny = 2", [tmp_path / "missing.ipynb"]) == "the cell that starts `x = 1`"


@pytest.fixture(scope="module")
def looping(tmp_path_factory):
    """A released fixture with a submission whose scale_vector never returns."""
    layout = scratch_layout(tmp_path_factory.mktemp("timeout"), FIXTURE_NOTEBOOKS)
    release([NAME], layout=layout)
    released, master = read_release(layout, NAME), read_master(layout, NAME)
    notebook = subs.reference_submission(released, master)
    for cell in notebook.cells:
        if cell.metadata.get("nbgrader", {}).get("grade_id") == "scale_vector":
            cell.source = LOOP
    submit(layout, "looper", NAME, notebook)
    return layout


@pytest.mark.slow
def test_a_run_stopped_at_its_limit_keeps_its_log_and_names_the_cell(looping):
    # the cell limit is far away: the submission's limit stops the run
    run = nbgrader(looping.course_dir, "autograde", NAME, "--student=looper", "--force",
                   env={"COURSE_CELL_TIMEOUT": "600"}, timeout=25)
    assert run.timed_out and not run.ok
    assert "Creating/updating student with ID 'looper'" in run.log  # the decoded log of the run
    assert "grade id test_scale_vector" in run.running_cell
    assert "stopped after 25 s while running cell" in run.log.splitlines()[-1]


@pytest.mark.slow
def test_grading_reports_the_cell_a_timeout_stopped(looping, monkeypatch):
    monkeypatch.setenv("COURSE_CELL_TIMEOUT", "600")
    monkeypatch.setattr(autograde, "SUBMISSION_TIMEOUT", 25)
    outcome = autograde.grade_one(looping.course_dir, NAME, "looper")
    assert not outcome.ok
    assert "stopped after 25 s" in outcome.problem and "test_scale_vector" in outcome.problem, outcome
