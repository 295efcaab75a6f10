"""Chapter 'Inception': the figures it prints in smoke mode."""

import re

import nbformat
import pytest
from conftest import ROOT, assert_diagram

CHAPTER = "chapters/case-studies/inception.ipynb"


@pytest.fixture(scope="module")
def run(executed):
    return executed(CHAPTER)


def test_naive_module_grows_the_width(run):
    run.assert_printed(
        "input channels: 192; output channels: 416",
        "multiplications of the naive module: 303,464,448",
    )


def test_bottleneck_cost_counted_twice(run):
    run.assert_printed(
        "direct 5x5, 32 filters on 28x28x192:   120,422,400 multiplications",
        "1x1 to 16 channels:                       2,408,448",
        "5x5, 32 filters on 28x28x16:             10,035,200",
        "bottleneck total:                        12,443,648",
        "theoretical ratio: 9.68x fewer multiplications",
        "direct:     formula 120,422,400, Keras layers 120,422,400",
        "bottleneck: formula 12,443,648, Keras layers 12,443,648",
        "parameters: direct 153,632, bottleneck 15,920",
    )


def test_speed_up_is_measured_next_to_the_theory(run):
    run.assert_printed("theoretical speed-up: 9.68x")
    measured = re.search(r"measured speed-up: +([\d.]+)x \(median of the rounds\)", run.text)
    assert measured and float(measured.group(1)) > 0
    rates = re.findall(r"; ([\d.]+) billion multiplications/s", run.text)
    assert len(rates) == 4 and all(float(r) > 0 for r in rates)
    assert run.images >= 2


def test_inception_module_3a(run):
    run.assert_printed(
        "output channels: 64 + 128 + 32 + 32 = 256",
        "parameters: Keras 163,696, formula 163,696",
        "multiplications: Keras layers 128,049,152, formula 128,049,152",
        "3a_pool  MaxPooling2D  (28, 28, 192)",
        "3a_3x3        Conv2D  (28, 28, 128)",
    )


def test_googlenet_with_auxiliary_classifiers_against_the_paper(run):
    run.assert_printed(
        "outputs: [('predictions', (None, 1000)), ('aux1_predictions', (None, 1000)), "
        "('aux2_predictions', (None, 1000))]",
        "aux1: average pool -> (4, 4, 512), 3,188,840 parameters",
        "aux2: average pool -> (4, 4, 528), 3,190,888 parameters",
        "three outputs of shape (1, 1000)",
        "parameters, Keras (weights + biases): 6,998,552",
        "weights only (what the paper counts):  6,990,272",
        "biases: 8,280",
        "paper's column, summed: 6,797.7K",
        "our weights in units of 1,024: 6,826.4K",
        "with the two auxiliary classifiers: 13,378,280 parameters",
        "multiplications per 224x224 image: 1,582,671,872",
    )
    assert run.images >= 2


def prose() -> str:
    """The chapter's markdown, whitespace collapsed (phrases may wrap across lines)."""
    nb = nbformat.read(ROOT / CHAPTER, as_version=4)
    return " ".join(" ".join(c.source for c in nb.cells if c.cell_type == "markdown").split())


INC_CLAIMS = (
    "on the CPU the 1x1 bottleneck makes the 5x5 branch faster",
    "the 1x1 convolution runs at a lower rate than the 5x5 convolution on 16 channels",
)


def test_speedup_claims_printed_and_not_checked_in_smoke_mode(run):
    run.assert_printed("timed on the CPU, ", "batches of 4 maps, 2 rounds of 2 runs")
    run.assert_claims(*INC_CLAIMS, checked=False)
    assert "this machine" not in prose()


def test_full_mode_claims_hold(full_executed):
    run = full_executed(CHAPTER)
    run.assert_claims(*INC_CLAIMS, checked=True)
    run.assert_printed("batches of 32 maps, 5 rounds of 3 runs", "theoretical speed-up: 9.68x")
    rounds = re.search(r"per round: (.+)", run.text)
    speedups = [float(s.rstrip("x")) for s in rounds.group(1).split(", ")]
    assert len(speedups) == 5 and min(speedups) > 2


def test_the_chapter_shows_its_diagrams_drawn_from_the_models(run):
    assert_diagram(
        run, "Inception module 3a, drawn from the Keras model", ["3a_concat", "28×28×128"]
    )
    assert_diagram(
        run, "GoogLeNet with its two side classifiers", ["aux1", "aux2", "14×14×528", "7×7×1024"]
    )
