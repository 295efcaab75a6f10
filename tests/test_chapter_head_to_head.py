"""Chapter 'The case studies head to head': seven scaled families, one budget, several seeds."""

import re
import statistics

import keras
import numpy as np
import pytest

from cnnbook import head_to_head
from cnnbook.inspection import keras_layer_mults

CHAPTER = "chapters/case-studies/head-to-head.ipynb"
NAMES = tuple(head_to_head.NETWORKS)
CLAIMS = (
    "every network with batch normalisation reaches a validation accuracy above 0.8",
    "the AlexNet-style network does not learn at this budget",
    "the EfficientNet-style network takes over 1.25 times as long as the VGG-style one",
)
NUMBER = r"[\d,]+"
ROW = re.compile(
    rf"^ *({'|'.join(NAMES)}) +({NUMBER}) +({NUMBER}) +([\d.]+) +([\d.]+) ± ([\d.]+) +"
    r"([\d.]+)-([\d.]+) +([\d.]+)$",
    re.M,
)
RUN = re.compile(
    rf"^({'|'.join(NAMES)}), seed (\d+): (\d+) epochs? in [\d.]+ s: accuracy [\d.]+ "
    r"\(validation ([\d.]+), best [\d.]+ at epoch \d+\)$",
    re.M,
)


def integer(text: str) -> int:
    return int(text.replace(",", ""))


@pytest.fixture(scope="module")
def sizes():
    return {name: head_to_head.describe(head_to_head.build(name)) for name in NAMES}


# --- the module --------------------------------------------------------------------------------


def layer_types(model) -> list[str]:
    return [type(layer).__name__ for layer in model.layers]


def test_lenet_is_the_books_lenet5_and_counted_by_hand(sizes):
    # C1 6 5x5x3 filters on 28x28, C3 16 5x5x6 on 10x10, dense 400-120-84-10
    assert sizes["LeNet-5"]["parameters"] == (6 * 76) + (16 * 151) + 401 * 120 + 121 * 84 + 85 * 10
    mults = 28 * 28 * 6 * 75 + 10 * 10 * 16 * 150 + 400 * 120 + 120 * 84 + 84 * 10
    assert sizes["LeNet-5"]["multiplications"] == mults == 651_720


def test_each_network_keeps_its_familys_design():
    models = {name: head_to_head.build(name) for name in NAMES}
    alex = [layer for layer in models["AlexNet"].layers if isinstance(layer, keras.layers.Conv2D)]
    assert len(alex) == 5 and alex[0].kernel_size == (11, 11) and alex[0].strides == (4, 4)
    vgg = models["VGG"]
    assert {c.kernel_size for c in vgg.layers if isinstance(c, keras.layers.Conv2D)} == {(3, 3)}
    assert "BatchNormalization" not in layer_types(vgg)
    resnet = layer_types(models["ResNet"])
    assert resnet.count("Add") == 6 and "BatchNormalization" in resnet
    concats = [
        layer for layer in models["Inception"].layers if isinstance(layer, keras.layers.Concatenate)
    ]
    assert len(concats) == 3 and all(len(c.input) == 4 for c in concats)
    mobile = layer_types(models["MobileNetV2"])
    assert "DepthwiseConv2D" in mobile and "Add" in mobile and "Multiply" not in mobile
    efficient = layer_types(models["EfficientNet"])
    assert "DepthwiseConv2D" in efficient and efficient.count("Multiply") == 5  # SE per block


def test_every_batch_normalisation_has_the_same_momentum():
    for name in ("ResNet", "MobileNetV2", "EfficientNet"):
        bns = [
            layer
            for layer in head_to_head.build(name).layers
            if isinstance(layer, keras.layers.BatchNormalization)
        ]
        assert bns and {bn.momentum for bn in bns} == {head_to_head.BN_MOMENTUM}, name


def test_parameters_are_comparable_and_outputs_are_probabilities(sizes):
    counts = [sizes[name]["parameters"] for name in NAMES]
    assert max(counts) / min(counts) < 10
    images = np.random.default_rng(0).uniform(size=(2, 32, 32, 3)).astype("float32")
    for name in NAMES:
        out = np.asarray(head_to_head.build(name, classes=7)(images))
        assert out.shape == (2, 7) and np.allclose(out.sum(axis=1), 1, atol=1e-5), name


def test_multiplications_sum_the_weight_layers_and_see_inside_nested_models():
    model = head_to_head.build("MobileNetV2")
    assert head_to_head.multiplications(model) == sum(keras_layer_mults(x) for x in model.layers)
    dense = keras.Sequential([keras.Input((4,)), keras.layers.Dense(3)])
    outer = keras.Sequential([keras.Input((4,)), dense, keras.layers.Dense(2)])
    assert head_to_head.multiplications(outer) == 4 * 3 + 3 * 2


def test_latency_times_the_requested_repeats():
    timing = head_to_head.latency(head_to_head.build("LeNet-5"), repeats=4, warmup=1)
    assert len(timing.seconds) == 4 and 0 < timing.low <= timing.median <= timing.high


def test_an_unknown_network_is_refused():
    with pytest.raises(ValueError, match="network must be one of"):
        head_to_head.build("DenseNet")


# --- the chapter -------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def run(executed):
    return executed(CHAPTER)


def check_table(run, sizes, seeds, epochs):
    runs = RUN.findall(run.text)
    assert [(n, int(s)) for n, s, *_ in runs] == [(n, s) for n in NAMES for s in seeds]
    assert {int(e) for _, _, e, _ in runs} == {epochs}
    rows = ROW.findall(run.text)
    assert [row[0] for row in rows] == list(NAMES), "one row per network, in order"
    for name, params, mults, latency, mean, sd, low, high, _ in rows:
        assert integer(params) == sizes[name]["parameters"], name
        assert integer(mults) == sizes[name]["multiplications"], name
        assert float(latency) > 0
        values = [float(v) for n, _, _, v in runs if n == name]
        assert float(mean) == pytest.approx(statistics.mean(values), abs=0.0015), name
        spread = statistics.stdev(values) if len(values) > 1 else 0.0
        assert float(sd) == pytest.approx(spread, abs=0.0015), name
        assert float(low) == pytest.approx(min(values), abs=0.0015)
        assert float(high) == pytest.approx(max(values), abs=0.0015)
    run.assert_printed(f"validation accuracy over {len(seeds)} seeds, {epochs} epochs each")


def test_design_table_prints_what_the_module_builds(run, sizes):
    for name in NAMES:
        row = re.search(
            rf"^ *{name} +{re.escape(head_to_head.DESIGNS[name])} +(.*)$", run.text, re.M
        )
        assert row, name
        params, layers, mults, count = (integer(v) for v in row.group(1).split())
        assert (params, layers, mults, count) == tuple(sizes[name].values()), name


def test_the_table_has_every_network_with_the_modules_counts(run, sizes):
    check_table(run, sizes, seeds=(0,), epochs=1)
    assert run.images >= 2


def test_the_test_part_is_read_once_for_the_network_chosen_on_validation(run):
    assert run.text.count("test accuracy") == 1
    best = re.search(rf"highest mean validation accuracy: ({'|'.join(NAMES)})", run.text)[1]
    run.assert_printed(f"chosen on validation: {best}; test accuracy of the chosen network: ")


def test_claims_are_printed_and_not_checked_in_smoke_mode(run):
    run.assert_claims(*CLAIMS, checked=False)


def test_full_mode_trains_every_network_over_three_seeds_and_its_claims_hold(full_executed, sizes):
    run = full_executed(CHAPTER)
    check_table(run, sizes, seeds=(0, 1, 2), epochs=8)
    run.assert_claims(*CLAIMS, checked=True)
    run.assert_printed("paired by seed, n = 3", "train 1,444, validation 309, test 309 images")
    test_accuracy = float(re.search(r"test accuracy of the chosen network: ([\d.]+)", run.text)[1])
    assert test_accuracy > 0.5, "ten classes: chance is 0.1"
