"""`python -I -m course.grading.runner`: the trusted runner process (process.py)."""
import sys

from .process import main

sys.exit(main())
