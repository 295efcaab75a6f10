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
import os
import textwrap
from dataclasses import dataclass, field
from pathlib import Path

from cnnbook import paths as book_paths
from cnnbook.data.folder_check import ImageFolderError, check_image_folder, prepared_folder
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


def _positive_int(value, what: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValueError(f"{what} must be a whole number of at least 1, got {value!r}")
    return value


def _checked_arguments(image_size, batch_size, classes, limit_train) -> tuple[int, int]:
    """Say what is wrong with the arguments before TensorFlow fails on them, deep inside."""
    if isinstance(image_size, int) and not isinstance(image_size, bool):
        image_size = (image_size, image_size)
    if not (isinstance(image_size, tuple | list) and len(image_size) == 2):
        raise ValueError(
            f"image_size must be a number of pixels (64) or (height, width), got {image_size!r}"
        )
    height, width = (_positive_int(side, "each side of image_size") for side in image_size)
    _positive_int(batch_size, "batch_size")
    if limit_train is not None:
        _positive_int(limit_train, "limit_train")
    if classes is not None and (
        isinstance(classes, str) or not all(isinstance(c, str) for c in classes)
    ):
        raise ValueError(
            f"classes must be a list of class folder names such as ['0', '1'], got {classes!r}"
        )
    return height, width


def user_folder(
    folder,
    *,
    classes: list[str] | None = None,
    image_size: tuple[int, int] = (64, 64),
    bad_files: str = "skip",
) -> DataSource:
    """A learner's own folder of class sub-folders, checked and made safe to train on.

    ``check_image_folder`` reads every file first. With ``bad_files="skip"`` the files that
    would stop or mislabel training are left out and each is named in the output; with
    ``"raise"`` the call fails with their list. Photos far larger than ``image_size`` are
    resized once (a copy), so they are not decoded at full size on every pass.
    """
    if bad_files not in ("skip", "raise"):
        raise ValueError(f'bad_files must be "skip" or "raise", got {bad_files!r}')
    # Keep 4x the training size (for crops and zooms), and never shrink below 1,024 pixels.
    large_side = max(1024, 4 * max(image_size))
    report = check_image_folder(folder, classes=classes, large_side=large_side)
    if not report.usable:
        raise ImageFolderError(str(report))
    left_out = [f for f in report.findings if f.action == "excluded"]
    if left_out and bad_files == "raise":
        raise ImageFolderError(
            f"{len(report.excluded)} files in {report.root} cannot be trained on "
            '(bad_files="raise"):\n' + "\n".join(f"  {f.path}: {f.message}" for f in left_out)
        )
    print(textwrap.fill(report.summary(), width=80, break_on_hyphens=False))
    for line in report.warnings:
        print(textwrap.fill(f"Warning: {line}", width=80, subsequent_indent="  "))
    for finding in left_out:
        if finding.problem == "duplicate-across-classes":
            continue  # its warning above names every copy
        print(
            textwrap.fill(
                f"Warning: left out {finding.path}: {finding.message}",
                width=80,
                subsequent_indent="  ",
            )
        )
    image_dir = prepared_folder(report, book_paths.scratch_dir() / "checked-folders")
    name = Path(report.root).resolve().name
    return DataSource(
        name=name,
        image_dir=image_dir,
        origin="user folder",
        license="your own",
        citation="",
        num_files=sum(report.classes.values()),
    )


def load_splits(
    image_size: int | tuple[int, int] = 64,
    *,
    classes: list[str] | None = None,
    batch_size: int = 32,
    name: str = "sign-language-digits",
    limit_train: int | None = None,
    seed: int = SPLIT_SEED,
    source: DataSource | str | os.PathLike | None = None,
    bad_files: str = "skip",
) -> Splits:
    """Load ``name`` as train/validation/test (70/15/15) at ``image_size``.

    ``classes`` keeps only those class folders (``["0", ..., "5"]`` gives the 6-class SIGNS-like
    set), labelled 0, 1, ... in the order given; each kept photo stays in the part it has in
    the whole data set, so a subset's test photos are test photos of the full set too.
    ``limit_train`` keeps the first N training images (smaller experiments, smoke mode).
    ``source`` may be a folder of your own (one sub-folder per class): it is checked first
    (``user_folder``; ``bad_files`` says whether bad files are skipped or an error).
    """
    image_size = _checked_arguments(image_size, batch_size, classes, limit_train)
    import keras
    import tensorflow as tf

    if isinstance(source, str | os.PathLike):
        source = user_folder(source, classes=classes, image_size=image_size, bad_files=bad_files)
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
