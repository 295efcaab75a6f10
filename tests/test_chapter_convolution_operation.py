"""Chapter 'Computer vision and the convolution operation': the figures it prints (smoke mode)."""

import re

import numpy as np
import pytest
from conftest import shown_animations

CHAPTER = "chapters/foundations/convolution-operation.ipynb"


@pytest.fixture(scope="module")
def run(executed):
    return executed(CHAPTER)


def test_a_dense_layer_on_a_photo_needs_billions_of_weights(run):
    run.assert_printed("image: 1,000 x 1,000 x 3 = 3,000,000 input numbers")
    run.assert_printed("first dense layer with 1,000 units: 3,000,000,000 weights")


def test_vertical_edge_example_gives_30s_in_the_middle_and_0s_outside(run):
    out = run.printed_array("output (4x4):")
    assert out.shape == (4, 4)
    assert (out[:, 1:3] == 30).all() and (out[:, [0, 3]] == 0).all()
    flipped = run.printed_array("output for the flipped image:")
    np.testing.assert_array_equal(flipped, -out)


def test_libraries_and_true_convolution_agree_with_the_loop(run):
    run.assert_printed(
        "cnnbook.conv.cross_correlate equals the loop: True",
        "tf.nn.conv2d equals the loop: True",
        "convolution = cross-correlation with w rotated 180 degrees: True",
        "cnnbook.conv.convolve agrees with SciPy: True",
        "and differs from the unflipped cross-correlation: True",
    )
    np.testing.assert_array_equal(
        run.printed_array("true convolution of the edge image:"),
        -run.printed_array("output (4x4):"),
    )


def test_horizontal_edges_show_30s_and_blends(run):
    out = run.printed_array(
        "horizontal-edge filter:\n [[ 1  1  1]\n [ 0  0  0]\n [-1 -1 -1]]\noutput:"
    )
    np.testing.assert_array_equal(out, [[0] * 4, [30, 10, -10, -30], [30, 10, -10, -30], [0] * 4])


def test_photo_is_filtered_like_tensorflow(run):
    run.assert_printed("photo 256x256 -> filtered 254x254")
    diff = re.search(r"largest difference from tf.nn.conv2d: ([\d.e+-]+)", run.text)
    assert diff and float(diff.group(1)) < 1e-9


def test_learned_filter_recovers_sobel(run):
    losses = re.search(r"loss ([\d.e+-]+) at the start, ([\d.e+-]+) at the end", run.text)
    assert losses and float(losses.group(2)) < 1e-3 * float(losses.group(1))
    error = re.search(r"largest difference from the Sobel filter: ([\d.e+-]+)", run.text)
    assert error and float(error.group(1)) < 0.01
    assert run.images >= 5


def test_the_sliding_filter_is_animated(run):
    assert shown_animations(run) == [("convolution", 16)]
    run.assert_printed("16 frames; the last equals the loop's output: True")
