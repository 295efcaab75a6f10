"""Measured against theoretical speedups: the 1x1 bottleneck and depthwise-separable convs.

The theory counts multiplications (``cnnbook.costs``); the measurement times the same layers
in TensorFlow, forward only, on one batch, as the median of repeated runs. Where they differ,
the appendix explains why (memory traffic, kernel efficiency, fixed overheads).
"""

from __future__ import annotations

from cnnbook import costs, inspection
from cnnbook.timing import time_call


def _forward_timer(layers, input_shape, batch):
    import keras
    import tensorflow as tf

    inputs = keras.Input(input_shape)
    x = inputs
    for layer in layers:
        x = layer(x)
    model = keras.Model(inputs, x)
    images = tf.random.normal((batch, *input_shape), seed=0)
    forward = tf.function(lambda: model(images, training=False))

    def run():
        out = forward()
        return float(tf.reduce_sum(out[0, 0, 0]))  # wait for the result, copy one number

    return model, run


def bottleneck(
    n=28, channels=(64, 128, 192, 256), filter_sizes=(3, 5), n_out=32, n_mid=16, batch=8, repeats=7
) -> list[dict]:
    """Direct f x f conv (``n_out`` filters) against 1x1 to ``n_mid`` then f x f (Szegedy 2014)."""
    import keras

    rows = []
    for n_c_prev in channels:
        for f in filter_sizes:
            conv = keras.layers.Conv2D
            direct, run_direct = _forward_timer(
                [conv(n_out, f, padding="same", use_bias=False)], (n, n, n_c_prev), batch
            )
            reduced, run_reduced = _forward_timer(
                [conv(n_mid, 1, use_bias=False), conv(n_out, f, padding="same", use_bias=False)],
                (n, n, n_c_prev),
                batch,
            )
            cost = costs.bottleneck_cost(n, n_c_prev, f, n_out, n_mid)
            counted_direct = sum(inspection.keras_layer_mults(layer) for layer in direct.layers)
            counted_reduced = sum(inspection.keras_layer_mults(layer) for layer in reduced.layers)
            if (counted_direct, counted_reduced) != (cost.direct, cost.bottleneck):
                raise AssertionError("cost formula and Keras layer count disagree")
            t_direct = time_call(run_direct, repeats=repeats, warmup=2)
            t_reduced = time_call(run_reduced, repeats=repeats, warmup=2)
            rows.append(
                {
                    "n": n,
                    "channels_in": n_c_prev,
                    "f": f,
                    "filters": n_out,
                    "mid": n_mid,
                    "mults_direct": cost.direct,
                    "mults_bottleneck": cost.bottleneck,
                    "theory_speedup": cost.direct / cost.bottleneck,
                    "seconds_direct": list(t_direct.seconds),
                    "seconds_bottleneck": list(t_reduced.seconds),
                    "measured_speedup": t_direct.median / t_reduced.median,
                }
            )
    return rows


def separable(
    n=32, channels=(16, 64, 128, 256, 512), filter_sizes=(3, 5, 7), batch=8, repeats=7
) -> list[dict]:
    """Normal f x f conv against depthwise f x f + pointwise 1x1 (Howard et al. 2017).

    ``channels`` is used for input and output alike (n_c = n_c'), the MobileNet setting.
    """
    import keras

    rows = []
    for n_c in channels:
        for f in filter_sizes:
            normal, run_normal = _forward_timer(
                [keras.layers.Conv2D(n_c, f, padding="same", use_bias=False)], (n, n, n_c), batch
            )
            sep, run_sep = _forward_timer(
                [
                    keras.layers.DepthwiseConv2D(f, padding="same", use_bias=False),
                    keras.layers.Conv2D(n_c, 1, use_bias=False),
                ],
                (n, n, n_c),
                batch,
            )
            cost = costs.separable_cost(n, f, n_c, n_c, p=(f - 1) // 2)
            t_normal = time_call(run_normal, repeats=repeats, warmup=2)
            t_sep = time_call(run_sep, repeats=repeats, warmup=2)
            rows.append(
                {
                    "n": n,
                    "channels": n_c,
                    "f": f,
                    "mults_normal": cost.normal,
                    "mults_separable": cost.separable,
                    "theory_speedup": cost.normal / cost.separable,
                    "seconds_normal": list(t_normal.seconds),
                    "seconds_separable": list(t_sep.seconds),
                    "measured_speedup": t_normal.median / t_sep.median,
                }
            )
    return rows


def measure(options, results: dict) -> dict:
    """The kernels section: both comparisons (smaller sizes with ``options.smoke``)."""
    small = dict(channels=(16, 64), filter_sizes=(3,)) if options.smoke else {}
    tiny = {"channels": (64,), "filter_sizes": (5,)} if options.smoke else {}
    return {
        "bottleneck": bottleneck(repeats=options.repeats, **tiny),
        "separable": separable(repeats=options.repeats, **small),
    }
