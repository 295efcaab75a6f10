"""Inference latency of the seven networks of *The case studies head to head*.

Each network of ``cnnbook.head_to_head`` is built at the chapter's 32x32 input, with untrained
weights (the time of a forward pass does not depend on their values), and timed by
``cnnbook.head_to_head.latency``: ``options.repeats`` timings of ``NUMBER`` forward passes in
inference mode, per image, at one image per call (what an application answering one request
at a time sees) and at a batch of 32 (what spreads the fixed cost of each operation over many
images). The chapter reports these figures instead of checking a timing of its own: a timing
taken while the book builds depends on whatever else the machine is doing.
"""

from __future__ import annotations

BATCHES = (1, 32)
NUMBER = 10  # forward passes per timing
SMOKE_BATCHES = (1, 4)
SMOKE_NUMBER = 2


def measure(options, results: dict) -> dict:
    """The head_to_head section: one row per network and batch size, seconds per image."""
    import keras
    import tensorflow as tf

    from cnnbook import head_to_head

    batches = SMOKE_BATCHES if options.smoke else BATCHES
    number = SMOKE_NUMBER if options.smoke else NUMBER
    device = "GPU" if tf.config.list_physical_devices("GPU") else "CPU"
    rows = []
    for name in head_to_head.NETWORKS:
        keras.backend.clear_session()
        model = head_to_head.build(name)
        sizes = head_to_head.describe(model)
        for batch in batches:
            timing = head_to_head.latency(
                model, batch=batch, repeats=options.repeats, number=number
            )
            rows.append(
                {
                    "network": name,
                    "batch": batch,
                    "parameters": sizes["parameters"],
                    "multiplications": sizes["multiplications"],
                    "layers": sizes["layers"],
                    "seconds_per_image": list(timing.seconds),
                    "median": timing.median,
                }
            )
    return {
        "input": head_to_head.INPUT_SHAPE[0],
        "device": device,
        "repeats": options.repeats,
        "number": number,
        "rows": rows,
    }
