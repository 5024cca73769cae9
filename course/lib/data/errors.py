"""The errors of the data sets: each message names the file and the command that fixes it."""
from __future__ import annotations

from pathlib import Path

from course.errors import CourseError


class DatasetError(CourseError):
    """A full data set is missing, corrupt, unreadable or could not be downloaded."""


class UnknownDatasetError(DatasetError, ValueError):
    """No data set of that name (also a ValueError, as before the registry existed)."""


class DatasetMissingError(DatasetError):
    """Files of a full data set are not in the data folder."""


class CorruptFileError(DatasetError):
    """A file differs from the published one; path, and the expected and actual value."""

    def __init__(self, message, path, expected, actual):
        super().__init__(message)
        self.path, self.expected, self.actual = Path(path), expected, actual


class ChecksumError(CorruptFileError):
    """A file's md5 differs from the published one (corrupt or truncated)."""


class FileSizeError(CorruptFileError):
    """A file's size in bytes differs from the published one (truncated or replaced)."""


class DataFormatError(DatasetError):
    """A file that passed its checksum does not parse as the format it should have."""


class DownloadError(DatasetError):
    """No URL of a file delivered it with the published checksum."""
