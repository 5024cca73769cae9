"""The fixed splits of the embedded image sets, stored as row indices.

digits and mnist10k are split stratified by class with seed 0 by scikit-learn's
train_test_split (stratified_indices). The resulting row indices are stored in
splits.npz beside this module, so loading either set never imports scikit-learn
(about 1.5 s of CPU, in every kernel and every grading process that loads one)
and the split cannot move with a scikit-learn release. tests/test_data.py checks
that the stored indices are what train_test_split gives; after a deliberate
change, regenerate them:

    .venv/bin/python scripts/update_splits.py
"""
from __future__ import annotations

from pathlib import Path

import numpy as np

SPLITS_FILE = Path(__file__).resolve().parent / "splits.npz"
# name -> (test_size, val_size) as train_test_split takes them (a count or a fraction)
STORED = {"digits": (0.2, 0.25), "mnist10k": (1000, 1000)}
PARTS = ("train", "val", "test")


def stratified_indices(y, seed=0, test_size=0.2, val_size=0.25) -> dict[str, np.ndarray]:
    """Row indices of a stratified three-way split, by scikit-learn's train_test_split.

    y: (N,) labels. test_size: the test rows, a count or a fraction of N; val_size:
    the validation rows, a count or a fraction of the rows left after the test split
    (the defaults: 60% train, 20% val, 20% test). Returns {'train', 'val', 'test'}
    -> int64 index arrays, together a permutation of range(N).
    """
    from sklearn.model_selection import train_test_split

    rows = np.arange(len(y))
    rest, test = train_test_split(rows, test_size=test_size, stratify=y, random_state=seed)
    train, val = train_test_split(rest, test_size=val_size, stratify=y[rest], random_state=seed)
    return {"train": train, "val": val, "test": test}


def stored_indices(name: str) -> dict[str, np.ndarray]:
    """The stored split of digits or mnist10k: {'train', 'val', 'test'} -> int64 indices."""
    with np.load(SPLITS_FILE) as stored:
        return {part: stored[f"{name}_{part}"].astype(np.int64) for part in PARTS}


def write_stored_splits(labels: dict[str, np.ndarray], path=SPLITS_FILE) -> Path:
    """Store stratified_indices(y, seed 0, STORED's sizes) of each name's labels (N,)."""
    arrays = {}
    for name, y in labels.items():
        test_size, val_size = STORED[name]
        for part, rows in stratified_indices(y, 0, test_size, val_size).items():
            arrays[f"{name}_{part}"] = rows.astype(np.int16)  # N <= 10,000
    np.savez_compressed(path, **arrays)
    return Path(path)

