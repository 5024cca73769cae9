"""Memory and process limits for a whole sandbox, where the grader may set them.

rlimits (sandbox.py) bound each process of a sandbox: a kernel that starts
five children may use five times COURSE_MEMORY_LIMIT, and Linux does not
count processes for root. Where the grader can create control groups (root,
or a delegated cgroup), every sandbox gets its own, below the grader's own
cgroup: COURSE_MEMORY_LIMIT for all its processes together (the kernel
restarts when the limit kills it) and COURSE_PROCESS_LIMIT tasks. cgroup v1
(the memory and pids controllers) and v2 (a unified hierarchy with both
controllers enabled for children) are both handled; where neither can be
written, the rlimits alone apply (`course doctor` says which).
"""
from __future__ import annotations

import uuid
from dataclasses import dataclass
from pathlib import Path

ROOT = Path("/sys/fs/cgroup")


def _own_paths() -> dict[str, str]:
    """{controller or '' for v2: this process's cgroup path}, from /proc/self/cgroup."""
    found = {}
    try:
        lines = Path("/proc/self/cgroup").read_text().splitlines()
    except OSError:
        return found
    for line in lines:
        _, controllers, path = line.split(":", 2)
        for controller in controllers.split(",") if controllers else [""]:
            found[controller] = path
    return found


@dataclass
class SandboxCgroups:
    """The cgroup folders of one sandbox; its processes join them at launch."""

    folders: list[Path]

    def join_command(self, argv: list[str]) -> list[str]:
        """argv, run by a shell that first moves itself into every folder."""
        joins = " && ".join(f'echo $$ > "${k + 1}/cgroup.procs"' for k in range(len(self.folders)))
        shift = len(self.folders)
        return ["/bin/sh", "-c", f'{joins} && shift {shift} && exec "$@"', "sh",
                *map(str, self.folders), *argv]

    def remove(self) -> None:
        """Remove the folders (once their processes are gone)."""
        for folder in self.folders:
            try:
                folder.rmdir()
            except OSError:
                pass


def _make(folders_and_limits: list[tuple[Path, dict[str, int]]]) -> SandboxCgroups | None:
    made = []
    try:
        for folder, limits in folders_and_limits:
            folder.mkdir()
            made.append(folder)
            for name, value in limits.items():
                (folder / name).write_text(str(value))
    except OSError:
        SandboxCgroups(made).remove()
        return None
    return SandboxCgroups(made)


def sandbox_cgroups(memory: int, processes: int) -> SandboxCgroups | None:
    """New cgroups limiting one sandbox to `memory` bytes and `processes`
    tasks in all, or None where the grader cannot make them."""
    own = _own_paths()
    name = f"course-sandbox-{uuid.uuid4().hex[:12]}"
    if (ROOT / "memory").is_dir() and (ROOT / "pids").is_dir() and "memory" in own and "pids" in own:
        return _make([(ROOT / "memory" / own["memory"].lstrip("/") / name,
                       {"memory.limit_in_bytes": memory}),
                      (ROOT / "pids" / own["pids"].lstrip("/") / name, {"pids.max": processes})])
    if (ROOT / "cgroup.controllers").is_file() and "" in own:
        return _make([(ROOT / own[""].lstrip("/") / name, {"memory.max": memory, "memory.swap.max": 0,
                                                          "pids.max": processes})])
    return None
