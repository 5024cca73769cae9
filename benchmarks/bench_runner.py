"""What the trusted runner costs: the same submission graded with the runner and
with its test cells run in the kernel (both sandboxed).

Releases the named masters into a scratch course, submits a reference copy,
and grades it alternately with the source notebook's `course.trusted_runner`
flag on and off (interleaved, so machine load hits both alike). Prints each
pair's wall seconds and CPU seconds (nbgrader, the kernel and the runner:
the children's rusage), the median wall ratio runner / kernel and its
spread (min-max), and checks that both score the same.

    python benchmarks/bench_runner.py [--pairs 5] [NAME ...]
"""
from __future__ import annotations

import argparse
import resource
import statistics
import tempfile
from pathlib import Path

import nbformat
from bench_sandbox import scratch_course

from course.grading import submissions as subs
from course.grading.autograde import grade_one, scores
from course.grading.release import release_path

NAMES = ["01_linear_affine", "02_backprop", "03_two_layer_net", "04_modular_conv", "05_bnn"]


def set_runner(course_dir: Path, name: str, on: bool) -> None:
    """Turn the runner on or off in the staged source notebook of `name`."""
    path = course_dir / "source" / name / f"{name}.ipynb"
    source = nbformat.read(path, as_version=4)
    source.metadata.setdefault("course", {})["trusted_runner"] = on
    nbformat.write(source, path)


def children_cpu() -> float:
    """CPU seconds (user + system) of this process's finished children so far."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def measure(names, pairs: int) -> dict:
    """{name: [(runner s, kernel s, runner CPU s, kernel CPU s), ...]} for `pairs`
    gradings of the reference each way."""
    with tempfile.TemporaryDirectory() as tmp:
        layout = scratch_course(Path(tmp), names)
        results = {}
        for name in names:
            released = nbformat.read(release_path(layout, name), as_version=4)
            master = nbformat.read(layout.master(name), as_version=4)
            subs.write_submission(layout.course_dir / "submitted", "reference", name,
                                  subs.reference_submission(released, master))
            timings = []
            for k in range(pairs):
                times, cpu, points = {}, {}, {}
                for on in ((True, False) if k % 2 == 0 else (False, True)):
                    set_runner(layout.course_dir, name, on)
                    before = children_cpu()
                    outcome = grade_one(layout.course_dir, name, "reference")
                    cpu[on] = children_cpu() - before
                    if not outcome.ok:
                        raise RuntimeError(f"{name} (runner {'on' if on else 'off'}): {outcome.problem}")
                    times[on] = outcome.seconds
                    points[on] = {s.student: s.auto_score for s in scores(layout.course_dir, [name])}["reference"]
                if points[True] != points[False]:
                    raise RuntimeError(f"{name}: {points[True]} points with the runner, {points[False]} without")
                timings.append((times[True], times[False], cpu[True], cpu[False]))
                print(f"{name:<20} pair {k}: runner {times[True]:6.2f} s ({cpu[True]:6.2f} s CPU), "
                      f"kernel {times[False]:6.2f} s ({cpu[False]:6.2f} s CPU), {points[True]:g} points", flush=True)
            results[name] = timings
    return results


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("names", nargs="*", default=NAMES)
    parser.add_argument("--pairs", type=int, default=5)
    args = parser.parse_args(argv)
    for name, timings in measure(args.names, args.pairs).items():
        ratios = [t[0] / t[1] for t in timings]
        print(f"{name}: runner / kernel = {statistics.median(ratios):.3f} "
              f"(median of {len(ratios)} pairs, spread {min(ratios):.3f}-{max(ratios):.3f}; "
              f"median seconds {statistics.median(t[0] for t in timings):.2f} vs "
              f"{statistics.median(t[1] for t in timings):.2f}, CPU "
              f"{statistics.median(t[2] for t in timings):.2f} vs {statistics.median(t[3] for t in timings):.2f})")


if __name__ == "__main__":
    main()
