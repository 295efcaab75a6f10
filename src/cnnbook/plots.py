"""Figures the chapters share: learning curves, image grids, filters and feature maps."""

from __future__ import annotations

import math

import matplotlib.pyplot as plt
import numpy as np


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


def show_filters(kernel, title: str | None = None, columns: int = 8):
    """Show each output channel of a conv kernel (f, f, n_c_prev, n_c), averaged over inputs."""
    kernel = np.asarray(kernel)
    maps = [kernel[:, :, :, i].mean(axis=2) for i in range(kernel.shape[-1])]
    fig = image_grid(
        [(m - m.min()) / (np.ptp(m) or 1) for m in maps],
        titles=[f"filter {i}" for i in range(len(maps))],
        columns=min(columns, len(maps)),
        cmap="gray",
        title=title,
    )
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
