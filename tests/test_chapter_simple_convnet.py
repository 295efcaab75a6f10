"""Chapter 'A simple convolutional network': the shapes and parameter counts it prints."""

import pytest

from cnnbook.costs import conv_output_size, conv_params, dense_params

CHAPTER = "chapters/foundations/simple-convnet.ipynb"


@pytest.fixture(scope="module")
def run(executed):
    return executed(CHAPTER)


def test_shapes_by_formula_match_keras(run):
    # 39 -> 37 (3x3, s=1) -> 17 (5x5, s=2) -> 7 (5x5, s=2), computed here independently
    assert conv_output_size(39, 3, 0, 1) == 37
    assert conv_output_size(37, 5, 0, 2) == 17
    assert conv_output_size(17, 5, 0, 2) == 7
    run.assert_printed(
        "conv1: floor((39 + 2*0 - 3) / 1) + 1 = 37, so 39x39x3 -> 37x37x10",
        "conv2: floor((37 + 2*0 - 5) / 2) + 1 = 17, so 37x37x10 -> 17x17x20",
        "conv3: floor((17 + 2*0 - 5) / 2) + 1 = 7, so 17x17x20 -> 7x7x40",
        "conv1: Keras 37x37x10 = formula 37x37x10",
        "conv2: Keras 17x17x20 = formula 17x17x20",
        "conv3: Keras 7x7x40 = formula 7x7x40",
    )


def test_flattened_features(run):
    assert 7 * 7 * 40 == 1960
    run.assert_printed("flatten: 7x7x40 = 1,960 features -> softmax over 10 classes")
    run.assert_printed("flatten: Keras 1,960 = formula 1,960")


def test_parameter_counts_per_layer(run):
    counts = {
        "conv1": conv_params(3, 3, 10),
        "conv2": conv_params(5, 10, 20),
        "conv3": conv_params(5, 20, 40),
        "softmax": dense_params(1960, 10),
    }
    assert counts == {"conv1": 280, "conv2": 5020, "conv3": 20040, "softmax": 19610}
    run.assert_printed(
        "conv1: (3*3*3 + 1) * 10 = 280 parameters (Keras: 280)",
        "conv2: (5*5*10 + 1) * 20 = 5,020 parameters (Keras: 5,020)",
        "conv3: (5*5*20 + 1) * 40 = 20,040 parameters (Keras: 20,040)",
        "softmax: (1,960 + 1) * 10 = 19,610 parameters",
        f"total: {sum(counts.values()):,} parameters (Keras: 44,950)",
    )
    run.assert_printed("conv1 output: 13,690 numbers; a softmax on it: 136,910")


def test_activation_sizes_and_feature_maps_of_a_real_photo(run):
    run.assert_printed(
        " input: 39x39x3 = 4,563 activations",
        " conv1: 37x37x10 = 13,690 activations",
        " conv2: 17x17x20 = 5,780 activations",
        " conv3: 7x7x40 = 1,960 activations",
    )
    run.assert_printed("resized to\n(39, 39, 3)")
    run.assert_printed(
        "conv1 activations: shape (1, 37, 37, 10)",
        "conv2 activations: shape (1, 17, 17, 20)",
        "conv3 activations: shape (1, 7, 7, 40)",
    )
    # trend plot, photo, and one feature-map figure per convolution
    assert run.images >= 5
