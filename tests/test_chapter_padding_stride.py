"""Chapter 'Padding and strided convolutions': the figures it prints (smoke mode)."""

import numpy as np
import pytest
from conftest import shown_animations

from cnnbook.conv import cross_correlate, edge_filter

CHAPTER = "chapters/foundations/padding-stride.ipynb"


@pytest.fixture(scope="module")
def run(executed):
    return executed(CHAPTER)


def test_valid_convolutions_shrink_and_neglect_the_border(run):
    run.assert_printed("after 31 layers it is 2x2: no room for another")
    counts = run.printed_array("windows covering each pixel, no padding:")
    assert counts[0, 0] == 1 and counts[2, 2] == 9
    padded = run.printed_array("windows covering each pixel, padding 1:")
    assert padded[0, 0] == 4


def test_padding_keeps_the_size(run):
    run.assert_printed("image (6, 6) -> padded (8, 8) -> output (6, 6)")
    run.assert_printed("f =  3: same padding p = 1", "f = 11: same padding p = 5")
    run.assert_printed("Keras Conv2D 3x3, padding='valid': 6x6 -> (4, 4)")
    run.assert_printed("Keras Conv2D 3x3, padding='same': 6x6 -> (6, 6)")
    out = run.printed_array("output:")
    assert out[1, 0] == -30 and out[0, 0] == -20 and (out[:, 2:4] > 0).all()


def test_even_filters_pad_lopsidedly(run):
    run.assert_printed("same_padding(4): 'same' padding needs an odd filter size")
    run.assert_printed("TensorFlow 'same', f = 4: 1 row(s) before, 2 after")


def test_stride_two_example_by_hand_equals_tensorflow(run):
    patch = run.printed_array("7x7 patch:")
    assert patch.shape == (7, 7) and patch.min() >= 0 and patch.max() <= 9
    by_hand = run.printed_array("output by hand (3x3):")
    with_tf = run.printed_array("output from tf.nn.conv2d, stride 2:")
    expected = cross_correlate(patch, edge_filter("sobel", "vertical"), stride=2)
    np.testing.assert_array_equal(by_hand, expected)
    np.testing.assert_array_equal(with_tf, expected)
    run.assert_printed("same as by hand: True")


def test_floor_drops_the_last_column(run):
    run.assert_printed("n = 7: (n - f) / s = 2.0, output 3x3, columns never seen: []")
    run.assert_printed("n = 8: (n - f) / s = 2.5, output 3x3, columns never seen: [7]")


def test_formula_agrees_with_tensorflow_and_keras_everywhere(run):
    # smoke grid: n 1..7, f 1..5, p 0..2, s 1..3, skipping f > n + 2p
    expected = sum(
        1
        for n in range(1, 8)
        for f in range(1, 6)
        for p in range(3)
        for s in range(1, 4)
        if f <= n + 2 * p
    )
    run.assert_printed(f"checked {expected:,} combinations of n, f, p, s: 0 disagreements")
    run.assert_printed("Keras padding='same': 63 of 63 combinations match the formula")
    assert run.images >= 1


def test_padding_and_stride_two_are_animated(run):
    # the 4x4 crop padded to 6x6 (16 positions), then the 7x7 patch at stride 2 (9)
    assert shown_animations(run) == [("convolution", 16), ("convolution", 9)]
    run.assert_printed("last frame equals the output by hand: True")
