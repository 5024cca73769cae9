"""Readers and parsers of the full sets' published formats: CIFAR-10 python pickles
(extracted from their tarball when downloaded), MNIST gzip-compressed IDX files,
SVHN MATLAB .mat files.

A reader returns what the file stores: images uint8 (N, C, H, W), labels int64 (N,).
A parser is (folder, entry, dtype) -> Dataset: it splits the uint8 images first and
converts each split to dtype (float32 for the full sets by default, see load.py), so
no float copy of the whole set ever exists beside the splits. A file that does not
parse raises DataFormatError.
"""
from __future__ import annotations

import gzip
import pickle
import struct
from pathlib import Path

import numpy as np

from .dataset import Dataset, split_last
from .errors import DataFormatError


def to_dataset(name, splits, class_names, dtype):
    """uint8 splits (X_train, y_train, X_val, y_val, X_test, y_test) -> a Dataset whose
    images are dtype at the 0..255 scale, converted one split at a time."""
    X_train, y_train, X_val, y_val, X_test, y_test = splits
    return Dataset(name, X_train.astype(dtype, order="C"), y_train,
                   X_val.astype(dtype, order="C"), y_val,
                   X_test.astype(dtype, order="C"), y_test, list(class_names), 255.0)


# CIFAR-10: python pickles, one dict per batch ('data' (10000, 3072) uint8, rows of
# 1,024 red, 1,024 green, 1,024 blue values; 'labels' a list of ints).

CIFAR10_DIR = "cifar-10-batches-py"
CIFAR10_TRAIN_BATCHES = tuple(f"data_batch_{k}" for k in range(1, 6))
CIFAR10_MEMBERS = tuple(f"{CIFAR10_DIR}/{member}" for member in
                        ("batches.meta",) + CIFAR10_TRAIN_BATCHES + ("test_batch",))


def _unpickle(path):
    try:
        with open(path, "rb") as handle:
            return pickle.load(handle, encoding="latin1")
    except (pickle.UnpicklingError, EOFError, ValueError) as err:
        raise DataFormatError(f"{path} is not a readable CIFAR-10 pickle ({err}); "
                              f"delete {Path(path).parent} and run `course data download cifar10`"
                              ) from err


def read_cifar10_batch(path):
    """One CIFAR-10 batch file -> X uint8 (N, 3, 32, 32), y int64 (N,)."""
    batch = _unpickle(path)
    data = np.asarray(batch["data"], dtype=np.uint8)
    if data.ndim != 2 or data.shape[1] != 3 * 32 * 32:
        raise DataFormatError(f"{path}: 'data' has shape {data.shape}, expected (N, 3072)")
    X = data.reshape(-1, 3, 32, 32)  # (N, 3072) -> (N, 3, 32, 32)
    y = np.asarray(batch["labels"], dtype=np.int64)
    if y.shape != (X.shape[0],):
        raise DataFormatError(f"{path}: {y.shape[0]} labels for {X.shape[0]} images")
    return X, y


def parse_cifar10(folder, entry, dtype=np.float32):
    """CIFAR-10 from its extracted batches in folder: 49,000 / 1,000 train / val from
    the five training batches (the last rows validate), and the 10,000 test images."""
    batches = Path(folder) / CIFAR10_DIR
    meta = _unpickle(batches / "batches.meta")
    parts = [read_cifar10_batch(batches / name) for name in CIFAR10_TRAIN_BATCHES]
    X = np.concatenate([X for X, _ in parts])  # 5 x (10000, 3, 32, 32) -> (50000, 3, 32, 32)
    y = np.concatenate([y for _, y in parts])
    del parts
    X_test, y_test = read_cifar10_batch(batches / "test_batch")
    return to_dataset(entry.name, (*split_last(X, y, entry.val_size), X_test, y_test),
                      meta["label_names"], dtype)


# MNIST: IDX files, gzip-compressed. Header: magic number (0, 0, type 0x08 for
# unsigned bytes, number of dimensions), then each dimension as a big-endian
# int32, then the values row-major. Images 2051 = 0x00000803, labels 2049 = 0x00000801.

MNIST_FILES = {
    "train_images": "train-images-idx3-ubyte.gz",
    "train_labels": "train-labels-idx1-ubyte.gz",
    "test_images": "t10k-images-idx3-ubyte.gz",
    "test_labels": "t10k-labels-idx1-ubyte.gz",
}
IDX_IMAGES_MAGIC, IDX_LABELS_MAGIC = 2051, 2049


def read_idx(path, magic):
    """A gzip-compressed IDX file of unsigned bytes -> uint8 array of its dimensions.

    magic: the expected magic number (2051 images (N, 28, 28), 2049 labels (N,)).
    """
    try:
        with gzip.open(path, "rb") as handle:
            raw = handle.read()
    except (OSError, EOFError) as err:
        raise DataFormatError(f"{path} is not a readable gzip file ({err})") from err
    found = int.from_bytes(raw[:4], "big") if len(raw) >= 4 else None
    if found != magic:
        raise DataFormatError(f"{path}: IDX magic number {found}, expected {magic} "
                              "(is it the right file?)")
    ndim = raw[3]
    dims = struct.unpack(f">{ndim}I", raw[4:4 + 4 * ndim])
    offset = 4 + 4 * ndim
    if len(raw) - offset != int(np.prod(dims)):
        raise DataFormatError(f"{path}: header says {dims} = {int(np.prod(dims))} values, "
                              f"the file holds {len(raw) - offset}")
    return np.frombuffer(raw, dtype=np.uint8, offset=offset).reshape(dims)


def read_mnist(images_path, labels_path):
    """An MNIST image/label file pair -> X uint8 (N, 1, 28, 28), y int64 (N,)."""
    images = read_idx(images_path, IDX_IMAGES_MAGIC)  # (N, 28, 28)
    labels = read_idx(labels_path, IDX_LABELS_MAGIC)  # (N,)
    if images.shape[0] != labels.shape[0]:
        raise DataFormatError(f"{images_path} holds {images.shape[0]} images, "
                              f"{labels_path} {labels.shape[0]} labels")
    return images[:, None, :, :], labels.astype(np.int64)  # (N, 28, 28) -> (N, 1, 28, 28)


def parse_mnist(folder, entry, dtype=np.float32):
    """MNIST from its four IDX files in folder: 55,000 / 5,000 train / val (the last
    training rows validate) and the 10,000 test images."""
    folder = Path(folder)
    X, y = read_mnist(folder / MNIST_FILES["train_images"], folder / MNIST_FILES["train_labels"])
    X_test, y_test = read_mnist(folder / MNIST_FILES["test_images"], folder / MNIST_FILES["test_labels"])
    return to_dataset(entry.name, (*split_last(X, y, entry.val_size), X_test, y_test),
                      [str(k) for k in range(10)], dtype)


# SVHN, cropped digits: MATLAB .mat files with X (32, 32, 3, N) uint8 and
# y (N, 1), where label 10 stands for the digit 0.

SVHN_FILES = {"train": "train_32x32.mat", "test": "test_32x32.mat"}


def read_svhn(path):
    """One SVHN .mat file -> X uint8 (N, 3, 32, 32) (a transposed view of the stored
    (32, 32, 3, N): no copy), y int64 (N,) in 0..9."""
    import scipy.io

    try:
        mat = scipy.io.loadmat(path)
    except Exception as err:  # scipy raises several types for a damaged file
        raise DataFormatError(f"{path} is not a readable .mat file ({err})") from err
    if "X" not in mat or "y" not in mat or mat["X"].ndim != 4 or mat["X"].shape[2] != 3:
        raise DataFormatError(f"{path}: expected X (32, 32, 3, N) and y (N, 1)")
    X = mat["X"].transpose(3, 2, 0, 1)  # (H, W, C, N) -> (N, C, H, W)
    y = mat["y"].reshape(-1).astype(np.int64)
    y[y == 10] = 0
    if y.shape[0] != X.shape[0]:
        raise DataFormatError(f"{path}: {y.shape[0]} labels for {X.shape[0]} images")
    return X, y


def parse_svhn(folder, entry, dtype=np.float32):
    """SVHN from its two .mat files: the last 10% of the training file validates."""
    folder = Path(folder)
    X, y = read_svhn(folder / SVHN_FILES["train"])
    X_test, y_test = read_svhn(folder / SVHN_FILES["test"])
    return to_dataset(entry.name, (*split_last(X, y, entry.val_size), X_test, y_test),
                      [str(k) for k in range(10)], dtype)
