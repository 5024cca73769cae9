"""The parent's side of a runner process: start it, give it test cells, stop it.

The runner starts with the notebook's plan; the kernel's connection info
(with its session key) follows on its stdin, never on its command line,
before the notebook's first cell runs, and the runner shakes hands with the
kernel before that cell: its sockets are connected while no student code
has had a chance to replace a socket file (see course/grading/ipc.py). A cell that does not finish within
its time limit kills the runner (the next cell starts a new one) and fails
with a message; so does a runner that crashes.
"""
from __future__ import annotations

import json
import os
import select
import subprocess
import sys
import time

from .plan import NotebookPlan, TestCell

# The runner's numpy on one BLAS thread, as the notebooks set their kernels: its
# reference computations are small, and `course grade --jobs` runs one per core.
ONE_THREAD = {"OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}
CONNECT_TIMEOUT = 90.0  # s for the runner to start and shake hands with the kernel
KILL_GRACE = 15.0  # s past the cell's limit before the runner is killed (its calls end at the limit)


def connection_json(info: dict) -> dict:
    """A kernel's connection info as JSON (the key as text, no session object)."""
    keep = ("transport", "ip", "shell_port", "iopub_port", "stdin_port", "hb_port", "control_port",
            "key", "signature_scheme", "kernel_name")
    return {k: (info[k].decode() if isinstance(info[k], bytes) else info[k]) for k in keep if k in info}


def failed(text: str) -> dict:
    return {"passed": False, "outputs": [{"output_type": "error", "ename": "RunnerError",
                                          "evalue": text, "traceback": [text]}]}


class RunnerProcess:
    """One runner process for a notebook: started with its plan (so that it
    imports numpy, the channel and the notebook's trusted modules while the
    kernel starts), then connected to the kernel before the notebook's first
    cell (`connect`, with the kernel's connection info)."""

    def __init__(self, plan: NotebookPlan, call_timeout: float | None, cwd=None):
        self.connection = None
        self.process = subprocess.Popen(
            [sys.executable, "-I", "-m", "course.grading.runner"],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, cwd=cwd,
            env={**os.environ, "MPLBACKEND": "Agg", **ONE_THREAD})
        self._buffer = b""
        self._send({"call_timeout": call_timeout, "plan": plan.to_json()})

    def connect(self, connection: dict, timeout: float = CONNECT_TIMEOUT) -> str | None:
        """Give the runner the kernel to call (once), and wait until it has
        shaken hands with it; None when connected, else why not."""
        self.connection = connection_json(connection)
        try:
            self._send({"connection": self.connection})
        except OSError:
            return f"the test runner process stopped (exit code {self.process.poll()})"
        line = self._read_line(time.monotonic() + timeout)
        if line is None:
            self.close()
            return f"the test runner could not connect to the kernel within {timeout:g} s"
        answer = json.loads(line)
        if not answer.get("connected"):
            self.close()
            return f"the test runner could not connect to the kernel: {answer.get('problem')}"
        return None

    @property
    def alive(self) -> bool:
        return self.process.poll() is None

    def _send(self, message: dict) -> None:
        self.process.stdin.write((json.dumps(message) + "\n").encode())
        self.process.stdin.flush()

    def _read_line(self, deadline: float | None) -> bytes | None:
        """One line from the runner; None at the deadline or when it exited."""
        fd = self.process.stdout.fileno()
        while b"\n" not in self._buffer:
            wait = None if deadline is None else max(0.0, deadline - time.monotonic())
            ready, _, _ = select.select([fd], [], [], wait)
            if not ready:
                return None
            chunk = os.read(fd, 1 << 20)
            if not chunk:
                return None
            self._buffer += chunk
        line, self._buffer = self._buffer.split(b"\n", 1)
        return line

    def run_cell(self, cell: TestCell, timeout: float | None) -> dict:
        """{"outputs": [...], "passed": bool} of one test cell (after `connect`)."""
        try:
            self._send({"op": "cell", "grade_id": cell.grade_id, "source": cell.source,
                        "hidden_lines": sorted(cell.hidden_lines), "timeout": timeout})
        except (BrokenPipeError, OSError):
            return failed(f"the test runner process stopped (exit code {self.process.poll()})")
        deadline = None if timeout is None else time.monotonic() + timeout + KILL_GRACE
        line = self._read_line(deadline)
        if line is None:
            running = self.alive
            self.close()
            if running:
                return failed(f"the test cell did not finish within {timeout:g} s")
            return failed(f"the test runner process stopped (exit code {self.process.returncode}); "
                          f"its error is in the grading log")
        return json.loads(line)

    def close(self) -> None:
        """Ask the runner to exit; kill it if it does not."""
        if self.alive:
            try:
                self._send({"op": "exit"})
                self.process.wait(timeout=5)
            except (OSError, subprocess.TimeoutExpired):
                self.process.kill()
                self.process.wait()
        for stream in (self.process.stdin, self.process.stdout):
            stream.close()
