"""From raw reviews to token sequences (Chapters 4 and 5).

Standardisation lower-cases, replaces the ``<br />`` line breaks that IMDB reviews contain by
spaces, and removes punctuation (apostrophes inside words are kept: "don't" stays one token).
The vocabulary is learned by ``keras.layers.TextVectorization`` from the training texts only:
:func:`make_vectorizer` takes the training texts and nothing else. Index 0 is padding, 1 the
out-of-vocabulary token ``[UNK]``.
"""

from __future__ import annotations

import re

from . import _quiet  # noqa: F401  (before keras: keeps TensorFlow's logs out of the book)

import numpy as np  # noqa: E402

__all__ = ["standardize", "standardize_tf", "make_vectorizer", "review_lengths", "teacher_forcing_inputs",
           "first_sentence"]

_BR = r"<br\s*/?>"
_PUNCT = r"[^\w\s']|(?<!\w)'|'(?!\w)"     # punctuation, and apostrophes not inside a word


def standardize(text: str) -> str:
    """The standardisation in plain Python (the same rules as :func:`standardize_tf`)."""
    text = re.sub(_BR, " ", text.lower())
    text = re.sub(_PUNCT, " ", text)
    return re.sub(r"\s+", " ", text).strip()


def standardize_tf(texts):
    """The standardisation as TensorFlow string ops, for ``TextVectorization(standardize=...)``."""
    import tensorflow as tf
    texts = tf.strings.lower(texts)
    texts = tf.strings.regex_replace(texts, _BR, " ")
    texts = tf.strings.regex_replace(texts, r"[^\w\s']", " ")
    texts = tf.strings.regex_replace(texts, r"(^|\s)'+|'+(\s|$)", " ")   # RE2 has no look-behind
    return tf.strings.strip(tf.strings.regex_replace(texts, r"\s+", " "))


def make_vectorizer(train_texts, vocab_size: int, maxlen: int | None = None):
    """A ``TextVectorization`` layer adapted on ``train_texts`` only.

    Output: int64 token ids of shape (N, maxlen), truncated or padded with 0 at the end; with
    ``maxlen=None``, ragged lengths padded to the longest in each call. Vocabulary: the
    ``vocab_size - 2`` most frequent training tokens, plus padding (0) and ``[UNK]`` (1).
    """
    import keras
    layer = keras.layers.TextVectorization(max_tokens=vocab_size, standardize=standardize_tf,
                                           output_sequence_length=maxlen)
    layer.adapt(np.asarray(list(train_texts), dtype=object), batch_size=1024)
    return layer


def review_lengths(texts) -> np.ndarray:
    """Number of tokens of each text after standardisation, (N,) int."""
    return np.array([len(standardize(t).split()) for t in texts])


def teacher_forcing_inputs(targets: np.ndarray, start_id: int) -> np.ndarray:
    """Decoder inputs for teacher forcing: the targets shifted right by one, ``start_id`` first.

    targets (N, T) int -> (N, T) int; at step t the decoder reads the true token t - 1.
    """
    targets = np.asarray(targets)
    out = np.empty_like(targets)
    out[:, 0] = start_id
    out[:, 1:] = targets[:, :-1]
    return out


def first_sentence(text: str) -> str:
    """The review up to its first sentence end (., ! or ? followed by a space or a line break)."""
    return re.split(r"(?<=[.!?])\s+|<br\s*/?>", text.strip(), maxsplit=1)[0]
