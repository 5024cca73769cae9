"""The runner process: `python -I -m course.grading.runner`.

One per notebook, started by the preprocessor with clean imports (`-I`: no
current folder, PYTHONPATH or user site on sys.path, so no file of the
submission can stand in for numpy). It talks to its parent over its own
stdin/stdout, one JSON object per line:

    parent -> runner   {"call_timeout": s, "plan": {...}}   once, at the notebook's start
                       {"connection": {...}}                once, before the notebook's first cell
                       {"op": "cell", "grade_id": ..., "source": ..., "hidden_lines": [...], "timeout": s}
                       {"op": "exit"}
    runner -> parent   {"connected": bool, "problem": ...}   once, after a handshake with the kernel
                       {"outputs": [nbformat outputs], "passed": bool}   per cell

A cell runs in a fresh namespace: its free names bound first (trusted
imports of the source's provided cells made here, the rest resolved through
the kernel, see proxy.resolve), so that functions the cell defines see them
too; then the source is executed with print output captured. No code of
the cell is ever sent to the kernel, only the requests of its calls.

COURSE_RUNNER_AUDIT=path (for audits and the tests): every execute_request
the runner sends is appended to that file as a JSON line.
"""
from __future__ import annotations

import builtins
import importlib
import io
import json
import os
import sys
from contextlib import redirect_stderr, redirect_stdout

from course.lib import testing

from .channel import ChannelFailure, KernelChannel
from .outcome import error_output
from .plan import TestCell, free_names
from .proxy import KernelNames, import_allowed, resolve


def bind_trusted(binding) -> object:
    """The runner's own value for a trusted import binding of a provided cell."""
    if binding[0] == "module":
        return import_allowed(binding[1])
    module = import_allowed(binding[1])
    try:
        return getattr(module, binding[2])
    except AttributeError:
        return importlib.import_module(f"{binding[1]}.{binding[2]}")


def cell_namespace(channel: KernelChannel, cell: TestCell, plan: dict) -> dict:
    """The globals a test cell runs in: its free names resolved."""
    names = free_names(cell.source, cell.filename, frozenset(plan["notebook_names"]))
    namespace = {"__name__": "__test_cell__", "__builtins__": builtins}
    trusted = {name: plan["trusted"][name] for name in names if name in plan["trusted"]}
    for name, binding in trusted.items():
        namespace[name] = bind_trusted(binding)
    namespace.update(resolve(channel, names - set(trusted), frozenset(plan["protected"])))
    return namespace


def run_cell(channel: KernelChannel, cell: TestCell, plan: dict, timeout: float | None = None) -> dict:
    """Run one test cell (its calls in at most `timeout` s in all);
    {"outputs": [...], "passed": bool}."""
    stdout, stderr = io.StringIO(), io.StringIO()
    error = None
    with redirect_stdout(stdout), redirect_stderr(stderr):
        try:
            channel.begin_cell(timeout)
            code = compile(cell.source, cell.filename, "exec")
            exec(code, cell_namespace(channel, cell, plan))
        except Exception as err:  # noqa: BLE001 -- any failure of the test gives 0 points
            error = error_output(err, cell)
        finally:
            channel.callbacks.clear()
            channel.end_cell()  # the agent restores replaced names and drops this cell's objects
    outputs = [{"output_type": "stream", "name": name, "text": text}
               for name, text in (("stdout", stdout.getvalue()), ("stderr", stderr.getvalue())) if text]
    if error:
        outputs.append(error)
    return {"outputs": outputs, "passed": error is None}


class AuditedChannel(KernelChannel):
    """A channel that appends every execute_request's code to a file."""

    def __init__(self, *args, audit_path: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.audit_path = audit_path

    def _execute(self, code: str) -> str:
        with open(self.audit_path, "a") as audit:
            audit.write(json.dumps(code) + "\n")
        return super()._execute(code)


def main() -> int:
    protocol = os.fdopen(os.dup(1), "w")
    os.dup2(2, 1)  # stray output of C code must not corrupt the protocol
    sys.stdout = sys.stderr
    lines = iter(sys.stdin.readline, "")
    init = json.loads(next(lines))
    for binding in init["plan"]["trusted"].values():  # imported now, while the kernel runs
        try:
            bind_trusted(binding)
        except ImportError:  # the test cell that uses it reports it
            pass
    connection = json.loads(next(lines))["connection"]
    audit = os.environ.get("COURSE_RUNNER_AUDIT")
    channel = (AuditedChannel(connection, init["call_timeout"], audit_path=audit) if audit
               else KernelChannel(connection, init["call_timeout"]))
    testing.kernel_names = KernelNames(channel)  # test cells' replaced_names reach the kernel
    try:
        channel.handshake()
        protocol.write(json.dumps({"connected": True}) + "\n")
    except ChannelFailure as err:
        protocol.write(json.dumps({"connected": False, "problem": str(err)[:500]}) + "\n")
    protocol.flush()
    try:
        for line in lines:
            request = json.loads(line)
            if request["op"] == "exit":
                break
            cell = TestCell(request["grade_id"], request["source"], frozenset(request["hidden_lines"]))
            protocol.write(json.dumps(run_cell(channel, cell, init["plan"], request.get("timeout"))) + "\n")
            protocol.flush()
    finally:
        channel.close()
    return 0
