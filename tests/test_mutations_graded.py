"""The mutation cases through the real pipeline: every wrong answer and every correct
variant of tests/test_hidden_tests_catch_mistakes.py, in a submission graded by
nbgrader in the sandbox with the trusted runner, as a student's would be.

The in-process runs (exercise_runner.py) show that the tests catch each wrong
answer. This shows that the grade does too: a correct variant's values cross the
runner's data channel (a 0-d array, a list, an OrderedDict, a float counter) and
must still score, and a wrong answer must lose points there, not only in-process.

Cases go in layers to keep grading to a few dozen submissions: layer k of a
notebook mutates, for each exercise, its k-th case (exercises with fewer are left
as the master's solution). Partial credit is exact in every master (an exercise's
test cells use only that exercise's functions and provided code), so the grade of
each test cell is known:

- a correct layer scores full marks in every test cell;
- a wrong layer loses points in some test cell of every mutated exercise, and in
  no cell of an exercise it leaves alone.

Every correct layer is graded (a correct variant is where the runner's data channel
can differ from one process), and every wrong layer of 01 and 02 (issue 14 asks for
their wrong answers through nbgrader; these notebooks grade in seconds). Of 03, 04
and 05 the first WRONG_LAYERS wrong layers are; their other wrong cases run
in-process only, to keep CI's test run within its time. `COURSE_GRADE_ALL_MUTATIONS=1`
grades every wrong layer (over a hundred submissions: about ten minutes on 2 cores).
"""
from __future__ import annotations

import os
from collections import defaultdict
from typing import NamedTuple

import pytest

from course.grading import submissions as subs
from course.grading.autograde import gradebook_settings, grade
from course.grading.release import release
from exercise_runner import apply_mutation
from exercise_runner import master as runner_master
from grading_helpers import REPO, read_master, read_release, scratch_layout, submit, with_cells
from mistake import NB01, NB02, NOTEBOOKS, Mistake
from test_hidden_tests_catch_mistakes import CORRECT, WRONG

pytestmark = [pytest.mark.slow, pytest.mark.mutation]
WRONG_LAYERS = 4
ALL_WRONG_LAYERS = {NB01, NB02} | (set(NOTEBOOKS) if os.environ.get("COURSE_GRADE_ALL_MUTATIONS") == "1" else set())


class Layer(NamedTuple):
    """One submission: the cases it applies, one per exercise (stem -> case)."""
    notebook: str
    student: str
    correct: bool
    cases: dict[str, Mistake]


def layers(cases: list[Mistake], kind: str) -> list[Layer]:
    """Layer k of each notebook holds every exercise's k-th case."""
    by_stem: dict[str, dict[str, list[Mistake]]] = defaultdict(lambda: defaultdict(list))
    for case in cases:
        by_stem[case.notebook][case.stem].append(case)
    found = []
    for name in NOTEBOOKS:
        stems = by_stem.get(name, {})
        for k in range(max((len(c) for c in stems.values()), default=0)):
            chosen = {stem: c[k] for stem, c in stems.items() if len(c) > k}
            found.append(Layer(name, f"{kind}-{k + 1}", kind == "correct", chosen))
    return found


ALL_LAYERS = layers(CORRECT, "correct") + layers(WRONG, "wrong")
LAYERS = [layer for layer in ALL_LAYERS
          if layer.correct or layer.notebook in ALL_WRONG_LAYERS or int(layer.student.split("-")[1]) <= WRONG_LAYERS]


def mutated_submission(released, master_nb, layer: Layer):
    """The reference submission with each case of the layer applied to its exercise's solution cell."""
    runner = runner_master(layer.notebook)
    sources = {runner.exercises[stem].solution_ids[0]: apply_mutation(runner.solution_source(stem), c.old, c.new)
               for stem, c in layer.cases.items()}
    return with_cells(subs.reference_submission(released, master_nb), **sources)


def cell_points(course_dir, name: str, student: str) -> dict[str, tuple[float, float]]:
    """grade id -> (points scored, points possible) of every autograded test cell, from the gradebook."""
    from nbgrader.api import Gradebook

    db_url, course_id = gradebook_settings(course_dir)
    with Gradebook(db_url, course_id) as gb:
        notebook = gb.find_submission_notebook(name, name, student)
        return {g.name: (g.auto_score or 0.0, g.max_score) for g in notebook.grades if g.cell.cell_type == "code"}


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    """notebook -> the course directory where its layers were graded: each notebook's
    layers are graded when a test first asks for them, so `-k 03-` grades only 03's."""
    done: dict = {}

    def course_dir(name: str):
        if name not in done:
            layout = scratch_layout(tmp_path_factory.mktemp(f"course{name[:2]}"), REPO / "notebooks")
            release([name], layout=layout)
            released, master_nb = read_release(layout, name), read_master(layout, name)
            for layer in (layer for layer in LAYERS if layer.notebook == name):
                submit(layout, layer.student, name, mutated_submission(released, master_nb, layer))
            run = grade([name], layout=layout, export_csv=False)
            assert run.ok, [outcome.line() for outcome in run.failed]
            done[name] = layout.course_dir
        return done[name]

    return course_dir


def _id(layer: Layer) -> str:
    return f"{layer.notebook[:2]}-{layer.student}"


@pytest.mark.parametrize("layer", LAYERS, ids=[_id(layer) for layer in LAYERS])
def test_graded_layer(graded, layer):
    points = cell_points(graded(layer.notebook), layer.notebook, layer.student)
    exercises = runner_master(layer.notebook).exercises
    lost = {stem: [gid for gid in ex.test_ids if points[gid][0] < points[gid][1]]
            for stem, ex in exercises.items() if ex.test_ids}
    if layer.correct:
        wrongly_failed = {stem: (layer.cases[stem].why if stem in layer.cases else "the master's solution", cells)
                          for stem, cells in lost.items() if cells}
        assert not wrongly_failed, f"correct answers lose points when graded: {wrongly_failed}"
        return
    missed = {stem: case.why for stem, case in layer.cases.items() if not lost[stem]}
    assert not missed, f"wrong answers score full marks when graded: {missed}"
    collateral = {stem: cells for stem, cells in lost.items() if cells and stem not in layer.cases}
    assert not collateral, (f"exercises left as the master's solution lose points beside the mutated ones "
                            f"{sorted(layer.cases)}: {collateral}")


def test_every_case_is_in_a_layer():
    in_layers = [case for layer in ALL_LAYERS for case in layer.cases.values()]
    assert sorted(map(repr, in_layers)) == sorted(map(repr, CORRECT + WRONG))
