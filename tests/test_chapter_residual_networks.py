"""Chapter 'Residual networks': the block, twin networks, gradients, degradation over seeds."""

import re
import statistics

import pytest
from conftest import assert_diagram

CHAPTER = "chapters/case-studies/residual-networks.ipynb"
CLAIMS = (
    "plain network's first/last gradient ratio is more than 10 times its residual twin's",
    "at the largest depth the residual network fits its training set better than its plain twin",
    "the deepest plain network fits its training set worse than every shallower one",
    "the deepest residual network fits its training set better than the shallowest",
)
RUN = re.compile(
    r"^(plain|residual) +(\d+) layers, seed (\d+): training error ([\d.]+) \([\d.]+ s\)$",
    re.M,
)
ROW = re.compile(
    r"^(plain|residual) +(\d+) +([\d,]+) +([\d.]+) ± ([\d.]+) "
    r"\(mean ± sd of (\d+), range ([\d.]+)-([\d.]+)\)$",
    re.M,
)
GRADIENT = re.compile(
    r"^seed (\d+), (plain|residual) +(\d+) layers: gradient norm at the first convolution "
    r"([\d.e+-]+), at the last ([\d.e+-]+), ratio first/last ([\d.]+)$",
    re.M,
)


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


def check_gradients(run, depth, seeds):
    lines = GRADIENT.findall(run.text)
    assert [(int(s), f) for s, f, *_ in lines] == [
        (seed, family) for seed in seeds for family in ("plain", "residual")
    ]
    for _, _, d, first, last, ratio in lines:
        assert int(d) == depth
        assert float(ratio) == pytest.approx(float(first) / float(last), rel=0.02, abs=0.06)


def test_gradient_norms_are_reported_for_both_families_and_seeds(run):
    check_gradients(run, 14, seeds=(0, 1))
    run.assert_printed("log10(first/last), plain:", "plain minus residual:", "paired by seed")


def check_degradation_table(run, depths, seeds):
    runs = RUN.findall(run.text)
    assert [(f, int(d), int(s)) for f, d, s, *_ in runs] == [
        (family, depth, seed)
        for depth in depths
        for family in ("plain", "residual")
        for seed in seeds
    ]
    rows = ROW.findall(run.text)
    keys = [(family, depth) for depth in depths for family in ("plain", "residual")]
    assert [(f, int(d)) for f, d, *_ in rows] == keys
    for family, depth, _, mean, sd, n, low, high in rows:
        errors = [float(e) for f, d, _, e in runs if (f, int(d)) == (family, int(depth))]
        assert int(n) == len(seeds)
        assert float(mean) == pytest.approx(statistics.mean(errors), abs=0.0015)
        assert float(sd) == pytest.approx(statistics.stdev(errors), abs=0.0015)
        assert float(low) == pytest.approx(min(errors), abs=0.0015)
        assert float(high) == pytest.approx(max(errors), abs=0.0015)
        assert 0 <= float(low) <= float(mean) <= float(high) <= 1
    for *_, train_error in runs:
        assert 0 <= float(train_error) <= 1


def test_degradation_table_has_every_network_and_seed(run):
    run.assert_printed("family    depth  parameters  training error")
    run.assert_printed("plain    14 minus  8 layers:", "residual 14 minus  8 layers:")
    check_degradation_table(run, depths=(8, 14), seeds=(0, 1))
    assert "training error rises from" not in run.text  # the old first-vs-last summary
    assert run.images >= 2


def test_claims_are_printed_and_not_checked_in_smoke_mode(run):
    run.assert_claims(*CLAIMS, checked=False)
    assert len(run.claims()) == len(CLAIMS)


def test_full_mode_claims_hold(full_executed):
    run = full_executed(CHAPTER)
    run.assert_claims(*CLAIMS, checked=True)
    check_degradation_table(run, depths=(8, 20, 44), seeds=(0, 1, 2))
    check_gradients(run, 44, seeds=(0, 1, 2))
    run.assert_printed("paired by seed, n = 3", "Welch, n = 3")
    for depth in (8, 20, 44):
        assert re.search(rf"plain minus residual at {depth:2d} layers: [+-][\d.]+ \(90%", run.text)


def test_the_chapter_shows_its_diagrams_drawn_from_the_models(run):
    assert_diagram(
        run, "Basic residual block (identity shortcut)", ["conv2_block2_add", "56×56×64"]
    )
    assert_diagram(
        run, "Bottleneck block with a projection shortcut", ["conv3_block1_0_conv", "28×28×512"]
    )
    assert_diagram(run, "ResNet-50: the stem and four stages", ["6 bottleneck blocks", "7×7×2048"])
