"""Autoencoders (Chapter 5, and Chapter 6's contrast with the VAE), in backend-independent Keras 3.

Images are flattened to (N, 784) with grey levels in [0, 1]; the decoder ends in a sigmoid, so
reconstructions are in [0, 1] too.
"""

from __future__ import annotations


from . import _quiet  # noqa: F401  (before keras: keeps TensorFlow's logs out of the book)

import keras  # noqa: E402

import numpy as np  # noqa: E402

from ._checks import check_array, check_int, check_number, check_rng  # noqa: E402

__all__ = ["dense_autoencoder", "gaussian_noise", "masking_noise", "pca_reconstruct",
           "squared_error_per_image", "bce_per_pixel", "sequence_autoencoder", "token_accuracy"]


def dense_autoencoder(code_dim: int, hidden=(), input_dim: int = 784, activation: str = "relu",
                      code_activation: str | None = None, loss: str = "binary_crossentropy",
                      lr: float = 1e-3, output_activation: str | None = "sigmoid"):
    """A compiled dense autoencoder; returns ``(autoencoder, encoder, decoder)``.

    Encoder: Dense(h, activation) for h in ``hidden``, then Dense(code_dim, code_activation) (a
    linear code by default). Decoder: the mirror image, ending in Dense(input_dim, sigmoid).
    ``hidden=()`` gives the shallow autoencoder (one code layer). Input and output (N, input_dim).
    With ``output_activation=None``, ``loss="mse"`` and no hidden layer it is a *linear* autoencoder.
    """
    check_int("code_dim", code_dim)
    check_int("input_dim", input_dim)
    if isinstance(hidden, (int, str)):
        raise TypeError(f"hidden must be a sequence of layer widths, e.g. (256, 128) or (); got {hidden!r}.")
    hidden = tuple(check_int(f"hidden[{i}]", h) for i, h in enumerate(hidden))
    check_number("lr", lr, low=0, low_open=True)
    keras.losses.get(loss)      # an unknown loss name fails here, with Keras's message, not at fit time
    x = inputs = keras.Input((input_dim,))
    for h in hidden:
        x = keras.layers.Dense(h, activation=activation)(x)
    code = keras.layers.Dense(code_dim, activation=code_activation, name="code")(x)
    encoder = keras.Model(inputs, code, name="encoder")

    z = code_in = keras.Input((code_dim,))
    for h in reversed(hidden):
        z = keras.layers.Dense(h, activation=activation)(z)
    decoder = keras.Model(code_in, keras.layers.Dense(input_dim, activation=output_activation)(z), name="decoder")

    autoencoder = keras.Model(inputs, decoder(encoder(inputs)), name="autoencoder")
    autoencoder.compile(optimizer=keras.optimizers.Adam(lr), loss=loss)
    return autoencoder, encoder, decoder


def gaussian_noise(x: np.ndarray, std: float, rng: np.random.Generator) -> np.ndarray:
    """x + N(0, std^2) per pixel, clipped back to [0, 1]; same shape and dtype as x."""
    x = check_array("x", x, dtype_kind="f", finite=True, hint="Noise is added to images scaled to [0, 1] (scale_images).")
    check_number("std", std)
    check_rng("rng", rng)
    if std < 0:
        raise ValueError(f"std must be >= 0, got {std}.")
    return np.clip(x + rng.normal(scale=std, size=x.shape), 0.0, 1.0).astype(x.dtype)


def masking_noise(x: np.ndarray, fraction: float, rng: np.random.Generator) -> np.ndarray:
    """Set each pixel to 0 independently with probability ``fraction`` (Vincent et al. 2008)."""
    x = check_array("x", x, dtype_kind="fiu", finite=True)
    check_rng("rng", rng)
    if not 0 <= fraction <= 1:
        raise ValueError(f"fraction must be in [0, 1], got {fraction}.")
    return (x * (rng.random(x.shape) >= fraction)).astype(x.dtype)


def pca_reconstruct(x_train: np.ndarray, x: np.ndarray, k: int) -> np.ndarray:
    """Project x (N, D) on the top-k principal subspace of x_train (scikit-learn PCA) and map back."""
    from sklearn.decomposition import PCA
    x_train = check_array("x_train", x_train, ndim=2, dtype_kind="fiu", finite=True)
    x = check_array("x", x, ndim=2, dtype_kind="fiu", finite=True)
    if x.shape[1] != x_train.shape[1]:
        raise ValueError(f"x has {x.shape[1]} features but x_train has {x_train.shape[1]}.")
    check_int("k", k, maximum=min(x_train.shape))
    pca = PCA(n_components=k, random_state=0).fit(x_train)
    return pca.inverse_transform(pca.transform(x)).astype(x.dtype)


def squared_error_per_image(x: np.ndarray, x_hat: np.ndarray) -> float:
    """Mean over images of sum over pixels of (x - x_hat)^2 (the measure of Hinton and Salakhutdinov 2006)."""
    return float(np.mean(np.sum((x - x_hat) ** 2, axis=1)))


def bce_per_pixel(x: np.ndarray, x_hat: np.ndarray, eps: float = 1e-7) -> float:
    """Mean per-pixel binary cross-entropy of reconstructions x_hat in (0, 1) against x (the Keras blog's measure)."""
    p = np.clip(x_hat, eps, 1 - eps)
    return float(np.mean(-(x * np.log(p) + (1 - x) * np.log(1 - p))))


def sequence_autoencoder(vocab_size: int, code_dim: int = 128, embed_dim: int = 64, lr: float = 2e-3):
    """A GRU sequence autoencoder with teacher forcing; returns ``(model, encoder)``.

    Encoder: token ids (N, T) (0 = padding, masked) -> Embedding -> GRU -> code (N, code_dim).
    Decoder: the code is the initial state of a second GRU that reads the teacher-forcing inputs
    (N, T) (the targets shifted right, start token ``vocab_size``) and outputs logits (N, T, vocab_size).
    ``model([tokens, decoder_inputs])`` is trained with sparse cross-entropy on the tokens; pass
    ``sample_weight=(tokens != 0)`` so padding does not count.
    """
    L = keras.layers
    enc_in = keras.Input((None,), dtype="int32", name="tokens")
    code = L.GRU(code_dim, name="code")(L.Embedding(vocab_size, embed_dim, mask_zero=True)(enc_in))
    encoder = keras.Model(enc_in, code, name="sequence_encoder")
    dec_in = keras.Input((None,), dtype="int32", name="decoder_inputs")
    seq = L.GRU(code_dim, return_sequences=True)(L.Embedding(vocab_size + 1, embed_dim)(dec_in),
                                                 initial_state=encoder(enc_in))
    model = keras.Model([enc_in, dec_in], L.Dense(vocab_size)(seq), name="sequence_autoencoder")
    model.compile(optimizer=keras.optimizers.Adam(lr),
                  loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
                  weighted_metrics=[])
    return model, encoder


def token_accuracy(logits: np.ndarray, targets: np.ndarray) -> np.ndarray:
    """Per sequence: fraction of non-padding positions whose arg-max logit is the target token, (N,)."""
    mask = targets != 0
    hits = (np.argmax(logits, axis=-1) == targets) & mask
    return hits.sum(axis=1) / np.maximum(mask.sum(axis=1), 1)
