"""How a student kernel is launched for grading: inside a bubblewrap sandbox.

A submission is hostile (DESIGN.md, "Grading flow"), so every kernel that runs
student code at grading time starts through `bwrap` (Debian/Ubuntu package
`bubblewrap`) with:

- its own user, PID, network, IPC, UTS and cgroup namespaces: an unprivileged
  uid, no network at all (the kernel talks to nbgrader over ZMQ `ipc`
  sockets in a tmpfs of its own, which the grader reaches through /proc),
  and a PID namespace that dies with the kernel, so no process outlives it;
- the system (/usr, /etc) and the Python environment (the interpreter's
  prefixes and the installed `course` package) read-only; nothing else of the
  host: no course directory, gradebook, repository, HOME or IPYTHONDIR;
- a private writable home (the kernel's cwd, a size-limited tmpfs) holding a
  read-only copy of the notebook being graded, and a size-limited /tmp; no
  folder of the host is writable from inside;
- a cleared environment: only the variables the notebooks read
  (COURSE_FAST, COURSE_SEED, COURSE_DATASET, NBGRADER_EXECUTION, the BLAS
  thread settings ...) pass in;
- resource limits set with `prlimit` before the sandbox starts: address space
  (COURSE_MEMORY_LIMIT, default 4 GiB), processes (COURSE_PROCESS_LIMIT),
  size of any file written (COURSE_FILE_LIMIT), and the tmpfs sizes
  (COURSE_SCRATCH_LIMIT). A limit that is hit fails the cell that hit it
  (MemoryError, "Resource temporarily unavailable", "File too large", "No
  space left on device"); `describe_limit_errors` names it for the grade line.
  Where the grader may create cgroups (cgroups.py), memory and processes are
  also limited for the whole sandbox together.

`SandboxedExecute` is nbgrader's Execute preprocessor with the sandboxed
kernel manager; autograde/nbgrader_config.py puts it in the autograde
pipeline, so `nbgrader autograde` run from autograde/ is sandboxed as
`course grade` is. `COURSE_SANDBOX=off` (what `course grade --no-sandbox`
sets) starts kernels unsandboxed; where bubblewrap cannot run, a sandboxed
kernel refuses to start with a message naming the fix.
"""
from __future__ import annotations

import asyncio
import copy
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import nbformat
import zmq
from jupyter_client.asynchronous import AsyncKernelClient
from jupyter_client.manager import AsyncKernelManager
from nbclient.exceptions import CellTimeoutError, DeadKernelError
from nbclient.util import ensure_async, run_sync
from nbgrader.preprocessors import Execute
from traitlets import DottedObjectName, Type

from course.errors import CourseError
from course.grading.cgroups import sandbox_cgroups
from course.grading.ipc import OneSocketHBChannel, ipc_sockets_problem
from course.grading.masters import HIDDEN_BEGIN, HIDDEN_END

SANDBOX_SWITCH = "COURSE_SANDBOX"
HOME = "/home/student"
SOCKETS = "/run/course"  # the kernel's ipc sockets, a tmpfs inside the sandbox
CONNECTION_FILE = "/run/connection.json"
INNER_MPLCONFIGDIR = "/tmp/matplotlib"
SANDBOX_UID = 65534  # "nobody" inside the user namespace
INSTALL_HINT = ("install bubblewrap (Debian/Ubuntu: `sudo apt-get install bubblewrap`; "
                "Fedora: `sudo dnf install bubblewrap`), or grade without a sandbox with "
                "`course grade --no-sandbox` (every grade line is then marked UNSANDBOXED)")

# Variables a kernel may see; everything else of the grader's environment stays out.
PASSED_VARIABLES = ("COURSE_FAST", "COURSE_SEED", "COURSE_DATASET", "COURSE_DATA",
                    "NBGRADER_EXECUTION", "OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS",
                    "MKL_NUM_THREADS", "OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE",
                    "PYTHONHASHSEED", "LANG", "LC_ALL", "TZ")
# A hidden block as it stands inside a notebook's JSON (one string per line).
HIDDEN = re.compile(rf"{re.escape(HIDDEN_BEGIN)}.*?{re.escape(HIDDEN_END)}", re.S)
SIZE_UNITS = {"": 1, "K": 2**10, "M": 2**20, "G": 2**30, "T": 2**40}


def parse_size(text: str) -> int:
    """'4G', '512M', '1.5G', '1048576' -> bytes (binary units; a trailing B or iB is allowed)."""
    match = re.fullmatch(r"\s*([0-9]*\.?[0-9]+)\s*([KMGT]?)(?:i?B)?\s*", str(text), re.IGNORECASE)
    if not match:
        raise CourseError(f"{text!r} is not a size: write it like 4G, 512M or a number of bytes")
    return int(float(match.group(1)) * SIZE_UNITS[match.group(2).upper()])


def format_size(size: int) -> str:
    """4294967296 -> '4 GiB'."""
    for unit, factor in (("TiB", 2**40), ("GiB", 2**30), ("MiB", 2**20), ("KiB", 2**10)):
        if size >= factor:
            return f"{size / factor:g} {unit}"
    return f"{size} B"


@dataclass(frozen=True)
class Limits:
    """What one sandboxed kernel may use. memory: bytes of address space per
    process; processes: tasks (threads count) of the sandbox's user; file:
    bytes of any one file written; scratch: bytes of each tmpfs (home, /tmp)."""

    memory: int = 4 * 2**30
    processes: int = 256
    file: int = 256 * 2**20
    scratch: int = 512 * 2**20

    @classmethod
    def from_environment(cls, environ=None) -> "Limits":
        environ = os.environ if environ is None else environ
        default = cls()

        def size(name, fallback):
            return parse_size(environ[name]) if environ.get(name) else fallback

        processes = environ.get("COURSE_PROCESS_LIMIT")
        if processes and not processes.strip().isdigit():
            raise CourseError(f"COURSE_PROCESS_LIMIT={processes!r}: give a whole number of processes")
        return cls(memory=size("COURSE_MEMORY_LIMIT", default.memory),
                   processes=int(processes) if processes else default.processes,
                   file=size("COURSE_FILE_LIMIT", default.file),
                   scratch=size("COURSE_SCRATCH_LIMIT", default.scratch))


def sandbox_enabled(environ=None) -> bool:
    """False when COURSE_SANDBOX is off/0/no (what `course grade --no-sandbox` sets)."""
    environ = os.environ if environ is None else environ
    return environ.get(SANDBOX_SWITCH, "on").strip().lower() not in ("off", "0", "no", "false")


def sandbox_problem() -> str | None:
    """Why no sandbox can run here (None when bubblewrap works): not Linux,
    bwrap or prlimit missing, or user namespaces refused."""
    if not sys.platform.startswith("linux"):
        return f"the grading sandbox needs Linux and bubblewrap; this is {sys.platform}"
    for tool in ("bwrap", "prlimit"):
        if shutil.which(tool) is None:
            return f"`{tool}` is not installed"
    probe = subprocess.run(["bwrap", "--unshare-all", "--unshare-user", "--uid", str(SANDBOX_UID), "--die-with-parent",
                            "--ro-bind", "/", "/", "--", "true"], capture_output=True, text=True)
    if probe.returncode != 0:
        return ("bubblewrap cannot create a sandbox here (user namespaces disabled?): "
                + (probe.stderr.strip() or f"exit {probe.returncode}"))
    return None


def require_sandbox() -> None:
    """Raise CourseError naming the fix when the sandbox cannot run."""
    problem = sandbox_problem()
    if problem:
        raise CourseError(f"cannot sandbox student kernels: {problem}. Fix: {INSTALL_HINT}")


# What of /etc a Python kernel needs; the rest (shadow, keys, tokens in config
# files, jupyter and ipython configuration) stays out. Grading as root maps the
# sandbox's user to root for permission checks, so owner-only files must not
# be bound at all.
ETC_ENTRIES = ("ld.so.cache", "ld.so.conf", "ld.so.conf.d", "localtime", "timezone", "nsswitch.conf",
               "passwd", "group", "hosts", "host.conf", "fonts", "alternatives", "mime.types",
               "os-release", "debian_version")


def _system_binds() -> list[str]:
    """bwrap arguments for the system: /usr and the ETC_ENTRIES of /etc
    read-only, the merged-/usr links (/bin -> usr/bin ...) as links, kernel
    filesystems fresh (/dev/shm a size-limited tmpfs, see sandbox_argv)."""
    args = ["--ro-bind", "/usr", "/usr"]
    for name in ETC_ENTRIES:
        args += ["--ro-bind-try", f"/etc/{name}", f"/etc/{name}"]
    for name in ("bin", "sbin", "lib", "lib32", "lib64", "libx32"):
        path = Path("/") / name
        if path.is_symlink():
            args += ["--symlink", os.readlink(path), str(path)]
        elif path.is_dir():
            args += ["--ro-bind", str(path), str(path)]
    return args + ["--proc", "/proc", "--dev", "/dev"]


def python_paths() -> list[Path]:
    """Host folders the kernel's Python needs, read-only: the interpreter's
    prefixes and the installed `course` package (an editable install maps it
    from the checkout: only the package folder is bound, never the checkout)."""
    import course

    paths = {Path(sys.base_prefix).resolve(), Path(sys.prefix).resolve(),
             Path(sys.executable).resolve().parent}
    paths.update(Path(p).resolve() for p in course.__path__)
    paths = {p for p in paths if p.exists() and Path("/usr") not in (p, *p.parents)}
    return sorted(p for p in paths if not any(q in p.parents for q in paths))


def sandbox_argv(kernel_cmd: list[str], files: dict, env: dict, limits: Limits) -> list[str]:
    """The command that starts `kernel_cmd` inside the sandbox.

    files: {host file: path inside} bound read-only (the connection file,
    the notebook copy, the font cache). env: the launch environment; only
    PASSED_VARIABLES of it reach the kernel. The writable places inside are
    size-limited tmpfs mounts only: HOME, /tmp and SOCKETS.
    """
    argv = ["prlimit", f"--as={limits.memory}", f"--nproc={limits.processes}",
            f"--fsize={limits.file}", "--core=0", "--",
            "bwrap", "--unshare-all", "--unshare-user", "--uid", str(SANDBOX_UID), "--gid", str(SANDBOX_UID),
            "--disable-userns", "--die-with-parent", "--new-session", "--hostname", "grading"]
    argv += _system_binds()
    # The scratch tmpfs first: the binds below may lie under /tmp (a checkout
    # or virtual environment there) and must not be hidden by it.
    argv += ["--size", str(limits.scratch), "--tmpfs", "/tmp",
             "--size", str(limits.scratch), "--tmpfs", HOME,
             "--size", str(limits.scratch), "--tmpfs", "/dev/shm"]
    for path in python_paths():
        argv += ["--ro-bind", str(path), str(path)]
    data = env.get("COURSE_DATA")
    if data and Path(data).is_dir():
        argv += ["--ro-bind", str(Path(data).resolve()), str(Path(data).resolve())]
    argv += ["--size", str(2**20), "--tmpfs", SOCKETS]
    for host, inside in files.items():
        argv += ["--ro-bind", str(host), str(inside)]
    # bwrap's own root (where /home, /run ... are made) is a tmpfs of no size
    # limit: read-only once everything is mounted.
    argv += ["--remount-ro", "/", "--chdir", HOME, "--clearenv"]
    inner_env = {"HOME": HOME, "USER": "student", "TMPDIR": "/tmp",
                 "PATH": os.pathsep.join([str(Path(sys.executable).parent), "/usr/local/bin",
                                          "/usr/bin", "/bin"]),
                 "IPYTHONDIR": f"{HOME}/.ipython", "MPLCONFIGDIR": INNER_MPLCONFIGDIR,
                 "JUPYTER_RUNTIME_DIR": f"{HOME}/.jupyter-runtime",
                 "JPY_PARENT_PID": "1"}  # bwrap --die-with-parent ends the kernel, no poller needed
    inner_env.update({k: env[k] for k in PASSED_VARIABLES if k in env})
    for key, value in sorted(inner_env.items()):
        if value:
            argv += ["--setenv", key, value]
    return argv + ["--", *kernel_cmd]


def font_cache() -> dict:
    """{the grader's matplotlib font list: its path inside}, so that a
    kernel's first plot does not rescan the system fonts (about 0.4 s a
    kernel); empty when the grader has none."""
    folder = Path(os.environ.get("MPLCONFIGDIR")
                  or Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "matplotlib")
    return {path: f"{INNER_MPLCONFIGDIR}/{path.name}" for path in sorted(folder.glob("fontlist-v*.json"))}


class SandboxedKernelClient(AsyncKernelClient):
    """A client whose sockets never reconnect when the kernel is sandboxed
    (see SandboxedKernelManager._async_post_start_kernel), and whose
    heartbeat never opens its socket anew (see course/grading/ipc.py)."""

    hb_channel_class = Type(OneSocketHBChannel)

    def _create_connected_socket(self, channel, identity=None):
        if sandbox_enabled():
            self.context.setsockopt(zmq.RECONNECT_IVL, -1)
        return super()._create_connected_socket(channel, identity)


class SandboxedKernelManager(AsyncKernelManager):
    """A kernel manager whose kernel runs in the bubblewrap sandbox (unless
    COURSE_SANDBOX is off).

    The kernel's ZMQ sockets are `ipc` sockets in SOCKETS, a small tmpfs of
    the sandbox's own: the grader reaches them through
    /proc/PID/root/SOCKETS of a process in the sandbox, so the kernel has no
    writable folder on the host at all. The host side keeps a private folder
    (mode 0700, never bound writable) with the connection file and the
    notebook copies, bound read-only. Interrupts are sent as messages (a
    signal to bwrap would not reach the kernel)."""

    _private_dir: Path | None = None
    _cgroups = None  # SandboxCgroups, False where none can be made, None before the first start
    client_class = DottedObjectName("course.grading.sandbox.SandboxedKernelClient")
    # AsyncKernelManager's own client_factory default ignores client_class: set both
    client_factory = Type(SandboxedKernelClient, klass=AsyncKernelClient)

    @property
    def kernel_spec(self):
        spec = super().kernel_spec
        if spec is not None and sandbox_enabled():
            spec.interrupt_mode = "message"
        return spec

    async def _async_pre_start_kernel(self, **kw):
        if not sandbox_enabled():
            return await super()._async_pre_start_kernel(**kw)
        require_sandbox()
        if self._private_dir is None:
            self._private_dir = Path(tempfile.mkdtemp(prefix="course-kernel-"))
            self.transport = "ipc"
            self.connection_file = str(self._private_dir / "kernel.json")
        self.ip = f"{SOCKETS}/kernel"  # what the kernel reads from its connection file
        kernel_cmd, kw = await super()._async_pre_start_kernel(**kw)
        kernel_cmd = [CONNECTION_FILE if arg == self.connection_file else arg for arg in kernel_cmd]
        files = {self.connection_file: CONNECTION_FILE, **font_cache()}
        files.update({copy: f"{HOME}/{copy.name}"
                      for copy in self._copy_notebooks(Path(kw.get("cwd") or os.getcwd()))})
        limits = Limits.from_environment(kw.get("env", {}))
        kernel_cmd = sandbox_argv(kernel_cmd, files, kw.get("env", {}), limits)
        if self._cgroups is None:
            self._cgroups = sandbox_cgroups(limits.memory, limits.processes) or False
        if self._cgroups:  # the limits for the whole sandbox, where they can be set
            kernel_cmd = self._cgroups.join_command(kernel_cmd)
        kw["cwd"] = str(self._private_dir)
        kw["env"] = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "LANG": "C.UTF-8"}
        # What the kernel writes to its own stdout/stderr (os.write(2, ...)
        # bypasses ZMQ) goes to a log in the private folder, which the
        # kernel's file size limit caps, never into the grader's memory.
        log = open(self._private_dir / "kernel.log", "ab")
        kw.update(stdin=subprocess.DEVNULL, stdout=log, stderr=log)
        return kernel_cmd, kw

    async def _async_post_start_kernel(self, **kw):
        if sandbox_enabled():
            # From here on clients reach the sockets inside the sandbox. They
            # connect once the kernel has made them (before any student code
            # runs) and never reconnect: a student could otherwise swap a
            # socket for a symlink that /proc resolves on the host.
            root = f"/proc/{await self._sandbox_pid()}/root{SOCKETS}/kernel"
            await self._wait_for_sockets(root)
            self.ip = root
            self.context.setsockopt(zmq.RECONNECT_IVL, -1)
        await super()._async_post_start_kernel(**kw)

    async def _wait_for_sockets(self, prefix: str, wait: float = 60.0) -> None:
        """Until every port's ipc path PREFIX-N is a socket (not a link)."""
        info = {**self.get_connection_info(), "ip": prefix}
        deadline = time.monotonic() + wait
        while time.monotonic() < deadline:
            if ipc_sockets_problem(info) is None:
                return
            if self.provisioner.process.poll() is not None:
                break
            await asyncio.sleep(0.02)
        log = (self._private_dir / "kernel.log").read_text(errors="replace")[-2000:]
        raise RuntimeError(f"the sandboxed kernel did not start: {log.strip() or 'no output'}")

    async def _sandbox_pid(self, wait: float = 10.0) -> int:
        """The sandbox's first process (bwrap's child, PID 1 inside), whose
        /proc/PID/root is the sandbox's file system."""
        outer = self.provisioner.process.pid
        deadline = time.monotonic() + wait
        while time.monotonic() < deadline:
            try:
                children = Path(f"/proc/{outer}/task/{outer}/children").read_text().split()
            except OSError:
                children = []
            if children:
                return int(children[0])
            if self.provisioner.process.poll() is not None:
                break
            await asyncio.sleep(0.01)
        raise RuntimeError("the sandbox did not start (bwrap exited or never forked its child)")

    def _copy_notebooks(self, folder: Path) -> list[Path]:
        """Copies of the notebooks in the kernel's would-be cwd (the notebook
        being graded), in the private folder, without their hidden tests (the
        graded copy holds the source's test cells, hidden blocks included)."""
        copies = self._private_dir / "notebooks"
        copies.mkdir(exist_ok=True)
        result = []
        for notebook in sorted(folder.glob("*.ipynb")):
            target = copies / notebook.name
            target.write_text(HIDDEN.sub("", notebook.read_text(errors="replace")))
            result.append(target)
        return result

    def _connect_control_socket(self) -> None:
        super()._connect_control_socket()
        if sandbox_enabled() and self._control_socket is not None:
            # it never reconnects: a send to a dead kernel gives up, not blocks
            self._control_socket.setsockopt(zmq.SNDTIMEO, 2000)

    async def _async_interrupt_kernel(self) -> None:
        try:
            await super()._async_interrupt_kernel()
        except zmq.Again:
            self.log.warning("the kernel's control socket is gone (the kernel died): no interrupt sent")

    async def _async_request_shutdown(self, restart: bool = False) -> None:
        try:
            await super()._async_request_shutdown(restart=restart)
        except zmq.Again:
            self.log.warning("the kernel's control socket is gone (the kernel died): no shutdown request sent")

    async def _async_cleanup_resources(self, restart: bool = False) -> None:
        await super()._async_cleanup_resources(restart=restart)
        if not restart and self._private_dir is not None:
            shutil.rmtree(self._private_dir, ignore_errors=True)
            self._private_dir = None
        if not restart and self._cgroups:
            self._cgroups.remove()
            self._cgroups = None


MAX_TEXT_CHARS = 200_000  # of one text output (LimitOutput also cuts by lines)
MAX_DATA_CHARS = 4_000_000  # of one rich output entry (a plot is about 50-500 kB)


def _count(value) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def bound_outputs(cell) -> None:
    """Keep what the kernel sent a cell to a size the graded copy and the
    feedback can hold: long texts cut, oversized rich outputs (a 40 MB
    image) replaced by a note, execution counts that are not whole numbers
    (a forged message) dropped, so the notebook stays valid."""
    if cell.cell_type != "code":
        return
    cell.execution_count = _count(cell.get("execution_count"))
    for output in cell.get("outputs", []):
        if "execution_count" in output:
            output.execution_count = _count(output.get("execution_count"))
        text = output.get("text")
        if isinstance(text, str) and len(text) > MAX_TEXT_CHARS:
            output.text = text[:MAX_TEXT_CHARS] + f"\n[output cut at {MAX_TEXT_CHARS:,} characters]\n"
        data = output.get("data")
        if isinstance(data, dict):
            big = [mime for mime, value in data.items() if len(str(value)) > MAX_DATA_CHARS]
            for mime in big:
                del data[mime]
            if big:
                data["text/plain"] = f"[{', '.join(big)} output over {MAX_DATA_CHARS:,} characters removed]"


LOST_CELL = {
    CellTimeoutError: "this cell did not stop when it was interrupted at its time limit",
    DeadKernelError: "the kernel died in this cell (os._exit, a crash or a resource limit)",
}
MAX_RESTARTS = 5


class SandboxedExecute(Execute):
    """nbgrader's Execute preprocessor with every kernel in the sandbox, and
    one cell lost rather than the notebook: a cell that ignores the interrupt
    at its time limit, or kills its kernel, is ended with its kernel; it gets
    an error output (0 points if it is a test cell), a new kernel re-runs the
    cells above it that are not tests (outputs discarded, lost cells skipped)
    and grading goes on from the next cell. After MAX_RESTARTS the notebook
    is given up (nbgrader then reports it as not graded)."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("kernel_manager_class", SandboxedKernelManager)
        super().__init__(*args, **kwargs)
        self._lost_cells: set[int] = set()

    def preprocess_cell(self, cell, resources, index):
        self._check_assign_resources(resources)
        try:
            cell = self.execute_cell(cell, index, store_history=True)
        except tuple(LOST_CELL) as err:
            self._lose(cell, index, err)
            self._restart_and_replay(index)
        bound_outputs(cell)
        return cell, self.resources

    def _lose(self, cell, index, err) -> None:
        self._lost_cells.add(index)
        if len(self._lost_cells) > MAX_RESTARTS:
            raise err
        reason = next(text for kind, text in LOST_CELL.items() if isinstance(err, kind))
        message = (f"{reason}: the kernel was ended and restarted, the cells above re-run, "
                   f"and this cell earns nothing")
        self.log.warning("cell %d: %s", index, message)
        cell.outputs.append(nbformat.v4.new_output(
            "error", ename=type(err).__name__, evalue=message,
            traceback=[f"{type(err).__name__}: {message}"]))

    def _restart_and_replay(self, index: int) -> None:
        run_sync(self._async_restart)()
        for earlier in range(index):
            cell = self.nb.cells[earlier]
            meta = cell.metadata.get("nbgrader", {})
            if cell.cell_type != "code" or earlier in self._lost_cells \
                    or (meta.get("grade") and not meta.get("solution")):
                continue
            try:
                self.execute_cell(copy.deepcopy(cell), earlier, store_history=False)
            except tuple(LOST_CELL) as err:
                self._lose(self.nb.cells[earlier], earlier, err)
                return self._restart_and_replay(index)

    async def _async_restart(self) -> None:
        """A new kernel, and a new client: a sandboxed kernel's sockets are
        reached through its own /proc path, which changes with the kernel."""
        await ensure_async(self.km.restart_kernel(now=True))
        self.kc.stop_channels()
        self.kc = self.km.client()
        await ensure_async(self.kc.start_channels())
        await ensure_async(self.kc.wait_for_ready(timeout=self.startup_timeout))


LIMIT_ERRORS = (
    (re.compile(r"^DeadKernelError"), "kernel died in {where} (restarted)"),
    (re.compile(r"^CellTimeoutError"), "time limit reached in {where}"),
    (re.compile(r"MemoryError|Unable to allocate|Cannot allocate memory"),
     "memory limit {memory} reached in {where}"),
    (re.compile(r"Resource temporarily unavailable|BlockingIOError"),
     "process limit {processes} reached in {where}"),
    (re.compile(r"File too large"), "file size limit {file} reached in {where}"),
    (re.compile(r"No space left on device"), "scratch space limit {scratch} reached in {where}"),
)


def describe_limit_errors(notebook, limits: Limits) -> list[str]:
    """'memory limit 4 GiB reached in test_add', 'kernel died in add
    (restarted)', ... for every cell of an executed notebook whose error
    output shows a sandbox limit, a time limit or a lost kernel; each once."""
    names = {"memory": format_size(limits.memory), "processes": f"{limits.processes} processes",
             "file": format_size(limits.file), "scratch": format_size(limits.scratch)}
    found = []
    for index, cell in enumerate(notebook.cells):
        where = cell.metadata.get("nbgrader", {}).get("grade_id") or f"cell {index}"
        for output in cell.get("outputs", []):
            if output.get("output_type") != "error":
                continue
            text = f"{output.get('ename', '')}: {output.get('evalue', '')}"
            label = next((label for pattern, label in LIMIT_ERRORS if pattern.search(text)), None)
            if label and label.format(where=where, **names) not in found:
                found.append(label.format(where=where, **names))
    return found
