"""MobileNet v1 and v2: networks built from depthwise-separable convolutions.

- Howard, A. G. et al. (2017). MobileNets: Efficient Convolutional Neural Networks for Mobile
  Vision Applications. arXiv:1704.04861 (``howard2017``).
- Sandler, M. et al. (2018). MobileNetV2: Inverted Residuals and Linear Bottlenecks. CVPR 2018,
  arXiv:1801.04381 (``sandler2018``).

The layers come in the same order, with the same sizes, as ``keras.applications.MobileNet`` and
``keras.applications.MobileNetV2``, so parameter counts are equal and trained Keras weights can
be copied into these models layer by layer. One deliberate simplification: where Keras pads
explicitly before a stride-2 depthwise convolution (``ZeroPadding2D`` then ``"valid"``), we use
``padding="same"``; TensorFlow's "same" pads the same rows and columns (none before, one after
on even sizes; one on each side on odd sizes), so the outputs are identical.

Taught in *MobileNet: depthwise-separable convolutions*; the builders take the arguments of
``cnnbook.models.arguments``.
"""

from __future__ import annotations

import keras
from keras import layers

from cnnbook.models import arguments
from cnnbook.models.arguments import global_pooling

BN_EPSILON = 1e-3

# MobileNet v1 (Howard et al. 2017, Table 1): (pointwise filters, stride) of the 13
# depthwise-separable blocks that follow the first full 3x3 convolution.
V1_BLOCKS = (
    (64, 1),
    (128, 2),
    (128, 1),
    (256, 2),
    (256, 1),
    (512, 2),
    (512, 1),
    (512, 1),
    (512, 1),
    (512, 1),
    (512, 1),
    (1024, 2),
    (1024, 1),
)

# MobileNet v2 (Sandler et al. 2018, Table 2): rows (expansion t, output channels c, repeats n,
# first stride s). Expanded to one entry per bottleneck block: 1 + 2 + 3 + 4 + 3 + 3 + 1 = 17.
V2_STAGES = (
    (1, 16, 1, 1),
    (6, 24, 2, 2),
    (6, 32, 3, 2),
    (6, 64, 4, 2),
    (6, 96, 3, 1),
    (6, 160, 3, 2),
    (6, 320, 1, 1),
)
V2_BLOCKS = tuple(
    (t, c, s if i == 0 else 1) for t, c, n, s in V2_STAGES for i in range(n)
)  # (expansion, filters, stride) per block


def _checked_input(include_top, input_shape, pooling, classes, alpha):
    """The network's input, once its arguments are checked (``cnnbook.models.arguments``)."""
    # Five stride-2 steps: 32 pixels is the least that leaves a map.
    shape = arguments.input_shape(input_shape, "MobileNet", smallest=32, allow_none=True)
    arguments.top(include_top, classes, pooling)
    arguments.positive_number("alpha", alpha)
    return keras.Input(shape=shape)


def make_divisible(value: float, divisor: int = 8) -> int:
    """Round a channel count to the nearest multiple of ``divisor``, losing at most 10%.

    The rule of the MobileNetV2 reference code (and Keras): hardware works best on channel
    counts that are multiples of 8, so width-scaled counts are rounded to one.
    """
    rounded = max(divisor, int(value + divisor / 2) // divisor * divisor)
    if rounded < 0.9 * value:
        rounded += divisor
    return rounded


def depthwise_separable_block(x, filters: int, stride: int = 1, name: str = "separable"):
    """One MobileNet v1 block (Howard et al. 2017): depthwise 3x3, then pointwise 1x1.

    Depthwise 3x3 convolution (one filter per input channel, so the channel count is kept) +
    BatchNorm + ReLU6, then a 1x1 convolution to ``filters`` channels + BatchNorm + ReLU6. The
    convolutions have no bias: the BatchNorm after each supplies the shift.
    """
    arguments.positive_int("filters", filters)
    arguments.one_of("stride", stride, (1, 2))
    x = layers.DepthwiseConv2D(
        3, strides=stride, padding="same", use_bias=False, name=f"{name}_depthwise"
    )(x)
    x = layers.BatchNormalization(epsilon=BN_EPSILON, name=f"{name}_depthwise_bn")(x)
    x = layers.ReLU(6.0, name=f"{name}_depthwise_relu")(x)
    x = layers.Conv2D(filters, 1, use_bias=False, name=f"{name}_pointwise")(x)
    x = layers.BatchNormalization(epsilon=BN_EPSILON, name=f"{name}_pointwise_bn")(x)
    return layers.ReLU(6.0, name=f"{name}_pointwise_relu")(x)


def inverted_residual_block(x, expansion: int, filters: int, stride: int, name: str = "bottleneck"):
    """One MobileNet v2 bottleneck block (Sandler et al. 2018): expand, filter, project.

    1. expansion: a 1x1 convolution to ``expansion`` times the input channels + BatchNorm +
       ReLU6 (left out when ``expansion`` is 1, as in the paper's first block);
    2. a depthwise 3x3 convolution (stride ``stride``) + BatchNorm + ReLU6;
    3. a *linear* 1x1 projection to ``filters`` channels + BatchNorm, with no activation: a ReLU
       on so few channels would destroy information;
    4. the input is added back when the output has its shape (stride 1, same channel count).
    """
    arguments.positive_int("expansion", expansion)
    arguments.positive_int("filters", filters)
    arguments.one_of("stride", stride, (1, 2))
    in_channels = x.shape[-1]
    inputs = x
    if expansion != 1:
        x = layers.Conv2D(expansion * in_channels, 1, use_bias=False, name=f"{name}_expand")(x)
        x = layers.BatchNormalization(epsilon=BN_EPSILON, momentum=0.999, name=f"{name}_expand_bn")(
            x
        )
        x = layers.ReLU(6.0, name=f"{name}_expand_relu")(x)
    x = layers.DepthwiseConv2D(
        3, strides=stride, padding="same", use_bias=False, name=f"{name}_depthwise"
    )(x)
    x = layers.BatchNormalization(epsilon=BN_EPSILON, momentum=0.999, name=f"{name}_depthwise_bn")(
        x
    )
    x = layers.ReLU(6.0, name=f"{name}_depthwise_relu")(x)
    x = layers.Conv2D(filters, 1, use_bias=False, name=f"{name}_project")(x)
    x = layers.BatchNormalization(epsilon=BN_EPSILON, momentum=0.999, name=f"{name}_project_bn")(x)
    if stride == 1 and in_channels == filters:
        x = layers.Add(name=f"{name}_add")([inputs, x])
    return x


def mobilenet_v1(
    *,
    include_top: bool = True,
    input_shape=(224, 224, 3),
    pooling: str | None = None,
    classes: int = 1000,
    alpha: float = 1.0,
    name: str = "mobilenet_v1",
) -> keras.Model:
    """MobileNet v1 (Howard et al. 2017, arXiv:1704.04861), as ``keras.applications.MobileNet``.

    A full 3x3 convolution (32 filters, stride 2), 13 depthwise-separable blocks, then, with the
    top: global average pooling, dropout, a fully connected classifier and softmax. Like Keras,
    the classifier is a 1x1 convolution on the pooled 1x1x1024 map (the same weights as a dense
    layer) followed by a reshape. ``alpha`` multiplies every layer's channel count.
    """
    inputs = _checked_input(include_top, input_shape, pooling, classes, alpha)
    x = layers.Conv2D(int(32 * alpha), 3, strides=2, padding="same", use_bias=False, name="conv1")(
        inputs
    )
    x = layers.BatchNormalization(epsilon=BN_EPSILON, name="conv1_bn")(x)
    x = layers.ReLU(6.0, name="conv1_relu")(x)
    for index, (filters, stride) in enumerate(V1_BLOCKS, start=1):
        x = depthwise_separable_block(x, int(filters * alpha), stride, name=f"block_{index}")
    if include_top:
        x = layers.GlobalAveragePooling2D(keepdims=True, name="pool")(x)
        x = layers.Dropout(1e-3, name="dropout")(x)
        x = layers.Conv2D(classes, 1, name="fc")(x)  # a dense layer on the 1x1 map
        x = layers.Reshape((classes,), name="fc_flat")(x)
        x = layers.Activation("softmax", name="predictions")(x)
    else:
        x = global_pooling(x, pooling)
    return keras.Model(inputs, x, name=name)


def mobilenet_v2(
    *,
    include_top: bool = True,
    input_shape=(224, 224, 3),
    pooling: str | None = None,
    classes: int = 1000,
    alpha: float = 1.0,
    name: str = "mobilenet_v2",
) -> keras.Model:
    """MobileNet v2 (Sandler et al. 2018, arXiv:1801.04381), as ``keras.applications.MobileNetV2``.

    A full 3x3 convolution (32 filters, stride 2), 17 inverted-residual bottleneck blocks
    (``V2_BLOCKS``), a 1x1 convolution to 1,280 channels, then, with the top: global average
    pooling and a dense softmax classifier. ``alpha`` scales the channel counts (rounded to
    multiples of 8); the last 1x1 convolution only grows, never shrinks, with ``alpha``.
    """
    inputs = _checked_input(include_top, input_shape, pooling, classes, alpha)
    x = layers.Conv2D(
        make_divisible(32 * alpha), 3, strides=2, padding="same", use_bias=False, name="conv1"
    )(inputs)
    x = layers.BatchNormalization(epsilon=BN_EPSILON, momentum=0.999, name="conv1_bn")(x)
    x = layers.ReLU(6.0, name="conv1_relu")(x)
    for index, (expansion, filters, stride) in enumerate(V2_BLOCKS, start=1):
        x = inverted_residual_block(
            x, expansion, make_divisible(int(filters * alpha)), stride, name=f"block_{index}"
        )
    last = make_divisible(1280 * alpha) if alpha > 1.0 else 1280
    x = layers.Conv2D(last, 1, use_bias=False, name="conv_last")(x)
    x = layers.BatchNormalization(epsilon=BN_EPSILON, momentum=0.999, name="conv_last_bn")(x)
    x = layers.ReLU(6.0, name="conv_last_relu")(x)
    if include_top:
        x = layers.GlobalAveragePooling2D(name="pool")(x)
        x = layers.Dense(classes, activation="softmax", name="predictions")(x)
    else:
        x = global_pooling(x, pooling)
    return keras.Model(inputs, x, name=name)
