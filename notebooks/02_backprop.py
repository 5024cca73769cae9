# ---
# jupyter:
#   jupytext:
#     formats: ipynb,py:percent
#   kernelspec:
#     display_name: Python 3 (ipykernel)
#     language: python
#     name: python3
# ---

# %% [markdown] nbgrader={"grade": false, "grade_id": "intro", "locked": true, "schema_version": 3, "solution": false, "task": false}
# # 02 Backpropagation: derivatives, graphs, gates and loss gradients
#
# A neural network is a long composition of simple functions, and training it
# needs the gradient of one number (the loss) with respect to every parameter.
# Backpropagation computes all of those gradients in one backward sweep, by
# applying the chain rule locally at every small operation ("gate"). In this
# notebook you build it up from the bottom:
#
# 1. a **numerical derivative**, the tool that checks every analytic gradient;
# 2. a **computational graph** by hand, then **gates** with `forward` and
#    `backward`, and a small **graph object** that runs them;
# 3. a **sigmoid neuron** and the classic **two-layer worked example**,
#    reproduced to the last digit;
# 4. the **matrix-multiply gate**, the one operation inside every layer;
# 5. the **SVM and softmax losses** with their gradients, written with loops
#    and then vectorized, checked numerically and timed;
# 6. a **tiny two-layer network** that learns XOR in a dozen lines of numpy.
#
# Fill in every cell marked `YOUR CODE HERE` and run the test cell below it.
# The tests tell you what they expected and where to look. Shapes are given in
# every docstring: `x: (N, D)` means a 2-d array with N rows and D columns.

# %% nbgrader={"grade": false, "grade_id": "parameters", "locked": true, "schema_version": 3, "solution": false, "task": false}
# Parameters: read from the environment, so CI and you run the same notebook.
#   COURSE_FAST=1        fewer XOR iterations and timing repeats (CI, autograding)
#   COURSE_DATASET=...   'digits' (default, embedded) or 'mnist' for the loss-gradient checks
#   COURSE_SEED=...      seeds the random examples and initialisations
import time

from course.lib.params import notebook_params

NOTEBOOK_START = time.perf_counter()
P = notebook_params()
print(P)

# %% nbgrader={"grade": false, "grade_id": "setup", "locked": true, "schema_version": 3, "solution": false, "task": false}
import matplotlib.pyplot as plt
import numpy as np

from course.lib.data import load_dataset, scale_to_unit_interval, to_rows
from course.lib.gradcheck import (
    check_gradients,
    eval_numerical_gradient,
    eval_numerical_gradient_array,
    grad_check_sparse,
    rel_error,
)
from course.lib.vis import show

plt.rcParams["figure.figsize"] = (6.0, 4.0)

# %% [markdown] nbgrader={"grade": false, "grade_id": "md_numerical_derivative", "locked": true, "schema_version": 3, "solution": false, "task": false}
# ## 1. The numerical derivative
#
# The derivative is a limit, $f'(x) = \lim_{h \to 0} \frac{f(x + h) - f(x)}{h}$.
# On a computer we cannot take the limit, but we can evaluate the quotient at a
# small $h$. Taylor's theorem says which quotient to use:
#
# $$f(x \pm h) = f(x) \pm h f'(x) + \tfrac{h^2}{2} f''(x) \pm \tfrac{h^3}{6} f'''(x) + \dots$$
#
# so the **forward difference** $\frac{f(x+h) - f(x)}{h} = f'(x) + \tfrac{h}{2} f''(x) + \dots$
# is wrong by $O(h)$, while in the **centred difference**
#
# $$f'(x) \approx \frac{f(x + h) - f(x - h)}{2h} = f'(x) + \tfrac{h^2}{6} f'''(x) + \dots$$
#
# the even terms cancel and the error is $O(h^2)$. This *truncation error*
# shrinks as $h$ shrinks. But floating point adds a second error: $f(x \pm h)$
# is only stored to a relative precision $\varepsilon$ (about $2.2 \times 10^{-16}$
# in float64, $1.2 \times 10^{-7}$ in float32), and dividing their difference by a
# tiny $2h$ blows that *round-off error* up to about $\varepsilon |f(x)| / h$.
# The total error is smallest where the two balance, near
# $h^* \approx \left(3 \varepsilon |f(x)| / |f'''(x)|\right)^{1/3}$, roughly $\varepsilon^{1/3}$.
#
# **Exercise.** Write `numerical_derivative(f, x, h)` with the centred
# difference. Use only `x`, `h` and `f` in the arithmetic (no conversion to
# another dtype), so that a float32 `x` and `h` give a float32 answer: the plot
# after the test compares the two precisions.

# %% nbgrader={"grade": false, "grade_id": "numerical_derivative", "locked": false, "schema_version": 3, "solution": true, "task": false}
def numerical_derivative(f, x, h=1e-5):
    """Centred-difference estimate of the derivative f'(x).

    Inputs:
    - f: a function of one real number returning one real number.
    - x: the point, a scalar (Python float or numpy scalar; its precision is kept).
    - h: the step, a positive scalar.

    Returns (f(x + h) - f(x - h)) / (2 h), a scalar.
    """
    ### BEGIN SOLUTION
    return (f(x + h) - f(x - h)) / (2 * h)
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "test_numerical_derivative", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
d = numerical_derivative(lambda t: t ** 2, 3.0)
assert 5.999999 < d < 6.000001, (
    f"numerical_derivative(t**2, x=3) returned {d!r}, expected about 6 (= 2 x): "
    "check the formula (f(x + h) - f(x - h)) / (2 h)")
d = numerical_derivative(lambda t: t ** 3, 1.0, h=0.5)
assert d == 3.25, (
    f"numerical_derivative(t**3, x=1, h=0.5) returned {d!r}, expected exactly 3.25 = (1.5**3 - 0.5**3) / 1. "
    "4.75 is the forward difference (f(x + h) - f(x)) / h; 6.5 divides by h instead of 2 h; "
    "anything else: is the h argument used, not a fixed step?")
d32 = numerical_derivative(np.sin, np.float32(1.0), np.float32(1e-2))
assert np.asarray(d32).dtype == np.float32, (
    f"with float32 x and h the result has dtype {np.asarray(d32).dtype}, expected float32: "
    "do not convert x, h or f's values to another type")
print("numerical_derivative: all visible tests passed")
### BEGIN HIDDEN TESTS
d = numerical_derivative(lambda t: t ** 3, 2.0, h=0.25)
assert type(d) in (float, np.float64) and d == 12.0625  # (2.25**3 - 1.75**3) / 0.5
d = numerical_derivative(lambda t: 1.0 / t, -0.5, 0.125)
assert type(d) in (float, np.float64)
e = d - (1.0 / (-0.375) - 1.0 / (-0.625)) / 0.25
assert e < 1e-12 and e > -1e-12
d = numerical_derivative(np.exp, 0.7)
assert type(d) in (float, np.float64)
e = d - np.exp(0.7)
assert e < 1e-9 and e > -1e-9
d32 = numerical_derivative(np.cos, np.float32(0.5), np.float32(0.25))
assert type(d32) is np.float32
### END HIDDEN TESTS

# %% [markdown] nbgrader={"grade": false, "grade_id": "md_error_vs_h", "locked": true, "schema_version": 3, "solution": false, "task": false}
# ### Truncation against round-off
#
# The cell below differentiates $\sin$ at $x = 1$ (exact answer $\cos 1$) with
# your `numerical_derivative` for steps from $10^{-13}$ to $1$, once in float64
# and once in float32, and marks the measured best step of each. The dashed
# lines are the two error models of the text: truncation $\frac{h^2}{6}|\cos 1|$
# and round-off $\varepsilon |\sin 1| / h$.

# %% nbgrader={"grade": false, "grade_id": "plot_error_vs_h", "locked": true, "schema_version": 3, "solution": false, "task": false}
hs = np.logspace(-13, 0, 131)
exact = np.cos(1.0)
best_h = {}
fig, ax = plt.subplots(figsize=(7, 4.5))
for dtype, colour in ((np.float64, "C0"), (np.float32, "C1")):
    estimates = np.array([numerical_derivative(np.sin, dtype(1.0), dtype(h)) for h in hs], dtype=np.float64)
    errors = np.maximum(np.abs(estimates - exact), 1e-18)  # an exact hit would be log(0)
    i = int(np.argmin(errors))
    eps = np.finfo(dtype).eps
    best_h[dtype.__name__] = (hs[i], errors[i], (3 * eps * np.sin(1.0) / np.cos(1.0)) ** (1 / 3))
    ax.loglog(hs, errors, colour, label=f"{dtype.__name__} (eps = {eps:.1e})")
    ax.loglog(hs[i], errors[i], "o", color=colour, ms=8)
    ax.loglog(hs, hs ** 2 / 6 * np.cos(1.0) + eps * np.sin(1.0) / hs, "--", color=colour, lw=0.8,
              label=f"{dtype.__name__} model: h^2/6 |cos 1| + eps |sin 1| / h")
ax.set_xlabel("step h")
ax.set_ylabel("|estimate - cos(1)|")
ax.set_title("centred difference of sin at x = 1")
ax.legend()
show(fig)
for name, (h, err, h_model) in best_h.items():
    print(f"{name}: best measured h = {h:.1e} (error {err:.1e}); "
          f"model (3 eps |f| / |f'''|)^(1/3) = {h_model:.1e}")
print(f"the best float32 error is {best_h['float32'][1] / best_h['float64'][1]:.0e} times the best float64 error")
zero = [h for h in hs if numerical_derivative(np.sin, np.float32(1.0), np.float32(h)) == 0]
print(f"float32: for h up to {max(zero):.1e} both 1 + h and 1 - h round to 1, the estimate is 0 "
      f"and the error is cos(1) = {np.cos(1.0):.2f} (float32 eps / 4 = {np.finfo(np.float32).eps / 4:.1e})")

# %% [markdown] nbgrader={"grade": false, "grade_id": "md_graph_by_hand", "locked": true, "schema_version": 3, "solution": false, "task": false}
# Right of each dot the error falls as $h^2$ (slope 2 on the log-log plot,
# on the truncation model); left of it, round-off takes over and the error
# grows like $1/h$, noisily, because round-off is random-looking (the model
# $\varepsilon |f| / h$ is a worst case, so the measured curve sits below it).
# The measured best steps printed above lie within a factor of a few of the
# model's $h^*$ (about $10^{-5}$ in float64, below $10^{-2}$ in float32): a few
# times $10^{-6}$ in float64, which is why the course's checkers default to
# `h=1e-5` (its error is still near the minimum), and a few times $10^{-3}$ in
# float32, where the best achievable error is several orders of magnitude worse. That is why every gradient check in the
# course runs in float64.
#
# ## 2. A computational graph by hand
#
# Write $f(x, y, z) = (x + y)\,z$ as two steps, $q = x + y$ and $f = q z$.
# Each step has a simple *local* derivative:
# $\frac{\partial q}{\partial x} = \frac{\partial q}{\partial y} = 1$,
# $\frac{\partial f}{\partial q} = z$, $\frac{\partial f}{\partial z} = q$.
# The chain rule multiplies local derivatives along the path back from $f$:
#
# $$\frac{\partial f}{\partial x} = \frac{\partial f}{\partial q}\frac{\partial q}{\partial x} = z \cdot 1.$$
#
# The **forward pass** computes $q$ then $f$; the **backward pass** goes the
# other way, starting from $\frac{\partial f}{\partial f} = 1$.
#
# **Exercise.** Write `add_multiply_graph(x, y, z)`: the forward values $q$,
# $f$ and the three gradients, each computed from the step after it (as
# backprop does), not from a formula for the whole function.

# %% nbgrader={"grade": false, "grade_id": "add_multiply_graph", "locked": false, "schema_version": 3, "solution": true, "task": false}
def add_multiply_graph(x, y, z):
    """Forward and backward pass of f(x, y, z) = (x + y) z, with q = x + y.

    Inputs: x, y, z, scalars.
    Returns a tuple (q, f, dx, dy, dz) of scalars: the forward values q and f,
    then df/dx, df/dy, df/dz.
    """
    ### BEGIN SOLUTION
    # forward pass
    q = x + y
    f = q * z
    # backward pass, in reverse order
    dq = z * 1.0   # df/dq, the multiply gate's local derivative
    dz = q * 1.0   # df/dz
    dx = 1.0 * dq  # dq/dx = 1, chained
    dy = 1.0 * dq  # dq/dy = 1, chained
    return q, f, dx, dy, dz
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "test_add_multiply_graph", "locked": true, "points": 1, "schema_version": 3, "solution": false, "task": false}
out = add_multiply_graph(-2.0, 5.0, -4.0)
assert len(out) == 5, f"add_multiply_graph returned {len(out)} values, expected 5: (q, f, dx, dy, dz)"
q, f, dx, dy, dz = out
assert (q, f) == (3.0, -12.0), f"forward pass at (-2, 5, -4): got q = {q}, f = {f}; expected q = 3, f = -12"
assert dz == 3.0, f"df/dz at (-2, 5, -4) is q = 3, got {dz}: the multiply gate sends each input the other input"
assert (dx, dy) == (-4.0, -4.0), (
    f"df/dx, df/dy at (-2, 5, -4) should both be z = -4, got {dx}, {dy}: "
    "the add gate passes its upstream gradient df/dq = z through unchanged")
print("add_multiply_graph: all visible tests passed")
### BEGIN HIDDEN TESTS
q, f, dx, dy, dz = add_multiply_graph(3.0, -1.0, 2.5)
for val in (q, f, dx, dy, dz):
    assert type(val) in (float, np.float64)
assert q == 2.0 and f == 5.0
assert dx == 2.5 and dy == 2.5 and dz == 2.0
q, f, dx, dy, dz = add_multiply_graph(0.5, 1.5, -3.0)
for val in (q, f, dx, dy, dz):
    assert type(val) in (float, np.float64)
assert q == 2.0 and f == -6.0 and dx == -3.0 and dy == -3.0 and dz == 2.0
### END HIDDEN TESTS

# %% [markdown] nbgrader={"grade": false, "grade_id": "md_gates", "locked": true, "schema_version": 3, "solution": false, "task": false}
# ## 3. Gates
#
# Every operation in a network can be packaged the same way: a **gate** with a
# `forward` that computes its output and keeps (caches) whatever its backward
# pass will need, and a `backward(dout)` that receives the upstream gradient
# $\frac{\partial L}{\partial \text{out}}$ and returns the gradient for each
# input, $\frac{\partial L}{\partial \text{in}} = \frac{\partial L}{\partial \text{out}} \cdot \frac{\partial \text{out}}{\partial \text{in}}$.
# A gate never needs to know what the rest of the graph is.
#
# | gate | forward | backward (local derivative times `dout`) | pattern |
# | --- | --- | --- | --- |
# | add | $x + y$ | $dx = dout$, $dy = dout$ | *distributes* the gradient to all inputs |
# | multiply | $x y$ | $dx = y \cdot dout$, $dy = x \cdot dout$ | *switches*: each input gets the **other** input times `dout` |
# | max | $\max(x, y)$ | `dout` to the larger input, 0 to the other | *routes* the gradient |
# | sigmoid | $\sigma(x) = \frac{1}{1 + e^{-x}}$ | $dx = (1 - \sigma(x))\,\sigma(x) \cdot dout$ | caches its **output** $\sigma(x)$ |
#
# Values may be scalars or numpy arrays of one shape; every operation is
# elementwise. `backward` always returns a **tuple** with one gradient per input
# of `forward`, each of that input's shape (for the one-input sigmoid gate, a
# tuple of one: `(dx,)`). The multiply and max gates must cache their inputs
# in `forward`, and `backward` must use the inputs of the *latest* `forward`.
#
# Each gate below is its own exercise with its own test.

# %% nbgrader={"grade": false, "grade_id": "AddGate", "locked": false, "schema_version": 3, "solution": true, "task": false}
class AddGate:
    """out = x + y, elementwise. x, y, out, dout: scalars or arrays of one shape."""

    def forward(self, x, y):
        """Returns out = x + y (x's shape)."""
        ### BEGIN SOLUTION
        return x + y
        ### END SOLUTION

    def backward(self, dout):
        """dout: dL/dout (out's shape). Returns (dx, dy), each of dout's shape."""
        ### BEGIN SOLUTION
        return 1.0 * dout, 1.0 * dout
        ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "test_AddGate", "locked": true, "points": 1, "schema_version": 3, "solution": false, "task": false}
gate = AddGate()
out = gate.forward(2.0, -3.0)
assert out == -1.0, f"AddGate().forward(2, -3) returned {out}, expected -1"
grads = gate.backward(5.0)
assert len(grads) == 2, f"AddGate.backward must return a tuple (dx, dy), got {grads!r}"
assert grads[0] == 5.0 and grads[1] == 5.0, (
    f"AddGate.backward(5) returned {grads}, expected (5, 5): the add gate hands dout to both inputs unchanged")
print("AddGate: all visible tests passed")
### BEGIN HIDDEN TESTS
gate = AddGate()
out = gate.forward(np.array([1.0, 2.0, 3.0]), np.array([0.5, -2.0, 4.0]))
assert type(out) is np.ndarray and out.dtype == np.float64 and out.shape == (3,)
assert (out == np.array([1.5, 0.0, 7.0])).all()
dx, dy = gate.backward(np.array([-1.0, 0.25, 3.0]))
assert type(dx) is np.ndarray and dx.dtype == np.float64 and dx.shape == (3,)
assert type(dy) is np.ndarray and dy.dtype == np.float64 and dy.shape == (3,)
assert (dx == np.array([-1.0, 0.25, 3.0])).all() and (dy == np.array([-1.0, 0.25, 3.0])).all()
### END HIDDEN TESTS

# %% nbgrader={"grade": false, "grade_id": "MultiplyGate", "locked": false, "schema_version": 3, "solution": true, "task": false}
class MultiplyGate:
    """out = x * y, elementwise. x, y, out, dout: scalars or arrays of one shape."""

    def forward(self, x, y):
        """Returns out = x * y (x's shape); caches x and y for backward."""
        ### BEGIN SOLUTION
        self.x, self.y = x, y
        return x * y
        ### END SOLUTION

    def backward(self, dout):
        """dout: dL/dout (out's shape). Returns (dx, dy), each of dout's shape,
        for the inputs of the latest forward."""
        ### BEGIN SOLUTION
        dx = self.y * dout  # d(xy)/dx = y
        dy = self.x * dout  # d(xy)/dy = x
        return dx, dy
        ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "test_MultiplyGate", "locked": true, "points": 1, "schema_version": 3, "solution": false, "task": false}
gate = MultiplyGate()
out = gate.forward(3.0, -4.0)
assert out == -12.0, f"MultiplyGate().forward(3, -4) returned {out}, expected -12"
grads = gate.backward(2.0)
assert len(grads) == 2, f"MultiplyGate.backward must return a tuple (dx, dy), got {grads!r}"
assert grads[0] == -8.0 and grads[1] == 6.0, (
    f"after forward(3, -4), backward(2) returned {grads}, expected (dx, dy) = (-8, 6): "
    "dx is the OTHER input times dout (y * dout), dy = x * dout")
print("MultiplyGate: all visible tests passed")
### BEGIN HIDDEN TESTS
gate = MultiplyGate()
gate.forward(10.0, 20.0)
out = gate.forward(np.array([1.0, -2.0]), np.array([3.0, 0.5]))  # backward must use these inputs
assert type(out) is np.ndarray and out.dtype == np.float64 and out.shape == (2,)
assert (out == np.array([3.0, -1.0])).all()
dx, dy = gate.backward(np.array([2.0, -4.0]))
assert type(dx) is np.ndarray and dx.dtype == np.float64 and dx.shape == (2,)
assert type(dy) is np.ndarray and dy.dtype == np.float64 and dy.shape == (2,)
assert (dx == np.array([6.0, -2.0])).all()
assert (dy == np.array([2.0, 8.0])).all()
### END HIDDEN TESTS

# %% nbgrader={"grade": false, "grade_id": "MaxGate", "locked": false, "schema_version": 3, "solution": true, "task": false}
class MaxGate:
    """out = max(x, y), elementwise. x, y, out, dout: scalars or arrays of one shape.

    Where x == y send the gradient to x (any split is a valid subgradient).
    """

    def forward(self, x, y):
        """Returns out = np.maximum(x, y) (x's shape); caches what backward needs."""
        ### BEGIN SOLUTION
        self.x, self.y = x, y
        return np.maximum(x, y)
        ### END SOLUTION

    def backward(self, dout):
        """dout: dL/dout (out's shape). Returns (dx, dy), each of dout's shape:
        dout where that input was the larger, 0 elsewhere."""
        ### BEGIN SOLUTION
        dx = dout * (self.x >= self.y)  # x won (ties go to x): all of dout
        dy = dout * (self.x < self.y)   # y won
        return dx, dy
        ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "test_MaxGate", "locked": true, "points": 1, "schema_version": 3, "solution": false, "task": false}
gate = MaxGate()
out = gate.forward(2.0, 7.0)
assert out == 7.0, f"MaxGate().forward(2, 7) returned {out}, expected 7"
grads = gate.backward(3.0)
assert len(grads) == 2, f"MaxGate.backward must return a tuple (dx, dy), got {grads!r}"
assert grads[0] == 0.0 and grads[1] == 3.0, (
    f"after forward(2, 7), backward(3) returned {grads}, expected (0, 3): "
    "the max gate routes all of dout to the input that won and nothing to the other")
print("MaxGate: all visible tests passed")
### BEGIN HIDDEN TESTS
gate = MaxGate()
gate.forward(np.array([9.0, -9.0, 9.0]), np.array([-9.0, 9.0, -9.0]))
out = gate.forward(np.array([1.0, 5.0, -2.0]), np.array([4.0, 3.0, -1.0]))
assert type(out) is np.ndarray and out.dtype == np.float64 and out.shape == (3,)
assert (out == np.array([4.0, 5.0, -1.0])).all()
dx, dy = gate.backward(np.array([2.0, -6.0, 0.5]))
assert type(dx) is np.ndarray and dx.dtype == np.float64 and dx.shape == (3,)
assert type(dy) is np.ndarray and dy.dtype == np.float64 and dy.shape == (3,)
assert (dx == np.array([0.0, -6.0, 0.0])).all()
assert (dy == np.array([2.0, 0.0, 0.5])).all()
gate = MaxGate()
gate.forward(np.array([3.0, 1.0]), np.array([3.0, 0.0]))  # a tie: all of dout goes to x
dx, dy = gate.backward(np.array([5.0, 1.0]))
assert type(dx) is np.ndarray and dx.dtype == np.float64 and dx.shape == (2,)
assert type(dy) is np.ndarray and dy.dtype == np.float64 and dy.shape == (2,)
assert (dx == np.array([5.0, 1.0])).all() and (dy == np.array([0.0, 0.0])).all()
### END HIDDEN TESTS

# %% nbgrader={"grade": false, "grade_id": "SigmoidGate", "locked": false, "schema_version": 3, "solution": true, "task": false}
class SigmoidGate:
    """out = sigmoid(x) = 1 / (1 + exp(-x)), elementwise. x, out, dout: scalar or array."""

    def forward(self, x):
        """Returns out = sigmoid(x) (x's shape); caches what backward needs."""
        ### BEGIN SOLUTION
        self.out = 1.0 / (1.0 + np.exp(-x))
        return self.out
        ### END SOLUTION

    def backward(self, dout):
        """dout: dL/dout (out's shape). Returns a tuple of one, (dx,), of dout's shape."""
        ### BEGIN SOLUTION
        s = self.out
        return ((1.0 - s) * s * dout,)
        ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "test_SigmoidGate", "locked": true, "points": 1, "schema_version": 3, "solution": false, "task": false}
gate = SigmoidGate()
out = gate.forward(0.0)
assert out == 0.5, f"SigmoidGate().forward(0) returned {out}, expected 0.5"
grads = gate.backward(2.0)
assert len(grads) == 1, f"SigmoidGate.backward must return a tuple of one, (dx,), got {grads!r}"
assert grads[0] == 0.5, f"after forward(0), backward(2) returned {grads}, expected (0.5,) = ((1 - 0.5) * 0.5 * 2,)"
x = np.array([-1.5, 0.3, 2.0])
gate.forward(x)
dx_num = eval_numerical_gradient_array(lambda v: SigmoidGate().forward(v), x, np.ones(3))
dx = gate.backward(np.ones(3))[0]
assert rel_error(dx, dx_num) < 1e-8, (
    f"SigmoidGate.backward at x = {x} gave {dx}, numerically {dx_num}: "
    "dx = (1 - s) * s * dout with s the OUTPUT sigmoid(x) cached in forward, not x itself")
print("SigmoidGate: all visible tests passed")
### BEGIN HIDDEN TESTS
gate = SigmoidGate()
gate.forward(np.array([5.0, -5.0]))
x = np.array([-2.0, 0.5])
out = gate.forward(x)
s = 1.0 / (1.0 + np.exp(-x))
assert type(out) is np.ndarray and out.dtype == np.float64 and out.shape == (2,)
e = out - s
assert e.max() < 1e-12 and e.min() > -1e-12
grads = gate.backward(np.array([3.0, -2.0]))
assert len(grads) == 1
assert type(grads[0]) is np.ndarray and grads[0].dtype == np.float64 and grads[0].shape == (2,)
e = grads[0] - (1.0 - s) * s * np.array([3.0, -2.0])
assert e.max() < 1e-12 and e.min() > -1e-12
### END HIDDEN TESTS

# %% [markdown] nbgrader={"grade": false, "grade_id": "md_graph", "locked": true, "schema_version": 3, "solution": false, "task": false}
# ### A graph of gates
#
# A `Graph` holds gates and the names of the values they read and write, in
# **topological order**: each gate is added after the gates that make its
# inputs. `forward` runs the gates in that order; `backward` runs them in
# reverse, handing each gate the gradient of its output and collecting the
# gradients of its inputs.
#
# One rule needs care. When a value feeds **several** gates (it *branches*),
# the loss depends on it along several paths, and the multivariable chain rule
# sums them:
#
# $$\frac{\partial L}{\partial x} = \sum_{\text{gates } g \text{ reading } x} \frac{\partial L}{\partial g} \frac{\partial g}{\partial x}.$$
#
# So `backward` must **add** each incoming gradient to what the value already
# has, never overwrite it. Example: $f = x y + x$ at $x = 3, y = -2$ gives
# $\frac{\partial f}{\partial x} = y + 1 = -1$; keeping only one path gives $1$
# or $-2$.
#
# **Exercise.** Complete `Graph.forward` and `Graph.backward`. `__init__` and
# `add` are given. The graph's output is the output of the last gate added;
# every other value is an input of some later gate.

# %% nbgrader={"grade": false, "grade_id": "Graph", "locked": false, "schema_version": 3, "solution": true, "task": false}
class Graph:
    """Gates over named values, run in the order they were added.

        g = Graph()
        g.add(MultiplyGate(), ("x", "y"), "q")   # q = x * y
        g.add(AddGate(), ("q", "x"), "f")        # f = q + x: "x" is used twice
        f = g.forward({"x": 3.0, "y": -2.0})     # -3.0
        grads = g.backward()                     # {"f": 1.0, "q": 1.0, "x": -1.0, "y": 3.0}

    Values are scalars or arrays; every gate object is added once (it has one cache).
    """

    def __init__(self):
        self.nodes = []   # (gate, input names, output name), in topological order
        self.values = {}  # name -> value, filled by forward

    def add(self, gate, inputs, output):
        """Append gate, reading the values named in `inputs` (a tuple), writing `output`."""
        self.nodes.append((gate, tuple(inputs), output))
        return output

    def forward(self, inputs):
        """inputs: dict name -> value for every graph input.

        Runs every gate in order, stores every value (inputs included) in
        self.values, and returns the value of the last gate's output.
        """
        ### BEGIN SOLUTION
        self.values = dict(inputs)
        for gate, names, output in self.nodes:
            self.values[output] = gate.forward(*(self.values[name] for name in names))
        return self.values[self.nodes[-1][2]]
        ### END SOLUTION

    def backward(self, dout=1.0):
        """dout: dL/d(last output), of its shape (1.0 for the output itself).

        Returns grads: dict name -> dL/d(value) for every value of the graph,
        inputs and intermediates, each of that value's shape. Where a value
        feeds several gates, its gradients are summed.
        """
        ### BEGIN SOLUTION
        grads = {self.nodes[-1][2]: dout}
        for gate, names, output in reversed(self.nodes):
            input_grads = gate.backward(grads[output])
            for name, grad in zip(names, input_grads):
                grads[name] = grads[name] + grad if name in grads else grad  # gradients add at a branch
        return grads
        ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "test_Graph", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
class _TimesGate:  # test-only gates, so that this test does not depend on your gate exercises
    def forward(self, a, b):
        self.a, self.b = a, b
        return a * b

    def backward(self, dout):
        return self.b * dout, self.a * dout


class _PlusGate:
    def forward(self, a, b):
        return a + b

    def backward(self, dout):
        return dout, dout


g = Graph()
g.add(_TimesGate(), ("x", "y"), "q")
g.add(_PlusGate(), ("q", "x"), "f")
f = g.forward({"x": 3.0, "y": -2.0})
assert f == -3.0, f"forward of f = x * y + x at x = 3, y = -2 returned {f}, expected -3"
assert g.values.get("q") == -6.0, f"after forward, g.values['q'] should be x * y = -6, got {g.values.get('q')}"
grads = g.backward()
assert set(grads) >= {"x", "y", "q", "f"}, f"backward should return a gradient for x, y, q and f, got keys {sorted(grads)}"
assert grads["y"] == 3.0, f"df/dy should be x = 3, got {grads['y']}: run the gates in reverse order"
assert grads["x"] == -1.0, (
    f"df/dx should be y + 1 = -1, got {grads['x']}: x feeds two gates, "
    "so its two gradients (y from the multiply, 1 from the add) must be ADDED, not overwritten")
print("Graph: all visible tests passed")
### BEGIN HIDDEN TESTS
class _HiddenTimes:
    def forward(self, a, b):
        self.a, self.b = a, b
        return a * b

    def backward(self, dout):
        return self.b * dout, self.a * dout


class _HiddenPlus:
    def forward(self, a, b):
        return a + b

    def backward(self, dout):
        return dout, dout


# f = (x * x + x) * y, x used three times, arrays
g = Graph()
g.add(_HiddenTimes(), ("x", "x"), "s")
g.add(_HiddenPlus(), ("s", "x"), "r")
g.add(_HiddenTimes(), ("r", "y"), "f")
x = np.array([1.0, -2.0, 0.5])
y = np.array([3.0, 0.5, -4.0])
f = g.forward({"x": x, "y": y})
assert type(f) is np.ndarray and f.dtype == np.float64 and f.shape == (3,)
assert (f == (x * x + x) * y).all()
dout = np.array([1.0, 2.0, -1.0])
grads = g.backward(dout)
for name in ("x", "y", "r", "s"):
    assert type(grads[name]) is np.ndarray and grads[name].dtype == np.float64 and grads[name].shape == (3,)
assert (grads["x"] == (2 * x + 1) * y * dout).all()
assert (grads["y"] == (x * x + x) * dout).all()
assert (grads["r"] == y * dout).all() and (grads["s"] == y * dout).all()
# a second forward at other inputs, then backward with the default dout
g.forward({"x": np.array([2.0]), "y": np.array([-1.0])})
grads = g.backward()
for name in ("x", "y"):
    assert type(grads[name]) is np.ndarray and grads[name].dtype == np.float64 and grads[name].shape == (1,)
assert (grads["x"] == np.array([-5.0])).all() and (grads["y"] == np.array([6.0])).all()
### END HIDDEN TESTS

# %% [markdown] nbgrader={"grade": false, "grade_id": "md_graph_demo", "locked": true, "schema_version": 3, "solution": false, "task": false}
# With your gates and your graph, the example of section 2 becomes a wiring
# diagram. The cell below (not graded) builds $f = (x + y) z$ from an add and a
# multiply gate and prints the same numbers as `add_multiply_graph`, then a
# graph with a max gate, $f = \max(x, y)\,z$, to show the routing.

# %% nbgrader={"grade": false, "grade_id": "demo_graph", "locked": true, "schema_version": 3, "solution": false, "task": false}
g = Graph()
g.add(AddGate(), ("x", "y"), "q")
g.add(MultiplyGate(), ("q", "z"), "f")
f = g.forward({"x": -2.0, "y": 5.0, "z": -4.0})
print(f"(x + y) z at (-2, 5, -4): f = {f}, gradients", {name: float(d) for name, d in g.backward().items()})

g = Graph()
g.add(MaxGate(), ("x", "y"), "m")
g.add(MultiplyGate(), ("m", "z"), "f")
f = g.forward({"x": -2.0, "y": 5.0, "z": -4.0})
print(f"max(x, y) z at (-2, 5, -4): f = {f}, gradients", {name: float(d) for name, d in g.backward().items()})

# %% [markdown] nbgrader={"grade": false, "grade_id": "md_q_branch_gradients_add", "locked": true, "schema_version": 3, "solution": false, "task": false}
# **Inline question 1.** Why do gradients *add* where a value branches into
# several gates? Answer with the chain rule, and say what goes wrong in
# training if the backward pass keeps only the last gradient it receives.

# %% [markdown] nbgrader={"grade": true, "grade_id": "q_branch_gradients_add", "locked": false, "points": 1, "schema_version": 3, "solution": true, "task": false}
# **Answer.** If $x$ feeds gates $g_1, \dots, g_k$, the loss is a function
# $L(g_1(x, \dots), \dots, g_k(x, \dots))$ of $x$ through all of them. The
# multivariable chain rule gives
# $\frac{\partial L}{\partial x} = \sum_i \frac{\partial L}{\partial g_i}\frac{\partial g_i}{\partial x}$:
# nudging $x$ by $\delta$ changes every $g_i$ at once, and to first order the
# effects on $L$ add. Keeping only the last gradient drops the other paths'
# contributions, so the computed "gradient" is not the gradient; the update can
# point the wrong way and a gradient check fails on exactly the branching
# values (shared weights, a residual connection, $x$ in $x \cdot x$).

# %% [markdown] nbgrader={"grade": false, "grade_id": "md_q_max_gate", "locked": true, "schema_version": 3, "solution": false, "task": false}
# **Inline question 2.** What does a max gate do to the gradient? What does
# that mean for a ReLU unit, $\max(0, x)$, whose input is negative on every
# training example?

# %% [markdown] nbgrader={"grade": true, "grade_id": "q_max_gate", "locked": false, "points": 1, "schema_version": 3, "solution": true, "task": false}
# **Answer.** A max gate *routes* the upstream gradient: all of it goes to the
# input that was largest in the forward pass and the others get exactly zero,
# whatever their values, because a small change of a losing input does not
# change the output. For a ReLU, $\max(0, x)$, the gradient flows to $x$ only
# where $x > 0$; a unit whose input is negative on every example receives zero
# gradient, so its incoming weights never change again (a "dead" ReLU).

# %% [markdown] nbgrader={"grade": false, "grade_id": "md_sigmoid_neuron", "locked": true, "schema_version": 3, "solution": false, "task": false}
# ## 4. A sigmoid neuron
#
# A single neuron with two inputs and a bias computes
#
# $$f(w, x) = \sigma(w_0 x_0 + w_1 x_1 + w_2), \qquad \sigma(a) = \frac{1}{1 + e^{-a}}.$$
#
# The sigmoid's derivative is expressed through its own output,
# $\frac{d\sigma}{da} = \frac{e^{-a}}{(1 + e^{-a})^2} = (1 - \sigma(a))\,\sigma(a)$,
# so the backward pass reuses the forward value. With $a$ the dot product,
# $\frac{\partial f}{\partial a} = (1 - f) f$, and the multiply gates switch:
# $\frac{\partial f}{\partial w_0} = x_0 \frac{\partial f}{\partial a}$,
# $\frac{\partial f}{\partial x_0} = w_0 \frac{\partial f}{\partial a}$, and the bias
# gets $\frac{\partial f}{\partial w_2} = \frac{\partial f}{\partial a}$.
#
# **Exercise.** Write `sigmoid_neuron(w, x)` returning the output and both
# gradients. Compute $\frac{\partial f}{\partial a}$ from $f$, once.

# %% nbgrader={"grade": false, "grade_id": "sigmoid_neuron", "locked": false, "schema_version": 3, "solution": true, "task": false}
def sigmoid_neuron(w, x):
    """Forward and backward pass of f(w, x) = sigmoid(w[0] x[0] + w[1] x[1] + w[2]).

    Inputs:
    - w: (3,) weights, the last one the bias.
    - x: (2,) inputs.

    Returns a tuple (f, dw, dx):
    - f: the output, a scalar.
    - dw: (3,) array, df/dw.
    - dx: (2,) array, df/dx.
    """
    ### BEGIN SOLUTION
    a = w[0] * x[0] + w[1] * x[1] + w[2]
    f = 1.0 / (1.0 + np.exp(-a))
    da = (1.0 - f) * f                                  # the sigmoid gate
    dx = np.array([w[0] * da, w[1] * da])               # multiply gates switch
    dw = np.array([x[0] * da, x[1] * da, 1.0 * da])     # the bias sees da itself
    return f, dw, dx
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "test_sigmoid_neuron", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
w = np.array([2.0, -3.0, -3.0])
x = np.array([-1.0, -2.0])
f, dw, dx = sigmoid_neuron(w, x)
assert np.shape(dw) == (3,) and np.shape(dx) == (2,), (
    f"dw should have shape (3,) and dx shape (2,), got {np.shape(dw)} and {np.shape(dx)}")
assert rel_error(f, 1 / (1 + np.exp(-1.0))) < 1e-12, (
    f"f(w = [2, -3, -3], x = [-1, -2]) = sigmoid(1) = 0.7310586, got {f}")
assert rel_error(dx, np.array([0.39322387, -0.58983581])) < 1e-7, (
    f"dx = {dx}, expected [0.39322387, -0.58983581] = w[:2] * (1 - f) f")
assert rel_error(dw, np.array([-0.19661193, -0.39322387, 0.19661193])) < 1e-7, (
    f"dw = {dw}, expected [-0.19661193, -0.39322387, 0.19661193] = [x0, x1, 1] * (1 - f) f: "
    "the bias's gradient is (1 - f) f itself")
print("sigmoid_neuron: all visible tests passed")
### BEGIN HIDDEN TESTS
w = np.array([0.5, 1.5, -0.25])
x = np.array([2.0, -0.75])
f, dw, dx = sigmoid_neuron(w, x)
a = 0.5 * 2.0 + 1.5 * -0.75 - 0.25
s = 1.0 / (1.0 + np.exp(-a))
assert type(f) in (float, np.float64)
assert type(dw) is np.ndarray and dw.dtype == np.float64 and dw.shape == (3,)
assert type(dx) is np.ndarray and dx.dtype == np.float64 and dx.shape == (2,)
e = f - s
assert e < 1e-12 and e > -1e-12
e = dw - np.array([2.0, -0.75, 1.0]) * (1 - s) * s
assert e.max() < 1e-12 and e.min() > -1e-12
e = dx - np.array([0.5, 1.5]) * (1 - s) * s
assert e.max() < 1e-12 and e.min() > -1e-12
### END HIDDEN TESTS

# %% [markdown] nbgrader={"grade": false, "grade_id": "md_neuron_demo", "locked": true, "schema_version": 3, "solution": false, "task": false}
# The same neuron as a graph of your gates, and a numerical check of
# `sigmoid_neuron` (not graded; it needs the gates, the graph and the neuron).

# %% nbgrader={"grade": false, "grade_id": "demo_neuron_graph", "locked": true, "schema_version": 3, "solution": false, "task": false}
w = np.array([2.0, -3.0, -3.0])
x = np.array([-1.0, -2.0])
g = Graph()
g.add(MultiplyGate(), ("w0", "x0"), "p0")
g.add(MultiplyGate(), ("w1", "x1"), "p1")
g.add(AddGate(), ("p0", "p1"), "s01")
g.add(AddGate(), ("s01", "w2"), "a")
g.add(SigmoidGate(), ("a",), "f")
f_graph = g.forward({"w0": w[0], "w1": w[1], "w2": w[2], "x0": x[0], "x1": x[1]})
grads = g.backward()
f, dw, dx = sigmoid_neuron(w, x)
print(f"graph of gates: f = {f_graph:.8f}, dw = {[round(float(grads[k]), 8) for k in ('w0', 'w1', 'w2')]}, "
      f"dx = {[round(float(grads[k]), 8) for k in ('x0', 'x1')]}")
print(f"sigmoid_neuron: f = {f:.8f}, dw = {dw.round(8).tolist()}, dx = {dx.round(8).tolist()}")
dw_num = eval_numerical_gradient(lambda v: sigmoid_neuron(v, x)[0], w.copy())
dx_num = eval_numerical_gradient(lambda v: sigmoid_neuron(w, v)[0], x.copy())
print(f"relative error against centred differences: dw {rel_error(dw, dw_num):.1e}, dx {rel_error(dx, dx_num):.1e}")

# %% [markdown] nbgrader={"grade": false, "grade_id": "md_two_layer", "locked": true, "schema_version": 3, "solution": false, "task": false}
# ## 5. The classic worked example: one step of a two-layer sigmoid network
#
# Two inputs, two hidden sigmoid units, two sigmoid outputs, squared error.
# The numbers are those of the well-known step-by-step example: inputs
# $i = (0.05, 0.10)$, targets $t = (0.01, 0.99)$, and
#
# $$W_1 = \begin{pmatrix} w_1 & w_2 \\ w_3 & w_4 \end{pmatrix} = \begin{pmatrix} 0.15 & 0.20 \\ 0.25 & 0.30 \end{pmatrix},\ b_1 = 0.35, \qquad
#   W_2 = \begin{pmatrix} w_5 & w_6 \\ w_7 & w_8 \end{pmatrix} = \begin{pmatrix} 0.40 & 0.45 \\ 0.50 & 0.55 \end{pmatrix},\ b_2 = 0.60.$$
#
# Row $j$ of a weight matrix holds the weights *into* unit $j$, and each layer
# has one bias shared by its units (as in the example):
#
# $$h = \sigma(W_1 i + b_1), \qquad o = \sigma(W_2 h + b_2), \qquad E = \sum_k \tfrac12 (t_k - o_k)^2 .$$
#
# Backward, one gate at a time, with $\odot$ the elementwise product:
#
# $$\frac{\partial E}{\partial o} = o - t, \quad
#   \delta_o = \frac{\partial E}{\partial (W_2 h + b_2)} = (o - t) \odot o \odot (1 - o), \quad
#   \frac{\partial E}{\partial W_2} = \delta_o h^\top, \quad \frac{\partial E}{\partial b_2} = \textstyle\sum_k \delta_{o,k},$$
#
# $$\frac{\partial E}{\partial h} = W_2^\top \delta_o, \quad
#   \delta_h = (W_2^\top \delta_o) \odot h \odot (1 - h), \quad
#   \frac{\partial E}{\partial W_1} = \delta_h i^\top, \quad \frac{\partial E}{\partial b_1} = \textstyle\sum_j \delta_{h,j}.$$
#
# Note that $\frac{\partial E}{\partial h}$ sums over both outputs: each hidden
# unit branches into both output units. The step is
# $W \leftarrow W - \eta \frac{\partial E}{\partial W}$, and **all gradients are
# computed before any weight changes** (the hidden layer's gradient uses the
# old $W_2$). As in the example, the biases are not updated.
#
# **Exercise.** Write `two_layer_sigmoid_step`. The test checks the example's
# published numbers: total error 0.298371109, and after one step with
# $\eta = 0.5$, $w_5 = 0.35891648$, $w_1 = 0.149780716$ and the others.

# %% nbgrader={"grade": false, "grade_id": "two_layer_sigmoid_step", "locked": false, "schema_version": 3, "solution": true, "task": false}
def two_layer_sigmoid_step(params, x, target, learning_rate):
    """One gradient step of a two-layer sigmoid network with squared error.

    h = sigmoid(W1 x + b1), out = sigmoid(W2 h + b2), E = sum(0.5 * (target - out)**2).

    Inputs:
    - params: dict with 'W1' (H, D), 'b1' scalar, 'W2' (C, H), 'b2' scalar;
      row j of a weight matrix holds the weights into unit j. Not modified.
    - x: (D,) input.
    - target: (C,) targets.
    - learning_rate: scalar step size.

    Returns a tuple (error, grads, new_params):
    - error: the scalar E before the step.
    - grads: dict with 'W1' (H, D), 'b1' scalar, 'W2' (C, H), 'b2' scalar, dE/d(each).
    - new_params: a new dict; W1 and W2 moved by -learning_rate * gradient,
      b1 and b2 unchanged.
    """
    ### BEGIN SOLUTION
    W1, b1, W2, b2 = params["W1"], params["b1"], params["W2"], params["b2"]
    # forward
    h = 1.0 / (1.0 + np.exp(-(W1 @ x + b1)))     # (H, D) @ (D,) -> (H,)
    out = 1.0 / (1.0 + np.exp(-(W2 @ h + b2)))   # (C, H) @ (H,) -> (C,)
    error = np.sum(0.5 * (target - out) ** 2)
    # backward
    dout = out - target                          # (C,)
    dnet_out = dout * out * (1.0 - out)          # (C,), through the output sigmoids
    dW2 = np.outer(dnet_out, h)                  # (C,) x (H,) -> (C, H)
    db2 = np.sum(dnet_out)                       # b2 feeds every output unit
    dh = W2.T @ dnet_out                         # (H, C) @ (C,) -> (H,), old W2
    dnet_h = dh * h * (1.0 - h)                  # (H,)
    dW1 = np.outer(dnet_h, x)                    # (H,) x (D,) -> (H, D)
    db1 = np.sum(dnet_h)
    grads = {"W1": dW1, "b1": db1, "W2": dW2, "b2": db2}
    new_params = {"W1": W1 - learning_rate * dW1, "b1": b1,
                  "W2": W2 - learning_rate * dW2, "b2": b2}
    return error, grads, new_params
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "test_two_layer_sigmoid_step", "locked": true, "points": 3, "schema_version": 3, "solution": false, "task": false}
example = {"W1": np.array([[0.15, 0.20], [0.25, 0.30]]), "b1": 0.35,
           "W2": np.array([[0.40, 0.45], [0.50, 0.55]]), "b2": 0.60}
x_example = np.array([0.05, 0.10])
target_example = np.array([0.01, 0.99])
error, grads, new_params = two_layer_sigmoid_step(example, x_example, target_example, 0.5)
assert abs(error - 0.298371109) < 1e-9, (
    f"total error {error!r}, expected 0.298371109: check the forward pass "
    "(row j of W1 feeds hidden unit j) and E = sum(0.5 * (target - out)**2)")
assert np.shape(grads["W2"]) == (2, 2) and np.shape(grads["W1"]) == (2, 2), "grads['W1'] and grads['W2'] should be (2, 2)"
expected_W2 = np.array([[0.35891648, 0.408666186], [0.511301270, 0.561370121]])
assert np.max(np.abs(new_params["W2"] - expected_W2)) < 1e-8, (
    f"updated W2 = {new_params['W2'].tolist()}, expected [[w5, w6], [w7, w8]] = {expected_W2.tolist()}: "
    "dW2 = delta_o h^T with delta_o = (out - target) * out * (1 - out)")
expected_W1 = np.array([[0.149780716, 0.199561432], [0.249751144, 0.299502287]])
assert np.max(np.abs(new_params["W1"] - expected_W1)) < 1e-8, (
    f"updated W1 = {new_params['W1'].tolist()}, expected [[w1, w2], [w3, w4]] = {expected_W1.tolist()}: "
    "dE/dh = W2^T delta_o with the OLD W2 (compute all gradients before updating), then times h (1 - h)")
assert new_params["b1"] == 0.35 and new_params["b2"] == 0.60, "the biases are not updated in this example"
assert example["W1"][0, 0] == 0.15 and example["W2"][0, 0] == 0.40, "params must not be modified: return new arrays"
# the gradients of all four parameters against centred differences
check = {k: np.array(v, dtype=np.float64) for k, v in example.items()}
_, grads_check, _ = two_layer_sigmoid_step(check, x_example, target_example, 0.0)
report = check_gradients(lambda: two_layer_sigmoid_step(check, x_example, target_example, 0.0)[0],
                         check, grads_check, verbose=False)
for name, r in report.items():
    assert r.rel_error < 1e-7, f"numerical gradient check failed for {r}"
print("two_layer_sigmoid_step: all visible tests passed")
### BEGIN HIDDEN TESTS
W1 = np.array([[0.3, -0.2], [0.1, 0.4], [-0.5, 0.25]])   # H = 3, D = 2
W2 = np.array([[0.6, -0.1, 0.2]])                         # C = 1
ps = {"W1": W1.copy(), "b1": -0.1, "W2": W2.copy(), "b2": 0.2}
xx = np.array([0.5, -1.5])
tt = np.array([0.8])
err, gr, newp = two_layer_sigmoid_step(ps, xx, tt, 0.7)
hh = 1.0 / (1.0 + np.exp(-(W1 @ xx - 0.1)))
oo = 1.0 / (1.0 + np.exp(-(W2 @ hh + 0.2)))
assert type(err) in (float, np.float64)
e = err - 0.5 * ((tt - oo) ** 2).sum()
assert e < 1e-12 and e > -1e-12
do = (oo - tt) * oo * (1 - oo)
dW2 = do[:, None] * hh[None, :]
dhh = (W2 * do[:, None]).sum(axis=0) * hh * (1 - hh)
dW1 = dhh[:, None] * xx[None, :]
assert type(gr["W1"]) is np.ndarray and gr["W1"].dtype == np.float64 and gr["W1"].shape == (3, 2)
assert type(gr["W2"]) is np.ndarray and gr["W2"].dtype == np.float64 and gr["W2"].shape == (1, 3)
assert type(gr["b1"]) in (float, np.float64) and type(gr["b2"]) in (float, np.float64)
e = gr["W2"] - dW2
assert e.max() < 1e-12 and e.min() > -1e-12
e = gr["W1"] - dW1
assert e.max() < 1e-12 and e.min() > -1e-12
e = gr["b2"] - do.sum()
assert e < 1e-12 and e > -1e-12
e = gr["b1"] - dhh.sum()
assert e < 1e-12 and e > -1e-12
assert type(newp["W1"]) is np.ndarray and newp["W1"].dtype == np.float64 and newp["W1"].shape == (3, 2)
assert type(newp["W2"]) is np.ndarray and newp["W2"].dtype == np.float64 and newp["W2"].shape == (1, 3)
e = newp["W1"] - (W1 - 0.7 * dW1)
assert e.max() < 1e-12 and e.min() > -1e-12
e = newp["W2"] - (W2 - 0.7 * dW2)
assert e.max() < 1e-12 and e.min() > -1e-12
assert type(newp["b1"]) in (float, np.float64) and type(newp["b2"]) in (float, np.float64)
assert newp["b1"] == -0.1 and newp["b2"] == 0.2
assert type(ps["W1"]) is np.ndarray and ps["W1"].dtype == np.float64 and (ps["W1"] == W1).all()
assert type(ps["W2"]) is np.ndarray and ps["W2"].dtype == np.float64 and (ps["W2"] == W2).all()
### END HIDDEN TESTS

# %% [markdown] nbgrader={"grade": false, "grade_id": "md_two_layer_demo", "locked": true, "schema_version": 3, "solution": false, "task": false}
# The test above already compared every gradient with centred differences.
# Here is that report printed, and the error falling over repeated steps on the
# one example (not graded).

# %% nbgrader={"grade": false, "grade_id": "demo_two_layer", "locked": true, "schema_version": 3, "solution": false, "task": false}
params = {k: np.array(v, dtype=np.float64) for k, v in
          {"W1": [[0.15, 0.20], [0.25, 0.30]], "b1": 0.35, "W2": [[0.40, 0.45], [0.50, 0.55]], "b2": 0.60}.items()}
x_example, target_example = np.array([0.05, 0.10]), np.array([0.01, 0.99])
error, grads, _ = two_layer_sigmoid_step(params, x_example, target_example, 0.0)
check_gradients(lambda: two_layer_sigmoid_step(params, x_example, target_example, 0.0)[0], params, grads)
errors = []
for step in range(10000):
    error, _, params = two_layer_sigmoid_step(params, x_example, target_example, 0.5)
    errors.append(error)
print(f"error after 1 step: {errors[1]:.9f}; after {len(errors)} steps: {errors[-1]:.3e}")

# %% [markdown] nbgrader={"grade": false, "grade_id": "md_matmul", "locked": true, "schema_version": 3, "solution": false, "task": false}
# ## 6. The matrix-multiply gate
#
# Inside every layer is a product $D = W X$ with $W$ of shape $(M, K)$ and $X$
# of shape $(K, N)$. Element by element, $D_{mn} = \sum_k W_{mk} X_{kn}$, so
# $\frac{\partial D_{mn}}{\partial W_{mk}} = X_{kn}$, and with the upstream
# gradient $G = \frac{\partial L}{\partial D}$ (shape $(M, N)$) the chain rule
# sums over every output that $W_{mk}$ touches:
#
# $$\frac{\partial L}{\partial W_{mk}} = \sum_n G_{mn} X_{kn} \quad\Longrightarrow\quad
#   dW = G X^\top \ (M, N)(N, K) \to (M, K), \qquad dX = W^\top G \ (K, M)(M, N) \to (K, N).$$
#
# A shortcut to remember it: the gradient of a matrix has the matrix's shape,
# and there is only one way to combine $G$ with the *other* factor (transposed)
# to get that shape. It is the multiply gate's "switch" again, in matrix form.
#
# **Exercise.** Write `matmul_backward(dout, cache)` for the forward pass
# given below.

# %% nbgrader={"grade": false, "grade_id": "matmul_forward", "locked": true, "schema_version": 3, "solution": false, "task": false}
def matmul_forward(W, X):
    """D = W X. W: (M, K), X: (K, N). Returns D (M, N) and cache = (W, X)."""
    D = W @ X  # (M, K) @ (K, N) -> (M, N)
    return D, (W, X)


# %% nbgrader={"grade": false, "grade_id": "matmul_backward", "locked": false, "schema_version": 3, "solution": true, "task": false}
def matmul_backward(dout, cache):
    """Backward pass of D = W X.

    Inputs:
    - dout: (M, N) upstream gradient dL/dD.
    - cache: (W, X) from matmul_forward, W (M, K) and X (K, N).

    Returns a tuple (dW, dX): dW (M, K) = dL/dW, dX (K, N) = dL/dX.
    """
    ### BEGIN SOLUTION
    W, X = cache
    dW = dout @ X.T  # (M, N) @ (N, K) -> (M, K)
    dX = W.T @ dout  # (K, M) @ (M, N) -> (K, N)
    return dW, dX
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "test_matmul_backward", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
rng = np.random.default_rng(0)
W = rng.standard_normal((5, 10))
X = rng.standard_normal((10, 3))
_, cache = matmul_forward(W, X)
dD = rng.standard_normal((5, 3))
dW, dX = matmul_backward(dD, cache)
assert np.shape(dW) == (5, 10) and np.shape(dX) == (10, 3), (
    f"W (5, 10), X (10, 3): got dW {np.shape(dW)}, dX {np.shape(dX)}, expected (5, 10) and (10, 3): "
    "a gradient has the shape of what it differentiates")
dW_num = eval_numerical_gradient_array(lambda v: matmul_forward(v, X)[0], W, dD)
dX_num = eval_numerical_gradient_array(lambda v: matmul_forward(W, v)[0], X, dD)
assert rel_error(dW, dW_num) < 1e-9, f"dW relative error {rel_error(dW, dW_num):.1e} against centred differences: expected dW = dout X^T"
assert rel_error(dX, dX_num) < 1e-9, f"dX relative error {rel_error(dX, dX_num):.1e} against centred differences: expected dX = W^T dout"
print(f"matmul_backward: relative errors dW {rel_error(dW, dW_num):.1e}, dX {rel_error(dX, dX_num):.1e}")
### BEGIN HIDDEN TESTS
Wh = np.array([[1.0, 2.0, -1.0], [0.5, -3.0, 2.0], [4.0, 0.0, 1.5]])
Xh = np.array([[2.0, -1.0, 0.5], [1.0, 3.0, -2.0], [0.0, 1.0, 1.0]])
Gh = np.array([[1.0, 0.5, -2.0], [3.0, -1.0, 0.0], [0.25, 2.0, 1.0]])
dW, dX = matmul_backward(Gh, (Wh, Xh))
assert type(dW) is np.ndarray and dW.dtype == np.float64 and dW.shape == (3, 3)
assert type(dX) is np.ndarray and dX.dtype == np.float64 and dX.shape == (3, 3)
exp_dW = (Gh[:, None, :] * Xh[None, :, :]).sum(axis=2)   # sum_n G[m, n] X[k, n]
exp_dX = (Wh[:, :, None] * Gh[:, None, :]).sum(axis=0)   # sum_m W[m, k] G[m, n]
e = dW - exp_dW
assert e.max() < 1e-12 and e.min() > -1e-12
e = dX - exp_dX
assert e.max() < 1e-12 and e.min() > -1e-12
dW, dX = matmul_backward(np.ones((2, 4)), (np.arange(6.0).reshape(2, 3), np.arange(12.0).reshape(3, 4)))
assert type(dW) is np.ndarray and dW.dtype == np.float64 and dW.shape == (2, 3)
assert type(dX) is np.ndarray and dX.dtype == np.float64 and dX.shape == (3, 4)
assert (dW == np.array([[6.0, 22.0, 38.0], [6.0, 22.0, 38.0]])).all()
assert (dX == np.array([[3.0] * 4, [5.0] * 4, [7.0] * 4])).all()
### END HIDDEN TESTS

# %% [markdown] nbgrader={"grade": false, "grade_id": "md_matmul_rows", "locked": true, "schema_version": 3, "solution": false, "task": false}
# ### The transposed form
#
# Data usually comes as *rows*: $X$ of shape $(N, D)$, one example per row,
# and scores $S = X W$ with $W$ of shape $(D, C)$, as in the losses below.
# Transposing, $S^\top = W^\top X^\top$ is the column form above with
# $W^\top$ in the first slot, so the same rule gives, after transposing back,
#
# $$dW = X^\top G \quad (D, N)(N, C) \to (D, C), \qquad dX = G W^\top \quad (N, C)(C, D) \to (N, D).$$
#
# The cell below (not graded) checks that reading: it computes the row-form
# gradients with your `matmul_backward` on the transposes and compares them
# with centred differences.

# %% nbgrader={"grade": false, "grade_id": "demo_matmul_rows", "locked": true, "schema_version": 3, "solution": false, "task": false}
rng = np.random.default_rng(1)
X_rows, W_cols = rng.standard_normal((4, 6)), rng.standard_normal((6, 3))
dS = rng.standard_normal((4, 3))                       # upstream gradient of S = X W, (N, C)
dWT, dXT = matmul_backward(dS.T, (W_cols.T, X_rows.T))  # S^T = W^T X^T
dW_rows, dX_rows = dWT.T, dXT.T                        # (D, C), (N, D)
print("dW = X^T dS:", rel_error(dW_rows, X_rows.T @ dS), "| numeric:",
      rel_error(dW_rows, eval_numerical_gradient_array(lambda v: X_rows @ v, W_cols, dS)))
print("dX = dS W^T:", rel_error(dX_rows, dS @ W_cols.T), "| numeric:",
      rel_error(dX_rows, eval_numerical_gradient_array(lambda v: v @ W_cols, X_rows, dS)))

# %% [markdown] nbgrader={"grade": false, "grade_id": "md_losses", "locked": true, "schema_version": 3, "solution": false, "task": false}
# ## 7. Loss gradients: multiclass SVM and softmax
#
# A linear classifier scores $N$ examples $X$ $(N, D)$ with a weight matrix $W$
# $(D, C)$: $S = X W$ $(N, C)$, one score per class. Write $s = S_i$ for the
# scores of example $i$ and $y_i$ for its class. Both losses average over the
# examples and add an L2 penalty:
#
# $$L = \frac{1}{N} \sum_{i=1}^N L_i + \tfrac12\, \text{reg} \sum_{d,c} W_{dc}^2,
#   \qquad \frac{\partial}{\partial W} \Big(\tfrac12\, \text{reg} \sum W^2\Big) = \text{reg} \cdot W.$$
#
# The penalty is on the weights, not on the data term, and it is **not**
# divided by $N$.
#
# **Multiclass SVM (hinge) loss**, margin 1:
# $L_i = \sum_{j \ne y_i} \max(0,\ s_j - s_{y_i} + 1)$. Each violated margin
# ($s_j - s_{y_i} + 1 > 0$) contributes $+1$ to $\frac{\partial L_i}{\partial s_j}$
# and $-1$ to $\frac{\partial L_i}{\partial s_{y_i}}$; since $s_j = X_i \cdot W_{:, j}$,
# that adds $X_i$ to column $j$ of $dW$ and subtracts it from column $y_i$.
#
# **Softmax (cross-entropy) loss**: with probabilities
# $p_j = e^{s_j} / \sum_k e^{s_k}$, $L_i = -\log p_{y_i}$ and
# $\frac{\partial L_i}{\partial s_j} = p_j - \mathbb{1}(j = y_i)$, so column $j$
# of $dW$ gains $(p_j - \mathbb{1}(j = y_i))\,X_i$.
#
# **Numerical stability.** $e^{s}$ overflows float64 for $s > 709$, and
# then $p$ is `inf / inf = nan`. Because
# $\frac{e^{s_j - m}}{\sum_k e^{s_k - m}} = \frac{e^{s_j}}{\sum_k e^{s_k}}$
# for any constant $m$, subtract $m = \max_k s_k$ from the scores first: the
# largest exponent is then $e^0 = 1$ and nothing overflows.
#
# The data: the first 500 training digits as rows of 64 pixels scaled to
# $[-1, 1]$, plus a column of ones so that the last row of $W$ is the bias (the
# "bias trick"), $D = 65$, $C = 10$.

# %% nbgrader={"grade": false, "grade_id": "load_data", "locked": true, "schema_version": 3, "solution": false, "task": false}
data = load_dataset(P.dataset)
X_dev = scale_to_unit_interval(to_rows(data.X_train[:500]), data.pixel_max)  # (500, 1, 8, 8) -> (500, 64)
X_dev = np.hstack([X_dev, np.ones((X_dev.shape[0], 1))])                     # (500, 65): bias trick
y_dev = data.y_train[:500]
num_classes = data.num_classes
print(data)
print("X_dev", X_dev.shape, "y_dev", y_dev.shape, "classes", num_classes)

# %% [markdown] nbgrader={"grade": false, "grade_id": "md_svm_naive", "locked": true, "schema_version": 3, "solution": false, "task": false}
# **Exercise.** Write `svm_loss_naive` with explicit loops over the examples
# and the classes (a vector product per score is fine). With tiny random
# weights every score is about 0, every one of the $C - 1 = 9$ wrong classes
# has margin about 1, and the loss is about 9: a good first sanity check.

# %% nbgrader={"grade": false, "grade_id": "svm_loss_naive", "locked": false, "schema_version": 3, "solution": true, "task": false}
def svm_loss_naive(W, X, y, reg):
    """Multiclass SVM loss and gradient, with loops.

    Inputs:
    - W: (D, C) weights.
    - X: (N, D) data, one example per row.
    - y: (N,) integer labels, 0 <= y[i] < C.
    - reg: L2 regularization strength.

    Returns a tuple (loss, dW):
    - loss: float, (1/N) sum_i sum_{j != y_i} max(0, s_j - s_{y_i} + 1) + 0.5 * reg * sum(W**2).
    - dW: (D, C), the gradient of loss with respect to W.
    """
    ### BEGIN SOLUTION
    num_train, num_classes = X.shape[0], W.shape[1]
    loss = 0.0
    dW = np.zeros_like(W)
    for i in range(num_train):
        scores = X[i] @ W  # (D,) @ (D, C) -> (C,)
        correct_score = scores[y[i]]
        for j in range(num_classes):
            if j == y[i]:
                continue
            margin = scores[j] - correct_score + 1.0
            if margin > 0:
                loss += margin
                dW[:, j] += X[i]
                dW[:, y[i]] -= X[i]
    loss /= num_train
    dW /= num_train
    loss += 0.5 * reg * np.sum(W * W)
    dW += reg * W
    return float(loss), dW
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "test_svm_loss_naive", "locked": true, "points": 3, "schema_version": 3, "solution": false, "task": false}
rng = np.random.default_rng(0)
W_tiny = 1e-4 * rng.standard_normal((X_dev.shape[1], num_classes))
loss, dW = svm_loss_naive(W_tiny, X_dev, y_dev, 0.0)
assert np.shape(dW) == W_tiny.shape, f"dW has shape {np.shape(dW)}, expected W's shape {W_tiny.shape}"
assert 8.9 < loss < 9.1, (
    f"with tiny weights the SVM loss should be about C - 1 = 9, got {loss}: "
    "skip j == y[i] and divide the summed loss by N")
# a small fixed problem
W_toy = np.linspace(-2.0, 3.0, 12).reshape(4, 3)
X_toy = np.linspace(-1.0, 1.0, 20).reshape(5, 4)
y_toy = np.array([0, 1, 2, 2, 1])
loss, dW = svm_loss_naive(W_toy, X_toy, y_toy, 0.0)
assert abs(loss - 1.35311004784689) < 1e-9, (
    f"toy problem (W = linspace(-2, 3, 12).reshape(4, 3), X = linspace(-1, 1, 20).reshape(5, 4), "
    f"y = [0, 1, 2, 2, 1], reg = 0): loss {loss!r}, expected 1.3531100478"
)
# the regularization term
loss_r, dW_r = svm_loss_naive(W_toy, X_toy, y_toy, 0.1)
assert abs((loss_r - loss) - 0.05 * np.sum(W_toy ** 2)) < 1e-12, (
    f"reg = 0.1 added {loss_r - loss!r} to the loss, expected 0.5 * reg * sum(W**2) = {0.05 * np.sum(W_toy ** 2)!r}")
assert np.max(np.abs((dW_r - dW) - 0.1 * W_toy)) < 1e-12, "reg = 0.1 should add reg * W to dW (the derivative of 0.5 * reg * sum(W**2))"
# the gradient, checked numerically on the digits
W_check = 0.01 * rng.standard_normal((X_dev.shape[1], num_classes))
for reg in (0.0, 10.0):
    loss, dW = svm_loss_naive(W_check, X_dev, y_dev, reg)
    worst = grad_check_sparse(lambda w: svm_loss_naive(w, X_dev, y_dev, reg)[0], W_check, dW, num_checks=10)
    assert worst < 1e-7, f"reg = {reg}: gradient check relative error {worst:.1e} (expected < 1e-7); look at dW"
print("svm_loss_naive: all visible tests passed")
### BEGIN HIDDEN TESTS
rg = np.random.default_rng(12345)
Wh = rg.standard_normal((6, 4))
Xh = rg.standard_normal((7, 6))
yh = np.array([0, 3, 1, 1, 2, 0, 3])
Wcopy = Wh.copy()
loss, dW = svm_loss_naive(Wh, Xh, yh, 0.3)
assert type(loss) in (float, np.float64)
assert type(dW) is np.ndarray and dW.dtype == np.float64 and dW.shape == (6, 4)
assert (Wh == Wcopy).all()
S = Xh @ Wh
M = S - S[np.arange(7), yh][:, None] + 1.0
M[np.arange(7), yh] = 0.0
M = M * (M > 0)
exp_loss = M.sum() / 7 + 0.15 * (Wh * Wh).sum()
Dm = (M > 0) * 1.0
Dm[np.arange(7), yh] = -Dm.sum(axis=1)
exp_dW = Xh.T @ Dm / 7 + 0.3 * Wh
e = loss - exp_loss
assert e < 1e-10 and e > -1e-10
e = dW - exp_dW
assert e.max() < 1e-10 and e.min() > -1e-10
### END HIDDEN TESTS

# %% [markdown] nbgrader={"grade": false, "grade_id": "md_svm_vectorized", "locked": true, "schema_version": 3, "solution": false, "task": false}
# **Exercise.** Write `svm_loss_vectorized` with no loop over examples or
# classes: compute all scores at once, pick the correct-class scores with
# integer-array indexing `scores[np.arange(N), y]`, build the margins
# $(N, C)$, and build the gradient from a matrix that holds, per example, $+1$
# at each violating class and minus the number of violations at the correct
# class; then $dW = X^\top(\cdot)$, the row form of the matrix-multiply gate.

# %% nbgrader={"grade": false, "grade_id": "svm_loss_vectorized", "locked": false, "schema_version": 3, "solution": true, "task": false}
def svm_loss_vectorized(W, X, y, reg):
    """Multiclass SVM loss and gradient, vectorized. Same inputs and outputs
    as svm_loss_naive: W (D, C), X (N, D), y (N,), reg; returns loss (float), dW (D, C).
    """
    ### BEGIN SOLUTION
    num_train = X.shape[0]
    rows = np.arange(num_train)
    scores = X @ W                                     # (N, D) @ (D, C) -> (N, C)
    correct = scores[rows, y][:, None]                 # (N, 1)
    margins = np.maximum(0.0, scores - correct + 1.0)  # (N, C)
    margins[rows, y] = 0.0
    loss = margins.sum() / num_train + 0.5 * reg * np.sum(W * W)
    dscores = (margins > 0).astype(np.float64)         # (N, C): +1 at each violation
    dscores[rows, y] = -dscores.sum(axis=1)            # minus the count at the correct class
    dW = X.T @ dscores / num_train + reg * W           # (D, N) @ (N, C) -> (D, C)
    return float(loss), dW
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "test_svm_loss_vectorized", "locked": true, "points": 3, "schema_version": 3, "solution": false, "task": false}
rng = np.random.default_rng(0)
W_tiny = 1e-4 * rng.standard_normal((X_dev.shape[1], num_classes))
loss, dW = svm_loss_vectorized(W_tiny, X_dev, y_dev, 0.0)
assert np.shape(dW) == W_tiny.shape, f"dW has shape {np.shape(dW)}, expected W's shape {W_tiny.shape}"
assert 8.9 < loss < 9.1, (
    f"with tiny weights the SVM loss should be about C - 1 = 9, got {loss}: "
    "zero the margins of the correct classes and divide the summed loss by N")
W_toy = np.linspace(-2.0, 3.0, 12).reshape(4, 3)
X_toy = np.linspace(-1.0, 1.0, 20).reshape(5, 4)
y_toy = np.array([0, 1, 2, 2, 1])
loss, dW = svm_loss_vectorized(W_toy, X_toy, y_toy, 0.0)
assert abs(loss - 1.35311004784689) < 1e-9, f"toy problem (as in the naive test): loss {loss!r}, expected 1.3531100478"
loss_r, dW_r = svm_loss_vectorized(W_toy, X_toy, y_toy, 0.1)
assert abs((loss_r - loss) - 0.05 * np.sum(W_toy ** 2)) < 1e-12, (
    f"reg = 0.1 added {loss_r - loss!r} to the loss, expected 0.5 * reg * sum(W**2) = {0.05 * np.sum(W_toy ** 2)!r}")
assert np.max(np.abs((dW_r - dW) - 0.1 * W_toy)) < 1e-12, "reg = 0.1 should add reg * W to dW"
W_check = 0.01 * rng.standard_normal((X_dev.shape[1], num_classes))
for reg in (0.0, 10.0):
    loss, dW = svm_loss_vectorized(W_check, X_dev, y_dev, reg)
    worst = grad_check_sparse(lambda w: svm_loss_vectorized(w, X_dev, y_dev, reg)[0], W_check, dW, num_checks=10)
    assert worst < 1e-7, f"reg = {reg}: gradient check relative error {worst:.1e} (expected < 1e-7); look at dW"
print("svm_loss_vectorized: all visible tests passed")
### BEGIN HIDDEN TESTS
rg = np.random.default_rng(54321)
Wh = rg.standard_normal((5, 6))
Xh = rg.standard_normal((9, 5))
yh = np.array([5, 0, 2, 2, 4, 1, 3, 0, 5])
Wcopy = Wh.copy()
loss, dW = svm_loss_vectorized(Wh, Xh, yh, 0.7)
assert type(loss) in (float, np.float64)
assert type(dW) is np.ndarray and dW.dtype == np.float64 and dW.shape == (5, 6)
assert (Wh == Wcopy).all()
exp_loss = 0.0
exp_dW = np.zeros((5, 6))
for i in range(9):
    s = Xh[i] @ Wh
    for j in range(6):
        if j != yh[i] and s[j] - s[yh[i]] + 1.0 > 0:
            exp_loss += s[j] - s[yh[i]] + 1.0
            exp_dW[:, j] += Xh[i]
            exp_dW[:, yh[i]] -= Xh[i]
exp_loss = exp_loss / 9 + 0.35 * (Wh * Wh).sum()
exp_dW = exp_dW / 9 + 0.7 * Wh
e = loss - exp_loss
assert e < 1e-10 and e > -1e-10
e = dW - exp_dW
assert e.max() < 1e-10 and e.min() > -1e-10
### END HIDDEN TESTS

# %% [markdown] nbgrader={"grade": false, "grade_id": "md_kinks", "locked": true, "schema_version": 3, "solution": false, "task": false}
# ### Kinks
#
# The hinge $\max(0, \cdot)$ is not differentiable where its argument is 0.
# The analytic gradient picks one side; the centred difference straddles the
# kink when the point is closer to it than $h$. The cell below shows it on the
# simplest kink, $\text{ReLU}(x) = \max(0, x)$, whose analytic derivative is 1
# for every $x > 0$.

# %% nbgrader={"grade": false, "grade_id": "demo_kink", "locked": true, "schema_version": 3, "solution": false, "task": false}
relu = lambda v: np.maximum(0.0, v)
for x0 in (1.0, 1e-3, 3e-6, 0.0):
    x_arr = np.array([x0])
    numeric = eval_numerical_gradient(lambda v: relu(v).sum(), x_arr, h=1e-5)[0]
    analytic = float(x0 > 0)
    print(f"x = {x0:7.0e}: analytic {analytic:.3f}, numeric (h = 1e-5) {numeric:.3f}, "
          f"relative error {rel_error(np.array(analytic), np.array(numeric)):.1e}")

# %% [markdown] nbgrader={"grade": false, "grade_id": "md_q_kinks", "locked": true, "schema_version": 3, "solution": false, "task": false}
# **Inline question 3.** Why can a gradient check of a correct SVM or ReLU
# gradient fail now and then? How would you make the check trustworthy anyway?

# %% [markdown] nbgrader={"grade": true, "grade_id": "q_kinks", "locked": false, "points": 1, "schema_version": 3, "solution": true, "task": false}
# **Answer.** At a kink the function has no derivative: the analytic code
# returns one one-sided slope (0 or 1 for a ReLU, the margin's on/off for the
# hinge), while the centred difference evaluates $f(x + h)$ and $f(x - h)$ on
# *both* sides when the point lies within $h$ of the kink, giving a slope in
# between (the cell above prints it for the ReLU at $x = 3 \times 10^{-6}$ and
# at 0). That disagreement is not a bug in the gradient. It happens more often
# with many examples, with scores near a margin or ReLU inputs near 0. Remedies: check
# with fewer examples, at random points away from the kinks (e.g. small random
# weights, where no margin sits at 0), track which max() arguments switch
# between $x - h$ and $x + h$ and ignore those entries, or use a smaller $h$
# in float64.

# %% [markdown] nbgrader={"grade": false, "grade_id": "md_softmax_naive", "locked": true, "schema_version": 3, "solution": false, "task": false}
# **Exercise.** Write `softmax_loss_naive` with a loop over the examples, and
# shift each example's scores by their maximum before exponentiating. With
# tiny random weights all 10 probabilities are about 0.1 and the loss is
# about $-\log 0.1 = \log 10 \approx 2.303$.

# %% nbgrader={"grade": false, "grade_id": "softmax_loss_naive", "locked": false, "schema_version": 3, "solution": true, "task": false}
def softmax_loss_naive(W, X, y, reg):
    """Softmax (cross-entropy) loss and gradient, with loops; numerically stable.

    Inputs:
    - W: (D, C) weights.
    - X: (N, D) data, one example per row.
    - y: (N,) integer labels, 0 <= y[i] < C.
    - reg: L2 regularization strength.

    Returns a tuple (loss, dW):
    - loss: float, (1/N) sum_i -log(softmax(x_i W)[y_i]) + 0.5 * reg * sum(W**2).
    - dW: (D, C), the gradient of loss with respect to W.
    """
    ### BEGIN SOLUTION
    num_train, num_classes = X.shape[0], W.shape[1]
    loss = 0.0
    dW = np.zeros_like(W)
    for i in range(num_train):
        scores = X[i] @ W                    # (D,) @ (D, C) -> (C,)
        scores = scores - np.max(scores)     # stability: the largest exponent is 0
        exp_scores = np.exp(scores)
        sum_exp = np.sum(exp_scores)
        loss += np.log(sum_exp) - scores[y[i]]
        for j in range(num_classes):
            p_j = exp_scores[j] / sum_exp
            dW[:, j] += (p_j - (j == y[i])) * X[i]
    loss /= num_train
    dW /= num_train
    loss += 0.5 * reg * np.sum(W * W)
    dW += reg * W
    return float(loss), dW
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "test_softmax_loss_naive", "locked": true, "points": 3, "schema_version": 3, "solution": false, "task": false}
rng = np.random.default_rng(0)
W_tiny = 1e-4 * rng.standard_normal((X_dev.shape[1], num_classes))
loss, dW = softmax_loss_naive(W_tiny, X_dev, y_dev, 0.0)
assert np.shape(dW) == W_tiny.shape, f"dW has shape {np.shape(dW)}, expected W's shape {W_tiny.shape}"
assert abs(loss - np.log(num_classes)) < 0.01, (
    f"with tiny weights the softmax loss should be about log(10) = 2.303, got {loss}: "
    "average -log p[y_i] over the N examples")
W_toy = np.linspace(-2.0, 3.0, 12).reshape(4, 3)
X_toy = np.linspace(-1.0, 1.0, 20).reshape(5, 4)
y_toy = np.array([0, 1, 2, 2, 1])
loss, dW = softmax_loss_naive(W_toy, X_toy, y_toy, 0.0)
assert abs(loss - 0.9803194188904936) < 1e-9, (
    f"toy problem (as in the SVM tests): loss {loss!r}, expected 0.9803194189")
loss_r, dW_r = softmax_loss_naive(W_toy, X_toy, y_toy, 0.1)
assert abs((loss_r - loss) - 0.05 * np.sum(W_toy ** 2)) < 1e-12, (
    f"reg = 0.1 added {loss_r - loss!r} to the loss, expected 0.5 * reg * sum(W**2) = {0.05 * np.sum(W_toy ** 2)!r}")
assert np.max(np.abs((dW_r - dW) - 0.1 * W_toy)) < 1e-12, "reg = 0.1 should add reg * W to dW"
# large scores: the rows' scores lie near 317, 739, 1161, 1583 and 2005
loss_big, _ = softmax_loss_naive(W_toy + np.array([[0.0], [0.0], [0.0], [1000.0]]), X_toy + np.array([0, 0, 0, 1.0]), y_toy, 0.0)
assert abs(loss_big - 0.9346405586615344) < 1e-9, (
    f"with scores between 316 and 2007 the loss came out {loss_big!r}, expected 0.9346405587: "
    "exp(2000) overflows (inf, nan); subtract each example's own largest score before np.exp "
    "(the probabilities do not change)")
W_check = 0.01 * rng.standard_normal((X_dev.shape[1], num_classes))
for reg in (0.0, 10.0):
    loss, dW = softmax_loss_naive(W_check, X_dev, y_dev, reg)
    worst = grad_check_sparse(lambda w: softmax_loss_naive(w, X_dev, y_dev, reg)[0], W_check, dW, num_checks=10)
    assert worst < 1e-7, f"reg = {reg}: gradient check relative error {worst:.1e} (expected < 1e-7); dL/ds_j = p_j - 1(j == y_i)"
print("softmax_loss_naive: all visible tests passed")
### BEGIN HIDDEN TESTS
rg = np.random.default_rng(2024)
Wh = rg.standard_normal((6, 4))
Xh = rg.standard_normal((7, 6))
yh = np.array([1, 3, 0, 2, 2, 0, 3])
Wcopy = Wh.copy()
for shift, reg in ((0.0, 0.0), (0.0, 0.4), (900.0, 0.4)):
    Ws = Wh.copy()
    Ws[5] += shift          # odd rows' scores all grow by shift: overflow without the max shift,
    Xs = Xh.copy()          # and even rows underflow with one max over all rows
    Xs[:, 5] = np.arange(7) % 2
    loss, dW = softmax_loss_naive(Ws, Xs, yh, reg)
    assert type(loss) in (float, np.float64)
    assert type(dW) is np.ndarray and dW.dtype == np.float64 and dW.shape == (6, 4)
    S = Xs @ Ws
    S = S - S.max(axis=1, keepdims=True)
    logp = S - np.log(np.exp(S).sum(axis=1, keepdims=True))
    exp_loss = -logp[np.arange(7), yh].sum() / 7 + 0.5 * reg * (Ws * Ws).sum()
    G = np.exp(logp)
    G[np.arange(7), yh] -= 1.0
    exp_dW = Xs.T @ G / 7 + reg * Ws
    e = (loss - exp_loss) / exp_loss
    assert e < 1e-10 and e > -1e-10
    e = dW - exp_dW
    assert e.max() < 1e-9 and e.min() > -1e-9
assert (Wh == Wcopy).all()
### END HIDDEN TESTS

# %% [markdown] nbgrader={"grade": false, "grade_id": "md_softmax_vectorized", "locked": true, "schema_version": 3, "solution": false, "task": false}
# **Exercise.** Write `softmax_loss_vectorized` with no loops: subtract the
# row maxima (`keepdims=True` keeps the shape $(N, 1)$ for broadcasting),
# compute the probabilities $(N, C)$, subtract 1 at the correct classes, and
# multiply by $X^\top$.

# %% nbgrader={"grade": false, "grade_id": "softmax_loss_vectorized", "locked": false, "schema_version": 3, "solution": true, "task": false}
def softmax_loss_vectorized(W, X, y, reg):
    """Softmax loss and gradient, vectorized and numerically stable. Same inputs
    and outputs as softmax_loss_naive: W (D, C), X (N, D), y (N,), reg; returns
    loss (float), dW (D, C).
    """
    ### BEGIN SOLUTION
    num_train = X.shape[0]
    rows = np.arange(num_train)
    scores = X @ W                                            # (N, D) @ (D, C) -> (N, C)
    scores = scores - scores.max(axis=1, keepdims=True)       # (N, C) - (N, 1)
    log_probs = scores - np.log(np.exp(scores).sum(axis=1, keepdims=True))  # (N, C)
    loss = -log_probs[rows, y].sum() / num_train + 0.5 * reg * np.sum(W * W)
    dscores = np.exp(log_probs)                               # (N, C) probabilities
    dscores[rows, y] -= 1.0
    dW = X.T @ dscores / num_train + reg * W                  # (D, N) @ (N, C) -> (D, C)
    return float(loss), dW
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "test_softmax_loss_vectorized", "locked": true, "points": 3, "schema_version": 3, "solution": false, "task": false}
rng = np.random.default_rng(0)
W_tiny = 1e-4 * rng.standard_normal((X_dev.shape[1], num_classes))
loss, dW = softmax_loss_vectorized(W_tiny, X_dev, y_dev, 0.0)
assert np.shape(dW) == W_tiny.shape, f"dW has shape {np.shape(dW)}, expected W's shape {W_tiny.shape}"
assert abs(loss - np.log(num_classes)) < 0.01, (
    f"with tiny weights the softmax loss should be about log(10) = 2.303, got {loss}: "
    "average -log p[y_i] over the N examples")
W_toy = np.linspace(-2.0, 3.0, 12).reshape(4, 3)
X_toy = np.linspace(-1.0, 1.0, 20).reshape(5, 4)
y_toy = np.array([0, 1, 2, 2, 1])
loss, dW = softmax_loss_vectorized(W_toy, X_toy, y_toy, 0.0)
assert abs(loss - 0.9803194188904936) < 1e-9, f"toy problem (as in the naive test): loss {loss!r}, expected 0.9803194189"
loss_r, dW_r = softmax_loss_vectorized(W_toy, X_toy, y_toy, 0.1)
assert abs((loss_r - loss) - 0.05 * np.sum(W_toy ** 2)) < 1e-12, (
    f"reg = 0.1 added {loss_r - loss!r} to the loss, expected 0.5 * reg * sum(W**2) = {0.05 * np.sum(W_toy ** 2)!r}")
assert np.max(np.abs((dW_r - dW) - 0.1 * W_toy)) < 1e-12, "reg = 0.1 should add reg * W to dW"
# large scores: the rows' scores lie near 317, 739, 1161, 1583 and 2005
loss_big, _ = softmax_loss_vectorized(W_toy + np.array([[0.0], [0.0], [0.0], [1000.0]]), X_toy + np.array([0, 0, 0, 1.0]), y_toy, 0.0)
assert abs(loss_big - 0.9346405586615344) < 1e-9, (
    f"with scores between 316 and 2007 the loss came out {loss_big!r}, expected 0.9346405587: "
    "exp(2000) overflows (inf, nan); subtract each ROW's largest score, scores.max(axis=1, keepdims=True), "
    "before np.exp (one max over the whole matrix leaves the low rows at exp(-1700) = 0)")
W_check = 0.01 * rng.standard_normal((X_dev.shape[1], num_classes))
for reg in (0.0, 10.0):
    loss, dW = softmax_loss_vectorized(W_check, X_dev, y_dev, reg)
    worst = grad_check_sparse(lambda w: softmax_loss_vectorized(w, X_dev, y_dev, reg)[0], W_check, dW, num_checks=10)
    assert worst < 1e-7, f"reg = {reg}: gradient check relative error {worst:.1e} (expected < 1e-7); dL/ds_j = p_j - 1(j == y_i)"
print("softmax_loss_vectorized: all visible tests passed")
### BEGIN HIDDEN TESTS
rg = np.random.default_rng(777)
Wh = rg.standard_normal((5, 6))
Xh = rg.standard_normal((9, 5))
yh = np.array([5, 0, 2, 2, 4, 1, 3, 0, 5])
Wcopy = Wh.copy()
for shift, reg in ((0.0, 0.0), (0.0, 0.6), (850.0, 0.6)):
    Ws = Wh.copy()
    Ws[4] += shift          # odd rows' scores all grow by shift: overflow without the max shift,
    Xs = Xh.copy()          # and even rows underflow with one max over all rows
    Xs[:, 4] = np.arange(9) % 2
    loss, dW = softmax_loss_vectorized(Ws, Xs, yh, reg)
    assert type(loss) in (float, np.float64)
    assert type(dW) is np.ndarray and dW.dtype == np.float64 and dW.shape == (5, 6)
    exp_loss = 0.0
    exp_dW = np.zeros((5, 6))
    for i in range(9):
        s = Xs[i] @ Ws
        s = s - s.max()
        p = np.exp(s) / np.exp(s).sum()
        exp_loss -= np.log(p[yh[i]])
        p[yh[i]] -= 1.0
        exp_dW += Xs[i][:, None] * p[None, :]
    exp_loss = exp_loss / 9 + 0.5 * reg * (Ws * Ws).sum()
    exp_dW = exp_dW / 9 + reg * Ws
    e = (loss - exp_loss) / exp_loss
    assert e < 1e-10 and e > -1e-10
    e = dW - exp_dW
    assert e.max() < 1e-9 and e.min() > -1e-9
assert (Wh == Wcopy).all()
### END HIDDEN TESTS

# %% [markdown] nbgrader={"grade": false, "grade_id": "md_timing", "locked": true, "schema_version": 3, "solution": false, "task": false}
# ### Naive against vectorized
#
# The two versions compute the same numbers; the cell below (not graded)
# measures the difference in loss and gradient on the 500 digits and how much
# faster the vectorized version is (the best of several runs each).

# %% nbgrader={"grade": false, "grade_id": "demo_timing", "locked": true, "schema_version": 3, "solution": false, "task": false}
from course.lib.timing import best_time  # the fastest of several calls, in seconds

repeats = 3 if P.fast else 10
W_time = 0.01 * np.random.default_rng(P.seed).standard_normal((X_dev.shape[1], num_classes))
for name, naive, vectorized in (("SVM", svm_loss_naive, svm_loss_vectorized),
                                ("softmax", softmax_loss_naive, softmax_loss_vectorized)):
    loss_n, dW_n = naive(W_time, X_dev, y_dev, 1.0)
    loss_v, dW_v = vectorized(W_time, X_dev, y_dev, 1.0)
    t_naive = best_time(lambda: naive(W_time, X_dev, y_dev, 1.0), repeats)
    t_vec = best_time(lambda: vectorized(W_time, X_dev, y_dev, 1.0), repeats)
    print(f"{name:8s} loss naive {loss_n:.6f} vectorized {loss_v:.6f} | loss difference {abs(loss_n - loss_v):.1e}, "
          f"dW relative error {rel_error(dW_n, dW_v):.1e} | naive {1e3 * t_naive:.1f} ms, "
          f"vectorized {1e3 * t_vec:.2f} ms: {t_naive / t_vec:.0f}x faster")

# %% [markdown] nbgrader={"grade": false, "grade_id": "md_xor", "locked": true, "schema_version": 3, "solution": false, "task": false}
# ## 8. A network in a dozen lines
#
# Four examples with three inputs, the third always 1 (it plays the bias),
# and the target the XOR of the first two:
#
# $$X = \begin{pmatrix} 0&0&1\\0&1&1\\1&0&1\\1&1&1 \end{pmatrix}, \qquad y = \begin{pmatrix}0\\1\\1\\0\end{pmatrix}.$$
#
# No line separates XOR's 1s from its 0s, so a single neuron cannot learn it.
# Two layers can: $h = \sigma(X W_1)$ $(4, H)$, $\text{out} = \sigma(h W_2)$
# $(4, 1)$, trained on $E = \sum \frac12(\text{out} - y)^2$ over the whole batch
# by plain gradient descent. This is the well-known "11-line" network, here
# with rows as examples (so the row form of the matrix-multiply gate):
#
# $$\delta_{\text{out}} = (\text{out} - y) \odot \text{out} \odot (1 - \text{out}), \quad
#   \frac{\partial E}{\partial W_2} = h^\top \delta_{\text{out}}, \quad
#   \delta_h = (\delta_{\text{out}} W_2^\top) \odot h \odot (1 - h), \quad
#   \frac{\partial E}{\partial W_1} = X^\top \delta_h .$$
#
# **Exercise.** Write `train_xor_network`: each iteration does a forward
# pass, records the loss (before the update), computes both gradients with the
# current weights, and then updates both weight matrices. Work on copies: the
# initial weights passed in must not change.

# %% nbgrader={"grade": false, "grade_id": "train_xor_network", "locked": false, "schema_version": 3, "solution": true, "task": false}
def train_xor_network(X, y, W1, W2, learning_rate=1.0, num_iterations=10000):
    """Full-batch gradient descent on out = sigmoid(sigmoid(X W1) W2), E = sum(0.5 * (out - y)**2).

    Inputs:
    - X: (N, D) inputs, one example per row.
    - y: (N, 1) targets.
    - W1: (D, H) initial first-layer weights (not modified).
    - W2: (H, 1) initial second-layer weights (not modified).
    - learning_rate: scalar step size.
    - num_iterations: number of gradient steps.

    Returns a tuple (W1, W2, loss_history):
    - W1 (D, H), W2 (H, 1): the trained weights, new arrays.
    - loss_history: list of num_iterations floats, E at each iteration before its update.
    """
    ### BEGIN SOLUTION
    W1, W2 = W1.copy(), W2.copy()
    loss_history = []
    for _ in range(num_iterations):
        hidden = 1.0 / (1.0 + np.exp(-(X @ W1)))     # (N, D) @ (D, H) -> (N, H)
        out = 1.0 / (1.0 + np.exp(-(hidden @ W2)))   # (N, H) @ (H, 1) -> (N, 1)
        loss_history.append(float(np.sum(0.5 * (out - y) ** 2)))
        dnet_out = (out - y) * out * (1.0 - out)                  # (N, 1)
        dnet_hidden = (dnet_out @ W2.T) * hidden * (1.0 - hidden)  # (N, 1) @ (1, H) -> (N, H)
        W2 -= learning_rate * (hidden.T @ dnet_out)   # (H, N) @ (N, 1) -> (H, 1)
        W1 -= learning_rate * (X.T @ dnet_hidden)     # (D, N) @ (N, H) -> (D, H)
    return W1, W2, loss_history
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "test_train_xor_network", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
X_xor = np.array([[0.0, 0.0, 1.0], [0.0, 1.0, 1.0], [1.0, 0.0, 1.0], [1.0, 1.0, 1.0]])
y_xor = np.array([[0.0], [1.0], [1.0], [0.0]])
rng = np.random.default_rng(1)
W1_init = rng.uniform(-1.0, 1.0, (3, 4))
W2_init = rng.uniform(-1.0, 1.0, (4, 1))
W1_saved, W2_saved = W1_init.copy(), W2_init.copy()
W1, W2, losses = train_xor_network(X_xor, y_xor, W1_init, W2_init, 1.0, 1)
assert np.shape(W1) == (3, 4) and np.shape(W2) == (4, 1), f"got W1 {np.shape(W1)}, W2 {np.shape(W2)}; expected (3, 4), (4, 1)"
assert len(losses) == 1, f"one iteration should record one loss, got {len(losses)}"
assert (W1_init == W1_saved).all() and (W2_init == W2_saved).all(), "the initial weights were modified: work on copies"
h0 = 1 / (1 + np.exp(-(X_xor @ W1_init)))
o0 = 1 / (1 + np.exp(-(h0 @ W2_init)))
assert abs(losses[0] - 0.5 * np.sum((o0 - y_xor) ** 2)) < 1e-12, (
    f"first recorded loss {losses[0]!r}, expected E = sum(0.5 * (out - y)**2) = {0.5 * np.sum((o0 - y_xor) ** 2)!r} "
    "at the INITIAL weights (record before updating)")
W1, W2, losses = train_xor_network(X_xor, y_xor, W1_init, W2_init, 1.0, 2000)
assert losses[-1] < losses[0] / 10, (
    f"after 2000 steps the loss went from {losses[0]:.4f} to {losses[-1]:.4f}; expected it to fall below a tenth: "
    "is the step W -= learning_rate * gradient (minus, not plus)?")
pred = 1 / (1 + np.exp(-(1 / (1 + np.exp(-(X_xor @ W1))) @ W2)))
assert np.max(np.abs(pred - y_xor)) < 0.1, f"after 2000 steps the predictions are {pred.ravel().round(3)}, expected within 0.1 of [0, 1, 1, 0]"
print("train_xor_network: all visible tests passed")
### BEGIN HIDDEN TESTS
Xh = np.array([[0.0, 0.0, 1.0], [0.0, 1.0, 1.0], [1.0, 0.0, 1.0], [1.0, 1.0, 1.0]])
yh = np.array([[0.0], [1.0], [1.0], [0.0]])
A = np.array([[0.2, -0.7, 0.5], [-0.4, 0.9, -0.1], [0.3, 0.6, -0.8]])   # D = 3, H = 3
B = np.array([[0.5], [-0.6], [0.9]])
A0, B0 = A.copy(), B.copy()
W1, W2, losses = train_xor_network(Xh, yh, A, B, 0.8, 3)
assert type(W1) is np.ndarray and W1.dtype == np.float64 and W1.shape == (3, 3)
assert type(W2) is np.ndarray and W2.dtype == np.float64 and W2.shape == (3, 1)
assert len(losses) == 3
assert (A == A0).all() and (B == B0).all()
a, b = A0.copy(), B0.copy()
for k in range(3):
    hh = 1.0 / (1.0 + np.exp(-(Xh @ a)))
    oo = 1.0 / (1.0 + np.exp(-(hh @ b)))
    assert type(losses[k]) in (float, np.float64)
    e = losses[k] - 0.5 * ((oo - yh) ** 2).sum()
    assert e < 1e-10 and e > -1e-10
    go = (oo - yh) * oo * (1.0 - oo)
    gh = go * b.T * hh * (1.0 - hh)
    b = b - 0.8 * (hh * go).sum(axis=0)[:, None]
    a = a - 0.8 * (Xh[:, :, None] * gh[:, None, :]).sum(axis=0)
e = W1 - a
assert e.max() < 1e-10 and e.min() > -1e-10
e = W2 - b
assert e.max() < 1e-10 and e.min() > -1e-10
### END HIDDEN TESTS

# %% [markdown] nbgrader={"grade": false, "grade_id": "md_xor_train", "locked": true, "schema_version": 3, "solution": false, "task": false}
# Now the real run (not graded): weights uniform in $[-1, 1)$, four hidden
# units, learning rate 1, 60,000 iterations (10,000 in fast mode, already
# enough to see it converge), and the loss curve on a log scale.

# %% nbgrader={"grade": false, "grade_id": "train_xor", "locked": true, "schema_version": 3, "solution": false, "task": false}
num_iterations = 10000 if P.fast else 60000
rng = np.random.default_rng(P.seed)
W1_init = rng.uniform(-1.0, 1.0, (3, 4))
W2_init = rng.uniform(-1.0, 1.0, (4, 1))
start = time.perf_counter()
W1, W2, losses = train_xor_network(X_xor, y_xor, W1_init, W2_init, 1.0, num_iterations)
seconds = time.perf_counter() - start
pred = 1 / (1 + np.exp(-(1 / (1 + np.exp(-(X_xor @ W1))) @ W2)))  # (4, 1)
print(f"{num_iterations} iterations in {seconds:.2f} s; loss {losses[0]:.4f} -> {losses[-1]:.2e}")
for row, target, p in zip(X_xor, y_xor.ravel(), pred.ravel()):
    print(f"  x = {row[:2].astype(int)}  target {target:.0f}  prediction {p:.4f}")
fig, ax = plt.subplots()
ax.semilogy(losses)
ax.set_xlabel("iteration")
ax.set_ylabel("E = sum 1/2 (out - y)^2")
ax.set_title("XOR, 3-4-1 sigmoid network, learning rate 1")
show(fig)

# %% [markdown] nbgrader={"grade": false, "grade_id": "md_end", "locked": true, "schema_version": 3, "solution": false, "task": false}
# ## Summary
#
# - The centred difference has $O(h^2)$ truncation error, but round-off grows
#   as $1/h$; the best step balances the two (measured in section 1 and printed
#   again below), and checks belong in float64.
# - Backprop is the chain rule applied gate by gate: add distributes, multiply
#   switches, max routes, sigmoid reuses its output; gradients **add** where a
#   value branches.
# - For a product $D = W X$, $dW = \text{dout}\, X^\top$ and
#   $dX = W^\top \text{dout}$; for rows $S = X W$, $dW = X^\top \text{dout}$.
# - Loss gradients: average over the examples ($1/N$), add $\text{reg}\,W$ for
#   $\frac12 \text{reg} \lVert W \rVert^2$, subtract the row max before a softmax,
#   and vectorize.
#
# Notebook 03 puts these pieces together into a two-layer network trained on
# real data.

# %% nbgrader={"grade": false, "grade_id": "summary", "locked": true, "schema_version": 3, "solution": false, "task": false}
for name, (h, err, h_model) in best_h.items():
    print(f"{name}: best measured step h = {h:.1e} (error {err:.1e}), model h* = {h_model:.1e}")
print(f"whole notebook: {time.perf_counter() - NOTEBOOK_START:.1f} s ({'fast' if P.fast else 'default'} mode)")
