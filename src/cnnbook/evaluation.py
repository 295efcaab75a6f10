"""Evaluation tricks from benchmark papers (timing is ``cnnbook.timing``).

- ``ten_crop``: the centre and the four corner crops of each image, plus their mirror images
  (the "10-crop" testing of AlexNet and VGG);
- ``ensemble_predict``: the average of several models' predicted probabilities.

Taught in *The state of computer vision*.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

CROP_NAMES = (
    "centre",
    "top-left",
    "top-right",
    "bottom-left",
    "bottom-right",
    "centre mirrored",
    "top-left mirrored",
    "top-right mirrored",
    "bottom-left mirrored",
    "bottom-right mirrored",
)


def ten_crop(images, size: int | tuple[int, int]) -> np.ndarray:
    """The 10 crops of each image: shape (10, N, h, w, C) for images of shape (N, H, W, C).

    Order: centre, top-left, top-right, bottom-left, bottom-right, then the same five mirrored
    left-right (``CROP_NAMES``). A single image (H, W, C) gives (10, h, w, C).
    """
    images = np.asarray(images)
    single = images.ndim == 3
    if single:
        images = images[None]
    if images.ndim != 4:
        raise ValueError(f"expected images of shape (N, H, W, C), got {images.shape}")
    h, w = (size, size) if isinstance(size, int) else size
    height, width = images.shape[1:3]
    if not (0 < h <= height and 0 < w <= width):
        raise ValueError(f"crop {h}x{w} does not fit in {height}x{width} images")
    top, left = (height - h) // 2, (width - w) // 2
    corners = [(top, left), (0, 0), (0, width - w), (height - h, 0), (height - h, width - w)]
    crops = [images[:, r : r + h, c : c + w] for r, c in corners]
    crops += [crop[:, :, ::-1] for crop in crops]
    out = np.stack(crops)
    return out[:, 0] if single else out


def centre_crop(images, size: int | tuple[int, int]) -> np.ndarray:
    """The centre crop only (the first of ``ten_crop``'s ten)."""
    return ten_crop(images, size)[0]


def predict_probabilities(model, images, batch_size: int = 256) -> np.ndarray:
    """``model``'s softmax outputs for ``images`` as a NumPy array."""
    return np.asarray(model.predict(images, batch_size=batch_size, verbose=0))


def predict_ten_crop(
    model, images, size: int | tuple[int, int], batch_size: int = 256
) -> np.ndarray:
    """Average of ``model``'s probabilities over the 10 crops of each image: (N, classes)."""
    crops = ten_crop(images, size)
    n = crops.shape[1]
    flat = crops.reshape((-1,) + crops.shape[2:])
    probabilities = predict_probabilities(model, flat, batch_size=batch_size)
    return probabilities.reshape(10, n, -1).mean(axis=0)


def average_probabilities(probabilities: Sequence[np.ndarray]) -> np.ndarray:
    """Element-wise mean of several (N, classes) probability arrays of the same shape."""
    arrays = [np.asarray(p, dtype=np.float64) for p in probabilities]
    if not arrays:
        raise ValueError("need at least one set of probabilities")
    shapes = {a.shape for a in arrays}
    if len(shapes) != 1:
        raise ValueError(f"probability arrays differ in shape: {sorted(shapes)}")
    return np.mean(arrays, axis=0)


def ensemble_predict(models: Sequence, images, batch_size: int = 256) -> np.ndarray:
    """The ensemble's prediction: the average of each model's predicted probabilities."""
    return average_probabilities([predict_probabilities(m, images, batch_size) for m in models])


def accuracy(probabilities, labels) -> float:
    """Fraction of rows whose most probable class is the label."""
    probabilities, labels = np.asarray(probabilities), np.asarray(labels)
    if len(probabilities) != len(labels):
        raise ValueError(f"{len(probabilities)} predictions for {len(labels)} labels")
    return float(np.mean(np.argmax(probabilities, axis=-1) == labels))
