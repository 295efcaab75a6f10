"""cnnbook.distribute: the chooser, the batch and learning-rate rule, and real distributed training.

Two runs train for real, each in fresh processes (the CPU can be split only before TensorFlow
initialises its devices):

- the CPU split into 2 logical devices: ``MirroredStrategy`` (picked by the chooser) on a global
  batch of 32 ends where one device ends on the same batch of 32, within ``ATOL``;
- two worker processes on loopback (``TF_CONFIG`` with two free localhost ports): one epoch of
  ``MultiWorkerMirroredStrategy`` ends with the same weights on both workers, and where the one
  device ends.

The small CNN has no batch normalisation (each replica would normalise with the statistics of its
own half-batch, unless ``BatchNormalization(synchronized=True)``) and no dropout; SGD, fixed
seeds, the same arrays in the same order. This file also runs as the script those processes run:
``python tests/test_distribute.py replicas|worker OUT.npz``.
"""

from __future__ import annotations

import contextlib
import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from cnnbook import distribute

ATOL = 1e-5  # float32 sums in another order; a different batch moves weights >100x further
IMAGES, SIZE, CLASSES = 256, 16, 4
GLOBAL_BATCH = 32  # one epoch = 8 steps
LEARNING_RATE = 0.1
TIMEOUT_S = 300  # per process; a TensorFlow import alone takes 5-35 s on the shared 2 cores


# --- the chooser, without TensorFlow ------------------------------------------------------------


def worker_config(cluster: dict, index: int) -> dict[str, str]:
    return {
        "TF_CONFIG": json.dumps({"cluster": cluster, "task": {"type": "worker", "index": index}})
    }


def tf_config(workers: int, index: int = 0, chief: int = 0) -> dict[str, str]:
    cluster = {"worker": [f"localhost:{2000 + i}" for i in range(workers)]}
    if chief:
        cluster["chief"] = ["localhost:1999"]
    return worker_config(cluster, index)


ONE_CPU = {"tpus": 0, "gpus": 0, "cpus": 1}


def test_two_workers_in_tf_config_choose_multi_worker():
    choice = distribute.choose(tf_config(2, index=1), **ONE_CPU)
    assert choice.name == "MultiWorkerMirroredStrategy"
    assert choice.reason == "TF_CONFIG names 2 workers; this is worker 1"
    assert distribute.choose(tf_config(1, chief=1), **ONE_CPU).kind == "multi-worker"
    # Multi-worker wins over local GPUs (it mirrors over each worker's GPUs itself).
    assert distribute.choose(tf_config(3), tpus=0, gpus=4, cpus=1).reason.startswith(
        "TF_CONFIG names 3 workers"
    )


def test_no_cluster_and_one_device_is_the_default_strategy():
    assert distribute.choose({}, **ONE_CPU) == distribute.Choice("default", "one device: the CPU")
    assert distribute.choose({}, tpus=0, gpus=1, cpus=1).reason == "one device: the GPU"
    assert distribute.choose(tf_config(1), **ONE_CPU).kind == "default"  # a cluster of one


def test_several_gpus_or_a_split_cpu_are_mirrored():
    gpus = distribute.choose({}, tpus=0, gpus=2, cpus=1)
    assert (gpus.name, gpus.reason) == ("MirroredStrategy", "2 GPUs")
    assert gpus.devices == ("/device:GPU:0", "/device:GPU:1")
    cpus = distribute.choose({}, tpus=0, gpus=0, cpus=2)
    assert cpus.reason == "the CPU split into 2 logical devices; they share its cores"
    assert distribute.choose({}, tpus=0, gpus=1, cpus=2).kind == "default"  # the GPU computes


def test_a_tpu_is_found_from_the_environment_first():
    colab = distribute.choose({"COLAB_TPU_ADDR": "10.0.0.2:8470"} | tf_config(2), **ONE_CPU)
    assert (colab.name, colab.tpu) == ("TPUStrategy", "grpc://10.0.0.2:8470")
    assert colab.reason == "Colab TPU at 10.0.0.2:8470 (COLAB_TPU_ADDR)"
    assert distribute.choose({"TPU_NAME": "node-1"}, **ONE_CPU).tpu == "node-1"
    vm = distribute.choose({}, tpus=8, gpus=0, cpus=1)
    assert (vm.tpu, vm.reason) == ("local", "8 TPU devices on this machine (a TPU VM)")


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("{not json", "TF_CONFIG is not JSON"),
        ("[1, 2]", "TF_CONFIG must be a JSON object"),
        ('{"cluster": {"worker": ["a:1"], "ps": ["b:1"]}}', "parameter servers"),
        ('{"cluster": {"worker": "a:1"}}', "to a list of"),
        ('{"cluster": {"worker": ["a:1", "b:1"]}}', "not this process's task"),
    ],
)
def test_a_tf_config_it_cannot_use_is_a_clear_error(value, message):
    with pytest.raises(ValueError, match=message):
        distribute.choose({"TF_CONFIG": value}, **ONE_CPU)


def test_the_printed_line_names_strategy_replicas_and_reason():
    choice = distribute.choose(tf_config(2), **ONE_CPU)
    assert distribute.line(choice, 2) == (
        "distribute: MultiWorkerMirroredStrategy, 2 replicas "
        "(TF_CONFIG names 2 workers; this is worker 0)"
    )
    one = distribute.choose({}, **ONE_CPU)
    assert (
        distribute.line(one, 1) == "distribute: default strategy, 1 replica (one device: the CPU)"
    )


def test_global_batch_and_learning_rate_scale_with_the_replicas():
    assert distribute.scaled(32, 0.1, 2) == (64, pytest.approx(0.2))
    batch, rate = distribute.scaled(16, 0.01, 8)
    assert (batch, rate) == (128, pytest.approx(0.08))
    assert distribute.scaled(32, 0.1, 1) == (32, 0.1)


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        ((0, 0.1, 2), "batch_per_replica must be at least 1"),
        ((2.5, 0.1, 2), "batch_per_replica must be a whole number"),
        ((32, 0, 2), "learning_rate must be above 0"),
        ((32, "0.1", 2), "learning_rate must be a number"),
        ((32, 0.1, 0), "number of replicas must be a whole number from 1"),
    ],
)
def test_bad_scaling_arguments_are_a_clear_error(arguments, message):
    with pytest.raises(ValueError, match=message):
        distribute.scaled(*arguments)


# --- this process's strategy (TensorFlow, not split) ---------------------------------------------


def test_strategy_prints_its_choice_for_this_machine(monkeypatch, capsys):
    for name in ("TF_CONFIG", *distribute.TPU_VARIABLES):
        monkeypatch.delenv(name, raising=False)
    chosen = distribute.strategy()
    printed = capsys.readouterr().out
    assert printed == distribute.line(distribute.choose(), chosen.num_replicas_in_sync) + "\n"
    assert distribute.scaled(32, 0.1) == distribute.scaled(32, 0.1, chosen.num_replicas_in_sync)
    import tensorflow as tf

    if not tf.config.list_logical_devices("GPU"):
        assert printed == "distribute: default strategy, 1 replica (one device: the CPU)\n"
        assert distribute.scaled(32, 0.1, chosen) == (32, 0.1)
    with distribute.scope():  # the scope chapters build their models in
        assert tf.distribute.get_strategy() is chosen


def test_splitting_the_cpu_too_late_says_so():
    import tensorflow as tf

    tf.constant(1.0) + 1  # the devices are initialised now
    with pytest.raises(RuntimeError, match="before TensorFlow initialises its devices"):
        distribute.split_cpu(2)
    with pytest.raises(ValueError, match="devices must be a whole number"):
        distribute.split_cpu(0)


# --- real training, in subprocesses -------------------------------------------------------------


def arrays():
    """Deterministic images whose class is the brightest quarter of the image (learnable)."""
    rng = np.random.default_rng(0)
    x = rng.normal(size=(IMAGES, SIZE, SIZE, 3)).astype("float32")
    half = SIZE // 2
    quarters = [x[:, :half, :half], x[:, :half, half:], x[:, half:, :half], x[:, half:, half:]]
    y = np.argmax([q.mean(axis=(1, 2, 3)) for q in quarters], axis=0)
    return x, y


def train(strategy, global_batch: int) -> tuple[list, list]:
    """One epoch of SGD on a small CNN built and compiled in ``strategy``'s scope."""
    import keras

    from cnnbook.data import arrays_dataset

    x, y = arrays()
    keras.utils.set_random_seed(0)
    with strategy.scope():
        model = keras.Sequential(
            [
                keras.Input((SIZE, SIZE, 3)),
                keras.layers.Conv2D(8, 3, activation="relu"),
                keras.layers.MaxPooling2D(),
                keras.layers.Conv2D(16, 3, activation="relu"),
                keras.layers.GlobalAveragePooling2D(),
                keras.layers.Dense(CLASSES, activation="softmax"),
            ]
        )
        model.compile(
            optimizer=keras.optimizers.SGD(LEARNING_RATE), loss="sparse_categorical_crossentropy"
        )
    initial = model.get_weights()
    data = arrays_dataset(x, y, batch_size=global_batch, shuffle=False)
    model.fit(data, epochs=1, verbose=0, shuffle=False)
    return initial, model.get_weights()


def _save(path: str, **weights: list) -> None:
    np.savez(path, **{f"{k}_{i}": w for k, ws in weights.items() for i, w in enumerate(ws)})


def _load(path: Path, key: str) -> list[np.ndarray]:
    with np.load(path) as saved:
        names = sorted((n for n in saved.files if n.rsplit("_", 1)[0] == key), key=_index)
        return [saved[n] for n in names]


def _index(name: str) -> int:
    return int(name.rsplit("_", 1)[1])


def max_difference(a: list[np.ndarray], b: list[np.ndarray]) -> float:
    assert [w.shape for w in a] == [w.shape for w in b]
    return max(float(np.max(np.abs(u - v))) for u, v in zip(a, b, strict=True))


def replicas_main(out: str) -> None:
    """Split the CPU in two; train on one device, on 2 replicas, and on 2 replicas x 32."""
    distribute.split_cpu(2)
    import tensorflow as tf

    mirrored = distribute.strategy()  # prints its line
    assert mirrored.num_replicas_in_sync == 2, mirrored
    initial, single = train(tf.distribute.get_strategy(), GLOBAL_BATCH)  # as on one device
    initial_two, two = train(mirrored, GLOBAL_BATCH)
    doubled, _ = distribute.scaled(GLOBAL_BATCH, LEARNING_RATE, mirrored)
    _, larger = train(mirrored, doubled)  # 32 per replica: a global batch of 64
    _save(out, initial=initial, initial_two=initial_two, single=single, two=two, larger=larger)


def worker_main(out: str) -> None:
    """One worker of the cluster TF_CONFIG names: one epoch, its weights saved."""
    chosen = distribute.strategy()  # prints its line
    _save(out, weights=train(chosen, GLOBAL_BATCH)[1])


def _run(processes: list[tuple[list[str], dict[str, str]]]) -> list[str]:
    """Run the processes side by side, each within TIMEOUT_S; their stdout. Killed in any case."""
    started = []
    try:
        for command, environ in processes:
            started.append(
                subprocess.Popen(
                    command,
                    env=os.environ | environ,
                    stdout=subprocess.PIPE,
                    stderr=subprocess.PIPE,
                    text=True,
                )
            )
        outputs = [p.communicate(timeout=TIMEOUT_S) for p in started]
    finally:
        for p in started:
            if p.poll() is None:
                p.kill()
                p.communicate()
    for p, (_, stderr) in zip(started, outputs, strict=True):
        assert p.returncode == 0, f"{p.args} exited {p.returncode}:\n{stderr[-3000:]}"
    return [stdout for stdout, _ in outputs]


def free_ports(count: int) -> list[int]:
    with contextlib.ExitStack() as stack:
        sockets = [stack.enter_context(socket.socket()) for _ in range(count)]
        for s in sockets:
            s.bind(("localhost", 0))
        return [s.getsockname()[1] for s in sockets]


@pytest.fixture(scope="module")
def trained():
    """The split-CPU process and the two workers, run side by side, once per test run.

    Both tests read it, and pytest-xdist may give them to different workers (its xdist_group
    no longer groups under pytest 9.2), so the first to ask runs the processes under a lock in
    the run's folder and the other reads what they saved, as conftest's ``executed`` does.
    """
    from conftest import run_dir
    from fullbook import locked

    folder = run_dir() / "distribute-training"
    replicas = folder / "replicas.npz"
    workers = [folder / f"worker-{index}.npz" for index in range(2)]
    printed_file = folder / "printed.json"
    with locked(run_dir() / "distribute-training.lock"):
        if not folder.exists():
            folder.mkdir()
            cluster = {"worker": [f"localhost:{port}" for port in free_ports(2)]}
            try:
                printed = _run(
                    [([sys.executable, __file__, "replicas", str(replicas)], {})]
                    + [
                        ([sys.executable, __file__, "worker", str(path)], worker_config(cluster, i))
                        for i, path in enumerate(workers)
                    ]
                )
            except BaseException:
                printed_file.write_text("failed")
                raise
            printed_file.write_text(json.dumps(printed))
    if printed_file.read_text() == "failed":
        pytest.fail("the distributed training processes failed in another test; see its error")
    printed = json.loads(printed_file.read_text())
    return {"replicas": (printed[0], replicas), "workers": (printed[1:], workers)}


def test_two_replicas_on_a_split_cpu_train_as_one_device(trained):
    printed, out = trained["replicas"]
    assert printed == (
        "distribute: MirroredStrategy, 2 replicas "
        "(the CPU split into 2 logical devices; they share its cores)\n"
    )
    assert max_difference(_load(out, "initial"), _load(out, "initial_two")) == 0.0
    single, two = _load(out, "single"), _load(out, "two")
    moved = max_difference(_load(out, "initial"), single)
    difference = max_difference(single, two)
    print(f"one device against 2 replicas: max |difference| {difference:.2e}; moved {moved:.3f}")
    assert moved > 100 * ATOL  # training moved the weights
    assert difference < ATOL
    # The tolerance tells apart a step on another batch: 32 per replica is a batch of 64.
    assert max_difference(single, _load(out, "larger")) > 100 * ATOL


def test_two_workers_on_loopback_end_with_the_same_weights(trained):
    printed, paths = trained["workers"]
    for index, line in enumerate(printed):
        assert line == (
            "distribute: MultiWorkerMirroredStrategy, 2 replicas "
            f"(TF_CONFIG names 2 workers; this is worker {index})\n"
        )
    first, second = (_load(path, "weights") for path in paths)
    assert max_difference(first, second) == 0.0  # one all-reduced update on both
    single = _load(trained["replicas"][1], "single")
    difference = max_difference(first, single)
    print(f"two workers against one device: max |difference| {difference:.2e}")
    assert difference < ATOL  # each worker took half of each global batch


# --- the benchmark section (bench/distribute.py) and its renderer --------------------------------

SECTION = {
    "model": "small CNN",
    "input": 64,
    "steps": 12,
    "rounds": 3,
    "strategy": "distribute: MirroredStrategy, 2 replicas (the CPU split into 2 logical devices)",
    "rows": [
        {"variant": "1 replica, batch 32", "replicas": 1, "global_batch": 32,
         "images_per_s": [100.0, 110.0, 90.0], "median": 100.0, "vs_one_replica": 1.0},
        {"variant": "2 replicas x 32", "replicas": 2, "global_batch": 64,
         "images_per_s": [40.0, 44.0, 36.0], "median": 40.0, "vs_one_replica": 0.4},
    ],
    "two_over_one_same_global_batch": 0.456,
    "recorded": "2026-01-02T03:04:05+00:00",
}  # fmt: skip


def test_the_section_renders_its_rows_and_the_ratio():
    lines = distribute.render_distribute(SECTION, {"cpu": "Intel Xeon"})
    text = "\n".join(lines)
    assert lines[0] == "*Recorded 2026-01-02T03:04:05+00:00.*"
    assert "small CNN, 64x64 images; 3 rounds of 12 steps." in text
    assert "| 1 replica, batch 32 | 1 | 32 | 100 (20%) | 1.00 |" in lines
    assert "| 2 replicas x 32 | 2 | 64 | 40 (20%) | 0.40 |" in lines
    assert "same global batch: 0.46x the images/s" in text
    assert "same cores" in text


def test_the_bench_section_measures_in_a_fresh_process_with_the_cpu_split():
    from bench import distribute as bench
    from bench.sections import Options

    section = bench.measure(Options(smoke=True, repeats=2, chapter_repeats=2, commit="x"), {})
    assert section["strategy"].startswith("distribute: MirroredStrategy, 2 replicas")
    assert [(r["replicas"], r["global_batch"]) for r in section["rows"]] == [
        (1, 32),
        (1, 64),
        (2, 64),
    ]
    for row in section["rows"]:
        assert len(row["images_per_s"]) == 2 and all(r > 0 for r in row["images_per_s"])
    assert section["rows"][0]["vs_one_replica"] == 1.0
    assert section["two_over_one_same_global_batch"] > 0
    assert distribute.render_distribute(section | {"recorded": "now"}, {})[0] == "*Recorded now.*"


if __name__ == "__main__":
    {"replicas": replicas_main, "worker": worker_main}[sys.argv[1]](sys.argv[2])
