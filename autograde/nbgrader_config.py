"""nbgrader configuration of the course.

Run nbgrader's own commands from this folder (`nbgrader generate_assignment
01_linear_affine`, `nbgrader autograde 01_linear_affine`; the formgrader: `jupyter
lab` here, then Nbgrader > Formgrader) or use the `course` command, which runs
them for every assignment.

Generated here and git-ignored: source/ (staged masters), release/ (student
versions), submitted/, autograded/, feedback/, gradebook.db, grades.csv.
"""
import os

c = get_config()  # noqa: F821 (provided by nbgrader when it loads this file)
here = os.path.dirname(os.path.abspath(__file__))

c.CourseDirectory.course_id = "numpy-deep-learning"
c.CourseDirectory.root = here

# The gradebook: SQLite beside this file, or a database URL from the environment
# (e.g. postgresql://user@host/gradebook for several graders working at once).
c.CourseDirectory.db_url = (
    os.environ.get("COURSE_GRADEBOOK_URL") or "sqlite:///" + os.path.join(here, "gradebook.db")
)

# Each assignment ships its notebook alone: data, gradient checks and plots come
# from the installed `course` package, so nothing else is copied to students.
c.CourseDirectory.ignore = [".ipynb_checkpoints", "*.pyc", "__pycache__", "feedback"]
# ... and nbgrader's own generate_assignment copies nothing but notebooks either.
c.CourseDirectory.include = ["*.ipynb"]

# What a student sees in place of a solution.
c.ClearSolutions.code_stub = {"python": "# YOUR CODE HERE\nraise NotImplementedError()"}
c.ClearSolutions.text_stub = "YOUR ANSWER HERE"

# Grading treats a submission as hostile (README, "Grading safely"). First its
# cells and metadata are rebuilt from source/ (course/grading/sanitize.py), so
# tags, edited grade ids or flags can neither skip a test nor stop grading;
# then every student kernel runs in a bubblewrap sandbox
# (course/grading/sandbox.py; COURSE_SANDBOX=off runs it unsandboxed).
from nbconvert.preprocessors import ClearMetadataPreprocessor  # noqa: E402
from nbgrader.preprocessors import (AssignLatePenalties, CheckCellMetadata, ClearOutput,  # noqa: E402
                                    DeduplicateIds, IgnorePattern, LimitOutput,
                                    OverwriteCells, OverwriteKernelspec, SaveAutoGrades)

from course.grading.sandbox import SandboxedExecute  # noqa: E402
from course.grading.sanitize import SanitizeSubmission  # noqa: E402

c.Autograde.sanitize_preprocessors = [
    ClearOutput, SanitizeSubmission, DeduplicateIds, OverwriteKernelspec, OverwriteCells,
    CheckCellMetadata]
c.Autograde.autograde_preprocessors = [
    SandboxedExecute, IgnorePattern, ClearMetadataPreprocessor, LimitOutput, SaveAutoGrades,
    AssignLatePenalties, CheckCellMetadata]

# Graded test cells of a notebook whose source opts in (notebook metadata
# `course.trusted_runner: true`) run in the trusted runner, a process of its own
# that reaches the student's kernel over a data-only channel
# (course/grading/runner/); every other cell, and every other notebook, runs
# in the kernel as before. Settings: c.TrustedExecute.call_timeout.
from nbgrader.preprocessors import Execute  # noqa: E402

from course.grading.runner.preprocessor import with_trusted_runner  # noqa: E402

c.Autograde.autograde_preprocessors = [
    with_trusted_runner(p) if isinstance(p, type) and issubclass(p, Execute) else p
    for p in c.Autograde.autograde_preprocessors]

# Autograding: every cell may run this long (s) before it is interrupted and
# scored as failed; the rest of the notebook is still graded.
c.Execute.timeout = int(os.environ.get("COURSE_CELL_TIMEOUT", "300"))
c.Execute.interrupt_on_timeout = True
# A submission whose test cell was deleted gets it back, and it is graded.
c.OverwriteCells.add_missing_cells = True
# A cell that prints without end is cut to this many lines in the graded copy.
c.LimitOutput.max_lines = 1000
c.LimitOutput.max_traceback = 100

# Feedback and the formgrader (course/grading/feedback.py). Both render notebooks
# with HTMLExporter: SanitizeHTML lets no student HTML or JavaScript run there.
# Feedback also shows no hidden test: one line per hidden block, a failing
# hidden test by its assert message (GetGrades and CSSHTMLHeaderPreprocessor
# are nbgrader's own GenerateFeedback preprocessors).
c.HTMLExporter.preprocessors = ["course.grading.feedback.SanitizeHTML"]
c.GenerateFeedback.preprocessors = ["nbgrader.preprocessors.GetGrades",
                                    "nbconvert.preprocessors.CSSHTMLHeaderPreprocessor",
                                    "course.grading.feedback.HideHiddenTests"]
