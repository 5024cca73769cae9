# ---
# jupyter:
#   course:
#     trusted_runner: true
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
# - a **numerical derivative**, the tool that checks every analytic gradient;
# - a **computational graph** by hand (and drawn), then **gates** with `forward`
#   and `backward`, and a small **graph object** that runs them; the sigmoid
#   built from primitive gates (exp, add, reciprocal);
# - a **sigmoid neuron** and the classic **two-layer worked example**, whose
#   published weights it reproduces to every printed digit;
# - the **matrix-multiply gate**, the one operation inside every layer, and
#   **Jacobians**: every backward pass is a product with a transposed Jacobian
#   that is never formed;
# - the **SVM and softmax losses** with their gradients, written with loops
#   and then vectorized, checked numerically and timed;
# - the payoff: your softmax classifier **trained with SGD** on handwritten
#   digits, tuned on validation data, its weights shown as images;
# - a **tiny two-layer network** that learns XOR in a dozen lines of numpy,
#   and a **ReLU + softmax network** built from this notebook's gates.
#
# Fill in every cell marked `YOUR CODE HERE` and run the test cell below it.
# Shapes are given in every docstring: `x: (N, D)` means a 2-d array with N
# rows and D columns.
#
# **Visible and hidden tests.** Each exercise heading states its points. The
# test cell below an exercise runs *visible* tests when you run it: a small
# known value, the shapes and the contract of the docstring, a gradient check;
# their messages say what was expected and where to look. When the notebook is
# graded, the same cell also runs *hidden* tests that your copy does not show:
# other inputs and edge cases, checking the same promises of the docstring.
# Write what the docstring says, for every input it allows, not only for the
# visible examples.
#
# **Time.** On a 2-core machine the notebook runs in about 10 s in fast mode
# (`COURSE_FAST=1`, as when grading) and about 20 s in the default mode (longer
# trainings, a bigger Jacobian); a machine busy with other work takes two or
# three times as long. The last cell prints the measured time.

# %% nbgrader={"grade": false, "grade_id": "parameters", "locked": true, "schema_version": 3, "solution": false, "task": false}
# Parameters: read from the environment, so the grader and you run the same notebook.
#   COURSE_FAST=1        fewer iterations and timing repeats (as when grading)
#   COURSE_DATASET=...   'digits' (default, embedded 8x8 images) or 'mnist10k' (embedded 28x28 images)
#   COURSE_SEED=...      seeds the random examples and initialisations
# To set one in JupyterLab, run `%env COURSE_FAST=1` in a new cell above this one, then this cell.
import time

try:
    from course.lib.params import notebook_params
except ModuleNotFoundError:
    raise ModuleNotFoundError(
        "the course's support library is not installed for this kernel: in a terminal in the release "
        "folder (the one with INSTALL.md) run  pip install -r requirements.txt  then restart the kernel") from None

NOTEBOOK_START = time.perf_counter()
P = notebook_params(default_dataset="digits", datasets=("digits", "mnist10k"))
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


def show_unless_grading(fig, instead):
    """show(fig), except in a grading run (P.grading): there the figure is closed undrawn
    and "grading run: " + instead printed (drawing costs more than most demonstrations here)."""
    if P.grading:
        plt.close(fig)
        print(f"grading run: {instead}")
    else:
        show(fig)

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
# is only stored to a relative precision of the **unit round-off** $u$ (rounding
# to the nearest float changes a number by a relative amount of at most
# $u = \varepsilon / 2$, half the machine epsilon `np.finfo(dtype).eps`: about
# $1.1 \times 10^{-16}$ in float64, $6.0 \times 10^{-8}$ in float32, as in notebook 01),
# and dividing their difference by a tiny $2h$ blows that *round-off error* up
# to about $2u |f(x)| / (2h) = u |f(x)| / h$.
# The total error is smallest where the two balance, near
# $h^* \approx \left(3 u |f(x)| / |f'''(x)|\right)^{1/3}$, roughly $u^{1/3}$.
#
# ### Exercise 1: `numerical_derivative` (2 points; hidden tests at grading)
#
# Write `numerical_derivative(f, x, h)` with the centred
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
assert np.ndim(d) == 0, "numerical_derivative must return a scalar"
assert np.isclose(d, 12.0625, rtol=1e-14, atol=0), "the centred difference (f(x + h) - f(x - h)) / (2 h) with the given h"
d = numerical_derivative(lambda t: 1.0 / t, -0.5, 0.125)
assert np.isclose(d, (1.0 / (-0.375) - 1.0 / (-0.625)) / 0.25, rtol=1e-12, atol=0), \
    "the centred difference at a negative x with the given h"
d = numerical_derivative(np.exp, 0.7)
assert np.isclose(d, np.exp(0.7), rtol=0, atol=1e-9), "the default step h = 1e-5 must give the derivative to about 1e-10"
d32 = numerical_derivative(np.cos, np.float32(0.5), np.float32(0.25))
assert np.asarray(d32).dtype == np.float32, "with float32 x and h the result must stay float32 (no conversion)"
### END HIDDEN TESTS

# %% [markdown] nbgrader={"grade": false, "grade_id": "md_error_vs_h", "locked": true, "schema_version": 3, "solution": false, "task": false}
# ### Truncation against round-off
#
# The cell below differentiates $\sin$ at $x = 1$ (exact answer $\cos 1$) with
# your `numerical_derivative` for steps from $10^{-13}$ to $1$, once in float64
# and once in float32, and marks the measured best step of each. The dashed
# lines are the two error models of the text: truncation $\frac{h^2}{6}|\cos 1|$
# and round-off $u |\sin 1| / h$.

# %% nbgrader={"grade": false, "grade_id": "plot_error_vs_h", "locked": true, "schema_version": 3, "solution": false, "task": false}
hs = np.logspace(-13, 0, 131)
exact = np.cos(1.0)
best_h = {}
fig, ax = plt.subplots(figsize=(7, 4.5))
for dtype, colour in ((np.float64, "C0"), (np.float32, "C1")):
    estimates = np.array([numerical_derivative(np.sin, dtype(1.0), dtype(h)) for h in hs], dtype=np.float64)
    errors = np.maximum(np.abs(estimates - exact), 1e-18)  # an exact hit would be log(0)
    i = int(np.argmin(errors))
    u = np.finfo(dtype).eps / 2                        # unit round-off
    best_h[dtype.__name__] = (hs[i], errors[i], (3 * u * np.sin(1.0) / np.cos(1.0)) ** (1 / 3))
    ax.loglog(hs, errors, colour, label=f"{dtype.__name__} (u = {u:.1e})")
    ax.loglog(hs[i], errors[i], "o", color=colour, ms=8)
    ax.loglog(hs, hs ** 2 / 6 * np.cos(1.0) + u * np.sin(1.0) / hs, "--", color=colour, lw=0.8,
              label=f"{dtype.__name__} model: h^2/6 |cos 1| + u |sin 1| / h")
ax.set_xlabel("step h")
ax.set_ylabel("|estimate - cos(1)|")
ax.set_title("centred difference of sin at x = 1")
ax.legend()
show_unless_grading(fig, "the plot is not drawn; the numbers are those of the 131 steps")
for name, (h, err, h_model) in best_h.items():
    print(f"{name}: best measured h = {h:.1e} (error {err:.1e}); "
          f"model (3 u |f| / |f'''|)^(1/3) = {h_model:.1e}")
print(f"the best float32 error is {best_h['float32'][1] / best_h['float64'][1]:.0e} times the best float64 error")
zero = [h for h in hs if numerical_derivative(np.sin, np.float32(1.0), np.float32(h)) == 0]
print(f"float32: for h up to {max(zero):.1e} both 1 + h and 1 - h round to 1, the estimate is 0 "
      f"and the error is cos(1) = {np.cos(1.0):.2f} (float32 u / 2 = {np.finfo(np.float32).eps / 4:.1e})")

# %% [markdown] nbgrader={"grade": false, "grade_id": "md_graph_by_hand", "locked": true, "schema_version": 3, "solution": false, "task": false}
# Right of each dot the error falls as $h^2$ (slope 2 on the log-log plot,
# on the truncation model); left of it, round-off takes over and the error
# grows like $1/h$, noisily, because round-off is random-looking (the model
# $u |f| / h$ is a worst case, so the measured curve sits below it).
# The measured best steps printed above lie within a factor of a few of the
# model's $h^*$ (about $10^{-5}$ in float64, below $10^{-2}$ in float32): a few
# times $10^{-6}$ in float64, which is why the course's checkers default to
# `h=1e-5` (its error is still near the minimum), and a few times $10^{-3}$ in
# float32, where the best achievable error is several orders of magnitude worse. That is why every gradient check in the
# course runs in float64.
#
# ## 2. A computational graph by hand
#
# A formula becomes a **graph** when it is written as a chain of small steps,
# each with a simple *local* derivative: the derivative of that step's output
# with respect to its own inputs, the other inputs held fixed. The **forward
# pass** computes the steps in order; the **backward pass** goes the other way,
# starting from $\frac{\partial f}{\partial f} = 1$, and the chain rule gives the
# gradient of each value as the gradient of the step it feeds times that
# step's local derivative.
#
# **A worked example**, $g(x, y) = (x - y)^2$ at $x = 3$, $y = 1$. Steps:
# $q = x - y = 2$, then $g = q^2 = 4$. Local derivatives:
# $\frac{\partial g}{\partial q} = 2q$, $\frac{\partial q}{\partial x} = 1$,
# $\frac{\partial q}{\partial y} = -1$. Backward, each from the step after it:
#
# $$\frac{\partial g}{\partial q} = 2q = 4, \qquad
#   \frac{\partial g}{\partial x} = \frac{\partial g}{\partial q}\cdot 1 = 4, \qquad
#   \frac{\partial g}{\partial y} = \frac{\partial g}{\partial q}\cdot(-1) = -4 .$$
#
# (Check: nudge $x$ to $3.001$ and $g$ becomes $2.001^2 \approx 4.004$.)
#
# ### Exercise 2: `add_multiply_graph` (1 point; hidden tests at grading)
#
# Do the same for $f(x, y, z) = (x + y)\,z$, written as the two steps
# $q = x + y$ and $f = q z$: find the local derivatives of each step on paper,
# then write `add_multiply_graph(x, y, z)` returning the forward values $q$,
# $f$ and the three gradients, each computed from the step after it (as
# backprop does), not from a formula for the whole function.

# %% nbgrader={"grade": false, "grade_id": "add_multiply_graph", "locked": false, "schema_version": 3, "solution": true, "task": false}
def add_multiply_graph(x, y, z):
    """Forward and backward pass of f(x, y, z) = (x + y) z, with q = x + y.

    Inputs: x, y, z, scalars.
    Returns a tuple (q, f, dx, dy, dz) of scalars (Python floats or 0-d numpy
    values): the forward values q and f, then df/dx, df/dy, df/dz.
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
assert dz == 3.0, f"df/dz at (-2, 5, -4) is 3, got {dz}: differentiate f = q z with respect to z, q held fixed"
assert (dx, dy) == (-4.0, -4.0), (
    f"df/dx, df/dy at (-2, 5, -4) should both be -4, got {dx}, {dy}: "
    "chain df/dq (from the step after q) with the local derivatives dq/dx and dq/dy")
print("add_multiply_graph: all visible tests passed")
### BEGIN HIDDEN TESTS
for _point, _expected in (((3.0, -1.0, 2.5), (2.0, 5.0, 2.5, 2.5, 2.0)), ((0.5, 1.5, -3.0), (2.0, -6.0, -3.0, -3.0, 2.0))):
    _out = add_multiply_graph(*_point)
    assert len(_out) == 5 and all(np.ndim(_v) == 0 for _v in _out), "add_multiply_graph must return five scalars"
    assert np.allclose(_out[:2], _expected[:2]), "the forward values q = x + y and f = q z"
    assert np.allclose(_out[2:4], _expected[2:4]), "df/dx and df/dy must be z (the add gate passes df/dq through)"
    assert np.isclose(_out[4], _expected[4]), "df/dz must be q (the multiply gate switches its inputs)"
### END HIDDEN TESTS

# %% [markdown] nbgrader={"grade": false, "grade_id": "md_draw_graph", "locked": true, "schema_version": 3, "solution": false, "task": false}
# **The graph, drawn.** Each circle is an operation, each arrow a value flowing
# forward. Above every arrow, in green, the value of the forward pass; below it,
# in red, the gradient $\partial f / \partial(\text{that value})$ of the backward
# pass, both computed by your `add_multiply_graph`. Read the red numbers from
# right to left: that is the order in which backprop finds them.

# %% nbgrader={"grade": false, "grade_id": "draw_graph", "locked": true, "schema_version": 3, "solution": false, "task": false}
def draw_graph(ax, positions, edges, title):
    """Draw a computational graph with forward values and gradients on its edges.

    positions: dict node name -> (x, y, label, is_operation): operations are drawn as circles,
    inputs and outputs as their label alone.
    edges: list of (source, target, value, gradient): the value flowing from source to target
    in the forward pass (green, above) and d(output)/d(value) (red, below).
    """
    for name, (px, py, label, is_operation) in positions.items():
        if is_operation:
            ax.add_patch(plt.Circle((px, py), 0.28, fc="whitesmoke", ec="black", zorder=2))
        ax.text(px, py, label, ha="center", va="center", fontsize=11, zorder=3)
    for source, target, value, gradient in edges:
        (x0, y0), (x1, y1) = positions[source][:2], positions[target][:2]
        ax.annotate("", xy=(x1 - 0.3 * np.sign(x1 - x0), y1), xytext=(x0 + 0.3, y0),
                    arrowprops=dict(arrowstyle="->", color="gray"), zorder=1)
        mx, my = (x0 + x1) / 2, (y0 + y1) / 2
        ax.text(mx, my + 0.12, f"{value:.4g}", color="green", ha="center", fontsize=9)
        ax.text(mx, my - 0.22, f"{gradient:.4g}", color="red", ha="center", fontsize=9)
    xs = [p[0] for p in positions.values()]
    ys = [p[1] for p in positions.values()]
    ax.set(xlim=(min(xs) - 0.6, max(xs) + 0.6), ylim=(min(ys) - 0.7, max(ys) + 0.7), title=title)
    ax.set_aspect("equal")
    ax.axis("off")


q, f, dx, dy, dz = add_multiply_graph(-2.0, 5.0, -4.0)
fig, ax = plt.subplots(figsize=(7, 3))
draw_graph(ax, {"x": (0, 2, "x", False), "y": (0, 1, "y", False), "z": (0, 0, "z", False),
                "add": (2, 1.5, "+", True), "mul": (4, 0.75, "*", True), "f": (5.5, 0.75, "f", False)},
           [("x", "add", -2.0, dx), ("y", "add", 5.0, dy),
            ("add", "mul", q, dx),          # df/dq: the add gate hands it to x unchanged, so it equals df/dx
            ("z", "mul", -4.0, dz),
            ("mul", "f", f, 1.0)],
           "f = (x + y) z at x = -2, y = 5, z = -4: values (green), gradients (red)")
show_unless_grading(fig, f"the graph is not drawn; its values q = {q}, f = {f}, "
                         f"its gradients dx = {dx}, dy = {dy}, dz = {dz}")

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
# **A worked example: the divide gate**, $\text{out} = x / y$. Its local
# derivatives are the partial derivatives of its formula, each taken with the
# other input held fixed: $\partial(x/y)/\partial x = 1/y$ and
# $\partial(x/y)/\partial y = -x/y^2$. So `backward(dout)` returns
# $dx = dout / y$ and $dy = -x\,dout / y^2$, and `forward` must cache $x$ and
# $y$ (or $y$ and the output, since $x/y^2 = \text{out}/y$):
#
# ```python
# class DivideGate:
#     def forward(self, x, y):
#         self.x, self.y = x, y                  # what backward needs
#         return x / y
#
#     def backward(self, dout):
#         return dout / self.y, -self.x * dout / self.y ** 2
# ```
#
# At $x = 6$, $y = 3$ with $dout = 2$ that gives $(2/3, -4/3)$: nudging $x$ up
# by a small $t$ raises the output by about $t / 3$, nudging $y$ up lowers it
# by about $6t / 9$, and the loss changes by $dout$ times that.
#
# Your four gates, by their forward pass; derive each backward pass the same
# way (on paper first, then check it against the numerical derivative of
# section 1 if you like):
#
# | gate | forward |
# | --- | --- |
# | add | $x + y$ |
# | multiply | $x y$ |
# | max | $\max(x, y)$: the larger input (where $x = y$, see the docstring) |
# | sigmoid | $\sigma(x) = \frac{1}{1 + e^{-x}}$ |
#
# For the sigmoid, differentiate $\sigma(x)$ and then write the result in terms
# of $\sigma(x)$ itself: the gate can then cache its **output** and reuse it.
# Once you have all four, look at what each backward pass does with `dout`
# (copy it? swap the inputs? send it to one input only?): those three patterns
# come back in every network.
#
# Values may be scalars or numpy arrays of one shape; every operation is
# elementwise. `backward` always returns a **tuple** with one gradient per input
# of `forward`, each of that input's shape (for the one-input sigmoid gate, a
# tuple of one: `(dx,)`). The multiply and max gates must cache their inputs
# in `forward`, and `backward` must use the inputs of the *latest* `forward`.
#
# Each gate below is its own exercise with its own test: Exercises 3–6,
# `AddGate`, `MultiplyGate`, `MaxGate`, `SigmoidGate` (1 point each; hidden
# tests at grading).

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
    f"AddGate.backward(5) returned {grads}, expected (5, 5): d(x + y)/dx and d(x + y)/dy, each times dout")
print("AddGate: all visible tests passed")
### BEGIN HIDDEN TESTS
_gate = AddGate()
_out = _gate.forward(np.array([1.0, 2.0, 3.0]), np.array([0.5, -2.0, 4.0]))
assert np.shape(_out) == (3,) and np.allclose(_out, [1.5, 0.0, 7.0]), "AddGate.forward must add arrays elementwise"
_grads = _gate.backward(np.array([-1.0, 0.25, 3.0]))
assert len(_grads) == 2, "AddGate.backward must return a tuple (dx, dy)"
assert all(np.shape(_g) == (3,) and np.allclose(_g, [-1.0, 0.25, 3.0]) for _g in _grads), \
    "AddGate.backward must hand dout unchanged to both inputs, with dout's shape"
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
    "dx is d(x y)/dx with y held fixed, times dout; dy likewise (cache both inputs in forward)")
print("MultiplyGate: all visible tests passed")
### BEGIN HIDDEN TESTS
_gate = MultiplyGate()
_gate.forward(10.0, 20.0)
_out = _gate.forward(np.array([1.0, -2.0]), np.array([3.0, 0.5]))
assert np.shape(_out) == (2,) and np.allclose(_out, [3.0, -1.0]), "MultiplyGate.forward must multiply arrays elementwise"
_dx, _dy = _gate.backward(np.array([2.0, -4.0]))
assert np.shape(_dx) == (2,) and np.allclose(_dx, [6.0, -2.0]), \
    "MultiplyGate.backward: dx must be y * dout, with y from the LATEST forward"
assert np.shape(_dy) == (2,) and np.allclose(_dy, [2.0, 8.0]), \
    "MultiplyGate.backward: dy must be x * dout, with x from the LATEST forward"
### END HIDDEN TESTS

# %% nbgrader={"grade": false, "grade_id": "MaxGate", "locked": false, "schema_version": 3, "solution": true, "task": false}
class MaxGate:
    """out = max(x, y), elementwise. x, y, out, dout: scalars or arrays of one shape.

    Where x == y (a tie) max has no derivative, and any split of dout between x
    and y is a valid subgradient: all to x, all to y, half each, ... The tests
    accept every split t * dout to x and (1 - t) * dout to y with 0 <= t <= 1.
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
        dx = dout * (self.x >= self.y)  # x won (this solution sends ties to x): all of dout
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
    "near (2, 7), max(x, y) is y: how much does it change when x moves a little? when y does?")
gate.forward(np.array([4.0, 1.0]), np.array([4.0, 2.0]))     # a tie in entry 0
tie_dx, tie_dy = gate.backward(np.array([2.0, 2.0]))
print("a tie, dout = 2: dx =", tie_dx, " dy =", tie_dy)
assert np.allclose(np.asarray(tie_dx) + np.asarray(tie_dy), 2.0), (
    f"at a tie the two gradients must add up to dout (any split is fine: all to x, all to y, half each), "
    f"got dx + dy = {np.asarray(tie_dx) + np.asarray(tie_dy)}")
tie_share = float(np.asarray(tie_dx, dtype=float)[0]) / 2.0   # the fraction t of dout sent to x at the tie
assert -1e-12 <= tie_share <= 1 + 1e-12, (
    f"at the tie x got {tie_share:.3g} of dout and y {1 - tie_share:.3g}: each share must be between 0 and 1 "
    "(dout split between x and y, not more than all of it to one and a negative part to the other)")
print("MaxGate: all visible tests passed")
### BEGIN HIDDEN TESTS
_gate = MaxGate()
_gate.forward(np.array([9.0, -9.0, 9.0]), np.array([-9.0, 9.0, -9.0]))
_out = _gate.forward(np.array([1.0, 5.0, -2.0]), np.array([4.0, 3.0, -1.0]))
assert np.shape(_out) == (3,) and np.allclose(_out, [4.0, 5.0, -1.0]), "MaxGate.forward must be the elementwise maximum"
_dx, _dy = _gate.backward(np.array([2.0, -6.0, 0.5]))
assert np.shape(_dx) == (3,) and np.shape(_dy) == (3,), "MaxGate.backward must return gradients of dout's shape"
assert np.allclose(_dx, [0.0, -6.0, 0.0]) and np.allclose(_dy, [2.0, 0.0, 0.5]), \
    "MaxGate.backward must route dout to the input that won in the LATEST forward, 0 to the other"
_gate = MaxGate()
_gate.forward(np.array([3.0, 1.0, -2.0]), np.array([3.0, 0.0, -2.0]))   # ties in entries 0 and 2
_dout = np.array([5.0, 1.0, -4.0])
_dx, _dy = (np.asarray(_g, dtype=float) for _g in _gate.backward(_dout))
assert np.allclose(_dx + _dy, _dout), "at a tie dx + dy must equal dout (a split of the gradient, not a copy or a loss)"
_t = _dx[[0, 2]] / _dout[[0, 2]]
assert np.all(_t >= -1e-12) and np.all(_t <= 1 + 1e-12), "at a tie each input must get a share between 0 and all of dout"
assert np.allclose(_dx[1], 1.0) and np.allclose(_dy[1], 0.0), "without a tie all of dout goes to the larger input"
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
assert grads[0] == 0.5, (
    f"after forward(0), backward(2) returned {grads}, expected (0.5,): the slope of the sigmoid at 0 is 1/4, times dout = 2")
x = np.array([-1.5, 0.3, 2.0])
gate.forward(x)
dx_num = eval_numerical_gradient_array(lambda v: SigmoidGate().forward(v), x, np.ones(3))
dx = gate.backward(np.ones(3))[0]
assert rel_error(dx, dx_num) < 1e-8, (
    f"SigmoidGate.backward at x = {x} gave {dx}, numerically {dx_num}: "
    "differentiate 1 / (1 + exp(-x)), write it through s = sigmoid(x) (the output you cache), "
    "and evaluate it at s, not at x itself")
print("SigmoidGate: all visible tests passed")
### BEGIN HIDDEN TESTS
_gate = SigmoidGate()
_gate.forward(np.array([5.0, -5.0]))
_x = np.array([-2.0, 0.5])
_out = _gate.forward(_x)
_s = 1.0 / (1.0 + np.exp(-_x))
assert np.shape(_out) == (2,) and np.allclose(_out, _s, rtol=1e-12, atol=0), "SigmoidGate.forward must be 1 / (1 + exp(-x))"
_grads = _gate.backward(np.array([3.0, -2.0]))
assert len(_grads) == 1, "SigmoidGate.backward must return a tuple of one, (dx,)"
assert np.shape(_grads[0]) == (2,) and np.allclose(_grads[0], (1.0 - _s) * _s * np.array([3.0, -2.0]), rtol=1e-12, atol=0), \
    "SigmoidGate.backward must be the sigmoid's derivative at the LATEST forward's input, times dout"
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
# ### Exercise 7: `Graph` (2 points; hidden tests at grading)
#
# Complete `Graph.forward` and `Graph.backward`. `__init__` and
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
        feeds several gates, its gradients are summed. Gates may return the
        same array object for several inputs (AddGate may return (dout, dout)),
        so never add into an array in place: neither dout nor any gradient
        already handed out may change.
        """
        ### BEGIN SOLUTION
        grads = {self.nodes[-1][2]: dout}
        for gate, names, output in reversed(self.nodes):
            input_grads = gate.backward(grads[output])
            for name, grad in zip(names, input_grads):
                grads[name] = grads[name] + grad if name in grads else grad  # gradients add at a branch
        return grads
        ### END SOLUTION


# %% nbgrader={"grade": false, "grade_id": "graph_test_gates", "locked": true, "schema_version": 3, "solution": false, "task": false}
class TimesGate:
    """A multiply gate of the tests of Graph, so that they do not depend on your MultiplyGate."""

    def forward(self, a, b):
        self.a, self.b = a, b
        return a * b

    def backward(self, dout):
        return self.b * dout, self.a * dout


class PlusGate:
    """An add gate of the tests of Graph; backward hands dout itself to both inputs, as an add gate may."""

    def forward(self, a, b):
        return a + b

    def backward(self, dout):
        return dout, dout


# %% nbgrader={"grade": true, "grade_id": "test_Graph", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
# Graph's tests use the gates of the cell above, so that they do not depend on your gate exercises.
g = Graph()
g.add(TimesGate(), ("x", "y"), "q")
g.add(PlusGate(), ("q", "x"), "f")
f = g.forward({"x": 3.0, "y": -2.0})
assert f == -3.0, f"forward of f = x * y + x at x = 3, y = -2 returned {f}, expected -3"
assert g.values.get("q") == -6.0, f"after forward, g.values['q'] should be x * y = -6, got {g.values.get('q')}"
grads = g.backward()
assert set(grads) >= {"x", "y", "q", "f"}, f"backward should return a gradient for x, y, q and f, got keys {sorted(grads)}"
assert grads["y"] == 3.0, f"df/dy should be x = 3, got {grads['y']}: run the gates in reverse order"
assert grads["x"] == -1.0, (
    f"df/dx should be y + 1 = -1, got {grads['x']}: x feeds two gates, "
    "so its two gradients (y from the multiply, 1 from the add) must be ADDED, not overwritten")
# the same graph with arrays: PlusGate hands the SAME array to q and x
f = g.forward({"x": np.array([3.0, 1.0]), "y": np.array([-2.0, 4.0])})
dout = np.array([1.0, 2.0])
grads = g.backward(dout)
print("with arrays: df/dx =", grads["x"], " df/dq =", grads["q"], " dout after backward:", dout)
assert np.allclose(grads["x"], [-1.0, 10.0]), f"with arrays, df/dx should be (y + 1) dout = [-1, 10], got {grads['x']}"
assert np.allclose(grads["q"], [1.0, 2.0]) and np.allclose(dout, [1.0, 2.0]), (
    f"df/dq should stay dout = [1, 2], got {grads['q']}, and dout should be unchanged, got {dout}: "
    "`grads[name] += grad` adds in place into an array that the add gate also handed to q (and that is dout itself); "
    "write grads[name] = grads[name] + grad")
print("Graph: all visible tests passed")
### BEGIN HIDDEN TESTS
# f = (x * x + x) * y, x used three times, arrays
_g = Graph()
_g.add(TimesGate(), ("x", "x"), "s")
_g.add(PlusGate(), ("s", "x"), "r")
_g.add(TimesGate(), ("r", "y"), "f")
_x = np.array([1.0, -2.0, 0.5])
_y = np.array([3.0, 0.5, -4.0])
_f = _g.forward({"x": _x, "y": _y})
assert np.shape(_f) == (3,) and np.allclose(_f, (_x * _x + _x) * _y), "Graph.forward must return the last gate's output"
assert set(_g.values) >= {"x", "y", "s", "r", "f"}, "Graph.forward must store every value, inputs included, in self.values"
assert np.allclose(_g.values["r"], _x * _x + _x), "Graph.forward must store each gate's output in self.values"
_dout = np.array([1.0, 2.0, -1.0])
_grads = _g.backward(_dout)
assert set(_grads) >= {"x", "y", "s", "r", "f"}, "Graph.backward must return a gradient for every value, inputs and intermediates"
assert np.allclose(_grads["x"], (2 * _x + 1) * _y * _dout), "gradients of a value used three times must be summed over its uses"
assert np.allclose(_grads["y"], (_x * _x + _x) * _dout), "the gradient of y must be chained from the upstream dout"
assert np.allclose(_grads["r"], _y * _dout) and np.allclose(_grads["s"], _y * _dout), \
    "the gradients of intermediates must stay what their gates sent (no in-place addition into shared arrays)"
assert np.allclose(_dout, [1.0, 2.0, -1.0]), "Graph.backward must not modify dout"
_g.forward({"x": np.array([2.0]), "y": np.array([-1.0])})
_grads = _g.backward()
assert np.allclose(_grads["x"], [-5.0]) and np.allclose(_grads["y"], [6.0]), \
    "a second forward at other inputs, then backward with the default dout = 1"
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

# %% [markdown] nbgrader={"grade": false, "grade_id": "md_primitive_gates", "locked": true, "schema_version": 3, "solution": false, "task": false}
# ### The sigmoid from primitive gates
#
# `SigmoidGate` above used a ready-made derivative. A graph needs no such
# shortcut: the sigmoid $\sigma(a) = 1 / (1 + e^{-a})$ is a chain of four
# primitive operations, multiply by $-1$, $\exp$, add $1$, reciprocal
# $1/v$, and backprop through the chain multiplies their local derivatives.
# You already have the multiply and add gates (the constants $-1$ and $1$ are
# just graph inputs); two are missing.
#
# ### Exercise 8: `ExpGate` and `ReciprocalGate` (2 points; hidden tests at grading)
#
# Work out each local derivative yourself (and write it in terms of what is
# cheapest to cache), then write the two gates in the same shape as the others:
# `forward` caches what `backward` needs, `backward(dout)` returns a tuple of
# one, `(dx,)`, for the latest forward.

# %% nbgrader={"grade": false, "grade_id": "ExpGate", "locked": false, "schema_version": 3, "solution": true, "task": false}
class ExpGate:
    """out = exp(x), elementwise. x, out, dout: scalar or array of one shape."""

    def forward(self, x):
        """Returns out = np.exp(x) (x's shape); caches what backward needs."""
        ### BEGIN SOLUTION
        self.out = np.exp(x)
        return self.out
        ### END SOLUTION

    def backward(self, dout):
        """dout: dL/dout (out's shape). Returns a tuple of one, (dx,), of dout's shape."""
        ### BEGIN SOLUTION
        return (self.out * dout,)     # d exp(x)/dx = exp(x), the cached output
        ### END SOLUTION


class ReciprocalGate:
    """out = 1 / x, elementwise (x nonzero). x, out, dout: scalar or array of one shape."""

    def forward(self, x):
        """Returns out = 1 / x (x's shape); caches what backward needs."""
        ### BEGIN SOLUTION
        self.out = 1.0 / x
        return self.out
        ### END SOLUTION

    def backward(self, dout):
        """dout: dL/dout (out's shape). Returns a tuple of one, (dx,), of dout's shape."""
        ### BEGIN SOLUTION
        return (-self.out * self.out * dout,)   # d(1/x)/dx = -1/x^2 = -out^2
        ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "test_ExpGate", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
for gate_class, x_point, expected_out, expected_dx, rule in (
        (ExpGate, 0.0, 1.0, 3.0, "d exp(x)/dx = exp(x)"),
        (ReciprocalGate, 2.0, 0.5, -0.75, "d(1/x)/dx = -1/x^2")):
    gate = gate_class()
    out = gate.forward(x_point)
    assert np.isclose(out, expected_out), f"{gate_class.__name__}().forward({x_point}) returned {out}, expected {expected_out}"
    grads = gate.backward(3.0)
    assert len(grads) == 1, f"{gate_class.__name__}.backward must return a tuple of one, (dx,), got {grads!r}"
    assert np.isclose(grads[0], expected_dx), (
        f"after forward({x_point}), {gate_class.__name__}.backward(3) returned {grads}, expected ({expected_dx},): "
        f"{rule}, times dout")
    x_arr = np.array([-1.5, 0.3, 2.0])
    gate.forward(x_arr)
    dx_num = eval_numerical_gradient_array(lambda v: gate_class().forward(v), x_arr, np.ones(3))
    dx = gate.backward(np.ones(3))[0]
    assert np.shape(dx) == (3,) and rel_error(dx, dx_num) < 1e-8, (
        f"{gate_class.__name__}.backward at x = {x_arr} gave {dx}, numerically {dx_num}: {rule}")
print("ExpGate, ReciprocalGate: all visible tests passed")
### BEGIN HIDDEN TESTS
for _cls, _fn, _deriv in ((ExpGate, np.exp, np.exp), (ReciprocalGate, lambda v: 1.0 / v, lambda v: -1.0 / (v * v))):
    _gate = _cls()
    _gate.forward(np.array([5.0, -3.0]))
    _x = np.array([-0.7, 1.9])
    _out = _gate.forward(_x)
    assert np.shape(_out) == (2,) and np.allclose(_out, _fn(_x), rtol=1e-12, atol=0), f"{_cls.__name__}.forward on an array"
    _grads = _gate.backward(np.array([2.0, -0.5]))
    assert len(_grads) == 1, f"{_cls.__name__}.backward must return a tuple of one"
    assert np.shape(_grads[0]) == (2,) and np.allclose(_grads[0], _deriv(_x) * np.array([2.0, -0.5]), rtol=1e-12, atol=0), \
        f"{_cls.__name__}.backward must be the local derivative at the LATEST forward's input times dout"
### END HIDDEN TESTS

# %% [markdown] nbgrader={"grade": false, "grade_id": "md_sigmoid_chain", "locked": true, "schema_version": 3, "solution": false, "task": false}
# **The chain, and why the shortcut exists.** The cell below (not graded) wires
# $\sigma(a)$ from your primitive gates with your `Graph` and compares the
# gradient it finds with $(1 - \sigma)\sigma$. On paper, with $e = e^{-a}$ and
# $s = 1/(1 + e)$, the four local derivatives multiply to
# $(-\tfrac{1}{(1 + e)^2}) \cdot 1 \cdot e \cdot (-1) = \tfrac{e}{(1 + e)^2}
# = (1 - s)\,s$: a whole sub-graph collapses into one gate whose backward pass
# reuses its output. Grouping gates whose combined derivative is simple is
# how real layers are written.

# %% nbgrader={"grade": false, "grade_id": "sigmoid_chain", "locked": true, "schema_version": 3, "solution": false, "task": false}
def sigmoid_from_primitives(graph, a_name, out_name):
    """Add the four gates of sigmoid(a) = 1 / (1 + exp(-a)) to graph; needs inputs "minus_one" and "one"."""
    graph.add(MultiplyGate(), (a_name, "minus_one"), out_name + "_neg")   # -a
    graph.add(ExpGate(), (out_name + "_neg",), out_name + "_exp")         # e^-a
    graph.add(AddGate(), (out_name + "_exp", "one"), out_name + "_den")   # 1 + e^-a
    graph.add(ReciprocalGate(), (out_name + "_den",), out_name)           # 1 / (1 + e^-a)


a_values = np.linspace(-4.0, 4.0, 9)
g = Graph()
sigmoid_from_primitives(g, "a", "s")
s_chain = g.forward({"a": a_values, "minus_one": -np.ones(9), "one": np.ones(9)})
ds_chain = g.backward(np.ones(9))["a"]
s_gate = SigmoidGate().forward(a_values)
print("largest |sigmoid from primitives - 1 / (1 + exp(-a))|:", np.abs(s_chain - s_gate).max())
print("largest |d sigmoid / da from the chain - (1 - s) s|:  ", np.abs(ds_chain - (1 - s_gate) * s_gate).max())

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
# gradient from the loss, so the data alone no longer changes its incoming
# weights (a "dead" ReLU). "Never again" is too strong: weight decay still
# shrinks those weights (towards 0, which can revive the unit if its bias is
# positive), and updates of earlier layers change the unit's inputs and can push
# them back above 0 for some examples.

# %% [markdown] nbgrader={"grade": false, "grade_id": "md_sigmoid_neuron", "locked": true, "schema_version": 3, "solution": false, "task": false}
# ## 4. A sigmoid neuron
#
# A single neuron with two inputs and a bias computes
#
# $$f(w, x) = \sigma(w_0 x_0 + w_1 x_1 + w_2), \qquad \sigma(a) = \frac{1}{1 + e^{-a}}.$$
#
# As a graph of primitive gates it is two multiply gates ($w_0 x_0$,
# $w_1 x_1$), two add gates (their sum, then plus the bias $w_2$), and the four
# gates of the sigmoid chain above (times $-1$, $\exp$, plus 1, reciprocal).
# Backprop needs nothing else: each gate's backward pass, in reverse order.
#
# **A worked example with fewer gates**, $g(w, x) = 1 / (w_0 x_0 + w_1)$ at
# $w = (2, 1)$, $x_0 = 1.5$, one line per gate:
#
# | gate | forward | backward (gradient of $g$) |
# | --- | --- | --- |
# | multiply | $p = w_0 x_0 = 3$ | $\frac{\partial g}{\partial w_0} = x_0 \frac{\partial g}{\partial p} = -0.09375$, $\frac{\partial g}{\partial x_0} = w_0 \frac{\partial g}{\partial p} = -0.125$ |
# | add | $a = p + w_1 = 4$ | $\frac{\partial g}{\partial p} = \frac{\partial g}{\partial w_1} = \frac{\partial g}{\partial a} = -0.0625$ |
# | reciprocal | $g = 1 / a = 0.25$ | $\frac{\partial g}{\partial a} = -\frac{1}{a^2} \cdot 1 = -g^2 = -0.0625$ |
#
# read from the bottom row up: the backward pass starts at the output.
#
# ### Exercise 9: `sigmoid_neuron` (2 points; hidden tests at grading)
#
# Write `sigmoid_neuron(w, x)` the same way, composed from the primitive gates:
# one line per gate forward ($w_0 x_0$, $w_1 x_1$, the two sums, then the four
# steps of the sigmoid), then one line per gate backward, in reverse, each the
# gradient from the gate above times that gate's local derivative (the ones
# you derived for your gates and for Exercise 8). Write the steps inline
# rather than calling your gate classes, so that this exercise is graded on its
# own. The cell after the test compares your result with the graph of your
# gates and with centred differences.

# %% nbgrader={"grade": false, "grade_id": "sigmoid_neuron", "locked": false, "schema_version": 3, "solution": true, "task": false}
def sigmoid_neuron(w, x):
    """Forward and backward pass of f(w, x) = sigmoid(w[0] x[0] + w[1] x[1] + w[2]).

    Inputs:
    - w: (3,) weights, the last one the bias.
    - x: (2,) inputs.

    Returns a tuple (f, dw, dx):
    - f: the output, a scalar (a Python float, a numpy float or a 0-d array).
    - dw: (3,) array, df/dw.
    - dx: (2,) array, df/dx.
    """
    ### BEGIN SOLUTION
    # forward, one primitive gate per line
    p0 = w[0] * x[0]            # multiply
    p1 = w[1] * x[1]            # multiply
    s01 = p0 + p1               # add
    a = s01 + w[2]              # add the bias
    neg = -1.0 * a              # multiply by -1
    e = np.exp(neg)             # exp
    den = 1.0 + e               # add 1
    f = 1.0 / den               # reciprocal
    # backward, in reverse: gradient from above times the local derivative
    dden = -f * f * 1.0         # d(1/v)/dv = -1/v^2 = -f^2
    de = 1.0 * dden             # add passes it through
    dneg = e * de               # d exp(v)/dv = exp(v)
    da = -1.0 * dneg            # multiply by -1
    ds01, dw2 = 1.0 * da, 1.0 * da
    dp0, dp1 = 1.0 * ds01, 1.0 * ds01
    dw = np.array([x[0] * dp0, x[1] * dp1, dw2])    # (3,): each multiply gives one input the other times its gradient
    dx = np.array([w[0] * dp0, w[1] * dp1])         # (2,)
    return f, dw, dx
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "test_sigmoid_neuron", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
w = np.array([2.0, -3.0, -3.0])
x = np.array([-1.0, -2.0])
f, dw, dx = sigmoid_neuron(w, x)
assert np.ndim(f) == 0, f"f should be a scalar (a float or a 0-d array), got shape {np.shape(f)}"
assert np.shape(dw) == (3,) and np.shape(dx) == (2,), (
    f"dw should have shape (3,) and dx shape (2,), got {np.shape(dw)} and {np.shape(dx)}")
assert rel_error(f, 1 / (1 + np.exp(-1.0))) < 1e-12, (
    f"f(w = [2, -3, -3], x = [-1, -2]) = sigmoid(1) = 0.7310586, got {f}")
assert rel_error(dx, np.array([0.39322387, -0.58983581])) < 1e-7, (
    f"dx = {dx}, expected [0.39322387, -0.58983581]: go back through the four sigmoid gates to a, "
    "through the add gates, then through each multiply gate to its x input")
assert rel_error(dw, np.array([-0.19661193, -0.39322387, 0.19661193])) < 1e-7, (
    f"dw = {dw}, expected [-0.19661193, -0.39322387, 0.19661193]: w0 and w1 reach f through a multiply "
    "gate each, the bias w2 through an add gate only")
print("sigmoid_neuron: all visible tests passed")
### BEGIN HIDDEN TESTS
_w = np.array([0.5, 1.5, -0.25])
_x = np.array([2.0, -0.75])
_f, _dw, _dx = sigmoid_neuron(_w, _x)
_s = 1.0 / (1.0 + np.exp(-(0.5 * 2.0 + 1.5 * -0.75 - 0.25)))
assert np.ndim(_f) == 0 and np.isclose(_f, _s, rtol=1e-12, atol=0), "f must be the scalar sigmoid(w0 x0 + w1 x1 + w2)"
assert np.shape(_dw) == (3,) and np.allclose(_dw, np.array([2.0, -0.75, 1.0]) * (1 - _s) * _s, rtol=1e-12, atol=0), \
    "dw must be df/dw (the bias reaches f through an add gate only)"
assert np.shape(_dx) == (2,) and np.allclose(_dx, np.array([0.5, 1.5]) * (1 - _s) * _s, rtol=1e-12, atol=0), \
    "dx must be df/dx (each input through its multiply gate)"
### END HIDDEN TESTS

# %% [markdown] nbgrader={"grade": false, "grade_id": "md_neuron_demo", "locked": true, "schema_version": 3, "solution": false, "task": false}
# The same neuron as a graph of your gates, the sigmoid built from the four
# primitive gates, drawn with its forward values (green) and gradients (red) as
# in the lecture, and a numerical check of `sigmoid_neuron` (not graded; it needs
# the gates, the graph and the neuron).

# %% nbgrader={"grade": false, "grade_id": "demo_neuron_graph", "locked": true, "schema_version": 3, "solution": false, "task": false}
w = np.array([2.0, -3.0, -3.0])
x = np.array([-1.0, -2.0])
g = Graph()
g.add(MultiplyGate(), ("w0", "x0"), "p0")
g.add(MultiplyGate(), ("w1", "x1"), "p1")
g.add(AddGate(), ("p0", "p1"), "s01")
g.add(AddGate(), ("s01", "w2"), "a")
sigmoid_from_primitives(g, "a", "f")
f_graph = g.forward({"w0": w[0], "w1": w[1], "w2": w[2], "x0": x[0], "x1": x[1], "minus_one": -1.0, "one": 1.0})
grads = g.backward()
fig, ax = plt.subplots(figsize=(14, 4.5))
positions = {"w0": (0, 4, "$w_0$", False), "x0": (0, 3, "$x_0$", False), "w1": (0, 2, "$w_1$", False),
             "x1": (0, 1, "$x_1$", False), "w2": (0, 0, "$w_2$", False),
             "p0": (2, 3.5, "*", True), "p1": (2, 1.5, "*", True), "s01": (3.7, 2.5, "+", True),
             "a": (5.4, 1.5, "+", True), "f_neg": (7.1, 1.5, "*-1", True), "f_exp": (8.8, 1.5, "exp", True),
             "f_den": (10.5, 1.5, "+1", True), "f": (12.2, 1.5, "1/x", True), "out": (13.6, 1.5, "f", False)}
edges = [("w0", "p0"), ("x0", "p0"), ("w1", "p1"), ("x1", "p1"), ("p0", "s01"), ("p1", "s01"), ("s01", "a"),
         ("w2", "a"), ("a", "f_neg"), ("f_neg", "f_exp"), ("f_exp", "f_den"), ("f_den", "f")]
draw_graph(ax, positions, [(src, dst, g.values[src], grads[src]) for src, dst in edges]
           + [("f", "out", g.values["f"], grads["f"])],
           "sigmoid neuron from primitive gates: values (green), gradients (red)")
show_unless_grading(fig, "the graph is not drawn; its values and gradients are printed below")
f, dw, dx = sigmoid_neuron(w, x)
print(f"graph of gates: f = {f_graph:.8f}, dw = {[round(float(grads[k]), 8) for k in ('w0', 'w1', 'w2')]}, "
      f"dx = {[round(float(grads[k]), 8) for k in ('x0', 'x1')]}")
print(f"sigmoid_neuron: f = {float(f):.8f}, dw = {np.round(dw, 8).tolist()}, dx = {np.round(dx, 8).tolist()}")
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
# **The graph.** Entry by entry this is a graph of the gates you know:
# $(W_2)_{jk}$ and $h_k$ meet in a multiply gate, the products of output unit
# $j$ and the bias $b_2$ meet in add gates, a sigmoid gate gives $o_j$, and
# $E$ adds up one term $\frac12 (t_j - o_j)^2$ per output. The layer below is
# the same with $W_1$, $i$ and $b_1$. So every gradient is found by walking
# back from $E$ gate by gate, and three facts of sections 3 and 4 do the rest:
# a multiply gate hands each input the other input times the gradient from
# above; an add gate hands every input the gradient from above; and a value
# that feeds several gates (each $h_k$ feeds both output units, each bias
# feeds every unit of its layer) receives the **sum** of the gradients along
# its branches.
#
# **A worked example of a smaller graph**, one weight per layer and a linear
# output: $u = \sigma(v_1 x)$, $y = v_2 u$, $E = \frac12 (y - t)^2$. Backward:
# $\frac{\partial E}{\partial y} = y - t$;
# $\frac{\partial E}{\partial v_2} = (y - t)\,u$ and
# $\frac{\partial E}{\partial u} = (y - t)\,v_2$ (the multiply gate);
# through the sigmoid gate,
# $\frac{\partial E}{\partial (v_1 x)} = \frac{\partial E}{\partial u}\,(1 - u)\,u$;
# and $\frac{\partial E}{\partial v_1} = \frac{\partial E}{\partial (v_1 x)}\,x$.
#
# ### Exercise 10: `two_layer_sigmoid_step` (3 points; hidden tests at grading)
#
# Derive the gradients of the two-layer network the same way, on the graph:
# write, with its shape, the gradient of $E$ with respect to $o$, then to the
# input of the output sigmoids, then to $W_2$, $b_2$ and $h$ (which branches),
# then to the input of the hidden sigmoids, $W_1$ and $b_1$. For whole vectors
# and matrices, `np.outer(a, b)` is the table of all products $a_j b_k$, and a
# sum over $j$ of $(W_2)_{jk} g_j$ for every $k$ is one matrix-vector product
# (which one? check its shape). The step is
# $W \leftarrow W - \eta \frac{\partial E}{\partial W}$, and **all gradients are
# computed before any weight changes** (the hidden layer's gradient uses the
# old $W_2$). As in the example, the biases are not updated.
#
# The cell right after yours is a **gradient checker**: it compares each of
# your four gradients with centred differences on a random network of another
# size and prints the relative errors (below $10^{-7}$ when right). Run it
# while you work. The test then checks the example's published numbers: total
# error 0.298371109, and after one step with $\eta = 0.5$,
# $w_5 = 0.35891648$, $w_1 = 0.149780716$ and the others.

# %% nbgrader={"grade": false, "grade_id": "two_layer_sigmoid_step", "locked": false, "schema_version": 3, "solution": true, "task": false}
def two_layer_sigmoid_step(params, x, target, learning_rate):
    """One gradient step of a two-layer sigmoid network with squared error.

    h = sigmoid(W1 x + b1), out = sigmoid(W2 h + b2), E = sum(0.5 * (target - out)**2).

    Inputs:
    - params: dict with 'W1' (H, D), 'b1' scalar, 'W2' (C, H), 'b2' scalar;
      row j of a weight matrix holds the weights into unit j. Not modified.
      A scalar here and below is a Python float, a numpy float or a 0-d array.
    - x: (D,) input.
    - target: (C,) targets.
    - learning_rate: scalar step size.

    Returns a tuple (error, grads, new_params):
    - error: the scalar E before the step.
    - grads: dict with 'W1' (H, D), 'b1' scalar, 'W2' (C, H), 'b2' scalar, dE/d(each).
    - new_params: a new dict; W1 and W2 moved by -learning_rate * gradient
      (new arrays), b1 and b2 unchanged (the same values, copies allowed).
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


# %% nbgrader={"grade": false, "grade_id": "check_two_layer_sigmoid_step", "locked": true, "schema_version": 3, "solution": false, "task": false}
# Your gradients against centred differences, on a random network with 3 inputs, 4 hidden units, 2 outputs.
rng_check = np.random.default_rng(P.seed)
params_check = {"W1": rng_check.standard_normal((4, 3)), "b1": np.array(0.1),   # 0-d arrays: the checker
                "W2": rng_check.standard_normal((2, 4)), "b2": np.array(-0.2)}  # perturbs every entry in place
x_check, target_check = rng_check.standard_normal(3), np.array([0.2, 0.7])
try:  # until two_layer_sigmoid_step is written, this cell says so instead of stopping Run All
    _, grads_mine, _ = two_layer_sigmoid_step(params_check, x_check, target_check, 0.0)
    check_gradients(lambda: two_layer_sigmoid_step(params_check, x_check, target_check, 0.0)[0],
                    params_check, grads_mine)
except NotImplementedError:
    print("two_layer_sigmoid_step is not written yet")

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
assert np.ndim(error) == 0 and np.ndim(grads["b1"]) == 0 and np.ndim(grads["b2"]) == 0, (
    "error, grads['b1'] and grads['b2'] should be scalars (a float or a 0-d array): each layer has ONE bias "
    f"shared by its units, so its gradient sums over them; got shapes {np.shape(grads['b1'])}, {np.shape(grads['b2'])}")
expected_W2 = np.array([[0.35891648, 0.408666186], [0.511301270, 0.561370121]])
assert np.max(np.abs(new_params["W2"] - expected_W2)) < 1e-8, (
    f"updated W2 = {new_params['W2'].tolist()}, expected [[w5, w6], [w7, w8]] = {expected_W2.tolist()}: "
    "dE/dW2 is off: run the gradient checker above; W2[j, k] meets h[k] in a multiply gate after which "
    "the output sigmoid j and the error term of output j follow")
expected_W1 = np.array([[0.149780716, 0.199561432], [0.249751144, 0.299502287]])
assert np.max(np.abs(new_params["W1"] - expected_W1)) < 1e-8, (
    f"updated W1 = {new_params['W1'].tolist()}, expected [[w1, w2], [w3, w4]] = {expected_W1.tolist()}: "
    "dE/dW1 is off: h[k] feeds every output unit, so its gradient sums over them, with the OLD W2 "
    "(compute all gradients before updating), and then passes the hidden sigmoid; the checker above says which gradient is off")
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
_W1 = np.array([[0.3, -0.2], [0.1, 0.4], [-0.5, 0.25]])   # H = 3, D = 2
# C = 1, then C = 2 (where E and the biases' gradients sum over several output units);
# the scalars as floats, then as 0-d arrays and numpy floats
for _b1, _b2, _W2, _tt in ((-0.1, 0.2, np.array([[0.6, -0.1, 0.2]]), np.array([0.8])),
                           (np.array(-0.1), np.float64(0.2), np.array([[0.6, -0.1, 0.2], [-0.4, 0.3, 0.5]]),
                            np.array([0.8, 0.1]))):
    _ps = {"W1": _W1.copy(), "b1": _b1, "W2": _W2.copy(), "b2": _b2}
    _xx = np.array([0.5, -1.5])
    _err, _gr, _newp = two_layer_sigmoid_step(_ps, _xx, _tt, 0.7)
    _hh = 1.0 / (1.0 + np.exp(-(_W1 @ _xx - 0.1)))
    _oo = 1.0 / (1.0 + np.exp(-(_W2 @ _hh + 0.2)))
    _do = (_oo - _tt) * _oo * (1 - _oo)
    _dhh = (_W2.T @ _do) * _hh * (1 - _hh)
    assert np.ndim(_err) == 0 and np.isclose(_err, 0.5 * ((_tt - _oo) ** 2).sum(), rtol=1e-12, atol=0), \
        "error must be the scalar E = sum(0.5 (target - out)^2) before the step"
    assert np.shape(_gr["W2"]) == _W2.shape and np.allclose(_gr["W2"], np.outer(_do, _hh), rtol=1e-10, atol=1e-14), \
        "grads['W2'] must be dE/dW2, (C, H)"
    assert np.shape(_gr["W1"]) == (3, 2) and np.allclose(_gr["W1"], np.outer(_dhh, _xx), rtol=1e-10, atol=1e-14), \
        "grads['W1'] must be dE/dW1, (H, D), through the OLD W2 and summed over the output units"
    assert np.ndim(_gr["b2"]) == 0 and np.isclose(_gr["b2"], _do.sum(), rtol=1e-10, atol=1e-14), \
        "grads['b2'] must be the scalar dE/db2 (one bias shared by the output units: their gradients add)"
    assert np.ndim(_gr["b1"]) == 0 and np.isclose(_gr["b1"], _dhh.sum(), rtol=1e-10, atol=1e-14), \
        "grads['b1'] must be the scalar dE/db1 (one bias shared by the hidden units: their gradients add)"
    assert np.allclose(_newp["W1"], _W1 - 0.7 * np.outer(_dhh, _xx), rtol=1e-12, atol=1e-14), \
        "new W1 must be W1 - learning_rate * dW1"
    assert np.allclose(_newp["W2"], _W2 - 0.7 * np.outer(_do, _hh), rtol=1e-12, atol=1e-14), \
        "new W2 must be W2 - learning_rate * dW2"
    assert np.ndim(_newp["b1"]) == 0 and np.isclose(_newp["b1"], -0.1) and np.isclose(_newp["b2"], 0.2), \
        "the biases must not be updated"
    assert np.array_equal(_ps["W1"], _W1) and np.array_equal(_ps["W2"], _W2), "params must not be modified"
### END HIDDEN TESTS

# %% [markdown] nbgrader={"grade": false, "grade_id": "md_two_layer_demo", "locked": true, "schema_version": 3, "solution": false, "task": false}
# The test above already compared every gradient with centred differences.
# Here is that report printed, and the error falling over repeated steps on the
# one example (not graded).
#
# **A slip in the source.** After the first step the well-known example reports
# a total error of 0.291027924. The cell prints 0.2910277737, which differs in the
# 7th digit. Our weights after the step agree with the published ones in every
# printed digit (the test checks them to $10^{-8}$), and the cell also evaluates
# the error at the *published* weights: it gives 0.2910277737 again. So the
# published 0.291027924 is the slip, not the computation here.

# %% nbgrader={"grade": false, "grade_id": "demo_two_layer", "locked": true, "schema_version": 3, "solution": false, "task": false}
params = {k: np.array(v, dtype=np.float64) for k, v in
          {"W1": [[0.15, 0.20], [0.25, 0.30]], "b1": 0.35, "W2": [[0.40, 0.45], [0.50, 0.55]], "b2": 0.60}.items()}
x_example, target_example = np.array([0.05, 0.10]), np.array([0.01, 0.99])
error, grads, _ = two_layer_sigmoid_step(params, x_example, target_example, 0.0)
check_gradients(lambda: two_layer_sigmoid_step(params, x_example, target_example, 0.0)[0], params, grads)
published = {"W1": np.array([[0.149780716, 0.199561432], [0.249751144, 0.299502287]]), "b1": 0.35,
             "W2": np.array([[0.35891648, 0.408666186], [0.511301270, 0.561370121]]), "b2": 0.60}
print(f"error at the published weights after one step: {float(two_layer_sigmoid_step(published, x_example, target_example, 0.0)[0]):.10f}"
      " (the source prints 0.291027924)")
num_steps = 10000
if P.grading:  # a grading run: a minimal version of this demonstration
    print(f"grading run: 100 steps instead of {num_steps}")
    num_steps = 100
errors = []
for step in range(num_steps):
    error, _, params = two_layer_sigmoid_step(params, x_example, target_example, 0.5)
    errors.append(error)
print(f"error after 1 step: {float(errors[1]):.10f}; after {len(errors)} steps: {float(errors[-1]):.3e}")

# %% [markdown] nbgrader={"grade": false, "grade_id": "md_matmul", "locked": true, "schema_version": 3, "solution": false, "task": false}
# ## 6. The matrix-multiply gate
#
# Inside every layer is a product $D = W X$ with $W$ of shape $(M, K)$ and $X$
# of shape $(K, N)$. The backward pass receives the upstream gradient
# $G = \frac{\partial L}{\partial D}$, shape $(M, N)$, and must return
# $dW = \frac{\partial L}{\partial W}$ and $dX = \frac{\partial L}{\partial X}$.
# Derive them yourself, in two steps.
#
# 1. **One entry.** $D_{mn} = \sum_k W_{mk} X_{kn}$. Which entries of $D$ does
#    $W_{mk}$ change, and by how much per unit? The chain rule sums over all of
#    them: $\frac{\partial L}{\partial W_{mk}} = \sum_{m', n} G_{m'n}
#    \frac{\partial D_{m'n}}{\partial W_{mk}}$. Most terms vanish; write what
#    is left as a sum over one index.
# 2. **Dimension analysis.** A gradient has the shape of what it
#    differentiates: $dW$ is $(M, K)$, $dX$ is $(K, N)$. The only ingredients are
#    $G$ $(M, N)$ and the *other* factor of the product (as for the scalar
#    multiply gate, which "switches" its inputs). There is exactly one way to
#    multiply $G$ with that factor, transposed or not, that has the right shape.
#    Check that it agrees with your sum from step 1.
#
# Do the same for $dX$. Then write it down.
#
# ### Exercise 11: `matmul_backward` (2 points; hidden tests at grading)
#
# Write `matmul_backward(dout, cache)` for the forward pass given below. The
# test compares your gradients with centred differences.

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
dD = rng.standard_normal((5, 3))
dW, dX = matmul_backward(dD, (W, X))   # (W, X) is the cache that matmul_forward(W, X) returns
assert np.shape(dW) == (5, 10) and np.shape(dX) == (10, 3), (
    f"W (5, 10), X (10, 3): got dW {np.shape(dW)}, dX {np.shape(dX)}, expected (5, 10) and (10, 3): "
    "a gradient has the shape of what it differentiates")
dW_num = eval_numerical_gradient_array(lambda v: v @ X, W, dD)   # D = W X as a function of W
dX_num = eval_numerical_gradient_array(lambda v: W @ v, X, dD)   # ... and of X
assert rel_error(dW, dW_num) < 1e-9, (
    f"dW does not match the numerical gradient of D = W X with respect to W (relative error {rel_error(dW, dW_num):.1e}, "
    "expected below 1e-9): the shape is right, the values are not; redo step 1 for one entry W[m, k] "
    "(which entries of D does it change?) and check that your product computes that sum")
assert rel_error(dX, dX_num) < 1e-9, (
    f"dX does not match the numerical gradient of D = W X with respect to X (relative error {rel_error(dX, dX_num):.1e}, "
    "expected below 1e-9): the shape is right, the values are not; redo step 1 for one entry X[k, n]")
print(f"matmul_backward: relative errors dW {rel_error(dW, dW_num):.1e}, dX {rel_error(dX, dX_num):.1e}")
### BEGIN HIDDEN TESTS
_Wh = np.array([[1.0, 2.0, -1.0], [0.5, -3.0, 2.0], [4.0, 0.0, 1.5]])
_Xh = np.array([[2.0, -1.0, 0.5], [1.0, 3.0, -2.0], [0.0, 1.0, 1.0]])
_Gh = np.array([[1.0, 0.5, -2.0], [3.0, -1.0, 0.0], [0.25, 2.0, 1.0]])
_dW, _dX = matmul_backward(_Gh, (_Wh, _Xh))
assert np.shape(_dW) == (3, 3) and np.allclose(_dW, np.einsum("mn,kn->mk", _Gh, _Xh)), \
    "dW must be dL/dW for square non-symmetric factors, where a transposed or swapped product has the right shape"
assert np.shape(_dX) == (3, 3) and np.allclose(_dX, np.einsum("mk,mn->kn", _Wh, _Gh)), \
    "dX must be dL/dX for square non-symmetric factors, where a transposed or swapped product has the right shape"
_dW, _dX = matmul_backward(np.ones((2, 4)), (np.arange(6.0).reshape(2, 3), np.arange(12.0).reshape(3, 4)))
assert np.shape(_dW) == (2, 3) and np.allclose(_dW, [[6.0, 22.0, 38.0], [6.0, 22.0, 38.0]]), \
    "dW must have W's shape (M, K) and be the gradient for a non-square product"
assert np.shape(_dX) == (3, 4) and np.allclose(_dX, [[3.0] * 4, [5.0] * 4, [7.0] * 4]), \
    "dX must have X's shape (K, N) and be the gradient for a non-square product"
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

# %% [markdown] nbgrader={"grade": false, "grade_id": "md_jacobians", "locked": true, "schema_version": 3, "solution": false, "task": false}
# ### Jacobians: what every backward pass computes
#
# Notebook 01 met the **Jacobian** of $y = g(x)$, $x \in \mathbb{R}^n$,
# $y \in \mathbb{R}^m$: the $m \times n$ matrix $J$ with $J_{ik} = \partial y_i / \partial x_k$,
# the matrix of the best affine approximation of $g$. The chain rule for a loss
# $L$ that depends on $x$ through $y$ reads
# $\frac{\partial L}{\partial x_k} = \sum_i \frac{\partial L}{\partial y_i} \frac{\partial y_i}{\partial x_k}$,
# which is a matrix product with the **transpose**:
#
# $$dx = J^\top \, dout, \qquad (n, m)(m,) \to (n,).$$
#
# Every `backward` of this notebook is this product, computed without $J$:
#
# - **sigmoid** (elementwise): $J = \operatorname{diag}\bigl(\sigma(x)(1 - \sigma(x))\bigr)$ is
#   diagonal, so $J^\top dout$ is the elementwise product `(1 - s) * s * dout`;
# - **matrix multiply** $D = WX$: as a function of $X$ (flattened), $J$ repeats
#   $W$ once per column of $X$, and $J^\top dout$ is $W^\top G$;
# - **softmax** $p = \operatorname{softmax}(s)$, $p_j = e^{s_j} / \sum_k e^{s_k}$:
#   $\partial p_j / \partial s_k = p_j(\mathbb{1}(j = k) - p_k)$, so
#   $J = \operatorname{diag}(p) - p\,p^\top$, a full (and symmetric) matrix.
#
# **Why nobody forms $J$.** A layer of 4,096 sigmoid units has a
# $4096 \times 4096$ Jacobian: 16.8 million numbers, 134 MB in float64, all but
# 4,096 of them zero; multiplying by it costs 16.8 million multiply-adds, the
# elementwise product 4,096. For $D = WX$ with $W$ $(M, K)$ and $X$ $(K, N)$ the
# Jacobian with respect to $W$ has $MN \times MK$ entries. The backward pass
# exploits the structure instead (diagonal, repeated blocks, diagonal plus rank
# one). The cell after the exercise measures both ways (on 2,048 units in fast
# mode, 4,096 otherwise).
#
# **Backpropagation is a product of Jacobians.** For a network
# $L = \ell(f_3(f_2(f_1(x))))$ with Jacobians $J_1, J_2, J_3$ (each at the point of
# the forward pass),
# $\nabla_x L = J_1^\top J_2^\top J_3^\top \nabla \ell$, evaluated from the right:
# each layer turns the gradient of its output into the gradient of its input,
# one vector-Jacobian product at a time, never a matrix-matrix product. The
# transpose matters. One well-known text on the Jacobian form of backpropagation
# writes the gradient of a layer's weights as $J\,(y - t)\,x^\top$, with $J$ the
# Jacobian of the layer's output; it must be $J^\top (y - t)\,x^\top$. The slip
# is invisible whenever $J$ is symmetric (elementwise activations, softmax),
# which is how it survives; for a non-square or non-symmetric $J$ (a layer
# through a weight matrix) the shapes do not even match.
#
# ### Exercise 12: `softmax_backward` (2 points; hidden tests at grading)
#
# Work out $J^\top dout$ for the softmax without forming $J$: expand
# $(\operatorname{diag}(p) - p p^\top)\,dout$ into an elementwise product and one
# inner product per example. The rows of `p` and `dout` are independent examples.

# %% nbgrader={"grade": false, "grade_id": "softmax_backward", "locked": false, "schema_version": 3, "solution": true, "task": false}
def softmax_backward(dout, p):
    """Backward pass of row-wise softmax, without forming its Jacobian.

    Inputs:
    - dout: (N, C) upstream gradient dL/dp.
    - p: (N, C) softmax outputs of the forward pass, each row positive and summing to 1.

    Returns ds, (N, C): row i is J_i^T dout[i] with J_i = diag(p[i]) - p[i] p[i]^T,
    the gradient of L with respect to the scores s[i].
    """
    ### BEGIN SOLUTION
    inner = np.sum(p * dout, axis=1, keepdims=True)   # (N, 1): p[i] . dout[i]
    return p * (dout - inner)                          # (N, C) * ((N, C) - (N, 1))
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "test_softmax_backward", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
rng = np.random.default_rng(3)
s_test = rng.standard_normal((4, 3))                                   # 4 examples, 3 classes
p_test = np.exp(s_test) / np.exp(s_test).sum(axis=1, keepdims=True)    # (4, 3)
dout_test = rng.standard_normal((4, 3))
ds = softmax_backward(dout_test, p_test)
assert np.shape(ds) == (4, 3), f"softmax_backward returned shape {np.shape(ds)}, expected (N, C) = (4, 3)"
J0 = np.diag(p_test[0]) - np.outer(p_test[0], p_test[0])                # the full Jacobian of example 0
assert np.allclose(ds[0], J0.T @ dout_test[0]), (
    f"row 0: got {np.asarray(ds)[0]}, expected J^T dout = {J0.T @ dout_test[0]} with J = diag(p) - p p^T: "
    "expand it into p * dout minus p times the inner product p . dout")
ds_num = eval_numerical_gradient_array(lambda v: np.exp(v) / np.exp(v).sum(axis=1, keepdims=True), s_test, dout_test)
assert rel_error(ds, ds_num) < 1e-8, (
    f"relative error {rel_error(ds, ds_num):.1e} against centred differences (expected < 1e-8): "
    "each row's inner product p[i] . dout[i] belongs to that row only (sum over axis 1, keepdims=True)")
print(f"softmax_backward: relative error against centred differences {rel_error(ds, ds_num):.1e}")
### BEGIN HIDDEN TESTS
_r = np.random.default_rng(303)
_s = 3.0 * _r.standard_normal((5, 7))
_p = np.exp(_s - _s.max(axis=1, keepdims=True))
_p = _p / _p.sum(axis=1, keepdims=True)
_dout = _r.standard_normal((5, 7))
_ds = np.asarray(softmax_backward(_dout, _p), dtype=float)
assert _ds.shape == (5, 7), "softmax_backward must return (N, C) for N != C"
_expected = np.stack([(np.diag(_p[_i]) - np.outer(_p[_i], _p[_i])).T @ _dout[_i] for _i in range(5)])
assert np.allclose(_ds, _expected, rtol=1e-10, atol=1e-14), \
    "row i must be (diag(p_i) - p_i p_i^T)^T dout_i, each row with its own inner product"
_ds1 = np.asarray(softmax_backward(np.ones((2, 4)), np.full((2, 4), 0.25)), dtype=float)
assert np.allclose(_ds1, 0.0, atol=1e-15), "a constant upstream gradient must give zero (softmax ignores a shift of all scores)"
### END HIDDEN TESTS

# %% nbgrader={"grade": false, "grade_id": "demo_jacobians", "locked": true, "schema_version": 3, "solution": false, "task": false}
def jacobian_of(g, x, h=1e-6):
    """The full Jacobian of g at x by centred differences: g maps an (n,) array to an (m,) array; returns (m, n)."""
    columns = []
    for k in range(x.size):
        e = np.zeros_like(x)
        e[k] = h
        columns.append((g(x + e) - g(x - e)) / (2 * h))
    return np.column_stack(columns)


rng = np.random.default_rng(P.seed)
x_vec, dout_vec = rng.standard_normal(6), rng.standard_normal(6)
gate = SigmoidGate()
s_vec = gate.forward(x_vec)
J_sig = jacobian_of(lambda v: 1.0 / (1.0 + np.exp(-v)), x_vec)
print("sigmoid:  largest off-diagonal |J| =", f"{np.abs(J_sig - np.diag(np.diag(J_sig))).max():.1e};",
      "rel. error of J^T dout against the gate's backward:", f"{rel_error(J_sig.T @ dout_vec, gate.backward(dout_vec)[0]):.1e}")
W_j, X_j = rng.standard_normal((3, 4)), rng.standard_normal((4, 2))
G_j = rng.standard_normal((3, 2))
J_mm = jacobian_of(lambda v: (W_j @ v.reshape(4, 2)).ravel(), X_j.ravel())      # (3*2, 4*2)
print("matmul:   J has shape", J_mm.shape, "; rel. error of J^T dout against matmul_backward's dX:",
      f"{rel_error((J_mm.T @ G_j.ravel()).reshape(4, 2), matmul_backward(G_j, (W_j, X_j))[1]):.1e}")
s_one = rng.standard_normal(5)
p_one = np.exp(s_one) / np.exp(s_one).sum()
J_soft = jacobian_of(lambda v: np.exp(v) / np.exp(v).sum(), s_one)
print("softmax:  largest |J - (diag(p) - p p^T)| =", f"{np.abs(J_soft - (np.diag(p_one) - np.outer(p_one, p_one))).max():.1e}")

n_units = 2048 if P.fast else 4096                            # a smaller layer in fast mode, to save time
if P.grading:
    print(f"grading run: 256 sigmoid units instead of {n_units}")
    n_units = 256
x_big, dout_big = rng.standard_normal(n_units), rng.standard_normal(n_units)
s_big = 1.0 / (1.0 + np.exp(-x_big))
start = time.perf_counter()
J_big = np.diag(s_big * (1 - s_big))                          # (n, n), formed only to measure it
dx_full = J_big.T @ dout_big
t_full = time.perf_counter() - start
start = time.perf_counter()
dx_fast = s_big * (1 - s_big) * dout_big                      # what SigmoidGate.backward does
t_fast = time.perf_counter() - start
print(f"{n_units} sigmoid units: the Jacobian takes {J_big.nbytes / 1e6:.0f} MB; forming it and J^T dout took "
      f"{1e3 * t_full:.1f} ms, the elementwise backward {1e3 * t_fast:.3f} ms; same result: {np.allclose(dx_full, dx_fast)}")
del J_big

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
# divided by $N$. **Conventions differ:** cs231n writes the penalty as
# $\text{reg} \sum W^2$, whose gradient is $2\,\text{reg}\,W$; this course writes
# $\tfrac12 \text{reg} \sum W^2$ so that the gradient is $\text{reg}\,W$. The same
# `reg` therefore means twice as much regularization there as here.
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
# "bias trick"), $D = 65$, $C = 10$. With the bias trick the penalty
# $\sum W^2$ includes that last row: these losses regularize the biases too
# (notebook 03 keeps the biases apart and does not).

# %% nbgrader={"grade": false, "grade_id": "load_data", "locked": true, "schema_version": 3, "solution": false, "task": false}
data = load_dataset(P.dataset)
X_dev = scale_to_unit_interval(to_rows(data.X_train[:500]), data.pixel_max)  # (500, 1, 8, 8) -> (500, 64)
X_dev = np.hstack([X_dev, np.ones((X_dev.shape[0], 1))])                     # (500, 65): bias trick
y_dev = data.y_train[:500]
num_classes = data.num_classes
print(data)
print("X_dev", X_dev.shape, "y_dev", y_dev.shape, "classes", num_classes)

# %% [markdown] nbgrader={"grade": false, "grade_id": "md_svm_naive", "locked": true, "schema_version": 3, "solution": false, "task": false}
# ### Exercise 13: `svm_loss_naive` (3 points; hidden tests at grading)
#
# Write `svm_loss_naive` with explicit loops over the examples
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
    - loss: a scalar (float, numpy float or 0-d array), (1/N) sum_i sum_{j != y_i} max(0, s_j - s_{y_i} + 1) + 0.5 * reg * sum(W**2).
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
digits = load_dataset("digits")  # the dev set of the load_data cell, made here: the first 500 training digits
X_digits = np.hstack([scale_to_unit_interval(to_rows(digits.X_train[:500]), digits.pixel_max),
                      np.ones((500, 1))])                                # (500, 65): 64 pixels and the bias column
y_digits = digits.y_train[:500]                                          # (500,)
rng = np.random.default_rng(0)
W_tiny = 1e-4 * rng.standard_normal((65, 10))
loss, dW = svm_loss_naive(W_tiny, X_digits, y_digits, 0.0)
assert np.shape(dW) == W_tiny.shape, f"dW has shape {np.shape(dW)}, expected W's shape {W_tiny.shape}"
assert np.ndim(loss) == 0, (
    f"loss has shape {np.shape(loss)}, expected a scalar (float, numpy float or 0-d array): "
    "sum over the examples (and classes) and divide by N, do not return one loss per example")
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
# Gradient checks below 1e-6: a wrong gradient is off by 1e-3 or more, while centred differences of a loss
# summed over 500 examples carry round-off near 1e-10, up to 1e-7 relative on the smallest entries of dW.
W_check = 0.01 * rng.standard_normal((65, 10))
for reg in (0.0, 10.0):
    loss, dW = svm_loss_naive(W_check, X_digits, y_digits, reg)
    worst = grad_check_sparse(lambda w: svm_loss_naive(w, X_digits, y_digits, reg)[0], W_check, dW, num_checks=10)
    assert worst < 1e-6, f"reg = {reg}: gradient check relative error {worst:.1e} (expected < 1e-6); look at dW"
# At W_check every margin is active (all scores are near 0): check a W where only some are.
W_mixed = 0.5 * rng.standard_normal((65, 10))
scores_mixed = X_digits[:100] @ W_mixed
active = (scores_mixed - scores_mixed[np.arange(100), y_digits[:100]][:, None] + 1 > 0).mean()
loss, dW = svm_loss_naive(W_mixed, X_digits[:100], y_digits[:100], 0.0)
worst = grad_check_sparse(lambda w: svm_loss_naive(w, X_digits[:100], y_digits[:100], 0.0)[0], W_mixed, dW, num_checks=20)
print(f"at W_mixed {100 * active:.0f}% of the margins are active; gradient check relative error {worst:.1e}")
assert worst < 1e-6, (
    f"where only {100 * active:.0f}% of the margins are active the gradient check fails ({worst:.1e}): "
    "a margin adds to dW only when s_j - s_y + 1 > 0")
print("svm_loss_naive: all visible tests passed")
### BEGIN HIDDEN TESTS
_rg = np.random.default_rng(12345)
_Wh = _rg.standard_normal((6, 4))
_Xh = _rg.standard_normal((7, 6))
_yh = np.array([0, 3, 1, 1, 2, 0, 3])
_Wcopy = _Wh.copy()
_loss, _dW = svm_loss_naive(_Wh, _Xh, _yh, 0.3)
assert np.array_equal(_Wh, _Wcopy), "svm_loss_naive must not modify W"
_S = _Xh @ _Wh
_M = np.maximum(0.0, _S - _S[np.arange(7), _yh][:, None] + 1.0)
_M[np.arange(7), _yh] = 0.0
_Dm = (_M > 0) * 1.0
_Dm[np.arange(7), _yh] = -_Dm.sum(axis=1)
assert 0 < (_M > 0).mean() < 1, "test setup: some margins active, some not"
assert np.ndim(_loss) == 0 and np.isclose(_loss, _M.sum() / 7 + 0.15 * (_Wh * _Wh).sum(), rtol=1e-10, atol=0), \
    "loss must be the mean hinge loss over the examples (correct class skipped) plus 0.5 reg sum(W^2)"
assert np.shape(_dW) == (6, 4) and np.allclose(_dW, _Xh.T @ _Dm / 7 + 0.3 * _Wh, rtol=1e-10, atol=1e-12), \
    "dW must count only the active margins, average over N and add reg W"
### END HIDDEN TESTS

# %% [markdown] nbgrader={"grade": false, "grade_id": "md_svm_vectorized", "locked": true, "schema_version": 3, "solution": false, "task": false}
# ### Exercise 14: `svm_loss_vectorized` (3 points; hidden tests at grading)
#
# Write `svm_loss_vectorized` with no loop over examples or
# classes: compute all scores at once, pick the correct-class scores with
# integer-array indexing `scores[np.arange(N), y]`, build the margins
# $(N, C)$, and build the gradient from a matrix that holds, per example, $+1$
# at each violating class and minus the number of violations at the correct
# class; then $dW = X^\top(\cdot)$, the row form of the matrix-multiply gate.

# %% nbgrader={"grade": false, "grade_id": "svm_loss_vectorized", "locked": false, "schema_version": 3, "solution": true, "task": false}
def svm_loss_vectorized(W, X, y, reg):
    """Multiclass SVM loss and gradient, vectorized. Same inputs and outputs
    as svm_loss_naive: W (D, C), X (N, D), y (N,), reg; returns loss, a scalar
    (float, numpy float or 0-d array), and dW (D, C).
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
digits = load_dataset("digits")  # the dev set of the load_data cell, made here: the first 500 training digits
X_digits = np.hstack([scale_to_unit_interval(to_rows(digits.X_train[:500]), digits.pixel_max),
                      np.ones((500, 1))])                                # (500, 65): 64 pixels and the bias column
y_digits = digits.y_train[:500]                                          # (500,)
rng = np.random.default_rng(0)
W_tiny = 1e-4 * rng.standard_normal((65, 10))
loss, dW = svm_loss_vectorized(W_tiny, X_digits, y_digits, 0.0)
assert np.shape(dW) == W_tiny.shape, f"dW has shape {np.shape(dW)}, expected W's shape {W_tiny.shape}"
assert np.ndim(loss) == 0, (
    f"loss has shape {np.shape(loss)}, expected a scalar (float, numpy float or 0-d array): "
    "sum over the examples (and classes) and divide by N, do not return one loss per example")
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
# Gradient checks below 1e-6: a wrong gradient is off by 1e-3 or more, while centred differences of a loss
# summed over 500 examples carry round-off near 1e-10, up to 1e-7 relative on the smallest entries of dW.
W_check = 0.01 * rng.standard_normal((65, 10))
for reg in (0.0, 10.0):
    loss, dW = svm_loss_vectorized(W_check, X_digits, y_digits, reg)
    worst = grad_check_sparse(lambda w: svm_loss_vectorized(w, X_digits, y_digits, reg)[0], W_check, dW, num_checks=10)
    assert worst < 1e-6, f"reg = {reg}: gradient check relative error {worst:.1e} (expected < 1e-6); look at dW"
# At W_check every margin is active (all scores are near 0): check a W where only some are.
W_mixed = 0.5 * rng.standard_normal((65, 10))
scores_mixed = X_digits[:100] @ W_mixed
active = (scores_mixed - scores_mixed[np.arange(100), y_digits[:100]][:, None] + 1 > 0).mean()
loss, dW = svm_loss_vectorized(W_mixed, X_digits[:100], y_digits[:100], 0.0)
worst = grad_check_sparse(lambda w: svm_loss_vectorized(w, X_digits[:100], y_digits[:100], 0.0)[0], W_mixed, dW, num_checks=20)
print(f"at W_mixed {100 * active:.0f}% of the margins are active; gradient check relative error {worst:.1e}")
assert worst < 1e-6, (
    f"where only {100 * active:.0f}% of the margins are active the gradient check fails ({worst:.1e}): "
    "a margin adds to dW only when s_j - s_y + 1 > 0")
print("svm_loss_vectorized: all visible tests passed")
### BEGIN HIDDEN TESTS
_rg = np.random.default_rng(54321)
_Wh = _rg.standard_normal((5, 6))
_Xh = _rg.standard_normal((9, 5))
_yh = np.array([5, 0, 2, 2, 4, 1, 3, 0, 5])
_Wcopy = _Wh.copy()
_loss, _dW = svm_loss_vectorized(_Wh, _Xh, _yh, 0.7)
assert np.array_equal(_Wh, _Wcopy), "svm_loss_vectorized must not modify W"
_exp_loss = 0.0
_exp_dW = np.zeros((5, 6))
for _i in range(9):
    _s = _Xh[_i] @ _Wh
    for _j in range(6):
        if _j != _yh[_i] and _s[_j] - _s[_yh[_i]] + 1.0 > 0:
            _exp_loss += _s[_j] - _s[_yh[_i]] + 1.0
            _exp_dW[:, _j] += _Xh[_i]
            _exp_dW[:, _yh[_i]] -= _Xh[_i]
assert np.ndim(_loss) == 0 and np.isclose(_loss, _exp_loss / 9 + 0.35 * (_Wh * _Wh).sum(), rtol=1e-10, atol=0), \
    "loss must be the mean hinge loss over the examples (correct class skipped) plus 0.5 reg sum(W^2)"
assert np.shape(_dW) == (5, 6) and np.allclose(_dW, _exp_dW / 9 + 0.7 * _Wh, rtol=1e-10, atol=1e-12), \
    "dW must count only the active margins, average over N and add reg W (not divided by N)"
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
def relu(v):
    """max(0, v), elementwise."""
    return np.maximum(0.0, v)


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
# ### Exercise 15: `softmax_loss_naive` (3 points; hidden tests at grading)
#
# Write `softmax_loss_naive` with a loop over the examples, and
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
    - loss: a scalar (float, numpy float or 0-d array), (1/N) sum_i -log(softmax(x_i W)[y_i]) + 0.5 * reg * sum(W**2).
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
digits = load_dataset("digits")  # the dev set of the load_data cell, made here: the first 500 training digits
X_digits = np.hstack([scale_to_unit_interval(to_rows(digits.X_train[:500]), digits.pixel_max),
                      np.ones((500, 1))])                                # (500, 65): 64 pixels and the bias column
y_digits = digits.y_train[:500]                                          # (500,)
rng = np.random.default_rng(0)
W_tiny = 1e-4 * rng.standard_normal((65, 10))
loss, dW = softmax_loss_naive(W_tiny, X_digits, y_digits, 0.0)
assert np.shape(dW) == W_tiny.shape, f"dW has shape {np.shape(dW)}, expected W's shape {W_tiny.shape}"
assert np.ndim(loss) == 0, (
    f"loss has shape {np.shape(loss)}, expected a scalar (float, numpy float or 0-d array): "
    "sum over the examples (and classes) and divide by N, do not return one loss per example")
assert abs(loss - np.log(10)) < 0.01, (
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
# Gradient checks below 1e-6: a wrong gradient is off by 1e-3 or more, while centred differences of a loss
# summed over 500 examples carry round-off near 1e-10, up to 1e-7 relative on the smallest entries of dW.
W_check = 0.01 * rng.standard_normal((65, 10))
for reg in (0.0, 10.0):
    loss, dW = softmax_loss_naive(W_check, X_digits, y_digits, reg)
    worst = grad_check_sparse(lambda w: softmax_loss_naive(w, X_digits, y_digits, reg)[0], W_check, dW, num_checks=10)
    assert worst < 1e-6, f"reg = {reg}: gradient check relative error {worst:.1e} (expected < 1e-6); dL/ds_j = p_j - 1(j == y_i)"
print("softmax_loss_naive: all visible tests passed")
### BEGIN HIDDEN TESTS
_rg = np.random.default_rng(2024)
_Wh = _rg.standard_normal((6, 4))
_Xh = _rg.standard_normal((7, 6))
_yh = np.array([1, 3, 0, 2, 2, 0, 3])
for _shift, _reg in ((0.0, 0.0), (0.0, 0.4), (900.0, 0.4)):
    _Ws = _Wh.copy()
    _Ws[5] += _shift          # odd rows' scores all grow by shift: overflow without the max shift,
    _Xs = _Xh.copy()                # and even rows underflow with one max over all rows
    _Xs[:, 5] = np.arange(7) % 2
    _Wcopy = _Ws.copy()
    _loss, _dW = softmax_loss_naive(_Ws, _Xs, _yh, _reg)
    assert np.array_equal(_Ws, _Wcopy), "softmax_loss_naive must not modify W"
    _S = _Xs @ _Ws
    _S = _S - _S.max(axis=1, keepdims=True)
    _logp = _S - np.log(np.exp(_S).sum(axis=1, keepdims=True))
    _G = np.exp(_logp)
    _G[np.arange(7), _yh] -= 1.0
    _what = "with scores near 900 (subtract each row's own maximum)" if _shift else f"at reg = {_reg}"
    assert np.ndim(_loss) == 0 and np.isclose(_loss, -_logp[np.arange(7), _yh].sum() / 7 + 0.5 * _reg * (_Ws * _Ws).sum(),
                                             rtol=1e-10, atol=0), \
        f"loss must be the mean of -log p[y_i] plus 0.5 reg sum(W^2), {_what}"
    assert np.shape(_dW) == (6, 4) and np.allclose(_dW, _Xs.T @ _G / 7 + _reg * _Ws, rtol=1e-9, atol=1e-9), \
        f"dW must be X^T (p - onehot(y)) / N + reg W, {_what}"
### END HIDDEN TESTS

# %% [markdown] nbgrader={"grade": false, "grade_id": "md_softmax_vectorized", "locked": true, "schema_version": 3, "solution": false, "task": false}
# ### Exercise 16: `softmax_loss_vectorized` (3 points; hidden tests at grading)
#
# Write `softmax_loss_vectorized` with no loops: subtract the
# row maxima (`keepdims=True` keeps the shape $(N, 1)$ for broadcasting),
# compute the probabilities $(N, C)$, subtract 1 at the correct classes, and
# multiply by $X^\top$.

# %% nbgrader={"grade": false, "grade_id": "softmax_loss_vectorized", "locked": false, "schema_version": 3, "solution": true, "task": false}
def softmax_loss_vectorized(W, X, y, reg):
    """Softmax loss and gradient, vectorized and numerically stable. Same inputs
    and outputs as softmax_loss_naive: W (D, C), X (N, D), y (N,), reg; returns
    loss, a scalar (float, numpy float or 0-d array), and dW (D, C).
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
digits = load_dataset("digits")  # the dev set of the load_data cell, made here: the first 500 training digits
X_digits = np.hstack([scale_to_unit_interval(to_rows(digits.X_train[:500]), digits.pixel_max),
                      np.ones((500, 1))])                                # (500, 65): 64 pixels and the bias column
y_digits = digits.y_train[:500]                                          # (500,)
rng = np.random.default_rng(0)
W_tiny = 1e-4 * rng.standard_normal((65, 10))
loss, dW = softmax_loss_vectorized(W_tiny, X_digits, y_digits, 0.0)
assert np.shape(dW) == W_tiny.shape, f"dW has shape {np.shape(dW)}, expected W's shape {W_tiny.shape}"
assert np.ndim(loss) == 0, (
    f"loss has shape {np.shape(loss)}, expected a scalar (float, numpy float or 0-d array): "
    "sum over the examples (and classes) and divide by N, do not return one loss per example")
assert abs(loss - np.log(10)) < 0.01, (
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
# Gradient checks below 1e-6: a wrong gradient is off by 1e-3 or more, while centred differences of a loss
# summed over 500 examples carry round-off near 1e-10, up to 1e-7 relative on the smallest entries of dW.
W_check = 0.01 * rng.standard_normal((65, 10))
for reg in (0.0, 10.0):
    loss, dW = softmax_loss_vectorized(W_check, X_digits, y_digits, reg)
    worst = grad_check_sparse(lambda w: softmax_loss_vectorized(w, X_digits, y_digits, reg)[0], W_check, dW, num_checks=10)
    assert worst < 1e-6, f"reg = {reg}: gradient check relative error {worst:.1e} (expected < 1e-6); dL/ds_j = p_j - 1(j == y_i)"
print("softmax_loss_vectorized: all visible tests passed")
### BEGIN HIDDEN TESTS
_rg = np.random.default_rng(777)
_Wh = _rg.standard_normal((5, 6))
_Xh = _rg.standard_normal((9, 5))
_yh = np.array([5, 0, 2, 2, 4, 1, 3, 0, 5])
for _shift, _reg in ((0.0, 0.0), (0.0, 0.4), (850.0, 0.4)):
    _Ws = _Wh.copy()
    _Ws[4] += _shift          # odd rows' scores all grow by shift: overflow without the max shift,
    _Xs = _Xh.copy()                # and even rows underflow with one max over all rows
    _Xs[:, 4] = np.arange(9) % 2
    _Wcopy = _Ws.copy()
    _loss, _dW = softmax_loss_vectorized(_Ws, _Xs, _yh, _reg)
    assert np.array_equal(_Ws, _Wcopy), "softmax_loss_vectorized must not modify W"
    _S = _Xs @ _Ws
    _S = _S - _S.max(axis=1, keepdims=True)
    _logp = _S - np.log(np.exp(_S).sum(axis=1, keepdims=True))
    _G = np.exp(_logp)
    _G[np.arange(9), _yh] -= 1.0
    _what = "with scores near 900 (subtract each row's own maximum)" if _shift else f"at reg = {_reg}"
    assert np.ndim(_loss) == 0 and np.isclose(_loss, -_logp[np.arange(9), _yh].sum() / 9 + 0.5 * _reg * (_Ws * _Ws).sum(),
                                             rtol=1e-10, atol=0), \
        f"loss must be the mean of -log p[y_i] plus 0.5 reg sum(W^2), {_what}"
    assert np.shape(_dW) == (5, 6) and np.allclose(_dW, _Xs.T @ _G / 9 + _reg * _Ws, rtol=1e-9, atol=1e-9), \
        f"dW must be X^T (p - onehot(y)) / N + reg W, {_what}"
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
X_time, y_time = X_dev, y_dev
if P.grading:
    print(f"grading run: one timed call of each on 100 digits, instead of the best of {repeats} on {len(y_dev)}")
    repeats, X_time, y_time = 1, X_dev[:100], y_dev[:100]
W_time = 0.01 * np.random.default_rng(P.seed).standard_normal((X_dev.shape[1], num_classes))
for name, naive, vectorized in (("SVM", svm_loss_naive, svm_loss_vectorized),
                                ("softmax", softmax_loss_naive, softmax_loss_vectorized)):
    loss_n, dW_n = naive(W_time, X_time, y_time, 1.0)
    loss_v, dW_v = vectorized(W_time, X_time, y_time, 1.0)
    t_naive = best_time(lambda: naive(W_time, X_time, y_time, 1.0), repeats, warmup=not P.grading)
    t_vec = best_time(lambda: vectorized(W_time, X_time, y_time, 1.0), repeats, warmup=not P.grading)
    print(f"{name:8s} loss naive {loss_n:.6f} vectorized {loss_v:.6f} | loss difference {abs(loss_n - loss_v):.1e}, "
          f"dW relative error {rel_error(dW_n, dW_v):.1e} | naive {1e3 * t_naive:.1f} ms, "
          f"vectorized {1e3 * t_vec:.2f} ms: {t_naive / t_vec:.0f}x faster")

# %% [markdown] nbgrader={"grade": false, "grade_id": "md_payoff", "locked": true, "schema_version": 3, "solution": false, "task": false}
# ## 8. The payoff: a digit classifier trained with your gradient
#
# A loss and its gradient are all that **stochastic gradient descent** needs:
# repeatedly take a random *minibatch* of training examples, compute the loss
# and $dW$ on it with your `softmax_loss_vectorized`, and step
# $W \leftarrow W - \text{learning\_rate} \cdot dW$. The cell below (not graded)
# trains the linear softmax classifier on every training digit, for each
# combination of a few learning rates and regularization strengths, and keeps
# the one with the best accuracy on the **validation** images, which no
# training step has seen. Only that one is then scored on the **test** images:
# choosing by test accuracy would make the test score optimistic. When the
# best setting sits at the edge of the grid, the grid should be extended in
# that direction. Here the accuracy hardly moves below `reg` = 1e-3 (one of the
# 360 validation images is 0.003): regularization that weak makes no
# measurable difference in these short trainings, so the smallest values tie,
# and among equal accuracies the cell prefers the stronger regularization.
#
# Each column of $W$ (without the bias row) is one class's **template**: the
# score of class $c$ is the inner product of the image with column $c$, so the
# template shows which pixels count for (red) and against (blue) that digit.

# %% nbgrader={"grade": false, "grade_id": "payoff_data", "locked": true, "schema_version": 3, "solution": false, "task": false}
def with_bias(images, pixel_max):
    """(N, 1, H, W) images -> (N, H*W + 1) rows scaled to [-1, 1], then a column of ones (the bias trick)."""
    rows = scale_to_unit_interval(to_rows(images), pixel_max)     # (N, H*W)
    return np.hstack([rows, np.ones((rows.shape[0], 1))])          # (N, H*W + 1)


X_train, y_train = with_bias(data.X_train, data.pixel_max), data.y_train
X_val, y_val = with_bias(data.X_val, data.pixel_max), data.y_val
X_test, y_test = with_bias(data.X_test, data.pixel_max), data.y_test
image_shape = data.X_train.shape[2:]                               # (H, W)
print(f"train {X_train.shape}, validation {X_val.shape}, test {X_test.shape}; images {image_shape}")


def sgd_softmax(X, y, learning_rate, reg, num_iters, batch_size, rng):
    """Minibatch SGD on softmax_loss_vectorized from W = 0.001 * N(0, 1).

    X: (N, D), y: (N,). Returns W (D, C) and the list of minibatch losses, one per iteration.
    """
    W = 0.001 * rng.standard_normal((X.shape[1], num_classes))     # (D, C)
    losses = []
    for _ in range(num_iters):
        batch = rng.choice(X.shape[0], batch_size, replace=False)  # (batch_size,) row indices
        loss, dW = softmax_loss_vectorized(W, X[batch], y[batch], reg)
        W -= learning_rate * dW                                    # the SGD step
        losses.append(loss)
    return W, losses


def accuracy(W, X, y):
    """Fraction of rows of X (N, D) whose highest score X W is the label y (N,)."""
    return float(np.mean(np.argmax(X @ W, axis=1) == y))

# %% nbgrader={"grade": false, "grade_id": "payoff_train", "locked": true, "schema_version": 3, "solution": false, "task": false}
learning_rates = (0.1, 0.5, 2.0, 8.0)
regs = (1e-5, 1e-4, 1e-3, 1e-2, 1e-1)
num_iters = 200 if P.fast else 1000
if P.grading:
    print(f"grading run: the search tries 2 settings of 20 SGD steps instead of "
          f"{len(learning_rates) * len(regs)} of {num_iters}")
    learning_rates, regs, num_iters = (0.5, 2.0), (1e-4,), 20
start = time.perf_counter()
results = {}                                                       # (lr, reg) -> (val accuracy, W, losses)
for learning_rate in learning_rates:
    for reg in regs:
        W, losses = sgd_softmax(X_train, y_train, learning_rate, reg, num_iters, 100, np.random.default_rng(P.seed))
        results[learning_rate, reg] = (accuracy(W, X_val, y_val), W, losses)
seconds = time.perf_counter() - start
print(f"{len(results)} trainings of {num_iters} SGD steps (batch 100) in {seconds:.1f} s")
print("validation accuracy      " + "".join(f"reg {reg:<9g}" for reg in regs))
for learning_rate in learning_rates:
    print(f"  learning rate {learning_rate:<6g}" + "".join(f"   {results[learning_rate, reg][0]:.3f}    " for reg in regs))
best_lr, best_reg = max(results, key=lambda key: (results[key][0], key[1]))  # ties: the stronger reg
best_val, W_best, losses_best = results[best_lr, best_reg]
print(f"best on validation: learning rate {best_lr:g}, reg {best_reg:g}: validation {best_val:.3f}, "
      f"test {accuracy(W_best, X_test, y_test):.3f}, training {accuracy(W_best, X_train, y_train):.3f}")

fig = plt.figure(figsize=(12, 3.6))
ax_loss = fig.add_subplot(1, 6, (1, 2))
ax_loss.plot(losses_best)
ax_loss.set(xlabel="SGD step", ylabel="minibatch loss", title=f"learning rate {best_lr:g}, reg {best_reg:g}")
templates = W_best[:-1].T.reshape(num_classes, *image_shape)       # (C, H, W): the bias row left out
for c in range(num_classes):
    ax = fig.add_subplot(2, 10, 5 + c + (c >= 5) * 5)
    limit = np.abs(templates[c]).max()
    ax.imshow(templates[c], cmap="bwr", vmin=-limit, vmax=limit)
    ax.set(xticks=[], yticks=[], title=data.class_names[c])
fig.suptitle("the learned templates: one column of W per class")
show_unless_grading(fig, "the loss curve and the templates are not drawn")

# %% [markdown] nbgrader={"grade": false, "grade_id": "md_xor", "locked": true, "schema_version": 3, "solution": false, "task": false}
# ## 9. A network in a dozen lines
#
# Four examples with three inputs, the third always 1 (it plays the bias),
# and the target the XOR of the first two:
#
# $$X = \begin{pmatrix} 0&0&1\\0&1&1\\1&0&1\\1&1&1 \end{pmatrix}, \qquad y = \begin{pmatrix}0\\1\\1\\0\end{pmatrix}.$$
#
# No line separates XOR's 1s from its 0s, so a single neuron cannot learn it.
# Two layers can: $h = \sigma(X W_1)$ $(4, H)$, $\text{out} = \sigma(h W_2)$
# $(4, 1)$, trained on $E = \sum \frac12(\text{out} - y)^2$ over the whole batch
# by plain gradient descent. This is the well-known "11-line" network.
#
# It is section 5's network again, with two differences that you now have the
# tools for: the examples are the **rows** of $X$, all four at once, so each
# layer is the row form $S = X W$ of the matrix-multiply gate (section 6 gives
# its backward pass), followed by an elementwise sigmoid gate; and the loss
# sums over the examples, so each weight's gradient is the sum of the four
# examples' gradients, which the matrix products of the row form add up for
# you. The bias is the column of ones in $X$, so there is no separate bias.
#
# ### Exercise 17: `train_xor_network` (2 points; hidden tests at grading)
#
# Derive the two gradients on this graph, from $E$ back to $W_2$ and then to
# $W_1$, writing the shape of every intermediate gradient (an $(N, H)$ matrix
# for the hidden layer, for instance); then write `train_xor_network`: each
# iteration does a forward pass, records the loss (before the update), computes
# both gradients with the current weights, and then updates both weight
# matrices. Work on copies: the initial weights passed in must not change.
#
# The cell after yours is a gradient checker: one iteration with learning
# rate 1 moves each weight by minus its gradient, so it compares that move with
# centred differences of $E$ and prints the relative errors (below $10^{-7}$
# when right).

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
    - loss_history: list of num_iterations scalars, E at each iteration before its
      update; each entry a float, a 0-d array or a size-1 array such as np.sum(..., axis=0).
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


# %% nbgrader={"grade": false, "grade_id": "check_train_xor_network", "locked": true, "schema_version": 3, "solution": false, "task": false}
# The gradients inside one iteration of your train_xor_network against centred differences of E.
def xor_error(X, y, W1, W2):
    """E = sum(0.5 * (out - y)**2), a scalar, of out = sigmoid(sigmoid(X W1) W2): the forward pass only.
    X: (N, D), y: (N, 1), W1: (D, H), W2: (H, 1)."""
    out = 1.0 / (1.0 + np.exp(-(1.0 / (1.0 + np.exp(-(X @ W1))) @ W2)))   # (N, 1)
    return np.sum(0.5 * (out - y) ** 2)


rng_check = np.random.default_rng(P.seed)
X_check = np.column_stack([rng_check.standard_normal((5, 2)), np.ones(5)])   # (5, 3), the last column plays the bias
y_check = rng_check.uniform(0.0, 1.0, (5, 1))
W1_check, W2_check = rng_check.standard_normal((3, 4)), rng_check.standard_normal((4, 1))
try:  # until train_xor_network is written, this cell says so instead of stopping Run All
    W1_step, W2_step, _ = train_xor_network(X_check, y_check, W1_check, W2_check, 1.0, 1)
    dW1_mine, dW2_mine = W1_check - W1_step, W2_check - W2_step   # learning rate 1: the move is minus the gradient
    dW1_num = eval_numerical_gradient(lambda W: xor_error(X_check, y_check, W, W2_check), W1_check.copy())
    dW2_num = eval_numerical_gradient(lambda W: xor_error(X_check, y_check, W1_check, W), W2_check.copy())
    print(f"relative error of dE/dW1: {rel_error(dW1_mine, dW1_num):.1e}, of dE/dW2: {rel_error(dW2_mine, dW2_num):.1e}")
except NotImplementedError:
    print("train_xor_network is not written yet")

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
assert np.size(losses[0]) == 1, f"each recorded loss should be one number, got shape {np.shape(losses[0])}"
assert (W1_init == W1_saved).all() and (W2_init == W2_saved).all(), "the initial weights were modified: work on copies"
h0 = 1 / (1 + np.exp(-(X_xor @ W1_init)))
o0 = 1 / (1 + np.exp(-(h0 @ W2_init)))
assert abs(float(np.ravel(losses[0])[0]) - 0.5 * np.sum((o0 - y_xor) ** 2)) < 1e-12, (
    f"first recorded loss {losses[0]!r}, expected E = sum(0.5 * (out - y)**2) = {0.5 * np.sum((o0 - y_xor) ** 2)!r} "
    "at the INITIAL weights (record before updating)")
W1, W2, losses = train_xor_network(X_xor, y_xor, W1_init, W2_init, 1.0, 2000)
first_loss, last_loss = float(np.ravel(losses[0])[0]), float(np.ravel(losses[-1])[0])
assert last_loss < first_loss / 10, (
    f"after 2000 steps the loss went from {first_loss:.4f} to {last_loss:.4f}; expected it to fall below a tenth: "
    "is the step W -= learning_rate * gradient (minus, not plus)?")
pred = 1 / (1 + np.exp(-(1 / (1 + np.exp(-(X_xor @ W1))) @ W2)))
assert np.max(np.abs(pred - y_xor)) < 0.1, f"after 2000 steps the predictions are {pred.ravel().round(3)}, expected within 0.1 of [0, 1, 1, 0]"
print("train_xor_network: all visible tests passed")
### BEGIN HIDDEN TESTS
_Xh = np.array([[0.0, 0.0, 1.0], [0.0, 1.0, 1.0], [1.0, 0.0, 1.0], [1.0, 1.0, 1.0]])
_yh = np.array([[0.0], [1.0], [1.0], [0.0]])
_A = np.array([[0.2, -0.7, 0.5], [-0.4, 0.9, -0.1], [0.3, 0.6, -0.8]])   # D = 3, H = 3
_B = np.array([[0.5], [-0.6], [0.9]])
_A0, _B0 = _A.copy(), _B.copy()
_W1, _W2, _losses = train_xor_network(_Xh, _yh, _A, _B, 0.8, 3)
assert np.shape(_W1) == (3, 3) and np.shape(_W2) == (3, 1), "the trained weights must keep the shapes (D, H) and (H, 1)"
assert len(_losses) == 3 and all(np.size(_l) == 1 for _l in _losses), "loss_history must hold one number per iteration"
assert np.array_equal(_A, _A0) and np.array_equal(_B, _B0), "the initial weights must not be modified"
_a, _b = _A0.copy(), _B0.copy()
for _k in range(3):
    _hh = 1.0 / (1.0 + np.exp(-(_Xh @ _a)))
    _oo = 1.0 / (1.0 + np.exp(-(_hh @ _b)))
    assert np.isclose(float(np.ravel(_losses[_k])[0]), 0.5 * ((_oo - _yh) ** 2).sum(), rtol=1e-10, atol=0), \
        "each recorded loss must be E = sum(0.5 (out - y)^2) at the weights BEFORE that iteration's update"
    _go = (_oo - _yh) * _oo * (1.0 - _oo)
    _gh = (_go @ _b.T) * _hh * (1.0 - _hh)
    _b = _b - 0.8 * (_hh.T @ _go)
    _a = _a - 0.8 * (_Xh.T @ _gh)
assert np.allclose(_W1, _a, rtol=0, atol=1e-10) and np.allclose(_W2, _b, rtol=0, atol=1e-10), \
    "the weights after 3 steps: both gradients from the CURRENT weights, then both updates, W -= learning_rate * gradient"
### END HIDDEN TESTS

# %% [markdown] nbgrader={"grade": false, "grade_id": "md_xor_train", "locked": true, "schema_version": 3, "solution": false, "task": false}
# Now the real run (not graded): weights uniform in $[-1, 1)$, four hidden
# units, learning rate 1, 60,000 iterations (10,000 in fast mode, already
# enough to see it converge), and the loss curve on a log scale.

# %% nbgrader={"grade": false, "grade_id": "train_xor", "locked": true, "schema_version": 3, "solution": false, "task": false}
X_xor = np.array([[0.0, 0.0, 1.0], [0.0, 1.0, 1.0], [1.0, 0.0, 1.0], [1.0, 1.0, 1.0]])
y_xor = np.array([[0.0], [1.0], [1.0], [0.0]])
num_iterations = 10000 if P.fast else 60000
if P.grading:
    print(f"grading run: 1000 iterations instead of {num_iterations}")
    num_iterations = 1000
rng = np.random.default_rng(P.seed)
W1_init = rng.uniform(-1.0, 1.0, (3, 4))
W2_init = rng.uniform(-1.0, 1.0, (4, 1))
start = time.perf_counter()
W1, W2, losses = train_xor_network(X_xor, y_xor, W1_init, W2_init, 1.0, num_iterations)
seconds = time.perf_counter() - start
pred = 1 / (1 + np.exp(-(1 / (1 + np.exp(-(X_xor @ W1))) @ W2)))  # (4, 1)
losses = [float(np.ravel(loss)[0]) for loss in losses]
print(f"{num_iterations} iterations in {seconds:.2f} s; loss {losses[0]:.4f} -> {losses[-1]:.2e}")
for row, target, p in zip(X_xor, y_xor.ravel(), pred.ravel()):
    print(f"  x = {row[:2].astype(int)}  target {target:.0f}  prediction {p:.4f}")
fig, ax = plt.subplots()
ax.semilogy(losses)
ax.set_xlabel("iteration")
ax.set_ylabel("E = sum 1/2 (out - y)^2")
ax.set_title("XOR, 3-4-1 sigmoid network, learning rate 1")
show_unless_grading(fig, "the loss curve is not drawn")

# %% [markdown] nbgrader={"grade": false, "grade_id": "md_relu_net", "locked": true, "schema_version": 3, "solution": false, "task": false}
# ## 10. A ReLU + softmax network from this notebook's gates
#
# The XOR network repeated section 5's sigmoid layers with rows. Real networks
# use **ReLU** hidden units, $\max(0, z)$, and a softmax output. Nothing new is
# needed for that: a ReLU is your `MaxGate` against zeros, the layers are your
# `matmul_forward` / `matmul_backward` (in the column form $Z = W X^\top$, one
# example per column), and the softmax's backward pass is your
# `softmax_backward`, fed with the gradient of $L = -\frac1N \sum_i \log p_{i, y_i}$
# with respect to $p$, which is $-\frac{1}{N p_{i, y_i}}$ at the correct class and 0
# elsewhere. The cell below (not graded) checks the composed gradient
# numerically, then trains the network with the same SGD loop on the digits and
# compares it with the linear classifier of section 8.

# %% nbgrader={"grade": false, "grade_id": "relu_net", "locked": true, "schema_version": 3, "solution": false, "task": false}
def relu_softmax_net(params, X, y):
    """Loss and gradients of scores = W2 relu(W1 X^T), softmax cross-entropy, from the notebook's gates.

    params: 'W1' (H, D), 'W2' (C, H); X: (N, D) rows with a ones column (the bias trick); y: (N,).
    Returns loss (a float) and grads, a dict like params.
    """
    N = X.shape[0]
    Z1, cache1 = matmul_forward(params["W1"], X.T)                 # (H, D) @ (D, N) -> (H, N)
    relu = MaxGate()
    A1 = relu.forward(Z1, np.zeros_like(Z1))                       # (H, N)
    S, cache2 = matmul_forward(params["W2"], A1)                   # (C, H) @ (H, N) -> (C, N)
    scores = S.T - S.T.max(axis=1, keepdims=True)                  # (N, C), shifted for stability
    p = np.exp(scores) / np.exp(scores).sum(axis=1, keepdims=True)
    rows = np.arange(N)
    loss = -np.log(p[rows, y]).mean()
    dp = np.zeros_like(p)
    dp[rows, y] = -1.0 / (N * p[rows, y])                          # dL/dp, (N, C)
    dS = softmax_backward(dp, p).T                                 # (C, N)
    dW2, dA1 = matmul_backward(dS, cache2)                         # (C, H), (H, N)
    dZ1, _ = relu.backward(dA1)                                    # through the max gate, (H, N)
    dW1, _ = matmul_backward(dZ1, cache1)                          # (H, D)
    return float(loss), {"W1": dW1, "W2": dW2}


rng = np.random.default_rng(P.seed)
hidden = 64
net = {"W1": np.sqrt(2.0 / X_train.shape[1]) * rng.standard_normal((hidden, X_train.shape[1])),
       "W2": np.sqrt(2.0 / hidden) * rng.standard_normal((num_classes, hidden))}
_, net_grads = relu_softmax_net(net, X_train[:50], y_train[:50])
for name in ("W1", "W2"):
    worst = grad_check_sparse(lambda v: relu_softmax_net({**net, name: v}, X_train[:50], y_train[:50])[0],
                              net[name], net_grads[name], num_checks=10)
    print(f"gradient check of {name} through the gates: worst relative error {worst:.1e}")

num_steps = 300 if P.fast else 2000
if P.grading:
    print(f"grading run: 30 SGD steps instead of {num_steps}")
    num_steps = 30
start = time.perf_counter()
for step in range(num_steps):
    batch = rng.choice(X_train.shape[0], 100, replace=False)
    loss, net_grads = relu_softmax_net(net, X_train[batch], y_train[batch])
    for name in net:
        net[name] -= 0.1 * net_grads[name]                         # SGD, learning rate 0.1
seconds = time.perf_counter() - start


def net_accuracy(params, X, y):
    """Fraction of rows of X whose highest score is the label."""
    hidden_units = np.maximum(params["W1"] @ X.T, 0.0)             # (H, N)
    return float(np.mean(np.argmax(params["W2"] @ hidden_units, axis=0) == y))


print(f"{num_steps} SGD steps in {seconds:.1f} s; validation accuracy {net_accuracy(net, X_val, y_val):.3f} "
      f"(the linear classifier of section 8: {best_val:.3f}); test {net_accuracy(net, X_test, y_test):.3f}")

# %% [markdown] nbgrader={"grade": false, "grade_id": "md_end", "locked": true, "schema_version": 3, "solution": false, "task": false}
# ## Summary
#
# - The centred difference has $O(h^2)$ truncation error, but round-off grows
#   as $1/h$; the best step balances the two (measured in section 1 and printed
#   again below), and checks belong in float64.
# - Backprop is the chain rule applied gate by gate: add distributes, multiply
#   switches, max routes, sigmoid reuses its output; gradients **add** where a
#   value branches.
# - For a product $D = W X$, each gradient is the upstream gradient times the
#   *other* factor, transposed as the shape of the result demands (dimension
#   analysis); the row form $S = X W$ follows by transposing.
# - Every backward pass is a product $J^\top dout$ with the Jacobian of its gate,
#   computed from the gate's structure, never by forming $J$; backpropagation
#   multiplies these transposed Jacobians from the loss back to the input.
# - Loss gradients: average over the examples ($1/N$), add $\text{reg}\,W$ for
#   $\frac12 \text{reg} \lVert W \rVert^2$, subtract the row max before a softmax,
#   and vectorize. With SGD, the softmax gradient trains a digit classifier:
#   each of section 8's trainings (200 steps in fast mode, 1000 in the default
#   mode) takes a fraction of a second, and the cell prints the time of all of
#   them; the validation set, not the test set, chooses the settings.
#
# Notebook 03 puts these pieces together into a two-layer network trained on
# real data.

# %% nbgrader={"grade": false, "grade_id": "summary", "locked": true, "schema_version": 3, "solution": false, "task": false}
for name, (h, err, h_model) in best_h.items():
    print(f"{name}: best measured step h = {h:.1e} (error {err:.1e}), model h* = {h_model:.1e}")
mode = "a grading run in fast mode" if P.grading else "fast mode" if P.fast else "default mode"
print(f"whole notebook: {time.perf_counter() - NOTEBOOK_START:.1f} s ({mode})")
