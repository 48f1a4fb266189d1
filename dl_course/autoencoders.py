"""Autoencoders (Chapter 5, and Chapter 6's contrast with the VAE), in backend-independent Keras 3.

Images are flattened to (N, 784) with grey levels in [0, 1]; the decoder ends in a sigmoid, so
reconstructions are in [0, 1] too.
"""

from __future__ import annotations

import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")   # see keras_models

import keras  # noqa: E402

__all__ = ["dense_autoencoder"]


def dense_autoencoder(code_dim: int, hidden=(), input_dim: int = 784, activation: str = "relu",
                      code_activation: str | None = None, loss: str = "binary_crossentropy",
                      lr: float = 1e-3):
    """A compiled dense autoencoder; returns ``(autoencoder, encoder, decoder)``.

    Encoder: Dense(h, activation) for h in ``hidden``, then Dense(code_dim, code_activation) (a
    linear code by default). Decoder: the mirror image, ending in Dense(input_dim, sigmoid).
    ``hidden=()`` gives the shallow autoencoder (one code layer). Input and output (N, input_dim).
    """
    x = inputs = keras.Input((input_dim,))
    for h in hidden:
        x = keras.layers.Dense(h, activation=activation)(x)
    code = keras.layers.Dense(code_dim, activation=code_activation, name="code")(x)
    encoder = keras.Model(inputs, code, name="encoder")

    z = code_in = keras.Input((code_dim,))
    for h in reversed(hidden):
        z = keras.layers.Dense(h, activation=activation)(z)
    decoder = keras.Model(code_in, keras.layers.Dense(input_dim, activation="sigmoid")(z), name="decoder")

    autoencoder = keras.Model(inputs, decoder(encoder(inputs)), name="autoencoder")
    autoencoder.compile(optimizer=keras.optimizers.Adam(lr), loss=loss)
    return autoencoder, encoder, decoder
