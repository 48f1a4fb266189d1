"""Chapter 5: autoencoder shapes, the linear autoencoder = PCA, noise, teacher forcing, sequences."""

import numpy as np
import pytest

from dl_course import autoencoders as ae, text

pytestmark = pytest.mark.keras      # also run under KERAS_BACKEND=jax by `make test`


@pytest.mark.parametrize("code,hidden", [(2, ()), (32, ()), (8, (64, 32))])
def test_shapes_and_code_sizes(code, hidden):
    model, enc, dec = ae.dense_autoencoder(code, hidden=hidden)
    x = np.random.default_rng(0).random((5, 784)).astype(np.float32)
    assert enc.predict(x, verbose=0).shape == (5, code)
    out = model.predict(x, verbose=0)
    assert out.shape == (5, 784) and out.min() >= 0 and out.max() <= 1
    assert dec.predict(np.zeros((3, code), np.float32), verbose=0).shape == (3, 784)


def test_linear_autoencoder_reaches_pca_error():
    import keras
    r = np.random.default_rng(0)
    basis = r.standard_normal((5, 40))
    x = (r.standard_normal((2000, 5)) * [3, 2, 1.5, 1, 0.5]) @ basis + 0.05 * r.standard_normal((2000, 40))
    x = (x - x.mean(0)).astype(np.float32)
    keras.utils.set_random_seed(0)
    model, _, _ = ae.dense_autoencoder(3, input_dim=40, loss="mse", output_activation=None, lr=1e-2)
    model.fit(x, x, epochs=60, batch_size=100, verbose=0)
    err_ae = ae.squared_error_per_image(x, model.predict(x, verbose=0))
    err_pca = ae.squared_error_per_image(x, ae.pca_reconstruct(x, x, 3))
    assert err_pca <= err_ae * 1.0001 + 1e-6          # PCA is optimal among rank-3 linear maps ...
    assert err_ae < err_pca * 1.05                    # ... and the linear autoencoder gets there


def test_noise_statistics_and_range():
    r = np.random.default_rng(0)
    ones = np.ones((2000, 784), np.float32)
    masked = ae.masking_noise(ones, 0.3, r)
    assert masked.dtype == np.float32 and abs((masked == 0).mean() - 0.3) < 0.005
    half = np.full((2000, 784), 0.5, np.float32)
    noisy = ae.gaussian_noise(half, 0.1, r)
    assert noisy.min() >= 0 and noisy.max() <= 1 and noisy.dtype == np.float32
    assert abs(noisy.std() - 0.1) < 0.002 and abs(noisy.mean() - 0.5) < 0.002
    clipped = ae.gaussian_noise(half, 2.0, r)
    assert clipped.min() == 0.0 and clipped.max() == 1.0
    with pytest.raises(ValueError, match="fraction must be in"):
        ae.masking_noise(ones, 1.5, r)


def test_teacher_forcing_inputs_are_targets_shifted_by_one():
    targets = np.array([[5, 6, 7, 0], [8, 9, 0, 0]])
    dec = text.teacher_forcing_inputs(targets, start_id=100)
    assert dec.tolist() == [[100, 5, 6, 7], [100, 8, 9, 0]]


def test_standardisation_on_crafted_strings():
    cases = {
        "Great movie!<br /><br />Loved it.": "great movie loved it",
        "I DON'T like 'quoted' words...": "i don't like quoted words",
        "tabs\tand   spaces<br/>and<br>breaks": "tabs and spaces and breaks",
        "10/10 -- would watch again :)": "10 10 would watch again",
        "the 'black' 'white' cat": "the black white cat",
        "Clichés, naïve... 8½!": "clichés naïve 8½",
    }
    for raw, expected in cases.items():
        assert text.standardize(raw) == expected


def test_vocabulary_never_sees_test_texts():
    train = ["the cat sat", "the dog sat"]
    test = ["zebra unicorn"]
    vec = text.make_vectorizer(train, vocab_size=50, maxlen=4)
    vocab = vec.get_vocabulary()
    assert "zebra" not in vocab and "cat" in vocab
    assert np.asarray(vec(np.array(test, dtype=object))).tolist() == [[1, 1, 0, 0]]   # [UNK] twice, padding


def test_sequence_autoencoder_beats_the_most_frequent_token():
    import keras
    r = np.random.default_rng(0)
    vocab, T = 30, 6
    tokens = r.integers(2, vocab, (1500, T)).astype(np.int32)
    tokens[r.random((1500, T)) < 0.3] = 2                 # a frequent token, so the baseline is not trivial
    keras.utils.set_random_seed(0)
    model, encoder = ae.sequence_autoencoder(vocab, code_dim=64, embed_dim=32, lr=5e-3)
    model.fit([tokens, text.teacher_forcing_inputs(tokens, vocab)], tokens, epochs=15, batch_size=64, verbose=0,
              sample_weight=(tokens != 0).astype(np.float32))
    logits = model.predict([tokens[:300], text.teacher_forcing_inputs(tokens[:300], vocab)], verbose=0)
    accuracy = ae.token_accuracy(logits, tokens[:300]).mean()
    majority = (tokens[:300] == 2).mean()
    assert accuracy > majority + 0.2, (accuracy, majority)
    assert encoder.predict(tokens[:4], verbose=0).shape == (4, 64)
