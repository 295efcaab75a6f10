"""Receptive fields: which input pixels one position of a feature map can see.

Araujo, Norris and Sim (2019), "Computing Receptive Fields of Convolutional Neural Networks",
Distill, doi:10.23915/distill.00021, give the recurrence this module computes. Along one axis,
layer ``l`` with kernel ``k``, stride ``s`` and dilation ``d`` (an effective kernel of
``d (k - 1) + 1`` pixels) and ``p`` pixels of padding before the first row gives

    r_l = r_{l-1} + d (k_l - 1) j_{l-1}     receptive field, in input pixels
    j_l = j_{l-1} s_l                       jump: input pixels between neighbouring outputs
    a_l = a_{l-1} - p_l j_{l-1}             first input pixel output 0 sees (r_0 = j_0 = 1,
                                            a_0 = 0)

so output ``i`` of layer ``l`` sees input pixels ``a_l + i j_l`` to ``a_l + i j_l + r_l - 1``.
``receptive_field`` runs it over a list of ``(kernel, stride, dilation, padding)`` layers;
``model_receptive_field`` reads the layers of a built Keras model, through its functional graph
(residual additions, Inception concatenations), and takes the union of the regions over every
path. ``influence_map`` measures the same thing by brute force, as the gradient of one output
position with respect to the input, so the tests and the chapter can hold one against the
other.

Taught in *Receptive fields*.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

CONVOLUTIONS = ("Conv2D", "DepthwiseConv2D", "SeparableConv2D")
POOLINGS = ("MaxPooling2D", "AveragePooling2D")
GLOBAL_POOLINGS = ("GlobalAveragePooling2D", "GlobalMaxPooling2D")
# Layers that compute each position from that position alone (or, for the merges, from the same
# position of each input): they leave the receptive field as it is.
POINTWISE = (
    "InputLayer",
    "Activation",
    "ReLU",
    "LeakyReLU",
    "PReLU",
    "ELU",
    "BatchNormalization",
    "Dropout",
    "SpatialDropout2D",
    "GaussianNoise",
    "GaussianDropout",
    "Rescaling",
    "Identity",
    "LocalResponseNormalization",  # cnnbook.models.classic: across channels only
)
CHANNEL_AXIS_ONLY = ("Normalization", "LayerNormalization", "Softmax", "Dense")
MERGES = ("Add", "Subtract", "Multiply", "Average", "Maximum", "Minimum", "Concatenate")


@dataclass(frozen=True)
class ReceptiveField:
    """The receptive field of a feature map along one axis (rows or columns).

    ``size``: input pixels one output position spans; ``jump``: input pixels between two
    neighbouring output positions; ``first``: the first input pixel output position 0 sees
    (negative where it lies in the padding). ``whole_input``: some path to this map went
    through a global pooling (a squeeze-and-excitation gate, say), so every position also
    depends, through that path, on every input pixel; ``size`` counts the other paths.
    """

    size: int
    jump: int
    first: int = 0
    whole_input: bool = False

    @property
    def last(self) -> int:
        """The last input pixel output position 0 sees."""
        return self.first + self.size - 1

    @property
    def start(self) -> float:
        """The centre of output position 0's field, in input pixels (Araujo et al.'s start)."""
        return self.first + (self.size - 1) / 2

    def region(self, i: int) -> tuple[int, int]:
        """First and last input pixel (inclusive) that output position ``i`` sees."""
        return self.first + i * self.jump, self.last + i * self.jump

    def after(self, kernel: int, stride: int = 1, dilation: int = 1, padding: int = 0):
        """The field one layer later: the recurrence of Araujo, Norris and Sim (2019)."""
        for name, value in (("kernel", kernel), ("stride", stride), ("dilation", dilation)):
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ValueError(f"{name} must be a positive integer, got {value!r}")
        if isinstance(padding, bool) or not isinstance(padding, int):
            raise ValueError(f"padding must be an integer number of pixels, got {padding!r}")
        return ReceptiveField(
            size=self.size + dilation * (kernel - 1) * self.jump,
            jump=self.jump * stride,
            first=self.first - padding * self.jump,
            whole_input=self.whole_input,
        )


INPUT = ReceptiveField(size=1, jump=1, first=0)


def _layer_tuple(layer) -> tuple[int, int, int, int]:
    values = tuple(layer) if isinstance(layer, Sequence) else (layer,)
    if not 1 <= len(values) <= 4:
        raise ValueError(
            f"a layer is (kernel, stride, dilation, padding), the last three optional; "
            f"got {layer!r}"
        )
    return (*values, *(1, 1, 0)[len(values) - 1 :])


def receptive_field_steps(layers: Iterable) -> list[ReceptiveField]:
    """The field after each layer of a chain; a layer is ``(kernel, stride, dilation, padding)``.

    Stride, dilation and padding (pixels before the first row) may be left out: ``(3,)`` or
    ``(3, 1)`` is a 3x3 convolution with stride 1. Plain arithmetic, no Keras.
    """
    steps, field = [], INPUT
    for layer in layers:
        kernel, stride, dilation, padding = _layer_tuple(layer)
        field = field.after(kernel, stride, dilation, padding)
        steps.append(field)
    return steps


def receptive_field(layers: Iterable) -> ReceptiveField:
    """The field at the end of a chain of ``(kernel, stride, dilation, padding)`` layers."""
    steps = receptive_field_steps(layers)
    return steps[-1] if steps else INPUT


# --- Reading a built Keras model ---------------------------------------------------------------


class _Global:
    """A tensor with no spatial layout left: every number depends on the whole input."""


GLOBAL = _Global()


def _describe(layer) -> str:
    return f"layer {layer.name!r} ({type(layer).__name__})"


def _spatial_axes(layer) -> tuple[int, int]:
    return (2, 3) if getattr(layer, "data_format", "channels_last") == "channels_first" else (1, 2)


def _channel_axis(layer) -> int:
    return 1 if getattr(layer, "data_format", "channels_last") == "channels_first" else -1


def _same_padding(n: int | None, kernel: int, stride: int, dilation: int, layer) -> int:
    """Pixels TensorFlow adds before the first row for ``padding="same"`` (the rest go after)."""
    if n is None:
        raise ValueError(
            f"{_describe(layer)} pads 'same' on an input of unknown size: build the model with "
            f"a fixed input_shape, such as (224, 224, 3), to place its receptive fields"
        )
    span = dilation * (kernel - 1) + 1
    total = max((math.ceil(n / stride) - 1) * stride + span - n, 0)
    return total // 2


def _sliding(layer, inputs, axis: int) -> tuple[int, int, int, int]:
    """(kernel, stride, dilation, padding before) of a convolution or pooling along ``axis``."""
    name = type(layer).__name__
    kernel = layer.pool_size if name in POOLINGS else layer.kernel_size
    dilation = (1, 1) if name in POOLINGS else layer.dilation_rate
    k, s, d = int(kernel[axis]), int(layer.strides[axis]), int(dilation[axis])
    padding = layer.padding.lower()
    if padding == "valid":
        return k, s, d, 0
    if padding == "same":
        n = inputs[0].shape[_spatial_axes(layer)[axis]]
        return k, s, d, _same_padding(n, k, s, d, layer)
    raise ValueError(f"{_describe(layer)} has padding {layer.padding!r}; known: 'valid', 'same'")


def _pads(value, axis: int) -> tuple[int, int]:
    """ZeroPadding2D / Cropping2D amounts ((top, bottom), (left, right)) along ``axis``."""
    before, after = value[axis]
    return int(before), int(after)


def _merge(layer, fields):
    local = [f for f in fields if f is not GLOBAL]
    if not local:
        return GLOBAL
    jumps = {f.jump for f in local}
    if len(jumps) > 1:
        raise ValueError(
            f"{_describe(layer)} merges feature maps with different jumps {sorted(jumps)}: its "
            f"positions do not line up on the input, so it has no single receptive field"
        )
    first = min(f.first for f in local)
    last = max(f.last for f in local)
    return ReceptiveField(
        size=last - first + 1,
        jump=local[0].jump,
        first=first,
        whole_input=len(local) < len(fields) or any(f.whole_input for f in local),
    )


def _channel_axis_only(layer, inputs) -> bool:
    """Whether a layer that may act along any axis acts along the channels alone."""
    rank = len(inputs[0].shape)
    channel = _channel_axis(layer) % rank
    axis = getattr(layer, "axis", -1)
    axes = axis if isinstance(axis, list | tuple) else [axis]
    return all(int(a) % rank == channel for a in axes)


def _through_layer(layer, inputs, fields, axis: int):
    """The field of a layer's output from those of its inputs (``GLOBAL`` where none is left)."""
    name = type(layer).__name__
    if name in MERGES:
        if name == "Concatenate" and not _channel_axis_only(layer, inputs):
            raise ValueError(
                f"{_describe(layer)} joins feature maps along axis {layer.axis}, not along the "
                f"channels: its positions no longer match the input's"
            )
        return _merge(layer, fields)
    if len(fields) != 1:
        raise ValueError(f"{_describe(layer)} takes {len(fields)} inputs; it is not a merge layer")
    (field,) = fields
    if field is GLOBAL:  # nothing spatial left to track: still the whole input
        return GLOBAL
    if name in GLOBAL_POOLINGS:
        return GLOBAL
    if name in POINTWISE:
        return field
    if name in CHANNEL_AXIS_ONLY:
        if len(inputs[0].shape) == 4 and _channel_axis_only(layer, inputs):
            return field
        raise ValueError(
            f"{_describe(layer)} mixes positions of its {len(inputs[0].shape)}-dimensional "
            f"input (it does not act on the channels alone), so what comes after it has no "
            f"receptive field: pass the feature map before it"
        )
    if name in CONVOLUTIONS or name in POOLINGS:
        return field.after(*_sliding(layer, inputs, axis))
    if name == "ZeroPadding2D":
        before, _ = _pads(layer.padding, axis)
        return ReceptiveField(
            field.size, field.jump, field.first - before * field.jump, field.whole_input
        )
    if name == "Cropping2D":
        before, _ = _pads(layer.cropping, axis)
        return ReceptiveField(
            field.size, field.jump, field.first + before * field.jump, field.whole_input
        )
    if name == "ZeroPadShortcut":  # cnnbook.models.resnet: every stride-th row and column
        return field.after(1, int(layer.stride))
    if name in ("Flatten", "Reshape"):
        raise ValueError(
            f"{_describe(layer)} turns the feature map into a vector, so what comes after it has "
            f"no position in the image and no receptive field: pass the feature map before it "
            f"(for a builder, include_top=False)"
        )
    raise ValueError(
        f"{_describe(layer)} is not a layer the receptive-field calculator knows (it knows "
        f"convolutions, poolings, padding, cropping, merges and layers that act on each "
        f"position alone); a number for it could be wrong, so there is none"
    )


def _history(tensor):
    history = getattr(tensor, "_keras_history", None)
    if history is None:
        raise ValueError(f"{tensor!r} is not a tensor of a Keras functional graph")
    return history


def _evaluate(outputs, seeds: dict, axis: int) -> list:
    """Fields of ``outputs``, given those of some tensors (``seeds``, keyed by ``id``)."""
    known = dict(seeds)
    stack = list(outputs)
    while stack:
        tensor = stack[-1]
        if id(tensor) in known:
            stack.pop()
            continue
        operation, node_index, tensor_index = _history(tensor)
        node = operation._inbound_nodes[node_index]
        inputs = list(node.input_tensors)
        if not inputs:  # an Input the seeds did not name: the model's own input
            known[id(tensor)] = INPUT
            stack.pop()
            continue
        missing = [t for t in inputs if id(t) not in known]
        if missing:
            stack.extend(missing)
            continue
        stack.pop()
        fields = [known[id(t)] for t in inputs]
        if _is_model(operation):
            inner = {id(t): f for t, f in zip(operation.inputs, fields, strict=True)}
            known[id(tensor)] = _evaluate([operation.outputs[tensor_index]], inner, axis)[0]
        else:
            known[id(tensor)] = _through_layer(operation, inputs, fields, axis)
    return [known[id(t)] for t in outputs]


def _is_model(operation) -> bool:
    import keras

    return isinstance(operation, keras.Model)


def model_receptive_field(model, axis: int | None = None) -> ReceptiveField:
    """The receptive field and jump of a built Keras model's (only) output feature map.

    Follows the functional graph from the output back to the input; where paths join
    (``Add``, ``Concatenate``, ``Multiply``) the field is the union of theirs, so for residual,
    Inception and MobileNet/EfficientNet blocks it is the largest over the paths. Knows
    ``Conv2D``, ``DepthwiseConv2D``, ``SeparableConv2D``, max and average pooling,
    ``ZeroPadding2D``, ``Cropping2D``, global pooling (see ``ReceptiveField.whole_input``),
    nested models, and the layers that act on each position alone; any other layer is a
    ``ValueError`` naming it. ``axis``: 0 for rows, 1 for columns; by default both, which must
    agree.
    """
    if len(model.outputs) != 1:
        raise ValueError(f"the model has {len(model.outputs)} outputs; pass a model with one")
    if len(model.inputs) != 1:
        raise ValueError(f"the model has {len(model.inputs)} inputs; pass a model with one")
    if axis not in (None, 0, 1):
        raise ValueError(f"axis is 0 (rows), 1 (columns) or None (both), got {axis!r}")
    if len(model.outputs[0].shape) != 4:
        last = _history(model.outputs[0])[0]
        raise ValueError(
            f"the model ends in {_describe(last)}, whose output has no height and width, so no "
            f"receptive field: pass a model that ends in a feature map (for a builder, "
            f"include_top=False, pooling=None)"
        )
    fields = [
        _evaluate(model.outputs, {id(model.inputs[0]): INPUT}, a)[0]
        for a in ((0, 1) if axis is None else (axis,))
    ]
    if any(f is GLOBAL for f in fields):
        raise ValueError(
            "every path to the model's output goes through a global pooling: each of its "
            "numbers depends on the whole input and has no position in it"
        )
    if len(fields) == 2 and fields[0] != fields[1]:
        raise ValueError(
            f"the receptive field differs between rows ({fields[0]}) and columns "
            f"({fields[1]}): ask for one with axis=0 or axis=1"
        )
    return fields[0]


# --- Brute force: the gradient of one output position ------------------------------------------


def _averaging_copy(model):
    """A copy of ``model`` with max pooling replaced by average pooling of the same shape.

    The gradient of a max pool reaches only the largest input of each window, so on its own it
    would hide the pixels a max pool can see; an average pool sees the same window and passes
    a gradient to all of it.
    """
    import keras

    def clone(layer):
        name = type(layer).__name__
        if name == "MaxPooling2D":
            return keras.layers.AveragePooling2D.from_config(layer.get_config())
        if name == "GlobalMaxPooling2D":
            return keras.layers.GlobalAveragePooling2D.from_config(layer.get_config())
        return layer.__class__.from_config(layer.get_config())

    return keras.models.clone_model(model, clone_function=clone)


def fill_positive(model) -> None:
    """Set every weight so that a positive input gives positive activations and gradients.

    Kernels average their inputs (every weight 1 / fan-in), biases and shifts are 0, scales and
    variances 1: no path through the network can cancel another, so a zero gradient means no
    connection at all.
    """
    import numpy as np

    for layer in model.layers:
        if _is_model(layer):
            fill_positive(layer)
            continue
        for weight in layer.weights:
            shape = tuple(weight.shape)
            leaf = weight.path.split("/")[-1]
            if "kernel" in leaf:
                name = type(layer).__name__
                if name == "DepthwiseConv2D" or leaf == "depthwise_kernel":
                    fan_in = int(np.prod(shape[:-2]))
                else:
                    fan_in = int(np.prod(shape[:-1]))
                value = np.full(shape, 1.0 / fan_in)
            elif leaf in ("gamma", "moving_variance", "variance", "alpha"):
                value = np.ones(shape)
            elif leaf == "count":
                continue
            else:
                value = np.zeros(shape)
            weight.assign(value.astype(weight.dtype))


def influence_map(model, position: tuple[int, int] | None = None):
    """Which input pixels one output position depends on, by brute force.

    On a copy of ``model`` with average pooling for max pooling and positive weights
    (``fill_positive``), the gradient of the output at ``position`` (row, column; the centre by
    default), summed over its channels, with respect to an input of small positive pixels.
    Returns an array of the input's height x width, summed over the input channels: positive
    exactly where the output can see. The input is small (every pixel ``1e-3``) so that
    residual additions, which double an activation at each block, stay below the cap of a
    ReLU6, where the gradient would stop.
    """
    import keras
    import numpy as np
    import tensorflow as tf

    if len(model.outputs[0].shape) != 4:
        raise ValueError("influence_map needs a model whose output is a feature map")
    copy = _averaging_copy(model)
    fill_positive(copy)
    _, height, width, _ = copy.outputs[0].shape
    row, column = position if position is not None else (height // 2, width // 2)
    if not (0 <= row < height and 0 <= column < width):
        raise ValueError(f"position {position} lies outside the {height}x{width} output")
    dtype = copy.inputs[0].dtype or keras.config.floatx()
    image = tf.fill((1, *copy.inputs[0].shape[1:]), tf.constant(1e-3, dtype=dtype))
    with tf.GradientTape() as tape:
        tape.watch(image)
        output = copy(image, training=False)
        chosen = tf.reduce_sum(output[0, row, column, :])
    gradient = tape.gradient(chosen, image)
    return np.abs(np.asarray(gradient[0])).sum(axis=-1)


def extent(influence, axis: int) -> tuple[int, int]:
    """First and last row (``axis=0``) or column (``axis=1``) where ``influence`` is positive."""
    import numpy as np

    touched = np.flatnonzero(np.asarray(influence).max(axis=1 - axis) > 0)
    if touched.size == 0:
        raise ValueError("the influence map is zero everywhere")
    return int(touched[0]), int(touched[-1])
