"""Which submissions need grading, and what an instructor graded by hand stays.

`course grade` grades a submission again only when something it depends on
changed since its last grading: the submitted files, the staged source
(source/NAME/) or nbgrader_config.py. Their sha256 per (assignment, student)
is kept in STATE_FILE in the course directory, written only by grading, after
each submission it graded (a submission that could not be autograded is not
recorded, so the next run tries it again).

Manual grades: nbgrader's SaveAutoGrades keeps `manual_score` and
`manual_comment` on `autograde --force`, but puts every cell with a manual
score back on the "needs manual grade" list. The state also records a
checksum of each graded cell's answer (an answer cell's own text; for an
autograded test cell, the submission's solution cells, which decide it), and
after a regrade a cell whose answer did not change keeps the instructor's
review (needs_manual_grade off again). A changed answer keeps its old manual
score but is flagged for review, as nbgrader does.
"""
from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

STATE_FILE = "grading_state.json"


def _tree_digest(digest, root: Path) -> None:
    """Feed every file under root (relative name and bytes, in name order) to digest."""
    if root.is_file():
        digest.update(root.read_bytes())
        return
    for path in sorted(p for p in root.rglob("*") if p.is_file()):
        digest.update(str(path.relative_to(root)).encode() + b"\0")
        digest.update(hashlib.sha256(path.read_bytes()).digest())


def submission_checksum(course_dir: Path, name: str, student: str) -> str:
    """sha256 of the submitted files, the staged source and nbgrader_config.py."""
    digest = hashlib.sha256()
    for part in (Path("submitted") / student / name, Path("source") / name, Path("nbgrader_config.py")):
        digest.update(str(part).encode() + b"\0")
        if (course_dir / part).exists():
            _tree_digest(digest, course_dir / part)
    return digest.hexdigest()


def answer_checksums(notebook: Path) -> dict[str, str]:
    """{grade id: sha256 of what decides that graded cell} for a submitted
    notebook: an answer cell's own source; a test cell's, the sources of all
    solution cells. Empty when the notebook is missing or unreadable."""
    try:
        cells = json.loads(notebook.read_text())["cells"]
        meta = [(c.get("metadata", {}).get("nbgrader") or {}, _source(c)) for c in cells]
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return {}
    solutions = "\0".join(text for m, text in meta if m.get("solution"))
    return {m["grade_id"]: _sha(text if m.get("solution") else solutions)
            for m, text in meta if m.get("grade") and isinstance(m.get("grade_id"), str)}


def _source(cell) -> str:
    text = cell.get("source", "")
    return "".join(text) if isinstance(text, list) else str(text)


def _sha(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


class GradingState:
    """STATE_FILE of a course directory: {assignment: {student: {"checksum",
    "answers": {grade id: checksum}}}}."""

    def __init__(self, course_dir: Path):
        self.path = Path(course_dir) / STATE_FILE
        self.course_dir = Path(course_dir)
        try:
            self.entries = json.loads(self.path.read_text())
        except FileNotFoundError:
            self.entries = {}
        except ValueError:
            self.entries = {}  # a damaged state only costs a regrade of everything

    def is_current(self, name: str, student: str) -> bool:
        """True when the submission's files, source and config are those it was last graded with."""
        entry = self.entries.get(name, {}).get(student)
        return bool(entry) and entry["checksum"] == submission_checksum(self.course_dir, name, student)

    def previous_answers(self, name: str, student: str) -> dict[str, str]:
        return dict(self.entries.get(name, {}).get(student, {}).get("answers", {}))

    def record(self, name: str, student: str) -> None:
        """Store the submission as graded now, and write the file (atomically)."""
        notebook = self.course_dir / "submitted" / student / name / f"{name}.ipynb"
        self.entries.setdefault(name, {})[student] = {
            "checksum": submission_checksum(self.course_dir, name, student),
            "answers": answer_checksums(notebook)}
        partial = self.path.with_suffix(".tmp")
        partial.write_text(json.dumps(self.entries, indent=1, sort_keys=True))
        os.replace(partial, self.path)


def unchanged_answers(previous: dict[str, str], notebook: Path) -> set[str]:
    """Grade ids whose answer is the same in notebook as in `previous`."""
    now = answer_checksums(notebook)
    return {grade_id for grade_id, digest in now.items() if previous.get(grade_id) == digest}


def keep_reviews(db_url: str, course_id: str, name: str, student: str, unchanged: set[str]) -> list[str]:
    """After a regrade: cells in `unchanged` that carry a manual score are no
    longer "needs manual grade" (the instructor reviewed this very answer).
    Returns their grade ids."""
    from nbgrader.api import Gradebook, MissingEntry

    kept = []
    with Gradebook(db_url, course_id) as gb:
        try:
            submission = gb.find_submission(name, student)
        except MissingEntry:
            return kept
        for notebook in submission.notebooks:
            for grade in notebook.grades:
                if grade.name in unchanged and grade.manual_score is not None and grade.needs_manual_grade:
                    grade.needs_manual_grade = False
                    kept.append(grade.name)
        gb.db.commit()
    return sorted(kept)
