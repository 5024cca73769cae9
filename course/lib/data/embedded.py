"""The embedded sets, which need no download: scikit-learn's 8x8 digits, the
synthetic spiral, and matplotlib's sample photographs for the convolution demo."""
from __future__ import annotations

import numpy as np

from .dataset import stratified_split


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
