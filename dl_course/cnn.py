"""Convolutional classifiers for 28 x 28 grey images (Chapter 3), in backend-independent Keras 3.

Input (N, 28, 28, 1) float32 in [0, 1]; output (N, 10) logits.
"""

from __future__ import annotations


from . import _quiet  # noqa: F401  (before keras: keeps TensorFlow's logs out of the book)

import keras  # noqa: E402

from ._checks import check_choice, check_int, check_number  # noqa: E402

__all__ = ["simple_cnn", "compile_cnn", "fit_trial", "BASELINE"]

# The baseline of the hyper-parameter study: every trial changes one of these.
BASELINE = {"filters": 32, "kernel_size": 3, "blocks": 2, "pooling": "max", "dropout": 0.25,
            "batch_norm": False, "dense": 128, "lr": 1e-3, "batch_size": 128, "optimizer": "adam",
            "augment": False}


def simple_cnn(filters: int = 32, kernel_size: int = 3, blocks: int = 2, pooling: str = "max",
               dropout: float = 0.25, batch_norm: bool = False, dense: int = 128, augment: bool = False,
               input_shape=(28, 28, 1), n_classes: int = 10, seed: int | None = None) -> keras.Model:
    """``blocks`` conv blocks, then Dense(dense) and the logits.

    Block i: Conv2D(filters * 2**i, kernel_size, padding="same") [+ BatchNormalization] + ReLU,
    then a 2 x 2 pooling (``pooling`` = "max", "avg" or "none": a stride-2 convolution instead).
    ``dropout`` applies before the dense layers. ``augment`` adds random shifts (up to 10%) and
    horizontal flips, active in training only.
    """
    check_choice("pooling", pooling, ("max", "avg", "none"))
    check_int("blocks", blocks)
    check_int("filters", filters)
    check_int("kernel_size", kernel_size)
    check_int("dense", dense)
    check_int("n_classes", n_classes, minimum=2)
    check_number("dropout", dropout, low=0, high=1, high_open=True)
    input_shape = tuple(input_shape)
    if len(input_shape) != 3:
        raise ValueError(f"input_shape must be (H, W, C), e.g. (28, 28, 1); got {input_shape}.")
    if min(input_shape[:2]) < 2 ** blocks:
        raise ValueError(f"blocks={blocks} halves the image {blocks} times, too often for input_shape "
                         f"{input_shape}; use at most {max(int(min(input_shape[:2])).bit_length() - 1, 1)} blocks.")
    L = keras.layers
    stack = [keras.Input(input_shape)]
    if augment:
        stack += [L.RandomTranslation(0.1, 0.1, fill_mode="constant", seed=seed),
                  L.RandomFlip("horizontal", seed=seed)]
    for i in range(blocks):
        stride = 2 if pooling == "none" else 1
        stack.append(L.Conv2D(filters * 2 ** i, kernel_size, strides=stride, padding="same",
                              use_bias=not batch_norm))
        if batch_norm:
            # momentum 0.9 rather than Keras's 0.99: the moving statistics that inference uses must
            # settle within the few hundred steps of a short run
            stack.append(L.BatchNormalization(momentum=0.9))
        stack.append(L.Activation("relu"))
        if pooling == "max":
            stack.append(L.MaxPooling2D(2))
        elif pooling == "avg":
            stack.append(L.AveragePooling2D(2))
    stack.append(L.Flatten())
    if dropout:
        stack.append(L.Dropout(dropout, seed=seed))
    stack += [L.Dense(dense, activation="relu"), L.Dense(n_classes)]
    return keras.Sequential(stack)


def compile_cnn(model: keras.Model, lr: float = 1e-3, optimizer: str = "adam") -> keras.Model:
    """Softmax cross-entropy on logits; optimizer "adam", "sgd" or "momentum" (SGD with 0.9).

    The same compilation as Chapter 2's dense classifiers: :func:`dl_course.keras_models.compile_classifier`.
    """
    from .keras_models import compile_classifier
    return compile_classifier(model, lr=lr, optimizer=optimizer)


def fit_trial(config: dict, seed: int, *, x_train, y_train, x_val, y_val) -> dict:
    """Train one configuration (``BASELINE``'s keys plus ``epochs``) and return its metrics.

    Metrics: ``val_accuracy`` (last epoch), ``train_accuracy`` (last epoch, running mean),
    ``seconds`` (training wall time) and ``n_params``. This is the ``train_fn`` that
    :func:`dl_course.sweep.sweep` calls, with the data bound by ``functools.partial``.
    """
    from . import keras_models as km
    config = dict(config)
    missing = {"epochs", "lr", "batch_size", "optimizer"} - set(config)
    if missing:
        raise ValueError(f"config lacks {sorted(missing)}; a trial needs BASELINE's keys plus 'epochs'.")
    epochs, lr, batch_size, optimizer = (config.pop(k) for k in ("epochs", "lr", "batch_size", "optimizer"))
    km.seed_everything(seed)
    model = compile_cnn(simple_cnn(**config, seed=seed), lr=lr, optimizer=optimizer)
    h = km.train(model, x_train, y_train, epochs=epochs, batch_size=batch_size, validation_data=(x_val, y_val))
    return {"val_accuracy": h["val_accuracy"][-1], "train_accuracy": h["accuracy"][-1],
            "seconds": float(sum(h["seconds"])), "n_params": int(model.count_params())}
