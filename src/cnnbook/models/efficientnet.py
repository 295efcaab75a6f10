"""EfficientNet's compound scaling: grow depth, width and resolution together.

Tan, M. and Le, Q. V. (2019). EfficientNet: Rethinking Model Scaling for Convolutional Neural
Networks. ICML 2019, arXiv:1905.11946 (``tan2019``).

A baseline network (B0) is scaled by one number, the compound coefficient phi:
depth by alpha**phi, width by beta**phi, input resolution by gamma**phi, with
alpha * beta**2 * gamma**2 close to 2 so that each step of phi roughly doubles the FLOPs.
The published B1-B7 follow this rule only approximately; ``EFFICIENTNETS`` holds the values
that the paper's reference code and ``keras.applications.EfficientNetB0..B7`` use.

``efficientnet`` / ``efficientnet_b0`` ... ``efficientnet_b7`` build the networks from
``mbconv_block`` layer for layer as ``keras.applications`` does (equal parameter counts, and
identical outputs when weights are copied across); ``keras_efficientnet`` returns Keras's own.
Taught in *EfficientNet: scaling depth, width and resolution together*; the builders take the
arguments of ``cnnbook.models.arguments``.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import NamedTuple

import keras
from keras import layers

from cnnbook.models import arguments
from cnnbook.models.arguments import global_pooling
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


# --- The networks themselves: MBConv blocks and B0-B7, layer for layer as keras.applications ---

SE_RATIO = 0.25  # squeeze-and-excitation bottleneck: a quarter of the block's input channels
DROP_CONNECT_RATE = 0.2  # stochastic depth, rising linearly from 0 to this over the blocks


def mbconv_block(
    x,
    filters: int,
    kernel_size: int = 3,
    stride: int = 1,
    expansion: int = 6,
    se_ratio: float = SE_RATIO,
    drop_rate: float = 0.0,
    name: str = "mbconv",
):
    """EfficientNet's MBConv block (Tan & Le 2019): MobileNet v2's bottleneck plus squeeze-excite.

    1. expansion: 1x1 convolution to ``expansion`` x the input channels + BatchNorm + swish
       (left out when ``expansion`` is 1);
    2. depthwise ``kernel_size`` x ``kernel_size`` convolution (stride ``stride``) + BatchNorm +
       swish;
    3. squeeze-and-excitation: global average pooling, a 1x1 convolution down to
       ``se_ratio`` x the *input* channels (swish), one back up (sigmoid), and the feature map
       multiplied channel by channel by the result: each channel is re-weighted by a summary of
       the whole image;
    4. linear 1x1 projection to ``filters`` + BatchNorm;
    5. when stride is 1 and the channels match: dropout of the whole block per example
       (stochastic depth, ``drop_rate``) and the residual addition.
    """
    _check_block_args(filters, kernel_size, stride, expansion, se_ratio, drop_rate)
    filters_in = x.shape[-1]
    expanded = filters_in * expansion
    inputs = x
    if expansion != 1:
        x = layers.Conv2D(expanded, 1, use_bias=False, name=f"{name}_expand_conv")(x)
        x = layers.BatchNormalization(name=f"{name}_expand_bn")(x)
        x = layers.Activation("swish", name=f"{name}_expand_activation")(x)
    x = layers.DepthwiseConv2D(
        kernel_size, strides=stride, padding="same", use_bias=False, name=f"{name}_dwconv"
    )(x)
    x = layers.BatchNormalization(name=f"{name}_bn")(x)
    x = layers.Activation("swish", name=f"{name}_activation")(x)
    if se_ratio > 0:
        se = layers.GlobalAveragePooling2D(keepdims=True, name=f"{name}_se_squeeze")(x)
        se = layers.Conv2D(
            max(1, int(filters_in * se_ratio)), 1, activation="swish", name=f"{name}_se_reduce"
        )(se)
        se = layers.Conv2D(expanded, 1, activation="sigmoid", name=f"{name}_se_expand")(se)
        x = layers.Multiply(name=f"{name}_se_excite")([x, se])
    x = layers.Conv2D(filters, 1, use_bias=False, name=f"{name}_project_conv")(x)
    x = layers.BatchNormalization(name=f"{name}_project_bn")(x)
    if stride == 1 and filters_in == filters:
        if drop_rate > 0:
            x = layers.Dropout(drop_rate, noise_shape=(None, 1, 1, 1), name=f"{name}_drop")(x)
        x = layers.Add(name=f"{name}_add")([x, inputs])
    return x


def _check_block_args(filters, kernel_size, stride, expansion, se_ratio, drop_rate) -> None:
    arguments.positive_ints(filters=filters, expansion=expansion)
    if isinstance(kernel_size, bool) or kernel_size not in (3, 5):
        raise ValueError(f"EfficientNet uses 3x3 or 5x5 depthwise kernels, got {kernel_size!r}")
    arguments.one_of("stride", stride, (1, 2))
    arguments.rate("se_ratio", se_ratio, allow_one=True)
    arguments.rate("drop_rate", drop_rate)


def efficientnet(
    variant: str = "B0",
    *,
    include_top: bool = True,
    input_shape=None,
    pooling: str | None = None,
    classes: int = 1000,
    name: str | None = None,
):
    """EfficientNet-B0 ... B7 (Tan & Le 2019, arXiv:1905.11946), as ``keras.applications``.

    B0's stages (``B0_STAGES``) with the variant's depth and width multipliers applied
    (``stages``), between a 3x3 stem convolution and a 1x1 head convolution; with the top,
    global average pooling, dropout and a dense softmax classifier. ``input_shape`` defaults to
    the variant's published resolution.

    Like Keras, the model starts with its own input preprocessing: pixels in 0..255 are rescaled
    to 0..1, then a ``Normalization`` layer subtracts a per-channel mean and divides by a standard
    deviation. Its 7 statistics (mean and variance of 3 channels, and a sample count) are set by
    ``adapt()`` or by loading ImageNet weights; until then they leave the input unchanged. They
    count as (non-trainable) parameters, in Keras's totals too. Without the top: the feature
    map of the head convolution, pooled as ``pooling`` says.
    """
    c = config(variant)
    if input_shape is None:
        input_shape = (c.resolution, c.resolution, 3)
    shape = arguments.input_shape(input_shape, f"EfficientNet-{c.name}", smallest=32)
    arguments.top(include_top, classes, pooling)
    inputs = keras.Input(shape=shape)
    x = layers.Rescaling(1.0 / 255.0, name="rescaling")(inputs)
    x = layers.Normalization(axis=-1, name="normalization")(x)
    x = layers.Conv2D(
        round_filters(B0_STEM, c.width), 3, strides=2, padding="same", use_bias=False,
        name="stem_conv",
    )(x)  # fmt: skip
    x = layers.BatchNormalization(name="stem_bn")(x)
    x = layers.Activation("swish", name="stem_activation")(x)
    plan = stages(variant)
    total = sum(stage["blocks"] for stage in plan)
    index = 0
    for number, stage in enumerate(plan, start=1):
        for repeat in range(stage["blocks"]):
            x = mbconv_block(
                x,
                stage["channels"],
                kernel_size=stage["kernel"],
                stride=stage["stride"] if repeat == 0 else 1,
                expansion=stage["expansion"],
                drop_rate=DROP_CONNECT_RATE * index / total,
                name=f"block{number}{chr(ord('a') + repeat)}",
            )
            index += 1
    x = layers.Conv2D(round_filters(B0_HEAD, c.width), 1, use_bias=False, name="top_conv")(x)
    x = layers.BatchNormalization(name="top_bn")(x)
    x = layers.Activation("swish", name="top_activation")(x)
    if include_top:
        x = layers.GlobalAveragePooling2D(name="avg_pool")(x)
        x = layers.Dropout(c.dropout, name="top_dropout")(x)
        x = layers.Dense(classes, activation="softmax", name="predictions")(x)
    else:
        x = global_pooling(x, pooling)
    return keras.Model(inputs, x, name=name or f"efficientnet{c.name.lower()}")


def _published(variant: str):
    """The builder of one published variant, as ``keras.applications.EfficientNet<variant>``."""
    c = config(variant)
    resolution = (c.resolution, c.resolution, 3)

    def build(*, include_top: bool = True, input_shape=resolution, pooling=None, classes=1000):
        return efficientnet(
            variant,
            include_top=include_top,
            input_shape=input_shape,
            pooling=pooling,
            classes=classes,
        )

    build.__name__ = build.__qualname__ = f"efficientnet_{variant.lower()}"
    build.__doc__ = (
        f"EfficientNet-{variant} (Tan & Le 2019): depth x{c.depth}, width x{c.width} over B0, "
        f"{c.resolution}x{c.resolution} input."
    )
    return build


# One builder per published variant, as keras.applications has them.
efficientnet_b0 = _published("B0")
efficientnet_b1 = _published("B1")
efficientnet_b2 = _published("B2")
efficientnet_b3 = _published("B3")
efficientnet_b4 = _published("B4")
efficientnet_b5 = _published("B5")
efficientnet_b6 = _published("B6")
efficientnet_b7 = _published("B7")
