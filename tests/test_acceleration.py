"""Mixed precision and XLA: on for tensor-core GPUs, XLA only for older GPUs, off on CPUs."""

import keras
import pytest

from cnnbook import acceleration


@pytest.mark.parametrize(
    ("capability", "mixed", "xla"),
    [(None, False, False), ((6, 1), False, True), ((7, 0), True, True), ((9, 0), True, True)],
)
def test_choice_per_machine(capability, mixed, xla):
    decision = acceleration.choose(capability)
    assert (decision.mixed_precision, decision.jit_compile) == (mixed, xla)
    assert decision.policy == ("mixed_float16" if mixed else "float32")


def test_configure_on_this_cpu_keeps_float32():
    try:
        decision = acceleration.configure(verbose=False)
        if acceleration.detect() is None:
            assert not decision.mixed_precision and not decision.jit_compile
        assert keras.mixed_precision.global_policy().name == decision.policy
    finally:
        keras.mixed_precision.set_global_policy("float32")
