"""Model builders, one module per family; each builder cites the paper it follows.

Every builder takes the keyword arguments of ``keras.applications`` with Keras's meanings, in
Keras's order: ``include_top``, ``input_shape``, ``pooling`` (``None``, ``"avg"`` or ``"max"``,
applied without the top), ``classes``; then its own options. Without the top, every builder
returns its last feature map. The arguments are checked in one place,
``cnnbook.models.arguments``. Chapters import the builders from here:
``from cnnbook.models import resnet50``.
"""

from cnnbook.models.classic import alexnet, lenet5, vgg11, vgg13, vgg16, vgg19
from cnnbook.models.efficientnet import (
    efficientnet,
    efficientnet_b0,
    efficientnet_b1,
    efficientnet_b2,
    efficientnet_b3,
    efficientnet_b4,
    efficientnet_b5,
    efficientnet_b6,
    efficientnet_b7,
)
from cnnbook.models.inception import googlenet
from cnnbook.models.mobilenet import mobilenet_v1, mobilenet_v2
from cnnbook.models.resnet import (
    plain_network,
    residual_network,
    resnet18,
    resnet34,
    resnet50,
    resnet101,
    resnet152,
)

BUILDERS = {
    "lenet5": lenet5,
    "alexnet": alexnet,
    "vgg11": vgg11,
    "vgg13": vgg13,
    "vgg16": vgg16,
    "vgg19": vgg19,
    "googlenet": googlenet,
    "resnet18": resnet18,
    "resnet34": resnet34,
    "resnet50": resnet50,
    "resnet101": resnet101,
    "resnet152": resnet152,
    "mobilenet_v1": mobilenet_v1,
    "mobilenet_v2": mobilenet_v2,
    "efficientnet_b0": efficientnet_b0,
    "efficientnet_b1": efficientnet_b1,
    "efficientnet_b2": efficientnet_b2,
    "efficientnet_b3": efficientnet_b3,
    "efficientnet_b4": efficientnet_b4,
    "efficientnet_b5": efficientnet_b5,
    "efficientnet_b6": efficientnet_b6,
    "efficientnet_b7": efficientnet_b7,
}

__all__ = [*BUILDERS, "efficientnet", "plain_network", "residual_network", "BUILDERS"]
