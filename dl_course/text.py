"""From raw reviews to token sequences (Chapters 4 and 5), on every Keras backend.

Standardisation lower-cases, replaces the ``<br />`` line breaks that IMDB reviews contain by
spaces, and removes punctuation (apostrophes inside words are kept: "don't" stays one token).
The vocabulary is learned from the training texts only: :func:`make_vectorizer` takes the
training texts and nothing else. Index 0 is padding, 1 the out-of-vocabulary token ``[UNK]``.

There is one code path, in NumPy, scikit-learn and ``keras.utils``, so the token ids are the same
under ``KERAS_BACKEND=tensorflow`` and ``jax`` and whether TensorFlow is installed or not
(``keras.layers.TextVectorization`` needs TensorFlow even under JAX). On ASCII text it gives the
same ids as ``TextVectorization`` (the tests check it); on other text it is Unicode-aware where
TensorFlow's string ops are not ("cliché" stays one token).
"""

from __future__ import annotations

import re

from . import _quiet  # noqa: F401  (before keras: keeps TensorFlow's logs out of the book)

import keras  # noqa: E402
import numpy as np  # noqa: E402

__all__ = ["standardize", "tokenize", "Vectorizer", "learn_vocabulary", "make_vectorizer", "review_lengths",
           "teacher_forcing_inputs", "first_sentence"]

_BR = r"<br\s*/?>"
_PUNCT = r"[^\w\s']|(?<!\w)'|'(?!\w)"     # punctuation, and apostrophes not inside a word
PAD, UNK = "", "[UNK]"


def standardize(text: str) -> str:
    """Lower-case, ``<br />`` -> space, punctuation (and apostrophes not inside a word) -> space."""
    text = re.sub(_BR, " ", text.lower())
    text = re.sub(_PUNCT, " ", text)
    return re.sub(r"\s+", " ", text).strip()


def tokenize(text: str) -> list[str]:
    """The tokens of ``text``: its standardised form split at spaces."""
    return standardize(text).split()


class Vectorizer:
    """Texts -> padded token ids with a fixed vocabulary (index 0 padding, 1 ``[UNK]``).

    ``vectorizer(texts)`` returns int32 ids of shape (N, maxlen): each text's first ``maxlen``
    tokens, padded with 0 at the end; with ``maxlen=None``, padded to the longest text of the call.
    """

    def __init__(self, vocabulary, maxlen: int | None = None):
        vocabulary = list(vocabulary)
        if vocabulary[:2] != [PAD, UNK]:
            raise ValueError(f"the vocabulary must start with padding {PAD!r} and {UNK!r}, got {vocabulary[:2]}.")
        if maxlen is not None and maxlen < 1:
            raise ValueError(f"maxlen must be a positive integer or None, got {maxlen}.")
        self.vocabulary, self.maxlen = vocabulary, maxlen
        self.index = {token: i for i, token in enumerate(vocabulary)}

    def get_vocabulary(self) -> list[str]:
        """The tokens by id: padding, ``[UNK]``, then the learned tokens from the most frequent."""
        return list(self.vocabulary)

    def __call__(self, texts) -> np.ndarray:
        """(N,) texts -> (N, maxlen) int32 token ids."""
        if isinstance(texts, str):
            raise TypeError("pass a list of texts, not one string.")
        ids = [[self.index.get(token, 1) for token in tokenize(t)] for t in texts]
        if not ids:
            return np.zeros((0, self.maxlen or 0), np.int32)
        return keras.utils.pad_sequences(ids, maxlen=self.maxlen, dtype="int32", padding="post",
                                         truncating="post", value=0)


def learn_vocabulary(train_texts, vocab_size: int) -> list[str]:
    """Padding, ``[UNK]``, and the ``vocab_size - 2`` most frequent tokens of ``train_texts``.

    Token counts come from scikit-learn's ``CountVectorizer`` with :func:`tokenize`; ties in count
    are broken as ``keras.layers.TextVectorization`` breaks them (reverse token order).
    """
    from sklearn.feature_extraction.text import CountVectorizer
    if isinstance(train_texts, (str, bytes)):
        raise TypeError("train_texts must be a list of texts, not one string (a string would be read "
                        "character by character); wrap a single text as [text].")
    if vocab_size < 3:
        raise ValueError(f"vocab_size must be at least 3 (padding, [UNK] and one token), got {vocab_size}.")
    counter = CountVectorizer(tokenizer=tokenize, token_pattern=None, lowercase=False)
    counts = np.asarray(counter.fit_transform(list(train_texts)).sum(axis=0)).ravel()
    tokens = counter.get_feature_names_out().astype(str)     # str order = UTF-8 byte order
    order = np.lexsort((tokens, counts))[::-1][: vocab_size - 2]      # by count, then token, descending
    return [PAD, UNK, *map(str, tokens[order])]


def make_vectorizer(train_texts, vocab_size: int, maxlen: int | None = None) -> Vectorizer:
    """A :class:`Vectorizer` whose vocabulary (``vocab_size`` ids in all) is learned from ``train_texts`` only."""
    return Vectorizer(learn_vocabulary(train_texts, vocab_size), maxlen)


def review_lengths(texts) -> np.ndarray:
    """Number of tokens of each text after standardisation, (N,) int."""
    return np.array([len(tokenize(t)) for t in texts])


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
