"""Chapter 'Residual networks': the block, twin networks, gradients, degradation table."""

import re

import pytest

CHAPTER = "chapters/case-studies/residual-networks.ipynb"


@pytest.fixture(scope="module")
def run(executed):
    return executed(CHAPTER)


def test_block_by_hand_equals_the_library_block(run):
    run.assert_printed("same output: True")
    match = re.search(r"parameters: ours ([\d,]+), cnnbook basic_block ([\d,]+)", run.text)
    assert match and match.group(1) == match.group(2)


def test_plain_and_residual_twins_have_equal_parameters(run):
    # smoke widths (4, 8, 16), 10 classes: an independent count of the 8-layer network
    twins = re.findall(r"depth +(\d+): plain ([\d,]+) parameters, residual ([\d,]+)", run.text)
    assert [d for d, _, _ in twins] == ["8", "14"]
    assert all(p == r for _, p, r in twins)
    run.assert_printed("depth  8: plain 5,126 parameters, residual 5,126 parameters, 3 shortcuts")


def test_gradient_norms_are_reported_for_both_families(run):
    for family in ("plain", "residual"):
        assert re.search(rf"{family} +14 layers: gradient norm at the first convolution", run.text)


def test_degradation_table_has_every_network(run):
    run.assert_printed("family    depth  parameters  training error  validation error")
    rows = re.findall(
        r"^(plain|residual) +(\d+) +([\d,]+) +([\d.]+) +([\d.]+) +[\d.]+ s$", run.text, re.M
    )
    assert [(f, d) for f, d, *_ in rows] == [
        ("plain", "8"),
        ("residual", "8"),
        ("plain", "14"),
        ("residual", "14"),
    ]
    for _, _, _, train_error, validation_error in rows:
        assert 0 <= float(train_error) <= 1 and 0 <= float(validation_error) <= 1
    assert re.search(r"plain: training error (rises|falls|stays) from [\d.]+ at 8 layers", run.text)
    assert re.search(r"residual: training error (rises|falls|stays) from", run.text)
    assert run.images >= 2
