"""The cost of a whole built Keras model: its multiply-adds and the parameters of its weights.

``multiply_adds(model)`` adds up, over every layer of a built model (nested models included),
the multiplications of one forward pass of one image, read from each layer's kernel and output
shape by ``cnnbook.inspection.keras_layer_mults``. One multiplication and the addition that
accumulates it make one multiply-add, so this is also the number of multiply-adds ("MACs").
Papers print this number under several names: "mult-adds" (MobileNet), "FLOPs" (ResNet,
EfficientNet, which count one multiply-add as one operation), "ops" (GoogLeNet). Some later
papers count a multiply-add as two floating-point operations: their FLOPs are twice this.

Counted, per output position and image:

- ``Conv1D``, ``Conv2D``, ``Conv3D``, grouped or not: the kernel's size (its input channels are
  already divided by the groups) times the output positions. A 1x1 convolution on a 1x1 map
  counts as the dense layer it is (MobileNet v1's classifier, the squeeze-and-excitation
  layers of EfficientNet).
- ``DepthwiseConv1D``, ``DepthwiseConv2D``: one window per input channel and multiplier.
- ``SeparableConv1D``, ``SeparableConv2D``: the depthwise step plus the pointwise 1x1 step.
- ``Dense``: inputs times units (per position, if the input still has positions).

Not counted: the additions of biases, batch normalisation (at inference it folds into the
convolution before it), activations, pooling, the additions of residual shortcuts,
element-wise products (squeeze-and-excitation's re-weighting), resizing, rescaling and
normalisation of the input, local response normalisation. These are element-wise: together a
few percent of the multiply-adds of the networks of this book, and papers leave them out too.
Transposed convolutions are refused rather than counted wrongly.

``weight_parameters(model)`` counts the kernels and biases of the same layers, leaving out
batch normalisation's four numbers per channel (two learned, two running statistics) and the
input normalisation's statistics, which ``model.count_params()`` includes. Taught in the
appendix *Costs against the papers*.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import keras

from cnnbook.inspection import count_params, keras_layer_mults

CONVOLUTIONS = ("Conv1D", "Conv2D", "Conv3D", "DepthwiseConv1D", "DepthwiseConv2D")
SEPARABLE = ("SeparableConv1D", "SeparableConv2D")
COUNTED = (*CONVOLUTIONS, *SEPARABLE, "Dense")


def _layers(model: keras.Model):
    """Every layer of ``model``, the layers of nested models in their place."""
    for layer in model.layers:
        if isinstance(layer, keras.Model):
            yield from _layers(layer)
        else:
            yield layer


def layer_multiply_adds(layer) -> int:
    """Multiply-adds of one built layer for one image (0 for layers that ``COUNTED`` omits)."""
    kind = type(layer).__name__
    if kind not in COUNTED:
        if getattr(layer, "kernel", None) is not None:
            raise ValueError(
                f"layer {layer.name!r} ({kind}) has a kernel but no multiply-add rule here; "
                f"only {', '.join(COUNTED)} are counted"
            )
        return 0
    if kind in SEPARABLE:
        positions = math.prod(d for d in layer.output.shape[1:-1])
        return keras_layer_mults(layer) + positions * math.prod(layer.pointwise_kernel.shape)
    return keras_layer_mults(layer)


def multiply_adds(model: keras.Model) -> int:
    """Multiply-adds of one forward pass of one image through every layer of ``model``.

    All outputs' layers are counted: a model with auxiliary heads (GoogLeNet with
    ``aux_classifiers=True``) counts them too. What is and is not counted: see the module.
    """
    return sum(layer_multiply_adds(layer) for layer in _layers(model))


def weight_parameters(model: keras.Model) -> int:
    """Kernels and biases of the convolution and dense layers of ``model`` (no BN statistics)."""
    return sum(layer.count_params() for layer in _layers(model) if type(layer).__name__ in COUNTED)


@dataclass(frozen=True)
class ModelCost:
    """What one built model costs: its parameters, counted three ways, and its multiply-adds."""

    name: str
    input_size: int
    parameters: int  # model.count_params(): BN's running statistics included
    trainable_parameters: int  # what training learns: kernels, biases, BN's scale and shift
    weight_parameters: int  # kernels and biases of the convolution and dense layers only
    multiply_adds: int


def model_cost(model: keras.Model) -> ModelCost:
    """The ``ModelCost`` of a built model with a square input (its height is the input size)."""
    return ModelCost(
        name=model.name,
        input_size=int(model.input_shape[1]),
        parameters=int(model.count_params()),
        trainable_parameters=count_params(model.trainable_weights),
        weight_parameters=weight_parameters(model),
        multiply_adds=multiply_adds(model),
    )
