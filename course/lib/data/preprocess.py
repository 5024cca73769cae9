"""Preprocessing helpers shared by the notebooks, and the classic assignments' recipe."""
from __future__ import annotations

import numpy as np

from .dataset import Dataset
from .load import load_dataset


def to_rows(X):
    """Flatten images to rows: X (N, C, H, W) -> (N, C * H * W)."""
    return X.reshape(X.shape[0], -1)


def scale_to_unit_interval(X, max_value):
    """Map pixels in [0, max_value] to [-1, 1] (max_value: a Dataset's pixel_max).

    X any shape -> same shape."""
    return 2.0 * (X / max_value) - 1.0


def one_hot(y, num_classes):
    """y int (N,) -> float64 (N, num_classes) with a single 1 per row."""
    out = np.zeros((y.shape[0], num_classes))
    out[np.arange(y.shape[0]), y] = 1.0
    return out


def plus_minus_one_targets(y, num_classes):
    """Targets for hinge losses: y int (N,) -> float64 (N, num_classes) of +1 / -1."""
    return 2.0 * one_hot(y, num_classes) - 1.0


def classic_preprocess(ds, num_training=None, num_validation=None, num_test=None):
    """The classic assignments' recipe: the first num_* rows of each split, the mean
    training image subtracted from every split, images flattened to rows.

    ds: a Dataset with X_* (N, C, H, W). num_*: rows kept (None: all).
    Returns a Dataset with X_* (n, C * H * W) and mean_image (C, H, W), both of the
    images' dtype (the mean is summed in float64), so float32 CIFAR-10 stays float32.
    """
    sizes = {"train": (ds.X_train, num_training), "val": (ds.X_val, num_validation),
             "test": (ds.X_test, num_test)}
    for split, (X, num) in sizes.items():
        if num is not None and num > X.shape[0]:
            raise ValueError(f"{ds.name} has {X.shape[0]} {split} rows, {num} were asked for")
    X_train, X_val, X_test = (X[:num] for X, num in sizes.values())
    mean_image = X_train.mean(axis=0, dtype=np.float64).astype(X_train.dtype)  # (N, C, H, W) -> (C, H, W)
    return Dataset(f"{ds.name}-classic",
                   to_rows(X_train - mean_image), ds.y_train[:num_training],
                   to_rows(X_val - mean_image), ds.y_val[:num_validation],
                   to_rows(X_test - mean_image), ds.y_test[:num_test],
                   list(ds.class_names), ds.pixel_max, mean_image)


def cifar10_classic(ds=None, root=None, num_training=49000, num_validation=1000, num_test=1000):
    """CIFAR-10 as in REFERENCE.md: 49,000 / 1,000 / 1,000 rows of 3,072, mean image
    subtracted (the test rows are the first 1,000 of the test batch).

    ds: a loaded CIFAR-10 Dataset, or None to load it from root (float32).
    Returns a Dataset with X_* (n, 3072) of ds's dtype and mean_image (3, 32, 32).
    Peak memory from files to result, float32: about 1.5 GB (tests/test_data.py).
    """
    if ds is None:
        ds = load_dataset("cifar10", root=root)
    return classic_preprocess(ds, num_training, num_validation, num_test)
