"""Data sets: one registry, one way in (`load_dataset`), preprocessing helpers.

Every loader returns a `Dataset`: images (N, C, H, W) at their published pixel
scale (0-255; digits 0-16), labels int64 (N,). The embedded sets are float64:
mnist10k (the real MNIST test files, shipped inside the package: 8,000 / 1,000 /
1,000 stratified with seed 0), digits and spiral need no download; the sample
images for the convolution demo come from matplotlib's bundled data.

The full sets (cifar10, mnist, svhn) are described once, in REGISTRY: files,
sizes, URLs, published md5s and the parser of each real format. `course data
download NAME|all` (and datasets/get_datasets.sh, a thin wrapper) fetches
them into the data folder: root=, else $COURSE_DATA, else the checkout's
datasets/. pooch verifies each md5 where the bytes arrive; a tarball is
extracted after its download. They load as float32 (each split converted from
the stored uint8), so CIFAR-10 with the classic preprocessing stays below 2 GB.
A load checks presence and sizes only and writes nothing; `course data verify`
re-hashes. A missing or truncated set is an error naming the command to run.

Modules: dataset (Dataset, the splits), embedded (mnist10k, digits, spiral,
sample images), formats (the CIFAR-10 / MNIST / SVHN readers), registry
(REGISTRY, data_root), checksums (md5 of a file), check (what is in the data
folder, `course data verify`), fetch (downloads, `course data download` and
`list`), load (load_dataset), preprocess (the helpers the notebooks share),
errors. Everything is imported from here.
"""
from .check import check_files, file_states, verify
from .checksums import file_md5, verify_file
from .dataset import Dataset, split_last, stratified_split
from .embedded import (EMBEDDED, MNIST10K_DIR, MNIST10K_MD5, SAMPLE_IMAGES, check_mnist10k_files,
                       load_digits, load_mnist10k, load_sample_images, load_spiral, make_spiral)
from .errors import (ChecksumError, CorruptFileError, DataFormatError, DatasetError,
                     DatasetMissingError, DownloadError, FileSizeError, UnknownDatasetError)
from .fetch import DownloadResult, ExtractMembers, Listing, SetState, download, download_sets, list_sets
from .formats import (CIFAR10_DIR, CIFAR10_MEMBERS, CIFAR10_TRAIN_BATCHES, IDX_IMAGES_MAGIC,
                      IDX_LABELS_MAGIC, MNIST_FILES, SVHN_FILES, parse_cifar10, parse_mnist,
                      parse_svhn, read_cifar10_batch, read_idx, read_mnist, read_svhn)
from .load import load_dataset, load_full_dataset
from .preprocess import (cifar10_classic, classic_preprocess, one_hot, plus_minus_one_targets,
                         scale_to_unit_interval, to_rows)
from .registry import REGISTRY, DatasetEntry, RemoteFile, data_root, dataset_names, get_entry

__all__ = [
    "check_files", "check_mnist10k_files", "ChecksumError", "cifar10_classic",
    "CIFAR10_DIR", "CIFAR10_MEMBERS", "CIFAR10_TRAIN_BATCHES", "classic_preprocess",
    "CorruptFileError", "data_root", "DataFormatError", "Dataset", "dataset_names",
    "DatasetEntry", "DatasetError", "DatasetMissingError", "download", "download_sets", "DownloadResult",
    "DownloadError", "EMBEDDED", "ExtractMembers", "file_md5", "file_states",
    "FileSizeError", "get_entry", "IDX_IMAGES_MAGIC", "IDX_LABELS_MAGIC", "load_dataset",
    "load_digits", "load_full_dataset", "load_mnist10k", "load_sample_images",
    "list_sets", "Listing", "load_spiral", "make_spiral", "MNIST10K_DIR", "MNIST10K_MD5", "MNIST_FILES", "one_hot",
    "parse_cifar10", "parse_mnist", "parse_svhn", "plus_minus_one_targets",
    "read_cifar10_batch", "read_idx", "read_mnist", "read_svhn",
    "REGISTRY", "RemoteFile", "SAMPLE_IMAGES", "scale_to_unit_interval", "SetState", "split_last",
    "stratified_split", "SVHN_FILES", "to_rows", "UnknownDatasetError", "verify",
    "verify_file",
]
