import numpy as np
import pytest

from dl_course import gradcheck, numpy_nets as nn

TOL = 1e-6   # the bound on the relative error, float64


def rng(seed=0):
    return np.random.default_rng(seed)


@pytest.mark.parametrize("init", ["he", "glorot"])
def test_dense_gradients_match_finite_differences(init):
    layer = nn.Dense(5, 4, rng=rng(), init=init, dtype=np.float64)
    layer.params["b"] += rng(1).standard_normal(4)          # a non-zero bias, so db is exercised
    errors = gradcheck.check_layer(layer, rng(2).standard_normal((6, 5)))
    assert set(errors) == {"x", "W", "b"}
    assert max(errors.values()) < TOL, errors


@pytest.mark.parametrize("cls", [nn.ReLU, nn.Sigmoid, nn.Tanh])
def test_activation_gradients_match_finite_differences(cls):
    x = rng(3).standard_normal((8, 7))
    x[np.abs(x) < 1e-3] = 0.5                      # keep away from ReLU's kink
    errors = gradcheck.check_layer(cls(), x)
    assert errors["x"] < TOL, errors


@pytest.mark.parametrize("activation", [nn.ReLU, nn.Sigmoid, nn.Tanh])
def test_whole_network_gradients(activation):
    net = nn.make_mlp((6, 5, 4, 3), rng=rng(4), activation=activation, dtype=np.float64)
    errors = gradcheck.check_layer(net, rng(5).standard_normal((7, 6)))
    assert len(errors) == 1 + 6
    assert max(errors.values()) < TOL, errors


def test_softmax_cross_entropy_gradient():
    logits = rng(6).standard_normal((9, 4)) * 3
    y = rng(7).integers(0, 4, 9)
    assert gradcheck.check_loss(nn.softmax_cross_entropy, logits, y) < TOL


def test_softmax_cross_entropy_values():
    # uniform logits: loss log K, and it stays finite for huge logits
    loss, _ = nn.softmax_cross_entropy(np.zeros((3, 10)), np.array([0, 5, 9]))
    assert loss == pytest.approx(np.log(10))
    loss, d = nn.softmax_cross_entropy(np.array([[1000.0, 0.0], [0.0, 1000.0]]), np.array([0, 0]))
    assert np.isfinite(loss) and loss == pytest.approx(500.0)
    assert np.isfinite(d).all()


def test_gradient_checker_catches_a_wrong_gradient():
    class BrokenTanh(nn.Tanh):
        def backward(self, dout):
            return dout * (1 - self.y)          # forgot the square
    assert gradcheck.check_layer(BrokenTanh(), rng(8).standard_normal((4, 3)))["x"] > 1e-2


def test_labels_out_of_range_are_rejected():
    with pytest.raises(ValueError, match=r"labels y must lie in \[0, 3\)"):
        nn.softmax_cross_entropy(np.zeros((2, 3)), np.array([0, 3]))


@pytest.mark.parametrize("make_opt", [lambda: nn.SGD(0.5), lambda: nn.SGD(0.1, momentum=0.9),
                                      lambda: nn.Adam(0.01)])
def test_optimisers_fit_a_separable_problem(make_opt):
    r = rng(9)
    x = r.standard_normal((400, 2)).astype(np.float32)
    y = (x[:, 0] * x[:, 1] > 0).astype(np.int64)          # XOR of signs: needs the hidden layer
    net = nn.make_mlp((2, 32, 2), rng=r)
    h = nn.fit(net, x, y, epochs=40, batch_size=32, optimizer=make_opt(), rng=r)
    assert h["loss"][-1] < 0.5 * h["loss"][0]
    assert nn.accuracy(nn.predict_logits(net, x), y) > 0.9


def test_training_is_float32_and_deterministic():
    def run():
        r = rng(10)
        x = r.standard_normal((128, 5)).astype(np.float32)
        y = r.integers(0, 3, 128)
        net = nn.make_mlp((5, 8, 3), rng=r)
        h = nn.fit(net, x, y, epochs=3, batch_size=16, optimizer=nn.Adam(), rng=r)
        return net, h
    (a, ha), (b, hb) = run(), run()
    assert all(layer.params[k].dtype == np.float32 for layer, k in a.parameters())
    assert ha["loss"] == hb["loss"]


def test_nan_loss_stops_training():
    r = rng(11)
    x = r.standard_normal((64, 3)).astype(np.float32)
    x[5, 0] = np.nan
    with pytest.raises(FloatingPointError, match="loss became nan"):
        nn.fit(nn.make_mlp((3, 4, 2), rng=r), x, r.integers(0, 2, 64), epochs=1, batch_size=64,
               optimizer=nn.SGD(0.1), rng=r)


def test_he_initialisation_keeps_activations_alive():
    x = rng(12).standard_normal((256, 100)).astype(np.float32)
    stds = nn.activation_stds(nn.make_mlp((100,) + (100,) * 10 + (10,), rng=rng(13)), x)
    assert 0.3 < stds[-1] < 3.0, stds


def test_fit_rejects_unflattened_images():
    with pytest.raises(ValueError, match=r"x must have shape \(N, D\)"):
        nn.fit(nn.make_mlp((4, 2), rng=rng()), np.zeros((3, 2, 2), np.float32), np.zeros(3, int),
               epochs=1, batch_size=2, optimizer=nn.SGD(), rng=rng())
