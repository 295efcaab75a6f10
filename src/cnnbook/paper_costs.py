"""The costs the papers report for their networks, each with the table or page it comes from.

One ``PaperFigure`` per number a paper prints: which of our builders it describes, whether it
counts parameters or multiply-adds, its value, the text as printed, and where it is printed.
``measure`` builds one of our networks at the paper's input size and counts it with
``cnnbook.model_costs``; ``compare`` puts our counts beside the papers' with their ratio.
Taught in the appendix *Costs against the papers*.

The papers, by their keys in ``references.bib``:

- ``simonyan2014``: Simonyan and Zisserman, "Very Deep Convolutional Networks for Large-Scale
  Image Recognition", ICLR 2015, arXiv:1409.1556.
- ``he2015``: He, Zhang, Ren and Sun, "Deep Residual Learning for Image Recognition", CVPR 2016,
  arXiv:1512.03385. Its FLOPs are multiply-adds (Section 3.3 says so).
- ``szegedy2014``: Szegedy et al., "Going Deeper with Convolutions", CVPR 2015,
  arXiv:1409.4842. Table 1's rows are held in ``cnnbook.models.inception.GOOGLENET_TABLE1``.
- ``howard2017``: Howard et al., "MobileNets: Efficient Convolutional Neural Networks for Mobile
  Vision Applications", arXiv:1704.04861.
- ``sandler2018``: Sandler et al., "MobileNetV2: Inverted Residuals and Linear Bottlenecks",
  CVPR 2018, arXiv:1801.04381.
- ``tan2019``: Tan and Le, "EfficientNet: Rethinking Model Scaling for Convolutional Neural
  Networks", ICML 2019, arXiv:1905.11946. Its FLOPs are multiply-adds too: B0's 0.39B is
  what a count of multiply-adds gives.
"""

from __future__ import annotations

import gc
from dataclasses import dataclass

import keras

from cnnbook.model_costs import ModelCost, model_cost
from cnnbook.models import BUILDERS
from cnnbook.models.efficientnet import EFFICIENTNETS
from cnnbook.models.inception import GOOGLENET_TABLE1

PARAMETERS, MULTIPLY_ADDS = "parameters", "multiply-adds"


@dataclass(frozen=True)
class PaperFigure:
    """One cost printed in a paper: ``value`` in plain units (parameters, multiply-adds)."""

    model: str  # the key of the builder in cnnbook.models.BUILDERS
    quantity: str  # PARAMETERS or MULTIPLY_ADDS
    value: float
    printed: str  # as the paper prints it
    source: str  # the paper's key in references.bib
    where: str  # table, section or page


def _googlenet_table1_totals() -> tuple[float, float]:
    """The sums of Table 1's "params" (K) and "ops" (M) columns of Szegedy et al."""
    params_k = sum(row.paper_params_k or 0 for row in GOOGLENET_TABLE1)
    ops_m = sum(row.paper_ops_m or 0 for row in GOOGLENET_TABLE1)
    return params_k * 1e3, ops_m * 1e6


_GOOGLENET_PARAMS, _GOOGLENET_OPS = _googlenet_table1_totals()
_VGG_TABLE = "Table 2 (number of parameters, in millions)"
_RESNET_TABLE = "Table 1 (FLOPs row)"
_EFFICIENTNET_TABLE = "Table 2 (#Params and #FLOPS columns)"

FIGURES = (
    # VGG: parameters from its own paper; multiply-adds of D and E from He et al.
    PaperFigure("vgg11", PARAMETERS, 133e6, "133 (config. A)", "simonyan2014", _VGG_TABLE),
    PaperFigure("vgg13", PARAMETERS, 133e6, "133 (config. B)", "simonyan2014", _VGG_TABLE),
    PaperFigure("vgg16", PARAMETERS, 138e6, "138 (config. D)", "simonyan2014", _VGG_TABLE),
    PaperFigure("vgg19", PARAMETERS, 144e6, "144 (config. E)", "simonyan2014", _VGG_TABLE),
    PaperFigure("vgg16", MULTIPLY_ADDS, 15.3e9, "15.3 billion FLOPs", "he2015", "Section 4.1"),
    PaperFigure("vgg19", MULTIPLY_ADDS, 19.6e9, "19.6 billion FLOPs", "he2015", "Section 3.3"),
    # ResNet: He et al. give no parameter counts; Tan and Le list two of them.
    PaperFigure("resnet18", MULTIPLY_ADDS, 1.8e9, "1.8 x 10^9", "he2015", _RESNET_TABLE),
    PaperFigure("resnet34", MULTIPLY_ADDS, 3.6e9, "3.6 x 10^9", "he2015", _RESNET_TABLE),
    PaperFigure("resnet50", MULTIPLY_ADDS, 3.8e9, "3.8 x 10^9", "he2015", _RESNET_TABLE),
    PaperFigure("resnet101", MULTIPLY_ADDS, 7.6e9, "7.6 x 10^9", "he2015", _RESNET_TABLE),
    PaperFigure("resnet152", MULTIPLY_ADDS, 11.3e9, "11.3 x 10^9", "he2015", _RESNET_TABLE),
    PaperFigure("resnet50", PARAMETERS, 26e6, "26M", "tan2019", "Table 2 (ResNet-50 row)"),
    PaperFigure("resnet152", PARAMETERS, 60e6, "60M", "tan2019", "Table 2 (ResNet-152 row)"),
    # GoogLeNet: the column sums of Table 1, whose rows cnnbook.models.inception holds.
    PaperFigure(
        "googlenet",
        PARAMETERS,
        _GOOGLENET_PARAMS,
        f"{_GOOGLENET_PARAMS / 1e3:,.1f}K (sum)",
        "szegedy2014",
        "Table 1 (params column)",
    ),
    PaperFigure(
        "googlenet",
        MULTIPLY_ADDS,
        _GOOGLENET_OPS,
        f"{_GOOGLENET_OPS / 1e6:,.0f}M (sum)",
        "szegedy2014",
        "Table 1 (ops column)",
    ),
    # MobileNet v1 (1.0 MobileNet-224) and v2 (1.0, 224x224).
    PaperFigure("mobilenet_v1", PARAMETERS, 4.2e6, "4.2 million", "howard2017", "Tables 6 and 8"),
    PaperFigure(
        "mobilenet_v1", MULTIPLY_ADDS, 569e6, "569 million", "howard2017", "Tables 6 and 8"
    ),
    PaperFigure("mobilenet_v2", PARAMETERS, 3.4e6, "3.4M", "sandler2018", "Table 4"),
    PaperFigure("mobilenet_v2", MULTIPLY_ADDS, 300e6, "300M", "sandler2018", "Table 4"),
)
_EFFICIENTNET_PAPER = {  # Tan and Le (2019), Table 2: (#Params, #FLOPS) as printed
    "B0": ("5.3M", "0.39B"),
    "B1": ("7.8M", "0.70B"),
    "B2": ("9.2M", "1.0B"),
    "B3": ("12M", "1.8B"),
    "B4": ("19M", "4.2B"),
    "B5": ("30M", "9.9B"),
    "B6": ("43M", "19B"),
    "B7": ("66M", "37B"),
}
FIGURES += tuple(
    PaperFigure(f"efficientnet_{variant.lower()}", quantity, float(text[:-1]) * scale, text,
                "tan2019", _EFFICIENTNET_TABLE)
    for variant, printed in _EFFICIENTNET_PAPER.items()
    for quantity, text, scale in zip((PARAMETERS, MULTIPLY_ADDS), printed, (1e6, 1e9), strict=True)
)  # fmt: skip

FAMILIES = {
    "VGG": ("vgg11", "vgg13", "vgg16", "vgg19"),
    "ResNet": ("resnet18", "resnet34", "resnet50", "resnet101", "resnet152"),
    "GoogLeNet": ("googlenet",),
    "MobileNet": ("mobilenet_v1", "mobilenet_v2"),
    "EfficientNet": tuple(f"efficientnet_{v.lower()}" for v in EFFICIENTNETS),
}

# How far ours / paper may lie from 1, per family and quantity, and why that much. The papers
# print two or three significant digits (rounding alone moves a ratio by up to 1/(2 x digits)),
# and each difference beyond that is explained in the appendix.
TOLERANCES = {
    # millions to 3 digits: rounding moves a ratio by at most 0.4%; He et al.'s two VGG figures
    # fit no one convention (with or without the dense layers), within about 1%.
    ("VGG", PARAMETERS): 0.01,
    ("VGG", MULTIPLY_ADDS): 0.02,
    # two digits (1.8 x 10^9 stands for anything from 1.75 to 1.85: 2.8%).
    ("ResNet", PARAMETERS): 0.03,
    ("ResNet", MULTIPLY_ADDS): 0.03,
    # Table 1's conv1 row is a third of a 7x7 convolution over 3 channels with 64 filters.
    ("GoogLeNet", PARAMETERS): 0.04,
    ("GoogLeNet", MULTIPLY_ADDS): 0.06,
    # v2's 3.4M is two digits of a count that batch normalisation's scales and shifts raise.
    ("MobileNet", PARAMETERS): 0.04,
    ("MobileNet", MULTIPLY_ADDS): 0.01,
    # two digits, and B4 and B5 lie 4-5% above the paper's FLOPs for no reason we found.
    ("EfficientNet", PARAMETERS): 0.03,
    ("EfficientNet", MULTIPLY_ADDS): 0.05,
}


def family_of(model: str) -> str:
    """The family (a key of ``FAMILIES``) of one of our builders."""
    for family, members in FAMILIES.items():
        if model in members:
            return family
    raise ValueError(f"{model!r} is in no family of paper_costs.FAMILIES")


def figure(model: str, quantity: str) -> PaperFigure | None:
    """The paper's figure for ``model`` and ``quantity``, or None where the paper gives none."""
    found = [f for f in FIGURES if f.model == model and f.quantity == quantity]
    return found[0] if found else None


def input_size(model: str) -> int:
    """The input height and width the paper reports its costs at (224, or EfficientNet's own)."""
    if model.startswith("efficientnet_"):
        return EFFICIENTNETS[model.removeprefix("efficientnet_").upper()].resolution
    return 224


def measure(model: str, **options) -> ModelCost:
    """Build our ``model`` at the paper's input size with 1,000 classes, count it, release it.

    GoogLeNet is built without its auxiliary classifiers (the network used at inference, which
    the paper's Table 1 describes) unless ``options`` say otherwise.
    """
    if model == "googlenet":
        options = {"aux_classifiers": False, **options}
    size = input_size(model)
    built = BUILDERS[model](input_shape=(size, size, 3), classes=1000, **options)
    cost = model_cost(built)
    del built
    keras.backend.clear_session()
    gc.collect()
    return cost


def sources(models) -> list[str]:
    """Where the papers' figures for ``models`` are printed: "key, place: quantities", once each."""
    places: dict[str, list[str]] = {}
    for f in FIGURES:
        if f.model in models:
            quantities = places.setdefault(f"{f.source}, {f.where}", [])
            if f.quantity not in quantities:
                quantities.append(f.quantity)
    return [f"{place}: {' and '.join(quantities)}" for place, quantities in places.items()]


def ratio(ours: int, paper: PaperFigure | None) -> float | None:
    """ours / paper, or None where the paper gives no figure."""
    return None if paper is None else ours / paper.value


def compare(costs: dict[str, ModelCost]) -> list[dict]:
    """One row per measured model: our parameters (trainable, as papers count learned numbers)
    and multiply-adds beside the papers' figures as printed, and the two ratios ours / paper."""
    rows = []
    for model, cost in costs.items():
        params, mults = figure(model, PARAMETERS), figure(model, MULTIPLY_ADDS)
        rows.append(
            {
                "model": model,
                "input": f"{cost.input_size}x{cost.input_size}",
                "parameters": cost.trainable_parameters,
                "paper": params.printed if params else "-",
                "ratio p": ratio(cost.trainable_parameters, params),
                "multiply-adds": cost.multiply_adds,
                "paper ": mults.printed if mults else "-",
                "ratio m": ratio(cost.multiply_adds, mults),
            }
        )
    return rows


def printable(rows: list[dict]) -> list[dict]:
    """``compare``'s rows for ``cnnbook.inspection.format_table``: ratios to 3 decimals."""
    return [
        {k: ("-" if v is None else f"{v:.3f}") if k.startswith("ratio") else v
         for k, v in row.items()}
        for row in rows
    ]  # fmt: skip


def within_tolerance(rows: list[dict]) -> list[str]:
    """The ratios of ``compare``'s rows that lie outside ``TOLERANCES`` (empty: all within)."""
    outside = []
    for row in rows:
        family = family_of(row["model"])
        for quantity, key in ((PARAMETERS, "ratio p"), (MULTIPLY_ADDS, "ratio m")):
            value, tolerance = row[key], TOLERANCES[(family, quantity)]
            if value is not None and abs(value - 1) > tolerance:
                outside.append(f"{row['model']} {quantity}: {value:.3f} (tolerance {tolerance})")
    return outside
