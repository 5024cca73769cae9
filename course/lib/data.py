"""Data sets: one registry, one way in (`load_dataset`), preprocessing helpers.

Every loader returns a `Dataset`: images float64 (N, C, H, W) at their
published pixel scale (0-255; digits 0-16), labels int64 (N,).
Embedded sets (digits, spiral) need no download; the sample images for the
convolution demo come from matplotlib's bundled data.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np


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


def load_dataset(name, root=None, **kwargs):
    """Load a data set by name: 'digits', 'spiral' (embedded) or a downloaded one.

    root: the data folder for downloaded sets (default: $COURSE_DATA or datasets/).
    kwargs go to the loader (e.g. num_classes for spiral).
    Returns a Dataset.
    """
    if name in EMBEDDED:
        return EMBEDDED[name](**kwargs)
    raise ValueError(f"unknown data set {name!r}; known: {', '.join(sorted(EMBEDDED))}")


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
