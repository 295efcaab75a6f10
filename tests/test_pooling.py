"""cnnbook.pooling against Keras' pooling layers and tf.nn.pool on random inputs."""

import keras
import numpy as np
import pytest
import tensorflow as tf

from cnnbook.pooling import average_pool2d, max_pool2d, pool2d, pool_output_shape

# (n_h, n_w, n_c, f, s): square and non-square inputs, overlapping and leftover windows.
CASES = [(4, 4, 1, 2, 2), (5, 5, 2, 3, 1), (7, 6, 3, 3, 2), (9, 9, 4, 2, 3), (6, 8, 5, 4, 4)]


@pytest.mark.parametrize(("n_h", "n_w", "n_c", "f", "s"), CASES)
def test_max_pool_matches_keras_and_tf_nn_pool(n_h, n_w, n_c, f, s):
    x = np.random.default_rng(n_h * 100 + f).normal(size=(3, n_h, n_w, n_c)).astype(np.float32)
    ours = max_pool2d(x, f, s)
    layer = keras.layers.MaxPooling2D(pool_size=f, strides=s, padding="valid")
    np.testing.assert_array_equal(ours, keras.ops.convert_to_numpy(layer(x)))
    if s <= f:  # tf.nn.pool refuses strides larger than the window
        reference = tf.nn.pool(x, window_shape=(f, f), pooling_type="MAX", strides=(s, s))
        np.testing.assert_array_equal(ours, reference.numpy())


@pytest.mark.parametrize(("n_h", "n_w", "n_c", "f", "s"), CASES)
def test_average_pool_matches_keras_and_tf_nn_pool(n_h, n_w, n_c, f, s):
    x = np.random.default_rng(n_w * 100 + s).normal(size=(2, n_h, n_w, n_c)).astype(np.float32)
    ours = average_pool2d(x, f, s)
    layer = keras.layers.AveragePooling2D(pool_size=f, strides=s, padding="valid")
    np.testing.assert_allclose(ours, keras.ops.convert_to_numpy(layer(x)), rtol=1e-5, atol=1e-6)
    if s <= f:  # tf.nn.pool refuses strides larger than the window
        reference = tf.nn.pool(x, window_shape=(f, f), pooling_type="AVG", strides=(s, s))
        np.testing.assert_allclose(ours, reference.numpy(), rtol=1e-5, atol=1e-6)


def test_the_4x4_example_by_hand():
    x = np.array([[1, 3, 2, 1], [2, 9, 1, 1], [1, 3, 2, 3], [5, 6, 1, 2]])
    np.testing.assert_array_equal(max_pool2d(x, 2, 2), [[9, 2], [6, 3]])
    np.testing.assert_allclose(average_pool2d(x, 2, 2), [[3.75, 1.25], [3.75, 2.0]])


def test_channels_are_pooled_independently():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(8, 8, 3))
    out = max_pool2d(x, 2, 2)
    assert out.shape == (4, 4, 3)
    for c in range(3):
        np.testing.assert_array_equal(out[:, :, c], max_pool2d(x[:, :, c], 2, 2))


def test_stride_defaults_to_window_size_and_shapes_follow_the_formula():
    x = np.zeros((10, 7, 2))
    assert pool2d(x, 3).shape == (3, 2, 2)  # s = f = 3
    assert pool_output_shape((5, 5), 3, 1) == (3, 3)
    assert pool_output_shape((2, 11, 11, 16), 3, 2) == (2, 5, 5, 16)


@pytest.mark.parametrize(
    ("f", "s", "message"),
    [
        (0, 1, "positive integer f"),
        (2, 0, "positive integer s"),
        (1.5, 1, "positive integer f"),
        (2, -1, "positive integer s"),
        (5, 1, "larger than the input"),
    ],
)
def test_bad_window_or_stride_is_a_clear_error(f, s, message):
    with pytest.raises(ValueError, match=message):
        max_pool2d(np.zeros((4, 4, 1)), f, s)


def test_bad_mode_and_rank_are_clear_errors():
    with pytest.raises(ValueError, match="mode must be 'max' or 'average'"):
        pool2d(np.zeros((4, 4)), 2, mode="min")
    with pytest.raises(ValueError, match="pooling expects"):
        max_pool2d(np.zeros(4), 2)
