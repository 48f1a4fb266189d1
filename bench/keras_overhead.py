"""Benchmark 3: the overhead of ``dl_course.keras_models.train`` over a bare ``model.fit``.

One compiled model (Chapter 2's quick-profile dense classifier, Adam) and one training set.
Both calls are warmed up once (the first ``fit`` traces the training function), then timed
``repeats`` times each, alternating which goes first, each time from the same initial weights,
for the same epochs and batch size, with shuffling and without validation data or progress bar.
The ratio is median(helper) / median(bare); the ratio of the minimums (the least disturbed run
of each) is recorded too.
"""

from __future__ import annotations

import numpy as np

from dl_course import data, profiles

from .common import alternate, goal, median

__all__ = ["settings", "run"]


def settings(fast: bool = False) -> dict:
    cfg = profiles.settings("ch02", "quick")
    cfg = {"n_train": cfg["n_train"], "hidden": list(cfg["hidden"]), "batch_size": cfg["batch_size"],
           "epochs": 3, "repeats": 7}
    if fast:
        cfg.update(n_train=512, epochs=1, repeats=2)
    return cfg


def run(fast: bool = False) -> dict:
    from dl_course import keras_models as km
    import keras

    cfg = settings(fast)
    (x_all, y_all), _ = data.load_mnist()
    x = data.scale_images(x_all[: cfg["n_train"]], flatten=True)
    y = y_all[: cfg["n_train"]].astype(np.int64)
    km.seed_everything(0)
    model = km.compile_classifier(km.dense_classifier(tuple(cfg["hidden"])))
    w0 = model.get_weights()
    fit_args = dict(epochs=cfg["epochs"], batch_size=cfg["batch_size"])

    def helper():
        model.set_weights(w0)
        return lambda: km.train(model, x, y, **fit_args)

    def bare():
        model.set_weights(w0)
        return lambda: model.fit(x, y, verbose=0, shuffle=True, **fit_args)

    alternate(helper, bare, 1)                        # warm-up: tracing, allocator, caches
    t_helper, t_bare = alternate(helper, bare, cfg["repeats"])
    ratio = median(t_helper) / median(t_bare)
    return {"keras_overhead": {
        "what": "seconds of dl_course.keras_models.train over a bare model.fit, same model, data, epochs",
        "settings": cfg,
        "keras_backend": keras.backend.backend(),
        "helper_seconds": t_helper, "bare_seconds": t_bare,
        "ratio": ratio,
        "ratio_of_minimums": min(t_helper) / min(t_bare),     # the least disturbed run of each
        "goal": goal(ratio, 1.05, "max"),
        "met": ratio <= 1.05,
    }}
