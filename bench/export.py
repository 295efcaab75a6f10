"""The MobileNet chapter's model as it ships: file size, accuracy and latency per format.

The same model as *MobileNet: depthwise-separable convolutions* ships (MobileNetV2 with its
ImageNet weights, frozen, under a new head trained on the sign-language digits' features at
96x96), saved as ``.keras`` and SavedModel and converted to LiteRT float32, float16 and int8
by ``cnnbook.export.ship``, which checks every copy against the Keras model. Latency is one
image per call on one CPU thread (the LiteRT interpreter's ``num_threads=1``; TensorFlow's
intra- and inter-op threads at 1 in the fresh process), the median of ``options.repeats`` runs
over the same test images (``cnnbook.timing``).
"""

from __future__ import annotations

import tempfile

SIZE = 96  # pixels per side: the smallest input with ImageNet weights
HEAD_EPOCHS = 15
CALIBRATION = 200  # training images for int8
TIMING_IMAGES = 32


def measure(options, results: dict) -> dict:
    """The export section: one row per shipped form of the model."""
    import keras

    from cnnbook import export, transfer
    from cnnbook.data import arrays_dataset, load_splits
    from cnnbook.weights import imagenet_weights

    smoke = options.smoke
    splits = load_splits(SIZE, limit_train=32 if smoke else None)
    x_train, y_train = transfer.dataset_arrays(splits.train)
    x_test, y_test = transfer.dataset_arrays(splits.test)
    if smoke:
        x_test, y_test = x_test[:16], y_test[:16]
    imagenet_base = keras.applications.MobileNetV2(
        include_top=False, weights=imagenet_weights(SIZE), input_shape=(SIZE, SIZE, 3)
    )
    end = "block_2_add" if smoke else "out_relu"  # smoke: two blocks, for a quick conversion
    base = keras.Model(imagenet_base.input, imagenet_base.get_layer(end).output)
    base.trainable = False
    head = transfer.new_head(base.output_shape[1:], len(splits.class_names), seed=0)
    head.compile(keras.optimizers.Adam(1e-3), "sparse_categorical_crossentropy")
    head.fit(
        arrays_dataset(transfer.extract_features(base, x_train), y_train, seed=0),
        epochs=2 if smoke else HEAD_EPOCHS,
        verbose=0,
    )
    model = transfer.classifier_on_base(base, head, name="signs")
    # A barely trained smoke head's near-ties may change class in float16 or int8.
    loose = {"float16": export.Tolerance(max_prob_diff=1.0), "int8": export.Tolerance()}
    with tempfile.TemporaryDirectory(prefix="bench-export-") as folder:
        shipped = export.ship(
            model,
            folder,
            train_images=x_train,
            test_images=x_test,
            test_labels=y_test,
            photo_path=splits.files["test"][0],
            representative=8 if smoke else CALIBRATION,
            tolerances=loose if smoke else None,
            timing_images=4 if smoke else TIMING_IMAGES,
            repeats=options.repeats,
            name="signs",
        )
    section = shipped.as_dict()
    section["model"] = (
        f"MobileNetV2 up to {end} (ImageNet weights, frozen) + a new head, {SIZE}x{SIZE}, "
        f"{model.count_params():,} parameters"
    )
    return section
