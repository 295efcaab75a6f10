"""The transfer-learning recipe, timed: MobileNetV2 fine-tuned on the sign-language digits.

The chapter *Transfer learning* builds its best recipe step by step (``cnnbook.transfer.BEST``)
and runs it over three seeds; this section runs the same recipe on the machine being measured,
so its test accuracy, seconds per epoch and whole-run time sit beside the other figures of
``make bench``. The images are loaded at the recipe's size, the layers below the first trained
one run once over them (their activations), and each seed then fine-tunes from the pretrained
weights: the section records every seed's accuracies and epoch times.
"""

from __future__ import annotations

import dataclasses
import time

SEEDS = (0, 1, 2)
SMOKE_SEEDS = (0, 1)
SMOKE_IMAGES = 32  # per part in smoke mode


def measure(options, results: dict) -> dict:
    """Run ``transfer.BEST`` over ``SEEDS``; smoke mode: 96 px, 1 epoch, 32 images a part."""
    import keras

    from cnnbook import transfer
    from cnnbook.data import load_splits
    from cnnbook.weights import imagenet_weights

    recipe = transfer.BEST
    seeds = SEEDS
    if options.smoke:
        recipe = dataclasses.replace(recipe, image_size=96, epochs=1)
        seeds = SMOKE_SEEDS
    start = time.perf_counter()
    splits = load_splits(recipe.image_size, limit_train=SMOKE_IMAGES if options.smoke else None)
    images = {
        part: tuple(
            a[:SMOKE_IMAGES] if options.smoke else a
            for a in transfer.dataset_arrays(getattr(splits, part))
        )
        for part in ("train", "validation", "test")
    }
    load_seconds = time.perf_counter() - start
    size = recipe.image_size
    weights = imagenet_weights(size)
    base = keras.applications.MobileNetV2(
        include_top=False, weights=weights, input_shape=(size, size, 3)
    )
    runs = transfer.run_recipe(
        base, recipe, images, seeds, classes=len(splits.class_names), run_eagerly=False
    )
    return {
        "recipe": dataclasses.asdict(recipe),
        "describe": recipe.describe(),
        "data": splits.source.name,
        "pretrained": weights is not None,
        "sizes": {part: len(images[part][1]) for part in images},
        "load_seconds": load_seconds,
        "features_seconds": runs[0].features_seconds,
        "runs": [run.as_dict() for run in runs],
    }
