"""The NumPy reference convolution against SciPy and TensorFlow (independent implementations)."""

import numpy as np
import pytest
import scipy.ndimage
import scipy.signal
import tensorflow as tf
from skimage import data

from cnnbook.conv import (
    conv2d_valid,
    convolve,
    cross_correlate,
    edge_filter,
    gradient_magnitude,
    pad,
    tf_same_padding,
)

RNG = np.random.default_rng(0)


def tf_conv(image, kernel, stride=1, padding=0):
    """tf.nn.conv2d on one (H, W, C) image with a (f, f, C, K) kernel and explicit zero padding."""
    x = tf.constant(image[None], tf.float64)
    pads = [[0, 0], [padding, padding], [padding, padding], [0, 0]]
    return tf.nn.conv2d(x, tf.constant(kernel, tf.float64), stride, pads).numpy()[0]


def test_cross_correlation_matches_scipy_correlate2d():
    image, kernel = RNG.normal(size=(9, 11)), RNG.normal(size=(3, 3))
    expected = scipy.signal.correlate2d(image, kernel, mode="valid")
    np.testing.assert_allclose(cross_correlate(image, kernel), expected, atol=1e-12)
    np.testing.assert_allclose(conv2d_valid(image, kernel), expected, atol=1e-12)


def test_convolve_flips_the_kernel_like_scipy_convolve2d():
    image, kernel = RNG.normal(size=(8, 8)), RNG.normal(size=(3, 3))
    expected = scipy.signal.convolve2d(image, kernel, mode="valid")
    np.testing.assert_allclose(convolve(image, kernel), expected, atol=1e-12)
    assert not np.allclose(cross_correlate(image, kernel), expected)  # an asymmetric kernel


@pytest.mark.parametrize(
    ("size", "f", "stride", "padding"),
    [(6, 3, 1, 0), (7, 3, 2, 0), (8, 3, 2, 1), (9, 5, 3, 2), (10, 4, 2, 0), (5, 1, 1, 0)],
)
def test_volumes_with_several_filters_match_tf_conv2d(size, f, stride, padding):
    image = RNG.normal(size=(size, size + 1, 3))
    kernel = RNG.normal(size=(f, f, 3, 4))
    ours = cross_correlate(image, kernel, stride=stride, padding=padding)
    np.testing.assert_allclose(ours, tf_conv(image, kernel, stride, padding), atol=1e-10)


def test_one_filter_over_a_volume_sums_over_channels():
    image, kernel = RNG.normal(size=(6, 6, 3)), RNG.normal(size=(3, 3, 3))
    ours = cross_correlate(image, kernel)
    assert ours.shape == (4, 4)
    np.testing.assert_allclose(ours, tf_conv(image, kernel[..., None])[..., 0], atol=1e-12)


def test_classic_edge_filters():
    np.testing.assert_array_equal(edge_filter(), [[1, 0, -1]] * 3)
    np.testing.assert_array_equal(edge_filter("basic", "horizontal"), [[1] * 3, [0] * 3, [-1] * 3])
    np.testing.assert_array_equal(edge_filter("sobel"), [[1, 0, -1], [2, 0, -2], [1, 0, -1]])
    np.testing.assert_array_equal(edge_filter("scharr"), [[3, 0, -3], [10, 0, -10], [3, 0, -3]])
    np.testing.assert_array_equal(edge_filter("scharr", "horizontal"), edge_filter("scharr").T)


def test_sobel_against_scipy_ndimage():
    # scipy's sobel is the derivative (right minus left, bottom minus top): our sign is opposite.
    image = data.camera()[200:260, 200:280].astype(np.float64)
    inner = (slice(1, -1), slice(1, -1))
    gx = cross_correlate(image, edge_filter("sobel", "vertical"))
    gy = cross_correlate(image, edge_filter("sobel", "horizontal"))
    np.testing.assert_allclose(gx, -scipy.ndimage.sobel(image, axis=1)[inner], atol=1e-9)
    np.testing.assert_allclose(gy, -scipy.ndimage.sobel(image, axis=0)[inner], atol=1e-9)
    magnitude = np.hypot(scipy.ndimage.sobel(image, axis=0), scipy.ndimage.sobel(image, axis=1))
    np.testing.assert_allclose(gradient_magnitude(image), magnitude[inner], atol=1e-9)


def test_scharr_against_scipy_correlate():
    image = data.camera()[100:140, 300:350].astype(np.float64)
    kernel = np.array([[3, 0, -3], [10, 0, -10], [3, 0, -3]], dtype=np.float64)
    expected = scipy.ndimage.correlate(image, kernel)[1:-1, 1:-1]
    np.testing.assert_allclose(cross_correlate(image, edge_filter("scharr")), expected, atol=1e-9)


def test_pad_adds_zeros_on_height_and_width_only():
    padded = pad(np.ones((2, 3, 4)), 2)
    assert padded.shape == (6, 7, 4)
    assert padded.sum() == 24 and padded[0].sum() == 0


@pytest.mark.parametrize("n", range(1, 12))
@pytest.mark.parametrize(("f", "s"), [(1, 1), (2, 1), (3, 1), (3, 2), (4, 2), (5, 3), (2, 2)])
def test_tf_same_padding_reproduces_tensorflow_same(n, f, s):
    image = RNG.normal(size=(n, n, 1))
    kernel = RNG.normal(size=(f, f, 1, 1))
    before, after = tf_same_padding(n, f, s)
    x = tf.constant(image[None])
    same = tf.nn.conv2d(x, kernel, s, "SAME").numpy()[0]
    explicit = tf.nn.conv2d(x, kernel, s, [[0, 0], [before, after], [before, after], [0, 0]])
    np.testing.assert_allclose(same, explicit.numpy()[0], atol=1e-10)
    assert same.shape[0] == -(-n // s)


def test_bad_input_is_refused_with_a_sentence():
    with pytest.raises(ValueError, match="unknown edge filter"):
        edge_filter("prewitt")
    with pytest.raises(ValueError, match="direction must be"):
        edge_filter("sobel", "diagonal")
    with pytest.raises(ValueError, match="as many channels as the image"):
        cross_correlate(np.zeros((6, 6, 3)), np.zeros((3, 3, 2)))
    with pytest.raises(ValueError, match="exceeds the padded input"):
        cross_correlate(np.zeros((2, 2)), np.zeros((3, 3)))
    with pytest.raises(ValueError, match="square kernel"):
        cross_correlate(np.zeros((6, 6)), np.zeros((3, 2)))
    with pytest.raises(ValueError, match="stride must be"):
        cross_correlate(np.zeros((6, 6)), np.zeros((3, 3)), stride=0)
    with pytest.raises(ValueError, match="padding p must be"):
        pad(np.zeros((4, 4)), -1)


def test_annotated_heatmap_writes_every_value():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from cnnbook.plots import annotated_heatmap

    fig, ax = plt.subplots()
    annotated_heatmap(ax, edge_filter("sobel"), title="Sobel")
    assert sorted(t.get_text() for t in ax.texts) == sorted(
        ["1", "0", "-1", "2", "0", "-2", "1", "0", "-1"]
    )
    plt.close(fig)
