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

Modules: dataset (Dataset, the splits), embedded (digits, spiral, sample
images), formats (the CIFAR-10 / MNIST / SVHN readers), registry (REGISTRY,
data_root), stamps (remembered verifications), fetch (verify, download, the
`course data` commands), load (load_dataset), preprocess (the helpers the
notebooks share), errors. Everything is imported from here.
"""
from .dataset import Dataset, _split_last, stratified_split
from .embedded import (EMBEDDED, SAMPLE_IMAGES, load_digits, load_sample_images, load_spiral,
                       make_spiral)
from .errors import (ChecksumError, DataFormatError, DatasetError, DatasetMissingError,
                     DownloadError, UnknownDatasetError)
from .fetch import download, download_command, file_states, print_registry, verify_dataset
from .formats import (CIFAR10_DIR, CIFAR10_MEMBERS, CIFAR10_TRAIN_BATCHES, IDX_IMAGES_MAGIC,
                      IDX_LABELS_MAGIC, MNIST_FILES, SVHN_FILES, parse_cifar10, parse_mnist,
                      parse_svhn, read_cifar10_batch, read_idx, read_mnist, read_svhn)
from .load import load_dataset, load_full_dataset
from .preprocess import (cifar10_classic, classic_preprocess, one_hot, plus_minus_one_targets,
                         scale_to_unit_interval, to_rows)
from .registry import REGISTRY, DatasetEntry, RemoteFile, data_root, get_entry
from .stamps import _read_stamps, _write_stamps
