"""The Chapter 1 network on real MNIST, with the quick profile's settings, exactly as the chapter runs it."""

import numpy as np
import pytest

from dl_course import data, numpy_nets as nn, profiles


@pytest.mark.slow
def test_quick_profile_reaches_97_percent_on_the_mnist_test_set(real_data):
    cfg = profiles.settings("ch01", "quick")
    (x, y), (xt, yt) = data.load_mnist(real_data)
    x, xt = data.scale_images(x, flatten=True), data.scale_images(xt, flatten=True)
    x_tr, x_val, y_tr, y_val = data.train_val_split(x, y, n_val=5000, seed=0)
    x_tr, y_tr = x_tr[: cfg["n_train"]], y_tr[: cfg["n_train"]]
    rng = np.random.default_rng(42)
    model = nn.make_mlp((784, *cfg["hidden"], 10), rng=rng)
    history = nn.fit(model, x_tr, y_tr, epochs=cfg["epochs"], batch_size=cfg["batch_size"],
                     optimizer=nn.Adam(lr=cfg["lr"]), rng=rng, validation_data=(x_val, y_val),
                     lr_decay=cfg["lr_decay"])
    test_accuracy = nn.accuracy(nn.predict_logits(model, xt), yt)
    assert test_accuracy >= 0.97, test_accuracy
    assert history["val_accuracy"][-1] >= 0.97
    assert history["loss"][-1] < history["loss"][0]
