"""Seven case-study families scaled down to the book's photos, for one head-to-head comparison.

Each builder returns a small, uncompiled Keras model for ``input_shape`` (32x32x3 in the
chapter) and ``classes`` outputs with a softmax, and keeps the one idea that defines its family.
Where the book's own builder or block fits at this size it is used as it is (``lenet5``,
``residual_network``, ``inception_module``, ``inverted_residual_block``, ``mbconv_block``); the
others are written here from the same layers. Channel counts are chosen so that every network
has between about 30,000 and 160,000 parameters (``NETWORKS`` lists them; the chapter prints
the exact counts), far below the millions of the published networks.

- ``lenet``: LeCun, Bottou, Bengio and Haffner (1998), "Gradient-Based Learning Applied to
  Document Recognition", Proc. IEEE 86(11), doi:10.1109/5.726791. The book's ``lenet5``.
- ``alexnet``: Krizhevsky, Sutskever and Hinton (2012), "ImageNet Classification with Deep
  Convolutional Neural Networks", NeurIPS 25. A large stride-4 first convolution, five
  convolutions, overlapping max pooling, two dropout-regularised dense layers.
- ``vgg``: Simonyan and Zisserman (2014), "Very Deep Convolutional Networks for Large-Scale
  Image Recognition", arXiv:1409.1556. Stacks of 3x3 convolutions, no batch normalisation.
- ``resnet``: He, Zhang, Ren and Sun (2015), "Deep Residual Learning for Image Recognition",
  arXiv:1512.03385. The book's ``residual_network`` (basic blocks with batch normalisation).
- ``inception``: Szegedy et al. (2014), "Going Deeper with Convolutions", arXiv:1409.4842.
  The book's ``inception_module`` (four parallel branches), three of them.
- ``mobilenet_v2``: Sandler, Howard, Zhu, Zhmoginov and Chen (2018), "MobileNetV2: Inverted
  Residuals and Linear Bottlenecks", CVPR, arXiv:1801.04381. The book's
  ``inverted_residual_block``.
- ``efficientnet``: Tan and Le (2019), "EfficientNet: Rethinking Model Scaling for
  Convolutional Neural Networks", ICML, arXiv:1905.11946. The book's ``mbconv_block`` (inverted
  residual with squeeze-and-excitation and swish).

Every batch normalisation layer gets the same moving-average momentum (``BN_MOMENTUM``): the
book's MobileNet blocks use Keras's 0.999, whose averages would still be far from the data's
statistics after a few hundred training steps, and the comparison would measure that instead.

``multiplications`` counts the multiplications of one forward pass from the built model
(``cnnbook.inspection.keras_layer_mults``); ``latency`` times one image's forward pass
(``cnnbook.timing``).

Taught in *The case studies head to head*.
"""

from __future__ import annotations

from collections.abc import Callable

import keras
import numpy as np
from keras import layers

from cnnbook.inspection import keras_layer_mults, weight_layers
from cnnbook.models import lenet5, residual_network
from cnnbook.models.efficientnet import mbconv_block
from cnnbook.models.inception import inception_module
from cnnbook.models.mobilenet import inverted_residual_block
from cnnbook.timing import Timing, time_call

BN_MOMENTUM = 0.9
INPUT_SHAPE = (32, 32, 3)


def _same_bn_momentum(model: keras.Model) -> keras.Model:
    """``model`` with every BatchNormalization layer at ``BN_MOMENTUM`` (call before compile)."""
    for layer in model.layers:
        if isinstance(layer, layers.BatchNormalization):
            layer.momentum = BN_MOMENTUM
    return model


def _classifier(x, classes: int, dropout: float = 0.0):
    """Global average pooling, optional dropout, and a dense softmax layer."""
    x = layers.GlobalAveragePooling2D(name="avg_pool")(x)
    if dropout:
        x = layers.Dropout(dropout, name="top_dropout")(x)
    return layers.Dense(classes, activation="softmax", name="predictions")(x)


def lenet(input_shape=INPUT_SHAPE, classes: int = 10) -> keras.Model:
    """LeNet-5 (LeCun et al. 1998), the book's ``lenet5`` unchanged: conv-pool-conv-pool-dense.

    Two 5x5 'valid' convolutions (6 and 16 filters) each followed by 2x2 max pooling, then
    dense layers of 120 and 84 units: the only network here that ends in a stack of dense
    layers on the flattened map, which holds most of its parameters.
    """
    return lenet5(input_shape=tuple(input_shape), classes=classes, name="lenet")


def alexnet(input_shape=INPUT_SHAPE, classes: int = 10, dropout: float = 0.5) -> keras.Model:
    """An AlexNet-style network (Krizhevsky et al. 2012), one stream, scaled down.

    As the paper: an 11x11 first convolution at stride 4, overlapping 3x3 stride-2 max pooling
    after the first, second and fifth convolutions, a 5x5 second convolution and three 3x3
    ones, ReLU everywhere, then two dense layers with dropout before each. Scaled: 24, 48, 64,
    64, 48 filters instead of 96, 256, 384, 384, 256; 128 dense units instead of 4,096; 'same'
    padding throughout so a 32-pixel input still leaves a map after three poolings; no local
    response normalisation (later work found it did not help).
    """
    inputs = keras.Input(shape=tuple(input_shape), name="image")
    x = layers.Conv2D(24, 11, strides=4, padding="same", activation="relu", name="conv1")(inputs)
    x = layers.MaxPooling2D(3, strides=2, padding="same", name="pool1")(x)
    x = layers.Conv2D(48, 5, padding="same", activation="relu", name="conv2")(x)
    x = layers.MaxPooling2D(3, strides=2, padding="same", name="pool2")(x)
    for index, filters in ((3, 64), (4, 64), (5, 48)):
        x = layers.Conv2D(filters, 3, padding="same", activation="relu", name=f"conv{index}")(x)
    x = layers.MaxPooling2D(3, strides=2, padding="same", name="pool5")(x)
    x = layers.Flatten(name="flatten")(x)
    x = layers.Dropout(dropout, name="dropout6")(x)
    x = layers.Dense(128, activation="relu", name="fc6")(x)
    x = layers.Dropout(dropout, name="dropout7")(x)
    x = layers.Dense(128, activation="relu", name="fc7")(x)
    x = layers.Dense(classes, activation="softmax", name="predictions")(x)
    return keras.Model(inputs, x, name="alexnet")


VGG_STAGES = ((8, 8), (16, 16), (32, 32))


def vgg(input_shape=INPUT_SHAPE, classes: int = 10, stages=VGG_STAGES) -> keras.Model:
    """A VGG-style network (Simonyan and Zisserman 2014), scaled down.

    As the paper: stages of 3x3 'same' convolutions with ReLU, each stage closed by 2x2
    stride-2 max pooling and doubling the filters, no batch normalisation, then dense layers on
    the flattened map. Scaled: three stages of two convolutions (8, 16, 32 filters) instead of
    five stages (64 to 512), and two dense layers of 64 units instead of 4,096: 9 weight layers.
    """
    inputs = keras.Input(shape=tuple(input_shape), name="image")
    x = inputs
    for stage, widths in enumerate(stages, start=1):
        for index, filters in enumerate(widths, start=1):
            x = layers.Conv2D(
                filters, 3, padding="same", activation="relu", name=f"block{stage}_conv{index}"
            )(x)
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


def inception(input_shape=INPUT_SHAPE, classes: int = 10) -> keras.Model:
    """A GoogLeNet-style network (Szegedy et al. 2014) built from the book's ``inception_module``.

    As the paper: a convolutional stem with max pooling, Inception modules (1x1, 1x1-3x3,
    1x1-5x5 and pool-1x1 branches concatenated), a 3x3 stride-2 max pool between stages,
    global average pooling, dropout and a softmax layer, no batch normalisation (it came with
    Inception v2). Scaled: a single 5x5 stride-2 stem convolution of 32 filters (GoogLeNet's
    stem, 7x7/2 convolution, pooling and 3x3 convolution, shrinks the image 8 times), three modules
    (``INCEPTION_MODULES``) instead of nine, no auxiliary classifiers.
    """
    inputs = keras.Input(shape=tuple(input_shape), name="image")
    x = layers.Conv2D(32, 5, strides=2, padding="same", activation="relu", name="stem_conv")(inputs)
    x = inception_module(x, *INCEPTION_MODULES[0], name="inception_3a")
    x = inception_module(x, *INCEPTION_MODULES[1], name="inception_3b")
    x = layers.MaxPooling2D(3, strides=2, padding="same", name="pool_3")(x)
    x = inception_module(x, *INCEPTION_MODULES[2], name="inception_4a")
    x = _classifier(x, classes, dropout=0.4)
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


def efficientnet(input_shape=INPUT_SHAPE, classes: int = 10) -> keras.Model:
    """An EfficientNet-style network (Tan and Le 2019) of the book's ``mbconv_block``.

    As B0: a 3x3 stem convolution (BN, swish), MBConv blocks (an inverted residual with
    squeeze-and-excitation at a quarter of the input channels, 3x3 or 5x5 depthwise kernels),
    a 1x1 head convolution, global average pooling, dropout and a softmax layer. Scaled: the
    same widths and strides as ``mobilenet_v2`` here (so the two differ by squeeze-and-
    excitation, swish and the 5x5 kernels of blocks 4 and 5), five blocks instead of sixteen,
    no stochastic depth; compound scaling itself is not what this network tests.
    """
    inputs = keras.Input(shape=tuple(input_shape), name="image")
    x = layers.Conv2D(16, 3, strides=2, padding="same", use_bias=False, name="stem_conv")(inputs)
    x = layers.BatchNormalization(name="stem_bn")(x)
    x = layers.Activation("swish", name="stem_activation")(x)
    for index, (filters, kernel, stride, expansion) in enumerate(EFFICIENTNET_BLOCKS, start=1):
        x = mbconv_block(x, filters, kernel, stride, expansion, name=f"block{index}")
    x = layers.Conv2D(160, 1, use_bias=False, name="top_conv")(x)
    x = layers.BatchNormalization(name="top_bn")(x)
    x = layers.Activation("swish", name="top_activation")(x)
    x = _classifier(x, classes, dropout=0.2)
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
    "AlexNet": "11x11 stride-4 first conv, 5 convs, dropout",
    "VGG": "stacks of 3x3 convs, no BN",
    "ResNet": "basic residual blocks with BN",
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
    total = 0
    for layer in model.layers:
        if isinstance(layer, keras.Model):
            total += multiplications(layer)
        else:
            total += keras_layer_mults(layer)
    return int(total)


def describe(model: keras.Model) -> dict:
    """Parameters (Keras's ``count_params``), weight layers, multiplications and layer count."""
    return {
        "parameters": int(model.count_params()),
        "weight layers": weight_layers(model),
        "multiplications": multiplications(model),
        "layers": len(model.layers),
    }


def latency(model: keras.Model, repeats: int = 20, warmup: int = 3, seed: int = 0) -> Timing:
    """Wall-clock time of one forward pass of a single image, ``repeats`` times.

    The model runs on the CPU (even where a GPU exists) as one TensorFlow graph
    (``tf.function``, no XLA), in inference mode, on a random image of the model's input shape;
    the warm-up calls trace it.
    """
    import tensorflow as tf

    shape = tuple(model.input.shape[1:])
    pixels = np.random.default_rng(seed).uniform(size=(1, *shape)).astype("float32")
    with tf.device("/CPU:0"):
        image = tf.constant(pixels)
        forward = tf.function(lambda x: model(x, training=False), jit_compile=False)
        return time_call(lambda: forward(image).numpy(), repeats=repeats, warmup=warmup)
