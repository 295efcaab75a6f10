"""One training code path for every machine: the tf.distribute strategy chosen from where it runs.

A chapter builds and compiles its model inside ``strategy().scope()`` and trains on the global
batch that ``scaled()`` returns; nothing in a chapter depends on which strategy that is.
``choose()`` reads the machine, in this order:

- a TPU (``COLAB_TPU_ADDR`` on a Colab TPU runtime, ``TPU_NAME`` on Cloud TPU, or TPU devices
  TensorFlow lists on a TPU VM): ``TPUStrategy``, through ``TPUClusterResolver``;
- ``TF_CONFIG`` naming a cluster of several workers: ``MultiWorkerMirroredStrategy``;
- several GPUs, or the CPU split into several logical devices (the tests do that, with
  ``split_cpu``): ``MirroredStrategy`` over them;
- otherwise TensorFlow's default strategy (one device, no copies).

Only environment variables and TensorFlow's own device lists are read: nothing goes to the
network unless a TPU variable says where the TPU is. Each replica computes the gradient of its
share of the global batch and the replicas add them before one common update (data
parallelism), so two replicas on a batch of 2B take the step one device takes on that batch.

The learning rate follows the linear scaling rule of Goyal et al. 2017, "Accurate, Large
Minibatch SGD: Training ImageNet in 1 Hour" (arXiv:1706.02677): when the minibatch grows k
times, multiply the learning rate by k (with a warm-up when k is large). ``scaled()`` applies it
to the number of replicas.

Taught in *Distributed training: TPUs, several GPUs, several machines*.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from typing import NamedTuple

TPU_VARIABLES = ("COLAB_TPU_ADDR", "TPU_NAME")  # Colab's TPU runtime; Cloud TPU
NAMES = {
    "tpu": "TPUStrategy",
    "multi-worker": "MultiWorkerMirroredStrategy",
    "mirrored": "MirroredStrategy",
    "default": "default strategy",
}


@dataclass(frozen=True)
class Choice:
    """Which strategy, why, and what it needs to be built."""

    kind: str  # a key of NAMES
    reason: str
    devices: tuple[str, ...] = ()  # MirroredStrategy's devices
    tpu: str | None = None  # TPUClusterResolver's ``tpu`` argument

    @property
    def name(self) -> str:
        return NAMES[self.kind]


def _cluster(tf_config: str) -> tuple[int, str] | None:
    """(workers, this task) from ``TF_CONFIG``, or None when it names no cluster of several."""
    try:
        config = json.loads(tf_config)
    except json.JSONDecodeError as error:
        raise ValueError(f"TF_CONFIG is not JSON ({error}): {tf_config[:80]!r}") from None
    if not isinstance(config, dict):
        raise ValueError(f"TF_CONFIG must be a JSON object with a 'cluster', got {tf_config!r}")
    cluster = config.get("cluster") or {}
    lists = isinstance(cluster, dict) and all(isinstance(v, list) for v in cluster.values())
    if not lists:
        raise ValueError(
            'TF_CONFIG\'s "cluster" must map each task type to a list of "host:port" '
            f"addresses, got {cluster!r}"
        )
    if "ps" in cluster:
        raise ValueError(
            "TF_CONFIG names parameter servers ('ps'): this book trains with "
            "MultiWorkerMirroredStrategy, whose cluster has only 'chief' and 'worker' tasks"
        )
    workers = len(cluster.get("chief", [])) + len(cluster.get("worker", []))
    if workers < 2:
        return None
    task = config.get("task") or {}
    if not isinstance(task, dict) or "type" not in task or "index" not in task:
        raise ValueError(
            f"TF_CONFIG names {workers} workers but not this process's task: add "
            '"task": {"type": "worker", "index": i}, i counting from 0'
        )
    return workers, f"{task['type']} {task['index']}"


def choose(
    environ: dict[str, str] | None = None,
    *,
    tpus: int | None = None,
    gpus: int | None = None,
    cpus: int | None = None,
) -> Choice:
    """The strategy for a machine. Device counts left out are asked of TensorFlow.

    ``tpus`` counts physical TPU devices; ``gpus`` and ``cpus`` count logical devices (a split
    CPU or GPU counts its parts).
    """
    environ = os.environ if environ is None else environ
    if environ.get("COLAB_TPU_ADDR"):
        address = environ["COLAB_TPU_ADDR"]
        return Choice("tpu", f"Colab TPU at {address} (COLAB_TPU_ADDR)", tpu=f"grpc://{address}")
    if environ.get("TPU_NAME"):
        return Choice("tpu", f"Cloud TPU {environ['TPU_NAME']} (TPU_NAME)", tpu=environ["TPU_NAME"])
    if tpus is None:
        import tensorflow as tf

        tpus = len(tf.config.list_physical_devices("TPU"))
    if tpus:
        return Choice("tpu", f"{tpus} TPU devices on this machine (a TPU VM)", tpu="local")
    cluster = _cluster(environ["TF_CONFIG"]) if environ.get("TF_CONFIG") else None
    if cluster:
        workers, task = cluster
        return Choice("multi-worker", f"TF_CONFIG names {workers} workers; this is {task}")
    if gpus is None or cpus is None:
        import tensorflow as tf

        gpu_devices = [d.name for d in tf.config.list_logical_devices("GPU")]
        cpu_devices = [d.name for d in tf.config.list_logical_devices("CPU")]
    else:
        gpu_devices = [f"/device:GPU:{i}" for i in range(gpus)]
        cpu_devices = [f"/device:CPU:{i}" for i in range(cpus)]
    if len(gpu_devices) > 1:
        return Choice("mirrored", f"{len(gpu_devices)} GPUs", devices=tuple(gpu_devices))
    if not gpu_devices and len(cpu_devices) > 1:
        return Choice(
            "mirrored",
            f"the CPU split into {len(cpu_devices)} logical devices; they share its cores",
            devices=tuple(cpu_devices),
        )
    return Choice("default", f"one device: {'the GPU' if gpu_devices else 'the CPU'}")


def _multi_worker_strategy():
    """``MultiWorkerMirroredStrategy`` with a ``reduce`` that Keras 3's ``fit`` can use.

    Keras 3.15's TensorFlow trainer reduces a whole (x, y) batch at once when ``fit`` starts,
    and each scalar metric along axis 0; TensorFlow 2.21's collective ``reduce`` takes one
    tensor at a time and no axis on a scalar, so ``fit`` fails with "Attempt to convert a value
    (PerReplica...)" (keras-team/keras#20585, tensorflow/tensorflow#72388). This subclass
    reduces each tensor of a structure in turn, a scalar without an axis; nothing else changes.
    """
    import tensorflow as tf

    class KerasMultiWorkerMirroredStrategy(tf.distribute.MultiWorkerMirroredStrategy):
        def reduce(self, reduce_op, value, axis=None):
            def one(v):
                rank = self.experimental_local_results(v)[0].shape.rank
                return super(KerasMultiWorkerMirroredStrategy, self).reduce(
                    reduce_op, v, None if rank == 0 else axis
                )

            return tf.nest.map_structure(one, value)

    return KerasMultiWorkerMirroredStrategy()


def build(choice: Choice):
    """The ``tf.distribute.Strategy`` a ``Choice`` names."""
    import tensorflow as tf

    if choice.kind == "tpu":
        resolver = tf.distribute.cluster_resolver.TPUClusterResolver(tpu=choice.tpu)
        tf.config.experimental_connect_to_cluster(resolver)
        tf.tpu.experimental.initialize_tpu_system(resolver)
        return tf.distribute.TPUStrategy(resolver)
    if choice.kind == "multi-worker":
        return _multi_worker_strategy()
    if choice.kind == "mirrored":
        return tf.distribute.MirroredStrategy(list(choice.devices))
    return tf.distribute.get_strategy()


def line(choice: Choice, replicas: int) -> str:
    """The one line ``strategy()`` prints."""
    return f"distribute: {choice.name}, {replicas} replica{'s' * (replicas != 1)} ({choice.reason})"


_built: tuple[Choice, object] | None = None


def strategy(verbose: bool = True):
    """The strategy for this machine, built once per process; prints ``line()``.

    Build the model and compile it inside ``strategy().scope()`` (or ``scope()``): the
    variables are then created as the strategy needs (mirrored on every replica, or on the
    TPU), and Keras's ``fit`` splits each global batch among the replicas.
    """
    global _built
    if _built is None:
        choice = choose()
        _built = choice, build(choice)
    choice, chosen = _built
    if verbose:
        print(line(choice, chosen.num_replicas_in_sync))
    return chosen


_this_machine = strategy  # for scaled(), whose argument is named strategy


def scope():
    """``strategy().scope()``, without printing: ``with cnnbook.distribute.scope(): ...``."""
    return strategy(verbose=False).scope()


class Scaled(NamedTuple):
    global_batch: int
    learning_rate: float


def scaled(batch_per_replica: int, learning_rate: float, strategy=None) -> Scaled:
    """(global batch, learning rate) for ``strategy`` (a strategy or a number of replicas).

    Global batch = batch per replica x replicas; learning rate x replicas, the linear scaling
    rule of Goyal et al. 2017 (arXiv:1706.02677, section 2.1). ``strategy=None`` means this
    machine's, from ``strategy()``.
    """
    if isinstance(batch_per_replica, bool) or not isinstance(batch_per_replica, int):
        raise ValueError(f"batch_per_replica must be a whole number, got {batch_per_replica!r}")
    if batch_per_replica < 1:
        raise ValueError(f"batch_per_replica must be at least 1, got {batch_per_replica}")
    if isinstance(learning_rate, bool) or not isinstance(learning_rate, int | float):
        raise ValueError(f"learning_rate must be a number, got {learning_rate!r}")
    if not learning_rate > 0:
        raise ValueError(f"learning_rate must be above 0, got {learning_rate}")
    if strategy is None:
        strategy = _this_machine(verbose=False)
    replicas = strategy if isinstance(strategy, int) else strategy.num_replicas_in_sync
    if isinstance(replicas, bool) or not isinstance(replicas, int) or replicas < 1:
        raise ValueError(f"the number of replicas must be a whole number from 1, got {replicas!r}")
    return Scaled(batch_per_replica * replicas, learning_rate * replicas)


def split_cpu(devices: int) -> None:
    """Split the CPU into ``devices`` logical devices, as a machine with that many replicas.

    They share the same cores, so it shows what distribution computes, not a speed-up. Call it
    before TensorFlow initialises its devices (before any operation runs): in a fresh process,
    not in a notebook after ``cnnbook.setup()``.
    """
    import tensorflow as tf

    if isinstance(devices, bool) or not isinstance(devices, int) or devices < 1:
        raise ValueError(f"devices must be a whole number from 1, got {devices!r}")
    cpu = tf.config.list_physical_devices("CPU")[0]
    try:
        tf.config.set_logical_device_configuration(
            cpu, [tf.config.LogicalDeviceConfiguration() for _ in range(devices)]
        )
    except RuntimeError:
        raise RuntimeError(
            "split_cpu must run before TensorFlow initialises its devices (before any "
            "operation runs): call it first thing in a fresh process"
        ) from None


def render_distribute(section: dict, machine: dict) -> list[str]:
    """The ``distribute`` benchmark section (``bench/distribute.py``) as markdown lines."""
    from cnnbook.benchmarks import recorded, table
    from cnnbook.timing import spread

    d = section
    rows = [
        [
            r["variant"],
            str(r["replicas"]),
            str(r["global_batch"]),
            f"{r['median']:.0f} ({spread(r['images_per_s']):.0%})",
            f"{r['vs_one_replica']:.2f}",
        ]
        for r in d["rows"]
    ]
    return (
        recorded(d, machine)
        + [
            f"{d['model']}, {d['input']}x{d['input']} images; {d['rounds']} rounds of "
            f"{d['steps']} steps. `{d['strategy']}`",
            "",
        ]
        + table(
            [
                "variant",
                "replicas",
                "global batch",
                "images/s (spread)",
                "rate / 1 replica's (median of rounds)",
            ],
            rows,
        )
        + [
            f"2 replicas against 1 on the same global batch: "
            f"{d['two_over_one_same_global_batch']:.2f}x the images/s. Both logical devices "
            "compute on the same cores: this is the cost of splitting the batch and adding "
            "the gradients, not the gain of a second device.",
            "",
        ]
    )


def main(argv: list[str] | None = None) -> int:
    """``python -m cnnbook.distribute [--split-cpu N]``: print the strategy this process gets."""
    import argparse

    parser = argparse.ArgumentParser(prog="python -m cnnbook.distribute", description=main.__doc__)
    parser.add_argument("--split-cpu", type=int, default=None, metavar="N")
    args = parser.parse_args(argv)
    from cnnbook.runtime import quiet_tensorflow

    quiet_tensorflow()
    if args.split_cpu is not None:
        split_cpu(args.split_cpu)
    strategy()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
