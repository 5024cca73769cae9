"""The notebooks' parameters cell: what `notebook_params()` reads from the environment."""
from __future__ import annotations

import pytest

from course.lib.params import notebook_params


@pytest.mark.parametrize("value", ["autograde", "validate"])
def test_grading_under_nbgrader_only(monkeypatch, value):
    monkeypatch.delenv("CI", raising=False)
    monkeypatch.delenv("NBGRADER_EXECUTION", raising=False)
    P = notebook_params()
    assert not P.grading and not P.quiet
    monkeypatch.setenv("NBGRADER_EXECUTION", value)
    P = notebook_params()
    assert P.grading and P.quiet


def test_ci_is_quiet_but_not_grading(monkeypatch):
    monkeypatch.delenv("NBGRADER_EXECUTION", raising=False)
    monkeypatch.setenv("CI", "1")
    P = notebook_params()
    assert P.quiet and not P.grading


def test_fast_and_seed(monkeypatch):
    monkeypatch.setenv("COURSE_FAST", "yes")
    monkeypatch.setenv("COURSE_SEED", "7")
    P = notebook_params()
    assert P.fast and P.seed == 7
    monkeypatch.setenv("COURSE_SEED", "seven")
    with pytest.raises(ValueError, match="COURSE_SEED must be an integer, got 'seven'"):
        notebook_params()
