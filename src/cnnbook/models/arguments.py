"""The one argument checker of the builders in ``cnnbook.models``, and their common top.

Every builder takes the keyword arguments of ``keras.applications``, with Keras's meanings and
in Keras's order: ``include_top``, ``input_shape``, ``pooling``, ``classes`` (``weights`` where a
builder loads any), then its own options and ``name``. The checks below give every builder the
same answer on the same bad value, in one sentence that names the argument: a count is a Python
``int`` of at least 1 (``True`` is not a filter count, ``2.0`` is not a class count), a rate lies
in [0, 1), and ``pooling`` is ``None``, ``"avg"`` or ``"max"``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from keras import layers

POOLINGS = (None, "avg", "max")


def _is_count(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 1


def positive_int(name: str, value) -> int:
    """``value`` if it is a whole number of at least 1, else ValueError."""
    if not _is_count(value):
        raise ValueError(f"{name} must be a positive integer, got {value!r}")
    return value


def positive_ints(**values) -> None:
    """``positive_int`` for each keyword argument."""
    for name, value in values.items():
        positive_int(name, value)


def positive_number(name: str, value) -> float:
    """``value`` if it is a real number above 0 (a width multiplier, say), else ValueError."""
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not value > 0:
        raise ValueError(f"{name} must be a positive number, got {value!r}")
    return float(value)


def rate(name: str, value, *, allow_one: bool = False) -> float:
    """``value`` if it is a fraction in [0, 1) (or [0, 1] with ``allow_one``), else ValueError."""
    # The type first: comparing a string or None with a number would raise TypeError instead.
    number = isinstance(value, (int, float)) and not isinstance(value, bool)
    if not number or not (0 <= value and (value <= 1 if allow_one else value < 1)):
        interval = "[0, 1]" if allow_one else "[0, 1)"
        raise ValueError(f"{name} must be a rate in {interval}, got {value!r}")
    return float(value)


def one_of(name: str, value, choices: Sequence):
    """``value`` if it is one of ``choices``, else ValueError listing them."""
    if isinstance(value, bool) or value not in tuple(choices):
        raise ValueError(f"{name} must be one of {tuple(choices)}, got {value!r}")
    return value


def input_shape(
    value,
    network: str,
    *,
    side: Callable[[int], int] | None = None,
    smallest: int = 1,
    allow_none: bool = False,
) -> tuple:
    """A channels-last ``(height, width, channels)`` shape that ``network`` can take.

    ``side(n)``, when given, follows one side of ``n`` pixels through the network and raises
    ValueError where the map vanishes; ``smallest`` is the least height and width allowed
    otherwise. With ``allow_none``, height and width may be ``None`` (any size), as Keras allows
    for fully convolutional networks.
    """
    shape = tuple(value) if isinstance(value, (tuple, list)) else None

    def valid(dimension, spatial: bool) -> bool:
        return (allow_none and spatial and dimension is None) or _is_count(dimension)

    if shape is None or len(shape) != 3 or not all(valid(d, i < 2) for i, d in enumerate(shape)):
        raise ValueError(
            f"input_shape must be (height, width, channels) with positive integers, got {value!r}"
        )
    least = smallest
    if side is not None:
        least = max(least, _smallest_side(side))
    if any(d is not None and d < least for d in shape[:2]):
        raise ValueError(
            f"input_shape {shape} is too small for {network}: height and width must be at "
            f"least {least} pixels"
        )
    return shape


def _smallest_side(side: Callable[[int], int]) -> int:
    n = 1
    while True:
        try:
            side(n)
            return n
        except ValueError:
            n += 1


def top(include_top, classes, pooling) -> None:
    """The top's arguments: ``classes`` counts outputs (checked only with the top, as Keras
    ignores it without), ``pooling`` is applied only without the top."""
    if not isinstance(include_top, bool):
        raise ValueError(f"include_top must be True or False, got {include_top!r}")
    if include_top:
        positive_int("classes", classes)
    one_of("pooling", pooling, POOLINGS)


def global_pooling(x, pooling: str | None):
    """``x`` pooled over height and width as ``pooling`` says (``None``: the map itself)."""
    if pooling == "avg":
        return layers.GlobalAveragePooling2D(name="avg_pool")(x)
    if pooling == "max":
        return layers.GlobalMaxPooling2D(name="max_pool")(x)
    return x
