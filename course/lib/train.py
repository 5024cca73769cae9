"""A generic training loop that takes the student's update rule.

The contracts it relies on, written once here:

Model
    `params`: dict name -> float64 array, updated in place.
    `loss_fn(X, y=None)`: without y returns scores (N, C); with y returns
    (loss, grads), a float and a dict keyed like params. A functional model
    passes a closure, e.g. `lambda X, y=None: two_layer_net(X, model, y, reg)`;
    a class model passes `model.loss` and `model.params`.

Update rule
    `next_w, config = rule(w, dw, config)`: w, dw arrays of one shape; config
    a dict holding at least 'learning_rate' and whatever state the rule keeps
    (velocity, cache, moments). `update_rule` is one rule for every parameter
    or a dict of rules by parameter name.

Data
    an object or dict with X_train, y_train and optionally X_val, y_val.

Checkpoints
    `train(..., checkpoint=path)` writes, after every epoch, the parameters, every
    rule's config (its state: velocity, cache, moments, the decayed learning rate),
    the history with the best parameters so far, and the shuffling generator's
    state to one .npz file (no pickles). `resume=True` continues from that file, so
    an interrupted run resumed gives the same parameters and history as one that
    ran through. `load_checkpoint(path)` reads it back.
"""
from __future__ import annotations

import copy
import json
import os
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from course.lib.params import running_unattended


@dataclass
class History:
    """What a training run recorded.

    loss_history: the loss of every iteration, recorded before its update.
    train_acc_history, val_acc_history: accuracy at the end of every epoch
        (val empty when the data has no validation split).
    best_params: copies of the parameters with the best validation accuracy
        (the last ones when there is no validation split).
    """

    loss_history: list = field(default_factory=list)
    train_acc_history: list = field(default_factory=list)
    val_acc_history: list = field(default_factory=list)
    best_val_acc: float = 0.0
    best_params: dict = field(default_factory=dict)
    seconds: float = 0.0


def predict(loss_fn, X, batch_size=1000):
    """Class predictions int64 (N,) from the scores loss_fn(X) (N, C), in batches."""
    labels = [np.argmax(loss_fn(X[i:i + batch_size]), axis=1) for i in range(0, X.shape[0], batch_size)]
    return np.concatenate(labels).astype(np.int64)


def accuracy(loss_fn, X, y, batch_size=1000):
    """Fraction of rows of X (N, ...) whose predicted class equals y (N,)."""
    return float(np.mean(predict(loss_fn, X, batch_size) == y))


def train(loss_fn, params, data, update_rule, *, learning_rate=1e-3, optim_config=None,
          lr_decay=1.0, num_epochs=10, batch_size=100, num_train_samples=1000,
          seed=0, keep_best=True, progress=None, verbose=False, checkpoint=None, resume=False):
    """Train `params` in place by minibatch gradient steps.

    loss_fn, params, update_rule: see the module docstring.
    data: X_train (N, ...), y_train (N,), optional X_val, y_val.
    learning_rate: the starting rate, multiplied by lr_decay after every epoch.
    optim_config: further settings every rule's config starts from (e.g. momentum),
        never 'learning_rate': the learning_rate argument is its one place.
    batch_size: rows per step; None for full-batch steps (one per epoch).
    num_train_samples: training accuracy is measured on this many rows (None: all).
    seed: seeds the shuffling, so a run is deterministic.
    keep_best: at the end, copy the best-on-validation parameters back into params.
    progress: show a tqdm bar; None shows one unless $CI or $NBGRADER_EXECUTION is set.
    checkpoint: a .npz path written after every epoch (see the module docstring).
    resume: continue from `checkpoint` when the file exists (its parameters are copied
        into params); the run then ends after num_epochs epochs in all.
    Returns a History.
    """
    X_train, y_train = _get(data, "X_train"), _get(data, "y_train")
    X_val, y_val = _get(data, "X_val", None), _get(data, "y_val", None)
    has_val = X_val is not None and y_val is not None and len(y_val) > 0
    rng = np.random.default_rng(seed)
    num_train = X_train.shape[0]
    batch = num_train if batch_size is None else min(batch_size, num_train)
    iterations_per_epoch = max(num_train // batch, 1)

    rules = update_rule if isinstance(update_rule, dict) else {name: update_rule for name in params}
    missing = set(params) - set(rules)
    if missing:
        raise KeyError(f"train: no update rule for parameters {sorted(missing)}")
    optim_config = dict(optim_config or {})
    if "learning_rate" in optim_config:
        # cs231n's Solver takes the rate in optim_config; here it has one place, the argument.
        raise ValueError(
            f"train: optim_config holds 'learning_rate' ({optim_config['learning_rate']}); the starting "
            f"rate is the learning_rate argument alone: pass train(..., learning_rate="
            f"{optim_config['learning_rate']}) and drop it from optim_config")
    configs = {name: {**optim_config, "learning_rate": learning_rate} for name in params}

    history = History()
    first_epoch = 0
    if resume and checkpoint is not None and Path(checkpoint).exists():
        state = load_checkpoint(checkpoint)
        _check_resumable(state, params, configs)
        for name, w in params.items():
            w[...] = state.params[name]
        configs, history, first_epoch = state.configs, state.history, state.epochs_done
        rng.bit_generator.state = state.rng_state
    if progress is None:
        progress = not running_unattended()
    bar = _progress_bar(max(num_epochs - first_epoch, 0) * iterations_per_epoch, progress)
    start = time.perf_counter() - history.seconds
    for epoch in range(first_epoch, num_epochs):
        order = rng.permutation(num_train) if batch < num_train else np.arange(num_train)
        for it in range(iterations_per_epoch):
            rows = order[it * batch:(it + 1) * batch]
            loss, grads = loss_fn(X_train[rows], y_train[rows])
            history.loss_history.append(float(loss))
            for name, w in params.items():
                next_w, configs[name] = rules[name](w, grads[name], configs[name])
                w[...] = next_w
            bar.update(1)
        bar.set_postfix(loss=f"{history.loss_history[-1]:.4f}")
        for config in configs.values():
            config["learning_rate"] *= lr_decay

        sample = slice(None) if num_train_samples is None else rng.choice(
            num_train, min(num_train, num_train_samples), replace=False)
        history.train_acc_history.append(accuracy(loss_fn, X_train[sample], y_train[sample]))
        if has_val:
            val_acc = accuracy(loss_fn, X_val, y_val)
            history.val_acc_history.append(val_acc)
            if val_acc > history.best_val_acc or not history.best_params:
                history.best_val_acc = val_acc
                history.best_params = copy.deepcopy(params)
        if checkpoint is not None:
            history.seconds = time.perf_counter() - start
            save_checkpoint(checkpoint, Checkpoint(params, configs, history, epoch + 1, rng.bit_generator.state))
        if verbose:
            val_text = f", val acc {history.val_acc_history[-1]:.3f}" if has_val else ""
            print(f"epoch {epoch + 1}/{num_epochs}: loss {history.loss_history[-1]:.4f}, "
                  f"train acc {history.train_acc_history[-1]:.3f}{val_text}")
    bar.close()
    history.seconds = time.perf_counter() - start
    if not has_val:
        history.best_params = copy.deepcopy(params)
    elif keep_best and history.best_params:  # no epoch ran: nothing better to restore
        for name, w in params.items():
            w[...] = history.best_params[name]
    return history


@dataclass
class Checkpoint:
    """A training run after `epochs_done` epochs: what resuming it needs.

    params: dict name -> array; configs: dict name -> the rule's config (arrays and
    numbers); history: the History so far (with best_params); rng_state: the
    shuffling generator's bit_generator.state.
    """

    params: dict
    configs: dict
    history: History
    epochs_done: int
    rng_state: dict


def save_checkpoint(path, state: Checkpoint) -> Path:
    """Write state to path (.npz, arrays as arrays, the rest as JSON; no pickles).

    The file is written beside path and moved into place, so an interrupted save
    leaves the previous checkpoint intact. Returns the path.
    """
    path = Path(path)
    arrays, meta = {}, {"epochs_done": state.epochs_done, "rng_state": state.rng_state, "configs": {}}
    for name, value in state.params.items():
        arrays[f"params/{name}"] = np.asarray(value)
    for name, value in state.history.best_params.items():
        arrays[f"best_params/{name}"] = np.asarray(value)
    for name, config in state.configs.items():
        meta["configs"][name] = {}
        for key, value in config.items():
            if isinstance(value, np.ndarray):
                arrays[f"configs/{name}/{key}"] = value
            else:
                meta["configs"][name][key] = value.item() if isinstance(value, np.generic) else value
    h = state.history
    meta["history"] = {"loss_history": h.loss_history, "train_acc_history": h.train_acc_history,
                       "val_acc_history": h.val_acc_history, "best_val_acc": h.best_val_acc,
                       "seconds": h.seconds}
    arrays["meta"] = np.array(json.dumps(meta))
    partial = path.with_name(path.name + ".partial.npz")
    with open(partial, "wb") as file:
        np.savez(file, **arrays)
    os.replace(partial, path)
    return path


def load_checkpoint(path) -> Checkpoint:
    """The Checkpoint that save_checkpoint wrote to path."""
    with np.load(Path(path), allow_pickle=False) as file:
        arrays = {key: file[key] for key in file.files}
    meta = json.loads(str(arrays.pop("meta")))
    params, best, configs = {}, {}, {name: dict(values) for name, values in meta["configs"].items()}
    for key, value in arrays.items():
        kind, _, rest = key.partition("/")
        if kind == "params":
            params[rest] = value
        elif kind == "best_params":
            best[rest] = value
        else:
            name, _, config_key = rest.rpartition("/")
            configs[name][config_key] = value
    history = History(**meta["history"], best_params=best)
    return Checkpoint(params, configs, history, meta["epochs_done"], meta["rng_state"])


def _check_resumable(state: Checkpoint, params, configs):
    """A checkpoint resumes only the run it came from: the same parameter names and shapes."""
    if set(state.params) != set(params) or set(state.configs) != set(configs):
        raise ValueError(f"train: the checkpoint holds the parameters {sorted(state.params)}, this run trains "
                         f"{sorted(params)}: resume with the model it was saved from, or start afresh "
                         "(resume=False, or delete the file)")
    for name, w in params.items():
        if state.params[name].shape != w.shape:
            raise ValueError(f"train: the checkpoint's {name!r} has shape {state.params[name].shape}, the model's "
                             f"{w.shape}: resume with the model it was saved from, or start afresh")


def _get(data, name, default=KeyError):
    value = data.get(name, default) if isinstance(data, dict) else getattr(data, name, default)
    if value is KeyError:
        raise KeyError(f"train: the data has no {name!r}")
    return value


def _progress_bar(total, enabled):
    from tqdm.auto import tqdm

    return tqdm(total=total, disable=not enabled, desc="training", leave=False)
