"""The trusted test runner: graded test cells run in a process of their own.

The student's notebook still executes top to bottom in its (sandboxed)
kernel, but the code of each graded test cell runs in the runner process,
where no student code ever runs; the student's functions and classes are
reached over a data-only channel (arrays and plain Python data, never
pickles) and compared in the runner's own numpy.

    codec.py         the data-only JSON codec (what is data, strict parsing)
    agent.py         the code that serves requests inside the kernel
    channel.py       the runner's client of the kernel: requests, callbacks, time limits
    proxy.py         handles on kernel objects, name resolution, allow-lists
    plan.py          what the source notebook says: opt-in flag, test cells, trusted imports
    outcome.py       a test cell's error output (visible vs hidden failures)
    process.py       the runner process (`python -I -m course.grading.runner`)
    launcher.py      the parent's side: start, feed and stop a runner process
    preprocessor.py  `TrustedExecute`, the nbgrader preprocessor that uses it

Turn it on for a notebook with notebook metadata `course.trusted_runner: true`
in its source; autograde/nbgrader_config.py puts TrustedExecute in place of
nbgrader's Execute.
"""
