"""Getting the full sets: verified downloads, checks of the files in the data folder,
and the functions behind `course data download` and `course data list`."""
from __future__ import annotations

import sys
from pathlib import Path

from .embedded import EMBEDDED
from .errors import ChecksumError, DatasetError, DatasetMissingError, DownloadError
from .formats import _extract_archive
from .registry import REGISTRY, data_root, get_entry
from .stamps import _file_md5, _read_stamps, _stamp, _write_stamps


def file_states(name, root=None):
    """Each file of a full data set -> 'valid', 'missing' or 'corrupt' (md5 differs)."""
    entry = get_entry(name)
    folder = entry.folder(root)
    stamps = _read_stamps(folder)
    states = {}
    for remote in entry.files:
        path = folder / remote.filename
        if not path.is_file():
            states[remote.filename] = "missing"
        else:
            ok = _file_md5(path, remote.md5, stamps) == remote.md5
            states[remote.filename] = "valid" if ok else "corrupt"
    if folder.is_dir():
        _write_stamps(folder, stamps)
    return states


def verify_dataset(name, root=None) -> Path:
    """Check that every file of a full data set is present with its published md5.

    Returns the set's folder. Raises DatasetMissingError or ChecksumError, whose
    messages name the file and the command that fixes it.
    """
    entry = get_entry(name)
    folder = entry.folder(root)
    missing = [r.filename for r in entry.files if not (folder / r.filename).is_file()]
    if missing:
        raise DatasetMissingError(
            f"the {entry.name} data set is not downloaded: {', '.join(missing)} missing "
            f"from {folder}.\nRun `{entry.fix_command()}` (or datasets/get_datasets.sh "
            f"{entry.name}); to use another folder, set COURSE_DATA or pass root=.")
    stamps = _read_stamps(folder)
    try:
        for remote in entry.files:
            path = folder / remote.filename
            actual = _file_md5(path, remote.md5, stamps)
            if actual != remote.md5:
                raise ChecksumError(
                    f"{path} is corrupt or truncated ({path.stat().st_size:,} bytes): "
                    f"md5 {actual}, expected {remote.md5}.\n"
                    f"Run `{entry.fix_command()}` to replace it.",
                    path, remote.md5, actual)
    finally:
        _write_stamps(folder, stamps)
    return folder


def download(name, root=None, progressbar=False) -> Path:
    """Download a full data set's files that are missing or corrupt, verified.

    Each file is tried from its URLs in order; pooch writes it to a temporary
    file, checks the md5 and only then moves it into place. A file already
    present with the right md5 is not downloaded again. Returns the folder.
    Raises DownloadError when no URL delivers a file with the right md5.
    """
    import pooch

    entry = get_entry(name)
    folder = entry.folder(root)
    folder.mkdir(parents=True, exist_ok=True)
    for remote in entry.files:
        path = folder / remote.filename
        stamps = _read_stamps(folder)
        if path.is_file() and stamps.get(remote.filename) == _stamp(path, remote.md5):
            continue  # verified before and unchanged since: no request at all
        failures = []
        for url in remote.urls:
            try:
                pooch.retrieve(url, known_hash=f"md5:{remote.md5}", fname=remote.filename,
                               path=folder, progressbar=progressbar)
                break
            except Exception as err:  # network errors, HTTP errors, checksum mismatch
                failures.append(f"  {url}: {err}")
        else:
            raise DownloadError(
                f"could not download {remote.filename} for {entry.name} with md5 {remote.md5}:\n"
                + "\n".join(failures)
                + f"\nCheck the network (or a proxy), then run `{entry.fix_command()}` again; "
                f"or place the file in {folder} yourself.")
        stamps[remote.filename] = _stamp(path, remote.md5)  # pooch has just verified it
        _write_stamps(folder, stamps)
    _extract_archive(entry, folder)
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
            verify_dataset(name, root)
        except DatasetError as err:
            print(f"{name}: FAILED: {err}", file=sys.stderr, flush=True)
            failed.append(name)
        else:
            print(f"{name}: ok, every file matches its published md5", flush=True)
    if failed:
        print(f"not downloaded: {', '.join(failed)}", file=sys.stderr)
    return 1 if failed else 0


def print_registry(root=None) -> int:
    """`course data list`: every data set, where it lives and whether it is there."""
    print(f"data folder: {data_root(root)}  (set COURSE_DATA or --root to change it)")
    for name in EMBEDDED:
        print(f"  {name:8s} embedded      no download needed")
    for name, entry in REGISTRY.items():
        states = file_states(name, root)
        values = set(states.values())
        state = ("present" if values == {"valid"} else "CORRUPT" if "corrupt" in values
                 else "missing" if values == {"missing"} else "incomplete")
        print(f"  {name:8s} {state:13s} {entry.title}")
        for filename, file_state in states.items():
            if file_state != "valid" and state != "missing":
                print(f"             {filename}: {file_state}")
        if state != "present":
            print(f"             get it: {entry.fix_command()}")
        print(f"             source: {entry.source}; terms: {entry.terms}")
    return 0
