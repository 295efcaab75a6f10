"""Chapter 'A full ConvNet example': its layer table, the why-convolutions figures, training."""

import json
import re

import nbformat
import pytest
from conftest import ROOT

from cnnbook.costs import conv_output_size, conv_params, dense_params

CHAPTER = "chapters/foundations/full-convnet.ipynb"

# layer, activation shape, activation size, parameters: counted here, independently of the book
ROWS = [
    ("input", "32x32x3", 32 * 32 * 3, 0),
    ("conv1", "28x28x6", 28 * 28 * 6, conv_params(5, 3, 6)),
    ("pool1", "14x14x6", 14 * 14 * 6, 0),
    ("conv2", "10x10x16", 10 * 10 * 16, conv_params(5, 6, 16)),
    ("pool2", "5x5x16", 5 * 5 * 16, 0),
    ("flatten", "400", 400, 0),
    ("fc3", "120", 120, dense_params(400, 120)),
    ("fc4", "84", 84, dense_params(120, 84)),
    ("softmax", "10", 10, dense_params(84, 10)),
]


@pytest.fixture(scope="module")
def run(executed):
    return executed(CHAPTER)


def test_independent_counts():
    assert [
        conv_output_size(n, f, 0, s) for n, f, s in [(32, 5, 1), (28, 2, 2), (14, 5, 1), (10, 2, 2)]
    ] == [28, 14, 10, 5]
    assert [r[3] for r in ROWS if r[3]] == [456, 2416, 48120, 10164, 850]
    assert sum(r[3] for r in ROWS) == 62006


@pytest.mark.parametrize(("layer", "shape", "size", "params"), ROWS)
def test_every_row_of_the_layer_table(run, layer, shape, size, params):
    row = rf"^\s*{layer}\s+{shape}\s+{size:,}\s+{params:,}$"
    assert re.search(row, run.text, re.MULTILINE), f"no table row {layer} {shape} {size} {params}"


def test_keras_agrees_and_parameters_live_in_fc_layers(run):
    run.assert_printed("total parameters: 62,006")
    run.assert_printed("Keras agrees on all 9 rows; model.count_params() = 62,006")
    run.assert_printed("convolutions: 2,872 parameters (4.6%)")
    run.assert_printed("fully connected layers: 59,134 parameters (95.4%)")


def test_parameter_sharing_and_sparse_connections(run):
    assert 3072 * 4704 == 14_450_688
    run.assert_printed("fully connected: 3,072 x 4,704 = 14,450,688 weights (plus 4,704 biases)")
    run.assert_printed("convolution CONV1: 456 parameters")
    run.assert_printed(f"ratio: {14_450_688 / 456:,.0f} times fewer parameters")
    run.assert_printed("CONV1 positions sharing the same filters: 784")
    run.assert_printed("input numbers that one CONV1 output depends on: 75 of 3,072")
    run.assert_printed("they lie in rows 10-14, columns 12-16")


def test_translation_equivariance(run):
    run.assert_printed("shift the photo 3 pixels right: the CONV1 maps move 3 columns right")
    difference = re.search(r"largest difference after aligning them: (\S+)", run.text)
    assert difference and float(difference.group(1)) < 1e-4


def test_training_loop_runs_and_reports_test_accuracy(run):
    run.assert_printed("classes ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9']")
    accuracy = re.search(
        r"test accuracy ([\d.]+), test loss [\d.]+ \(training epochs: 1\)", run.text
    )
    assert accuracy and 0.0 <= float(accuracy.group(1)) <= 1.0
    correct = re.search(r"test photos classified correctly: (\d+) of (\d+)", run.text)
    assert correct and int(correct.group(1)) / int(correct.group(2)) == pytest.approx(
        float(accuracy.group(1)), abs=2e-3
    )
    # cost bars, shift figure, learning curves, predictions
    assert run.images >= 4


def test_notebook_asks_colab_for_a_gpu():
    from conftest import ROOT

    metadata = json.loads((ROOT / CHAPTER).read_text())["metadata"]
    assert metadata["accelerator"] == "GPU"


def prose() -> str:
    """The chapter's markdown, whitespace collapsed (phrases may wrap across lines)."""
    nb = nbformat.read(ROOT / CHAPTER, as_version=4)
    return " ".join(" ".join(c.source for c in nb.cells if c.cell_type == "markdown").split())


def test_activations_grow_at_the_convolutions_and_shrink_elsewhere(run):
    run.assert_printed(
        "activations grow at: conv1 (3,072 -> 4,704), conv2 (1,176 -> 1,600)",
        "activations shrink at: pool1, pool2, fc3, fc4, softmax; unchanged at: flatten",
        "largest activation: conv1 (4,704 numbers)",
    )
    assert "shrink steadily" not in prose()
    assert "Each convolution makes them *larger*" in prose()
