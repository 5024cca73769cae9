"""Cheating and harmful submissions graded by real nbgrader in the sandbox.

Each case is the blank release of the fixture (or the correct one, where the
attack must not cost the points a student did earn) plus one attack, graded
alone with `grade()` between two classmates. Every case asserts: the score it
deserves (never an undeserved point), classmates' grades and files unchanged,
nothing changed in the course directory outside the attacker's own
autograded/ folder, the package and site-packages unchanged, and no process
left behind. Fixture points: add 2, scale_vector 3, count_positive 4."""
from __future__ import annotations

import copy
import hashlib
import os
import site
import socket
import threading
from pathlib import Path

import nbformat
import pytest

import course
from course.errors import CourseError
from course.grading import submissions as subs
from course.grading.autograde import grade, scores
from course.grading.release import release
from course.grading.sandbox import sandbox_problem
from grading_helpers import FIXTURE_NOTEBOOKS, with_cells, read_master, read_release, scratch_layout, submit

pytestmark = [pytest.mark.slow,
              pytest.mark.skipif(sandbox_problem() is not None,
                                 reason=f"no sandbox here: {sandbox_problem()}")]

NAME = "00_fixture"
CORRECT = {
    "add": "def add(a, b):\n    return a + b",
    "scale_vector": "def scale_vector(x, k):\n    return k * np.asarray(x, dtype=np.float64)",
    "count_positive": "def count_positive(x):\n    return int((np.asarray(x) > 0).sum())",
}
MARKER = "4242"  # in the command line of every process an attack leaves behind
SITE = Path(site.getsitepackages()[0])
PACKAGE = Path(course.__path__[0])




def graded_test_cells(notebook):
    return [c for c in notebook.cells
            if c.metadata.get("nbgrader", {}).get("grade") and not c.metadata["nbgrader"].get("solution")]


def attacks(released, course_dir: Path, port: int):
    """{student: (notebook, deserved score)}: each a real attack."""
    blank = copy.deepcopy(released)
    right = with_cells(released, **CORRECT)
    cases = {}

    tagged = copy.deepcopy(blank)
    for cell in graded_test_cells(tagged):
        cell.metadata["tags"] = ["skip-execution", "raises-exception"]
    cases["skip-tags"] = (tagged, 0)

    stolen = ("import json, glob\n"
              f"for path in glob.glob({str(course_dir)!r} + '/source/*/*.ipynb') + "
              f"glob.glob('../../../source/*/*.ipynb'):\n"
              "    for cell in json.load(open(path))['cells']:\n"
              "        if cell['cell_type'] == 'code':\n"
              "            exec(''.join(cell['source']), globals())\n")
    cases["reads-source"] = (with_cells(blank, add=stolen), 0)
    copied = stolen.replace("/source/*/*.ipynb", "/submitted/*/*/*.ipynb").replace(
        "../../../source/*/*.ipynb", "../../../submitted/*/*/*.ipynb")
    cases["copies-classmate"] = (with_cells(blank, add=copied), 0)

    gradebook = ("import sqlite3\n"
                 f"for path in [{str(course_dir / 'gradebook.db')!r}, '../../../gradebook.db']:\n"
                 "    try:\n"
                 "        db = sqlite3.connect(path)\n"
                 "        db.execute('update grade set auto_score = 0')\n"
                 "        db.commit()\n"
                 "    except Exception as err:\n"
                 "        print('gradebook', path, err)\n")
    cases["writes-gradebook"] = (with_cells(blank, add=gradebook), 0)

    detached = ("import subprocess, sys\n"
                "subprocess.Popen([sys.executable, '-c', 'import time, sqlite3; time.sleep(8); "
                f"sqlite3.connect({str(course_dir / 'gradebook.db')!r}).execute(\"update grade set auto_score = 99\")', "
                f"'{MARKER}'], start_new_session=True)\n"
                + "".join(f"subprocess.Popen(['sleep', '{MARKER}'], start_new_session=True)\n"
                          for _ in range(5)))
    cases["detached-process"] = (with_cells(blank, add=detached), 0)

    targets = [course_dir / "nbgrader_config.py", course_dir / "source" / NAME / "course" / "__init__.py",
               course_dir / "submitted" / "aa-classmate" / NAME / f"{NAME}.ipynb",
               course_dir / "autograded" / "aa-classmate" / NAME / f"{NAME}.ipynb",
               SITE / "zz_attack.pth", PACKAGE / "lib" / "__init__.py",
               Path.home() / ".ipython" / "profile_default" / "startup" / "00-attack.py",
               Path(os.path.expanduser("~")) / ".bashrc"]
    overwrite = ("import os\n"
                 f"for path in {[str(t) for t in targets]!r} + [os.path.expanduser('~/.ipython/profile_default/startup/00-attack.py')]:\n"
                 "    try:\n"
                 "        os.makedirs(os.path.dirname(path), exist_ok=True)\n"
                 "        with open(path, 'a') as handle:\n"
                 "            handle.write('\\nimport os; os._exit(3)\\n')\n"
                 "    except OSError as err:\n"
                 "        print('write', path, err)\n")
    cases["overwrites-files"] = (with_cells(blank, add=overwrite), 0)

    network = ("import socket\n"
               f"socket.create_connection(('127.0.0.1', {port}), timeout=2).sendall(b'leak')\n")
    cases["network"] = (with_cells(blank, add="try:\n" + "".join("    " + line + "\n" for line in network.splitlines())
                             + "except OSError as err:\n    print(err)\n"), 0)

    memory = ("import numpy as np\n"
              "hog = np.ones(2 * 2**30 // 8)\n")
    cases["memory-hog"] = (with_cells(right, scale_vector=memory + CORRECT["scale_vector"]), 6)

    forks = ("import subprocess\n"
             f"children = [subprocess.Popen(['sleep', '{MARKER}']) for _ in range(50)]\n")
    cases["many-processes"] = (with_cells(right, count_positive=forks + CORRECT["count_positive"]), 9)

    disk = ("block = b'x' * 2**20\n"
            "for name in ['big.bin', '/tmp/big.bin']:\n"
            "    try:\n"
            "        with open(name, 'wb') as handle:\n"
            "            for _ in range(600):\n"
            "                handle.write(block)\n"
            "    except OSError as err:\n"
            "        print(name, err)\n")
    cases["fills-disk"] = (with_cells(right, add=disk + CORRECT["add"]), 9)

    stripped = copy.deepcopy(right)
    for cell in stripped.cells:
        cell.metadata = {}
    cases["metadata-stripped"] = (stripped, 9)

    renamed = copy.deepcopy(right)
    for cell in renamed.cells:
        meta = cell.metadata.get("nbgrader", {})
        if meta.get("grade_id") == "add":
            meta["grade_id"] = "add_renamed"
        if meta.get("grade_id") == "test_scale_vector":
            meta["solution"] = True
            meta["grade"] = False
    cases["ids-and-flags-edited"] = (renamed, 9)

    duplicated = copy.deepcopy(blank)
    fake = copy.deepcopy(graded_test_cells(duplicated)[0])
    fake.source = "print('all good')"
    fake.metadata["nbgrader"]["points"] = 100
    del fake["id"]
    duplicated.cells.insert(1, nbformat.from_dict({**fake, "id": "fake-test-cell"}))
    extra = copy.deepcopy(fake)
    extra.metadata["nbgrader"]["grade_id"] = "my_bonus"
    duplicated.cells.append(nbformat.from_dict({**extra, "id": "bonus-cell"}))
    cases["duplicated-and-added-tests"] = (duplicated, 0)

    ignores = ("import signal\n"
               "def add(a, b):\n"
               "    signal.signal(signal.SIGINT, signal.SIG_IGN)\n"
               "    while True:\n"
               "        pass\n")
    cases["ignores-interrupt"] = (with_cells(right, add=ignores), 7)
    cases["kernel-dies"] = (with_cells(right, scale_vector="import os\nos._exit(1)\n" + CORRECT["scale_vector"]), 6)
    return cases


def tree_digest(root: Path, skip: set) -> dict[str, str]:
    """sha256 of every file below root, except paths under the skipped folders/files."""
    found = {}
    for path in sorted(root.rglob("*")):
        if path.is_file() and not any(s == path or s in path.parents for s in skip):
            found[str(path.relative_to(root))] = hashlib.sha256(path.read_bytes()).hexdigest()
    return found


def environment_digest() -> dict[str, str]:
    files = [p for p in PACKAGE.rglob("*") if p.is_file() and "__pycache__" not in p.parts]
    files += list(SITE.glob("*.pth"))
    startup = Path.home() / ".ipython" / "profile_default" / "startup"
    files += list(startup.glob("*")) if startup.is_dir() else []
    return {str(p): hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(files)}


def marked_processes() -> list[str]:
    found = []
    for proc in Path("/proc").iterdir():
        try:
            command = (proc / "cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        if MARKER.encode() in command and str(os.getpid()) != proc.name:
            found.append(b" ".join(command).decode(errors="replace"))
    return found


class Listener:
    """A TCP server on 127.0.0.1 that records whether anyone connected."""

    def __init__(self):
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.sock.settimeout(0.5)
        self.port = self.sock.getsockname()[1]
        self.connections = 0
        self.running = True
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self):
        while self.running:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                continue
            self.connections += 1
            conn.close()

    def close(self):
        self.running = False
        self.thread.join()
        self.sock.close()


@pytest.fixture(scope="module")
def course_with_classmates(tmp_path_factory):
    """A released fixture with two correct classmates graded, and a listener."""
    listener = Listener()
    with pytest.MonkeyPatch.context() as env:
        env.setenv("COURSE_CELL_TIMEOUT", "10")
        env.setenv("COURSE_MEMORY_LIMIT", "1G")
        try:
            layout = scratch_layout(tmp_path_factory.mktemp("attacks"), FIXTURE_NOTEBOOKS)
            release([NAME], layout=layout)
            released, master = read_release(layout, NAME), read_master(layout, NAME)
            for classmate in ("aa-classmate", "zz-classmate"):
                submit(layout, classmate, NAME, subs.reference_submission(released, master))
            assert grade([NAME], layout=layout, export_csv=False).ok
            yield layout, released, listener
        finally:
            listener.close()


def only_outcome(run, student):
    """The one GradeOutcome of a grade() run, the student's, autograded."""
    assert [(o.student, o.ok) for o in run.outcomes] == [(student, True)], [o.line() for o in run.outcomes]
    return run.outcomes[0]


CASES = ["skip-tags", "reads-source", "copies-classmate", "writes-gradebook", "detached-process",
         "overwrites-files", "network", "memory-hog", "many-processes", "fills-disk",
         "metadata-stripped", "ids-and-flags-edited", "duplicated-and-added-tests",
         "ignores-interrupt", "kernel-dies"]


@pytest.mark.parametrize("student", CASES)
def test_attack_earns_nothing_and_harms_no_one(course_with_classmates, student):
    layout, released, listener = course_with_classmates
    course_dir = layout.course_dir
    notebook, deserved = attacks(released, course_dir, listener.port)[student]
    submit(layout, student, NAME, notebook)
    own = course_dir / "autograded" / student
    skip = {own, course_dir / "gradebook.db", course_dir / "gradebook.db-journal",
            course_dir / "submitted" / student, course_dir / "grading_state.json"}  # grading's own record
    before_tree, before_env = tree_digest(course_dir, skip), environment_digest()
    before_scores = {s.student: s.auto_score for s in scores(course_dir, [NAME])}

    outcome = only_outcome(grade([NAME], students=[student], layout=layout, export_csv=False), student)
    line = outcome.line()

    after = {s.student: s for s in scores(course_dir, [NAME])}
    assert after[student].auto_score == deserved, (student, after[student], line)
    assert after[student].max_auto_score == 9
    assert {s: after[s].auto_score for s in before_scores} == before_scores
    assert tree_digest(course_dir, skip) == before_tree
    assert environment_digest() == before_env
    assert marked_processes() == []
    assert listener.connections == 0
    assert outcome.sandboxed and "UNSANDBOXED" not in line
    if student == "memory-hog":
        assert "memory limit 1 GiB reached in scale_vector" in line, line
    if student == "fills-disk":
        sizes = sum(p.stat().st_size for p in own.rglob("*") if p.is_file())
        assert sizes < 2**20, f"{sizes} bytes in the attacker's autograded folder"


def test_grading_refuses_without_a_sandbox_and_marks_unsandboxed_lines(course_with_classmates,
                                                                       monkeypatch):
    layout = course_with_classmates[0]
    monkeypatch.setenv("PATH", "/nonexistent")
    with pytest.raises(CourseError, match="apt-get install bubblewrap.*--no-sandbox"):
        grade([NAME], students=["aa-classmate"], layout=layout, export_csv=False)
    monkeypatch.undo()
    outcome = only_outcome(grade([NAME], students=["aa-classmate"], layout=layout, export_csv=False,
                                 sandbox=False), "aa-classmate")
    assert not outcome.sandboxed and outcome.line().endswith("UNSANDBOXED")
    assert {s.student: s.auto_score for s in scores(layout.course_dir, [NAME])}["aa-classmate"] == 9


def test_a_symlinked_submission_earns_nothing(course_with_classmates, tmp_path):
    """A submission that is a link to the source (or a classmate's file) is
    refused, whether it arrives through --submissions or sits in submitted/."""
    layout = course_with_classmates[0]
    course_dir = layout.course_dir
    folder = tmp_path / "incoming" / "linker" / NAME
    folder.mkdir(parents=True)
    (folder / f"{NAME}.ipynb").symlink_to(course_dir / "source" / NAME / f"{NAME}.ipynb")
    run = grade([NAME], submissions=tmp_path / "incoming", students=["linker"], layout=layout,
                export_csv=False)
    assert "is a symbolic link, not a file of the student's: zero points" in only_outcome(run, "linker").problem
    assert {s.student: s.auto_score for s in scores(course_dir, [NAME])}["linker"] == 0
    assert (course_dir / "submitted" / "linker" / NAME / f"{NAME}.ipynb").is_symlink()
