"""`course doctor`: what is installed, what is missing, and what to do about it.

Each check returns a Check: a status ('ok', 'warn' or 'fail'), what was
found, and the fix. `doctor()` returns them all in a Report, whose `ok` is
false when something needed failed (a full data set that is not downloaded is
optional: a note, no failure); `course doctor` prints it and owns the exit code.
Requirements are read and compared as pip does, with `packaging`.
"""
from __future__ import annotations

import json
import sys
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

from packaging.requirements import Requirement
from packaging.specifiers import SpecifierSet
from packaging.version import InvalidVersion, Version

MIN_PYTHON = (3, 10)
LAB_EXTENSION = "@jupyter/nbgrader"


@dataclass
class Check:
    name: str
    status: str  # 'ok', 'warn' (worth knowing, nothing needed is broken) or 'fail'
    found: str
    fix: str = ""

    def __str__(self):
        mark = {"ok": "ok  ", "warn": "note", "fail": "FAIL"}[self.status]
        line = f"  {mark}  {self.name}: {self.found}"
        return line + (f"\n        fix: {self.fix}" if self.fix else "")


def check_python(version_info=None, executable=None) -> Check:
    version_info = tuple(version_info or sys.version_info[:3])
    found = f"{'.'.join(map(str, version_info))} ({executable or sys.executable})"
    if version_info[:2] < MIN_PYTHON:
        return Check("Python", "fail", found,
                     "the course needs Python >= 3.10: install a newer Python and make the "
                     "virtual environment with it (python3.11 -m venv .venv)")
    return Check("Python", "ok", found)


def requirements() -> list[tuple[str, SpecifierSet]]:
    """The course's dependencies (not its extras) as (name, specifier set), from
    its installed metadata: ('nbgrader', SpecifierSet('>=0.9.5,<0.10'))."""
    reqs = []
    for text in metadata.requires("course") or []:
        requirement = Requirement(text)
        if requirement.marker and not requirement.marker.evaluate({"extra": ""}):
            continue  # an extra's requirement (test), or one for another platform
        reqs.append((requirement.name, requirement.specifier))
    return reqs


def check_package(name, specifier: SpecifierSet | str = "", installed=None) -> Check:
    """Is `name` installed at a version the specifier allows ('>=2.0',
    '>=0.9.5,<0.10'; empty: any), as pip would judge it? installed: the
    version, for tests ('' when not installed)."""
    specifier = SpecifierSet(str(specifier))
    if installed is None:
        try:
            installed = metadata.version(name)
        except metadata.PackageNotFoundError:
            installed = ""
    wanted = str(specifier) or "any version"
    install = f'pip install "{name}{specifier}"'
    if not installed:
        return Check(name, "fail", f"not installed (needs {wanted})",
                     f"{install}, or reinstall the course: pip install -e '.[test]'")
    try:
        version = Version(installed)
    except InvalidVersion:
        return Check(name, "fail", f"version {installed!r} is not a version pip understands (needs {wanted})",
                     f"{install} inside the course's environment")
    if not specifier.contains(version, prereleases=True):
        too_old = any(s.operator in {">=", ">", "~=", "=="} and version < Version(s.version) for s in specifier)
        why = " (np.bitwise_count, used by notebook 05, arrived in numpy 2.0)" if name == "numpy" else ""
        return Check(name, "fail", f"{installed} is too {'old' if too_old else 'new'}: the course needs "
                     f"{wanted}{why}", f"{install} inside the course's environment")
    return Check(name, "ok", f"{installed} ({wanted})")


def check_packages() -> list:
    try:
        reqs = requirements()
    except metadata.PackageNotFoundError:
        return [Check("course package", "fail", "not installed",
                      "pip install -e '.[test]' in the repository (or run ./run.sh)")]
    return [check_package(name, specifier) for name, specifier in reqs]


def check_kernel(manager=None) -> Check:
    """The python3 Jupyter kernel the notebooks name, and the Python it runs."""
    try:
        if manager is None:
            from jupyter_client.kernelspec import KernelSpecManager

            manager = KernelSpecManager()
        specs = manager.find_kernel_specs()
    except Exception as err:  # noqa: BLE001 (jupyter_client missing or broken: reported, whatever it raised)
        return Check("Jupyter kernel python3", "fail", f"cannot list kernels ({err})",
                     "pip install jupyterlab ipykernel, then python -m ipykernel install --user")
    if "python3" not in specs:
        return Check("Jupyter kernel python3", "fail",
                     f"not found (kernels: {', '.join(sorted(specs)) or 'none'})",
                     "python -m ipykernel install --user  (inside the course's environment)")
    argv = manager.get_kernel_spec("python3").argv
    runs = argv[0] if argv else "?"
    if runs in {"python", "python3", f"python{sys.version_info[0]}.{sys.version_info[1]}"}:
        runs = f"{sys.executable} (this environment)"
    elif not Path(runs).exists():
        return Check("Jupyter kernel python3", "fail", f"{specs['python3']} runs {runs}, which does not exist",
                     "python -m ipykernel install --user  (inside the course's environment)")
    return Check("Jupyter kernel python3", "ok", f"{specs['python3']}, runs {runs}")


def _lab_extension_dirs():
    from jupyter_core.paths import jupyter_path

    return [Path(p) for p in jupyter_path("labextensions")]


def _lab_extension_disabled(name):
    from jupyter_core.paths import jupyter_config_path

    for folder in jupyter_config_path():
        page_config = Path(folder) / "labconfig" / "page_config.json"
        try:
            disabled = json.loads(page_config.read_text()).get("disabledExtensions", {})
        except (OSError, ValueError):
            continue
        if (disabled.get(name) if isinstance(disabled, dict) else name in disabled):
            return True
    return False


def check_nbgrader(extension_dirs=None) -> list:
    """nbgrader itself and its JupyterLab extension (assignment list, validate, formgrader)."""
    import importlib.util

    # Its version is checked with the other packages; importing it takes seconds.
    if importlib.util.find_spec("nbgrader") is None:
        return [Check("nbgrader", "fail", "not installed", "pip install 'nbgrader>=0.9.5,<0.10'")]
    checks = []
    dirs = _lab_extension_dirs() if extension_dirs is None else extension_dirs
    found = [d for d in dirs if (d / LAB_EXTENSION / "package.json").is_file()]
    if not found:
        checks.append(Check("nbgrader JupyterLab extension", "warn",
                            f"{LAB_EXTENSION} not found in {', '.join(map(str, dirs)) or 'no folder'}",
                            "pip install --force-reinstall --no-deps nbgrader (it ships the "
                            "extension); needed only for the assignment list and formgrader in Lab"))
    elif _lab_extension_disabled(LAB_EXTENSION):
        checks.append(Check("nbgrader JupyterLab extension", "warn", "installed but disabled",
                            f"jupyter labextension enable {LAB_EXTENSION}"))
    else:
        checks.append(Check("nbgrader JupyterLab extension", "ok", str(found[0] / LAB_EXTENSION)))
    return checks


def check_embedded_data() -> Check:
    try:
        from course.lib.data import load_dataset

        ds = load_dataset("digits")
    except Exception as err:  # noqa: BLE001 (scikit-learn missing or broken: reported, whatever it raised)
        return Check("embedded data (digits)", "fail", f"cannot load ({type(err).__name__}: {err})",
                     "pip install --upgrade scikit-learn (it ships the 8x8 digits)")
    return Check("embedded data (digits)", "ok",
                 f"{ds.X_train.shape[0]} / {ds.X_val.shape[0]} / {ds.X_test.shape[0]} images")


def check_datasets(root=None) -> list:
    """The full data sets: present, missing (optional: a note) or corrupt (a note and the fix)."""
    from course.lib import data

    checks = []
    for name, entry in data.REGISTRY.items():
        states = data.file_states(name, root)
        bad = [f"{filename} {state}" for filename, state in states.items() if state != "present"]
        if not bad:
            checks.append(Check(f"data set {name}", "ok", f"present in {entry.folder(root)}"))
        elif all(state == "missing" for state in states.values()):
            checks.append(Check(f"data set {name}", "warn",
                                "not downloaded (optional; the notebooks default to digits)",
                                entry.fix_command()))
        else:
            checks.append(Check(f"data set {name}", "warn", f"{', '.join(bad)} in {entry.folder(root)}",
                                f"{entry.fix_command()} (replaces what is corrupt)"))
    return checks


def check_sandbox(problem=...) -> Check:
    """bubblewrap, which `course grade` runs every student kernel in. Students
    never need it: a note, not a failure. problem: sandbox_problem()'s answer, for tests."""
    from course.grading.sandbox import INSTALL_HINT, sandbox_problem

    problem = sandbox_problem() if problem is ... else problem
    if problem:
        return Check("grading sandbox (bubblewrap)", "warn",
                     f"{problem}: `course grade` refuses to grade", INSTALL_HINT)
    return Check("grading sandbox (bubblewrap)", "ok", "student kernels can be sandboxed")


def run_checks(root=None) -> list:
    return [check_python(), *check_packages(), check_kernel(), *check_nbgrader(),
            check_sandbox(), check_embedded_data(), *check_datasets(root)]


@dataclass
class Report:
    """Every check of `course doctor`, and the data folder they looked in."""

    data_folder: Path
    checks: list[Check]

    @property
    def failed(self) -> list[Check]:
        return [c for c in self.checks if c.status == "fail"]

    @property
    def ok(self) -> bool:
        """Everything the course needs is in place (notes allowed)."""
        return not self.failed

    def lines(self) -> list[str]:
        """What `course doctor` prints: a header, each check with its fix, a verdict."""
        verdict = (f"{len(self.failed)} problem(s): {', '.join(c.name for c in self.failed)}; "
                   "each has its fix above") if self.failed else "everything the course needs is in place"
        return [f"course doctor (data folder: {self.data_folder})", *map(str, self.checks), verdict]


def doctor(root=None) -> Report:
    """Run every check (root: the data folder, default $COURSE_DATA or datasets/)."""
    from course.lib.data import data_root

    return Report(data_root(root), run_checks(root))
