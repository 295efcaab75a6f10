"""GoogLeNet and the Inception module against Szegedy et al. (2014), Table 1 and Section 5.

Keras has no GoogLeNet, so the Keras models are checked against independent counts: the
formulas of ``cnnbook.costs`` applied to the filter counts of Table 1, the paper's output-size
column, and the paper's own "params" column.
"""

import keras
import pytest

from cnnbook.costs import (
    bottleneck_cost,
    conv_params,
    dense_params,
    inception_module_mults,
    inception_module_params,
)
from cnnbook.inspection import keras_layer_mults
from cnnbook.models.inception import (
    GOOGLENET_TABLE1,
    compare_with_table1,
    googlenet,
    inception_module,
    table1_filters,
)

MODULE_3A = (64, 96, 128, 16, 32, 32)


@pytest.fixture(scope="module")
def full():
    return googlenet(input_shape=(224, 224, 3), classes=1000)


@pytest.fixture(scope="module")
def main_only():
    return googlenet(input_shape=(224, 224, 3), classes=1000, aux_classifiers=False)


def module_3a():
    inputs = keras.Input((28, 28, 192))
    return keras.Model(inputs, inception_module(inputs, *MODULE_3A, name="m3a"))


def table1_weights(bias: bool) -> dict[str, int]:
    """Parameters of each Table 1 row from its filter counts alone (no Keras)."""
    counts, channels = {}, 192
    for row in GOOGLENET_TABLE1:
        if row.name.startswith("conv1"):
            counts[row.name] = conv_params(7, 3, 64, bias)
        elif row.name.startswith("conv2"):
            counts[row.name] = conv_params(1, 64, 64, bias) + conv_params(3, 64, 192, bias)
        elif row.kind == "inception":
            counts[row.name] = inception_module_params(channels, row.filters, bias)
            channels = row.filters[0] + row.filters[2] + row.filters[4] + row.filters[5]
        elif row.kind == "linear":
            counts[row.name] = dense_params(1024, 1000, bias)
    return counts


def test_module_3a_gives_28x28x256_from_28x28x192():
    model = module_3a()
    assert tuple(model.output.shape) == (None, 28, 28, 64 + 128 + 32 + 32)
    branches = {layer.name: tuple(layer.output.shape[1:]) for layer in model.layers}
    assert branches["m3a_3x3"] == (28, 28, 128)  # same padding: not 20x20 (a mistake in the notes)
    assert branches["m3a_5x5_reduce"] == (28, 28, 16)
    assert branches["m3a_pool"] == (28, 28, 192)  # 3x3/1 max pool keeps every channel
    assert branches["m3a_pool_proj"] == (28, 28, 32)
    # 163,328 weights (Table 1 says 159K, in units of 1,024) + 64+96+128+16+32+32 biases
    assert model.count_params() == 163_328 + 368 == inception_module_params(192, MODULE_3A)


def test_module_multiplications_two_independent_counts_agree():
    model = module_3a()
    from_layers = sum(keras_layer_mults(layer) for layer in model.layers)
    assert (
        from_layers
        == inception_module_mults(28, 192, MODULE_3A)
        == 163_328 * 28 * 28
        == 128_049_152
    )
    # Table 1 gives 128M operations for inception (3a)
    assert round(from_layers / 1e6) == 128


def test_bottleneck_cost_matches_keras_layers():
    cost = bottleneck_cost(28, 192, 5, 32, 16)
    assert (cost.direct, cost.reduce, cost.expand) == (120_422_400, 2_408_448, 10_035_200)
    assert cost.bottleneck == 12_443_648
    inputs = keras.Input((28, 28, 192))
    direct = keras.layers.Conv2D(32, 5, padding="same")
    reduce = keras.layers.Conv2D(16, 1)
    expand = keras.layers.Conv2D(32, 5, padding="same")
    keras.Model(inputs, [direct(inputs), expand(reduce(inputs))])
    assert keras_layer_mults(direct) == cost.direct
    assert keras_layer_mults(reduce) + keras_layer_mults(expand) == cost.bottleneck


def test_every_module_output_matches_table1(main_only):
    for row in GOOGLENET_TABLE1:
        if row.kind == "inception":
            module = row.name.split()[-1]
            layer = main_only.get_layer(f"inception_{module}_concat")
            assert tuple(layer.output.shape[1:]) == row.output, row.name
    assert tuple(main_only.get_layer("pool2").output.shape[1:]) == (28, 28, 192)
    assert tuple(main_only.get_layer("conv1_7x7").output.shape[1:]) == (112, 112, 64)


def test_main_network_parameters_equal_an_independent_count_from_table1(main_only):
    with_bias = table1_weights(bias=True)
    assert main_only.count_params() == sum(with_bias.values()) == 6_998_552
    for row in GOOGLENET_TABLE1:
        if row.kind == "inception":
            prefix = f"inception_{row.name.split()[-1]}_"
            keras_count = sum(
                layer.count_params() for layer in main_only.layers if layer.name.startswith(prefix)
            )
            assert keras_count == with_bias[row.name], row.name


def test_parameter_count_compared_with_the_papers_table1(main_only):
    """The paper's column sums to 6,797.7K; ours is 6,998,552. Where the difference comes from."""
    paper = {row.name: row.paper_params_k for row in GOOGLENET_TABLE1 if row.paper_params_k}
    assert sum(paper.values()) == pytest.approx(6797.7)
    weights = table1_weights(bias=False)
    assert sum(weights.values()) == 6_990_272
    # 1. biases: one per filter / unit, 8,280 in all; the paper counts weights only
    assert main_only.count_params() - sum(weights.values()) == 8_280
    # 2. the paper's "K" is 1,024: conv2 and the final linear layer match exactly in that unit
    assert weights["conv2 1x1 + 3x3/1"] == 112 * 1024
    assert weights["linear"] == 1000 * 1024
    # 3. the other rows agree to within 8% in that unit, except conv1 (9,408 weights, printed
    #    as 2.7K): some printed entries (conv1, 4c, 5a, 5b) do not follow from the table's filters
    for name, k in paper.items():
        if name != "conv1 7x7/2":
            assert weights[name] / 1024 == pytest.approx(k, rel=0.08), name
    assert weights["conv1 7x7/2"] == 9_408


def test_auxiliary_classifiers(full, main_only):
    assert [tuple(o.shape) for o in full.outputs] == [(None, 1000)] * 3
    assert tuple(full.get_layer("aux1_avg_pool").output.shape[1:]) == (4, 4, 512)
    assert tuple(full.get_layer("aux2_avg_pool").output.shape[1:]) == (4, 4, 528)
    assert full.get_layer("aux1_dropout").rate == 0.7
    assert main_only.get_layer("dropout").rate == 0.4

    def aux(channels):  # 1x1 conv 128, FC 1024 on 4x4x128, FC 1000
        return (
            conv_params(1, channels, 128)
            + dense_params(4 * 4 * 128, 1024)
            + dense_params(1024, 1000)
        )

    assert full.count_params() - main_only.count_params() == aux(512) + aux(528) == 6_379_728


def test_headless_and_other_sizes():
    base = googlenet(include_top=False)
    assert tuple(base.output.shape) == (None, 7, 7, 1024)
    small = googlenet(input_shape=(96, 96, 3), classes=10)
    assert [tuple(o.shape) for o in small.outputs] == [(None, 10)] * 3


def test_bad_arguments_raise_clear_errors():
    inputs = keras.Input((28, 28, 192))
    with pytest.raises(ValueError, match="filters_5x5 must be a positive integer"):
        inception_module(inputs, 64, 96, 128, 16, 0, 32)
    with pytest.raises(ValueError, match="needs a 4-D input"):
        inception_module(keras.Input((192,)), *MODULE_3A)
    with pytest.raises(ValueError, match="input_shape must be"):
        googlenet(input_shape=(224, 224))
    with pytest.raises(ValueError, match="classes must be a positive integer"):
        googlenet(classes=0)
    with pytest.raises(ValueError, match="at least 65x65"):
        googlenet(input_shape=(64, 64, 3))
    with pytest.raises(ValueError, match="six filter counts"):
        inception_module_params(192, (64, 96, 128, 16, 32))
    assert tuple(table1_filters()["3a"]) == MODULE_3A


def test_compare_with_table1_reads_the_keras_layers(main_only):
    rows = {r["row"]: r for r in compare_with_table1(main_only)}
    independent = table1_weights(bias=False)
    assert {name: r["weights"] for name, r in rows.items()} == independent
    assert sum(r["parameters"] for r in rows.values()) == main_only.count_params()
    assert rows["inception 3a"]["mults (M)"] == 128.0  # Table 1: 128M
    assert (
        rows["conv2 1x1 + 3x3/1"]["weights / 1024"] == 112.0 == rows["conv2 1x1 + 3x3/1"]["paper K"]
    )
    total_mults = sum(keras_layer_mults(layer) for layer in main_only.layers)
    assert total_mults == 1_582_671_872  # the paper's budget: "1.5 billion multiply-adds"


def test_layer_graph_draws_one_box_per_layer():
    import matplotlib

    matplotlib.use("Agg")
    from cnnbook.plots import layer_graph

    model = module_3a()
    fig = layer_graph(model, title="module 3a")
    texts = [t.get_text() for t in fig.axes[0].texts]
    boxes = [t for t in texts if t]
    assert len(boxes) == len(model.layers) == 9
    assert texts.count("") == 4 + 3 + 4  # arrows: input to 4 branches, 3 inner, 4 into concat
    texts = boxes
    assert any("Concatenate -> 28x28x256" in t for t in texts)
