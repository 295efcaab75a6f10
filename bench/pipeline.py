"""The input pipeline against what the model consumes: naive against tuned.

Both read the sign-language digits with ``keras.utils.image_dataset_from_directory`` at the
size the model trains on and apply the same random flip and rotation. The naive pipeline
decodes every JPEG again each epoch and augments one batch at a time on the training thread;
the tuned one caches the decoded, resized images, augments in parallel (``num_parallel_calls``)
and prefetches, so the CPU prepares the next batches while the model trains.
"""

from __future__ import annotations

import statistics
import time

BATCH = 32


def _augmenter():
    import keras

    return keras.Sequential(
        [keras.layers.RandomFlip("horizontal", seed=0), keras.layers.RandomRotation(0.1, seed=1)]
    )


def naive(image_dir, size: int):
    import keras

    augment = _augmenter()
    data = keras.utils.image_dataset_from_directory(
        image_dir, image_size=(size, size), batch_size=BATCH, seed=0, verbose=False
    )
    return data.map(lambda x, y: (augment(x, training=True), y))


def tuned(image_dir, size: int):
    import keras
    import tensorflow as tf

    from cnnbook.data import without_autotune

    augment = _augmenter()
    data = keras.utils.image_dataset_from_directory(
        image_dir, image_size=(size, size), batch_size=None, seed=0, verbose=False
    )
    # As the book's pipelines: autotuning off (the same images/s here, and no wait at the end
    # of each Keras call; see cnnbook.data.without_autotune).
    return (
        without_autotune(data)
        .cache()
        .shuffle(4096, seed=0)
        .batch(BATCH)
        .map(lambda x, y: (augment(x, training=True), y), num_parallel_calls=tf.data.AUTOTUNE)
        .prefetch(tf.data.AUTOTUNE)
    )


def _epoch_rate(dataset) -> float:
    start, images = time.perf_counter(), 0
    for batch, _ in dataset:
        images += int(batch.shape[0])
    return images / (time.perf_counter() - start)


def throughput(image_dir, size: int = 64, epochs: int = 4) -> dict:
    """Images/s of each pipeline per epoch; the first epoch (cache filling) is kept apart."""
    out = {"size": size, "batch": BATCH}
    for name, build in (("naive", naive), ("tuned", tuned)):
        dataset = build(image_dir, size)
        first = _epoch_rate(dataset)
        out[name] = {
            "first_epoch": first,
            "later_epochs": [_epoch_rate(dataset) for _ in range(epochs - 1)],
        }
        out[name]["median"] = statistics.median(out[name]["later_epochs"])
    out["tuned_over_naive"] = out["tuned"]["median"] / out["naive"]["median"]
    return out


def measure(options, results: dict) -> dict:
    """The pipeline section, against the ResNet-50 throughput of the models section."""
    from cnnbook.data import locate

    source = locate("sign-language-digits")
    measured = throughput(source.image_dir, size=64, epochs=3 if options.smoke else 4)
    consumes = next(r for r in results["models"]["throughput"] if r["model"] == "ResNet-50")
    measured["model_consumes"] = consumes["median_ours"]
    measured["model"] = f"ResNet-50 (ours) at {consumes['input']}x{consumes['input']}"
    measured["tuned_over_model"] = measured["tuned"]["median"] / consumes["median_ours"]
    measured["data"] = source.name
    return measured
