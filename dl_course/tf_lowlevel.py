"""The dense classifier of Chapter 2 written with low-level TensorFlow.

**TensorFlow only**, on purpose: this module teaches TensorFlow itself (tensors, ``tf.Variable``,
``tf.GradientTape``, a ``tf.function`` training step, ``tf.data``). Everything else in the
package is backend-independent Keras.
"""

from __future__ import annotations

import time

import numpy as np

from . import _quiet  # noqa: F401

import keras  # noqa: E402
import tensorflow as tf  # noqa: E402

__all__ = ["LowLevelMLP", "fit_lowlevel"]


class LowLevelMLP(tf.Module):
    """ReLU MLP with layer widths ``sizes`` = (D, h1, ..., K), as plain tf.Variables.

    Weights start Glorot-uniform, W ~ U(-a, a) with a = sqrt(6 / (n_in + n_out)), biases at
    zero: the same initialisation as ``keras.layers.Dense``. Input (B, D) float32, output (B, K) logits.
    """

    def __init__(self, sizes, seed: int = 0):
        super().__init__()
        rng = tf.random.Generator.from_seed(seed)
        self.weights, self.biases = [], []
        for n_in, n_out in zip(sizes[:-1], sizes[1:]):
            a = np.sqrt(6.0 / (n_in + n_out))
            self.weights.append(tf.Variable(rng.uniform((n_in, n_out), -a, a), name="W"))
            self.biases.append(tf.Variable(tf.zeros(n_out), name="b"))

    def __call__(self, x):
        for W, b in zip(self.weights[:-1], self.biases[:-1]):
            x = tf.nn.relu(x @ W + b)
        return x @ self.weights[-1] + self.biases[-1]


def fit_lowlevel(model: LowLevelMLP, x, y, *, epochs: int, batch_size: int = 128, lr: float = 1e-3,
                 validation_data=None, seed: int = 0) -> dict:
    """Train with a hand-written loop: shuffle, batch, GradientTape, Adam; returns a Keras-like history.

    History: per epoch ``loss`` (mean over the epoch's batches), ``accuracy``, ``val_loss`` and
    ``val_accuracy`` (if validation data is given) and ``seconds``.
    """
    optimizer = keras.optimizers.Adam(learning_rate=lr)
    variables = model.trainable_variables
    batches = (tf.data.Dataset.from_tensor_slices((x, np.asarray(y, np.int32)))
               .shuffle(len(x), seed=seed, reshuffle_each_iteration=True)
               .batch(batch_size))

    def loss_fn(logits, labels):
        return tf.reduce_mean(tf.nn.sparse_softmax_cross_entropy_with_logits(labels=labels, logits=logits))

    @tf.function   # traced once into a graph; later calls run the graph
    def train_step(xb, yb):
        with tf.GradientTape() as tape:
            logits = model(xb)
            loss = loss_fn(logits, yb)
        grads = tape.gradient(loss, variables)
        optimizer.apply_gradients(zip(grads, variables))
        correct = tf.reduce_sum(tf.cast(tf.argmax(logits, axis=1, output_type=tf.int32) == yb, tf.float32))
        return loss, correct

    @tf.function
    def evaluate(xv, yv):
        logits = model(xv)
        acc = tf.reduce_mean(tf.cast(tf.argmax(logits, axis=1, output_type=tf.int32) == yv, tf.float32))
        return loss_fn(logits, yv), acc

    history = {"loss": [], "accuracy": [], "val_loss": [], "val_accuracy": [], "seconds": []}
    for _ in range(epochs):
        t0 = time.perf_counter()
        total, correct, n = 0.0, 0.0, 0
        for xb, yb in batches:
            loss, c = train_step(xb, yb)
            total += float(loss) * len(xb)
            correct += float(c)
            n += len(xb)
        if not np.isfinite(total):
            raise FloatingPointError("the training loss became NaN; lower the learning rate.")
        history["loss"].append(total / n)
        history["accuracy"].append(correct / n)
        if validation_data is not None:
            vl, va = evaluate(tf.constant(validation_data[0]), tf.constant(np.asarray(validation_data[1], np.int32)))
            history["val_loss"].append(float(vl))
            history["val_accuracy"].append(float(va))
        history["seconds"].append(time.perf_counter() - t0)
    if validation_data is None:
        del history["val_loss"], history["val_accuracy"]
    return history
