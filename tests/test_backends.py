"""Backend portability: the package's model code needs Keras and one backend, not TensorFlow.

The model tests themselves run under both backends (`make test` runs ``pytest -m keras`` again
with ``KERAS_BACKEND=jax``). Here: the text vectoriser gives Keras's ``TextVectorization`` ids,
and in a process where TensorFlow cannot be imported the package imports and its models train
under JAX (what Chapters 1, 3, 4, 5 and 6 need on a machine without TensorFlow).
"""

import importlib.util
import os
import subprocess
import sys
import textwrap

import numpy as np
import pytest

from dl_course import text

TRAIN = ["The cat sat on the mat.", "The dog sat<br />on the log!", "A cat, a dog; the END.", "dog dog cat"]
TEST = ["the zebra sat on a cat", "", "dog " * 20]


@pytest.mark.keras
def test_vectorizer_matches_keras_text_vectorization():
    """Same vocabulary, tie order, truncation and padding as TextVectorization on standardised text."""
    if importlib.util.find_spec("tensorflow") is None:
        pytest.skip("keras.layers.TextVectorization needs TensorFlow, which is not installed here")
    import keras
    for maxlen in (5, None):
        ours = text.make_vectorizer(TRAIN, vocab_size=6, maxlen=maxlen)
        layer = keras.layers.TextVectorization(max_tokens=6, standardize=None, output_sequence_length=maxlen)
        layer.adapt(np.array([text.standardize(t) for t in TRAIN], dtype=object))
        assert ours.get_vocabulary() == [str(w) for w in layer.get_vocabulary()]
        expected = np.asarray(layer(np.array([text.standardize(t) for t in TEST], dtype=object)))
        np.testing.assert_array_equal(ours(TEST), expected)


def test_vectorizer_ids_padding_and_truncation():
    vec = text.make_vectorizer(TRAIN, vocab_size=6, maxlen=4)
    vocab = vec.get_vocabulary()
    # counts: the 5, dog 4, cat 3, then a tie at 2 (sat, on, a) that the reverse token order breaks
    assert vocab == ["", "[UNK]", "the", "dog", "cat", "sat"]
    ids = vec(TEST)
    assert ids.dtype == np.int32 and ids.shape == (3, 4)
    assert ids.tolist()[:2] == [[2, 1, 5, 1], [0, 0, 0, 0]]   # 'zebra' unknown; the empty text is all padding
    assert ids[2].tolist() == [3] * 4                     # truncated to the first maxlen tokens
    ragged = text.make_vectorizer(TRAIN, vocab_size=6)(["cat", "cat dog the"])
    assert ragged.tolist() == [[4, 0, 0], [4, 3, 2]]      # padded to the longest text of the call
    with pytest.raises(TypeError, match="list of texts"):
        vec("one string")


NO_TENSORFLOW = textwrap.dedent('''
    import importlib.abc, sys

    class NoTensorFlow(importlib.abc.MetaPathFinder):
        """Makes `import tensorflow` fail as it does where TensorFlow is not installed."""
        def find_spec(self, name, path=None, target=None):
            if name.split(".")[0] == "tensorflow":
                raise ModuleNotFoundError(f"No module named {name!r}", name=name)

    sys.meta_path.insert(0, NoTensorFlow())

    import numpy as np
    import keras
    from dl_course import (autoencoders as ae, book, cnn, conv, data, gradcheck, keras_models as km,
                           numpy_nets, perceptron, plots, profiles, rnn, selection, sweep, text, vae as V, vae_tf)
    assert keras.backend.backend() == "jax", keras.backend.backend()

    r = np.random.default_rng(0)
    km.seed_everything(0)
    x, y = r.random((64, 784), dtype=np.float32), r.integers(0, 10, 64)
    mlp = km.compile_classifier(km.dense_classifier((16,)))
    h = km.train(mlp, x, y, epochs=3, batch_size=32)
    assert h["loss"][-1] < h["loss"][0], h["loss"]

    net = cnn.compile_cnn(cnn.simple_cnn(filters=4, blocks=1))
    assert net.train_on_batch(x.reshape(-1, 28, 28, 1), y, return_dict=True)["loss"] > 0

    vec = text.make_vectorizer(["a good film", "a bad film", "good good"], vocab_size=10, maxlen=6)
    tokens = vec(["a good film", "a bad film"] * 16)
    model = rnn.rnn_classifier("gru", 10, 8, 4, seed=0)
    labels = np.tile([1, 0], 16)
    l0 = model.evaluate(tokens, labels, verbose=0)[0]
    model.fit(tokens, labels, epochs=5, batch_size=8, verbose=0)
    assert model.evaluate(tokens, labels, verbose=0)[0] < l0
    assert rnn.input_gradient_norms(model, tokens[:2, :3]).shape == (3,)

    auto, _, _ = ae.dense_autoencoder(2, hidden=(8,))
    auto.fit(x, x, epochs=1, verbose=0)
    vae = V.make_vae(2, hidden=(16,))
    l0 = vae.evaluate(x, x, verbose=0, return_dict=True)["loss"]
    vae.fit(x, epochs=3, batch_size=32, verbose=0)
    assert vae.evaluate(x, x, verbose=0, return_dict=True)["loss"] < l0
    try:
        vae_tf.TapeVAE(V.build_encoder(2, (8,)), V.build_decoder(2, (8,)))
        raise AssertionError("TapeVAE must refuse the JAX backend")
    except RuntimeError as err:
        assert "TensorFlow only" in str(err)
    try:
        from dl_course import tf_lowlevel
        raise AssertionError("tf_lowlevel imported without TensorFlow")
    except ModuleNotFoundError:
        pass
    assert not any(m.split(".")[0] == "tensorflow" for m in sys.modules), "something imported TensorFlow"
    print("ok")
''')


def test_package_trains_under_jax_without_tensorflow():
    """Every module but tf_lowlevel imports, and the models of Chapters 3-6 train, with TensorFlow unimportable."""
    pytest.importorskip("jax", reason="JAX is in the test extras: pip install -e '.[test]'")
    env = dict(os.environ, KERAS_BACKEND="jax", JAX_PLATFORMS="cpu")
    out = subprocess.run([sys.executable, "-c", NO_TENSORFLOW], env=env, capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr[-3000:]
    assert out.stdout.strip().endswith("ok")
