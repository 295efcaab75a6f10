"""Chapter '1x1 convolutions': the figures it prints in smoke mode."""

import re

import nbformat
import pytest
from conftest import ROOT, assert_diagram

CHAPTER = "chapters/case-studies/one-by-one-convolutions.ipynb"


@pytest.fixture(scope="module")
def run(executed):
    return executed(CHAPTER)


def test_one_by_one_conv_equals_a_dense_layer_at_every_position(run):
    run.assert_printed(
        "1x1 conv kernel shape (1, 1, 32, 4)", "input (6, 6, 32) -> output (6, 6, 4)"
    )
    gaps = re.findall(
        r"max abs difference, 1x1 conv vs (?:dense layer|NumPy matmul): (\S+)", run.text
    )
    assert len(gaps) == 2 and all(float(g) < 1e-5 for g in gaps)


def test_shrinking_channels_not_height_and_width(run):
    run.assert_printed(
        "1x1 conv, 32 filters: (28, 28, 192) -> (28, 28, 32)",
        "2x2 max pool:           (28, 28, 192) -> (14, 14, 192)",
        "parameters: 6,176 = (192 weights + 1 bias) x 32 filters",
        "Keras counts 6,176 parameters",
        "multiplications: 4,816,896",
        "multiplications read from the Keras layer: 4,816,896",
        "5x5 filters:   153,632 parameters,  120,422,400 mults",
    )


def test_non_linearity_and_collapse_of_linear_layers(run):
    run.assert_printed(
        "1x1 conv, 192 filters: (28, 28, 192) -> (28, 28, 192)", "parameters: 37,056"
    )
    linear = re.search(r"merged single layer: max abs difference (\S+)", run.text)
    relu = re.search(r"same single layer: +max abs difference (\S+)", run.text)
    assert float(linear.group(1)) < 1e-4 < 0.1 < float(relu.group(1))


def test_colour_mixing_on_a_photo(run):
    run.assert_printed("grayscale: kernel (1, 1, 3, 1)", "sepia: kernel (1, 1, 3, 3)")
    gap = re.search(r"rgb2gray: max abs difference (\S+)", run.text)
    assert float(gap.group(1)) < 1e-5
    assert run.images >= 2


def prose() -> str:
    """The chapter's markdown, whitespace collapsed (phrases may wrap across lines)."""
    nb = nbformat.read(ROOT / CHAPTER, as_version=4)
    return " ".join(" ".join(c.source for c in nb.cells if c.cell_type == "markdown").split())


def test_collapse_exercise_counts_one_third(run):
    run.assert_printed(
        "192->32->192 pair: 12,288 weights; 192->192 layer: 36,864",
        "the pair has 1/3 of the single layer's weights",
    )
    assert "one sixth" not in prose()
    assert "one third of the $192 \\cdot 192$" in prose()


def test_the_chapter_shows_its_diagrams_drawn_from_the_models(run):
    assert_diagram(
        run,
        "A 1x1 convolution and a 2x2 max pool on the same input",
        ["squeeze_1x1", "output 28×28×32", "output 14×14×192"],
    )
