"""The training chapters run one code path whatever the strategy: a chapter on two replicas.

``tools.nbconventions.distribution_problems`` reads from the code of every notebook that calls
Keras's ``fit`` that it calls ``distribute.strategy()`` and compiles the models it fits inside
``distribute.scope()`` (``test_notebooks.py`` holds every chapter to it). The syntax cannot show
where a builder creates a model's variables, and on one device a model built outside the scope
trains exactly as one built inside (TensorFlow's default strategy). So this test runs a training
chapter in smoke mode with the CPU split into two logical devices, which makes the chooser pick
``MirroredStrategy`` with 2 replicas, and with Keras's ``fit`` wrapped to fail on a model, or an
optimizer, created outside that strategy's scope (a model remembers the strategy it was built
under; outside any scope, ``fit`` would quietly train it on one device).

The split and the wrapper are an IPython startup file of the kernel (``IPYTHONDIR``): the CPU
can only be split before TensorFlow initialises its devices, that is before the chapter's
bootstrap cell. Nothing in the chapter changes.
"""

from __future__ import annotations

import contextlib
import os
import time
from pathlib import Path

import pytest
from conftest import ROOT, ExecutedNotebook, run_notebook

CHAPTER = "chapters/foundations/full-convnet.ipynb"

STARTUP = """\
# Before the chapter's first cell: the CPU as two devices, and fit checks the scope.
from cnnbook import distribute

distribute.split_cpu(2)

import keras

_fit = keras.Model.fit


def _fit_in_the_scope(self, *args, **kwargs):
    chosen = distribute.strategy(verbose=False)
    if self._distribute_strategy is not chosen:
        raise RuntimeError(
            f"fit: the model {self.name!r} was built outside distribute.scope()"
        )
    if getattr(self.optimizer, "_distribution_strategy", None) is not chosen:
        raise RuntimeError(
            f"fit: the model {self.name!r} was compiled outside distribute.scope()"
        )
    print(f"[test] fit {self.name!r} on {chosen.num_replicas_in_sync} replicas")
    return _fit(self, *args, **kwargs)


keras.Model.fit = _fit_in_the_scope
"""

TWO_REPLICAS = (
    "distribute: MirroredStrategy, 2 replicas "
    "(the CPU split into 2 logical devices; they share its cores)"
)


@contextlib.contextmanager
def two_replica_kernels(folder: Path):
    """Kernels started in the block split their CPU in two and check fit (IPYTHONDIR)."""
    startup = folder / "ipython" / "profile_default" / "startup"
    startup.mkdir(parents=True)
    (startup / "00-two-replicas.py").write_text(STARTUP)
    saved = os.environ.get("IPYTHONDIR")
    os.environ["IPYTHONDIR"] = str(folder / "ipython")
    try:
        yield
    finally:
        if saved is None:
            os.environ.pop("IPYTHONDIR", None)
        else:
            os.environ["IPYTHONDIR"] = saved


def test_a_model_built_outside_the_scope_fails_on_two_replicas(tmp_path):
    """The check itself: built outside the scope, compiled inside, fit fails and says so."""
    import nbformat
    import papermill

    cells = [
        "import cnnbook\n\ncnnbook.setup()",
        "import keras\nimport numpy as np\n\nfrom cnnbook import distribute\n\n"
        "strategy = distribute.strategy()\n"
        "model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])\n"
        "with distribute.scope():\n    model.compile(loss='mse')\n"
        "model.fit(np.zeros((4, 2)), np.zeros(4), epochs=1, verbose=0)",
    ]
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(c) for c in cells])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3"}
    notebook = tmp_path / "outside.ipynb"
    nbformat.write(nb, notebook)
    with two_replica_kernels(tmp_path), pytest.raises(papermill.PapermillExecutionError) as error:
        run_notebook(notebook, tmp_path / "executed.ipynb")
    assert "the model 'sequential' was built outside distribute.scope()" in str(error.value)
    assert TWO_REPLICAS in (tmp_path / "executed.ipynb").read_text()


def test_a_training_chapter_trains_on_two_replicas_with_the_same_code(tmp_path):
    path = ROOT / CHAPTER
    output = tmp_path / path.name
    start = time.perf_counter()
    with two_replica_kernels(tmp_path):
        run_notebook(path, output)
    run = ExecutedNotebook.from_file(output, time.perf_counter() - start)
    print(f"{CHAPTER} on two replicas: {run.seconds:.1f} s")
    run.assert_printed(
        TWO_REPLICAS,
        "global batch 64, learning rate 0.004",  # 2 x 32 images, 2 x 2e-3
        "[test] fit 'lenet_like' on 2 replicas",
        "1 epoch in",  # training_report's line: the epoch ran to its end
        "test accuracy",
    )
    assert run.text.count("[test] fit") == 1  # the chapter's one training run
