"""Notebooks 03 and 04 (issue 15): wrong answers the graded tests must catch, and
correct answers (variants the docstrings allow) they must accept.

Same machinery as tests/test_hidden_tests_catch_mistakes.py (exercise_runner.py
runs one exercise in-process: its provided cells, the mutated solution, its
test cells):

- a mistake must make some test cell raise, whole cells and hidden blocks alone;
- a correct variant must pass every test cell, whole and hidden block alone.

The 04 cases of a fast convolution that is not fast (it calls the naive loops, or loops
itself) prepend the loops to the solution cell, as a student's notebook would
hold them above.
"""
from __future__ import annotations

from exercise_runner import master
from mistake import NB03, NB04, Mistake



def _loops(stem: str, rename: dict | None = None) -> str:
    """The master's loop-layer solution of stem (optionally renamed), to paste above a fast layer."""
    source = master(NB04).solution_source(stem)
    for old, new in (rename or {}).items():
        source = source.replace(old, new)
    return source + "\n\n"


CONV_LOOPS = _loops("conv_forward_naive")
CONV_LOOPS_PRIVATE = _loops("conv_forward_naive", {"conv_forward_naive": "_my_conv_forward",
                                                   "conv_backward_naive": "_my_conv_backward"})
CONV_DEF = "def conv_forward_fast(x, w, b, conv_param):"
# batch norm's backward through the computational graph (a correct variant), from the forward's cache
BN_GRAPH_BACKWARD = '''x_hat, gamma, var, eps = cache
    N = dout.shape[0]
    std = np.sqrt(var + eps)
    xmu = x_hat * std                                          # x - mu, (N, D)
    dbeta = dout.sum(axis=0)
    dgamma = (dout * x_hat).sum(axis=0)
    dx_hat = dout * gamma
    dinv_std = (dx_hat * xmu).sum(axis=0)                      # through x_hat = xmu * inv_std
    dxmu = dx_hat / std
    dvar = dinv_std * -0.5 * (var + eps) ** -1.5
    dxmu = dxmu + 2.0 * xmu * dvar / N                         # var = mean(xmu ** 2)
    dx = dxmu - dxmu.mean(axis=0)                              # xmu = x - mean(x)'''

MISTAKES = [
    # -- 03 -------------------------------------------------------------------------------
    Mistake(NB03, "two_layer_net", "loss = float(data_loss + reg_loss)", "loss = np.array([data_loss + reg_loss])",
            "loss returned as a one-element array, not a number"),
    Mistake(NB03, "two_layer_net", 'grads["W2"] = A.T @ dscores + reg * W2', 'grads["W2"] = A.T @ dscores',
            "penalty's gradient missing on W2"),
    Mistake(NB03, "rmsprop", 'np.sqrt(cache + config["epsilon"])', "np.sqrt(cache + 1e-8)",
            "RMSProp ignoring config['epsilon']"),
    Mistake(NB03, "rmsprop", 'np.sqrt(cache + config["epsilon"])', 'np.sqrt(cache) + config["epsilon"] ** 0.5',
            "RMSProp with sqrt(epsilon) outside the root (neither convention)"),
    Mistake(NB03, "adam", "t = t + 1", "t = t + 2", "Adam counting two steps per call"),
    Mistake(NB03, "init_two_layer_model", '"W2": weight_scale * rng.standard_normal((hidden_dim, num_classes)),',
            '"W2": weight_scale * rng.standard_normal((hidden_dim, num_classes)) / np.sqrt(hidden_dim),',
            "W2 scaled by 1/sqrt(hidden) instead of weight_scale"),
    Mistake(NB03, "init_two_layer_model", '"b1": np.zeros(hidden_dim),',
            '"b1": weight_scale * rng.standard_normal(hidden_dim),', "biases drawn at random, not zero"),
    Mistake(NB03, "tuned_settings", '"mnist10k": {"hidden_dim": 100, "learning_rate": 0.1,',
            '"mnist10k": {"hidden_dim": 100, "learning_rate": 0.0005,', "tuned settings that underfit (tiny learning rate)"),
    Mistake(NB03, "tuned_settings", '"mnist10k": {"hidden_dim": 100, "learning_rate": 0.1, "reg": 1e-3, "num_epochs": 15}',
            '"mnist10k": {"hidden_dim": 50, "learning_rate": 0.01, "reg": 1e-3, "num_epochs": 10}',
            "the first run's untuned settings (about 91% on MNIST)"),
    Mistake(NB03, "tuned_settings", '"mnist10k": {"hidden_dim": 100,', '"mnist10k": {"hidden_dim": 1000,',
            "more hidden units than the grader can afford"),
    Mistake(NB03, "tuned_settings", '"mnist10k": {"hidden_dim": 100,', '"mnist10k": {"hidden_dim": 200,',
            "hidden_dim * num_epochs beyond the grader's budget (200 x 15 = 3,000 > 2,000)"),
    Mistake(NB03, "tuned_settings", '"reg": 1e-3, "num_epochs": 15}', '"reg": 1e-3, "num_epochs": 15.5}',
            "a fractional number of epochs"),
    Mistake(NB03, "tuned_settings",
            ("def tuned_settings(dataset):", '"mnist10k": {"hidden_dim": 100, "learning_rate": 0.1,'),
            ('SETTINGS["val_target"] = 0.0\nP = dataclasses.replace(P, dataset="digits")\n\n\n'
             "def tuned_settings(dataset):", '"mnist10k": {"hidden_dim": 100, "learning_rate": 0.0005,'),
            "settings that underfit on the graded data set, with the notebook's target and data set edited"),
    # -- 04: the loss layers ------------------------------------------------------------------
    Mistake(NB04, "softmax_loss", "    dscores /= N\n", "",
            "softmax gradient summed over the rows, not averaged"),
    Mistake(NB04, "svm_loss", "    margins[rows, y] = 0.0\n", "",
            "SVM loss counting the correct class's own margin of 1"),
    # -- 04: fast layers that are not fast --------------------------------------------------
    Mistake(NB04, "conv_forward_fast",
            (CONV_DEF, "cols = im2col(x, HH, WW, stride, pad)", "x_shape, cols, w, conv_param = cache"),
            (CONV_LOOPS + CONV_DEF, "return conv_forward_naive(x, w, b, conv_param)",
             "return conv_backward_naive(dout, cache)"),
            "fast convolution that calls the naive loops"),
    Mistake(NB04, "conv_forward_fast",
            (CONV_DEF, "cols = im2col(x, HH, WW, stride, pad)", "x_shape, cols, w, conv_param = cache"),
            (CONV_LOOPS_PRIVATE + CONV_DEF, "return _my_conv_forward(x, w, b, conv_param)",
             "return _my_conv_backward(dout, cache)"),
            "fast convolution that loops over the outputs itself"),
    # -- 04: dropout, the convnet's initialisation --------------------------------------------
    Mistake(NB04, "dropout_forward", "rng = np.random.default_rng(dropout_param.get('seed'))",
            "rng = np.random.default_rng(dropout_param.get('seed', 0))",
            "dropout drawing the same mask at every unseeded call"),
    Mistake(NB04, "ThreeLayerConvNet",
            "self.params['W3'] = weight_scale * rng.standard_normal((hidden_dim, num_classes))",
            "self.params['W3'] = np.zeros((hidden_dim, num_classes))", "W3 initialised to zero"),
    Mistake(NB04, "ThreeLayerConvNet",
            "self.params['W3'] = weight_scale * rng.standard_normal((hidden_dim, num_classes))",
            "self.params['W3'] = rng.standard_normal((hidden_dim, num_classes)) / np.sqrt(hidden_dim)",
            "W3 scaled by 1/sqrt(hidden) instead of weight_scale"),
    Mistake(NB04, "ThreeLayerConvNet", "rng = np.random.default_rng(seed)", "rng = np.random.default_rng(0)",
            "the seed ignored"),
    # -- 04: batch normalization ----------------------------------------------------------------
    Mistake(NB04, "batchnorm_forward", "var = x.var(axis=0)  ", "var = x.var(axis=0, ddof=1)  ",
            "unbiased batch variance"),
    Mistake(NB04, "batchnorm_forward",
            ('bn_param["running_mean"] = momentum * running_mean + (1 - momentum) * mu',
             'bn_param["running_var"] = momentum * running_var + (1 - momentum) * var'),
            ("running_mean = momentum * running_mean + (1 - momentum) * mu",
             "running_var = momentum * running_var + (1 - momentum) * var"),
            "running averages computed but not stored back into bn_param"),
    Mistake(NB04, "batchnorm_forward",
            ("momentum * running_mean + (1 - momentum) * mu", "momentum * running_var + (1 - momentum) * var"),
            ("(1 - momentum) * running_mean + momentum * mu", "(1 - momentum) * running_var + momentum * var"),
            "running averages with the momentum factors swapped"),
    Mistake(NB04, "batchnorm_forward",
            "return gamma * (x - running_mean) / np.sqrt(running_var + eps) + beta, None",
            "return gamma * (x - x.mean(axis=0)) / np.sqrt(x.var(axis=0) + eps) + beta, None",
            "test mode using the batch statistics"),
    Mistake(NB04, "batchnorm_forward", 'eps = bn_param.get("eps", 1e-4)', 'eps = bn_param.get("eps", 1e-5)',
            "eps defaulting to cs231n's 1e-5, not the docstring's 1e-4"),
    Mistake(NB04, "batchnorm_forward", 'momentum = bn_param.get("momentum", 0.9)', "momentum = 0.9",
            "bn_param's momentum ignored"),
    Mistake(NB04, "batchnorm_forward", "dgamma = (dout * x_hat).sum(axis=0)", "dgamma = dout.sum(axis=0)",
            "dgamma without x_hat"),
    Mistake(NB04, "batchnorm_forward",
            "dx = (dx_hat - dx_hat.mean(axis=0) - x_hat * (dx_hat * x_hat).mean(axis=0)) / np.sqrt(var + eps)",
            "dx = dx_hat / np.sqrt(var + eps)", "backward ignoring the batch statistics' dependence on x"),
    Mistake(NB04, "batchnorm_forward",
            "dx = (dx_hat - dx_hat.mean(axis=0) - x_hat * (dx_hat * x_hat).mean(axis=0)) / np.sqrt(var + eps)",
            "dx = (dx_hat - dx_hat.mean(axis=0)) / np.sqrt(var + eps)", "backward without the path through the variance"),
    Mistake(NB04, "batchnorm_forward", "dx_hat = dout * gamma", "dx_hat = dout", "backward forgetting gamma in dx"),
    # -- 04: FullyConnectedNet ------------------------------------------------------------------
    Mistake(NB04, "FullyConnectedNet", "for i in range(1, L + 1):\n            W = self.params[f'W{i}']",
            "for i in range(1, L):\n            W = self.params[f'W{i}']", "regularization missing on the last layer"),
    Mistake(NB04, "FullyConnectedNet", "loss += 0.5 * self.reg * (W ** 2).sum()", "loss += self.reg * (W ** 2).sum()",
            "regularization without the 0.5"),
    Mistake(NB04, "FullyConnectedNet", "dims = [input_dim, *hidden_dims, num_classes]",
            "dims = [input_dim, hidden_dims[0], num_classes]", "depth fixed at two affine layers"),
    Mistake(NB04, "FullyConnectedNet", ("for i in range(1, self.num_layers):", "L = self.num_layers"),
            ("for i in range(1, min(self.num_layers, 3)):", "L = min(self.num_layers, 3)"),
            "forward pass using at most two hidden layers"),
    Mistake(NB04, "FullyConnectedNet",
            "dh, grads[f'gamma{i}'], grads[f'beta{i}'] = batchnorm_backward(dh, bn_cache)",
            "dh, _, _ = batchnorm_backward(dh, bn_cache)", "gradients of gamma and beta missing"),
    Mistake(NB04, "FullyConnectedNet", "std = np.sqrt(2.0 / fan_in)", "std = np.sqrt(1.0 / fan_in)",
            "'he' initialised like 'xavier'"),
    Mistake(NB04, "FullyConnectedNet", "std = np.sqrt(1.0 / fan_in)", "std = np.sqrt(2.0 / (fan_in + fan_out))",
            "'xavier' as Glorot's 2 / (fan_in + fan_out), not the docstring's fan-in form"),
    Mistake(NB04, "FullyConnectedNet", "std = np.sqrt(2.0 / fan_in)", "std = np.sqrt(2.0 / fan_out)",
            "'he' scaled by the fan-out"),
    Mistake(NB04, "FullyConnectedNet", "self.params[f'gamma{i}'] = np.ones(fan_out)",
            "self.params[f'gamma{i}'] = std * rng.standard_normal(fan_out)", "gammas drawn like weights, not ones"),
    Mistake(NB04, "FullyConnectedNet", "if normalization == 'batchnorm' and i < self.num_layers:",
            "if normalization == 'batchnorm':", "batch-norm parameters for the last (score) layer too"),
    Mistake(NB04, "FullyConnectedNet", "self.bn_params[i - 1])", "self.bn_params[0])",
            "every layer's batch norm sharing the first layer's bn_param"),
    Mistake(NB04, "FullyConnectedNet", "dh = dropout_backward(dh, drop_cache)", "pass",
            "dropout skipped in the backward pass"),
    Mistake(NB04, "FullyConnectedNet",
            "h, relu_cache = relu_forward(h)\n            if self.use_dropout:\n"
            "                h, drop_cache = dropout_forward(h, self.dropout_param)",
            "if self.use_dropout:\n                h, drop_cache = dropout_forward(h, self.dropout_param)\n"
            "            h, relu_cache = relu_forward(h)",
            "dropout before the ReLU in the forward pass"),
    # -- 04: spatial batch normalization ------------------------------------------------------
    Mistake(NB04, "spatial_batchnorm_forward",
            ("rows = x.transpose(0, 2, 3, 1).reshape(N * H * W, C)", "out = out_rows.reshape(N, H, W, C).transpose(0, 3, 1, 2)",
             "drows = dout.transpose(0, 2, 3, 1).reshape(N * H * W, C)", "dx = dx_rows.reshape(N, H, W, C).transpose(0, 3, 1, 2)"),
            ("rows = x.reshape(N * H * W, C)", "out = out_rows.reshape(N, C, H, W)",
             "drows = dout.reshape(N * H * W, C)", "dx = dx_rows.reshape(N, C, H, W)"),
            "reshape to (N H W, C) without moving the channel axis last"),
    Mistake(NB04, "spatial_batchnorm_forward",
            ("rows = x.transpose(0, 2, 3, 1).reshape(N * H * W, C)",
             "out_rows, cache = batchnorm_forward(rows, gamma, beta, bn_param)",
             "out = out_rows.reshape(N, H, W, C).transpose(0, 3, 1, 2)"),
            ("rows = x.reshape(N, C * H * W)",
             "out_rows, cache = batchnorm_forward(rows, np.repeat(gamma, H * W), np.repeat(beta, H * W), bn_param)",
             "out = out_rows.reshape(N, C, H, W)"),
            "statistics per (channel, position) over the batch only, not per channel"),
    Mistake(NB04, "spatial_batchnorm_forward", "out = out_rows.reshape(N, H, W, C).transpose(0, 3, 1, 2)",
            "out = out_rows.reshape(N, H, W, C).transpose(0, 3, 2, 1)", "forward undoing the transpose with the wrong axes"),
    Mistake(NB04, "spatial_batchnorm_forward", "dx = dx_rows.reshape(N, H, W, C).transpose(0, 3, 1, 2)",
            "dx = dx_rows.reshape(N, C, H, W)", "backward reshaping dx back without the transpose"),
    Mistake(NB04, "spatial_batchnorm_forward", "out_rows, cache = batchnorm_forward(rows, gamma, beta, bn_param)",
            "out_rows, cache = batchnorm_forward(rows, gamma, beta, {'mode': 'train'})",
            "bn_param not passed on (always train mode)"),
    # -- 04: image_filters, graded by effect --------------------------------------------------
    Mistake(NB04, "image_filters", ("w[0] = box / 3.0", "w[1] = sobel / 3.0"),
            ("w[0, :, 1, 1] = [0.3, 0.6, 0.1]", "w[1, 2] = sobel.T"),
            "the first edition's filters: grayscale and horizontal edges"),
    Mistake(NB04, "image_filters", "w[0] = box / 3.0", "w[0] = box", "blur whose weights add up to 3 (per channel)"),
    Mistake(NB04, "image_filters", "w[0] = box / 3.0", "w[0, :, 1, 1] = 1.0 / 3.0",
            "an identity filter instead of a blur"),
    Mistake(NB04, "image_filters", "w[0] = box / 3.0",
            "w[0] = (2.0 * np.eye(3)[1][:, None] * np.eye(3)[1][None, :] - box) / 3.0",
            "a sharpening filter (negative taps) instead of a blur"),
    Mistake(NB04, "image_filters", "w[1] = sobel / 3.0", "w[1] = sobel.T / 3.0",
            "horizontal instead of vertical edges"),
    Mistake(NB04, "image_filters", "b[1] = 128.0", "b[1] = 0.0", "edge filter without the 128 bias"),
    Mistake(NB04, "image_filters", "w[1] = sobel / 3.0", "w[1] = (sobel + 1.0 / 9.0) / 3.0",
            "edge filter that also responds to brightness"),
]

CORRECT = [
    # -- 03 -------------------------------------------------------------------------------
    Mistake(NB03, "two_layer_net", "loss = float(data_loss + reg_loss)", "loss = np.asarray(data_loss + reg_loss)",
            "loss as a 0-d array"),
    Mistake(NB03, "two_layer_net", "grads = {}", 'grads = __import__("collections").OrderedDict()',
            "grads as an OrderedDict"),
    Mistake(NB03, "two_layer_net", "dZ = dA * (Z > 0)", "dZ = np.where(Z > 0, dA, 0.0)",
            "ReLU gradient with np.where"),
    Mistake(NB03, "adam", "t = t + 1", "t = t + 1.0", "Adam's t stored as a float"),
    Mistake(NB03, "rmsprop", 'np.sqrt(cache + config["epsilon"])', '(np.sqrt(cache) + config["epsilon"])',
            "RMSProp with epsilon outside the root (PyTorch, cs231n since 2016)"),
    Mistake(NB03, "init_two_layer_model", '"W1": weight_scale * rng.standard_normal((input_dim, hidden_dim)),',
            '"W1": rng.normal(0.0, weight_scale, size=(input_dim, hidden_dim)),', "weights drawn with rng.normal"),
    Mistake(NB03, "init_two_layer_model", '"b2": np.zeros(num_classes),',
            '"b2": np.zeros((num_classes,), dtype=np.float64),', "biases built with an explicit shape and dtype"),
    Mistake(NB03, "sgd", 'next_w = w - config["learning_rate"] * dw',
            'w -= config["learning_rate"] * dw\n    next_w = w', "SGD updating w in place"),
    Mistake(NB03, "tuned_settings",
            '"mnist10k": {"hidden_dim": 100, "learning_rate": 0.1, "reg": 1e-3, "num_epochs": 15}',
            '"mnist10k": dict(hidden_dim=np.int64(50), learning_rate=0.1, reg=1e-3, num_epochs=np.int64(10))',
            "other good settings, with numpy integers"),
    Mistake(NB03, "tuned_settings",
            '"mnist10k": {"hidden_dim": 100, "learning_rate": 0.1, "reg": 1e-3, "num_epochs": 15}',
            '"mnist10k": {"hidden_dim": 400, "learning_rate": 0.1, "reg": 1e-3, "num_epochs": 5}',
            "good settings exactly at the grader's budget (400 x 5 = 2,000)"),
    # -- 04 -------------------------------------------------------------------------------
    Mistake(NB04, "softmax_loss", "loss = -log_probs[np.arange(N), y].mean()",
            "loss = float(-log_probs[np.arange(N), y].sum() / N)", "softmax loss as a Python float, summed then divided"),
    Mistake(NB04, "svm_loss", "loss = margins.sum() / N", "loss = np.mean(margins.sum(axis=1))",
            "SVM loss as the mean of the row sums"),
    Mistake(NB04, "dropout_forward", "mask = (rng.random(x.shape) < p) / p",
            "mask = rng.binomial(1, p, size=x.shape) / p", "dropout mask from rng.binomial"),
    Mistake(NB04, "ThreeLayerConvNet",
            "self.params['W3'] = weight_scale * rng.standard_normal((hidden_dim, num_classes))",
            "self.params['W3'] = rng.normal(0.0, weight_scale, size=(hidden_dim, num_classes))",
            "W3 drawn with rng.normal"),
    Mistake(NB04, "conv_forward_fast", "out = w.reshape(F, -1) @ cols",
            "out = np.einsum('fk,nkp->nfp', w.reshape(F, -1), cols)", "im2col product by einsum"),
    Mistake(NB04, "image_filters", ("w[0] = box / 3.0", "w[1] = sobel / 3.0"),
            ("w[0, 1] = np.array([[1.0, 2.0, 1.0], [2.0, 4.0, 2.0], [1.0, 2.0, 1.0]]) / 16.0", "w[1, 2] = -sobel"),
            "Gaussian blur on the green channel, right-minus-left Sobel on the blue one"),
    Mistake(NB04, "image_filters", ("w[0] = box / 3.0", "w[1] = sobel / 3.0", "b = np.zeros(2)"),
            ("w[0, :, 1, :] = 1.0 / 9.0", "w[1, 0] = [[1, 0, -1], [1, 0, -1], [1, 0, -1]]",
             "b = np.zeros(2, dtype=np.int64)"),
            "a horizontal smear, Prewitt on the red channel, integer biases"),
    # -- 04: batch norm, the network of any depth, spatial batch norm ----------------------
    Mistake(NB04, "batchnorm_forward",
            ("x_hat, gamma, var, eps = cache",
             "dx = (dx_hat - dx_hat.mean(axis=0) - x_hat * (dx_hat * x_hat).mean(axis=0)) / np.sqrt(var + eps)"),
            (BN_GRAPH_BACKWARD, ""), "backward through the computational graph, step by step"),
    Mistake(NB04, "batchnorm_forward", "var = x.var(axis=0)  ", "var = (x ** 2).mean(axis=0) - mu ** 2  ",
            "variance as the mean of squares minus the squared mean"),
    Mistake(NB04, "batchnorm_forward", "x_hat = (x - mu) / np.sqrt(var + eps)", "x_hat = (x - mu) * (var + eps) ** -0.5",
            "x_hat by a power instead of a square root"),
    Mistake(NB04, "batchnorm_forward",
            ('bn_param["running_mean"] = momentum * running_mean + (1 - momentum) * mu',
             'bn_param["running_var"] = momentum * running_var + (1 - momentum) * var'),
            ('bn_param.update(running_mean=momentum * running_mean + (1 - momentum) * mu,\n'
             '                 running_var=momentum * running_var + (1 - momentum) * var)', ""),
            "running averages stored with dict.update"),
    Mistake(NB04, "FullyConnectedNet", "self.params[f'W{i}'] = std * rng.standard_normal((fan_in, fan_out))",
            "self.params[f'W{i}'] = rng.normal(0.0, std, size=(fan_in, fan_out))", "weights drawn with rng.normal"),
    Mistake(NB04, "FullyConnectedNet",
            ("if weight_scale == 'xavier':\n                std = np.sqrt(1.0 / fan_in)\n"
             "            elif weight_scale == 'he':\n                std = np.sqrt(2.0 / fan_in)\n"
             "            else:\n                std = weight_scale"),
            ("std = {'xavier': np.sqrt(1.0 / fan_in), 'he': np.sqrt(2.0 / fan_in)}.get(weight_scale, weight_scale)"),
            "the initialisation rules in a dict"),
    Mistake(NB04, "FullyConnectedNet", ("caches = []", "caches.append((fc_cache, bn_cache, relu_cache, drop_cache))",
                                        "fc_cache, bn_cache, relu_cache, drop_cache = caches[i - 1]"),
            ("caches = {}", "caches[i] = (fc_cache, bn_cache, relu_cache, drop_cache)",
             "fc_cache, bn_cache, relu_cache, drop_cache = caches[i]"),
            "caches in a dict keyed by layer"),
    Mistake(NB04, "FullyConnectedNet", "loss += 0.5 * self.reg * (W ** 2).sum()",
            "loss = float(loss + 0.5 * self.reg * np.sum(W * W))", "regularization by np.sum, the loss a float"),
    Mistake(NB04, "spatial_batchnorm_forward",
            ("rows = x.transpose(0, 2, 3, 1).reshape(N * H * W, C)", "out = out_rows.reshape(N, H, W, C).transpose(0, 3, 1, 2)"),
            ("rows = np.moveaxis(x, 1, -1).reshape(-1, C)", "out = np.moveaxis(out_rows.reshape(N, H, W, C), -1, 1)"),
            "np.moveaxis instead of transpose"),
    Mistake(NB04, "spatial_batchnorm_forward",
            ("rows = x.transpose(0, 2, 3, 1).reshape(N * H * W, C)", "out = out_rows.reshape(N, H, W, C).transpose(0, 3, 1, 2)",
             "drows = dout.transpose(0, 2, 3, 1).reshape(N * H * W, C)", "dx = dx_rows.reshape(N, H, W, C).transpose(0, 3, 1, 2)"),
            ("rows = x.transpose(0, 3, 2, 1).reshape(N * W * H, C)", "out = out_rows.reshape(N, W, H, C).transpose(0, 3, 2, 1)",
             "drows = dout.transpose(0, 3, 2, 1).reshape(N * W * H, C)", "dx = dx_rows.reshape(N, W, H, C).transpose(0, 3, 2, 1)"),
            "rows in (image, column, row) order, the same in both passes"),
]
