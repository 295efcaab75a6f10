"""The classic networks: LeNet-5, AlexNet and VGG-11, VGG-13, VGG-16, VGG-19.

Each builder returns an uncompiled Keras functional model and takes the keyword arguments of
``keras.applications`` (``include_top``, ``input_shape``, ``pooling``, ``classes``; see
``cnnbook.models.arguments``). Channels come last. Taught in *Classic networks: LeNet-5,
AlexNet, VGG*.

- ``lenet5``: LeCun, Bottou, Bengio and Haffner (1998), "Gradient-Based Learning Applied to
  Document Recognition", Proceedings of the IEEE 86(11), doi:10.1109/5.726791.
- ``alexnet``: Krizhevsky, Sutskever and Hinton (2012), "ImageNet Classification with Deep
  Convolutional Neural Networks", NeurIPS 25.
- ``vgg11``, ``vgg13``, ``vgg16``, ``vgg19``: Simonyan and Zisserman (2014), "Very Deep
  Convolutional Networks for Large-Scale Image Recognition", arXiv:1409.1556 (ICLR 2015),
  configurations A, B, D and E of its Table 1.
"""

from __future__ import annotations

import keras
from keras import layers, ops

from cnnbook.costs import conv_output_size
from cnnbook.models import arguments
from cnnbook.models.arguments import global_pooling

# Filters per convolution in each of VGG's five stages (configurations A, B, D and E of the
# paper's Table 1; A-LRN and C, with its 1x1 convolutions, are not built).
VGG11_STAGES = ((64,), (128,), (256, 256), (512, 512), (512, 512))
VGG13_STAGES = ((64, 64), (128, 128), (256, 256), (512, 512), (512, 512))
VGG16_STAGES = ((64, 64), (128, 128), (256, 256, 256), (512, 512, 512), (512, 512, 512))
VGG19_STAGES = (
    (64, 64),
    (128, 128),
    (256, 256, 256, 256),
    (512, 512, 512, 512),
    (512, 512, 512, 512),
)


def _lenet5_side(n: int) -> int:
    n = conv_output_size(n, 5)  # C1, valid
    n = conv_output_size(n, 2, s=2)  # S2
    n = conv_output_size(n, 5)  # C3, valid
    return conv_output_size(n, 2, s=2)  # S4


def _alexnet_side(n: int) -> int:
    n = conv_output_size(n, 11, s=4)  # conv1, valid
    n = conv_output_size(n, 3, s=2)  # pool1 (conv2 is 'same')
    n = conv_output_size(n, 3, s=2)  # pool2 (conv3-5 are 'same')
    return conv_output_size(n, 3, s=2)  # pool5


def _vgg_side(n: int) -> int:
    for _ in range(5):
        n = conv_output_size(n, 2, s=2)  # the convolutions are 'same'
    return n


def lenet5(
    *,
    include_top: bool = True,
    input_shape=(32, 32, 1),
    pooling: str | None = None,
    classes: int = 10,
    activation: str = "relu",
    subsampling: str = "max",
    name: str = "lenet5",
) -> keras.Model:
    """LeNet-5 (LeCun, Bottou, Bengio and Haffner, 1998).

    Paper: "Gradient-Based Learning Applied to Document Recognition", Proceedings of the IEEE
    86(11):2278-2324, doi:10.1109/5.726791.

    The layer sizes of the paper: C1 six 5x5 filters (valid), S2 2x2 subsampling, C3 sixteen
    5x5 filters (valid), S4 2x2 subsampling, then 120, 84 and ``classes`` units. With the
    defaults (ReLU, max subsampling, softmax) this is the modern variant with 61,706 parameters.
    Without the top it returns S4's feature map (``pooling``: pooled over height and width).

    ``activation="tanh", subsampling="average"`` gives the original flavour: squashing
    non-linearities and averaging subsampling. It is still a simplification of the paper, which
    also gave each subsampling map a trainable weight and bias followed by a sigmoid, wired C3
    to only some of S2's maps (a fixed connection table, to save computation and break
    symmetry) and ended in radial-basis-function units instead of a softmax.
    """
    shape = arguments.input_shape(input_shape, "LeNet-5", side=_lenet5_side)
    arguments.top(include_top, classes, pooling)
    pools = {"max": layers.MaxPooling2D, "average": layers.AveragePooling2D}
    arguments.one_of("subsampling", subsampling, tuple(pools))
    try:
        keras.activations.get(activation)
    except ValueError:
        raise ValueError(f"activation {activation!r} is not a Keras activation") from None
    pool = pools[subsampling]

    inputs = keras.Input(shape=shape, name="image")
    x = layers.Conv2D(6, 5, activation=activation, name="c1_conv")(inputs)
    x = pool(2, strides=2, name="s2_pool")(x)
    x = layers.Conv2D(16, 5, activation=activation, name="c3_conv")(x)
    x = pool(2, strides=2, name="s4_pool")(x)
    if include_top:
        x = layers.Flatten(name="flatten")(x)
        x = layers.Dense(120, activation=activation, name="c5_dense")(x)
        x = layers.Dense(84, activation=activation, name="f6_dense")(x)
        x = layers.Dense(classes, activation="softmax", name="predictions")(x)
    else:
        x = global_pooling(x, pooling)
    return keras.Model(inputs, x, name=name)


@keras.saving.register_keras_serializable(package="cnnbook")
class LocalResponseNormalization(layers.Layer):
    """Local response normalisation across channels (Krizhevsky et al. 2012, section 3.3).

    Each activation is divided by a power of the summed squares of its ``size`` neighbouring
    channels at the same position: ``b_c = a_c / (k + alpha * sum_j a_j**2) ** beta``, with the
    paper's ``size=5, k=2, alpha=1e-4, beta=0.75``. It has no trainable weights. (Same formula as
    ``tf.nn.local_response_normalization`` with ``depth_radius=size // 2``, ``bias=k``.)
    """

    def __init__(self, size=5, k=2.0, alpha=1e-4, beta=0.75, **kwargs):
        super().__init__(**kwargs)
        if size < 1 or size % 2 == 0:
            raise ValueError(f"size must be a positive odd number of channels, got {size}")
        self.size, self.k, self.alpha, self.beta = size, k, alpha, beta

    def call(self, x):
        radius = self.size // 2
        channels = x.shape[-1]
        squares = ops.pad(ops.square(x), [[0, 0], [0, 0], [0, 0], [radius, radius]])
        total = sum(squares[..., i : i + channels] for i in range(self.size))
        return x / ops.power(self.k + self.alpha * total, self.beta)

    def get_config(self):
        config = super().get_config()
        config.update(size=self.size, k=self.k, alpha=self.alpha, beta=self.beta)
        return config


def alexnet(
    *,
    include_top: bool = True,
    input_shape=(227, 227, 3),
    pooling: str | None = None,
    classes: int = 1000,
    lrn: bool = False,
    grouped: bool = False,
    dropout: float = 0.5,
    name: str = "alexnet",
) -> keras.Model:
    """AlexNet (Krizhevsky, Sutskever and Hinton, 2012), as one stream.

    Paper: "ImageNet Classification with Deep Convolutional Neural Networks", Advances in Neural
    Information Processing Systems 25, pp. 1097-1105.

    Five convolutions (96 11x11 stride 4; 256 5x5; 384, 384, 256 3x3), overlapping 3x3 stride-2
    max pooling after the first, second and fifth, then 4,096, 4,096 and ``classes`` units with
    dropout before the first two dense layers. The input is 227x227 (the paper says 224, but
    only 227 gives its 55x55 first map). With 1,000 classes: 62,378,344 parameters.

    The original was split over two GPUs, each holding half of every layer's filters; conv2, conv4
    and conv5 saw only the maps on their own GPU. ``grouped=True`` reproduces that wiring with
    two-group convolutions (60,965,224 parameters, the paper's "60 million"). ``lrn=True`` adds
    local response normalisation after the first two convolutions, as in the paper; later
    networks dropped it (Simonyan and Zisserman 2014 found that it did not help).
    """
    shape = arguments.input_shape(input_shape, "AlexNet", side=_alexnet_side)
    arguments.top(include_top, classes, pooling)
    arguments.rate("dropout", dropout)
    groups = 2 if grouped else 1

    inputs = keras.Input(shape=shape, name="image")
    x = layers.Conv2D(96, 11, strides=4, activation="relu", name="conv1")(inputs)
    if lrn:
        x = LocalResponseNormalization(name="lrn1")(x)
    x = layers.MaxPooling2D(3, strides=2, name="pool1")(x)
    x = layers.Conv2D(256, 5, padding="same", groups=groups, activation="relu", name="conv2")(x)
    if lrn:
        x = LocalResponseNormalization(name="lrn2")(x)
    x = layers.MaxPooling2D(3, strides=2, name="pool2")(x)
    x = layers.Conv2D(384, 3, padding="same", activation="relu", name="conv3")(x)
    x = layers.Conv2D(384, 3, padding="same", groups=groups, activation="relu", name="conv4")(x)
    x = layers.Conv2D(256, 3, padding="same", groups=groups, activation="relu", name="conv5")(x)
    x = layers.MaxPooling2D(3, strides=2, name="pool5")(x)
    if include_top:
        x = layers.Flatten(name="flatten")(x)
        x = layers.Dropout(dropout, name="dropout6")(x)
        x = layers.Dense(4096, activation="relu", name="fc6")(x)
        x = layers.Dropout(dropout, name="dropout7")(x)
        x = layers.Dense(4096, activation="relu", name="fc7")(x)
        x = layers.Dense(classes, activation="softmax", name="predictions")(x)
    else:
        x = global_pooling(x, pooling)
    return keras.Model(inputs, x, name=name)


def _vgg(stages, network, input_shape, classes, include_top, pooling, name):
    shape = arguments.input_shape(input_shape, network, side=_vgg_side)
    arguments.top(include_top, classes, pooling)
    inputs = keras.Input(shape=shape, name="image")
    x = inputs
    # Layer names follow keras.applications, so its ImageNet weights load by name.
    for stage, widths in enumerate(stages, start=1):
        for index, filters in enumerate(widths, start=1):
            x = layers.Conv2D(
                filters, 3, padding="same", activation="relu", name=f"block{stage}_conv{index}"
            )(x)
        x = layers.MaxPooling2D(2, strides=2, name=f"block{stage}_pool")(x)
    if include_top:
        x = layers.Flatten(name="flatten")(x)
        x = layers.Dense(4096, activation="relu", name="fc1")(x)
        x = layers.Dense(4096, activation="relu", name="fc2")(x)
        x = layers.Dense(classes, activation="softmax", name="predictions")(x)
    else:
        x = global_pooling(x, pooling)
    return keras.Model(inputs, x, name=name)


def vgg11(
    *,
    include_top: bool = True,
    input_shape=(224, 224, 3),
    pooling: str | None = None,
    classes: int = 1000,
    name: str = "vgg11",
) -> keras.Model:
    """VGG-11, configuration A of Simonyan and Zisserman (2014), Table 1.

    Paper: "Very Deep Convolutional Networks for Large-Scale Image Recognition",
    arXiv:1409.1556.

    Eight 3x3 'same' convolutions, one in each of the first two stages and two in each of the
    last three (64, 128, 256, 512, 512 filters), each stage closed by 2x2 stride-2 max pooling,
    then 4,096, 4,096 and ``classes`` units: 11 weight layers, 132,863,336 parameters for
    224x224x3 and 1,000 classes (torchvision's vgg11 has the same). Layer names follow
    ``vgg16``.
    """
    return _vgg(VGG11_STAGES, "VGG-11", input_shape, classes, include_top, pooling, name)


def vgg13(
    *,
    include_top: bool = True,
    input_shape=(224, 224, 3),
    pooling: str | None = None,
    classes: int = 1000,
    name: str = "vgg13",
) -> keras.Model:
    """VGG-13, configuration B of Simonyan and Zisserman (2014), Table 1.

    Paper: "Very Deep Convolutional Networks for Large-Scale Image Recognition",
    arXiv:1409.1556.

    As VGG-11 with two convolutions in each of the first two stages: 13 weight layers,
    133,047,848 parameters for 224x224x3 and 1,000 classes (as torchvision's vgg13).
    """
    return _vgg(VGG13_STAGES, "VGG-13", input_shape, classes, include_top, pooling, name)


def vgg16(
    *,
    include_top: bool = True,
    input_shape=(224, 224, 3),
    pooling: str | None = None,
    classes: int = 1000,
    name: str = "vgg16",
) -> keras.Model:
    """VGG-16, configuration D of Simonyan and Zisserman (2014).

    Paper: "Very Deep Convolutional Networks for Large-Scale Image Recognition",
    arXiv:1409.1556.

    Thirteen 3x3 'same' convolutions in five stages (64, 128, 256, 512, 512 filters), each stage
    closed by 2x2 stride-2 max pooling, then 4,096, 4,096 and ``classes`` units: 16 weight
    layers, 138,357,544 parameters for 224x224x3 and 1,000 classes, the same as
    ``keras.applications.VGG16(weights=None)``. ``pooling`` ("avg"/"max") applies only without
    the top, as in Keras.
    """
    return _vgg(VGG16_STAGES, "VGG-16", input_shape, classes, include_top, pooling, name)


def vgg19(
    *,
    include_top: bool = True,
    input_shape=(224, 224, 3),
    pooling: str | None = None,
    classes: int = 1000,
    name: str = "vgg19",
) -> keras.Model:
    """VGG-19, configuration E of Simonyan and Zisserman (2014).

    Paper: "Very Deep Convolutional Networks for Large-Scale Image Recognition",
    arXiv:1409.1556.

    As VGG-16 with a fourth convolution in each of the last three stages: 19 weight layers,
    143,667,240 parameters for 224x224x3 and 1,000 classes, the same as
    ``keras.applications.VGG19(weights=None)``.
    """
    return _vgg(VGG19_STAGES, "VGG-19", input_shape, classes, include_top, pooling, name)
