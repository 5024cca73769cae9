"""md5 checks of whole files: the one place a data file is hashed after its download."""
from __future__ import annotations

import hashlib
from pathlib import Path

from .errors import ChecksumError


def file_md5(path) -> str:
    """The md5 hex digest of the file at path, read in 1 MiB blocks."""
    digest = hashlib.md5()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def verify_file(path, md5, fix) -> None:
    """Raise ChecksumError, naming path, both md5s and `fix` (what to do), unless the
    file's md5 is md5."""
    actual = file_md5(path)
    if actual != md5:
        raise ChecksumError(
            f"{path} is corrupt or modified ({Path(path).stat().st_size:,} bytes): "
            f"md5 {actual}, expected {md5}.\n{fix}", path, md5, actual)
