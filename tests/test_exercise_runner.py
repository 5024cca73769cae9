"""Mutations apply whatever the master's indentation and comments, and fail
loudly when their text matches no place or several."""
from __future__ import annotations

import pytest

from exercise_runner import MutationError, apply_mutation, hidden_block

SOLUTION = ("def f(A, x):\n"
            "        y = A @ x            # (n, n) @ (n,) -> (n,)\n"
            "        total = y + 1\n"
            "        return total  # done\n")


def test_whole_lines_match_at_another_indentation_and_new_follows_it():
    old = "    y = A @ x\n    total = y + 1\n"
    new = "    y = x @ A\n    total = y - 1\n"
    assert apply_mutation(SOLUTION, old, new) == (
        "def f(A, x):\n        y = x @ A\n        total = y - 1\n        return total  # done\n")


def test_comments_and_runs_of_blanks_do_not_matter():
    assert "return  -total" in apply_mutation(SOLUTION, "return   total  # another comment", "return  -total")
    assert apply_mutation(SOLUTION, "        total = y + 1\n", "") == (
        "def f(A, x):\n        y = A @ x            # (n, n) @ (n,) -> (n,)\n        return total  # done\n")


def test_a_fragment_may_start_inside_a_line():
    assert "y = x @ A" in apply_mutation(SOLUTION, "A @ x", "x @ A")


def test_replacements_refer_to_the_original_solution():
    """Swapping two lines: the first replacement must not make the second ambiguous."""
    old = ("        y = A @ x   # a comment of another version\n", "        total = y + 1\n")
    new = ("        total = y + 1\n", "        y = A @ x\n")
    swapped = apply_mutation(SOLUTION, old, new)
    assert swapped.index("total = y + 1") < swapped.index("y = A @ x")


@pytest.mark.parametrize("old, count", [("return y", 0), ("total", 2), ("    y = A @ x\n    return total", 0)])
def test_a_text_that_matches_no_place_or_several_is_an_error(old, count):
    with pytest.raises(MutationError, match=f"matches {count} places"):
        apply_mutation(SOLUTION, old, "pass")


def test_overlapping_and_unpaired_texts_are_errors():
    with pytest.raises(MutationError, match="overlap"):
        apply_mutation(SOLUTION, ("y = A @ x", "A @ x"), ("y = 0", "0"))
    with pytest.raises(MutationError, match="2 texts to replace but 1 replacements"):
        apply_mutation(SOLUTION, ("y = A @ x", "total = y + 1"), ("y = 0",))


def test_hidden_block_joins_every_block_and_is_none_without_one():
    assert hidden_block("a\n### BEGIN HIDDEN TESTS\nb\n### END HIDDEN TESTS\n"
                        "### BEGIN HIDDEN TESTS\nc\n### END HIDDEN TESTS") == "b\n\nc\n"
    assert hidden_block("assert True") is None
