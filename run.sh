#!/usr/bin/env bash
# Set up (or reuse) .venv and run the course's main job on the embedded data:
# execute every master notebook, release the student versions, autograde a
# reference and a blank submission of each, print the grade table.
# Arguments go to `course main` (assignment names, --full).
source "$(dirname "$0")/scripts/venv.sh"
course main "$@"
