"""Chapter 'Classic networks: LeNet-5, AlexNet, VGG': the figures it prints in smoke mode."""

import re

import nbformat
import pytest
from conftest import ROOT, assert_diagram

from cnnbook.costs import conv_mults

CHAPTER = "chapters/case-studies/classic-networks.ipynb"


@pytest.fixture(scope="module")
def run(executed):
    return executed(CHAPTER)


def test_lenet5_table_and_parameters(run):
    # 156 + 2,416 + 48,120 + 10,164 + 850
    run.assert_printed("LeNet-5 (modern variant, 10 classes): 61,706 parameters")
    for row in ("28x28x6", "14x14x6", "10x10x16", "5x5x16", "48,120", "10,164"):
        run.assert_printed(row)


def test_lenet5_trained_on_real_digits_both_flavours(run):
    run.assert_printed("1,797 digits, 8x8 pixels, resized to 32x32")
    modern = re.search(r"ReLU \+ max pooling: +test accuracy ([\d.]+)", run.text)
    original = re.search(r"tanh \+ average pooling \(original\): +test accuracy ([\d.]+)", run.text)
    assert modern and original
    assert 0.0 <= float(modern.group(1)) <= 1.0 and 0.0 <= float(original.group(1)) <= 1.0
    diagonal = re.search(r"(\d+) of (\d+) test digits on the diagonal", run.text)
    assert diagonal and int(diagonal.group(2)) == 360  # 20% of 1,797, stratified


def test_alexnet_shape_walk_and_parameters(run):
    run.assert_printed(
        "227x227x3 → 55x55x96 → 27x27x96 → 27x27x256 → 13x13x256 → 13x13x384 → 13x13x384"
        " → 13x13x256 → 6x6x256 = 9,216 → 4,096 → 4,096 → 1,000"
    )
    run.assert_printed("AlexNet (one stream): 62,378,344 parameters")
    run.assert_printed("two-GPU wiring (grouped conv2, conv4, conv5): 60,965,224 parameters")
    run.assert_printed("AlexNet with LRN: 62,378,344 parameters (LRN adds none)")
    run.assert_printed("dense layers hold 94.0% of the parameters, fc6 alone 60.5%")


def test_vgg16_equals_keras_and_costs(run):
    run.assert_printed("cnnbook vgg16():                   138,357,544 parameters")
    run.assert_printed("keras.applications.VGG16(weights=None): 138,357,544 parameters")
    run.assert_printed("keras.applications.VGG19(weights=None): 143,667,240 parameters")
    assert run.text.count("\nequal\n") == 2
    run.assert_printed("filters per stage: 64, 128, 256, 512, 512")
    run.assert_printed("fc1 alone: 102,764,544 parameters, about 103 million")
    run.assert_printed("the thirteen convolutions: 14,714,688 parameters")
    run.assert_printed(f"one forward pass: {vgg16_mults():,} multiplications")


def vgg16_mults() -> int:
    """Multiplications of VGG-16 for one 224x224 image, from the paper's layer list."""
    stages = [(224, 3, 64, 2), (112, 64, 128, 2), (56, 128, 256, 3), (28, 256, 512, 3)]
    stages.append((14, 512, 512, 3))
    total = 0
    for n, c_in, c_out, convs in stages:
        total += conv_mults(n, 3, c_in, c_out) + (convs - 1) * conv_mults(n, 3, c_out, c_out)
    return total + 7 * 7 * 512 * 4096 + 4096 * 4096 + 4096 * 1000


def test_side_by_side_comparison(run):
    assert vgg16_mults() == 15_470_264_320
    table = re.search(r"VGG-16  224x224x3 +16 +138,357,544 +15,470,264,320", run.text)
    assert table, "the comparison table lacks VGG-16's row"
    assert re.search(r"LeNet-5 +32x32x1 +5 +61,706 +416,520", run.text)
    assert re.search(r"AlexNet +227x227x3 +8 +62,378,344 +1,135,256,096", run.text)
    assert re.search(r"VGG-19 +224x224x3 +19 +143,667,240 +19,632,062,464", run.text)


def test_figures(run):
    # activations, digits, learning curves, confusion matrix, flavour comparison,
    # AlexNet parameters, VGG parameters vs multiplications, side-by-side
    assert run.images >= 8


def prose() -> str:
    """The chapter's markdown, whitespace collapsed (phrases may wrap across lines)."""
    nb = nbformat.read(ROOT / CHAPTER, as_version=4)
    return " ".join(" ".join(c.source for c in nb.cells if c.cell_type == "markdown").split())


def test_prose_on_grouped_convolutions_and_vgg_depths():
    text = prose()
    assert "as the MobileNet chapter shows" not in text
    assert "with one group per input channel, a grouped convolution becomes a *depthwise*" in text
    assert "11, 13, 16 and 19 weight layers" in text
    assert "beat 8" not in text


def test_lenet_flavours_over_seeds_and_the_claim(run):
    assert re.search(r"seed 1: ReLU \+ max [\d.]+, tanh \+ average [\d.]+", run.text)
    run.assert_printed("ReLU + max minus tanh + average: ", "paired by seed, n = 2")
    run.assert_claims("both flavours learn these digits well", checked=False)


def test_full_mode_claims_hold(full_executed):
    run = full_executed(CHAPTER)
    run.assert_claims("both flavours learn these digits well", checked=True)
    for seed in (1, 2):
        assert re.search(rf"seed {seed}: ReLU \+ max [\d.]+, tanh \+ average [\d.]+", run.text)
    run.assert_printed("paired by seed, n = 3")
    accuracies = re.findall(
        r"^(?:ReLU \+ max|tanh \+ average): [\d.]+ ± .*range ([\d.]+)-", run.text, re.M
    )
    assert len(accuracies) == 2 and all(float(low) > 0.9 for low in accuracies)


def test_the_chapter_shows_its_diagrams_drawn_from_the_models(run):
    assert_diagram(run, "LeNet-5, drawn from the Keras model", ["c1_conv", "5×5×16"])
    assert_diagram(run, "AlexNet (one stream), drawn from the Keras model", ["conv5", "6×6×256"])
    assert_diagram(
        run, "VGG-16, drawn from the Keras model", ["3 × Conv2D 3x3, 512, ReLU", "7×7×512"]
    )
