"""Seven case-study families scaled down to the book's photos, for one head-to-head comparison.

Each builder returns a small, uncompiled Keras model for ``input_shape`` (32x32x3 in the
chapter) and ``classes`` outputs with a softmax, and keeps the idea that defines its family.
Where the book's own builder or block fits at this size it is used as it is
(``residual_network``, ``inverted_residual_block``, ``mbconv_block``); the others are written
here from the same layers, after the book's ``lenet5`` and ``inception_module``. Channel counts
are chosen so that every network has between about 19,000 and 155,000 parameters (the
chapter prints the exact counts), far below the millions of the published networks.

Two changes are made to every design alike, so that one training recipe fits them all. Batch
normalisation after every convolution (``conv_bn``: convolution without bias, batch
normalisation, ReLU), which the ResNet, MobileNetV2 and EfficientNet designs have anyway:
without it (``batch_norm=False``), the AlexNet- and Inception-style networks stayed at chance
or barely left it through the chapter's budget. And no dropout (a ``dropout`` argument puts it
back where the family had it): AlexNet's dropout of half the inputs of each dense layer, meant
for 9,216 features and here given 48, held it far below the others. Every batch normalisation
layer has the same moving-average momentum (``BN_MOMENTUM``): the book's MobileNet blocks use
Keras's 0.999, whose averages would still be far from the data's statistics after a few
hundred training steps.

- ``lenet``: LeCun, Bottou, Bengio and Haffner (1998), "Gradient-Based Learning Applied to
  Document Recognition", Proc. IEEE 86(11), doi:10.1109/5.726791. The layers of ``lenet5``.
- ``alexnet``: Krizhevsky, Sutskever and Hinton (2012), "ImageNet Classification with Deep
  Convolutional Neural Networks", NeurIPS 25. A large stride-4 first convolution, five
  convolutions, overlapping max pooling, two dense layers.
- ``vgg``: Simonyan and Zisserman (2014), "Very Deep Convolutional Networks for Large-Scale
  Image Recognition", arXiv:1409.1556. Stacks of 3x3 convolutions.
- ``resnet``: He, Zhang, Ren and Sun (2015), "Deep Residual Learning for Image Recognition",
  arXiv:1512.03385. The book's ``residual_network`` (basic blocks with batch normalisation).
- ``inception``: Szegedy et al. (2014), "Going Deeper with Convolutions", arXiv:1409.4842.
  Three Inception modules (four parallel branches), normalised as in Ioffe and Szegedy (2015).
- ``mobilenet_v2``: Sandler, Howard, Zhu, Zhmoginov and Chen (2018), "MobileNetV2: Inverted
  Residuals and Linear Bottlenecks", CVPR, arXiv:1801.04381. The book's
  ``inverted_residual_block``.
- ``efficientnet``: Tan and Le (2019), "EfficientNet: Rethinking Model Scaling for
  Convolutional Neural Networks", ICML, arXiv:1905.11946. The book's ``mbconv_block`` (inverted
  residual with squeeze-and-excitation and swish).
- ``conv_bn``: Ioffe and Szegedy (2015), "Batch Normalization: Accelerating Deep Network
  Training by Reducing Internal Covariate Shift", ICML, arXiv:1502.03167.

``multiplications`` counts the multiply-adds of one forward pass from the built model
(``cnnbook.inspection.keras_layer_mults``); ``latency`` times the forward pass per image
(``cnnbook.timing``), for the chapter and for ``bench/head_to_head.py``, whose results
``render_head_to_head`` shows. Keras is imported inside the functions, so the renderer loads
no TensorFlow (``python -m bench`` reads its section table before ``cnnbook.setup()``).

Taught in *The case studies head to head*.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from typing import TYPE_CHECKING

from cnnbook.timing import Timing, spread, time_call

if TYPE_CHECKING:  # Keras loads inside the functions: the renderer needs no TensorFlow
    import keras

BN_MOMENTUM = 0.9
INPUT_SHAPE = (32, 32, 3)


def _same_bn_momentum(model: keras.Model) -> keras.Model:
    """``model`` with every BatchNormalization layer at ``BN_MOMENTUM`` (call before compile)."""
    from keras import layers

    for layer in model.layers:
        if isinstance(layer, layers.BatchNormalization):
            layer.momentum = BN_MOMENTUM
    return model


def _classifier(x, classes: int, dropout: float = 0.0):
    """Global average pooling, optional dropout, and a dense softmax layer."""
    from keras import layers

    x = layers.GlobalAveragePooling2D(name="avg_pool")(x)
    if dropout:
        x = layers.Dropout(dropout, name="top_dropout")(x)
    return layers.Dense(classes, activation="softmax", name="predictions")(x)


def conv_bn(
    x,
    filters: int,
    kernel_size: int,
    strides: int = 1,
    padding="same",
    *,
    name: str,
    batch_norm: bool = True,
):
    """A convolution without bias, batch normalisation, then a ReLU: the unit of every design.

    Ioffe and Szegedy (2015), "Batch Normalization: Accelerating Deep Network Training by
    Reducing Internal Covariate Shift", ICML, arXiv:1502.03167, put the normalisation between
    a convolution and its non-linearity; its learned shift makes the convolution's bias
    redundant. ``batch_norm=False`` gives the papers' unit instead: a convolution with a bias
    and its ReLU.
    """
    from keras import layers

    if not batch_norm:
        return layers.Conv2D(
            filters, kernel_size, strides=strides, padding=padding, activation="relu", name=name
        )(x)
    x = layers.Conv2D(
        filters, kernel_size, strides=strides, padding=padding, use_bias=False, name=name
    )(x)
    x = layers.BatchNormalization(momentum=BN_MOMENTUM, name=f"{name}_bn")(x)
    return layers.ReLU(name=f"{name}_relu")(x)


def lenet(input_shape=INPUT_SHAPE, classes: int = 10, batch_norm: bool = True) -> keras.Model:
    """LeNet-5 (LeCun et al. 1998), the layers of the book's ``lenet5``: conv-pool-conv-pool-dense.

    Two 5x5 'valid' convolutions (6 and 16 filters, ``conv_bn``) each followed by 2x2 max
    pooling, then dense layers of 120 and 84 units with ReLU: the only network here that ends
    in a stack of dense layers on the flattened map, which holds most of its parameters.
    """
    import keras
    from keras import layers

    inputs = keras.Input(shape=tuple(input_shape), name="image")
    x = conv_bn(inputs, 6, 5, padding="valid", name="c1_conv", batch_norm=batch_norm)
    x = layers.MaxPooling2D(2, strides=2, name="s2_pool")(x)
    x = conv_bn(x, 16, 5, padding="valid", name="c3_conv", batch_norm=batch_norm)
    x = layers.MaxPooling2D(2, strides=2, name="s4_pool")(x)
    x = layers.Flatten(name="flatten")(x)
    x = layers.Dense(120, activation="relu", name="f5_dense")(x)
    x = layers.Dense(84, activation="relu", name="f6_dense")(x)
    x = layers.Dense(classes, activation="softmax", name="predictions")(x)
    return keras.Model(inputs, x, name="lenet")


def alexnet(
    input_shape=INPUT_SHAPE, classes: int = 10, dropout: float = 0.0, batch_norm: bool = True
) -> keras.Model:
    """An AlexNet-style network (Krizhevsky et al. 2012), one stream, scaled down.

    As the paper: an 11x11 first convolution at stride 4, overlapping 3x3 stride-2 max pooling
    after the first, second and fifth convolutions, a 5x5 second convolution and three 3x3
    ones, ReLU everywhere, then two dense layers with dropout before each. Scaled: 24, 48, 64,
    64, 48 filters instead of 96, 256, 384, 384, 256; 128 dense units instead of 4,096; 'same'
    padding throughout so a 32-pixel input still leaves a map after three poolings. Batch
    normalisation after every convolution (``conv_bn``) takes the place of the paper's local
    response normalisation, as in every design here.
    """
    import keras
    from keras import layers

    inputs = keras.Input(shape=tuple(input_shape), name="image")
    x = conv_bn(inputs, 24, 11, strides=4, name="conv1", batch_norm=batch_norm)
    x = layers.MaxPooling2D(3, strides=2, padding="same", name="pool1")(x)
    x = conv_bn(x, 48, 5, name="conv2", batch_norm=batch_norm)
    x = layers.MaxPooling2D(3, strides=2, padding="same", name="pool2")(x)
    for index, filters in ((3, 64), (4, 64), (5, 48)):
        x = conv_bn(x, filters, 3, name=f"conv{index}", batch_norm=batch_norm)
    x = layers.MaxPooling2D(3, strides=2, padding="same", name="pool5")(x)
    x = layers.Flatten(name="flatten")(x)
    if dropout:
        x = layers.Dropout(dropout, name="dropout6")(x)
    x = layers.Dense(128, activation="relu", name="fc6")(x)
    if dropout:
        x = layers.Dropout(dropout, name="dropout7")(x)
    x = layers.Dense(128, activation="relu", name="fc7")(x)
    x = layers.Dense(classes, activation="softmax", name="predictions")(x)
    return keras.Model(inputs, x, name="alexnet")


VGG_STAGES = ((8, 8), (16, 16), (32, 32))


def vgg(
    input_shape=INPUT_SHAPE, classes: int = 10, stages=VGG_STAGES, batch_norm: bool = True
) -> keras.Model:
    """A VGG-style network (Simonyan and Zisserman 2014), scaled down.

    As the paper: stages of 3x3 'same' convolutions with ReLU, each stage closed by 2x2
    stride-2 max pooling and doubling the filters, then dense layers on the flattened map.
    Scaled: three stages of two convolutions (8, 16, 32 filters) instead of five stages (64 to
    512), and two dense layers of 64 units instead of 4,096: 9 weight layers. With batch
    normalisation after every convolution (``conv_bn``) it is the later "VGG with BN" variant
    (torchvision's ``vgg16_bn``), which the paper did not have.
    """
    import keras
    from keras import layers

    inputs = keras.Input(shape=tuple(input_shape), name="image")
    x = inputs
    for stage, widths in enumerate(stages, start=1):
        for index, filters in enumerate(widths, start=1):
            x = conv_bn(x, filters, 3, name=f"block{stage}_conv{index}", batch_norm=batch_norm)
        x = layers.MaxPooling2D(2, strides=2, name=f"block{stage}_pool")(x)
    x = layers.Flatten(name="flatten")(x)
    x = layers.Dense(64, activation="relu", name="fc1")(x)
    x = layers.Dense(64, activation="relu", name="fc2")(x)
    x = layers.Dense(classes, activation="softmax", name="predictions")(x)
    return keras.Model(inputs, x, name="vgg")


RESNET_DEPTH = 14
RESNET_WIDTHS = (8, 16, 32)


def resnet(input_shape=INPUT_SHAPE, classes: int = 10) -> keras.Model:
    """A ResNet (He et al. 2015), the book's ``residual_network``: the paper's CIFAR design.

    A 3x3 convolution, then three stages of basic residual blocks (two 3x3 convolutions with
    batch normalisation and a shortcut), 8, 16 and 32 channels (half the paper's), the first
    block of stages 2 and 3 at stride 2 with a projection shortcut, global average pooling and
    a softmax layer:
    ``RESNET_DEPTH`` = 14 weight layers on the main path (n = 2 blocks per stage).
    """
    from cnnbook.models import residual_network

    model = residual_network(
        RESNET_DEPTH,
        input_shape=tuple(input_shape),
        classes=classes,
        widths=RESNET_WIDTHS,
        shortcut="projection",
    )
    model.name = "resnet"
    return _same_bn_momentum(model)


# (1x1, 3x3 reduce, 3x3, 5x5 reduce, 5x5, pool projection) of the three modules, about an
# eighth of GoogLeNet's 3a, 3b and 4a.
INCEPTION_MODULES = (
    (8, 8, 16, 2, 4, 4),
    (16, 12, 24, 4, 8, 8),
    (24, 16, 32, 4, 8, 8),
)


def inception_module(
    x,
    filters_1x1: int,
    filters_3x3_reduce: int,
    filters_3x3: int,
    filters_5x5_reduce: int,
    filters_5x5: int,
    filters_pool_proj: int,
    name: str = "inception",
    batch_norm: bool = True,
):
    """The book's ``cnnbook.models.inception.inception_module`` with ``conv_bn`` convolutions.

    The same four branches (Szegedy et al. 2014, Figure 2(b)): a 1x1 convolution, 1x1 then
    3x3, 1x1 then 5x5, and 3x3 max pooling at stride 1 then a 1x1 projection, concatenated
    along the channels. Batch normalisation after each convolution is what Ioffe and Szegedy
    (2015) added to GoogLeNet (their BN-Inception, which also replaced each 5x5 by two 3x3s;
    the 5x5 is kept here).
    """
    from keras import layers

    branch_1 = conv_bn(x, filters_1x1, 1, name=f"{name}_1x1", batch_norm=batch_norm)
    branch_3 = conv_bn(x, filters_3x3_reduce, 1, name=f"{name}_3x3_reduce", batch_norm=batch_norm)
    branch_3 = conv_bn(branch_3, filters_3x3, 3, name=f"{name}_3x3", batch_norm=batch_norm)
    branch_5 = conv_bn(x, filters_5x5_reduce, 1, name=f"{name}_5x5_reduce", batch_norm=batch_norm)
    branch_5 = conv_bn(branch_5, filters_5x5, 5, name=f"{name}_5x5", batch_norm=batch_norm)
    pool = layers.MaxPooling2D(3, strides=1, padding="same", name=f"{name}_pool")(x)
    pool = conv_bn(pool, filters_pool_proj, 1, name=f"{name}_pool_proj", batch_norm=batch_norm)
    return layers.Concatenate(name=f"{name}_concat")([branch_1, branch_3, branch_5, pool])


def inception(
    input_shape=INPUT_SHAPE, classes: int = 10, dropout: float = 0.0, batch_norm: bool = True
) -> keras.Model:
    """A GoogLeNet-style network (Szegedy et al. 2014) of Inception modules.

    As the paper: a convolutional stem, Inception modules (1x1, 1x1-3x3, 1x1-5x5 and pool-1x1
    branches concatenated), a 3x3 stride-2 max pool between stages, global average pooling,
    dropout and a softmax layer. Scaled: a single 5x5 stride-2 stem convolution of 32 filters
    (GoogLeNet's stem, 7x7/2 convolution, pooling and 3x3 convolution, shrinks the image 8
    times), three modules (``INCEPTION_MODULES``) instead of nine, no auxiliary classifiers.
    With batch normalisation after every convolution (``conv_bn``, ``inception_module``) it is
    closer to BN-Inception (Ioffe and Szegedy 2015) than to the first GoogLeNet.
    """
    import keras
    from keras import layers

    inputs = keras.Input(shape=tuple(input_shape), name="image")
    x = conv_bn(inputs, 32, 5, strides=2, name="stem_conv", batch_norm=batch_norm)
    x = inception_module(x, *INCEPTION_MODULES[0], name="inception_3a", batch_norm=batch_norm)
    x = inception_module(x, *INCEPTION_MODULES[1], name="inception_3b", batch_norm=batch_norm)
    x = layers.MaxPooling2D(3, strides=2, padding="same", name="pool_3")(x)
    x = inception_module(x, *INCEPTION_MODULES[2], name="inception_4a", batch_norm=batch_norm)
    x = _classifier(x, classes, dropout)
    return keras.Model(inputs, x, name="inception")


# (expansion, output channels, stride) per block, after Table 2 of Sandler et al. (2018) with
# fewer channels and blocks.
MOBILENET_V2_BLOCKS = (
    (1, 16, 1),
    (6, 24, 2),
    (6, 24, 1),
    (6, 40, 2),
    (6, 40, 1),
)


def mobilenet_v2(input_shape=INPUT_SHAPE, classes: int = 10) -> keras.Model:
    """A MobileNetV2-style network (Sandler et al. 2018) of the book's ``inverted_residual_block``.

    As the paper: a full 3x3 convolution (BN, ReLU6), inverted residual blocks (1x1 expansion
    by 6, 3x3 depthwise convolution, linear 1x1 projection, a shortcut where the shape allows),
    a 1x1 convolution to a wide feature map, global average pooling and a softmax layer.
    Scaled: a stem of 16 filters at stride 2 (as the paper's 32), five blocks
    (``MOBILENET_V2_BLOCKS``: 16x16, 8x8 and 4x4 maps at 32 pixels) instead of seventeen, a
    last 1x1 convolution of 160 channels instead of 1,280.
    """
    import keras
    from keras import layers

    from cnnbook.models.mobilenet import inverted_residual_block

    inputs = keras.Input(shape=tuple(input_shape), name="image")
    x = layers.Conv2D(16, 3, strides=2, padding="same", use_bias=False, name="conv1")(inputs)
    x = layers.BatchNormalization(name="conv1_bn")(x)
    x = layers.ReLU(6.0, name="conv1_relu")(x)
    for index, (expansion, filters, stride) in enumerate(MOBILENET_V2_BLOCKS, start=1):
        x = inverted_residual_block(x, expansion, filters, stride, name=f"block_{index}")
    x = layers.Conv2D(160, 1, use_bias=False, name="conv_last")(x)
    x = layers.BatchNormalization(name="conv_last_bn")(x)
    x = layers.ReLU(6.0, name="conv_last_relu")(x)
    x = _classifier(x, classes)
    return _same_bn_momentum(keras.Model(inputs, x, name="mobilenet_v2"))


# (output channels, kernel size, stride, expansion) per block, after EfficientNet-B0's stages
# 1-5 with fewer channels and blocks.
EFFICIENTNET_BLOCKS = (
    (16, 3, 1, 1),
    (24, 3, 2, 6),
    (24, 3, 1, 6),
    (40, 5, 2, 6),
    (40, 5, 1, 6),
)


def efficientnet(input_shape=INPUT_SHAPE, classes: int = 10, dropout: float = 0.0) -> keras.Model:
    """An EfficientNet-style network (Tan and Le 2019) of the book's ``mbconv_block``.

    As B0: a 3x3 stem convolution (BN, swish), MBConv blocks (an inverted residual with
    squeeze-and-excitation at a quarter of the input channels, 3x3 or 5x5 depthwise kernels),
    a 1x1 head convolution, global average pooling, dropout and a softmax layer. Scaled: the
    same widths and strides as ``mobilenet_v2`` here (so the two differ by squeeze-and-
    excitation, swish and the 5x5 kernels of blocks 4 and 5), five blocks instead of sixteen,
    no stochastic depth; compound scaling itself is not what this network tests.
    """
    import keras
    from keras import layers

    from cnnbook.models.efficientnet import mbconv_block

    inputs = keras.Input(shape=tuple(input_shape), name="image")
    x = layers.Conv2D(16, 3, strides=2, padding="same", use_bias=False, name="stem_conv")(inputs)
    x = layers.BatchNormalization(name="stem_bn")(x)
    x = layers.Activation("swish", name="stem_activation")(x)
    for index, (filters, kernel, stride, expansion) in enumerate(EFFICIENTNET_BLOCKS, start=1):
        x = mbconv_block(x, filters, kernel, stride, expansion, name=f"block{index}")
    x = layers.Conv2D(160, 1, use_bias=False, name="top_conv")(x)
    x = layers.BatchNormalization(name="top_bn")(x)
    x = layers.Activation("swish", name="top_activation")(x)
    x = _classifier(x, classes, dropout)
    return _same_bn_momentum(keras.Model(inputs, x, name="efficientnet"))


# The families in the order of the case studies, with the names the chapter prints.
NETWORKS: dict[str, Callable[..., keras.Model]] = {
    "LeNet-5": lenet,
    "AlexNet": alexnet,
    "VGG": vgg,
    "ResNet": resnet,
    "Inception": inception,
    "MobileNetV2": mobilenet_v2,
    "EfficientNet": efficientnet,
}

# What each scaled network keeps of its family's design (the chapter's table of designs).
DESIGNS = {
    "LeNet-5": "conv-pool-conv-pool, then dense layers",
    "AlexNet": "11x11 stride-4 first conv, 5 convs",
    "VGG": "stacks of 3x3 convs",
    "ResNet": "basic residual blocks",
    "Inception": "parallel 1x1/3x3/5x5/pool branches",
    "MobileNetV2": "inverted residuals, depthwise 3x3",
    "EfficientNet": "MBConv with squeeze-and-excitation",
}


def build(name: str, input_shape=INPUT_SHAPE, classes: int = 10) -> keras.Model:
    """The network ``name`` (a key of ``NETWORKS``)."""
    if name not in NETWORKS:
        raise ValueError(f"network must be one of {tuple(NETWORKS)}, got {name!r}")
    return NETWORKS[name](input_shape=input_shape, classes=classes)


def multiplications(model: keras.Model) -> int:
    """Multiplications of one forward pass of one image through ``model``'s weight layers.

    The sum of ``cnnbook.inspection.keras_layer_mults`` over its convolutions (full and
    depthwise) and dense layers, including the squeeze-and-excitation 1x1 convolutions. Batch
    normalisation, pooling and the excitation's channel-wise product are left out: they are a
    small share, as in the papers' counts.
    """
    import keras

    from cnnbook.inspection import keras_layer_mults

    total = 0
    for layer in model.layers:
        if isinstance(layer, keras.Model):
            total += multiplications(layer)
        else:
            total += keras_layer_mults(layer)
    return int(total)


def describe(model: keras.Model) -> dict:
    """Parameters (Keras's ``count_params``), weight layers, multiplications and layer count."""
    from cnnbook.inspection import weight_layers

    return {
        "parameters": int(model.count_params()),
        "weight layers": weight_layers(model),
        "multiplications": multiplications(model),
        "layers": len(model.layers),
    }


def latency(
    model: keras.Model,
    batch: int = 1,
    repeats: int = 20,
    number: int = 10,
    warmup: int = 3,
    seed: int = 0,
    device: str | None = None,
) -> Timing:
    """Inference seconds per image: ``repeats`` timings of ``number`` forward passes of a batch.

    Each timing runs the model ``number`` times on one batch of ``batch`` random images of its
    input shape, in inference mode, as one TensorFlow graph (``tf.function``, no XLA), waits
    for the result, and is divided by ``number * batch``; the ``warmup`` calls trace the graph.
    ``device`` is a TensorFlow device name (``"/CPU:0"``); ``None`` leaves the placement to
    TensorFlow (a GPU where there is one). Compare the medians (``Timing.median``).
    """
    import numpy as np
    import tensorflow as tf

    for what, value in (("batch", batch), ("repeats", repeats), ("number", number)):
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise ValueError(f"{what} must be a whole number of at least 1, got {value!r}")
    shape = tuple(model.input.shape[1:])
    pixels = np.random.default_rng(seed).uniform(size=(batch, *shape)).astype("float32")
    placement = tf.device(device) if device else contextlib.nullcontext()
    with placement:
        images = tf.constant(pixels)
        forward = tf.function(lambda x: model(x, training=False), jit_compile=False)

        def passes():
            for _ in range(number):
                out = forward(images)
            return out.numpy()  # wait for the last one, as a caller would

        timing = time_call(passes, repeats=repeats, warmup=warmup)
    return Timing(tuple(seconds / (number * batch) for seconds in timing.seconds))


def latency_rows(section: dict) -> dict[str, dict[int, dict]]:
    """A benchmark section's rows by network, then by batch size."""
    rows: dict[str, dict[int, dict]] = {}
    for row in section["rows"]:
        rows.setdefault(row["network"], {})[int(row["batch"])] = row
    return rows


def render_head_to_head(section: dict, machine: dict) -> list[str]:
    """The benchmark section ``head_to_head`` (``bench/head_to_head.py``) as markdown lines.

    One row per network: parameters, multiply-adds and Keras layers of the built model, then
    its inference time per image (median of the repeats, in milliseconds, with the spread) at
    each batch size measured.
    """
    from cnnbook.benchmarks import recorded, table

    by_network = latency_rows(section)
    batches = sorted({int(row["batch"]) for row in section["rows"]})
    header = ["network", "parameters", "multiply-adds", "Keras layers"]
    header += [f"batch {b}: ms per image (spread)" for b in batches]
    rows = []
    for network, by_batch in by_network.items():
        first = next(iter(by_batch.values()))
        cells = [network, f"{first['parameters']:,}", f"{first['multiplications']:,}"]
        cells.append(f"{first['layers']:,}")
        for b in batches:
            row = by_batch.get(b)
            cells.append(
                "-"
                if row is None
                else f"{row['median'] * 1e3:.3f} ({spread(row['seconds_per_image']):.0%})"
            )
        rows.append(cells)
    size = section.get("input", "?")
    lines = recorded(section, machine)
    lines += [
        f"Inference of the chapter's seven networks at {size}x{size} pixels on the "
        f"{section.get('device', 'CPU')}, untrained weights (the time does not depend on "
        f"them), {section.get('repeats', '?')} timings of {section.get('number', '?')} forward "
        "passes each; milliseconds per image are medians.",
        "",
    ]
    return lines + table(header, rows)
