"""A test cell's outcome as the graded copy shows it.

Pass: the cell's points (no error output). Any exception: 0, and one error
output whose traceback is a single line:

- raised in the visible part: `AssertionError: <message>` (or
  `<ExceptionType>: <message>`), as the student would see it in JupyterLab;
  the runner's own failures say what happened without a class name
  (`scale_vector raised ValueError: I give up`, `scale_vector returned a
  <class 'Magic'>, not data`, `add did not return within 10 s`);
- raised in a hidden block (the line of the test cell the exception went
  through last lies between the HIDDEN TESTS markers): `hidden test failed:
  <message>`. For an AssertionError that numpy.testing (or any helper) made,
  the message is cut before numpy's report of the compared values
  ("Mismatched elements", "ACTUAL:", "x:"...), so expected values of a hidden
  test never reach the feedback; an `assert` without message says which
  hidden line failed.
"""
from __future__ import annotations

import builtins

import traceback

from .channel import ChannelFailure, NotDataError, StudentError
from .plan import TestCell

# The runner's own exceptions say what happened in their message, without their class name.
SELF_DESCRIBING = (StudentError, NotDataError, ChannelFailure)

# numpy.testing's report lines from which on a hidden failure's message is cut.
REPORT_STARTS = ("Mismatched elements", "Max absolute difference", "Max relative difference",
                 "ACTUAL:", "DESIRED:", "x:", "y:", "(shapes", "(mismatch")
MAX_MESSAGE = 2000


def cell_line(exc: BaseException, cell: TestCell) -> tuple[int | None, bool]:
    """(line of the test cell the exception passed last, whether it was raised there)."""
    line, innermost_is_cell = None, False
    for frame in traceback.extract_tb(exc.__traceback__):
        innermost_is_cell = frame.filename == cell.filename
        if innermost_is_cell:
            line = frame.lineno
    return line, innermost_is_cell


def without_report(message: str) -> str:
    kept = []
    for line in message.splitlines():
        if line.strip().startswith(REPORT_STARTS):
            break
        if line.strip():
            kept.append(line.strip())
    return " ".join(kept)


def builtin_exception_name(name: str) -> str:
    """name when it is one of Python's own exceptions, else a neutral phrase."""
    kind = getattr(builtins, name, None)
    return name if isinstance(kind, type) and issubclass(kind, BaseException) else "an exception of its own"


def error_output(exc: BaseException, cell: TestCell) -> dict:
    """The nbformat error output of a failed test cell."""
    line, raised_in_cell = cell_line(exc, cell)
    name = type(exc).__name__
    message = str(exc)
    if line is not None and line in cell.hidden_lines:
        if isinstance(exc, AssertionError):
            if not raised_in_cell:
                message = without_report(message)
            message = message or f"the assertion on line {line} of the test cell failed"
        elif isinstance(exc, StudentError):
            # the student's exception type and message are the student's to
            # choose, and could spell out the hidden inputs
            message = f"{exc.label} raised {builtin_exception_name(exc.type_name)}"
        elif isinstance(exc, NotDataError):
            message = "the code under test returned something that is not data"
        elif not isinstance(exc, SELF_DESCRIBING):
            message = f"{name}: {message}" if message else name
        text = f"hidden test failed: {message[:MAX_MESSAGE]}"
        return {"output_type": "error", "ename": "HiddenTestFailed", "evalue": message[:MAX_MESSAGE],
                "traceback": [text]}
    if isinstance(exc, SELF_DESCRIBING):
        text = message[:MAX_MESSAGE]
    else:
        text = f"{name}: {message[:MAX_MESSAGE]}" if message else name
    return {"output_type": "error", "ename": getattr(exc, "type_name", name), "evalue": message[:MAX_MESSAGE],
            "traceback": [text]}
