"""Every real master through the pipeline, with real nbgrader in fast mode:
the release is clean, the reference scores full marks, the blank zero, a
partial submission exactly the points of the exercises it fills, and a blank
submission that hooks the kernel (issue 12's attacks, bundled) zero too.

The reference submission executes every master cell (solutions, visible and
hidden tests, trainings, plots), so it is also the test that each master runs.
"""
from __future__ import annotations

import textwrap
import time

import nbformat
import pytest

from course.grading import submissions as subs
from course.grading.autograde import grade, scores
from course.grading.release import release, release_path, verify_release
from grading_helpers import REPO, read_master, read_release, scratch_layout, submit
from kernel_attacks import ATTACKS, MAGIC

# Blank submissions that hook the kernel so that tests cannot fail, or forge
# what nbgrader reads: worth nothing on any master.
HOOKED = {
    "hooked-cleanup": ATTACKS["input-transformers-cleanup"],
    "hooked-forgery": "\n".join(textwrap.dedent(ATTACKS[name]) for name in (
        "session-send-patched", "pre-run-cell-execute-result", "ast-transformer-try-except",
        "import-hook-fake-numpy")) + MAGIC + "np.ndarray = Magic\n",
}
STUDENTS = ["reference", "blank", "partial", *HOOKED]

NAMES = sorted(p.stem for p in (REPO / "notebooks").glob("[0-9][0-9]_*.ipynb"))
pytestmark = [pytest.mark.slow,
              pytest.mark.skipif(not NAMES, reason="no master notebooks in notebooks/ yet")]


def hooked(released, code: str) -> nbformat.NotebookNode:
    """The blank release with `code` first in its first solution code cell."""
    notebook = subs.blank_submission(released)
    first = next(c for c in notebook.cells
                 if c.cell_type == "code" and c.metadata.get("nbgrader", {}).get("solution"))
    first.source = textwrap.dedent(code) + "\n" + first.source
    return notebook


def partial_stems(master) -> list[str]:
    """Every other autograded exercise, in notebook order."""
    graded = [stem for stem, e in subs.exercises(master).items() if e.points > 0]
    return graded[::2]


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    layout = scratch_layout(tmp_path_factory.mktemp("course"), REPO / "notebooks")
    release(NAMES, layout=layout)
    expected = {}
    for name in NAMES:
        released, master = read_release(layout, name), read_master(layout, name)
        found = subs.exercises(master)
        stems = partial_stems(master)
        submit(layout, "reference", name, subs.reference_submission(released, master))
        submit(layout, "blank", name, subs.blank_submission(released))
        submit(layout, "partial", name, subs.fill(released, master, stems))
        for student, code in HOOKED.items():
            submit(layout, student, name, hooked(released, code))
        expected[name] = {"reference": subs.autograded_points(master), "blank": 0.0,
                          "partial": sum(found[s].points for s in stems), **dict.fromkeys(HOOKED, 0.0)}
    start = time.perf_counter()
    grade(NAMES, layout=layout)
    print(f"graded {len(STUDENTS) * len(NAMES)} submissions in {time.perf_counter() - start:.0f} s")
    table = {(s.assignment, s.student): s for s in scores(layout.course_dir, NAMES)}
    return layout, table, expected


@pytest.mark.parametrize("name", NAMES)
def test_release_is_clean(graded, name):
    layout = graded[0]
    assert verify_release(layout.master(name), release_path(layout, name)) == []


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("student", STUDENTS)
def test_score(graded, name, student):
    _, table, expected = graded
    got = table[(name, student)]
    assert got.auto_score == expected[name][student], \
        f"{name}: {student} scored {got.auto_score} of {got.max_auto_score}, expected {expected[name][student]}"


@pytest.mark.parametrize("name", NAMES)
def test_blank_runs_to_the_end_with_stubs_raising(graded, name):
    layout = graded[0]
    path = layout.course_dir / "autograded" / "blank" / name / f"{name}.ipynb"
    nb = nbformat.read(path, as_version=4)
    code = [c for c in nb.cells if c.cell_type == "code"]
    # a test cell run by the trusted runner has no execution count, but its outcome as output
    assert all(c.execution_count is not None or c.outputs for c in code), "a cell of the blank release did not run"
    errors = [o for c in code for o in c.outputs if o.output_type == "error"]
    assert errors and all(o.ename != "CellTimeoutError" for o in errors)
    assert any(o.ename == "NotImplementedError" for o in errors)
    released = read_release(layout, name)
    assert sum("raise NotImplementedError" in c.source for c in released.cells) >= 1
