"""Real nbgrader runs on the fixture assignment (tests/fixtures/notebooks/00_fixture):
release, collect, and every kind of bad submission graded without stopping
the others. Exercise points: add 2, scale_vector 3, count_positive 4 (9 in all)."""
from __future__ import annotations

import io
import json
import os
import zipfile

import nbformat
import pytest

from course.errors import CourseError
from course.grading import submissions as subs
from course.grading.autograde import grade, grade_one, scores
from course.grading.collect import collect
from course.grading.execute import run_masters
from course.grading.feedback import feedback
from course.grading.release import release, release_path, verify_release
from grading_helpers import (with_cells, FIXTURE_NOTEBOOKS, exported_grades, read_master, read_release,
                             scratch_layout, submit)

pytestmark = pytest.mark.slow  # real nbgrader runs: about two minutes

NAME = "00_fixture"
CORRECT = {
    "add": "def add(a, b):\n    return a + b",
    "scale_vector": "def scale_vector(x, k):\n    return k * np.asarray(x, dtype=np.float64)",
    "count_positive": "def count_positive(x):\n    return int((np.asarray(x) > 0).sum())",
}




def all_correct(release_nb, **overrides):
    return with_cells(release_nb, **{**CORRECT, **overrides})


# What each student submits, and the autograded score it deserves.
def bad_submissions(release_nb):
    cases = {}
    cases["infinite-loop"] = (all_correct(release_nb, add="def add(a, b):\n    while True:\n        pass"), 7)
    cases["exception"] = (all_correct(release_nb, scale_vector=(
        "def scale_vector(x, k):\n    raise ValueError('I give up')")), 6)
    cases["sys-exit"] = (all_correct(release_nb, count_positive=(
        "import sys\nsys.exit()\n" + CORRECT["count_positive"])), 5)
    cases["kernel-dies"] = (all_correct(release_nb, add="import os\nos._exit(1)\n" + CORRECT["add"]), 7)
    deleted = all_correct(release_nb)
    deleted.cells = [c for c in deleted.cells
                     if c.metadata.get("nbgrader", {}).get("grade_id") != "test_scale_vector"]
    cases["deleted-test"] = (deleted, 9)
    cases["edited-test"] = (all_correct(release_nb, add="def add(a, b):\n    return a - b",
                                        test_add="pass  # all good"), 7)
    cheat = ("import numpy as np\n"
             "np.allclose = lambda *args, **kwargs: True\n"
             "rel_error = lambda *args, **kwargs: 0.0\n"
             "def scale_vector(x, k):\n    return np.asarray(x, dtype=np.float64)")
    cases["redefines-helpers"] = (all_correct(release_nb, scale_vector=cheat), 6)
    silence = ("get_ipython().set_custom_exc((BaseException,), lambda *args, **kwargs: None)\n"
               "def add(a, b):\n    return a - b")
    cases["silences-errors"] = (all_correct(release_nb, add=silence), 7)
    hide = ("ip = get_ipython()\nip.showtraceback = lambda *args, **kwargs: None\n"
            "import sys\nsys.stderr.write = lambda *args, **kwargs: None\n"
            "def add(a, b):\n    return a - b")
    cases["hides-tracebacks"] = (all_correct(release_nb, add=hide), 7)
    magic = ("class Close:\n"
             "    # compares as close to anything\n"
             "    __sub__ = __rsub__ = __abs__ = lambda self, *args: self\n"
             "    __lt__ = __gt__ = __le__ = __ge__ = __eq__ = lambda self, other: True\n"
             "    max = min = lambda self, *args, **kwargs: self\n"
             "def scale_vector(x, k):\n"
             "    return np.array([Close() for _ in x], dtype=object)")
    cases["magic-objects"] = (all_correct(release_nb, scale_vector=magic), 6)
    cases["huge-output"] = (all_correct(release_nb, add=(
        "print((\"spam \" * 20 + \"\\n\") * 200_000)\n" + CORRECT["add"])), 9)
    return cases


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    """Release the fixture, submit every case, grade them all in one run."""
    os.environ["COURSE_CELL_TIMEOUT"] = "10"
    try:
        layout = scratch_layout(tmp_path_factory.mktemp("course"), FIXTURE_NOTEBOOKS)
        release([NAME], layout=layout)
        released, master = read_release(layout, NAME), read_master(layout, NAME)
        expected = {"reference": 9, "blank": 0,
                    "partial-add-count": 6, "partial-scale": 3}
        submit(layout, "reference", NAME, subs.reference_submission(released, master))
        submit(layout, "blank", NAME, subs.blank_submission(released))
        submit(layout, "partial-add-count", NAME, subs.fill(released, master, ["add", "count_positive"]))
        submit(layout, "partial-scale", NAME, subs.fill(released, master, ["scale_vector"]))
        for student, (notebook, score) in bad_submissions(released).items():
            submit(layout, student, NAME, notebook)
            expected[student] = score
        broken = layout.course_dir / "submitted" / "unparseable" / NAME
        broken.mkdir(parents=True)
        (broken / f"{NAME}.ipynb").write_text('{"cells": [ this is not json')
        (layout.course_dir / "submitted" / "missing-notebook" / NAME).mkdir(parents=True)
        expected["missing-notebook"] = 0
        exit_code = grade([NAME], layout=layout)
        table = {s.student: s for s in scores(layout.course_dir, [NAME])}
        yield layout, exit_code, table, expected
    finally:
        del os.environ["COURSE_CELL_TIMEOUT"]


def test_release_has_no_solutions_hidden_tests_or_outputs(graded):
    layout = graded[0]
    text = release_path(layout, NAME).read_text()
    for marker in ("BEGIN SOLUTION", "END SOLUTION", "BEGIN HIDDEN TESTS", "return a + b"):
        assert marker not in text
    assert verify_release(layout.master(NAME), release_path(layout, NAME)) == []


def test_verify_release_catches_a_leaked_solution(graded, tmp_path):
    layout = graded[0]
    leaky = read_release(layout, NAME)
    leaky.cells.append(nbformat.v4.new_code_cell("def add(a, b):\n    return a + b"))
    nbformat.write(leaky, tmp_path / "leaky.ipynb")
    problems = verify_release(layout.master(NAME), tmp_path / "leaky.ipynb")
    assert any("return a + b" in p for p in problems), problems


def test_reference_blank_and_partial_scores(graded):
    _, _, table, expected = graded
    for student in ("reference", "blank", "partial-add-count", "partial-scale"):
        assert table[student].auto_score == expected[student], (student, table[student])
    assert table["reference"].max_auto_score == 9


@pytest.mark.parametrize("student", ["infinite-loop", "exception", "sys-exit", "kernel-dies",
                                     "deleted-test", "edited-test", "redefines-helpers", "silences-errors", "hides-tracebacks",
                                     "magic-objects",
                                     "huge-output", "missing-notebook"])
def test_bad_submission_gets_the_score_it_deserves(graded, student):
    _, _, table, expected = graded
    assert table[student].auto_score == expected[student], (student, table[student])


def test_kernel_death_costs_only_its_cell(graded):
    layout = graded[0]
    graded_nb = nbformat.read(layout.course_dir / "autograded" / "kernel-dies" / NAME / f"{NAME}.ipynb",
                              as_version=4)
    errors = {c.metadata["nbgrader"]["grade_id"]: [o.ename for o in c.outputs if o.output_type == "error"]
              for c in graded_nb.cells if c.cell_type == "code"}
    assert "DeadKernelError" in errors["add"] and "NameError" in str(errors["test_add"])
    assert errors["test_scale_vector"] == errors["test_count_positive"] == []


def test_unparseable_notebook_is_reported_and_others_still_graded(graded, capsys):
    layout, exit_code, table, expected = graded
    assert exit_code == 1  # some submission could not be autograded ...
    exported = exported_grades(layout)
    for student, score in expected.items():  # ... and every other grade is in the export
        assert exported[(NAME, student)] == score, student
    assert table.get("unparseable") is None or table["unparseable"].auto_score == 0


def test_huge_output_is_truncated_in_the_graded_copy(graded):
    layout = graded[0]
    graded_nb = layout.course_dir / "autograded" / "huge-output" / NAME / f"{NAME}.ipynb"
    assert graded_nb.stat().st_size < 1_000_000
    assert "Output truncated" in graded_nb.read_text()


def test_same_submission_graded_twice_scores_the_same(graded):
    layout, _, table, _ = graded
    before = {s: (table[s].auto_score, table[s].score) for s in ("reference", "partial-scale")}
    grade([NAME], students=["reference", "partial-scale"], layout=layout, export_csv=False)
    again = {s.student: (s.auto_score, s.score) for s in scores(layout.course_dir, [NAME])}
    assert {s: again[s] for s in before} == before


def test_collect_takes_an_lms_zip(graded, tmp_path):
    layout = graded[0]
    released = read_release(layout, NAME)
    one_notebook = nbformat.writes(all_correct(released))
    inner = io.BytesIO()
    with zipfile.ZipFile(inner, "w") as zf:
        zf.writestr(f"homework/{NAME}.ipynb", one_notebook)
        zf.writestr("__MACOSX/._junk", "x")
    download = tmp_path / "download.zip"
    with zipfile.ZipFile(download, "w") as zf:
        zf.writestr("carol_1234_5678_my_homework.ipynb", one_notebook)
        zf.writestr("dave_4321_8765_submission.zip", inner.getvalue())
        zf.writestr("erin_1111_2222_notes.txt", "no notebook here")
    collect(NAME, download, layout=layout)
    submitted = layout.course_dir / "submitted"
    for student in ("carol", "dave"):
        assert json.loads((submitted / student / NAME / f"{NAME}.ipynb").read_text()) == json.loads(one_notebook)
    assert (submitted / "erin" / NAME).is_dir()
    assert not (submitted / "erin" / NAME / f"{NAME}.ipynb").exists()
    grade([NAME], students=["carol", "dave", "erin"], layout=layout, export_csv=False)
    got = {s.student: s.auto_score for s in scores(layout.course_dir, [NAME])}
    assert (got["carol"], got["dave"], got["erin"]) == (9, 9, 0)


def test_collect_rejects_what_is_not_a_download(graded, tmp_path):
    layout = graded[0]
    with pytest.raises(CourseError, match="no such file"):
        collect(NAME, tmp_path / "nowhere.zip", layout=layout)
    (tmp_path / "fake.zip").write_text("not a zip")
    with pytest.raises(CourseError, match="not a zip"):
        collect(NAME, tmp_path / "fake.zip", layout=layout)


def test_run_names_the_cell_that_raised(tmp_path, capsys):
    notebooks = tmp_path / "notebooks"
    notebooks.mkdir()
    master = nbformat.read(FIXTURE_NOTEBOOKS / f"{NAME}.ipynb", as_version=4)
    nbformat.write(master, notebooks / f"{NAME}.ipynb")
    broken = with_cells(master, count_positive="def count_positive(x):\n    return 1 / 0\n")
    nbformat.write(broken, notebooks / "99_broken.ipynb")
    layout = scratch_layout(tmp_path, notebooks)
    assert run_masters([NAME], layout=layout) == 0
    assert (layout.executed / f"{NAME}.ipynb").is_file()
    assert run_masters(["99_broken"], layout=layout) == 1
    out = capsys.readouterr().out
    assert "test_count_positive" in out and "ZeroDivisionError" in out


def test_unknown_assignment_is_named(tmp_path):
    layout = scratch_layout(tmp_path, FIXTURE_NOTEBOOKS)
    with pytest.raises(CourseError, match="no master notebook for 07_nothing"):
        release(["07_nothing"], layout=layout)


def test_broken_submissions_are_explained(graded):
    outcome = grade_one(graded[0].course_dir, NAME, "unparseable")
    assert not outcome.ok and "not a readable notebook" in outcome.problem, outcome
    outcome = grade_one(graded[0].course_dir, NAME, "kernel-dies")
    assert outcome.ok and "kernel died in add (restarted)" in outcome.line(), outcome


def test_feedback_is_written_for_graded_submissions(graded):
    layout = graded[0]
    assert feedback([NAME], layout=layout) == 0
    page = layout.course_dir / "feedback" / "reference" / NAME / f"{NAME}.html"
    assert "Score: 9.0 / 10.0" in page.read_text()  # 9 autograded, the inline question still to grade

