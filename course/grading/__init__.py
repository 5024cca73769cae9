"""nbgrader orchestration behind the `course` command.

execute.py runs master notebooks headless; release.py makes and verifies the
student versions; submissions.py builds reference, blank and partial
submissions from a release; collect.py takes an LMS download; autograde.py
grades, exports and writes feedback; mainjob.py strings them together.
"""
