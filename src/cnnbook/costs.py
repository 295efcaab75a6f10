"""The arithmetic the book prints: output sizes, parameter counts, multiplication counts.

Every function here is plain Python on integers, independent of Keras, so that a test can check
it against Keras layers (a second, independent count) and a chapter can print it.

Taught in *Padding and strided convolutions*, *Convolutions over volumes and one convolutional
layer*, *1x1 convolutions* and *MobileNet: depthwise-separable convolutions*.
"""

from __future__ import annotations

from dataclasses import dataclass


def conv_output_size(n: int, f: int, p: int = 0, s: int = 1) -> int:
    """Output height (or width) of a convolution or pooling: floor((n + 2p - f) / s) + 1."""
    for name, value in (("n", n), ("f", f), ("s", s)):
        if value < 1:
            raise ValueError(f"{name} must be a positive integer, got {value}")
    if p < 0:
        raise ValueError(f"padding p must be >= 0, got {p}")
    if f > n + 2 * p:
        raise ValueError(f"filter size f={f} exceeds the padded input n + 2p = {n + 2 * p}")
    return (n + 2 * p - f) // s + 1


def same_padding(f: int) -> int:
    """The padding p = (f - 1) / 2 that keeps the size at stride 1 (f must be odd)."""
    if f % 2 == 0:
        raise ValueError(f"'same' padding needs an odd filter size to be symmetric, got f={f}")
    return (f - 1) // 2


def conv_params(f: int, n_c_prev: int, n_c: int, bias: bool = True) -> int:
    """Parameters of a conv layer with n_c filters of f x f x n_c_prev (plus one bias each)."""
    return (f * f * n_c_prev + (1 if bias else 0)) * n_c


def dense_params(n_in: int, n_out: int, bias: bool = True) -> int:
    """Parameters of a dense layer."""
    return (n_in + (1 if bias else 0)) * n_out


def conv_mults(n_out: int, f: int, n_c_prev: int, n_c: int) -> int:
    """Multiplications of a conv layer with a square n_out x n_out x n_c output."""
    return n_out * n_out * n_c * f * f * n_c_prev


def depthwise_mults(n_out: int, f: int, n_c: int) -> int:
    """Multiplications of a depthwise conv: one f x f filter per input channel, n_c kept."""
    return n_out * n_out * n_c * f * f


def pointwise_mults(n_out: int, n_c_prev: int, n_c: int) -> int:
    """Multiplications of a 1x1 (pointwise) conv."""
    return conv_mults(n_out, 1, n_c_prev, n_c)


@dataclass(frozen=True)
class SeparableCost:
    normal: int
    depthwise: int
    pointwise: int

    @property
    def separable(self) -> int:
        return self.depthwise + self.pointwise

    @property
    def ratio(self) -> float:
        return self.separable / self.normal


def separable_cost(n: int, f: int, n_c_prev: int, n_c: int, p: int = 0, s: int = 1):
    """Normal vs depthwise-separable conv on an n x n x n_c_prev input (Howard et al. 2017)."""
    n_out = conv_output_size(n, f, p, s)
    return SeparableCost(
        normal=conv_mults(n_out, f, n_c_prev, n_c),
        depthwise=depthwise_mults(n_out, f, n_c_prev),
        pointwise=pointwise_mults(n_out, n_c_prev, n_c),
    )


def separable_ratio_theory(f: int, n_c: int) -> float:
    """Cost of separable over normal convolution: 1/n_c + 1/f^2."""
    return 1 / n_c + 1 / f**2


@dataclass(frozen=True)
class BottleneckCost:
    direct: int
    reduce: int
    expand: int

    @property
    def bottleneck(self) -> int:
        return self.reduce + self.expand


def bottleneck_cost(n: int, n_c_prev: int, f: int, n_c: int, n_mid: int) -> BottleneckCost:
    """A 'same' f x f conv from n_c_prev channels, direct or via a 1x1 to n_mid (Szegedy 2014).

    For 28x28x192 -> 5x5, 32 filters: direct 120,422,400; with a 1x1 to 16 channels
    2,408,448 + 10,035,200 = 12,443,648.
    """
    return BottleneckCost(
        direct=conv_mults(n, f, n_c_prev, n_c),
        reduce=pointwise_mults(n, n_c_prev, n_mid),
        expand=conv_mults(n, f, n_mid, n_c),
    )


def _inception_branches(n_c_prev: int, filters) -> list[tuple[int, int, int]]:
    """(f, n_c_in, n_c_out) of the six convolutions of an Inception module, in Table 1 order."""
    if len(filters) != 6:
        raise ValueError(
            f"an Inception module has six filter counts (1x1, 3x3 reduce, 3x3, 5x5 reduce, "
            f"5x5, pool proj), got {len(filters)}"
        )
    for value in (n_c_prev, *filters):
        if value < 1:
            raise ValueError(f"channel and filter counts must be positive, got {value}")
    f1, f3r, f3, f5r, f5, pool_proj = filters
    return [
        (1, n_c_prev, f1),
        (1, n_c_prev, f3r),
        (3, f3r, f3),
        (1, n_c_prev, f5r),
        (5, f5r, f5),
        (1, n_c_prev, pool_proj),  # after a 3x3/1 max pool, which keeps n_c_prev channels
    ]


def inception_module_params(n_c_prev: int, filters, bias: bool = True) -> int:
    """Parameters of an Inception module (Szegedy et al. 2014, Figure 2(b)) on n_c_prev channels.

    ``filters`` = (1x1, 3x3 reduce, 3x3, 5x5 reduce, 5x5, pool proj), the columns of Table 1.
    Module 3a, (64, 96, 128, 16, 32, 32) on 192 channels: 163,328 weights + 368 biases.
    """
    return sum(
        conv_params(f, c_in, c_out, bias)
        for f, c_in, c_out in _inception_branches(n_c_prev, filters)
    )


def inception_module_mults(n: int, n_c_prev: int, filters) -> int:
    """Multiplications of an Inception module on an n x n x n_c_prev input ('same' padding)."""
    return sum(
        conv_mults(n, f, c_in, c_out) for f, c_in, c_out in _inception_branches(n_c_prev, filters)
    )
