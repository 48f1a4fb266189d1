"""Chapter 6's VAE: the KL term, the sampling layer, training and saving (`make test` runs them under both backends)."""

import numpy as np
import pytest

import keras
from dl_course import vae as V

pytestmark = pytest.mark.keras      # also run under KERAS_BACKEND=jax by `make test`


def test_closed_form_kl_matches_monte_carlo():
    from scipy.stats import norm
    mu, log_var = np.array([[1.0, -0.5, 0.2]]), np.log(np.array([[0.5, 2.0, 1.0]]))
    sd = np.exp(0.5 * log_var[0])
    z = mu[0] + sd * np.random.default_rng(0).standard_normal((400_000, 3))
    mc = np.mean(norm.logpdf(z, mu[0], sd).sum(1) - norm.logpdf(z).sum(1))
    closed = float(np.asarray(V.kl_divergence(keras.ops.convert_to_tensor(mu), keras.ops.convert_to_tensor(log_var)))[0])
    assert closed == pytest.approx(mc, rel=0.02)
    assert float(np.asarray(V.kl_divergence(np.zeros((1, 4)), np.zeros((1, 4))))[0]) == 0.0


def test_sampling_has_the_requested_mean_and_variance_and_is_reproducible():
    mu = np.full((50_000, 2), [1.5, -2.0], np.float32)
    log_var = np.full((50_000, 2), np.log([0.25, 4.0]), np.float32)
    z = np.asarray(V.Sampling(seed=3)([mu, log_var]))
    np.testing.assert_allclose(z.mean(0), [1.5, -2.0], atol=0.03)
    np.testing.assert_allclose(z.var(0), [0.25, 4.0], rtol=0.03)
    again = np.asarray(V.Sampling(seed=3)([mu, log_var]))
    np.testing.assert_array_equal(z, again)
    assert not np.array_equal(z, np.asarray(V.Sampling(seed=4)([mu, log_var])))


def batch(n=256, seed=0):
    return np.random.default_rng(seed).random((n, 784)).astype(np.float32) ** 3   # sparse-ish "images"


def test_one_training_step_lowers_the_loss_on_a_fixed_batch():
    keras.utils.set_random_seed(0)
    model = V.make_vae(2, hidden=(64,), lr=1e-3)
    x = batch()
    before = np.mean([model.evaluate(x, x, verbose=0, return_dict=True)["loss"] for _ in range(3)])
    model.train_on_batch(x, x)
    after = np.mean([model.evaluate(x, x, verbose=0, return_dict=True)["loss"] for _ in range(3)])
    assert after < before - 1.0, (before, after)


def test_metrics_are_tracked_separately_and_sum_to_the_loss():
    keras.utils.set_random_seed(0)
    model = V.make_vae(2, hidden=(32,))
    x = batch(128)
    h = model.fit(x, epochs=2, batch_size=64, verbose=0, validation_data=(x, x))
    for k in ("loss", "reconstruction", "kl", "val_loss", "val_reconstruction", "val_kl"):
        assert k in h.history
    assert h.history["loss"][-1] == pytest.approx(h.history["reconstruction"][-1] + h.history["kl"][-1], rel=1e-4)


@pytest.mark.tensorflow_only
def test_tape_and_compute_loss_versions_agree():
    from dl_course import vae_tf
    keras.utils.set_random_seed(0)
    a = V.make_vae(3, hidden=(32,), seed=5)
    b = vae_tf.TapeVAE(V.build_encoder(3, (32,), seed=5), V.build_decoder(3, (32,)))
    b.compile(optimizer=keras.optimizers.Adam(1e-3))
    x = batch(64)
    b(x)
    # sigma = exp(-15): z = mu, so both steps see the same z and must compute the same loss
    lv = a.encoder.get_layer("log_var")
    lv.set_weights([np.zeros_like(lv.get_weights()[0]), np.full(3, -30.0, np.float32)])
    b.set_weights(a.get_weights())
    la = a.train_on_batch(x, x, return_dict=True)
    lb = b.train_on_batch(x, x, return_dict=True)
    assert la["loss"] == pytest.approx(lb["loss"], rel=1e-5)
    np.testing.assert_allclose(np.concatenate([w.ravel() for w in a.get_weights()]),
                               np.concatenate([w.ravel() for w in b.get_weights()]), rtol=1e-4, atol=1e-6)


def test_save_and_load_give_identical_outputs(tmp_path):
    keras.utils.set_random_seed(0)
    model = V.make_vae(2, hidden=(32,))
    x = batch(32)
    model.fit(x, epochs=1, verbose=0)
    path = tmp_path / "vae.keras"
    model.save(path)
    loaded = keras.saving.load_model(path)          # safe mode: no arbitrary code
    np.testing.assert_array_equal(loaded.encode(x), model.encode(x))
    z = np.random.default_rng(0).standard_normal((4, 2)).astype(np.float32)
    np.testing.assert_array_equal(loaded.decode(z), model.decode(z))
