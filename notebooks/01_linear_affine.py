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

# %% [markdown] nbgrader={"grade": false, "grade_id": "title", "locked": true, "schema_version": 3, "solution": false, "task": false}
# # 01 · Linear and affine functions, linear systems, and the Leontief economy
#
# Every layer of the networks in this course starts with the same operation: a
# matrix times a vector, plus a vector. This notebook is about exactly that
# operation, before any learning: what it means for a function to be **linear**
# or **affine**, how every linear function *is* a matrix, when a system of linear
# equations $Ax = b$ has one, many or no solutions, and what all this says about
# a whole economy (Leontief's input-output model, which won a Nobel prize). At
# the end we look at what floating-point arithmetic does to the solutions.
#
# It is also where you meet **numpy**, the Python library every later notebook
# is written in. Section 0 shows everything you need; the tests after each
# exercise tell you what they expected and what they got.
#
# What you write (graded): `matvec_function`, `check_superposition`,
# `matrix_of_linear`, `negation_matrix`, `reversal_matrix`, `running_sum_matrix`,
# `difference_matrix`, `affine_parameters`, `numerical_jacobian`, `classify_system`, `solve_linear_system`, `leontief_output`, `is_productive`,
# `leontief_neumann`, and three short written answers. Write code only where it
# says `YOUR CODE HERE`; run the cells from top to bottom.
#
# **Visible and hidden tests.** Each exercise heading states its points. The
# test cell below each exercise runs *visible* tests when you run it: they check
# the shapes, a small known value and the contract of the docstring, and their
# messages say what was expected and where to look. When your notebook is
# graded, the same cell also runs *hidden* tests, which your copy does not
# show: other inputs, edge cases, the same promises of the docstring. Passing the visible tests is necessary, not
# sufficient: write what the docstring says, for every input it allows.
#
# **Time.** Nothing here trains: on a 2-core machine the whole notebook runs in
# about 5 s, in fast and default mode alike, and a machine busy with other work
# takes two or three times as long. The last cell prints the measured time.

# %% nbgrader={"grade": false, "grade_id": "parameters", "locked": true, "schema_version": 3, "solution": false, "task": false}
# Parameters: read from the environment, so the grader and you run the same notebook.
#   COURSE_FAST=1        fewer matrices in the floating-point experiment (as when grading)
#   COURSE_SEED=...      seeds the random examples
# To set one in JupyterLab, run `%env COURSE_FAST=1` in a new cell above this one, then this cell.
import time

try:
    from course.lib.params import notebook_params
except ModuleNotFoundError:
    raise ModuleNotFoundError(
        "the course's support library is not installed for this kernel: in a terminal in the release "
        "folder (the one with INSTALL.md) run  pip install -r requirements.txt  then restart the kernel") from None

NOTEBOOK_START = time.perf_counter()
P = notebook_params()
print(P)

# %% nbgrader={"grade": false, "grade_id": "setup", "locked": true, "schema_version": 3, "solution": false, "task": false}
import matplotlib.pyplot as plt
import numpy as np

from course.lib.vis import show  # display a Figure once, in any backend

np.set_printoptions(precision=4, suppress=True)  # print arrays with 4 decimals


# %% [markdown] nbgrader={"grade": false, "grade_id": "md_numpy", "locked": true, "schema_version": 3, "solution": false, "task": false}
# ## 0. numpy in ten minutes
#
# numpy stores numbers in **arrays**: a block of numbers of one type (`dtype`,
# usually `float64`, a double-precision float) with a **shape**, the tuple of
# its lengths along each axis.
#
# | mathematics | numpy | shape |
# | --- | --- | --- |
# | vector $x \in \mathbb{R}^n$ | `x = np.array([1.0, 2.0, 3.0])` | `(n,)` — one axis |
# | matrix $A \in \mathbb{R}^{m \times n}$ | `A = np.array([[1, 2, 3], [4, 5, 6]])` | `(m, n)` — rows, then columns |
# | entry $x_i$, $A_{ij}$ | `x[i]`, `A[i, j]` | a number |
# | column $j$ of $A$, row $i$ of $A$ | `A[:, j]`, `A[i, :]` | `(m,)`, `(n,)` |
# | $Ax$ | `A @ x` | `(m, n) @ (n,) -> (m,)` |
# | $AB$ | `A @ B` | `(m, n) @ (n, p) -> (m, p)` |
# | $A^\top$ | `A.T` | `(n, m)` |
# | inner product $a^\top x = \sum_i a_i x_i$ | `a @ x` | a number |
# | identity $I_n$, unit vector $e_k$ | `np.eye(n)`, `np.eye(n)[k - 1]` (indices from 0, see below) | `(n, n)`, `(n,)` |
#
# **Indices start at 0.** Mathematics numbers the entries of $x \in \mathbb{R}^n$
# as $x_1, \dots, x_n$; numpy numbers them `x[0], ..., x[n-1]`. So $e_1$ is
# `np.eye(n)[0]`, and "the last entry" is `x[n-1]`, also written `x[-1]`.
#
# **A vector is a 1-D array.** numpy does not distinguish row and column
# vectors: `x` of shape `(n,)` is just a list of $n$ numbers, and `A @ x` treats
# it as a column. (A 2-D array of shape `(n, 1)` is a *matrix* with one column;
# we avoid those for vectors.)
#
# **`*` is elementwise, `@` is the matrix product.** `x * y` multiplies entry by
# entry (same shapes); `2.0 * x` multiplies every entry by 2; `x + 1.0` adds 1 to
# every entry (this "stretching" of a number or a smaller array to a larger shape
# is called **broadcasting**).
#
# Run the cell below and compare each printed line with the comment beside it.

# %% nbgrader={"grade": false, "grade_id": "numpy_basics", "locked": true, "schema_version": 3, "solution": false, "task": false}
x = np.array([1.0, 2.0, 3.0])           # a vector in R^3
A = np.array([[1.0, 2.0, 3.0],
              [4.0, 5.0, 6.0]])          # a 2 x 3 matrix
print("x.shape", x.shape, " A.shape", A.shape, " dtype", A.dtype)
print("x[0] =", x[0], " x[-1] =", x[-1], " A[1, 0] =", A[1, 0])
print("column 0 of A:", A[:, 0], " row 1 of A:", A[1, :])
print("A @ x =", A @ x, "   (2, 3) @ (3,) -> (2,): [1+4+9, 4+10+18]")
print("x * x =", x * x, " (elementwise)   x @ x =", x @ x, " (inner product)")
print("2 * x + 1 =", 2 * x + 1, " (broadcasting a number)")
print("A.T has shape", A.T.shape)
print("np.eye(3):\n", np.eye(3))
print("e_2 in R^3 is np.eye(3)[1] =", np.eye(3)[1])
print("x reversed: x[::-1] =", x[::-1], "  slices: x[1:] =", x[1:], " x[:-1] =", x[:-1])

# %% [markdown] nbgrader={"grade": false, "grade_id": "md_numpy_build", "locked": true, "schema_version": 3, "solution": false, "task": false}
# **Building arrays.** `np.zeros((m, n))`, `np.ones((m, n))`, `np.eye(n)`,
# `np.arange(n)` (the integers $0, \dots, n-1$) make new arrays; assigning to an
# index or a slice changes an array in place (`B[0, :] = 1.0` sets row 0). To
# build a matrix **from its columns**, collect them in a list and use
# `np.column_stack(columns)` (each `(m,)` vector becomes one column of an
# `(m, n)` matrix); `np.array(list_of_vectors)` instead makes them the **rows**.
# Functions such as `np.diag`, `np.tril` and `np.triu` (the lower and upper
# triangular parts of a matrix) and `np.roll` exist too; `help(np.tril)` shows
# how any of them works.
#
# **Random numbers.** We draw them from a generator made with a seed, so that a
# run can be repeated exactly: `rng = np.random.default_rng(0)`, then
# `rng.standard_normal(n)` (a vector of $n$ standard normal numbers),
# `rng.standard_normal((m, n))` (a matrix), `rng.standard_normal()` (one number).
#
# **Floats are not exact.** Most decimal numbers have no exact binary
# representation, and every operation rounds its result to the nearest float
# (about 16 significant digits for `float64`). So two ways of computing the same
# quantity usually differ in the last digits, and comparing floats with `==` is
# almost always a mistake. Compare with a tolerance instead:
# `np.allclose(a, b)` is `True` when every entry satisfies
# $\lvert a - b\rvert \le \text{atol} + \text{rtol}\,\lvert b\rvert$ with
# `rtol=1e-05` and `atol=1e-08` by default. The **absolute** part `atol` means
# that numbers smaller than about $10^{-8}$ always count as close, whatever
# their ratio (the cell shows `np.allclose(1e-10, 3e-10)` is `True`); pass
# `atol=0` for a purely relative comparison. `np.abs(a - b).max()` is the
# largest difference.
#
# **Linear algebra** lives in `np.linalg`: `solve(A, b)` (solve a square system),
# `matrix_rank(A)`, `svd(A)`, `lstsq(A, b)` (least squares), `eigvals(A)`
# (eigenvalues), `norm(x)` (the Euclidean length $\lVert x \rVert$), `cond(A)`
# (the condition number).

# %% nbgrader={"grade": false, "grade_id": "numpy_build", "locked": true, "schema_version": 3, "solution": false, "task": false}
columns = [np.array([1.0, 2.0]), np.array([3.0, 4.0]), np.array([5.0, 6.0])]
print("np.column_stack(columns):\n", np.column_stack(columns), "  <- the vectors are the columns")
print("np.array(columns):\n", np.array(columns), "  <- the vectors are the rows")
B = np.zeros((2, 3))
B[0, :] = 1.0                            # row 0 set to ones, in place
B[:, 2] = [7.0, 8.0]                     # column 2
print("B:\n", B)
rng = np.random.default_rng(P.seed)
print("three standard normal numbers:", rng.standard_normal(3))
print("0.1 + 0.2 == 0.3 ?", 0.1 + 0.2 == 0.3, " difference:", (0.1 + 0.2) - 0.3)
print("np.allclose(0.1 + 0.2, 0.3) ?", np.allclose(0.1 + 0.2, 0.3))
print("np.allclose(1e-10, 3e-10) ?", np.allclose(1e-10, 3e-10), " (atol = 1e-8 hides a factor of 3)",
      " with atol=0:", np.allclose(1e-10, 3e-10, atol=0))

# %% [markdown] nbgrader={"grade": false, "grade_id": "md_linear", "locked": true, "schema_version": 3, "solution": false, "task": false}
# ## 1. Linear functions
#
# A function $f: \mathbb{R}^n \to \mathbb{R}^m$ takes a vector of $n$ numbers and
# returns a vector of $m$ numbers. It is **linear** when it satisfies
# **superposition**: for all vectors $x, y \in \mathbb{R}^n$ and all scalars
# $\alpha, \beta \in \mathbb{R}$,
#
# $$
# f(\alpha x + \beta y) = \alpha f(x) + \beta f(y).
# $$
#
# In words: scaling and adding the inputs scales and adds the outputs in the
# same way. Taking $\alpha = \beta = 0$ shows that a linear function maps
# $0$ to $0$.
#
# **Matrix-vector multiplication is linear.** For a fixed matrix
# $A \in \mathbb{R}^{m \times n}$ the function $f(x) = Ax$, whose $i$-th output is
# $(Ax)_i = \sum_{j=1}^{n} A_{ij} x_j$, satisfies superposition, because
# $A(\alpha x + \beta y) = \alpha Ax + \beta Ay$ (expand the sums).
#
# **The inner product is the case $m = 1$.** When $A$ has a single row $a^\top$,
# $f(x) = a^\top x = a_1 x_1 + \dots + a_n x_n$ is one number: a weighted sum of
# the inputs. A general $Ax$ stacks $m$ such inner products, one per row of $A$.
# (A neuron computes exactly such a weighted sum before its nonlinearity.)
#
# **Two ways to read $Ax$.** By rows, as above: output $i$ is the inner product
# of row $i$ with $x$. By columns: $Ax = x_1 a_1 + x_2 a_2 + \dots + x_n a_n$,
# the combination of the columns $a_j$ of $A$ with the weights $x_j$ (write out
# $\sum_j A_{ij} x_j$ for every $i$ at once and you get exactly that). The
# column reading is the one sections 3 and 6 build on. A worked example, with
# numbers you can check in your head:
#
# $$
# \begin{bmatrix} 1 & 0 & 2 \\ -1 & 3 & 1 \end{bmatrix}
# \begin{bmatrix} 2 \\ 1 \\ -1 \end{bmatrix}
# = \underbrace{\begin{bmatrix} 1 \cdot 2 + 0 \cdot 1 + 2 \cdot (-1) \\ -1 \cdot 2 + 3 \cdot 1 + 1 \cdot (-1) \end{bmatrix}}_{\text{rows}}
# = \underbrace{2 \begin{bmatrix} 1 \\ -1 \end{bmatrix} + 1 \begin{bmatrix} 0 \\ 3 \end{bmatrix} - 1 \begin{bmatrix} 2 \\ 1 \end{bmatrix}}_{\text{columns}}
# = \begin{bmatrix} 0 \\ 0 \end{bmatrix}.
# $$
#
# (So a nonzero $x$ can give $Ax = 0$: section 6 calls such $x$ the null space.)
#
# ### Exercise 1: `matvec_function` (2 points; hidden tests at grading)
#
# Write a function that takes a matrix `A` of shape `(m, n)` and **returns a
# function** `f` with `f(x)` $= Ax$ for a vector `x` of shape `(n,)`. Build
# $Ax$ yourself from one of the two readings above, with a loop over the rows
# or over the columns (`A[i, :]`, `A[:, j]` and `@` between two vectors are
# fine). numpy's `A @ x` computes the same product, and the test cell compares
# your `f` with it; writing the loop once is how you find out which index runs
# where. Mind the shapes: the result has one entry per **row** of `A`.
#
# In Python a function can define another function inside itself and return
# it; the inner function remembers the arguments of the outer one:
#
# ```python
# def make_scaler(c):
#     def scale(x):
#         return c * x
#     return scale
#
# double = make_scaler(2.0)
# double(np.array([1.0, 3.0]))   # array([2., 6.])
# ```

# %% nbgrader={"grade": false, "grade_id": "matvec_function", "locked": false, "schema_version": 3, "solution": true, "task": false}
def matvec_function(A):
    """The linear function f(x) = A x of a matrix.

    Inputs:
    - A: (m, n) matrix.

    Returns a function f that takes x, (n,), and returns A x, (m,):
    (A x)[i] = sum over j of A[i, j] * x[j]. With m = 1, f(x) is the inner
    product of the single row of A with x, of shape (1,). f(x) may be a numpy
    array or a list of m numbers (the tests read it with np.asarray).
    """
    ### BEGIN SOLUTION
    def f(x):
        m, n = A.shape
        out = np.zeros(m)                 # (m,)
        for j in range(n):                # the column reading: x_1 a_1 + ... + x_n a_n
            out = out + x[j] * A[:, j]    # (m,)
        return out
    return f
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "test_matvec_function", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
A_test = np.array([[1.0, 2.0, 0.0],
                   [0.0, 1.0, -1.0]])          # (2, 3)
x_test = np.array([3.0, 1.0, 2.0])              # (3,)
f = matvec_function(A_test)
assert callable(f), f"matvec_function should return a function, got {type(f).__name__}"
out = f(x_test)
print("f(x) =", out)
assert np.shape(out) == (2,), (
    f"f(x) has shape {np.shape(out)}, expected (2,): A is (2, 3) and x is (3,), so A @ x is (2,). "
    "Did you multiply elementwise (A * x) or use A.T?")
assert np.allclose(out, [5.0, -1.0]), (
    f"f(x) = {out}, expected [5, -1] = [1*3 + 2*1 + 0*2, 0*3 + 1*1 - 1*2]: "
    "entry i is the inner product of row i of A with x")
a = np.array([2.0, -1.0, 0.5])
inner = matvec_function(a.reshape(1, 3))(x_test)  # a single row: (1, 3)
print("inner product a.x as f(x) with A = a^T:", inner)
assert np.shape(inner) == (1,) and np.allclose(inner, [2 * 3 - 1 * 1 + 0.5 * 2]), (
    f"with A the single row a^T = {a}, f(x) should be [a . x] = [6.0], got {inner}")
print("matvec_function: visible tests passed")
### BEGIN HIDDEN TESTS
_A = np.array([[1.0, 2.0, -1.0, 0.5], [3.0, 0.0, 4.0, -2.0], [0.0, 1.0, 1.0, 1.0]])  # (3, 4)
_x = np.array([2.0, -1.0, 0.5, 4.0])
_out = np.asarray(matvec_function(_A)(_x), dtype=float)
assert _out.shape == (3,), "f(x) for a (3, 4) matrix must have shape (3,)"
assert np.allclose(_out, _A @ _x, rtol=1e-12, atol=0), "f(x) must be A x (entry i the inner product of row i with x)"
_S = np.array([[1.0, 2.0], [3.0, 4.0]])  # not symmetric: A.T @ x differs
assert np.allclose(np.asarray(matvec_function(_S)(np.array([1.0, 0.0])), dtype=float), [1.0, 3.0]), \
    "f(e_1) must be column 1 of A (not row 1: A x, not A^T x)"
_f1 = matvec_function(np.eye(2))
_f2 = matvec_function(2.0 * np.eye(2))
assert np.allclose(np.asarray(_f1(np.array([1.0, 5.0])), dtype=float), [1.0, 5.0]), \
    "a second matvec_function must not change the function returned by the first"
_r = np.random.default_rng(7)
_B = _r.standard_normal((5, 7))
_y = _r.standard_normal(7)
_out = np.asarray(matvec_function(_B)(_y), dtype=float)
assert _out.shape == (5,) and np.allclose(_out, _B @ _y, rtol=1e-12, atol=1e-14), \
    "f(x) must be A x for a random (5, 7) matrix"
_inner = np.asarray(matvec_function(np.array([[1.0, 2.0, 3.0]]))(np.array([4.0, 5.0, 6.0])), dtype=float)
assert _inner.shape == (1,) and np.allclose(_inner, [32.0]), "with a single row (1, n), f(x) is the inner product, shape (1,)"
### END HIDDEN TESTS

# %% [markdown] nbgrader={"grade": false, "grade_id": "md_superposition", "locked": true, "schema_version": 3, "solution": false, "task": false}
# ## 2. Testing superposition numerically
#
# Superposition must hold for *all* $x, y, \alpha, \beta$, which no computer can
# try. What we can do is try many random ones: draw $x, y$ and $\alpha, \beta$ at
# random, evaluate both sides, and compare. A nonlinear function almost never
# passes such a test by luck, while a linear one always passes it — **up to
# round-off**: in floating point, $A(\alpha x + \beta y)$ and
# $\alpha Ax + \beta Ay$ are computed by different sequences of rounded operations
# and usually differ in their last digits. So the comparison needs a tolerance,
# and the tolerance must be **relative**: if $f$ passes, $10^{12} f$ and
# $10^{-12} f$ should pass too (they are just as linear), and if $f$ fails, so
# should they. An absolute tolerance such as $10^{-8}$ would let
# $10^{-12}x^2$ pass as "linear" (and `np.allclose` has one built in, its
# `atol=1e-08`: see section 0).
#
# The rule to implement: with $\text{lhs} = f(\alpha x + \beta y)$,
# $u = \alpha f(x)$ and $v = \beta f(y)$, one trial **passes** when
#
# $$
# \max_i \lvert \text{lhs}_i - (u_i + v_i) \rvert \;\le\; 10^{-8} \cdot
# \max\bigl(\max_i \lvert \text{lhs}_i\rvert,\; \max_i \lvert u_i\rvert,\; \max_i \lvert v_i\rvert\bigr),
# $$
#
# the largest difference being at most $10^{-8}$ times the size of the numbers
# compared (round-off in `float64` is around $10^{-16}$ of that size, so this
# leaves plenty of room, while any genuine nonlinearity shows up at a relative
# size far above $10^{-8}$).
#
# **Affine functions.** A function is **affine** when superposition holds for all
# $x, y$ and all $\alpha, \beta$ **with $\alpha + \beta = 1$** (such
# $\alpha x + \beta y$ are points on the line through $x$ and $y$). Every linear
# function is affine; $f(x) = Ax + b$ is affine for every vector $b$, since
# $A(\alpha x + \beta y) + b = \alpha(Ax + b) + \beta(Ay + b)$ when
# $\alpha + \beta = 1$. With `affine=True`, draw $\alpha$ at random and set
# $\beta = 1 - \alpha$.
#
# ### Exercise 2: `check_superposition` (3 points; hidden tests at grading)
#
# For each of `num_trials` trials draw `x` and `y` with `rng.standard_normal(n)`,
# $\alpha$ with `rng.standard_normal()`, and $\beta$ with
# `rng.standard_normal()` (linear test) or as $1 - \alpha$ (affine test); return
# `False` as soon as a trial fails the rule above, `True` if every trial passes.
# Make the generator with `np.random.default_rng(rng)`: that accepts
# `None` (fresh randomness), a seed, or an existing generator.
# `np.asarray(f(x), dtype=float)` turns whatever `f` returns (an array or a single
# number) into an array you can take `np.abs(...).max()` of. Each trial draws
# **new** vectors and **new** scalars: one fixed choice of $\alpha$ or one trial
# cannot tell linear functions from many nonlinear ones.

# %% nbgrader={"grade": false, "grade_id": "check_superposition", "locked": false, "schema_version": 3, "solution": true, "task": false}
def check_superposition(f, n, num_trials=10, rng=None, affine=False):
    """Test numerically whether f: R^n -> R^m is linear (or affine).

    Inputs:
    - f: a function taking x, (n,), and returning an (m,) array or a number.
    - n: the input dimension.
    - num_trials: how many random (x, y, alpha, beta) to try.
    - rng: None, a seed, or a np.random.Generator; passed to np.random.default_rng.
    - affine: False tests f(alpha x + beta y) = alpha f(x) + beta f(y) with
      independent standard normal alpha, beta; True tests it with beta = 1 - alpha.

    Each trial draws x, y (n,) and alpha (and beta unless affine) standard normal,
    and passes when max |lhs - (u + v)| <= 1e-8 * max(max|lhs|, max|u|, max|v|)
    with lhs = f(alpha x + beta y), u = alpha f(x), v = beta f(y), all (m,).

    Returns True (a bool) when every trial passes, False otherwise.
    """
    ### BEGIN SOLUTION
    rng = np.random.default_rng(rng)
    for _ in range(num_trials):
        x = rng.standard_normal(n)                                   # (n,)
        y = rng.standard_normal(n)                                   # (n,)
        alpha = rng.standard_normal()
        beta = 1.0 - alpha if affine else rng.standard_normal()
        lhs = np.asarray(f(alpha * x + beta * y), dtype=float)       # (m,)
        u = alpha * np.asarray(f(x), dtype=float)                    # (m,)
        v = beta * np.asarray(f(y), dtype=float)                     # (m,)
        if lhs.shape != u.shape:
            return False
        size = max(np.abs(lhs).max(), np.abs(u).max(), np.abs(v).max())
        if np.abs(lhs - (u + v)).max() > 1e-8 * size:
            return False
    return True
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "test_check_superposition", "locked": true, "points": 3, "schema_version": 3, "solution": false, "task": false}
rng_test = np.random.default_rng(0)
M_test = rng_test.standard_normal((30, 20))     # a random (30, 20) matrix
c_test = rng_test.standard_normal(30)            # an offset, (30,)
# name: (function, linear?, affine?, what a wrong verdict on it usually means)
tolerance_hint = "is your tolerance relative, 10^-8 times the size of the numbers (no absolute part, no np.allclose)?"
examples = {
    "x -> M x": (lambda x: M_test @ x, True, True, tolerance_hint),
    "x -> 1e12 M x": (lambda x: 1e12 * (M_test @ x), True, True, tolerance_hint),
    "x -> sum of x (a number)": (lambda x: x.sum(), True, True, "does a number returned by f work (np.asarray)?"),
    "x -> M x + c": (lambda x: M_test @ x + c_test, False, True,
                     "for the linear test, are alpha and beta drawn independently (not beta = 1 - alpha)?"),
    "x -> |x|": (np.abs, False, False, "do you compare every entry, in several trials?"),
    "x -> sorted x": (np.sort, False, False, "do you compare every entry, in several trials?"),
    "x -> x**2": (lambda x: x**2, False, False, "do you compare lhs with u + v, entry by entry?"),
    "x -> 1e-12 x**2": (lambda x: 1e-12 * x**2, False, False,
                        "a tiny nonlinear map passes an ABSOLUTE tolerance: " + tolerance_hint),
}
for name, (func, is_linear, is_affine, hint) in examples.items():
    got_linear = check_superposition(func, 20, rng=1)
    got_affine = check_superposition(func, 20, rng=1, affine=True)
    print(f"{name:<26} linear: {got_linear!s:<5}  affine: {got_affine!s:<5}")
    assert isinstance(got_linear, (bool, np.bool_)), (
        f"check_superposition returned {type(got_linear).__name__}, expected True or False")
    assert got_linear == is_linear, (
        f"{name}: check_superposition(f, n) returned {got_linear}, expected {is_linear}: {hint}")
    assert got_affine == is_affine, (
        f"{name}: check_superposition(f, n, affine=True) returned {got_affine}, expected {is_affine}: "
        + ("with affine=True, beta should be 1 - alpha" if is_affine and not is_linear else hint))

# Every trial draws new vectors: count the different inputs f is called on.
inputs_seen = []
check_superposition(lambda x: inputs_seen.append(np.array(x)) or 2.0 * x, 4, num_trials=5, rng=2)
distinct = len({tuple(np.round(v, 12)) for v in inputs_seen})
print(f"5 trials called f on {distinct} different inputs")
assert distinct >= 11, (
    f"5 trials called f on only {distinct} different inputs, expected 15 (x, y and alpha x + beta y per trial): "
    "draw x and y inside the trial loop, new ones in every trial")

# Why a tolerance: a linear map does not satisfy superposition exactly in floating point.
x1, y1 = rng_test.standard_normal(20), rng_test.standard_normal(20)
difference = M_test @ (0.3 * x1 - 1.7 * y1) - (0.3 * (M_test @ x1) - 1.7 * (M_test @ y1))
print(f"\nround-off in superposition for x -> M x: largest difference {np.abs(difference).max():.1e}")
print("check_superposition: visible tests passed")
### BEGIN HIDDEN TESTS
_r = np.random.default_rng(11)
_M = _r.standard_normal((40, 25))
_c = _r.standard_normal(40)


def _verdict(*args, **kwargs):
    """check_superposition's answer, checked to be a bool."""
    res = check_superposition(*args, **kwargs)
    assert isinstance(res, (bool, np.bool_)), "check_superposition must return a bool (True or False)"
    return bool(res)


assert _verdict(lambda x: _M @ x, 25, num_trials=20, rng=3), "a linear map (a random matrix) must pass the linear test"
assert _verdict(lambda x: 1e-9 * (_M @ x), 25, num_trials=20, rng=4, affine=True), \
    "a linear map scaled by 1e-9 must pass the affine test (the tolerance is relative)"
assert _verdict(lambda x: 1e9 * (_M @ x), 25, num_trials=20, rng=np.random.default_rng(5)), \
    "a linear map scaled by 1e9 must pass (relative tolerance); rng may be a Generator"
assert _verdict(lambda x: _M @ x + 1e3 * _c, 25, num_trials=20, rng=6, affine=True), \
    "an affine map must pass the affine test"
assert not _verdict(lambda x: _M @ x + _c, 25, num_trials=20, rng=7), \
    "an affine map with an offset must fail the linear test (alpha, beta independent)"
assert not _verdict(lambda x: 1e-6 * (_M @ x) + 1e-6 * _c, 25, num_trials=20, rng=8), \
    "a small affine map must fail the linear test (no absolute tolerance)"
for _g in (np.abs, np.sort, lambda x: x * x, lambda x: 1e-13 * x * x, lambda x: np.maximum(x, 0.0)):
    assert not _verdict(_g, 25, num_trials=20, rng=9), "a nonlinear map must fail the linear test, at any scale"
    assert not _verdict(_g, 25, num_trials=20, rng=10, affine=True), "a nonlinear map must fail the affine test, at any scale"
def _h(x):  # f(a x) = a f(x) for a > 0, but not additive
    return x * (np.abs(x).sum() / np.sqrt((x * x).sum()))


assert not _verdict(_h, 6, num_trials=20, rng=12), "a homogeneous but non-additive map must fail: test sums, not only scaling"
_calls = [0]


def _late(x):
    _calls[0] += 1
    return 2.0 * x if _calls[0] <= 3 else 2.0 * x + 1.0


assert not _verdict(_late, 5, num_trials=10, rng=13), "num_trials trials must run (a map that changes after the first trial)"
_calls2 = [0]


def _late_sq(x):
    _calls2[0] += 1
    return 2.0 * x if _calls2[0] <= 3 else 2.0 * x + x * x


assert not _verdict(_late_sq, 5, num_trials=10, rng=14, affine=True), "num_trials affine trials must run"
assert _verdict(lambda x: x[0] - 3.0 * x[2], 4, rng=15), "a linear map with a scalar output must pass"
assert not _verdict(lambda x: x.max(), 4, num_trials=20, rng=16), "a nonlinear map with a scalar output must fail"
assert not _verdict(lambda x: np.array([x[1], x[0] * x[0], -x[0] * x[0]]), 4, num_trials=20, rng=18), \
    "every output entry must be compared (nonlinear parts that cancel in a sum)"
assert _verdict(lambda x: np.zeros(3), 4, rng=19) and _verdict(lambda x: np.zeros(3), 4, rng=19, affine=True), \
    "the zero map is linear: a difference of exactly 0 must pass (the test is <=, also when every value is 0)"


def _inputs(num_trials, rng):
    """The different inputs a linear map is called on in check_superposition(f, 4, num_trials, rng), (k, 4)."""
    seen = []
    assert _verdict(lambda x: seen.append(np.array(x, dtype=float)) or 3.0 * x, 4, num_trials=num_trials, rng=rng), \
        "a linear map must pass"
    return np.unique(np.round(np.array(seen), 12), axis=0)


assert len(_inputs(3, 20)) <= 3 * 3 + 2, \
    "exactly num_trials trials must run (f was called on more inputs than num_trials trials draw)"
assert np.array_equal(_inputs(3, 23), _inputs(3, 23)), \
    "the same seed must give the same trials (rng is passed to np.random.default_rng)"
assert np.array_equal(_inputs(3, np.random.default_rng(29)), _inputs(3, np.random.default_rng(29))), \
    "the trials must be drawn from the Generator passed as rng"
# new vectors and new scalars in every trial, read off the inputs f was called on
_seen = []


def _spy(x):
    _seen.append(np.array(x, dtype=float))
    return 3.0 * x


assert _verdict(_spy, 6, num_trials=5, rng=17), "a linear map must pass"
assert len({tuple(np.round(_v, 12)) for _v in _seen}) >= 11, \
    "every trial must draw new vectors x and y (f was called on too few different inputs)"
_coefs = set()
for _k in range(len(_seen)):
    _z = _seen[_k]
    for _i in range(len(_seen)):
        for _j in range(_i, len(_seen)):
            if _k == _i or _k == _j:
                continue
            _X = np.column_stack([_seen[_i], _seen[_j]]) if _i != _j else _seen[_i].reshape(-1, 1)
            _cf = np.linalg.lstsq(_X, _z, rcond=None)[0]
            _res = _X @ _cf - _z
            if (_res * _res).sum() <= 1e-20 * (_z * _z).sum() and (_cf * _cf).min() > 1e-12:
                _coefs.update(np.round(_cf, 8).tolist())
assert len(_coefs) >= 10, "every trial must draw new scalars alpha and beta (one pair for all trials is not enough)"
### END HIDDEN TESTS

# %% [markdown] nbgrader={"grade": false, "grade_id": "md_matrix_of_linear", "locked": true, "schema_version": 3, "solution": false, "task": false}
# ## 3. Every linear function is a matrix
#
# Section 1 showed that $x \mapsto Ax$ is linear. The converse is the central fact
# of this notebook: **every** linear $f: \mathbb{R}^n \to \mathbb{R}^m$ is
# $f(x) = Ax$ for exactly one matrix $A$. To find it, write $x$ in terms of the
# unit vectors $e_1, \dots, e_n$ ($e_k$ has a 1 in entry $k$ and 0 elsewhere):
# $x = x_1 e_1 + x_2 e_2 + \dots + x_n e_n$. Superposition (applied $n - 1$ times)
# gives
#
# $$
# f(x) = x_1 f(e_1) + x_2 f(e_2) + \dots + x_n f(e_n)
#      = \underbrace{\begin{bmatrix} f(e_1) & f(e_2) & \cdots & f(e_n) \end{bmatrix}}_{A \;\in\; \mathbb{R}^{m \times n}} x .
# $$
#
# So **column $k$ of $A$ is $f(e_k)$**: evaluate $f$ on the $n$ unit vectors and
# put the results side by side. $A$ is unique, since any matrix with $Ax = f(x)$
# for all $x$ has $Ae_k = f(e_k)$, which is its column $k$.
#
# ### Exercise 3: `matrix_of_linear` (2 points; hidden tests at grading)
#
# Build $A$ from $f(e_1), \dots, f(e_n)$. Remember that $e_k$ is `np.eye(n)[k - 1]`
# in numpy (indices from 0), and that the results are the **columns** of $A$.

# %% nbgrader={"grade": false, "grade_id": "matrix_of_linear", "locked": false, "schema_version": 3, "solution": true, "task": false}
def matrix_of_linear(f, n):
    """The matrix of a linear function f: R^n -> R^m.

    Inputs:
    - f: a linear function taking x, (n,), and returning an (m,) array.
    - n: the input dimension.

    Returns A, (m, n), whose column k is f(e_k) (e_k the k-th unit vector), so
    that A @ x equals f(x) for every x.
    """
    ### BEGIN SOLUTION
    identity = np.eye(n)                                   # row k is e_k
    columns = [np.asarray(f(identity[k]), dtype=float) for k in range(n)]  # n arrays (m,)
    return np.column_stack(columns)                        # (m, n)
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "test_matrix_of_linear", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
def g_test(x):
    """A linear map R^3 -> R^2 written as code, not as a matrix."""
    return np.array([x[0] + 2.0 * x[1], 3.0 * x[2] - x[0]])


A_g = matrix_of_linear(g_test, 3)
print("matrix of g:\n", A_g)
assert np.shape(A_g) == (2, 3), (
    f"matrix_of_linear(g, 3) has shape {np.shape(A_g)}, expected (m, n) = (2, 3): "
    "g maps R^3 to R^2, and the f(e_k) are the COLUMNS (np.array(list) would make them rows)")
assert np.allclose(A_g, [[1.0, 2.0, 0.0], [-1.0, 0.0, 3.0]]), (
    f"got\n{A_g}\nexpected [[1, 2, 0], [-1, 0, 3]]: column k is g(e_k), e.g. g(e_1) = (1, -1)")
x_check = np.array([0.5, -2.0, 4.0])
assert np.allclose(A_g @ x_check, g_test(x_check)), (
    f"A @ x = {A_g @ x_check} differs from g(x) = {g_test(x_check)}")
print("matrix_of_linear: visible tests passed")
### BEGIN HIDDEN TESTS
_M = np.array([[1.0, 2.0, 3.0, 4.0, 5.0], [0.0, -1.0, 0.5, 2.0, 0.0], [7.0, 0.0, 0.0, -3.0, 1.0]])  # (3, 5)
_A = np.asarray(matrix_of_linear(lambda x: _M @ x, 5), dtype=float)
assert _A.shape == (3, 5), "the matrix of f: R^5 -> R^3 must have shape (3, 5)"
assert np.allclose(_A, _M), "column k of the matrix must be f(e_k) (a (3, 5) matrix map)"
_A = np.asarray(matrix_of_linear(lambda x: x[::-1] * np.array([1.0, 2.0, 3.0, 4.0]), 4), dtype=float)
assert _A.shape == (4, 4) and np.allclose(_A @ np.arange(1.0, 5.0), np.arange(4.0, 0.0, -1.0) * np.array([1.0, 2.0, 3.0, 4.0])), \
    "the matrix must reproduce a non-symmetric map (columns f(e_k), not rows)"
_A = np.asarray(matrix_of_linear(lambda x: np.array([x[1] - x[0]]), 2), dtype=float)
assert _A.shape == (1, 2) and np.allclose(_A, [[-1.0, 1.0]]), "a map R^2 -> R^1 has a (1, 2) matrix"
_r = np.random.default_rng(21)
_W = _r.standard_normal((6, 9))
_A = np.asarray(matrix_of_linear(lambda x: _W @ x, 9), dtype=float)
assert _A.shape == (6, 9) and np.allclose(_A, _W, rtol=1e-12, atol=1e-14), "the matrix of a random (6, 9) map must be that matrix"
### END HIDDEN TESTS

# %% [markdown] nbgrader={"grade": false, "grade_id": "md_show_matrix_of_linear", "locked": true, "schema_version": 3, "solution": false, "task": false}
# **Your turn: show that the matrix reproduces the function.** Below, `demean` is a
# linear function given as code: it subtracts from every entry the average of all
# entries, $f(x) = x - \bar{x}\,\mathbf{1}$. The cell builds its matrix with your
# `matrix_of_linear`. Complete it (not graded): draw 100 random vectors
# $x \in \mathbb{R}^6$ with a generator `np.random.default_rng(P.seed)`, compute
# the largest entry of $\lvert A x - f(x)\rvert$ over all of them, print it, and
# `assert` that it is at round-off level (below $10^{-12}$, say). Then compare
# $A$ with the formula $I - \tfrac{1}{n}\mathbf{1}\mathbf{1}^\top$ (`np.ones((n, n))`
# is $\mathbf{1}\mathbf{1}^\top$).

# %% nbgrader={"grade": false, "grade_id": "show_matrix_of_linear", "locked": false, "schema_version": 3, "solution": true, "task": false}
def demean(x):
    """x minus its mean: (n,) -> (n,)."""
    return x - x.mean()


A_demean = matrix_of_linear(demean, 6)
print("matrix of demean:\n", A_demean)
try:  # optional: until you fill it in, this cell says so instead of stopping Run All
    ### BEGIN SOLUTION
    rng_demo = np.random.default_rng(P.seed)
    X_random = rng_demo.standard_normal((100, 6))               # 100 inputs, one per row
    worst = max(np.abs(A_demean @ x - demean(x)).max() for x in X_random)
    print(f"largest |A x - f(x)| over 100 random x: {worst:.1e}")
    assert worst < 1e-12
    formula = np.eye(6) - np.ones((6, 6)) / 6
    print(f"largest |A - (I - 11^T / n)|: {np.abs(A_demean - formula).max():.1e}")
    ### END SOLUTION
except NotImplementedError:
    print("(optional, not graded) not filled in yet")

# %% [markdown] nbgrader={"grade": false, "grade_id": "md_examples", "locked": true, "schema_version": 3, "solution": false, "task": false}
# ## 4. Four linear functions and their matrices
#
# Each function below is linear (check superposition in your head), so each is a
# matrix. The functions are given by what they do to a vector, not by a matrix:
#
# | function | $f(x)$ | in numpy | shape of $A$ |
# | --- | --- | --- | --- |
# | negation | $-x$ | `-x` | $n \times n$ |
# | reversal | $(x_n, x_{n-1}, \dots, x_1)$ | `x[::-1]` | $n \times n$ |
# | running sum | $(x_1,\; x_1 + x_2,\; \dots,\; x_1 + \dots + x_n)$ | `np.cumsum(x)` | $n \times n$ |
# | differencing | $(x_2 - x_1,\; x_3 - x_2,\; \dots,\; x_n - x_{n-1})$ | `x[1:] - x[:-1]` | $(n-1) \times n$ |
#
# Differencing has one output fewer than inputs, because $n$ numbers have
# $n - 1$ neighbouring pairs.
#
# **How to find a matrix from what it does: a worked example.** The *cyclic
# shift* moves every entry one place down and the last one to the top,
# $f(x) = (x_n, x_1, x_2, \dots, x_{n-1})$ (`np.roll(x, 1)`). Section 3 says
# column $k$ of its matrix is $f(e_k)$, so apply $f$ to each unit vector: the
# single 1 of $e_k$ moves one place down, $f(e_k) = e_{k+1}$, except
# $f(e_n) = e_1$. With $n = 4$, the columns $e_2, e_3, e_4, e_1$ side by side give
#
# $$
# \begin{bmatrix} 0 & 0 & 0 & 1 \\ 1 & 0 & 0 & 0 \\ 0 & 1 & 0 & 0 \\ 0 & 0 & 1 & 0 \end{bmatrix},
# $$
#
# the identity with its rows moved one place down (`np.roll(np.eye(n), 1, axis=0)`),
# and the check is one line: this matrix times $(1, 2, 3, 4)$ is $(4, 1, 2, 3)$.
#
# ### Exercises 4–7: `negation_matrix`, `reversal_matrix`, `running_sum_matrix`, `difference_matrix` (1 point each; hidden tests at grading)
#
# Do the same for each of the four: on paper, write $f(e_k)$ for a general $k$
# (for differencing, also mind what happens at $k = 1$ and $k = n$), put the
# columns side by side for $n = 4$, see the pattern, then build the matrix for
# every $n$ in numpy. The test of each one compares $Ax$ with the function
# itself on several $x$ and $n$. Each returns a numpy array of numbers
# (`np.eye`, `np.zeros`, `np.ones` make float arrays; integer entries are fine
# too).

# %% nbgrader={"grade": false, "grade_id": "negation_matrix", "locked": false, "schema_version": 3, "solution": true, "task": false}
def negation_matrix(n):
    """The matrix of f(x) = -x on R^n.

    Returns A, (n, n), with A @ x == -x.
    """
    ### BEGIN SOLUTION
    return np.diag(np.full(n, -1.0))  # (n, n), -1 on the diagonal
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "test_negation_matrix", "locked": true, "points": 1, "schema_version": 3, "solution": false, "task": false}
N4 = negation_matrix(4)
assert isinstance(N4, np.ndarray) and N4.dtype.kind in "iuf", (
    "negation_matrix must return a numpy array of numbers (the text's np.eye, np.zeros, np.ones, np.array), "
    f"got {type(N4).__name__}" + (f" of dtype {N4.dtype}" if isinstance(N4, np.ndarray) else ""))
print("negation_matrix(4):\n", N4)
assert np.shape(N4) == (4, 4), f"negation_matrix(4) has shape {np.shape(N4)}, expected (4, 4)"
x_check = np.random.default_rng(1).standard_normal(4)
assert np.allclose(N4 @ x_check, -x_check), (
    f"A @ x = {N4 @ x_check}, expected -x = {-x_check}: column k of A must be f(e_k), the negation of e_k")
print("negation_matrix: visible tests passed")
### BEGIN HIDDEN TESTS
for _n in (1, 2, 7):
    _N = negation_matrix(_n)
    assert isinstance(_N, np.ndarray) and _N.dtype.kind in "iuf", "negation_matrix must return a numpy array of numbers"
    assert _N.shape == (_n, _n), "negation_matrix(n) must have shape (n, n)"
    assert np.array_equal(_N, -np.eye(_n)), "negation_matrix(n) must be -I (A x = -x), for every n"
### END HIDDEN TESTS

# %% nbgrader={"grade": false, "grade_id": "reversal_matrix", "locked": false, "schema_version": 3, "solution": true, "task": false}
def reversal_matrix(n):
    """The matrix of the reversal f(x) = (x_n, ..., x_1) on R^n.

    Returns A, (n, n), with A @ x == x[::-1].
    """
    ### BEGIN SOLUTION
    return np.eye(n)[::-1]  # (n, n): the identity with its rows (equally, its columns) reversed
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "test_reversal_matrix", "locked": true, "points": 1, "schema_version": 3, "solution": false, "task": false}
R4 = reversal_matrix(4)
assert isinstance(R4, np.ndarray) and R4.dtype.kind in "iuf", (
    "reversal_matrix must return a numpy array of numbers (the text's np.eye, np.zeros, np.ones, np.array), "
    f"got {type(R4).__name__}" + (f" of dtype {R4.dtype}" if isinstance(R4, np.ndarray) else ""))
print("reversal_matrix(4):\n", R4)
assert np.shape(R4) == (4, 4), f"reversal_matrix(4) has shape {np.shape(R4)}, expected (4, 4)"
x_check = np.array([1.0, 2.0, 3.0, 4.0])
assert np.allclose(R4 @ x_check, [4.0, 3.0, 2.0, 1.0]), (
    f"A @ [1, 2, 3, 4] = {R4 @ x_check}, expected [4, 3, 2, 1]: column k must be f(e_k), "
    "the reversal of e_k: where does its 1 end up?")
x_random = np.random.default_rng(2).standard_normal(7)
assert np.allclose(reversal_matrix(7) @ x_random, x_random[::-1]), (
    "reversal_matrix(7) @ x differs from x[::-1] for a random x: check n = 7 too")
print("reversal_matrix: visible tests passed")
### BEGIN HIDDEN TESTS
for _n in (1, 2, 5, 8):
    _R = reversal_matrix(_n)
    assert isinstance(_R, np.ndarray) and _R.dtype.kind in "iuf", "reversal_matrix must return a numpy array of numbers"
    assert _R.shape == (_n, _n), "reversal_matrix(n) must have shape (n, n)"
    _x = np.arange(1.0, _n + 1.0) ** 2
    assert np.array_equal(_R @ _x, _x[::-1]), "reversal_matrix(n) @ x must be x reversed, for every n"
### END HIDDEN TESTS

# %% nbgrader={"grade": false, "grade_id": "running_sum_matrix", "locked": false, "schema_version": 3, "solution": true, "task": false}
def running_sum_matrix(n):
    """The matrix of the running sum on R^n: f(x)_i = x_1 + ... + x_i.

    Returns A, (n, n), with A @ x == np.cumsum(x).
    """
    ### BEGIN SOLUTION
    return np.tril(np.ones((n, n)))  # (n, n): A[i, j] = 1 for j <= i
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "test_running_sum_matrix", "locked": true, "points": 1, "schema_version": 3, "solution": false, "task": false}
S4 = running_sum_matrix(4)
assert isinstance(S4, np.ndarray) and S4.dtype.kind in "iuf", (
    "running_sum_matrix must return a numpy array of numbers (the text's np.eye, np.zeros, np.ones, np.array), "
    f"got {type(S4).__name__}" + (f" of dtype {S4.dtype}" if isinstance(S4, np.ndarray) else ""))
print("running_sum_matrix(4):\n", S4)
assert np.shape(S4) == (4, 4), f"running_sum_matrix(4) has shape {np.shape(S4)}, expected (4, 4)"
x_check = np.array([1.0, 10.0, 100.0, 1000.0])
assert np.allclose(S4 @ x_check, [1.0, 11.0, 111.0, 1111.0]), (
    f"A @ [1, 10, 100, 1000] = {S4 @ x_check}, expected [1, 11, 111, 1111]: column k must be "
    "f(e_k), the running sum of e_k: which of its entries are 1, and from which entry on?")
x_random = np.random.default_rng(3).standard_normal(7)
assert np.allclose(running_sum_matrix(7) @ x_random, np.cumsum(x_random)), (
    f"running_sum_matrix(7) @ x = {running_sum_matrix(7) @ x_random} differs from "
    f"np.cumsum(x) = {np.cumsum(x_random)} for a random x")
print("running_sum_matrix: visible tests passed")
### BEGIN HIDDEN TESTS
for _n in (1, 3, 6):
    _S = running_sum_matrix(_n)
    assert isinstance(_S, np.ndarray) and _S.dtype.kind in "iuf", "running_sum_matrix must return a numpy array of numbers"
    assert _S.shape == (_n, _n), "running_sum_matrix(n) must have shape (n, n)"
    _x = 2.0 ** np.arange(_n)
    assert np.array_equal(_S @ _x, np.cumsum(_x)), \
        "running_sum_matrix(n) @ x must be the running sum (entry i sums x_1 .. x_i, the diagonal included)"
### END HIDDEN TESTS

# %% nbgrader={"grade": false, "grade_id": "difference_matrix", "locked": false, "schema_version": 3, "solution": true, "task": false}
def difference_matrix(n):
    """The matrix of differencing on R^n: f(x)_i = x_{i+1} - x_i, i = 1 .. n-1.

    Returns D, (n - 1, n), with D @ x == x[1:] - x[:-1].
    """
    ### BEGIN SOLUTION
    return np.eye(n - 1, n, k=1) - np.eye(n - 1, n)  # (n-1, n): +1 above the diagonal, -1 on it
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "test_difference_matrix", "locked": true, "points": 1, "schema_version": 3, "solution": false, "task": false}
D4 = difference_matrix(4)
assert isinstance(D4, np.ndarray) and D4.dtype.kind in "iuf", (
    "difference_matrix must return a numpy array of numbers (the text's np.eye, np.zeros, np.ones, np.array), "
    f"got {type(D4).__name__}" + (f" of dtype {D4.dtype}" if isinstance(D4, np.ndarray) else ""))
print("difference_matrix(4):\n", D4)
assert np.shape(D4) == (3, 4), (
    f"difference_matrix(4) has shape {np.shape(D4)}, expected (n - 1, n) = (3, 4): "
    "4 numbers have 3 neighbouring differences")
x_check = np.array([1.0, 4.0, 9.0, 16.0])
assert np.allclose(D4 @ x_check, [3.0, 5.0, 7.0]), (
    f"D @ [1, 4, 9, 16] = {D4 @ x_check}, expected [3, 5, 7] = [4 - 1, 9 - 4, 16 - 9]: "
    "column k must be f(e_k), the differences of e_k (later minus earlier): which differences does its 1 enter, "
    "and with which sign?")
x_random = np.random.default_rng(4).standard_normal(7)
assert np.allclose(difference_matrix(7) @ x_random, x_random[1:] - x_random[:-1]), (
    "difference_matrix(7) @ x differs from x[1:] - x[:-1] for a random x")
print("difference_matrix: visible tests passed")
### BEGIN HIDDEN TESTS
for _n in (2, 3, 7):
    _D = difference_matrix(_n)
    assert isinstance(_D, np.ndarray) and _D.dtype.kind in "iuf", "difference_matrix must return a numpy array of numbers"
    assert _D.shape == (_n - 1, _n), "difference_matrix(n) must have shape (n - 1, n)"
    _x = np.arange(_n) ** 3.0
    assert np.array_equal(_D @ _x, _x[1:] - _x[:-1]), "difference_matrix(n) @ x must be x[1:] - x[:-1] (later minus earlier)"
### END HIDDEN TESTS

# %% [markdown] nbgrader={"grade": false, "grade_id": "md_examples_demo", "locked": true, "schema_version": 3, "solution": false, "task": false}
# **The four matrices, and what they do to a signal.** Left: the matrices for
# $n = 8$ (white 0, red $+1$, blue $-1$). Right: a noisy signal, its running sum
# (a smoothed "integral") and its differences (a "derivative", which amplifies
# the noise). Differencing almost undoes the running sum: $D S x$ recovers
# $x_2, \dots, x_n$ (the cell measures it), since
# $(Sx)_{i+1} - (Sx)_i = x_{i+1}$ — the discrete version of "the derivative of
# the integral is the function".

# %% nbgrader={"grade": false, "grade_id": "examples_demo", "locked": true, "schema_version": 3, "solution": false, "task": false}
fig, axes = plt.subplots(1, 5, figsize=(15, 3.2), gridspec_kw={"width_ratios": [1, 1, 1, 1, 2.2]})
matrices = {"negation": negation_matrix(8), "reversal": reversal_matrix(8),
            "running sum": running_sum_matrix(8), "differencing": difference_matrix(8)}
for ax, (name, M) in zip(axes, matrices.items()):
    ax.imshow(M, cmap="bwr", vmin=-1, vmax=1)
    ax.set(title=f"{name} {M.shape}", xticks=[], yticks=[])
t = np.linspace(0, 2 * np.pi, 60)
signal = np.sin(t) + 0.1 * np.random.default_rng(P.seed).standard_normal(60)  # (60,)
S, D = running_sum_matrix(60), difference_matrix(60)
axes[4].plot(t, signal, label="x")
axes[4].plot(t, S @ signal / 10, label="running sum / 10")
axes[4].plot(t[1:], D @ signal * 5, label="differences x 5", lw=0.8)
axes[4].legend(fontsize=8)
axes[4].set(title="a signal, its running sum and differences", xlabel="t")
fig.tight_layout()
show(fig)
recovered = D @ (S @ signal)                   # (59, 60) @ (60, 60) @ (60,) -> (59,)
print(f"largest |D S x - x[1:]| = {np.abs(recovered - signal[1:]).max():.1e}")

# %% [markdown] nbgrader={"grade": false, "grade_id": "md_affine", "locked": true, "schema_version": 3, "solution": false, "task": false}
# ## 5. Affine functions
#
# An **affine** function is a linear function plus a constant:
# $f(x) = Ax + b$ with $A \in \mathbb{R}^{m \times n}$ and $b \in \mathbb{R}^m$.
# Section 2 defined affine functions by superposition restricted to
# $\alpha + \beta = 1$; the two definitions agree, and, as for linear functions,
# $A$ and $b$ can be read off $f$:
#
# - $f(0) = A0 + b = b$, so **$b = f(0)$**;
# - $f(e_k) - f(0) = Ae_k = $ column $k$ of $A$, so
#   **$A = \begin{bmatrix} f(e_1) - f(0) & \cdots & f(e_n) - f(0) \end{bmatrix}$**.
#
# The "linear layers" of neural networks are affine: $Wx + b$, a weight matrix
# and a bias vector. Another everyday example: converting temperatures from
# Celsius to Fahrenheit, $F = 1.8\,C + 32$, is affine, not linear (0 °C is not
# 0 °F).
#
# ### Exercise 8: `affine_parameters` (2 points; hidden tests at grading)
#
# Return `(A, b)` for an affine `f`, using the $n + 1$ evaluations
# $f(0), f(e_1), \dots, f(e_n)$.

# %% nbgrader={"grade": false, "grade_id": "affine_parameters", "locked": false, "schema_version": 3, "solution": true, "task": false}
def affine_parameters(f, n):
    """The matrix and offset of an affine function f(x) = A x + b.

    Inputs:
    - f: an affine function taking x, (n,), and returning an (m,) array.
    - n: the input dimension.

    Returns the pair (A, b), as a tuple or a list of two:
    - A: (m, n) array, column k is f(e_k) - f(0);
    - b: (m,) array, b = f(0).
    """
    ### BEGIN SOLUTION
    b = np.asarray(f(np.zeros(n)), dtype=float)                        # (m,)
    identity = np.eye(n)                                               # row k is e_k
    A = np.column_stack([np.asarray(f(identity[k]), dtype=float) - b for k in range(n)])  # (m, n)
    return A, b
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "test_affine_parameters", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
def celsius_to_fahrenheit(c):
    """Temperatures (n,) in Celsius -> (n,) in Fahrenheit."""
    return 1.8 * c + 32.0


pair = affine_parameters(celsius_to_fahrenheit, 3)
assert isinstance(pair, (tuple, list)) and len(pair) == 2, (
    f"affine_parameters should return the pair (A, b), got {type(pair).__name__}"
    + (f" of length {len(pair)}" if isinstance(pair, (tuple, list)) else ""))
A_cf, b_cf = pair
print("A =\n", A_cf, "\nb =", b_cf)
assert np.shape(A_cf) == (3, 3) and np.shape(b_cf) == (3,), (
    f"got A of shape {np.shape(A_cf)} and b of shape {np.shape(b_cf)}, expected (3, 3) and (3,)")
assert np.allclose(b_cf, [32.0, 32.0, 32.0]), f"b should be f(0) = [32, 32, 32], got {b_cf}"
assert np.allclose(A_cf, 1.8 * np.eye(3)), (
    f"A should be 1.8 I, got\n{A_cf}\nDid you subtract f(0) from each f(e_k)? "
    "f(e_1) = [33.8, 32, 32], and f(e_1) - f(0) = [1.8, 0, 0]")
A_lin, b_lin = affine_parameters(lambda x: np.array([x[0] - x[1]]), 2)
assert np.allclose(b_lin, [0.0]) and np.allclose(A_lin, [[1.0, -1.0]]), (
    f"a linear function has b = 0: expected A = [[1, -1]], b = [0], got A = {A_lin}, b = {b_lin}")
print("affine_parameters: visible tests passed")
### BEGIN HIDDEN TESTS
_M = np.array([[1.0, -2.0, 0.5, 3.0, 0.0], [0.0, 4.0, 1.0, -1.0, 2.0], [-3.0, 0.0, 0.25, 1.0, 5.0]])  # (3, 5)
_c = np.array([10.0, -4.0, 0.5])
_out = affine_parameters(lambda x: _M @ x + _c, 5)
assert isinstance(_out, (tuple, list)) and len(_out) == 2, "affine_parameters must return the pair (A, b)"
_A, _b = (np.asarray(_v, dtype=float) for _v in _out)
assert _A.shape == (3, 5) and _b.shape == (3,), "for f: R^5 -> R^3, A must be (3, 5) and b (3,)"
assert np.allclose(_b, _c), "b must be f(0)"
assert np.allclose(_A, _M), "column k of A must be f(e_k) - f(0)"
_r = np.random.default_rng(31)
_W = _r.standard_normal((4, 6))
_v = 100.0 * _r.standard_normal(4)
_A, _b = (np.asarray(_v2, dtype=float) for _v2 in affine_parameters(lambda x: _W @ x + _v, 6))
assert _A.shape == (4, 6) and _b.shape == (4,), "for f: R^6 -> R^4, A must be (4, 6) and b (4,)"
assert np.allclose(_A, _W, rtol=1e-10, atol=1e-12) and np.allclose(_b, _v, rtol=1e-12, atol=0), \
    "A and b must reproduce a random affine map with a large offset"
### END HIDDEN TESTS

# %% [markdown] nbgrader={"grade": false, "grade_id": "md_affine_demo", "locked": true, "schema_version": 3, "solution": false, "task": false}
# Your two functions together: the temperature conversion passes the affine test
# and fails the linear one, and the parameters reproduce it.

# %% nbgrader={"grade": false, "grade_id": "affine_demo", "locked": true, "schema_version": 3, "solution": false, "task": false}
def celsius_to_fahrenheit(c):
    """Temperatures (n,) in Celsius -> (n,) in Fahrenheit."""
    return 1.8 * c + 32.0


A_cf, b_cf = affine_parameters(celsius_to_fahrenheit, 3)
print("Celsius -> Fahrenheit linear?", check_superposition(celsius_to_fahrenheit, 3, rng=P.seed))
print("Celsius -> Fahrenheit affine?", check_superposition(celsius_to_fahrenheit, 3, rng=P.seed, affine=True))
temps = np.array([-40.0, 0.0, 37.0])
print(f"A @ {temps} + b = {A_cf @ temps + b_cf}  (f gives {celsius_to_fahrenheit(temps)})")

# %% [markdown] nbgrader={"grade": false, "grade_id": "md_q_affine_not_linear", "locked": true, "schema_version": 3, "solution": false, "task": false}
# **Question 1.** Why is an affine function $f(x) = Ax + b$ with $b \ne 0$ not
# linear? Give two reasons: one from the value $f(0)$, one from superposition
# itself (which $\alpha, \beta$ make it fail, and by how much?).
#
# Write your answer in the cell below.

# %% [markdown] nbgrader={"grade": true, "grade_id": "q_affine_not_linear", "locked": false, "points": 2, "schema_version": 3, "solution": true, "task": false}
# *Model answer.* (1) Every linear function maps 0 to 0: with
# $\alpha = \beta = 0$, superposition gives $f(0) = 0 \cdot f(x) + 0 \cdot f(y) = 0$.
# But $f(0) = A0 + b = b \ne 0$. (2) Directly,
# $f(\alpha x + \beta y) = A(\alpha x + \beta y) + b$ while
# $\alpha f(x) + \beta f(y) = A(\alpha x + \beta y) + (\alpha + \beta) b$. The two
# differ by $(1 - \alpha - \beta)\, b$, which is nonzero for every
# $\alpha + \beta \ne 1$ when $b \ne 0$ (e.g. $\alpha = 2, \beta = 0$:
# $f(2x) = 2Ax + b \ne 2f(x) = 2Ax + 2b$). Superposition holds only for
# $\alpha + \beta = 1$, which is the definition of affine, not linear. The
# constant $b$ is counted $\alpha + \beta$ times on one side and once on the other.

# %% [markdown] nbgrader={"grade": false, "grade_id": "md_jacobian", "locked": true, "schema_version": 3, "solution": false, "task": false}
# ### The Jacobian: the affine function closest to a nonlinear one
#
# Most functions are not affine, but smooth ones *look* affine close up. For a
# differentiable $f: \mathbb{R}^n \to \mathbb{R}^m$ and a point $z$, the
# first-order Taylor approximation is
#
# $$
# f(x) \approx \hat f(x) = f(z) + Df(z)\,(x - z),
# $$
#
# where the **Jacobian** $Df(z)$ is the $m \times n$ matrix of partial
# derivatives, $Df(z)_{ik} = \partial f_i / \partial x_k$ at $z$. The
# approximation $\hat f$ is affine, with matrix $Df(z)$ and offset
# $f(z) - Df(z)\,z$, and its error shrinks like $\lVert x - z\rVert^2$ (the
# cell after the exercise measures it). For an affine $f(x) = Ax + b$ the
# Jacobian is $A$ at every point and the approximation is exact.
#
# **Column $k$ of $Df(z)$ is the derivative of $f$ along $e_k$**, the rate at
# which all outputs change when only input $k$ moves:
# $Df(z)\,e_k \approx \bigl(f(z + h e_k) - f(z - h e_k)\bigr) / (2h)$ for a small
# step $h$ (the **centred difference**: its error is of order $h^2$, while the
# one-sided $(f(z + h e_k) - f(z))/h$ is wrong by order $h$). It is the idea of
# `matrix_of_linear` again: probe $f$ along each unit vector and stack the
# answers as columns. Notebook 02 is built on this matrix: every backward pass
# of a network multiplies by the transpose of a Jacobian.
#
# ### Exercise 9: `numerical_jacobian` (2 points; hidden tests at grading)
#
# Estimate $Df(z)$ column by column with centred differences of step `h`.

# %% nbgrader={"grade": false, "grade_id": "numerical_jacobian", "locked": false, "schema_version": 3, "solution": true, "task": false}
def numerical_jacobian(f, z, h=1e-5):
    """Centred-difference estimate of the Jacobian of f at z.

    Inputs:
    - f: a function taking x, (n,), and returning an (m,) array (or a number, m = 1).
    - z: (n,) float array, the point. Not modified.
    - h: the step, a positive number.

    Returns J, (m, n) float array: column k is (f(z + h e_k) - f(z - h e_k)) / (2 h).
    """
    ### BEGIN SOLUTION
    z = np.asarray(z, dtype=float)
    columns = []
    for k in range(z.shape[0]):
        step = np.zeros_like(z)
        step[k] = h                                                   # h e_k, (n,)
        plus = np.atleast_1d(np.asarray(f(z + step), dtype=float))    # (m,)
        minus = np.atleast_1d(np.asarray(f(z - step), dtype=float))   # (m,)
        columns.append((plus - minus) / (2 * h))
    return np.column_stack(columns)                                   # (m, n)
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "test_numerical_jacobian", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
def curve(x):
    """R^3 -> R^2: (x0 x1, sin x0 + x2^2)."""
    return np.array([x[0] * x[1], np.sin(x[0]) + x[2] ** 2])


z_test = np.array([0.5, -2.0, 1.5])
J_test = numerical_jacobian(curve, z_test)
J_exact = np.array([[z_test[1], z_test[0], 0.0],
                    [np.cos(z_test[0]), 0.0, 2 * z_test[2]]])   # row i: the partial derivatives of output i
print("numerical Jacobian:\n", J_test, "\nexact:\n", J_exact)
assert np.shape(J_test) == (2, 3), (
    f"the Jacobian of f: R^3 -> R^2 has shape (m, n) = (2, 3), got {np.shape(J_test)}: "
    "column k holds the change of every output along e_k")
assert np.allclose(J_test, J_exact, rtol=0, atol=1e-8), (
    f"largest error {np.abs(np.asarray(J_test) - J_exact).max():.1e} against the exact Jacobian (expected below 1e-8): "
    "column k is (f(z + h e_k) - f(z - h e_k)) / (2 h); a one-sided difference is wrong by about h")
M_lin = np.array([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]])
assert np.allclose(numerical_jacobian(lambda x: M_lin @ x + 1.0, np.array([7.0, -1.0])), M_lin), (
    "the Jacobian of an affine map A x + b is A (columns, not rows)")
assert np.shape(numerical_jacobian(lambda x: x @ x, np.array([1.0, 2.0]))) == (1, 2), (
    "a function with a number as output (m = 1) has a (1, n) Jacobian")
print("numerical_jacobian: visible tests passed")
### BEGIN HIDDEN TESTS
_r = np.random.default_rng(61)
_W = _r.standard_normal((4, 5))
_z = _r.standard_normal(5)
_z_copy = _z.copy()
_J = np.asarray(numerical_jacobian(lambda x: np.tanh(_W @ x), _z), dtype=float)
assert _J.shape == (4, 5), "the Jacobian of R^5 -> R^4 must have shape (4, 5)"
assert np.array_equal(_z, _z_copy), "numerical_jacobian must not modify z"
_exact = (1.0 - np.tanh(_W @ _z) ** 2)[:, None] * _W
assert np.allclose(_J, _exact, rtol=0, atol=1e-8), "the Jacobian of tanh(W x) must match diag(1 - tanh^2) W (centred differences)"
_J = np.asarray(numerical_jacobian(lambda x: np.array([x[0] ** 3, x[1] ** 3]), np.array([1.0, 2.0]), h=1e-2), dtype=float)
assert np.allclose(_J, np.diag([3.0 + 1e-4, 12.0 + 1e-4]), rtol=0, atol=1e-9), \
    "the step h must be used, with the centred difference (f(z + h e_k) - f(z - h e_k)) / (2 h)"
_J = np.asarray(numerical_jacobian(lambda x: np.exp(x).sum(), np.array([0.3, -0.2, 1.0])), dtype=float)
assert _J.shape == (1, 3) and np.allclose(_J, np.exp([[0.3, -0.2, 1.0]]), rtol=1e-8, atol=0), \
    "a scalar-valued f must give its (1, n) gradient row"
### END HIDDEN TESTS

# %% [markdown] nbgrader={"grade": false, "grade_id": "md_taylor_demo", "locked": true, "schema_version": 3, "solution": false, "task": false}
# **How good is the affine approximation?** The cell moves away from $z$ along a
# random direction $d$, $x = z + t d$, and compares $f(x)$ with
# $\hat f(x) = f(z) + Df(z)(x - z)$ built from your `numerical_jacobian`. The
# error of $\hat f$ falls like $t^2$ (slope 2 on the log-log plot: halve the
# distance, quarter the error), while the error of the constant guess $f(z)$
# falls only like $t$.

# %% nbgrader={"grade": false, "grade_id": "taylor_demo", "locked": true, "schema_version": 3, "solution": false, "task": false}
def curve(x):
    """R^3 -> R^2: (x0 x1, sin x0 + x2^2), the function of the test above."""
    return np.array([x[0] * x[1], np.sin(x[0]) + x[2] ** 2])


z_test = np.array([0.5, -2.0, 1.5])
direction = np.random.default_rng(P.seed).standard_normal(3)
J_z = numerical_jacobian(curve, z_test)                     # (2, 3)
ts = np.logspace(-4, 0, 9)
affine_errors = [np.linalg.norm(curve(z_test + t * direction) - (curve(z_test) + J_z @ (t * direction))) for t in ts]
constant_errors = [np.linalg.norm(curve(z_test + t * direction) - curve(z_test)) for t in ts]
fig, ax = plt.subplots(figsize=(6, 4))
ax.loglog(ts, constant_errors, "o-", label="constant $f(z)$: error ~ t")
ax.loglog(ts, affine_errors, "o-", label="affine $f(z) + Df(z)(x - z)$: error ~ t$^2$")
ax.set(xlabel="distance t from z", ylabel="$\\|f(x) - $approximation$\\|$", title="first-order Taylor approximation")
ax.legend()
fig.tight_layout()
show(fig)
slopes = np.diff(np.log(affine_errors)) / np.diff(np.log(ts))
print(f"slope of the affine error on the log-log plot: {np.median(slopes):.2f} (2 means quadratic)")

# %% [markdown] nbgrader={"grade": false, "grade_id": "md_systems", "locked": true, "schema_version": 3, "solution": false, "task": false}
# ## 6. Systems of linear equations
#
# $m$ linear equations in $n$ unknowns,
# $A_{i1}x_1 + \dots + A_{in}x_n = b_i$ for $i = 1, \dots, m$, are one matrix
# equation $Ax = b$ with $A \in \mathbb{R}^{m \times n}$, $b \in \mathbb{R}^m$.
# By its shape the system is
#
# - **over-determined** when $m > n$ ($A$ is tall: more equations than unknowns),
# - **under-determined** when $m < n$ ($A$ is wide: fewer equations than unknowns),
# - **square** when $m = n$.
#
# It is **homogeneous** when $b = 0$; then $x = 0$ is always a solution.
#
# The shape suggests, but does not decide, how many solutions there are. What
# decides is the **rank**: $\operatorname{rank} A$ is the number of linearly
# independent columns of $A$ (equally, of rows), at most $\min(m, n)$;
# `np.linalg.matrix_rank(A)` computes it. Two facts about ranks answer the two
# questions every system poses, and putting them together is Exercise 10.
#
# - **Is there a solution?** $Ax$ is a combination of the columns of $A$ with
#   weights $x_j$ (section 1), so $Ax = b$ has a solution exactly when $b$ is
#   such a combination. Appending $b$ to $A$ as an extra column, the **augmented
#   matrix** $[A \;\, b]$ (`np.column_stack([A, b])`), raises the rank by one
#   when $b$ is *not* a combination of the columns, and leaves it unchanged
#   when it is.
# - **How many?** If $x$ and $x'$ both solve $Ax = b$, their difference
#   $z = x - x'$ satisfies $Az = 0$: it lies in the **null space**
#   $\{z : Az = 0\}$, and every $x + z$ with $z$ in it is a solution again. The
#   null space has dimension $n - \operatorname{rank} A$ (the *rank-nullity
#   theorem*): it is $\{0\}$ exactly when the $n$ columns are independent.
#
# **A worked example.** The two equations $x_1 + x_2 = 1$ and $2x_1 + 2x_2 = 3$
# (two parallel lines in the plane) have
# $A = \begin{bmatrix} 1 & 1 \\ 2 & 2 \end{bmatrix}$ of rank 1 (the second
# column is the first), while $[A \;\, b] = \begin{bmatrix} 1 & 1 & 1 \\ 2 & 2 & 3 \end{bmatrix}$
# has rank 2: $b = (1, 3)$ is not a multiple of $(1, 2)$, so there is no
# solution. Change the right-hand side to $b = (1, 2)$ and both ranks are 1:
# solutions exist, and with $n - r = 2 - 1 = 1$ the null space is a line
# (the multiples of $(1, -1)$): the two equations are one line, twice.
#
# **What to return when there is no single solution.** Without a solution,
# the best one can do is a **least-squares** $x$, which makes the residual
# $Ax - b$ as short as possible (`np.linalg.lstsq(A, b, rcond=None)[0]`).
# With many solutions, they form the affine set $\{x + Nz\}$ where the
# $n - r$ columns of $N$ are a basis of the null space, and the natural
# representative is the **least-norm** solution, the shortest $x$;
# `np.linalg.lstsq` returns it too.
#
# **A basis of the null space from the SVD.** `U, s, Vt = np.linalg.svd(A)` writes
# $A = U \Sigma V^\top$ with orthonormal $U$ $(m, m)$ and $V$ $(n, n)$ and the
# singular values `s` (largest first); exactly $r$ of them are nonzero. The last
# $n - r$ rows of `Vt` are orthonormal vectors $v$ with $Av = 0$: they form a
# basis of the null space (mind that the exercise wants the basis vectors as
# the *columns* of $N$).
#
# **Ranks, not exceptions.** `np.linalg.solve` is meant for square invertible
# matrices. It raises `LinAlgError` for a non-square matrix, and for a singular
# one *only when the elimination meets an exact zero pivot*. After rounding,
# a singular matrix usually has no exact zero pivot, and `solve` then returns an
# answer without any warning: the cell below shows a rank-2 $3 \times 3$ matrix
# for which it returns entries of order $10^{15}$ to $10^{16}$ and a residual
# $Ax - b$ far from zero (about half as long as $b$; the cell prints
# $\lVert Ax - b \rVert / \lVert b \rVert$), and a consistent right-hand side
# for which it quietly returns one of infinitely many solutions. (That is
# numpy's usual LAPACK; a build whose elimination happens to meet an exact zero
# raises instead, and the cell says so.) Neither an exception nor its absence tells you
# which case holds (a tall system can have exactly one solution, a square one
# none). Decide with `np.linalg.matrix_rank`, which counts the singular values
# above a round-off threshold: in the cell, the rank of `A_rank2` is 2, and the
# augmented matrix of the first $b$ has rank 3.

# %% nbgrader={"grade": false, "grade_id": "solve_no_exception", "locked": true, "schema_version": 3, "solution": false, "task": false}
A_rank2 = np.array([[0.1, 0.2, 0.3],
                    [0.4, 0.5, 0.6],
                    [0.7, 0.8, 0.9]])      # row 3 = 2 row 2 - row 1: rank 2
print("rank", np.linalg.matrix_rank(A_rank2), f" condition number {np.linalg.cond(A_rank2):.1e}")
for b_try, what in ((np.array([1.0, 0.0, 0.0]), "inconsistent b"), (np.array([1.0, 2.0, 3.0]), "consistent b")):
    what = f"{what} (rank [A b] = {np.linalg.matrix_rank(np.column_stack([A_rank2, b_try]))})"
    try:
        x_try = np.linalg.solve(A_rank2, b_try)      # no exception in either case with numpy's usual LAPACK
    except np.linalg.LinAlgError as error:
        print(f"{what}: np.linalg.solve raised LinAlgError ({error}): this LAPACK met an exact zero pivot; "
              "the rank decides the case either way")
        continue
    residual = A_rank2 @ x_try - b_try               # (3,)
    print(f"{what}: np.linalg.solve returned x = {x_try}, residual A x - b = {residual} "
          f"(|A x - b| / |b| = {np.linalg.norm(residual) / np.linalg.norm(b_try):.2f})")

# %% [markdown] nbgrader={"grade": false, "grade_id": "md_classify_system", "locked": true, "schema_version": 3, "solution": false, "task": false}
# ### Exercises 10 and 11: `classify_system` (1 point), `solve_linear_system` (4 points); hidden tests at grading
#
# `classify_system` decides, from the ranks of $A$ and of $[A \;\, b]$ alone,
# whether $Ax = b$ has no solution, exactly one, or infinitely many. Work out
# the rule from the two facts above before you write it: which comparison of
# ranks says "no solution"? When there are solutions, which comparison says
# "only one"? Try your rule on the worked example and on the rank-2 matrix of
# the cell above (and on a tall system such as three lines through one point,
# where the shape alone would mislead you).
#
# `solve_linear_system` decides the case the same way and returns the solution
# that case calls for. Which numpy function gives a least-squares or
# least-norm solution, and which gives a null-space basis, is in the text above.

# %% nbgrader={"grade": false, "grade_id": "classify_system", "locked": false, "schema_version": 3, "solution": true, "task": false}
def classify_system(A, b):
    """How many solutions A x = b has, decided by ranks.

    Inputs:
    - A: (m, n) matrix.
    - b: (m,) right-hand side.

    Returns the string "none", "unique" or "infinitely many".
    """
    ### BEGIN SOLUTION
    n = A.shape[1]
    r = np.linalg.matrix_rank(A)
    r_augmented = np.linalg.matrix_rank(np.column_stack([A, b]))  # (m, n + 1)
    if r_augmented > r:
        return "none"                      # b is not a combination of the columns
    if r == n:
        return "unique"                    # null space {0}
    return "infinitely many"               # null space of dimension n - r > 0
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "test_classify_system", "locked": true, "points": 1, "schema_version": 3, "solution": false, "task": false}
visible_cases = [
    (np.array([[1.0, 1.0], [2.0, 2.0]]), np.array([1.0, 3.0]), "none",
     "x1 + x2 = 1, 2 x1 + 2 x2 = 3 (parallel lines, the worked example)"),
    (np.array([[1.0, 1.0], [2.0, 2.0]]), np.array([1.0, 2.0]), "infinitely many",
     "x1 + x2 = 1, 2 x1 + 2 x2 = 2 (one line, twice)"),
    (np.array([[1.0, 1.0], [1.0, -1.0]]), np.array([3.0, 1.0]), "unique", "x1 + x2 = 3, x1 - x2 = 1"),
    (np.array([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]]), np.array([1.0, 2.0, 3.0]), "unique",
     "x1 = 1, x2 = 2, x1 + x2 = 3 (three lines through one point: a tall system with one solution)"),
]
for A_case, b_case, expected, what in visible_cases:
    got = classify_system(A_case, b_case)
    print(f"{what}: {got!r}")
    assert got == expected, (
        f"classify_system returned {got!r} for {what}, expected {expected!r}: compare rank A with "
        "rank [A b] (is b a combination of the columns?) and rank A with n (are the columns independent?)")
print("classify_system: visible tests passed")
### BEGIN HIDDEN TESTS
_r = np.random.default_rng(31)
_T = _r.standard_normal((6, 3))                    # tall, full column rank
_W = _r.standard_normal((2, 5))                    # wide, full row rank
_S = np.array([[1.0, 2.0, 3.0], [2.0, 4.0, 6.0], [1.0, 0.0, 1.0]])   # square, rank 2
_cases = [
    (_T, _T @ np.array([1.0, -2.0, 0.5]), "unique", "a consistent tall system of full column rank has one solution"),
    (_T, _T @ np.array([1.0, -2.0, 0.5]) + np.array([1.0, 0, 0, 0, 0, -1.0]), "none",
     "an inconsistent tall system has no solution"),
    (_W, np.array([1.0, 2.0]), "infinitely many", "a wide system of full row rank has infinitely many solutions"),
    (_S, _S @ np.array([1.0, 1.0, 1.0]), "infinitely many",
     "a consistent singular square system has infinitely many solutions"),
    (_S, np.array([1.0, 0.0, 0.0]), "none", "an inconsistent singular square system has no solution"),
    (np.array([[2.0, 1.0], [1.0, 3.0]]), np.zeros(2), "unique", "a homogeneous invertible system has one solution"),
    (np.array([[1.0, 2.0, 3.0], [0.0, 1.0, 1.0]]), np.zeros(2), "infinitely many",
     "a homogeneous wide system has infinitely many solutions"),
    (np.array([[1.0, 1.0], [2.0, 2.0], [3.0, 3.0]]), np.array([2.0, 4.0, 6.0]), "infinitely many",
     "a consistent rank-deficient tall system has infinitely many solutions"),
    (np.zeros((2, 2)), np.array([0.0, 1.0]), "none", "A = 0 with b nonzero has no solution"),
    (np.array([[3.0]]), np.array([6.0]), "unique", "a 1 x 1 system 3 x = 6 has one solution"),
]
for _A, _b, _expected, _what in _cases:
    _got = classify_system(_A, _b)
    assert _got == _expected, f"classify_system, decided by ranks: {_what}"
### END HIDDEN TESTS

# %% nbgrader={"grade": false, "grade_id": "solve_linear_system", "locked": false, "schema_version": 3, "solution": true, "task": false}
def solve_linear_system(A, b):
    """Solve A x = b, deciding by ranks whether it has one, infinitely many or no solution.

    Inputs:
    - A: (m, n) matrix.
    - b: (m,) right-hand side.

    Returns a tuple (x, case, extra), x always (n,):
    - case "unique": x is the solution; extra is None.
    - case "infinitely many": x is the least-norm solution; extra is N, (n, n - r)
      with r = rank A, whose columns are a basis of the null space of A
      (every solution is x + N z).
    - case "none": x is a least-squares solution (it minimises ||A x - b||);
      extra is the residual A x - b, (m,).
    """
    ### BEGIN SOLUTION
    n = A.shape[1]
    r = np.linalg.matrix_rank(A)
    r_augmented = np.linalg.matrix_rank(np.column_stack([A, b]))  # (m, n + 1)
    x = np.linalg.lstsq(A, b, rcond=None)[0]                       # (n,), least norm among least squares
    if r_augmented > r:
        return x, "none", A @ x - b                                # (m,)
    if r == n:
        return x, "unique", None
    _, _, Vt = np.linalg.svd(A)                                    # Vt (n, n)
    return x, "infinitely many", Vt[r:].T                          # (n, n - r)
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "test_solve_linear_system", "locked": true, "points": 4, "schema_version": 3, "solution": false, "task": false}
# Exactly one solution, square: x1 + x2 = 3, x1 - x2 = 1.
x, case, extra = solve_linear_system(np.array([[1.0, 1.0], [1.0, -1.0]]), np.array([3.0, 1.0]))
print("square, invertible:", case, x)
assert case == "unique", f"x1 + x2 = 3, x1 - x2 = 1 has one solution: expected case 'unique', got {case!r}"
assert np.shape(x) == (2,) and np.allclose(x, [2.0, 1.0]), f"expected x = [2, 1], got {x}"
assert extra is None, f"with one solution, extra should be None, got {extra}"

# Exactly one solution, tall (3 equations, 2 unknowns, consistent).
A_tall = np.array([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]])
x, case, extra = solve_linear_system(A_tall, np.array([1.0, 2.0, 3.0]))
print("tall, consistent:", case, x)
assert case == "unique", (
    f"x1 = 1, x2 = 2, x1 + x2 = 3 has exactly one solution, got case {case!r}: "
    "decide the case by ranks, as in classify_system, not by the shape")
assert np.allclose(x, [1.0, 2.0]), f"expected x = [1, 2], got {x}"

# No solution, tall: the third equation contradicts the first two.
x, case, extra = solve_linear_system(A_tall, np.array([1.0, 2.0, 4.0]))
print("tall, inconsistent:", case, x, "residual", extra)
assert case == "none", f"x1 = 1, x2 = 2, x1 + x2 = 4 has no solution: expected 'none', got {case!r}"
assert np.shape(extra) == (3,) and np.allclose(extra, A_tall @ x - np.array([1.0, 2.0, 4.0])), (
    f"with no solution, extra should be the residual A x - b, shape (3,), got {extra}")
assert np.allclose(A_tall.T @ extra, 0.0), (
    "the least-squares x makes the residual orthogonal to the columns of A (A^T (A x - b) = 0); "
    f"here A^T (A x - b) = {A_tall.T @ extra}")

# Infinitely many, wide: one equation x1 + x2 + x3 = 3 in three unknowns.
A_wide = np.array([[1.0, 1.0, 1.0]])
x, case, N = solve_linear_system(A_wide, np.array([3.0]))
print("wide:", case, x, "null-space basis shape", np.shape(N))
assert case == "infinitely many", f"x1 + x2 + x3 = 3 has infinitely many solutions, got case {case!r}"
assert np.allclose(x, [1.0, 1.0, 1.0]), (
    f"the least-norm solution of x1 + x2 + x3 = 3 is [1, 1, 1], got {x}: use np.linalg.lstsq")
assert np.shape(N) == (3, 2), f"the null space of a rank-1 (1, 3) matrix has dimension 2: N should be (3, 2), got {np.shape(N)}"
assert np.allclose(A_wide @ N, 0.0) and np.linalg.matrix_rank(N) == 2, (
    "the columns of N should be independent and satisfy A N = 0: take the last n - r rows of Vt from np.linalg.svd(A)")
print("solve_linear_system: visible tests passed")
### BEGIN HIDDEN TESTS
def _solve(A, b):
    """solve_linear_system's answer, checked to be a triple with x of shape (n,)."""
    out = solve_linear_system(A, b)
    assert isinstance(out, (tuple, list)) and len(out) == 3, "solve_linear_system must return (x, case, extra)"
    x, case, extra = out
    x = np.asarray(x, dtype=float)
    assert x.shape == (A.shape[1],), "x must have shape (n,) in every case"
    return x, case, extra


# square invertible, not symmetric
_A = np.array([[2.0, 1.0, 0.0], [0.0, 3.0, 1.0], [1.0, 0.0, 4.0]])
_b = np.array([1.0, -2.0, 3.0])
_x, _case, _extra = _solve(_A, _b)
assert _case == "unique" and _extra is None, "an invertible square system has case 'unique' and extra None"
assert np.allclose(_A @ _x, _b, rtol=0, atol=1e-12), "the unique solution must satisfy A x = b"
# tall, full column rank, consistent: unique (np.linalg.solve would raise here)
_r = np.random.default_rng(41)
_T = _r.standard_normal((6, 3))
_xt = np.array([1.0, -2.0, 0.5])
_x, _case, _extra = _solve(_T, _T @ _xt)
assert _case == "unique" and _extra is None, "a consistent tall system of full column rank has exactly one solution"
assert np.allclose(_x, _xt, rtol=0, atol=1e-10), "the unique solution of a consistent tall system must be found"
# tall, inconsistent: none, least squares and residual
_bt = _T @ _xt + np.array([1.0, 0.0, 0.0, 0.0, 0.0, -1.0])
_x, _case, _res = _solve(_T, _bt)
assert _case == "none", "an inconsistent tall system has case 'none'"
_res = np.asarray(_res, dtype=float)
assert _res.shape == (6,) and np.allclose(_res, _T @ _x - _bt, rtol=0, atol=1e-12), "with no solution, extra is the residual A x - b, (m,)"
assert np.allclose(_x, np.linalg.solve(_T.T @ _T, _T.T @ _bt), rtol=0, atol=1e-10), "with no solution, x must be a least-squares solution"
# wide, full row rank: infinitely many, least norm, null space
_W = _r.standard_normal((2, 5))
_bw = np.array([1.0, 2.0])
_x, _case, _N = _solve(_W, _bw)
assert _case == "infinitely many", "a wide system of full row rank has infinitely many solutions"
assert np.allclose(_x, _W.T @ np.linalg.solve(_W @ _W.T, _bw), rtol=0, atol=1e-10), "x must be the least-norm solution"
_N = np.asarray(_N, dtype=float)
assert _N.shape == (5, 3), "the null-space basis N must have shape (n, n - r)"
assert np.allclose(_W @ _N, 0.0, atol=1e-10) and np.linalg.matrix_rank(_N) == 3, \
    "the columns of N must be independent vectors with A N = 0"
# square singular, consistent: infinitely many; inconsistent: none
_S = np.array([[1.0, 2.0], [2.0, 4.0]])
_x, _case, _N = _solve(_S, np.array([1.0, 2.0]))
assert _case == "infinitely many", "a consistent singular square system has infinitely many solutions (decide by ranks)"
assert np.allclose(_x, [0.2, 0.4], rtol=0, atol=1e-12), "x must be the least-norm solution of a singular consistent system"
_N = np.asarray(_N, dtype=float)
assert _N.shape == (2, 1) and np.linalg.norm(_N) > 1e-6 and np.allclose(_S @ _N, 0.0, atol=1e-10), \
    "the null-space basis of a rank-1 (2, 2) matrix is one nonzero column with A N = 0"
_x, _case, _res = _solve(_S, np.array([1.0, 0.0]))
assert _case == "none", "an inconsistent singular square system has case 'none'"
assert np.asarray(_res, dtype=float).shape == (2,), "with no solution, extra is the residual, (m,)"
assert np.allclose(_S.T @ (_S @ _x - np.array([1.0, 0.0])), 0.0, atol=1e-10), "x must be a least-squares solution"
# tall, rank deficient, consistent: infinitely many
_R = np.array([[1.0, 1.0], [2.0, 2.0], [3.0, 3.0]])
_x, _case, _N = _solve(_R, np.array([2.0, 4.0, 6.0]))
assert _case == "infinitely many", "a consistent rank-deficient tall system has infinitely many solutions"
assert np.asarray(_N, dtype=float).shape == (2, 1), "the null space of a rank-1 (3, 2) matrix is one column"
assert np.allclose(_x, [1.0, 1.0], rtol=0, atol=1e-12), "x must be the least-norm solution"
# tall, full column rank, its first n equations dependent: still unique
_D = np.array([[1.0, 1.0], [2.0, 2.0], [1.0, -1.0]])
_x, _case, _extra = _solve(_D, np.array([3.0, 6.0, -1.0]))
assert _case == "unique" and _extra is None, \
    "a consistent system of full column rank has one solution, even when its first n equations are dependent"
assert np.allclose(_x, [1.0, 2.0], rtol=0, atol=1e-12), "the unique solution must satisfy every equation"
# homogeneous, invertible: unique, x = 0
_x, _case, _extra = _solve(_A, np.zeros(3))
assert _case == "unique" and np.allclose(_x, 0.0, atol=1e-15), "a homogeneous invertible system has the unique solution 0"
### END HIDDEN TESTS

# %% [markdown] nbgrader={"grade": false, "grade_id": "md_systems_demo", "locked": true, "schema_version": 3, "solution": false, "task": false}
# Your two functions on a few systems: shape and number of solutions are
# separate questions.

# %% nbgrader={"grade": false, "grade_id": "systems_demo", "locked": true, "schema_version": 3, "solution": false, "task": false}
systems = {
    "2 lines crossing": (np.array([[1.0, 1.0], [1.0, -1.0]]), np.array([3.0, 1.0])),
    "2 parallel lines": (np.array([[1.0, 1.0], [1.0, 1.0]]), np.array([1.0, 2.0])),
    "1 line, twice": (np.array([[1.0, 1.0], [2.0, 2.0]]), np.array([1.0, 2.0])),
    "3 lines, one point": (np.array([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]]), np.array([1.0, 2.0, 3.0])),
    "3 lines, no point": (np.array([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]]), np.array([1.0, 2.0, 4.0])),
    "1 plane in R^3": (np.array([[1.0, 2.0, 3.0]]), np.array([6.0])),
    "homogeneous, wide": (np.array([[1.0, 2.0, 3.0], [0.0, 1.0, 1.0]]), np.zeros(2)),
}
shape_class = {1: "over-determined", -1: "under-determined", 0: "square"}   # by the sign of m - n
print(f"{'system':<20} {'shape':<8} {'class':<17} {'classify_system':<16} {'solve case':<16} x")
for name, (A_sys, b_sys) in systems.items():
    x_sys, case_sys, _ = solve_linear_system(A_sys, b_sys)
    m_sys, n_sys = A_sys.shape
    print(f"{name:<20} {str(A_sys.shape):<8} {shape_class[int(np.sign(m_sys - n_sys))]:<17} "
          f"{classify_system(A_sys, b_sys):<16} {case_sys:<16} {x_sys}")

# %% [markdown] nbgrader={"grade": false, "grade_id": "md_leontief", "locked": true, "schema_version": 3, "solution": false, "task": false}
# ## 7. The Leontief input-output economy
#
# An economy has $n$ **sectors** (agriculture, manufacturing, ...), each making
# one product. To make its product, each sector uses products of the others (and
# of itself): a farm uses tractors and fuel, a power plant uses machines and
# services. Leontief's model says these needs are **proportional** to output:
#
# - $x_i$ is the output of sector $i$ (say in billions per year), $x \in \mathbb{R}^n$;
# - $A_{ij}$ is the amount of product $i$ needed to make one unit of product $j$,
#   so sector $j$, making $x_j$, uses $A_{ij} x_j$ of product $i$;
#   **column $j$ of $A$ is the recipe of product $j$**;
# - $d_i$ is the **final demand** for product $i$: what consumers buy.
#
# The total of product $i$ used inside the economy is $\sum_j A_{ij}x_j = (Ax)_i$.
# Production **balances** when, for every product, what is made equals what
# the sectors use of it plus what consumers buy.
#
# **A worked example with one sector.** A power plant burns a share $a = 0.2$
# of every unit of electricity it makes (its own input), and consumers want
# $d = 8$ units. The balance says output $=$ own use $+$ demand,
# $x = a x + d$, one linear equation in $x$: $(1 - a)\,x = d$, so
# $x = d / (1 - a) = 10$ (of which 2 are burnt and 8 sold). The division
# needs $a \ne 1$; for $a > 1$ the answer is negative: the plant would use more
# than it makes.
#
# ### Exercise 12: `leontief_output` (2 points; hidden tests at grading)
#
# Do the same for $n$ sectors: write the balance of every product as one
# vector equation in $x$, collect the terms in $x$ on one side (a vector $x$
# is $I x$), and solve the linear system you get with a function of
# section 0. The test checks the balance itself on several economies.

# %% nbgrader={"grade": false, "grade_id": "leontief_output", "locked": false, "schema_version": 3, "solution": true, "task": false}
def leontief_output(A, d):
    """The output at which production balances final demand.

    Inputs:
    - A: (n, n) input-output matrix, A[i, j] = product i used per unit of product j.
    - d: (n,) final demand.

    Returns x, (n,): for every product i, x[i] equals what all sectors use of
    product i when they make x, plus d[i]. A and d are not modified.
    """
    ### BEGIN SOLUTION
    n = A.shape[0]
    return np.linalg.solve(np.eye(n) - A, d)  # the balance x = A x + d is (I - A) x = d: (n, n) x = (n,)
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "test_leontief_output", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
A_two = np.array([[0.0, 0.5],
                  [0.25, 0.0]])     # sector 1 uses 0.25 of product 2 per unit; sector 2 uses 0.5 of product 1
d_two = np.array([7.0, 14.0])
x_two = leontief_output(A_two, d_two)
print("output x =", x_two, " used by the sectors A x =", A_two @ x_two, " used + demand A x + d =", A_two @ x_two + d_two)
assert np.shape(x_two) == (2,), f"leontief_output returned shape {np.shape(x_two)}, expected (2,)"
assert np.allclose(x_two, [16.0, 18.0]), (
    f"expected x = [16, 18] (check: 0.5 * 18 + 7 = 16, 0.25 * 16 + 14 = 18), got {x_two}: "
    "the balance is output = use + demand for each product, with sector j using A[i, j] x[j] of product i "
    "(A, not A^T); moving the x terms to one side gives a matrix that is not A itself")
print("leontief_output: visible tests passed")
### BEGIN HIDDEN TESTS
_A = np.array([[0.1, 0.4, 0.0], [0.05, 0.2, 0.3], [0.2, 0.0, 0.1]])   # not symmetric
_A_copy = _A.copy()
_dd = np.array([10.0, 5.0, 2.0])
_dd_copy = _dd.copy()
_x = np.asarray(leontief_output(_A, _dd), dtype=float)
assert _x.shape == (3,), "leontief_output must return x of shape (n,)"
assert np.allclose(_x, _A @ _x + _dd, rtol=0, atol=1e-10), "x must balance: x = A x + d (use A, not A^T)"
assert np.array_equal(_A, _A_copy) and np.array_equal(_dd, _dd_copy), "leontief_output must not modify A or d"
_r = np.random.default_rng(51)
_B = 0.1 * _r.random((6, 6))
_e = _r.random(6)
_x = np.asarray(leontief_output(_B, _e), dtype=float)
assert _x.shape == (6,) and np.allclose(_x - _B @ _x, _e, rtol=0, atol=1e-12), "x must balance x = A x + d for a random economy"
_C = np.array([[0.3, 0.6], [0.5, 0.2]])    # column sums 0.8 and 0.8: every round of production is needed
_x = np.asarray(leontief_output(_C, np.array([1.0, 1.0])), dtype=float)
assert np.allclose(_x, _C @ _x + 1.0, rtol=0, atol=1e-10), \
    "x must balance exactly (all rounds of production, not d + A d only)"
### END HIDDEN TESTS

# %% [markdown] nbgrader={"grade": false, "grade_id": "md_leontief_rounds", "locked": true, "schema_version": 3, "solution": false, "task": false}
# **Rounds of production: the Neumann series.** Think of it step by step. To
# deliver $d$, the sectors first make $d$; making $d$ uses $Ad$, which must be made
# too; making $Ad$ uses $A(Ad) = A^2 d$; and so on. The total output is
#
# $$
# x = d + Ad + A^2 d + A^3 d + \dots = (I + A + A^2 + \dots)\, d ,
# $$
#
# and indeed $(I - A)(I + A + \dots + A^{k-1}) = I - A^k$. This **Neumann series**
# converges, to $(I - A)^{-1} d$ (the solution of Exercise 12's balance),
# exactly when the rounds shrink, $A^k \to 0$.
#
# **A first test: column sums.** Column $j$ of $A$ sums to the total input that
# one unit of product $j$ needs. If every column sums to less than 1, every
# round is smaller than the one before: the total $\mathbf{1}^\top A^k d$ shrinks
# at least by the factor $\lVert A \rVert_1 = \max_j \sum_i \lvert A_{ij}\rvert$
# (the largest column sum, `np.linalg.norm(A, 1)`) per round, so the series
# converges. This is **sufficient, not necessary**: in
# $A = \begin{bmatrix} 0 & 2 \\ 0.02 & 0 \end{bmatrix}$ a column sums to 2, yet
# $A^2 = 0.04\,I$ and the rounds die out fast.
#
# **The full answer: the spectral radius.** $A^k \to 0$ holds exactly when the
# **spectral radius** $\rho(A) = \max_i \lvert \lambda_i \rvert$ (the largest absolute
# value of an eigenvalue of $A$; `np.linalg.eigvals(A)` gives the $\lambda_i$,
# possibly complex, and `np.abs` of a complex number is its modulus) is **below
# 1**. It is never larger than the column-sum bound: $\rho(A) \le \lVert A \rVert_1$.
#
# **Productive economies.** An economy is **productive** when some production
# plan $x \ge 0$ makes more of every product than the economy itself uses:
# $x > Ax$ entry by entry. For a **nonnegative** $A$ (every input-output matrix
# is one) the Perron–Frobenius theorem makes three conditions equivalent:
# (a) the economy is productive; (b) $\rho(A) < 1$; (c) $I - A$ is invertible
# and $(I - A)^{-1} \ge 0$, so every nonnegative demand is met by nonnegative
# outputs (every term $A^k d$ of the series is nonnegative). For matrices with
# negative entries these conditions part ways, so the exercise below is about
# nonnegative matrices only.
#
# The partial sums $x^{(k)} = \sum_{j=0}^{k-1} A^j d$ are cheap to compute
# without any matrix power: keep the current term, start with $d$, and multiply
# it by $A$ to get the next one.
#
# ### Exercises 13 and 14: `is_productive`, `leontief_neumann` (2 points each; hidden tests at grading)

# %% nbgrader={"grade": false, "grade_id": "is_productive", "locked": false, "schema_version": 3, "solution": true, "task": false}
def is_productive(A):
    """Whether the economy of a nonnegative input-output matrix is productive.

    Inputs:
    - A: (n, n) matrix with nonnegative entries.

    Returns True (a bool) when the spectral radius max |eigenvalue of A| is
    below 1 (for nonnegative A: exactly when the economy is productive), else False.
    """
    ### BEGIN SOLUTION
    spectral_radius = np.abs(np.linalg.eigvals(A)).max()  # eigenvalues may be complex
    return bool(spectral_radius < 1.0)
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "test_is_productive", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
cases = [(np.array([[0.0, 0.5], [0.25, 0.0]]), True, "eigenvalues +-0.354, column sums below 1"),
         (np.array([[0.5, 0.6], [0.6, 0.5]]), False, "eigenvalues 1.1 and -0.1"),
         (np.array([[0.0, 2.0], [0.02, 0.0]]), True, "eigenvalues +-0.2, although a column sums to 2: "
                                                      "the column-sum test is sufficient, not necessary")]
for A_case, expected, why in cases:
    got = is_productive(A_case)
    print(f"is_productive({A_case.tolist()}) = {got}  ({why})")
    assert got == expected, (
        f"is_productive returned {got} for {A_case.tolist()}, expected {expected} ({why}): "
        "compare the largest |eigenvalue| (np.linalg.eigvals) with 1")
print("is_productive: visible tests passed")
### BEGIN HIDDEN TESTS
def _productive(A):
    res = is_productive(A)
    assert isinstance(res, (bool, np.bool_)), "is_productive must return a bool (True or False)"
    return bool(res)


assert _productive(np.array([[0.2, 0.3, 0.1], [0.1, 0.2, 0.3], [0.3, 0.1, 0.2]])), "column sums 0.6: productive"
assert not _productive(np.array([[0.0, 1.2], [1.2, 0.0]])), "eigenvalues +-1.2: not productive"
assert not _productive(np.diag([1.5, 0.5])), "an eigenvalue 1.5: not productive"
assert not _productive(np.diag([1.0, 0.5])), "spectral radius exactly 1 is not below 1: not productive"
assert _productive(np.array([[0.0, 3.0, 0.0], [0.0, 0.0, 3.0], [0.001, 0.0, 0.0]])), \
    "spectral radius 0.208 with column sums up to 3: productive (column sums are not the criterion)"
assert not _productive(np.diag([0.9, 1.01])), "an eigenvalue 1.01: not productive"
assert _productive(np.array([[0.0, 0.9], [0.9, 0.0]])), "eigenvalues +-0.9: productive"
assert _productive(np.array([[0.5, 0.9, 0.0], [0.0, 0.5, 0.9], [0.1, 0.0, 0.5]])), \
    "column sums 0.6 to 1.4 with spectral radius below 1 (complex eigenvalues): productive"
assert not _productive(np.array([[0.6, 0.6], [0.6, 0.6]])), "every entry below 1 but spectral radius 1.2: not productive"
assert not _productive(np.array([[1.5, 0.2], [0.1, 2.0]])), \
    "two eigenvalues above 1: not productive (det(I - A) > 0 is not the criterion)"
assert not _productive(np.array([[0.0, 0.0, 2.0], [1.0, 0.0, 0.0], [0.0, 1.0, 0.0]])), \
    "spectral radius 1.26 from complex and real eigenvalues of one modulus: not productive"
for _A in (np.array([[0.5, 2.0], [0.2, 0.5]]), np.array([[0.5, 0.2], [2.0, 0.5]])):
    assert not _productive(_A), \
        "a non-symmetric matrix with spectral radius 1.13 is not productive (its eigenvalues, not a symmetric part's)"
### END HIDDEN TESTS

# %% nbgrader={"grade": false, "grade_id": "leontief_neumann", "locked": false, "schema_version": 3, "solution": true, "task": false}
def leontief_neumann(A, d, num_terms):
    """Partial sums of the Neumann series (I + A + A^2 + ...) d.

    Inputs:
    - A: (n, n) input-output matrix.
    - d: (n,) final demand.
    - num_terms: K >= 1, the number of partial sums.

    Returns partial_sums, (K, n) array (a list of K rows of n numbers is
    accepted too): row k is d + A d + ... + A^k d, the sum of the first k + 1
    terms (row 0 is d itself, row 1 is d + A d).
    """
    ### BEGIN SOLUTION
    partial_sums = np.zeros((num_terms, d.shape[0]))  # (K, n)
    term = np.array(d, dtype=float)                   # A^0 d, (n,)
    total = np.zeros(d.shape[0])
    for k in range(num_terms):
        total = total + term                          # d + ... + A^k d
        partial_sums[k] = total
        term = A @ term                               # (n, n) @ (n,) -> A^(k+1) d
    return partial_sums
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "test_leontief_neumann", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
A_two = np.array([[0.0, 0.5],
                  [0.25, 0.0]])
d_two = np.array([7.0, 14.0])
sums = leontief_neumann(A_two, d_two, 4)
print("partial sums:\n", sums)
assert np.shape(sums) == (4, 2), f"leontief_neumann(A, d, 4) has shape {np.shape(sums)}, expected (num_terms, n) = (4, 2)"
assert np.allclose(sums[0], d_two), f"row 0 should be d = {d_two} (the term A^0 d), got {sums[0]}"
assert np.allclose(sums[1], d_two + A_two @ d_two), (
    f"row 1 should be d + A d = {d_two + A_two @ d_two}, got {sums[1]}")
assert np.allclose(sums[3], [15.75, 17.71875]), (
    f"row 3 should be d + A d + A^2 d + A^3 d = [15.75, 17.71875], got {sums[3]}: the next term is "
    "A @ (previous term); A**k in numpy is an elementwise power, not a matrix power")
many = leontief_neumann(A_two, d_two, 40)
print("after 40 terms:", many[-1], " (the exact output is [16, 18])")
assert np.allclose(many[-1], [16.0, 18.0]), "the partial sums should converge to (I - A)^-1 d = [16, 18]"
print("leontief_neumann: visible tests passed")
### BEGIN HIDDEN TESTS
_A = np.array([[0.1, 0.4, 0.0], [0.05, 0.2, 0.3], [0.2, 0.0, 0.1]])   # not symmetric
_dd = np.array([1.0, 2.0, 3.0])
_S = np.asarray(leontief_neumann(_A, _dd, 5), dtype=float)
assert _S.shape == (5, 3), "leontief_neumann(A, d, K) must have shape (K, n)"
_expected = np.cumsum([np.linalg.matrix_power(_A, _k) @ _dd for _k in range(5)], axis=0)
assert np.allclose(_S[0], _dd), "row 0 must be d itself (the term A^0 d)"
assert np.allclose(_S, _expected, rtol=1e-12, atol=1e-14), "row k must be d + A d + ... + A^k d (matrix powers, A not A^T)"
_S1 = np.asarray(leontief_neumann(_A, _dd, 1), dtype=float)
assert _S1.shape == (1, 3) and np.allclose(_S1[0], _dd), "with num_terms = 1 the only row is d"
_S = np.asarray(leontief_neumann(_A, _dd, 200), dtype=float)
assert _S.shape == (200, 3) and np.allclose(_S[-1] - _A @ _S[-1], _dd, rtol=0, atol=1e-10), \
    "the partial sums of a productive economy must converge to (I - A)^-1 d"
_G = np.asarray(leontief_neumann(np.array([[1.5, 0.0], [0.0, 0.5]]), np.array([1.0, 1.0]), 6), dtype=float)
assert _G.shape == (6, 2) and np.isclose(_G[5, 0], sum(1.5 ** _k for _k in range(6))), \
    "the partial sums of a non-productive economy must grow (no clipping, no early stop)"
### END HIDDEN TESTS

# %% [markdown] nbgrader={"grade": false, "grade_id": "md_economy", "locked": true, "schema_version": 3, "solution": false, "task": false}
# ### A worked economy
#
# Four sectors with illustrative (made-up, but plausibly shaped) recipes. Read
# column *manufacturing*: one unit of manufactured goods uses 0.05 units of farm
# products, 0.25 of manufactured goods (machines, parts), 0.20 of energy and 0.10
# of services. Final demand is in billions per year.

# %% nbgrader={"grade": false, "grade_id": "economy", "locked": true, "schema_version": 3, "solution": false, "task": false}
sectors = ["agriculture", "manufacturing", "energy", "services"]
A_econ = np.array([
    # agri  manuf energy services   <- one unit of the product of this sector uses ...
    [0.10, 0.05, 0.01, 0.02],    # ... this much agriculture
    [0.15, 0.25, 0.10, 0.05],    # ... manufacturing
    [0.10, 0.20, 0.15, 0.05],    # ... energy
    [0.05, 0.10, 0.05, 0.20],    # ... services
])
d_econ = np.array([20.0, 40.0, 15.0, 60.0])       # final demand, (4,)
print("column sums (inputs per unit of output):",
      ", ".join(f"{name} {total:.2f}" for name, total in zip(sectors, A_econ.sum(axis=0))))

productive = is_productive(A_econ)
x_econ = leontief_output(A_econ, d_econ)            # (4,)
print(f"productive: {productive}")
print(f"{'sector':<14} {'demand':>8} {'output':>8} {'used inside the economy':>24}")
for name, demand, output, used in zip(sectors, d_econ, x_econ, A_econ @ x_econ):
    print(f"{name:<14} {demand:8.2f} {output:8.2f} {used:24.2f}")
print(f"largest |x - (A x + d)|: {np.abs(x_econ - (A_econ @ x_econ + d_econ)).max():.1e}")

# %% [markdown] nbgrader={"grade": false, "grade_id": "md_economy_neumann", "locked": true, "schema_version": 3, "solution": false, "task": false}
# **Rounds of production.** The partial sums of the Neumann series (solid) climb
# to the exact output (dashed); on the right, the distance to it shrinks by a
# constant factor per round. That factor tends to $\rho(A)$: the ratio of the
# sizes of successive terms $\lVert A^{k+1}d\rVert / \lVert A^k d\rVert$ is the
# **power method** for the largest eigenvalue, and the cell prints it.

# %% nbgrader={"grade": false, "grade_id": "economy_neumann", "locked": true, "schema_version": 3, "solution": false, "task": false}
num_terms = 30
sums_econ = leontief_neumann(A_econ, d_econ, num_terms)       # (K, 4)
errors = np.linalg.norm(sums_econ - x_econ, axis=1)           # (K,)
terms = np.diff(sums_econ, axis=0)                            # (K - 1, 4): A d, A^2 d, ...
ratios = np.linalg.norm(terms[1:], axis=1) / np.linalg.norm(terms[:-1], axis=1)

fig, (ax_sums, ax_err) = plt.subplots(1, 2, figsize=(12, 4))
rounds = np.arange(1, num_terms + 1)
for i, name in enumerate(sectors):
    line, = ax_sums.plot(rounds, sums_econ[:, i], "o-", ms=3, label=name)
    ax_sums.axhline(x_econ[i], ls="--", color=line.get_color(), lw=1)
ax_sums.set(xlabel="number of terms k", ylabel="output (partial sum)",
            title="Neumann partial sums $d + Ad + \\dots + A^{k-1}d$")
ax_sums.legend()
ax_err.semilogy(rounds, errors, "o-", ms=3)
ax_err.set(xlabel="number of terms k", ylabel="$\\|x^{(k)} - x\\|$", title="distance to the exact output")
fig.tight_layout()
show(fig)
print(f"distance after {num_terms} terms: {errors[-1]:.1e}")
print(f"successive term ratio (last): {ratios[-1]:.4f}; "
      f"largest |eigenvalue| of A (np.linalg.eigvals): {np.abs(np.linalg.eigvals(A_econ)).max():.4f}")

# %% [markdown] nbgrader={"grade": false, "grade_id": "md_economy_columns", "locked": true, "schema_version": 3, "solution": false, "task": false}
# **What one unit of demand costs the whole economy.** The demand $d = e_j$ (one
# unit of product $j$, nothing else) needs the output $x = (I - A)^{-1} e_j$, the
# **column $j$ of $(I - A)^{-1}$** (the *Leontief inverse*). Its entry $i$ is how
# much sector $i$ must produce, directly and through all the rounds, for one
# unit of product $j$ to reach consumers. The cell computes each column with your
# `leontief_output` and draws them. Since $(I - A)^{-1} = I + A + A^2 + \dots$ with
# every term nonnegative, every entry is at least its first two terms: the unit
# itself plus its direct inputs, $1 + A_{jj}$ on the diagonal and $A_{ij}$ off it. And the column sums (the "output
# multipliers", printed) say how much total production one unit of final demand
# sets off.

# %% nbgrader={"grade": false, "grade_id": "economy_columns", "locked": true, "schema_version": 3, "solution": false, "task": false}
n_sectors = len(sectors)
leontief_inverse = np.column_stack(
    [leontief_output(A_econ, np.eye(n_sectors)[j]) for j in range(n_sectors)])   # (4, 4)
fig, ax = plt.subplots(figsize=(9, 4))
width = 0.8 / n_sectors
for i, name in enumerate(sectors):
    ax.bar(np.arange(n_sectors) + (i - (n_sectors - 1) / 2) * width, leontief_inverse[i], width,
           label=f"output of {name}")
ax.set_xticks(np.arange(n_sectors), [f"1 unit of\n{name}" for name in sectors])
ax.set(ylabel="output needed", title="columns of $(I - A)^{-1}$: output per unit of final demand")
ax.legend(fontsize=8)
fig.tight_layout()
show(fig)
print("output multipliers (column sums):",
      ", ".join(f"{name} {total:.3f}" for name, total in zip(sectors, leontief_inverse.sum(axis=0))))
print("every entry >= the direct need (I + A):", bool((leontief_inverse >= np.eye(n_sectors) + A_econ - 1e-12).all()))
print(f"largest |(I - A) L - I|: {np.abs((np.eye(n_sectors) - A_econ) @ leontief_inverse - np.eye(n_sectors)).max():.1e}")

# %% [markdown] nbgrader={"grade": false, "grade_id": "md_unproductive", "locked": true, "schema_version": 3, "solution": false, "task": false}
# ### An economy that is not productive
#
# Make every sector wasteful: scale each recipe (column) so that one unit of
# every product uses 1.1 units of inputs in total. Then $\mathbf{1}^\top A = 1.1\,
# \mathbf{1}^\top$, so 1.1 is an eigenvalue, and since
# $\rho(A) \le \lVert A \rVert_1 = 1.1$ (the largest column sum), $\rho(A) = 1.1$. The cell shows what goes wrong: the rounds of production
# *grow* instead of shrinking, so the partial sums run off to infinity; and the
# linear system still has a solution, but it has **negative outputs**, which no
# economy can produce.

# %% nbgrader={"grade": false, "grade_id": "unproductive", "locked": true, "schema_version": 3, "solution": false, "task": false}
A_waste = A_econ * (1.1 / A_econ.sum(axis=0))          # (4, 4), each column scaled to sum 1.1
print("column sums:", A_waste.sum(axis=0).round(3), " productive:", is_productive(A_waste))
x_waste = leontief_output(A_waste, d_econ)
print("solution of (I - A) x = d:", ", ".join(f"{name} {value:.1f}" for name, value in zip(sectors, x_waste)))
print("negative outputs:", [name for name, value in zip(sectors, x_waste) if value < 0])
assert (x_waste < 0).any(), "expected some negative output for a non-productive economy"
sums_waste = leontief_neumann(A_waste, d_econ, num_terms)
terms_waste = np.diff(sums_waste, axis=0)
ratio_waste = np.linalg.norm(terms_waste[-1]) / np.linalg.norm(terms_waste[-2])
print(f"successive term ratio (last): {ratio_waste:.4f}")

fig, ax = plt.subplots(figsize=(7, 3.8))
ax.semilogy(rounds, np.linalg.norm(sums_econ, axis=1), "o-", ms=3, label="productive: partial sums converge")
ax.semilogy(rounds, np.linalg.norm(sums_waste, axis=1), "o-", ms=3, label="wasteful: partial sums diverge")
ax.set(xlabel="number of terms k", ylabel="$\\|x^{(k)}\\|$ (total output)", title="Neumann series")
ax.legend()
fig.tight_layout()
show(fig)

# %% [markdown] nbgrader={"grade": false, "grade_id": "md_q_spectral_radius", "locked": true, "schema_version": 3, "solution": false, "task": false}
# **Question 2.** What does a spectral radius $\rho(A) \ge 1$ mean for an economy?
# Explain with the rounds of production (the Neumann series) and with what the
# solution of $(I - A)x = d$ looks like.
#
# Write your answer in the cell below.

# %% [markdown] nbgrader={"grade": true, "grade_id": "q_spectral_radius", "locked": false, "points": 2, "schema_version": 3, "solution": true, "task": false}
# *Model answer.* Each round of production must supply the inputs used by the
# previous round: $d$, then $Ad$, then $A^2 d$, ... With $\rho(A) \ge 1$ these
# rounds do not die out: for a nonnegative $A$ and positive demand, $A^k d$
# shrinks no faster than $\rho^k$, so it does not tend to 0 (and it grows like
# $\rho^k$ when $\rho > 1$), so the total $d + Ad + A^2d + \dots$ is infinite. Making the
# goods uses up, directly and indirectly, at least as much as is made: the
# economy consumes itself and cannot deliver any surplus to consumers. It is not
# productive. Algebraically, $(I - A)^{-1}$ either does not exist
# ($\rho = 1$ with eigenvalue 1: $I - A$ singular) or exists but is not
# nonnegative, so the "solution" $x = (I - A)^{-1} d$ of a positive demand has
# negative outputs (as the wasteful economy above shows): there is no
# nonnegative production plan that meets the demand.

# %% [markdown] nbgrader={"grade": false, "grade_id": "md_float", "locked": true, "schema_version": 3, "solution": false, "task": false}
# ## 8. Floating point: how many digits does a solution keep?
#
# A float stores a number with a fixed number of significant binary digits:
# `float64` 53 bits, about 16 decimal digits; `float32` 24 bits, about 7. Rounding
# to the nearest float changes a number by a relative amount of at most the
# **unit round-off** $u$: $u = 2^{-53} \approx 1.1 \cdot 10^{-16}$ for
# `float64`, $u = 2^{-24} \approx 6.0 \cdot 10^{-8}$ for `float32`
# (`np.finfo(dtype).eps / 2`). Neural networks are often trained in `float32` or
# less: 4 bytes per number instead of 8, and faster arithmetic on most hardware.
#
# How much does round-off change the solution of $Ax = b$? The answer depends
# on the matrix through its **condition number**
# $\kappa(A) = \sigma_{\max} / \sigma_{\min}$, the ratio of its largest and
# smallest singular values (`np.linalg.cond(A)`). Storing $A$ and $b$ alone
# perturbs them by relative amounts of about $u$, and a relative perturbation of
# the data can change the solution by up to $\kappa(A)$ times as much. A good
# solver (LU with partial pivoting, which `np.linalg.solve` calls) adds errors of
# the same kind, so the computed $\hat x$ satisfies, roughly,
#
# $$
# \frac{\lVert \hat x - x \rVert}{\lVert x \rVert} \;\lesssim\; c_n\, \kappa(A)\, u ,
# $$
#
# with a modest factor $c_n$ that grows slowly with $n$. Read in digits: you
# lose up to about $\log_{10} \kappa(A)$ of your $\approx 16$ (`float64`) or $\approx 7$
# (`float32`) correct digits. The bound is a worst case (it assumes every
# rounding error points in the most harmful direction), so once $\kappa$ is large
# the measured errors typically stay well below $\kappa u$. At small $\kappa$ the factor $c_n$ is not negligible: many roundings
# add up, and the error can be several times $\kappa u$ (with $\kappa = 1$, $\kappa u$
# is a single rounding, $u$, while a $50 \times 50$ solve performs thousands). The cell
# prints the ratio error$/(\kappa u)$ for each precision, and the two differ: in
# `float64` the median ratio is about 0.1 and the maximum, at the smallest $\kappa$,
# is several times 1; in `float32` the median is a few hundredths and even the
# maximum stays below 1 (about 0.6 with the default seed). So "well below the
# bound, except at the smallest $\kappa$" is a statement about `float64` only.
#
# The experiment: random $50 \times 50$ matrices $A = U\,\mathrm{diag}(s)\,V^\top$
# with random orthogonal $U, V$ and singular values $s$ spaced evenly on a log
# scale from 1 to $1/\kappa$, so $\kappa(A) = \kappa$ exactly in exact arithmetic
# (the cell measures it); a known solution $x$ and $b = Ax$; the same system
# solved in `float64` and in `float32`. The lines are $\kappa u$ for each
# precision. The error measured is the norm-wise one of the bound,
# `normwise_relative_error` $= \lVert \hat x - x \rVert / \lVert x \rVert$: one number for the
# whole vector, unlike `rel_error` of the later notebooks' gradient checks, which takes the
# largest element-wise $|a - b| / \max(10^{-8}, |a| + |b|)$.

# %% nbgrader={"grade": false, "grade_id": "float_experiment", "locked": true, "schema_version": 3, "solution": false, "task": false}
def matrix_with_condition(n, kappa, rng):
    """A random (n, n) matrix U diag(s) V^T with singular values from 1 down to 1 / kappa."""
    U, _ = np.linalg.qr(rng.standard_normal((n, n)))       # (n, n) orthogonal
    V, _ = np.linalg.qr(rng.standard_normal((n, n)))       # (n, n) orthogonal
    s = np.logspace(0.0, -np.log10(kappa), n)              # (n,) singular values
    return (U * s) @ V.T                                   # U diag(s) V^T, (n, n)


def normwise_relative_error(x_hat, x_true):
    """||x_hat - x_true|| / ||x_true|| of two (n,) vectors, a float computed in float64."""
    x_hat = np.asarray(x_hat, dtype=np.float64)
    return np.linalg.norm(x_hat - x_true) / np.linalg.norm(x_true)


rng_float = np.random.default_rng(P.seed)
n_float = 50
kappas = np.logspace(0, 12, 25 if P.fast else 61)
measured = {"float64": [], "float32": []}
conds = []
for kappa in kappas:
    A_k = matrix_with_condition(n_float, kappa, rng_float)          # (50, 50)
    x_true = rng_float.standard_normal(n_float)                    # (50,)
    b_k = A_k @ x_true                                             # (50,)
    conds.append(np.linalg.cond(A_k))
    for dtype in (np.float64, np.float32):
        x_hat = np.linalg.solve(A_k.astype(dtype), b_k.astype(dtype))  # LU in that precision
        measured[np.dtype(dtype).name].append(normwise_relative_error(x_hat, x_true))
conds = np.array(conds)
u = {name: np.finfo(name).eps / 2 for name in measured}

fig, ax = plt.subplots(figsize=(7.5, 4.5))
for name, color in [("float32", "tab:orange"), ("float64", "tab:blue")]:
    ax.loglog(conds, measured[name], "o", ms=4, color=color, label=f"{name}: measured error")
    ax.loglog(conds, conds * u[name], "-", color=color, lw=1, label=f"{name}: $\\kappa u$, u = {u[name]:.1e}")
ax.axhline(1.0, color="gray", ls=":", lw=1)
ax.set(xlabel="condition number $\\kappa(A)$", ylabel="relative error of x",
       title=f"solving A x = b, n = {n_float}", ylim=(1e-17, 1e3))
ax.legend(fontsize=8)
fig.tight_layout()
show(fig)

print(f"largest |measured kappa / intended kappa - 1|: {np.abs(conds / kappas - 1).max():.1e}")
for name in ("float64", "float32"):
    ratio = np.array(measured[name]) / (conds * u[name])
    below = conds * u[name] < 1                      # where the bound says anything
    print(f"{name}: error / (kappa u) from {ratio[below].min():.2f} to {ratio[below].max():.2f} "
          f"(median {np.median(ratio[below]):.2f}) where kappa u < 1")
lost = np.nonzero(np.array(measured["float32"]) > 0.5)[0]     # no correct digit left
print(f"kappa u = 1 at kappa = 1/u: {1 / u['float32']:.1e} (float32), {1 / u['float64']:.1e} (float64)")
print(f"float32 error first above 0.5 at kappa = {conds[lost[0]]:.1e}" if len(lost)
      else "float32 error stays below 0.5 on this range")
for target in (1e2, 1e6):
    k = np.argmin(np.abs(np.log10(conds / target)))
    print(f"kappa = {conds[k]:.1e}: float32 error {measured['float32'][k]:.1e} "
          f"(~{-np.log10(measured['float32'][k]):.1f} correct digits), "
          f"float64 error {measured['float64'][k]:.1e} (~{-np.log10(measured['float64'][k]):.1f} digits)")

# %% [markdown] nbgrader={"grade": false, "grade_id": "md_q_float32_digits", "locked": true, "schema_version": 3, "solution": false, "task": false}
# **Question 3.** Why does `float32` lose so many digits on ill-conditioned
# systems, and why is that not the solver's fault? Use the plot: at which
# condition number does the `float32` solution have no correct digit left, and
# where would `float64` reach that point?
#
# Write your answer in the cell below.

# %% [markdown] nbgrader={"grade": true, "grade_id": "q_float32_digits", "locked": false, "points": 2, "schema_version": 3, "solution": true, "task": false}
# *Model answer.* `float32` keeps about 7 significant digits ($u \approx 6\cdot10^{-8}$):
# merely storing $A$ and $b$ in `float32` changes them by relative amounts of
# about $u$. An ill-conditioned system is one whose solution is very sensitive
# to its data: a relative change $\epsilon$ in $A$ or $b$ can change $x$ by
# about $\kappa(A)\,\epsilon$ (the smallest singular direction gets amplified by
# $1/\sigma_{\min}$). So even the *exact* solution of the rounded system differs
# from the true $x$ by about $\kappa u$; the solver (LU with partial pivoting,
# backward stable) only adds errors of the same size. The error therefore
# follows the line $\kappa u$, below it once $\kappa$ is large (the median ratio
# printed is about 0.1 in `float64` and a few hundredths in `float32`, since the
# bound is a worst case); only at the smallest $\kappa$, where the factor $c_n$ of
# the bound matters, do the `float64` errors exceed $\kappa u$, by up to several
# times (the `float32` errors stay below it there too). Up to about $\log_{10}\kappa$ of the 7
# digits are lost. The line reaches 1 at $\kappa = 1/u \approx 1.7 \cdot 10^7$;
# from there on `float32` guarantees no correct digit, and the measured error
# (below the worst case) reaches order 1 within a few powers of ten after that
# (the cell prints where it first exceeds 0.5). `float64` has $u \approx 10^{-16}$: the same
# matrices keep about $16 - \log_{10}\kappa$ digits, and only
# $\kappa \approx 1/u \approx 9 \cdot 10^{15}$ would wipe them out. The remedy is more precision
# or a better-conditioned formulation, not a better solver.

# %% nbgrader={"grade": false, "grade_id": "wall_time", "locked": true, "schema_version": 3, "solution": false, "task": false}
print(f"whole notebook: {time.perf_counter() - NOTEBOOK_START:.1f} s ({'fast' if P.fast else 'default'} mode)")
