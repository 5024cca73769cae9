"""The trusted runner through real nbgrader (sandboxed kernels, ipc transport):
the fixture 00_runner_fixture graded as usual, and every in-kernel attack of
issue 12 as a submission that earns nothing it did not earn. Exercise points:
scale_vector 2, running_mean 3, numerical_gradient 4 (9 in all)."""
from __future__ import annotations

import json
import os
import socket
import textwrap

import nbformat
import pytest

from course.grading import submissions as subs
from course.grading.autograde import grade_one, scores
from course.grading.masters import hidden_blocks
from course.grading.release import release
from kernel_attacks import ATTACKS, MAGIC, PEEK
from grading_helpers import with_cells, FIXTURE_NOTEBOOKS, read_master, read_release, scratch_layout, submit

pytestmark = pytest.mark.slow  # real nbgrader runs: a few minutes

NAME = "00_runner_fixture"
WRONG = {
    "scale_vector": "def scale_vector(x, k):\n    return np.asarray(x, dtype=np.float64)",
    "running_mean": textwrap.dedent("""\
        class RunningMean:
            def __init__(self, dim):
                self.mean = np.zeros(dim)
                self.count = 0
            def update(self, x):
                self.count += 1
                self.mean = np.asarray(x, dtype=np.float64)"""),
    "numerical_gradient": "def numerical_gradient(f, x, h=1e-5):\n    return np.zeros_like(x)",
}
CORRECT_SCALE = "def scale_vector(x, k):\n    return k * np.asarray(x, dtype=np.float64)"




def attack(release_nb, code, **solutions):
    """Wrong solutions everywhere, the attack code first in the first solution cell."""
    sources = {**WRONG, **solutions}
    sources["scale_vector"] = textwrap.dedent(code) + "\n" + sources["scale_vector"]
    return with_cells(release_nb, **sources)


MAGIC_EVERYWHERE = {
    "running_mean": "class RunningMean:\n    def __init__(self, dim):\n        self.mean = Magic()\n"
                    "        self.count = Magic()\n    def update(self, x):\n        pass",
    "numerical_gradient": "def numerical_gradient(f, x, h=1e-5):\n    return Magic()",
}

MAGIC_RETURNS = {
    "magic-objects": (MAGIC, "def scale_vector(x, k):\n    return Magic()"),
    "ndarray-subclass": ("""
        class AlwaysClose(np.ndarray):
            __eq__ = __lt__ = __gt__ = __le__ = __ge__ = lambda self, other: np.ones(self.shape, bool)
        """, "def scale_vector(x, k):\n    return np.zeros(len(x)).view(AlwaysClose)"),
    "object-array": (MAGIC, "def scale_vector(x, k):\n    return np.array([Magic() for _ in x], dtype=object)"),
}
def solution_sources(notebook) -> dict:
    """grade id -> source of each solution cell."""
    return {c.metadata["nbgrader"]["grade_id"]: c.source for c in notebook.cells
            if c.metadata.get("nbgrader", {}).get("solution")}


def submissions(release_nb, master):
    """student -> (notebook, the autograded score it deserves)."""
    cases = {
        "reference": (subs.reference_submission(release_nb, master), 9),
        "blank": (subs.blank_submission(release_nb), 0),
        "partial-running-mean": (subs.fill(release_nb, master, ["running_mean"]), 3),
        "partial-gradient": (subs.fill(release_nb, master, ["numerical_gradient"]), 4),
        "infinite-loop": (with_cells(subs.reference_submission(release_nb, master),
                                     scale_vector="def scale_vector(x, k):\n    while True:\n        pass"), 7),
    }
    for student, code in ATTACKS.items():
        cases[student] = (attack(release_nb, code), 0)
    for student, (code, scale) in MAGIC_RETURNS.items():
        cases[student] = (attack(release_nb, code, scale_vector=scale, **MAGIC_EVERYWHERE), 0)
    # Hooks that do not break the channel do not cost a correct solution its points.
    solutions = solution_sources(subs.reference_submission(release_nb, master))
    cases["pre-run-cell-hook-but-correct"] = (attack(
        release_nb, ATTACKS["pre-run-cell-execute-result"], **solutions), 9)
    cases["peeks-at-the-tests"] = (attack(release_nb, PEEK, scale_vector=CORRECT_SCALE.replace(
        "    return", "    peek()\n    return")), 2)
    return cases


SWAP_SOCKETS = """
    import glob, os
    _paths = glob.glob("/run/course/kernel-*")  # the kernel's ipc sockets, inside the sandbox
    for _path in _paths:
        os.rename(_path, _path + ".moved")
        os.symlink({host!r}, _path)  # absolute: through /proc/PID/root it would lead to the host
    print("swapped", len(_paths), "socket files")
"""


@pytest.fixture(scope="module")
def host_socket(tmp_path_factory):
    """A listening Unix socket on the host, where a swapped socket file points."""
    path = tmp_path_factory.mktemp("host") / "host.sock"
    server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    server.bind(str(path))
    server.listen(8)
    server.setblocking(False)
    yield server, path
    server.close()


@pytest.fixture(scope="module")
def graded(tmp_path_factory, host_socket):
    """Release the fixture, submit every case, grade each (sandboxed kernels)."""
    tmp = tmp_path_factory.mktemp("runner")
    audit = tmp / "audit.jsonl"
    saved = dict(os.environ)
    os.environ.update({"COURSE_CELL_TIMEOUT": "10", "COURSE_RUNNER_AUDIT": str(audit)})
    try:
        layout = scratch_layout(tmp, FIXTURE_NOTEBOOKS)
        release([NAME], layout=layout)
        released, master = read_release(layout, NAME), read_master(layout, NAME)
        expected = {}
        cases = submissions(released, master)
        # a correct submission that swaps its kernel's socket files for links to the host:
        # the graders connected before any student code ran, and never reconnect
        cases["swaps-its-sockets"] = (attack(subs.reference_submission(released, master),
                                             SWAP_SOCKETS.format(host=str(host_socket[1])),
                                             **solution_sources(subs.reference_submission(released, master)))
                                      , 9)
        for student, (notebook, score) in cases.items():
            submit(layout, student, NAME, notebook)
            expected[student] = score
        for student in expected:  # one at a time, as `course grade --jobs 1` does
            grade_one(layout.course_dir, NAME, student)
        table = {s.student: s for s in scores(layout.course_dir, [NAME])}
        yield layout, table, expected, audit, master
    finally:
        os.environ.clear()
        os.environ.update(saved)


def graded_notebook(layout, student):
    return nbformat.read(layout.course_dir / "autograded" / student / NAME / f"{NAME}.ipynb", as_version=4)


def output_text(notebook) -> str:
    return json.dumps([cell.get("outputs", []) for cell in notebook.cells])


def hidden_lines(master) -> list[str]:
    lines = []
    for cell in master.cells:
        for block in hidden_blocks(cell.source):
            lines += [line.strip() for line in block.splitlines() if len(line.strip()) >= 12]
    return lines


def test_swapped_socket_files_lead_no_grader_to_the_host(graded, host_socket):
    layout, table, expected, _, _ = graded
    assert "swapped 5 socket files" in output_text(graded_notebook(layout, "swaps-its-sockets"))
    assert table["swaps-its-sockets"].auto_score == expected["swaps-its-sockets"]
    with pytest.raises(BlockingIOError):  # nobody connected to the host's socket
        host_socket[0].accept()


@pytest.mark.parametrize("student", ["reference", "blank", "partial-running-mean", "partial-gradient",
                                     "infinite-loop"])
def test_reference_blank_partial_and_timeout_score_exactly(graded, student):
    _, table, expected, _, _ = graded
    assert table[student].auto_score == expected[student], (student, table[student])
    assert table[student].max_auto_score == 9


@pytest.mark.parametrize("student", sorted(ATTACKS) + sorted(MAGIC_RETURNS) + [
    "pre-run-cell-hook-but-correct", "peeks-at-the-tests"])
def test_an_in_kernel_attack_earns_nothing_it_did_not_earn(graded, student):
    _, table, expected, _, _ = graded
    assert table[student].auto_score == expected[student], (student, table[student])


def test_test_cells_show_the_runners_outcome(graded):
    layout = graded[0]
    cells = {c.metadata["nbgrader"]["grade_id"]: c for c in graded_notebook(layout, "magic-objects").cells
             if c.metadata.get("nbgrader", {}).get("grade_id")}
    (error,) = [o for o in cells["test_scale_vector"].outputs if o.output_type == "error"]
    assert error.traceback == ["scale_vector returned a <class '__main__.Magic'>, not data"]
    partial = {c.metadata["nbgrader"]["grade_id"]: c
               for c in graded_notebook(layout, "partial-running-mean").cells
               if c.metadata.get("nbgrader", {}).get("grade_id")}
    assert partial["test_running_mean"].outputs == []  # a pass: no error, no execute_result
    wrong = {c.metadata["nbgrader"]["grade_id"]: c for c in graded_notebook(layout, "np-proxy-object").cells
             if c.metadata.get("nbgrader", {}).get("grade_id")}
    (error,) = [o for o in wrong["test_scale_vector"].outputs if o.output_type == "error"]
    assert error.traceback[0].startswith("AssertionError: scale_vector([1, -2, 3], 2) returned")


def test_a_hidden_failure_is_reported_as_such(graded, tmp_path):
    layout = graded[0]
    released = read_release(layout, NAME)
    # visible tests pass (one update), the hidden ones (three updates) do not
    almost = "class RunningMean:\n    def __init__(self, dim):\n        self.mean = np.zeros(dim)\n" \
             "        self.count = 0\n    def update(self, x):\n        self.count = 1\n" \
             "        self.mean = np.asarray(x, dtype=np.float64)"
    submit(layout, "hidden-fails", NAME, with_cells(released, running_mean=almost))
    grade_one(layout.course_dir, NAME, "hidden-fails")
    cells = {c.metadata["nbgrader"]["grade_id"]: c for c in graded_notebook(layout, "hidden-fails").cells
             if c.metadata.get("nbgrader", {}).get("grade_id")}
    (error,) = [o for o in cells["test_running_mean"].outputs if o.output_type == "error"]
    assert error.traceback == ["hidden test failed: count is the number of updates"]


def test_no_hidden_test_reaches_the_kernel_or_the_outputs(graded):
    layout, table, _, audit, master = graded
    secrets = hidden_lines(master)
    assert len(secrets) >= 10
    sent = audit.read_text()
    assert sent.count("_course_runner") > 10  # the audit saw the runner's requests
    for line in secrets:
        assert line not in sent, f"a hidden test line was sent to a kernel: {line}"
    peeked = output_text(graded_notebook(layout, "peeks-at-the-tests"))
    assert "PEEKED:" in peeked  # the attack ran and printed what it found ...
    for line in secrets:
        assert line not in peeked, f"a student's code found a hidden test line: {line}"


def set_runner(layout, name, on: bool) -> None:
    """Turn the runner on or off in the staged source notebook of `name`."""
    path = layout.course_dir / "source" / name / f"{name}.ipynb"
    source = nbformat.read(path, as_version=4)
    source.metadata.setdefault("course", {})["trusted_runner"] = on
    nbformat.write(source, path)


def test_cost_with_and_without_the_runner_side_by_side(graded, capsys):
    """The reference graded alternately with the runner and in the kernel:
    the same points, and the time per submission of each (printed)."""
    layout = graded[0]
    seconds = {True: [], False: []}
    try:
        for _ in range(3):
            for on in (False, True):
                set_runner(layout, NAME, on)
                outcome = grade_one(layout.course_dir, NAME, "reference")
                points = {s.student: s.auto_score for s in scores(layout.course_dir, [NAME])}["reference"]
                assert outcome.ok and points == 9, (on, outcome, points)
                seconds[on].append(outcome.seconds)
    finally:
        set_runner(layout, NAME, True)
    with_runner, without = min(seconds[True]), min(seconds[False])
    with capsys.disabled():
        print(f"\n{NAME} reference: {with_runner:.2f} s with the runner, {without:.2f} s in the kernel "
              f"(best of 3 each), ratio {with_runner / without:.2f}")
    assert with_runner < 2 * without
