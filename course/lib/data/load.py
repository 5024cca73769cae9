"""One way in: load_dataset, for the embedded and the full sets alike."""
from __future__ import annotations

import numpy as np

from .check import check_files
from .embedded import EMBEDDED
from .registry import get_entry


def load_full_dataset(name, root=None, dtype=np.float32):
    """Check and parse a full data set (cifar10, mnist, svhn, or a DatasetEntry).

    dtype: the images' dtype. float32 (the default) halves the memory of float64:
        CIFAR-10 is 737 MB (and the classic preprocessing another 737 MB), MNIST
        220 MB, SVHN 1.2 GB; each split is converted from the stored uint8 alone.
    Returns a Dataset with X_* dtype (N, C, H, W) in 0..255, y_* int64 (N,).
    """
    entry = get_entry(name)
    folder = check_files(entry, root)
    return entry.parse(folder, entry, np.dtype(dtype))


def load_dataset(name, root=None, **kwargs):
    """Load a data set by name: 'digits', 'mnist10k', 'spiral' (embedded, float64), or
    'cifar10', 'mnist', 'svhn' (downloaded with `course data download NAME`, float32).

    root: the data folder for downloaded sets (default: $COURSE_DATA, else the
        checkout's datasets/, else ~/.course/datasets).
    kwargs go to an embedded set's loader (e.g. num_classes for spiral); a full
        set takes only dtype (see load_full_dataset).
    Returns a Dataset. A full set that is missing, truncated or not extracted
    raises a DatasetError naming the command that fixes it.
    """
    if isinstance(name, str) and name in EMBEDDED:
        return EMBEDDED[name](**kwargs)
    entry = get_entry(name)
    unknown = sorted(set(kwargs) - {"dtype"})
    if unknown:
        raise TypeError(f"load_dataset({entry.name!r}) takes only dtype=, got {unknown}")
    return load_full_dataset(entry, root, **kwargs)
