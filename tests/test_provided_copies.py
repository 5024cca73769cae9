"""A later notebook that provides an earlier notebook's solution provides it verbatim
(issue 19, "contracts drift between notebooks"): the same name, signature, docstring,
body and so the same cache, so that a student meets one contract across the course.

Each row names the function, the notebook that provides the copy (in a provided cell)
and the cell of the earlier notebook it copies (a solution cell, markers stripped, or a
provided cell). The comparison is of the whole `def`, text for text.
"""
from __future__ import annotations

import ast
from functools import lru_cache

import pytest

from course.grading.masters import cell_kind, grade_id, load_master, strip_solution_markers
from grading_helpers import REPO
from mistake import NB03, NB04, NB05

COPIES = [
    # (function, notebook with the copy, notebook it comes from, grade id of the cell defining it there)
    ("affine_forward", NB05, NB04, "affine_forward"),
    ("affine_backward", NB05, NB04, "affine_forward"),
    ("softmax_loss", NB05, NB04, "softmax_loss"),
    ("sgd", NB05, NB03, "sgd"),
    ("adam", NB05, NB03, "adam"),
    ("sgd", NB04, NB03, "sgd"),
    ("sgd_momentum", NB04, NB03, "sgd_momentum"),
    ("im2col", NB05, NB04, "conv_forward_fast"),
    ("col2im", NB05, NB04, "col2im"),
    ("batchnorm_forward", NB05, NB04, "batchnorm_forward"),
    ("batchnorm_backward", NB05, NB04, "batchnorm_forward"),
]


def definitions(source: str) -> dict[str, str]:
    """name -> the source text of every top-level def in source."""
    lines = source.splitlines()
    return {node.name: "\n".join(lines[node.lineno - 1:node.end_lineno])
            for node in ast.parse(source).body if isinstance(node, ast.FunctionDef)}


@lru_cache(maxsize=None)
def master(name: str):
    return load_master(REPO / "notebooks" / f"{name}.py")


@pytest.mark.parametrize("function, copy_in, origin, origin_cell", COPIES,
                         ids=[f"{row[1][:2]}-{row[0]}" for row in COPIES])
def test_a_provided_copy_is_the_earlier_solution_verbatim(function, copy_in, origin, origin_cell):
    cells = {grade_id(cell): cell for cell in master(origin).cells}
    assert origin_cell in cells, f"{origin} has no cell {origin_cell!r}: update COPIES in {__file__}"
    expected = definitions(strip_solution_markers(cells[origin_cell].source)).get(function)
    assert expected is not None, f"{origin}'s cell {origin_cell!r} defines no {function}: update COPIES"

    copies = [(cell, definitions(cell.source)[function]) for cell in master(copy_in).cells
              if cell.cell_type == "code" and function in definitions(cell.source)]
    assert len(copies) == 1, (f"{copy_in} should define {function} once, in a provided cell: found it in "
                              f"{[grade_id(cell) for cell, _ in copies]}")
    (cell, found), = copies
    where = grade_id(cell)
    assert cell_kind(cell) == "provided", f"{copy_in} defines {function} in cell {where!r}, not a provided cell"
    assert found == expected, (
        f"{copy_in}'s {function} (cell {where!r}) differs from {origin}'s (cell {origin_cell!r}): copy the "
        f"earlier solution verbatim, name, signature, docstring and body")
