"""Notebook 05 (issue 16): wrong answers the graded tests must catch, and correct
answers (variants the docstrings allow) they must accept.

Same machinery as tests/test_hidden_tests_catch_mistakes.py (exercise_runner.py
runs one exercise in-process: its provided cells, the mutated solution, its test
cells), which also keeps the older 05 cases:

- a mistake must make some test cell raise, whole cells and hidden blocks alone;
- a correct variant must pass every test cell, whole and hidden block alone.
"""
from __future__ import annotations

import pytest

from exercise_runner import apply_mutation, master
from test_hidden_tests_catch_mistakes import NB05, Mistake, _caught

pytestmark = pytest.mark.mutation

STOCHASTIC = "rng = np.random.default_rng(rng)"
DRAW = "return np.where(rng.random(x.shape) < hard_sigmoid(x), 1.0, -1.0)"
STEP = ("stepped, config = base_rule(w, dw, config)",
        'next_w = w + config.get("lr_scale", 1.0) * (stepped - w)')
FIXED_DRAW = "rounded = low + (rng.random(scaled.shape) < scaled - low)"

MISTAKES = [
    # -- binarize: the generator must be honoured --------------------------------------------
    Mistake(NB05, "binarize", STOCHASTIC, "rng = np.random.default_rng()",
            "the given rng ignored (a fresh generator every call)"),
    Mistake(NB05, "binarize", STOCHASTIC, "rng = np.random.default_rng(0)",
            "the given rng ignored (a fixed seed every call)"),
    Mistake(NB05, "binarize", DRAW, "return np.where(np.random.random(x.shape) < hard_sigmoid(x), 1.0, -1.0)",
            "numpy's global generator instead of rng"),
    Mistake(NB05, "binarize", STOCHASTIC, "rng = np.random.default_rng(0 if rng is None else rng)",
            "a fixed seed when no rng is given"),
    Mistake(NB05, "binarize", STOCHASTIC, "rng = np.random.default_rng() if rng is None else rng",
            "a seed not accepted (only a Generator or None)"),
    Mistake(NB05, "binarize", DRAW, "return np.where(rng.random(x.shape[-1:]) < hard_sigmoid(x), 1.0, -1.0)",
            "one uniform draw per column shared by every row"),
    # -- binary_tanh ---------------------------------------------------------------------------
    Mistake(NB05, "binary_tanh_forward", "return dout * (np.abs(x) <= 1.0)", "return dout * (np.abs(x) <= 1.5)",
            "STE window too wide"),
    Mistake(NB05, "binary_tanh_forward", "return dout * (np.abs(x) <= 1.0)", "return dout * (x <= 1.0)",
            "STE cancelling only above +1"),
    # -- binary dense --------------------------------------------------------------------------
    Mistake(NB05, "binary_dense_forward", "w_sign = np.where(w >= 0, 1.0, -1.0)",
            "w_sign = np.where(w > 0, 1.0, -1.0)", "sign(0) = -1 for the weights"),
    Mistake(NB05, "binary_dense_forward", "dw = alpha * (np.abs(w) <= 1.0) * g + through_alpha",
            "dw = alpha * g + through_alpha", "scaled STE without its mask"),
    Mistake(NB05, "binary_dense_forward", "dx = dout @ w_used.T", "dx = dout @ w.T",
            "dx through the real-valued instead of the binary weights"),
    # -- batch norm ------------------------------------------------------------------------------
    Mistake(NB05, "batchnorm_forward",
            "return gamma * (x - running_mean) / np.sqrt(running_var + eps) + beta, None",
            "return gamma * (x - x.mean(axis=0)) / np.sqrt(x.var(axis=0) + eps) + beta, None",
            "test mode with the batch statistics"),
    Mistake(NB05, "batchnorm_forward", 'eps = bn_param.get("eps", 1e-4)', 'eps = bn_param.get("eps", 1e-5)',
            "cs231n's default eps 1e-5 instead of BinaryNet's 1e-4"),
    Mistake(NB05, "batchnorm_forward", 'momentum = bn_param.get("momentum", 0.9)', "momentum = 0.9",
            "momentum from bn_param ignored"),
    Mistake(NB05, "batchnorm_forward", "dgamma = (dout * x_hat).sum(axis=0)", "dgamma = (dout * x_hat).mean(axis=0)",
            "dgamma averaged instead of summed"),
    # -- squared hinge -------------------------------------------------------------------------
    Mistake(NB05, "squared_hinge_loss", "margins = np.maximum(0.0, 1.0 - y * scores)",
            "margins = 1.0 - y * scores", "margins not clipped at zero"),
    Mistake(NB05, "squared_hinge_loss", "loss = float((margins ** 2).mean())",
            "loss = float((margins ** 2).sum(axis=1).mean())", "loss summed over classes (mean over N only)"),
    # -- binarynet_update: the step is scaled, not the gradient -------------------------------
    Mistake(NB05, "binarynet_update", STEP,
            ('stepped, config = base_rule(w, config.get("lr_scale", 1.0) * dw, config)', "next_w = stepped"),
            "lr_scale multiplies the gradient instead of the step (wrong for any rule not linear in dw)"),
    Mistake(NB05, "binarynet_update", STEP,
            ('config["learning_rate"] = config.get("learning_rate", 1e-2) * config.get("lr_scale", 1.0)\n'
             "    stepped, config = base_rule(w, dw, config)", "next_w = stepped"),
            "lr_scale folded into config's learning rate (compounds every call, ignored by rules without one)"),
    Mistake(NB05, "binarynet_update", STEP,
            ("stepped, config = base_rule(w, dw, config)\n    stepped, config = base_rule(w, dw, config)",
             'next_w = w + config.get("lr_scale", 1.0) * (stepped - w)'),
            "the base rule called twice"),
    Mistake(NB05, "binarynet_update", STEP,
            ("stepped, config = base_rule(np.clip(w, -1.0, 1.0), dw, config)",
             'next_w = np.clip(w + config.get("lr_scale", 1.0) * (stepped - w), -1.0, 1.0)\n    return next_w, config'),
            "clipped before the base rule sees w, on the wrong weights"),
    Mistake(NB05, "binarynet_update", "return float((lr_fin / lr_start) ** (1.0 / num_epochs))",
            "return float((lr_fin / lr_start) / num_epochs)", "linear instead of exponential decay"),
    # -- packed products -----------------------------------------------------------------------
    Mistake(NB05, "pack_bits", 'return packed.view(">u8").astype(np.uint64)',
            'return packed.view(">u8").astype(np.uint64)[..., ::-1]', "words in reverse order"),
    Mistake(NB05, "xnor_popcount_matmul", "num_disagree = np.bitwise_count(disagree).sum(axis=-1, dtype=np.int64)",
            "num_disagree = np.bitwise_count(disagree[..., :1]).sum(axis=-1, dtype=np.int64)",
            "only the first word counted"),
    Mistake(NB05, "fold_batchnorm_sign", "threshold = running_mean - b - beta * sigma / gamma",
            "threshold = running_mean - b - beta * sigma / np.abs(gamma)", "threshold with |gamma|"),
    Mistake(NB05, "fold_batchnorm_sign", "sigma = np.sqrt(running_var + eps)", "sigma = np.sqrt(running_var + 1e-4)",
            "eps ignored"),
    # -- to_fixed_point: the generator must be honoured ----------------------------------------
    Mistake(NB05, "to_fixed_point", "rng = np.random.default_rng(rng)",
            "rng = np.random.default_rng()", "the given rng ignored"),
    Mistake(NB05, "to_fixed_point", FIXED_DRAW, "rounded = low + (rng.random(scaled.shape) < 0.5 * (scaled - low))",
            "stochastic rounding biased down"),
    Mistake(NB05, "to_fixed_point", "return np.clip(rounded * eps, -2.0 ** (IL - 1), 2.0 ** (IL - 1) - eps)",
            "return np.clip(rounded * eps, -2.0 ** IL, 2.0 ** IL - eps)", "range 2**IL instead of 2**(IL - 1)"),
    # -- to_float8 -------------------------------------------------------------------------------
    Mistake(NB05, "to_float8", "exponent = np.maximum(p - 1, 1 - bias)", "exponent = p - 1",
            "no subnormals (normal spacing continued below the smallest normal)"),
    Mistake(NB05, "to_float8", "exponent = np.maximum(p - 1, 1 - bias)", "exponent = np.maximum(p - 1, -bias)",
            "subnormals one binade too low (bias off by one)"),
    Mistake(NB05, "to_float8", "spacing = np.ldexp(1.0, exponent - mantissa_bits)",
            "spacing = np.ldexp(1.0, exponent - mantissa_bits + 1)", "one mantissa bit too few"),
    Mistake(NB05, "to_float8", "return np.clip(np.round(x / spacing) * spacing, -max_value, max_value)",
            "return np.round(x / spacing) * spacing", "no saturation"),
    Mistake(NB05, "to_float8", "return np.clip(np.round(x / spacing) * spacing, -max_value, max_value)",
            "return np.clip(np.trunc(x / spacing) * spacing, -max_value, max_value)", "truncation toward zero"),
    Mistake(NB05, "to_float8", "return np.clip(np.round(x / spacing) * spacing, -max_value, max_value)",
            "return np.where(np.abs(x) < 2.0 ** (1 - bias), 0.0, np.clip(np.round(x / spacing) * spacing, -max_value, max_value))",
            "subnormals flushed to zero"),
    # -- dynamic_fixed_point ------------------------------------------------------------------------
    Mistake(NB05, "dynamic_fixed_point", ('    FL = state.setdefault("FL", total_bits // 2)\n',
                                          "    return k * eps, state"),
            ('    FL = state.setdefault("FL", total_bits // 2)\n    eps_new = None\n',
             '    return np.clip(np.floor(x / 2.0 ** -state["FL"] + 0.5), -2 ** (total_bits - 1), '
             '2 ** (total_bits - 1) - 1) * 2.0 ** -state["FL"], state'),
            "rounded with the updated FL instead of the FL of the call"),
    Mistake(NB05, "dynamic_fixed_point", ('state["FL"] = FL - 1', 'state["FL"] = FL + 1'),
            ('state["FL"] = FL + 1', 'state["FL"] = FL - 1'), "FL moved the wrong way"),
    Mistake(NB05, "dynamic_fixed_point", "np.mean(np.abs(x) >= 2.0 ** (total_bits - 1 - fl))",
            "np.mean(np.abs(x) > 2.0 ** (total_bits - 1 - fl))", "|x| at the range limit not counted as overflow"),
    Mistake(NB05, "dynamic_fixed_point", "elif overflow_rate(FL + 1) <= max_overflow:",
            "elif overflow_rate(FL) <= max_overflow:", "the range halved without checking FL + 1"),
    Mistake(NB05, "dynamic_fixed_point", "-2 ** (total_bits - 1), 2 ** (total_bits - 1) - 1)",
            "-(2 ** (total_bits - 1) - 1), 2 ** (total_bits - 1) - 1)", "symmetric saturation (loses -2**(B-1))"),
    Mistake(NB05, "dynamic_fixed_point", 'FL = state.setdefault("FL", total_bits // 2)',
            'FL = state.setdefault("FL", 0)', "wrong starting FL"),
    Mistake(NB05, "dynamic_fixed_point", "k = np.clip(np.floor(x / eps + 0.5),", "k = np.clip(np.floor(x / eps),",
            "truncation instead of round to nearest"),
]

CORRECT = [
    Mistake(NB05, "binarize", "return np.where(x >= 0, 1.0, -1.0)", "return np.sign(x) + (x == 0)",
            "np.sign with the zeros patched"),
    Mistake(NB05, "binarize", DRAW, "return 2.0 * (rng.random(x.shape) < (np.clip(x, -1, 1) + 1) / 2) - 1.0",
            "stochastic bits as 2 * bernoulli - 1"),
    Mistake(NB05, "binarize", DRAW, "return np.where(rng.uniform(0.0, 1.0, size=x.shape) <= hard_sigmoid(x), 1.0, -1.0)",
            "rng.uniform and <="),
    Mistake(NB05, "binarize", DRAW, "return 2.0 * rng.binomial(1, hard_sigmoid(x)) - 1.0",
            "rng.binomial draws"),
    Mistake(NB05, "binarize", STOCHASTIC,
            "rng = rng if isinstance(rng, np.random.Generator) else np.random.default_rng(rng)",
            "a Generator kept, anything else made into one"),
    Mistake(NB05, "binary_tanh_forward", "return dout * (np.abs(x) <= 1.0)",
            "return np.where((x >= -1) & (x <= 1), dout, 0.0)", "np.where mask"),
    Mistake(NB05, "binary_tanh_forward", "out = np.where(x >= 0, 1.0, -1.0)",
            "out = (2 * (x >= 0) - 1).astype(np.float64)", "sign from a boolean"),
    Mistake(NB05, "binary_dense_forward", "alpha = np.abs(w).mean(axis=0)",
            "alpha = np.linalg.norm(w, ord=1, axis=0) / w.shape[0]", "alpha as the L1 norm over n"),
    Mistake(NB05, "binary_dense_forward", "through_alpha = w_sign * (w_sign * g).mean(axis=0)",
            "through_alpha = w_sign * np.einsum('dm,dm->m', w_sign, g) / w.shape[0]", "the part through alpha by einsum"),
    Mistake(NB05, "batchnorm_forward",
            "dx = (dx_hat - dx_hat.mean(axis=0) - x_hat * (dx_hat * x_hat).mean(axis=0)) / np.sqrt(var + eps)",
            "N = dout.shape[0]\n    dx = (N * dx_hat - dx_hat.sum(axis=0) - x_hat * (dx_hat * x_hat).sum(axis=0)) / (N * np.sqrt(var + eps))",
            "the backward pass with sums over N"),
    Mistake(NB05, "squared_hinge_loss", "loss = float((margins ** 2).mean())", "loss = np.mean(margins * margins)",
            "loss as a numpy float64"),
    Mistake(NB05, "squared_hinge_loss", "loss = float((margins ** 2).mean())", "loss = np.array((margins ** 2).mean())",
            "loss as a 0-d float64 array"),
    Mistake(NB05, "binarynet_update", 'next_w = w + config.get("lr_scale", 1.0) * (stepped - w)',
            'scale = config.get("lr_scale", 1.0)\n    next_w = (1.0 - scale) * w + scale * stepped',
            "the scaled step as an interpolation"),
    Mistake(NB05, "binarynet_update", "return np.clip(next_w, -1.0, 1.0), config",
            "return np.minimum(np.maximum(next_w, -1.0), 1.0), config", "clipping by minimum and maximum"),
    Mistake(NB05, "binarynet_update", "return float((lr_fin / lr_start) ** (1.0 / num_epochs))",
            "return np.exp(np.log(lr_fin / lr_start) / num_epochs)", "the decay rate by exp and log"),
    Mistake(NB05, "pack_bits", "positive = np.asarray(x) > 0", "positive = np.asarray(x) >= 0",
            "+1 told from -1 by >= 0"),
    Mistake(NB05, "pack_bits", 'return packed.view(">u8").astype(np.uint64)',
            "shifts = np.arange(56, -1, -8, dtype=np.uint64)\n"
            "    grouped = packed.reshape(*packed.shape[:-1], num_words, 8).astype(np.uint64)\n"
            "    return np.bitwise_or.reduce(grouped << shifts, axis=-1)",
            "bytes combined into words by shifts"),
    Mistake(NB05, "xnor_popcount_matmul", "num_disagree = np.bitwise_count(disagree).sum(axis=-1, dtype=np.int64)",
            "num_disagree = np.bitwise_count(disagree).astype(np.int64).sum(axis=-1)", "popcounts cast before summing"),
    Mistake(NB05, "xnor_popcount_matmul", "return K - 2 * num_disagree", "return np.int64(K) - 2 * num_disagree",
            "K as a numpy integer"),
    Mistake(NB05, "fold_batchnorm_sign", "direction = np.where(gamma > 0, 1.0, -1.0)", "direction = np.sign(gamma)",
            "direction by np.sign (gamma is never zero)"),
    Mistake(NB05, "to_fixed_point", "rounded = np.floor(scaled + 0.5)", "rounded = np.round(scaled)",
            "round to nearest with ties to even"),
    Mistake(NB05, "to_fixed_point", FIXED_DRAW, "rounded = np.floor(scaled + rng.random(scaled.shape))",
            "stochastic rounding as floor(x / eps + u)"),
    Mistake(NB05, "to_float8", ("exponent = np.maximum(p - 1, 1 - bias)",
                                "spacing = np.ldexp(1.0, exponent - mantissa_bits)"),
            ("with np.errstate(divide='ignore'):\n        exponent = np.maximum(np.floor(np.log2(np.abs(x))), 1 - bias)",
             "spacing = 2.0 ** (exponent - mantissa_bits)"),
            "the exponent from floor(log2|x|), the spacing as a power"),
    Mistake(NB05, "to_float8", "return np.clip(np.round(x / spacing) * spacing, -max_value, max_value)",
            "return np.minimum(np.maximum(np.floor(x / spacing + 0.5) * spacing, -max_value), max_value)",
            "ties rounded up, saturation by minimum and maximum"),
    Mistake(NB05, "dynamic_fixed_point", 'FL = state.setdefault("FL", total_bits // 2)',
            'state = dict(state)\n    FL = state.setdefault("FL", total_bits // 2)', "a new state dict returned"),
    Mistake(NB05, "dynamic_fixed_point", "overflow_rate = lambda fl: np.mean(np.abs(x) >= 2.0 ** (total_bits - 1 - fl))",
            "overflow_rate = lambda fl: np.count_nonzero(np.abs(x) * 2.0 ** fl >= 2 ** (total_bits - 1)) / x.size",
            "the overflow rate by counting"),
    Mistake(NB05, "dynamic_fixed_point", "k = np.clip(np.floor(x / eps + 0.5),", "k = np.clip(np.round(x / eps),",
            "round to nearest with ties to even"),
]


def _param(case: Mistake):
    return pytest.param(case, id=f"{case.notebook[:2]}-{case.stem}-{case.why}")


@pytest.mark.parametrize("case", [_param(m) for m in MISTAKES + CORRECT])
def test_case_applies_once(case):
    source = master(case.notebook).solution_source(case.stem)
    assert apply_mutation(source, case.old, case.new) != source


@pytest.mark.parametrize("mistake", [_param(m) for m in MISTAKES])
def test_test_cells_catch_mistake(mistake):
    result = master(mistake.notebook).run(mistake.stem, mistake.old, mistake.new)
    assert _caught(result), f"{mistake.why}: every test cell of {mistake.stem} passes: {result.describe()}"


@pytest.mark.parametrize("mistake", [_param(m) for m in MISTAKES])
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
