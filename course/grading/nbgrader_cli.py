"""Run nbgrader's own commands in a course directory, as an instructor would."""
from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from course.errors import CourseError


@dataclass
class NbgraderRun:
    """What one nbgrader command did: exit code and its log (stdout + stderr)."""

    args: list
    returncode: int
    log: str

    @property
    def ok(self) -> bool:
        return self.returncode == 0

    def errors(self) -> list[str]:
        """The log's ERROR lines, the place nbgrader says what went wrong."""
        return [line for line in self.log.splitlines() if "[ERROR]" in line or "Error" in line[:40]]


def nbgrader(course_dir: Path, *args, env=None, timeout=None) -> NbgraderRun:
    """Run `nbgrader ARGS` with course_dir as the working folder (where
    nbgrader_config.py lies). env: extra environment variables.
    timeout: seconds before the whole command is stopped (None: no limit)."""
    if not (Path(course_dir) / "nbgrader_config.py").is_file():
        raise CourseError(f"{course_dir} has no nbgrader_config.py: is this the course's autograde/ folder?")
    command = [sys.executable, "-m", "nbgrader", *map(str, args)]
    # nbgrader runs the `alembic` script of its environment: put this Python's
    # scripts first on PATH, as an activated virtual environment would.
    scripts = str(Path(sys.executable).parent)
    full_env = {**os.environ, **(env or {})}
    full_env.pop("MPLBACKEND", None)  # the kernels' inline backend keeps figures in feedback
    full_env["PATH"] = scripts + os.pathsep + full_env.get("PATH", "")
    try:
        done = subprocess.run(command, cwd=course_dir, env=full_env, capture_output=True,
                              text=True, timeout=timeout)
    except subprocess.TimeoutExpired as err:
        log = (err.stdout or "") + (err.stderr or "") if isinstance(err.stdout, str) else ""
        return NbgraderRun(command, -1, log + f"\n[ERROR] stopped after {timeout} s")
    return NbgraderRun(command, done.returncode, done.stdout + done.stderr)
