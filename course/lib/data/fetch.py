"""Getting the full sets: verified downloads, archives extracted after their download,
and the functions behind `course data download` and `course data list`.

The only module that writes into the data folder, and only when asked to download.
"""
from __future__ import annotations

import os
import shutil
import sys
import tarfile
import tempfile
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


def download_command(names, root=None) -> int:
    """`course data download NAME...|all`: download and verify; 0 when all succeeded."""
    if not names:
        raise DatasetError("name the data sets to download: "
                           f"{', '.join(REGISTRY)} or all (e.g. `course data download mnist`)")
    wanted = list(REGISTRY) if "all" in names else list(dict.fromkeys(names))
    for name in wanted:
        get_entry(name)  # unknown names fail before any download starts
    failed = []
    for name in wanted:
        entry = REGISTRY[name]
        print(f"{name}: {entry.title} -> {entry.folder(root)}", flush=True)
        try:
            download(name, root=root, progressbar=sys.stderr.isatty())
        except DatasetError as err:
            print(f"{name}: FAILED: {err}", file=sys.stderr, flush=True)
            failed.append(name)
        else:
            print(f"{name}: ok, every file matches its published md5", flush=True)
    if failed:
        print(f"not downloaded: {', '.join(failed)}", file=sys.stderr)
    return 1 if failed else 0


def print_registry(root=None) -> int:
    """`course data list`: every data set, where it lives and whether it is there
    (by name and size; `course data verify` re-hashes)."""
    print(f"data folder: {data_root(root)}  (set COURSE_DATA or --root to change it)")
    for name in EMBEDDED:
        print(f"  {name:8s} embedded      no download needed")
    for name, entry in REGISTRY.items():
        states = file_states(name, root)
        values = set(states.values())
        state = ("present" if values == {"present"} else "missing" if values == {"missing"}
                 else "WRONG SIZE" if "wrong size" in values else "incomplete")
        print(f"  {name:8s} {state:13s} {entry.title}")
        for filename, file_state in states.items():
            if file_state != "present" and state != "missing":
                print(f"             {filename}: {file_state}")
        if state != "present":
            print(f"             get it: {entry.fix_command()}")
        print(f"             source: {entry.source}; terms: {entry.terms}")
    return 0
