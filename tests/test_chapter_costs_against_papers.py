"""Appendix 'Costs against the papers': our counts beside the papers' figures, every ratio within
its family's tolerance, in smoke mode (a few networks) and full mode (all of them)."""

import re

import pytest

from cnnbook import paper_costs

CHAPTER = "chapters/appendices/costs-against-papers.ipynb"
EVERY_MODEL = [m for members in paper_costs.FAMILIES.values() for m in members]
SMOKE_MODELS = ["vgg16", "resnet50", "googlenet", "mobilenet_v1", "mobilenet_v2"]
SMOKE_MODELS += ["efficientnet_b0"]


@pytest.fixture(scope="module")
def run(executed):
    return executed(CHAPTER)


def printed_rows(text: str) -> dict[str, list[str]]:
    """The rows of the printed comparison tables: model -> its 8 cells."""
    rows = {}
    for line in text.splitlines():
        cells = re.split(r"\s{2,}", line.strip())
        if len(cells) == 8 and cells[0] in EVERY_MODEL:
            rows[cells[0]] = cells
    return rows


def assert_ratios_within_tolerance(text: str, models: list[str]) -> None:
    rows = printed_rows(text)
    assert sorted(rows) == sorted(models)
    for model, cells in rows.items():
        family = paper_costs.family_of(model)
        for quantity, printed in ((paper_costs.PARAMETERS, cells[4]),
                                  (paper_costs.MULTIPLY_ADDS, cells[7])):  # fmt: skip
            figure = paper_costs.figure(model, quantity)
            if figure is None:
                assert printed == "-", (model, quantity)
                continue
            ours = int(
                (cells[2] if quantity == paper_costs.PARAMETERS else cells[5]).replace(",", "")
            )
            assert printed == f"{ours / figure.value:.3f}", (model, quantity)
            tolerance = paper_costs.TOLERANCES[(family, quantity)]
            assert abs(float(printed) - 1) <= tolerance, (model, quantity, printed)


def test_smoke_tables_hold_every_ratio_within_tolerance(run):
    assert_ratios_within_tolerance(run.text, SMOKE_MODELS)
    run.assert_printed(f"{len(SMOKE_MODELS)} networks compared; outside the tolerance: none")
    run.assert_printed("tolerance on ours / paper: parameters 1%, multiply-adds 2%")
    assert run.images >= 1


def test_smoke_counts_are_the_networks_counts(run):
    rows = printed_rows(run.text)
    # counts a wrong counter or builder would change (test_model_costs derives two by hand)
    assert rows["vgg16"][2:3] + rows["vgg16"][5:6] == ["138,357,544", "15,470,264,320"]
    assert rows["resnet50"][5] == "3,857,973,248"
    assert rows["googlenet"][2:3] + rows["googlenet"][5:6] == ["6,998,552", "1,582,671,872"]
    assert rows["mobilenet_v1"][5] == "568,740,352"
    assert rows["mobilenet_v2"][2] == "3,504,872"
    assert rows["efficientnet_b0"][2] == "5,288,548"


def test_smoke_explanations_print_their_evidence(run):
    run.assert_printed(
        "15.35 billion in the convolutions alone",
        "the stride on the 3x3 instead adds 231.2M multiply-adds",
        "ResNet-50 v1.5 has 4.09 billion, 1.076 x the paper's",
        "with the auxiliary heads: 13,378,280 parameters (1.91 x)",
        "conv1: 9,408 weights and 118.0M multiply-adds",
        "every other row, ours / paper: multiply-adds 0.998",
        "1.029 (K read as 1,000), 1.004 (K read as 1,024)",
        "v1 with its classifier: 568.7M, without: 567.7M",
        "34,112 in batch normalisation's scales and shifts",
        "input sizes: B0 224, B1 240, B2 260, B3 300, B4 380, B5 456, B6 528, B7 600",
    )
    assert re.search(r"efficientnet_b0: SE 12\.0% of the parameters, 0\.\d\d% of", run.text)


def test_full_mode_compares_every_network(full_executed):
    run = full_executed(CHAPTER)
    assert_ratios_within_tolerance(run.text, EVERY_MODEL)
    run.assert_printed(f"{len(EVERY_MODEL)} networks compared; outside the tolerance: none")
    rows = printed_rows(run.text)
    assert rows["vgg11"][2] == "132,863,336" and rows["vgg13"][2] == "133,047,848"
    assert rows["resnet18"][5] == "1,814,073,344"
    assert rows["resnet152"][2] == "60,268,520"
    assert rows["efficientnet_b7"][5] == "37,745,884,192"
    run.assert_printed("vgg19: 19.63 billion multiply-adds, 19.51 billion")
    assert re.search(r"efficientnet_b4: SE [\d.]+% of the parameters", run.text)
