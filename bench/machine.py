"""What machine the figures come from, and its measured matrix-multiply peak."""

from __future__ import annotations

import os
import platform
import re
from pathlib import Path


def cpu_model() -> str:
    """The CPU's model name from /proc/cpuinfo (Linux), else what ``platform`` says."""
    info = Path("/proc/cpuinfo")
    if info.is_file():
        match = re.search(r"^model name\s*:\s*(.+)$", info.read_text(), re.MULTILINE)
        if match:
            return match.group(1).strip()
    return platform.processor() or platform.machine()


def usable_cores() -> int:
    """Cores this process may run on (the affinity mask, not the host's total)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


def memory_gib() -> float:
    import psutil

    return psutil.virtual_memory().total / 2**30


def describe() -> dict:
    """The machine, the software and the accelerator, as recorded beside every figure."""
    import keras
    import tensorflow as tf

    gpus = tf.config.list_physical_devices("GPU")
    gpu_names = []
    for gpu in gpus:
        details = tf.config.experimental.get_device_details(gpu)
        gpu_names.append(details.get("device_name", gpu.name))
    return {
        "cpu": cpu_model(),
        "cores": usable_cores(),
        "memory_gib": round(memory_gib(), 1),
        "gpu": gpu_names,
        "python": platform.python_version(),
        "tensorflow": tf.__version__,
        "keras": keras.__version__,
        "onednn": os.environ.get("TF_ENABLE_ONEDNN_OPTS", "default (on)"),
    }


def commit() -> str:
    """The checkout's commit, with ``+changes`` when files differ from it: what was measured."""
    import subprocess

    root = Path(__file__).resolve().parents[1]

    def git(*args):
        result = subprocess.run(["git", *args], cwd=root, capture_output=True, text=True)
        return result.stdout.strip() if result.returncode == 0 else ""

    head = git("rev-parse", "--short", "HEAD")
    if not head:
        return "unknown (not a git checkout)"
    # The results files themselves change with every run: they are not what was measured.
    changed = git("status", "--porcelain", "--untracked-files=no", "--", ".", ":!bench/results")
    return head + ("+changes" if changed else "")


# What a book build executes and renders. The appendix that renders the benchmark results is
# left out: it changes with them, and it executes in seconds.
BOOK_INPUTS = (
    "chapters",
    "src",
    "instructor",
    "_config.yml",
    "_toc.yml",
    "_ext",
    "references.bib",
    "data",
    "requirements.lock",
    "pyproject.toml",
    ":!chapters/appendices/performance.ipynb",
)


def same_book_inputs(measured_commit: str) -> bool:
    """Whether the book's chapters and code are now as they were at ``measured_commit``."""
    import subprocess

    if not measured_commit or "+" in measured_commit or " " in measured_commit:
        return False  # measured with uncommitted changes, or outside git: unknown
    root = Path(__file__).resolve().parents[1]
    result = subprocess.run(
        ["git", "diff", "--quiet", measured_commit, "--", *BOOK_INPUTS],
        cwd=root,
        capture_output=True,
    )
    return result.returncode == 0


def slug(machine: dict) -> str:
    """A file name for the machine: ``cpu-2-cores`` or ``gpu-nvidia-h100``."""
    if machine["gpu"]:
        name = re.sub(r"[^a-z0-9]+", "-", machine["gpu"][0].lower()).strip("-")
        return f"gpu-{name}"
    return f"cpu-{machine['cores']}-cores"


def matmul_peak(size: int = 2048, repeats: int = 7) -> dict:
    """float32 GFLOP/s of a ``size``-cubed matrix product in TensorFlow (2 n^3 FLOPs each).

    The best the machine does on the densest operation deep learning has: the ceiling that
    the achieved rate of a whole network is compared with.
    """
    import tensorflow as tf

    from cnnbook.timing import time_call

    a = tf.random.normal((size, size), seed=1)
    b = tf.random.normal((size, size), seed=2)
    product = tf.function(lambda: tf.linalg.matmul(a, b))
    # Reading one element waits for the product without copying it back (GPU).
    timing = time_call(lambda: product()[0, 0].numpy(), repeats=repeats, warmup=2)
    flops = 2 * size**3
    return {
        "size": size,
        "seconds": list(timing.seconds),
        "gflops_median": flops / timing.median / 1e9,
        "gflops_best": flops / timing.low / 1e9,
    }
