"""Notebooks 01 and 02 (issue 14): wrong answers fail, correct variants pass.

Two tables, run with the machinery of test_hidden_tests_catch_mistakes.py
(exercise_runner.py: the provided cells, the mutated solution, the test cells):

- WRONG: each mutation is a plausible mistake; some test cell of the exercise
  must raise, and so must some hidden block run alone (a wrong answer loses its
  points even when it slips past the visible messages);
- CORRECT: each mutation is another answer that the exercise's docstring
  allows (a list for an array, 0-d arrays for scalars, another tie split, an
  integer matrix, another null-space basis, ...); every test cell must pass,
  whole and hidden block alone.

Marked `mutation` like the shared table: `pytest -m "not mutation"` skips them.
"""
from __future__ import annotations

import pytest

from exercise_runner import apply_mutation, master
from test_hidden_tests_catch_mistakes import NB01, NB02, Mistake, _caught

pytestmark = pytest.mark.mutation

WRONG = [
    # -- 01 -----------------------------------------------------------------------------------
    Mistake(NB01, "check_superposition",
            ("    rng = np.random.default_rng(rng)\n",
             "        x = rng.standard_normal(n)                                   # (n,)\n"
             "        y = rng.standard_normal(n)                                   # (n,)\n"),
            ("    rng = np.random.default_rng(rng)\n    x = rng.standard_normal(n)\n    y = rng.standard_normal(n)\n",
             ""),
            "x and y drawn once, outside the trial loop"),
    Mistake(NB01, "check_superposition",
            "if np.abs(lhs - (u + v)).max() > 1e-8 * size:", "if not np.allclose(lhs, u + v, rtol=1e-8):",
            "np.allclose, whose atol = 1e-8 is an absolute tolerance"),
    Mistake(NB01, "check_superposition", "size = max(np.abs(lhs).max(), np.abs(u).max(), np.abs(v).max())",
            "size = 1.0", "absolute tolerance (size fixed at 1)"),
    Mistake(NB01, "matvec_function", "return A @ x", "return list(A.T @ x) if A.shape[0] == A.shape[1] else A @ x",
            "A^T x for square matrices"),
    Mistake(NB01, "numerical_jacobian",
            "columns.append((plus - minus) / (2 * h))",
            "columns.append((plus - np.atleast_1d(np.asarray(f(z), dtype=float))) / h)",
            "forward difference instead of centred"),
    Mistake(NB01, "numerical_jacobian", "return np.column_stack(columns)", "return np.array(columns)",
            "Jacobian transposed (derivatives along e_k as rows)"),
    Mistake(NB01, "numerical_jacobian", "step[k] = h", "step[k] = 1e-5",
            "the step h ignored"),
    Mistake(NB01, "numerical_jacobian",
            ("plus = np.atleast_1d(np.asarray(f(z + step), dtype=float))",
             "minus = np.atleast_1d(np.asarray(f(z - step), dtype=float))"),
            ("z += step\n        plus = np.atleast_1d(np.asarray(f(z), dtype=float))",
             "z -= 2 * step\n        minus = np.atleast_1d(np.asarray(f(z), dtype=float))"),
            "z stepped in place and not restored"),
    Mistake(NB01, "affine_parameters", "b = np.asarray(f(np.zeros(n)), dtype=float)",
            "b = np.asarray(f(np.ones(n)), dtype=float)", "offset read at 1 instead of 0"),
    Mistake(NB01, "solve_linear_system", "if r == n:\n        return x, \"unique\", None",
            "if A.shape[0] == n:\n        return np.linalg.solve(A, b), \"unique\", None",
            "np.linalg.solve for every square system (no exception on a singular one)"),
    Mistake(NB01, "solve_linear_system", "r_augmented > r", "r_augmented > r + 1",
            "inconsistent systems reported as solvable"),
    Mistake(NB01, "is_productive", "spectral_radius = np.abs(np.linalg.eigvals(A)).max()",
            "spectral_radius = np.abs(A).sum(axis=0).max()", "column sums (||A||_1 < 1) as the criterion"),
    Mistake(NB01, "is_productive", "spectral_radius = np.abs(np.linalg.eigvals(A)).max()",
            "spectral_radius = np.abs(A).max()", "the largest entry as the criterion"),
    Mistake(NB01, "leontief_neumann", "term = A @ term", "term = A.T @ term", "transposed input-output matrix"),
    # -- 02 -----------------------------------------------------------------------------------
    Mistake(NB02, "numerical_derivative", "return (f(x + h) - f(x - h)) / (2 * h)",
            "return (f(x + 1e-5) - f(x - 1e-5)) / 2e-5", "the step h ignored"),
    Mistake(NB02, "add_multiply_graph", "dz = q * 1.0", "dz = x * 1.0", "df/dz from x instead of q"),
    Mistake(NB02, "AddGate", "return 1.0 * dout, 1.0 * dout", "return 0.5 * dout, 0.5 * dout",
            "add gate halving the gradient"),
    Mistake(NB02, "MaxGate", ("dx = dout * (self.x >= self.y)", "dy = dout * (self.x < self.y)"),
            ("dx = dout * (self.x >= self.y) * np.where(self.x == self.y, 0.5, 1.0)",
             "dy = dout * (self.x <= self.y) * np.where(self.x == self.y, 0.25, 1.0)"),
            "tie split that loses part of the gradient"),
    Mistake(NB02, "Graph", "grads[name] = grads[name] + grad if name in grads else grad",
            "grads[name] = grads.__getitem__(name).__iadd__(grad) if name in grads else grad",
            "gradients added in place (aliasing: dout and shared arrays change)"),
    Mistake(NB02, "ExpGate", "return (self.out * dout,)     # d exp(x)/dx = exp(x), the cached output",
            "return (dout,)", "exp gate passing dout through"),
    Mistake(NB02, "ExpGate", "return (-self.out * self.out * dout,)   # d(1/x)/dx = -1/x^2 = -out^2",
            "return (self.out * self.out * dout,)", "reciprocal gate with the wrong sign"),
    Mistake(NB02, "ExpGate", "return (-self.out * self.out * dout,)   # d(1/x)/dx = -1/x^2 = -out^2",
            "return (-self.out * dout,)", "reciprocal gate's derivative -1/x instead of -1/x^2"),
    Mistake(NB02, "ExpGate", "        self.out = np.exp(x)\n",
            "        if not hasattr(self, 'out'):\n            self.out = np.exp(x)\n        return np.exp(x)\n",
            "exp gate backward from the first forward (stale cache)"),
    Mistake(NB02, "sigmoid_neuron", "dw = np.array([x[0] * da, x[1] * da, 1.0 * da])",
            "dw = np.array([x[0] * da, x[1] * da, 0.0 * da])", "bias gradient dropped"),
    Mistake(NB02, "two_layer_sigmoid_step", "db1 = np.sum(dnet_h)", "db1 = dnet_h",
            "b1's gradient per unit instead of summed over the units sharing it"),
    Mistake(NB02, "matmul_backward", "dW = dout @ X.T", "dW = X @ dout.T",
            "dW as X dout^T (right shape only for square factors)"),
    Mistake(NB02, "softmax_backward", "return p * (dout - inner)", "return p * dout",
            "softmax backward through diag(p) only (the p p^T part dropped)"),
    Mistake(NB02, "softmax_backward", "inner = np.sum(p * dout, axis=1, keepdims=True)", "inner = np.sum(p * dout)",
            "one inner product over all examples"),
    Mistake(NB02, "softmax_backward", "inner = np.sum(p * dout, axis=1, keepdims=True)",
            "inner = np.sum(p * dout, axis=0, keepdims=True)", "inner products over the wrong axis"),
    Mistake(NB02, "svm_loss_naive",
            ("            if margin > 0:\n                loss += margin\n                dW[:, j] += X[i]\n"
             "                dW[:, y[i]] -= X[i]\n"),
            ("            if margin > 0:\n                loss += margin\n            dW[:, j] += X[i]\n"
             "            dW[:, y[i]] -= X[i]\n"),
            "SVM gradient without the margin indicator"),
    Mistake(NB02, "svm_loss_vectorized", "dscores = (margins > 0).astype(np.float64)",
            "dscores = np.ones_like(margins); dscores[rows, y] = 0.0",
            "SVM gradient without the margin indicator"),
    Mistake(NB02, "train_xor_network",
            ("        loss_history.append(float(np.sum(0.5 * (out - y) ** 2)))\n",
             "        W1 -= learning_rate * (X.T @ dnet_hidden)     # (D, N) @ (N, H) -> (D, H)\n"),
            ("",
             "        W1 -= learning_rate * (X.T @ dnet_hidden)\n"
             "        after = 1.0 / (1.0 + np.exp(-((1.0 / (1.0 + np.exp(-(X @ W1)))) @ W2)))\n"
             "        loss_history.append(float(np.sum(0.5 * (after - y) ** 2)))\n"),
            "loss recorded after the update"),
]

CORRECT = [
    # -- 01 -----------------------------------------------------------------------------------
    Mistake(NB01, "matvec_function", "return A @ x", "return list(A @ x)", "f(x) returned as a list"),
    Mistake(NB01, "matvec_function", "return A @ x", "return (A * x).sum(axis=1)", "row-wise inner products"),
    Mistake(NB01, "check_superposition", "size = max(np.abs(lhs).max(), np.abs(u).max(), np.abs(v).max())",
            "size = np.abs(np.concatenate([lhs.ravel(), u.ravel(), v.ravel()])).max()", "one max over all entries"),
    Mistake(NB01, "check_superposition", "if np.abs(lhs - (u + v)).max() > 1e-8 * size:",
            "if not np.allclose(lhs, u + v, rtol=0, atol=1e-8 * size):", "np.allclose with a relative atol and rtol=0"),
    Mistake(NB01, "matrix_of_linear", "return np.column_stack(columns)", "return np.array(columns).T",
            "rows stacked, then transposed"),
    Mistake(NB01, "negation_matrix", "return np.diag(np.full(n, -1.0))", "return -np.eye(n, dtype=int)",
            "an integer matrix"),
    Mistake(NB01, "reversal_matrix", "return np.eye(n)[::-1]", "return np.fliplr(np.eye(n, dtype=np.int64))",
            "an integer anti-diagonal from fliplr"),
    Mistake(NB01, "running_sum_matrix", "return np.tril(np.ones((n, n)))", "return np.tri(n, dtype=int)",
            "np.tri with integer entries"),
    Mistake(NB01, "difference_matrix", "return np.eye(n - 1, n, k=1) - np.eye(n - 1, n)",
            "return np.diff(np.eye(n), axis=0)", "np.diff of the identity"),
    Mistake(NB01, "affine_parameters", "return A, b", "return [A, b]", "the pair as a list"),
    Mistake(NB01, "numerical_jacobian", "return np.column_stack(columns)", "return np.array(columns).T",
            "columns stacked as rows, then transposed"),
    Mistake(NB01, "solve_linear_system", 'return x, "infinitely many", Vt[r:].T',
            'return np.linalg.pinv(A) @ b, "infinitely many", -3.0 * Vt[r:].T',
            "least norm from the pseudo-inverse, a scaled null-space basis"),
    Mistake(NB01, "leontief_output", "return np.linalg.solve(np.eye(n) - A, d)",
            "return np.linalg.inv(np.eye(n) - A) @ d", "the Leontief inverse times d"),
    Mistake(NB01, "is_productive", "spectral_radius = np.abs(np.linalg.eigvals(A)).max()",
            "spectral_radius = np.linalg.eigvals(A).real.max()",
            "the largest real eigenvalue (the Perron root of a nonnegative matrix)"),
    Mistake(NB01, "is_productive", "return bool(spectral_radius < 1.0)", "return spectral_radius < 1.0",
            "a numpy bool"),
    Mistake(NB01, "leontief_neumann", "return partial_sums", "return partial_sums.tolist()", "a list of rows"),
    # -- 02 -----------------------------------------------------------------------------------
    Mistake(NB02, "numerical_derivative", "return (f(x + h) - f(x - h)) / (2 * h)",
            "return (f(x + h) - f(x - h)) / (h + h)", "2 h written as h + h"),
    Mistake(NB02, "add_multiply_graph", "return q, f, dx, dy, dz",
            "return tuple(np.array(v) for v in (q, f, dx, dy, dz))", "0-d arrays"),
    Mistake(NB02, "AddGate", "return 1.0 * dout, 1.0 * dout", "return dout, dout", "the same object twice"),
    Mistake(NB02, "MaxGate", ("dx = dout * (self.x >= self.y)", "dy = dout * (self.x < self.y)"),
            ("dx = dout * (self.x > self.y)", "dy = dout * (self.x <= self.y)"), "ties sent to y"),
    Mistake(NB02, "MaxGate", ("dx = dout * (self.x >= self.y)", "dy = dout * (self.x < self.y)"),
            ("dx = dout * np.where(self.x == self.y, 0.5, 1.0 * (self.x > self.y))",
             "dy = dout * np.where(self.x == self.y, 0.5, 1.0 * (self.x < self.y))"), "ties split in halves"),
    Mistake(NB02, "Graph", "grads[name] = grads[name] + grad if name in grads else grad",
            "grads[name] = grads.get(name, 0.0) + grad", "accumulation from 0"),
    Mistake(NB02, "ExpGate", ("        self.out = np.exp(x)\n        return self.out\n",
                              "return (self.out * dout,)     # d exp(x)/dx = exp(x), the cached output"),
            ("        self.x = x\n        return np.exp(x)\n", "return (np.exp(self.x) * dout,)"),
            "exp gate caching its input"),
    Mistake(NB02, "ExpGate", ("        self.out = 1.0 / x\n        return self.out\n",
                              "return (-self.out * self.out * dout,)   # d(1/x)/dx = -1/x^2 = -out^2"),
            ("        self.x = x\n        return 1.0 / x\n", "return (-dout / self.x ** 2,)"),
            "reciprocal gate caching its input"),
    Mistake(NB02, "sigmoid_neuron", "return f, dw, dx", "return np.array(f), dw, dx", "f as a 0-d array"),
    Mistake(NB02, "two_layer_sigmoid_step",
            ('    db1 = np.sum(dnet_h)\n',
             '    new_params = {"W1": W1 - learning_rate * dW1, "b1": b1,\n'
             '                  "W2": W2 - learning_rate * dW2, "b2": b2}\n'),
            ('    db1 = np.array(np.sum(dnet_h))\n',
             '    new_params = {k: np.copy(v) for k, v in params.items()}\n'
             '    new_params["W1"] -= learning_rate * dW1\n    new_params["W2"] -= learning_rate * dW2\n'),
            "{k: np.copy(v)} (0-d array biases) and db1 as a 0-d array"),
    Mistake(NB02, "matmul_backward", ("dW = dout @ X.T", "dX = W.T @ dout"),
            ('dW = np.einsum("mn,kn->mk", dout, X)', 'dX = np.einsum("mk,mn->kn", W, dout)'), "einsum"),
    Mistake(NB02, "softmax_backward", "return p * (dout - inner)",
            "return np.stack([(np.diag(pi) - np.outer(pi, pi)) @ gi for pi, gi in zip(p, dout)])",
            "the Jacobian formed per example"),
    Mistake(NB02, "svm_loss_vectorized", "return float(loss), dW", "return np.array(loss), dW", "loss as a 0-d array"),
    Mistake(NB02, "softmax_loss_vectorized", "return float(loss), dW", "return loss, dW", "loss as a numpy float"),
    Mistake(NB02, "train_xor_network", "loss_history.append(float(np.sum(0.5 * (out - y) ** 2)))",
            "loss_history.append(np.sum(0.5 * (out - y) ** 2, axis=0))", "each loss a (1,) array"),
]


def _param(mistake: Mistake):
    return pytest.param(mistake, id=f"{mistake.notebook[:2]}-{mistake.stem}-{mistake.why}")


@pytest.mark.parametrize("mistake", [_param(m) for m in WRONG + CORRECT])
def test_mutation_applies_once(mistake):
    source = master(mistake.notebook).solution_source(mistake.stem)
    assert apply_mutation(source, mistake.old, mistake.new) != source


@pytest.mark.parametrize("mistake", [_param(m) for m in WRONG])
def test_wrong_answer_fails_a_test_cell(mistake):
    result = master(mistake.notebook).run(mistake.stem, mistake.old, mistake.new)
    assert _caught(result), f"{mistake.why}: every test cell of {mistake.stem} passes: {result.describe()}"


@pytest.mark.parametrize("mistake", [_param(m) for m in WRONG])
def test_wrong_answer_fails_the_hidden_tests(mistake):
    result = master(mistake.notebook).run(mistake.stem, mistake.old, mistake.new, hidden_only=True)
    assert _caught(result), f"{mistake.why}: every hidden block of {mistake.stem} passes: {result.describe()}"


@pytest.mark.parametrize("mistake", [_param(m) for m in CORRECT])
def test_correct_variant_passes(mistake):
    result = master(mistake.notebook).run(mistake.stem, mistake.old, mistake.new)
    assert result.passed, f"{mistake.why} is allowed by the docstring but fails: {result.describe()}"


@pytest.mark.parametrize("mistake", [_param(m) for m in CORRECT])
def test_correct_variant_passes_the_hidden_tests_alone(mistake):
    result = master(mistake.notebook).run(mistake.stem, mistake.old, mistake.new, hidden_only=True)
    assert result.passed, f"{mistake.why} is allowed by the docstring but fails the hidden tests: {result.describe()}"
