"""Write constraints/ci.txt: the installed version of every package the course
needs, directly or transitively (with its `test` extra), as `name==version`.

    .venv/bin/python constraints/update.py      # after a tested upgrade of .venv

CI installs with these pins (scripts/venv.sh when CI is set), so a new release
of a dependency cannot break CI without a commit that changes this file.
"""
from __future__ import annotations

import sys
from importlib import metadata
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

HERE = Path(__file__).resolve().parent
HEADER = """\
# Pins for CI: what the course needs, directly and transitively (with the test
# extra), at the versions its tests last passed with. scripts/venv.sh installs
# with `pip install -c constraints/ci.txt` when CI is set. Regenerate after a
# tested upgrade: .venv/bin/python constraints/update.py
"""


def closure(root: str = "course", extras: tuple = ("test",)) -> dict[str, str]:
    """{canonical name: installed version} of every distribution root requires
    (through the given extras, then each dependency's default requirements)."""
    pins: dict[str, str] = {}
    seen = set()
    todo = [(root, frozenset(extras))]
    while todo:
        name, wanted = todo.pop()
        for text in metadata.requires(name) or []:
            requirement = Requirement(text)
            marker = requirement.marker
            if marker and not any(marker.evaluate({"extra": e}) for e in wanted or {""}):
                continue
            key, its_extras = canonicalize_name(requirement.name), frozenset(requirement.extras)
            if (key, its_extras) in seen:
                continue
            seen.add((key, its_extras))
            try:
                pins[key] = metadata.version(requirement.name)
            except metadata.PackageNotFoundError:
                sys.exit(f"{requirement.name} (needed by {name}) is not installed: "
                         f"pip install -e '.[test]' first")
            todo.append((requirement.name, its_extras))
    return pins


def main() -> None:
    pins = closure()
    lines = [f"{name}=={version}" for name, version in sorted(pins.items())]
    (HERE / "ci.txt").write_text(HEADER + "\n".join(lines) + "\n")
    print(f"wrote {len(lines)} pins to {HERE / 'ci.txt'}")


if __name__ == "__main__":
    main()
