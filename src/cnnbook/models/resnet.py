"""Residual networks: residual blocks, ResNet-18/34/50/101/152, and plain/residual stacks.

He, K., Zhang, X., Ren, S. and Sun, J. (2015), "Deep Residual Learning for Image Recognition",
arXiv:1512.03385 (CVPR 2016). Later refinements of the block: He, K., Zhang, X., Ren, S. and
Sun, J. (2016), "Identity Mappings in Deep Residual Networks", arXiv:1603.05027.

A residual block computes ``a[l+2] = g(z[l+2] + a[l])``: the shortcut is added to the output of
the last convolution (after its batch normalisation) and *before* the last ReLU ``g``. When the
shapes differ, the shortcut is a projection ``W_s a[l]``: a learned 1x1 convolution with stride
(the paper's option B) or fixed subsampling plus zero channels (option A, no parameters).

The bottleneck builders ``identity_block`` and ``convolutional_block`` follow
``keras.applications.ResNet50`` layer for layer (convolutions with biases, batch normalisation
with epsilon 1.001e-5, the stride on the first 1x1 convolution), so that ``resnet50`` has exactly
the parameters Keras's ResNet-50 has (and ``resnet101``, ``resnet152`` those of Keras's ResNet-101
and ResNet-152). The blocks are taught in the *Residual networks* chapter and its assignment,
ResNet-34/50 in *Why ResNets work*, all five depths in the appendix *Costs against the papers*;
the builders take the arguments of ``cnnbook.models.arguments``.
"""

from __future__ import annotations

import keras
from keras import layers

from cnnbook.models import arguments
from cnnbook.models.arguments import global_pooling

BN_EPSILON = 1.001e-5  # what keras.applications.ResNet50 uses
SHORTCUTS = ("projection", "zeros")
# The small plain/residual nets train for a few hundred steps only: their batch normalisation
# statistics must follow the weights faster than Keras's default momentum 0.99 lets them.
BN_MOMENTUM_SMALL = 0.9


def _check_filters(filters, count: int) -> None:
    if (
        isinstance(filters, (str, bytes))
        or not hasattr(filters, "__len__")
        or len(filters) != count
    ):
        raise ValueError(
            f"filters must list {count} channel counts (1x1, k x k, 1x1), got {filters!r}"
        )
    for value in filters:
        arguments.positive_int("filters", value)


def _channels(x) -> int:
    return int(x.shape[-1])


def _bn(name: str | None, part: str, momentum: float = 0.99):
    return layers.BatchNormalization(
        axis=-1,
        momentum=momentum,
        epsilon=BN_EPSILON,
        name=f"{name}_{part}_bn" if name else None,
    )


def _conv(filters, size, stride, initializer, name, part, padding="valid", use_bias=True):
    return layers.Conv2D(
        filters,
        size,
        strides=stride,
        padding=padding,
        use_bias=use_bias,
        kernel_initializer=initializer,
        name=f"{name}_{part}_conv" if name else None,
    )


def _bottleneck_add(x, shortcut, kernel_size, filters, strides, initializer, name):
    """1x1 (strided) -> k x k -> 1x1 main path, then the shortcut added before the last ReLU."""
    first, middle, last = filters
    x = _conv(first, 1, strides, initializer, name, "1")(x)
    x = _bn(name, "1")(x)
    x = layers.Activation("relu", name=f"{name}_1_relu" if name else None)(x)
    x = _conv(middle, kernel_size, 1, initializer, name, "2", padding="same")(x)
    x = _bn(name, "2")(x)
    x = layers.Activation("relu", name=f"{name}_2_relu" if name else None)(x)
    x = _conv(last, 1, 1, initializer, name, "3")(x)
    x = _bn(name, "3")(x)
    x = layers.Add(name=f"{name}_add" if name else None)([x, shortcut])  # before the last ReLU
    return layers.Activation("relu", name=f"{name}_out" if name else None)(x)


def identity_block(x, kernel_size, filters, kernel_initializer="glorot_uniform", *, name=None):
    """Bottleneck residual block whose shortcut is the identity (He et al., 2015, Fig. 5 right).

    1x1 conv -> BN -> ReLU -> ``kernel_size`` conv (same padding) -> BN -> ReLU -> 1x1 conv ->
    BN -> add the input -> ReLU. The input must already have ``filters[2]`` channels, and height
    and width are kept, so the addition needs no projection. (The course writes the arguments
    X, f and (F1, F2, F3); the code uses Keras's names.)

    Args:
        x: input tensor of shape (batch, height, width, filters[2]).
        kernel_size: size of the middle convolution's window (an odd positive integer).
        filters: the channels of the three convolutions (F1, F2, F3).
        kernel_initializer: kernel initializer of every convolution.
        name: optional prefix for the layers' names.
    """
    arguments.positive_ints(kernel_size=kernel_size)
    _check_filters(filters, 3)
    channels = filters[2]
    if _channels(x) != channels:
        raise ValueError(
            f"identity_block adds its input to an output of filters[2]={channels} channels, so "
            f"the input must have {channels} channels, not {_channels(x)}; use "
            "convolutional_block to change the number of channels"
        )
    return _bottleneck_add(x, x, kernel_size, filters, 1, kernel_initializer, name)


def convolutional_block(
    x, kernel_size, filters, strides=2, kernel_initializer="glorot_uniform", *, name=None
):
    """Bottleneck residual block with a projection shortcut (He et al., 2015, option B).

    The main path is that of ``identity_block`` with ``strides`` on its first 1x1 convolution
    (as in ``keras.applications.ResNet50``); the shortcut is a learned 1x1 convolution with
    ``filters[2]`` filters and the same strides followed by batch normalisation, so both paths
    end with shape (height / strides, width / strides, filters[2]) and can be added. (The
    course's X, f, (F1, F2, F3) and s are ``x``, ``kernel_size``, ``filters``, ``strides``.)

    Args:
        x: input tensor of shape (batch, height, width, channels).
        kernel_size: size of the middle convolution's window.
        filters: the channels of the three convolutions (F1, F2, F3).
        strides: stride of the first convolution and of the shortcut.
        kernel_initializer: kernel initializer of every convolution.
        name: optional prefix for the layers' names.
    """
    arguments.positive_ints(kernel_size=kernel_size, strides=strides)
    _check_filters(filters, 3)
    shortcut = _conv(filters[2], 1, strides, kernel_initializer, name, "0")(x)
    shortcut = _bn(name, "0")(shortcut)
    return _bottleneck_add(x, shortcut, kernel_size, filters, strides, kernel_initializer, name)


@keras.saving.register_keras_serializable(package="cnnbook")
class ZeroPadShortcut(layers.Layer):
    """The parameter-free shortcut of He et al. (2015), option A.

    Keeps every ``stride``-th row and column (the subsampling a strided convolution does) and
    appends zero channels up to ``channels``: ``W_s`` is a fixed matrix of ones and zeros.
    """

    def __init__(self, channels: int, stride: int = 2, **kwargs):
        super().__init__(**kwargs)
        arguments.positive_ints(channels=channels, stride=stride)
        self.channels = channels
        self.stride = stride

    def build(self, input_shape):
        if input_shape[-1] > self.channels:
            raise ValueError(
                f"a zero-padding shortcut can only add channels: the input has "
                f"{input_shape[-1]}, the block's output {self.channels}; use a projection"
            )

    def call(self, x):
        x = x[:, :: self.stride, :: self.stride, :]
        extra = self.channels - x.shape[-1]
        return keras.ops.pad(x, [[0, 0], [0, 0], [0, 0], [0, extra]])

    def compute_output_shape(self, input_shape):
        def down(n):
            return None if n is None else -(-n // self.stride)

        return (input_shape[0], down(input_shape[1]), down(input_shape[2]), self.channels)

    def get_config(self):
        return {**super().get_config(), "channels": self.channels, "stride": self.stride}


def basic_block(
    x,
    filters,
    strides=1,
    shortcut="projection",
    kernel_initializer="he_normal",
    *,
    use_bias=False,
    residual=True,
    bn_momentum=0.99,
    name=None,
):
    """Two 3x3 convolutions with a shortcut (He et al., 2015, Fig. 2 and Fig. 5 left).

    3x3 conv (``strides``) -> BN -> ReLU -> 3x3 conv -> BN -> add shortcut -> ReLU. When the
    shape changes (``strides > 1`` or a new channel count) the shortcut is
    ``shortcut="projection"``, a learned 1x1 convolution with the same strides and BN (option
    B), or ``shortcut="zeros"``, subsampling plus zero channels (option A, no parameters).
    ``residual=False`` drops the shortcut and gives the matching block of a *plain* network:
    the same layers, no addition. ``bn_momentum`` is the batch normalisation layers'
    moving-average momentum.
    """
    arguments.positive_ints(filters=filters, strides=strides)
    arguments.one_of("shortcut", shortcut, SHORTCUTS)
    a_prev = x
    x = _conv(filters, 3, strides, kernel_initializer, name, "1", "same", use_bias)(x)
    x = _bn(name, "1", bn_momentum)(x)
    x = layers.Activation("relu", name=f"{name}_1_relu" if name else None)(x)
    x = _conv(filters, 3, 1, kernel_initializer, name, "2", "same", use_bias)(x)
    x = _bn(name, "2", bn_momentum)(x)
    if residual:
        if strides == 1 and _channels(a_prev) == filters:
            skip = a_prev
        elif shortcut == "projection":
            skip = _conv(filters, 1, strides, kernel_initializer, name, "0", "valid", use_bias)(
                a_prev
            )
            skip = _bn(name, "0", bn_momentum)(skip)
        else:
            skip = ZeroPadShortcut(filters, strides, name=f"{name}_0_pad" if name else None)(a_prev)
        if tuple(skip.shape[1:]) != tuple(x.shape[1:]):
            raise ValueError(
                f"shortcut shape {tuple(skip.shape[1:])} does not match the block's output "
                f"{tuple(x.shape[1:])}; with 'valid'-sized inputs use an even height and width"
            )
        x = layers.Add(name=f"{name}_add" if name else None)([x, skip])
    return layers.Activation("relu", name=f"{name}_out" if name else None)(x)


def _stem(inputs, use_bias, initializer):
    """7x7/2 convolution with 64 filters, BN, ReLU, 3x3/2 max pooling (conv1 and pool1)."""
    x = layers.ZeroPadding2D(3, name="conv1_pad")(inputs)
    x = layers.Conv2D(
        64, 7, strides=2, use_bias=use_bias, kernel_initializer=initializer, name="conv1_conv"
    )(x)
    x = layers.BatchNormalization(epsilon=BN_EPSILON, name="conv1_bn")(x)
    x = layers.Activation("relu", name="conv1_relu")(x)
    x = layers.ZeroPadding2D(1, name="pool1_pad")(x)
    return layers.MaxPooling2D(3, strides=2, name="pool1_pool")(x)


def _top(x, inputs, classes, include_top, pooling, name):
    if include_top:
        x = layers.GlobalAveragePooling2D(name="avg_pool")(x)
        x = layers.Dense(classes, activation="softmax", name="predictions")(x)
    else:
        x = global_pooling(x, pooling)
    return keras.Model(inputs, x, name=name)


# Residual blocks per stage (conv2_x ... conv5_x) of each depth in He et al. (2015), Table 1.
STAGE_BLOCKS = {
    18: (2, 2, 2, 2),
    34: (3, 4, 6, 3),
    50: (3, 4, 6, 3),
    101: (3, 4, 23, 3),
    152: (3, 8, 36, 3),
}
STAGE_WIDTHS = (64, 128, 256, 512)


def _bottleneck_resnet(depth, include_top, input_shape, pooling, classes, name):
    """ResNet-50/101/152: the stem, then bottleneck blocks as ``keras.applications`` has them."""
    shape = arguments.input_shape(input_shape, f"ResNet-{depth}", smallest=32)
    arguments.top(include_top, classes, pooling)
    inputs = keras.Input(shape=shape)
    x = _stem(inputs, use_bias=True, initializer="glorot_uniform")
    strides = (1, 2, 2, 2)
    stages = zip(STAGE_WIDTHS, STAGE_BLOCKS[depth], strides, strict=True)
    for stage, (width, blocks, stride) in enumerate(stages, start=2):
        filters = (width, width, 4 * width)
        x = convolutional_block(x, 3, filters, strides=stride, name=f"conv{stage}_block1")
        for block in range(2, blocks + 1):
            x = identity_block(x, 3, filters, name=f"conv{stage}_block{block}")
    return _top(x, inputs, classes, include_top, pooling, name)


def _basic_resnet(depth, include_top, input_shape, pooling, classes, shortcut, name):
    """ResNet-18/34: the stem, then basic blocks (two 3x3 convolutions, no biases)."""
    shape = arguments.input_shape(input_shape, f"ResNet-{depth}", smallest=32)
    arguments.top(include_top, classes, pooling)
    arguments.one_of("shortcut", shortcut, SHORTCUTS)
    inputs = keras.Input(shape=shape)
    x = _stem(inputs, use_bias=False, initializer="he_normal")
    strides = (1, 2, 2, 2)
    stages = zip(STAGE_WIDTHS, STAGE_BLOCKS[depth], strides, strict=True)
    for stage, (width, blocks, stride) in enumerate(stages, start=2):
        for block in range(1, blocks + 1):
            x = basic_block(
                x,
                width,
                strides=stride if block == 1 else 1,
                shortcut=shortcut,
                name=f"conv{stage}_block{block}",
            )
    return _top(x, inputs, classes, include_top, pooling, name)


def resnet50(
    *, include_top=True, input_shape=(224, 224, 3), pooling=None, classes=1000, name="resnet50"
):
    """ResNet-50 of He et al. (2015), Table 1, arXiv:1512.03385, as ``keras.applications`` has it.

    Stem (7x7/2 conv, 3x3/2 max pool), then four stages of bottleneck blocks, 3, 4, 6 and 3 of
    them, with (64, 64, 256), (128, 128, 512), (256, 256, 1024), (512, 512, 2048) channels; the
    first block of each stage has a projection shortcut and (from stage 3 on) stride 2. Global
    average pooling and a softmax layer end it. With 224x224x3 inputs and 1,000 classes it has
    25,636,712 parameters, as ``keras.applications.ResNet50(weights=None)``. Without the top it
    returns the last stage's feature map (7x7x2048 at 224x224), pooled as ``pooling`` says.
    """
    return _bottleneck_resnet(50, include_top, input_shape, pooling, classes, name)


def resnet101(
    *, include_top=True, input_shape=(224, 224, 3), pooling=None, classes=1000, name="resnet101"
):
    """ResNet-101 of He et al. (2015), Table 1, arXiv:1512.03385, as ``keras.applications``.

    ResNet-50 with 23 instead of 6 bottleneck blocks in the third stage (conv4_x): 44,707,176
    parameters at 224x224x3 and 1,000 classes, as ``keras.applications.ResNet101(weights=None)``.
    Without the top: as ``resnet50``.
    """
    return _bottleneck_resnet(101, include_top, input_shape, pooling, classes, name)


def resnet152(
    *, include_top=True, input_shape=(224, 224, 3), pooling=None, classes=1000, name="resnet152"
):
    """ResNet-152 of He et al. (2015), Table 1, arXiv:1512.03385, as ``keras.applications``.

    Bottleneck stages of 3, 8, 36 and 3 blocks: 60,419,944 parameters at 224x224x3 and 1,000
    classes, as ``keras.applications.ResNet152(weights=None)``. Without the top: as
    ``resnet50``.
    """
    return _bottleneck_resnet(152, include_top, input_shape, pooling, classes, name)


def resnet18(
    *,
    include_top=True,
    input_shape=(224, 224, 3),
    pooling=None,
    classes=1000,
    shortcut="projection",
    name="resnet18",
):
    """ResNet-18 of He et al. (2015), Table 1, arXiv:1512.03385.

    As ``resnet34`` with two basic blocks in each of the four stages. With projection shortcuts
    (option B, the default) it has 11,689,512 trainable parameters at 1,000 classes, as
    torchvision's resnet18; ``shortcut="zeros"`` gives option A. Without the top: as
    ``resnet50``.
    """
    return _basic_resnet(18, include_top, input_shape, pooling, classes, shortcut, name)


def resnet34(
    *,
    include_top=True,
    input_shape=(224, 224, 3),
    pooling=None,
    classes=1000,
    shortcut="projection",
    name="resnet34",
):
    """ResNet-34 of He et al. (2015), Table 1, arXiv:1512.03385.

    Stem as in ResNet-50, then four stages of basic blocks (two 3x3 convolutions), 3, 4, 6 and 3
    of them, with 64, 128, 256 and 512 channels; convolutions without biases (batch
    normalisation follows each). Where a stage starts, the shortcut is a projection (option B,
    the default: 21,797,672 parameters at 1,000 classes, as torchvision's resnet34) or zero
    padding (``shortcut="zeros"``, option A). Without the top: as ``resnet50``.
    """
    return _basic_resnet(34, include_top, input_shape, pooling, classes, shortcut, name)


def _cifar_network(
    depth, include_top, input_shape, pooling, classes, widths, residual, shortcut, name
):
    """The 6n+2-layer networks of He et al. (2015), Section 4.2, with or without shortcuts."""
    shape = arguments.input_shape(input_shape, name, smallest=4)
    arguments.top(include_top, classes, pooling)
    if isinstance(depth, bool) or not isinstance(depth, int) or depth < 8 or (depth - 2) % 6:
        raise ValueError(
            f"depth must be 6n + 2 for a whole number n >= 1 (8, 14, 20, 26, 32, ...), "
            f"got {depth!r}"
        )
    if isinstance(widths, (str, bytes)) or not hasattr(widths, "__len__") or len(widths) != 3:
        raise ValueError(f"widths must give the channels of the 3 stages, got {widths!r}")
    for width in widths:
        arguments.positive_int("widths", width)
    n = (depth - 2) // 6
    inputs = keras.Input(shape=shape)
    x = layers.Conv2D(
        widths[0], 3, padding="same", use_bias=False, kernel_initializer="he_normal", name="conv1"
    )(inputs)
    x = layers.BatchNormalization(momentum=BN_MOMENTUM_SMALL, epsilon=BN_EPSILON, name="conv1_bn")(
        x
    )
    x = layers.Activation("relu", name="conv1_relu")(x)
    for stage, width in enumerate(widths, start=1):
        for block in range(1, n + 1):
            x = basic_block(
                x,
                width,
                strides=2 if stage > 1 and block == 1 else 1,
                shortcut=shortcut,
                residual=residual,
                bn_momentum=BN_MOMENTUM_SMALL,
                name=f"stage{stage}_block{block}",
            )
    return _top(x, inputs, classes, include_top, pooling, f"{name}{depth}")


def plain_network(
    depth, *, include_top=True, input_shape=(32, 32, 3), pooling=None, classes=10,
    widths=(16, 32, 64),
):  # fmt: skip
    """A plain network of ``depth`` = 6n + 2 weighted layers (He et al., 2015, Section 4.2).

    A 3x3 convolution, then 3 stages of 2n 3x3 convolutions with ``widths`` channels (the
    first of stages 2 and 3 with stride 2), global average pooling and a softmax layer; batch
    normalisation after every convolution. Exactly the layers of ``residual_network(depth)``
    with option-A shortcuts, without the shortcuts, so both have the same parameters.
    """
    return _cifar_network(
        depth, include_top, input_shape, pooling, classes, widths, False, "zeros", "plain"
    )


def residual_network(
    depth, *, include_top=True, input_shape=(32, 32, 3), pooling=None, classes=10,
    widths=(16, 32, 64), shortcut="zeros",
):  # fmt: skip
    """The residual twin of ``plain_network``: a shortcut around every pair of 3x3 convolutions.

    He et al. (2015), Section 4.2, use zero-padding shortcuts (option A, the default) so that
    the residual network has exactly the parameters of its plain counterpart;
    ``shortcut="projection"`` uses learned 1x1 convolutions where the shape changes.
    """
    arguments.one_of("shortcut", shortcut, SHORTCUTS)
    return _cifar_network(
        depth, include_top, input_shape, pooling, classes, widths, True, shortcut, "resnet"
    )


def stage_table(model) -> list[dict]:
    """One row per stage of a ResNet built here: output size, residual blocks, channels.

    Reads the built model: every block's addition layer is named ``<stage>_block<k>_add``.
    """
    rows: dict[str, dict] = {}
    for layer in model.layers:
        if isinstance(layer, layers.Add) and "_block" in layer.name:
            stage = layer.name.split("_block")[0]
            _, height, width, channels = layer.output.shape
            row = rows.setdefault(stage, {"stage": stage, "blocks": 0})
            row.update({"output size": f"{height}x{width}", "channels": int(channels)})
            row["blocks"] += 1
    return [
        {k: row[k] for k in ("stage", "output size", "blocks", "channels")} for row in rows.values()
    ]
