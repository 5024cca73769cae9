"""Run nbgrader's own commands in a course directory, as an instructor would.

Commands that execute notebooks (autograde, validate) run through this module
(`python -m course.grading.nbgrader_cli ARGS`, which is `nbgrader ARGS` at log
level DEBUG with every DEBUG record dropped but nbclient's "Executing cell:"
ones): so that a run stopped at the time limit still says which cell it was
running, without the megabytes of per-message DEBUG output (each stream and
image message) that plain `--log-level=DEBUG` writes.
"""
from __future__ import annotations

import contextlib
import json
import logging
import os
import re
import signal
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from course.errors import CourseError

EXECUTING_COMMANDS = {"autograde", "validate"}
CELL_START = "Executing cell:"  # nbclient's DEBUG message before each code cell
LOG_RECORD = re.compile(r"^\[\w+ \| \w+\]")  # nbgrader's log line prefix: [AutogradeApp | DEBUG]


@dataclass
class NbgraderRun:
    """What one nbgrader command did: exit code, its log (stdout + stderr) and,
    when it reached its time limit, timed_out and the cell it was running."""

    args: list
    returncode: int
    log: str
    timed_out: bool = False
    running_cell: str = ""

    @property
    def ok(self) -> bool:
        return self.returncode == 0

    def errors(self) -> list[str]:
        """The log's ERROR lines, the place nbgrader says what went wrong."""
        return [line for line in self.log.splitlines() if "[ERROR]" in line or "Error" in line[:40]]


def nbgrader(course_dir: Path, *args, env=None, timeout=None) -> NbgraderRun:
    """Run `nbgrader ARGS` with course_dir as the working folder (where
    nbgrader_config.py lies). env: extra environment variables.
    timeout: seconds before the whole command (and all it started) is stopped
    (None: no limit); a stopped run keeps its log and names the running cell."""
    course_dir = Path(course_dir)
    if not (course_dir / "nbgrader_config.py").is_file():
        raise CourseError(f"{course_dir} has no nbgrader_config.py: is this the course's autograde/ folder?")
    args = [str(a) for a in args]
    if args and args[0] in EXECUTING_COMMANDS:
        command = [sys.executable, "-m", __name__, *args, "--log-level=DEBUG"]
    else:
        command = [sys.executable, "-m", "nbgrader", *args]
    # nbgrader runs the `alembic` script of its environment: put this Python's
    # scripts first on PATH, as an activated virtual environment would.
    scripts = str(Path(sys.executable).parent)
    full_env = {**os.environ, **(env or {})}
    full_env.pop("MPLBACKEND", None)  # the kernels' inline backend keeps figures in feedback
    full_env["PATH"] = scripts + os.pathsep + full_env.get("PATH", "")
    # its own session, so that a timeout stops nbgrader and everything it started
    with subprocess.Popen(command, cwd=course_dir, env=full_env, stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE, start_new_session=True) as process:
        try:
            stdout, stderr = process.communicate(timeout=timeout)
        except subprocess.TimeoutExpired as expired:
            with contextlib.suppress(ProcessLookupError):  # it may have ended meanwhile
                os.killpg(process.pid, signal.SIGKILL)
            process.wait()
            # the output read so far, bytes whatever the text mode
            log = _decoded(expired.stdout) + _decoded(expired.stderr)
            return _timed_out(course_dir, command, args, log, timeout)
    return NbgraderRun(command, process.returncode, _decoded(stdout) + _decoded(stderr))


def _decoded(output) -> str:
    if output is None:
        return ""
    return output if isinstance(output, str) else output.decode("utf-8", errors="replace")


def _timed_out(course_dir: Path, command: list, args: list, log: str, timeout) -> NbgraderRun:
    """The run that reached its limit: its log ends with one line saying so and
    naming the cell that was running, in the form of the exception lines that
    autograde.explain_failure reports: `SubmissionTimeoutError: ...`."""
    source = last_executing_cell(log)
    where = describe_cell(source, _notebooks_of(course_dir, args)) if source is not None else \
        "no cell had started (the kernel did not start or nbgrader hung before executing)"
    line = (f"SubmissionTimeoutError: nbgrader {' '.join(args[:1])} stopped after {timeout} s "
            f"while running {where}")
    return NbgraderRun(command, -1, log + f"\n{line}\n", timed_out=True, running_cell=where)


def last_executing_cell(log: str) -> str | None:
    """The source of the last cell nbclient logged as "Executing cell:" (its
    lines follow the record, indented by nbgrader's formatter), or None."""
    lines = log.splitlines()
    starts = [i for i, line in enumerate(lines) if LOG_RECORD.match(line) and line.endswith(CELL_START)]
    if not starts:
        return None
    body = []
    for line in lines[starts[-1] + 1:]:
        if LOG_RECORD.match(line):
            break
        body.append(line[4:] if line.startswith("    ") else line)
    return "\n".join(body)


def describe_cell(source: str, notebooks: list[Path]) -> str:
    """"cell 7 (grade id test_add)" for the cell of the first notebook whose
    source is `source`, else the source's first line."""
    for path in notebooks:
        try:
            cells = json.loads(path.read_text())["cells"]
        except (OSError, ValueError, KeyError, TypeError):
            continue  # an unreadable submission: fall back to the source text
        for index, cell in enumerate(cells):
            text = cell.get("source", "")
            text = "".join(text) if isinstance(text, list) else text
            if text.strip() == source.strip():
                grade_id = (cell.get("metadata", {}).get("nbgrader") or {}).get("grade_id")
                return f"cell {index}" + (f" (grade id {grade_id})" if grade_id else "") + f" of {path.name}"
    first = next((line for line in source.splitlines() if line.strip()), "")
    return f"the cell that starts `{first.strip()[:80]}`"


def _notebooks_of(course_dir: Path, args: list) -> list[Path]:
    """For `autograde NAME --student=ID`: the source notebook (every locked cell
    as autograde restores it) and the student's submission."""
    student = next((a.split("=", 1)[1] for a in args if a.startswith("--student=")), None)
    if len(args) < 2 or args[0] != "autograde" or not student:
        return []
    name = args[1]
    return [course_dir / "source" / name / f"{name}.ipynb",
            course_dir / "submitted" / student / name / f"{name}.ipynb"]


class _CellStartsOnly(logging.Filter):
    """Drops DEBUG records other than nbclient's "Executing cell:"."""

    def filter(self, record: logging.LogRecord) -> bool:
        return record.levelno > logging.DEBUG or str(record.msg).startswith(CELL_START)


class _CellLogger(logging.Logger):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.addFilter(_CellStartsOnly())


if __name__ == "__main__":
    # nbgrader ARGS, every logger it creates keeping only the cell starts of DEBUG
    logging.setLoggerClass(_CellLogger)
    from nbgrader.apps.nbgraderapp import main

    sys.exit(main())
