"""The embedded sets, which need no download: mnist10k (the real MNIST test files,
shipped inside this package), scikit-learn's 8x8 digits, the synthetic spiral, and
matplotlib's sample photographs for the convolution demo. All are float64."""
from __future__ import annotations

import functools
import importlib.util
from pathlib import Path

import numpy as np

from .checksums import verify_file
from .dataset import split_rows, stratified_split
from .errors import DatasetMissingError
from .formats import MNIST_FILES, read_mnist
from .splits import stored_indices


def raw_digits():
    """scikit-learn's bundled 8x8 digits, read from its data file without importing
    scikit-learn (whose import costs about 1.5 s of CPU in every process).

    Returns X float64 (1797, 1, 8, 8) in 0..16 and y int64 (1797,), in the file's order.
    """
    spec = importlib.util.find_spec("sklearn")  # finds the package without running it
    if spec is None:
        raise DatasetMissingError("the digits come with scikit-learn, which is not installed: "
                                  "pip install scikit-learn (or reinstall the course package)")
    path = Path(spec.submodule_search_locations[0]) / "datasets" / "data" / "digits.csv.gz"
    if path.is_file():
        data = np.loadtxt(path, delimiter=",")  # (1797, 65): 64 pixels, then the label
        X, y = data[:, :-1], data[:, -1]
    else:  # a scikit-learn that keeps the file elsewhere: its own loader
        from sklearn.datasets import load_digits as sklearn_digits

        X, y = sklearn_digits(return_X_y=True)
    return X.astype(np.float64).reshape(-1, 1, 8, 8), y.astype(np.int64)


def load_digits():
    """scikit-learn's bundled 8x8 handwritten digits, 1,797 images, split stratified
    60/20/20 with seed 0 (the stored split of splits.py).

    Returns a Dataset with X_* float64 (N, 1, 8, 8) in 0..16, y_* int64 (N,).
    """
    X, y = raw_digits()
    return split_rows(X, y, "digits", [str(k) for k in range(10)], stored_indices("digits"),
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


# mnist10k: the two published MNIST test files, byte-identical (see mnist10k/README.md).
MNIST10K_DIR = Path(__file__).resolve().parent / "mnist10k"
MNIST10K_MD5 = {MNIST_FILES["test_images"]: "9fb629c4189551a2d022fa330f9573f3",
                MNIST_FILES["test_labels"]: "ec29112dd5afa0611ce80d1b7f02629c"}
_REINSTALL = ("Reinstall the course package to restore it (`pip install --force-reinstall "
              "--no-deps course`, or from a git checkout `git checkout -- course/lib/data/mnist10k`).")


@functools.cache
def check_mnist10k_files(folder=MNIST10K_DIR) -> Path:
    """Check the md5 of both mnist10k files in folder, once per process and folder
    (nothing is written). Returns folder; raises DatasetMissingError or ChecksumError
    naming the file, both checksums and the fix."""
    folder = Path(folder)
    for filename, md5 in MNIST10K_MD5.items():
        path = folder / filename
        if not path.is_file():
            raise DatasetMissingError(f"{path}, shipped with the course package, is missing.\n"
                                      + _REINSTALL)
        verify_file(path, md5, _REINSTALL)
    return folder


def raw_mnist10k(folder=MNIST10K_DIR):
    """The two checked mnist10k files of folder, read: X uint8 (10000, 1, 28, 28),
    y int64 (10000,)."""
    folder = check_mnist10k_files(folder)
    return read_mnist(folder / MNIST_FILES["test_images"], folder / MNIST_FILES["test_labels"])


def load_mnist10k(folder=MNIST10K_DIR):
    """The 10,000 MNIST test images shipped with the package, split stratified by class
    with seed 0 into 8,000 train / 1,000 validation / 1,000 test (the stored split of
    splits.py).

    folder: where the two IDX files are (default: inside the package).
    Returns a Dataset with X_* float64 (N, 1, 28, 28) in 0..255, y_* int64 (N,).
    """
    X, y = raw_mnist10k(folder)
    return split_rows(X.astype(np.float64), y, "mnist10k", [str(k) for k in range(10)],
                      stored_indices("mnist10k"))


EMBEDDED = {"digits": load_digits, "mnist10k": load_mnist10k, "spiral": load_spiral}
