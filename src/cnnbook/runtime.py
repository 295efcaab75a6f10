"""Where a chapter runs: Colab or not, GPU or not, smoke or full mode; seeds and log noise.

Nothing here imports TensorFlow at module level: ``setup()`` must set ``TF_CPP_MIN_LOG_LEVEL``
and ``KERAS_HOME`` before TensorFlow and Keras read them at their own import.
"""

from __future__ import annotations

import contextlib
import os
import sys
import textwrap
from dataclasses import dataclass

SMOKE_ENV = "CNNBOOK_SMOKE"
DEFAULT_SEED = 42


def smoke_mode() -> bool:
    """True when ``CNNBOOK_SMOKE=1``: CI shrinks every size through the same code path."""
    value = os.environ.get(SMOKE_ENV, "0").strip().lower()
    if value in ("", "0", "false", "no"):
        return False
    if value in ("1", "true", "yes"):
        return True
    raise ValueError(f"{SMOKE_ENV} must be 1 or 0, got {os.environ[SMOKE_ENV]!r}")


def pick(full, smoke):
    """Return ``smoke`` in smoke mode and ``full`` otherwise (used in the parameters cell)."""
    return smoke if smoke_mode() else full


def in_colab() -> bool:
    """True inside a Google Colab runtime."""
    return "google.colab" in sys.modules


@dataclass(frozen=True)
class RuntimeReport:
    """What ``setup()`` found, printed at the top of every chapter."""

    cnnbook_version: str
    tensorflow_version: str
    keras_version: str
    gpus: tuple[str, ...]
    smoke: bool
    colab: bool
    seed: int
    weights_note: str | None

    def lines(self) -> list[str]:
        gpu = ", ".join(self.gpus) if self.gpus else "none (running on the CPU)"
        out = [
            f"cnnbook {self.cnnbook_version} | TensorFlow {self.tensorflow_version} "
            f"| Keras {self.keras_version}",
            f"GPU: {gpu}",
            f"mode: {'smoke (CNNBOOK_SMOKE=1: sizes shrunk)' if self.smoke else 'full'}"
            f" | seed {self.seed}" + (" | Colab" if self.colab else ""),
        ]
        if self.weights_note:
            # Wrapped to the page's 80-character column (a sentence, not a table).
            out += textwrap.wrap(self.weights_note, width=80, break_on_hyphens=False)
        return out


def quiet_tensorflow() -> None:
    """Keep TensorFlow's C++ INFO/WARNING lines out of the book.

    We do not set ``TF_ENABLE_ONEDNN_OPTS=0``: that silences one more line but switches oneDNN
    off, and with it TensorFlow's fast CPU kernels.
    """
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    os.environ.setdefault("PYTHONWARNINGS", "ignore::DeprecationWarning")


@contextlib.contextmanager
def _native_stderr_silenced():
    """Send file descriptor 2 to /dev/null for a moment.

    TensorFlow's C++ runtime prints its oneDNN notice at import, before any Python setting can
    reach it. Python-level errors still surface: they are raised after the descriptor is restored.
    """
    try:
        saved = os.dup(2)
    except OSError:  # no real descriptor (some embedded consoles): nothing to silence
        yield
        return
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        sys.stderr.flush()
        os.dup2(devnull, 2)
        yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)
        os.close(devnull)


# Warnings a reader of the book cannot act on, matched by their text. Keras's `fit` defaults to
# shuffle=True and then warns that it ignores it for a tf.data dataset, which cnnbook.data
# shuffles itself (Keras 3, keras/src/trainers/data_adapters/__init__.py).
UNACTIONABLE_WARNINGS = (
    r"`shuffle=True` was passed, but will be ignored since the data `x` was provided as a "
    r"tf\.data\.Dataset",
)


def silence_unactionable_warnings() -> None:
    """Filter out the warnings in ``UNACTIONABLE_WARNINGS`` (only those: others still show)."""
    import warnings

    for message in UNACTIONABLE_WARNINGS:
        warnings.filterwarnings("ignore", message=message)


def use_book_style() -> None:
    """The book's figure style (``cnnbook.plots.BOOK_STYLE``): colour-blind-safe, opaque."""
    import matplotlib.pyplot as plt

    from cnnbook.plots import BOOK_STYLE

    plt.rcParams.update(BOOK_STYLE)


def _log_once_per_process_lines() -> None:
    """Run, once, the operations whose C++ code logs a line the first time it runs.

    On a CPU without AVX-512 (this book's CI machine, many laptops) oneDNN logs "oneDNN supports
    DT_INT32 only on platforms with AVX-512. Falling back to the default Eigen-based
    implementation" at the first int32 gather, which Keras's ``map_coordinates`` does (and so
    ``RandomElasticTransform``); it is logged once per process, so doing it here, under
    ``_native_stderr_silenced()``, keeps it out of the chapter (0.1 s).
    """
    import keras
    import numpy as np

    grid = np.zeros((2, 2), "float32")
    keras.ops.image.map_coordinates(grid, [grid, grid], order=1)


def setup(seed: int = DEFAULT_SEED, verbose: bool = True) -> None:
    """Prepare a chapter: quiet logs, offline weights, fixed seeds; print the runtime.

    Call it once, in the bootstrap cell, before importing TensorFlow or Keras (the log settings
    must be in place before TensorFlow loads, hence the imports inside).
    """
    from cnnbook import __version__
    from cnnbook.weights import seed_keras_home

    quiet_tensorflow()
    weights_note = seed_keras_home()

    with _native_stderr_silenced():
        import keras
        import tensorflow as tf

    tf.get_logger().setLevel("ERROR")
    keras.utils.set_random_seed(seed)
    silence_unactionable_warnings()
    use_book_style()
    # The GPU probe too: the standard `tensorflow` wheel on a machine without a GPU (a Colab
    # CPU runtime) logs "failed call to cuInit" from C++ here, which no reader can act on;
    # the report below says "GPU: none" instead.
    with _native_stderr_silenced():
        gpus = tuple(d.name for d in tf.config.list_physical_devices("GPU"))
        _log_once_per_process_lines()
    report = RuntimeReport(
        cnnbook_version=__version__,
        tensorflow_version=tf.__version__,
        keras_version=keras.__version__,
        gpus=gpus,
        smoke=smoke_mode(),
        colab=in_colab(),
        seed=seed,
        weights_note=weights_note,
    )
    if verbose:
        print("\n".join(report.lines()))
