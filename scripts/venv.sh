# Sourced by run.sh and test.sh: create or reuse the virtual environment and
# install the course into it (again only when pyproject.toml, or under CI constraints/ci.txt, changed).
# COURSE_VENV names the folder (default .venv), PYTHON the interpreter to start from.
# With CI set, the install is pinned by constraints/ci.txt (every dependency at the
# version CI last passed with), so a new release cannot break CI silently.
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
wanted="$(cksum < "$here/pyproject.toml")"
constraints=()
if [ -n "${CI:-}" ]; then
  constraints=(-c "$here/constraints/ci.txt")
  wanted="$wanted pinned $(cksum < "$here/constraints/ci.txt")"
fi
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$wanted" ]; then
  echo "== installing the course${extra:+ with $extra} into $venv${CI:+ (pinned by constraints/ci.txt)}"
  "$venv/bin/python" -m pip install --quiet --upgrade pip >/dev/null 2>&1 || true
  "$venv/bin/python" -m pip install --quiet ${constraints[@]+"${constraints[@]}"} -e "$here$extra"
  echo "$wanted" > "$stamp"
fi
export PATH="$venv/bin:$PATH"
cd "$here"
