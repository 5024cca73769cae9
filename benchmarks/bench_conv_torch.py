"""Notebook 04's fast convolution against PyTorch's CPU conv2d, forward and backward.

The master's layers (`conv_forward_fast`, `conv_backward_fast` and the provided
`col2im`, loaded from the notebook as bench_fast_layers.py does) and
`torch.nn.functional.conv2d` with autograd, both on one thread, on four
configurations:

    seed shape   x (100, 3, 31, 31), w (25, 3, 3, 3), stride 2, pad 1   float64, float32
    real layer   x (32, 64, 32, 32), w (64, 64, 3, 3), stride 1, pad 1  float64, float32

Each configuration times `repeats` interleaved rounds (ours, then PyTorch's, so both
see the same machine load) and reports the medians and their ratio ours / PyTorch
(below 1: ours is faster), for forward + backward and for the forward pass alone.

    python benchmarks/bench_conv_torch.py            # 15 rounds
    python benchmarks/bench_conv_torch.py --repeats 31

PyTorch is optional and never a course dependency: install it into a scratch
environment (`pip install torch`) together with this package's requirements.
"""
from __future__ import annotations

import argparse
import statistics
import sys
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
class Comparison:
    """Median seconds of one configuration: ours and PyTorch's, forward + backward and forward alone."""

    name: str
    dtype: str
    ours: float
    torch: float
    ours_forward: float
    torch_forward: float

    @property
    def ratio(self) -> float:
        return self.ours / self.torch

    @property
    def forward_ratio(self) -> float:
        return self.ours_forward / self.torch_forward


def _seconds(fn) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def compare(layers: dict, torch, name: str, dtype: str, repeats: int, seed: int = 0) -> Comparison:
    """Time one configuration; checks first that ours and PyTorch's results agree."""
    x_shape, w_shape, stride, pad = CONFIGURATIONS[name]
    rng = np.random.default_rng(seed)
    x = rng.standard_normal(x_shape).astype(dtype)
    w = rng.standard_normal(w_shape).astype(dtype)
    b = rng.standard_normal(w_shape[0]).astype(dtype)
    conv_param = {"stride": stride, "pad": pad}
    forward, backward = layers["conv_forward_fast"], layers["conv_backward_fast"]
    out, cache = forward(x, w, b, conv_param)
    dout = rng.standard_normal(out.shape).astype(dtype)
    dx, dw, db = backward(dout, cache)
    if out.dtype != np.dtype(dtype) or dx.dtype != np.dtype(dtype):
        raise SystemExit(f"{name} {dtype}: the fast layer returned {out.dtype} / {dx.dtype}, not {dtype}")

    x_t, w_t, b_t = (torch.tensor(a, requires_grad=True) for a in (x, w, b))
    dout_t = torch.tensor(dout)

    def torch_forward():
        return torch.nn.functional.conv2d(x_t, w_t, b_t, stride=stride, padding=pad)

    def torch_step():
        x_t.grad = w_t.grad = b_t.grad = None
        torch_forward().backward(dout_t)

    def ours_step():
        backward(dout, forward(x, w, b, conv_param)[1])

    torch_step()
    tolerance = 1e-9 if dtype == "float64" else 2e-3
    for label, ours, theirs in (("out", out, torch_forward().detach().numpy()), ("dx", dx, x_t.grad.numpy()),
                                ("dw", dw, w_t.grad.numpy()), ("db", db, b_t.grad.numpy())):
        scale = np.abs(theirs).max()
        if np.abs(ours - theirs).max() > tolerance * scale:
            raise SystemExit(f"{name} {dtype}: {label} differs from PyTorch's by {np.abs(ours - theirs).max():.2e}")

    times = {"ours": [], "torch": [], "ours_forward": [], "torch_forward": []}
    with torch.no_grad():
        torch_forward()  # warm-up
    for _ in range(repeats):
        times["ours"].append(_seconds(ours_step))
        times["torch"].append(_seconds(torch_step))
        times["ours_forward"].append(_seconds(lambda: forward(x, w, b, conv_param)))
        with torch.no_grad():
            times["torch_forward"].append(_seconds(torch_forward))
    return Comparison(name, dtype, **{key: statistics.median(values) for key, values in times.items()})


def run(repeats: int = 15, master: Path = MASTER) -> list[Comparison]:
    """Every configuration in both dtypes, on one thread. Returns the comparisons."""
    import torch
    from threadpoolctl import threadpool_limits

    torch.set_num_threads(1)
    layers = load_layers(master)
    with threadpool_limits(limits=1):
        return [compare(layers, torch, name, dtype, repeats) for name in CONFIGURATIONS for dtype in DTYPES]


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeats", type=int, default=15, help="interleaved rounds per configuration")
    parser.add_argument("--master", type=Path, default=MASTER)
    args = parser.parse_args(argv)
    try:
        import torch
    except ImportError:
        raise SystemExit("PyTorch is not installed: `pip install torch` into a scratch environment") from None
    print(f"PyTorch {torch.__version__}, numpy {np.__version__}, one thread, median of {args.repeats} rounds")
    print(f"{'configuration':<12} {'dtype':<8} {'ours ms':>9} {'torch ms':>9} {'ours/torch':>10} "
          f"{'fwd ours':>9} {'fwd torch':>9} {'fwd ratio':>9}")
    for c in run(args.repeats, args.master):
        print(f"{c.name:<12} {c.dtype:<8} {c.ours * 1e3:9.2f} {c.torch * 1e3:9.2f} {c.ratio:10.2f} "
              f"{c.ours_forward * 1e3:9.2f} {c.torch_forward * 1e3:9.2f} {c.forward_ratio:9.2f}")


if __name__ == "__main__":
    main()
