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
import re
import shutil
import sys
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


# sha256 by (path, size, mtime): every call checks every file in KERAS_HOME, but a file is only
# read again once it has changed (a rename or a rewrite changes the key).
_hashes: dict[tuple[str, int, int], str] = {}


def _hash_key(path: Path) -> tuple[str, int, int]:
    stat = path.stat()
    return (str(path.resolve()), stat.st_size, stat.st_mtime_ns)


def _sha256(path: Path) -> str:
    key = _hash_key(path)
    if key not in _hashes:
        _hashes[key] = hashlib.sha256(path.read_bytes()).hexdigest()
    return _hashes[key]


def _opens_as_hdf5(path: Path) -> bool:
    try:
        import h5py

        with h5py.File(path, "r"):
            return True
    except OSError:  # truncated, or not HDF5 at all
        return False


def _state(target: Path, size: int) -> str:
    """``"missing"``, ``"ours"`` (the 224 file, as seeded), ``"keras"`` or ``"damaged"``.

    A target at another size than 224 with another hash may be the file Keras itself downloads
    for that size (trained at that size, hash unknown here): it is kept if it opens as HDF5,
    which a truncated or half-downloaded file does not.
    """
    if not target.is_file():
        return "missing"
    if _sha256(target) == MOBILENET_V2_SHA256:
        return "ours"
    if size != TRAINED_SIZE and _opens_as_hdf5(target):
        return "keras"
    return "damaged"


def _install(source: Path, target: Path) -> None:
    """Copy under a temporary name, then rename: never a half-written weights file."""
    handle, partial = tempfile.mkstemp(dir=target.parent, prefix=".partial-")
    os.close(handle)
    try:
        shutil.copyfile(source, partial)
        os.replace(partial, target)
        _hashes[_hash_key(target)] = _sha256(source)  # a whole copy: no need to read it back
    except OSError as error:
        raise RuntimeError(
            f"Could not write {target.name} into KERAS_HOME={paths.for_reader(keras_home())} "
            f"({_one_line(error)}); make that folder writable or set KERAS_HOME to another one."
        ) from error
    finally:
        if os.path.exists(partial):
            os.remove(partial)


def _one_line(error: BaseException, limit: int = 200) -> str:
    text = re.sub(r"\s+", " ", f"{type(error).__name__}: {error}").strip()
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _local_source() -> tuple[Path | None, Path | None]:
    """(local weights folder, the 224 file in it if it is there); may raise FolderVariableError."""
    local_dir = paths.local_weights_dir()
    source = local_dir / MOBILENET_V2_NO_TOP.format(size=TRAINED_SIZE) if local_dir else None
    if source is None or not source.is_file():
        return local_dir, None
    if _sha256(source) != MOBILENET_V2_SHA256:
        raise RuntimeError(
            f"{source} is not the expected MobileNetV2 weights file (sha256 differs from "
            f"{MOBILENET_V2_SHA256}); replace it or unset CNNBOOK_WEIGHTS_DIR."
        )
    return local_dir, source


def _replaced_line(names: list[str], local_dir: Path) -> str:
    return (
        f"Replaced a damaged {', '.join(names)} (sha256 differs) in "
        f"KERAS_HOME={paths.for_reader(keras_home())} from {paths.for_reader(local_dir)}."
    )


def seed_keras_home() -> str | None:
    """Install local MobileNetV2 weights into ``KERAS_HOME``; return a note to print, if any.

    Must run before Keras is imported: Keras reads ``KERAS_HOME`` once, at import. A target
    already there is checked too: a damaged one (a copy or download cut short) is replaced, with
    a printed line, since Keras would otherwise fail on it later with an h5py error.
    """
    local_dir, source = _local_source()
    if source is None:
        return None
    if "KERAS_HOME" not in os.environ:
        if "keras" in sys.modules:
            return "Note: Keras was imported before cnnbook.setup(); KERAS_HOME was not seeded."
        os.environ["KERAS_HOME"] = str(paths.scratch_dir() / "keras_home")
    models = keras_home() / "models"
    models.mkdir(parents=True, exist_ok=True)
    damaged = []
    for size in KERAS_SIZES:
        target = models / MOBILENET_V2_NO_TOP.format(size=size)
        state = _state(target, size)
        if state in ("missing", "damaged"):
            _install(source, target)
        if state == "damaged":
            damaged.append(target.name)
    if damaged:
        print(_replaced_line(damaged, local_dir))
    return (
        f"ImageNet weights: MobileNetV2 (no top) from {paths.for_reader(local_dir)} installed "
        f"into KERAS_HOME={paths.for_reader(keras_home())}; trained at "
        f"{TRAINED_SIZE}x{TRAINED_SIZE}, the same file serves weights='imagenet' at "
        f"{', '.join(map(str, KERAS_SIZES))}."
    )


def _repair_or_remove(target: Path) -> bool:
    """Replace a damaged ``target`` from the local weights (True), else remove it and say so."""
    try:
        local_dir, source = _local_source()
    except paths.FolderVariableError:
        local_dir, source = None, None  # named again in the NO PRETRAINED WEIGHTS message
    if source is not None:
        _install(source, target)
        print(_replaced_line([target.name], local_dir))
        return True
    where = f"{target.name} in KERAS_HOME={paths.for_reader(keras_home())}/models"
    try:
        target.unlink()
        print(f"The ImageNet weights file {where} was damaged (sha256 differs); removed it.")
    except OSError as error:
        print(
            f"The ImageNet weights file {where} is damaged (sha256 differs) and could not be "
            f"removed ({_one_line(error)}). Fix: delete it and run once with network, or set "
            "CNNBOOK_WEIGHTS_DIR to a folder holding "
            f"{MOBILENET_V2_NO_TOP.format(size=TRAINED_SIZE)}."
        )
    return False


def imagenet_weights(input_size: int = TRAINED_SIZE) -> str | None:
    """``"imagenet"`` if MobileNetV2 weights for ``input_size`` can be had, else ``None``, loudly.

    Use as ``keras.applications.MobileNetV2(weights=imagenet_weights(160), ...)``. A damaged
    file in ``KERAS_HOME`` counts as none: it is replaced from the local weights, or removed
    (then downloaded again where there is network), never handed to Keras to fail on.
    """
    name = MOBILENET_V2_NO_TOP.format(size=input_size)
    target = keras_home() / "models" / name
    state = _state(target, input_size)
    if state == "damaged":
        state = "ours" if _repair_or_remove(target) else "missing"
    if state == "keras":
        return "imagenet"  # Keras's own file for this size, trained at this size
    if state == "ours":
        if input_size != TRAINED_SIZE:
            print(
                f"Using ImageNet weights trained at {TRAINED_SIZE}x{TRAINED_SIZE} "
                f"for {input_size}x{input_size} input."
            )
        return "imagenet"
    try:
        paths.local_weights_dir()
        folder_problem = ""
    except paths.FolderVariableError as error:
        folder_problem = f"{error}\n"
    import keras

    try:
        # With the hash, Keras also replaces a damaged 224 file it finds, when online. Only the
        # 224 file's hash is known here: Keras's files for other sizes are other files.
        file_hash = MOBILENET_V2_SHA256 if input_size == TRAINED_SIZE else None
        keras.utils.get_file(name, ORIGIN + name, cache_subdir="models", file_hash=file_hash)
        return "imagenet"
    except Exception as error:  # no network, proxy, HTTP error: all mean "no weights"
        bar = "!" * 78
        print(
            f"{bar}\nNO PRETRAINED WEIGHTS: could not get {name} ({_one_line(error)}).\n"
            f"{folder_problem}"
            "Continuing with RANDOM weights: accuracies below will be far lower than the book's.\n"
            "Fix: run once with network, or set CNNBOOK_WEIGHTS_DIR to a folder holding "
            f"{MOBILENET_V2_NO_TOP.format(size=TRAINED_SIZE)}.\n{bar}"
        )
        return None
