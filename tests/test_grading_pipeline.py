"""Real nbgrader runs on the fixture assignment (tests/fixtures/notebooks/00_fixture):
release, collect, and every kind of bad submission graded without stopping
the others. Exercise points: add 2, scale_vector 3, count_positive 4 (9 in all)."""
from __future__ import annotations

import io
import json
import zipfile

import nbformat
import pytest

from course.errors import CourseError
from course.cli import main
from course.grading import studentlib
from course.grading import submissions as subs
from course.grading.autograde import grade, students_of
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
    """Release the fixture, submit every case, grade them all in one run:
    (layout, the Release, the GradingRun, the grade table by student, the scores deserved)."""
    with pytest.MonkeyPatch.context() as env:
        env.setenv("COURSE_CELL_TIMEOUT", "10")
        layout = scratch_layout(tmp_path_factory.mktemp("course"), FIXTURE_NOTEBOOKS)
        released_run = release([NAME], layout=layout)
        released, master = read_release(layout, NAME), read_master(layout, NAME)
        expected = {"reference": 9, "blank": 0,
                    "partial-add-count": 6, "partial-scale": 3}
        submit(layout, "reference", NAME, subs.reference_submission(released, master))
        submit(layout, "blank", NAME, subs.blank_submission(released))
        built = subs.build_submission(NAME, "partial-add-count", "add,count_positive", layout=layout)
        assert (built.expected, built.max_points) == (expected["partial-add-count"], 9), built
        submit(layout, "partial-scale", NAME, subs.fill(released, master, ["scale_vector"]))
        for student, (notebook, score) in bad_submissions(released).items():
            submit(layout, student, NAME, notebook)
            expected[student] = score
        broken = layout.course_dir / "submitted" / "unparseable" / NAME
        broken.mkdir(parents=True)
        (broken / f"{NAME}.ipynb").write_text('{"cells": [ this is not json')
        (layout.course_dir / "submitted" / "missing-notebook" / NAME).mkdir(parents=True)
        expected["missing-notebook"] = 0
        run = grade([NAME], layout=layout)
        table = {s.student: s for s in run.scores}
        yield layout, released_run, run, table, expected


def outcome_of(run, student):
    (outcome,) = [o for o in run.outcomes if o.student == student]
    return outcome


def test_release_returns_what_it_released_and_verified(graded):
    layout, released_run = graded[:2]
    (assignment,) = released_run.assignments
    assert (assignment.name, assignment.notebook, assignment.removed) == (NAME, release_path(layout, NAME), [])
    release_dir = layout.course_dir / "release"
    assert {p.name for p in released_run.student_files} == {
        "INSTALL.md", "requirements.txt", "nbgrader_config.py", studentlib.wheel_name()}
    assert all(p.parent == release_dir and p.is_file() for p in released_run.student_files)
    assert released_run.install == release_dir / "INSTALL.md"
    assert released_run.lines() == [f"{NAME:<24} released and verified: {release_path(layout, NAME)}",
                                    f"{'students install with':<24} {release_dir / 'INSTALL.md'}"]


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
    table, expected = graded[3:]
    for student in ("reference", "blank", "partial-add-count", "partial-scale"):
        assert table[student].auto_score == expected[student], (student, table[student])
    assert table["reference"].max_auto_score == 9


@pytest.mark.parametrize("student", ["infinite-loop", "exception", "sys-exit", "kernel-dies",
                                     "deleted-test", "edited-test", "redefines-helpers", "silences-errors", "hides-tracebacks",
                                     "magic-objects",
                                     "huge-output", "missing-notebook"])
def test_bad_submission_gets_the_score_it_deserves(graded, student):
    run, table, expected = graded[2:]
    assert table[student].auto_score == expected[student], (student, table[student], outcome_of(run, student))


def test_kernel_death_costs_only_its_cell(graded):
    layout = graded[0]
    graded_nb = nbformat.read(layout.course_dir / "autograded" / "kernel-dies" / NAME / f"{NAME}.ipynb",
                              as_version=4)
    errors = {c.metadata["nbgrader"]["grade_id"]: [o.ename for o in c.outputs if o.output_type == "error"]
              for c in graded_nb.cells if c.cell_type == "code"}
    assert "DeadKernelError" in errors["add"] and "NameError" in str(errors["test_add"])
    assert errors["test_scale_vector"] == errors["test_count_positive"] == []


def test_unparseable_notebook_is_reported_and_others_still_graded(graded):
    layout, _, run, table, expected = graded
    assert not run.ok and [o.student for o in run.failed] == ["unparseable"]  # it could not be autograded ...
    assert "not a readable notebook" in outcome_of(run, "unparseable").problem
    assert {o.student for o in run.outcomes} == set(expected) | {"unparseable"} and run.unchanged == []
    assert run.grades_csv == layout.course_dir / "grades.csv"
    exported = exported_grades(layout)
    for student, score in expected.items():  # ... and every other grade is in the export
        assert exported[(NAME, student)] == score, student
    assert table.get("unparseable") is None or table["unparseable"].auto_score == 0
    assert run.summary()[-1] == (f"1 submission(s) could not be autograded; see above. "
                                 f"Their notebooks are in {layout.course_dir / 'submitted'}.")


def test_huge_output_is_truncated_in_the_graded_copy(graded):
    layout = graded[0]
    graded_nb = layout.course_dir / "autograded" / "huge-output" / NAME / f"{NAME}.ipynb"
    assert graded_nb.stat().st_size < 1_000_000
    assert "Output truncated" in graded_nb.read_text()


def test_same_submission_graded_twice_scores_the_same(graded):
    layout, table = graded[0], graded[3]
    before = {s: (table[s].auto_score, table[s].score) for s in ("reference", "partial-scale")}
    again = grade([NAME], students=["reference", "partial-scale"], layout=layout, export_csv=False)
    assert sorted(o.student for o in again.outcomes) == ["partial-scale", "reference"] and again.ok
    assert again.grades_csv is None
    assert {s.student: (s.auto_score, s.score) for s in again.scores if s.student in before} == before


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
    for student in ("carol-1234", "dave-4321"):
        assert json.loads((submitted / student / NAME / f"{NAME}.ipynb").read_text()) == json.loads(one_notebook)
    assert (submitted / "erin-1111" / NAME).is_dir()
    assert not (submitted / "erin-1111" / NAME / f"{NAME}.ipynb").exists()
    run = grade([NAME], students=["carol-1234", "dave-4321", "erin-1111"], layout=layout, export_csv=False)
    assert run.ok and outcome_of(run, "erin-1111").problem == f"no {NAME}.ipynb submitted: zero points"
    got = {s.student: s.auto_score for s in run.scores}
    assert (got["carol-1234"], got["dave-4321"], got["erin-1111"]) == (9, 9, 0)


def test_collect_rejects_what_is_not_a_download(graded, tmp_path):
    layout = graded[0]
    with pytest.raises(CourseError, match="no such file"):
        collect(NAME, tmp_path / "nowhere.zip", layout=layout)
    (tmp_path / "fake.zip").write_text("not a zip")
    with pytest.raises(CourseError, match="not a zip"):
        collect(NAME, tmp_path / "fake.zip", layout=layout)


def test_run_names_the_cell_that_raised(tmp_path, monkeypatch, capsys):
    notebooks = tmp_path / "notebooks"
    notebooks.mkdir()
    master = nbformat.read(FIXTURE_NOTEBOOKS / f"{NAME}.ipynb", as_version=4)
    nbformat.write(master, notebooks / f"{NAME}.ipynb")
    broken = with_cells(master, count_positive="def count_positive(x):\n    return 1 / 0\n")
    nbformat.write(broken, notebooks / "99_broken.ipynb")
    layout = scratch_layout(tmp_path, notebooks)
    finished = []
    run = run_masters([NAME], layout=layout, progress=finished.append)
    assert run.ok and [r.name for r in run.results] == [NAME] and finished == run.results
    assert (layout.executed / f"{NAME}.ipynb").is_file() and run.executed == layout.executed
    # the CLI over the same function: course run prints each line, the summary, and exits 1 on a failure
    monkeypatch.setenv("COURSE_ROOT", str(tmp_path))
    assert main(["run", "99_broken"]) == 1
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith("99_broken") and "FAILED at cell" in out[0]
    assert "(test_count_positive)" in out[0] and "ZeroDivisionError" in out[0], out
    assert out[1] == f"1 notebook(s) failed: 99_broken; executed copies with the errors are in {layout.executed}"
    assert (layout.executed / "99_broken.ipynb").is_file()  # with the error in it


def test_unknown_assignment_is_named(tmp_path):
    layout = scratch_layout(tmp_path, FIXTURE_NOTEBOOKS)
    with pytest.raises(CourseError, match="no master notebook for 07_nothing"):
        release(["07_nothing"], layout=layout)


def test_broken_submissions_are_explained(graded):
    run = graded[2]
    unparseable = outcome_of(run, "unparseable")
    assert not unparseable.ok and "not a readable notebook" in unparseable.problem, unparseable
    assert "NOT GRADED" in unparseable.line()
    dying = outcome_of(run, "kernel-dies")
    assert dying.ok and "kernel died in add (restarted)" in dying.line(), dying


def test_course_grade_prints_each_line_and_the_table_and_exits_1_on_a_failure(graded, monkeypatch, capsys):
    """The CLI over grade(): the unchanged submissions are left alone (and
    counted), the one that failed before is tried again and named."""
    layout = graded[0]
    root = layout.course_dir.parent
    (root / "notebooks").symlink_to(FIXTURE_NOTEBOOKS)  # COURSE_ROOT holds notebooks/ and autograde/
    monkeypatch.setenv("COURSE_ROOT", str(root))
    code = main(["grade", NAME])
    out = capsys.readouterr().out.splitlines()
    assert code == 1, out
    lines = [line for line in out if line.startswith(f"{NAME} ") and " s  " in line]
    assert [line.split()[1] for line in lines] == ["unparseable"], out
    assert "NOT GRADED: the file is not a readable notebook" in lines[0]
    graded_before = len(students_of(layout.course_dir / "submitted", NAME)) - 1
    assert out[0] == (f"{NAME}: {graded_before} submission(s) unchanged since their last grading, "
                      "not graded again (--force regrades them)")
    assert f"grades exported to {layout.course_dir / 'grades.csv'}" in out
    header = out.index(next(line for line in out if line.startswith("assignment ")))
    assert out[header - 1] == "" and out[header].endswith("manual grading")
    assert f"{NAME:<24} {'reference':<20}   9.0 / 9.0    9.0 / 10.0  needed" in out[header:], out
    assert out[-1].startswith("1 submission(s) could not be autograded; see above.")


def test_feedback_is_written_for_graded_submissions(graded):
    layout = graded[0]
    assert feedback([NAME], layout=layout) == {NAME: layout.course_dir / "feedback"}
    page = layout.course_dir / "feedback" / "reference" / NAME / f"{NAME}.html"
    assert "Score: 9.0 / 10.0" in page.read_text()  # 9 autograded, the inline question still to grade

