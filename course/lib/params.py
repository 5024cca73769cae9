"""The parameters every notebook reads from the environment.

COURSE_FAST=1 shortens trainings (CI and autograding set it), COURSE_DATASET
picks a data set, COURSE_SEED seeds everything, COURSE_DATA names the data
folder (read by `course.lib.data`). Under CI or nbgrader's autograder ($CI or
$NBGRADER_EXECUTION set) progress bars stay quiet.

Under nbgrader (autograde or validate: $NBGRADER_EXECUTION set) `P.grading`
is true: cells that only demonstrate (naive-loop benchmarks, long trainings,
searches) run a minimal version and say so, while everything graded still
runs, so that grading a class costs little.
"""
from __future__ import annotations

import os
from dataclasses import dataclass


def grading() -> bool:
    """True while nbgrader executes the notebook (autograde, validate)."""
    return bool(os.environ.get("NBGRADER_EXECUTION"))


def running_unattended() -> bool:
    """True under CI or nbgrader's autograder, where progress bars only clutter logs."""
    return bool(os.environ.get("CI")) or grading()


@dataclass(frozen=True)
class NotebookParams:
    fast: bool
    dataset: str
    seed: int
    quiet: bool  # no progress bars (CI, autograding)
    grading: bool = False  # under nbgrader: demonstrations run a minimal version


def notebook_params(default_dataset: str = "digits", datasets=None) -> NotebookParams:
    """Read COURSE_FAST, COURSE_DATASET and COURSE_SEED, with the defaults a student gets.

    datasets: the data set names the notebook supports (default: every name
    load_dataset knows). COURSE_DATASET naming any other is an UnknownDatasetError
    (a ValueError) that lists them.
    """
    from course.lib.data import UnknownDatasetError, dataset_names

    fast = os.environ.get("COURSE_FAST", "0").strip().lower() in {"1", "true", "yes"}
    dataset = os.environ.get("COURSE_DATASET", "").strip() or default_dataset
    choices = tuple(datasets) if datasets is not None else dataset_names()
    if dataset not in choices:
        raise UnknownDatasetError(
            f"COURSE_DATASET={dataset!r} is not a data set this notebook supports; choose one "
            f"of: {', '.join(choices)} (or unset COURSE_DATASET for {default_dataset!r})")
    seed_text = os.environ.get("COURSE_SEED", "0").strip() or "0"
    try:
        seed = int(seed_text)
    except ValueError:
        raise ValueError(f"COURSE_SEED must be an integer, got {seed_text!r}") from None
    return NotebookParams(fast=fast, dataset=dataset, seed=seed, quiet=running_unattended(), grading=grading())
