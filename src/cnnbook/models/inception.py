"""GoogLeNet (Inception v1) and its Inception module, after Szegedy et al. (2014).

Szegedy, C., Liu, W., Jia, Y., Sermanet, P., Reed, S., Anguelov, D., Erhan, D., Vanhoucke, V.
and Rabinovich, A. (2014). "Going Deeper with Convolutions". arXiv:1409.4842.

``inception_module`` is one module of the paper's Figure 2(b): four branches side by side (a 1x1
convolution; a 1x1 "reduce" then a 3x3; a 1x1 reduce then a 5x5; a 3x3 max pool at stride 1
then a 1x1 "pool projection"), every convolution followed by a ReLU, all with 'same' padding,
concatenated along the channel axis. ``googlenet`` stacks the stem and the nine modules of the
paper's Table 1 and, optionally, the two auxiliary classifiers of its Section 5.

``GOOGLENET_TABLE1`` holds the rows of Table 1 (filter counts and the paper's "params" column),
so that a chapter or a test can compare the Keras model with the paper row by row.

Keras has no GoogLeNet in ``keras.applications`` (its ``InceptionV3`` is a later, different
network), so the parameter count is checked against an independent count from Table 1 instead.
Taught in *Inception: GoogLeNet and the Inception module*; ``googlenet`` takes the arguments
of ``cnnbook.models.arguments``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import keras
from keras import layers

from cnnbook.inspection import keras_layer_mults
from cnnbook.models import arguments
from cnnbook.models.arguments import global_pooling

# The arguments of ``inception_module`` in the order of Table 1's columns.
MODULE_FIELDS = (
    "filters_1x1",
    "filters_3x3_reduce",
    "filters_3x3",
    "filters_5x5_reduce",
    "filters_5x5",
    "filters_pool_proj",
)


@dataclass(frozen=True)
class Table1Row:
    """One row of Table 1 of Szegedy et al. (2014).

    ``filters`` are the six filter counts of an Inception module (``MODULE_FIELDS`` order), or
    ``None`` for the rows that are not modules. ``paper_params_k`` and ``paper_ops_m`` are the
    paper's "params" and "ops" columns as printed, in thousands ("2.7K" is 2.7) and millions
    ("34M" is 34); ``None`` where the paper leaves them blank.
    """

    name: str
    kind: str  # "conv", "pool", "inception", "linear"
    output: tuple[int, int, int]
    paper_params_k: float | None
    paper_ops_m: float | None
    filters: tuple[int, int, int, int, int, int] | None = None


GOOGLENET_TABLE1 = (
    Table1Row("conv1 7x7/2", "conv", (112, 112, 64), 2.7, 34),
    Table1Row("max pool 3x3/2", "pool", (56, 56, 64), None, None),
    Table1Row("conv2 1x1 + 3x3/1", "conv", (56, 56, 192), 112, 360),
    Table1Row("max pool 3x3/2", "pool", (28, 28, 192), None, None),
    Table1Row("inception 3a", "inception", (28, 28, 256), 159, 128, (64, 96, 128, 16, 32, 32)),
    Table1Row("inception 3b", "inception", (28, 28, 480), 380, 304, (128, 128, 192, 32, 96, 64)),
    Table1Row("max pool 3x3/2", "pool", (14, 14, 480), None, None),
    Table1Row("inception 4a", "inception", (14, 14, 512), 364, 73, (192, 96, 208, 16, 48, 64)),
    Table1Row("inception 4b", "inception", (14, 14, 512), 437, 88, (160, 112, 224, 24, 64, 64)),
    Table1Row("inception 4c", "inception", (14, 14, 512), 463, 100, (128, 128, 256, 24, 64, 64)),
    Table1Row("inception 4d", "inception", (14, 14, 528), 580, 119, (112, 144, 288, 32, 64, 64)),
    Table1Row("inception 4e", "inception", (14, 14, 832), 840, 170, (256, 160, 320, 32, 128, 128)),
    Table1Row("max pool 3x3/2", "pool", (7, 7, 832), None, None),
    Table1Row("inception 5a", "inception", (7, 7, 832), 1072, 54, (256, 160, 320, 32, 128, 128)),
    Table1Row("inception 5b", "inception", (7, 7, 1024), 1388, 71, (384, 192, 384, 48, 128, 128)),
    Table1Row("avg pool 7x7/1", "pool", (1, 1, 1024), None, None),
    Table1Row("linear", "linear", (1, 1, 1000), 1000, 1),
)

# The stages of Table 1: after "3b", "4e" a 3x3/2 max pool halves height and width.
_STAGES = (("3a", "3b"), ("4a", "4b", "4c", "4d", "4e"), ("5a", "5b"))
# Section 5: the auxiliary classifiers sit on the outputs of modules 4a and 4d.
AUX_AFTER = ("4a", "4d")


def table1_filters() -> dict[str, tuple[int, ...]]:
    """The six filter counts of each module, keyed by module name ("3a" ... "5b")."""
    return {
        row.name.split()[-1]: row.filters for row in GOOGLENET_TABLE1 if row.kind == "inception"
    }


def _conv(x, filters: int, size: int, name: str, strides: int = 1):
    """A convolution with 'same' padding and its ReLU (the paper uses ReLU after every conv)."""
    return layers.Conv2D(
        filters, size, strides=strides, padding="same", activation="relu", name=name
    )(x)


def inception_module(
    x,
    filters_1x1: int,
    filters_3x3_reduce: int,
    filters_3x3: int,
    filters_5x5_reduce: int,
    filters_5x5: int,
    filters_pool_proj: int,
    name: str = "inception",
):
    """One Inception module with dimension reductions (Szegedy et al. 2014, Figure 2(b)).

    Szegedy et al. (2014), "Going Deeper with Convolutions", arXiv:1409.4842.

    Four branches read the same input ``x`` (a 4-D tensor, channels last) and keep its height and
    width ('same' padding, stride 1):

    - a 1x1 convolution with ``filters_1x1`` filters;
    - a 1x1 convolution to ``filters_3x3_reduce`` channels, then a 3x3 with ``filters_3x3``;
    - a 1x1 convolution to ``filters_5x5_reduce`` channels, then a 5x5 with ``filters_5x5``;
    - a 3x3 max pool at stride 1, then a 1x1 "pool projection" to ``filters_pool_proj``
      channels (pooling alone would keep all input channels and the output would only grow).

    Every convolution is followed by a ReLU. The outputs are concatenated along the channels, so
    the module returns ``filters_1x1 + filters_3x3 + filters_5x5 + filters_pool_proj`` channels.
    Module 3a of Table 1 is ``inception_module(x, 64, 96, 128, 16, 32, 32)``: 28x28x192 in,
    28x28x256 out. Layer names start with ``name``.
    """
    arguments.positive_ints(
        filters_1x1=filters_1x1,
        filters_3x3_reduce=filters_3x3_reduce,
        filters_3x3=filters_3x3,
        filters_5x5_reduce=filters_5x5_reduce,
        filters_5x5=filters_5x5,
        filters_pool_proj=filters_pool_proj,
    )
    if len(x.shape) != 4:
        raise ValueError(
            f"an Inception module needs a 4-D input (batch, height, width, channels), "
            f"got shape {tuple(x.shape)}"
        )
    branch_1 = _conv(x, filters_1x1, 1, f"{name}_1x1")
    branch_3 = _conv(x, filters_3x3_reduce, 1, f"{name}_3x3_reduce")
    branch_3 = _conv(branch_3, filters_3x3, 3, f"{name}_3x3")
    branch_5 = _conv(x, filters_5x5_reduce, 1, f"{name}_5x5_reduce")
    branch_5 = _conv(branch_5, filters_5x5, 5, f"{name}_5x5")
    branch_pool = layers.MaxPooling2D(3, strides=1, padding="same", name=f"{name}_pool")(x)
    branch_pool = _conv(branch_pool, filters_pool_proj, 1, f"{name}_pool_proj")
    return layers.Concatenate(axis=-1, name=f"{name}_concat")(
        [branch_1, branch_3, branch_5, branch_pool]
    )


def _auxiliary_classifier(x, classes: int, name: str):
    """The side classifier of Section 5 of Szegedy et al. (2014).

    5x5 average pool at stride 3 (14x14 -> 4x4 at 224x224 input), a 1x1 convolution with 128
    filters and ReLU, a fully connected layer of 1024 units with ReLU, dropout of 70%, and a
    linear layer with softmax over ``classes``.
    """
    x = layers.AveragePooling2D(5, strides=3, padding="valid", name=f"{name}_avg_pool")(x)
    x = _conv(x, 128, 1, f"{name}_1x1")
    x = layers.Flatten(name=f"{name}_flatten")(x)
    x = layers.Dense(1024, activation="relu", name=f"{name}_fc")(x)
    x = layers.Dropout(0.7, name=f"{name}_dropout")(x)
    return layers.Dense(classes, activation="softmax", name=f"{name}_predictions")(x)


def _size_after_stride_2(n: int, times: int) -> int:
    """Height after ``times`` stride-2 layers with 'same' padding: ceil(n / 2) each time."""
    for _ in range(times):
        n = -(-n // 2)
    return n


def googlenet(
    *,
    include_top: bool = True,
    input_shape=(224, 224, 3),
    pooling: str | None = None,
    classes: int = 1000,
    aux_classifiers: bool = True,
    name: str = "googlenet",
):
    """GoogLeNet, the 22-layer Inception network of Szegedy et al. (2014), Table 1.

    Szegedy et al. (2014), "Going Deeper with Convolutions", arXiv:1409.4842.

    - Stem: 7x7/2 convolution with 64 filters, 3x3/2 max pool, a 1x1 convolution with 64 filters,
      a 3x3 convolution with 192 filters, 3x3/2 max pool (224 -> 112 -> 56 -> 28).
    - Inception modules 3a, 3b; 3x3/2 max pool; 4a ... 4e; 3x3/2 max pool; 5a, 5b, with the
      filter counts of Table 1 (``GOOGLENET_TABLE1``).
    - Top (``include_top=True``): average pool over the whole 7x7 map, dropout of 40%, a linear
      layer with softmax over ``classes``. At 224x224 the paper's 7x7/1 average pool covers the
      whole map, so ``GlobalAveragePooling2D`` is the same operation and also works at other
      input sizes.
    - ``aux_classifiers=True`` (only with ``include_top``): the two side classifiers of Section
      5 on the outputs of 4a and 4d, and the model has three outputs, ``[main, aux1, aux2]``.
      The paper adds their losses with weight 0.3 during training and discards them at
      inference: use ``include_top=True, aux_classifiers=False`` for the inference network.

    Differences from the paper, none of which changes a parameter count: the two local response
    normalisation layers of the stem are left out (they have no parameters, later Inception
    versions dropped them, and Keras has no such layer); padding is Keras 'same' padding.

    ``include_top=False`` returns the 5b feature map (7x7x1024 at 224x224) and no classifier,
    pooled as ``pooling`` says.
    """
    shape = arguments.input_shape(input_shape, "GoogLeNet")
    height, width, _ = shape
    arguments.top(include_top, classes, pooling)
    if include_top:
        # The auxiliary heads' 5x5 pool needs a 4a/4d map (4 stride-2 steps) of at least 5x5.
        smallest = min(_size_after_stride_2(height, 4), _size_after_stride_2(width, 4))
        if aux_classifiers and smallest < 5:
            raise ValueError(
                f"the auxiliary classifiers need inputs of at least 65x65 pixels (their 5x5 "
                f"average pool reads a map 16 times smaller), got {height}x{width}; "
                f"pass aux_classifiers=False for smaller inputs"
            )

    inputs = keras.Input(shape=shape, name="image")
    x = _conv(inputs, 64, 7, "conv1_7x7", strides=2)
    x = layers.MaxPooling2D(3, strides=2, padding="same", name="pool1")(x)
    x = _conv(x, 64, 1, "conv2_3x3_reduce")
    x = _conv(x, 192, 3, "conv2_3x3")
    x = layers.MaxPooling2D(3, strides=2, padding="same", name="pool2")(x)

    filters = table1_filters()
    aux_outputs = []
    for stage_index, stage in enumerate(_STAGES):
        if stage_index > 0:
            x = layers.MaxPooling2D(3, strides=2, padding="same", name=f"pool{stage_index + 2}")(x)
        for module in stage:
            x = inception_module(x, *filters[module], name=f"inception_{module}")
            if include_top and aux_classifiers and module in AUX_AFTER:
                number = AUX_AFTER.index(module) + 1
                aux_outputs.append(_auxiliary_classifier(x, classes, name=f"aux{number}"))

    if not include_top:
        return keras.Model(inputs, global_pooling(x, pooling), name=name)
    x = layers.GlobalAveragePooling2D(name="avg_pool")(x)
    x = layers.Dropout(0.4, name="dropout")(x)
    outputs = layers.Dense(classes, activation="softmax", name="predictions")(x)
    if aux_outputs:
        return keras.Model(inputs, [outputs, *aux_outputs], name=name)
    return keras.Model(inputs, outputs, name=name)


def _row_prefix(row: Table1Row) -> str | None:
    """The prefix of the Keras layer names ``googlenet`` gives the layers of a Table 1 row."""
    if row.name.startswith("conv1"):
        return "conv1_"
    if row.name.startswith("conv2"):
        return "conv2_"
    if row.kind == "inception":
        return f"inception_{row.name.split()[-1]}_"
    if row.kind == "linear":
        return "predictions"
    return None


def compare_with_table1(model) -> list[dict]:
    """Per row of Table 1 with parameters: the Keras model's counts next to the paper's.

    ``model`` is a ``googlenet(input_shape=(224, 224, 3), classes=1000)`` (with or without the
    auxiliary classifiers, whose layers are not rows of Table 1). Columns: weights (kernels
    only, as the paper counts), parameters (weights + biases, as Keras counts), the weights in
    units of 1,024 (the unit the paper's "K" appears to use), the paper's "params" in K,
    multiplications in millions read from the layers, the paper's "ops" in M.
    """

    rows = []
    for row in GOOGLENET_TABLE1:
        prefix = _row_prefix(row)
        if prefix is None:
            continue
        members = [layer for layer in model.layers if layer.name.startswith(prefix)]
        weights = sum(
            math.prod(layer.kernel.shape) for layer in members if hasattr(layer, "kernel")
        )
        rows.append(
            {
                "row": row.name,
                "weights": weights,
                "parameters": sum(layer.count_params() for layer in members),
                "weights / 1024": round(weights / 1024, 1),
                "paper K": row.paper_params_k,
                "mults (M)": round(sum(keras_layer_mults(layer) for layer in members) / 1e6, 1),
                "paper ops (M)": row.paper_ops_m,
            }
        )
    return rows
