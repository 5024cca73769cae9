"""What students get beside the released notebooks (course/grading/studentlib.py):
the support library's own wheel, requirements.txt, nbgrader_config.py, INSTALL.md.

The fast tests check the release folder's verification on the files themselves;
the slow ones install a fresh virtual environment from nothing but a release
folder (its wheel, and the dependencies from the package index) and run
released notebooks there: the provided cells of a real master with a
parameter set by `%env`, nbgrader validate with grading's time limit, and
`python -m course.validate`'s summary.
"""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import nbformat
import pytest
from traitlets.config.loader import PyFileConfigLoader

from course.grading import studentlib
from course.grading.release import release
from course.grading.submissions import reference_submission
from grading_helpers import FIXTURE_NOTEBOOKS, REPO, read_master, read_release, scratch_layout

FIXTURE = "00_fixture"
MASTER = "03_two_layer_net"  # imports data, gradcheck, train, vis, threadpoolctl and tqdm


@pytest.fixture(scope="module")
def wheel_cache(tmp_path_factory):
    """One wheel build per test module, in a cache of its own (not the user's)."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("XDG_CACHE_HOME", str(tmp_path_factory.mktemp("cache")))
        yield


@pytest.fixture
def student_files(tmp_path, wheel_cache):
    """A scratch course directory whose release/ holds the student files alone."""
    layout = scratch_layout(tmp_path, FIXTURE_NOTEBOOKS)
    studentlib.write_student_files(layout)
    return layout


def test_release_folder_holds_the_student_files_and_verifies(student_files):
    release_dir = student_files.course_dir / "release"
    assert sorted(p.name for p in release_dir.iterdir()) == sorted(
        [*studentlib.STUDENT_FILES, studentlib.wheel_name()])
    assert studentlib.verify_student_files(student_files) == []


@pytest.mark.parametrize("stray", ["notes.txt", "00_fixture.py", "linear_to_bnn_course-0.0.9-py3-none-any.whl",
                                   "unknown_assignment/"])
def test_anything_else_in_the_release_folder_fails(student_files, stray):
    path = student_files.course_dir / "release" / stray.rstrip("/")
    path.mkdir() if stray.endswith("/") else path.write_text("x")
    problems = studentlib.verify_student_files(student_files)
    assert len(problems) == 1 and str(path) in problems[0] and "not something students get" in problems[0]


def test_a_missing_student_file_fails(student_files):
    (student_files.course_dir / "release" / "INSTALL.md").unlink()
    assert studentlib.verify_student_files(student_files) == [
        f"{student_files.course_dir / 'release' / 'INSTALL.md'} is missing: run `course release`"]


def _add_to_wheel(wheel: Path, entry: str, text: str) -> None:
    with zipfile.ZipFile(wheel, "a") as archive:
        archive.writestr(entry, text)


def test_wheel_is_the_student_library_alone(student_files):
    wheel = student_files.course_dir / "release" / studentlib.wheel_name()
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
        metadata = archive.read(f"linear_to_bnn_course-{studentlib.course.__version__}.dist-info/METADATA").decode()
    assert {"course/__init__.py", "course/errors.py", "course/validate.py", "course/lib/gradcheck.py",
            "course/lib/data/mnist10k/t10k-images-idx3-ubyte.gz"} <= names
    assert not [n for n in names if n.startswith(("course/grading", "course/cli.py", "course/doctor.py"))]
    assert "Name: linear-to-bnn-course" in metadata
    for requirement in ("numpy>=2.0", "nbgrader<0.10,>=0.9.5", "jupyterlab>=4.0", "scikit-learn>=1.3"):
        assert f"Requires-Dist: {requirement}" in metadata, metadata


@pytest.mark.parametrize("entry, text, expected", [
    ("course/grading/autograde.py", "x = 1\n", "course/grading/autograde.py, which is not the student library"),
    ("course/lib/helpers.py", "    return k * np.asarray(x, dtype=np.float64)\n", "holds the solution of 00_"),
])
def test_a_wheel_with_grading_code_or_a_solution_fails(student_files, entry, text, expected):
    _add_to_wheel(student_files.course_dir / "release" / studentlib.wheel_name(), entry, text)
    problems = studentlib.verify_student_files(student_files)
    assert problems and all(expected in problem and entry in problem for problem in problems), problems


def test_student_config_has_the_grading_time_limit(tmp_path, wheel_cache, monkeypatch):
    monkeypatch.setenv("COURSE_CELL_TIMEOUT", "123")
    layout = scratch_layout(tmp_path, FIXTURE_NOTEBOOKS)
    studentlib.write_student_files(layout)
    config = PyFileConfigLoader("nbgrader_config.py", path=str(layout.course_dir / "release")).load_config()
    assert config.Execute.timeout == 123 and config.Execute.interrupt_on_timeout is True


def test_requirements_name_the_wheel_beside_them(student_files):
    text = (student_files.course_dir / "release" / "requirements.txt").read_text()
    assert text.splitlines() == ["--find-links .", f"linear-to-bnn-course=={studentlib.course.__version__}"]


# --- a fresh environment with nothing but the release folder ---------------------------------

def _run(argv, **kwargs):
    run = subprocess.run(argv, capture_output=True, text=True, **kwargs)
    assert run.returncode == 0, f"{' '.join(map(str, argv))} failed:\n{run.stdout[-3000:]}\n{run.stderr[-3000:]}"
    return run


@pytest.fixture(scope="module")
def student_folder(tmp_path_factory, wheel_cache):
    """A copy of a release folder holding the fixture and a real master, as a student gets it."""
    tmp = tmp_path_factory.mktemp("release")
    fixture = scratch_layout(tmp / "fixture", FIXTURE_NOTEBOOKS)
    real = scratch_layout(tmp / "real", REPO / "notebooks")
    release([FIXTURE], fixture)
    release([MASTER], real)
    folder = tmp / "student"
    shutil.copytree(real.course_dir / "release", folder)
    shutil.copytree(fixture.course_dir / "release" / FIXTURE, folder / FIXTURE)
    nbformat.write(reference_submission(read_release(fixture, FIXTURE), read_master(fixture, FIXTURE)),
                   folder / FIXTURE / "reference.ipynb")
    return folder


@pytest.fixture(scope="module")
def fresh_env(tmp_path_factory, student_folder):
    """A new virtual environment where `pip install -r requirements.txt` ran, from another
    folder (so --find-links is read relative to the file); no user kernels or config seen."""
    tmp = tmp_path_factory.mktemp("fresh")
    _run([sys.executable, "-m", "venv", str(tmp / "venv")], timeout=300)
    python = tmp / "venv" / "bin" / "python"
    _run([str(python), "-m", "pip", "install", "-q", "-r", str(student_folder / "requirements.txt")],
         cwd=tmp, timeout=1500)
    env = {key: value for key, value in os.environ.items()
           if not key.startswith(("COURSE_", "JUPYTER", "PYTHON", "NBGRADER", "VIRTUAL_ENV"))}
    env.update(PATH=f"{tmp / 'venv' / 'bin'}:{env['PATH']}", JUPYTER_DATA_DIR=str(tmp / "jupyter-data"),
               JUPYTER_CONFIG_DIR=str(tmp / "jupyter-config"), IPYTHONDIR=str(tmp / "ipython"))
    return python, env


@pytest.mark.slow
def test_fresh_env_installs_the_wheel_from_the_release_folder_only(fresh_env):
    python, env = fresh_env
    show = _run([str(python), "-m", "pip", "show", "-f", "linear-to-bnn-course"], env=env).stdout
    assert "Name: linear-to-bnn-course" in show and "course/lib/gradcheck.py" in show
    probe = subprocess.run([str(python), "-c", "import course.lib; print(course.lib.__file__); import course.grading"],
                           env=env, cwd=python.parent, capture_output=True, text=True)
    assert probe.stdout.startswith(str(python.parent.parent)), probe.stdout
    assert "No module named 'course.grading'" in probe.stderr, probe.stderr


NBCLIENT_SCRIPT = """
import sys, nbformat, nbclient
path, env_line = sys.argv[1], sys.argv[2]
nb = nbformat.read(path, as_version=4)
ids = [c.metadata.get("nbgrader", {}).get("grade_id") for c in nb.cells]
keep = [c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") in ("parameters", "setup")]
probe = nbformat.v4.new_code_cell("import course.lib; print('course.lib from', course.lib.__file__)")
nb.cells = ([nbformat.v4.new_code_cell(env_line)] if env_line else []) + keep + [probe]
nbclient.NotebookClient(nb, timeout=300, kernel_name="python3",
                        resources={"metadata": {"path": sys.argv[3]}}).execute()
for cell in nb.cells:
    for out in cell.outputs:
        print(out.get("text", "") or out.get("data", {}).get("text/plain", ""))
"""


@pytest.mark.slow
@pytest.mark.parametrize("env_line, fast", [("%env COURSE_FAST=1", True), ("", False)])
def test_released_master_runs_its_provided_cells_in_the_fresh_env(fresh_env, student_folder, tmp_path,
                                                                   env_line, fast):
    python, env = fresh_env
    notebook = student_folder / MASTER / f"{MASTER}.ipynb"
    script = tmp_path / "run_cells.py"
    script.write_text(NBCLIENT_SCRIPT)
    out = _run([str(python), str(script), str(notebook), env_line, str(notebook.parent)],
               env=env, cwd=tmp_path, timeout=600).stdout
    assert f"fast={fast}" in out, out
    assert f"course.lib from {python.parent.parent}" in out, f"the kernel did not use the fresh environment:\n{out}"


@pytest.mark.slow
def test_course_validate_summarizes_the_visible_tests(fresh_env, student_folder):
    python, env = fresh_env
    blank = subprocess.run([str(python), "-m", "course.validate", f"{FIXTURE}/{FIXTURE}.ipynb"], env=env,
                           cwd=student_folder, capture_output=True, text=True, timeout=600)
    assert blank.returncode == 1, blank.stderr
    lines = blank.stdout.splitlines()
    assert lines[0].split() == ["exercise", "points", "visible", "tests"]
    assert [line.split()[:3] for line in lines[1:4]] == [["add", "2", "FAIL:"], ["scale_vector", "3", "FAIL:"],
                                                         ["count_positive", "4", "FAIL:"]]
    assert "NotImplementedError" in lines[1]
    assert lines[-1].startswith("0 of 3 test cells pass their visible tests (0 of 9 points)")
    reference = subprocess.run([str(python), "-m", "course.validate", f"{FIXTURE}/reference.ipynb"], env=env,
                               cwd=student_folder, capture_output=True, text=True, timeout=600)
    assert reference.returncode == 0, reference.stdout + reference.stderr
    assert reference.stdout.splitlines()[-1].startswith("3 of 3 test cells pass their visible tests (9 of 9 points)")


@pytest.mark.slow
def test_nbgrader_validate_from_the_release_folder_has_the_grading_time_limit(fresh_env, student_folder,
                                                                               tmp_path):
    """A 40 s cell passes Validate run from the student folder (its nbgrader_config.py:
    grading's 300 s) and is interrupted at nbgrader's own 30 s elsewhere."""
    python, env = fresh_env
    notebook = nbformat.read(student_folder / FIXTURE / "reference.ipynb", as_version=4)
    notebook.cells.insert(2, nbformat.v4.new_code_cell("import time\ntime.sleep(40)\nprint('slept')"))
    slow = student_folder / FIXTURE / "slow.ipynb"
    nbformat.write(notebook, slow)
    nbgrader = str(python.parent / "nbgrader")
    start = time.perf_counter()
    inside = subprocess.run([nbgrader, "validate", str(slow)], env=env, cwd=student_folder,
                            capture_output=True, text=True, timeout=600)
    took = time.perf_counter() - start
    assert "Success! Your notebook passes all the tests." in inside.stdout, inside.stdout + inside.stderr
    assert "Timeout waiting for execute reply" not in inside.stderr and took > 40, inside.stderr
    (tmp_path / "elsewhere").mkdir()
    outside = subprocess.run([nbgrader, "validate", str(slow)], env=env, cwd=tmp_path / "elsewhere",
                             capture_output=True, text=True, timeout=600)
    # nbgrader's own 30 s interrupt the cell, and (it is not a test cell) still say Success!
    assert "Timeout waiting for execute reply (30s)" in outside.stderr, outside.stdout + outside.stderr
