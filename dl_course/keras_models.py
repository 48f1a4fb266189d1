"""Dense Keras classifiers and the helpers that train them (Chapters 2 and later).

Backend-independent: only ``keras`` and ``keras.ops`` are used here, so this runs under
``KERAS_BACKEND=tensorflow`` (the default) and ``KERAS_BACKEND=jax``. Inputs are float32 arrays
of shape (N, 784) (flattened images in [0, 1]) and integer labels of shape (N,).
"""

from __future__ import annotations

import time

import numpy as np

from . import _quiet  # noqa: F401  (before keras: keeps TensorFlow's logs out of the book)

import keras  # noqa: E402

from ._checks import check_array, check_choice, check_int, check_labels, check_number, check_same_length  # noqa: E402

__all__ = ["seed_everything", "dense_classifier", "compile_classifier", "train", "EpochTimer",
           "evaluate_accuracy", "fit_and_score"]


def seed_everything(seed: int, deterministic: bool = True) -> None:
    """Seed Python, NumPy and the backend (``keras.utils.set_random_seed``).

    With ``deterministic=True`` and the TensorFlow backend, also turn on TensorFlow's op
    determinism, so that a rerun on the same machine gives the same numbers (tested in
    tests/test_determinism.py). It stays on for the rest of the process. Its cost, measured once
    on the 2-core build CPU (shared, so noisy; min to max of 4 runs each): a 784-256-128-10 dense
    net, 2 epochs on 10,000 MNIST images, 1.4-2.0 s without and 1.8-2.3 s with (about +10%); the
    baseline CNN of Chapter 3, 1 epoch on 4,000 images, 1.8-3.5 s without and 2.3-3.7 s with (up to
    about +70%, within the machine's noise). On a GPU it can cost more, as some fast
    non-deterministic kernels (cuDNN convolution algorithms, scatter and segment ops) are replaced;
    that was not measured here. The JAX backend needs no switch on a CPU: its ops are deterministic.
    """
    keras.utils.set_random_seed(seed)
    if deterministic and keras.backend.backend() == "tensorflow":
        import tensorflow as tf
        tf.config.experimental.enable_op_determinism()


def dense_classifier(hidden=(256, 128), *, input_dim: int = 784, n_classes: int = 10,
                     dropout: float = 0.0, l2: float = 0.0, activation: str = "relu",
                     name: str | None = None) -> keras.Model:
    """An MLP: Dense(h) [+ Dropout] for each width h in ``hidden``, then Dense(n_classes) logits.

    ``l2`` adds l2 * sum(W**2) of every kernel to the loss (weight decay); ``dropout`` is the rate
    of the Dropout layer after each hidden layer (0: none). Input (N, input_dim), output (N, n_classes).
    """
    if isinstance(hidden, (int, str)):
        raise TypeError(f"hidden must be a sequence of layer widths, e.g. (256, 128) or (64,); got {hidden!r}.")
    hidden = tuple(check_int(f"hidden[{i}]", h) for i, h in enumerate(hidden))
    check_int("input_dim", input_dim)
    check_int("n_classes", n_classes, minimum=2)
    if not 0 <= dropout < 1:
        raise ValueError(f"dropout must be in [0, 1), got {dropout}.")
    if l2 < 0:
        raise ValueError(f"l2 must be >= 0, got {l2}.")
    reg = keras.regularizers.L2(l2) if l2 else None
    stack = [keras.Input((input_dim,))]
    for h in hidden:
        stack.append(keras.layers.Dense(int(h), activation=activation, kernel_regularizer=reg))
        if dropout:
            stack.append(keras.layers.Dropout(dropout))
    stack.append(keras.layers.Dense(n_classes, kernel_regularizer=reg))
    return keras.Sequential(stack, name=name)


def compile_classifier(model: keras.Model, lr: float = 1e-3, optimizer: str = "adam") -> keras.Model:
    """Compile for integer labels: softmax cross-entropy on logits, accuracy as metric.

    ``optimizer``: "adam", "sgd", "momentum" (SGD with momentum 0.9) or "rmsprop".
    """
    optimizers = {"adam": keras.optimizers.Adam, "sgd": keras.optimizers.SGD,
                  "momentum": lambda learning_rate: keras.optimizers.SGD(learning_rate, momentum=0.9),
                  "rmsprop": keras.optimizers.RMSprop}
    if not isinstance(model, keras.Model):
        raise TypeError(f"model must be a keras.Model (e.g. from dense_classifier); got {type(model).__name__}.")
    check_choice("optimizer", optimizer, optimizers)
    check_number("lr", lr, low=0, low_open=True)
    model.compile(optimizer=optimizers[optimizer](learning_rate=lr),
                  loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
                  metrics=["accuracy"])
    return model


class EpochTimer(keras.callbacks.Callback):
    """Records the wall time of each epoch (training and validation) in ``self.seconds``."""

    def on_train_begin(self, logs=None):
        self.seconds = []

    def on_epoch_begin(self, epoch, logs=None):
        self._t0 = time.perf_counter()

    def on_epoch_end(self, epoch, logs=None):
        self.seconds.append(time.perf_counter() - self._t0)


def _check_inputs(x, y, name: str, model=None) -> None:
    x = check_array(name, x, dtype_kind="fiub")
    label_name = "y" if name == "x" else f"{name.split()[0]} labels"
    check_same_length(name, x, label_name, y)
    if len(x) == 0:
        raise ValueError(f"{name} is empty.")
    if model is not None:
        _check_against_model(x, y, name, label_name, model)
    if np.issubdtype(x.dtype, np.floating) and not np.isfinite(x).all():
        bad = np.flatnonzero(~np.isfinite(x.reshape(len(x), -1)).all(axis=1))
        raise ValueError(f"{name} contains NaN or infinite values (rows {bad[:5].tolist()}...); "
                         "clean or impute them before training.")


def _check_against_model(x, y, name: str, label_name: str, model: keras.Model) -> None:
    """x's shape against the model's input; y against its loss (integer classes below K, or 0/1)."""
    shape = model.input_shape if hasattr(model, "inputs") and model.inputs else None
    if isinstance(shape, tuple) and all(d is None or isinstance(d, int) for d in shape):
        want = shape[1:]
        if len(want) != x.ndim - 1 or any(w is not None and w != g for w, g in zip(want, x.shape[1:])):
            raise ValueError(f"{name} has shape {x.shape} but the model takes inputs of shape (N, "
                             f"{', '.join('any' if w is None else str(w) for w in want)}). Reshape {name} "
                             "(e.g. scale_images(x, flatten=True) for dense models, x[..., None] for CNNs).")
    loss = getattr(model, "loss", None)
    if isinstance(loss, keras.losses.SparseCategoricalCrossentropy):
        check_labels(label_name, y, n_classes=int(model.output_shape[-1]))
    elif isinstance(loss, keras.losses.BinaryCrossentropy):
        y = check_array(label_name, y)
        if not np.isin(y, (0, 1)).all():
            raise ValueError(f"{label_name} must be 0 or 1 for a binary classifier; got values "
                             f"{np.unique(y)[:5].tolist()}.")


def train(model: keras.Model, x, y, *, epochs: int, batch_size: int = 128, validation_data=None,
          early_stopping: int | None = None, callbacks=(), verbose: int = 0) -> dict:
    """``model.fit`` with a timer, a NaN guard and optional early stopping; returns the history dict.

    ``early_stopping=p`` stops when the validation loss has not improved for p epochs and restores
    the weights of the best epoch; the history then has ``best_epoch`` (1-based). Every history has
    ``seconds`` (per epoch). Raises FloatingPointError if the loss becomes NaN.
    """
    if not isinstance(model, keras.Model):
        raise TypeError(f"model must be a keras.Model; got {type(model).__name__}.")
    if not model.compiled:
        raise ValueError("model is not compiled; compile it first, e.g. compile_classifier(model, lr=1e-3).")
    check_int("epochs", epochs)
    check_int("batch_size", batch_size)
    if early_stopping is not None:
        check_int("early_stopping", early_stopping)
    _check_inputs(x, y, "x", model)
    if validation_data is not None:
        if not (isinstance(validation_data, (tuple, list)) and len(validation_data) == 2):
            raise TypeError("validation_data must be a pair (x_val, y_val).")
        _check_inputs(*validation_data, "validation x", model)
    timer = EpochTimer()
    cbs = [timer, keras.callbacks.TerminateOnNaN(), *callbacks]
    stopper = None
    if early_stopping is not None:
        if validation_data is None:
            raise ValueError("early_stopping needs validation_data to monitor.")
        stopper = keras.callbacks.EarlyStopping(monitor="val_loss", patience=early_stopping,
                                                restore_best_weights=True)
        cbs.append(stopper)
    h = model.fit(x, y, epochs=epochs, batch_size=batch_size, validation_data=validation_data,
                  callbacks=cbs, verbose=verbose, shuffle=True)
    history = {k: [float(v) for v in vals] for k, vals in h.history.items()}
    if any(not np.isfinite(v) for v in history.get("loss", [])):
        raise FloatingPointError(f"the training loss became NaN in epoch {len(history['loss'])}; "
                                 "lower the learning rate or check the inputs for NaN/inf.")
    history["seconds"] = timer.seconds
    if stopper is not None:
        history["best_epoch"] = int(np.argmin(history["val_loss"])) + 1
    return history


def evaluate_accuracy(model: keras.Model, x, y, batch_size: int = 1024) -> float:
    """Accuracy of the arg-max logit against integer labels y (N,)."""
    logits = model.predict(x, batch_size=batch_size, verbose=0)
    return float((np.argmax(logits, axis=1) == np.asarray(y)).mean())


def fit_and_score(config: dict, x_train, y_train, x_val, y_val, seed: int = 0) -> float:
    """Build, train and score one configuration: the validation accuracy after training.

    ``config`` keys: ``hidden`` (tuple of widths) or ``width`` and ``depth``; ``lr``, ``dropout``,
    ``l2``, ``epochs``, ``batch_size`` (defaults 1e-3, 0, 0, 10, 128). This is the function the
    model-selection helpers of :mod:`dl_course.selection` call once per fold.
    """
    config = dict(config)
    hidden = config.pop("hidden", None) or (int(config.pop("width", 256)),) * int(config.pop("depth", 2))
    config.pop("width", None), config.pop("depth", None)
    known = {"lr", "dropout", "l2", "epochs", "batch_size"}
    unknown = set(config) - known
    if unknown:
        raise ValueError(f"unknown config keys {sorted(unknown)}; expected hidden/width/depth and {sorted(known)}.")
    seed_everything(seed)
    model = compile_classifier(dense_classifier(hidden, input_dim=x_train.shape[1],
                                                dropout=config.get("dropout", 0.0), l2=config.get("l2", 0.0)),
                               lr=config.get("lr", 1e-3))
    train(model, x_train, y_train, epochs=config.get("epochs", 10), batch_size=config.get("batch_size", 128))
    return evaluate_accuracy(model, x_val, y_val)
