"""cnnbook.progress: one line per training run, a live bar only when someone is watching."""

from __future__ import annotations

import re
import types

import keras
import numpy as np
import pytest

from cnnbook import progress
from cnnbook.progress import someone_is_watching, training_report


def _tiny_fit(callback, epochs=3, initial_epoch=0):
    keras.utils.set_random_seed(0)
    x = np.random.default_rng(0).normal(size=(32, 4)).astype("float32")
    y = (x[:, 0] > 0).astype("int32")
    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(2, activation="softmax")])
    model.compile("sgd", "sparse_categorical_crossentropy", metrics=["accuracy"])
    return model.fit(
        x,
        y,
        validation_split=0.25,
        epochs=epochs,
        initial_epoch=initial_epoch,
        verbose=0,
        callbacks=[callback],
    )


def test_a_run_prints_one_line_with_its_epochs_and_final_metrics(capsys):
    report = training_report(bar=False)
    history = _tiny_fit(report)
    printed = capsys.readouterr().out.splitlines()
    assert printed == [report.line]
    logs = history.history
    best = max(logs["val_accuracy"])
    epoch = logs["val_accuracy"].index(best) + 1
    assert re.fullmatch(
        rf"3 epochs in \d+\.\d s: accuracy {logs['accuracy'][-1]:.3f} "
        rf"\(validation {logs['val_accuracy'][-1]:.3f}, best {best:.3f} at epoch {epoch}\)",
        report.line,
    )
    assert len(report.line) <= 80  # the book's code column


def test_the_label_names_the_run(capsys):
    _tiny_fit(training_report("tiny", bar=False), epochs=1)
    assert re.match(r"^tiny: 1 epoch in \d+\.\d s: accuracy ", capsys.readouterr().out)


def test_without_accuracy_the_loss_is_reported_and_its_best_is_the_lowest():
    report = training_report(bar=False)
    report.set_model(None)
    report.on_train_begin()
    for epoch, (loss, val) in enumerate([(2.0, 1.5), (1.0, 0.9), (0.5, 1.2)]):
        report.on_epoch_end(epoch, {"loss": loss, "val_loss": val})
    report.on_train_end()
    assert report.line.endswith(": loss 0.500 (validation 1.200, best 0.900 at epoch 2)")


def test_the_bar_shows_only_when_asked_or_watched(capsys, monkeypatch):
    report = training_report(bar=True)
    _tiny_fit(report)
    captured = capsys.readouterr()
    assert "3/3" in captured.err  # tqdm's bar, on stderr
    assert captured.out.splitlines() == [report.line]
    monkeypatch.setattr(progress, "someone_is_watching", lambda: False)
    assert training_report().bar is False


def test_a_resumed_run_counts_the_epochs_it_trained_and_its_bar_ends_full(capsys):
    # Fine-tuning continues from feature extraction: epochs=5 with initial_epoch=2 trains 3.
    report = training_report(bar=True)
    _tiny_fit(report, epochs=5, initial_epoch=2)
    captured = capsys.readouterr()
    assert report.line.startswith("3 epochs in ")
    assert "3/3" in captured.err and "5/5" not in captured.err
    assert re.search(r"best \d\.\d{3} at epoch [345]\)$", report.line)  # Keras's numbering


class _Kernel:
    def __init__(self, allow_stdin):
        self.parent = {"content": {"allow_stdin": allow_stdin}}

    def get_parent(self, channel="shell"):
        return self.parent


@pytest.mark.parametrize(("allow_stdin", "watching"), [(True, True), (False, False)])
def test_a_kernel_is_watched_when_its_frontend_accepts_input(monkeypatch, allow_stdin, watching):
    import IPython

    shell = types.SimpleNamespace(kernel=_Kernel(allow_stdin))
    monkeypatch.setattr(IPython, "get_ipython", lambda: shell)
    assert someone_is_watching() is watching


def test_outside_a_kernel_a_pipe_is_not_watched(monkeypatch):
    import IPython

    monkeypatch.setattr(IPython, "get_ipython", lambda: None)
    assert someone_is_watching() is False  # pytest captures stdout: not a terminal
