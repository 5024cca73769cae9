#!/usr/bin/env bash
# Download and verify the full data sets into this folder (or $COURSE_DATA).
#
#   datasets/get_datasets.sh              # everything: cifar10, mnist, svhn
#   datasets/get_datasets.sh mnist svhn   # some of them
#
# A thin wrapper over `course data download`: the URLs and published checksums
# live in one place, the registry in course/lib/data/registry.py.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(dirname "$here")"

if [ -x "$repo/.venv/bin/course" ]; then
    exec "$repo/.venv/bin/course" data download "${@:-all}"
elif command -v course >/dev/null 2>&1; then
    exec course data download "${@:-all}"
else
    python="$(command -v python3 || command -v python)"
    exec "$python" -m course.cli data download "${@:-all}"
fi
