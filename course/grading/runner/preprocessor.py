"""`TrustedExecute`: nbgrader's Execute, with graded test cells run by the runner.

Configured in autograde/nbgrader_config.py in place of nbgrader's `Execute`
in `c.Autograde.autograde_preprocessors` (`with_trusted_runner` puts it on top
of the sandbox's Execute subclass), so `nbgrader autograde` and `course grade`
both use it; its settings are `c.TrustedExecute.*` (and `c.Execute.*`). For a notebook whose SOURCE copy has notebook
metadata `course.trusted_runner: true` (see plan.py), every cell still runs
in the student's kernel as usual except the graded test cells (by grade id
of the source): those run in one runner process per notebook, started at the
first test cell with clean imports and the kernel's connection info (any
kernel manager, tcp or ipc), and their outputs are the runner's:

- what the test printed and what the student's code printed during its
  calls, as stream outputs;
- on failure one error output (outcome.py), which nbgrader's SaveAutoGrades
  scores 0 as it does any error; a pass has no execute_result, so it scores
  the cell's points.

The test cell never runs in the kernel, so no hidden test source reaches it.
A test cell's time limit is Execute's (`c.Execute.timeout`); each call of a
student function from it has `TrustedExecute.call_timeout` (default: the
same). A runner that overruns the cell's limit is killed and the kernel
interrupted; the next test cell starts a new runner.

Notebooks without the flag (or graded outside nbgrader autograde, with no
source notebook to read) are executed exactly as nbgrader's Execute does.
"""
from __future__ import annotations

import queue

import nbformat
from nbclient.util import ensure_async, run_sync
from nbgrader.preprocessors import Execute
from traitlets import Integer
from traitlets.config import Configurable

from course.grading.sanitize import source_notebook_path

from .launcher import RunnerProcess, failed
from .plan import NotebookPlan, load_plan, runner_enabled


class TrustedRunner(Configurable):
    """The runner's part of an Execute preprocessor (a mixin: see `with_trusted_runner`)."""

    call_timeout = Integer(
        None, allow_none=True,
        help="Seconds each call of a student function from a test cell may take (default: timeout).",
    ).tag(config=True)

    def preprocess(self, nb, resources=None, km=None):
        self._plan = self.runner_plan(resources)
        self._runner, self._runner_problem = None, None
        self._cwd = (resources or {}).get("metadata", {}).get("path") or None
        if self._plan is not None:  # it gets ready while the kernel starts
            self._runner = RunnerProcess(self._plan, self.call_timeout or self.timeout, cwd=self._cwd)
        try:
            return super().preprocess(nb, resources, km)
        finally:
            if self._runner is not None:
                self._runner.close()
                self._runner = None

    def _connect_runner(self) -> None:
        """Connect a runner to the current kernel while no student code has run
        in it: before the notebook's first cell, and after a restart before the
        cells above are replayed (a runner connecting later could be led to a
        socket the student's code planted, see course/grading/ipc.py)."""
        if self._runner is None or self._runner.connection is not None or not self._runner.alive:
            if self._runner is not None:
                self._runner.close()
            self._runner = RunnerProcess(self._plan, self.call_timeout or self.timeout, cwd=self._cwd)
        self._runner_problem = self._runner.connect(self.km.get_connection_info())
        if self._runner_problem:
            self.log.warning("Trusted runner: %s", self._runner_problem)
            self._runner = None

    async def _async_restart(self) -> None:
        await super()._async_restart()  # the sandbox's: a new kernel, before the cells above are replayed
        if self._plan is not None:
            self._connect_runner()

    def runner_plan(self, resources) -> NotebookPlan | None:
        """The source notebook's plan when it opts in to the runner, else None."""
        info = (resources or {}).get("nbgrader") or {}
        if not info.get("assignment") or not info.get("notebook"):
            return None
        path = source_notebook_path(self.config, info["assignment"], info["notebook"])
        if not path.is_file():
            self.log.warning("No source notebook %s: test cells run in the kernel", path)
            return None
        source = nbformat.read(path, as_version=4)
        if not runner_enabled(source):
            return None
        self.log.info("Graded test cells of %s run in the trusted runner", path.name)
        return load_plan(source)

    async def _interrupt_kernel(self):
        await ensure_async(self.km.interrupt_kernel())

    async def _drop_runner_messages(self):
        """Drop what the runner's requests published on iopub (their status
        messages, the student's prints during calls): nbclient would read
        through all of them for the next cell within its iopub_timeout."""
        while True:
            try:
                await ensure_async(self.kc.iopub_channel.get_msg(timeout=0))
            except queue.Empty:
                return

    def preprocess_cell(self, cell, resources, index):
        if self._plan is not None and self._runner is not None and self._runner.connection is None \
                and self._runner_problem is None:
            self._connect_runner()  # before the first cell: no student code has run yet
        test = None
        if self._plan is not None and cell.cell_type == "code":
            test = self._plan.tests.get(cell.metadata.get("nbgrader", {}).get("grade_id"))
        if test is None:
            return super().preprocess_cell(cell, resources, index)
        timeout = self._get_timeout(cell)
        if self._runner is None or not self._runner.alive:
            result = failed(self._runner_problem or "the test runner process stopped; its error is in the grading log")
        else:
            result = self._runner.run_cell(test, timeout)
            if not self._runner.alive:  # killed mid-call: the kernel may still be busy with it
                run_sync(self._interrupt_kernel)()
                self._replace_runner(index)
        run_sync(self._drop_runner_messages)()
        cell.outputs = [nbformat.from_dict(output) for output in result["outputs"]]
        cell.execution_count = None
        return cell, resources

    def _replace_runner(self, index: int) -> None:
        """After a runner was killed: a new one may only connect to a kernel
        in which no student code has run, so the kernel restarts and the cells
        above are replayed (the sandbox's restart connects the new runner)."""
        restart = getattr(self, "_restart_and_replay", None)
        if restart is not None:
            restart(index)
        else:  # nbgrader's plain Execute (no sandbox): nothing to protect the sockets from
            self._connect_runner()


class TrustedExecute(TrustedRunner, Execute):
    """nbgrader's Execute with graded test cells run in the trusted runner."""


def with_trusted_runner(execute_class: type) -> type:
    """`execute_class` (Execute or a subclass, e.g. the sandbox's) with graded
    test cells run in the trusted runner; configured as `TrustedExecute`."""
    if issubclass(execute_class, TrustedRunner):
        return execute_class
    return type("TrustedExecute", (TrustedRunner, execute_class),
                {"__doc__": TrustedExecute.__doc__, "__module__": __name__})
