#!/usr/bin/env bash
# Set up (or reuse) .venv with the test extra and run the whole test suite.
# Arguments go to pytest (e.g. -m "not slow" to skip grading the real notebooks).
source "$(dirname "$0")/scripts/venv.sh" "[test]"
python -m pytest "$@"
