"""A submission's cells and metadata rebuilt from the source before anything runs.

nbgrader and nbclient act on what a notebook says about itself: tags
(`skip-execution` skips a cell, `raises-exception` forgives its error), grade
ids, points, the locked and solution flags, cell types. A student can edit all
of them, so none is read from the submission. The notebook that is graded is
rebuilt from the staged source (autograde/source/NAME/NAME.ipynb):

- every cell of the source, in the source's order, with the source's cell
  type and nbgrader metadata, and no tags;
- locked cells (explanations, provided code, tests) keep the source's text
  (nbgrader's OverwriteCells checks them again from the gradebook);
- answer cells (solution, and unlocked free cells) take the student's text,
  found by grade id or, when the student's metadata is missing or edited, by
  the cell id the release gave the cell; an answer cell the student deleted
  is graded as unanswered (its stub, never the master's solution);
- a student's own cells, and cells whose grade id is a duplicate or unknown,
  keep their place (after the source cell they followed) as plain cells with
  no metadata: they run and earn nothing (the first MAX_OWN_CELLS of them);
- notebook metadata: the source's kernelspec and language only (no jupytext
  pairing, no widget state).

So a submission is always graded against the source's test cells: never
"NOT GRADED" because of what a student did to metadata.
"""
from __future__ import annotations

from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_raw_cell
from nbgrader.coursedir import CourseDirectory
from nbgrader.preprocessors import NbGraderPreprocessor

from course.grading.masters import cell_kind

CODE_STUB = "# YOUR CODE HERE\nraise NotImplementedError()"
TEXT_STUB = "YOUR ANSWER HERE"
KEPT_NOTEBOOK_METADATA = ("kernelspec", "language_info")
# A student's own cells kept at most (10^5 empty cells would take hours to run).
MAX_OWN_CELLS = 300


def _nbgrader_meta(cell) -> dict:
    """A cell's nbgrader metadata, {} for anything malformed (submissions are hostile)."""
    try:
        meta = cell.get("metadata", {}).get("nbgrader", {})
    except AttributeError:
        return {}
    return meta if isinstance(meta, dict) else {}


def _text(cell) -> str:
    source = cell.get("source", "") if isinstance(cell, dict) else ""
    if isinstance(source, list):
        source = "".join(part for part in source if isinstance(part, str))
    return source if isinstance(source, str) else ""


def is_answer_cell(source_cell) -> bool:
    """A cell whose text is the student's: a solution cell, a markdown answer,
    or a free exploration cell (masters.cell_kind)."""
    return cell_kind(source_cell) in ("solution", "answer", "free")


def _stub(source_cell) -> str:
    return CODE_STUB if source_cell.cell_type == "code" else TEXT_STUB


def _match(submission_cells, source_cells) -> tuple[dict, list]:
    """Pair submission cells with source cells: by grade id, else by cell id.
    Returns ({source index: submission cell}, [(after source index or -1, cell)])
    where the second list holds the unmatched cells with the source cell they
    followed."""
    by_grade_id, by_cell_id = {}, {}
    for index, cell in enumerate(source_cells):
        grade_id = _nbgrader_meta(cell).get("grade_id")
        if grade_id:
            by_grade_id[grade_id] = index
        if cell.get("id"):
            by_cell_id[cell["id"]] = index
    matched, unmatched, last = {}, [], -1
    for cell in submission_cells:
        if not isinstance(cell, dict):
            continue
        index = None
        for key, table in ((_nbgrader_meta(cell).get("grade_id"), by_grade_id), (cell.get("id"), by_cell_id)):
            if isinstance(key, str) and table.get(key) is not None and table[key] not in matched:
                index = table[key]
                break
        if index is None:
            unmatched.append((last, cell))
        else:
            matched[index] = cell
            last = index
    return matched, unmatched


def _plain_cell(cell):
    """A student's own cell, stripped to its kind and text."""
    text = _text(cell)
    kind = cell.get("cell_type")
    if kind == "markdown":
        plain = new_markdown_cell(text)
        if isinstance(cell.get("attachments"), dict):
            plain.attachments = cell["attachments"]
        return plain
    if kind == "raw":
        return new_raw_cell(text)
    return new_code_cell(text)


def _graded_cell(source_cell, submission_cell):
    """The source cell with the student's text where the text is theirs."""
    cell = nbformat.from_dict({key: value for key, value in source_cell.items()
                               if key in ("id", "cell_type", "source", "attachments")})
    if cell.cell_type == "code":
        cell.outputs, cell.execution_count = [], None
    cell.metadata = nbformat.from_dict({"nbgrader": dict(_nbgrader_meta(source_cell))})
    if _nbgrader_meta(source_cell).get("locked"):
        cell.metadata.update(deletable=False, editable=False)
    if is_answer_cell(source_cell):
        if submission_cell is not None:
            cell.source = _text(submission_cell)
        elif _nbgrader_meta(source_cell).get("solution"):
            cell.source = _stub(source_cell)
        cell.pop("attachments", None)
        if cell.cell_type == "markdown" and submission_cell is not None \
                and isinstance(submission_cell.get("attachments"), dict):
            cell.attachments = submission_cell["attachments"]
    return cell


def rebuild(submission, source) -> tuple[nbformat.NotebookNode, list[str]]:
    """The notebook to grade: the source's cells and metadata with the
    student's answers. Returns it and a list of notes on what was repaired
    (unknown cells kept, answer cells missing)."""
    source_cells = list(source.cells)
    submission_cells = submission.get("cells", []) if isinstance(submission, dict) else []
    matched, unmatched = _match(submission_cells if isinstance(submission_cells, list) else [],
                                source_cells)
    notes = [f"missing answer cell {_nbgrader_meta(c).get('grade_id')!r}: graded as unanswered"
             for i, c in enumerate(source_cells)
             if i not in matched and _nbgrader_meta(c).get("solution")]
    if len(unmatched) > MAX_OWN_CELLS:
        notes.append(f"{len(unmatched)} cells of the student's own: only the first {MAX_OWN_CELLS} are kept")
        unmatched = unmatched[:MAX_OWN_CELLS]
    if unmatched:
        notes.append(f"{len(unmatched)} cell(s) of the student's own kept as plain cells (no points)")
    extra = {}
    for after, cell in unmatched:
        extra.setdefault(after, []).append(_plain_cell(cell))
    cells = list(extra.get(-1, []))
    for index, source_cell in enumerate(source_cells):
        cells.append(_graded_cell(source_cell, matched.get(index)))
        cells.extend(extra.get(index, []))
    notebook = new_notebook(cells=cells, metadata={key: source.metadata[key]
                                                   for key in KEPT_NOTEBOOK_METADATA
                                                   if key in source.metadata})
    notebook.nbformat, notebook.nbformat_minor = 4, max(source.get("nbformat_minor", 5), 5)
    return notebook, notes


def source_notebook_path(config, assignment: str, notebook: str) -> Path:
    """autograde/source/ASSIGNMENT/NOTEBOOK.ipynb as nbgrader's config places it."""
    coursedir = CourseDirectory(config=config)
    return Path(coursedir.format_path(coursedir.source_directory, ".", assignment)) / f"{notebook}.ipynb"


class SanitizeSubmission(NbGraderPreprocessor):
    """First of nbgrader's sanitize steps: replace the submission by `rebuild`
    of it against the staged source notebook."""

    def preprocess(self, nb, resources):
        info = resources["nbgrader"]
        path = source_notebook_path(self.config, info["assignment"], info["notebook"])
        source = nbformat.read(path, as_version=4)
        rebuilt, notes = rebuild(nb, source)
        for note in notes:
            self.log.warning("%s/%s: %s", info.get("student", "?"), info["notebook"], note)
        return rebuilt, resources
