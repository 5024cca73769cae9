"""Time notebook 04's fast layers against its naive loops (and PyTorch, if installed).

The layers exist only in the master notebook (the library holds no exercise), so
this script executes the master's cells for the convolution and pooling layers
(solution cells, and the provided col2im and fast pooling) and times them on the
benchmark shapes of REFERENCE.md section 04:
convolution x (100, 3, 31, 31), w (25, 3, 3, 3), stride 2, pad 1; 2x2 max pooling,
stride 2, on (100, 3, 32, 32). Everything runs on one BLAS thread, like the naive
loops and like the notebook.

    python benchmarks/bench_fast_layers.py                 # naive timed once, fast best of 200
    python benchmarks/bench_fast_layers.py --naive-repeats 3 --fast-repeats 200

Needs numpy and threadpoolctl (course dependencies); PyTorch is optional.
"""
from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

from course.grading.masters import grade_id, load_master, solution_sources
from course.lib.gradcheck import rel_error
from course.lib.timing import best_time

MASTER = Path(__file__).resolve().parents[1] / "notebooks" / "04_modular_conv.py"
SOLUTION_CELLS = ("conv_forward_naive", "max_pool_forward_naive", "conv_forward_fast")
PROVIDED_CELLS = ("col2im", "max_pool_forward_fast")  # provided: what the fast convolution calls, the fast pooling


def load_layers(master: Path = MASTER) -> dict:
    """Execute the master's provided cells named in PROVIDED_CELLS and its solution
    cells named in SOLUTION_CELLS (the master as .ipynb or its .py pair); return
    their namespace."""
    notebook = load_master(master)
    solutions = solution_sources(notebook)
    provided = {grade_id(cell): cell.source for cell in notebook.cells if grade_id(cell) in PROVIDED_CELLS}
    missing = [name for name in SOLUTION_CELLS if name not in solutions] + \
              [name for name in PROVIDED_CELLS if name not in provided]
    if missing:
        raise SystemExit(f"{master}: no cells {missing}")
    namespace = {"np": np}
    for name in PROVIDED_CELLS:
        exec(compile(provided[name], f"{master.name}:{name}", "exec"), namespace)
    for name in SOLUTION_CELLS:
        exec(compile(solutions[name], f"{master.name}:{name}", "exec"), namespace)
    return namespace


def benchmark(layers: dict, naive_repeats: int, fast_repeats: int, seed: int = 0) -> dict:
    """Timings {layer: (naive s, fast s)} on the benchmark shapes, after checking agreement."""
    L = layers
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((100, 3, 31, 31))
    w = rng.standard_normal((25, 3, 3, 3))
    b = rng.standard_normal(25)
    conv_param = {"stride": 2, "pad": 1}
    px = rng.standard_normal((100, 3, 32, 32))
    pool_param = {"pool_height": 2, "pool_width": 2, "stride": 2}

    out_n, cache_n = L["conv_forward_naive"](x, w, b, conv_param)
    out_f, cache_f = L["conv_forward_fast"](x, w, b, conv_param)
    dout = rng.standard_normal(out_n.shape)
    grads_n, grads_f = L["conv_backward_naive"](dout, cache_n), L["conv_backward_fast"](dout, cache_f)
    pool_n, pcache_n = L["max_pool_forward_naive"](px, pool_param)
    pool_f, pcache_f = L["max_pool_forward_fast"](px, pool_param)
    pdout = rng.standard_normal(pool_n.shape)
    print(f"agreement: conv out {rel_error(out_n, out_f):.1e}, dx {rel_error(grads_n[0], grads_f[0]):.1e}, "
          f"dw {rel_error(grads_n[1], grads_f[1]):.1e}, db {rel_error(grads_n[2], grads_f[2]):.1e}; "
          f"pooling identical {np.array_equal(pool_n, pool_f)}")
    timings = {
        "conv forward": (best_time(lambda: L["conv_forward_naive"](x, w, b, conv_param), naive_repeats),
                         best_time(lambda: L["conv_forward_fast"](x, w, b, conv_param), fast_repeats)),
        "conv backward": (best_time(lambda: L["conv_backward_naive"](dout, cache_n), naive_repeats),
                          best_time(lambda: L["conv_backward_fast"](dout, cache_f), fast_repeats)),
        "pool forward": (best_time(lambda: L["max_pool_forward_naive"](px, pool_param), naive_repeats),
                         best_time(lambda: L["max_pool_forward_fast"](px, pool_param), fast_repeats)),
        "pool backward": (best_time(lambda: L["max_pool_backward_naive"](pdout, pcache_n), naive_repeats),
                          best_time(lambda: L["max_pool_backward_fast"](pdout, pcache_f), fast_repeats)),
    }
    targets = {"conv forward": 300, "conv backward": 400, "pool forward": 50}
    print(f"{'layer':<14} {'naive':>10} {'fast':>10} {'speed-up':>9}   required")
    for layer, (t_naive, t_fast) in timings.items():
        target = f">= {targets[layer]}x" if layer in targets else ""
        print(f"{layer:<14} {t_naive * 1e3:8.1f}ms {t_fast * 1e3:8.3f}ms {t_naive / t_fast:8.0f}x   {target}")

    try:
        import torch
    except ImportError:
        print("PyTorch is not installed: no comparison with torch.nn.functional.conv2d")
        return timings
    torch.set_num_threads(1)
    x_t = torch.tensor(x, requires_grad=True)
    w_t = torch.tensor(w, requires_grad=True)
    b_t = torch.tensor(b, requires_grad=True)
    dout_t = torch.tensor(dout)

    def torch_step():
        x_t.grad = w_t.grad = b_t.grad = None
        torch.nn.functional.conv2d(x_t, w_t, b_t, stride=2, padding=1).backward(dout_t)

    def numpy_step():
        _, cache = L["conv_forward_fast"](x, w, b, conv_param)
        L["conv_backward_fast"](dout, cache)

    t_numpy, t_torch = best_time(numpy_step, fast_repeats), best_time(torch_step, fast_repeats)
    print(f"conv forward + backward, float64, one thread: numpy {t_numpy * 1e3:.2f} ms, "
          f"PyTorch {torch.__version__} {t_torch * 1e3:.2f} ms (numpy takes {t_numpy / t_torch:.1f}x as long)")
    return timings


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--naive-repeats", type=int, default=1)
    parser.add_argument("--fast-repeats", type=int, default=200)
    parser.add_argument("--master", type=Path, default=MASTER)
    args = parser.parse_args(argv)
    from threadpoolctl import threadpool_limits

    with threadpool_limits(limits=1):
        benchmark(load_layers(args.master), args.naive_repeats, args.fast_repeats)


if __name__ == "__main__":
    main()
