"""Residual builders: parameter counts against keras.applications and independent counts,
shapes, the identity property of a zeroed block, and clear errors on bad arguments."""

import keras
import numpy as np
import pytest

from cnnbook.costs import conv_params, dense_params
from cnnbook.models.resnet import (
    STAGE_BLOCKS,
    ZeroPadShortcut,
    basic_block,
    convolutional_block,
    identity_block,
    plain_network,
    residual_network,
    resnet18,
    resnet34,
    resnet50,
    resnet101,
    resnet152,
    stage_table,
)


@pytest.fixture(scope="module")
def ours50():
    return resnet50()


@pytest.fixture(scope="module")
def keras50():
    return keras.applications.ResNet50(weights=None)


def trainable(model) -> int:
    return sum(int(np.prod(w.shape)) for w in model.trainable_weights)


def test_resnet50_matches_keras_applications(ours50, keras50):
    assert ours50.count_params() == keras50.count_params() == 25_636_712
    # layer for layer: same names, same weight shapes
    ours = {layer.name: [tuple(w.shape) for w in layer.weights] for layer in ours50.layers[1:]}
    theirs = {layer.name: [tuple(w.shape) for w in layer.weights] for layer in keras50.layers[1:]}
    assert ours == theirs


def test_resnet50_signs_variant_and_headless_as_keras():
    assert resnet50(input_shape=(64, 64, 3), classes=6).count_params() == 23_600_006
    base = resnet50(input_shape=(64, 64, 3), include_top=False, pooling="avg")
    reference = keras.applications.ResNet50(
        weights=None, include_top=False, pooling="avg", input_shape=(64, 64, 3)
    )
    assert base.count_params() == reference.count_params()
    assert base.output.shape == (None, 2048)
    # Without the top and without pooling: the last stage's map, as Keras returns it.
    feature_map = resnet50(input_shape=(64, 64, 3), include_top=False)
    assert feature_map.output.shape == (None, 2, 2, 2048)
    assert feature_map.count_params() == reference.count_params()


def test_resnet50_stages(ours50):
    rows = stage_table(ours50)
    assert [(r["output size"], r["blocks"], r["channels"]) for r in rows] == [
        ("56x56", 3, 256),
        ("28x28", 4, 512),
        ("14x14", 6, 1024),
        ("7x7", 3, 2048),
    ]


def basic_block_params(c_in, c, projection):
    """Independent count of a basic block without conv biases; BN has 4 numbers per channel."""
    n = conv_params(3, c_in, c, bias=False) + conv_params(3, c, c, bias=False) + 2 * 4 * c
    if projection:
        n += conv_params(1, c_in, c, bias=False) + 4 * c
    return n


def test_resnet34_parameters():
    model = resnet34()
    # torchvision's resnet34 (BatchNorm: 2 trainable numbers per channel) has 21,797,672
    assert trainable(model) == 21_797_672
    expected = conv_params(7, 3, 64, bias=False) + 4 * 64 + dense_params(512, 1000)
    c_in = 64
    for width, blocks in ((64, 3), (128, 4), (256, 6), (512, 3)):
        for block in range(blocks):
            expected += basic_block_params(c_in, width, projection=block == 0 and c_in != width)
            c_in = width
    assert model.count_params() == expected
    assert [(r["output size"], r["blocks"], r["channels"]) for r in stage_table(model)] == [
        ("56x56", 3, 64),
        ("28x28", 4, 128),
        ("14x14", 6, 256),
        ("7x7", 3, 512),
    ]
    zeros = resnet34(shortcut="zeros")
    projections = sum(conv_params(1, c // 2, c, bias=False) + 4 * c for c in (128, 256, 512))
    assert model.count_params() - zeros.count_params() == projections


def basic_resnet_params(blocks, classes=1000):
    """Independent count of ResNet-18/34: stem, basic blocks, the classifier."""
    expected = conv_params(7, 3, 64, bias=False) + 4 * 64 + dense_params(512, classes)
    c_in = 64
    for width, count in zip((64, 128, 256, 512), blocks, strict=True):
        for block in range(count):
            expected += basic_block_params(c_in, width, projection=block == 0 and c_in != width)
            c_in = width
    return expected


def test_resnet18_parameters_and_stages():
    model = resnet18()
    assert model.count_params() == basic_resnet_params((2, 2, 2, 2))
    assert trainable(model) == 11_689_512  # torchvision's resnet18
    assert [(r["output size"], r["blocks"], r["channels"]) for r in stage_table(model)] == [
        ("56x56", 2, 64),
        ("28x28", 2, 128),
        ("14x14", 2, 256),
        ("7x7", 2, 512),
    ]
    assert resnet34().count_params() == basic_resnet_params((3, 4, 6, 3))
    headless = resnet18(include_top=False, input_shape=(64, 64, 3), shortcut="zeros")
    assert headless.output.shape == (None, 2, 2, 512)
    keras.backend.clear_session()


@pytest.mark.parametrize(
    ("build", "reference", "depth", "total"),
    [
        (resnet101, keras.applications.ResNet101, 101, 44_707_176),
        (resnet152, keras.applications.ResNet152, 152, 60_419_944),
    ],
)
def test_deep_bottleneck_resnets_match_keras_applications(build, reference, depth, total):
    ours, theirs = build(), reference(weights=None)
    assert ours.count_params() == theirs.count_params() == total
    shapes = {layer.name: [tuple(w.shape) for w in layer.weights] for layer in ours.layers[1:]}
    assert shapes == {
        layer.name: [tuple(w.shape) for w in layer.weights] for layer in theirs.layers[1:]
    }
    blocks = [r["blocks"] for r in stage_table(ours)]
    assert tuple(blocks) == STAGE_BLOCKS[depth]
    # 3 weight layers per bottleneck block, the stem and the classifier: the depth in the name
    assert 3 * sum(blocks) + 2 == depth
    del ours, theirs
    keras.backend.clear_session()


@pytest.mark.parametrize("depth", [8, 14, 20, 32])
def test_plain_and_residual_twins_have_equal_parameters(depth):
    plain, resnet = plain_network(depth), residual_network(depth)
    assert plain.count_params() == resnet.count_params()
    convs = [layer for layer in plain.layers if isinstance(layer, keras.layers.Conv2D)]
    assert len(convs) + 1 == depth  # + the dense layer
    adds = [layer for layer in resnet.layers if isinstance(layer, keras.layers.Add)]
    assert len(adds) == (depth - 2) // 2 and not any(
        isinstance(layer, keras.layers.Add) for layer in plain.layers
    )
    assert plain.output.shape == resnet.output.shape == (None, 10)
    projected = residual_network(depth, shortcut="projection")
    # two projections, 16 -> 32 and 32 -> 64 channels, each a 1x1 conv and a BN
    extra = conv_params(1, 16, 32, bias=False) + 4 * 32 + conv_params(1, 32, 64, bias=False)
    assert projected.count_params() - resnet.count_params() == extra + 4 * 64


def zero_last_layers(model, prefix):
    conv = model.get_layer(f"{prefix}_3_conv")
    conv.set_weights([np.zeros_like(w) for w in conv.get_weights()])
    bn = model.get_layer(f"{prefix}_3_bn")
    gamma, beta, mean, var = bn.get_weights()
    bn.set_weights([np.zeros_like(gamma), np.zeros_like(beta), mean, var])


def test_identity_block_with_zeroed_last_layer_is_the_identity():
    inputs = keras.Input((8, 8, 16))
    model = keras.Model(inputs, identity_block(inputs, 3, (4, 4, 16), name="b"))
    zero_last_layers(model, "b")
    x = np.random.default_rng(0).uniform(0, 3, (2, 8, 8, 16)).astype("float32")
    assert np.array_equal(model(x, training=False).numpy(), x)
    # negative inputs come out as relu(x): the last ReLU is applied after the addition
    y = x - 1.5
    assert np.array_equal(model(y, training=False).numpy(), np.maximum(y, 0))


def test_blocks_shapes():
    inputs = keras.Input((16, 16, 64))
    out = convolutional_block(inputs, 3, (32, 32, 128), strides=2)
    assert out.shape == (None, 8, 8, 128)
    assert identity_block(out, 3, (32, 32, 128)).shape == (None, 8, 8, 128)
    assert basic_block(inputs, 128, strides=2, shortcut="zeros").shape == (None, 8, 8, 128)
    assert basic_block(inputs, 64).shape == (None, 16, 16, 64)


def test_zero_padding_shortcut_subsamples_and_pads():
    x = np.arange(2 * 4 * 4 * 3, dtype="float32").reshape(2, 4, 4, 3)
    y = ZeroPadShortcut(5, 2)(x).numpy()
    assert y.shape == (2, 2, 2, 5)
    assert np.array_equal(y[..., :3], x[:, ::2, ::2, :])
    assert not y[..., 3:].any()


def test_bad_arguments_raise_clear_errors():
    inputs = keras.Input((8, 8, 32))
    with pytest.raises(ValueError, match="must have 16 channels"):
        identity_block(inputs, 3, (4, 4, 16))
    with pytest.raises(ValueError, match="filters must list 3"):
        identity_block(inputs, 3, (4, 32))
    with pytest.raises(ValueError, match="^strides must be a positive integer"):
        convolutional_block(inputs, 3, (4, 4, 16), strides=0)
    with pytest.raises(ValueError, match="^kernel_size must be a positive integer"):
        convolutional_block(inputs, 0, (4, 4, 16))
    with pytest.raises(ValueError, match="shortcut must be one of"):
        basic_block(inputs, 32, shortcut="dense")
    with pytest.raises(ValueError, match="can only add channels"):
        basic_block(inputs, 16, strides=2, shortcut="zeros")
    with pytest.raises(ValueError, match="depth must be 6n \\+ 2"):
        plain_network(10)
    with pytest.raises(ValueError, match="depth must be 6n \\+ 2"):
        residual_network(2)
    with pytest.raises(ValueError, match="classes must be a positive integer"):
        resnet50(classes=0)
    with pytest.raises(ValueError, match="input_shape must be"):
        resnet34(input_shape=(224, 224))
    with pytest.raises(ValueError, match="too small for ResNet-152"):
        resnet152(input_shape=(16, 16, 3))
    with pytest.raises(ValueError, match="shortcut must be one of"):
        resnet18(shortcut="dense")
