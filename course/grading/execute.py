"""Execute master notebooks headless with nbclient."""
from __future__ import annotations

import os
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import nbformat
from jupyter_client.manager import AsyncKernelManager
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError, CellTimeoutError, DeadKernelError
from nbclient.util import run_sync

from course.grading.paths import CourseLayout

KERNEL = "python3"


@dataclass
class RunResult:
    """One notebook's execution: wall time, and the failing cell when one raised."""

    name: str
    seconds: float
    error: str | None = None

    @property
    def ok(self) -> bool:
        return self.error is None

    def line(self) -> str:
        """'01_linear_affine            12.3 s  ok', or FAILED naming the cell that raised."""
        status = "ok" if self.ok else f"FAILED at {self.error}"
        return f"{self.name:<24} {self.seconds:7.1f} s  {status}"


@dataclass
class MastersRun:
    """What run_masters did: each notebook's RunResult in order, and where the
    executed copies went (also those of the notebooks that failed)."""

    results: list[RunResult]
    executed: Path

    @property
    def failed(self) -> list[RunResult]:
        return [r for r in self.results if not r.ok]

    @property
    def ok(self) -> bool:
        return not self.failed

    def summary(self) -> str:
        """The closing line: which notebooks failed, or that all ran."""
        if self.failed:
            return (f"{len(self.failed)} notebook(s) failed: {', '.join(r.name for r in self.failed)}; "
                    f"executed copies with the errors are in {self.executed}")
        return f"all {len(self.results)} notebook(s) ran; executed copies in {self.executed}"


def notebook_env(fast: bool) -> dict:
    """The kernels' environment: this one, with what the notebooks' parameters
    cell reads (COURSE_FAST) and without MPLBACKEND, so that the kernels'
    inline backend puts the figures in the executed copies (it needs no display)."""
    env = {key: value for key, value in os.environ.items() if key != "MPLBACKEND"}
    if fast:
        env["COURSE_FAST"] = "1"
    return env


def kernel_manager(folder: Path) -> AsyncKernelManager:
    """A python3 kernel manager. On Linux and macOS the kernel talks over ipc
    sockets in `folder` (a private temporary folder): nothing listens on a TCP
    port, so ipykernel has no unencrypted-TCP warning to print."""
    if os.name == "nt":
        return AsyncKernelManager(kernel_name=KERNEL)
    return AsyncKernelManager(kernel_name=KERNEL, transport="ipc", ip=str(folder / "kernel"),
                              connection_file=str(folder / "kernel.json"))


def execute_notebook(path: Path, output: Path, timeout: int = 600, fast: bool = False) -> RunResult:
    """Run every cell of the notebook at `path` (kernel cwd: its folder) and
    write the executed copy to `output`, also when a cell raised."""
    nb = nbformat.read(path, as_version=4)
    start = time.perf_counter()
    error = None
    with tempfile.TemporaryDirectory(prefix="course-run-") as sockets:
        km = kernel_manager(Path(sockets))
        client = NotebookClient(nb, timeout=timeout, km=km,
                                resources={"metadata": {"path": str(path.parent)}})
        try:
            client.execute(env=notebook_env(fast))
        except (CellExecutionError, CellTimeoutError, DeadKernelError) as err:
            error = _describe_failure(nb, err)
        finally:  # a client given its manager leaves the kernel running
            if km.has_kernel:
                run_sync(km.shutdown_kernel)(now=True)
    seconds = time.perf_counter() - start
    output.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, output)
    return RunResult(path.stem, seconds, error)


def _describe_failure(nb, err) -> str:
    """Name the cell that raised: its index, grade id and first line, and the error."""
    failing = None
    for index, cell in enumerate(nb.cells):
        if cell.cell_type == "code" and any(o.get("output_type") == "error" for o in cell.get("outputs", [])):
            failing = (index, cell)
            break
    summary = str(err).strip().splitlines()
    last_line = next((line for line in reversed(summary) if line.strip()), type(err).__name__)
    if failing is None:
        return f"{type(err).__name__}: {last_line}"
    index, cell = failing
    grade_id = cell.metadata.get("nbgrader", {}).get("grade_id", "")
    first_line = cell.source.strip().splitlines()[0] if cell.source.strip() else ""
    label = f"cell {index}" + (f" ({grade_id})" if grade_id else "")
    return f"{label}, starting {first_line!r}: {last_line}"


def run_masters(names=None, fast=False, layout: CourseLayout | None = None,
                progress: Callable[[RunResult], None] | None = None) -> MastersRun:
    """Execute the named masters (all by default), one after the other, and
    write their executed copies, also of a notebook whose cell raised (its
    RunResult names the cell). progress: called with each RunResult as its
    notebook finishes (`course run` prints its line). Prints nothing."""
    layout = layout or CourseLayout.default()
    results = []
    for name in layout.assignment_names(names):
        result = execute_notebook(layout.master(name), layout.executed / f"{name}.ipynb", fast=fast)
        if progress:
            progress(result)
        results.append(result)
    return MastersRun(results, layout.executed)
