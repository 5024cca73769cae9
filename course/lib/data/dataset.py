"""The Dataset every loader returns, and the ways the course splits a set."""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np


@dataclass
class Dataset:
    """A data set split three ways.

    X_*: (N, C, H, W) images at the published scale 0..pixel_max, or (N, D) points
        for synthetic sets; float64 for the embedded sets, float32 for the full
        downloaded sets (cifar10, mnist, svhn) unless loaded with dtype=.
    y_*: int64 (N,) labels in 0 .. len(class_names) - 1.
    """

    name: str
    X_train: np.ndarray
    y_train: np.ndarray
    X_val: np.ndarray
    y_val: np.ndarray
    X_test: np.ndarray
    y_test: np.ndarray
    class_names: list = field(default_factory=list)
    pixel_max: float = 255.0  # the published scale's top value (digits: 16)
    mean_image: np.ndarray | None = None  # (C, H, W), set when it has been subtracted

    @property
    def num_classes(self) -> int:
        return len(self.class_names)

    def __repr__(self):
        return (f"Dataset({self.name!r}: train {self.X_train.shape}, val {self.X_val.shape}, "
                f"test {self.X_test.shape}, {self.num_classes} classes)")


def split_rows(X, y, name, class_names, indices, pixel_max=255.0) -> Dataset:
    """X: (N, ...), y: (N,) split by row indices {'train', 'val', 'test'} -> (n_part,)
    into a Dataset (copies, in the order of the indices)."""
    parts = [array[indices[part]] for part in ("train", "val", "test") for array in (X, y)]
    return Dataset(name, *parts, list(class_names), pixel_max)


def stratified_split(X, y, name, class_names, seed=0, pixel_max=255.0, test_size=0.2,
                     val_size=0.25):
    """A split stratified by class, computed by scikit-learn (splits.stratified_indices).

    X: (N, ...), y: (N,). test_size: the test rows, a count or a fraction of N;
    val_size: the validation rows, a count or a fraction of the rows left after the
    test split. The defaults make 60% train, 20% val, 20% test. Returns a Dataset.
    (digits and mnist10k load their stored seed-0 split instead: splits.py.)
    """
    from .splits import stratified_indices

    return split_rows(X, y, name, class_names, stratified_indices(y, seed, test_size, val_size),
                      pixel_max)


def split_last(X, y, val_size):
    """The full sets' published split: training rows X (N, ...), y (N,) ->
    (X_train, y_train, X_val, y_val), views, the last val_size rows (an int count,
    or a float fraction of N) becoming validation."""
    num = X.shape[0]
    num_val = int(round(val_size * num)) if isinstance(val_size, float) else int(val_size)
    if not 0 < num_val < num:
        raise ValueError(f"validation size {val_size!r} leaves no rows to train or validate on "
                         f"({num} rows)")
    cut = num - num_val
    return X[:cut], y[:cut], X[cut:], y[cut:]
