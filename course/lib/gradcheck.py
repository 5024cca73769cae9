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


def relative_errors(x, y) -> np.ndarray:
    """Elementwise relative errors |x - y| / max(1e-8, |x| + |y|), the course's one formula.

    x, y: arrays of one shape (or scalars). Returns a float64 array of that shape;
    the 1e-8 floor keeps two zeros from dividing by zero.
    """
    x = np.asarray(x, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    if x.shape != y.shape:
        raise ValueError(f"rel_error: shapes differ, {x.shape} against {y.shape}")
    return np.abs(x - y) / np.maximum(1e-8, np.abs(x) + np.abs(y))


def rel_error(x, y) -> float:
    """Largest elementwise relative error max |x - y| / max(1e-8, |x| + |y|).

    x, y: arrays of one shape (or scalars). Returns a Python float.
    """
    return float(np.max(relative_errors(x, y)))


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
        analytic = float(analytic_grad[ix])
        err = rel_error(numeric, analytic)
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
        report[name] = _worst_element(name, numeric, analytic)
        if verbose:
            print(report[name])
    return report


def _worst_element(name, numeric, analytic) -> ParamCheck:
    """The ParamCheck of one gradient: its largest relative error and where it sits."""
    errors = relative_errors(numeric, analytic)
    worst = tuple(int(i) for i in np.unravel_index(int(np.argmax(errors)), errors.shape))
    return ParamCheck(name, float(errors[worst]), worst, float(np.asarray(numeric)[worst]),
                      float(np.asarray(analytic)[worst]))


def check_layer(forward, backward, inputs, dout=None, h=1e-5, seed=0, verbose=False):
    """Check a layer's backward pass against centred differences of its forward pass.

    forward: the layer's forward function, `out, cache = forward(*inputs.values())`.
    backward: its backward function, `grads = backward(dout, cache)`: one gradient
        per float64 array of `inputs`, in their order (a single array when there is
        one, else a tuple), each of its input's shape.
    inputs: dict name -> forward's positional arguments in order (e.g. {"x": x,
        "w": w, "b": b, "conv_param": conv_param}); float64 arrays are checked,
        anything else (a param dict) is passed along unchanged.
    dout: upstream gradient of out's shape; None draws a standard normal one from
        np.random.default_rng(seed).
    Returns a dict "d" + name -> ParamCheck (relative error, worst index, numeric and
    analytic values there), printed one line each when verbose.
    """
    names = [name for name, value in inputs.items()
             if isinstance(value, np.ndarray) and value.dtype == np.float64]
    if not names:
        raise TypeError("check_layer: no float64 array among the inputs, nothing to check; "
                        "convert them with x.astype(np.float64)")
    args = list(inputs.values())
    out, cache = forward(*args)
    if dout is None:
        dout = np.random.default_rng(seed).standard_normal(np.shape(out))
    grads = backward(dout, cache)
    grads = (grads,) if len(names) == 1 and not isinstance(grads, tuple) else tuple(grads)
    if len(grads) != len(names):
        raise ValueError(f"check_layer: backward returned {len(grads)} gradients for the {len(names)} "
                         f"float64 inputs {names}: return one per input, in order")
    report = {}
    for position, (name, grad) in enumerate(zip(names, grads)):
        value = inputs[name]
        if np.shape(grad) != value.shape:
            raise ValueError(f"check_layer: d{name} has shape {np.shape(grad)}, {name} has shape {value.shape}: "
                             "a gradient has the shape of its variable")
        index = list(inputs).index(name)

        def forward_of(z, index=index):
            return forward(*args[:index], z, *args[index + 1:])[0]

        numeric = eval_numerical_gradient_array(forward_of, value, dout, h=h)
        report["d" + name] = _worst_element("d" + name, numeric, grad)
        if verbose:
            print(report["d" + name])
    return report


def _require_float64(x, who):
    if not isinstance(x, np.ndarray) or x.dtype != np.float64:
        kind = x.dtype if isinstance(x, np.ndarray) else type(x).__name__
        raise TypeError(
            f"{who}: x must be a float64 numpy array (got {kind}); "
            "convert with x.astype(np.float64): centred differences need double precision"
        )
