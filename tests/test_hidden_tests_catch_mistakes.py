"""The graded tests of every master catch the plausible wrong answers its issue names.

Each case is one mistake a student could make, written as a text mutation of
the master's solution (old -> new, `old` matching exactly one place,
indentation, blanks and trailing comments aside). A run
executes, in-process, the provided cells before the exercise's tests, the
(mutated) solution and the exercise's test cells (see exercise_runner.py).

- control: the unmutated solution passes every test cell, whole and hidden
  block alone (so each hidden block stands on its own);
- mistake, whole cells: some test cell of the exercise raises;
- mistake, hidden tests: some hidden block, run without the visible tests
  before it, raises. This is what makes a wrong answer lose its points even
  when a student has reworded it to slip past the visible messages.

A mutant "raises" with an AssertionError or any other exception except
NameError/SyntaxError, which would mean the mutation itself is broken.

Every test here carries the marker `mutation`: `pytest -m "not mutation"` skips them.
"""
from __future__ import annotations

import pytest

import mistakes_0102
import mistakes_0304
import mistakes_05
from exercise_runner import apply_mutation, master
from mistake import NB01, NB02, NB03, NB04, NB05, NOTEBOOKS, Mistake

pytestmark = pytest.mark.mutation

MISTAKES = [
    # -- 01 linear and affine functions ------------------------------------------------------
    Mistake(NB01, "matvec_function", "return out", "return x @ A",
            "transposed matrix (x @ A is A^T x)"),
    Mistake(NB01, "check_superposition",
            "beta = 1.0 - alpha if affine else rng.standard_normal()", "beta = 1.0 - alpha",
            "a linear test that passes affine maps (alpha + beta = 1 always)"),
    Mistake(NB01, "check_superposition",
            ("    rng = np.random.default_rng(rng)\n",
             "        alpha = rng.standard_normal()\n"
             "        beta = 1.0 - alpha if affine else rng.standard_normal()\n"),
            ("    rng = np.random.default_rng(rng)\n    alpha0 = rng.standard_normal()\n"
             "    scalars = (alpha0, 1.0 - alpha0 if affine else rng.standard_normal())\n",
             "        alpha, beta = scalars\n"),
            "superposition checked for one scalar pair only (drawn once, not per trial)"),
    Mistake(NB01, "check_superposition",
            ("lhs = np.asarray(f(alpha * x + beta * y), dtype=float)", "v = beta * np.asarray(f(y), dtype=float)"),
            ("lhs = np.asarray(f(alpha * x), dtype=float)", "v = 0.0 * np.asarray(f(y), dtype=float)"),
            "homogeneity f(alpha x) = alpha f(x) checked instead of superposition"),
    Mistake(NB01, "check_superposition", "for _ in range(num_trials):", "for _ in range(1):",
            "a single trial"),
    Mistake(NB01, "check_superposition", "> 1e-8 * size:", "> 1e-8:",
            "absolute tolerance instead of relative"),
    Mistake(NB01, "check_superposition", "np.abs(lhs - (u + v)).max()", "np.abs((lhs - (u + v)).sum())",
            "entries compared through their sum, not one by one"),
    Mistake(NB01, "matrix_of_linear", "return np.column_stack(columns)", "return np.array(columns)",
            "transposed matrix (f(e_k) as rows)"),
    Mistake(NB01, "running_sum_matrix", "np.tril(np.ones((n, n)))", "np.tril(np.ones((n, n)), -1)",
            "off-by-one running sum (strictly below the diagonal)"),
    Mistake(NB01, "running_sum_matrix", "np.tril(np.ones((n, n)))", "np.triu(np.ones((n, n)))",
            "transposed running-sum matrix (upper triangular)"),
    Mistake(NB01, "difference_matrix", "np.eye(n - 1, n, k=1) - np.eye(n - 1, n)",
            "np.eye(n - 1, n) - np.eye(n - 1, n, k=1)", "differencing with the wrong sign"),
    Mistake(NB01, "difference_matrix", "np.eye(n - 1, n, k=1) - np.eye(n - 1, n)",
            "np.eye(n, n, k=1) - np.eye(n, n)", "differencing matrix of the wrong size (n, n)"),
    Mistake(NB01, "affine_parameters", "np.asarray(f(identity[k]), dtype=float) - b for k",
            "np.asarray(f(identity[k]), dtype=float) for k", "columns f(e_k) without subtracting f(0)"),
    Mistake(NB01, "solve_linear_system", "if r == n:", "if A.shape[0] == n:",
            "the case decided by the shape, not the rank"),
    Mistake(NB01, "solve_linear_system", 'return x, "infinitely many", Vt[r:].T',
            'return x, "infinitely many", Vt[r:]', "null-space basis transposed (rows, not columns)"),
    Mistake(NB01, "leontief_output", "np.linalg.solve(np.eye(n) - A, d)", "np.linalg.solve(np.eye(n) - A.T, d)",
            "transposed input-output matrix"),
    Mistake(NB01, "is_productive", "spectral_radius < 1.0", "spectral_radius <= 1.0",
            "spectral radius 1 counted as productive"),
    Mistake(NB01, "leontief_neumann",
            ("        total = total + term                          # d + ... + A^k d\n",
             "        term = A @ term                               # (n, n) @ (n,) -> A^(k+1) d\n"),
            ("        term = A @ term\n", "        total = total + term\n"),
            "off-by-one partial sums (row 0 is d + A d)"),
    # -- 02 backpropagation ------------------------------------------------------------------
    Mistake(NB02, "numerical_derivative", "return (f(x + h) - f(x - h)) / (2 * h)", "return (f(x + h) - f(x)) / h",
            "forward difference instead of centred"),
    Mistake(NB02, "MultiplyGate", "dx = self.y * dout", "dx = self.x * dout",
            "gate backward reusing the wrong cached input (dx from x)"),
    Mistake(NB02, "MultiplyGate", "        self.x, self.y = x, y\n",
            "        if not hasattr(self, 'x'):\n            self.x, self.y = x, y\n",
            "gate backward using the first forward's inputs (stale cache)"),
    Mistake(NB02, "SigmoidGate",
            ("        self.out = 1.0 / (1.0 + np.exp(-x))\n", "s = self.out"),
            ("        self.x = x\n        self.out = 1.0 / (1.0 + np.exp(-x))\n", "s = self.x"),
            "sigmoid backward from the cached input instead of the output"),
    Mistake(NB02, "MaxGate", "dy = dout * (self.x < self.y)", "dy = dout * (self.x <= self.y)",
            "max gate sending the gradient to both tied inputs"),
    Mistake(NB02, "MaxGate", "dx = dout * (self.x >= self.y)", "dx = dout * (self.x > self.y)",
            "max gate dropping the gradient at a tie"),
    Mistake(NB02, "MaxGate", "        self.x, self.y = x, y\n",
            "        if not hasattr(self, 'x'):\n            self.x, self.y = x, y\n",
            "gate backward using the first forward's inputs (stale cache)"),
    Mistake(NB02, "Graph", "grads[name] = grads[name] + grad if name in grads else grad", "grads[name] = grad",
            "gradients not accumulated at a branch"),
    Mistake(NB02, "sigmoid_neuron", "dx = np.array([w[0] * dp0, w[1] * dp1])", "dx = np.array([x[0] * dp0, x[1] * dp1])",
            "multiply gate backward reusing the wrong cached input"),
    Mistake(NB02, "two_layer_sigmoid_step", "dh = W2.T @ dnet_out",
            "dh = (W2 - learning_rate * np.outer(dnet_out, h)).T @ dnet_out",
            "hidden gradient through the already updated W2"),
    Mistake(NB02, "svm_loss_naive", "    loss /= num_train\n", "",
            "forgetting the 1/N on the loss"),
    Mistake(NB02, "svm_loss_naive", "    dW /= num_train\n", "",
            "forgetting the 1/N on the gradient"),
    Mistake(NB02, "svm_loss_naive", "            if j == y[i]:\n                continue\n", "",
            "margin of the correct class counted"),
    Mistake(NB02, "svm_loss_naive", "loss += 0.5 * reg * np.sum(W * W)", "loss += reg * np.sum(W * W)",
            "regularization without the 0.5"),
    Mistake(NB02, "svm_loss_vectorized", "margins.sum() / num_train", "margins.sum()",
            "forgetting the 1/N on the loss"),
    Mistake(NB02, "svm_loss_vectorized", "dW = X.T @ dscores / num_train + reg * W",
            "dW = (X.T @ dscores + reg * W) / num_train", "regularization gradient divided by N"),
    Mistake(NB02, "softmax_loss_naive", "scores = scores - np.max(scores)", "scores = scores",
            "softmax without the max shift"),
    Mistake(NB02, "softmax_loss_naive", "dW += reg * W", "dW += 2 * reg * W",
            "regularization gradient 2 reg W with the 0.5 penalty"),
    Mistake(NB02, "softmax_loss_vectorized", "scores = scores - scores.max(axis=1, keepdims=True)",
            "scores = scores", "softmax without the max shift"),
    Mistake(NB02, "softmax_loss_vectorized", "0.5 * reg * np.sum(W * W)", "reg * np.sum(W * W)",
            "regularization without the 0.5"),
    Mistake(NB02, "softmax_loss_vectorized", "dW = X.T @ dscores / num_train + reg * W",
            "dW = X.T @ dscores + reg * W", "forgetting the 1/N on the gradient"),
    Mistake(NB02, "train_xor_network",
            ("        dnet_hidden = (dnet_out @ W2.T) * hidden * (1.0 - hidden)  # (N, 1) @ (1, H) -> (N, H)\n",
             "        W1 -= learning_rate"),
            ("", "        dnet_hidden = (dnet_out @ W2.T) * hidden * (1.0 - hidden)\n        W1 -= learning_rate"),
            "hidden gradient through the already updated W2"),
    # -- 03 two-layer net and its optimizers -------------------------------------------------
    Mistake(NB03, "init_two_layer_model", "rng = np.random.default_rng(seed)", "rng = np.random.default_rng()",
            "seed ignored"),
    Mistake(NB03, "two_layer_net", "reg_loss = 0.5 * reg * (", "reg_loss = reg * (",
            "regularization without the 0.5"),
    Mistake(NB03, "two_layer_net",
            ("np.sum(W2 * W2))", 'grads["b2"] = dscores.sum(axis=0)', 'grads["b1"] = dZ.sum(axis=0)'),
            ("np.sum(W2 * W2) + np.sum(b1 * b1) + np.sum(b2 * b2))", 'grads["b2"] = dscores.sum(axis=0) + reg * b2',
             'grads["b1"] = dZ.sum(axis=0) + reg * b1'),
            "regularizing the biases"),
    Mistake(NB03, "two_layer_net", "dZ = dA * (Z > 0)", "dZ = dA * (dA > 0)",
            "ReLU gradient at the wrong mask (upstream gradient > 0)"),
    Mistake(NB03, "two_layer_net", "dZ = dA * (Z > 0)", "dZ = dA * (A >= 0)",
            "ReLU gradient at the wrong mask (every unit open)"),
    Mistake(NB03, "two_layer_net", "    dscores /= N\n", "", "forgetting the 1/N on the gradient"),
    Mistake(NB03, "two_layer_net", "shifted = scores - scores.max(axis=1, keepdims=True)", "shifted = scores",
            "softmax without the max shift"),
    Mistake(NB03, "sgd", 'next_w = w - config["learning_rate"] * dw', 'next_w = w + config["learning_rate"] * dw',
            "step up the gradient"),
    Mistake(NB03, "sgd_momentum", "next_w = w + v", "next_w = w - v",
            "momentum applied with the wrong sign"),
    Mistake(NB03, "sgd_momentum", 'v = config["momentum"] * v - config["learning_rate"] * dw',
            'v = config["momentum"] * v + config["learning_rate"] * dw',
            "momentum with the wrong sign on the gradient"),
    Mistake(NB03, "rmsprop", "cache = rho * cache + (1 - rho) * dw * dw", "cache = cache + (1 - rho) * dw * dw",
            "RMSProp cache not decayed"),
    Mistake(NB03, "rmsprop", "cache = rho * cache + (1 - rho) * dw * dw", "cache = rho * cache + dw * dw",
            "RMSProp cache without the (1 - decay_rate)"),
    Mistake(NB03, "adam", ("m_hat = m / (1 - beta1 ** t)", "v_hat = v / (1 - beta2 ** t)"),
            ("m_hat = m", "v_hat = v"), "Adam without bias correction"),
    Mistake(NB03, "adam", "m_hat = m / (1 - beta1 ** t)", "m_hat = m",
            "Adam without bias correction of the first moment"),
    # -- 04 modular layers, convolution, pooling ---------------------------------------------
    Mistake(NB04, "affine_forward", "db = dout.sum(axis=0)", "db = dout.mean(axis=0)",
            "bias gradient averaged instead of summed"),
    Mistake(NB04, "relu_forward", "dx = dout * (x > 0)", "dx = 1.0 * (x > 0)",
            "ReLU backward without the upstream gradient"),
    Mistake(NB04, "svm_loss", "loss = margins.sum() / N", "loss = margins.sum()",
            "forgetting the 1/N on the loss"),
    Mistake(NB04, "softmax_loss", "shifted = scores - scores.max(axis=1, keepdims=True)", "shifted = scores",
            "softmax without the max shift"),
    Mistake(NB04, "dropout_forward", "out = x.copy()", "out = x * p",
            "dropout that scales at test time"),
    Mistake(NB04, "dropout_forward", "mask = (rng.random(x.shape) < p) / p", "mask = (rng.random(x.shape) < p) * 1.0",
            "dropout not inverted (no 1/p in training)"),
    Mistake(NB04, "dropout_forward", "mask = (rng.random(x.shape) < p) / p", "mask = (rng.random(x.shape) >= p) / p",
            "p taken as the drop probability"),
    Mistake(NB04, "dropout_forward", "dx = dout * mask", "dx = dout * (mask > 0)",
            "dropout backward without the 1/p"),
    Mistake(NB04, "conv_forward_naive",
            "x_pad = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))  # (N, C, H + 2 pad, W + 2 pad)\n    out",
            "x_pad = np.pad(x, ((pad, pad), (pad, pad), (pad, pad), (pad, pad)))\n    out",
            "padding applied to the batch and channel axes"),
    Mistake(NB04, "conv_forward_naive",
            "top, left = i * stride, j * stride\n                    g = dout",
            "top, left = i, j\n                    g = dout", "stride ignored in backward"),
    Mistake(NB04, "conv_forward_naive", "dx = dx_pad[:, :, pad:pad + H, pad:pad + W]", "dx = dx_pad[:, :, :H, :W]",
            "padding cropped from one side only in backward"),
    Mistake(NB04, "conv_forward_naive", "top, left = i * stride, j * stride\n                    window",
            "top, left = i, j\n                    window", "stride ignored in forward"),
    Mistake(NB04, "max_pool_forward_naive", "dx[n, c, top + k, left + l] += dout[n, c, i, j]",
            "dx[n, c, top:top + ph, left:left + pw] += dout[n, c, i, j]",
            "max-pool gradient sent to every element of the window"),
    Mistake(NB04, "max_pool_forward_naive", "dx[n, c, top + k, left + l] += dout[n, c, i, j]",
            "dx[n, c, top:top + ph, left:left + pw] += dout[n, c, i, j] * (window == window.max())",
            "max-pool gradient sent to every tied maximum"),
    Mistake(NB04, "conv_forward_fast",
            "x_pad = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))  # (N, C, H_p, W_p)",
            "x_pad = np.pad(x, ((0, 0), (pad, pad), (pad, pad), (0, 0)))",
            "padding on the channel axis (im2col)"),
    Mistake(NB04, "conv_forward_fast", "dx = col2im(dcols, x_shape, HH, WW, conv_param['stride'], conv_param['pad'])",
            "dx = col2im(dcols, x_shape, HH, WW, 1, conv_param['pad'])",
            "stride ignored in backward (col2im called with stride 1)"),
    Mistake(NB04, "conv_forward_fast", "db = d.sum(axis=(0, 2))", "db = d.sum(axis=2).mean(axis=0)",
            "bias gradient averaged over the batch"),
    Mistake(NB04, "affine_relu_forward",
            "da = relu_backward(dout, relu_cache)\n    dx, dw, db = affine_backward(da, fc_cache)",
            "dx, dw, db = affine_backward(dout, fc_cache)", "ReLU skipped in the sandwich's backward"),
    Mistake(NB04, "ThreeLayerConvNet", "loss = data_loss + 0.5 * self.reg *", "loss = data_loss + self.reg *",
            "regularization without the 0.5"),
    Mistake(NB04, "ThreeLayerConvNet", "grads[name] = grads[name] + self.reg * W", "grads[name] = grads[name]",
            "regularization missing from the gradients"),
    # -- 05 binarized networks and reduced precision -----------------------------------------
    Mistake(NB05, "binarize", "return np.where(x >= 0, 1.0, -1.0)", "return np.sign(x)",
            "sign(0) = 0"),
    Mistake(NB05, "binarize", "rng.random(x.shape) < hard_sigmoid(x)", "rng.random(x.shape) > hard_sigmoid(x)",
            "stochastic binarization with p(+1) = 1 - hard_sigmoid(x)"),
    Mistake(NB05, "binarize", "rng.random(x.shape) < hard_sigmoid(x)", "rng.random(x.shape) < 1.0 / (1.0 + np.exp(-x))",
            "stochastic binarization with the logistic instead of the hard sigmoid"),
    Mistake(NB05, "binary_tanh_forward", "out = np.where(x >= 0, 1.0, -1.0)", "out = np.sign(x)",
            "sign(0) = 0"),
    Mistake(NB05, "binary_tanh_forward", "return dout * (np.abs(x) <= 1.0)", "return dout * 1.0",
            "the estimator passing every gradient"),
    Mistake(NB05, "binary_tanh_forward", "return dout * (np.abs(x) <= 1.0)", "return dout * (np.abs(x) < 1.0)",
            "the estimator cancelling the gradient at |x| = 1"),
    Mistake(NB05, "binary_dense_forward", "alpha = np.abs(w).mean(axis=0)",
            "alpha = np.abs(w).mean(axis=1, keepdims=True)", "alpha over the wrong axis"),
    Mistake(NB05, "binary_dense_forward", "dw = alpha * (np.abs(w) <= 1.0) * g + through_alpha",
            "dw = alpha * (np.abs(w) <= 1.0) * g", "XNOR gradient without alpha's own dependence on w"),
    Mistake(NB05, "binary_dense_forward", "        dw = g\n", "        dw = g * (np.abs(w) <= 1.0)\n",
            "BinaryConnect gradient cancelled where |w| > 1"),
    Mistake(NB05, "squared_hinge_loss", "dscores = -2.0 * y * margins / scores.size",
            "dscores = -2.0 * y * margins / scores.shape[0]", "gradient averaged over N instead of N x C"),
    Mistake(NB05, "binarynet_update", "return np.clip(next_w, -1.0, 1.0), config",
            "return next_w, config", "real-valued weights not clipped"),
    Mistake(NB05, "binarynet_update", "return np.clip(next_w, -1.0, 1.0), config",
            "return np.clip(np.where(next_w >= 0, 1.0, -1.0), -1.0, 1.0), config",
            "clipping the binarized instead of the real weights"),
    Mistake(NB05, "binarynet_update", 'next_w = w + config.get("lr_scale", 1.0) * (stepped - w)', "next_w = stepped",
            "per-layer learning-rate scale ignored"),
    Mistake(NB05, "pack_bits", "np.packbits(positive, axis=-1)", "np.packbits(positive, axis=-1, bitorder='little')",
            "packed bits in the wrong order (little-endian bits)"),
    Mistake(NB05, "pack_bits", 'packed.view(">u8")', 'packed.view("<u8")',
            "packed bytes in the wrong order (little-endian words)"),
    Mistake(NB05, "pack_bits", "positive = np.pad(positive, padding)",
            "positive = np.pad(positive, padding, constant_values=True)", "padding bits set to one"),
    Mistake(NB05, "xnor_popcount_matmul", "return K - 2 * num_disagree",
            "return 64 * a_bits.shape[-1] - 2 * num_disagree", "padding bits counted"),
    Mistake(NB05, "xnor_popcount_matmul", "return K - 2 * num_disagree", "return K - num_disagree",
            "x . w = K - popcount (without the 2)"),
    Mistake(NB05, "fold_batchnorm_sign", "direction = np.where(gamma > 0, 1.0, -1.0)",
            "direction = np.ones_like(gamma)", "threshold direction ignoring negative gamma"),
    Mistake(NB05, "to_fixed_point", "rounded = low + (rng.random(scaled.shape) < scaled - low)",
            "rounded = low + (rng.random(scaled.shape) < 0.5)", "biased stochastic rounding (a fair coin)"),
    Mistake(NB05, "to_fixed_point", "return np.clip(rounded * eps, -2.0 ** (IL - 1), 2.0 ** (IL - 1) - eps)",
            "return rounded * eps", "no saturation"),
    Mistake(NB05, "to_fixed_point", "rounded = np.floor(scaled + 0.5)", "rounded = np.floor(scaled)",
            "truncation instead of round-to-nearest"),
]

def _param(mistake: Mistake):
    return pytest.param(mistake, id=f"{mistake.notebook[:2]}-{mistake.stem}-{mistake.why}")


EXERCISES = [pytest.param(name, stem, id=f"{name[:2]}-{stem}")
             for name in NOTEBOOKS for stem, ex in master(name).exercises.items() if ex.test_ids]


def _caught(result) -> list:
    """The exceptions that count as the tests catching the mistake."""
    errors = [e for e in result.failures.values() if e is not None]
    broken = [e for e in errors if isinstance(e, (NameError, SyntaxError))]
    assert not broken, f"the mutation itself looks broken: {result.describe()}"
    return errors


@pytest.mark.parametrize("name, stem", EXERCISES)
def test_master_solution_passes(name, stem):
    result = master(name).run(stem)
    assert result.passed, f"{name} {stem}: the master's solution fails its own tests: {result.describe()}"


@pytest.mark.parametrize("name, stem", EXERCISES)
def test_master_solution_passes_hidden_tests_alone(name, stem):
    result = master(name).run(stem, hidden_only=True)
    assert result.passed, (f"{name} {stem}: the hidden tests, run without the visible part, fail the master's "
                           f"solution (do they depend on the visible part's names?): {result.describe()}")


def test_every_notebook_has_enough_cases():
    per_notebook = {name: sum(m.notebook == name for m in WRONG) for name in NOTEBOOKS}
    assert all(count >= 4 for count in per_notebook.values()), per_notebook
    assert len(WRONG) >= 100 and len(CORRECT) >= 25


# The per-notebook tables of the second editions, with their correct variants.
WRONG = MISTAKES + mistakes_0102.WRONG + mistakes_0304.MISTAKES + mistakes_05.MISTAKES
CORRECT = mistakes_0102.CORRECT + mistakes_0304.CORRECT + mistakes_05.CORRECT


@pytest.mark.parametrize("case", [_param(m) for m in WRONG + CORRECT])
def test_mutation_applies_once(case):
    source = master(case.notebook).solution_source(case.stem)
    assert apply_mutation(source, case.old, case.new) != source


@pytest.mark.parametrize("mistake", [_param(m) for m in WRONG])
def test_test_cells_catch_mistake(mistake):
    result = master(mistake.notebook).run(mistake.stem, mistake.old, mistake.new)
    assert _caught(result), f"{mistake.why}: every test cell of {mistake.stem} passes: {result.describe()}"


@pytest.mark.parametrize("mistake", [_param(m) for m in WRONG])
def test_hidden_tests_catch_mistake(mistake):
    result = master(mistake.notebook).run(mistake.stem, mistake.old, mistake.new, hidden_only=True)
    assert _caught(result), f"{mistake.why}: every hidden block of {mistake.stem} passes: {result.describe()}"


@pytest.mark.parametrize("variant", [_param(m) for m in CORRECT])
def test_correct_variant_passes(variant):
    result = master(variant.notebook).run(variant.stem, variant.old, variant.new)
    assert result.passed, f"{variant.why} is correct but loses points: {result.describe()}"


@pytest.mark.parametrize("variant", [_param(m) for m in CORRECT])
def test_correct_variant_passes_hidden_tests_alone(variant):
    result = master(variant.notebook).run(variant.stem, variant.old, variant.new, hidden_only=True)
    assert result.passed, f"{variant.why} is correct but fails the hidden tests: {result.describe()}"
