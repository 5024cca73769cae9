"""course.lib.gradcheck against functions whose gradients are known."""
from __future__ import annotations

import numpy as np
import pytest

from course.lib.gradcheck import (check_gradients, check_layer, eval_numerical_gradient,
                                  eval_numerical_gradient_array, grad_check_sparse, rel_error,
                                  relative_errors)


def softmax(x):
    e = np.exp(x - x.max())
    return e / e.sum()


def test_rel_error():
    assert rel_error(1.0, 1.0) == 0.0
    assert rel_error(np.array([1.0, 2.0]), np.array([1.0, 2.2])) == pytest.approx(0.2 / 4.2)
    assert rel_error(0.0, 0.0) == 0.0  # the 1e-8 floor, no division by zero
    assert isinstance(rel_error(np.ones(2), np.ones(2)), float)
    with pytest.raises(ValueError, match="shapes differ"):
        rel_error(np.ones(3), np.ones((3, 1)))


def test_numerical_gradient_of_sum_of_squares():
    rng = np.random.default_rng(0)
    x = rng.standard_normal((3, 4))
    before = x.copy()
    grad = eval_numerical_gradient(lambda z: np.sum(z ** 2), x)
    assert grad.shape == (3, 4)
    assert rel_error(grad, 2 * x) < 1e-9
    np.testing.assert_array_equal(x, before)  # perturbed in place, then restored


def test_numerical_gradient_of_log_sum_exp_is_softmax():
    x = np.linspace(-2.0, 3.0, 7)
    grad = eval_numerical_gradient(lambda z: np.log(np.sum(np.exp(z))), x)
    assert rel_error(grad, softmax(x)) < 1e-8


def test_numerical_gradient_verbose_prints_each_element(capsys):
    eval_numerical_gradient(lambda z: float(np.sum(z)), np.zeros(3), verbose=True)
    assert len(capsys.readouterr().out.strip().splitlines()) == 3


def test_numerical_gradient_array_of_elementwise_and_product():
    rng = np.random.default_rng(1)
    x = rng.standard_normal((2, 5))
    dout = rng.standard_normal((2, 5))
    grad = eval_numerical_gradient_array(lambda z: z ** 3, x, dout)
    assert rel_error(grad, 3 * x ** 2 * dout) < 1e-8

    w = rng.standard_normal((5, 3))
    dout = rng.standard_normal((2, 3))
    grad = eval_numerical_gradient_array(lambda z: z @ w, x, dout)  # (2, 5) @ (5, 3)
    assert rel_error(grad, dout @ w.T) < 1e-9  # (2, 3) @ (3, 5) -> (2, 5)


def test_numerical_gradient_array_of_softmax_jacobian():
    x = np.array([0.5, -1.0, 2.0, 0.0])
    dout = np.array([1.0, -2.0, 0.5, 3.0])
    p = softmax(x)
    expected = p * (dout - np.dot(p, dout))  # J^T dout with J = diag(p) - p p^T
    grad = eval_numerical_gradient_array(softmax, x, dout)
    assert rel_error(grad, expected) < 1e-8


@pytest.mark.parametrize("bad", [np.arange(4), np.ones(4, dtype=np.float32), [1.0, 2.0]])
def test_checkers_require_float64(bad):
    with pytest.raises(TypeError, match="float64"):
        eval_numerical_gradient(lambda z: 0.0, bad)
    with pytest.raises(TypeError, match="float64"):
        eval_numerical_gradient_array(lambda z: z, bad, np.ones(4))
    with pytest.raises(TypeError, match="float64"):
        grad_check_sparse(lambda z: 0.0, bad, np.ones(4))


def test_grad_check_sparse_accepts_right_and_rejects_wrong_gradients():
    rng = np.random.default_rng(2)
    x = rng.standard_normal((6, 5))
    before = x.copy()

    def f(z):
        return np.sum(z ** 2) + np.log(np.sum(np.exp(z)))

    right = 2 * x + np.exp(x) / np.sum(np.exp(x))
    assert grad_check_sparse(f, x, right, num_checks=10) < 1e-7
    assert grad_check_sparse(f, x, 1.5 * right, num_checks=10) > 0.1  # 0.5 / 2.5 = 0.2
    wrong_sign = right.copy()
    wrong_sign[:] *= -1
    assert grad_check_sparse(f, x, wrong_sign) > 0.99
    np.testing.assert_array_equal(x, before)
    with pytest.raises(ValueError, match="shape"):
        grad_check_sparse(f, x, right.T)


def test_grad_check_sparse_is_seeded_and_prints_when_asked(capsys):
    x = np.linspace(-1, 1, 20)
    wrong = 2 * x
    wrong[::2] = 0.0  # half the elements wrong: which are checked depends on the seed
    first = grad_check_sparse(lambda z: np.sum(z ** 2), x, wrong, num_checks=3, seed=5)
    again = grad_check_sparse(lambda z: np.sum(z ** 2), x, wrong, num_checks=3, seed=5)
    assert first == again
    assert capsys.readouterr().out == ""
    grad_check_sparse(lambda z: np.sum(z ** 2), x, 2 * x, num_checks=4, verbose=True)
    lines = capsys.readouterr().out.strip().splitlines()
    assert len(lines) == 4 and all("relative error" in line for line in lines)


def linear_softmax_problem(seed=0):
    """params W (4, 3), b (3,), a scalar loss reading them, and its exact gradients."""
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((5, 4))
    y = np.array([0, 2, 1, 2, 0])
    params = {"W": 0.5 * rng.standard_normal((4, 3)), "b": 0.1 * rng.standard_normal(3)}

    def loss_and_grads():
        scores = X @ params["W"] + params["b"]  # (5, 4) @ (4, 3) -> (5, 3)
        scores = scores - scores.max(axis=1, keepdims=True)
        probs = np.exp(scores) / np.exp(scores).sum(axis=1, keepdims=True)
        loss = -np.mean(np.log(probs[np.arange(5), y]))
        dscores = probs.copy()
        dscores[np.arange(5), y] -= 1
        dscores /= 5
        return loss, {"W": X.T @ dscores, "b": dscores.sum(axis=0)}  # (4, 5) @ (5, 3)

    return params, loss_and_grads


def test_check_gradients_passes_right_gradients(capsys):
    params, loss_and_grads = linear_softmax_problem()
    _, grads = loss_and_grads()
    report = check_gradients(lambda: loss_and_grads()[0], params, grads)
    assert set(report) == {"W", "b"}
    assert report["W"].rel_error < 1e-7 and report["b"].rel_error < 1e-7
    out = capsys.readouterr().out
    assert "W: relative error" in out and "b: relative error" in out


def test_check_gradients_names_the_worst_element_of_a_wrong_gradient(capsys):
    params, loss_and_grads = linear_softmax_problem()
    _, grads = loss_and_grads()
    grads["W"] = grads["W"].copy()
    grads["W"][2, 1] += 0.05  # one wrong element
    report = check_gradients(lambda: loss_and_grads()[0], params, grads, verbose=False)
    assert report["W"].worst_index == (2, 1)
    assert report["W"].rel_error > 1e-2
    assert report["b"].rel_error < 1e-7
    assert report["W"].analytic == pytest.approx(grads["W"][2, 1])
    assert report["W"].numeric == pytest.approx(grads["W"][2, 1] - 0.05, abs=1e-8)
    assert "(2, 1)" in str(report["W"]) and str(report["W"]).startswith("W:")
    assert capsys.readouterr().out == ""


def test_check_gradients_reports_missing_or_misshapen_gradients():
    params, loss_and_grads = linear_softmax_problem()
    _, grads = loss_and_grads()
    with pytest.raises(KeyError, match="'b'"):
        check_gradients(lambda: loss_and_grads()[0], params, {"W": grads["W"]}, verbose=False)
    with pytest.raises(ValueError, match=r"\(3, 4\)"):
        check_gradients(lambda: loss_and_grads()[0], params,
                        {"W": grads["W"].T, "b": grads["b"]}, verbose=False)


# -- check_layer: one call per layer ----------------------------------------------------------

def affine_forward(x, w, b):
    """x (N, D) @ w (D, M) + b (M,) -> (N, M)."""
    return x @ w + b, (x, w)


def affine_backward(dout, cache):
    x, w = cache
    return dout @ w.T, x.T @ dout, dout.sum(axis=0)


def scale_forward(x, param):
    """x * param['scale'], any shape: one array input beside a param dict."""
    return x * param["scale"], param["scale"]


def test_check_layer_passes_a_right_layer_and_names_each_input():
    rng = np.random.default_rng(3)
    inputs = {"x": rng.standard_normal((4, 5)), "w": rng.standard_normal((5, 3)), "b": rng.standard_normal(3)}
    before = {k: v.copy() for k, v in inputs.items()}
    report = check_layer(affine_forward, affine_backward, inputs)
    assert list(report) == ["dx", "dw", "db"]
    assert all(check.rel_error < 1e-8 for check in report.values()), report
    for name, value in inputs.items():
        np.testing.assert_array_equal(value, before[name])  # perturbed, then restored


def test_check_layer_finds_the_worst_element_of_a_wrong_gradient():
    rng = np.random.default_rng(4)
    inputs = {"x": rng.standard_normal((4, 5)), "w": rng.standard_normal((5, 3)), "b": rng.standard_normal(3)}

    def wrong_backward(dout, cache):
        dx, dw, db = affine_backward(dout, cache)
        dw = dw.copy()
        dw[2, 1] += 1.0
        return dx, dw, db

    report = check_layer(affine_forward, wrong_backward, inputs)
    assert report["dx"].rel_error < 1e-8 and report["db"].rel_error < 1e-8
    assert report["dw"].rel_error > 1e-3 and report["dw"].worst_index == (2, 1)
    assert "dw" in str(report["dw"]) and "(2, 1)" in str(report["dw"])


def test_check_layer_passes_param_dicts_along_and_takes_a_single_gradient(capsys):
    x = np.linspace(-1.0, 1.0, 12).reshape(3, 4)
    param = {"scale": 2.5}
    dout = np.ones((3, 4))
    report = check_layer(scale_forward, lambda dout, scale: dout * scale, {"x": x, "param": param},
                         dout=dout, verbose=True)
    assert list(report) == ["dx"] and report["dx"].rel_error < 1e-9
    assert "dx: relative error" in capsys.readouterr().out
    report = check_layer(scale_forward, lambda dout, scale: dout * 2.0, {"x": x, "param": param}, dout=dout)
    assert report["dx"].rel_error > 0.1


def test_check_layer_refuses_miscounted_misshapen_or_unchecked_gradients():
    rng = np.random.default_rng(5)
    inputs = {"x": rng.standard_normal((2, 3)), "w": rng.standard_normal((3, 2)), "b": rng.standard_normal(2)}
    with pytest.raises(ValueError, match="returned 2 gradients for the 3"):
        check_layer(affine_forward, lambda dout, cache: affine_backward(dout, cache)[:2], inputs)
    with pytest.raises(ValueError, match="dw has shape"):
        check_layer(affine_forward, lambda dout, cache: (dout @ cache[1].T, np.zeros(3), dout.sum(0)), inputs)
    with pytest.raises(TypeError, match="no float64 array"):
        check_layer(scale_forward, lambda dout, scale: dout, {"x": np.ones(3, dtype=np.float32), "param": {"scale": 1}})


def test_rel_error_and_relative_errors_share_one_formula():
    x, y = np.array([1.0, 0.0, -2.0]), np.array([1.5, 0.0, -2.0])
    np.testing.assert_allclose(relative_errors(x, y), [0.5 / 2.5, 0.0, 0.0])
    assert rel_error(x, y) == pytest.approx(0.2)
