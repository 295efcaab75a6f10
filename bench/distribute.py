"""Training on 1 and on 2 replicas: images/s of a small CNN, the CPU split into 2 logical devices.

The CPU can be split only before TensorFlow initialises its devices, and ``python -m bench``
has initialised them already, so ``measure`` runs the timings in a fresh process (this module
with ``--child``). There, ``cnnbook.distribute.split_cpu(2)`` makes two logical CPU devices,
the chooser picks ``MirroredStrategy`` over them, and three variants train the same CNN:

- 1 replica (the default strategy) on a batch of 32;
- 1 replica on a batch of 64;
- 2 replicas x 32 (``MirroredStrategy``, ``cnnbook.distribute.scaled``): a global batch of 64.

They take turns within each round (the first variant of a round changes every round), and the
ratios are the medians over rounds of the ratios within a round, so that a slow spell of the
machine hits all three alike. Both logical devices compute on the same cores: the 2-replica
rate shows what splitting the work and adding the gradients costs, not what a second device
gains.
"""

from __future__ import annotations

import json
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BATCH_PER_REPLICA = 32
SIZE, CLASSES, IMAGES = 64, 6, 512
MODEL = "small CNN (2 convolutions of 16 and 32 filters, no batch normalisation)"
SECONDS_PER_TIMING = 2.0  # each fit lasts about this long (full mode)


def _model():
    import keras

    return keras.Sequential(
        [
            keras.Input((SIZE, SIZE, 3)),
            keras.layers.Conv2D(16, 3, activation="relu"),
            keras.layers.MaxPooling2D(),
            keras.layers.Conv2D(32, 3, activation="relu"),
            keras.layers.MaxPooling2D(),
            keras.layers.GlobalAveragePooling2D(),
            keras.layers.Dense(CLASSES, activation="softmax"),
        ]
    )


def _variant(strategy, global_batch: int, learning_rate: float):
    """A compiled model in ``strategy``'s scope and its repeated data, as a chapter would."""
    import keras
    import numpy as np

    from cnnbook.data import arrays_dataset

    rng = np.random.default_rng(0)
    x = rng.uniform(0, 1, (IMAGES, SIZE, SIZE, 3)).astype("float32")
    y = rng.integers(0, CLASSES, IMAGES)
    keras.utils.set_random_seed(0)
    with strategy.scope():
        model = _model()
        model.compile(
            optimizer=keras.optimizers.SGD(learning_rate), loss="sparse_categorical_crossentropy"
        )
    data = arrays_dataset(x, y, batch_size=global_batch, shuffle=False).repeat()
    return model, data


def _seconds(model, data, steps: int) -> float:
    started = time.perf_counter()
    model.fit(data, steps_per_epoch=steps, epochs=1, verbose=0, shuffle=False)
    return time.perf_counter() - started


def child(smoke: bool, repeats: int) -> dict:
    """The timings, in a process whose CPU is split before TensorFlow starts (``--child``)."""
    from cnnbook import distribute

    distribute.split_cpu(2)
    import tensorflow as tf

    mirrored = distribute.strategy(verbose=False)
    choice = distribute.choose()
    if mirrored.num_replicas_in_sync != 2:
        raise RuntimeError(f"the split CPU gave {distribute.line(choice, 1)}, not 2 replicas")
    one = tf.distribute.get_strategy()
    rate = 0.01
    doubled, doubled_rate = distribute.scaled(BATCH_PER_REPLICA, rate, mirrored)
    variants = {
        f"1 replica, batch {BATCH_PER_REPLICA}": (one, 1, BATCH_PER_REPLICA, rate),
        f"1 replica, batch {doubled}": (one, 1, doubled, doubled_rate),
        f"2 replicas x {BATCH_PER_REPLICA}": (mirrored, 2, doubled, doubled_rate),
    }
    built = {name: _variant(s, batch, lr) for name, (s, _, batch, lr) in variants.items()}
    warmup_steps = 2
    slowest = 0.0
    for model, data in built.values():
        _seconds(model, data, warmup_steps)  # traces the step function
        slowest = max(slowest, _seconds(model, data, warmup_steps) / warmup_steps)
    steps = 2 if smoke else max(4, round(SECONDS_PER_TIMING / slowest))
    rates = {name: [] for name in variants}
    names = list(variants)
    for round_number in range(repeats):
        shift = round_number % len(names)
        for name in names[shift:] + names[:shift]:
            model, data = built[name]
            rates[name].append(steps * variants[name][2] / _seconds(model, data, steps))
    first, same_batch, two = names
    rows = [
        {
            "variant": name,
            "replicas": replicas,
            "global_batch": batch,
            "images_per_s": rates[name],
            "median": statistics.median(rates[name]),
            "vs_one_replica": statistics.median(
                [r / base for r, base in zip(rates[name], rates[first], strict=True)]
            ),
        }
        for name, (_, replicas, batch, _) in variants.items()
    ]
    return {
        "model": MODEL,
        "input": SIZE,
        "steps": steps,
        "rounds": repeats,
        "strategy": distribute.line(choice, mirrored.num_replicas_in_sync),
        "rows": rows,
        "two_over_one_same_global_batch": statistics.median(
            [a / b for a, b in zip(rates[two], rates[same_batch], strict=True)]
        ),
    }


def measure(options, results: dict) -> dict:
    """The distribute section: ``child`` in a fresh process, its JSON read back."""
    command = [sys.executable, "-m", "bench.distribute", "--child", str(options.repeats)]
    if options.smoke:
        command.append("--smoke")
    done = subprocess.run(
        command, cwd=ROOT, capture_output=True, text=True, timeout=120 if options.smoke else 900
    )
    if done.returncode != 0:
        raise RuntimeError(f"bench.distribute's child exited {done.returncode}:\n{done.stderr}")
    return json.loads(done.stdout.strip().splitlines()[-1])


if __name__ == "__main__":
    # python -m bench.distribute --child REPEATS [--smoke]: one line of JSON on stdout.
    if len(sys.argv) < 3 or sys.argv[1] != "--child":
        raise SystemExit("usage: python -m bench.distribute --child REPEATS [--smoke]")
    from cnnbook.runtime import quiet_tensorflow

    quiet_tensorflow()
    print(json.dumps(child(smoke="--smoke" in sys.argv, repeats=int(sys.argv[2]))))
