"""What is in the data folder, read without writing anything.

Loading trusts what the download verified: pooch checks each file's md5 where
its bytes arrive and only then moves it into place (fetch.py). So a load only
checks that every file is there with its published size and that a tarball's
members were extracted (check_files); `course data list` and `course doctor`
show the same cheap states (file_states). A full re-hash, which also catches a
same-size corruption, is `course data verify` (verify).
"""
from __future__ import annotations

from pathlib import Path

from .checksums import file_md5
from .embedded import MNIST10K_DIR, MNIST10K_MD5
from .errors import DatasetMissingError, FileSizeError
from .registry import REGISTRY, get_entry

MNIST10K = "mnist10k"


def file_states(name, root=None) -> dict:
    """Each file of a full data set -> 'present' (the published size), 'missing' or
    'wrong size'; a tarball's members that are not extracted -> 'not extracted'."""
    entry = get_entry(name)
    folder = entry.folder(root)
    states = {}
    for remote in entry.files:
        path = folder / remote.filename
        states[remote.filename] = ("missing" if not path.is_file() else
                                   "present" if path.stat().st_size == remote.size else
                                   "wrong size")
    if states.get(entry.files[0].filename) == "present":
        for member in entry.archive_members:
            if not (folder / member).is_file():
                states[member] = "not extracted"
    return states


def check_files(name, root=None) -> Path:
    """Before a load: every file of a full data set present with its published size,
    and a tarball's members extracted. Returns the set's folder.

    Raises DatasetMissingError or FileSizeError, whose messages name the file and
    the command that fixes it.
    """
    entry = get_entry(name)
    folder = entry.folder(root)
    missing = [r.filename for r in entry.files if not (folder / r.filename).is_file()]
    if missing:
        raise DatasetMissingError(
            f"the {entry.name} data set is not downloaded: {', '.join(missing)} missing "
            f"from {folder}.\nRun `{entry.fix_command()}` (or datasets/get_datasets.sh "
            f"{entry.name}); to use another folder, set COURSE_DATA or pass root=.")
    for remote in entry.files:
        path = folder / remote.filename
        size = path.stat().st_size
        if size != remote.size:
            raise FileSizeError(
                f"{path} is truncated or not the published file: {size:,} bytes, "
                f"expected {remote.size:,}.\nRun `{entry.fix_command()}` to replace it.",
                path, remote.size, size)
    unextracted = [m for m in entry.archive_members if not (folder / m).is_file()]
    if unextracted:
        raise DatasetMissingError(
            f"{folder / entry.files[0].filename} is not extracted ({', '.join(unextracted)} "
            f"missing).\nRun `{entry.fix_command()}`: it verifies the archive and extracts "
            "it, without downloading it again.")
    return folder


def _published(name, root):
    """name -> [(path, md5)] of its published files: a full set's in the data folder,
    or mnist10k's inside the package."""
    if name == MNIST10K:
        return [(MNIST10K_DIR / filename, md5) for filename, md5 in MNIST10K_MD5.items()]
    entry = get_entry(name)
    return [(entry.folder(root) / remote.filename, remote.md5) for remote in entry.files]


def verify(names=(), root=None) -> dict:
    """`course data verify [NAME...]`: re-hash every file of the named sets (default:
    mnist10k and every full set with a file present).

    Returns {name: {filename: 'valid' | 'corrupt' | 'missing'}}; writes nothing.
    """
    names = list(dict.fromkeys(names)) or [MNIST10K] + [
        name for name in REGISTRY if set(file_states(name, root).values()) != {"missing"}]
    for name in names:
        if name != MNIST10K:
            get_entry(name)  # unknown names fail before any hashing starts
    results = {}
    for name in names:
        results[name if name == MNIST10K else get_entry(name).name] = {
            path.name: ("missing" if not path.is_file() else
                        "valid" if file_md5(path) == md5 else "corrupt")
            for path, md5 in _published(name, root)}
    return results
