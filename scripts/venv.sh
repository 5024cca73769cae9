# Sourced by run.sh and test.sh: create or reuse the virtual environment and
# install the course into it (again only when pyproject.toml changed).
# COURSE_VENV names the folder (default .venv), PYTHON the interpreter to start from.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
venv="${COURSE_VENV:-$here/.venv}"
python="${PYTHON:-python3}"
extra="${1:-}"

if ! command -v "$python" >/dev/null 2>&1; then
  echo "error: $python not found; install Python 3.10 or newer, or set PYTHON=/path/to/python3" >&2
  exit 1
fi
if ! "$python" -c 'import sys; sys.exit(sys.version_info < (3, 10))'; then
  echo "error: the course needs Python >= 3.10; $python is $("$python" --version 2>&1). Set PYTHON=/path/to/python3.11" >&2
  exit 1
fi
if [ ! -x "$venv/bin/python" ]; then
  echo "== creating the virtual environment $venv"
  "$python" -m venv "$venv"
fi
stamp="$venv/.course-installed$extra"
wanted="$(cat "$here/pyproject.toml" | cksum)"
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$wanted" ]; then
  echo "== installing the course${extra:+ with $extra} into $venv"
  "$venv/bin/python" -m pip install --quiet --upgrade pip >/dev/null 2>&1 || true
  "$venv/bin/python" -m pip install --quiet -e "$here$extra"
  echo "$wanted" > "$stamp"
fi
export PATH="$venv/bin:$PATH"
cd "$here"
