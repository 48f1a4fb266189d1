"""Chapter 2's training and model-selection helpers."""

import inspect

import numpy as np
import pytest

from dl_course import keras_models as km, selection

pytestmark = pytest.mark.keras      # also run under KERAS_BACKEND=jax by `make test`


def blobs(n=600, d=20, k=4, seed=0):
    """k Gaussian classes in d dimensions: a small problem a dense net learns in a few epochs."""
    r = np.random.default_rng(seed)
    centres = r.normal(scale=2.0, size=(k, d))
    y = r.integers(0, k, n)
    return (centres[y] + r.normal(size=(n, d))).astype(np.float32), y.astype(np.int64)


@pytest.mark.tensorflow_only
def test_lowlevel_loop_and_fit_reach_comparable_loss():
    from dl_course import tf_lowlevel
    x, y = blobs()
    low = tf_lowlevel.LowLevelMLP((20, 32, 4), seed=0)
    h_low = tf_lowlevel.fit_lowlevel(low, x, y, epochs=8, batch_size=32, lr=1e-2, seed=0)
    km.seed_everything(0)
    model = km.compile_classifier(km.dense_classifier((32,), input_dim=20, n_classes=4), lr=1e-2)
    h_fit = km.train(model, x, y, epochs=8, batch_size=32)
    assert h_low["loss"][-1] < 0.25 * h_low["loss"][0]
    assert h_fit["loss"][-1] < 0.25 * h_fit["loss"][0]
    assert h_low["loss"][-1] == pytest.approx(h_fit["loss"][-1], abs=0.05)


def test_folds_are_disjoint_stratified_and_cover_the_training_set():
    y = np.repeat(np.arange(3), [30, 60, 90])
    folds = selection.stratified_folds(y, k=3, seed=0)
    val_parts = [va for _, va in folds]
    assert sorted(np.concatenate(val_parts).tolist()) == list(range(len(y)))      # cover, no repeats
    for tr, va in folds:
        assert not set(tr) & set(va)
        assert np.bincount(y[va]).tolist() == [10, 20, 30]                        # stratified


def test_selection_never_sees_test_data():
    for f in (selection.cross_validate, selection.search):
        assert not any("test" in p for p in inspect.signature(f).parameters)
    x = np.arange(90, dtype=np.float32).reshape(-1, 1)      # each row carries its own id
    y = np.arange(90) % 3
    seen = set()

    def spy(config, x_tr, y_tr, x_va, y_va, seed=0):
        seen.update(x_tr[:, 0].tolist(), x_va[:, 0].tolist())
        assert not set(x_tr[:, 0]) & set(x_va[:, 0])
        return float(len(x_va))
    rows = selection.search(spy, [{"a": 1}, {"a": 2}], x, y, k=3)
    assert seen == set(range(90)) and len(rows) == 2 and rows[0]["scores"] == [30.0] * 3


def test_early_stopping_restores_the_best_epoch():
    x, y = blobs(n=300, seed=1)
    xv, yv = blobs(n=300, seed=2)
    xv = xv[:, ::-1].copy()           # a shifted validation set, so the validation loss turns up early
    km.seed_everything(0)
    model = km.compile_classifier(km.dense_classifier((64,), input_dim=20, n_classes=4), lr=3e-2)
    h = km.train(model, x, y, epochs=40, batch_size=32, validation_data=(xv, yv), early_stopping=3)
    best = int(np.argmin(h["val_loss"]))
    assert h["best_epoch"] == best + 1 and len(h["val_loss"]) < 40
    val_loss = model.evaluate(xv, yv, verbose=0, batch_size=1024)[0]
    assert val_loss == pytest.approx(h["val_loss"][best], rel=1e-4)
    assert val_loss < h["val_loss"][-1]


def test_fixed_seed_reproduces_fold_scores():
    x, y = blobs(n=300, seed=3)
    config = {"hidden": (16,), "epochs": 10, "batch_size": 32, "lr": 1e-2}
    a = selection.cross_validate(km.fit_and_score, config, x, y, k=3, seed=0)
    b = selection.cross_validate(km.fit_and_score, config, x, y, k=3, seed=0)
    assert a["scores"] == b["scores"]
    assert 0.25 < a["mean"] <= 1.0 and a["std"] >= 0


def test_fit_and_score_rejects_unknown_options():
    x, y = blobs(n=60)
    with pytest.raises(ValueError, match=r"unknown config keys \['dropuot'\]"):
        km.fit_and_score({"dropuot": 0.5}, x, y, x, y)


def test_nan_inputs_are_refused():
    # TensorFlow's ReLU maps NaN to 0 on the CPU, so NaN inputs would otherwise train silently.
    x, y = blobs(n=64)
    x[3, 0] = np.nan
    model = km.compile_classifier(km.dense_classifier((8,), input_dim=20, n_classes=4))
    with pytest.raises(ValueError, match=r"x contains NaN or infinite values \(rows \[3\]"):
        km.train(model, x, y, epochs=2, batch_size=64)


def test_diverging_loss_stops_training():
    x, y = blobs(n=256)
    model = km.compile_classifier(km.dense_classifier((8,), input_dim=20, n_classes=4), lr=1e6, optimizer="sgd")
    with pytest.raises(FloatingPointError, match="loss became NaN"):
        km.train(model, 1e3 * x, y, epochs=3, batch_size=32)


def test_selection_bias_is_zero_for_identical_models_and_positive_for_noisy_ones():
    r = np.random.default_rng(0)
    one = r.random(2000) < 0.8
    same = selection.selection_bias(np.tile(one, (5, 1)), n_select=300, n_repeats=300)
    assert abs(same["optimism"]) < 0.005          # no choice, no bias (only split noise, mean ~0)
    noisy = selection.selection_bias(r.random((20, 2000)) < 0.8, n_select=300, n_repeats=300)
    assert noisy["optimism"] > 0.02 and noisy["fraction_positive"] > 0.9
