"""course.lib.data: the loaders on tiny files written in the real formats, the real
MNIST test files (shipped as mnist10k), size and checksum errors, downloads from a
local HTTP server, a read-only data folder, and CIFAR-10's peak memory."""
from __future__ import annotations

import dataclasses
import gzip
import hashlib
import io
import json
import os
import pickle
import shutil
import struct
import subprocess
import sys
import tarfile
import zipfile
from pathlib import Path

import numpy as np
import pytest
import scipy.io

from course.errors import CourseError
from course.lib import data
from course.lib.data.splits import STORED
from course.lib.data import (REGISTRY, ChecksumError, DatasetMissingError, DownloadError,
                             FileSizeError, RemoteFile, UnknownDatasetError, load_dataset)

REPO = Path(__file__).resolve().parents[1]
REAL_MNIST = REPO.parent / "shared" / "datasets" / "mnist"


def md5(path) -> str:
    return hashlib.md5(Path(path).read_bytes()).hexdigest()


# --- writers of the real formats -------------------------------------------------

def cifar_batch(rng, num):
    """A CIFAR-10 batch dict as the published pickles hold it."""
    return {"batch_label": "test batch", "labels": [int(k) for k in rng.integers(0, 10, num)],
            "data": rng.integers(0, 256, (num, 3072), dtype=np.uint8),
            "filenames": [f"img_{k}.png" for k in range(num)]}


def write_cifar10(folder, per_batch=6, num_test=5, seed=0, compresslevel=9):
    """folder/cifar-10-python.tar.gz holding cifar-10-batches-py/ pickles.
    Returns the batches written, keyed by member name."""
    rng = np.random.default_rng(seed)
    batches = {f"data_batch_{k}": cifar_batch(rng, per_batch) for k in range(1, 6)}
    batches["test_batch"] = cifar_batch(rng, num_test)
    batches["batches.meta"] = {"label_names": ["airplane", "automobile", "bird", "cat", "deer",
                                               "dog", "frog", "horse", "ship", "truck"],
                               "num_cases_per_batch": per_batch, "num_vis": 3072}
    folder.mkdir(parents=True, exist_ok=True)
    with tarfile.open(folder / "cifar-10-python.tar.gz", "w:gz", compresslevel=compresslevel) as tar:
        for member, content in batches.items():
            raw = pickle.dumps(content, protocol=2)
            info = tarfile.TarInfo(f"cifar-10-batches-py/{member}")
            info.size = len(raw)
            tar.addfile(info, io.BytesIO(raw))
    return batches


def extract_cifar10(folder):
    """What a download does after fetching the tarball: its members extracted beside it."""
    data.ExtractMembers(data.CIFAR10_MEMBERS)(str(folder / "cifar-10-python.tar.gz"), "download")


def write_idx(path, array, magic):
    header = struct.pack(f">I{array.ndim}I", magic, *array.shape)
    with gzip.open(path, "wb") as handle:
        handle.write(header + array.astype(np.uint8).tobytes())


def write_mnist(folder, num_train=12, num_test=7, seed=0, test_files=True):
    """The four MNIST IDX .gz files (or only the training pair). Returns the arrays."""
    rng = np.random.default_rng(seed)
    arrays = {"train_images": rng.integers(0, 256, (num_train, 28, 28)),
              "train_labels": rng.integers(0, 10, num_train),
              "test_images": rng.integers(0, 256, (num_test, 28, 28)),
              "test_labels": rng.integers(0, 10, num_test)}
    folder.mkdir(parents=True, exist_ok=True)
    for key, array in arrays.items():
        if test_files or key.startswith("train"):
            magic = data.IDX_IMAGES_MAGIC if key.endswith("images") else data.IDX_LABELS_MAGIC
            write_idx(folder / data.MNIST_FILES[key], array, magic)
    return arrays


def write_svhn(folder, num_train=10, num_test=4, seed=0):
    """train_32x32.mat and test_32x32.mat: X (32, 32, 3, N) uint8, y (N, 1) in 1..10."""
    rng = np.random.default_rng(seed)
    folder.mkdir(parents=True, exist_ok=True)
    written = {}
    for split, num in (("train", num_train), ("test", num_test)):
        X = rng.integers(0, 256, (32, 32, 3, num), dtype=np.uint8)
        y = rng.integers(1, 11, (num, 1)).astype(np.uint8)
        y[0, 0] = 10  # the digit 0
        scipy.io.savemat(folder / data.SVHN_FILES[split], {"X": X, "y": y})
        written[split] = (X, y)
    return written


def entry_for(name, folder, base_url="http://127.0.0.1:9/", val_size=2, keep_md5=()):
    """The registry entry of `name` with the md5s of the files in folder (and URLs on
    base_url), except for the files in keep_md5, which keep the published md5."""
    published = REGISTRY[name]
    files = tuple(RemoteFile(f.filename,
                             f.md5 if f.filename in keep_md5 else md5(folder / f.filename),
                             (folder / f.filename).stat().st_size, (base_url + f.filename,))
                  for f in published.files)
    return dataclasses.replace(published, files=files, val_size=val_size)


# --- the loaders on the real formats ---------------------------------------------

def test_cifar10_loader_reads_pickled_batches(tmp_path):
    batches = write_cifar10(tmp_path / "cifar10", per_batch=6, num_test=5)
    extract_cifar10(tmp_path / "cifar10")
    entry = entry_for("cifar10", tmp_path / "cifar10", val_size=4)
    ds = load_dataset(entry, root=tmp_path)

    assert ds.X_train.shape == (26, 3, 32, 32) and ds.X_val.shape == (4, 3, 32, 32)
    assert ds.X_test.shape == (5, 3, 32, 32)
    for X in (ds.X_train, ds.X_val, ds.X_test):
        assert X.dtype == np.float32 and X.flags.c_contiguous
    assert ds.y_train.dtype == np.int64
    assert ds.class_names[0] == "airplane" and ds.num_classes == 10
    # Rows hold 1,024 red, then green, then blue values, each row-major 32 x 32.
    first = batches["data_batch_1"]["data"][0]
    assert ds.X_train[0, 1, 2, 3] == first[1024 + 2 * 32 + 3]
    np.testing.assert_array_equal(ds.X_train[0].ravel(), first)
    # Validation is the last rows of data_batch_5, the test set the test batch.
    np.testing.assert_array_equal(ds.X_val[-1].ravel(), batches["data_batch_5"]["data"][-1])
    np.testing.assert_array_equal(ds.y_val, batches["data_batch_5"]["labels"][-4:])
    np.testing.assert_array_equal(ds.y_test, batches["test_batch"]["labels"])
    np.testing.assert_array_equal(ds.X_test.reshape(5, -1), batches["test_batch"]["data"])


def test_full_sets_load_as_float32_unless_asked(tmp_path):
    write_mnist(tmp_path / "mnist")
    entry = entry_for("mnist", tmp_path / "mnist", val_size=3)
    single, double = load_dataset(entry, root=tmp_path), load_dataset(entry, root=tmp_path,
                                                                      dtype=np.float64)
    assert single.X_train.dtype == np.float32 and double.X_train.dtype == np.float64
    np.testing.assert_array_equal(single.X_test, double.X_test)  # 0..255 is exact in both
    with pytest.raises(TypeError, match="takes only dtype="):
        load_dataset(entry, root=tmp_path, num_classes=3)


def test_an_archive_not_extracted_is_an_error_naming_the_fix(tmp_path):
    write_cifar10(tmp_path / "cifar10")
    entry = entry_for("cifar10", tmp_path / "cifar10", val_size=4)
    with pytest.raises(DatasetMissingError) as caught:
        load_dataset(entry, root=tmp_path)  # a load never extracts: it only reads
    message = str(caught.value)
    assert "is not extracted" in message and "cifar-10-batches-py/test_batch" in message
    assert "course data download cifar10" in message and "without downloading" in message
    assert data.file_states(entry, root=tmp_path)["cifar-10-batches-py/data_batch_1"] == "not extracted"


def test_the_listing_names_each_sets_state_and_its_fix(tmp_path, monkeypatch):
    write_mnist(tmp_path / "mnist")
    write_cifar10(tmp_path / "cifar10")  # the tarball, not extracted
    for name in ("mnist", "cifar10"):
        monkeypatch.setitem(REGISTRY, name, entry_for(name, tmp_path / name, val_size=4))
    truncated = tmp_path / "mnist" / REGISTRY["mnist"].files[0].filename
    truncated.write_bytes(truncated.read_bytes()[:-1])
    rows = {row.name: row for row in data.list_sets(tmp_path).sets}
    assert rows["mnist"].state == "WRONG SIZE" and rows["mnist"].problems == {truncated.name: "wrong size"}
    assert rows["cifar10"].state == "incomplete"
    assert rows["cifar10"].problems["cifar-10-batches-py/test_batch"] == "not extracted"
    assert rows["svhn"].state == "missing" and rows["svhn"].problems == {}
    assert all(rows[name].state == "embedded" for name in data.EMBEDDED)
    text = "\n".join(data.list_sets(tmp_path).lines())
    assert f"{truncated.name}: wrong size" in text and "get it: course data download mnist" in text
    assert "get it: course data download svhn" in text


def test_extraction_is_all_or_nothing(tmp_path):
    write_cifar10(tmp_path / "cifar10")
    archive = tmp_path / "cifar10" / "cifar-10-python.tar.gz"
    members = data.CIFAR10_MEMBERS + ("cifar-10-batches-py/readme.html",)  # not in the archive
    with pytest.raises(data.DataFormatError, match="holds no file cifar-10-batches-py/readme.html"):
        data.ExtractMembers(members)(str(archive), "download")
    assert sorted(p.name for p in (tmp_path / "cifar10").iterdir()) == ["cifar-10-python.tar.gz"]
    extract_cifar10(tmp_path / "cifar10")
    batch = tmp_path / "cifar10" / "cifar-10-batches-py" / "data_batch_1"
    stat = batch.stat()
    data.ExtractMembers(data.CIFAR10_MEMBERS)(str(archive), "fetch")  # all there: untouched
    assert batch.stat().st_mtime_ns == stat.st_mtime_ns
    batch.unlink()
    data.ExtractMembers(data.CIFAR10_MEMBERS)(str(archive), "fetch")  # one missing: extracted
    assert batch.stat().st_size == stat.st_size


def test_mnist_loader_reads_idx_gzip(tmp_path):
    arrays = write_mnist(tmp_path / "mnist", num_train=12, num_test=7)
    ds = load_dataset(entry_for("mnist", tmp_path / "mnist", val_size=3), root=tmp_path)

    assert ds.X_train.shape == (9, 1, 28, 28) and ds.X_val.shape == (3, 1, 28, 28)
    assert ds.X_test.shape == (7, 1, 28, 28) and ds.y_test.dtype == np.int64
    assert ds.X_test.dtype == np.float32
    np.testing.assert_array_equal(ds.X_train[:, 0], arrays["train_images"][:9])
    np.testing.assert_array_equal(ds.y_val, arrays["train_labels"][9:])
    np.testing.assert_array_equal(ds.X_test[:, 0], arrays["test_images"])
    assert ds.class_names == [str(k) for k in range(10)]


def test_mnist_reader_checks_magic_numbers(tmp_path):
    labels = tmp_path / "labels.gz"
    write_idx(labels, np.arange(5), data.IDX_LABELS_MAGIC)
    with pytest.raises(data.DataFormatError, match="magic number 2049, expected 2051"):
        data.read_idx(labels, data.IDX_IMAGES_MAGIC)
    short = tmp_path / "short.gz"
    with gzip.open(short, "wb") as handle:  # header promises 5 labels, holds 3
        handle.write(struct.pack(">II", data.IDX_LABELS_MAGIC, 5) + bytes(3))
    with pytest.raises(data.DataFormatError, match="the file holds 3"):
        data.read_idx(short, data.IDX_LABELS_MAGIC)


def test_svhn_loader_reads_mat_and_maps_label_10_to_0(tmp_path):
    written = write_svhn(tmp_path / "svhn", num_train=10, num_test=4)
    ds = load_dataset(entry_for("svhn", tmp_path / "svhn", val_size=0.1), root=tmp_path)

    assert ds.X_train.shape == (9, 3, 32, 32) and ds.X_val.shape == (1, 3, 32, 32)
    assert ds.X_test.shape == (4, 3, 32, 32) and ds.X_train.dtype == np.float32
    X, y = written["train"]
    assert ds.X_train[2, 1, 5, 7] == X[5, 7, 1, 2]  # X[h, w, c, n] -> X_train[n, c, h, w]
    np.testing.assert_array_equal(ds.X_val[0], X[..., 9].transpose(2, 0, 1))
    assert ds.y_train[0] == 0  # stored as 10
    expected = y[:, 0].astype(np.int64) % 10
    np.testing.assert_array_equal(np.r_[ds.y_train, ds.y_val], expected)
    assert ds.y_train.min() >= 0 and ds.y_train.max() <= 9


def test_data_modules_import_and_export_no_private_names():
    import ast

    for path in Path(data.__file__).parent.glob("*.py"):
        tree = ast.parse(path.read_text())
        private = [alias.name for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)
                   for alias in node.names if alias.name.startswith("_")]
        assert not private, f"{path.name} imports private names {private}"
    assert not [name for name in data.__all__ if name.startswith("_")]
    assert all(hasattr(data, name) for name in data.__all__)


def test_full_sets_split_as_published():
    assert REGISTRY["cifar10"].val_size == 1000  # 49,000 / 1,000 of the 50,000
    assert REGISTRY["mnist"].val_size == 5000  # 55,000 / 5,000 of the 60,000
    X, y = np.zeros((73257, 1)), np.arange(73257)
    X_train, y_train, X_val, y_val = data.split_last(X, y, REGISTRY["svhn"].val_size)
    assert X_val.shape[0] == 7326 and X_train.shape[0] == 73257 - 7326  # the last 10%
    assert y_val[0] == y_train[-1] + 1


def test_registry_holds_the_published_checksums():
    md5s = {f.filename: f.md5 for entry in REGISTRY.values() for f in entry.files}
    assert md5s == {
        "cifar-10-python.tar.gz": "c58f30108f718f92721af3b95e74349a",
        "train-images-idx3-ubyte.gz": "f68b3c2dcbeaaa9fbdd348bbdeb94873",
        "train-labels-idx1-ubyte.gz": "d53e105ee54ea40749a09fcbcd1e9432",
        "t10k-images-idx3-ubyte.gz": "9fb629c4189551a2d022fa330f9573f3",
        "t10k-labels-idx1-ubyte.gz": "ec29112dd5afa0611ce80d1b7f02629c",
        "train_32x32.mat": "e26dedcc434d2e4c54c9b2d4a06d8373",
        "test_32x32.mat": "eb5a983be6a315427106f1b164d9cef3",
    }
    for entry in REGISTRY.values():
        assert all(f.urls and all(u.startswith("http") for u in f.urls) for f in entry.files)
    sizes = {f.filename: f.size for entry in REGISTRY.values() for f in entry.files}
    assert sizes == {"cifar-10-python.tar.gz": 170498071, "train-images-idx3-ubyte.gz": 9912422,
                     "train-labels-idx1-ubyte.gz": 28881, "t10k-images-idx3-ubyte.gz": 1648877,
                     "t10k-labels-idx1-ubyte.gz": 4542, "train_32x32.mat": 182040794,
                     "test_32x32.mat": 64275384}


# --- the real MNIST test files -----------------------------------------------------

@pytest.fixture
def real_mnist_test_files():
    if not (REAL_MNIST / data.MNIST_FILES["test_images"]).is_file():
        pytest.skip(f"the real MNIST test files are not in {REAL_MNIST}")
    return REAL_MNIST


def test_real_mnist_test_files_match_the_registry(real_mnist_test_files):
    states = data.file_states("mnist", root=real_mnist_test_files.parent)
    assert states[data.MNIST_FILES["test_images"]] == "present"  # the published size
    assert states[data.MNIST_FILES["test_labels"]] == "present"
    assert states[data.MNIST_FILES["train_images"]] == "missing"
    hashed = data.verify(["mnist"], root=real_mnist_test_files.parent)["mnist"]
    assert hashed[data.MNIST_FILES["test_images"]] == "valid"
    assert hashed[data.MNIST_FILES["test_labels"]] == "valid"
    assert hashed[data.MNIST_FILES["train_labels"]] == "missing"


def test_mnist_loader_on_the_real_test_files(real_mnist_test_files, tmp_path):
    folder = tmp_path / "mnist"
    write_mnist(folder, num_train=12, test_files=False)
    for key in ("test_images", "test_labels"):
        os.symlink(real_mnist_test_files / data.MNIST_FILES[key], folder / data.MNIST_FILES[key])
    # Tiny training files with their own md5s; the real test files keep the published ones.
    entry = entry_for("mnist", folder, val_size=2,
                      keep_md5=(data.MNIST_FILES["test_images"], data.MNIST_FILES["test_labels"]))
    ds = load_dataset(entry, root=tmp_path)

    assert ds.X_test.shape == (10000, 1, 28, 28) and ds.y_test.shape == (10000,)
    assert ds.X_test.min() == 0 and ds.X_test.max() == 255
    np.testing.assert_array_equal(ds.y_test[:10], [7, 2, 1, 0, 4, 1, 4, 9, 5, 9])
    np.testing.assert_array_equal(np.bincount(ds.y_test),
                                  [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009])
    # The first test image is a 7: its ink sits in the middle rows.
    assert ds.X_test[0, 0, :5].sum() == 0 and ds.X_test[0, 0, 7:20].sum() > 10000


# --- what goes wrong, and what the errors say ----------------------------------------

def test_missing_dataset_names_the_download_command(tmp_path):
    with pytest.raises(DatasetMissingError) as caught:
        load_dataset("mnist", root=tmp_path)
    message = str(caught.value)
    assert "course data download mnist" in message and "get_datasets.sh" in message
    assert str(tmp_path / "mnist") in message
    assert isinstance(caught.value, CourseError)


def test_missing_dataset_is_never_replaced_by_another(tmp_path, monkeypatch):
    monkeypatch.setenv("COURSE_DATA", str(tmp_path))
    for name in ("cifar10", "svhn"):
        with pytest.raises(DatasetMissingError, match=f"course data download {name}"):
            load_dataset(name)


def test_unknown_dataset(tmp_path):
    with pytest.raises(UnknownDatasetError,
                       match="known: digits, mnist10k, spiral, cifar10, mnist, svhn"):
        load_dataset("imagenet", root=tmp_path)
    with pytest.raises(ValueError):  # as before the registry existed
        load_dataset("imagenet")


def test_course_dataset_names_the_valid_choices(monkeypatch):
    from course.lib.params import notebook_params

    monkeypatch.setenv("COURSE_DATASET", "mnist10k")
    assert notebook_params(datasets=("digits", "mnist10k")).dataset == "mnist10k"
    assert notebook_params().dataset == "mnist10k"  # every known name by default
    monkeypatch.setenv("COURSE_DATASET", "cifar10")
    with pytest.raises(UnknownDatasetError) as caught:
        notebook_params(default_dataset="digits", datasets=("digits", "mnist10k"))
    assert "COURSE_DATASET='cifar10'" in str(caught.value)
    assert "choose one of: digits, mnist10k" in str(caught.value)
    monkeypatch.setenv("COURSE_DATASET", "cifar")  # a typo of a known name
    with pytest.raises(ValueError, match="digits, mnist10k, spiral, cifar10, mnist, svhn"):
        notebook_params()
    monkeypatch.delenv("COURSE_DATASET")
    assert notebook_params(default_dataset="digits").dataset == "digits"


def test_truncated_file_reports_file_sizes_and_fix(tmp_path):
    write_mnist(tmp_path / "mnist")
    entry = entry_for("mnist", tmp_path / "mnist")
    load_dataset(entry, root=tmp_path)
    path = tmp_path / "mnist" / data.MNIST_FILES["train_images"]
    raw = path.read_bytes()
    path.write_bytes(raw[:len(raw) // 2])
    with pytest.raises(FileSizeError) as caught:
        load_dataset(entry, root=tmp_path)
    err = caught.value
    assert err.path == path and err.expected == len(raw) and err.actual == len(raw) // 2
    for part in (str(path), f"{len(raw):,}", f"{len(raw) // 2:,}", "course data download mnist",
                 "truncated"):
        assert part in str(err), f"{part!r} missing from the message: {err}"
    assert isinstance(err, data.CorruptFileError)
    assert data.file_states(entry, root=tmp_path)[path.name] == "wrong size"


def test_same_size_corruption_is_caught_by_verify(tmp_path):
    write_mnist(tmp_path / "mnist")
    entry = entry_for("mnist", tmp_path / "mnist")
    path = tmp_path / "mnist" / data.MNIST_FILES["test_labels"]
    raw = bytearray(path.read_bytes())
    raw[-1] ^= 0xFF
    path.write_bytes(bytes(raw))
    assert data.file_states(entry, root=tmp_path)[path.name] == "present"  # sizes only
    states = data.verify([entry], root=tmp_path)["mnist"]
    assert states == {f.filename: "corrupt" if f.filename == path.name else "valid"
                      for f in entry.files}


def test_wrong_checksum_in_registry(tmp_path):
    write_svhn(tmp_path / "svhn")
    entry = entry_for("svhn", tmp_path / "svhn", val_size=0.1)
    wrong = dataclasses.replace(entry.files[1], md5="0" * 32)
    entry = dataclasses.replace(entry, files=(entry.files[0], wrong))
    assert data.verify([entry], root=tmp_path) == {
        "svhn": {"train_32x32.mat": "valid", "test_32x32.mat": "corrupt"}}
    with pytest.raises(ChecksumError, match="0{32}") as caught:
        data.verify_file(tmp_path / "svhn" / "test_32x32.mat", wrong.md5, "Run the fix.")
    assert caught.value.actual == md5(tmp_path / "svhn" / "test_32x32.mat")
    assert str(caught.value).endswith("Run the fix.")


def test_data_folder_precedence(tmp_path, monkeypatch):
    monkeypatch.delenv("COURSE_DATA", raising=False)
    assert data.data_root() == REPO / "datasets"
    monkeypatch.setenv("COURSE_DATA", str(tmp_path / "env"))
    assert data.data_root() == tmp_path / "env"
    assert data.data_root(tmp_path / "arg") == tmp_path / "arg"
    assert REGISTRY["mnist"].folder() == tmp_path / "env" / "mnist"


# --- downloads from a local HTTP server ---------------------------------------------

class FileServer:
    """Published files on pytest-httpserver's real local HTTP server: a GET of
    a published path gets its bytes, any other path a 404; `requests` is the
    path of every request so far."""

    def __init__(self, httpserver):
        self.http = httpserver
        self.http.no_handler_status_code = 404  # an unpublished file, as a real mirror answers
        self.url = httpserver.url_for("/")

    @property
    def requests(self) -> list[str]:
        return [request.path for request, _ in self.http.log]

    def publish(self, folder, prefix=""):
        for path in Path(folder).iterdir():
            if path.is_file():
                self.http.expect_request(f"/{prefix}{path.name}", method="GET").respond_with_data(
                    path.read_bytes(), content_type="application/octet-stream")


@pytest.fixture
def server(httpserver, monkeypatch):
    for var in ("http_proxy", "HTTP_PROXY", "https_proxy", "HTTPS_PROXY", "all_proxy", "ALL_PROXY"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    return FileServer(httpserver)


@pytest.fixture
def mnist_remote(tmp_path, server):
    """Tiny MNIST files published by the server; returns (entry, data folder)."""
    write_mnist(tmp_path / "published")
    server.publish(tmp_path / "published")
    entry = entry_for("mnist", tmp_path / "published", base_url=server.url, val_size=3)
    return entry, tmp_path / "data"


def test_download_verifies_and_loads(mnist_remote, server):
    entry, root = mnist_remote
    folder = data.download(entry, root=root)
    assert folder == root / "mnist"
    assert sorted(server.requests) == sorted(f"/{f.filename}" for f in entry.files)
    assert data.file_states(entry, root=root) == {f.filename: "present" for f in entry.files}
    assert data.verify([entry], root=root) == {"mnist": {f.filename: "valid" for f in entry.files}}
    assert load_dataset(entry, root=root).X_test.shape == (7, 1, 28, 28)
    assert not [p for p in folder.iterdir() if p.name.startswith("tmp")]  # no temporary files


def test_valid_file_is_not_downloaded_again(mnist_remote, server):
    entry, root = mnist_remote
    data.download(entry, root=root)
    count = len(server.requests)
    data.download(entry, root=root)  # pooch hashes the files and finds them valid
    assert len(server.requests) == count
    assert sorted(p.name for p in (root / "mnist").iterdir()) == sorted(f.filename for f in entry.files)


def test_corrupt_file_is_reported_then_replaced(mnist_remote, server):
    entry, root = mnist_remote
    data.download(entry, root=root)
    path = root / "mnist" / data.MNIST_FILES["test_images"]
    path.write_bytes(path.read_bytes()[:100])  # truncated
    with pytest.raises(FileSizeError, match="course data download mnist"):
        load_dataset(entry, root=root)
    count = len(server.requests)
    data.download(entry, root=root)
    assert server.requests[count:] == [f"/{data.MNIST_FILES['test_images']}"]
    assert md5(path) == entry.files[2].md5
    assert load_dataset(entry, root=root).X_test.shape == (7, 1, 28, 28)


def test_download_falls_back_to_the_next_mirror(tmp_path, server):
    write_mnist(tmp_path / "published")
    server.publish(tmp_path / "published", prefix="mirror2/")
    entry = entry_for("mnist", tmp_path / "published", val_size=3)
    files = tuple(dataclasses.replace(f, urls=(server.url + "mirror1/" + f.filename,
                                               server.url + "mirror2/" + f.filename))
                  for f in entry.files)
    entry = dataclasses.replace(entry, files=files)
    data.download(entry, root=tmp_path / "data")
    assert len(server.requests) == 8  # each file: a 404, then the mirror
    assert data.file_states(entry, root=tmp_path / "data")[entry.files[0].filename] == "present"


def test_download_with_wrong_content_leaves_nothing_in_place(tmp_path, server):
    write_mnist(tmp_path / "published")
    server.publish(tmp_path / "published")
    entry = entry_for("mnist", tmp_path / "published", base_url=server.url)
    bad = dataclasses.replace(entry.files[0], md5="f" * 32)
    entry = dataclasses.replace(entry, files=(bad,) + entry.files[1:])
    with pytest.raises(DownloadError) as caught:
        data.download(entry, root=tmp_path / "data")
    assert bad.filename in str(caught.value) and "f" * 32 in str(caught.value)
    assert server.url + bad.filename in str(caught.value)
    assert "course data download mnist" in str(caught.value)
    assert list((tmp_path / "data" / "mnist").iterdir()) == []  # temporary file removed


def test_cifar10_download_extracts_the_tarball(tmp_path, server):
    write_cifar10(tmp_path / "published")
    server.publish(tmp_path / "published")
    entry = entry_for("cifar10", tmp_path / "published", base_url=server.url, val_size=4)
    folder = data.download(entry, root=tmp_path / "data")
    for member in data.CIFAR10_MEMBERS:
        assert (folder / member).is_file(), member
    assert load_dataset(entry, root=tmp_path / "data").X_train.shape == (26, 3, 32, 32)
    # Members lost, the archive still valid: a download extracts it again, no request.
    shutil.rmtree(folder / data.CIFAR10_DIR)
    count = len(server.requests)
    data.download(entry, root=tmp_path / "data")
    assert len(server.requests) == count
    assert load_dataset(entry, root=tmp_path / "data").X_test.shape == (5, 3, 32, 32)


def registry_of(monkeypatch, entry):
    """For one test, REGISTRY holds only entry: the dict itself is changed, since every
    module of course.lib.data shares it."""
    for name in list(REGISTRY):
        monkeypatch.delitem(REGISTRY, name)
    monkeypatch.setitem(REGISTRY, entry.name, entry)


def test_download_command_and_cli(mnist_remote, server, monkeypatch, capsys):
    from course.cli import main

    entry, root = mnist_remote
    registry_of(monkeypatch, entry)
    assert main(["data", "download", "all", "--root", str(root)]) == 0
    assert "mnist: ok" in capsys.readouterr().out
    assert main(["data", "list", "--root", str(root)]) == 0
    listing = capsys.readouterr().out
    assert "mnist    present" in listing and "mnist10k embedded" in listing
    assert main(["data", "verify", "--root", str(root)]) == 0  # mnist10k and what is present
    out = capsys.readouterr().out
    assert "mnist10k: t10k-images-idx3-ubyte.gz: valid" in out
    assert "mnist: train-images-idx3-ubyte.gz: valid" in out
    path = root / "mnist" / entry.files[1].filename
    path.write_bytes(bytes(255 - b for b in path.read_bytes()))  # same size, other bytes
    assert main(["data", "verify", "mnist", "--root", str(root)]) == 1
    out, err = capsys.readouterr()
    assert f"mnist: {path.name}: corrupt" in out and "mnist10k" not in out
    assert "course data download mnist" in err
    assert main(["data", "download", "mnist", "--root", str(root)]) == 0  # replaced
    assert main(["data", "verify", "mnist", "--root", str(root)]) == 0
    capsys.readouterr()
    assert main(["data", "download", "imagenet", "--root", str(root)]) == 2
    assert "unknown data set 'imagenet'" in capsys.readouterr().err
    assert main(["data", "download", "--root", str(root)]) == 2  # no name given
    broken = dataclasses.replace(entry, files=(dataclasses.replace(entry.files[0], md5="0" * 32),))
    registry_of(monkeypatch, broken)
    [result] = data.download_sets(["mnist"], root=root)
    assert not result.ok and entry.files[0].filename in result.error and "md5" in result.error
    assert main(["data", "download", "mnist", "--root", str(root)]) == 1
    err = capsys.readouterr().err
    assert "mnist: FAILED" in err and "not downloaded: mnist" in err


def tree_state(folder):
    """Every path under folder (and folder) -> (mode, mtime, md5 of a file's bytes): a
    write, a new file or a removed one, even a temporary file, changes it."""
    paths = [Path(folder), *sorted(Path(folder).rglob("*"))]
    return {str(p): (p.stat().st_mode, p.stat().st_mtime_ns, md5(p) if p.is_file() else None)
            for p in paths}


def test_reading_a_read_only_data_folder_writes_nothing(tmp_path, monkeypatch, capsys):
    from course.doctor import check_datasets

    root = tmp_path / "data"
    write_mnist(root / "mnist")
    write_svhn(root / "svhn")
    write_cifar10(root / "cifar10")
    extract_cifar10(root / "cifar10")
    for name, val_size in (("cifar10", 4), ("mnist", 3), ("svhn", 0.1)):
        monkeypatch.setitem(REGISTRY, name, entry_for(name, root / name, val_size=val_size))
    for path in tree_state(root):  # as root, write bits stop nothing: the tree hash decides
        os.chmod(path, os.stat(path).st_mode & ~0o222)
    before = tree_state(root)
    try:
        for name in REGISTRY:
            assert load_dataset(name, root=root).X_test.shape[0] > 0
            assert set(data.file_states(name, root=root).values()) == {"present"}
        assert {row.name: row.state for row in data.list_sets(root).sets} == {
            **{name: "embedded" for name in data.EMBEDDED}, **{name: "present" for name in REGISTRY}}
        assert [check.status for check in check_datasets(root)] == ["ok"] * 3
        assert all(state == "valid" for states in data.verify(root=root).values()
                   for state in states.values())
        assert tree_state(root) == before
    finally:
        for path in before:
            os.chmod(path, os.stat(path).st_mode | 0o200)
    capsys.readouterr()


def test_get_datasets_script_wraps_the_cli(tmp_path):
    script = REPO / "datasets" / "get_datasets.sh"
    text = script.read_text()
    assert "course data download" in text and "md5" not in text.lower()  # checksums: registry only
    env = {**os.environ, "COURSE_DATA": str(tmp_path), "PATH": f"{Path(sys.executable).parent}:"
           + os.environ.get("PATH", "")}
    result = subprocess.run(["bash", str(script), "imagenet"], capture_output=True, text=True,
                            env=env, timeout=60)
    assert result.returncode != 0
    assert "unknown data set 'imagenet'" in result.stderr


# --- memory: CIFAR-10 as the notebooks load it --------------------------------------

PEAK_SCRIPT = """
import dataclasses, json, resource, sys, tracemalloc
from course.lib import data
from course.lib.data.splits import STORED
root, size, num_training, num_other, dtype = sys.argv[1:]
published = data.REGISTRY["cifar10"]
tarball = dataclasses.replace(published.files[0], size=int(size))  # a load checks the size only
entry = dataclasses.replace(published, files=(tarball,), val_size=int(num_other))
tracemalloc.start()
ds = data.load_dataset(entry, root=root, dtype=dtype)
classic = data.cifar10_classic(ds, num_training=int(num_training), num_validation=int(num_other),
                               num_test=int(num_other))
print(json.dumps({"peak": tracemalloc.get_traced_memory()[1], "dtype": str(classic.X_train.dtype),
                  "max_rss": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024,
                  "shape": classic.X_train.shape}))
"""


def cifar10_peak(root, per_batch, dtype="float32"):
    """Load CIFAR-10 written with per_batch images in each of its 6 batches, then the
    classic preprocessing (per_batch / 10 rows validate and test, as 1,000 of 10,000),
    in a child process, keeping the loaded set as a notebook does. Returns the peak
    traced bytes, the child's max RSS, and the preprocessed training shape and dtype."""
    tarball = root / "cifar10" / "cifar-10-python.tar.gz"
    num_val = per_batch // 10
    result = subprocess.run(
        [sys.executable, "-c", PEAK_SCRIPT, str(root), str(tarball.stat().st_size),
         str(5 * per_batch - num_val), str(num_val), dtype],
        capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


@pytest.fixture
def cifar10_tenth(tmp_path):
    """CIFAR-10 in its real format at 1/10 of its size: 5 x 1,000 + 1,000 images."""
    write_cifar10(tmp_path / "cifar10", per_batch=1000, num_test=1000, compresslevel=1)
    extract_cifar10(tmp_path / "cifar10")
    return tmp_path


def test_cifar10_classic_peak_memory_scaled(cifar10_tenth):
    """At 1/10 of the images every array is 1/10 of its real size, so the peak must stay
    below 1/10 of 2 GB. float64 would not (the reason the full sets load as float32)."""
    single = cifar10_peak(cifar10_tenth, per_batch=1000)
    assert single["dtype"] == "float32" and single["shape"] == [4900, 3072]
    assert single["peak"] < 2e9 / 10, f"peak {single['peak'] / 1e6:.0f} MB at 1/10 of CIFAR-10"
    double = cifar10_peak(cifar10_tenth, per_batch=1000, dtype="float64")
    assert double["peak"] > 2e9 / 10, "the bound would not tell float32 from float64"


@pytest.mark.slow
def test_cifar10_classic_peak_memory_real_size(tmp_path):
    """50,000 + 10,000 images in the real format, the classic 49,000 / 1,000 / 1,000."""
    write_cifar10(tmp_path / "cifar10", per_batch=10000, num_test=10000, compresslevel=1)
    extract_cifar10(tmp_path / "cifar10")
    measured = cifar10_peak(tmp_path, per_batch=10000)
    assert measured["shape"] == [49000, 3072] and measured["dtype"] == "float32"
    assert measured["peak"] < 2e9, f"traced peak {measured['peak'] / 1e9:.2f} GB"
    assert measured["max_rss"] < 2e9, f"max RSS {measured['max_rss'] / 1e9:.2f} GB"


# --- embedded sets and preprocessing ------------------------------------------------

def test_digits_split_is_fixed():
    ds = load_dataset("digits")
    assert (ds.X_train.shape, ds.X_val.shape, ds.X_test.shape) == (
        (1077, 1, 8, 8), (360, 1, 8, 8), (360, 1, 8, 8))
    assert ds.X_train.dtype == np.float64 and ds.y_train.dtype == np.int64
    assert ds.pixel_max == 16.0 and ds.X_train.max() == 16.0 and ds.X_train.min() == 0.0
    # Stratified: every class is 20% of the test split, to within one image.
    counts = np.bincount(ds.y_test, minlength=10)
    assert counts.min() >= 35 and counts.max() <= 37
    # The split itself (seed 0): notebooks' accuracy targets are measured on it.
    np.testing.assert_array_equal(ds.y_test[:12], [7, 6, 3, 7, 7, 3, 2, 8, 9, 3, 2, 6])
    assert float(ds.X_val.sum()) == 112646.0
    again = load_dataset("digits")
    np.testing.assert_array_equal(again.X_train, ds.X_train)


@pytest.mark.parametrize("name", sorted(STORED))
def test_the_stored_splits_are_scikit_learns(name):
    """splits.npz holds what train_test_split gives (seed 0, stratified): the same rows in
    the same order. After a deliberate change: scripts/update_splits.py."""
    from course.lib.data.splits import stratified_indices, stored_indices

    y = {"digits": data.embedded.raw_digits, "mnist10k": data.embedded.raw_mnist10k}[name]()[1]
    stored, computed = stored_indices(name), stratified_indices(y, 0, *STORED[name])
    for part in ("train", "val", "test"):
        np.testing.assert_array_equal(stored[part], computed[part], err_msg=f"{name} {part}")
    assert sorted(np.concatenate(list(stored.values())).tolist()) == list(range(len(y)))


def test_raw_digits_are_scikit_learns():
    from sklearn.datasets import load_digits

    X, y = data.embedded.raw_digits()
    bunch = load_digits()
    np.testing.assert_array_equal(X, bunch.images[:, None, :, :])
    np.testing.assert_array_equal(y, bunch.target)
    assert X.dtype == np.float64 and y.dtype == np.int64


def test_loading_the_embedded_image_sets_imports_no_scikit_learn():
    """scikit-learn's import costs about 1.5 s of CPU per process: kernels and graders
    loading digits or mnist10k use the stored splits and read the digits' file directly."""
    code = ("import sys; from course.lib.data import load_dataset; load_dataset('digits'); "
            "load_dataset('mnist10k'); print(sorted(m for m in sys.modules if m.split('.')[0] in "
            "('sklearn', 'scipy')))")
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    assert run.stdout.strip() == "[]", run.stdout


def test_spiral_is_seeded():
    ds = load_dataset("spiral", num_classes=3, points_per_class=50)
    assert ds.X_train.shape == (90, 2) and ds.X_test.shape == (30, 2) and ds.num_classes == 3
    X1, y1 = data.make_spiral(seed=3)
    X2, y2 = data.make_spiral(seed=3)
    np.testing.assert_array_equal(X1, X2)
    assert not np.array_equal(X1, data.make_spiral(seed=4)[0])
    assert np.bincount(y1).tolist() == [100, 100, 100]
    assert np.abs(X1).max() <= 1.5  # radius at most 1


def test_mnist10k_split_is_fixed_and_stratified():
    ds = load_dataset("mnist10k")
    assert (ds.X_train.shape, ds.X_val.shape, ds.X_test.shape) == (
        (8000, 1, 28, 28), (1000, 1, 28, 28), (1000, 1, 28, 28))
    for X in (ds.X_train, ds.X_val, ds.X_test):
        assert X.dtype == np.float64 and X.min() == 0.0 and X.max() == 255.0
    assert ds.y_train.dtype == ds.y_val.dtype == ds.y_test.dtype == np.int64
    assert ds.pixel_max == 255.0 and ds.class_names == [str(k) for k in range(10)]
    # Stratified: each class's count in a split is its share of 10,000, to within one image.
    counts = np.array([980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009])  # the test file's
    for y, size in ((ds.y_train, 8000), (ds.y_val, 1000), (ds.y_test, 1000)):
        assert np.abs(np.bincount(y, minlength=10) - counts * size / 10000).max() <= 1
    # The split itself (seed 0): notebooks' figures are measured on it.
    np.testing.assert_array_equal(ds.y_test[:12], [1, 9, 4, 6, 4, 0, 6, 4, 1, 3, 1, 4])
    again = load_dataset("mnist10k")
    np.testing.assert_array_equal(again.X_val, ds.X_val)
    # The three splits are the 10,000 images of the shipped file, each once.
    X, _ = data.read_mnist(data.MNIST10K_DIR / data.MNIST_FILES["test_images"],
                           data.MNIST10K_DIR / data.MNIST_FILES["test_labels"])
    ours = np.concatenate([ds.X_train, ds.X_val, ds.X_test]).astype(np.uint8).reshape(10000, -1)
    assert sorted(map(bytes, ours)) == sorted(map(bytes, X.reshape(10000, -1)))  # rows (10000, 784)


def test_mnist10k_ships_the_published_files():
    published = {f.filename: f.md5 for f in REGISTRY["mnist"].files if f.filename.startswith("t10k")}
    assert data.MNIST10K_MD5 == published
    for filename, expected in published.items():
        assert md5(data.MNIST10K_DIR / filename) == expected, f"{filename} differs from MNIST's"
    readme = (data.MNIST10K_DIR / "README.md").read_text()
    for part in ("LeCun", "Cortes", "Burges", "CC BY-SA 3.0", "8,000", "seed 0"):
        assert part in readme, f"{part!r} missing from mnist10k/README.md"


def copy_mnist10k(folder):
    folder.mkdir(parents=True)
    for filename in data.MNIST10K_MD5:
        shutil.copy(data.MNIST10K_DIR / filename, folder / filename)
    return folder


def test_mnist10k_checksum_catches_a_modified_file(tmp_path):
    folder = copy_mnist10k(tmp_path / "modified")
    path = folder / data.MNIST_FILES["test_labels"]
    raw = bytearray(path.read_bytes())
    raw[-1] ^= 0x01  # one bit of one label, same size
    path.write_bytes(bytes(raw))
    with pytest.raises(ChecksumError) as caught:
        data.load_mnist10k(folder)
    err = caught.value
    assert err.path == path and err.expected == data.MNIST10K_MD5[path.name]
    assert err.actual == md5(path)
    for part in (str(path), err.expected, err.actual, "Reinstall the course package"):
        assert part in str(err), f"{part!r} missing from the message: {err}"
    folder = copy_mnist10k(tmp_path / "incomplete")
    (folder / data.MNIST_FILES["test_images"]).unlink()
    with pytest.raises(DatasetMissingError, match="is missing.\nReinstall the course package"):
        data.load_mnist10k(folder)


def test_mnist10k_is_hashed_once_per_process(tmp_path):
    folder = copy_mnist10k(tmp_path / "mnist10k")
    before = data.check_mnist10k_files.cache_info()
    first = data.load_mnist10k(folder)
    second = data.load_mnist10k(folder)
    after = data.check_mnist10k_files.cache_info()
    assert (after.misses - before.misses, after.hits - before.hits) == (1, 1)
    np.testing.assert_array_equal(first.X_test, second.X_test)
    assert sorted(p.name for p in folder.iterdir()) == sorted(data.MNIST10K_MD5)  # no state file


def test_wheel_ships_mnist10k_and_loads_it_offline(tmp_path):
    """A non-editable install: build the wheel from a copy of the sources, offline, and
    load mnist10k from the unpacked wheel with an empty data folder."""
    source = tmp_path / "source"
    shutil.copytree(REPO / "course", source / "course",
                    ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    for name in ("pyproject.toml", "README.md", "LICENSE"):
        shutil.copy(REPO / name, source / name)
    build = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-index",
                            "--no-build-isolation", "-q", "-w", str(tmp_path / "wheels"),
                            str(source)], capture_output=True, text=True, timeout=300)
    assert build.returncode == 0, f"pip wheel failed (setuptools>=77 installed?):\n{build.stderr}"
    (wheel,) = (tmp_path / "wheels").glob("course-*.whl")
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
        archive.extractall(tmp_path / "site")
    for filename in (*data.MNIST10K_MD5, "README.md"):
        assert f"course/lib/data/mnist10k/{filename}" in names, f"{filename} is not in {wheel.name}"
    code = ("import course.lib.data as d; ds = d.load_dataset('mnist10k'); "
            "print(d.__file__); print(ds.X_train.shape, ds.X_train.dtype, ds.y_test.dtype)")
    env = {**os.environ, "PYTHONPATH": str(tmp_path / "site"), "COURSE_DATA": str(tmp_path / "none")}
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env,
                         cwd=tmp_path, timeout=120)
    assert run.returncode == 0, run.stderr
    where, loaded = run.stdout.splitlines()
    assert where.startswith(str(tmp_path / "site")), f"imported {where}, not the wheel's copy"
    assert loaded == "(8000, 1, 28, 28) float64 int64"


def test_sample_images():
    images = data.load_sample_images(size=64)
    assert images.shape == (2, 3, 64, 64) and images.dtype == np.float64
    assert 0 <= images.min() and images.max() <= 255 and images.std() > 10


def test_classic_recipe(tmp_path):
    write_cifar10(tmp_path / "cifar10", per_batch=6, num_test=5)
    extract_cifar10(tmp_path / "cifar10")
    entry = entry_for("cifar10", tmp_path / "cifar10", val_size=4)
    ds = load_dataset(entry, root=tmp_path, dtype=np.float64)
    classic = data.cifar10_classic(ds, num_training=20, num_validation=3, num_test=2)
    assert classic.X_train.shape == (20, 3072) and classic.X_val.shape == (3, 3072)
    assert classic.X_test.shape == (2, 3072) and classic.y_test.shape == (2,)
    assert classic.mean_image.shape == (3, 32, 32)
    np.testing.assert_allclose(classic.X_train.mean(axis=0), 0, atol=1e-9)
    np.testing.assert_allclose(classic.mean_image, ds.X_train[:20].mean(axis=0))
    np.testing.assert_allclose(classic.X_test[1], (ds.X_test[1] - classic.mean_image).ravel())
    np.testing.assert_array_equal(classic.y_val, ds.y_val[:3])
    with pytest.raises(ValueError, match="has 26 train rows, 49000 were asked for"):
        data.cifar10_classic(ds)
    # float32 in, float32 out; the mean is summed in float64, then rounded once.
    single = data.cifar10_classic(load_dataset(entry, root=tmp_path), num_training=20,
                                  num_validation=3, num_test=2)
    assert single.X_train.dtype == single.mean_image.dtype == np.float32
    np.testing.assert_array_equal(single.mean_image, classic.mean_image.astype(np.float32))
    np.testing.assert_allclose(single.X_val, classic.X_val, atol=1e-4)


def test_target_helpers():
    y = np.array([2, 0, 1])
    np.testing.assert_array_equal(data.one_hot(y, 3), [[0, 0, 1], [1, 0, 0], [0, 1, 0]])
    np.testing.assert_array_equal(data.plus_minus_one_targets(y, 3)[0], [-1, -1, 1])
    np.testing.assert_array_equal(data.scale_to_unit_interval(np.array([0.0, 8.0, 16.0]), 16.0),
                                  [-1.0, 0.0, 1.0])
    assert data.to_rows(np.zeros((4, 3, 2, 2))).shape == (4, 12)
