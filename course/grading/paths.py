"""Where the course's folders are, and which assignments exist."""
from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from course.errors import CourseError


def repo_root() -> Path:
    """The checkout holding notebooks/ and autograde/: $COURSE_ROOT, else the
    folder above the installed package (an editable install), else the current folder."""
    if os.environ.get("COURSE_ROOT"):
        return Path(os.environ["COURSE_ROOT"]).resolve()
    package_parent = Path(__file__).resolve().parents[2]
    if (package_parent / "notebooks").is_dir():
        return package_parent
    return Path.cwd()


@dataclass(frozen=True)
class CourseLayout:
    """The folders one grading run works on.

    notebooks: the masters NN_name.ipynb. course_dir: the nbgrader course
    directory (holds nbgrader_config.py). executed: executed copies of masters.
    """

    notebooks: Path
    course_dir: Path
    executed: Path

    @classmethod
    def default(cls) -> "CourseLayout":
        root = repo_root()
        return cls(root / "notebooks", root / "autograde", root / "executed")

    def master(self, name: str) -> Path:
        return self.notebooks / f"{name}.ipynb"

    def assignment_names(self, names=None) -> list[str]:
        """The requested assignments (all masters when names is empty), checked to exist."""
        available = sorted(p.stem for p in self.notebooks.glob("[0-9][0-9]_*.ipynb"))
        if not names:
            if not available:
                raise CourseError(f"no master notebooks NN_name.ipynb in {self.notebooks}")
            return available
        unknown = [n for n in names if n not in available]
        if unknown:
            raise CourseError(
                f"no master notebook for {', '.join(unknown)} in {self.notebooks}; "
                f"the assignments are: {', '.join(available) or 'none'}")
        return list(names)
