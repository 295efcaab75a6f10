"""The papers' figures (cnnbook.paper_costs): where each comes from, and the comparison."""

import re

import pytest
from conftest import ROOT

from cnnbook import paper_costs
from cnnbook.model_costs import ModelCost
from cnnbook.models import BUILDERS

BIB_KEYS = set(re.findall(r"^@\w+\{(\w+),", (ROOT / "references.bib").read_text(), re.M))


def test_every_figure_names_a_builder_a_cited_paper_and_a_place():
    seen = set()
    for f in paper_costs.FIGURES:
        assert f.model in BUILDERS, f
        assert f.source in BIB_KEYS, f
        assert f.quantity in (paper_costs.PARAMETERS, paper_costs.MULTIPLY_ADDS)
        assert re.match(r"(Table|Tables|Section) \d", f.where), f
        assert f.value > 0 and f.printed
        assert (f.model, f.quantity) not in seen, f"{f.model} {f.quantity} stored twice"
        seen.add((f.model, f.quantity))
    assert {m for members in paper_costs.FAMILIES.values() for m in members} <= set(BUILDERS)


@pytest.mark.parametrize(
    ("model", "quantity", "value"),
    [
        ("vgg11", "parameters", 133e6),
        ("vgg19", "parameters", 144e6),
        ("vgg16", "multiply-adds", 15.3e9),
        ("resnet50", "multiply-adds", 3.8e9),
        ("resnet152", "multiply-adds", 11.3e9),
        ("mobilenet_v1", "multiply-adds", 569e6),
        ("mobilenet_v2", "parameters", 3.4e6),
        ("efficientnet_b0", "multiply-adds", 0.39e9),
        ("efficientnet_b7", "parameters", 66e6),
        ("googlenet", "parameters", 6_797_700),  # Table 1's params column, summed
        ("googlenet", "multiply-adds", 1_502e6),  # and its ops column
    ],
)
def test_figures_as_the_papers_print_them(model, quantity, value):
    assert paper_costs.figure(model, quantity).value == pytest.approx(value)


def test_the_papers_that_give_no_figure_give_none():
    assert paper_costs.figure("resnet18", "parameters") is None  # He et al. print no counts
    assert paper_costs.figure("vgg11", "multiply-adds") is None
    assert len([f for f in paper_costs.FIGURES if f.source == "tan2019"]) == 16 + 2


def test_input_sizes_are_the_papers():
    assert paper_costs.input_size("vgg16") == 224
    assert paper_costs.input_size("efficientnet_b3") == 300
    assert paper_costs.input_size("efficientnet_b7") == 600


def cost(name, trainable, mults):
    return ModelCost(name, 224, trainable + 10, trainable, trainable - 5, mults)


def test_compare_uses_trainable_parameters_and_flags_what_lies_outside():
    rows = paper_costs.compare(
        {"mobilenet_v1": cost("m", 4_284_000, 569_000_000), "resnet18": cost("r", 1, 1.9e9)}
    )
    assert rows[0]["ratio p"] == pytest.approx(1.02) and rows[0]["ratio m"] == 1.0
    assert rows[1]["ratio p"] is None and rows[1]["ratio m"] == pytest.approx(1.9 / 1.8)
    assert paper_costs.printable(rows)[1]["ratio p"] == "-"
    assert paper_costs.printable(rows)[0]["ratio p"] == "1.020"
    # MobileNet parameters may lie 4% off; ResNet-18's 5.6% is outside its 3%
    assert paper_costs.within_tolerance(rows) == ["resnet18 multiply-adds: 1.056 (tolerance 0.03)"]
    with pytest.raises(ValueError, match="in no family"):
        paper_costs.family_of("lenet5")


def test_measure_builds_at_the_papers_size_and_googlenet_without_heads():
    mobilenet = paper_costs.measure("mobilenet_v1")
    assert (mobilenet.input_size, mobilenet.multiply_adds) == (224, 568_740_352)
    assert paper_costs.measure("googlenet").trainable_parameters == 6_998_552
    assert paper_costs.sources(["googlenet"]) == [
        "szegedy2014, Table 1 (params column): parameters",
        "szegedy2014, Table 1 (ops column): multiply-adds",
    ]
    assert paper_costs.sources(["mobilenet_v1", "vgg16"]) == [
        "simonyan2014, Table 2 (number of parameters, in millions): parameters",
        "he2015, Section 4.1: multiply-adds",
        "howard2017, Tables 6 and 8: parameters and multiply-adds",
    ]
