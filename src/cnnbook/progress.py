"""What a training run prints: one line per run in the book, a live bar when someone watches.

Keras's ``verbose=1`` bar and ``verbose=2`` epoch lines are made for a terminal: executed into
a page they leave one line per epoch between the code and its result. ``training_report()`` is
a Keras callback for ``fit(..., verbose=0, callbacks=[training_report()])``: it prints one line
when the run ends (epochs, time, the final accuracy or loss, on validation too, and the best
validation value with its epoch), and,
when a person is at the notebook (Colab, JupyterLab), a progress bar over the epochs while it
trains. Executed by the book's build or by papermill, nobody is watching and the bar is left
out, so the page keeps only the line.

Taught in *A full ConvNet example and why convolutions work*, the first chapter that trains;
the chapters that train many runs print their own one line per run instead.
"""

from __future__ import annotations

import time

import keras

from cnnbook.watching import someone_is_watching

__all__ = ["TrainingReport", "someone_is_watching", "training_report"]


def _metric_text(logs: dict) -> str:
    return ", ".join(f"{name} {value:.3f}" for name, value in logs.items())


def _headline(logs: dict) -> str:
    """The metric a run is read by: accuracy when it is compiled with it, else the loss."""
    return "accuracy" if "accuracy" in logs else "loss"


class TrainingReport(keras.callbacks.Callback):
    """One line per run; a bar over the epochs only when ``someone_is_watching()``."""

    def __init__(self, label: str | None = None, bar: bool | None = None):
        super().__init__()
        self.label = label
        self.bar = someone_is_watching() if bar is None else bar
        self.line: str | None = None
        self._progress = None

    def on_train_begin(self, logs=None):
        self._start = time.perf_counter()
        self._epochs = 0
        self._last: dict = {}
        self._best: tuple[float, int] | None = None

    def on_epoch_begin(self, epoch, logs=None):
        # The bar starts at the first epoch, not at on_train_begin: a run resumed with
        # ``initial_epoch`` (fine-tuning after feature extraction) starts past 0, and
        # ``params`` carries only the last epoch, so this is where the bar's length is known.
        if self.bar and self._progress is None and self._epochs == 0:
            from tqdm.auto import tqdm

            last = self.params.get("epochs") if self.params else None
            total = last - epoch if last is not None else None
            self._progress = tqdm(total=total, desc=self.label or "training", unit="epoch")

    def on_epoch_end(self, epoch, logs=None):
        # Epochs this run trained, whatever ``initial_epoch`` it started from.
        self._epochs += 1
        self._last = dict(logs or {})
        metric = _headline(self._last)
        value = self._last.get(f"val_{metric}")
        better = max if metric == "accuracy" else min
        if value is not None and (
            self._best is None or better(value, self._best[0]) != self._best[0]
        ):
            self._best = (float(value), epoch + 1)
        if self._progress is not None:
            self._progress.update(1)
            self._progress.set_postfix_str(_metric_text(self._last), refresh=False)

    def on_train_end(self, logs=None):
        if self._progress is not None:
            self._progress.close()
            self._progress = None
        seconds = time.perf_counter() - self._start
        epochs = f"{self._epochs} epoch" + ("" if self._epochs == 1 else "s")
        # Short enough for the book's 80-character code column (the curves show the rest).
        line = f"{epochs} in {seconds:.1f} s"
        if self._last:
            metric = _headline(self._last)
            line += f": {metric} {self._last[metric]:.3f}"
            if self._best is not None:
                line += (
                    f" (validation {self._last[f'val_{metric}']:.3f}, "
                    f"best {self._best[0]:.3f} at epoch {self._best[1]})"
                )
        self.line = f"{self.label}: {line}" if self.label else line
        print(self.line)


def training_report(label: str | None = None, bar: bool | None = None) -> TrainingReport:
    """A callback that prints one line when ``fit`` ends (see the module's docstring).

    ``label`` names the run in its line; ``bar`` forces the live progress bar on or off (by
    default it shows when ``someone_is_watching()``).
    """
    return TrainingReport(label=label, bar=bar)
