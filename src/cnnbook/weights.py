"""Pretrained ImageNet weights that work offline.

Chapters call ``keras.applications.MobileNetV2(weights="imagenet", ...)`` exactly as on Colab.
Where local weights exist (``CNNBOOK_WEIGHTS_DIR``, or ``../shared/weights`` beside a checkout),
``seed_keras_home()`` copies them into a scratch ``KERAS_HOME`` before Keras is imported, so that
very call finds them without a download.

Taught in *Transfer learning* and *Using open-source implementations*.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
from pathlib import Path

from cnnbook import paths

MOBILENET_V2_NO_TOP = "mobilenet_v2_weights_tf_dim_ordering_tf_kernels_1.0_{size}_no_top.h5"
MOBILENET_V2_SHA256 = "71e4c4ec4aa24c9c951b9265d6de42e1336dcf614c2214fa6a989208615e232c"
TRAINED_SIZE = 224
KERAS_SIZES = (96, 128, 160, 192, 224)  # the input sizes Keras looks up by file name
ORIGIN = "https://storage.googleapis.com/tensorflow/keras-applications/mobilenet_v2/"


def keras_home() -> Path:
    return Path(os.environ.get("KERAS_HOME", Path.home() / ".keras"))


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def seed_keras_home() -> str | None:
    """Install local MobileNetV2 weights into ``KERAS_HOME``; return a note to print, if any.

    Must run before Keras is imported: Keras reads ``KERAS_HOME`` once, at import.
    """
    local_dir = paths.local_weights_dir()
    source = local_dir / MOBILENET_V2_NO_TOP.format(size=TRAINED_SIZE) if local_dir else None
    if source is None or not source.is_file():
        return None
    if _sha256(source) != MOBILENET_V2_SHA256:
        raise RuntimeError(
            f"{source} is not the expected MobileNetV2 weights file (sha256 differs from "
            f"{MOBILENET_V2_SHA256}); replace it or unset CNNBOOK_WEIGHTS_DIR."
        )
    if "KERAS_HOME" not in os.environ:
        if "keras" in __import__("sys").modules:
            return "Note: Keras was imported before cnnbook.setup(); KERAS_HOME was not seeded."
        os.environ["KERAS_HOME"] = str(paths.scratch_dir() / "keras_home")
    models = keras_home() / "models"
    models.mkdir(parents=True, exist_ok=True)
    for size in KERAS_SIZES:
        target = models / MOBILENET_V2_NO_TOP.format(size=size)
        if not target.is_file():
            # Copy under a temporary name, then rename: never a half-written weights file.
            handle, partial = tempfile.mkstemp(dir=models, prefix=".partial-")
            os.close(handle)
            shutil.copyfile(source, partial)
            os.replace(partial, target)
    return (
        f"ImageNet weights: MobileNetV2 (no top) from {paths.for_reader(local_dir)} installed "
        f"into KERAS_HOME={paths.for_reader(keras_home())}; trained at "
        f"{TRAINED_SIZE}x{TRAINED_SIZE}, the same file serves weights='imagenet' at "
        f"{', '.join(map(str, KERAS_SIZES))}."
    )


def imagenet_weights(input_size: int = TRAINED_SIZE) -> str | None:
    """``"imagenet"`` if MobileNetV2 weights for ``input_size`` can be had, else ``None``, loudly.

    Use as ``keras.applications.MobileNetV2(weights=imagenet_weights(160), ...)``.
    """
    name = MOBILENET_V2_NO_TOP.format(size=input_size)
    if (keras_home() / "models" / name).is_file():
        if input_size != TRAINED_SIZE:
            print(
                f"Using ImageNet weights trained at {TRAINED_SIZE}x{TRAINED_SIZE} "
                f"for {input_size}x{input_size} input."
            )
        return "imagenet"
    import keras

    try:
        keras.utils.get_file(name, ORIGIN + name, cache_subdir="models")
        return "imagenet"
    except Exception as error:  # no network, proxy, HTTP error: all mean "no weights"
        bar = "!" * 78
        print(
            f"{bar}\nNO PRETRAINED WEIGHTS: could not get {name} ({type(error).__name__}).\n"
            "Continuing with RANDOM weights: accuracies below will be far lower than the book's.\n"
            "Fix: run once with network, or set CNNBOOK_WEIGHTS_DIR to a folder holding "
            f"{MOBILENET_V2_NO_TOP.format(size=TRAINED_SIZE)}.\n{bar}"
        )
        return None
