"""Chapter 'Receptive fields': the figures it prints (smoke mode prints the same as full)."""

import re

import nbformat
import pytest
from conftest import ROOT

from cnnbook.costs import conv_params
from cnnbook.receptive import receptive_field

CHAPTER = "chapters/case-studies/receptive-fields.ipynb"

# network: (input side, last map side, receptive field, jump, squeeze-excite). AlexNet, VGG-16,
# ResNet-50 and MobileNet v1 are the values Araujo, Norris and Sim (2019) tabulate; all of
# them were also checked by brute force (tests/test_receptive.py for the small ones).
PART_II = {
    "LeNet-5": (32, 5, 16, 4, False),
    "AlexNet": (227, 6, 195, 32, False),
    "VGG-16": (224, 7, 212, 32, False),
    "GoogLeNet": (224, 7, 715, 32, False),
    "ResNet-34": (224, 7, 899, 32, False),
    "ResNet-50": (224, 7, 483, 32, False),
    "MobileNet v1": (224, 7, 315, 32, False),
    "MobileNet v2": (224, 7, 491, 32, False),
    "EfficientNet-B0": (224, 7, 851, 32, True),
}


@pytest.fixture(scope="module")
def run(executed):
    return executed(CHAPTER)


def test_vgg16_worked_example(run):
    assert re.search(r"block5_conv3 +3 +1 +32 +196 +16", run.text)
    assert re.search(r"block5_pool +2 +2 +16 +212 +32", run.text)
    run.assert_printed("closed form: r = 212")
    run.assert_printed("receptive field 212, jump 32, first pixel of position 0: -90")


def test_brute_force_agrees_and_the_formula_without_jump_does_not(run):
    rows = re.findall(
        r"(\d) x 3x3, stride (\d) +(\d+) +(\d+)  (-?\d+)-(\d+) +(-?\d+)-(\d+) +(\d+)", run.text
    )
    assert len(rows) == 8
    for depth, stride, size, jump, c0, c1, g0, g1, wrong in rows:
        assert (c0, c1) == (g0, g1)  # calculator and gradient: the same rows
        expected = receptive_field([(3, int(stride))] * int(depth))
        assert (int(size), int(jump)) == (expected.size, expected.jump)
        assert int(c1) - int(c0) + 1 == int(size)
        assert int(wrong) == 1 + 2 * int(depth)
    sizes = {(int(r[0]), int(r[1])): int(r[2]) for r in rows}
    assert sizes[(4, 1)] == 9 and sizes[(4, 2)] == 31
    run.assert_printed(
        "AlexNet: receptive field 195, jump 32; position (3, 3) of the 6x6 map",
        "calculator: rows 32 to 226, inside the image 32 to 226",
        "gradient:   rows 32 to 226, columns 32 to 226",
    )


def test_3x3_stacks_against_5x5_and_7x7(run):
    c = 256
    for label, field, weights, ratio in (
        ("one 5x5", 5, conv_params(5, c, c), "1.000"),
        ("2 x 3x3", 5, 2 * conv_params(3, c, c), "0.720"),
        ("one 7x7", 7, conv_params(7, c, c), "1.000"),
        ("3 x 3x3", 7, 3 * conv_params(3, c, c), "0.551"),
    ):
        assert re.search(
            rf"{re.escape(label)} +{field} +{weights:,} +{weights:,} +{ratio}", run.text
        ), label
    assert 2 * conv_params(3, c, c) == 1_180_160 and conv_params(7, c, c) == 3_211_520
    run.assert_printed("one 7x7: gradient rows 4 to 10, field 7")
    run.assert_printed("3 x 3x3: gradient rows 4 to 10, field 7")


def test_part_ii_table(run):
    for network, (side, last, field, jump, gate) in PART_II.items():
        ratio = f"{field / side:.2f}"
        pattern = (
            rf"{re.escape(network)} +{side}x{side} +{last}x{last} +{field} +{jump} +{ratio}"
            rf" +\d+(.*)"
        )
        match = re.search(pattern, run.text)
        assert match, network
        assert ("whole image" in match.group(1)) == gate, network
    run.assert_printed(
        "field larger than the image: GoogLeNet, ResNet-34, ResNet-50, MobileNet v1, "
        "MobileNet v2, EfficientNet-B0"
    )
    # ResNet-34 widens with two 3x3s per block (32) plus stem and pool; ResNet-50 with one (16)
    assert re.search(r"ResNet-34 .* 34\n", run.text)
    assert re.search(r"ResNet-50 .* 18\n", run.text)


def test_figures(run):
    # growth of the field layer by layer, 7x7 against 3 x 3x3, the Part II bars
    assert run.images >= 3


def test_prose_cites_and_does_not_edit_other_pages():
    nb = nbformat.read(ROOT / CHAPTER, as_version=4)
    text = " ".join(" ".join(c.source for c in nb.cells if c.cell_type == "markdown").split())
    assert "{cite:p}`araujo2019`" in text and "{cite:p}`luo2016`" in text
    assert "r_l = r_{l-1} + (k_l - 1)\\, j_{l-1}" in text
    assert text.count(":::{solution}") == text.count(":::{exercise}") >= 3
