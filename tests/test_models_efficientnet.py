"""EfficientNet compound scaling, checked against keras.applications' EfficientNets."""

import math

import keras
import numpy as np
import pytest

from cnnbook.models.efficientnet import (
    EFFICIENTNETS,
    compound_coefficients,
    config,
    efficientnet,
    efficientnet_b0,
    flops_factor,
    keras_efficientnet,
    largest_within_budget,
    mbconv_block,
    round_filters,
    stages,
)


def test_flops_factor_is_about_two():
    assert flops_factor() == pytest.approx(1.2 * 1.1**2 * 1.15**2)
    assert flops_factor() == pytest.approx(1.9203, abs=1e-4)


def test_compound_coefficients():
    assert compound_coefficients(0) == (1.0, 1.0, 1.0)
    d, w, r = compound_coefficients(1)
    assert (d, w, r) == pytest.approx((1.2, 1.1, 1.15))
    d, w, r = compound_coefficients(3)
    assert d * w**2 * r**2 == pytest.approx(flops_factor() ** 3)
    assert compound_coefficients(2, alpha=1.0).depth == 1.0
    assert compound_coefficients(2).resolution == pytest.approx(1.3225)


def test_table_has_b0_to_b7_with_growing_sizes():
    names = list(EFFICIENTNETS)
    assert names == [f"B{i}" for i in range(8)]
    for key in ("width", "depth", "resolution"):
        values = [getattr(EFFICIENTNETS[n], key) for n in names]
        assert values == sorted(values)
    assert (config("B7").width, config("B7").depth, config("B7").resolution) == (2.0, 3.1, 600)
    assert config("efficientnetb3") is EFFICIENTNETS["B3"]
    assert config("B4").params_factor == pytest.approx(1.8 * 1.4**2)
    assert config("B4").flops_factor == pytest.approx(1.8 * 1.4**2 * (380 / 224) ** 2)


@pytest.mark.parametrize("name", ["B0", "B1", "B2"])
def test_table_matches_keras_models(name):
    c = config(name)
    builder = getattr(keras.applications, f"EfficientNet{name}")
    model = builder(weights=None)  # Keras's default input size is the published resolution
    assert model.input_shape == (None, c.resolution, c.resolution, 3)
    blocks = [layer for layer in model.layers if layer.name.endswith("project_conv")]
    assert len(blocks) == sum(s["blocks"] for s in stages(name))
    assert blocks[-1].filters == stages(name)[-1]["channels"]
    assert model.get_layer("top_conv").filters == round_filters(1280, c.width)
    ours = efficientnet(name)
    assert ours.count_params() == model.count_params()
    assert [(type(lay).__name__, lay.count_params()) for lay in ours.layers if lay.weights] == [
        (type(lay).__name__, lay.count_params()) for lay in model.layers if lay.weights
    ]
    keras.backend.clear_session()


def test_b0_parameters():
    assert keras_efficientnet("B0").count_params() == 5_330_571
    assert keras_efficientnet("B0", include_top=False).count_params() == 4_049_571


def test_largest_within_budget():
    costs = {"B0": 0.39, "B1": 0.70, "B2": 1.0, "B3": 1.8}
    assert largest_within_budget(costs, 1.0) == "B2"
    assert largest_within_budget(costs, 100) == "B3"
    with pytest.raises(ValueError, match="no model fits"):
        largest_within_budget(costs, 0.1)
    with pytest.raises(ValueError, match="empty"):
        largest_within_budget({}, 1)


def test_bad_input_raises_clear_errors():
    with pytest.raises(ValueError, match="unknown EfficientNet"):
        config("B9")
    with pytest.raises(ValueError, match="alpha must be at least 1"):
        compound_coefficients(1, alpha=0.9)
    with pytest.raises(ValueError, match="phi must be a finite number"):
        compound_coefficients(math.nan)


def test_efficientnet_b0_without_top_equals_keras():
    assert efficientnet_b0(include_top=False).count_params() == 4_049_571


@pytest.mark.parametrize("size", [64, 75])  # even and odd sizes: stride-2 padding must agree
def test_efficientnet_same_outputs_as_keras_with_copied_weights(size):
    theirs = keras.applications.EfficientNetB0(
        weights=None, include_top=False, input_shape=(size, size, 3)
    )
    ours = efficientnet_b0(input_shape=(size, size, 3), include_top=False)
    sources = [layer for layer in theirs.layers if layer.weights]
    targets = [layer for layer in ours.layers if layer.weights]
    for source, target in zip(sources, targets, strict=True):
        target.set_weights(source.get_weights())
    x = np.random.default_rng(0).uniform(0, 255, (2, size, size, 3)).astype("float32")
    np.testing.assert_allclose(ours(x), theirs(x), atol=1e-5)


@pytest.mark.parametrize(
    ("filters", "stride", "residual", "out"),
    [(16, 1, True, (8, 8, 16)), (24, 1, False, (8, 8, 24)), (16, 2, False, (4, 4, 16))],
)
def test_mbconv_block(filters, stride, residual, out):
    inputs = keras.Input((8, 8, 16))
    model = keras.Model(inputs, mbconv_block(inputs, filters, 5, stride, drop_rate=0.1))
    names = [layer.name for layer in model.layers]
    assert ("mbconv_add" in names) == residual
    assert ("mbconv_drop" in names) == residual
    assert tuple(model.output.shape[1:]) == out
    # squeeze to a quarter of the input channels, excite back to the expanded 96
    assert model.get_layer("mbconv_se_reduce").filters == 4
    assert tuple(model.get_layer("mbconv_se_expand").output.shape[1:]) == (1, 1, 96)
    assert model.get_layer("mbconv_dwconv").kernel_size == (5, 5)


def test_efficientnet_bad_input():
    inputs = keras.Input((8, 8, 16))
    with pytest.raises(ValueError, match="3x3 or 5x5"):
        mbconv_block(inputs, 16, kernel_size=7)
    with pytest.raises(ValueError, match=r"stride must be one of \(1, 2\)"):
        mbconv_block(inputs, 16, stride=3)
    with pytest.raises(ValueError, match=r"drop_rate must be a rate in \[0, 1\)"):
        mbconv_block(inputs, 16, drop_rate=1.0)
    with pytest.raises(ValueError, match="classes must be a positive integer"):
        efficientnet("B0", classes=0)
    with pytest.raises(ValueError, match=r"\(height, width, channels\)"):
        efficientnet("B0", input_shape=(224, 224))
