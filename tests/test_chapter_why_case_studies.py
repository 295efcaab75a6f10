"""Chapter 'Why look at case studies?' and the book's front page: what their prose says."""

import nbformat
from conftest import ROOT

CHAPTER = "chapters/case-studies/why-case-studies.ipynb"


def prose() -> str:
    """The chapter's markdown, whitespace collapsed (phrases may wrap across lines)."""
    nb = nbformat.read(ROOT / CHAPTER, as_version=4)
    return " ".join(" ".join(c.source for c in nb.cells if c.cell_type == "markdown").split())


def test_progress_is_not_credited_to_design_alone():
    text = prose()
    assert "not from new kinds of layers" not in text
    for layer in ("ReLU", "dropout", "batch normalisation", "depthwise", "squeeze-and-excitation"):
        assert layer in text


def test_depthwise_separable_convolutions_credited_to_earlier_work():
    text = prose()
    assert "Sifre, 2014" in text and "Xception" in text
    assert "| depthwise-separable convolutions and inverted residuals |" not in text


def test_says_which_networks_are_checked_against_what():
    text = prose()
    assert "checks the count against a reference implementation" not in text
    assert "Keras has no LeNet-5, AlexNet or GoogLeNet" in text
    assert "`keras.applications`" in text and "Table 1" in text


def test_front_page_does_not_credit_mobilenet_with_the_separable_convolution():
    index = " ".join((ROOT / "index.md").read_text().split())
    assert "MobileNet's depthwise separable convolutions" not in index
    assert "depthwise-separable convolutions on which MobileNet built" in index
