"""Take submissions as an LMS downloads them into submitted/STUDENT/NAME/NAME.ipynb.

The download is a zip file or a folder holding one entry per student: a
notebook, a zip, or a folder. The student id is read from the entry's name
with a regular expression (by default everything before the first `_`, which
fits Canvas's `student_12345_..._file.ipynb` and Moodle's
`Full Name_12345_assignsubmission_file_` folders). Each student's notebook is
copied byte for byte, whatever it holds: a broken file is the grader's to
report, not the collector's to drop.
"""
from __future__ import annotations

import re
import shutil
import tempfile
import zipfile
from datetime import datetime, timezone
from pathlib import Path

from course.errors import CourseError
from course.grading.paths import CourseLayout

DEFAULT_STUDENT_PATTERN = r"^(?P<student>[^_]+)"
IGNORED_PARTS = {"__MACOSX", ".ipynb_checkpoints"}


def collect(name, source, layout: CourseLayout | None = None,
            student_pattern=DEFAULT_STUDENT_PATTERN) -> int:
    """Copy every student's notebook from `source` (zip or folder) into submitted/.

    A student whose upload holds no notebook gets an empty folder, so that the
    grader scores the missing notebook zero. Returns 0; prints what was taken.
    """
    layout = layout or CourseLayout.default()
    layout.assignment_names([name])
    source = Path(source)
    if not source.exists():
        raise CourseError(f"{source}: no such file or folder (expected the LMS download, a zip or a folder)")
    with tempfile.TemporaryDirectory() as tmp:
        root = _unpacked(source, Path(tmp) / "download")
        entries = sorted(p for p in root.iterdir() if p.name not in IGNORED_PARTS)
        if len(entries) == 1 and entries[0].is_dir() and len(list(entries[0].iterdir())) > 1:
            # a zip whose one folder holds every student's upload
            entries = sorted(p for p in entries[0].iterdir() if p.name not in IGNORED_PARTS)
        taken = 0
        for entry in entries:
            student = _student_id(entry.name, student_pattern)
            if not student:
                print(f"skipped {entry.name}: no student id matches {student_pattern!r}")
                continue
            target_dir = layout.course_dir / "submitted" / student / name
            target_dir.mkdir(parents=True, exist_ok=True)
            notebook, note = _find_notebook(entry, name, Path(tmp) / "student" / student)
            if notebook is None:
                print(f"{student:<16} {note}: graded as a missing notebook")
                continue
            shutil.copyfile(notebook, target_dir / f"{name}.ipynb")
            stamp = datetime.fromtimestamp(entry.stat().st_mtime, tz=timezone.utc)
            (target_dir / "timestamp.txt").write_text(stamp.strftime("%Y-%m-%d %H:%M:%S.%f %Z"))
            print(f"{student:<16} {notebook.name}" + (f" ({note})" if note else ""))
            taken += 1
    print(f"collected {taken} notebook(s) of {name} into {layout.course_dir / 'submitted'}")
    return 0


def _unpacked(source: Path, into: Path) -> Path:
    if source.is_dir():
        return source
    _extract(source, into)
    return into


def _extract(archive: Path, into: Path) -> None:
    try:
        with zipfile.ZipFile(archive) as zf:
            zf.extractall(into)
    except zipfile.BadZipFile:
        raise CourseError(f"{archive} is not a zip file: pass the LMS's zip download or a folder") from None


def _student_id(entry_name: str, pattern: str) -> str:
    match = re.match(pattern, entry_name)
    if not match or not match.group("student").strip():
        return ""
    return re.sub(r"[^A-Za-z0-9.@-]+", "-", match.group("student").strip()).strip("-")


def _find_notebook(entry: Path, name: str, scratch: Path):
    """The student's notebook in an entry (notebook, zip or folder), or
    (None, why) when there is none or no way to choose."""
    if entry.is_file() and entry.suffix == ".ipynb":
        return entry, ""
    if entry.is_file() and entry.suffix == ".zip":
        try:
            _extract(entry, scratch)
        except CourseError:
            return None, f"{entry.name} is not a valid zip"
        entry = scratch
    if not entry.is_dir():
        return None, f"{entry.name} is not a notebook"
    notebooks = [p for p in entry.rglob("*.ipynb") if not IGNORED_PARTS & set(p.parts)]
    exact = [p for p in notebooks if p.name == f"{name}.ipynb"]
    if len(exact) == 1 or len(notebooks) == 1:
        chosen = (exact or notebooks)[0]
        return chosen, "" if chosen.name == f"{name}.ipynb" else f"renamed from {chosen.name}"
    if not notebooks:
        return None, "no notebook in the upload"
    return None, f"{len(notebooks)} notebooks and none named {name}.ipynb"
