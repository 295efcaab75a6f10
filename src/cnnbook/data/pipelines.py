"""The book's one train/validation/test split, as ``tf.data`` pipelines.

Files are read with ``keras.utils.image_dataset_from_directory``; the split is made on the list
of all the data set's files with a fixed seed, so every chapter and assignment sees the same
images in the same part, whatever the image size, and a subset of the classes keeps each photo
in the part it has in the whole set. Images are resized once and cached, so the three
3024x3024 photos in class 7 are decoded once.
"""

from __future__ import annotations

import contextlib
import io
from dataclasses import dataclass, field
from pathlib import Path

from cnnbook.data.sources import DataSource, locate

SPLIT_SEED = 1234
VALIDATION_FRACTION = 0.15
TEST_FRACTION = 0.15


@dataclass
class Splits:
    """Batched, cached, prefetched datasets of (image, label); pixels are floats in 0..255.

    ``files`` holds the image files of each part (``"train"``, ``"validation"``, ``"test"``):
    the evidence that the parts are disjoint. With ``limit_train`` the training dataset holds
    ``sizes["train"]`` of the files listed for it.
    """

    train: object
    validation: object
    test: object
    class_names: list[str]
    sizes: dict[str, int]
    source: DataSource
    files: dict[str, list[str]] = field(default_factory=dict)

    def describe(self) -> str:
        counts = ", ".join(f"{part} {n:,}" for part, n in self.sizes.items())
        return f"{self.source.name}: classes {self.class_names}; {counts} images"


def without_autotune(dataset):
    """``dataset`` with tf.data's autotuning switched off (kept by every dataset made from it).

    With autotuning on, closing an iterator waits for the autotuner's next wake-up, and it
    wakes at doubling intervals. Keras opens an iterator per ``fit``, ``evaluate`` or
    ``predict`` call, so each call runs on after its last step (the ``autotune`` benchmark and
    the Performance appendix measure by how much). The book's pipelines cache decoded images in
    memory, so there is little to tune: ``AUTOTUNE`` parallelism and prefetching fall back to
    TensorFlow's fixed defaults.
    """
    import tensorflow as tf

    options = tf.data.Options()
    options.autotune.enabled = False
    return dataset.with_options(options)


def arrays_dataset(x, y=None, batch_size: int = 32, *, shuffle: bool = True, seed=None):
    """NumPy arrays as a batched ``tf.data`` pipeline for Keras, with autotuning off.

    Keras turns arrays given to ``fit``, ``evaluate`` or ``predict`` into a pipeline of its own
    with autotuning on, so every epoch would wait as ``without_autotune`` describes.
    ``shuffle`` reshuffles every epoch, as ``fit`` does with arrays (give ``fit`` itself
    ``shuffle=False``: Keras cannot shuffle a pipeline and warns); evaluation and prediction
    want ``shuffle=False`` here.
    """
    import tensorflow as tf

    if batch_size < 1:
        raise ValueError(f"batch_size must be at least 1, got {batch_size}")
    dataset = without_autotune(tf.data.Dataset.from_tensor_slices(x if y is None else (x, y)))
    if shuffle:
        dataset = dataset.shuffle(len(x), seed=seed, reshuffle_each_iteration=True)
    return dataset.batch(batch_size).prefetch(tf.data.AUTOTUNE)


def load_splits(
    image_size: int | tuple[int, int] = 64,
    *,
    classes: list[str] | None = None,
    batch_size: int = 32,
    name: str = "sign-language-digits",
    limit_train: int | None = None,
    seed: int = SPLIT_SEED,
    source: DataSource | None = None,
) -> Splits:
    """Load ``name`` as train/validation/test (70/15/15) at ``image_size``.

    ``classes`` keeps only those class folders (``["0", ..., "5"]`` gives the 6-class SIGNS-like
    set), labelled 0, 1, ... in the order given; each kept photo stays in the part it has in
    the whole data set, so a subset's test photos are test photos of the full set too.
    ``limit_train`` keeps the first N training images (smaller experiments, smoke mode).
    """
    import keras
    import tensorflow as tf

    if isinstance(image_size, int):
        image_size = (image_size, image_size)
    if batch_size < 1:
        raise ValueError(f"batch_size must be at least 1, got {batch_size}")
    source = source or locate(name)
    # Keras prints "Using N files for training/validation." even with verbose=False; the split
    # sizes below (Splits.describe) say it for all three parts.
    with contextlib.redirect_stdout(io.StringIO()):
        train, heldout = keras.utils.image_dataset_from_directory(
            source.image_dir,
            labels="inferred",
            label_mode="int",
            image_size=image_size,
            batch_size=None,
            shuffle=True,
            seed=seed,
            validation_split=VALIDATION_FRACTION + TEST_FRACTION,
            subset="both",
            verbose=False,
        )
    all_classes = list(train.class_names)
    # Keras builds the held-out part without shuffling, in the seeded file order: taking and
    # skipping from it gives two disjoint, repeatable halves.
    heldout_files = list(heldout.file_paths)
    n_validation = round(
        len(heldout_files) * VALIDATION_FRACTION / (VALIDATION_FRACTION + TEST_FRACTION)
    )
    files = {
        "train": list(train.file_paths),
        "validation": heldout_files[:n_validation],
        "test": heldout_files[n_validation:],
    }
    validation, test = heldout.take(n_validation), heldout.skip(n_validation)
    class_names = all_classes
    if classes is not None:
        class_names = list(classes)
        unknown = sorted(set(class_names) - set(all_classes))
        if unknown or len(set(class_names)) != len(class_names):
            raise ValueError(
                f"classes must be distinct class folders of {source.name} "
                f"({all_classes}), got {class_names}"
            )
        # The split is made on all the files first, then each part keeps the chosen classes.
        files = {
            part: [f for f in paths if Path(f).parent.name in class_names]
            for part, paths in files.items()
        }
        new_label = tf.constant(
            [class_names.index(c) if c in class_names else -1 for c in all_classes]
        )

        def kept(dataset, part):
            dataset = dataset.filter(lambda x, y: tf.gather(new_label, y) >= 0)
            dataset = dataset.map(lambda x, y: (x, tf.gather(new_label, y)))
            # A filter hides the length; without it Keras warns "Your input ran out of
            # data" at the end of every first epoch. tf.data checks the count as it reads.
            count = len(files[part])
            return dataset.apply(tf.data.experimental.assert_cardinality(count))

        train = kept(train, "train")
        validation, test = kept(validation, "validation"), kept(test, "test")
    n_train = len(files["train"])
    if limit_train is not None:
        n_train = min(n_train, limit_train)
        train = train.take(n_train)
    autotune = tf.data.AUTOTUNE
    train = without_autotune(train)
    validation, test = without_autotune(validation), without_autotune(test)
    train = (
        train.cache()
        .shuffle(n_train, seed=seed, reshuffle_each_iteration=True)
        .batch(batch_size)
        .prefetch(autotune)
    )
    validation = validation.batch(batch_size).cache().prefetch(autotune)
    test = test.batch(batch_size).cache().prefetch(autotune)
    sizes = {
        "train": n_train,
        "validation": len(files["validation"]),
        "test": len(files["test"]),
    }
    return Splits(train, validation, test, class_names, sizes, source, files)


def signs_classes(n: int = 6) -> list[str]:
    """The first ``n`` digit classes as folder names: 6 gives the classic 6-class SIGNS variant."""
    return [str(i) for i in range(n)]
