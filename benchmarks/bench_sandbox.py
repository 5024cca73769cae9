"""What the grading sandbox costs: the same submissions graded with and without it.

Releases the named masters into a scratch course, submits reference copies,
and grades each submission alternately sandboxed and unsandboxed (interleaved,
so machine load hits both alike). Prints each pair's seconds, the median
ratio sandboxed / unsandboxed and its spread (min-max).

    python benchmarks/bench_sandbox.py [--pairs 5] [NAME ...]
"""
from __future__ import annotations

import argparse
import statistics
import tempfile
from pathlib import Path

import nbformat

from course.grading import submissions as subs
from course.grading.autograde import grade_one
from course.grading.paths import CourseLayout, repo_root
from course.grading.release import release, release_path


def scratch_course(tmp: Path, names) -> CourseLayout:
    root = repo_root()
    layout = CourseLayout(root / "notebooks", tmp / "autograde", tmp / "executed")
    layout.course_dir.mkdir(parents=True)
    (layout.course_dir / "nbgrader_config.py").write_text((root / "autograde" / "nbgrader_config.py").read_text())
    release(names, layout=layout)
    return layout


def measure(names, pairs: int) -> dict:
    """{name: [(sandboxed s, unsandboxed s), ...]} for `pairs` reference submissions each."""
    with tempfile.TemporaryDirectory() as tmp:
        layout = scratch_course(Path(tmp), names)
        results = {}
        for name in names:
            released = nbformat.read(release_path(layout, name), as_version=4)
            master = nbformat.read(layout.master(name), as_version=4)
            reference = subs.reference_submission(released, master)
            timings = []
            for k in range(pairs):
                times = {}
                for sandbox in ((True, False) if k % 2 == 0 else (False, True)):
                    student = f"{'box' if sandbox else 'bare'}-{k}"
                    subs.write_submission(layout.course_dir / "submitted", student, name, reference)
                    outcome = grade_one(layout.course_dir, name, student, sandbox=sandbox)
                    if not outcome.ok:
                        raise RuntimeError(f"{name} {student}: {outcome.problem}")
                    times[sandbox] = outcome.seconds
                timings.append((times[True], times[False]))
                print(f"{name:<20} pair {k}: sandboxed {times[True]:6.2f} s, "
                      f"unsandboxed {times[False]:6.2f} s", flush=True)
            results[name] = timings
    return results


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("names", nargs="*", default=["01_linear_affine", "02_backprop"])
    parser.add_argument("--pairs", type=int, default=5)
    args = parser.parse_args(argv)
    for name, timings in measure(args.names, args.pairs).items():
        ratios = [box / bare for box, bare in timings]
        print(f"{name}: sandboxed / unsandboxed = {statistics.median(ratios):.3f} "
              f"(median of {len(ratios)} pairs, spread {min(ratios):.3f}-{max(ratios):.3f}; "
              f"median seconds {statistics.median(b for b, _ in timings):.2f} vs "
              f"{statistics.median(u for _, u in timings):.2f})")


if __name__ == "__main__":
    main()
