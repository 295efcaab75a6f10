"""Figures the chapters share: learning curves, image grids, filters and feature maps.

Taught in every chapter that trains (learning curves) and *Computer vision and the convolution
operation* (feature maps).
"""

from __future__ import annotations

import math

import matplotlib.pyplot as plt
import numpy as np
from cycler import cycler

# Okabe and Ito's palette ("Color Universal Design", 2002, jfly.uni-koeln.de/color): eight
# colours that stay apart for readers with protanopia, deuteranopia or tritanopia
# (tests/test_plots.py simulates each, after Machado, Oliveira and Fernandes 2009).
# Chapters name a colour from here rather than matplotlib's "tab:red"/"tab:green" pair, which
# a red-green colour-blind reader cannot tell apart.
COLOURS = {
    "blue": "#0072B2",
    "orange": "#E69F00",
    "green": "#009E73",
    "red": "#D55E00",
    "purple": "#CC79A7",
    "sky": "#56B4E9",
    "yellow": "#F0E442",
    "black": "#000000",
}

# What cnnbook.setup() sets: lines cycle through COLOURS (yellow, faint on white, last);
# images default to viridis (perceptually uniform, colour-blind safe); figures are opaque
# white, so they stay legible when a reader switches the book to its dark theme.
BOOK_STYLE = {
    "axes.prop_cycle": cycler(color=list(COLOURS.values())),
    "image.cmap": "viridis",
    "figure.facecolor": "white",
    "savefig.facecolor": "white",
    "savefig.transparent": False,
}


def learning_curves(history, metrics=("loss", "accuracy"), title: str | None = None):
    """Training and validation curves from a Keras ``History`` (or its ``.history`` dict)."""
    logs = getattr(history, "history", history)
    metrics = [m for m in metrics if m in logs]
    fig, axes = plt.subplots(1, len(metrics), figsize=(5 * len(metrics), 3.4), squeeze=False)
    for ax, metric in zip(axes[0], metrics, strict=True):
        epochs = np.arange(1, len(logs[metric]) + 1)
        ax.plot(epochs, logs[metric], marker="o", label="training")
        if f"val_{metric}" in logs:
            ax.plot(epochs, logs[f"val_{metric}"], marker="s", label="validation")
        ax.set_xlabel("epoch")
        ax.set_ylabel(metric)
        ax.legend()
        ax.grid(alpha=0.3)
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    return fig


def image_grid(images, titles=None, columns: int = 8, cmap=None, size: float = 1.4, title=None):
    """Show images (arrays in 0..255 or 0..1) in a grid with optional per-image titles."""
    images = list(images)
    rows = math.ceil(len(images) / columns)
    fig, axes = plt.subplots(
        rows, columns, figsize=(size * columns, size * rows + 0.4), squeeze=False
    )
    for index, ax in enumerate(axes.flat):
        ax.set_xticks([])
        ax.set_yticks([])
        if index >= len(images):
            ax.axis("off")
            continue
        image = np.asarray(images[index], dtype=np.float32)
        if image.max() > 1.0:
            image = image / 255.0
        ax.imshow(np.clip(image.squeeze(), 0, 1), cmap=cmap)
        if titles is not None:
            ax.set_title(str(titles[index]), fontsize=9)
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    return fig


def feature_maps(activations, title: str | None = None, columns: int = 8, limit: int = 16):
    """Show the first ``limit`` channels of one activation volume (h, w, c)."""
    activations = np.asarray(activations)
    channels = min(limit, activations.shape[-1])
    maps = [activations[:, :, i] for i in range(channels)]
    return image_grid(
        [(m - m.min()) / (np.ptp(m) or 1) for m in maps],
        titles=[f"channel {i}" for i in range(channels)],
        columns=min(columns, channels),
        cmap="viridis",
        title=title,
    )


def annotated_heatmap(ax, values, title: str | None = None, fmt: str = "{:g}", cmap="RdBu_r"):
    """A small matrix (a filter, a toy image, a conv output) as a heat map with its numbers.

    The colour scale is symmetric about zero, so positive and negative weights read at a glance.
    """
    values = np.asarray(values, dtype=float)
    limit = np.abs(values).max() or 1.0
    ax.imshow(values, cmap=cmap, vmin=-limit, vmax=limit)
    for (row, col), value in np.ndenumerate(values):
        shade = "white" if abs(value) > 0.6 * limit else "black"
        ax.text(col, row, fmt.format(value), ha="center", va="center", color=shade, fontsize=8)
    ax.set_xticks(range(values.shape[1]))
    ax.set_yticks(range(values.shape[0]))
    ax.set_xlabel("column")
    ax.set_ylabel("row")
    if title:
        ax.set_title(title)
    return ax


def layer_graph(model, title: str | None = None, width: float = 2.6, height: float = 1.1):
    """Draw a small functional Keras model as boxes and arrows, without pydot or graphviz.

    One box per layer (name, output shape), one row per depth (the longest path from the
    input), branches side by side in the order the merging layer lists them. Meant for blocks of
    a few dozen layers (an Inception module, a residual block), not whole networks.
    """
    layers = list(model.layers)
    parents = {
        layer.name: [node.operation.name for node in layer._inbound_nodes[0].parent_nodes]
        for layer in layers
    }
    children = {layer.name: [] for layer in layers}
    for name, ps in parents.items():
        for p in ps:
            children[p].append(name)
    depth = {}
    for layer in layers:  # model.layers is in topological order
        ps = parents[layer.name]
        depth[layer.name] = 1 + max((depth[p] for p in ps), default=-1)
    for layer in reversed(layers):  # short branches sit just above their merge, not at the top
        if parents[layer.name] and children[layer.name]:
            depth[layer.name] = min(depth[c] for c in children[layer.name]) - 1

    # Columns: walk back from the outputs; a merge spreads its inputs side by side in the order
    # it lists them, a chain keeps its column, and a fan-out (a layer read by several others)
    # sits in the middle of its readers once they are all placed.
    column: dict[str, float] = {}
    fan_outs: list[str] = []

    def assign(name, x):
        column[name] = x
        inputs = parents[name]
        for p, offset in zip(inputs, np.arange(len(inputs)) - (len(inputs) - 1) / 2, strict=True):
            if len(children[p]) > 1:
                if p not in fan_outs:
                    fan_outs.append(p)
            elif p not in column:
                assign(p, x + offset)

    outputs = [layer.name for layer in layers if not children[layer.name]]
    for i, name in enumerate(outputs):
        assign(name, float(i * 4))
    while fan_outs:
        name = next(f for f in fan_outs if all(c in column for c in children[f]))
        fan_outs.remove(name)
        assign(name, float(np.mean([column[c] for c in children[name]])))

    colours = {"Conv2D": "#cfe2f3", "MaxPooling2D": "#fce5cd", "AveragePooling2D": "#fce5cd"}
    xs = [column[layer.name] for layer in layers]
    span = max(xs) - min(xs) + 1
    rows = max(depth.values()) + 1
    fig, ax = plt.subplots(figsize=(max(5.0, width * span), height * rows + 0.6))
    for layer in layers:
        x, y = column[layer.name] * width, -depth[layer.name] * height
        shape = "x".join(str(d) for d in layer.output.shape[1:])
        kind = type(layer).__name__
        label = f"{layer.name}\n{kind} -> {shape}"
        ax.text(
            x,
            y,
            label,
            ha="center",
            va="center",
            fontsize=8,
            bbox={
                "boxstyle": "round,pad=0.4",
                "facecolor": colours.get(
                    kind, "#d9ead3" if len(parents[layer.name]) > 1 else "#eeeeee"
                ),
                "edgecolor": "#555555",
            },
        )
        for p in parents[layer.name]:
            ax.annotate(
                "",
                xy=(x, y + 0.28 * height),
                xytext=(column[p] * width, -depth[p] * height - 0.28 * height),
                # right-angled arrows: sideways under the source, then straight down
                arrowprops={
                    "arrowstyle": "->",
                    "color": "#555555",
                    "connectionstyle": "angle,angleA=0,angleB=90,rad=0",
                },
            )
    ax.set_xlim(min(xs) * width - width, max(xs) * width + width)
    ax.set_ylim(-(rows - 1) * height - 0.6 * height, 0.6 * height)
    ax.axis("off")
    if title:
        ax.set_title(title)
    fig.tight_layout()
    return fig
