import numpy as np
import pytest

from dl_course import conv

pytestmark = pytest.mark.keras      # also run under KERAS_BACKEND=jax by `make test`


@pytest.mark.parametrize("kernel,stride,padding,c_in,c_out", [
    (3, 1, "valid", 1, 4), (3, 1, "same", 2, 3), (5, 2, "same", 3, 2), (4, 2, "valid", 1, 1),
    (2, 3, "same", 2, 5), (1, 1, "valid", 3, 2)])
def test_numpy_conv_matches_keras(kernel, stride, padding, c_in, c_out):
    import keras
    r = np.random.default_rng(0)
    x = r.standard_normal((2, 11, 9, c_in)).astype(np.float32)
    layer = keras.layers.Conv2D(c_out, kernel, strides=stride, padding=padding)
    expected = np.asarray(layer(x))
    w, b = (np.asarray(v) for v in layer.get_weights())
    b = b + r.standard_normal(b.shape).astype(np.float32)
    layer.set_weights([w, b])
    expected = np.asarray(layer(x))
    got = conv.conv2d(x, w, b, stride=stride, padding=padding)
    assert got.shape == expected.shape
    np.testing.assert_allclose(got, expected, rtol=1e-4, atol=1e-5)


def test_max_pool_matches_keras():
    import keras
    x = np.random.default_rng(1).standard_normal((2, 8, 6, 3)).astype(np.float32)
    np.testing.assert_array_equal(conv.max_pool2d(x, 2), np.asarray(keras.layers.MaxPooling2D(2)(x)))


@pytest.mark.parametrize("n", [7, 28, 31])
@pytest.mark.parametrize("kernel", [1, 3, 5])
@pytest.mark.parametrize("stride", [1, 2, 3])
@pytest.mark.parametrize("padding", ["valid", "same"])
def test_shape_and_parameter_formulas_match_keras(n, kernel, stride, padding):
    import keras
    model = keras.Sequential([keras.Input((n, n, 3)), keras.layers.Conv2D(4, kernel, strides=stride, padding=padding)])
    out = conv.conv_output_size(n, kernel, stride, padding)
    assert model.output_shape == (None, out, out, 4)
    assert model.count_params() == conv.conv_params(kernel, kernel, 3, 4)


def test_receptive_field():
    assert conv.receptive_field([(3, 1), (3, 1)]) == 5                 # two 3x3 convs see 5x5
    assert conv.receptive_field([(3, 1), (2, 2), (3, 1), (2, 2)]) == 10
    assert conv.receptive_field([]) == 1


def test_bad_padding_is_refused():
    with pytest.raises(ValueError, match="padding='full' is not known"):
        conv.conv2d(np.zeros((1, 4, 4, 1)), np.zeros((3, 3, 1, 1)), padding="full")


@pytest.mark.parametrize("filters,kernel,blocks,pooling,bn", [
    (8, 3, 1, "max", False), (16, 5, 2, "avg", True), (8, 3, 3, "none", False), (4, 7, 3, "max", True)])
def test_cnn_parameter_count_from_the_formulas(filters, kernel, blocks, pooling, bn):
    from dl_course import cnn
    model = cnn.simple_cnn(filters=filters, kernel_size=kernel, blocks=blocks, pooling=pooling,
                           batch_norm=bn, dense=32)
    n, c_in, expected = 28, 1, 0
    for i in range(blocks):
        c_out = filters * 2 ** i
        expected += conv.conv_params(kernel, kernel, c_in, c_out, bias=not bn) + (4 * c_out if bn else 0)
        n = conv.conv_output_size(n, kernel, 2, "same") if pooling == "none" else conv.conv_output_size(n, 2, 2)
        c_in = c_out
    expected += (n * n * c_in + 1) * 32 + (32 + 1) * 10
    assert model.count_params() == expected
    assert model.output_shape == (None, 10)
