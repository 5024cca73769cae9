"""Run a notebook as nbgrader's Validate does and say which exercises pass their visible tests.

    python -m course.validate NN_name/NN_name.ipynb      (or: course validate ...)

The notebook runs top to bottom with the nbgrader settings of the current folder
(nbgrader_config.py there, as the Validate button reads them: the release's file
gives each cell the time limit of grading). Each autograded test cell is one row:
its exercise, points, and whether its visible tests pass (the first line of the
error when not). Hidden tests are not in a student's notebook: they run at grading.
Shipped in the students' wheel, so it imports nothing from course.grading.
"""
from __future__ import annotations

import argparse
import logging
import os
import sys
from dataclasses import dataclass
from pathlib import Path

import nbformat

from course.errors import CourseError


@dataclass(frozen=True)
class CellVerdict:
    """One autograded test cell after the run: its grade id, the exercise it tests
    (the grade id without `test_`), its points, and the error's last line ('' if it passed)."""

    grade_id: str
    exercise: str
    points: float
    error: str

    @property
    def passed(self) -> bool:
        return not self.error


def nbgrader_config(folder: Path):
    """The nbgrader configuration the Validate button would use when JupyterLab is
    started in folder: folder/nbgrader_config.py, then the Jupyter config paths."""
    from jupyter_core.paths import jupyter_config_path
    from nbgrader.apps import NbGrader

    app = NbGrader()
    app.config_file_paths.append([str(folder), *jupyter_config_path()])
    app.load_config_file()
    return app.config


def _last_error_line(cell) -> str:
    for output in cell.get("outputs", []):
        if output.output_type == "error":
            return f"{output.ename}: {output.evalue}".strip().splitlines()[0][:200]
    return ""


def validate(path, config_folder=None) -> list[CellVerdict]:
    """Execute the notebook at path (a copy in memory; the file is not changed) with
    nbgrader's Execute preprocessor and the settings of config_folder (default: the
    current folder). Returns one CellVerdict per autograded test cell, in order."""
    from nbgrader import utils
    from nbgrader.preprocessors import CheckCellMetadata, ClearOutput, Execute

    path = Path(path).resolve()
    if not path.is_file():
        raise CourseError(f"no notebook {path}: give the path of NN_name.ipynb")
    config = nbgrader_config(Path(config_folder or os.getcwd()).resolve())
    notebook = nbformat.read(path, as_version=4)
    resources = {"metadata": {"path": str(path.parent)}}
    with utils.setenv(NBGRADER_VALIDATING="1", NBGRADER_EXECUTION="validate"):
        for preprocessor in (CheckCellMetadata, ClearOutput, Execute):
            notebook, resources = preprocessor(config=config).preprocess(notebook, resources)
    verdicts = []
    for cell in notebook.cells:
        if cell.cell_type != "code" or not utils.is_grade(cell):
            continue
        gid = cell.metadata.nbgrader["grade_id"]
        score, max_score = utils.determine_grade(cell, logging.getLogger(__name__))
        error = _last_error_line(cell) or ("" if score == max_score else "the cell scored less than its points")
        verdicts.append(CellVerdict(gid, gid.removeprefix("test_"), float(max_score), error))
    return verdicts


def summary(verdicts: list[CellVerdict]) -> str:
    """The table `course validate` prints, a line per test cell and a total."""
    width = max([len(v.exercise) for v in verdicts] + [len("exercise")])
    lines = [f"{'exercise':<{width}}  points  visible tests"]
    for v in verdicts:
        lines.append(f"{v.exercise:<{width}}  {v.points:>6g}  {'pass' if v.passed else 'FAIL: ' + v.error}")
    passed = [v for v in verdicts if v.passed]
    lines.append(f"{len(passed)} of {len(verdicts)} test cells pass their visible tests "
                 f"({sum(v.points for v in passed):g} of {sum(v.points for v in verdicts):g} points); "
                 "hidden tests run at grading and check more cases.")
    return "\n".join(lines)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m course.validate", description=__doc__.split("\n\n")[0],
        epilog="example: python -m course.validate 01_linear_affine/01_linear_affine.ipynb")
    parser.add_argument("notebook", help="the notebook to validate, NN_name.ipynb")
    args = parser.parse_args(argv)
    try:
        verdicts = validate(args.notebook)
    except CourseError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    print(summary(verdicts))
    return 0 if all(v.passed for v in verdicts) else 1


if __name__ == "__main__":
    sys.exit(main())
