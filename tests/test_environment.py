"""environment.yml, pyproject.toml and constraints/ci.txt agree; the course runs
as `python -m course`; `course doctor` finds and explains problems."""
from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.specifiers import SpecifierSet
from packaging.utils import canonicalize_name
from packaging.version import Version

from course import doctor as doc
from course.lib import data

REPO = Path(__file__).resolve().parents[1]
CONDA_PIN = re.compile(r"^([\w.\-\[\]]+)\s*=(?=\s*\d)")  # conda's single '=' is pip's '=='


def _toml():
    try:
        import tomllib
    except ModuleNotFoundError:  # Python 3.10
        return pytest.importorskip("tomli", reason="reading pyproject.toml needs tomllib "
                                   "(Python >= 3.11) or tomli")
    return tomllib


def normalize(requirement):
    """'scikit_learn >= 1.3 ; extra == "test"' -> ('scikit-learn', '>=1.3'): the
    canonical name and the specifier set (in packaging's order), extras dropped."""
    parsed = Requirement(CONDA_PIN.sub(r"\1==", requirement.split("#")[0].strip()))
    return canonicalize_name(parsed.name), str(parsed.specifier)


def pyproject_requirements(extras: bool = True):
    """Normalized [project] dependencies, and those of every extra when extras."""
    with open(REPO / "pyproject.toml", "rb") as handle:
        project = _toml().load(handle)["project"]
    reqs = list(project["dependencies"])
    if extras:
        for extra in project.get("optional-dependencies", {}).values():
            reqs += extra
    return {normalize(r) for r in reqs}


def conda_requirements():
    yaml = pytest.importorskip("yaml", reason="reading environment.yml needs PyYAML")
    env = yaml.safe_load((REPO / "environment.yml").read_text())
    reqs = set()
    for item in env["dependencies"]:
        if isinstance(item, dict):  # the pip: list, for packages conda does not have
            reqs |= {normalize(r) for r in item["pip"] if not r.startswith(("-e", "."))}
        elif normalize(item)[0] not in {"python", "pip"}:
            reqs.add(normalize(item))
    return reqs


def test_environment_yml_names_the_dependencies_of_pyproject():
    ours, theirs = pyproject_requirements(), conda_requirements()
    assert ours, "no dependencies read from pyproject.toml"
    assert ("numpy", ">=2.0") in ours
    assert theirs == ours, (f"only in pyproject.toml: {sorted(ours - theirs)}; "
                            f"only in environment.yml: {sorted(theirs - ours)}")


def test_environment_yml_installs_the_package_and_python():
    text = (REPO / "environment.yml").read_text()
    assert re.search(r"^\s*- python>=3\.10", text, re.M)
    assert re.search(r"^\s*- -e \.", text, re.M), "environment.yml should pip-install the course"


@pytest.mark.parametrize("filename", ["pyproject.toml", "environment.yml"])
def test_no_unexplained_pins(filename):
    """A pin to one version (== in pip, a single = in conda) needs a comment saying why."""
    for number, line in enumerate((REPO / filename).read_text().splitlines(), 1):
        code, _, comment = line.partition("#")
        pinned = "==" in code or re.search(r"^\s*-\s*[\w.\-]+\s*=\s*\d", code)
        assert not (pinned and not comment.strip()), f"{filename}:{number} pins without a reason: {line}"


def test_normalize_catches_drift():
    assert normalize('scikit_learn >=1.3 ; extra == "test"') == ("scikit-learn", ">=1.3")
    assert normalize("numpy>=2.0  # why") == ("numpy", ">=2.0")
    assert normalize("numpy>=1.26") != normalize("numpy>=2.0")
    assert normalize("nbgrader <0.10, >=0.9.5") == normalize("nbgrader>=0.9.5,<0.10")
    assert normalize("psycopg[binary]>=3.1") == ("psycopg", ">=3.1")
    assert normalize("libfoo=1.2  # a conda pin") == ("libfoo", "==1.2")


# --- constraints/ci.txt: CI's pins -----------------------------------------------------

def ci_pins() -> dict[str, Version]:
    pins = {}
    for number, line in enumerate((REPO / "constraints" / "ci.txt").read_text().splitlines(), 1):
        if line.strip() and not line.startswith("#"):
            requirement = Requirement(line)
            (spec,) = requirement.specifier
            assert spec.operator == "==", f"constraints/ci.txt:{number} is not a pin name==version: {line}"
            assert canonicalize_name(requirement.name) not in pins, f"constraints/ci.txt:{number} pins twice"
            pins[canonicalize_name(requirement.name)] = Version(spec.version)
    return pins


def test_ci_constraints_pin_every_dependency_inside_its_bounds():
    pins = ci_pins()
    with open(REPO / "pyproject.toml", "rb") as handle:
        project = _toml().load(handle)["project"]
    wanted = list(project["dependencies"]) + [r for extra in project["optional-dependencies"].values()
                                              for r in extra]
    for text in wanted:
        requirement = Requirement(text)
        name = canonicalize_name(requirement.name)
        assert name in pins, f"{name} is not pinned in constraints/ci.txt: run constraints/update.py"
        assert requirement.specifier.contains(pins[name], prereleases=True), (
            f"constraints/ci.txt pins {name}=={pins[name]}, outside {requirement.specifier} of "
            f"pyproject.toml: upgrade .venv and run constraints/update.py")


def fake_venv(tmp_path):
    """A virtual environment whose python records the pip command venv.sh runs."""
    venv = tmp_path / "venv"
    (venv / "bin").mkdir(parents=True)
    python = venv / "bin" / "python"
    python.write_text('#!/bin/sh\nprintf "%s\\n" "$*" >> "$(dirname "$0")/../calls"\n')
    python.chmod(0o755)
    return venv


@pytest.mark.skipif(shutil.which("bash") is None or os.name == "nt", reason="scripts/venv.sh needs bash, on POSIX")
@pytest.mark.parametrize("ci", ["1", ""])
def test_venv_sh_pins_the_install_under_ci_only(tmp_path, ci):
    venv = fake_venv(tmp_path)
    env = {**os.environ, "COURSE_VENV": str(venv), "PYTHON": sys.executable, "CI": ci}
    subprocess.run(["bash", "-c", f'source "{REPO / "scripts" / "venv.sh"}" "[test]"'],
                   env=env, check=True, capture_output=True)
    (install,) = [c for c in (venv / "calls").read_text().splitlines() if "install" in c and "-e" in c]
    constraints = f"-c {REPO / 'constraints' / 'ci.txt'}"
    assert (constraints in install) == bool(ci), install
    assert install.endswith(f"-e {REPO}[test]"), install
    assert ("pinned" in (venv / ".course-installed[test]").read_text()) == bool(ci)


# --- running without bash ------------------------------------------------------------

def test_python_m_course_is_the_course_command():
    """The Windows route (no bash, no console script on PATH) runs `python -m course`."""
    run = subprocess.run([sys.executable, "-m", "course", "release", "99_no_such_assignment"],
                         capture_output=True, text=True, cwd=REPO)
    assert run.returncode == 2, run.stderr
    assert "course release: error: no master notebook for 99_no_such_assignment" in run.stderr
    assert "usage: course" in subprocess.run([sys.executable, "-m", "course", "--help"],
                                             capture_output=True, text=True, check=True).stdout


@pytest.mark.skipif(shutil.which("git") is None or not (REPO / ".git").exists(), reason="needs a git checkout")
def test_shell_scripts_check_out_with_lf_line_endings():
    scripts = ["run.sh", "test.sh", "scripts/venv.sh", "datasets/get_datasets.sh", ".ci/run"]
    out = subprocess.run(["git", "check-attr", "eol", "--", *scripts], capture_output=True, text=True,
                         cwd=REPO, check=True).stdout
    assert out.splitlines() == [f"{script}: eol: lf" for script in scripts], out


# --- course doctor -------------------------------------------------------------------

def test_old_numpy_is_a_problem_with_its_fix():
    check = doc.check_package("numpy", ">=2.0", installed="1.26.4")
    assert check.status == "fail" and "too old" in check.found
    assert 'pip install "numpy>=2.0"' in check.fix and "bitwise_count" in check.found
    assert doc.check_package("numpy", ">=2.0", installed="2.0.0").status == "ok"
    assert doc.check_package("numpy", ">=2.0", installed="2.4.6").status == "ok"
    assert doc.check_package("scipy", ">=1.10", installed="1.9.3").status == "fail"  # not string order
    missing = doc.check_package("pooch", ">=1.8", installed="")
    assert missing.status == "fail" and "not installed" in missing.found


def test_versions_are_judged_as_pip_judges_them():
    # a release candidate comes before its release: pip would not take 2.0.0rc1 for >=2.0
    assert doc.check_package("numpy", ">=2.0", installed="2.0.0rc1").status == "fail"
    assert doc.check_package("numpy", ">=2.0", installed="2.1.0rc1").status == "ok"
    # upper bounds count too: the grading relies on nbgrader 0.9
    too_new = doc.check_package("nbgrader", ">=0.9.5,<0.10", installed="0.10.0")
    assert too_new.status == "fail" and "too new" in too_new.found, too_new
    assert 'pip install "nbgrader<0.10,>=0.9.5"' in too_new.fix
    assert doc.check_package("nbgrader", ">=0.9.5,<0.10", installed="0.9.6").status == "ok"
    assert doc.check_package("tqdm", "", installed="4.0").status == "ok"
    odd = doc.check_package("numpy", ">=2.0", installed="two point oh")
    assert odd.status == "fail" and "not a version" in odd.found


def test_requirements_come_from_the_package_metadata():
    specifiers = dict(doc.requirements())
    assert specifiers["numpy"] == SpecifierSet(">=2.0") and "pytest" not in specifiers  # not the test extra
    assert specifiers["nbgrader"] == SpecifierSet(">=0.9.5,<0.10")
    assert {normalize(f"{name}{spec}") for name, spec in specifiers.items()} == pyproject_requirements(
        extras=False), "the installed metadata differs from pyproject.toml: reinstall with pip install -e '.[test]'"


def test_old_python_is_a_problem():
    assert doc.check_python((3, 9, 18), "/usr/bin/python3.9").status == "fail"
    assert doc.check_python((3, 10, 0), "/x").status == "ok"


class FakeKernels:
    def __init__(self, specs, argv=None):
        self.specs, self.argv = specs, argv

    def find_kernel_specs(self):
        return self.specs

    def get_kernel_spec(self, name):
        return type("Spec", (), {"argv": self.argv})()


def test_missing_kernel_names_ipykernel_install():
    check = doc.check_kernel(FakeKernels({"ir": "/k/ir"}))
    assert check.status == "fail" and "python -m ipykernel install --user" in check.fix
    assert "ir" in check.found
    stale = doc.check_kernel(FakeKernels({"python3": "/k/py"}, ["/gone/bin/python", "-m", "x"]))
    assert stale.status == "fail" and "/gone/bin/python" in stale.found
    fine = doc.check_kernel(FakeKernels({"python3": "/k/py"}, ["python", "-m", "ipykernel_launcher"]))
    assert fine.status == "ok" and "this environment" in fine.found


def test_nbgrader_lab_extension(tmp_path):
    checks = doc.check_nbgrader(extension_dirs=[tmp_path])
    assert [c.status for c in checks] == ["warn"] and doc.LAB_EXTENSION in checks[0].found
    (tmp_path / doc.LAB_EXTENSION).mkdir(parents=True)
    (tmp_path / doc.LAB_EXTENSION / "package.json").write_text("{}")
    assert [c.status for c in doc.check_nbgrader(extension_dirs=[tmp_path])] == ["ok"]


def test_datasets_missing_are_notes_corrupt_ones_say_the_fix(tmp_path):
    checks = {c.name: c for c in doc.check_datasets(root=tmp_path)}
    assert {c.status for c in checks.values()} == {"warn"}
    assert checks["data set mnist"].fix == "course data download mnist"
    (tmp_path / "mnist").mkdir()
    (tmp_path / "mnist" / data.MNIST_FILES["test_labels"]).write_bytes(b"not mnist")
    check = {c.name: c for c in doc.check_datasets(root=tmp_path)}["data set mnist"]
    assert "t10k-labels-idx1-ubyte.gz wrong size" in check.found and "course data download mnist" in check.fix


def test_doctor_passes_without_optional_data_and_fails_on_a_problem(tmp_path, monkeypatch):
    report = doc.doctor(root=tmp_path)
    assert report.ok, "\n".join(report.lines())  # this environment is complete
    names = {c.name: c for c in report.checks}
    assert names["numpy"].status == "ok" and names["Jupyter kernel python3"].status == "ok"
    assert names["data set svhn"].status == "warn" and names["data set svhn"].fix == "course data download svhn"
    assert report.data_folder == tmp_path and report.lines()[-1] == "everything the course needs is in place"
    monkeypatch.setattr(doc, "check_kernel",
                        lambda: doc.Check("Jupyter kernel python3", "fail", "not found",
                                          "python -m ipykernel install --user"))
    report = doc.doctor(root=tmp_path)
    assert not report.ok and [c.name for c in report.failed] == ["Jupyter kernel python3"]
    assert report.lines()[-1].startswith("1 problem(s): Jupyter kernel python3")


def test_course_doctor_prints_every_check_and_exits_1_on_a_problem(tmp_path, monkeypatch, capsys):
    from course.cli import main

    monkeypatch.setenv("COURSE_DATA", str(tmp_path))
    assert main(["doctor"]) == 0, capsys.readouterr().out
    out = capsys.readouterr().out
    assert f"data folder: {tmp_path}" in out and "numpy" in out and "course data download svhn" in out
    monkeypatch.setattr(doc, "check_kernel",
                        lambda: doc.Check("Jupyter kernel python3", "fail", "not found",
                                          "python -m ipykernel install --user"))
    assert main(["doctor"]) == 1
    out = capsys.readouterr().out
    assert "FAIL  Jupyter kernel python3" in out and "fix: python -m ipykernel install --user" in out
