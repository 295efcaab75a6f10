"""Chapter 'MobileNet': the figures it prints in smoke mode."""

import re

import pytest

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
