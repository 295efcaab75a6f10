"""cnnbook.diagrams: boxes and arrows come from the model's layers; the drawing shows them."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import keras
import matplotlib.pyplot as plt
import pytest

from cnnbook import diagrams
from cnnbook.diagrams import diagram_graph, geometry, layout, shape_text
from cnnbook.models import googlenet, lenet5, mobilenet_v2, resnet50, vgg16, vgg19
from cnnbook.models.classic import alexnet
from cnnbook.models.efficientnet import mbconv_block
from cnnbook.models.inception import inception_module
from cnnbook.models.mobilenet import depthwise_separable_block, inverted_residual_block
from cnnbook.models.resnet import basic_block, convolutional_block, identity_block


def block(shape, build):
    x = keras.Input(shape, name="input")
    return keras.Model(x, build(x))


def parents(layer):
    return [n.operation.name for n in layer._inbound_nodes[0].parent_nodes]


def assert_matches_model(diagram, model):
    """Every layer in exactly one box; each arrow is a connection of the model, with its shape."""
    names = [layer.name for layer in model.layers]
    in_boxes = [name for box in diagram.boxes for name in box.layers]
    assert sorted(in_boxes) == sorted(names)
    box_of = {name: box.key for box in diagram.boxes for name in box.layers}
    expected = set()
    for layer in model.layers:
        for p in parents(layer):
            if box_of[p] != box_of[layer.name]:
                expected.add(
                    (box_of[p], box_of[layer.name], shape_text(model.get_layer(p).output.shape))
                )
    assert {(a.source, a.target, a.shape) for a in diagram.arrows} == expected
    for box in diagram.boxes:
        assert box.types == tuple(type(model.get_layer(n)).__name__ for n in box.layers)
        assert box.shape == shape_text(model.get_layer(box.layers[-1]).output.shape)


def assert_drawable(diagram):
    """Boxes do not overlap; the figure fits the code column, text is 8 pt or more, opaque."""
    where = geometry(diagram)
    placed = list(where.items())
    for i, (ka, a) in enumerate(placed):
        for kb, b in placed[i + 1 :]:
            apart_x = abs(a.x - b.x) >= (a.width + b.width) / 2
            apart_y = abs(a.y - b.y) >= (a.height + b.height) / 2
            assert apart_x or apart_y, f"{ka} overlaps {kb}"
    fig = diagram.figure()
    try:
        width, _ = fig.get_size_inches()
        assert width <= diagrams.MAX_WIDTH + 1e-6
        assert tuple(fig.get_facecolor()) == (1.0, 1.0, 1.0, 1.0)
        texts = fig.findobj(plt.Text)
        shown = [t for t in texts if t.get_text()]
        assert shown and min(t.get_fontsize() for t in shown) >= 8
        fig.canvas.draw()  # every text inside the figure
        box = fig.bbox
        for t in shown:
            extent = t.get_window_extent()
            assert extent.x0 >= box.x0 - 1 and extent.x1 <= box.x1 + 1, t.get_text()
    finally:
        plt.close(fig)


@pytest.fixture(scope="module")
def lenet():
    return lenet5()


def test_lenet5_one_box_per_layer_with_the_shapes_on_the_arrows(lenet):
    d = diagram_graph(lenet, "LeNet-5")
    assert [b.key for b in d.boxes] == [layer.name for layer in lenet.layers]
    assert_matches_model(d, lenet)
    assert [a.shape for a in d.arrows] == [
        "32×32×1", "28×28×6", "14×14×6", "10×10×16", "5×5×16", "400", "120", "84",
    ]  # fmt: skip
    assert d.box("c1_conv").detail == "Conv2D 5x5, 6, ReLU"
    assert d.box("s2_pool").detail == "MaxPool 2x2/2"
    assert d.box("predictions").detail == "Dense 10, softmax"
    assert_drawable(d)


def test_alexnet_shows_every_layer():
    model = alexnet()
    d = diagram_graph(model, "AlexNet")
    assert_matches_model(d, model)
    assert len(d.boxes) == len(model.layers) == 15
    assert d.box("conv1").detail == "Conv2D 11x11/4, 96, ReLU"
    assert d.arrows[1].shape == "55×55×96"
    assert_drawable(d)


def test_vgg16_collapses_each_stage_run_and_keeps_the_pools():
    model = vgg16()
    d = diagram_graph(model, "VGG-16", collapse=True)
    assert_matches_model(d, model)
    runs = [b for b in d.boxes if b.kind == "conv"]
    assert [b.count for b in runs] == [2, 2, 3, 3, 3]
    assert runs[0].layers == ("block1_conv1", "block1_conv2")
    assert runs[2].detail == "3 × Conv2D 3x3, 256, ReLU"
    assert d.box("fc1").count == 2 and d.box("fc1").layers == ("fc1", "fc2")
    assert len(d.boxes) == 14
    assert [a.shape for a in d.arrows if a.source.endswith("_pool")] == [
        "112×112×64", "56×56×128", "28×28×256", "14×14×512", "7×7×512",
    ]  # fmt: skip
    assert_drawable(d)
    # VGG-19 has four convolutions in its last three stages: the picture follows the builder.
    d19 = diagram_graph(vgg19(), "VGG-19", collapse=True)
    assert [b.count for b in d19.boxes if b.kind == "conv"] == [2, 2, 4, 4, 4]


def test_basic_block_fuses_conv_bn_relu_and_draws_the_identity_shortcut():
    model = block((56, 56, 64), lambda x: basic_block(x, 64, name="b"))
    d = diagram_graph(model, "basic block", fuse=True)
    assert_matches_model(d, model)
    assert [b.layers for b in d.boxes] == [
        ("input",), ("b_1_conv", "b_1_bn", "b_1_relu"), ("b_2_conv", "b_2_bn"), ("b_add", "b_out"),
    ]  # fmt: skip
    assert d.box("b_1_conv").detail == "Conv2D 3x3, 64 → BN → ReLU"
    assert d.box("b_2_conv").detail == "Conv2D 3x3, 64 → BN"  # the ReLU comes after the add
    into_add = {a.source: a.shape for a in d.arrows if a.target == "b_add"}
    assert into_add == {"b_2_conv": "56×56×64", "input": "56×56×64"}
    columns = {k: c for k, (c, _) in layout(d).items()}
    assert len(set(columns.values())) == 1  # identity shortcut: one column, drawn around
    assert_drawable(d)


def test_bottleneck_block_with_projection_puts_the_shortcut_beside_the_main_path():
    model = block((56, 56, 256), lambda x: convolutional_block(x, 3, (128, 128, 512), name="b"))
    d = diagram_graph(model, "bottleneck", fuse=True)
    assert_matches_model(d, model)
    assert d.box("b_0_conv").detail == "Conv2D 1x1/2, 512 → BN"
    into_add = {a.source: a.shape for a in d.arrows if a.target == "b_add"}
    assert into_add == {"b_3_conv": "28×28×512", "b_0_conv": "28×28×512"}
    columns = {k: c for k, (c, _) in layout(d).items()}
    assert columns["b_0_conv"] != columns["b_1_conv"] == columns["b_add"]
    assert_drawable(d)
    identity = block((56, 56, 256), lambda x: identity_block(x, 3, (64, 64, 256), name="i"))
    d = diagram_graph(identity, "bottleneck", fuse=True)
    assert_matches_model(d, identity)
    assert [b.key for b in d.boxes] == ["input", "i_1_conv", "i_2_conv", "i_3_conv", "i_add"]
    assert_drawable(d)


def test_resnet50_stages_are_read_from_the_model():
    model = resnet50()
    d = diagram_graph(
        model,
        "ResNet-50",
        group=diagrams.resnet_stage,
        describe_group=diagrams.describe_resnet_stage,
    )
    assert_matches_model(d, model)
    stages = [b for b in d.boxes if b.kind == "block"]
    assert [b.key for b in stages] == ["stem", "conv2", "conv3", "conv4", "conv5"]
    assert stages[1].detail == "3 bottleneck blocks (64, 64, 256), 1 with a projection shortcut"
    assert stages[3].detail.startswith("6 bottleneck blocks (256, 256, 1024)")
    assert [a.shape for a in d.arrows][1:6] == [
        "56×56×64", "56×56×256", "28×28×512", "14×14×1024", "7×7×2048",
    ]  # fmt: skip
    assert_drawable(d)


def test_inception_module_branches_side_by_side():
    model = block((28, 28, 192), lambda x: inception_module(x, 64, 96, 128, 16, 32, 32, name="3a"))
    d = diagram_graph(model, "Inception 3a")
    assert_matches_model(d, model)
    into = [a.shape for a in d.arrows if a.target == "3a_concat"]
    assert into == ["28×28×64", "28×28×128", "28×28×32", "28×28×32"]
    assert d.box("3a_concat").shape == "28×28×256"
    columns = {k: c for k, (c, _) in layout(d).items()}
    branches = [columns[k] for k in ("3a_1x1", "3a_3x3", "3a_5x5", "3a_pool_proj")]
    assert branches == sorted(set(branches))  # four columns, in the order concat lists them
    assert_drawable(d)


def test_googlenet_groups_modules_and_draws_the_side_classifiers():
    model = googlenet()
    d = diagram_graph(
        model,
        "GoogLeNet",
        group=diagrams.googlenet_group,
        describe_group=diagrams.describe_googlenet_group,
    )
    assert_matches_model(d, model)
    modules = [b.key for b in d.boxes if b.key.startswith("inception_")]
    assert modules == [
        f"inception_{m}" for m in ("3a", "3b", "4a", "4b", "4c", "4d", "4e", "5a", "5b")
    ]
    assert d.box("inception_3a").detail.startswith("Inception: 1x1 64 | 96→3x3 128")
    side = {a.target: (a.source, a.shape) for a in d.arrows if a.target.startswith("aux")}
    assert side == {"aux1": ("inception_4a", "14×14×512"), "aux2": ("inception_4d", "14×14×528")}
    assert d.box("aux1").shape == "1000" and d.main_output == "predictions"
    columns = {k: c for k, (c, _) in layout(d).items()}
    assert columns["aux1"] != columns["inception_4b"] == columns["predictions"]
    assert_drawable(d)
    plain = googlenet(aux_classifiers=False)
    assert not any(b.key.startswith("aux") for b in diagram_graph(
        plain, group=diagrams.googlenet_group).boxes)  # fmt: skip


def test_mobilenet_blocks():
    v1 = block((112, 112, 32), lambda x: depthwise_separable_block(x, 64, name="s"))
    d = diagram_graph(v1, "v1", fuse=True)
    assert_matches_model(d, v1)
    assert [b.detail for b in d.boxes] == [
        "Input",
        "Depthwise 3x3 → BN → ReLU6",
        "Conv2D 1x1, 64 → BN → ReLU6",
    ]
    assert [a.shape for a in d.arrows] == ["112×112×32", "112×112×32"]
    assert_drawable(d)
    v2 = block((56, 56, 24), lambda x: inverted_residual_block(x, 6, 24, 1, name="r"))
    d = diagram_graph(v2, "v2", fuse=True)
    assert_matches_model(d, v2)
    assert d.box("r_expand").detail == "Conv2D 1x1, 144 → BN → ReLU6"
    assert d.box("r_project").detail == "Conv2D 1x1, 24 → BN"  # linear bottleneck: no ReLU
    into_add = {a.source: a.shape for a in d.arrows if a.target == "r_add"}
    assert into_add == {"input": "56×56×24", "r_project": "56×56×24"}
    assert_drawable(d)


def test_mbconv_puts_squeeze_and_excitation_beside_the_path_it_scales():
    model = block((56, 56, 24), lambda x: mbconv_block(x, 24, 3, 1, 6, drop_rate=0.1, name="m"))
    d = diagram_graph(model, "MBConv", fuse=True)
    assert_matches_model(d, model)
    into = {a.source: a.shape for a in d.arrows if a.target == "m_se_excite"}
    assert into == {"m_dwconv": "56×56×144", "m_se_expand": "1×1×144"}
    assert d.box("m_se_reduce").detail == "Conv2D 1x1, 6, swish"
    columns = {k: c for k, (c, _) in layout(d).items()}
    se = {columns[k] for k in ("m_se_squeeze", "m_se_reduce", "m_se_expand")}
    assert len(se) == 1 and se != {columns["m_dwconv"]}
    assert columns["m_dwconv"] == columns["m_se_excite"] == columns["m_add"]
    assert_drawable(d)


def test_a_changed_builder_changes_the_diagram(lenet):
    base = diagram_graph(lenet)
    tanh = diagram_graph(lenet5(activation="tanh", subsampling="average"))
    assert base.box("c1_conv").detail != tanh.box("c1_conv").detail == "Conv2D 5x5, 6, tanh"
    wider = block((28, 28, 192), lambda x: inception_module(x, 64, 96, 160, 16, 32, 32, name="3a"))
    narrow = block((28, 28, 192), lambda x: inception_module(x, 64, 96, 128, 16, 32, 32, name="3a"))
    assert diagram_graph(wider).box("3a_concat").shape == "28×28×288"
    assert diagram_graph(wider).arrows != diagram_graph(narrow).arrows
    half = mobilenet_v2(alpha=0.5, include_top=False, input_shape=(96, 96, 3))
    full = mobilenet_v2(include_top=False, input_shape=(96, 96, 3))
    assert diagram_graph(half, fuse=True).arrows != diagram_graph(full, fuse=True).arrows
    extra = keras.Sequential(
        [keras.Input((8, 8, 3)), keras.layers.Conv2D(4, 3), keras.layers.Flatten()]
    )
    one_more = keras.Sequential(
        [
            keras.Input((8, 8, 3)),
            keras.layers.Conv2D(4, 3),
            keras.layers.Conv2D(4, 3),
            keras.layers.Flatten(),
        ]
    )
    assert len(diagram_graph(one_more).boxes) == len(diagram_graph(extra).boxes) + 1


def test_svg_is_valid_xml_with_every_label_as_text(lenet):
    d = diagram_graph(lenet, "LeNet-5 & friends")
    svg = d._repr_svg_()
    root = ET.fromstring(svg)
    assert root.tag.endswith("svg")
    shown = {
        "".join(element.itertext()).strip()
        for element in root.iter()
        if element.tag.endswith("text")
    }
    for text in d.texts():
        assert text in shown, text
    assert "output 10" in shown and "convolution" in shown  # the sink's shape, the legend
    # An opaque white background under everything.
    assert 'style="fill: #ffffff' in svg
    assert repr(d) == "<diagram 'LeNet-5 & friends': 9 boxes, 8 arrows>"


def test_wrap_keeps_lines_within_the_width():
    text = (
        "AvgPool 5x5/3 → Conv2D 1x1, 128, ReLU → Dense 1024, ReLU → Dropout 0.7 → "
        "Dense 1000, softmax"
    )
    lines = diagrams.wrap(text)
    assert len(lines) > 1 and " ".join(lines) == text
    assert all(diagrams._text_width(line) <= diagrams.WRAP_WIDTH for line in lines)
