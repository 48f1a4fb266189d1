"""Recurrent sentiment classifiers for IMDB (Chapter 4), in backend-independent Keras 3.

Inputs are token ids (N, T) from :func:`dl_course.text.make_vectorizer`, 0 = padding (masked by
the embedding, so padding never changes the output); the output is one logit per review
(positive sentiment), shape (N, 1).
"""

from __future__ import annotations


from . import _quiet  # noqa: F401  (before keras: keeps TensorFlow's logs out of the book)

import keras  # noqa: E402
import numpy as np  # noqa: E402

from ._checks import check_choice, check_int, check_number  # noqa: E402

__all__ = ["RNN_LAYERS", "rnn_classifier", "recurrent_params", "classifier_params", "binary_accuracy",
           "input_gradient_norms"]

RNN_LAYERS = {"simple": keras.layers.SimpleRNN, "lstm": keras.layers.LSTM, "gru": keras.layers.GRU}


def rnn_classifier(kind: str, vocab_size: int, embed_dim: int = 32, units: int = 32, *,
                   bidirectional: bool = False, input_dropout: float = 0.0, dropout: float = 0.0,
                   recurrent_dropout: float = 0.0, lr: float = 1e-3, seed: int | None = None) -> keras.Model:
    """Embedding (masking padding) -> [Dropout] -> SimpleRNN/LSTM/GRU [bidirectional] -> Dense(1) logit.

    ``dropout`` drops the recurrent layer's inputs, ``recurrent_dropout`` its state-to-state
    connections (with the same mask at every step, Gal and Ghahramani 2016); ``input_dropout``
    drops whole embedding features before the layer. Compiled with binary cross-entropy on logits.
    """
    check_choice("kind", kind, RNN_LAYERS)
    check_int("vocab_size", vocab_size, minimum=2)
    check_int("embed_dim", embed_dim)
    check_int("units", units)
    for name, rate in (("input_dropout", input_dropout), ("dropout", dropout), ("recurrent_dropout", recurrent_dropout)):
        check_number(name, rate, low=0, high=1, high_open=True)
    check_number("lr", lr, low=0, low_open=True)
    layer = RNN_LAYERS[kind](units, dropout=dropout, recurrent_dropout=recurrent_dropout, seed=seed)
    stack = [keras.Input((None,), dtype="int32"), keras.layers.Embedding(vocab_size, embed_dim, mask_zero=True)]
    if input_dropout:
        stack.append(keras.layers.Dropout(input_dropout, seed=seed))
    stack += [keras.layers.Bidirectional(layer) if bidirectional else layer, keras.layers.Dense(1)]
    model = keras.Sequential(stack)
    model.compile(optimizer=keras.optimizers.Adam(lr), loss=keras.losses.BinaryCrossentropy(from_logits=True),
                  metrics=[keras.metrics.BinaryAccuracy(threshold=0.0, name="accuracy")])
    return model


def recurrent_params(kind: str, input_dim: int, units: int, bidirectional: bool = False) -> int:
    """Closed-form parameter count of a Keras recurrent layer with input size ``input_dim``.

    SimpleRNN: h' = tanh(W x + U h + b)            -> units (input_dim + units + 1)
    LSTM: four gates (input, forget, cell, output)   -> 4 units (input_dim + units + 1)
    GRU (Keras's reset_after=True): three gates, and two bias vectors per gate
                                                     -> 3 units (input_dim + units + 2)
    A bidirectional layer has two of them.
    """
    per = {"simple": units * (input_dim + units + 1),
           "lstm": 4 * units * (input_dim + units + 1),
           "gru": 3 * units * (input_dim + units + 2)}
    if kind not in per:
        raise ValueError(f"kind={kind!r} is not known; expected one of {sorted(per)}.")
    return per[kind] * (2 if bidirectional else 1)


def classifier_params(kind: str, vocab_size: int, embed_dim: int, units: int, bidirectional: bool = False) -> int:
    """Parameters of :func:`rnn_classifier`: embedding + recurrent layer + the output unit."""
    out_in = units * (2 if bidirectional else 1)
    return vocab_size * embed_dim + recurrent_params(kind, embed_dim, units, bidirectional) + out_in + 1


def binary_accuracy(model: keras.Model, tokens, y, batch_size: int = 256) -> float:
    """Accuracy of logit > 0 against 0/1 labels."""
    logits = model.predict(tokens, batch_size=batch_size, verbose=0)[:, 0]
    return float(((logits > 0) == (np.asarray(y) == 1)).mean())


def input_gradient_norms(model: keras.Model, tokens) -> np.ndarray:
    """|| d logit / d x_t || for each time step t: how much each input position moves the output.

    ``tokens`` (N, T) without padding; ``model`` from :func:`rnn_classifier` (no input dropout).
    The embedding is computed first, then the gradient of the summed logits with respect to the
    embedded inputs (N, T, E) is taken, and its norm over E is averaged over the N reviews: (T,).
    Backend-specific by nature (a gradient with respect to an intermediate value): implemented for
    TensorFlow (``GradientTape``) and JAX (``jax.grad``).
    """
    embed, recurrent, head = model.layers[0], model.layers[-2], model.layers[-1]
    emb = embed(keras.ops.convert_to_tensor(np.asarray(tokens, np.int32)))

    def total_logit(e):
        return keras.ops.sum(head(recurrent(e)))

    backend = keras.backend.backend()
    if backend == "tensorflow":
        import tensorflow as tf
        with tf.GradientTape() as tape:
            tape.watch(emb)
            out = total_logit(emb)
        grad = tape.gradient(out, emb).numpy()
    elif backend == "jax":
        import jax
        grad = np.asarray(jax.grad(total_logit)(emb))
    else:
        raise NotImplementedError(f"input_gradient_norms supports the tensorflow and jax backends, not {backend}.")
    return np.linalg.norm(grad, axis=-1).mean(axis=0)
