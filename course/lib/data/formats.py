"""Readers and parsers of the full sets' published formats: CIFAR-10 python pickles
(in a tarball), MNIST gzip-compressed IDX files, SVHN MATLAB .mat files.

A parser is (folder, entry) -> Dataset with X_* float64 (N, C, H, W) in 0..255 and
y_* int64 (N,); a file that does not parse raises DataFormatError.
"""
from __future__ import annotations

import gzip
import pickle
import struct
from pathlib import Path

import numpy as np

from .dataset import Dataset, _split_last
from .errors import DataFormatError
from .stamps import _read_stamps, _write_stamps


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
    """One CIFAR-10 batch file -> X float64 (N, 3, 32, 32) in 0..255, y int64 (N,)."""
    batch = _unpickle(path)
    data = np.asarray(batch["data"], dtype=np.uint8)
    if data.ndim != 2 or data.shape[1] != 3 * 32 * 32:
        raise DataFormatError(f"{path}: 'data' has shape {data.shape}, expected (N, 3072)")
    X = data.reshape(-1, 3, 32, 32).astype(np.float64)  # (N, 3072) -> (N, 3, 32, 32)
    y = np.asarray(batch["labels"], dtype=np.int64)
    if y.shape != (X.shape[0],):
        raise DataFormatError(f"{path}: {y.shape[0]} labels for {X.shape[0]} images")
    return X, y


def _extract_archive(entry, folder):
    """Extract entry.archive_members from its tarball (once; a stamp records success)."""
    import pooch

    if not entry.archive_members:
        return
    archive = folder / entry.files[0].filename
    stamps = _read_stamps(folder)
    done = stamps.get("extracted") == entry.files[0].md5 and all(
        (folder / member).is_file() for member in entry.archive_members)
    if done:
        return
    # "update" makes pooch extract again even when (partly written) members exist.
    untar = pooch.Untar(members=list(entry.archive_members), extract_dir=".")
    logger = pooch.get_logger()
    level = logger.level
    logger.setLevel("WARNING")  # not one line per member
    try:
        untar(str(archive), "update", None)
    finally:
        logger.setLevel(level)
    stamps = _read_stamps(folder)
    stamps["extracted"] = entry.files[0].md5
    _write_stamps(folder, stamps)


def parse_cifar10(folder, entry):
    """CIFAR-10 from its tarball in folder: 49,000 / 1,000 train / val from the five
    training batches (the last rows validate), and the 10,000 test images."""
    folder = Path(folder)
    _extract_archive(entry, folder)
    batches = folder / CIFAR10_DIR
    meta = _unpickle(batches / "batches.meta")
    parts = [read_cifar10_batch(batches / name) for name in CIFAR10_TRAIN_BATCHES]
    X = np.concatenate([X for X, _ in parts])  # 5 x (10000, 3, 32, 32) -> (50000, 3, 32, 32)
    y = np.concatenate([y for _, y in parts])
    X_test, y_test = read_cifar10_batch(batches / "test_batch")
    X_train, y_train, X_val, y_val = _split_last(X, y, entry.val_size)
    return Dataset(entry.name, X_train, y_train, X_val, y_val, X_test, y_test,
                   list(meta["label_names"]), 255.0)


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
    """An MNIST image/label file pair -> X float64 (N, 1, 28, 28) in 0..255, y int64 (N,)."""
    images = read_idx(images_path, IDX_IMAGES_MAGIC)  # (N, 28, 28)
    labels = read_idx(labels_path, IDX_LABELS_MAGIC)  # (N,)
    if images.shape[0] != labels.shape[0]:
        raise DataFormatError(f"{images_path} holds {images.shape[0]} images, "
                              f"{labels_path} {labels.shape[0]} labels")
    return images[:, None, :, :].astype(np.float64), labels.astype(np.int64)  # -> (N, 1, 28, 28)


def parse_mnist(folder, entry):
    """MNIST from its four IDX files in folder: 55,000 / 5,000 train / val (the last
    training rows validate) and the 10,000 test images."""
    folder = Path(folder)
    X, y = read_mnist(folder / MNIST_FILES["train_images"], folder / MNIST_FILES["train_labels"])
    X_test, y_test = read_mnist(folder / MNIST_FILES["test_images"], folder / MNIST_FILES["test_labels"])
    X_train, y_train, X_val, y_val = _split_last(X, y, entry.val_size)
    return Dataset(entry.name, X_train, y_train, X_val, y_val, X_test, y_test,
                   [str(k) for k in range(10)], 255.0)


# SVHN, cropped digits: MATLAB .mat files with X (32, 32, 3, N) uint8 and
# y (N, 1), where label 10 stands for the digit 0.

SVHN_FILES = {"train": "train_32x32.mat", "test": "test_32x32.mat"}


def read_svhn(path):
    """One SVHN .mat file -> X float64 (N, 3, 32, 32) in 0..255, y int64 (N,) in 0..9."""
    import scipy.io

    try:
        mat = scipy.io.loadmat(path)
    except Exception as err:  # scipy raises several types for a damaged file
        raise DataFormatError(f"{path} is not a readable .mat file ({err})") from err
    if "X" not in mat or "y" not in mat or mat["X"].ndim != 4 or mat["X"].shape[2] != 3:
        raise DataFormatError(f"{path}: expected X (32, 32, 3, N) and y (N, 1)")
    X = mat["X"].transpose(3, 2, 0, 1).astype(np.float64)  # (H, W, C, N) -> (N, C, H, W)
    y = mat["y"].reshape(-1).astype(np.int64)
    y[y == 10] = 0
    if y.shape[0] != X.shape[0]:
        raise DataFormatError(f"{path}: {y.shape[0]} labels for {X.shape[0]} images")
    return X, y


def parse_svhn(folder, entry):
    """SVHN from its two .mat files: the last 10% of the training file validates."""
    folder = Path(folder)
    X, y = read_svhn(folder / SVHN_FILES["train"])
    X_test, y_test = read_svhn(folder / SVHN_FILES["test"])
    X_train, y_train, X_val, y_val = _split_last(X, y, entry.val_size)
    return Dataset(entry.name, X_train, y_train, X_val, y_val, X_test, y_test,
                   [str(k) for k in range(10)], 255.0)
