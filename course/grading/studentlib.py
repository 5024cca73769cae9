"""What a student needs beside the released notebooks, written by `course release`.

release/ then holds, besides one folder per assignment (NN_name/NN_name.ipynb):

    linear_to_bnn_course-VERSION-py3-none-any.whl   the support library alone
    requirements.txt    `pip install -r requirements.txt`: that wheel and its dependencies
    nbgrader_config.py  Validate's per-cell time limit, the one grading uses
    INSTALL.md          how to install, open, validate and set the parameters

The wheel is a distribution of its own, linear-to-bnn-course (the import name
stays `course`): `course/__init__.py`, `course/errors.py`, `course/validate.py`
and `course/lib/` with the embedded mnist10k files. It holds no grading code
and no master, so no solution; verify_student_files checks both.
"""
from __future__ import annotations

import hashlib
import importlib.metadata
import os
import re
import shutil
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

from traitlets.config.loader import PyFileConfigLoader

import course
from course.errors import CourseError
from course.grading import masters
from course.grading.paths import CourseLayout

DISTRIBUTION = "linear-to-bnn-course"
# What the library imports, and what a student's JupyterLab needs to run and
# validate the notebooks; the version bounds are read from the course's own.
DEPENDENCIES = ("numpy", "scipy", "matplotlib", "scikit-learn", "tqdm", "pooch", "threadpoolctl",
                "ipykernel", "jupyterlab", "nbgrader", "nbclient", "nbformat")
# The package files the wheel ships, relative to the installed `course` package.
PACKAGE_FILES = ("__init__.py", "errors.py", "validate.py")
PACKAGE_DIRS = ("lib",)
STUDENT_FILES = ("INSTALL.md", "requirements.txt", "nbgrader_config.py")


def wheel_name(version: str = course.__version__) -> str:
    """The file name of the student wheel of this version."""
    return f"{DISTRIBUTION.replace('-', '_')}-{version}-py3-none-any.whl"


def dependencies() -> list[str]:
    """The requirement strings of DEPENDENCIES as the installed course states them.
    Raises CourseError when the course no longer depends on one of them."""
    stated = {re.split(r"[<>=!~\[; ]", req, maxsplit=1)[0].lower(): req.split(";")[0].strip()
              for req in importlib.metadata.requires("course") or [] if "extra ==" not in req}
    missing = [name for name in DEPENDENCIES if name not in stated]
    if missing:
        raise CourseError(f"the course's pyproject.toml no longer lists {', '.join(missing)}: "
                          f"update DEPENDENCIES in {__file__}")
    return [stated[name] for name in DEPENDENCIES]


def _pyproject() -> str:
    deps = "".join(f'    "{req}",\n' for req in dependencies())
    return f'''[build-system]
requires = ["setuptools>=77"]
build-backend = "setuptools.build_meta"

[project]
name = "{DISTRIBUTION}"
version = "{course.__version__}"
description = "Support library of the course From linear functions to binarized neural networks (import course.lib)."
readme = "README.md"
license = "MIT"
requires-python = ">=3.10"
dependencies = [
{deps}]

[tool.setuptools]
packages = ["course", "course.lib", "course.lib.data"]

[tool.setuptools.package-data]
"course.lib.data" = ["mnist10k/*.gz", "mnist10k/README.md"]
'''


def _stage_source(source: Path) -> str:
    """Copy the student library and its pyproject.toml into source; returns the
    sha256 of everything copied (the wheel's content key)."""
    package = Path(course.__file__).parent
    (source / "course").mkdir(parents=True)
    for name in PACKAGE_FILES:
        shutil.copy(package / name, source / "course" / name)
    for name in PACKAGE_DIRS:
        shutil.copytree(package / name, source / "course" / name,
                        ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    (source / "pyproject.toml").write_text(_pyproject())
    (source / "README.md").write_text(install_text())
    digest = hashlib.sha256()
    for path in sorted(p for p in source.rglob("*") if p.is_file()):
        digest.update(path.relative_to(source).as_posix().encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


def _cache_dir() -> Path:
    """This user's cache of built student wheels (one build per content, about 10 s each)."""
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "course" / "studentlib"


def build_wheel(dest: Path) -> Path:
    """Build the student wheel into dest, offline (pip wheel --no-build-isolation with
    the installed setuptools), or copy this user's cached build of the same sources.
    Returns its path. Raises CourseError when the build fails."""
    with tempfile.TemporaryDirectory(prefix="course-studentlib-") as tmp:
        source = Path(tmp) / "src"
        cached = _cache_dir() / _stage_source(source) / wheel_name()
        if not cached.is_file():
            build = subprocess.run(
                [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-index", "--no-build-isolation",
                 "-q", "-w", str(Path(tmp) / "dist"), str(source)],
                capture_output=True, text=True, timeout=600)
            built = Path(tmp) / "dist" / wheel_name()
            if build.returncode != 0 or not built.is_file():
                raise CourseError(f"building the student wheel {wheel_name()} failed (setuptools>=77 "
                                  f"must be installed: pip install 'setuptools>=77'):\n{build.stderr[-3000:]}")
            cached.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy(built, cached.with_suffix(".part"))
            os.replace(cached.with_suffix(".part"), cached)
    dest.mkdir(parents=True, exist_ok=True)
    return Path(shutil.copy(cached, dest / cached.name))


def cell_timeout(course_dir: Path) -> int:
    """The per-cell time limit (s) grading uses: c.Execute.timeout of the course's
    nbgrader_config.py."""
    config = PyFileConfigLoader("nbgrader_config.py", path=str(course_dir)).load_config()
    return int(config.Execute.timeout)


def student_config(timeout: int) -> str:
    """The nbgrader_config.py students get: Validate with grading's time limit."""
    return f'''"""nbgrader settings for Validate in a student's JupyterLab (started in this folder).

Written by `course release`: each cell may run {timeout} s, the limit grading uses,
so Validate's verdicts are those of grading (nbgrader's own default is 30 s).
"""
c = get_config()  # noqa: F821 (provided by nbgrader when it loads this file)
c.Execute.timeout = {timeout}
c.Execute.interrupt_on_timeout = True
'''


def install_text() -> str:
    """INSTALL.md: the install, run, validate and parameters instructions."""
    return f"""# Installing the course's notebooks

Each `NN_name/NN_name.ipynb` here is one assignment. It needs the course's
support library, `{wheel_name()}` in this folder (the package
`{DISTRIBUTION}`, imported as `course.lib`), and Python 3.10 or newer.

## Install (once)

In a terminal, in this folder:

```bash
python -m venv .venv
.venv/bin/pip install -r requirements.txt        # Windows: .venv\\Scripts\\pip install -r requirements.txt
```

This installs the wheel from this folder and its dependencies (numpy, JupyterLab,
nbgrader, ...) from the package index. With conda, install `pip` in your
environment and run the same `pip install -r requirements.txt` there.

## Work on a notebook

```bash
.venv/bin/jupyter lab        # start it in this folder, so that Validate reads nbgrader_config.py
```

Open `NN_name/NN_name.ipynb`, fill in every `# YOUR CODE HERE` and `YOUR ANSWER HERE`
cell, and run the test cell under each exercise: it runs the visible tests. Hidden
tests run as well when your work is graded.

**Parameters.** The parameters cell reads `COURSE_FAST` (1: short trainings),
`COURSE_DATASET` and `COURSE_SEED` from the environment; typing into that cell does
nothing, it is locked. To set one, add a cell above the parameters cell, e.g.

```
%env COURSE_FAST=1
```

run it, then run the parameters cell: it prints `fast=True`. Delete the cell
before you submit (graded runs set their own parameters).

**Validate.** Before you submit, *Kernel > Restart Kernel and Run All Cells*, or
the *Validate* button (nbgrader's; it runs the whole notebook with the time limit
of grading, from `nbgrader_config.py`). For a table of which exercises pass their
visible tests, in a terminal in this folder:

```bash
.venv/bin/python -m course.validate NN_name/NN_name.ipynb
```

The *Assignment List* tab only works on a JupyterHub with an nbgrader exchange;
elsewhere it shows "Error fetching courses", which you can ignore.
"""


def requirements_text() -> str:
    """requirements.txt: the wheel beside it (pip reads --find-links relative to this file)."""
    return f"--find-links .\n{DISTRIBUTION}=={course.__version__}\n"


def write_student_files(layout: CourseLayout) -> list[Path]:
    """Write the wheel, requirements.txt, nbgrader_config.py and INSTALL.md into
    release/, replacing older wheels of the student library. Returns their paths."""
    release_dir = layout.course_dir / "release"
    release_dir.mkdir(parents=True, exist_ok=True)
    for old in release_dir.glob(f"{DISTRIBUTION.replace('-', '_')}-*.whl"):
        old.unlink()
    texts = {"INSTALL.md": install_text(), "requirements.txt": requirements_text(),
             "nbgrader_config.py": student_config(cell_timeout(layout.course_dir))}
    written = [build_wheel(release_dir)]
    for name, text in texts.items():
        (release_dir / name).write_text(text)
        written.append(release_dir / name)
    return written


def solution_line_sets(layout: CourseLayout) -> dict[str, set[str]]:
    """'NN_name: grade id' -> the stripped lines only that solution cell holds (beyond
    what its release shows), for every solution cell of every master."""
    found = {}
    for name in layout.assignment_names():
        master = masters.load_master(layout.master(name))
        secret = masters.solution_only_lines(master)
        for gid, source in masters.solution_sources(master).items():
            lines = {line.strip() for line in source.splitlines()} & secret
            if lines:
                found[f"{name}: {gid}"] = lines
    return found


def wheel_problems(wheel: Path, layout: CourseLayout) -> list[str]:
    """Problems with the student wheel: a file outside the student library, or a
    module holding every line of a master's solution (lines the library shares with
    one, such as `rng = np.random.default_rng(seed)`, alone are not a solution)."""
    allowed = tuple(f"course/{name}" for name in PACKAGE_FILES) + \
        tuple(f"course/{name}/" for name in PACKAGE_DIRS)
    solutions = solution_line_sets(layout)
    problems = []
    with zipfile.ZipFile(wheel) as archive:
        for entry in archive.namelist():
            if entry.startswith(f"{DISTRIBUTION.replace('-', '_')}-{course.__version__}.dist-info/"):
                continue
            if not entry.startswith(allowed):
                problems.append(f"{wheel.name} holds {entry}, which is not the student library")
            elif entry.endswith(".py"):
                lines = {line.strip() for line in archive.read(entry).decode().splitlines()}
                problems += [f"{wheel.name}: {entry} holds the solution of {where}"
                             for where, secret in solutions.items() if secret <= lines]
    return problems


def verify_student_files(layout: CourseLayout) -> list[str]:
    """Problems with release/ outside the assignment folders, empty when it is safe
    to publish: it holds exactly the student files and one assignment folder per
    master, and the wheel holds the student library alone."""
    release_dir = layout.course_dir / "release"
    expected = set(STUDENT_FILES) | {wheel_name()}
    assignments = set(layout.assignment_names())
    problems = [f"{release_dir / name} is missing: run `course release`"
                for name in sorted(expected) if not (release_dir / name).is_file()]
    for entry in sorted(release_dir.iterdir()):
        if entry.name in expected and entry.is_file():
            continue
        if entry.name in assignments and entry.is_dir():
            continue
        problems.append(f"{entry} is not something students get: only the assignment folders and "
                        f"{', '.join(sorted(expected))} may be in release/ (remove it)")
    if (release_dir / wheel_name()).is_file():
        problems += wheel_problems(release_dir / wheel_name(), layout)
    return problems
