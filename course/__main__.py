r"""`python -m course ...` is the `course` command, for where no console script is
on PATH (Windows without an activated environment: `.venv\Scripts\python -m course doctor`)."""
import sys

from course.cli import main

sys.exit(main())
