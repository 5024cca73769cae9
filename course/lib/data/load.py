"""One way in: load_dataset, for the embedded and the full sets alike."""
from __future__ import annotations

from .fetch import verify_dataset
from .embedded import EMBEDDED
from .registry import get_entry


def load_full_dataset(name, root=None):
    """Verify and parse a full data set (cifar10, mnist, svhn, or a DatasetEntry).

    Returns a Dataset with X_* float64 (N, C, H, W) in 0..255, y_* int64 (N,).
    """
    entry = get_entry(name)
    folder = verify_dataset(entry, root)
    return entry.parse(folder, entry)


def load_dataset(name, root=None, **kwargs):
    """Load a data set by name: 'digits', 'spiral' (embedded), or 'cifar10',
    'mnist', 'svhn' (downloaded with `course data download NAME`).

    root: the data folder for downloaded sets (default: $COURSE_DATA, else the
        checkout's datasets/, else ~/.course/datasets).
    kwargs go to an embedded set's loader (e.g. num_classes for spiral).
    Returns a Dataset. A full set that is missing or corrupt raises a
    DatasetError naming the command that fixes it.
    """
    if isinstance(name, str) and name in EMBEDDED:
        return EMBEDDED[name](**kwargs)
    entry = get_entry(name)
    if kwargs:
        raise TypeError(f"load_dataset({entry.name!r}) takes no options, got {sorted(kwargs)}")
    return load_full_dataset(entry, root)
