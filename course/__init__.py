"""From linear functions to binarized neural networks: the course's support package.

`course.lib` holds what students use but are not graded on (data, gradient
checks, plots, the training loop); the `course` command drives nbgrader.
"""
__version__ = "0.1.0"
