"""A NumPy reference for the convolution of Part I: slow to write out, easy to read and check.

Deep-learning libraries call *cross-correlation* "convolution": the filter slides over the
image unflipped. ``cross_correlate`` is that operation (what ``tf.nn.conv2d`` and
``keras.layers.Conv2D`` compute); ``convolve`` is the mathematical convolution, the same with the
filter rotated by 180 degrees. Both work on one image of shape (H, W) or (H, W, C).

The edge filters are the classic hand-made ones: the plain difference filter, Sobel (Sobel and
Feldman, 1968) and Scharr (Scharr, 2000, "Optimale Operatoren in der digitalen Bildverarbeitung").
Sizes (output height and width, "same" padding) come from :mod:`cnnbook.costs`.

Taught in *Computer vision and the convolution operation*, *Padding and strided convolutions*
and *Convolutions over volumes and one convolutional layer*.
"""

from __future__ import annotations

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from cnnbook.costs import conv_output_size

# One column of weights per filter family; the vertical-edge filter is smooth x [1, 0, -1].
_SMOOTHING = {
    "basic": np.array([1.0, 1.0, 1.0]),
    "sobel": np.array([1.0, 2.0, 1.0]),
    "scharr": np.array([3.0, 10.0, 3.0]),
}
_DIFFERENCE = np.array([1.0, 0.0, -1.0])


def edge_filter(name: str = "basic", direction: str = "vertical") -> np.ndarray:
    """A 3x3 edge filter: ``name`` in basic/sobel/scharr, ``direction`` vertical/horizontal.

    A vertical-edge filter responds positively where the image is brighter on the left than on
    the right (for example ``[[1, 0, -1]] * 3``); its transpose finds horizontal edges, positive
    where the top is brighter than the bottom.
    """
    if name not in _SMOOTHING:
        raise ValueError(f"unknown edge filter {name!r}: choose one of {sorted(_SMOOTHING)}")
    vertical = np.outer(_SMOOTHING[name], _DIFFERENCE)
    if direction == "vertical":
        return vertical
    if direction == "horizontal":
        return vertical.T.copy()
    raise ValueError(f"direction must be 'vertical' or 'horizontal', got {direction!r}")


def pad(image, p: int, value: float = 0.0) -> np.ndarray:
    """Add ``p`` rows/columns of ``value`` on every side of the height and width (not channels)."""
    image = np.asarray(image)
    if p < 0:
        raise ValueError(f"padding p must be >= 0, got {p}")
    if image.ndim not in (2, 3):
        raise ValueError(f"expected an image of shape (H, W) or (H, W, C), got {image.shape}")
    widths = [(p, p), (p, p)] + [(0, 0)] * (image.ndim - 2)
    return np.pad(image, widths, constant_values=value)


def tf_same_padding(n: int, f: int, s: int = 1) -> tuple[int, int]:
    """Rows added (before, after) by TensorFlow's ``padding="same"`` along one axis.

    TensorFlow makes the output ceil(n / s) long and pads as little as that needs, putting the
    odd extra row after the image. For an odd f at stride 1 this is (f - 1) / 2 on each side.
    """
    for label, value in (("n", n), ("f", f), ("s", s)):
        if value < 1:
            raise ValueError(f"{label} must be a positive integer, got {value}")
    out = -(-n // s)
    total = max((out - 1) * s + f - n, 0)
    return total // 2, total - total // 2


def _windows(image: np.ndarray, f: int, stride: int) -> np.ndarray:
    """Every f x f window at the given stride: shape (H_out, W_out, f, f[, C])."""
    windows = sliding_window_view(image, (f, f), axis=(0, 1))  # (H', W', [C,] f, f)
    if image.ndim == 3:
        windows = np.moveaxis(windows, 2, -1)  # channels last: (H', W', f, f, C)
    return windows[::stride, ::stride]


def cross_correlate(image, kernel, stride: int = 1, padding: int = 0) -> np.ndarray:
    """What deep learning calls a convolution: slide ``kernel`` over ``image``, multiply, sum.

    image:  (H, W) or (H, W, C).
    kernel: (f, f) for a 2-D image; (f, f, C) for one filter over a volume, or (f, f, C, K) for
            K filters (the layout of a Keras ``Conv2D`` kernel).
    Returns (H_out, W_out), or (H_out, W_out, K) for K filters, where
    H_out = floor((H + 2 * padding - f) / stride) + 1 (see ``cnnbook.costs.conv_output_size``).
    """
    image = np.asarray(image, dtype=np.float64)
    kernel = np.asarray(kernel, dtype=np.float64)
    if image.ndim not in (2, 3):
        raise ValueError(f"expected an image of shape (H, W) or (H, W, C), got {image.shape}")
    if kernel.ndim < 2 or kernel.shape[0] != kernel.shape[1]:
        raise ValueError(f"expected a square kernel (f, f, ...), got shape {kernel.shape}")
    if stride < 1:
        raise ValueError(f"stride must be a positive integer, got {stride}")
    spatial = kernel.ndim - (0 if image.ndim == 2 else 1) - (1 if kernel.ndim == 4 else 0)
    channels_ok = image.ndim == 2 or kernel.shape[2] == image.shape[2]
    if spatial != 2 or not channels_ok:
        raise ValueError(
            f"kernel of shape {kernel.shape} does not fit an image of shape {image.shape}: "
            "a filter must have as many channels as the image"
        )
    f = kernel.shape[0]
    for size in image.shape[:2]:
        conv_output_size(size, f, padding, stride)  # raises if the filter does not fit
    windows = _windows(pad(image, padding), f, stride)
    axes = list(range(2, windows.ndim))
    if kernel.ndim == image.ndim + 1:  # several filters: one output channel each
        return np.tensordot(windows, kernel, axes=(axes, list(range(len(axes)))))
    return np.tensordot(windows, kernel, axes=(axes, list(range(kernel.ndim))))


def conv2d_valid(image, kernel, stride: int = 1) -> np.ndarray:
    """A Keras ``Conv2D(padding="valid", use_bias=False)`` on one image, in NumPy."""
    return cross_correlate(image, kernel, stride=stride, padding=0)


def convolve(image, kernel, stride: int = 1, padding: int = 0) -> np.ndarray:
    """The mathematical convolution: cross-correlation with the filter rotated by 180 degrees."""
    kernel = np.asarray(kernel)
    return cross_correlate(image, kernel[::-1, ::-1], stride=stride, padding=padding)


def gradient_magnitude(image, name: str = "sobel") -> np.ndarray:
    """Edge strength sqrt(Gx^2 + Gy^2) of a 2-D image with a 3x3 edge filter pair (valid)."""
    gx = cross_correlate(image, edge_filter(name, "vertical"))
    gy = cross_correlate(image, edge_filter(name, "horizontal"))
    return np.hypot(gx, gy)
