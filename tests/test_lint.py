"""The whole repository passes the lint configured in pyproject.toml ([tool.ruff]),
notebooks included: `ruff check .` is part of the test suite, so CI runs it."""
from __future__ import annotations

import importlib.util
import subprocess
import sys

import pytest

from course.grading.paths import repo_root


@pytest.mark.skipif(importlib.util.find_spec("ruff") is None,
                    reason="ruff is not installed: pip install -e '.[test]' (the test extra has it)")
def test_ruff_check_passes_on_the_whole_repository():
    repo = repo_root()
    run = subprocess.run([sys.executable, "-m", "ruff", "check", "--no-cache", "--output-format=concise", "."],
                         cwd=repo, capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, (
        f"ruff check found problems in {repo} (fix them, `ruff check --fix .` does the safe ones; "
        f"a rule that does not fit a line: `# noqa: RULE (the reason)`):\n{run.stdout}{run.stderr}")
