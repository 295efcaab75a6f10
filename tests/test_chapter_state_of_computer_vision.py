"""Chapter 'The state of computer vision': invariants and measured figures, smoke and full mode."""

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
CHAPTER = "chapters/practice/state-of-computer-vision.ipynb"
METHODS = ("one network, centre crop", "one network, 10-crop")
CLAIMS = (
    "pretrained features beat HOG features at every training size",
    "with three photos per class HOG features do not beat the CNN from scratch",
    "on the whole training split HOG features do not beat the CNN from scratch",
    "pretrained features beat the CNN from scratch on the two largest training sets",
    "the ensemble is at least as accurate as the average single network",
    "10-crop multiplies one network's inference time by more than 2",
)
RUN_LINE = r"^n = +([\d,]+), seed (\d): HOG [\d.]+, pretrained [\d.]+(, CNN [\d.]+)?$"
TABLE_ROW = (
    r"^ *([\d,]+)  [\d.]+ ± [\d.]+  [\d.]+ ± [\d.]+  [\d.]+ ± [\d.]+  "
    r"(\d+), (\d+) for the CNN$"
)


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


def runs_per_size(text):
    """{size: (runs of the logistic regressions, runs of the CNN)} from the per-seed lines."""
    counts = {}
    for size, seed, cnn in re.findall(RUN_LINE, text, re.MULTILINE):
        lr, nets = counts.get(size, (0, 0))
        assert int(seed) == lr, f"seeds out of order at n = {size}"
        counts[size] = (lr + 1, nets + bool(cnn))
    return counts


def test_learning_curves_are_measured_over_seeds(run):
    # smoke: sizes 20 and the 48-image split; 3 subsets for the regressions, 2 CNNs per size
    # and 3 (the ensemble) on the whole split
    assert runs_per_size(run.text) == {"20": (3, 2), "48": (3, 3)}
    rows = re.findall(TABLE_ROW, run.text, re.MULTILINE)
    assert [r[0] for r in rows] == ["20", "48"]
    assert [r[1:] for r in rows] == [("3", "2"), ("3", "3")]
    # the differences come with intervals, paired by seed over the seeds both sides ran
    assert "CNN - HOG" in run.text and "pretrained - CNN" in run.text
    assert "paired by seed, n = 2" in run.text and "paired by seed, n = 3" in run.text


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
    assert {r[0] for r in rows[2:]} == {"ensemble of 3"}
    run.assert_printed("percentage points", "ensemble gain over a single network:")
    run.assert_printed("gradient steps per network: n = 20: 4, n = 48: 4")
    assert run.images >= 3  # learning curves, the ten crops, gain against cost


def test_claims_printed_and_not_checked_in_smoke_mode(run):
    run.assert_claims(*CLAIMS, checked=False)
    assert len(run.claims()) == len(CLAIMS)


def test_full_mode_claims_hold(full_executed):
    run = full_executed(CHAPTER)
    run.assert_claims(*CLAIMS, checked=True)
    assert len(run.claims()) == len(CLAIMS)
    # four sizes up to the whole split; 5 subsets for the regressions at every size, 3 CNNs per
    # size and 5 on the whole split (the ensemble)
    counts = runs_per_size(run.text)
    assert list(counts) == ["30", "100", "300", "1,444"]
    assert list(counts.values()) == [(5, 3), (5, 3), (5, 3), (5, 5)]
    rows = re.findall(TABLE_ROW, run.text, re.MULTILINE)
    assert [r[1:] for r in rows] == [("5", "3")] * 3 + [("5", "5")]
    # 12 epochs, at least 300 steps: 300 steps up to 300 images, 12 x 46 batches on the split
    run.assert_printed(
        "gradient steps per network: n = 30: 300, n = 100: 300, n = 300: 300, n = 1,444: 552"
    )
    assert "ensemble of 5, centre crop" in run.text
    assert "(mean ± sd of 5," in run.text and "paired by seed, n = 5" in run.text
    assert run.text.count("over 3 runs") >= 2  # the 10-crop and one-crop timings
