"""Chapter 'MobileNet': the figures it prints in smoke mode."""

import re

import nbformat
import pytest
from conftest import ROOT, assert_diagram

CHAPTER = "chapters/case-studies/mobilenet.ipynb"


@pytest.fixture(scope="module")
def run(executed):
    return executed(CHAPTER)


def test_normal_vs_separable_on_the_6x6x3_example(run):
    run.assert_printed(
        "normal convolution: 2,160 multiplications",
        "depthwise step: 4*4*3 outputs x 9 products = 432",
        "pointwise step: 4*4*5 outputs x 3 products = 240",
        "separable total: 432 + 240 = 672",
        "ratio: 672 / 2,160 = 0.311",
        "theory for the example: 1/5 + 1/3^2 = 0.311",
    )
    # the independent count on Keras layers; the depthwise output keeps 3 channels
    run.assert_printed(
        "depthwise: kernel (3, 3, 3, 1), output (4, 4, 3), 432 multiplications",
        "Keras layers: normal 2,160, separable 672: equal to",
        "f = 3, n_c' = 512: ratio 0.113, 8.8 times fewer multiplications",
    )


def test_measured_speedups_are_reported_next_to_theory(run):
    table = re.search(
        r"channels\s+theory speed-up\s+measured speed-up.*?\n-+.*?\n((?:.+\n?)+)", run.text
    )
    assert table
    rows = [line.split() for line in table.group(1).strip().splitlines()]
    assert len(rows) >= 2
    for channels, theory, measured, *_ in rows:
        assert float(theory) == pytest.approx(1 / (1 / int(channels) + 1 / 9), rel=0.02)
        assert float(measured) > 0


def test_mobilenet_v1_built_and_counted(run):
    run.assert_printed(
        "MobileNet v1 at 224x224: 13 separable blocks",
        "parameters: ours 4,253,864, keras.applications.MobileNet 4,253,864: equal",
        "top: GlobalAveragePooling2D -> Dropout -> Conv2D -> Reshape -> Activation",
        "whole network: 568,740,352 multiplications per image",
    )


def test_mobilenet_v2_blocks_memory_and_keras_equality(run):
    run.assert_printed(
        "channels: 24 -> 144 -> 144 -> 24",
        "17 bottleneck blocks, 10 with a residual connection",
        "then a 1x1 convolution to 1,280 channels",
        "MobileNet v2: largest tensor inside a block  1,204,224 numbers",
        "MobileNet v2: largest tensor between blocks  200,704 numbers",
        "with the top   : ours 3,538,984, Keras 3,538,984: equal",
        "without the top: ours 2,257,984, Keras 2,257,984: equal",
        "MobileNet v2: 300,774,272 multiplications per image (v1: 568,740,352)",
    )


def test_imagenet_weights_give_identical_features(run):
    if "No ImageNet weights available" in run.text:
        pytest.skip("no local ImageNet weights")
    run.assert_printed("copied the weights of 104 layers", "identical features: True")


def test_figures(run):
    assert run.images >= 3


def prose() -> str:
    """The chapter's markdown, whitespace collapsed (phrases may wrap across lines)."""
    nb = nbformat.read(ROOT / CHAPTER, as_version=4)
    return " ".join(" ".join(c.source for c in nb.cells if c.cell_type == "markdown").split())


MB_CLAIMS = (
    "the measured speed-up falls short of the multiplication count at every width",
    "the separable convolution is faster than the normal one",
    "the depthwise step takes a larger share of the time than of the multiplications",
)


def speedup_rows(run):
    table = re.search(
        r"channels\s+theory speed-up\s+measured speed-up.*?\n-+.*?\n((?:.+\n?)+)", run.text
    )
    assert table
    return [line.split() for line in table.group(1).strip().splitlines()]


def test_grouped_convolution_with_one_group_per_channel_is_depthwise(run):
    run.assert_printed(
        "grouped: kernel (3, 3, 1, 3), 27 weights",
        "depthwise: kernel (3, 3, 3, 1), 27 weights",
    )
    gap = re.search(r"grouped \(groups=3\) vs depthwise, max abs difference: (\S+)", run.text)
    assert gap and float(gap.group(1)) < 1e-5
    assert "a grouped convolution with one group per channel" in prose()


def test_speedup_claims_printed_and_not_checked_in_smoke_mode(run):
    run.assert_printed("timed on the CPU, ")
    run.assert_claims(*MB_CLAIMS, checked=False)


def test_prose_on_hardware_aware_design_and_prior_work():
    text = prose()
    assert "searched or tuned with the hardware" not in text
    assert "MobileNet v2, below, was still designed by hand" in text
    assert "MnasNet" in text and "MobileNet v3" in text
    assert "not for the latency of any device" in text
    assert "Sifre (2014)" in text and "Xception" in text


def test_full_mode_claims_hold(full_executed):
    run = full_executed(CHAPTER)
    run.assert_claims(*MB_CLAIMS, checked=True)
    run.assert_claims("at 128 and 256 channels", checked=True)
    run.assert_printed("median of 7 rounds, 5 calls per side each")
    rows = speedup_rows(run)
    assert [int(r[0]) for r in rows] == [32, 64, 128, 256]
    for _, theory, measured, *_ in rows:
        assert float(measured) < float(theory)


def test_the_chapter_shows_its_diagrams_drawn_from_the_models(run):
    assert_diagram(
        run, "MobileNet v1: a depthwise-separable block", ["Depthwise 3x3/2", "56×56×128"]
    )
    assert_diagram(run, "MobileNet v2: an inverted residual block", ["demo_project", "56×56×144"])
