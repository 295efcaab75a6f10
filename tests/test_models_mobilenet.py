"""MobileNet v1/v2 builders against keras.applications (an independent implementation)."""

import keras
import numpy as np
import pytest

from cnnbook.models.mobilenet import (
    V2_BLOCKS,
    depthwise_separable_block,
    inverted_residual_block,
    make_divisible,
    mobilenet_v1,
    mobilenet_v2,
)


def weighted_layers(model):
    """(type, output shape, parameters) of every layer that holds weights, in order."""
    return [
        (type(layer).__name__, tuple(layer.output.shape[1:]), layer.count_params())
        for layer in model.layers
        if layer.weights
    ]


@pytest.fixture(scope="module")
def v2_pair():
    return mobilenet_v2(), keras.applications.MobileNetV2(weights=None)


def test_mobilenet_v2_parameters_equal_keras(v2_pair):
    ours, theirs = v2_pair
    assert ours.count_params() == theirs.count_params() == 3_538_984
    no_top = mobilenet_v2(include_top=False).count_params()
    assert no_top == 2_257_984
    ref = keras.applications.MobileNetV2(
        weights=None, include_top=False, input_shape=(224, 224, 3)
    ).count_params()
    assert no_top == ref


def test_mobilenet_v2_layer_by_layer_like_keras(v2_pair):
    ours, theirs = v2_pair
    assert weighted_layers(ours) == weighted_layers(theirs)
    assert ours.output.shape[1:] == (1000,)


def test_mobilenet_v2_residuals_only_where_shapes_match(v2_pair):
    ours, theirs = v2_pair
    adds = [layer for layer in ours.layers if isinstance(layer, keras.layers.Add)]
    assert len(adds) == sum(isinstance(layer, keras.layers.Add) for layer in theirs.layers) == 10
    for add in adds:
        a, b = (tuple(t.shape) for t in add.input)
        assert a == b
    assert sum(isinstance(lay, keras.layers.DepthwiseConv2D) for lay in ours.layers) == 17
    assert len(V2_BLOCKS) == 17


@pytest.mark.parametrize("size", [64, 75])  # even and odd sizes: stride-2 padding must agree
def test_mobilenet_v2_same_outputs_as_keras_with_copied_weights(size):
    theirs = keras.applications.MobileNetV2(
        weights=None, include_top=False, input_shape=(size, size, 3), alpha=0.5
    )
    ours = mobilenet_v2(input_shape=(size, size, 3), alpha=0.5, include_top=False)
    sources = [layer for layer in theirs.layers if layer.weights]
    targets = [layer for layer in ours.layers if layer.weights]
    for source, target in zip(sources, targets, strict=True):
        target.set_weights(source.get_weights())
    x = np.random.default_rng(0).uniform(-1, 1, (2, size, size, 3)).astype("float32")
    np.testing.assert_allclose(ours(x), theirs(x), atol=1e-5)


def test_mobilenet_v1_equals_keras():
    ours = mobilenet_v1()
    theirs = keras.applications.MobileNet(weights=None)
    assert ours.count_params() == theirs.count_params() == 4_253_864
    assert weighted_layers(ours) == weighted_layers(theirs)
    assert sum(isinstance(lay, keras.layers.DepthwiseConv2D) for lay in ours.layers) == 13
    small = mobilenet_v1(alpha=0.5, include_top=False)
    ref = keras.applications.MobileNet(
        weights=None, alpha=0.5, include_top=False, input_shape=(224, 224, 3)
    )
    assert small.count_params() == ref.count_params()


def test_depthwise_separable_block_shapes_and_parameters():
    inputs = keras.Input((6, 6, 3))
    model = keras.Model(inputs, depthwise_separable_block(inputs, 5))
    depthwise = model.get_layer("separable_depthwise")
    assert tuple(depthwise.output.shape[1:]) == (6, 6, 3)  # channels kept
    assert depthwise.count_params() == 3 * 3 * 3
    assert model.get_layer("separable_pointwise").count_params() == 3 * 5
    assert tuple(model.output.shape[1:]) == (6, 6, 5)
    strided = depthwise_separable_block(inputs, 5, stride=2, name="s2")
    assert tuple(strided.shape[1:]) == (3, 3, 5)


@pytest.mark.parametrize(
    ("filters", "stride", "residual", "out"),
    [(16, 1, True, (8, 8, 16)), (24, 1, False, (8, 8, 24)), (16, 2, False, (4, 4, 16))],
)
def test_inverted_residual_block_adds_only_when_shapes_match(filters, stride, residual, out):
    inputs = keras.Input((8, 8, 16))
    model = keras.Model(inputs, inverted_residual_block(inputs, 6, filters, stride))
    names = [layer.name for layer in model.layers]
    assert ("bottleneck_add" in names) == residual
    assert tuple(model.get_layer("bottleneck_expand").output.shape[1:]) == (8, 8, 96)
    assert model.get_layer("bottleneck_project_bn").output is not None
    assert tuple(model.output.shape[1:]) == out
    # the projection is linear: no activation layer follows it
    assert not any(name.startswith("bottleneck_project_relu") for name in names)


def test_expansion_one_has_no_expand_layer():
    inputs = keras.Input((8, 8, 16))
    model = keras.Model(inputs, inverted_residual_block(inputs, 1, 16, 1))
    assert "bottleneck_expand" not in [layer.name for layer in model.layers]


def test_make_divisible_rounds_to_multiples_of_eight():
    assert [make_divisible(v) for v in (32, 16 * 0.35, 32 * 0.35, 24 * 0.75, 100)] == [
        32,
        8,
        16,
        24,
        104,
    ]


def test_bad_input_raises_clear_errors():
    inputs = keras.Input((8, 8, 16))
    with pytest.raises(ValueError, match=r"stride must be one of \(1, 2\)"):
        inverted_residual_block(inputs, 6, 16, 3)
    with pytest.raises(ValueError, match="expansion must be a positive integer"):
        inverted_residual_block(inputs, 0, 16, 1)
    with pytest.raises(ValueError, match="filters must be a positive integer"):
        depthwise_separable_block(inputs, 0)
    with pytest.raises(ValueError, match="at least 32 pixels"):
        mobilenet_v2(input_shape=(16, 16, 3))
    with pytest.raises(ValueError, match="alpha must be a positive number"):
        mobilenet_v1(alpha=0)
    with pytest.raises(ValueError, match="classes must be a positive integer"):
        mobilenet_v2(classes=0)
    with pytest.raises(ValueError, match=r"\(height, width, channels\)"):
        mobilenet_v1(input_shape=(224, 224))
