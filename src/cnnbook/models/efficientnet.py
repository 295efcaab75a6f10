"""EfficientNet's compound scaling: grow depth, width and resolution together.

Tan, M. and Le, Q. V. (2019). EfficientNet: Rethinking Model Scaling for Convolutional Neural
Networks. ICML 2019, arXiv:1905.11946 (``tan2019``).

A baseline network (B0) is scaled by one number, the compound coefficient phi:
depth by alpha**phi, width by beta**phi, input resolution by gamma**phi, with
alpha * beta**2 * gamma**2 close to 2 so that each step of phi roughly doubles the FLOPs.
The published B1-B7 round these multipliers by hand; ``EFFICIENTNETS`` holds the values that
the paper's reference code and ``keras.applications.EfficientNetB0..B7`` use. The networks
themselves come from ``keras.applications`` (``keras_efficientnet``); this module holds the
arithmetic of scaling them.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import NamedTuple

from cnnbook.models.mobilenet import make_divisible

# The constants found by the paper's small grid search on B0 (phi = 1).
ALPHA, BETA, GAMMA = 1.2, 1.1, 1.15


class Multipliers(NamedTuple):
    """How much to multiply the baseline's depth, width and input resolution by."""

    depth: float
    width: float
    resolution: float


def flops_factor(alpha: float = ALPHA, beta: float = BETA, gamma: float = GAMMA) -> float:
    """FLOPs growth per step of phi: alpha * beta**2 * gamma**2.

    FLOPs grow linearly with depth but with the square of width (channels in times channels out)
    and of resolution (height times width of every feature map).
    """
    return alpha * beta**2 * gamma**2


def compound_coefficients(
    phi: float, alpha: float = ALPHA, beta: float = BETA, gamma: float = GAMMA
) -> Multipliers:
    """Depth, width and resolution multipliers alpha**phi, beta**phi, gamma**phi (Tan & Le 2019).

    ``phi`` may be fractional or negative (to scale down); alpha, beta and gamma must each be at
    least 1, as the paper requires, or "scaling up" would shrink a dimension.
    """
    if not math.isfinite(phi):
        raise ValueError(f"phi must be a finite number, got {phi!r}")
    for name, value in (("alpha", alpha), ("beta", beta), ("gamma", gamma)):
        if not value >= 1:
            raise ValueError(f"{name} must be at least 1 (a growth factor), got {value!r}")
    return Multipliers(depth=alpha**phi, width=beta**phi, resolution=gamma**phi)


@dataclass(frozen=True)
class EfficientNetConfig:
    """One published EfficientNet: its multipliers over B0, input size and dropout."""

    name: str
    width: float
    depth: float
    resolution: int
    dropout: float

    @property
    def params_factor(self) -> float:
        """Predicted parameters relative to B0: depth x width^2 (resolution adds no weights)."""
        return self.depth * self.width**2

    @property
    def flops_factor(self) -> float:
        """Predicted FLOPs relative to B0: depth x width^2 x (resolution / 224)^2."""
        return self.params_factor * (self.resolution / EFFICIENTNETS["B0"].resolution) ** 2


EFFICIENTNETS = {
    c.name: c
    for c in (
        EfficientNetConfig("B0", 1.0, 1.0, 224, 0.2),
        EfficientNetConfig("B1", 1.0, 1.1, 240, 0.2),
        EfficientNetConfig("B2", 1.1, 1.2, 260, 0.3),
        EfficientNetConfig("B3", 1.2, 1.4, 300, 0.3),
        EfficientNetConfig("B4", 1.4, 1.8, 380, 0.4),
        EfficientNetConfig("B5", 1.6, 2.2, 456, 0.4),
        EfficientNetConfig("B6", 1.8, 2.6, 528, 0.5),
        EfficientNetConfig("B7", 2.0, 3.1, 600, 0.5),
    )
}

# B0's seven stages of MBConv blocks (Tan & Le 2019, Table 1):
# (kernel size, repeats, output channels, expansion, first stride). Stem 32, head 1,280.
B0_STAGES = (
    (3, 1, 16, 1, 1),
    (3, 2, 24, 6, 2),
    (5, 2, 40, 6, 2),
    (3, 3, 80, 6, 2),
    (5, 3, 112, 6, 1),
    (5, 4, 192, 6, 2),
    (3, 1, 320, 6, 1),
)
B0_STEM, B0_HEAD = 32, 1280


def config(name: str) -> EfficientNetConfig:
    """The published configuration ``"B0"`` ... ``"B7"``."""
    key = name.upper().removeprefix("EFFICIENTNET")
    if key not in EFFICIENTNETS:
        raise ValueError(f"unknown EfficientNet {name!r}; choose one of {', '.join(EFFICIENTNETS)}")
    return EFFICIENTNETS[key]


def round_filters(filters: int, width: float) -> int:
    """Channels after width scaling, rounded to a multiple of 8 (as the reference code does)."""
    return make_divisible(filters * width, 8)


def round_repeats(repeats: int, depth: float) -> int:
    """Blocks in a stage after depth scaling: always rounded up."""
    return int(math.ceil(depth * repeats))


def stages(name: str) -> list[dict]:
    """The scaled stages of one EfficientNet: kernel, blocks, output channels, expansion, stride."""
    c = config(name)
    return [
        {
            "kernel": k,
            "blocks": round_repeats(n, c.depth),
            "channels": round_filters(out, c.width),
            "expansion": t,
            "stride": s,
        }
        for k, n, out, t, s in B0_STAGES
    ]


def keras_efficientnet(name: str, include_top: bool = True, **kwargs):
    """``keras.applications.EfficientNet<name>(weights=None, ...)`` at its native resolution."""
    import keras

    c = config(name)
    kwargs.setdefault("input_shape", (c.resolution, c.resolution, 3))
    builder = getattr(keras.applications, f"EfficientNet{c.name}")
    return builder(weights=None, include_top=include_top, **kwargs)


def _number(value: float) -> str:
    """1e9 as "1,000,000,000", 0.39 as "0.39": readable in an error message."""
    return f"{int(value):,}" if float(value).is_integer() else f"{value:,.4g}"


def largest_within_budget(costs: Mapping[str, float], budget: float) -> str:
    """The name of the costliest model whose cost is within ``budget``.

    ``costs`` maps model names to any cost (FLOPs, parameters, milliseconds). Within a family
    scaled by one rule, the costliest model that fits is also the most accurate one.
    """
    if not costs:
        raise ValueError("costs is empty: there is no model to choose from")
    fitting = {name: cost for name, cost in costs.items() if cost <= budget}
    if not fitting:
        cheapest = min(costs, key=costs.get)
        raise ValueError(
            f"no model fits a budget of {_number(budget)}; the cheapest, {cheapest}, "
            f"costs {_number(costs[cheapest])}"
        )
    return max(fitting, key=fitting.get)
