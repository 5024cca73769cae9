"""The sandbox's pieces: sizes and limits, the bwrap command line, what a
kernel in it can and cannot see, the grade-line notes, course doctor."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from course.doctor import check_sandbox
from course.errors import CourseError
from course.grading.sandbox import (HOME, Limits, describe_limit_errors, parse_size, sandbox_argv,
                                    sandbox_enabled, sandbox_problem)

REPO = Path(__file__).resolve().parents[1]
needs_sandbox = pytest.mark.skipif(sandbox_problem() is not None,
                                   reason=f"no sandbox here: {sandbox_problem()}")


@pytest.mark.parametrize("text, size", [("4G", 4 * 2**30), ("512M", 512 * 2**20), ("1.5GiB", 3 * 2**29),
                                        ("2048", 2048), ("64k", 64 * 1024)])
def test_parse_size(text, size):
    assert parse_size(text) == size


@pytest.mark.parametrize("text", ["lots", "4 GB extra", "-1G", ""])
def test_parse_size_rejects_what_is_not_a_size(text):
    with pytest.raises(CourseError, match="not a size"):
        parse_size(text)


def test_limits_from_environment():
    assert Limits.from_environment({}) == Limits()
    limits = Limits.from_environment({"COURSE_MEMORY_LIMIT": "1G", "COURSE_PROCESS_LIMIT": "32",
                                      "COURSE_FILE_LIMIT": "10M", "COURSE_SCRATCH_LIMIT": "100M"})
    assert limits == Limits(memory=2**30, processes=32, file=10 * 2**20, scratch=100 * 2**20)
    with pytest.raises(CourseError, match="COURSE_PROCESS_LIMIT"):
        Limits.from_environment({"COURSE_PROCESS_LIMIT": "many"})


@pytest.mark.parametrize("value, enabled", [("off", False), ("0", False), ("OFF", False),
                                            ("on", True), ("1", True)])
def test_sandbox_switch(value, enabled):
    assert sandbox_enabled({"COURSE_SANDBOX": value}) is enabled
    assert sandbox_enabled({}) is True


def test_command_binds_no_course_directory_and_passes_only_known_variables(tmp_path):
    argv = sandbox_argv(["python", "-m", "ipykernel_launcher"], {tmp_path / "nb.ipynb": f"{HOME}/nb.ipynb"},
                        {"COURSE_FAST": "1", "SECRET_TOKEN": "x", "HOME": "/root"}, Limits())
    bound = [argv[i + 2] for i, a in enumerate(argv) if a in ("--bind", "--ro-bind")]
    for folder in ("autograde", "notebooks", "tests", ".git"):
        assert str(REPO / folder) not in bound
    assert str(REPO) not in bound
    assert "--bind" not in argv  # nothing of the host is writable inside
    setenv = {argv[i + 1]: argv[i + 2] for i, a in enumerate(argv) if a == "--setenv"}
    assert setenv["COURSE_FAST"] == "1" and setenv["HOME"] == HOME and "SECRET_TOKEN" not in setenv
    assert "--unshare-all" in argv and "--clearenv" in argv and "--die-with-parent" in argv
    assert argv[-3:] == ["python", "-m", "ipykernel_launcher"]


@needs_sandbox
def test_inside_the_sandbox(tmp_path):
    """Run a probe in the sandbox: no repository, no host HOME, no network, read-only system."""
    probe = ("import os, socket, json\n"
             "report = {}\n"
             f"report['repo'] = os.path.exists({str(REPO / 'autograde')!r})\n"
             f"report['home'] = os.path.exists({str(Path.home() / '.bashrc')!r})\n"
             "report['uid'] = os.getuid()\n"
             "try:\n    open('/usr/evil', 'w'); report['usr'] = 'writable'\n"
             "except OSError as err:\n    report['usr'] = err.strerror\n"
             "try:\n    socket.create_connection(('1.1.1.1', 53), timeout=2); report['net'] = 'open'\n"
             "except OSError as err:\n    report['net'] = err.strerror\n"
             "import course.lib.gradcheck\n"
             "report['lib'] = True\n"
             "print(json.dumps(report))\n")
    argv = sandbox_argv([sys.executable, "-c", probe], {}, {}, Limits())
    done = subprocess.run(argv, capture_output=True, text=True, cwd=tmp_path, timeout=60)
    assert done.returncode == 0, done.stderr
    import json
    report = json.loads(done.stdout)
    assert report == {"repo": False, "home": False, "uid": 65534, "usr": "Read-only file system",
                      "net": report["net"], "lib": True}
    assert report["net"] in ("Network is unreachable", "Connection refused")


@needs_sandbox
def test_memory_limit_is_a_memory_error(tmp_path):
    argv = sandbox_argv([sys.executable, "-c", "import numpy; numpy.ones(2**28)"], {}, {},
                        Limits(memory=2**30))
    done = subprocess.run(argv, capture_output=True, text=True, cwd=tmp_path, timeout=60)
    assert done.returncode != 0 and "MemoryError" in done.stderr


def test_limit_errors_name_the_limit_and_the_cell():
    nb = nbformat.v4.new_notebook()
    cells = [("test_big", "MemoryError", "Unable to allocate 8.00 GiB"),
             ("add", "DeadKernelError", "the kernel died in this cell"),
             ("test_add", "CellTimeoutError", "No reply from kernel"),
             ("count", "OSError", "[Errno 28] No space left on device"),
             ("fine", "AssertionError", "add(1, 2) returned 4")]
    for grade_id, ename, evalue in cells:
        cell = nbformat.v4.new_code_cell("x", metadata={"nbgrader": {"grade_id": grade_id}})
        cell.outputs = [nbformat.v4.new_output("error", ename=ename, evalue=evalue, traceback=[])] * 2
        nb.cells.append(cell)
    assert describe_limit_errors(nb, Limits(memory=2**32, scratch=2**29)) == [
        "memory limit 4 GiB reached in test_big", "kernel died in add (restarted)",
        "time limit reached in test_add", "scratch space limit 512 MiB reached in count"]


def test_doctor_reports_the_sandbox():
    assert check_sandbox(problem=None).status == "ok"
    missing = check_sandbox(problem="`bwrap` is not installed")
    assert missing.status == "warn" and "apt-get install bubblewrap" in missing.fix


@needs_sandbox
def test_a_dying_or_stuck_cell_loses_only_itself(tmp_path):
    """The kernel dies in one cell and ignores the interrupt in another: each
    of them gets an error, the kernel restarts, the cells above re-run and
    the cells after still see their names."""
    from course.grading.sandbox import SandboxedExecute

    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(source) for source in [
        "x = 1", "import os\nos._exit(1)", "print('after death', x)",
        "import signal, time\nsignal.signal(signal.SIGINT, signal.SIG_IGN)\nwhile True:\n    time.sleep(0.1)",
        "print('after hang', x)"]]
    nb.metadata.kernelspec = {"name": "python3", "display_name": "Python 3", "language": "python"}
    SandboxedExecute(timeout=5).preprocess(nb, {"metadata": {"path": str(tmp_path)}})
    errors = [[o.ename for o in c.outputs if o.output_type == "error"] for c in nb.cells]
    texts = ["".join(o.get("text", "") for o in c.outputs) for c in nb.cells]
    assert errors == [[], ["DeadKernelError"], [], ["CellTimeoutError"], []]
    assert texts[2] == "after death 1\n" and texts[4] == "after hang 1\n"


def test_outputs_are_bounded_and_counts_kept_valid():
    from course.grading.sandbox import MAX_DATA_CHARS, MAX_TEXT_CHARS, bound_outputs

    cell = nbformat.v4.new_code_cell("x")
    cell.execution_count = "<script>"
    cell.outputs = [nbformat.v4.new_output("stream", name="stdout", text="x" * (MAX_TEXT_CHARS + 10)),
                    nbformat.v4.new_output("display_data", data={"image/png": "A" * (MAX_DATA_CHARS + 1),
                                                                 "text/html": "<b>ok</b>"}),
                    nbformat.v4.new_output("execute_result", data={"text/plain": "1"}, execution_count=3)]
    bound_outputs(cell)
    assert cell.execution_count is None and cell.outputs[2].execution_count == 3
    assert len(cell.outputs[0].text) < MAX_TEXT_CHARS + 100 and "cut" in cell.outputs[0].text
    assert "image/png" not in cell.outputs[1].data and cell.outputs[1].data["text/html"] == "<b>ok</b>"
    assert "removed" in cell.outputs[1].data["text/plain"]
    nbformat.validate(nbformat.v4.new_notebook(cells=[cell]))


def test_whole_sandbox_memory_is_limited_where_cgroups_can_be_made(tmp_path, monkeypatch):
    """Four children of 600 MB each under a 1 GiB limit: the limit holds for
    them together (some are killed), and the kernel lives on."""
    from course.grading.cgroups import sandbox_cgroups
    from course.grading.sandbox import SandboxedExecute

    probe = sandbox_cgroups(2**30, 64)
    if probe is None:
        pytest.skip("this grader cannot create cgroups (not root, no delegation): rlimits only")
    probe.remove()
    if sandbox_problem() is not None:
        pytest.skip(f"no sandbox here: {sandbox_problem()}")
    monkeypatch.setenv("COURSE_MEMORY_LIMIT", "1G")
    hog = ("import subprocess, sys\n"
           "children = [subprocess.Popen([sys.executable, '-c', 'a = b\"x\" * (600 * 2**20); "
           "import time; time.sleep(5)']) for _ in range(4)]\n"
           "print(sorted(c.wait() for c in children))")
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(hog), nbformat.v4.new_code_cell("print('alive')")])
    nb.metadata.kernelspec = {"name": "python3", "display_name": "Python 3", "language": "python"}
    SandboxedExecute(timeout=60).preprocess(nb, {"metadata": {"path": str(tmp_path)}})
    codes = eval(nb.cells[0].outputs[0].text)  # the printed list of exit codes
    assert -9 in codes, codes
    assert nb.cells[1].outputs[0].text == "alive\n"


@needs_sandbox
def test_graders_sockets_to_a_sandboxed_kernel_never_reconnect():
    """nbclient's client of a sandboxed kernel is the SandboxedKernelClient, and none of
    its sockets (nor the manager's control socket) reconnects: after the kernel's end a
    reconnection would follow socket files the kernel may have swapped for links to the host."""
    import asyncio
    import time

    import zmq

    from course.grading.ipc import OneSocketHBChannel
    from course.grading.sandbox import SandboxedKernelClient, SandboxedKernelManager

    async def reconnect_intervals():
        km = SandboxedKernelManager(kernel_name="python3", transport="ipc")
        await km.start_kernel()
        kc = km.client()
        try:
            kc.start_channels()
            await kc.wait_for_ready(timeout=60)
            time.sleep(0.5)  # the heartbeat thread makes its socket
            sockets = {name: getattr(kc, f"{name}_channel").socket
                       for name in ("shell", "iopub", "stdin", "control", "hb")}
            sockets["manager's control"] = km._control_socket
            return type(kc), type(kc.hb_channel), {n: s.getsockopt(zmq.RECONNECT_IVL) for n, s in sockets.items()}
        finally:
            kc.stop_channels()
            await km.shutdown_kernel(now=True)

    client, heartbeat, intervals = asyncio.run(reconnect_intervals())
    assert client is SandboxedKernelClient and heartbeat is OneSocketHBChannel
    assert intervals == dict.fromkeys(intervals, -1), intervals
