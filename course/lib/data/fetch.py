"""Getting the full sets: verified downloads, archives extracted after their download,
and the results behind `course data download` and `course data list`.

The only module that writes into the data folder, and only when asked to download.
"""
from __future__ import annotations

import os
import shutil
import tarfile
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from .check import file_states
from .embedded import EMBEDDED
from .errors import DataFormatError, DatasetError, DownloadError
from .registry import REGISTRY, data_root, get_entry


class ExtractMembers:
    """A pooch processor: extract the archive's `members` next to it, each written to a
    temporary folder first and then moved into place, so an interrupted extraction
    leaves no partial member. Runs after a download; after a "fetch" (the archive was
    already there and valid) only when a member is missing."""

    def __init__(self, members):
        self.members = tuple(members)

    def __call__(self, fname, action, pup=None):
        """pooch's processor call: fname the archive's path, action "download", "update"
        or "fetch". Returns fname. Raises DataFormatError if a member is not in it."""
        folder = Path(fname).parent
        if action == "fetch" and all((folder / m).is_file() for m in self.members):
            return fname
        with tempfile.TemporaryDirectory(prefix=".extracting-", dir=folder) as tmp, \
                tarfile.open(fname) as tar:
            staged = {member: Path(tmp) / f"{number}" for number, member in enumerate(self.members)}
            for member, path in staged.items():
                try:
                    source = tar.extractfile(member)  # None for a directory
                except KeyError:
                    source = None
                if source is None:
                    raise DataFormatError(f"{fname} holds no file {member}: is it the right "
                                          f"archive? Delete it and run the download again.")
                with source, open(path, "wb") as out:
                    shutil.copyfileobj(source, out)
            for member, path in staged.items():  # all read: move them into place
                target = folder / member
                target.parent.mkdir(parents=True, exist_ok=True)
                os.replace(path, target)
        return fname


def download(name, root=None, progressbar=False) -> Path:
    """Download a full data set's files that are missing or corrupt, verified.

    Each file is tried from its URLs in order; pooch writes it to a temporary
    file, checks the md5 and only then moves it into place. A file already
    present with the right md5 is not downloaded again. A tarball's members are
    extracted after its download (ExtractMembers). Returns the folder.
    Raises DownloadError when no URL delivers a file with the right md5.
    """
    import pooch

    entry = get_entry(name)
    folder = entry.folder(root)
    folder.mkdir(parents=True, exist_ok=True)
    for number, remote in enumerate(entry.files):
        processor = ExtractMembers(entry.archive_members) if entry.archive_members and number == 0 else None
        failures = []
        for url in remote.urls:
            try:
                pooch.retrieve(url, known_hash=f"md5:{remote.md5}", fname=remote.filename,
                               path=folder, processor=processor, progressbar=progressbar)
                break
            except DataFormatError:
                raise
            except Exception as err:  # noqa: BLE001 (network and HTTP errors, md5 mismatch: try the next URL)
                failures.append(f"  {url}: {err}")
        else:
            raise DownloadError(
                f"could not download {remote.filename} for {entry.name} with md5 {remote.md5}:\n"
                + "\n".join(failures)
                + f"\nCheck the network (or a proxy), then run `{entry.fix_command()}` again; "
                f"or place the file in {folder} yourself.")
    return folder


@dataclass(frozen=True)
class DownloadResult:
    """One data set of `course data download`: where it went, and why it failed (None: ok)."""
    name: str
    folder: Path
    error: str | None = None

    @property
    def ok(self) -> bool:
        return self.error is None

    def line(self) -> str:
        return (f"{self.name}: ok, every file matches its published md5" if self.ok
                else f"{self.name}: FAILED: {self.error}")


def download_sets(names, root=None, progressbar=False, on_start=None) -> list[DownloadResult]:
    """`course data download NAME...|all`: download and verify each named set in turn; a
    failure is recorded and the next set still tried. on_start(name, entry, folder), if
    given, is called before each download (they take minutes: the CLI says which runs).

    Raises DatasetError before any download when no name or an unknown one is given.
    """
    if not names:
        raise DatasetError("name the data sets to download: "
                           f"{', '.join(REGISTRY)} or all (e.g. `course data download mnist`)")
    wanted = list(REGISTRY) if "all" in names else list(dict.fromkeys(names))
    for name in wanted:
        get_entry(name)  # unknown names fail before any download starts
    results = []
    for name in wanted:
        folder = REGISTRY[name].folder(root)
        if on_start is not None:
            on_start(name, REGISTRY[name], folder)
        try:
            download(name, root=root, progressbar=progressbar)
        except DatasetError as err:
            results.append(DownloadResult(name, folder, str(err)))
        else:
            results.append(DownloadResult(name, folder))
    return results


@dataclass(frozen=True)
class SetState:
    """One row of `course data list`. state: 'embedded', 'present', 'missing', 'WRONG SIZE'
    or 'incomplete'; problems: each file that is not present -> its state."""
    name: str
    title: str
    state: str
    problems: dict = field(default_factory=dict)
    fix: str = ""
    source: str = ""
    terms: str = ""

    def lines(self) -> list[str]:
        if self.state == "embedded":
            return [f"  {self.name:8s} embedded      no download needed"]
        lines = [f"  {self.name:8s} {self.state:13s} {self.title}"]
        lines += [f"             {filename}: {problem}" for filename, problem in self.problems.items()]
        if self.state != "present":
            lines.append(f"             get it: {self.fix}")
        return lines + [f"             source: {self.source}; terms: {self.terms}"]


@dataclass(frozen=True)
class Listing:
    """`course data list`: the data folder and every data set's state, read without
    writing (by name and size; `course data verify` re-hashes)."""
    folder: Path
    sets: list

    def lines(self) -> list[str]:
        head = f"data folder: {self.folder}  (set COURSE_DATA or --root to change it)"
        return [head, *(line for row in self.sets for line in row.lines())]


def list_sets(root=None) -> Listing:
    """Every data set, embedded ones first, and whether its files are there."""
    rows = [SetState(name, name, "embedded") for name in EMBEDDED]
    for name, entry in REGISTRY.items():
        states = file_states(name, root)
        values = set(states.values())
        state = ("present" if values == {"present"} else "missing" if values == {"missing"}
                 else "WRONG SIZE" if "wrong size" in values else "incomplete")
        problems = {} if state == "missing" else {f: s for f, s in states.items() if s != "present"}
        rows.append(SetState(name, entry.title, state, problems, entry.fix_command(),
                             entry.source, entry.terms))
    return Listing(data_root(root), rows)
