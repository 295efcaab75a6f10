"""Training throughput of the book's builders against ``keras.applications``, and GFLOP/s.

Both models of a pair are built with the same input, classes, batch, optimiser and loss, and
timed in alternation in one process, so that drift of the machine (thermal, neighbours) hits
both alike. Throughput is images per second of ``fit`` on a repeated synthetic batch: the
input pipeline is measured separately (``bench.pipeline``).
"""

from __future__ import annotations

import importlib
import math
import statistics
import time

from cnnbook import inspection

# (name, our builder, keras.applications class, input size)
PAIRS = (
    ("ResNet-50", "cnnbook.models.resnet:resnet50", "ResNet50", 64),
    ("MobileNetV2", "cnnbook.models.mobilenet:mobilenet_v2", "MobileNetV2", 96),
)
CLASSES = 6
BATCH = 32


def _builder(spec: str):
    module, name = spec.split(":")
    try:
        return getattr(importlib.import_module(module), name)
    except (ImportError, AttributeError) as error:
        raise RuntimeError(f"the book's builder {spec} is missing: {error}") from error


def forward_mults(model) -> int:
    """Multiplications of one forward pass of one image, counted over the built layers."""
    return sum(inspection.keras_layer_mults(layer) for layer in model.layers)


def _compiled(model):
    import keras

    model.compile(
        optimizer=keras.optimizers.SGD(0.01, momentum=0.9),
        loss="sparse_categorical_crossentropy",
    )
    return model


def _dataset(size: int, autotune: bool = False):
    """One synthetic batch, repeated; tf.data autotuning off unless ``autotune``."""
    import tensorflow as tf

    from cnnbook.data import without_autotune

    images = tf.random.uniform((BATCH, size, size, 3), 0, 255, seed=0)
    labels = tf.random.uniform((BATCH,), 0, CLASSES, dtype=tf.int32, seed=1)
    data = tf.data.Dataset.from_tensors((images, labels)).repeat()
    # Autotuning off: with it, each fit waited for tf.data's autotuner before returning, and
    # timings landed on its wake-ups (5.11 s for 6 steps and for 10 alike); see autotune_wait.
    return data if autotune else without_autotune(data)


def _fit(model, data, steps: int) -> None:
    """One epoch of ``steps`` steps; the repeated synthetic batch needs no shuffling."""
    model.fit(data, steps_per_epoch=steps, epochs=1, verbose=0, shuffle=False)


def steps_lasting(models, data, seconds: float, minimum: int) -> int:
    """Steps per timing so that the slower model's ``fit`` lasts about ``seconds``.

    A short timing is at the mercy of fixed costs and of pauses; on a GPU, 10 steps last
    milliseconds. The same count is used for both models of a pair, like ``timeit``'s
    autorange.
    """
    slowest = 0.0
    for model in models:
        started = time.perf_counter()
        _fit(model, data, minimum)
        slowest = max(slowest, (time.perf_counter() - started) / minimum)
    return max(minimum, math.ceil(seconds / slowest))


def in_turn(pair: tuple, round_number: int) -> tuple:
    """The pair in the order of this round: swapped every other round, so that neither side
    always runs first (in one recorded run, the side that always went first came out 4% faster
    on MobileNetV2, which is the same network on both sides)."""
    return pair if round_number % 2 == 0 else pair[::-1]


def round_ratios(reference_rates: list[float], our_rates: list[float]) -> list[float]:
    """The reference's rate over ours within each round (> 1: ours is slower)."""
    return [ref / ours for ref, ours in zip(reference_rates, our_rates, strict=True)]


def training_throughput(steps: int = 10, repeats: int = 5, seconds: float = 6.0) -> list[dict]:
    """Images/s of ours and Keras's for each pair; ratio = Keras's rate / ours (<= 1.05 wanted).

    Each timing runs at least ``steps`` steps and lasts about ``seconds`` (0: exactly ``steps``).
    The two models are timed in turn, ``repeats`` rounds; the ratio is the median over rounds
    of the ratio within a round, so that a slow spell of the machine, which lasts longer than
    a round's two timings, cancels out instead of landing on one model's median.
    """
    import keras

    rows = []
    for name, ours_spec, reference_name, size in PAIRS:
        keras.backend.clear_session()
        shape = (size, size, 3)
        ours = _compiled(_builder(ours_spec)(input_shape=shape, classes=CLASSES))
        reference = _compiled(
            getattr(keras.applications, reference_name)(
                weights=None, input_shape=shape, classes=CLASSES
            )
        )
        data = _dataset(size)
        for model in (ours, reference):  # trace and warm up outside the timings
            _fit(model, data, 2)
        pair_steps = steps_lasting((ours, reference), data, seconds, steps) if seconds else steps
        timings = {"ours": [], "keras": []}
        for round_number in range(repeats):
            for label, model in in_turn((("ours", ours), ("keras", reference)), round_number):
                started = time.perf_counter()
                _fit(model, data, pair_steps)
                seconds_taken = time.perf_counter() - started
                timings[label].append(seconds_taken)
        images = pair_steps * BATCH
        rate = {k: [images / s for s in v] for k, v in timings.items()}
        median = {k: statistics.median(v) for k, v in rate.items()}
        ratios = round_ratios(rate["keras"], rate["ours"])
        mults = forward_mults(ours)
        rows.append(
            {
                "model": name,
                "input": size,
                "batch": BATCH,
                "classes": CLASSES,
                "steps": pair_steps,
                "params_ours": ours.count_params(),
                "params_keras": reference.count_params(),
                "images_per_s_ours": rate["ours"],
                "images_per_s_keras": rate["keras"],
                "median_ours": median["ours"],
                "median_keras": median["keras"],
                # > 1 means ours is slower; the target is <= 1.05.
                "slowdown_ours_vs_keras": statistics.median(ratios),
                "slowdown_per_round": ratios,
                "slowdown_of_medians": median["keras"] / median["ours"],
                "forward_mults_per_image": mults,
                # Training is about three forward passes' work (forward, and backward for both
                # activations and weights); one multiply-add is two floating-point operations.
                "train_gflops_per_image": 3 * 2 * mults / 1e9,
            }
        )
    return rows


def achieved_fraction(throughput_rows: list[dict], peak: dict) -> list[dict]:
    """GFLOP/s achieved in training against the matmul peak, per model."""
    out = []
    for row in throughput_rows:
        achieved = row["median_ours"] * row["train_gflops_per_image"]
        out.append(
            {
                "model": row["model"],
                "achieved_gflops": achieved,
                "peak_gflops": peak["gflops_median"],
                "fraction_of_peak": achieved / peak["gflops_median"],
            }
        )
    return out


def acceleration_effect(
    steps: int = 10, repeats: int = 5, size: int = 64, emulated_float16_steps: int = 1
) -> list[dict]:
    """ResNet-50 training images/s with float32, XLA, and mixed precision, on this machine.

    The measurement behind ``cnnbook.acceleration.choose``: each variant is a fresh
    ``keras.applications.ResNet50`` with the same input, batch and optimiser. Without a GPU,
    float16 arithmetic is emulated (80 times slower than float32 on one 2-core Intel Xeon, 5
    times on one 2-core AMD EPYC), so mixed precision is timed over ``emulated_float16_steps``
    steps instead of ``steps``.
    """
    import keras
    import tensorflow as tf

    on_gpu = bool(tf.config.list_physical_devices("GPU"))
    variants = (
        ("float32", "float32", False, steps),
        ("float32 + XLA", "float32", True, steps),
        ("mixed_float16", "mixed_float16", False, steps if on_gpu else emulated_float16_steps),
    )
    rows = []
    data = _dataset(size)
    for label, policy, jit, variant_steps in variants:
        keras.backend.clear_session()
        keras.mixed_precision.set_global_policy(policy)
        try:
            model = keras.applications.ResNet50(
                weights=None, input_shape=(size, size, 3), classes=CLASSES
            )
            model.compile(
                optimizer=keras.optimizers.SGD(0.01, momentum=0.9),
                loss="sparse_categorical_crossentropy",
                jit_compile=jit,
            )
            started = time.perf_counter()
            _fit(model, data, 1)  # trace (and compile)
            first_step = time.perf_counter() - started
            rates = []
            for _ in range(repeats):
                started = time.perf_counter()
                _fit(model, data, variant_steps)
                rates.append(variant_steps * BATCH / (time.perf_counter() - started))
        finally:
            keras.mixed_precision.set_global_policy("float32")
        rows.append(
            {
                "variant": label,
                "steps": variant_steps,
                "first_step_seconds": first_step,
                "images_per_s": rates,
                "median": statistics.median(rates),
            }
        )
    base = rows[0]["median"]
    for row in rows:
        row["speedup_vs_float32"] = row["median"] / base
    return rows


def autotune_wait(steps: int = 4, repeats: int = 5, size: int = 64) -> dict:
    """Seconds that ``fit`` runs on after its last step, with tf.data autotuning on and off.

    The measurement behind ``cnnbook.data.without_autotune``: the same ResNet-50 and the same
    synthetic batch, timed in turn over ``repeats`` rounds; a callback marks the end of the
    last step, and ``fit`` returning marks the end of the call.
    """
    import keras

    class LastStep(keras.callbacks.Callback):
        # the end of each batch (Keras closes its iterator before or after on_train_end)
        def on_train_batch_end(self, batch, logs=None):
            self.at = time.perf_counter()

    keras.backend.clear_session()
    model = _compiled(
        keras.applications.ResNet50(weights=None, input_shape=(size, size, 3), classes=CLASSES)
    )
    variants = {"autotune on": _dataset(size, autotune=True), "autotune off": _dataset(size)}
    _fit(model, variants["autotune off"], 2)  # trace outside the timings
    marker = LastStep()
    out = {label: {"seconds": [], "after_last_step": []} for label in variants}
    for round_number in range(repeats):
        for label, data in in_turn(tuple(variants.items()), round_number):
            started = time.perf_counter()
            model.fit(
                data, steps_per_epoch=steps, epochs=1, verbose=0, shuffle=False, callbacks=[marker]
            )
            returned = time.perf_counter()
            out[label]["seconds"].append(returned - started)
            out[label]["after_last_step"].append(returned - marker.at)
    for row in out.values():
        row["median"] = statistics.median(row["seconds"])
        row["median_after_last_step"] = statistics.median(row["after_last_step"])
    return {"model": "ResNet-50", "input": size, "batch": BATCH, "steps": steps} | out


def measure_throughput(options, results: dict) -> dict:
    """The models section: training throughput, the matmul peak, the fraction achieved."""
    from bench import machine

    throughput = training_throughput(
        steps=2 if options.smoke else 10,
        repeats=options.repeats,
        seconds=0 if options.smoke else 6.0,
    )
    peak = machine.matmul_peak(size=512 if options.smoke else 2048, repeats=options.repeats)
    return {
        "throughput": throughput,
        "matmul_peak": peak,
        "achieved": achieved_fraction(throughput, peak),
    }


def measure_autotune(options, results: dict) -> dict:
    return autotune_wait(repeats=options.repeats)


def measure_acceleration(options, results: dict) -> dict:
    """Mixed precision and XLA against float32, and the choice made for this machine."""
    from cnnbook import acceleration

    # Few steps: float16 on a CPU is emulated and very slow.
    rows = acceleration_effect(steps=2 if options.smoke else 6, repeats=min(options.repeats, 3))
    decision = acceleration.choose(acceleration.detect())
    return {"rows": rows, "decision": decision.reason}
