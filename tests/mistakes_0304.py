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
]
