"""What grading must never change, checked around every submission.

The sandbox keeps a student kernel away from the course directory and the
environment; this is the second line: before `course grade` starts, the files
that decide how grading runs are hashed, and after each submission they are
hashed again. A change stops grading with an error naming the file and the
student whose run changed it. Watched:

- autograde/nbgrader_config.py (executed by every nbgrader run);
- autograde/source/ (the staged masters and everything beside them);
- the installed `course` package (its bytecode caches aside, which Python
  rewrites itself);
- the `.pth` files of every site-packages folder (run at every interpreter start);
- the grader's IPython startup folder (run by every unsandboxed kernel);
- the Jupyter config folders' files (another nbgrader_config.py there is
  read by every nbgrader run) and sitecustomize/usercustomize modules.
"""
from __future__ import annotations

import hashlib
import os
import site
import sys
from pathlib import Path

from course.errors import CourseError

Snapshot = dict  # {path (str): sha256 hex digest}


def _ipython_startup() -> Path:
    """The grader's IPython startup folder (IPYTHONDIR, else ~/.ipython)."""
    folder = os.environ.get("IPYTHONDIR") or Path.home() / ".ipython"
    return Path(folder) / "profile_default" / "startup"


def _jupyter_configs() -> list[Path]:
    """Every nbgrader and Jupyter config file an nbgrader run reads besides
    the course's own, and the interpreter's start-up hooks."""
    from jupyter_core.paths import jupyter_config_path

    files = []
    for folder in jupyter_config_path():
        files += [p for p in Path(folder).glob("*.py")] + [p for p in Path(folder).glob("*.json")]
    for folder in {*site.getsitepackages(), site.getusersitepackages(), *sys.path}:
        for hook in ("sitecustomize.py", "usercustomize.py"):
            if folder and (Path(folder) / hook).is_file():
                files.append(Path(folder) / hook)
    return files


def watched_files(course_dir: Path) -> list[Path]:
    """Every file whose change would alter later grading runs."""
    import course

    files = [Path(course_dir) / "nbgrader_config.py"]
    trees = [Path(course_dir) / "source", *map(Path, course.__path__), _ipython_startup()]
    for tree in trees:
        if tree.is_dir():
            files += [p for p in tree.rglob("*")
                      if p.is_file() and "__pycache__" not in p.parts]
    for folder in {*site.getsitepackages(), site.getusersitepackages(), *sys.path}:
        if folder and Path(folder).is_dir():
            files += sorted(Path(folder).glob("*.pth"))
    return sorted(set(files + _jupyter_configs()))


def snapshot(course_dir: Path) -> Snapshot:
    """sha256 of every watched file (and of the watched folders' listings,
    through their file names)."""
    digests = {}
    for path in watched_files(course_dir):
        try:
            digests[str(path)] = hashlib.sha256(path.read_bytes()).hexdigest()
        except OSError as err:
            digests[str(path)] = f"unreadable: {err.strerror}"
    return digests


def changes(before: Snapshot, after: Snapshot) -> list[str]:
    """'changed: PATH', 'added: PATH', 'removed: PATH' for every difference."""
    found = [f"changed: {p}" for p in before if p in after and before[p] != after[p]]
    found += [f"added: {p}" for p in after if p not in before]
    found += [f"removed: {p}" for p in before if p not in after]
    return sorted(found)


def check_unchanged(course_dir: Path, before: Snapshot, student: str, assignment: str) -> None:
    """Raise CourseError when grading `student`'s `assignment` changed a watched file."""
    found = changes(before, snapshot(course_dir))
    if found:
        raise CourseError(
            f"grading stopped: the run of {student}'s {assignment} changed files that decide "
            f"how grading runs:\n  " + "\n  ".join(found[:20])
            + "\nRestore them (git checkout, `course release`, reinstall the package) "
              "and grade that submission by hand only in a sandbox.")
