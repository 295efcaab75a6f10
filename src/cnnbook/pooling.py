"""Max and average pooling written out by hand in NumPy, to read beside Keras' pooling layers.

A pooling layer slides an f x f window with stride s over each channel on its own and keeps one
number per window: the largest (max pooling) or the mean (average pooling). It has no weights,
only the two hyperparameters f and s, and it never mixes channels, so n_c is unchanged.
Output height and width follow the same rule as a convolution without padding,
floor((n - f) / s) + 1 (``cnnbook.costs.conv_output_size`` computes it).

These functions are for teaching and checking, not speed: ``keras.layers.MaxPooling2D`` and
``AveragePooling2D`` (``padding="valid"``) give the same numbers much faster.

Taught in *Pooling*.
"""

from __future__ import annotations

import numbers

import numpy as np

from cnnbook.costs import conv_output_size

_REDUCERS = {"max": np.max, "average": np.mean}


def _check_hyperparameters(f, s) -> None:
    for name, value in (("f", f), ("s", s)):
        if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < 1:
            raise ValueError(
                f"pooling needs a positive integer {name} (window size f, stride s), got {value!r}"
            )


def pool_output_shape(shape: tuple[int, ...], f: int, s: int) -> tuple[int, ...]:
    """Shape after pooling ``shape`` ((n_h, n_w), (n_h, n_w, n_c) or (m, n_h, n_w, n_c)).

    Height and width become floor((n - f) / s) + 1; every other axis is kept.
    """
    _check_hyperparameters(f, s)
    if len(shape) not in (2, 3, 4):
        raise ValueError(
            "pooling expects an (n_h, n_w), (n_h, n_w, n_c) or (m, n_h, n_w, n_c) array, "
            f"got shape {tuple(shape)}"
        )
    h_axis = 1 if len(shape) == 4 else 0
    n_h, n_w = shape[h_axis], shape[h_axis + 1]
    if f > min(n_h, n_w):
        raise ValueError(f"the pooling window f={f} is larger than the input ({n_h}x{n_w})")
    out = list(shape)
    out[h_axis] = conv_output_size(n_h, f, 0, s)
    out[h_axis + 1] = conv_output_size(n_w, f, 0, s)
    return tuple(out)


def pool2d(x, f: int, s: int | None = None, mode: str = "max") -> np.ndarray:
    """Pool ``x`` with an f x f window and stride ``s`` (default ``f``), each channel on its own.

    ``x`` is (n_h, n_w), (n_h, n_w, n_c) or a batch (m, n_h, n_w, n_c), channels last like Keras.
    ``mode`` is ``"max"`` or ``"average"``. No padding ("valid"), as in the book's examples.
    """
    if mode not in _REDUCERS:
        raise ValueError(f"mode must be 'max' or 'average', got {mode!r}")
    s = f if s is None else s
    x = np.asarray(x)
    out_shape = pool_output_shape(x.shape, f, s)
    # Work on a 4-D view (m, n_h, n_w, n_c) so that one loop serves every input rank.
    if x.ndim == 2:
        volume = x[np.newaxis, :, :, np.newaxis]
    elif x.ndim == 3:
        volume = x[np.newaxis]
    else:
        volume = x
    m, _, _, n_c = volume.shape
    n_h_out = out_shape[1 if x.ndim == 4 else 0]
    n_w_out = out_shape[2 if x.ndim == 4 else 1]
    reduce = _REDUCERS[mode]
    dtype = np.result_type(volume.dtype, np.float32) if mode == "average" else volume.dtype
    out = np.empty((m, n_h_out, n_w_out, n_c), dtype=dtype)
    for i in range(n_h_out):
        for j in range(n_w_out):
            window = volume[:, i * s : i * s + f, j * s : j * s + f, :]
            # Reduce over the window's height and width only: channels stay separate.
            out[:, i, j, :] = reduce(window, axis=(1, 2))
    return out.reshape(out_shape)


def max_pool2d(x, f: int, s: int | None = None) -> np.ndarray:
    """Max pooling: the largest value in each f x f window, per channel (see ``pool2d``)."""
    return pool2d(x, f, s, mode="max")


def average_pool2d(x, f: int, s: int | None = None) -> np.ndarray:
    """Average pooling: the mean of each f x f window, per channel (see ``pool2d``)."""
    return pool2d(x, f, s, mode="average")
