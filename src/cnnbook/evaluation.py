"""Evaluation tricks from benchmark papers, and honest timing.

- ``ten_crop``: the centre and the four corner crops of each image, plus their mirror images
  (the "10-crop" testing of AlexNet and VGG);
- ``ensemble_predict``: the average of several models' predicted probabilities;
- ``time_call``: the median and spread of repeated timings, so that one slow run on a busy
  machine does not decide a comparison.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

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


@dataclass(frozen=True)
class Timing:
    """Repeated wall-clock timings of one operation, in seconds."""

    seconds: tuple[float, ...]

    @property
    def median(self) -> float:
        return statistics.median(self.seconds)

    @property
    def low(self) -> float:
        return min(self.seconds)

    @property
    def high(self) -> float:
        return max(self.seconds)

    @property
    def spread(self) -> float:
        """(slowest - fastest) / median: 0.1 means the runs differed by 10% of the median."""
        return (self.high - self.low) / self.median if self.median > 0 else 0.0

    def __str__(self) -> str:
        return (
            f"median {format_seconds(self.median)} over {len(self.seconds)} runs "
            f"(fastest {format_seconds(self.low)}, slowest {format_seconds(self.high)})"
        )


def format_seconds(seconds: float) -> str:
    if seconds >= 1:
        return f"{seconds:.2f} s"
    if seconds >= 1e-3:
        return f"{seconds * 1e3:.1f} ms"
    return f"{seconds * 1e6:.0f} us"


def time_call(function: Callable[[], object], repeats: int = 5, warmup: int = 1) -> Timing:
    """Time ``function()`` ``repeats`` times after ``warmup`` untimed calls (tracing, caches)."""
    if repeats < 1:
        raise ValueError(f"repeats must be at least 1, got {repeats}")
    for _ in range(warmup):
        function()
    seconds = []
    for _ in range(repeats):
        start = time.perf_counter()
        function()
        seconds.append(time.perf_counter() - start)
    return Timing(tuple(seconds))


def ratio(slow: Timing, fast: Timing) -> float:
    """How many times longer ``slow`` takes than ``fast``, by their medians."""
    return slow.median / fast.median
