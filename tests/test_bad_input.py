"""Likely mistakes at the public entry points get a message that names the argument, says what it
got and what is expected. Each case calls one function with one mistake; the regex checks the
argument's name and the substance of the message. Also: a loss that becomes NaN stops training."""

import functools
import re

import numpy as np
import pytest

from dl_course import _checks, conv, data, gradcheck, numpy_nets as nn, perceptron, selection

R = np.random.default_rng(0)
IMAGES = R.integers(0, 256, (20, 28, 28)).astype(np.uint8)
X = R.standard_normal((20, 4)).astype(np.float32)
Y = np.arange(20) % 3
X_NAN = X.copy()
X_NAN[7, 1] = np.nan


def mlp(sizes=(4, 5, 3), dtype=np.float32):
    return nn.make_mlp(sizes, rng=np.random.default_rng(1), dtype=dtype)


def nn_fit(x=X, y=Y, model=None, **kw):
    args = dict(epochs=1, batch_size=8, optimizer=nn.SGD(0.1), rng=np.random.default_rng(2))
    return nn.fit(model or mlp(), x, y, **{**args, **kw})


# (id, call, exception, regex). Keras cases import keras lazily, inside the call.
CASES = [
    # ---- data
    ("scale_images-float", lambda: data.scale_images(IMAGES / 255.0), TypeError, r"x must be uint8 .* do not scale them twice"),
    ("scale_images-1d", lambda: data.scale_images(np.zeros(5, np.uint8)), ValueError, r"x must be a 2-D or 3-D or 4-D array; got a 1-D"),
    ("scale_images-empty", lambda: data.scale_images(np.zeros((0, 28, 28), np.uint8)), ValueError, r"x is empty"),
    ("scale_images-list", lambda: data.scale_images(None), TypeError, r"x must be an array; got NoneType"),
    ("split-lengths", lambda: data.train_val_split(X, Y[:-1], n_val=5), ValueError, r"x has 20 examples but y has 19"),
    ("split-onehot", lambda: data.train_val_split(X, np.eye(3)[Y], n_val=5), ValueError, r"y must be a 1-D array; got a 2-D .* y.argmax\(axis=1\)"),
    ("split-float-labels", lambda: data.train_val_split(X, Y + 0.5, n_val=5), TypeError, r"y must have a signed integer or unsigned integer dtype"),
    ("split-n_val-too-big", lambda: data.train_val_split(X, Y, n_val=20), ValueError, r"n_val must be an integer in \[1, 19\]; got 20"),
    ("split-n_val-float", lambda: data.train_val_split(X, Y, n_val=0.2), TypeError, r"n_val must be an integer; got 0.2"),
    ("load_mnist-array-as-path", lambda: data.load_mnist(IMAGES), TypeError, r"path must be a folder or file name"),
    ("load_imdb-ratings", lambda: data.load_imdb(with_ratings="yes"), TypeError, r"with_ratings must be True or False"),
    ("parse_idx-str", lambda: data.parse_idx("00000801"), TypeError, r"payload must be bytes"),
    # ---- numpy_nets
    ("make_mlp-int", lambda: nn.make_mlp(784, rng=R), TypeError, r"sizes must be a sequence of integer widths"),
    ("make_mlp-zero-width", lambda: nn.make_mlp((4, 0, 3), rng=R), ValueError, r"sizes\[1\] must be an integer >= 1; got 0"),
    ("make_mlp-seed-as-rng", lambda: nn.make_mlp((4, 3), rng=0), TypeError, r"rng must be a numpy.random.Generator; got int\. Pass rng=np.random.default_rng"),
    ("make_mlp-activation-string", lambda: nn.make_mlp((4, 3), rng=R, activation="relu"), TypeError, r"activation must be a Layer class"),
    ("fit-images", lambda: nn_fit(x=IMAGES), ValueError, r"x must have shape \(N, D\); got shape \(20, 28, 28\)\. Flatten"),
    ("fit-width", lambda: nn_fit(model=mlp((5, 3))), ValueError, r"x has 4 features per row but the model's first layer expects 5"),
    ("fit-labels-range", lambda: nn_fit(y=Y + 1), ValueError, r"y has labels from 1 to 3; expected integers in \[0, 3\)"),
    ("fit-onehot", lambda: nn_fit(y=np.eye(3)[Y]), ValueError, r"y looks one-hot encoded .* y.argmax\(axis=1\)"),
    ("fit-float-labels", lambda: nn_fit(y=Y.astype(float)), TypeError, r"y must hold integer class labels; got dtype float64\. Convert with y.astype\(int\)"),
    ("fit-lengths", lambda: nn_fit(y=Y[:10]), ValueError, r"x has 20 examples but y has 10"),
    ("fit-empty", lambda: nn_fit(x=X[:0], y=Y[:0]), ValueError, r"x is empty"),
    ("fit-val-nan", lambda: nn_fit(validation_data=(X_NAN, Y)), ValueError, r"validation x contains 1 NaN or infinite values \(first at index \(7, 1\)\)"),
    ("fit-val-labels", lambda: nn_fit(validation_data=(X, Y + 5)), ValueError, r"validation labels has labels from 5 to 7"),
    ("fit-val-not-pair", lambda: nn_fit(validation_data=X), TypeError, r"validation_data must be a pair"),
    ("fit-batch_size", lambda: nn_fit(batch_size=0), ValueError, r"batch_size must be an integer >= 1; got 0"),
    ("fit-epochs-float", lambda: nn_fit(epochs=2.5), TypeError, r"epochs must be an integer; got 2.5"),
    ("fit-optimizer-class", lambda: nn_fit(optimizer=nn.SGD), TypeError, r"optimizer must be an optimizer object"),
    ("fit-lr_decay", lambda: nn_fit(lr_decay=0), ValueError, r"lr_decay must be a finite number in \(0, inf\); got 0"),
    ("predict-nan", lambda: nn.predict_logits(mlp(), X_NAN), ValueError, r"x contains 1 NaN"),
    ("predict-width", lambda: nn.predict_logits(mlp(), X[:, :3]), ValueError, r"x has 3 features per row but the model's first layer expects 4"),
    ("accuracy-lengths", lambda: nn.accuracy(np.zeros((20, 3)), Y[:5]), ValueError, r"logits has 20 examples but y has 5"),
    ("accuracy-labels", lambda: nn.accuracy(np.zeros((20, 3)), Y + 3), ValueError, r"y has labels from 3 to 5; expected integers in \[0, 3\)"),
    ("accuracy-1d-logits", lambda: nn.accuracy(np.zeros(20), Y), ValueError, r"logits must be a 2-D array"),
    # ---- perceptron and gradcheck
    ("perceptron-01-labels", lambda: perceptron.Perceptron().fit(X, Y % 2), ValueError, r"y must contain only -1 and \+1"),
    ("perceptron-nan", lambda: perceptron.Perceptron().fit(X_NAN, 2 * (Y % 2) - 1), ValueError, r"x contains 1 NaN"),
    ("perceptron-lengths", lambda: perceptron.Perceptron().fit(X, np.ones(3)), ValueError, r"x has 20 examples but y has 3"),
    ("perceptron-lr", lambda: perceptron.Perceptron(lr=0).fit(X, 2 * (Y % 2) - 1), ValueError, r"lr must be a finite number in \(0, inf\)"),
    ("perceptron-rng", lambda: perceptron.Perceptron().fit(X, 2 * (Y % 2) - 1, rng=1), TypeError, r"rng must be a numpy.random.Generator"),
    ("gradcheck-float32-x", lambda: gradcheck.check_layer(mlp(dtype=np.float64), X), TypeError, r"x must be float64 for a gradient check; got float32"),
    ("gradcheck-float32-params", lambda: gradcheck.check_layer(mlp(), X.astype(np.float64)), TypeError, r"parameter 'W' of Dense\(4, 5\) is float32"),
    ("gradcheck-nan", lambda: gradcheck.check_layer(mlp(dtype=np.float64), X_NAN.astype(np.float64)), ValueError, r"x contains 1 NaN"),
    ("gradcheck-eps", lambda: gradcheck.check_layer(mlp(dtype=np.float64), X.astype(np.float64), eps=0), ValueError, r"eps must be a finite number in \(0, inf\)"),
    ("check_loss-float32", lambda: gradcheck.check_loss(nn.softmax_cross_entropy, X, Y % 4), TypeError, r"logits must be float64"),
    # ---- selection
    ("folds-k", lambda: selection.stratified_folds(Y, k=1), ValueError, r"k must be >= 2"),
    ("folds-rare-class", lambda: selection.stratified_folds(np.r_[Y, 9], k=3), ValueError, r"k=3 folds need at least 3 examples of every class in y; the rarest class has 1"),
    ("cv-lengths", lambda: selection.cross_validate(lambda *a, **k: 0.0, {}, X, Y[:-2], k=2), ValueError, r"x has 20 examples but y has 18"),
    ("cv-score_fn", lambda: selection.cross_validate("fit_and_score", {}, X, Y, k=2), TypeError, r"score_fn must be a function"),
    ("cv-config", lambda: selection.cross_validate(lambda *a, **k: 0.0, [("lr", 1e-3)], X, Y, k=2), TypeError, r"config must be a dict"),
    ("search-empty", lambda: selection.search(lambda *a, **k: 0.0, [], X, Y, k=2), ValueError, r"configs is empty"),
    ("bias-not-bool", lambda: selection.selection_bias(np.ones((3, 50)), n_select=10), TypeError, r"correct must have a boolean dtype; got dtype float64\. Pass a bool array"),
    ("bias-n_select", lambda: selection.selection_bias(np.ones((3, 50), bool), n_select=50), ValueError, r"n_select must be in \(0, 50\)"),
    # ---- conv
    ("conv2d-3d", lambda: conv.conv2d(np.zeros((28, 28, 1)), np.zeros((3, 3, 1, 2))), ValueError, r"x must be \(N, H, W, C\) .* image\[None, :, :, None\]"),
    ("conv2d-channels", lambda: conv.conv2d(np.zeros((1, 8, 8, 3)), np.zeros((3, 3, 1, 2))), ValueError, r"x has 3 channels but w expects 1"),
    ("conv2d-kernel-too-big", lambda: conv.conv2d(np.zeros((1, 4, 4, 1)), np.zeros((5, 5, 1, 1))), ValueError, r"w's 5 x 5 kernel is larger than the 4 x 4 image"),
    ("conv2d-stride", lambda: conv.conv2d(np.zeros((1, 8, 8, 1)), np.zeros((3, 3, 1, 1)), stride=0), ValueError, r"stride must be an integer >= 1; got 0"),
    ("conv2d-padding", lambda: conv.conv2d(np.zeros((1, 8, 8, 1)), np.zeros((3, 3, 1, 1)), padding="SAME"), ValueError, r"padding='SAME' is not known; expected one of \['same', 'valid'\]"),
    ("conv2d-bias", lambda: conv.conv2d(np.zeros((1, 8, 8, 1)), np.zeros((3, 3, 1, 2)), b=np.zeros(3)), ValueError, r"b must have shape \(2,\)"),
    ("conv2d-nan", lambda: conv.conv2d(np.full((1, 8, 8, 1), np.nan), np.zeros((3, 3, 1, 1))), ValueError, r"x contains 64 NaN"),
    ("pool-3d", lambda: conv.max_pool2d(np.zeros((8, 8, 1))), ValueError, r"x must be a 4-D array; got a 3-D .* \(N, H, W, C\)"),
    ("pool-size", lambda: conv.max_pool2d(np.zeros((1, 4, 4, 1)), size=5), ValueError, r"size=5 is larger than the 4 x 4 feature maps"),
    ("pool-stride", lambda: conv.max_pool2d(np.zeros((1, 4, 4, 1)), stride=0), ValueError, r"stride must be an integer >= 1; got 0"),
]


def keras_cases():
    """Cases that need Keras (imported only when these run)."""
    def km():
        from dl_course import keras_models
        return keras_models

    def ae():
        from dl_course import autoencoders
        return autoencoders

    def cnn():
        from dl_course import cnn as c
        return c

    def rnn():
        from dl_course import rnn as r
        return r

    def vae():
        from dl_course import vae as v
        return v

    def text():
        from dl_course import text as t
        return t

    @functools.lru_cache(maxsize=None)
    def model(n_in=4, n_classes=3):
        return km().compile_classifier(km().dense_classifier((5,), input_dim=n_in, n_classes=n_classes))

    def train(**kw):
        args = dict(x=X, y=Y, epochs=1, batch_size=8)
        args.update(kw)
        return km().train(kw.pop("model", None) or model(), **{k: v for k, v in args.items() if k != "model"})

    return [
        ("km-train-labels", lambda: train(y=Y + 1), ValueError, r"y has labels from 1 to 3; expected integers in \[0, 3\) for 3 classes"),
        ("km-train-onehot", lambda: train(y=np.eye(3)[Y]), ValueError, r"y looks one-hot encoded"),
        ("km-train-shape", lambda: train(x=np.zeros((20, 2, 2), np.float32)), ValueError, r"x has shape \(20, 2, 2\) but the model takes inputs of shape \(N, 4\)"),
        ("km-train-lengths", lambda: train(y=Y[:4]), ValueError, r"x has 20 examples but y has 4"),
        ("km-train-nan", lambda: train(x=X_NAN), ValueError, r"x contains NaN or infinite values \(rows \[7\]"),
        ("km-train-val-labels", lambda: train(validation_data=(X, Y + 7)), ValueError, r"validation labels has labels from 7 to 9"),
        ("km-train-epochs", lambda: train(epochs=0), ValueError, r"epochs must be an integer >= 1; got 0"),
        ("km-train-uncompiled", lambda: train(model=km().dense_classifier((5,), input_dim=4, n_classes=3)), ValueError, r"model is not compiled; compile it first"),
        ("km-train-strings", lambda: train(x=np.array(["a"] * 20)), TypeError, r"x must have a floating-point or signed integer or unsigned integer or boolean dtype; got dtype <U1"),
        ("km-train-binary-labels", lambda: km().train(rnn().rnn_classifier("gru", 10, 2, 2), np.ones((4, 3), np.int32), np.array([0, 1, 2, 1]), epochs=1), ValueError, r"y must be 0 or 1 for a binary classifier; got values \[0, 1, 2\]"),
        ("km-compile-optimizer", lambda: km().compile_classifier(model(), optimizer="Adam"), ValueError, r"optimizer='Adam' is not known; expected one of \['adam', 'momentum', 'rmsprop', 'sgd'\]"),
        ("km-compile-lr", lambda: km().compile_classifier(model(), lr=-1e-3), ValueError, r"lr must be a finite number in \(0, inf\); got -0.001"),
        ("km-compile-not-model", lambda: km().compile_classifier("mlp"), TypeError, r"model must be a keras.Model"),
        ("km-dense-hidden-int", lambda: km().dense_classifier(256), TypeError, r"hidden must be a sequence of layer widths"),
        ("km-dense-n_classes", lambda: km().dense_classifier((8,), n_classes=1), ValueError, r"n_classes must be an integer >= 2; got 1"),
        ("km-dense-dropout", lambda: km().dense_classifier((8,), dropout=1.0), ValueError, r"dropout must be in \[0, 1\), got 1.0"),
        ("cnn-pooling", lambda: cnn().simple_cnn(pooling="MAX"), ValueError, r"pooling='MAX' is not known"),
        ("cnn-blocks", lambda: cnn().simple_cnn(blocks=6), ValueError, r"blocks=6 halves the image 6 times, too often for input_shape \(28, 28, 1\)"),
        ("cnn-input_shape", lambda: cnn().simple_cnn(input_shape=(28, 28)), ValueError, r"input_shape must be \(H, W, C\)"),
        ("cnn-dropout", lambda: cnn().simple_cnn(dropout=-0.1), ValueError, r"dropout must be a finite number in \[0, 1\)"),
        ("cnn-trial-config", lambda: cnn().fit_trial({"filters": 8}, 0, x_train=X, y_train=Y, x_val=X, y_val=Y), ValueError, r"config lacks \['batch_size', 'epochs', 'lr', 'optimizer'\]"),
        ("rnn-kind", lambda: rnn().rnn_classifier("LSTM", 100), ValueError, r"kind='LSTM' is not known; expected one of \['gru', 'lstm', 'simple'\]"),
        ("rnn-vocab", lambda: rnn().rnn_classifier("lstm", 1), ValueError, r"vocab_size must be an integer >= 2; got 1"),
        ("rnn-dropout", lambda: rnn().rnn_classifier("lstm", 100, recurrent_dropout=1.5), ValueError, r"recurrent_dropout must be a finite number in \[0, 1\)"),
        ("ae-code_dim", lambda: ae().dense_autoencoder(0), ValueError, r"code_dim must be an integer >= 1; got 0"),
        ("ae-hidden-int", lambda: ae().dense_autoencoder(2, hidden=128), TypeError, r"hidden must be a sequence of layer widths"),
        ("ae-loss", lambda: ae().dense_autoencoder(2, loss="binary_crosentropy"), ValueError, r"Could not interpret loss identifier: binary_crosentropy"),
        ("ae-gaussian-uint8", lambda: ae().gaussian_noise(IMAGES, 0.1, R), TypeError, r"x must have a floating-point dtype; got dtype uint8\. Noise is added to images scaled"),
        ("ae-gaussian-std", lambda: ae().gaussian_noise(X, -1.0, R), ValueError, r"std must be >= 0, got -1.0"),
        ("ae-gaussian-rng", lambda: ae().gaussian_noise(X, 0.1, 0), TypeError, r"rng must be a numpy.random.Generator"),
        ("ae-masking-fraction", lambda: ae().masking_noise(X, 1.5, R), ValueError, r"fraction must be in \[0, 1\], got 1.5"),
        ("ae-masking-nan", lambda: ae().masking_noise(X_NAN, 0.5, R), ValueError, r"x contains 1 NaN"),
        ("ae-pca-k", lambda: ae().pca_reconstruct(X, X, 10), ValueError, r"k must be an integer in \[1, 4\]; got 10"),
        ("ae-pca-features", lambda: ae().pca_reconstruct(X, X[:, :2], 1), ValueError, r"x has 2 features but x_train has 4"),
        ("vae-latent", lambda: vae().make_vae(0), ValueError, r"latent_dim must be an integer >= 1; got 0"),
        ("vae-beta", lambda: vae().make_vae(2, beta=-1), ValueError, r"beta must be a finite number in \[0, inf\); got -1"),
        ("vae-hidden", lambda: vae().make_vae(2, hidden=64), TypeError, r"hidden must be a sequence of layer widths"),
        ("text-one-string", lambda: text().make_vectorizer("one review", 100), TypeError, r"train_texts must be a list of texts, not one string"),
    ]


ALL = CASES + keras_cases()


@pytest.mark.parametrize("call, exc, pattern", [c[1:] for c in ALL], ids=[c[0] for c in ALL])
def test_mistake_gets_a_clear_message(call, exc, pattern):
    with pytest.raises(exc, match=pattern):
        call()


def test_every_case_names_a_distinct_mistake():
    assert len({c[0] for c in ALL}) == len(ALL)


# ---------------------------------------------------------------------------- the helpers themselves

def test_check_helpers_accept_what_they_should():
    a = _checks.check_array("x", [[1.0, 2.0]], ndim=2, dtype_kind="f", finite=True)
    assert isinstance(a, np.ndarray) and a.shape == (1, 2)
    assert _checks.check_labels("y", np.array([0, 2, 1]), 3).tolist() == [0, 2, 1]
    assert _checks.check_int("n", np.int64(3)) == 3 and _checks.check_number("lr", 1e-3, low=0, low_open=True) == 1e-3
    assert _checks.check_choice("k", "a", {"a": 1}) == "a"
    with pytest.raises(TypeError, match="flag must be an integer; got True"):
        _checks.check_int("flag", True)
    with pytest.raises(ValueError, match=r"lr must be a finite number in \(0, inf\); got nan"):
        _checks.check_number("lr", float("nan"), low=0, low_open=True)
    with pytest.raises(ValueError, match=r"options=\[1\] is not known"):
        _checks.check_choice("options", [1], {"a": 1})
    with pytest.raises(TypeError, match="x must be a rectangular array"):
        _checks.check_array("x", [[1, 2], [3]])


# ---------------------------------------------------------------------------- NaN loss stops training

@pytest.mark.filterwarnings("ignore:overflow:RuntimeWarning", "ignore:invalid value:RuntimeWarning")
def test_numpy_fit_stops_when_the_loss_diverges():
    """A too-large learning rate: the logits overflow, the loss becomes NaN/inf, fit stops and says why."""
    r = np.random.default_rng(3)
    x = r.standard_normal((256, 20)).astype(np.float32) * 100
    y = r.integers(0, 4, 256)
    with pytest.raises(FloatingPointError, match=r"loss became (nan|inf) in epoch \d+; lower the learning rate \(now 1e\+20\)"):
        nn.fit(nn.make_mlp((20, 64, 4), rng=r), x, y, epochs=20, batch_size=32, optimizer=nn.SGD(1e20), rng=r)


def test_numpy_fit_stops_on_nan_inputs_and_names_the_rows():
    with pytest.raises(FloatingPointError, match=r"loss became nan in epoch 1; x has NaN or infinite values \(rows \[7\]\)"):
        nn_fit(x=X_NAN, batch_size=20)


def test_keras_train_stops_when_the_loss_becomes_nan():
    from dl_course import keras_models as km
    r = np.random.default_rng(4)
    x = r.standard_normal((256, 20)).astype(np.float32) * 1e3
    y = r.integers(0, 4, 256)
    model = km.compile_classifier(km.dense_classifier((8,), input_dim=20, n_classes=4), lr=1e8, optimizer="sgd")
    with pytest.raises(FloatingPointError, match=r"the training loss became NaN in epoch (\d+); lower the learning rate") as err:
        km.train(model, x, y, epochs=30, batch_size=32)
    assert int(re.search(r"epoch (\d+)", str(err.value)).group(1)) < 5          # it stopped: not all 30 epochs were run
