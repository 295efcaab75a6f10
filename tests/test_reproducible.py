"""Two executions of a chapter in smoke mode print the same outputs: nbval, used for its job.

Each notebook's smoke run (the ``executed`` fixture, papermill) is handed to nbval, which
executes it again in a fresh kernel and compares every cell's outputs with the first run's.
What may differ is named in ``nbval-sanitize.cfg`` (timings, memory, speeds: measurements, not
results) or marked in the notebook with nbval's ``nbval-ignore-output`` tag; both are few, and
``test_few_outputs_are_exempt`` keeps them so. Images are not compared (nbval's default);
every printed number and table is.
"""

from __future__ import annotations

import configparser
import os
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
from conftest import ROOT

from tools.nbconventions import toc_notebooks

NOTEBOOKS = [str(p.relative_to(ROOT)) for p in toc_notebooks()]
SANITIZERS = Path(__file__).with_name("nbval-sanitize.cfg")
IGNORE_TAG = "nbval-ignore-output"
MAX_SANITIZERS = 12
# In the whole book: the cells that print or check ratios of measured times (inception 2,
# mobilenet 3, data-augmentation 3, state-of-computer-vision 3, transfer-learning 1). Every
# training run, and every table of accuracies, is compared.
MAX_IGNORED_CELLS = 12


def mirror(tmp_path: Path, relpath: str) -> Path:
    """A tree where the notebook's folder holds only the executed copy and the rest is linked.

    nbval runs the kernel in the notebook's folder, as Jupyter does, so relative paths the
    chapter uses (the Performance appendix reads ``../../bench/results``) still resolve.
    """
    for entry in ROOT.iterdir():
        if entry.name not in ("chapters", ".git"):
            (tmp_path / entry.name).symlink_to(entry)
    target = tmp_path / relpath
    target.parent.mkdir(parents=True)
    return target


def nbval(notebook: Path, folder: Path) -> subprocess.CompletedProcess:
    """nbval over one executed notebook, with the book's sanitizers, outside this suite's ini."""
    (folder / "nbval.ini").write_text("[pytest]\n")
    command = [
        sys.executable,
        "-m",
        "pytest",
        "-c",
        str(folder / "nbval.ini"),
        "--rootdir",
        str(folder),
        "-p",
        "no:cacheprovider",
        "-p",
        "no:xdist",
        "-q",
        "--nbval",
        "--nbval-kernel-name",
        "python3",
        "--nbval-sanitize-with",
        str(SANITIZERS),
        "--nbval-cell-timeout",
        "900",
        str(notebook),
    ]
    return subprocess.run(
        command, cwd=folder, env=dict(os.environ), capture_output=True, text=True, timeout=1800
    )


@pytest.mark.parametrize("relpath", NOTEBOOKS)
def test_a_second_smoke_run_prints_the_same_outputs(relpath, executed, tmp_path):
    first = executed(relpath)
    copy = mirror(tmp_path, relpath)
    nbformat.write(first.nb, copy)
    result = nbval(copy, tmp_path)
    assert result.returncode == 0, (
        f"{relpath}: a second smoke run printed different outputs (nbval):\n"
        + result.stdout[-8000:]
        + result.stderr[-2000:]
    )


def _notebook_printing(source: str, printed: str):
    cell = nbformat.v4.new_code_cell(source, execution_count=1)
    cell.outputs = [nbformat.v4.new_output("stream", name="stdout", text=printed)]
    return nbformat.v4.new_notebook(cells=[cell])


def test_nbval_fails_a_changed_result_and_passes_a_changed_timing(tmp_path):
    same = tmp_path / "same.ipynb"
    nbformat.write(_notebook_printing("print('accuracy 0.90')", "accuracy 0.90\n"), same)
    assert nbval(same, tmp_path).returncode == 0
    changed = tmp_path / "changed.ipynb"
    nbformat.write(_notebook_printing("print('accuracy 0.91')", "accuracy 0.90\n"), changed)
    assert nbval(changed, tmp_path).returncode != 0
    timing = tmp_path / "timing.ipynb"
    source = "print('1 epoch in 2.5 s, 800 images/s')"
    nbformat.write(_notebook_printing(source, "1 epoch in 1.9 s, 1,020 images/s\n"), timing)
    assert nbval(timing, tmp_path).returncode == 0
    # A speed right-aligned in a column: a wider number comes with fewer padding spaces.
    column = tmp_path / "column.ipynb"
    source = "print(f\"{'parallel map':14s} {812.0:8,.0f} images/s\")"
    nbformat.write(_notebook_printing(source, "parallel map     12,406 images/s\n"), column)
    assert nbval(column, tmp_path).returncode == 0


def test_few_outputs_are_exempt():
    parser = configparser.ConfigParser()
    parser.read(SANITIZERS)
    assert 1 <= len(parser.sections()) <= MAX_SANITIZERS
    for section in parser.sections():
        assert parser[section].get("regex") and "replace" in parser[section], section
    ignored = []
    for relpath in NOTEBOOKS:
        for index, cell in enumerate(nbformat.read(ROOT / relpath, as_version=4).cells):
            if IGNORE_TAG in cell.get("metadata", {}).get("tags", []):
                ignored.append(f"{relpath} cell {index}")
    assert len(ignored) <= MAX_IGNORED_CELLS, ignored
