"""Fair model selection: k-fold cross-validation on training data only (Chapter 2).

The functions here take the *training* set and a scoring function; they are never handed a test
set, so they cannot look at one. Folds come from scikit-learn's ``StratifiedKFold`` and
configurations from its ``ParameterGrid`` / ``ParameterSampler``.
"""

from __future__ import annotations

import numpy as np
from sklearn.model_selection import ParameterGrid, ParameterSampler, StratifiedKFold

from ._checks import check_array, check_int, check_same_length

__all__ = ["stratified_folds", "cross_validate", "search", "selection_bias", "ParameterGrid", "ParameterSampler"]


def stratified_folds(y, k: int = 5, seed: int = 0):
    """(train_idx, val_idx) pairs of a shuffled stratified k-fold split of range(len(y))."""
    check_int("k", k)
    if k < 2:
        raise ValueError(f"k must be >= 2 for cross-validation, got {k}.")
    y = check_array("y", y, ndim=1, dtype_kind="iub", hint="Folds are stratified by label: one integer label per example.")
    smallest = int(np.unique(y, return_counts=True)[1].min())
    if smallest < k:
        raise ValueError(f"k={k} folds need at least {k} examples of every class in y; the rarest class has "
                         f"{smallest}. Use fewer folds or more data.")
    return list(StratifiedKFold(n_splits=k, shuffle=True, random_state=seed).split(np.zeros(len(y)), y))


def cross_validate(score_fn, config: dict, x, y, *, k: int = 5, seed: int = 0) -> dict:
    """Score ``config`` on each of k stratified folds of the training data (x, y).

    ``score_fn(config, x_train, y_train, x_val, y_val, seed=...)`` trains on the fold's training part
    and returns its score on the held-out part, e.g. :func:`dl_course.keras_models.fit_and_score`.
    Returns ``{"config", "scores", "mean", "std"}`` (std across folds, ddof=1).
    """
    if not callable(score_fn):
        raise TypeError(f"score_fn must be a function (config, x_train, y_train, x_val, y_val, seed=...) -> score; "
                        f"got {type(score_fn).__name__}.")
    if not isinstance(config, dict):
        raise TypeError(f"config must be a dict of settings; got {type(config).__name__}.")
    x = check_array("x", x)
    check_same_length("x", x, "y", y)
    scores = [float(score_fn(config, x[tr], y[tr], x[va], y[va], seed=seed + i))
              for i, (tr, va) in enumerate(stratified_folds(y, k, seed))]
    return {"config": dict(config), "scores": scores, "mean": float(np.mean(scores)),
            "std": float(np.std(scores, ddof=1))}


def search(score_fn, configs, x, y, *, k: int = 5, seed: int = 0) -> list[dict]:
    """Cross-validate every configuration in ``configs``; rows sorted best mean score first.

    Every configuration sees the same folds, so their scores are compared on equal terms.
    """
    configs = list(configs)
    if not configs:
        raise ValueError("configs is empty; pass at least one configuration (a dict) to compare.")
    rows = [cross_validate(score_fn, c, x, y, k=k, seed=seed) for c in configs]
    return sorted(rows, key=lambda r: -r["mean"])


def selection_bias(correct, n_select: int, n_repeats: int = 500, seed: int = 0) -> dict:
    """How optimistic is the best score when the *same* data is used to choose and to report it?

    ``correct`` (n_models, n_examples) bool: whether each model got each held-out example right.
    Each repeat splits the examples at random into a part A of ``n_select`` examples and a part B
    of the rest, picks the model with the best accuracy on A, and records its accuracy on A minus
    on B. For any fixed model that difference averages to zero over random splits, so the mean
    ``optimism`` is the bias that the choosing itself adds. Returns ``optimism`` (mean),
    ``optimism_std``, ``fraction_positive`` and the per-repeat ``values``.
    """
    correct = check_array("correct", correct, ndim=2, dtype_kind="b",
                          hint="Pass a bool array: correct[m, i] = model m got example i right.")
    check_int("n_repeats", n_repeats)
    if correct.ndim != 2 or correct.shape[0] < 1:
        raise ValueError(f"correct must have shape (n_models, n_examples); got {correct.shape}.")
    n = correct.shape[1]
    if not 0 < n_select < n:
        raise ValueError(f"n_select must be in (0, {n}); got {n_select}.")
    rng = np.random.default_rng(seed)
    values = np.empty(n_repeats)
    for r in range(n_repeats):
        in_a = np.zeros(n, bool)
        in_a[rng.choice(n, n_select, replace=False)] = True
        acc_a = correct[:, in_a].mean(axis=1)
        acc_b = correct[:, ~in_a].mean(axis=1)
        best = int(np.argmax(acc_a))
        values[r] = acc_a[best] - acc_b[best]
    return {"optimism": float(values.mean()), "optimism_std": float(values.std(ddof=1)),
            "fraction_positive": float((values > 0).mean()), "values": values}
