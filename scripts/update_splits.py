"""Recompute the stored seed-0 splits of digits and mnist10k with scikit-learn and
write course/lib/data/splits.npz (see that module's docstring for why they are stored).

    .venv/bin/python scripts/update_splits.py
"""
from course.lib.data.embedded import raw_digits, raw_mnist10k
from course.lib.data.splits import write_stored_splits

if __name__ == "__main__":
    print(write_stored_splits({"digits": raw_digits()[1], "mnist10k": raw_mnist10k()[1]}))
