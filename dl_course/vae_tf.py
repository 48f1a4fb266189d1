"""The VAE's training step written with ``tf.GradientTape``, as the TensorFlow homework teaches it.

**TensorFlow only.** The package's :class:`dl_course.vae.VAE` overrides ``compute_loss`` instead,
which Keras 3 calls from its own training step on every backend; this class overrides the whole
``train_step``, which only works under ``KERAS_BACKEND=tensorflow``. Both compute the same loss.
The module imports without TensorFlow (so that its source can be shown on any backend);
TensorFlow is imported when a training step runs, and a ``TapeVAE`` refuses other backends.
"""

from __future__ import annotations

from . import _quiet  # noqa: F401

import keras  # noqa: E402

from .vae import VAE, bernoulli_nll, kl_divergence

__all__ = ["TapeVAE"]


@keras.saving.register_keras_serializable(package="dl_course")
class TapeVAE(VAE):
    """A :class:`VAE` whose ``train_step`` records the forward pass on a tape and applies the gradients."""

    def __init__(self, *args, **kwargs):
        if keras.backend.backend() != "tensorflow":
            raise RuntimeError(f"TapeVAE is TensorFlow only (a GradientTape training step), but KERAS_BACKEND is "
                               f"{keras.backend.backend()!r}; dl_course.vae.VAE runs on every backend.")
        super().__init__(*args, **kwargs)

    def train_step(self, data):
        import tensorflow as tf
        x = data[0] if isinstance(data, tuple) else data
        with tf.GradientTape() as tape:
            mu, log_var, z = self.encoder(x, training=True)
            logits = self.decoder(z, training=True)
            reconstruction = bernoulli_nll(x, logits)
            kl = kl_divergence(mu, log_var)
            loss = tf.reduce_mean(reconstruction + self.beta * kl)
        grads = tape.gradient(loss, self.trainable_weights)
        self.optimizer.apply_gradients(zip(grads, self.trainable_weights))
        self.reconstruction_tracker.update_state(reconstruction)
        self.kl_tracker.update_state(kl)
        for m in self.metrics:
            if m.name == "loss":
                m.update_state(loss)
        return {m.name: m.result() for m in self.metrics}
