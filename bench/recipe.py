"""The transfer-learning recipe, measured: MobileNetV2 fine-tuned on the sign-language digits.

``make bench BENCH=recipe`` runs ``cnnbook.transfer.BEST`` over ``SEEDS`` and then each step of
the recipe changed on its own (``ABLATIONS``, one seed each unless a step names more), so the
test accuracy each step is worth, the seconds per epoch and the whole run's time sit beside the
other figures of ``make bench``. The images are loaded once per input size, one MobileNetV2 is
built per size, and the layers below the first trained one run once over the images (their
activations, shared by every recipe on that base); each seed then fine-tunes from the
pretrained weights. Every run records its wall-clock and CPU seconds: on a machine shared with
other work, the CPU seconds are what the training costs.

The recipe was chosen on the validation split only; the test split is read once per run.

``python -m bench.recipe LABEL ... --jsonl PATH`` runs only the named steps (``best`` for the
recipe itself) and appends one JSON line per run: the same measurement in pieces.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import time

SEEDS = (0, 1, 2)
SMOKE_SEEDS = (0, 1)
SMOKE_IMAGES = 32  # per part in smoke mode

# Each step of the recipe changed on its own, from transfer.BEST: (label, changes, seeds).
ABLATIONS = (
    ("label smoothing 0.1", {"label_smoothing": 0.1}, (0,)),
    ("one rate for all (factor 1)", {"pretrained_factor": 1.0}, (0,)),
    ("constant rate", {"schedule": "constant"}, (0,)),
    ("from block_16 (top block only)", {"first_trainable": "block_16_expand"}, (0,)),
    ("head only, base frozen (20 epochs)", {"first_trainable": None, "epochs": 20}, (0,)),
    ("160 px", {"image_size": 160}, (0,)),
)


def plan(smoke: bool = False, labels=None) -> list[tuple[str, object, tuple[int, ...]]]:
    """(label, recipe, seeds) of every run, the recipe first; ``labels`` keeps only those."""
    from cnnbook import transfer

    steps = [("best", transfer.BEST, SEEDS)] + [
        (label, dataclasses.replace(transfer.BEST, **changes), seeds)
        for label, changes, seeds in ABLATIONS
    ]
    if labels is not None:
        unknown = set(labels) - {label for label, _, _ in steps}
        if unknown:
            raise ValueError(f"no step {sorted(unknown)}; steps: {[s[0] for s in steps]}")
        steps = [step for step in steps if step[0] in labels]
    if smoke:  # 96 px, 1 epoch; 2 seeds of the recipe, 1 of one step: the code path only
        steps = [
            (label, dataclasses.replace(recipe, image_size=96, epochs=1), seeds)
            for (label, recipe, _), seeds in zip(
                steps[:2], (SMOKE_SEEDS, SMOKE_SEEDS[:1])[: len(steps[:2])], strict=True
            )
        ]
    return steps


def _images(size: int, smoke: bool):
    from cnnbook import transfer
    from cnnbook.data import load_splits

    splits = load_splits(size, limit_train=SMOKE_IMAGES if smoke else None)
    images = {
        part: tuple(
            a[:SMOKE_IMAGES] if smoke else a for a in transfer.dataset_arrays(getattr(splits, part))
        )
        for part in ("train", "validation", "test")
    }
    return splits, images


def run_plan(steps, smoke: bool = False, on_run=None) -> dict:
    """Run ``steps`` (from ``plan``), grouped by input size; ``on_run(row)`` after each run."""
    import keras

    from cnnbook import transfer
    from cnnbook.weights import imagenet_weights

    rows, loads, sizes, source, pretrained = [], {}, {}, None, True
    for size in dict.fromkeys(recipe.image_size for _, recipe, _ in steps):
        start, cpu = time.perf_counter(), time.process_time()
        splits, images = _images(size, smoke)
        loads[str(size)] = {
            "seconds": time.perf_counter() - start,
            "cpu_seconds": time.process_time() - cpu,
        }
        source = splits.source.name
        sizes = {part: len(images[part][1]) for part in images}
        weights = imagenet_weights(size)
        pretrained = pretrained and weights is not None
        base = keras.applications.MobileNetV2(
            include_top=False, weights=weights, input_shape=(size, size, 3)
        )
        cache: dict = {}
        for label, recipe, seeds in steps:
            if recipe.image_size != size:
                continue
            for seed in seeds:
                (run,) = transfer.run_recipe(
                    base, recipe, images, [seed], classes=len(splits.class_names), cache=cache
                )
                row = run.as_dict() | {"label": label, "describe": recipe.describe()}
                rows.append(row)
                if on_run is not None:
                    on_run(row)
    best = [row for row in rows if row["label"] == "best"]
    first = best[0] if best else rows[0]
    return {
        "recipe": first["recipe"],
        "describe": first["describe"],
        "data": source,
        "pretrained": pretrained,
        "sizes": sizes,
        "load": loads,
        "load_seconds": sum(load["seconds"] for load in loads.values()),
        "features_seconds": first["features_seconds"],
        "features_cpu_seconds": first["features_cpu_seconds"],
        "runs": best,
        "ablations": [row for row in rows if row["label"] != "best"],
    }


def measure(options, results: dict) -> dict:
    """The recipe over ``SEEDS``, then each ablation; smoke mode: 96 px, 1 epoch, 32 images."""
    return run_plan(plan(options.smoke), options.smoke)


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.recipe", description=__doc__)
    parser.add_argument("labels", nargs="*", help="steps to run (default: all)")
    parser.add_argument("--jsonl", required=True, help="append one JSON line per run here")
    parser.add_argument(
        "--seeds", help="comma-separated seeds for every step run (default: the plan's)"
    )
    args = parser.parse_args(argv)
    import cnnbook

    cnnbook.setup(verbose=False)
    steps = plan(labels=args.labels or None)
    if args.seeds:
        seeds = tuple(int(s) for s in args.seeds.split(","))
        steps = [(label, recipe, seeds) for label, recipe, _ in steps]

    def write(row):
        with open(args.jsonl, "a") as stream:
            stream.write(json.dumps(row) + "\n")
        print(
            f"{row['label']} seed {row['seed']}: validation {row['validation_accuracy']:.4f}, "
            f"{row['seconds_per_epoch']:.0f} s per epoch, training {row['train_seconds']:.0f} s "
            f"wall, {row['cpu_seconds']:.0f} s CPU",
            flush=True,
        )

    section = run_plan(steps, on_run=write)
    print(json.dumps({k: v for k, v in section.items() if k not in ("runs", "ablations")}))


if __name__ == "__main__":
    main()
