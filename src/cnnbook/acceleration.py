"""Mixed precision and XLA where they help: on a GPU, and not on a CPU.

Two switches speed up training on modern GPUs: computing in float16 with float32 master
weights (``keras.mixed_precision``; Micikevicius et al. 2018, "Mixed Precision Training",
arXiv:1710.03740) and compiling the training step with XLA (``jit_compile``). On a CPU neither
pays: float16 arithmetic is emulated, and XLA's compiled ResNet-50 training step ran slower
than TensorFlow's own CPU kernels (``make bench BENCH=acceleration`` measures both; the
Performance appendix shows the figures). ``choose()`` decides per machine; ``configure()``
applies the decision and says what it did. Chapters call it only where their models keep the
output layer in float32 and nothing is compared with float32 results to many digits (the
assignments' graders do that, so the assignments stay in float32).

XLA on a GPU is left to Keras's ``jit_compile="auto"`` (the default of ``Model.compile``): it
compiles only when every layer supports XLA, and the random augmentation layers do not.

Taught in *Performance: what makes the chapters fast or slow* (the appendix measures it).
"""

from __future__ import annotations

import os
from dataclasses import dataclass

# Tensor cores (fast float16 matrix products) arrived with compute capability 7.0 (Volta).
MIN_COMPUTE_CAPABILITY = (7, 0)


@dataclass(frozen=True)
class Acceleration:
    """What a chapter should use: the Keras dtype policy and ``compile(jit_compile=...)``."""

    mixed_precision: bool
    jit_compile: bool | str  # False, or "auto": XLA where every layer of the model supports it
    reason: str

    @property
    def policy(self) -> str:
        return "mixed_float16" if self.mixed_precision else "float32"


def choose(gpu_compute_capability: tuple[int, int] | None) -> Acceleration:
    """The decision for a machine: ``None`` means no GPU."""
    if gpu_compute_capability is None:
        return Acceleration(False, False, "CPU: float32 without XLA (both switches slow a CPU)")
    if tuple(gpu_compute_capability) >= MIN_COMPUTE_CAPABILITY:
        major, minor = gpu_compute_capability
        return Acceleration(
            True, "auto", f"GPU with compute capability {major}.{minor}: mixed precision and XLA"
        )
    major, minor = gpu_compute_capability
    return Acceleration(
        False, "auto", f"GPU with compute capability {major}.{minor} (no tensor cores): XLA only"
    )


def detect() -> tuple[int, int] | None:
    """The first GPU's compute capability, or ``None`` without a GPU."""
    import tensorflow as tf

    gpus = tf.config.list_physical_devices("GPU")
    if not gpus:
        return None
    details = tf.config.experimental.get_device_details(gpus[0])
    return tuple(details.get("compute_capability", (0, 0)))


PRECISION_VARIABLE = "CNNBOOK_PRECISION"
PRECISIONS = ("float32", "mixed_float16")


def configure(verbose: bool = True) -> Acceleration:
    """Set the global Keras dtype policy for this machine; return the decision.

    ``CNNBOOK_PRECISION=float32`` (or ``mixed_float16``) overrides the choice: to rule mixed
    precision out on a GPU, or to run the float16 code path on a CPU (slowly) in a test.
    Pass ``jit_compile=acceleration.jit_compile`` to ``model.compile``. With mixed precision,
    keep the last layer's output in float32 (``dtype="float32"`` on the softmax) for a stable
    loss; Keras wraps the optimiser in a ``LossScaleOptimizer`` so small float16 gradients do
    not underflow.
    """
    import keras

    decision = choose(detect())
    forced = os.environ.get(PRECISION_VARIABLE, "").strip()
    if forced:
        if forced not in PRECISIONS:
            raise ValueError(
                f"{PRECISION_VARIABLE}={forced!r} is not a precision this book uses; "
                f"choose one of {', '.join(PRECISIONS)} or leave it unset"
            )
        decision = Acceleration(
            forced == "mixed_float16",
            decision.jit_compile,
            f"{forced} as {PRECISION_VARIABLE} asks (this machine alone: {decision.reason})",
        )
    keras.mixed_precision.set_global_policy(decision.policy)
    if verbose:
        print(f"acceleration: {decision.reason}")
    return decision
