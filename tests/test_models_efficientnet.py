"""EfficientNet compound scaling, checked against keras.applications' EfficientNets."""

import math

import keras
import pytest

from cnnbook.models.efficientnet import (
    EFFICIENTNETS,
    compound_coefficients,
    config,
    flops_factor,
    keras_efficientnet,
    largest_within_budget,
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
    assert keras_efficientnet(name).count_params() == model.count_params()
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
