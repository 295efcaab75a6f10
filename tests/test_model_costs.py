"""The whole-model counter (cnnbook.model_costs) against hand arithmetic from cnnbook.costs."""

import keras
import pytest
from keras import layers

from cnnbook.costs import (
    conv_mults,
    conv_params,
    dense_params,
    depthwise_mults,
    pointwise_mults,
    separable_cost,
)
from cnnbook.model_costs import layer_multiply_adds, model_cost, multiply_adds, weight_parameters
from cnnbook.models import googlenet, resnet18, resnet50


def small_network():
    inputs = keras.Input((8, 8, 3))
    x = layers.Conv2D(4, 3, padding="same")(inputs)  # 8x8x4
    x = layers.BatchNormalization()(x)
    x = layers.ReLU()(x)
    x = layers.DepthwiseConv2D(3, strides=2, padding="same", use_bias=False)(x)  # 4x4x4
    x = layers.Conv2D(6, 1, use_bias=False)(x)  # 4x4x6
    x = layers.Add()([x, x])
    x = layers.GlobalAveragePooling2D()(x)
    outputs = layers.Dense(5)(x)
    return keras.Model(inputs, outputs)


def test_a_small_network_counts_as_the_formulas_do():
    model = small_network()
    expected = conv_mults(8, 3, 3, 4) + depthwise_mults(4, 3, 4) + pointwise_mults(4, 4, 6) + 6 * 5
    assert multiply_adds(model) == expected == 7_902
    # BN (4 per channel), activations, the addition and pooling have no multiply-adds here
    weights = conv_params(3, 3, 4) + 3 * 3 * 4 + conv_params(1, 4, 6, bias=False)
    assert weight_parameters(model) == weights + dense_params(6, 5)
    cost = model_cost(model)
    assert cost.parameters - cost.weight_parameters == 4 * 4
    assert cost.trainable_parameters - cost.weight_parameters == 2 * 4  # gamma and beta
    assert (cost.input_size, cost.multiply_adds) == (8, expected)


def test_separable_grouped_strided_and_dense_on_positions():
    inputs = keras.Input((9, 9, 4))
    separable = layers.SeparableConv2D(8, 3, strides=2)(inputs)  # valid: 4x4x8
    grouped = layers.Conv2D(6, 3, groups=2)(inputs)  # 7x7x6, each filter sees 2 channels
    dense = layers.Dense(3)(inputs)  # per position: 81 x 4 x 3
    model = keras.Model(inputs, [separable, grouped, dense])
    assert multiply_adds(model) == (
        separable_cost(9, 3, 4, 8, s=2).separable + conv_mults(7, 3, 2, 6) + 81 * 4 * 3
    )


def test_nested_models_are_counted_inside():
    inner = small_network()
    inputs = keras.Input((8, 8, 3))
    outer = keras.Model(inputs, layers.Dense(2)(inner(inputs)))
    assert multiply_adds(outer) == multiply_adds(inner) + 5 * 2


def test_a_layer_with_a_kernel_and_no_rule_is_refused():
    inputs = keras.Input((4, 4, 3))
    model = keras.Model(inputs, layers.Conv2DTranspose(2, 3)(inputs))
    with pytest.raises(ValueError, match="no multiply-add rule"):
        multiply_adds(model)
    assert layer_multiply_adds(layers.ReLU()) == 0


def test_resnet18_by_hand():
    """Stem, 8 basic blocks with 3 projections, the classifier: 1,814,073,344 at 224x224."""
    expected = conv_mults(112, 7, 3, 64)
    channels = 64
    for width, size in ((64, 56), (128, 28), (256, 14), (512, 7)):
        expected += conv_mults(size, 3, channels, width) + 3 * conv_mults(size, 3, width, width)
        if channels != width:
            expected += pointwise_mults(size, channels, width)
        channels = width
    expected += dense_params(512, 1000, bias=False)
    model = resnet18()
    assert multiply_adds(model) == expected == 1_814_073_344
    keras.backend.clear_session()


def test_resnet50_by_hand():
    """Bottleneck blocks with the stride on the first 1x1, as Keras's ResNet-50 has it."""
    expected = conv_mults(112, 7, 3, 64) + dense_params(2048, 1000, bias=False)
    channels, size = 64, 56
    for width, blocks, stride in ((64, 3, 1), (128, 4, 2), (256, 6, 2), (512, 3, 2)):
        out = size // stride
        for block in range(blocks):
            if block == 0:
                expected += pointwise_mults(out, channels, width)  # strided 1x1 reduce
                expected += pointwise_mults(out, channels, 4 * width)  # projection
            else:
                expected += pointwise_mults(out, 4 * width, width)
            expected += conv_mults(out, 3, width, width) + pointwise_mults(out, width, 4 * width)
        channels, size = 4 * width, out
    assert multiply_adds(resnet50()) == expected == 3_857_973_248
    keras.backend.clear_session()


def test_googlenet_auxiliary_heads_are_counted_only_when_built():
    inference = multiply_adds(googlenet(aux_classifiers=False))
    training = multiply_adds(googlenet())
    # each head: 5x5/3 pool to 4x4, a 1x1 conv to 128, then 2,048 -> 1,024 -> 1,000 units
    heads = sum(
        pointwise_mults(4, channels, 128) + 2048 * 1024 + 1024 * 1000 for channels in (512, 528)
    )
    assert training - inference == heads
    keras.backend.clear_session()
