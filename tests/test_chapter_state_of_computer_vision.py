"""Chapter 'The state of computer vision': invariants and measured figures, smoke mode."""

import re

import pytest

CHAPTER = "chapters/practice/state-of-computer-vision.ipynb"
METHODS = ("one network, centre crop", "one network, 10-crop")


@pytest.fixture(scope="module")
def run(executed):
    return executed(CHAPTER)


def test_ten_crops_of_the_right_size(run):
    run.assert_printed("one (64, 64, 3) image -> crops (10, 56, 56, 3)")


def test_features_and_photos_line_up(run):
    run.assert_printed("same photos, same labels at both sizes: True")
    # HOG at 64x64, 8x8 cells, 2x2 blocks: 7 x 7 blocks x 4 cells x 9 orientations
    run.assert_printed("HOG: 1,764 numbers per image")
    run.assert_printed("MobileNetV2: 1,280 numbers per image")


def test_learning_curves_are_measured(run):
    line = (
        r"n = +[\d,]+: HOG \+ logistic regression [\d.]+, small CNN from scratch [\d.]+, "
        r"pretrained MobileNetV2 \+ logistic regression [\d.]+"
    )
    assert len(re.findall(line, run.text)) >= 2


def test_ensemble_and_ten_crop_gain_and_cost_are_measured(run):
    rows = re.findall(
        r"^(one network|ensemble of \d+), (centre crop|10-crop) +([\d.]+) +([+-][\d.]+) "
        r"+[\d.]+ (?:s|ms|us) +([\d.]+)x$",
        run.text,
        re.MULTILINE,
    )
    assert len(rows) == 4
    reference = rows[0]
    assert reference[:2] == ("one network", "centre crop")
    assert reference[3] == "+0.000" and reference[4] == "1.0"
    run.assert_printed("percentage points")
    assert run.images >= 3  # learning curves, the ten crops, gain against cost
