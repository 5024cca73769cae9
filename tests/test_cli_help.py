"""`course --help` and every subcommand's help read as user documentation."""
from __future__ import annotations

import argparse

import pytest

from course.cli import build_parser, main
from course.lib.data import EMBEDDED, REGISTRY


def subcommands() -> dict[str, argparse.ArgumentParser]:
    action = next(a for a in build_parser()._actions if isinstance(a, argparse._SubParsersAction))
    return dict(action.choices)


def test_top_level_help_lists_every_command_without_developer_wording():
    text = build_parser().format_help()
    for name in subcommands():
        assert f"course {name}" in text, f"course --help does not list `course {name}`"
    for word in ("thin shell", "the tests call", "directly", "CI"):
        assert word not in text, f"course --help speaks of {word!r}"


@pytest.mark.parametrize("name", sorted(subcommands()))
def test_every_subcommand_has_a_description_and_an_example(name):
    parser = subcommands()[name]
    assert parser.description and len(parser.description) > 40, f"course {name} --help has no description"
    assert f"examples:\n  course {name}" in parser.format_help() or \
        f"course {name}" in (parser.epilog or ""), f"course {name} --help shows no example"


def test_data_help_names_every_data_set():
    text = subcommands()["data"].format_help()
    for name in [*EMBEDDED, *REGISTRY]:
        assert f"  {name} " in text, f"course data --help does not name {name}"


def test_downloading_an_embedded_set_says_it_needs_none(capsys):
    assert main(["data", "download", "digits", "mnist10k"]) == 0
    out = capsys.readouterr().out
    assert "digits: embedded in the installed packages, no download needed" in out
    assert "mnist10k: embedded" in out and "unknown" not in out
