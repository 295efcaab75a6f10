"""The smoke switch, offline weights seeding, and the prose-number rule itself."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from conftest import printed_numbers, prose_numbers
from nbformat.v4 import new_markdown_cell, new_notebook

from cnnbook import pick, smoke_mode
from cnnbook import weights as weights_module


def test_pick_follows_the_smoke_switch(monkeypatch):
    monkeypatch.setenv("CNNBOOK_SMOKE", "1")
    assert smoke_mode() and pick(full=20, smoke=2) == 2
    monkeypatch.setenv("CNNBOOK_SMOKE", "0")
    assert not smoke_mode() and pick(full=20, smoke=2) == 20
    monkeypatch.delenv("CNNBOOK_SMOKE")
    assert pick(full=20, smoke=2) == 20


def test_a_bad_smoke_value_is_a_clear_error(monkeypatch):
    monkeypatch.setenv("CNNBOOK_SMOKE", "maybe")
    with pytest.raises(ValueError, match="CNNBOOK_SMOKE must be 1 or 0"):
        smoke_mode()


def _run(code: str, env: dict) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=300
    )


@pytest.mark.skipif(not os.environ.get("CNNBOOK_WEIGHTS_DIR"), reason="needs ../shared/weights")
def test_setup_seeds_keras_home_so_weights_imagenet_works_offline(tmp_path):
    env = dict(os.environ, KERAS_HOME=str(tmp_path / "keras"))
    code = (
        "import cnnbook; cnnbook.setup()\n"
        "import keras\n"
        "from cnnbook.weights import imagenet_weights\n"
        "m = keras.applications.MobileNetV2(include_top=False, input_shape=(96, 96, 3),"
        " weights=imagenet_weights(96))\n"
        "print('loaded', m.count_params())\n"
    )
    result = _run(code, env)
    assert result.returncode == 0, result.stderr[-2000:]
    assert "trained at 224x224" in result.stdout and "loaded 2257984" in result.stdout
    assert sorted(p.name for p in (tmp_path / "keras" / "models").iterdir()) == sorted(
        weights_module.MOBILENET_V2_NO_TOP.format(size=s) for s in weights_module.KERAS_SIZES
    )
    assert not any(p.name.startswith(".partial") for p in (tmp_path / "keras" / "models").iterdir())
    assert "oneDNN" not in result.stderr, "TensorFlow's import notice leaked"


def test_without_weights_the_chapter_is_told_loudly_and_gets_random_ones(tmp_path):
    env = {k: v for k, v in os.environ.items() if k != "CNNBOOK_WEIGHTS_DIR"}
    env.update(KERAS_HOME=str(tmp_path / "empty"), CNNBOOK_WEIGHTS_DIR=str(tmp_path / "none"))
    code = (
        "import cnnbook.weights as w\n"
        "w.ORIGIN = 'http://127.0.0.1:9/'\n"
        "print('weights =', w.imagenet_weights(160))\n"
    )
    result = _run(code, env)
    assert result.returncode == 0, result.stderr[-2000:]
    assert "NO PRETRAINED WEIGHTS" in result.stdout and "weights = None" in result.stdout


def test_prose_numbers_are_found_and_years_ignored():
    nb = new_notebook(
        cells=[
            new_markdown_cell(
                "In 1998 LeNet had 61,706 parameters; VGG-16 has 138357544 and a 3x3 filter 9; "
                "version 2.21 and 0.95 are not counted; 1000x1000x3 is."
            )
        ]
    )
    assert prose_numbers(nb) == {61706, 138357544, 1000}
    assert printed_numbers("total 61,706 and 1000") >= {61706, 1000}
    assert 138357544 not in printed_numbers("138,357,545")


def _stderr_around_setup(tmp_path, before: str, after: str) -> tuple[str, str, str]:
    """Run ``before``, ``cnnbook.setup()``, then ``after`` in a fresh Python.

    Returns stdout, and what reached file descriptor 2 (where C++ logs) before setup returned
    and after it.
    """
    code = (
        f"import os\n{before}\nimport cnnbook\ncnnbook.setup()\n"
        f"os.write(2, b'setup done\\n')\n{after}\n"
    )
    result = _run(code, dict(os.environ, KERAS_HOME=str(tmp_path / "keras")))
    assert result.returncode == 0, result.stderr[-2000:]
    during, marker, later = result.stderr.partition("setup done\n")
    assert marker, "the descriptor is not back once setup() returns"
    return result.stdout, during, later


def test_the_gpu_probe_prints_no_native_log_line(tmp_path):
    # The standard `tensorflow` wheel on a machine without a GPU (a Colab CPU runtime) logs
    # "failed call to cuInit" from C++ when setup() asks for GPUs. Here the probe is replaced
    # by one that writes such a line to file descriptor 2, as C++ does; setup() must swallow it.
    fake_probe = (
        "import tensorflow as tf\n"
        "real = tf.config.list_physical_devices\n"
        "def probe(kind=None):\n"
        "    os.write(2, b'E0000 cuda_platform.cc:52] failed call to cuInit: UNKNOWN\\n')\n"
        "    return real(kind)\n"
        "tf.config.list_physical_devices = probe"
    )
    stdout, during, _ = _stderr_around_setup(tmp_path, fake_probe, "")
    assert "GPU: none" in stdout
    assert "cuInit" not in during


def test_an_operation_whose_first_run_logs_from_cpp_logs_nothing_after_setup(tmp_path):
    # On a CPU without AVX-512 oneDNN logs "supports DT_INT32 only on platforms with AVX-512"
    # the first time a chapter runs RandomElasticTransform (its map_coordinates); with AVX-512
    # it never logs, and the test holds trivially.
    chapter = (
        "import keras, numpy as np\n"
        "layer = keras.layers.RandomElasticTransform(factor=1.0, scale=0.4, seed=5)\n"
        "layer(np.ones((1, 16, 16, 3), 'float32'), training=True)"
    )
    _, _, later = _stderr_around_setup(tmp_path, "", chapter)
    assert later.strip() == "", later[-2000:]


def test_fit_on_a_dataset_warns_nothing_a_reader_cannot_act_on():
    import warnings

    import keras
    import numpy as np
    import tensorflow as tf

    from cnnbook.runtime import silence_unactionable_warnings

    x = np.zeros((8, 3), "float32")
    data = tf.data.Dataset.from_tensor_slices((x, np.zeros(8, "int32"))).batch(4)
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2)])
    model.compile("sgd", keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    with warnings.catch_warnings(record=True) as before:
        warnings.simplefilter("always")
        model.fit(data, epochs=1, verbose=0)
    assert any("shuffle=True" in str(w.message) for w in before)  # Keras still warns
    with warnings.catch_warnings(record=True) as after:
        warnings.simplefilter("always")
        silence_unactionable_warnings()
        warnings.warn("a warning a reader can act on", UserWarning, stacklevel=1)
        model.fit(data, epochs=1, verbose=0)
    assert [str(w.message) for w in after] == ["a warning a reader can act on"]
