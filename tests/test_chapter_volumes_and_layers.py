"""Chapter 'Convolutions over volumes and one convolutional layer': what it prints (smoke mode)."""

import re

import pytest
from conftest import shown_animations

CHAPTER = "chapters/foundations/volumes-and-layers.ipynb"


@pytest.fixture(scope="module")
def run(executed):
    return executed(CHAPTER)


def test_a_volume_and_one_filter_give_a_plane(run):
    run.assert_printed("input (6, 6, 3), filter (3, 3, 3)")
    run.assert_printed("NumPy output shape (4, 4); tf.nn.conv2d output shape (1, 4, 4, 1)")
    run.assert_printed("same numbers: True")
    run.assert_printed(
        "sum of the three per-channel convolutions equals the volume convolution: True"
    )


def test_two_filters_give_two_channels(run):
    run.assert_printed("input (6, 6, 3), filters (3, 3, 3, 2) -> output (4, 4, 2)")
    run.assert_printed("tf.nn.conv2d: (1, 4, 4, 2); same numbers: True")
    run.assert_printed("photo (128, 128, 3) -> feature maps (126, 126, 2)")
    diff = re.search(r"largest difference from tf.nn.conv2d: ([\d.e+-]+)", run.text)
    assert diff and float(diff.group(1)) < 1e-9
    assert run.images >= 1


def test_numpy_layer_equals_keras_layer(run):
    run.assert_printed("a[l] shape: NumPy (4, 4, 2), Keras (4, 4, 2)")
    diff = re.search(r"largest difference between NumPy and Keras: ([\d.e+-]+)", run.text)
    assert diff and float(diff.group(1)) < 1e-4


def test_280_parameters_whatever_the_image_size(run):
    run.assert_printed("10 filters of 3x3x3, with biases: 280 parameters")
    for side, dense in [("6", "1,090"), ("64", "122,890"), ("224", "1,505,290")]:
        assert re.search(rf"\b{side} x +{side} x 3 +280 +{dense}\b", run.text), side
    assert re.search(r"1,000 x 1,000 x 3 +280 +30,000,010", run.text)


def test_notation_shapes_match_keras(run):
    run.assert_printed(
        "kernel.shape (3, 3, 3, 10), bias.shape (10,), output (37, 37, 10), 280 parameters;"
        " as predicted: True",
        "kernel.shape (5, 5, 10, 20), bias.shape (20,), output (17, 17, 20), 5,020 parameters;"
        " as predicted: True",
        "kernel.shape (3, 3, 3, 16), bias.shape (16,), output (64, 64, 16), 448 parameters;"
        " as predicted: True",
    )


def test_the_volume_convolution_is_animated(run):
    assert shown_animations(run) == [("volume-convolution", 16)]
    run.assert_printed("last frame equals cross_correlate(volume, one_filter): True")
