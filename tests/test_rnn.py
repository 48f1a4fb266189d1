"""Chapter 4: parameter formulas, masking, and the training helpers on text."""

import numpy as np
import pytest

from dl_course import rnn

pytestmark = pytest.mark.keras      # also run under KERAS_BACKEND=jax by `make test`


@pytest.mark.parametrize("kind", ["simple", "lstm", "gru"])
@pytest.mark.parametrize("bidirectional", [False, True])
@pytest.mark.parametrize("embed,units", [(8, 4), (32, 16), (50, 64)])
def test_closed_form_parameter_counts_match_keras(kind, bidirectional, embed, units):
    model = rnn.rnn_classifier(kind, vocab_size=100, embed_dim=embed, units=units, bidirectional=bidirectional)
    assert model.count_params() == rnn.classifier_params(kind, 100, embed, units, bidirectional)
    recurrent = model.layers[1]
    assert recurrent.count_params() == rnn.recurrent_params(kind, embed, units, bidirectional)


@pytest.mark.parametrize("kind", ["simple", "lstm", "gru"])
@pytest.mark.parametrize("bidirectional", [False, True])
def test_padding_does_not_change_the_output(kind, bidirectional):
    import keras
    keras.utils.set_random_seed(0)
    model = rnn.rnn_classifier(kind, vocab_size=50, embed_dim=8, units=6, bidirectional=bidirectional)
    review = [5, 17, 3, 42, 9]
    short = np.array([review + [0] * 3], np.int32)
    long = np.array([review + [0] * 40], np.int32)
    np.testing.assert_allclose(model.predict(short, verbose=0), model.predict(long, verbose=0), rtol=1e-5, atol=1e-6)
    other = np.array([[5, 17, 3, 42, 8] + [0] * 3], np.int32)      # a different review does change it
    assert not np.allclose(model.predict(short, verbose=0), model.predict(other, verbose=0))


def test_unknown_kind_is_refused():
    with pytest.raises(ValueError, match="kind='transformer' is not known"):
        rnn.rnn_classifier("transformer", vocab_size=10)
