"""Errors the `course` command reports as a message, without a traceback."""


class CourseError(Exception):
    """A problem the user can fix; the message names it and the fix."""
