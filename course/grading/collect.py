"""Take submissions as an LMS downloads them into submitted/STUDENT/NAME/, with
their submission times.

The download is a zip file or a folder holding one or more entries per
student: a notebook, a zip, a folder, or any other file. The student id is
read from the entry's name with a regular expression: by default the name before
the first `_` joined with the LMS's number after it, which fits Canvas's
`smithjane_12345_678_file.ipynb` (also `smithjane_late_12345_...`: smithjane-12345)
and Moodle's `Jane Smith_12345_assignsubmission_file_` folders (Jane-Smith-12345),
so that two students of one name stay apart.

Submission times. A zip member's time is the time the LMS recorded for that
upload: its extended-timestamp field (UTC) when the zip has one, else its DOS
date and time read in `timezone` (default: this machine's, as `unzip` reads
it). A folder's files have their modification times (copy a download with
`cp -p` or unzip it with `unzip`, which keep them). A student's own zip inside
the download takes the time of that zip's entry: the times of the members
inside come from the student's computer, which anyone can set. The time is
written to submitted/STUDENT/NAME/timestamp.txt in the format of nbgrader's
exchange (`2026-11-30 14:05:00.000000 UTC`), which nbgrader autograde reads
(CourseDirectory.get_existing_timestamp) to record the submission time and
the late penalty.

Choices, each reported in the result:
- several notebooks from one student (resubmissions, or several notebooks in
  one upload, where one named NAME.ipynb is preferred): the latest submission
  time wins (at equal times the last by name), the others are listed;
- files that are not notebooks (a .py, a .pdf) are reported and not copied:
  the assignment is graded from its notebook alone;
- a student whose upload holds no notebook gets an empty folder, so that the
  grader scores the missing notebook zero; a notebook is copied byte for byte,
  whatever it holds (a broken file is the grader's to report);
- a re-collect compares each student's notebook and time with what
  submitted/ holds: new, changed or unchanged. A changed submission's earlier
  folder is moved to submitted-archive/STUDENT/NAME/TIME/ (TIME: its
  submission time), never overwritten; unchanged ones are left untouched, and
  students absent from the download keep what they have.

nbgrader's own `nbgrader zip_collect` is not used: it takes times only from a
`timestamp` group in a file-name pattern (LMS names carry none, and it never
reads the archive's dates), it stops the whole collect at a duplicate without
such a time, its --force clears submitted/STUDENT/NAME/ without keeping the
earlier copy (without it, any existing submission stops the run) and it never
says what changed, it skips non-notebook files silently and files a misnamed
notebook under its wrong name, and it wants the download placed in
downloaded/NAME/archive/. What it defines is kept: timestamp.txt beside the
notebook, in the exchange's format, parsed by nbgrader.utils.parse_utc.
"""
from __future__ import annotations

import os
import re
import shutil
import struct
import tempfile
import zipfile
from dataclasses import dataclass, field
from datetime import datetime, timezone as dt_timezone
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from course.errors import CourseError
from course.grading.paths import CourseLayout

# the name before the first "_", then the LMS's number after it when there is one (Canvas's
# user id, after its optional "late" marker; Moodle's participant id): two students of one
# name stay two students
DEFAULT_STUDENT_PATTERN = r"^(?P<student>[^_]+)(?:_late)?(?:_(?P<number>\d+))?"
IGNORED_PARTS = {"__MACOSX", ".ipynb_checkpoints", ".DS_Store"}
TIMESTAMP_FORMAT = "%Y-%m-%d %H:%M:%S.%f %Z"  # nbgrader's Exchange.timestamp_format
ARCHIVE = "submitted-archive"
LATEST_WINS = "latest submission time wins"
EXTENDED_TIMESTAMP = 0x5455  # the zip extra field "UT": a UTC Unix modification time


@dataclass
class Upload:
    """One notebook a student handed in: where it came from and when."""

    name: str  # the download's entry, and the notebook's path inside it
    path: Path
    submitted_at: datetime  # UTC


@dataclass
class StudentCollect:
    """What collect did for one student.

    status: "new", "changed" or "unchanged" (compared with what submitted/ held).
    chosen: the notebook taken (None: no notebook, graded as missing).
    duplicates: the other notebooks the student handed in, not taken (rule says why).
    other_files: files that are not notebooks, not copied.
    archived: where the earlier copy went when the submission changed.
    """

    student: str
    status: str
    chosen: Upload | None
    duplicates: list[Upload] = field(default_factory=list)
    rule: str = ""
    other_files: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    archived: Path | None = None


@dataclass
class CollectResult:
    """What one collect did: per student, the entries skipped (no student id)
    and the students of submitted/ absent from this download (kept as they were)."""

    assignment: str
    submitted: Path
    students: list[StudentCollect]
    skipped: list[str] = field(default_factory=list)
    absent: list[str] = field(default_factory=list)

    def count(self, status: str) -> int:
        return sum(s.status == status for s in self.students)

    def report(self) -> list[str]:
        """The lines `course collect` prints."""
        lines = []
        for s in self.students:
            when = f"submitted {_utc_text(s.chosen.submitted_at)}" if s.chosen else "no notebook: graded as missing"
            taken = f"  {s.chosen.name}" if s.chosen else ""
            lines.append(f"{s.student:<16} {s.status:<9} {when}{taken}")
            for note in s.notes:
                lines.append(f"{'':<16}   {note}")
            if s.duplicates:
                lines.append(f"{'':<16}   {len(s.duplicates) + 1} notebooks handed in, {s.rule}; not taken:")
                lines += [f"{'':<16}     {d.name} ({_utc_text(d.submitted_at)})" for d in s.duplicates]
            for other in s.other_files:
                lines.append(f"{'':<16}   not a notebook, not graded: {other}")
            if s.archived:
                lines.append(f"{'':<16}   earlier copy kept in {s.archived}")
        lines += [f"skipped {name}: no student id in its name" for name in self.skipped]
        if self.absent:
            lines.append(f"not in this download, kept as they were: {', '.join(self.absent)}")
        lines.append(f"collected {len(self.students)} student(s) of {self.assignment} into {self.submitted}: "
                     f"{self.count('new')} new, {self.count('changed')} changed, "
                     f"{self.count('unchanged')} unchanged")
        return lines


def collect(name, source, layout: CourseLayout | None = None,
            student_pattern=DEFAULT_STUDENT_PATTERN, timezone: str | None = None) -> CollectResult:
    """Take every student's notebook and submission time from `source` (an LMS
    zip or folder) into submitted/STUDENT/NAME/. timezone: the IANA zone (e.g.
    "Europe/Berlin") of the zip's DOS times (None: this machine's zone)."""
    layout = layout or CourseLayout.default()
    layout.assignment_names([name])
    source = Path(source)
    if not source.exists():
        raise CourseError(f"{source}: no such file or folder (expected the LMS download, a zip or a folder)")
    zone = _zone(timezone)
    submitted = layout.course_dir / "submitted"
    with tempfile.TemporaryDirectory() as tmp:
        root = source if source.is_dir() else _extract(source, Path(tmp) / "download", zone)
        by_student, skipped = _entries_by_student(root, student_pattern)
        students = []
        for student, entries in sorted(by_student.items()):
            found = _gather(entries, name, Path(tmp) / "student" / student, zone)
            students.append(_file(found, student, name, layout.course_dir))
    absent = sorted(set(_students_in(submitted, name)) - set(by_student))
    return CollectResult(name, submitted, students, skipped, absent)


@dataclass
class _Found:
    """Everything one student's entries hold."""

    chosen: Upload | None
    duplicates: list[Upload]
    other_files: list[str]
    notes: list[str]


def _zone(name: str | None):
    if name is None:
        return None  # the local time zone
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise CourseError(f"unknown time zone {name!r}: give an IANA name such as UTC or Europe/Berlin") from None


def _entries_by_student(root: Path, pattern: str) -> tuple[dict[str, list[Path]], list[str]]:
    entries = sorted(p for p in root.iterdir() if p.name not in IGNORED_PARTS)
    if len(entries) == 1 and entries[0].is_dir() and len(list(entries[0].iterdir())) > 1:
        # a zip whose one folder holds every student's upload
        entries = sorted(p for p in entries[0].iterdir() if p.name not in IGNORED_PARTS)
    by_student: dict[str, list[Path]] = {}
    skipped = []
    for entry in entries:
        student = _student_id(entry.name, pattern)
        if student:
            by_student.setdefault(student, []).append(entry)
        else:
            skipped.append(entry.name)
    return by_student, skipped


def _student_id(entry_name: str, pattern: str) -> str:
    """The student id of an entry: the pattern's `student` group made a safe folder name,
    joined with its `number` group when it matched ('' when there is no usable name)."""
    match = re.match(pattern, entry_name)
    if not match:
        return ""
    name = re.sub(r"[^A-Za-z0-9.@-]+", "-", match.group("student").strip()).strip("-")
    name = name.lstrip(".")  # a folder name under submitted/: never "." or "..", never hidden
    if not name:
        return ""
    number = match.groupdict().get("number")
    return f"{name}-{number}" if number else name


def _gather(entries: list[Path], name: str, scratch: Path, zone) -> _Found:
    """The student's notebook (within one upload NAME.ipynb first, then the
    latest over all uploads), the others handed in, the non-notebook files."""
    bests, duplicates, other_files, notes = [], [], [], []
    for entry in entries:
        notebooks, others, entry_notes = _files_of(entry, entry.name, scratch, zone)
        other_files += others
        notes += entry_notes
        if notebooks:
            best = _latest([u for u in notebooks if u.path.name == f"{name}.ipynb"] or notebooks)
            bests.append(best)
            duplicates += [u for u in notebooks if u is not best]
    if not bests:
        return _Found(None, [], other_files, notes)
    chosen = _latest(bests)
    duplicates = [u for u in bests if u is not chosen] + duplicates
    if chosen.path.name != f"{name}.ipynb":
        notes.append(f"renamed from {chosen.path.name}")
    return _Found(chosen, duplicates, other_files, notes)


def _latest(uploads: list[Upload]) -> Upload:
    """The latest submission time wins; at equal times the last by name."""
    return max(uploads, key=lambda u: (u.submitted_at, u.name))


def _files_of(entry: Path, label: str, scratch: Path, zone) -> tuple[list[Upload], list[str], list[str]]:
    """(notebooks, other files, notes) of one entry named `label`: a file, a
    zip (opened, every member timed by the zip's own time) or a folder (its
    zips opened likewise)."""
    if entry.is_file():
        files = [(label, entry)]
    else:
        sep = "" if label.endswith(":") else "/"  # "upload.zip:work/x.ipynb", "folder/x.ipynb"
        files = [(f"{label}{sep}{p.relative_to(entry)}", p) for p in sorted(entry.rglob("*"))
                 if p.is_file() and not IGNORED_PARTS & set(p.relative_to(entry).parts)]
    notebooks, others, notes = [], [], []
    for file_label, path in files:
        if path.suffix.lower() == ".zip":
            scratch.mkdir(parents=True, exist_ok=True)
            inner = Path(tempfile.mkdtemp(dir=scratch))
            try:
                _extract(path, inner, zone, stamp=path.stat().st_mtime)
            except CourseError:
                notes.append(f"{file_label} is not a valid zip: nothing in it is graded")
                continue
            found = _files_of(inner, f"{file_label}:", scratch, zone)
            notebooks, others, notes = notebooks + found[0], others + found[1], notes + found[2]
        elif path.suffix.lower() == ".ipynb":
            notebooks.append(Upload(file_label, path, _mtime(path)))
        else:
            kind = path.suffix.lower() or "file without extension"
            others.append(f"{file_label} (a {kind})")
    return notebooks, others, notes


def _mtime(path: Path) -> datetime:
    return datetime.fromtimestamp(path.stat().st_mtime, tz=dt_timezone.utc)


def _extract(archive: Path, into: Path, zone, stamp: float | None = None) -> Path:
    """Unpack a zip, giving every file its member's time (or `stamp`, a Unix
    time, for all of them). Returns `into`."""
    try:
        with zipfile.ZipFile(archive) as zf:
            members = [m for m in zf.infolist() if not m.is_dir()]
            for member in members:
                path = Path(zf.extract(member, into))
                when = stamp if stamp is not None else _member_time(member, zone)
                os.utime(path, (when, when))
    except zipfile.BadZipFile:
        raise CourseError(f"{archive} is not a zip file: pass the LMS's zip download or a folder") from None
    into.mkdir(parents=True, exist_ok=True)
    return into


def _member_time(member: zipfile.ZipInfo, zone) -> float:
    """A zip member's modification time (Unix): its extended timestamp (UTC)
    when present, else its DOS date and time read in `zone` (None: local)."""
    extra = member.extra
    while len(extra) >= 4:
        kind, size = struct.unpack("<HH", extra[:4])
        body = extra[4:4 + size]
        if kind == EXTENDED_TIMESTAMP and size >= 5 and body[0] & 1:
            return float(struct.unpack("<i", body[1:5])[0])
        extra = extra[4 + size:]
    naive = datetime(*member.date_time)
    return (naive.replace(tzinfo=zone) if zone else naive.astimezone()).timestamp()


def _students_in(submitted: Path, name: str) -> list[str]:
    if not submitted.is_dir():
        return []
    return [p.name for p in submitted.iterdir() if (p / name).is_dir()]


def _utc_text(when: datetime) -> str:
    return when.astimezone(dt_timezone.utc).strftime(TIMESTAMP_FORMAT)


def _file(found: _Found, student: str, name: str, course_dir: Path) -> StudentCollect:
    """Write one student's submission into submitted/, archiving a changed one."""
    target = course_dir / "submitted" / student / name
    new_state = (found.chosen.path.read_bytes(), _utc_text(found.chosen.submitted_at)) if found.chosen else None
    rule = (f"{LATEST_WINS} (within one upload {name}.ipynb first; at equal times the last by name)"
            if found.duplicates else "")
    result = StudentCollect(student, "new", found.chosen, found.duplicates, rule, found.other_files, found.notes)
    if target.is_dir():
        if _state(target, name) == new_state:
            result.status = "unchanged"
            return result
        result.status = "changed"
        result.archived = _archive(target, course_dir / ARCHIVE / student / name)
    target.mkdir(parents=True, exist_ok=True)
    if new_state:
        (target / f"{name}.ipynb").write_bytes(new_state[0])
        (target / "timestamp.txt").write_text(new_state[1])
    return result


def _state(target: Path, name: str):
    """(notebook bytes, timestamp text) of a submitted folder, None when it holds no notebook."""
    notebook, stamp = target / f"{name}.ipynb", target / "timestamp.txt"
    if not notebook.is_file():
        return None
    return notebook.read_bytes(), stamp.read_text().strip() if stamp.is_file() else ""


def _archive(folder: Path, archive: Path) -> Path:
    """Move a submitted folder to archive/TIME/ (its submission time, else the
    folder's modification time); never over an earlier archived copy."""
    from nbgrader.utils import parse_utc

    stamp = folder / "timestamp.txt"
    try:
        when = parse_utc(stamp.read_text().strip())  # naive UTC, as nbgrader reads it
    except (OSError, ValueError):
        when = datetime.fromtimestamp(folder.stat().st_mtime, tz=dt_timezone.utc).replace(tzinfo=None)
    base = archive / when.strftime("%Y-%m-%dT%H%M%S.%fZ")
    destination, n = base, 1
    while destination.exists():
        n += 1
        destination = base.with_name(f"{base.name}-{n}")
    destination.parent.mkdir(parents=True, exist_ok=True)
    shutil.move(str(folder), destination)
    return destination
