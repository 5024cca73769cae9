"""The full data sets: one registry of files, URLs and published checksums, and the
data folder they live in.

Each set lives in <data folder>/<name>/, with its files under their published
names. Downloads go through pooch (fetch.py): to a temporary file, verified
against the md5 below, then moved into place; a valid file is never fetched
again and a corrupt one is replaced. Loading checks that every file is there
with its published size (check.py); `course data verify` re-hashes them.
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from .embedded import EMBEDDED
from .errors import UnknownDatasetError
from .formats import CIFAR10_MEMBERS, MNIST_FILES, parse_cifar10, parse_mnist, parse_svhn


@dataclass(frozen=True)
class RemoteFile:
    """One published file: its name on disk, its md5, its size in bytes and the URLs
    to try in order."""

    filename: str
    md5: str
    size: int
    urls: tuple


@dataclass(frozen=True)
class DatasetEntry:
    """A full data set in the registry.

    name: the key for load_dataset and `course data download`; also the
        subfolder of the data folder holding the files.
    files: the RemoteFiles to download and verify.
    parse: callable (folder, entry, dtype) -> Dataset, reading the real format
        (formats.py) and converting each split to dtype.
    val_size: how many rows at the end of the training files become the
        validation split: an int (a count) or a float (a fraction).
    archive_members: for a tarball (the first file), the members extracted next
        to it after its download.
    """

    name: str
    title: str
    files: tuple
    parse: object
    val_size: object
    source: str
    terms: str
    archive_members: tuple = ()

    def folder(self, root=None) -> Path:
        """Where this set's files live: <data folder>/<name>."""
        return data_root(root) / self.name

    def fix_command(self) -> str:
        return f"course data download {self.name}"


_MNIST_MIRRORS = ("https://ossci-datasets.s3.amazonaws.com/mnist/",
                  "http://yann.lecun.com/exdb/mnist/")


def _mnist_file(key, md5, size):
    filename = MNIST_FILES[key]
    return RemoteFile(filename, md5, size, tuple(mirror + filename for mirror in _MNIST_MIRRORS))


REGISTRY = {
    "cifar10": DatasetEntry(
        name="cifar10",
        title="CIFAR-10, 60,000 colour images 32x32 in 10 classes (about 170 MB)",
        files=(RemoteFile("cifar-10-python.tar.gz", "c58f30108f718f92721af3b95e74349a", 170498071,
                          ("https://www.cs.toronto.edu/~kriz/cifar-10-python.tar.gz",)),),
        parse=parse_cifar10,
        val_size=1000,
        archive_members=CIFAR10_MEMBERS,
        source="https://www.cs.toronto.edu/~kriz/cifar.html",
        terms="Krizhevsky, Learning Multiple Layers of Features from Tiny Images, 2009: "
              "cite the report when you use the data",
    ),
    "mnist": DatasetEntry(
        name="mnist",
        title="MNIST, 70,000 handwritten digits 28x28 (about 11 MB)",
        files=(_mnist_file("train_images", "f68b3c2dcbeaaa9fbdd348bbdeb94873", 9912422),
               _mnist_file("train_labels", "d53e105ee54ea40749a09fcbcd1e9432", 28881),
               _mnist_file("test_images", "9fb629c4189551a2d022fa330f9573f3", 1648877),
               _mnist_file("test_labels", "ec29112dd5afa0611ce80d1b7f02629c", 4542)),
        parse=parse_mnist,
        val_size=5000,
        source="http://yann.lecun.com/exdb/mnist/ (LeCun, Cortes, Burges)",
        terms="Creative Commons Attribution-Share Alike 3.0, as stated by its authors",
    ),
    "svhn": DatasetEntry(
        name="svhn",
        title="SVHN cropped digits, 99,289 colour images 32x32 (about 250 MB)",
        files=(RemoteFile("train_32x32.mat", "e26dedcc434d2e4c54c9b2d4a06d8373", 182040794,
                          ("http://ufldl.stanford.edu/housenumbers/train_32x32.mat",)),
               RemoteFile("test_32x32.mat", "eb5a983be6a315427106f1b164d9cef3", 64275384,
                          ("http://ufldl.stanford.edu/housenumbers/test_32x32.mat",))),
        parse=parse_svhn,
        val_size=0.1,
        source="http://ufldl.stanford.edu/housenumbers/ (Netzer et al., 2011)",
        terms="non-commercial use only; cite Netzer et al., Reading Digits in Natural "
              "Images with Unsupervised Feature Learning, NIPS workshop 2011",
    ),
}


def data_root(root=None) -> Path:
    """The data folder: root, else $COURSE_DATA, else datasets/ of the checkout the
    package is installed from (editable install), else ~/.course/datasets."""
    if root:
        return Path(root).expanduser()
    if os.environ.get("COURSE_DATA"):
        return Path(os.environ["COURSE_DATA"]).expanduser()
    checkout = Path(__file__).resolve().parents[3]
    if (checkout / "pyproject.toml").is_file() and (checkout / "course").is_dir():
        return checkout / "datasets"
    return Path.home() / ".course" / "datasets"


def dataset_names() -> tuple:
    """Every name load_dataset knows: the embedded sets, then the full sets."""
    return tuple(EMBEDDED) + tuple(REGISTRY)


def get_entry(name):
    """The registry entry of a full data set; a DatasetEntry passes through (tests use
    their own entries, with their own files and checksums)."""
    if isinstance(name, DatasetEntry):
        return name
    if name not in REGISTRY:
        raise UnknownDatasetError(f"unknown data set {name!r}; known: {', '.join(dataset_names())}")
    return REGISTRY[name]
