"""LeNet-5, AlexNet, VGG-16/19 builders against Keras, TensorFlow and counts from the papers."""

import gc

import keras
import numpy as np
import pytest
import tensorflow as tf

from cnnbook.costs import conv_params, dense_params
from cnnbook.models.classic import (
    VGG11_STAGES,
    VGG13_STAGES,
    VGG16_STAGES,
    LocalResponseNormalization,
    alexnet,
    lenet5,
    vgg11,
    vgg13,
    vgg16,
    vgg19,
)


def weight_layer_shapes(model):
    """(output shape, parameters) of every conv/dense layer, in order."""
    return [
        (tuple(layer.output.shape), layer.count_params())
        for layer in model.layers
        if type(layer).__name__ in ("Conv2D", "Dense")
    ]


def summary(build):
    """Parameters and weight-layer shapes of a model, which is then released (VGG is big)."""
    model = build()
    result = (model.count_params(), weight_layer_shapes(model), tuple(model.output.shape))
    del model
    keras.backend.clear_session()
    gc.collect()
    return result


@pytest.fixture(scope="module")
def vgg_pairs():
    return {
        "vgg16": (summary(vgg16), summary(lambda: keras.applications.VGG16(weights=None))),
        "vgg19": (summary(vgg19), summary(lambda: keras.applications.VGG19(weights=None))),
    }


@pytest.mark.parametrize(("name", "total"), [("vgg16", 138_357_544), ("vgg19", 143_667_240)])
def test_vgg_equals_keras_applications(vgg_pairs, name, total):
    ours, theirs = vgg_pairs[name]
    assert ours[0] == theirs[0] == total
    assert ours[1] == theirs[1]  # the same layers, shapes and parameters in the same order


def test_vgg_without_top_and_other_sizes_match_keras():
    pairs = [
        (
            lambda: vgg16(include_top=False, pooling="avg"),
            lambda: keras.applications.VGG16(
                include_top=False, weights=None, pooling="avg", input_shape=(224, 224, 3)
            ),
        ),
        (
            lambda: vgg19(include_top=False, pooling="max"),
            lambda: keras.applications.VGG19(
                include_top=False, weights=None, pooling="max", input_shape=(224, 224, 3)
            ),
        ),
        (
            lambda: vgg16(input_shape=(64, 64, 3), classes=6),
            lambda: keras.applications.VGG16(weights=None, input_shape=(64, 64, 3), classes=6),
        ),
    ]
    for ours_build, keras_build in pairs:
        ours, theirs = summary(ours_build), summary(keras_build)
        assert ours == theirs
    assert ours[1][-3][0] == (None, 4096)  # 64x64 input: fc1 still has 4,096 units


def vgg_params(stages, classes=1000, side=224):
    """Independent count from the paper's Table 1: 3x3 convolutions, then the three dense."""
    total, channels = 0, 3
    for widths in stages:
        for filters in widths:
            total += conv_params(3, channels, filters)
            channels = filters
    flat = (side // 32) ** 2 * channels
    return total + dense_params(flat, 4096) + dense_params(4096, 4096) + dense_params(4096, classes)


@pytest.mark.parametrize(
    ("build", "stages", "convolutions", "total"),
    [(vgg11, VGG11_STAGES, 8, 132_863_336), (vgg13, VGG13_STAGES, 10, 133_047_848)],
)
def test_vgg11_and_vgg13_configurations_a_and_b(build, stages, convolutions, total):
    count, layers, output = summary(build)
    assert count == vgg_params(stages) == total  # torchvision's vgg11 and vgg13 have the same
    assert len(layers) == convolutions + 3  # 11 and 13 weight layers
    assert [shape[-1] for shape, _ in layers[:convolutions]] == [f for w in stages for f in w]
    assert output == (None, 1000)
    # the same count gives Keras's VGG-16 (test_vgg_equals_keras_applications)
    assert vgg_params(VGG16_STAGES) == 138_357_544
    small = build(input_shape=(64, 64, 3), classes=6)
    assert small.count_params() == vgg_params(stages, classes=6, side=64)
    headless = build(include_top=False, pooling="avg", input_shape=(64, 64, 3))
    assert headless.output.shape == (None, 512)
    keras.backend.clear_session()


def test_vgg_shapes_follow_the_paper():
    model = vgg16(input_shape=(224, 224, 3), include_top=False)
    pools = [tuple(layer.output.shape[1:]) for layer in model.layers if "pool" in layer.name]
    assert pools == [(112, 112, 64), (56, 56, 128), (28, 28, 256), (14, 14, 512), (7, 7, 512)]
    assert sum("conv" in layer.name for layer in model.layers) == 13
    fc1 = 7 * 7 * 512 * 4096 + 4096
    assert fc1 == 102_764_544 == dense_params(25_088, 4096)
    del model
    keras.backend.clear_session()


def test_lenet5_modern_variant_has_61706_parameters():
    model = lenet5()
    assert model.count_params() == 61_706
    expected = [
        ((None, 28, 28, 6), conv_params(5, 1, 6)),
        ((None, 10, 10, 16), conv_params(5, 6, 16)),
        ((None, 120), dense_params(400, 120)),
        ((None, 84), dense_params(120, 84)),
        ((None, 10), dense_params(84, 10)),
    ]
    assert weight_layer_shapes(model) == expected
    assert [type(layer).__name__ for layer in model.layers if "pool" in layer.name] == [
        "MaxPooling2D",
        "MaxPooling2D",
    ]
    assert model.get_layer("c1_conv").activation is keras.activations.relu


def test_lenet5_original_flavour_uses_tanh_and_average_pooling():
    model = lenet5(activation="tanh", subsampling="average")
    assert model.count_params() == 61_706
    assert {type(layer).__name__ for layer in model.layers if "pool" in layer.name} == {
        "AveragePooling2D"
    }
    assert model.get_layer("c3_conv").activation is keras.activations.tanh
    assert model.get_layer("predictions").activation is keras.activations.softmax
    probabilities = model.predict(np.zeros((2, 32, 32, 1), "float32"), verbose=0)
    np.testing.assert_allclose(probabilities.sum(axis=1), 1.0, rtol=1e-5)


def test_lenet5_without_top_ends_at_5x5x16():
    model = lenet5(include_top=False)
    assert tuple(model.output.shape) == (None, 5, 5, 16)
    assert model.count_params() == conv_params(5, 1, 6) + conv_params(5, 6, 16)


ALEXNET_SHAPES = [
    ("conv1", (55, 55, 96)),
    ("pool1", (27, 27, 96)),
    ("conv2", (27, 27, 256)),
    ("pool2", (13, 13, 256)),
    ("conv3", (13, 13, 384)),
    ("conv4", (13, 13, 384)),
    ("conv5", (13, 13, 256)),
    ("pool5", (6, 6, 256)),
    ("flatten", (9216,)),
    ("fc6", (4096,)),
    ("fc7", (4096,)),
    ("predictions", (1000,)),
]


def alexnet_expected_params(grouped: bool) -> int:
    g = 2 if grouped else 1  # with two groups each filter sees half of the input channels
    return (
        conv_params(11, 3, 96)
        + conv_params(5, 96 // g, 256)
        + conv_params(3, 256, 384)
        + conv_params(3, 384 // g, 384)
        + conv_params(3, 384 // g, 256)
        + dense_params(9216, 4096)
        + dense_params(4096, 4096)
        + dense_params(4096, 1000)
    )


def test_alexnet_shapes_and_parameters():
    model = alexnet()
    shapes = [
        (layer.name, tuple(layer.output.shape[1:]))
        for layer in model.layers
        if layer.name.startswith(("conv", "pool", "flatten", "fc", "predictions"))
    ]
    assert shapes == ALEXNET_SHAPES
    total = model.count_params()
    print(f"AlexNet (single stream): {total:,} parameters")
    assert total == alexnet_expected_params(grouped=False) == 62_378_344
    assert 55e6 < total < 65e6  # "about 60 million"
    del model
    keras.backend.clear_session()


def test_alexnet_two_gpu_grouping_and_lrn():
    model = alexnet(grouped=True)
    assert model.count_params() == alexnet_expected_params(grouped=True) == 60_965_224
    assert model.get_layer("conv2").groups == 2 and model.get_layer("conv3").groups == 1
    del model
    model = alexnet(lrn=True, dropout=0.0)
    assert model.count_params() == 62_378_344  # LRN learns nothing
    assert tuple(model.get_layer("lrn2").output.shape[1:]) == (27, 27, 256)
    assert model.predict(np.zeros((1, 227, 227, 3), "float32"), verbose=0).shape == (1, 1000)
    del model
    keras.backend.clear_session()


def test_local_response_normalization_matches_tensorflow():
    x = np.random.default_rng(0).normal(scale=30.0, size=(2, 5, 5, 12)).astype("float32")
    ours = LocalResponseNormalization()(x)
    theirs = tf.nn.local_response_normalization(x, depth_radius=2, bias=2.0, alpha=1e-4, beta=0.75)
    np.testing.assert_allclose(np.asarray(ours), theirs.numpy(), rtol=1e-5, atol=1e-6)
    assert not np.allclose(np.asarray(ours), x)  # it does change the activations
    with pytest.raises(ValueError, match="odd number"):
        LocalResponseNormalization(size=4)


@pytest.mark.parametrize("build", [lenet5, alexnet, vgg16, vgg19])
def test_bad_classes_is_a_clear_error(build):
    for classes in (0, -3, 2.5, True):
        with pytest.raises(ValueError, match="classes must be a positive integer"):
            build(classes=classes)


@pytest.mark.parametrize(
    ("build", "shape", "minimum"),
    [
        (lenet5, (15, 32, 1), 16),
        (alexnet, (66, 66, 3), 67),
        (vgg16, (31, 224, 3), 32),
        (vgg19, (224, 16, 3), 32),
    ],
)
def test_too_small_input_is_a_clear_error(build, shape, minimum):
    with pytest.raises(ValueError, match=f"too small .* at least {minimum} pixels"):
        build(input_shape=shape)


def test_smallest_inputs_build():
    assert tuple(lenet5(input_shape=(16, 16, 1)).get_layer("s4_pool").output.shape) == (
        None,
        1,
        1,
        16,
    )
    assert tuple(alexnet(input_shape=(67, 67, 3)).get_layer("pool5").output.shape)[1:3] == (1, 1)
    keras.backend.clear_session()


@pytest.mark.parametrize("shape", [(32, 32), (32, 32, 1, 1), (0, 32, 1), "32x32", (32.0, 32, 1)])
def test_malformed_input_shape_is_a_clear_error(shape):
    with pytest.raises(ValueError, match="input_shape must be"):
        lenet5(input_shape=shape)


def test_bad_options_are_clear_errors():
    with pytest.raises(ValueError, match=r"subsampling must be one of \('max', 'average'\)"):
        lenet5(subsampling="avg")
    with pytest.raises(ValueError, match="not a Keras activation"):
        lenet5(activation="squash")
    with pytest.raises(ValueError, match="dropout must be a rate"):
        alexnet(dropout=1.0)
    with pytest.raises(ValueError, match=r"pooling must be one of \(None, 'avg', 'max'\)"):
        vgg16(include_top=False, pooling="mean")
