"""Chapter 'EfficientNet': the figures it prints in smoke mode (B0-B2 built)."""

import re

import nbformat
import pytest
from conftest import ROOT, assert_diagram

CHAPTER = "chapters/case-studies/efficientnet.ipynb"


@pytest.fixture(scope="module")
def run(executed):
    return executed(CHAPTER)


def test_compound_scaling_constants(run):
    run.assert_printed(
        "alpha * beta^2 * gamma^2 = 1.2 * 1.1^2 * 1.15^2 = 1.920 (about 2)",
        "width      -> multiplications x4, parameters x4",
        "resolution -> multiplications x4, parameters x1",
    )
    # phi = 7: depth 1.2^7, width 1.1^7, resolution 1.15^7 (224 -> 596 pixels), cost 1.92^7
    assert re.search(r"\n\s+7\s+3\.58\s+1\.95\s+2\.66\s+596\s+96\.3\s+96\.3", run.text)


def test_published_table_b0_to_b7(run):
    for row in (
        r"B0\s+1\s+1\s+224\s+0\.2",
        r"B1\s+1\s+1\.1\s+240\s+0\.2",
        r"B4\s+1\.4\s+1\.8\s+380\s+0\.4",
        r"B7\s+2\s+3\.1\s+600\s+0\.5",
    ):
        assert re.search(row, run.text), row
    run.assert_printed("EfficientNetB0: 16 MBConv blocks", "EfficientNetB2: 23 MBConv blocks")


def test_our_b0_equals_keras(run):
    run.assert_printed("EfficientNet-B0: ours 5,330,571, keras.applications 5,330,571: equal")
    assert re.search(r"block2a_se_reduce\s+Conv2D\s+1x1x4\s", run.text)


def test_keras_models_counted_against_the_rule(run):
    # parameters and multiplications of keras.applications.EfficientNetB0..B2(weights=None)
    assert re.search(r"B0\s+224x224\s+16\s+16\s+5,330,571\s+5,330,571\s+1\s+0\.386", run.text)
    assert re.search(
        r"B1\s+240x240\s+23\s+17\.6\s+7,856,239\s+5,863,628\s+1\.34\s+0\.687", run.text
    )
    assert re.search(
        r"B2\s+260x260\s+23\s+19\.2\s+9,177,569\s+7,739,989\s+1\.19\s+0\.994", run.text
    )
    run.assert_printed("B0 classifier: 1,281,000 of  5,330,571 parameters (24%), for 1,000 classes")


def test_budget_choice(run):
    run.assert_printed(
        "budget 0.5 G multiplications per image: B0",
        "budget 1.0 G multiplications per image: B2",
        "budget 10 M parameters: B2",
        "ValueError: no model fits a budget of 100,000,000; the cheapest, B0, costs 385,814,752",
    )


def test_figures(run):
    assert run.images >= 2


def prose() -> str:
    """The chapter's markdown, whitespace collapsed (phrases may wrap across lines)."""
    nb = nbformat.read(ROOT / CHAPTER, as_version=4)
    return " ".join(" ".join(c.source for c in nb.cells if c.cell_type == "markdown").split())


def test_prose_says_b0_was_searched_for_flops_not_latency():
    text = prose()
    assert "optimised accuracy and multiplications (FLOPs) together" in text
    assert "replaced the latency by FLOPs" in text


def test_the_chapter_shows_its_diagrams_drawn_from_the_models(run):
    assert_diagram(
        run, "EfficientNet: MBConv with squeeze-and-excitation", ["block2b_se_excite", "1×1×144"]
    )
