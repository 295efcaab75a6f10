"""Chapter 'Pooling': the pooled values, sizes and parameter counts it prints."""

import re

import pytest
from conftest import shown_animations

CHAPTER = "chapters/foundations/pooling.ipynb"


@pytest.fixture(scope="module")
def run(executed):
    return executed(CHAPTER)


def test_the_4x4_example(run):
    run.assert_printed("input (4x4):\n[[1 3 2 1]\n [2 9 1 1]\n [1 3 2 3]\n [5 6 1 2]]")
    run.assert_printed("max pooling, f=2, s=2:\n[[9 2]\n [6 3]]")
    run.assert_printed("average pooling, f=2, s=2:\n[[3.75 1.25]\n [3.75 2.  ]]")
    run.assert_printed("Keras agrees with both: True")


def test_the_5x5_example_with_overlapping_windows(run):
    run.assert_printed("max pooling of the 5x5 input, f=3, s=1:\n[[9 9 5]\n [9 9 5]\n [8 6 9]]")
    run.assert_printed("output shape: (3, 3)")


def test_output_size_formula_against_keras(run):
    # floor((n - f) / s) + 1, not (n - f) / s
    for n, f, s in [(4, 2, 2), (5, 3, 1), (7, 3, 2), (28, 2, 2), (55, 3, 2), (224, 2, 2)]:
        out = (n - f) // s + 1
        assert re.search(rf"^\s+{n}\s+{f}\s+{s}\s+{out}\s+{out}$", run.text, re.MULTILINE), n
    assert (4 - 2) / 2 == 1  # what the notes' formula would give for the 2x2 output


def test_no_parameters_and_gradients(run):
    run.assert_printed("MaxPooling2D(pool_size=2, strides=2): 0 parameters")
    run.assert_printed("AveragePooling2D(pool_size=2, strides=2): 0 parameters")
    # the gradient of max pooling is 1 at each window's maximum (9, 2, 6, 3), 0 elsewhere
    run.assert_printed(
        "gradient through max pooling:\n"
        "[[0. 0. 1. 0.]\n [0. 1. 0. 0.]\n [0. 0. 0. 1.]\n [0. 1. 0. 0.]]"
    )
    run.assert_printed("gradient through average pooling:\n[[0.25 0.25 0.25 0.25]")


def test_per_channel_and_on_a_photo(run):
    run.assert_printed("input shape:  (6, 6, 3)\noutput shape: (3, 3, 3)")
    for c in range(3):
        run.assert_printed(f"channel {c} pooled together = channel {c} pooled alone: True")
    size = int(re.search(r"^photo: \((\d+), \1, 3\)", run.text, re.MULTILINE).group(1))
    run.assert_printed(f"max pooled once: ({size // 2}, {size // 2}, 3)")
    run.assert_printed(f"max pooled twice: ({size // 4}, {size // 4}, 3)")


def test_max_keeps_edges_and_is_robust_to_a_shift(run):
    strongest = {
        kind: float(value)
        for kind, value in re.findall(
            r"(edge map|max pooling|average pooling).*?response (\d+)", run.text
        )
    }
    assert strongest["max pooling"] == strongest["edge map"]
    assert strongest["average pooling"] < strongest["edge map"]
    changes = [int(c) for c in re.findall(r"changes by (\d+)%", run.text)]
    assert len(changes) == 2 and changes[1] < changes[0]


def test_global_average_pooling(run):
    run.assert_printed("global average pooling: (1, 7, 7, 40) -> (1, 40)")
    run.assert_printed("on the flattened volume: 19,610 parameters")
    run.assert_printed("after global average pooling: 410 parameters")
    assert run.images >= 3  # the 4x4 windows, the pooled photo, the pooled edge maps


def test_max_and_average_pooling_are_animated(run):
    assert shown_animations(run) == [("pooling", 4)]
    assert "max pooling keeps the largest number of the window" in run.text
