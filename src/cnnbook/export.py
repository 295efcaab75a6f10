"""A trained model as it ships: saved with its preprocessing, reloaded elsewhere, run by LiteRT.

MobileNet was designed to run on phones (Howard et al. 2017, "MobileNets: Efficient
Convolutional Neural Networks for Mobile Vision Applications", arXiv:1704.04861; Sandler et al.
2018, "MobileNetV2: Inverted Residuals and Linear Bottlenecks", CVPR). A model in a notebook is
not yet on a phone. This module takes the steps between:

1. ``save_keras`` writes the whole model, its preprocessing (``Rescaling``) inside, as one
   ``.keras`` file; ``save_saved_model`` writes the inference graph TensorFlow serves
   (``model.export(path, format="tf_saved_model")``).
2. ``reload_in_fresh_process`` loads both in a new Python process, which knows nothing of the
   notebook's variables, and runs them on a photo read from its file and on the test images.
3. ``convert`` turns the SavedModel into a LiteRT (formerly TensorFlow Lite) flat buffer:
   float32; float16 weights; or full-integer int8 (post-training quantisation calibrated on a
   representative set of training images, after Jacob et al. 2018, "Quantization and Training
   of Neural Networks for Efficient Integer-Arithmetic-Only Inference", CVPR). The int8 model
   takes the camera's bytes (uint8 pixels) directly.
4. ``LiteRTModel`` runs a flat buffer with the LiteRT interpreter (``ai-edge-litert``) on one
   CPU thread, one image at a time, as an app would; ``agreement`` and ``check`` compare its
   probabilities with the Keras model's and raise ``ExportError`` beyond ``TOLERANCES``.

``ship`` does all of it and returns one ``Row`` per format (file size, test accuracy, latency
per image, agreement with Keras). Every file is written under a temporary name and renamed into
place only when whole and checked: a conversion that fails or disagrees leaves nothing behind.

Taught in *MobileNet: depthwise-separable convolutions* (From the notebook to a phone).
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import warnings
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

from cnnbook.timing import Timing, spread

FORMATS = ("float32", "float16", "int8")
ONE_THREAD = {"TF_NUM_INTRAOP_THREADS": "1", "TF_NUM_INTEROP_THREADS": "1", "OMP_NUM_THREADS": "1"}


class ExportError(RuntimeError):
    """A model could not be saved, reloaded or converted, or its copy disagrees with it."""


@dataclass(frozen=True)
class Tolerance:
    """How far a shipped copy may be from the Keras model on the same images.

    ``max_prob_diff``: largest absolute difference of any class probability of any image;
    ``min_agreement``: smallest fraction of images given the same class. ``None``: not checked.
    """

    max_prob_diff: float | None = None
    min_agreement: float | None = None

    def describe(self) -> str:
        parts = []
        if self.max_prob_diff is not None:
            parts.append(f"max |prob diff| <= {self.max_prob_diff:g}")
        if self.min_agreement is not None:
            parts.append(f"same class on >= {self.min_agreement:.0%} of the images")
        return " and ".join(parts) or "nothing checked"


# float32 is the same arithmetic in another order. float16 rounds every weight to 11 significant
# bits: on the chapter's MobileNetV2 sign-digit model (three heads trained) that moved
# probabilities by up to 0.04-0.11 and the class of 0-3 of the 309 test photos, so it is held to
# 0.15 and 98%. int8 rounds weights and activations to 256 levels: five conversions kept 87-90%
# of the classes, so only the classes are compared, at 80%, and the accuracy drop is reported.
TOLERANCES = {
    "keras": Tolerance(max_prob_diff=1e-4),  # the .keras file and the SavedModel, reloaded
    "float32": Tolerance(max_prob_diff=1e-4),
    "float16": Tolerance(max_prob_diff=0.15, min_agreement=0.98),
    "int8": Tolerance(min_agreement=0.8),
}


@dataclass(frozen=True)
class Agreement:
    """A copy's probabilities against the Keras model's, on the same images."""

    max_prob_diff: float
    class_agreement: float  # fraction of images with the same predicted class
    images: int

    def holds(self, tolerance: Tolerance) -> bool:
        return not self.failures(tolerance)

    def failures(self, tolerance: Tolerance) -> list[str]:
        out = []
        if tolerance.max_prob_diff is not None and not (
            self.max_prob_diff <= tolerance.max_prob_diff
        ):
            out.append(
                f"largest probability difference {self.max_prob_diff:.2g} is above "
                f"{tolerance.max_prob_diff:g}"
            )
        if tolerance.min_agreement is not None and not (
            self.class_agreement >= tolerance.min_agreement
        ):
            out.append(
                f"same class on {self.class_agreement:.1%} of the images, below "
                f"{tolerance.min_agreement:.0%}"
            )
        return out


def agreement(reference, probabilities) -> Agreement:
    """Compare two (images, classes) arrays of probabilities."""
    reference = np.asarray(reference, dtype="float64")
    probabilities = np.asarray(probabilities, dtype="float64")
    if reference.shape != probabilities.shape or reference.ndim != 2 or not len(reference):
        raise ValueError(
            "agreement needs two (images, classes) arrays of the same shape, got "
            f"{reference.shape} and {probabilities.shape}"
        )
    if not (np.isfinite(reference).all() and np.isfinite(probabilities).all()):
        return Agreement(float("inf"), 0.0, len(reference))  # NaN never passes a check
    same = reference.argmax(axis=1) == probabilities.argmax(axis=1)
    return Agreement(
        float(np.abs(reference - probabilities).max()), float(same.mean()), len(reference)
    )


def check(what: str, measured: Agreement, tolerance: Tolerance) -> Agreement:
    """``measured`` if it is within ``tolerance``, else an ``ExportError`` that says by how much."""
    failures = measured.failures(tolerance)
    if failures:
        raise ExportError(
            f"{what} disagrees with the Keras model on {measured.images:,} images: "
            f"{'; '.join(failures)} (required: {tolerance.describe()})."
        )
    return measured


@contextlib.contextmanager
def native_stderr_captured():
    """Hold what C++ code writes to file descriptor 2 (the converter's and LiteRT's log lines,
    which a notebook would show on stderr); yields a list that receives the text afterwards.
    """
    held: list[str] = []
    sys.stderr.flush()
    saved = os.dup(2)
    with tempfile.TemporaryFile(mode="w+b") as capture:
        os.dup2(capture.fileno(), 2)
        try:
            yield held
        finally:
            sys.stderr.flush()
            os.dup2(saved, 2)
            os.close(saved)
            capture.seek(0)
            held.append(capture.read().decode(errors="replace"))


def _with_log(message: str, log: list[str], lines: int = 6) -> str:
    tail = "\n".join("".join(log).strip().splitlines()[-lines:])
    return f"{message}\n{tail}" if tail else message


def _one_line(error: BaseException, limit: int = 300) -> str:
    text = " ".join(f"{type(error).__name__}: {error}".split())
    return text if len(text) <= limit else text[: limit - 3] + "..."


# --- writing files whole or not at all ------------------------------------------------------------


def atomic_write(path: str | os.PathLike, write: Callable[[Path], object]) -> Path:
    """Call ``write(temporary)`` to make a file or folder, then rename it to ``path``.

    The temporary name is beside ``path`` (the same file system, so the rename is atomic) and
    starts with ``.partial-``. If ``write`` raises, the temporary is removed and an earlier
    ``path`` is left as it was.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    scratch = Path(tempfile.mkdtemp(dir=path.parent, prefix=f".partial-{path.name}-"))
    partial = scratch / path.name  # keeps the suffix: Keras wants a name ending in .keras
    try:
        write(partial)
        if not partial.exists():
            raise ExportError(f"nothing was written for {path.name}")
        if path.is_dir() and not path.is_symlink():
            old = scratch / ".old"
            os.replace(path, old)  # a folder cannot be replaced by a rename
            try:
                os.replace(partial, path)
            except OSError:
                os.replace(old, path)  # put the earlier one back
                raise
        else:
            os.replace(partial, path)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    return path


def _move(source: Path, path: Path) -> Path:
    """Rename a whole, checked ``source`` (file or folder) to ``path``, replacing an earlier one."""
    return atomic_write(path, lambda partial: os.replace(source, partial))


def write_bytes(path: str | os.PathLike, content: bytes) -> Path:
    """``content`` to ``path``, whole or not at all."""
    return atomic_write(path, lambda partial: partial.write_bytes(content))


def size_bytes(path: str | os.PathLike) -> int:
    """A file's size, or the total of a folder's files (a SavedModel is a folder)."""
    path = Path(path)
    if path.is_dir():
        return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())
    return path.stat().st_size


def save_keras(model, path: str | os.PathLike) -> Path:
    """The whole model (architecture, weights, preprocessing layers) as one ``.keras`` file."""
    path = Path(path)
    if path.suffix != ".keras":
        raise ValueError(f"a Keras model file must end in .keras, got {path.name}")
    try:
        return atomic_write(path, model.save)
    except ExportError:
        raise
    except Exception as error:
        raise ExportError(
            f"Could not save the Keras model to {path}: {_one_line(error)}"
        ) from error


def save_saved_model(model, path: str | os.PathLike) -> Path:
    """The inference graph as a TensorFlow SavedModel folder (``serve`` and ``serving_default``)."""

    def export(partial: Path) -> None:
        # Keras lists the endpoints on stdout, TensorFlow's C++ code logs on stderr
        with contextlib.redirect_stdout(io.StringIO()), native_stderr_captured():
            model.export(str(partial), format="tf_saved_model", verbose=False)

    try:
        return atomic_write(path, export)
    except ExportError:
        raise
    except Exception as error:
        raise ExportError(
            f"Could not export the SavedModel to {path}: {_one_line(error)}"
        ) from error


# --- LiteRT ---------------------------------------------------------------------------------------


def representative_images(images, count: int, seed: int = 0) -> np.ndarray:
    """``count`` images drawn without replacement from ``images`` (training images only)."""
    images = np.asarray(images)
    if images.ndim != 4 or not len(images):
        raise ValueError(
            f"representative images must be (N, H, W, C) with N > 0, got {images.shape}"
        )
    if count < 1:
        raise ValueError(f"count must be at least 1, got {count}")
    chosen = np.random.default_rng(seed).permutation(len(images))[:count]
    return images[np.sort(chosen)].astype("float32")


def convert(saved_model: str | os.PathLike, fmt: str, representative=None) -> bytes:
    """The SavedModel as a LiteRT flat buffer in ``fmt`` (``"float32"``, ``"float16"``, ``"int8"``).

    ``int8`` quantises weights and activations to 8 bits, every operation included, with ranges
    measured on ``representative`` (N, H, W, C images from the training split, pixels 0..255);
    its input is uint8 pixels and its output float32 probabilities. Raises ``ExportError``.
    """
    if fmt not in FORMATS:
        raise ValueError(f"format must be one of {', '.join(FORMATS)}, got {fmt!r}")
    if fmt == "int8" and representative is None:
        raise ValueError("int8 needs representative images (a few hundred training images)")
    import tensorflow as tf

    log: list[str] = []
    try:
        converter = tf.lite.TFLiteConverter.from_saved_model(str(saved_model))
        if fmt == "float16":
            converter.optimizations = [tf.lite.Optimize.DEFAULT]
            converter.target_spec.supported_types = [tf.float16]
        elif fmt == "int8":
            images = np.asarray(representative, dtype="float32")

            def calibration():
                for image in images:
                    yield [image[None]]

            converter.optimizations = [tf.lite.Optimize.DEFAULT]
            converter.representative_dataset = calibration
            converter.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS_INT8]
            converter.inference_input_type = tf.uint8
        with warnings.catch_warnings(), native_stderr_captured() as log:
            # "Statistics for quantized inputs were expected": the uint8 input is the pixels
            warnings.simplefilter("ignore", UserWarning)
            content = converter.convert()
    except Exception as error:
        message = f"LiteRT conversion to {fmt} failed: {_one_line(error)}"
        raise ExportError(_with_log(message, log)) from error
    if not content:
        raise ExportError(f"LiteRT conversion to {fmt} returned an empty model")
    return bytes(content)


class LiteRTModel:
    """A LiteRT flat buffer run by the LiteRT interpreter, one image per call (as on a phone).

    Takes pixels 0..255 as the Keras model does; an integer input is quantised with the scale
    and zero point stored in the model, an integer output dequantised back to probabilities.
    """

    def __init__(self, model_path=None, *, model_content: bytes | None = None, threads: int = 1):
        try:
            from ai_edge_litert.interpreter import Interpreter
        except ImportError as error:
            raise ImportError(
                "The LiteRT interpreter is not installed: pip install ai-edge-litert "
                "(or cnnbook[litert])."
            ) from error
        if (model_path is None) == (model_content is None):
            raise ValueError("give model_path or model_content, not both")
        kwargs = (
            {"model_path": str(model_path)}
            if model_path is not None
            else {"model_content": model_content}
        )
        try:
            with native_stderr_captured() as log:  # "Created TensorFlow Lite XNNPACK delegate"
                self.interpreter = Interpreter(num_threads=threads, **kwargs)
                self.interpreter.allocate_tensors()
        except Exception as error:
            message = f"LiteRT could not load the model: {_one_line(error)}"
            raise ExportError(_with_log(message, log)) from error
        self.threads = threads
        (self._input,) = self.interpreter.get_input_details()
        (self._output,) = self.interpreter.get_output_details()

    @property
    def input_dtype(self):
        return np.dtype(self._input["dtype"])

    @property
    def input_quantization(self) -> tuple[float, int]:
        """(scale, zero point) of an integer input: byte q stands for scale * (q - zero)."""
        scale, zero = self._input["quantization"]
        return float(scale), int(zero)

    @property
    def input_shape(self) -> tuple[int, ...]:
        return tuple(int(n) for n in self._input["shape"])

    def _quantised(self, image) -> np.ndarray:
        image = np.asarray(image, dtype="float32")[None]
        if tuple(image.shape) != self.input_shape:
            raise ValueError(
                f"the model takes {self.input_shape[1:]} images, got {image.shape[1:]}"
            )
        dtype = self.input_dtype
        if dtype.kind == "f":
            return image.astype(dtype)
        scale, zero = self._input["quantization"]
        info = np.iinfo(dtype)
        return np.clip(np.round(image / scale + zero), info.min, info.max).astype(dtype)

    def predict_one(self, image) -> np.ndarray:
        """Class probabilities of one (H, W, C) image."""
        self.interpreter.set_tensor(self._input["index"], self._quantised(image))
        self.interpreter.invoke()
        out = self.interpreter.get_tensor(self._output["index"])[0]
        if np.dtype(out.dtype).kind != "f":
            scale, zero = self._output["quantization"]
            out = (out.astype("float32") - zero) * scale
        return out.astype("float32")

    def predict(self, images) -> np.ndarray:
        return np.stack([self.predict_one(image) for image in images])


def convert_checked(
    saved_model,
    fmt: str,
    path,
    *,
    reference,
    images,
    representative=None,
    tolerance: Tolerance | None = None,
) -> tuple[Path, Agreement, np.ndarray]:
    """Convert, run the flat buffer on ``images``, check it against ``reference`` (the Keras
    model's probabilities on them), and only then write it to ``path``.

    Returns the path, the agreement and the copy's probabilities. A conversion that fails or a
    copy beyond ``tolerance`` (default ``TOLERANCES[fmt]``) raises ``ExportError`` and writes
    nothing.
    """
    tolerance = tolerance or TOLERANCES[fmt]
    content = convert(saved_model, fmt, representative)
    probabilities = LiteRTModel(model_content=content).predict(images)
    measured = check(f"LiteRT {fmt}", agreement(reference, probabilities), tolerance)
    return write_bytes(path, content), measured, probabilities


def interleaved_timings(runners: dict[str, Callable], images, repeats: int = 5) -> dict:
    """Seconds per image of each runner: every round runs each runner once over ``images``, one
    image per call, the runners in turn, so that a burst of load from other programs hits all
    of them rather than one. One untimed pass first (tracing, caches)."""
    images = list(images)
    if not images or repeats < 1:
        raise ValueError("timing needs at least one image and one repeat")
    for run in runners.values():
        for image in images:
            run(image)  # warm-up
    seconds = {name: [] for name in runners}
    for _ in range(repeats):
        for name, run in runners.items():
            start = time.perf_counter()
            for image in images:
                run(image)
            seconds[name].append((time.perf_counter() - start) / len(images))
    return {name: Timing(tuple(values)) for name, values in seconds.items()}


# --- the fresh process ----------------------------------------------------------------------------


def read_photo(path: str | os.PathLike, size: int) -> np.ndarray:
    """A photo file as an app receives it: decoded, RGB, resized to ``size`` (float32, 0..255)."""
    from PIL import Image

    with Image.open(path) as photo:
        photo = photo.convert("RGB").resize((size, size), Image.Resampling.BILINEAR)
        return np.asarray(photo, dtype="float32")


def _reload_main(arguments: dict) -> dict:
    """Runs in the fresh process: load both saved forms, predict, time on one thread."""
    import keras
    import tensorflow as tf

    tf.config.threading.set_intra_op_parallelism_threads(1)
    tf.config.threading.set_inter_op_parallelism_threads(1)
    model = keras.saving.load_model(arguments["keras"])
    serving = tf.saved_model.load(arguments["saved_model"])
    size = int(model.input_shape[1])
    photo = read_photo(arguments["photo"], size)[None]
    images = np.load(arguments["images"])
    keras_call = tf.function(lambda x: model(x, training=False), reduce_retracing=True)

    def keras_run(x):
        return np.asarray(keras_call(tf.constant(x)))

    def served_run(x):
        return np.asarray(serving.serve(tf.constant(x)))

    out = {
        "pid": os.getpid(),
        "size": size,
        "threads": tf.config.threading.get_intra_op_parallelism_threads(),
    }
    predictions = {}
    runs = {"keras": keras_run, "saved_model": served_run}
    for name, run in runs.items():
        out[f"{name}_photo"] = run(photo)[0].tolist()
        predictions[name] = np.concatenate(
            [run(images[i : i + 32]) for i in range(0, len(images), 32)]
        )
    timings = interleaved_timings(
        {name: (lambda image, run=run: run(image[None])) for name, run in runs.items()},
        images[: arguments["timing_images"]],
        arguments["repeats"],
    )
    for name, timing in timings.items():
        out[f"{name}_seconds"] = list(timing.seconds)
    np.savez(arguments["predictions"], **predictions)
    return out


@dataclass(frozen=True)
class Reloaded:
    """What the fresh process computed with the two saved forms of the model."""

    photo: dict[str, np.ndarray]  # "keras", "saved_model": class probabilities of the photo
    predictions: dict[str, np.ndarray]  # the same, for every image given
    seconds: dict[str, Timing]  # per image, one thread
    threads: int  # TensorFlow's intra-op threads there
    pid: int  # the process's id: not the caller's


def reload_in_fresh_process(
    keras_path,
    saved_model_path,
    photo_path,
    images,
    *,
    timing_images: int = 16,
    repeats: int = 5,
    timeout: float = 600,
) -> Reloaded:
    """Load the ``.keras`` file and the SavedModel in a new Python process, on one thread.

    The process gets nothing but the paths: it reads the photo from its file itself and predicts
    ``images`` (pixels 0..255) with both, and times them one image at a time.
    """
    with tempfile.TemporaryDirectory(prefix="cnnbook-reload-") as folder:
        folder = Path(folder)
        np.save(folder / "images.npy", np.asarray(images, dtype="float32"))
        arguments = {
            "keras": str(Path(keras_path).resolve()),
            "saved_model": str(Path(saved_model_path).resolve()),
            "photo": str(Path(photo_path).resolve()),
            "images": str(folder / "images.npy"),
            "predictions": str(folder / "predictions.npz"),
            "timing_images": timing_images,
            "repeats": repeats,
        }
        env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="2", **ONE_THREAD)
        env.pop("CNNBOOK_SMOKE", None)  # nothing in the fresh process depends on it
        command = [sys.executable, "-m", "cnnbook.export", json.dumps(arguments)]
        try:
            done = subprocess.run(
                command, capture_output=True, text=True, env=env, timeout=timeout, check=False
            )
        except subprocess.TimeoutExpired as error:
            raise ExportError(f"the fresh process did not finish in {timeout:.0f} s") from error
        if done.returncode != 0:
            tail = "\n".join(done.stderr.strip().splitlines()[-8:])
            raise ExportError(
                f"reloading the saved model in a fresh process failed (exit code "
                f"{done.returncode}):\n{tail}"
            )
        result = json.loads(done.stdout.strip().splitlines()[-1])
        with np.load(arguments["predictions"]) as saved:
            predictions = {name: saved[name] for name in saved.files}
    names = ("keras", "saved_model")
    return Reloaded(
        photo={n: np.asarray(result[f"{n}_photo"], dtype="float32") for n in names},
        predictions=predictions,
        seconds={n: Timing(tuple(result[f"{n}_seconds"])) for n in names},
        threads=int(result["threads"]),
        pid=int(result["pid"]),
    )


# --- the whole story ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Row:
    """One shipped form of the model, measured."""

    format: str
    file: str
    size_bytes: int
    accuracy: float  # on the test images
    ms_per_image: float  # median, one thread, one image per call
    ms_runs: tuple[float, ...]
    max_prob_diff: float  # against the Keras model in the notebook
    class_agreement: float
    tolerance: str

    @property
    def size_kb(self) -> float:
        return self.size_bytes / 1024

    def table_row(self) -> dict:
        return {
            "format": self.format,
            "file KB": f"{self.size_kb:,.0f}",
            "test accuracy": f"{self.accuracy:.3f}",
            "per photo (1 thread)": f"{self.ms_per_image:.2f} ms",
            "max |prob diff|": f"{self.max_prob_diff:.1e}",
            "same class": f"{self.class_agreement:.1%}",
        }


@dataclass(frozen=True)
class Shipped:
    """What ``ship`` wrote and measured."""

    folder: Path
    rows: list[Row]
    photo: str
    photo_classes: dict[str, int]  # predicted class of the photo by every form, "notebook" too
    photo_probability: dict[str, float]  # that class's probability
    keras_accuracy: float
    representative: int
    test_images: int
    timing_images: int
    repeats: int

    def row(self, fmt: str) -> Row:
        return next(r for r in self.rows if r.format == fmt)

    @property
    def int8_drop(self) -> float:
        """Test accuracy lost by the int8 model against the Keras model (points of accuracy)."""
        return self.keras_accuracy - self.row("LiteRT int8").accuracy

    def table(self) -> str:
        from cnnbook.inspection import format_table

        return format_table([r.table_row() for r in self.rows])

    def as_dict(self) -> dict:
        """Plain JSON types, for the benchmark results file."""
        rows = [asdict(r) for r in self.rows]
        for r in rows:
            r["ms_runs"] = list(r["ms_runs"])
        return {
            "rows": rows,
            "photo_classes": dict(self.photo_classes),
            "keras_accuracy": self.keras_accuracy,
            "int8_drop": self.int8_drop,
            "representative": self.representative,
            "test_images": self.test_images,
            "timing_images": self.timing_images,
            "repeats": self.repeats,
        }


def _accuracy(probabilities, labels) -> float:
    return float((np.asarray(probabilities).argmax(axis=1) == np.asarray(labels)).mean())


def ship(
    model,
    folder: str | os.PathLike,
    *,
    train_images,
    test_images,
    test_labels,
    photo_path,
    representative: int = 200,
    formats: Iterable[str] = FORMATS,
    tolerances: dict[str, Tolerance] | None = None,
    timing_images: int = 16,
    repeats: int = 5,
    name: str = "model",
) -> Shipped:
    """Save ``model`` (pixels 0..255 in, probabilities out), reload it in a fresh process,
    convert it to every LiteRT format, check each copy against it and measure it.

    ``train_images`` only calibrates int8 (``representative`` of them); ``test_images`` are
    what every copy is checked and scored on. Raises ``ExportError`` when a step fails or a copy
    is outside its tolerance; the folder then holds only the files checked before it.
    """
    tolerances = {**TOLERANCES, **(tolerances or {})}
    folder = Path(folder)
    test_images = np.asarray(test_images, dtype="float32")
    test_labels = np.asarray(test_labels)
    if len(test_images) != len(test_labels) or not len(test_images):
        raise ValueError(
            f"test images and labels must be as many and not none, got {len(test_images)} "
            f"and {len(test_labels)}"
        )
    size = int(model.input_shape[1])
    reference = np.asarray(model.predict(test_images, batch_size=32, verbose=0))
    reference_photo = np.asarray(model.predict(read_photo(photo_path, size)[None], verbose=0))[0]
    keras_accuracy = _accuracy(reference, test_labels)

    folder.mkdir(parents=True, exist_ok=True)
    stage = Path(tempfile.mkdtemp(dir=folder, prefix=".partial-stage-"))
    try:  # saved and reloaded under temporary names; renamed into place once checked
        staged_keras = save_keras(model, stage / f"{name}.keras")
        staged_saved = save_saved_model(model, stage / f"{name}_saved_model")
        reloaded = reload_in_fresh_process(
            staged_keras,
            staged_saved,
            photo_path,
            test_images,
            timing_images=timing_images,
            repeats=repeats,
        )
        measured = {}
        for key, label in (("keras", "Keras .keras"), ("saved_model", "TF SavedModel")):
            check(
                f"The {label} reloaded in a fresh process, on the photo,",
                agreement(reference_photo[None], reloaded.photo[key][None]),
                tolerances["keras"],
            )
            measured[key] = check(
                f"The {label} reloaded in a fresh process",
                agreement(reference, reloaded.predictions[key]),
                tolerances["keras"],
            )
        keras_path = _move(staged_keras, folder / staged_keras.name)
        saved_path = _move(staged_saved, folder / staged_saved.name)
    finally:
        shutil.rmtree(stage, ignore_errors=True)
    rows = []
    photo_classes = {"notebook": int(reference_photo.argmax())}
    photo_probability = {"notebook": float(reference_photo.max())}
    for key, label, path in (
        ("keras", "Keras .keras", keras_path),
        ("saved_model", "TF SavedModel", saved_path),
    ):
        on_photo = reloaded.photo[key]
        photo_classes[label] = int(on_photo.argmax())
        photo_probability[label] = float(on_photo.max())
        rows.append(
            _row(
                label,
                path,
                reloaded.predictions[key],
                test_labels,
                reloaded.seconds[key],
                measured[key],
                tolerances["keras"],
            )
        )
    calibration = representative_images(train_images, representative)
    converted = {}
    for fmt in formats:
        label = f"LiteRT {fmt}"
        path, measured, probabilities = convert_checked(
            saved_path,
            fmt,
            folder / f"{name}_{fmt}.tflite",
            reference=reference,
            images=test_images,
            representative=calibration if fmt == "int8" else None,
            tolerance=tolerances[fmt],
        )
        shipped = LiteRTModel(path, threads=1)  # the file as it ships
        on_photo = shipped.predict_one(read_photo(photo_path, size))
        photo_classes[label] = int(on_photo.argmax())
        photo_probability[label] = float(on_photo.max())
        converted[label] = (fmt, path, shipped, probabilities, measured)
    timings = interleaved_timings(
        {label: c[2].predict_one for label, c in converted.items()},
        test_images[:timing_images],
        repeats,
    )
    for label, (fmt, path, _, probabilities, measured) in converted.items():
        rows.append(
            _row(label, path, probabilities, test_labels, timings[label], measured, tolerances[fmt])
        )
    return Shipped(
        folder=folder,
        rows=rows,
        photo=str(photo_path),
        photo_classes=photo_classes,
        photo_probability=photo_probability,
        keras_accuracy=keras_accuracy,
        representative=len(calibration),
        test_images=len(test_images),
        timing_images=min(timing_images, len(test_images)),
        repeats=repeats,
    )


def _row(label, path, probabilities, labels, timing: Timing, measured: Agreement, tolerance):
    return Row(
        format=label,
        file=Path(path).name,
        size_bytes=size_bytes(path),
        accuracy=_accuracy(probabilities, labels),
        ms_per_image=timing.median * 1e3,
        ms_runs=tuple(s * 1e3 for s in timing.seconds),
        max_prob_diff=measured.max_prob_diff,
        class_agreement=measured.class_agreement,
        tolerance=tolerance.describe(),
    )


# --- the benchmark section ------------------------------------------------------------------------


def render_export(section: dict, machine: dict) -> list[str]:
    """The ``export`` section of ``bench/results/<machine>.json`` as markdown lines."""
    from cnnbook.benchmarks import recorded, table

    rows = [
        [
            r["format"],
            f"{r['size_bytes'] / 1024:,.0f}",
            f"{r['accuracy']:.3f}",
            f"{r['ms_per_image']:.2f} ({spread(r['ms_runs']):.0%})",
            f"{r['max_prob_diff']:.1e}",
            f"{r['class_agreement']:.1%}",
        ]
        for r in section["rows"]
    ]
    return (
        recorded(section, machine)
        + [
            f"{section['model']}, {section['test_images']:,} test images; latency: one image per "
            f"call on one CPU thread, median of {section['repeats']} runs over "
            f"{section['timing_images']} images (spread); int8 calibrated on "
            f"{section['representative']:,} training images.",
            "",
        ]
        + table(
            [
                "format",
                "file KB",
                "test accuracy",
                "ms/image (spread)",
                "max prob diff vs Keras",
                "same class",
            ],
            rows,
        )
        + [
            f"int8 changes test accuracy by {-section['int8_drop']:+.3f} against the Keras "
            f"model's {section['keras_accuracy']:.3f}.",
            "",
        ]
    )


if __name__ == "__main__":
    print(json.dumps(_reload_main(json.loads(sys.argv[1]))))
