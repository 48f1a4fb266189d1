"""Running the same computation twice on the same machine gives the same numbers, bit for bit.

Chapter 1: a reduced but real version of its quick-profile computation, through the same
functions and seeds (loader, split, perceptron, NumPy MLP with Adam and the chapter's
learning-rate decay, test accuracy). Chapter 2 (Keras): one training run with
``keras_models.seed_everything``, twice. A different seed must change the numbers, so the
comparison is not vacuous.
"""

import os

import numpy as np
import pytest

from dl_course import data, numpy_nets as nn, perceptron, profiles

N_TRAIN, EPOCHS = 2_000, 2          # the chapter: cfg["n_train"] images, cfg["epochs"] epochs


@pytest.fixture(scope="module")
def mnist(real_data):
    (x_img, y), (xt_img, yt) = data.load_mnist(real_data)
    x_all = data.scale_images(x_img, flatten=True)
    x_tr, x_val, y_tr, y_val = data.train_val_split(x_all, y, n_val=5000, seed=0)
    return x_tr[:N_TRAIN], y_tr[:N_TRAIN], x_val[:2000], y_val[:2000], data.scale_images(xt_img, flatten=True), yt


def chapter1_numbers(mnist, seed=42) -> dict:
    """What Chapter 1 glues, computed the chapter's way on a smaller budget."""
    cfg = profiles.settings("ch01", "quick")
    x_tr, y_tr, x_val, y_val, x_test, y_test = mnist
    r = np.random.default_rng(0)
    x_sep, y_sep = perceptron.make_separable_blobs(200, r)
    p = perceptron.Perceptron(max_epochs=100).fit(x_sep, y_sep, rng=r)
    rng = np.random.default_rng(seed)
    model = nn.make_mlp((784, *cfg["hidden"], 10), rng=rng)
    h = nn.fit(model, x_tr, y_tr, epochs=EPOCHS, batch_size=cfg["batch_size"],
               optimizer=nn.Adam(lr=cfg["lr"]), rng=rng, validation_data=(x_val, y_val),
               lr_decay=cfg["lr_decay"])
    logits = nn.predict_logits(model, x_test)
    return {"perceptron_w": p.w.tolist(), "perceptron_mistakes": p.mistakes,
            "loss": h["loss"], "val_loss": h["val_loss"], "val_accuracy": h["val_accuracy"],
            "test_accuracy": nn.accuracy(logits, y_test), "logits_sum": float(logits.astype(np.float64).sum())}


@pytest.mark.slow
def test_chapter1_is_deterministic(mnist):
    first, second = chapter1_numbers(mnist), chapter1_numbers(mnist)
    assert first == second                                   # exact, not approximate
    assert first["val_accuracy"][-1] > 0.85                  # and it is a real training run
    assert chapter1_numbers(mnist, seed=43)["loss"] != first["loss"]


def keras_run(x, y, x_val, y_val, seed) -> dict:
    from dl_course import keras_models as km
    km.seed_everything(seed)
    model = km.compile_classifier(km.dense_classifier((64,), dropout=0.2))   # dropout: random at every step
    h = km.train(model, x, y, epochs=2, batch_size=128, validation_data=(x_val, y_val))
    h.pop("seconds")
    return {**h, "weights_sum": float(sum(np.asarray(w, np.float64).sum() for w in model.get_weights()))}


@pytest.mark.slow
def test_keras_training_is_deterministic_with_seed_everything(mnist):
    x_tr, y_tr, x_val, y_val, _, _ = mnist
    args = (x_tr, y_tr, x_val[:1000], y_val[:1000])
    first, second = keras_run(*args, seed=0), keras_run(*args, seed=0)
    assert first == second
    assert first["val_accuracy"][-1] > 0.7                  # a real training run (chance: 0.1)
    assert keras_run(*args, seed=1)["loss"] != first["loss"]


@pytest.mark.skipif(os.environ.get("KERAS_BACKEND", "tensorflow") != "tensorflow",
                    reason="TensorFlow's switch; JAX's CPU ops are deterministic without one (checked above)")
def test_seed_everything_turns_on_tensorflow_op_determinism():
    """On this CPU the runs above are identical even without the switch; on a GPU they are not,
    so the switch itself is checked (through TensorFlow's own, non-public, query)."""
    from tensorflow.python.framework import config
    from dl_course import keras_models as km
    km.seed_everything(0)
    assert config.is_op_determinism_enabled()
