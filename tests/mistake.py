"""A mistake (or a correct variant) of a master's solution, as a text mutation:
the vocabulary of test_hidden_tests_catch_mistakes.py and the per-notebook
tables it gathers (mistakes_0102.py, mistakes_0304.py, mistakes_05.py)."""
from __future__ import annotations

from typing import NamedTuple

NB01, NB02, NB03, NB04, NB05 = ("01_linear_affine", "02_backprop", "03_two_layer_net",
                                "04_modular_conv", "05_bnn")
NOTEBOOKS = (NB01, NB02, NB03, NB04, NB05)


class Mistake(NamedTuple):
    notebook: str
    stem: str
    old: object  # str, or a tuple of str replaced in turn
    new: object
    why: str
