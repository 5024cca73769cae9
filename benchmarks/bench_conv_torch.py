"""Notebook 04's fast convolution against PyTorch's CPU conv2d, forward and backward.

The master's layers (`conv_forward_fast`, `conv_backward_fast` and the provided
`col2im`, loaded from the notebook as bench_fast_layers.py does) and
`torch.nn.functional.conv2d` with autograd, both on one thread, on four
configurations:

    seed shape   x (100, 3, 31, 31), w (25, 3, 3, 3), stride 2, pad 1   float64, float32
    real layer   x (32, 64, 32, 32), w (64, 64, 3, 3), stride 1, pad 1  float64, float32

Each configuration runs `repeats` interleaved rounds on the same inputs: in each round
every master's layers, then PyTorch's, forward + backward, then the forward passes
alone, so that all see the same machine load. A round's ratio is ours / PyTorch's
wall time in that round (below 1: ours is faster); the table gives the median ratio
over the rounds and its spread (the quartiles, q1-q3), the median wall times, and the
median ratio of process CPU times (less disturbed by other programs on a shared
machine, which delay a process without charging it CPU time).

    python benchmarks/bench_conv_torch.py                      # the master, 15 rounds
    python benchmarks/bench_conv_torch.py --before HEAD~1      # and the master of a git revision, side by side
    python benchmarks/bench_conv_torch.py --repeats 31 --master other/04_modular_conv.py

PyTorch is optional and never a course dependency: install it into a scratch
environment (`pip install torch`) together with this package's requirements.
"""
from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_fast_layers import MASTER, load_layers  # noqa: E402

CONFIGURATIONS = {  # name: (x shape, w shape, stride, pad)
    "seed shape": ((100, 3, 31, 31), (25, 3, 3, 3), 2, 1),
    "real layer": ((32, 64, 32, 32), (64, 64, 3, 3), 1, 1),
}
DTYPES = ("float64", "float32")


@dataclass
class Timing:
    """One master's layers (or PyTorch's) over the rounds of one configuration: seconds per round."""

    wall: list[float]
    cpu: list[float]
    forward_wall: list[float]
    forward_cpu: list[float]


@dataclass
class Comparison:
    """One master's layers against PyTorch's on one configuration, from the same interleaved rounds."""

    name: str
    dtype: str
    label: str
    ours: Timing
    torch: Timing

    def ratios(self, forward: bool = False) -> list[float]:
        """ours / PyTorch's wall time, round by round."""
        ours, theirs = (self.ours.forward_wall, self.torch.forward_wall) if forward else (self.ours.wall, self.torch.wall)
        return [a / b for a, b in zip(ours, theirs)]

    def ratio(self, forward: bool = False) -> tuple[float, float, float]:
        """The median round's ratio and the quartiles: (median, q1, q3)."""
        q1, median, q3 = statistics.quantiles(self.ratios(forward), n=4)
        return median, q1, q3

    def cpu_ratio(self, forward: bool = False) -> float:
        """Median CPU seconds, ours / PyTorch's."""
        ours, theirs = (self.ours.forward_cpu, self.torch.forward_cpu) if forward else (self.ours.cpu, self.torch.cpu)
        return statistics.median(ours) / statistics.median(theirs)


def _timed(fn) -> tuple[float, float]:
    """Wall and process CPU seconds of one call fn()."""
    wall, cpu = time.perf_counter(), time.process_time()
    fn()
    return time.perf_counter() - wall, time.process_time() - cpu


def _check(label, name, dtype, layers, x, w, b, conv_param, dout, reference):
    """Raise SystemExit unless this master's layers keep the dtype and agree with PyTorch's results."""
    out, cache = layers["conv_forward_fast"](x, w, b, conv_param)
    grads = layers["conv_backward_fast"](dout, cache)
    if any(np.asarray(a).dtype != np.dtype(dtype) for a in (out, *grads)):
        raise SystemExit(f"{label}, {name} {dtype}: the fast layers returned "
                         f"{[np.asarray(a).dtype.name for a in (out, *grads)]}, not {dtype}")
    tolerance = 1e-9 if dtype == "float64" else 2e-3
    for what, ours, theirs in zip(("out", "dx", "dw", "db"), (out, *grads), reference):
        error = np.abs(ours - theirs).max()
        if error > tolerance * np.abs(theirs).max():
            raise SystemExit(f"{label}, {name} {dtype}: {what} differs from PyTorch's by {error:.2e}")


def compare(masters: dict, torch, name: str, dtype: str, repeats: int, seed: int = 0) -> list[Comparison]:
    """Time one configuration for every master in `masters` ({label: layers}) and PyTorch,
    interleaved; checks first that each master's results agree with PyTorch's."""
    x_shape, w_shape, stride, pad = CONFIGURATIONS[name]
    rng = np.random.default_rng(seed)
    x = rng.standard_normal(x_shape).astype(dtype)
    w = rng.standard_normal(w_shape).astype(dtype)
    b = rng.standard_normal(w_shape[0]).astype(dtype)
    conv_param = {"stride": stride, "pad": pad}

    x_t, w_t, b_t = (torch.tensor(a, requires_grad=True) for a in (x, w, b))

    def torch_forward():
        return torch.nn.functional.conv2d(x_t, w_t, b_t, stride=stride, padding=pad)

    def torch_step():
        x_t.grad = w_t.grad = b_t.grad = None
        torch_forward().backward(dout_t)

    def torch_forward_alone():
        with torch.no_grad():
            torch_forward()

    out_t = torch_forward()
    dout = rng.standard_normal(tuple(out_t.shape)).astype(dtype)
    dout_t = torch.tensor(dout)
    torch_step()
    reference = (out_t.detach().numpy(), x_t.grad.numpy(), w_t.grad.numpy(), b_t.grad.numpy())

    runs = {"PyTorch": (torch_step, torch_forward_alone)}
    for label, layers in masters.items():
        _check(label, name, dtype, layers, x, w, b, conv_param, dout, reference)
        forward, backward = layers["conv_forward_fast"], layers["conv_backward_fast"]
        runs[label] = (lambda f=forward, g=backward: g(dout, f(x, w, b, conv_param)[1]),
                       lambda f=forward: f(x, w, b, conv_param))
    timings = {label: Timing([], [], [], []) for label in runs}
    for step, forward_alone in runs.values():  # warm-up
        step()
        forward_alone()
    for _ in range(repeats):
        for label, (step, forward_alone) in runs.items():
            wall, cpu = _timed(step)
            timings[label].wall.append(wall)
            timings[label].cpu.append(cpu)
        for label, (step, forward_alone) in runs.items():
            wall, cpu = _timed(forward_alone)
            timings[label].forward_wall.append(wall)
            timings[label].forward_cpu.append(cpu)
    return [Comparison(name, dtype, label, timings[label], timings["PyTorch"]) for label in masters]


def master_at(revision: str, master: Path = MASTER) -> Path:
    """A temporary copy of the master as it was at a git revision (for before/after tables)."""
    repo = master.resolve().parents[1]
    relative = master.resolve().relative_to(repo).as_posix()
    source = subprocess.run(["git", "-C", str(repo), "show", f"{revision}:{relative}"],
                            capture_output=True, text=True)
    if source.returncode != 0:
        raise SystemExit(f"git show {revision}:{relative} failed: {source.stderr.strip()}")
    copy = Path(tempfile.mkdtemp()) / master.name
    copy.write_text(source.stdout)
    return copy


def run(repeats: int = 15, masters: dict | None = None) -> list[Comparison]:
    """Every configuration in both dtypes, on one thread, for every master in
    `masters` ({label: path}, default the master). Returns the comparisons."""
    import torch
    from threadpoolctl import threadpool_limits

    if repeats < 2:
        raise SystemExit(f"--repeats {repeats}: the spread needs at least 2 rounds (15 or more for the table)")
    torch.set_num_threads(1)
    layers = {label: load_layers(path) for label, path in (masters or {"master": MASTER}).items()}
    with threadpool_limits(limits=1):
        return [c for name in CONFIGURATIONS for dtype in DTYPES for c in compare(layers, torch, name, dtype, repeats)]


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeats", type=int, default=15, help="interleaved rounds per configuration")
    parser.add_argument("--master", type=Path, default=MASTER)
    parser.add_argument("--before", metavar="REV", help="also time the master as of this git revision")
    args = parser.parse_args(argv)
    try:
        import torch
    except ImportError:
        raise SystemExit("PyTorch is not installed: `pip install torch` into a scratch environment") from None
    masters = {"master": args.master}
    if args.before:
        masters = {args.before: master_at(args.before, args.master), **masters}
    print(f"PyTorch {torch.__version__}, numpy {np.__version__}, one thread, {args.repeats} interleaved rounds; "
          "ratio = ours / PyTorch: the median round's [q1-q3], cpu = ratio of median CPU times")
    print(f"{'configuration':<12} {'dtype':<8} {'layers':<8} {'ours ms':>8} {'torch ms':>8} {'ratio':>5} "
          f"{'[q1-q3]':<11} {'cpu':>5} | {'forward':>7} {'[q1-q3]':<11} {'cpu':>5}")
    for c in run(args.repeats, masters):
        (r, q1, q3), (fr, fq1, fq3) = c.ratio(), c.ratio(forward=True)
        print(f"{c.name:<12} {c.dtype:<8} {c.label[:8]:<8} {statistics.median(c.ours.wall) * 1e3:8.2f} "
              f"{statistics.median(c.torch.wall) * 1e3:8.2f} {r:5.2f} [{q1:.2f}-{q3:.2f}] {c.cpu_ratio():5.2f} | "
              f"{fr:7.2f} [{fq1:.2f}-{fq3:.2f}] {c.cpu_ratio(forward=True):5.2f}")


if __name__ == "__main__":
    main()
