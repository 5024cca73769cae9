"""Numerical gradients and gradient-check reports, the course's one checker.

All checks run in float64 with centred differences
    df/dx_i ~ (f(x + h e_i) - f(x - h e_i)) / (2 h).

Relative errors to expect (cs231n's rule of thumb): a layer's forward pass
around 1e-9, backward passes 1e-10 to 1e-12, whole networks around 1e-7;
above 1e-2 the gradient is wrong.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np


def rel_error(x, y) -> float:
    """Largest elementwise relative error max |x - y| / max(1e-8, |x| + |y|).

    x, y: arrays of one shape (or scalars). Returns a Python float.
    """
    x = np.asarray(x, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    if x.shape != y.shape:
        raise ValueError(f"rel_error: shapes differ, {x.shape} against {y.shape}")
    return float(np.max(np.abs(x - y) / np.maximum(1e-8, np.abs(x) + np.abs(y))))


def _evaluate_around(f, x, ix, h):
    """(f(x + h e_ix), f(x - h e_ix)), restoring x[ix] afterwards. Array
    results are copied, since f may return a view of its own buffers."""
    old = x[ix]
    x[ix] = old + h
    plus = np.array(f(x), dtype=np.float64, copy=True)
    x[ix] = old - h
    minus = np.array(f(x), dtype=np.float64, copy=True)
    x[ix] = old
    return plus, minus


def eval_numerical_gradient(f, x, verbose=False, h=1e-5):
    """Centred-difference gradient of a scalar function.

    f: callable taking x (any shape) and returning a scalar.
    x: float64 array, perturbed in place and restored.
    Returns grad, an array of x's shape.
    """
    _require_float64(x, "eval_numerical_gradient")
    grad = np.zeros_like(x)
    for ix in np.ndindex(*x.shape):
        plus, minus = _evaluate_around(f, x, ix, h)
        grad[ix] = (plus - minus) / (2 * h)
        if verbose:
            print(ix, grad[ix])
    return grad


def eval_numerical_gradient_array(f, x, df, h=1e-5):
    """Centred-difference gradient of sum(f(x) * df) for an array function.

    f: callable taking x and returning an array of df's shape.
    x: float64 array, perturbed in place and restored.
    df: the upstream gradient, of f(x)'s shape.
    Returns grad, an array of x's shape.
    """
    _require_float64(x, "eval_numerical_gradient_array")
    grad = np.zeros_like(x)
    for ix in np.ndindex(*x.shape):
        plus, minus = _evaluate_around(f, x, ix, h)
        grad[ix] = np.sum((plus - minus) * df) / (2 * h)
    return grad


def grad_check_sparse(f, x, analytic_grad, num_checks=10, h=1e-5, seed=0, verbose=False):
    """Compare analytic_grad with centred differences at random elements.

    f: scalar function of x. x: float64 array (restored afterwards).
    analytic_grad: array of x's shape.
    Returns the worst relative error over the checked elements.
    """
    _require_float64(x, "grad_check_sparse")
    if analytic_grad.shape != x.shape:
        raise ValueError(
            f"grad_check_sparse: analytic_grad has shape {analytic_grad.shape}, "
            f"x has shape {x.shape}: the gradient must have the shape of what it differentiates"
        )
    rng = np.random.default_rng(seed)
    worst = 0.0
    for _ in range(num_checks):
        ix = tuple(int(rng.integers(n)) for n in x.shape)
        plus, minus = _evaluate_around(f, x, ix, h)
        numeric = float((plus - minus) / (2 * h))
        analytic = analytic_grad[ix]
        err = abs(numeric - analytic) / max(1e-8, abs(numeric) + abs(analytic))
        worst = max(worst, err)
        if verbose:
            print(f"numerical: {numeric:f} analytic: {analytic:f}, relative error: {err:e}")
    return worst


@dataclass
class ParamCheck:
    """One parameter's gradient check: worst relative error and where it is."""

    name: str
    rel_error: float
    worst_index: tuple
    numeric: float
    analytic: float

    def __str__(self):
        return (
            f"{self.name}: relative error {self.rel_error:.2e} "
            f"(worst at index {self.worst_index}: numeric {self.numeric:.6g}, "
            f"analytic {self.analytic:.6g})"
        )


def check_gradients(loss_fn, params, grads, h=1e-5, verbose=True):
    """Check every parameter's analytic gradient against the numerical one.

    loss_fn: callable with no arguments returning the scalar loss; it must
        read the arrays in `params`, which are perturbed in place.
    params: dict name -> float64 array. grads: dict name -> array, same shapes.
    Returns a dict name -> ParamCheck, printed one line each when verbose.
    """
    report = {}
    for name, value in params.items():
        if name not in grads:
            raise KeyError(f"check_gradients: no gradient for parameter {name!r}")
        numeric = eval_numerical_gradient(lambda _: loss_fn(), value, h=h)
        analytic = np.asarray(grads[name], dtype=np.float64)
        if analytic.shape != value.shape:
            raise ValueError(
                f"check_gradients: grads[{name!r}] has shape {analytic.shape}, "
                f"params[{name!r}] has shape {value.shape}"
            )
        errors = np.abs(numeric - analytic) / np.maximum(1e-8, np.abs(numeric) + np.abs(analytic))
        worst = np.unravel_index(int(np.argmax(errors)), errors.shape)
        worst = tuple(int(i) for i in worst)
        report[name] = ParamCheck(name, float(errors[worst]), worst,
                                  float(numeric[worst]), float(analytic[worst]))
        if verbose:
            print(report[name])
    return report


def _require_float64(x, who):
    if not isinstance(x, np.ndarray) or x.dtype != np.float64:
        kind = x.dtype if isinstance(x, np.ndarray) else type(x).__name__
        raise TypeError(
            f"{who}: x must be a float64 numpy array (got {kind}); "
            "convert with x.astype(np.float64): centred differences need double precision"
        )
