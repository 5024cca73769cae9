"""Helpers for test cells that behave alike in the student's kernel and in
the trusted grading runner.

A test cell runs in the student's kernel when the student runs it in
JupyterLab, and in the trusted runner at grading time
(`course/grading/runner/`), where the notebook's functions are handles on
the kernel's. `replaced_names` puts other functions in place of the
notebook's for the length of a `with` block in both: in the namespace the
test gives (the cell's `globals()`) and, under the runner, in the kernel
too, so that a student's function that calls `affine_forward` by name calls
the replacement (which then runs in the runner, called back with data).
"""
from __future__ import annotations

from contextlib import contextmanager

# Set by the trusted runner's process to an object with `replace(dict)` and
# `restore()`, which do the same in the student's kernel. None elsewhere.
kernel_names = None


@contextmanager
def replaced_names(replacements: dict, namespace: dict):
    """Within the block, each name of `replacements` in `namespace` (a test
    cell's `globals()`) refers to its replacement, and the originals are back
    afterwards (names that were absent are removed again)."""
    saved = {name: (name in namespace, namespace.get(name)) for name in replacements}
    namespace.update(replacements)
    in_kernel = kernel_names
    try:
        if in_kernel is not None:
            in_kernel.replace(dict(replacements))
        try:
            yield
        finally:
            if in_kernel is not None:
                in_kernel.restore()
    finally:
        for name, (present, value) in saved.items():
            if present:
                namespace[name] = value
            else:
                namespace.pop(name, None)
