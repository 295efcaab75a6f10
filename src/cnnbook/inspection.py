"""What a built Keras model holds, read from the model itself.

Weight layers (how papers count depth), parameter counts (trainable and frozen), snapshots of
the weights to see what a training step changed, and one row per layer with its output shape,
parameters and multiplications, printed as a plain-text table. ``cnnbook.costs`` computes the
same numbers from formulas; the tests hold the two against each other.

Taught in *A simple convolutional network*, *Classic networks: LeNet-5, AlexNet, VGG* and
*Transfer learning*.
"""

from __future__ import annotations

import math

import keras
import numpy as np

WEIGHT_LAYERS = ("Conv2D", "DepthwiseConv2D", "SeparableConv2D", "Dense")


def weight_layers(model: keras.Model) -> int:
    """Layers with a learned kernel (convolutions and dense layers): how papers count depth."""
    count = 0
    for layer in model.layers:
        if isinstance(layer, keras.Model):
            count += weight_layers(layer)
        elif type(layer).__name__ in WEIGHT_LAYERS:
            count += 1
    return count


def count_params(weights) -> int:
    return int(sum(np.prod(w.shape) for w in weights))


def trainable_summary(model: keras.Model) -> dict[str, int]:
    """Trainable and frozen parameter counts, and the number of trainable weight tensors."""
    return {
        "trainable": count_params(model.trainable_weights),
        "non_trainable": count_params(model.non_trainable_weights),
        "trainable_tensors": len(model.trainable_weights),
    }


def weights_snapshot(model: keras.Model) -> list[np.ndarray]:
    """A copy of every weight of ``model`` (trainable or not), to compare before and after."""
    return [np.array(w.numpy()) for w in model.weights]


def max_weight_change(before: list[np.ndarray], model: keras.Model) -> float:
    """Largest absolute change of any weight of ``model`` since ``weights_snapshot``."""
    after = model.weights
    if len(after) != len(before):
        raise ValueError("the model's weight list changed length since the snapshot")
    changes = (np.abs(a.numpy() - b).max() for a, b in zip(after, before, strict=True))
    return float(max(changes, default=0.0))


def keras_layer_mults(layer) -> int:
    """Multiplications of one built Keras conv/dense layer, read from its weights and output shape.

    An independent count: it uses the layer's real kernel shape and output shape, not our formulas.
    """
    kernel = getattr(layer, "kernel", None)
    if kernel is None:
        kernel = getattr(layer, "depthwise_kernel", None)
    if kernel is None:
        return 0
    out = layer.output.shape
    positions = math.prod(d for d in out[1:-1] if d is not None)
    k = tuple(kernel.shape)
    cls = type(layer).__name__
    if cls == "DepthwiseConv2D":  # (f, f, n_c, multiplier)
        return positions * math.prod(k)
    if cls == "Dense":
        return positions * k[0] * k[1]
    return positions * math.prod(k)  # Conv2D: (f, f, n_c_prev, n_c)


def layer_table(model) -> list[dict]:
    """One row per layer of a built Keras model: name, type, output shape, size, parameters."""
    rows = []
    for layer in model.layers:
        shape = layer.output.shape if hasattr(layer, "output") else None
        dims = tuple(d for d in shape[1:]) if shape is not None else ()
        rows.append(
            {
                "layer": layer.name,
                "type": type(layer).__name__,
                "output shape": "x".join(str(d) for d in dims),
                "activations": math.prod(dims) if dims and None not in dims else None,
                "parameters": layer.count_params(),
                "multiplications": keras_layer_mults(layer),
            }
        )
    return rows


def format_table(rows: list[dict]) -> str:
    """A plain-text table with thousands separators, for printing in a chapter."""
    if not rows:
        return ""
    columns = list(rows[0])

    def cell(value):
        if isinstance(value, int):
            return f"{value:,}"
        if isinstance(value, float):
            return f"{value:.3g}"
        return "" if value is None else str(value)

    cells = [[cell(row[c]) for c in columns] for row in rows]
    widths = [max(len(c), *(len(r[i]) for r in cells)) for i, c in enumerate(columns)]
    lines = ["  ".join(c.rjust(w) for c, w in zip(columns, widths, strict=True))]
    lines.append("  ".join("-" * w for w in widths))
    for r in cells:
        lines.append("  ".join(v.rjust(w) for v, w in zip(r, widths, strict=True)))
    return "\n".join(lines)
