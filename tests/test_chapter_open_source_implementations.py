"""Chapter 'Using open-source implementations': the figures it prints in smoke mode."""

import re

import nbformat
import pytest
from conftest import ROOT

CHAPTER = "chapters/practice/open-source-implementations.ipynb"


@pytest.fixture(scope="module")
def run(executed):
    return executed(CHAPTER)


@pytest.mark.parametrize(
    "network, parameters, without_top, weight_layers",
    [
        ("VGG16", "138,357,544", "14,714,688", 16),
        ("ResNet50", "25,636,712", "23,587,712", 54),  # 50 + 4 shortcut projections
        ("MobileNet", "4,253,864", "3,228,864", 28),  # depthwise and pointwise counted apart
        ("MobileNetV2", "3,538,984", "2,257,984", 53),
        ("EfficientNetB0", "5,330,571", "4,049,571", 82),
    ],
)
def test_table_of_parameters_and_depth(run, network, parameters, without_top, weight_layers):
    row = re.search(
        rf"^{network} +\d+x\d+ +{parameters} +{without_top} +{weight_layers} +\d+ +[\d.]+$",
        run.text,
        re.MULTILINE,
    )
    assert row, f"no table row for {network}"


def test_vgg_dense_layers_and_resnet_shortcuts(run):
    run.assert_printed("'fc1': '102,764,544', 'fc2': '16,781,312', 'predictions': '4,097,000'")
    run.assert_printed("ResNet50: 54 weight layers, of which 4 shortcut projections")


def test_with_and_without_top(run):
    run.assert_printed("difference: 1,281,000 = 1,280 x 1,000 weights + 1,000 biases = 1,281,000")
    run.assert_printed("include_top=False, pooling='avg'  output (None, 1280), 2,257,984")
    for size, side in ((96, 3), (160, 5), (224, 7)):
        run.assert_printed(f"input {size}x{size}: output ({side}, {side}, 1280), 2,257,984")


def test_licences_are_printed(run):
    run.assert_printed("Sign Language Digits Dataset: licence Apache-2.0")
    assert re.search(r"Keras [\d.]+: .*Apache", run.text)


def test_book_builders_equal_the_reference(run):
    for builder, reference, count in (
        ("cnnbook.models.classic.vgg16", "VGG16", "138,357,544"),
        ("cnnbook.models.resnet.resnet50", "ResNet50", "25,636,712"),
        ("cnnbook.models.mobilenet.mobilenet_v2", "MobileNetV2", "3,538,984"),
    ):
        run.assert_printed(
            f"{builder}: {count} parameters; keras.applications.{reference}: {count} -> equal"
        )
    assert "DIFFERENT" not in run.text
    assert run.images >= 2  # size and depth bars, first-layer filters


def prose() -> str:
    """The chapter's markdown, whitespace collapsed (phrases may wrap across lines)."""
    nb = nbformat.read(ROOT / CHAPTER, as_version=4)
    return " ".join(" ".join(c.source for c in nb.cells if c.cell_type == "markdown").split())


def test_prose_names_all_the_vgg_depths():
    assert "11, 13, 16 and 19 weight layers" in prose()
    assert "beat 8" not in prose()
