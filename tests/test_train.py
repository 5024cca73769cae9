"""course.lib.train.train with a linear softmax model written here (no exercise)."""
from __future__ import annotations

import copy

import numpy as np
import pytest

from course.lib.train import History, accuracy, load_checkpoint, predict, train


def blobs(seed=0, num_train=240, num_val=120, spread=1.6):
    """Three overlapping Gaussian blobs in 5-D: X (N, 5) float64, y (N,) int64."""
    rng = np.random.default_rng(seed)
    centres = 1.2 * rng.standard_normal((3, 5))
    y = rng.integers(0, 3, num_train + num_val)
    X = centres[y] + spread * rng.standard_normal((num_train + num_val, 5))
    return {"X_train": X[:num_train], "y_train": y[:num_train],
            "X_val": X[num_train:], "y_val": y[num_train:]}


def linear_softmax(params, reg=0.0):
    """loss_fn(X, y=None) of a linear classifier: scores = X W + b, X (N, D), W (D, C)."""

    def loss_fn(X, y=None):
        scores = X @ params["W"] + params["b"]  # (N, D) @ (D, C) -> (N, C)
        if y is None:
            return scores
        N = X.shape[0]
        shifted = scores - scores.max(axis=1, keepdims=True)
        probs = np.exp(shifted) / np.exp(shifted).sum(axis=1, keepdims=True)
        loss = -np.mean(np.log(probs[np.arange(N), y])) + 0.5 * reg * np.sum(params["W"] ** 2)
        dscores = probs.copy()
        dscores[np.arange(N), y] -= 1
        dscores /= N
        grads = {"W": X.T @ dscores + reg * params["W"],  # (D, N) @ (N, C) -> (D, C)
                 "b": dscores.sum(axis=0)}
        return loss, grads

    return loss_fn


def init_params(seed=0, D=5, C=3):
    rng = np.random.default_rng(seed)
    return {"W": 0.01 * rng.standard_normal((D, C)), "b": np.zeros(C)}


def sgd(w, dw, config):
    return w - config["learning_rate"] * dw, config


def test_training_learns_and_records_history():
    data = blobs()
    params = init_params()
    history = train(linear_softmax(params), params, data, sgd, learning_rate=0.5,
                    num_epochs=6, batch_size=40, progress=False)
    assert isinstance(history, History)
    assert len(history.loss_history) == 6 * (240 // 40)
    assert len(history.train_acc_history) == 6 and len(history.val_acc_history) == 6
    assert np.mean(history.loss_history[-6:]) < history.loss_history[0] - 0.2
    assert history.val_acc_history[-1] > 0.6  # chance is 1/3
    assert history.seconds > 0


def test_two_runs_with_one_seed_are_identical():
    data = blobs()
    runs = []
    for _ in range(2):
        params = init_params()
        history = train(linear_softmax(params), params, data, sgd, learning_rate=0.3,
                        num_epochs=4, batch_size=32, num_train_samples=100, seed=7, progress=False)
        runs.append((history, params))
    (h1, p1), (h2, p2) = runs
    assert h1.loss_history == h2.loss_history
    assert h1.train_acc_history == h2.train_acc_history and h1.val_acc_history == h2.val_acc_history
    np.testing.assert_array_equal(p1["W"], p2["W"])
    np.testing.assert_array_equal(p1["b"], p2["b"])
    params = init_params()
    other = train(linear_softmax(params), params, data, sgd, learning_rate=0.3,
                  num_epochs=4, batch_size=32, num_train_samples=100, seed=8, progress=False)
    assert other.loss_history != h1.loss_history  # the seed drives the shuffling


def test_best_validation_parameters_are_kept():
    # A learning rate large enough that validation accuracy goes up and down.
    data = blobs(seed=3, spread=2.5)
    params = init_params()
    loss_fn = linear_softmax(params)
    history = train(loss_fn, params, data, sgd, learning_rate=20.0, num_epochs=12,
                    batch_size=20, progress=False)
    assert history.best_val_acc == max(history.val_acc_history)
    assert history.val_acc_history[-1] < history.best_val_acc, "the test needs a final epoch worse than the best"
    for name in params:
        np.testing.assert_array_equal(params[name], history.best_params[name])
    assert accuracy(loss_fn, data["X_val"], data["y_val"]) == history.best_val_acc

    params = init_params()
    loss_fn = linear_softmax(params)
    history = train(loss_fn, params, data, sgd, learning_rate=20.0, num_epochs=12,
                    batch_size=20, keep_best=False, progress=False)
    assert accuracy(loss_fn, data["X_val"], data["y_val"]) == history.val_acc_history[-1]
    assert not np.array_equal(params["W"], history.best_params["W"])


def test_loss_is_recorded_before_each_update():
    data = blobs(num_train=60)
    params = init_params()
    loss_fn = linear_softmax(params)
    initial_loss, _ = loss_fn(data["X_train"], data["y_train"])
    seen = []

    def recording_sgd(w, dw, config):
        seen.append(w.copy())  # the weights this update starts from
        return sgd(w, dw, config)

    history = train(loss_fn, params, data, {"W": recording_sgd, "b": sgd}, learning_rate=0.5,
                    num_epochs=5, batch_size=None, progress=False)
    assert len(history.loss_history) == 5  # full batch: one step per epoch
    assert history.loss_history[0] == initial_loss
    np.testing.assert_array_equal(seen[0], init_params()["W"])
    assert all(later < earlier for earlier, later in
               zip(history.loss_history, history.loss_history[1:]))


def test_recorded_losses_match_the_parameters_before_each_update():
    data = blobs(num_train=60)
    params = init_params()
    loss_fn = linear_softmax(params)
    snapshots = []

    def spying_loss(X, y=None):
        if y is not None:
            snapshots.append(copy.deepcopy(params))
        return loss_fn(X, y)

    history = train(spying_loss, params, data, sgd, learning_rate=0.5,
                    num_epochs=4, batch_size=None, progress=False)
    assert len(snapshots) == len(history.loss_history) == 4
    for loss, before in zip(history.loss_history, snapshots):
        expected, _ = linear_softmax(before)(data["X_train"], data["y_train"])
        assert loss == expected
    assert not np.array_equal(snapshots[0]["W"], snapshots[1]["W"])  # updates happened between


def test_learning_rate_decays_once_per_epoch():
    data = blobs(num_train=90)
    params = init_params()
    rates = []

    def recording_sgd(w, dw, config):
        rates.append(config["learning_rate"])
        return sgd(w, dw, config)

    train(linear_softmax(params), params, data, {"W": recording_sgd, "b": sgd},
          learning_rate=0.1, lr_decay=0.5, num_epochs=3, batch_size=30, progress=False)
    np.testing.assert_allclose(rates, [0.1] * 3 + [0.05] * 3 + [0.025] * 3)


def test_update_rules_by_parameter_name_and_their_state():
    data = blobs()
    params = init_params()
    b_before = params["b"].copy()
    calls = {"W": 0}

    def momentum(w, dw, config):
        v = config.get("velocity", np.zeros_like(w))
        v = config["momentum"] * v - config["learning_rate"] * dw
        config["velocity"] = v
        calls["W"] += 1
        return w + v, config

    def frozen(w, dw, config):
        return w, config

    train(linear_softmax(params), params, data, {"W": momentum, "b": frozen}, learning_rate=0.1,
          optim_config={"momentum": 0.9}, num_epochs=2, batch_size=60, progress=False)
    assert calls["W"] == 2 * 4
    np.testing.assert_array_equal(params["b"], b_before)
    assert not np.array_equal(params["W"], init_params()["W"])
    with pytest.raises(KeyError, match="'b'"):
        train(linear_softmax(params), params, data, {"W": sgd}, num_epochs=1, progress=False)


def test_without_validation_split():
    data = blobs()
    del data["X_val"], data["y_val"]
    params = init_params()
    history = train(linear_softmax(params), params, data, sgd, learning_rate=0.5,
                    num_epochs=2, batch_size=60, progress=False)
    assert history.val_acc_history == [] and len(history.train_acc_history) == 2
    np.testing.assert_array_equal(history.best_params["W"], params["W"])


def test_progress_bar_stays_quiet_in_ci(monkeypatch, capsys):
    data = blobs(num_train=60)
    monkeypatch.setenv("CI", "1")
    params = init_params()
    train(linear_softmax(params), params, data, sgd, num_epochs=1, batch_size=30)
    assert capsys.readouterr().err == ""
    train(linear_softmax(params), params, data, sgd, num_epochs=1, batch_size=30, progress=True)
    assert "training" in capsys.readouterr().err


def test_predict_and_accuracy_in_batches():
    params = {"W": np.eye(3), "b": np.zeros(3)}
    X = np.eye(3)[np.array([0, 2, 1, 1, 0])]
    loss_fn = linear_softmax(params)
    np.testing.assert_array_equal(predict(loss_fn, X, batch_size=2), [0, 2, 1, 1, 0])
    assert predict(loss_fn, X).dtype == np.int64
    assert accuracy(loss_fn, X, np.array([0, 2, 1, 0, 0]), batch_size=2) == 0.8


def test_learning_rate_is_given_once():
    data = blobs(num_train=60)
    params = init_params()
    rates = []

    def recording_sgd(w, dw, config):
        rates.append(config["learning_rate"])
        return sgd(w, dw, config)

    # cs231n's Solver takes the rate in optim_config: here the learning_rate argument is its one place,
    # so a rate in optim_config is refused, even one equal to the argument.
    for rate in (0.1, 1e-3):  # 1e-3 is the argument's default
        with pytest.raises(ValueError, match=r"pass train\(\.\.\., learning_rate=.*drop it from optim_config"):
            train(linear_softmax(params), params, data, recording_sgd, learning_rate=rate,
                  optim_config={"learning_rate": rate, "momentum": 0.9}, num_epochs=1, progress=False)
    assert rates == []
    train(linear_softmax(params), params, data, recording_sgd, learning_rate=0.1,
          optim_config={"momentum": 0.9}, num_epochs=1, batch_size=None, progress=False)
    assert rates == [0.1, 0.1]  # W and b


def test_zero_epochs_leave_the_parameters_alone():
    data = blobs()
    params = init_params()
    history = train(linear_softmax(params), params, data, sgd, num_epochs=0, progress=False)
    assert history.loss_history == [] and history.val_acc_history == []
    np.testing.assert_array_equal(params["W"], init_params()["W"])


# -- checkpoints: save and resume the parameters, the best ones and the optimizer state ----------

def momentum(w, dw, config):
    """SGD with momentum: state in config['velocity'], the learning rate decays in config."""
    v = config.get("momentum", 0.9) * config.get("velocity", np.zeros_like(w)) - config["learning_rate"] * dw
    config["velocity"] = v
    return w + v, config


def run(params, num_epochs, **kwargs):
    return train(linear_softmax(params, reg=1e-3), params, blobs(), momentum, learning_rate=0.2,
                 lr_decay=0.8, num_epochs=num_epochs, batch_size=40, seed=3, progress=False,
                 keep_best=False, **kwargs)


def test_an_interrupted_run_resumed_equals_one_that_ran_through(tmp_path):
    straight = init_params()
    history = run(straight, 5)

    path = tmp_path / "run.npz"
    resumed = init_params()
    run(resumed, 2, checkpoint=path)  # "interrupted" after two epochs
    fresh = init_params(seed=9)  # a new process: other starting values, overwritten by the checkpoint
    history_resumed = run(fresh, 5, checkpoint=path, resume=True)

    for name in straight:
        np.testing.assert_array_equal(fresh[name], straight[name])
    assert history_resumed.loss_history == history.loss_history
    assert history_resumed.val_acc_history == history.val_acc_history
    assert history_resumed.best_val_acc == history.best_val_acc
    for name in straight:
        np.testing.assert_array_equal(history_resumed.best_params[name], history.best_params[name])


def test_a_checkpoint_holds_the_optimizer_state_and_the_best_parameters(tmp_path):
    path = tmp_path / "run.npz"
    params = init_params()
    history = run(params, 3, checkpoint=path)
    state = load_checkpoint(path)
    assert state.epochs_done == 3
    for name in params:
        np.testing.assert_array_equal(state.params[name], params[name])
        np.testing.assert_array_equal(state.history.best_params[name], history.best_params[name])
        assert state.configs[name]["velocity"].shape == params[name].shape
        assert state.configs[name]["learning_rate"] == pytest.approx(0.2 * 0.8 ** 3)
    assert state.history.loss_history == history.loss_history
    assert not list(tmp_path.glob("*.partial*"))  # written beside, then moved into place
    with np.load(path, allow_pickle=False) as file:  # plain arrays, no pickles
        assert "meta" in file.files


def test_resuming_with_another_model_is_refused(tmp_path):
    path = tmp_path / "run.npz"
    run(init_params(), 1, checkpoint=path)
    with pytest.raises(ValueError, match="has shape .* resume with the model it was saved from"):
        run(init_params(D=5, C=4) | {"b": np.zeros(4)}, 2, checkpoint=path, resume=True)


def test_resume_without_a_checkpoint_file_starts_afresh(tmp_path):
    path = tmp_path / "none.npz"
    params, straight = init_params(), init_params()
    run(params, 2, checkpoint=path, resume=True)
    run(straight, 2)
    np.testing.assert_array_equal(params["W"], straight["W"])
    assert load_checkpoint(path).epochs_done == 2
