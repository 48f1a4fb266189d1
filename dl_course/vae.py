"""The variational autoencoder (Chapter 6), in backend-independent Keras 3.

Inputs are flattened images x of shape (N, 784) with grey levels in [0, 1]. The likelihood is a
Bernoulli per pixel (binary cross-entropy on the decoder's logits, the Keras VAE example's
choice), so the reconstruction term and the KL term are both in nats per image, and the loss is
the negative ELBO.

The training step is Keras 3's own: ``VAE`` overrides ``compute_loss``, so ``fit``, ``evaluate``,
``validation_data`` and callbacks work unchanged, under TensorFlow and JAX alike. The
TensorFlow-only ``GradientTape`` version lives in :mod:`dl_course.vae_tf`.
"""

from __future__ import annotations


from . import _quiet  # noqa: F401  (before keras: keeps TensorFlow's logs out of the book)

import keras  # noqa: E402
from keras import ops  # noqa: E402

from ._checks import check_int, check_number  # noqa: E402

__all__ = ["Sampling", "kl_divergence", "bernoulli_nll", "build_encoder", "build_decoder", "VAE", "make_vae"]


@keras.saving.register_keras_serializable(package="dl_course")
class Sampling(keras.layers.Layer):
    """The reparameterisation trick: z = mu + exp(log_var / 2) * eps, eps ~ N(0, I).

    Inputs ``[mu, log_var]``, each (N, d); output z (N, d). Draws come from a seeded
    ``keras.random.SeedGenerator``, so a layer built with the same seed gives the same draws.
    """

    def __init__(self, seed: int | None = None, **kwargs):
        super().__init__(**kwargs)
        self.seed = seed
        self.seed_generator = keras.random.SeedGenerator(seed)

    def call(self, inputs):
        mu, log_var = inputs
        eps = keras.random.normal(ops.shape(mu), seed=self.seed_generator)
        return mu + ops.exp(0.5 * log_var) * eps

    def get_config(self):
        return {**super().get_config(), "seed": self.seed}


def kl_divergence(mu, log_var):
    """KL( N(mu, diag(exp(log_var))) || N(0, I) ) per example, in nats: (N, d) -> (N,).

    Closed form: -1/2 * sum_j (1 + log_var_j - mu_j^2 - exp(log_var_j)).
    """
    return -0.5 * ops.sum(1.0 + log_var - ops.square(mu) - ops.exp(log_var), axis=-1)


def bernoulli_nll(x, logits):
    """-log p(x | z) under independent Bernoullis with the given logits, per example: (N, D) -> (N,).

    Uses the stable form max(l, 0) - l x + log(1 + exp(-|l|)); x may be grey levels in [0, 1].
    """
    return ops.sum(ops.maximum(logits, 0.0) - logits * x + ops.log1p(ops.exp(-ops.abs(logits))), axis=-1)


def build_encoder(latent_dim: int, hidden=(512, 256), input_dim: int = 784, seed: int | None = None) -> keras.Model:
    """x (N, input_dim) -> [mu, log_var, z], each (N, latent_dim)."""
    x = inputs = keras.Input((input_dim,))
    for h in hidden:
        x = keras.layers.Dense(h, activation="relu")(x)
    mu = keras.layers.Dense(latent_dim, name="mu")(x)
    log_var = keras.layers.Dense(latent_dim, name="log_var")(x)
    z = Sampling(seed=seed, name="z")([mu, log_var])
    return keras.Model(inputs, [mu, log_var, z], name="encoder")


def build_decoder(latent_dim: int, hidden=(256, 512), output_dim: int = 784) -> keras.Model:
    """z (N, latent_dim) -> pixel logits (N, output_dim); sigmoid(logits) are the Bernoulli means."""
    z = inputs = keras.Input((latent_dim,))
    for h in hidden:
        z = keras.layers.Dense(h, activation="relu")(z)
    return keras.Model(inputs, keras.layers.Dense(output_dim, name="logits")(z), name="decoder")


@keras.saving.register_keras_serializable(package="dl_course")
class VAE(keras.Model):
    """Encoder + sampling + decoder, trained on the negative ELBO = reconstruction + beta * KL.

    ``call(x)`` returns ``(logits, mu, log_var)``. ``compute_loss`` turns them into the per-image
    reconstruction (nats) and KL (nats), tracks each as a metric (``reconstruction``, ``kl``), and
    returns their mean sum. ``fit(x, epochs=...)`` needs no targets: the input is the target.
    """

    def __init__(self, encoder: keras.Model, decoder: keras.Model, beta: float = 1.0, **kwargs):
        super().__init__(**kwargs)
        self.encoder, self.decoder, self.beta = encoder, decoder, float(beta)
        self.reconstruction_tracker = keras.metrics.Mean(name="reconstruction")
        self.kl_tracker = keras.metrics.Mean(name="kl")

    def call(self, x, training=False):
        mu, log_var, z = self.encoder(x, training=training)
        return self.decoder(z, training=training), mu, log_var

    def compute_loss(self, x=None, y=None, y_pred=None, sample_weight=None, training=True):
        logits, mu, log_var = y_pred
        reconstruction = bernoulli_nll(x, logits)
        kl = kl_divergence(mu, log_var)
        self.reconstruction_tracker.update_state(reconstruction)
        self.kl_tracker.update_state(kl)
        return ops.mean(reconstruction + self.beta * kl)

    def encode(self, x, batch_size: int = 1024):
        """Latent means mu (N, latent_dim), as a NumPy array."""
        return self.encoder.predict(x, batch_size=batch_size, verbose=0)[0]

    def decode(self, z, batch_size: int = 1024):
        """Bernoulli means sigmoid(logits) (N, 784) for latent codes z, as a NumPy array."""
        logits = self.decoder.predict(z, batch_size=batch_size, verbose=0)
        return 1.0 / (1.0 + keras.ops.convert_to_numpy(ops.exp(-logits)))

    def get_config(self):
        return {**super().get_config(), "beta": self.beta,
                "encoder": keras.saving.serialize_keras_object(self.encoder),
                "decoder": keras.saving.serialize_keras_object(self.decoder)}

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        encoder = keras.saving.deserialize_keras_object(config.pop("encoder"))
        decoder = keras.saving.deserialize_keras_object(config.pop("decoder"))
        return cls(encoder, decoder, **config)


def make_vae(latent_dim: int, hidden=(512, 256), beta: float = 1.0, lr: float = 1e-3, seed: int = 0) -> VAE:
    """A compiled dense VAE: encoder widths ``hidden``, decoder the mirror image."""
    check_int("latent_dim", latent_dim)
    if isinstance(hidden, (int, str)):
        raise TypeError(f"hidden must be a sequence of layer widths, e.g. (512, 256); got {hidden!r}.")
    hidden = tuple(check_int(f"hidden[{i}]", h) for i, h in enumerate(hidden))
    check_number("beta", beta, low=0)
    check_number("lr", lr, low=0, low_open=True)
    vae = VAE(build_encoder(latent_dim, hidden, seed=seed), build_decoder(latent_dim, tuple(reversed(hidden))),
              beta=beta)
    vae.compile(optimizer=keras.optimizers.Adam(lr))
    return vae
