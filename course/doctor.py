"""`course doctor`: what is installed, what is missing, and what to do about it.

Each check returns a Check: a status ('ok', 'warn' or 'fail'), what was
found, and the fix. `doctor()` prints them and returns 0 when nothing needed
failed (a full data set that is not downloaded is optional: a note, no failure).
"""
from __future__ import annotations

import json
import re
import sys
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

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


def _version_tuple(text):
    """'2.4.6' -> (2, 4, 6); pre-release tails are ignored ('2.0.0rc1' -> (2, 0, 0))."""
    return tuple(int(part) for part in re.findall(r"\d+", text.split("+")[0])[:3])


def check_python(version_info=None, executable=None) -> Check:
    version_info = tuple(version_info or sys.version_info[:3])
    found = f"{'.'.join(map(str, version_info))} ({executable or sys.executable})"
    if version_info[:2] < MIN_PYTHON:
        return Check("Python", "fail", found,
                     "the course needs Python >= 3.10: install a newer Python and make the "
                     "virtual environment with it (python3.11 -m venv .venv)")
    return Check("Python", "ok", found)


def requirements():
    """The course's dependencies as (name, minimum version or None), from its metadata."""
    reqs = []
    for text in metadata.requires("course") or []:
        if "extra ==" in text:
            continue
        match = re.match(r"\s*([A-Za-z0-9_.\-]+)\s*(?:>=\s*([\w.]+))?", text)
        reqs.append((match.group(1), match.group(2)))
    return reqs


def check_package(name, minimum, installed=None) -> Check:
    """Is `name` installed at `minimum` or newer? installed: the version, for tests."""
    if installed is None:
        try:
            installed = metadata.version(name)
        except metadata.PackageNotFoundError:
            installed = ""
    wanted = f">={minimum}" if minimum else "any version"
    upgrade = f'pip install --upgrade "{name}>={minimum}"' if minimum else f"pip install {name}"
    if not installed:
        return Check(name, "fail", f"not installed (needs {wanted})",
                     f"{upgrade}, or reinstall the course: pip install -e '.[test]'")
    if minimum and _version_tuple(installed) < _version_tuple(minimum):
        why = " (np.bitwise_count, used by notebook 05, arrived in numpy 2.0)" if name == "numpy" else ""
        return Check(name, "fail", f"{installed} is too old: the course needs {wanted}{why}",
                     f"{upgrade} inside the course's environment")
    return Check(name, "ok", f"{installed} ({wanted})")


def check_packages() -> list:
    try:
        reqs = requirements()
    except metadata.PackageNotFoundError:
        return [Check("course package", "fail", "not installed",
                      "pip install -e '.[test]' in the repository (or run ./run.sh)")]
    return [check_package(name, minimum) for name, minimum in reqs]


def check_kernel(manager=None) -> Check:
    """The python3 Jupyter kernel the notebooks name, and the Python it runs."""
    try:
        if manager is None:
            from jupyter_client.kernelspec import KernelSpecManager

            manager = KernelSpecManager()
        specs = manager.find_kernel_specs()
    except Exception as err:  # jupyter_client missing or broken
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
        return [Check("nbgrader", "fail", "not installed", "pip install 'nbgrader>=0.9.5'")]
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
    except Exception as err:
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


def doctor(root=None) -> int:
    """Print every check; return 0 when everything needed is fine, 1 otherwise."""
    from course.lib.data import data_root

    print(f"course doctor (data folder: {data_root(root)})")
    checks = run_checks(root)
    for check in checks:
        print(check)
    failed = [c for c in checks if c.status == "fail"]
    if failed:
        print(f"{len(failed)} problem(s): {', '.join(c.name for c in failed)}; "
              "each has its fix above")
        return 1
    print("everything the course needs is in place")
    return 0
