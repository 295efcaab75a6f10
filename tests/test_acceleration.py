"""Mixed precision and XLA: on for tensor-core GPUs, XLA only for older GPUs, off on CPUs."""

import keras
import numpy as np
import pytest

from cnnbook import acceleration


@pytest.mark.parametrize(
    ("capability", "mixed", "xla"),
    [
        (None, False, False),
        ((6, 1), False, "auto"),
        ((7, 0), True, "auto"),
        ((9, 0), True, "auto"),
    ],
)
def test_choice_per_machine(capability, mixed, xla):
    decision = acceleration.choose(capability)
    assert (decision.mixed_precision, decision.jit_compile) == (mixed, xla)
    assert decision.policy == ("mixed_float16" if mixed else "float32")


def test_precision_can_be_forced_and_a_wrong_one_is_a_clear_error(monkeypatch):
    try:
        monkeypatch.setenv("CNNBOOK_PRECISION", "mixed_float16")
        decision = acceleration.configure(verbose=False)
        assert decision.mixed_precision
        assert keras.mixed_precision.global_policy().name == "mixed_float16"
        monkeypatch.setenv("CNNBOOK_PRECISION", "float16")
        with pytest.raises(ValueError, match="CNNBOOK_PRECISION='float16' is not a precision"):
            acceleration.configure(verbose=False)
    finally:
        keras.mixed_precision.set_global_policy("float32")


def test_configure_on_this_cpu_keeps_float32(monkeypatch):
    monkeypatch.delenv("CNNBOOK_PRECISION", raising=False)
    try:
        decision = acceleration.configure(verbose=False)
        if acceleration.detect() is None:
            assert not decision.mixed_precision and not decision.jit_compile
        assert keras.mixed_precision.global_policy().name == decision.policy
    finally:
        keras.mixed_precision.set_global_policy("float32")


ACCELERATED_CHAPTERS = (
    "chapters/practice/transfer-learning.ipynb",
    "chapters/practice/data-augmentation.ipynb",
    "chapters/practice/state-of-computer-vision.ipynb",
)


@pytest.mark.parametrize("chapter", ACCELERATED_CHAPTERS)
def test_training_chapters_say_what_acceleration_they_use(executed, chapter):
    run = executed(chapter)
    run.assert_printed(f"acceleration: {acceleration.choose(acceleration.detect()).reason}")


def test_new_head_keeps_its_output_in_float32_under_mixed_precision():
    from cnnbook.transfer import new_head

    try:
        keras.mixed_precision.set_global_policy("mixed_float16")
        head = new_head((3, 3, 8), classes=4)
        assert head.layers[0].compute_dtype == "float16"  # the pooling computes in float16
        assert head(np.zeros((1, 3, 3, 8))).dtype == "float32"  # and the softmax in float32
    finally:
        keras.mixed_precision.set_global_policy("float32")


@pytest.mark.parametrize("chapter", ACCELERATED_CHAPTERS)
def test_training_chapters_run_under_mixed_precision(executed, chapter):
    # The float16 path a tensor-core GPU takes, forced on this CPU (emulated, slow, but smoke
    # sizes are small): a layer that mixes float16 and float32 tensors fails here, not on Colab.
    run = executed(chapter, environment={"CNNBOOK_PRECISION": "mixed_float16"})
    run.assert_printed("acceleration: mixed_float16 as CNNBOOK_PRECISION asks")
