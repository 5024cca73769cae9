"""The release ships the student notebook alone, without jupytext metadata:
staging clears source/NAME/, verification fails on anything else in release/NAME/."""
from __future__ import annotations

import shutil

import nbformat
import pytest

from course.grading import masters
from course.grading.release import release, release_path, source_path, stage, verify_release_folder
from grading_helpers import FIXTURE_NOTEBOOKS, scratch_layout

NAME = "00_fixture"


@pytest.fixture
def layout(tmp_path):
    return scratch_layout(tmp_path, FIXTURE_NOTEBOOKS)


def strays(folder):
    """What JupyterLab or a student's kernel could leave beside a notebook."""
    (folder / "course").mkdir(parents=True)
    (folder / "course" / "__init__.py").write_text("print('runs in every kernel')\n")
    shutil.copy(FIXTURE_NOTEBOOKS / f"{NAME}.py", folder / f"{NAME}.py")  # a paired .py: solutions
    (folder / ".ipynb_checkpoints").mkdir()


def test_stage_leaves_only_the_master_without_jupytext_metadata(layout):
    strays(source_path(layout, NAME).parent)
    removed = stage(layout, NAME)
    assert removed == [".ipynb_checkpoints", f"{NAME}.py", "course"]
    assert [p.name for p in source_path(layout, NAME).parent.iterdir()] == [f"{NAME}.ipynb"]
    staged = nbformat.read(source_path(layout, NAME), as_version=4)
    assert masters.jupytext_metadata(staged) == []
    master = masters.load_master(layout.master(NAME))
    assert [(c.source, masters.nbgrader_meta(c)) for c in staged.cells] == \
           [(c.source, masters.nbgrader_meta(c)) for c in master.cells]
    assert stage(layout, NAME) == []  # nothing left to remove


def test_verification_fails_on_any_other_file_and_on_jupytext_metadata(layout):
    released = release_path(layout, NAME)
    released.parent.mkdir(parents=True)
    notebook = masters.load_master(layout.master(NAME))  # with its jupytext pairing
    nbformat.write(notebook, released)
    strays(released.parent)
    problems = "\n".join(verify_release_folder(layout, NAME))
    for name in (f"{NAME}.py", "__init__.py", ".ipynb_checkpoints"):
        assert f"{name} is not the student notebook" in problems, problems
    assert "jupytext metadata (notebook) in the release" in problems
    assert "contains '### BEGIN SOLUTION'" in problems


@pytest.mark.slow
def test_release_ships_the_notebook_alone(layout):
    strays(source_path(layout, NAME).parent)
    (assignment,) = release([NAME], layout=layout).assignments
    assert assignment.notebook == release_path(layout, NAME)
    assert assignment.removed == [".ipynb_checkpoints", f"{NAME}.py", "course"]  # the strays, named
    assert [p.name for p in release_path(layout, NAME).parent.rglob("*")] == [f"{NAME}.ipynb"]
    released = nbformat.read(release_path(layout, NAME), as_version=4)
    assert masters.jupytext_metadata(released) == []
    assert verify_release_folder(layout, NAME) == []
