"""Data sets: one registry, one way in (`load_dataset`), preprocessing helpers.

Every loader returns a `Dataset`: images float64 (N, C, H, W) at their
published pixel scale (0-255; digits 0-16), labels int64 (N,).
Embedded sets (digits, spiral) need no download; the sample images for the
convolution demo come from matplotlib's bundled data.

The full sets (cifar10, mnist, svhn) are described once, in REGISTRY: files,
URLs, published md5s and the parser of each real format. `course data
download NAME|all` (and datasets/get_datasets.sh, a thin wrapper) fetches
them into the data folder: root=, else $COURSE_DATA, else the checkout's
datasets/. A missing or corrupt set is an error naming the command to run.
"""
from __future__ import annotations

import gzip
import json
import os
import pickle
import struct
import sys
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from course.errors import CourseError


@dataclass
class Dataset:
    """A data set split three ways.

    X_*: float64 (N, C, H, W) images, or (N, D) points for synthetic sets.
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


def stratified_split(X, y, name, class_names, seed=0, pixel_max=255.0):
    """The course's fixed split: stratified by class, 60% train, 20% val, 20% test.

    X: (N, ...), y: (N,). Returns a Dataset.
    """
    from sklearn.model_selection import train_test_split

    X_rest, X_test, y_rest, y_test = train_test_split(
        X, y, test_size=0.2, stratify=y, random_state=seed)
    X_train, X_val, y_train, y_val = train_test_split(
        X_rest, y_rest, test_size=0.25, stratify=y_rest, random_state=seed)
    return Dataset(name, X_train, y_train, X_val, y_val, X_test, y_test,
                   list(class_names), pixel_max)


def load_digits():
    """scikit-learn's bundled 8x8 handwritten digits, 1,797 images, split 60/20/20 (seed 0).

    Returns a Dataset with X_* float64 (N, 1, 8, 8) in 0..16.
    """
    from sklearn.datasets import load_digits as sklearn_digits

    bunch = sklearn_digits()
    X = bunch.images.astype(np.float64)[:, None, :, :]  # (1797, 8, 8) -> (1797, 1, 8, 8)
    y = bunch.target.astype(np.int64)
    return stratified_split(X, y, "digits", [str(k) for k in range(10)], seed=0,
                            pixel_max=16.0)


def make_spiral(num_classes=3, points_per_class=100, noise=0.2, seed=0):
    """The spiral set: class k's points at radius r = linspace(0, 1, N) and
    angle linspace(4k, 4(k + 1), N) + noise * normal, point (r sin t, r cos t).

    Returns X float64 (num_classes * points_per_class, 2), y int64 (same N,).
    """
    rng = np.random.default_rng(seed)
    n = points_per_class
    X = np.zeros((n * num_classes, 2))
    y = np.zeros(n * num_classes, dtype=np.int64)
    for k in range(num_classes):
        rows = slice(n * k, n * (k + 1))
        r = np.linspace(0.0, 1.0, n)
        t = np.linspace(4 * k, 4 * (k + 1), n) + noise * rng.standard_normal(n)
        X[rows] = np.c_[r * np.sin(t), r * np.cos(t)]
        y[rows] = k
    return X, y


def load_spiral(num_classes=3, points_per_class=100, noise=0.2, seed=0):
    """The spiral set (see make_spiral) split 60/20/20 like digits. X_*: (N, 2)."""
    X, y = make_spiral(num_classes, points_per_class, noise, seed)
    return stratified_split(X, y, "spiral", [f"arm {k}" for k in range(num_classes)], seed=seed)


SAMPLE_IMAGES = ("grace_hopper.jpg", "Minduka_Present_Blue_Pack.png")


def load_sample_images(size=200):
    """Two colour photographs from matplotlib's bundled sample data, centre-cropped
    to squares and resized.

    Returns float64 (2, 3, size, size) in 0..255 (Grace Hopper, a gift box).
    """
    import matplotlib.cbook as cbook
    from PIL import Image

    images = []
    for filename in SAMPLE_IMAGES:
        with cbook.get_sample_data(filename) as handle:
            img = Image.open(handle).convert("RGB")
        side = min(img.size)
        left, top = (img.size[0] - side) // 2, (img.size[1] - side) // 2
        img = img.crop((left, top, left + side, top + side)).resize((size, size), Image.BICUBIC)
        images.append(np.asarray(img, dtype=np.float64).transpose(2, 0, 1))  # (H, W, 3) -> (3, H, W)
    return np.stack(images)


EMBEDDED = {"digits": load_digits, "spiral": load_spiral}


# ---------------------------------------------------------------------------
# Full data sets: one registry of files, URLs and published checksums.
#
# Each set lives in <data folder>/<name>/, with its files under their published
# names. Downloads go through pooch: to a temporary file, verified against the
# md5 below, then moved into place; a valid file is never fetched again and a
# corrupt one is replaced. Loading verifies every file first (the result is
# remembered in <name>/.verified.json by size and modification time, so an
# unchanged file is hashed once).
# ---------------------------------------------------------------------------

class DatasetError(CourseError):
    """A full data set is missing, corrupt, unreadable or could not be downloaded."""


class UnknownDatasetError(DatasetError, ValueError):
    """No data set of that name (also a ValueError, as before the registry existed)."""


class DatasetMissingError(DatasetError):
    """Files of a full data set are not in the data folder."""


class ChecksumError(DatasetError):
    """A file's md5 differs from the published one (corrupt or truncated)."""

    def __init__(self, message, path, expected, actual):
        super().__init__(message)
        self.path, self.expected, self.actual = Path(path), expected, actual


class DataFormatError(DatasetError):
    """A file that passed its checksum does not parse as the format it should have."""


class DownloadError(DatasetError):
    """No URL of a file delivered it with the published checksum."""


@dataclass(frozen=True)
class RemoteFile:
    """One published file: its name on disk, its md5 and the URLs to try in order."""

    filename: str
    md5: str
    urls: tuple


@dataclass(frozen=True)
class DatasetEntry:
    """A full data set in the registry.

    name: the key for load_dataset and `course data download`; also the
        subfolder of the data folder holding the files.
    files: the RemoteFiles to download and verify.
    parse: callable (folder, entry) -> Dataset, reading the real format.
    val_size: how many rows at the end of the training files become the
        validation split: an int (a count) or a float (a fraction).
    archive_members: for a tarball, the members extracted next to it.
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


def _split_last(X, y, val_size):
    """Training rows X (N, ...), y (N,) -> (X_train, y_train, X_val, y_val), the last
    val_size rows (an int count, or a float fraction of N) becoming validation."""
    num = X.shape[0]
    num_val = int(round(val_size * num)) if isinstance(val_size, float) else int(val_size)
    if not 0 < num_val < num:
        raise ValueError(f"validation size {val_size!r} leaves no rows to train or validate on "
                         f"({num} rows)")
    cut = num - num_val
    return X[:cut], y[:cut], X[cut:], y[cut:]


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


_MNIST_MIRRORS = ("https://ossci-datasets.s3.amazonaws.com/mnist/",
                  "http://yann.lecun.com/exdb/mnist/")


def _mnist_file(key, md5):
    filename = MNIST_FILES[key]
    return RemoteFile(filename, md5, tuple(mirror + filename for mirror in _MNIST_MIRRORS))


REGISTRY = {
    "cifar10": DatasetEntry(
        name="cifar10",
        title="CIFAR-10, 60,000 colour images 32x32 in 10 classes (about 170 MB)",
        files=(RemoteFile("cifar-10-python.tar.gz", "c58f30108f718f92721af3b95e74349a",
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
        files=(_mnist_file("train_images", "f68b3c2dcbeaaa9fbdd348bbdeb94873"),
               _mnist_file("train_labels", "d53e105ee54ea40749a09fcbcd1e9432"),
               _mnist_file("test_images", "9fb629c4189551a2d022fa330f9573f3"),
               _mnist_file("test_labels", "ec29112dd5afa0611ce80d1b7f02629c")),
        parse=parse_mnist,
        val_size=5000,
        source="http://yann.lecun.com/exdb/mnist/ (LeCun, Cortes, Burges)",
        terms="Creative Commons Attribution-Share Alike 3.0, as stated by its authors",
    ),
    "svhn": DatasetEntry(
        name="svhn",
        title="SVHN cropped digits, 99,289 colour images 32x32 (about 250 MB)",
        files=(RemoteFile("train_32x32.mat", "e26dedcc434d2e4c54c9b2d4a06d8373",
                          ("http://ufldl.stanford.edu/housenumbers/train_32x32.mat",)),
               RemoteFile("test_32x32.mat", "eb5a983be6a315427106f1b164d9cef3",
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
    checkout = Path(__file__).resolve().parents[2]
    if (checkout / "pyproject.toml").is_file() and (checkout / "course").is_dir():
        return checkout / "datasets"
    return Path.home() / ".course" / "datasets"


def get_entry(name):
    """The registry entry of a full data set; a DatasetEntry passes through (tests use
    their own entries, with their own files and checksums)."""
    if isinstance(name, DatasetEntry):
        return name
    if name not in REGISTRY:
        known = ", ".join(sorted(EMBEDDED) + sorted(REGISTRY))
        raise UnknownDatasetError(f"unknown data set {name!r}; known: {known}")
    return REGISTRY[name]


_STAMPS = ".verified.json"


def _read_stamps(folder):
    try:
        return json.loads((Path(folder) / _STAMPS).read_text())
    except (OSError, ValueError):
        return {}


def _write_stamps(folder, stamps):
    try:
        (Path(folder) / _STAMPS).write_text(json.dumps(stamps, indent=1))
    except OSError:
        pass  # a read-only data folder: verification is then just repeated


def _stamp(path, md5):
    stat = path.stat()
    return [stat.st_size, stat.st_mtime_ns, md5]


def _file_md5(path, md5, stamps):
    """The md5 of path; taken from stamps when size and mtime are unchanged since a
    verification that found `md5`, else computed (and stamped when it matches)."""
    import pooch

    key = _stamp(path, md5)
    if stamps.get(path.name) == key:
        return md5
    actual = pooch.file_hash(str(path), alg="md5")
    if actual == md5:
        stamps[path.name] = key
    else:
        stamps.pop(path.name, None)
    return actual


def file_states(name, root=None):
    """Each file of a full data set -> 'valid', 'missing' or 'corrupt' (md5 differs)."""
    entry = get_entry(name)
    folder = entry.folder(root)
    stamps = _read_stamps(folder)
    states = {}
    for remote in entry.files:
        path = folder / remote.filename
        if not path.is_file():
            states[remote.filename] = "missing"
        else:
            ok = _file_md5(path, remote.md5, stamps) == remote.md5
            states[remote.filename] = "valid" if ok else "corrupt"
    if folder.is_dir():
        _write_stamps(folder, stamps)
    return states


def verify_dataset(name, root=None) -> Path:
    """Check that every file of a full data set is present with its published md5.

    Returns the set's folder. Raises DatasetMissingError or ChecksumError, whose
    messages name the file and the command that fixes it.
    """
    entry = get_entry(name)
    folder = entry.folder(root)
    missing = [r.filename for r in entry.files if not (folder / r.filename).is_file()]
    if missing:
        raise DatasetMissingError(
            f"the {entry.name} data set is not downloaded: {', '.join(missing)} missing "
            f"from {folder}.\nRun `{entry.fix_command()}` (or datasets/get_datasets.sh "
            f"{entry.name}); to use another folder, set COURSE_DATA or pass root=.")
    stamps = _read_stamps(folder)
    try:
        for remote in entry.files:
            path = folder / remote.filename
            actual = _file_md5(path, remote.md5, stamps)
            if actual != remote.md5:
                raise ChecksumError(
                    f"{path} is corrupt or truncated ({path.stat().st_size:,} bytes): "
                    f"md5 {actual}, expected {remote.md5}.\n"
                    f"Run `{entry.fix_command()}` to replace it.",
                    path, remote.md5, actual)
    finally:
        _write_stamps(folder, stamps)
    return folder


def load_full_dataset(name, root=None):
    """Verify and parse a full data set (cifar10, mnist, svhn, or a DatasetEntry).

    Returns a Dataset with X_* float64 (N, C, H, W) in 0..255, y_* int64 (N,).
    """
    entry = get_entry(name)
    folder = verify_dataset(entry, root)
    return entry.parse(folder, entry)


def download(name, root=None, progressbar=False) -> Path:
    """Download a full data set's files that are missing or corrupt, verified.

    Each file is tried from its URLs in order; pooch writes it to a temporary
    file, checks the md5 and only then moves it into place. A file already
    present with the right md5 is not downloaded again. Returns the folder.
    Raises DownloadError when no URL delivers a file with the right md5.
    """
    import pooch

    entry = get_entry(name)
    folder = entry.folder(root)
    folder.mkdir(parents=True, exist_ok=True)
    for remote in entry.files:
        path = folder / remote.filename
        stamps = _read_stamps(folder)
        if path.is_file() and stamps.get(remote.filename) == _stamp(path, remote.md5):
            continue  # verified before and unchanged since: no request at all
        failures = []
        for url in remote.urls:
            try:
                pooch.retrieve(url, known_hash=f"md5:{remote.md5}", fname=remote.filename,
                               path=folder, progressbar=progressbar)
                break
            except Exception as err:  # network errors, HTTP errors, checksum mismatch
                failures.append(f"  {url}: {err}")
        else:
            raise DownloadError(
                f"could not download {remote.filename} for {entry.name} with md5 {remote.md5}:\n"
                + "\n".join(failures)
                + f"\nCheck the network (or a proxy), then run `{entry.fix_command()}` again; "
                f"or place the file in {folder} yourself.")
        stamps[remote.filename] = _stamp(path, remote.md5)  # pooch has just verified it
        _write_stamps(folder, stamps)
    _extract_archive(entry, folder)
    return folder


def download_command(names, root=None) -> int:
    """`course data download NAME...|all`: download and verify; 0 when all succeeded."""
    if not names:
        raise DatasetError("name the data sets to download: "
                           f"{', '.join(REGISTRY)} or all (e.g. `course data download mnist`)")
    wanted = list(REGISTRY) if "all" in names else list(dict.fromkeys(names))
    for name in wanted:
        get_entry(name)  # unknown names fail before any download starts
    failed = []
    for name in wanted:
        entry = REGISTRY[name]
        print(f"{name}: {entry.title} -> {entry.folder(root)}", flush=True)
        try:
            download(name, root=root, progressbar=sys.stderr.isatty())
            verify_dataset(name, root)
        except DatasetError as err:
            print(f"{name}: FAILED: {err}", file=sys.stderr, flush=True)
            failed.append(name)
        else:
            print(f"{name}: ok, every file matches its published md5", flush=True)
    if failed:
        print(f"not downloaded: {', '.join(failed)}", file=sys.stderr)
    return 1 if failed else 0


def print_registry(root=None) -> int:
    """`course data list`: every data set, where it lives and whether it is there."""
    print(f"data folder: {data_root(root)}  (set COURSE_DATA or --root to change it)")
    for name in EMBEDDED:
        print(f"  {name:8s} embedded      no download needed")
    for name, entry in REGISTRY.items():
        states = file_states(name, root)
        values = set(states.values())
        state = ("present" if values == {"valid"} else "CORRUPT" if "corrupt" in values
                 else "missing" if values == {"missing"} else "incomplete")
        print(f"  {name:8s} {state:13s} {entry.title}")
        for filename, file_state in states.items():
            if file_state != "valid" and state != "missing":
                print(f"             {filename}: {file_state}")
        if state != "present":
            print(f"             get it: {entry.fix_command()}")
        print(f"             source: {entry.source}; terms: {entry.terms}")
    return 0


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


# Preprocessing helpers shared by the notebooks.

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
    Returns a Dataset with X_* (n, C * H * W) and mean_image (C, H, W).
    """
    sizes = {"train": (ds.X_train, num_training), "val": (ds.X_val, num_validation),
             "test": (ds.X_test, num_test)}
    for split, (X, num) in sizes.items():
        if num is not None and num > X.shape[0]:
            raise ValueError(f"{ds.name} has {X.shape[0]} {split} rows, {num} were asked for")
    X_train, X_val, X_test = (X[:num] for X, num in sizes.values())
    mean_image = X_train.mean(axis=0)  # (N, C, H, W) -> (C, H, W)
    return Dataset(f"{ds.name}-classic",
                   to_rows(X_train - mean_image), ds.y_train[:num_training],
                   to_rows(X_val - mean_image), ds.y_val[:num_validation],
                   to_rows(X_test - mean_image), ds.y_test[:num_test],
                   list(ds.class_names), ds.pixel_max, mean_image)


def cifar10_classic(ds=None, root=None, num_training=49000, num_validation=1000, num_test=1000):
    """CIFAR-10 as in REFERENCE.md: 49,000 / 1,000 / 1,000 rows of 3,072, mean image
    subtracted (the test rows are the first 1,000 of the test batch).

    ds: a loaded CIFAR-10 Dataset, or None to load it from root.
    Returns a Dataset with X_* (n, 3072) float64 and mean_image (3, 32, 32).
    """
    if ds is None:
        ds = load_dataset("cifar10", root=root)
    return classic_preprocess(ds, num_training, num_validation, num_test)
