"""Grading a class: the same submissions graded serially and with `--jobs N`.

Releases the named masters (default 01_linear_affine and 04_modular_conv) in a
scratch course, builds COUNT submissions of each from the release with
course.grading.submissions (reference, partial and blank in turn), then
grades them all twice in fresh copies of that course: `jobs=1` and
`jobs=N`, sandboxed, in fast mode, as `course grade` does. Checks that both
runs give the same grade table, and prints the wall times, the speed-up,
submissions per minute per core and the projected time for a course of
STUDENTS x NOTEBOOKS submissions on CORES cores (assuming the mean cost per
submission measured here holds for every notebook).

    python benchmarks/bench_grading.py                  # 40 + 40 submissions, --jobs 2
    python benchmarks/bench_grading.py --count 20 --jobs 2 01_linear_affine
"""
from __future__ import annotations

import argparse
import os
import resource
import shutil
import statistics
import tempfile
import time
from pathlib import Path

import nbformat

from course.grading import submissions as subs
from course.grading.autograde import grade
from course.grading.masters import exercises, load_master
from course.grading.paths import CourseLayout, repo_root
from course.grading.release import release, release_path

NAMES = ("01_linear_affine", "04_modular_conv")


def scratch_course(tmp: Path, names) -> CourseLayout:
    """A released course directory under tmp with the course's nbgrader_config.py."""
    root = repo_root()
    layout = CourseLayout(root / "notebooks", tmp / "autograde", tmp / "executed")
    layout.course_dir.mkdir(parents=True)
    shutil.copy(root / "autograde" / "nbgrader_config.py", layout.course_dir)
    release(list(names), layout=layout)
    return layout


def build_class(layout: CourseLayout, names, count: int, folder: Path) -> dict[str, int]:
    """count submissions per assignment under folder (laid out like submitted/):
    reference, partial (the first half of the exercises) and blank in turn.
    Returns how many of each kind."""
    kinds = {"reference": 0, "partial": 0, "blank": 0}
    for name in names:
        released = nbformat.read(release_path(layout, name), as_version=4)
        master = load_master(layout.master(name))
        stems = list(exercises(master))
        fills = {"reference": "all", "partial": stems[: len(stems) // 2], "blank": []}
        for i in range(count):
            kind = list(kinds)[i % 3]
            kinds[kind] += 1
            subs.write_submission(folder, f"s{i:03d}-{kind}", name, subs.fill(released, master, fills[kind]))
    return kinds


def timed_grading(template: Path, target: Path, names, folder: Path, jobs: int):
    """Grade folder's submissions in a copy of the template course; returns
    (wall seconds, CPU seconds of the grading processes, grade table, seconds per submission)."""
    shutil.copytree(template, target)
    layout = CourseLayout(repo_root() / "notebooks", target / "autograde", target / "executed")
    cpu_before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    run = grade(list(names), submissions=folder, layout=layout, jobs=jobs, force=True)
    wall = time.perf_counter() - start
    cpu_after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (cpu_after.ru_utime - cpu_before.ru_utime) + (cpu_after.ru_stime - cpu_before.ru_stime)
    if not run.ok:
        raise SystemExit(f"grading with jobs={jobs} failed:\n" + "\n".join(o.line() for o in run.failed))
    per_submission = {}
    for outcome in run.outcomes:
        per_submission.setdefault(outcome.assignment, []).append(outcome.seconds)
    table = [(s.assignment, s.student, s.auto_score, s.score) for s in run.scores]
    return wall, cpu, table, per_submission


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("names", nargs="*", default=list(NAMES))
    parser.add_argument("--count", type=int, default=40, help="submissions per assignment (default 40)")
    parser.add_argument("--jobs", type=int, default=2, help="the parallel run's --jobs (default 2)")
    parser.add_argument("--students", type=int, default=300)
    parser.add_argument("--notebooks", type=int, default=5)
    parser.add_argument("--cores", type=int, default=16)
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory(prefix="bench-grading-") as tmp:
        tmp = Path(tmp)
        layout = scratch_course(tmp / "template", args.names)
        kinds = build_class(layout, args.names, args.count, tmp / "class")
        total = args.count * len(args.names)
        print(f"load average (1 min) at the start: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
        print(f"{total} submissions ({', '.join(f'{n} {k}' for k, n in kinds.items())}) of "
              f"{', '.join(args.names)}", flush=True)
        serial = timed_grading(tmp / "template", tmp / "serial", args.names, tmp / "class", 1)
        print(f"serial (--jobs 1): {serial[0]:.0f} s wall, {serial[1]:.0f} s CPU", flush=True)
        parallel = timed_grading(tmp / "template", tmp / "parallel", args.names, tmp / "class", args.jobs)
        print(f"--jobs {args.jobs}: {parallel[0]:.0f} s wall, {parallel[1]:.0f} s CPU", flush=True)

    if serial[2] != parallel[2]:
        raise SystemExit("the parallel grade table differs from the serial one")
    for name, seconds in serial[3].items():
        print(f"  {name}: {statistics.mean(seconds):.1f} s per submission serially "
              f"(median {statistics.median(seconds):.1f} s, max {max(seconds):.1f} s)")
    speedup = serial[0] / parallel[0]
    per_core = total / (parallel[0] / 60) / args.jobs
    course = args.students * args.notebooks
    projected = course / (per_core * args.cores)
    print(f"speed-up --jobs {args.jobs} over serial: {speedup:.2f}x (same grade table: yes)")
    print(f"submissions per minute per core: {per_core:.2f} (serial: {total / (serial[0] / 60):.2f})")
    print(f"projected for {args.students} students x {args.notebooks} notebooks = {course} submissions "
          f"on {args.cores} cores: {projected:.0f} min ({projected / 60:.1f} h), at this mix's mean cost")
    cpu_each = parallel[1] / total
    # getrusage counts only the processes reaped below this one: a lower bound
    print(f"CPU per submission (at least: getrusage of the reaped child processes): {cpu_each:.1f} s "
          f"(serial run {serial[1] / total:.1f} s); by that CPU alone, {course} submissions on "
          f"{args.cores} cores: {course * cpu_each / args.cores / 60:.0f} min")
    print(f"load average (1 min) at the end: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores "
          f"(other work on the machine slows both runs)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
