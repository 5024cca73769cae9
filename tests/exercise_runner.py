"""Run one exercise of a master notebook in-process: its provided cells, its
(possibly mutated) solution and its graded test cells, visible and hidden.

Used by tests/test_hidden_tests_catch_mistakes.py to show that every
notebook's tests pass the master's solution and fail plausible wrong answers.

For an exercise with stem S, a run executes, in one namespace:

1. every provided and free code cell (nbgrader solution false, grade false) that comes
   before S's first test cell, in notebook order; exceptions are swallowed,
   since some provided cells use other exercises, whose solutions are not run
   (as in a submission where only S is filled);
2. S's solution cell with its BEGIN/END SOLUTION lines removed and an optional
   text mutation applied (each `old` must match exactly one place, indentation,
   runs of blanks and trailing comments aside);
3. S's test cells `test_S` / `test_S_*` (whole, or only their hidden block).

The provided cells run once per notebook. The namespace after them is kept as
a snapshot per exercise boundary, and every run restores the namespace dict
(the same dict object, so functions defined in provided cells, whose globals
are that dict, see the run's names) from a deep copy of the snapshot.
"""
from __future__ import annotations

import contextlib
import copy
import io
import re
import types
import warnings
from dataclasses import dataclass, field
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from threadpoolctl import threadpool_limits  # noqa: E402

from course.grading import masters  # noqa: E402

REPO = Path(__file__).resolve().parents[1]
NOTEBOOKS = REPO / "notebooks"
ENVIRONMENT = {"COURSE_FAST": "1", "CI": "1", "MPLBACKEND": "Agg"}


class MutationError(AssertionError):
    """A mutation that does not apply: its text is missing or ambiguous."""


@contextlib.contextmanager
def notebook_environment():
    """COURSE_FAST=1, CI=1, Agg; output silenced; afterwards the environment, BLAS
    thread limits (the notebooks set them globally), matplotlib's rcParams, numpy's
    print options and global random state are as they were."""
    print_options, random_state = np.get_printoptions(), np.random.get_state()
    try:
        with pytest.MonkeyPatch.context() as patch, threadpool_limits(limits=None), matplotlib.rc_context(), \
                warnings.catch_warnings(), contextlib.redirect_stdout(io.StringIO()), \
                contextlib.redirect_stderr(io.StringIO()):
            for key, value in ENVIRONMENT.items():
                patch.setenv(key, value)
            warnings.simplefilter("ignore")
            yield
    finally:
        plt.close("all")
        np.set_printoptions(**print_options)
        np.random.set_state(random_state)


_END_OF_LINE = r"[ \t]*(?:#[^\n]*)?\n"  # trailing blanks and comment, then the newline
_TRAILING_COMMENT = re.compile(r"(?:^|[ \t]+)#[^\n]*$")


def _starts_a_line(line: str) -> bool:
    return line[:1] in (" ", "\t")


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip(" \t"))


def mutation_pattern(old: str) -> re.Pattern:
    """old as a pattern that ignores indentation, runs of blanks and trailing comments.
    An old that starts with indentation matches whole lines; one that does not may
    start inside a line."""
    pieces = []
    for index, line in enumerate(old.split("\n")):
        words = _TRAILING_COMMENT.sub("", line).split()
        piece = r"[ \t]+".join(re.escape(word) for word in words)
        if (index > 0 or _starts_a_line(old)) and words:
            piece = r"^[ \t]*" + piece
        pieces.append(piece)
    return re.compile(_END_OF_LINE.join(pieces), re.M)


def _reindent(new: str, old: str, matched: str) -> str:
    """new shifted by the indentation the master has where old has its first
    indented line (so a mutation survives a re-indented master)."""
    old_lines, matched_lines = old.split("\n"), matched.split("\n")
    first = 0 if _starts_a_line(old) else 1
    if first >= len(old_lines) or not old_lines[first].strip() or first >= len(matched_lines):
        return new
    shift = _indent(matched_lines[first]) - _indent(old_lines[first])
    lines = new.split("\n")
    for index in range(first, len(lines)):
        if lines[index].strip():
            lines[index] = " " * shift + lines[index] if shift >= 0 else \
                lines[index][min(-shift, _indent(lines[index])):]
    return "\n".join(lines)


def apply_mutation(source: str, old, new) -> str:
    """source with each old[i] replaced by new[i]; old and new are strings or
    equal-length tuples. Every old must match exactly one place of the original
    source, indentation, runs of blanks and trailing comments aside
    (mutation_pattern), and no two places may overlap; each new is re-indented
    to the master's indentation there."""
    olds = (old,) if isinstance(old, str) else tuple(old)
    news = (new,) if isinstance(new, str) else tuple(new)
    if len(olds) != len(news):
        raise MutationError(f"{len(olds)} texts to replace but {len(news)} replacements")
    places = []
    for o, n in zip(olds, news):
        matches = list(mutation_pattern(o).finditer(source))
        if len(matches) != 1:
            raise MutationError(f"the text to mutate matches {len(matches)} places of the solution (expected "
                                f"one, indentation, blanks and trailing comments aside): {o!r}")
        places.append((matches[0], _reindent(n, o, matches[0].group())))
    places.sort(key=lambda place: place[0].start())
    for (first, _), (second, _) in zip(places, places[1:]):
        if second.start() < first.end():
            raise MutationError(f"two texts to mutate overlap: {first.group()!r} and {second.group()!r}")
    for match, replacement in reversed(places):
        source = source[:match.start()] + replacement + source[match.end():]
    return source


def hidden_block(test_source: str) -> str | None:
    """The code of the test cell's hidden blocks (joined), or None when it has none."""
    blocks = masters.hidden_blocks(test_source)
    return "\n".join(blocks) if blocks else None


def _fresh(value, memo):
    """A copy of a namespace value that a run may mutate without touching the snapshot."""
    if isinstance(value, (types.ModuleType, types.FunctionType, types.BuiltinFunctionType, type)):
        return value
    try:
        return copy.deepcopy(value, memo)
    except Exception:  # noqa: BLE001 - objects that cannot be copied (open handles, figures, ...) are shared
        return value


@dataclass
class RunResult:
    """Outcome of one run: for each test cell grade id, None (passed) or the exception raised."""

    failures: dict = field(default_factory=dict)

    @property
    def passed(self) -> bool:
        return all(error is None for error in self.failures.values())

    def describe(self) -> str:
        return "; ".join(f"{gid}: {'passed' if e is None else type(e).__name__ + ': ' + str(e)[:200]}"
                         for gid, e in self.failures.items())


class MasterNotebook:
    """A master notebook, its exercises and the cached namespaces of its provided cells."""

    def __init__(self, name: str):
        self.name = name
        self.nb = masters.load_master(NOTEBOOKS / f"{name}.ipynb")
        self.cells = [(masters.cell_kind(c), masters.grade_id(c), c.source) for c in self.nb.cells]
        self.exercises = masters.exercises(self.nb)
        self.namespace: dict = {}
        self._snapshots: dict[int, tuple[dict, tuple]] | None = None

    # -- cells -------------------------------------------------------------------
    def _index(self, grade_id: str) -> int:
        for i, (_, gid, _) in enumerate(self.cells):
            if gid == grade_id:
                return i
        raise KeyError(f"{self.name}: no cell {grade_id!r}")

    def solution_source(self, stem: str) -> str:
        (sid,) = self.exercises[stem].solution_ids
        return masters.strip_solution_markers(self.cells[self._index(sid)][2])

    def test_sources(self, stem: str) -> dict[str, str]:
        ids = self.exercises[stem].test_ids
        if not ids:
            raise KeyError(f"{self.name}: exercise {stem!r} has no graded test cell")
        return {gid: self.cells[self._index(gid)][2] for gid in ids}

    def _boundary(self, stem: str) -> int:
        """Index of the first test cell of stem: the provided cells before it run."""
        return min(self._index(gid) for gid in self.exercises[stem].test_ids)

    # -- the provided cells, once ------------------------------------------------
    def _build_snapshots(self) -> None:
        boundaries = sorted({self._boundary(stem) for stem, ex in self.exercises.items() if ex.test_ids})
        snapshots = {}
        ns = self.namespace
        ns.clear()
        ns["__name__"] = "__main__"
        with notebook_environment():
            position = 0
            for boundary in boundaries:
                for kind, gid, source in self.cells[position:boundary]:
                    if kind not in ("provided", "free"):
                        continue
                    try:
                        exec(compile(source, f"<{self.name}:{gid}>", "exec"), ns)
                    except (Exception, SystemExit):  # noqa: BLE001 - needs another exercise's solution, or a display
                        pass
                    finally:
                        plt.close("all")
                position = boundary
                snapshots[boundary] = (dict(ns), np.random.get_state())
        self._snapshots = snapshots

    def _restore(self, stem: str) -> dict:
        if self._snapshots is None:
            self._build_snapshots()
        values, random_state = self._snapshots[self._boundary(stem)]
        memo: dict = {}
        ns = self.namespace
        ns.clear()
        ns.update({key: _fresh(value, memo) for key, value in values.items()})
        np.random.set_state(random_state)
        return ns

    # -- one run -----------------------------------------------------------------
    def run(self, stem: str, old=None, new=None, hidden_only: bool = False) -> RunResult:
        """Provided cells, the (mutated) solution of stem, then each of its test cells
        (whole, or only the hidden block when hidden_only). Each test cell runs on a
        fresh copy of the namespace after the solution, so one cell's failure does
        not leave half-defined names for the next. The solution itself must execute
        without error (a mutation that breaks the definition proves nothing)."""
        source = self.solution_source(stem)
        if old is not None:
            source = apply_mutation(source, old, new)
        result = RunResult()
        with notebook_environment():
            ns = self._restore(stem)
            exec(compile(source, f"<{self.name}:{stem} solution>", "exec"), ns)
            after_solution = dict(ns)
            random_state = np.random.get_state()
            for gid, test in self.test_sources(stem).items():
                code = test
                if hidden_only:
                    code = hidden_block(test)
                    if code is None:
                        raise AssertionError(f"{self.name}: {gid} has no hidden tests")
                memo: dict = {}
                ns.clear()
                ns.update({key: _fresh(value, memo) for key, value in after_solution.items()})
                np.random.set_state(random_state)
                try:
                    exec(compile(code, f"<{self.name}:{gid}{' hidden' if hidden_only else ''}>", "exec"), ns)
                    result.failures[gid] = None
                except Exception as error:  # noqa: BLE001 - a failing test is the point
                    result.failures[gid] = error
                finally:
                    plt.close("all")
        return result


_NOTEBOOKS: dict[str, MasterNotebook] = {}


def master(name: str) -> MasterNotebook:
    """The MasterNotebook of notebooks/<name>.ipynb, built once per process."""
    if name not in _NOTEBOOKS:
        _NOTEBOOKS[name] = MasterNotebook(name)
    return _NOTEBOOKS[name]
