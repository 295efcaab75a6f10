"""Every notebook in the table of contents follows the conventions and runs in smoke mode."""

import nbformat
import pytest
from conftest import ROOT, printed_numbers, prose_numbers

from tools.nbconventions import (
    CODE_COLUMN,
    data_and_training_problems,
    lines_wider_than_the_code_column,
    problems,
    toc_notebooks,
)

NOTEBOOKS = [str(p.relative_to(ROOT)) for p in toc_notebooks()]


def test_every_chapter_notebook_is_in_the_toc():
    on_disk = {str(p.relative_to(ROOT)) for p in ROOT.glob("chapters/**/*.ipynb")}
    assert on_disk == set(NOTEBOOKS), "notebooks missing from (or stale in) _toc.yml"


@pytest.mark.parametrize("relpath", NOTEBOOKS)
def test_conventions(relpath):
    assert problems(ROOT / relpath) == []


def test_a_code_line_wider_than_the_code_column_is_a_problem():
    fits = "x = 1  # " + "a" * (CODE_COLUMN - 9)
    assert len(fits) == CODE_COLUMN
    assert lines_wider_than_the_code_column([fits, "print(2)"]) == []
    wide = lines_wider_than_the_code_column(["print(1)", f"{fits}\n{fits}b"])
    assert wide == [
        f"code cell 1: a line of {CODE_COLUMN + 1} characters (the code column shows 80)"
    ]


GPU = {"accelerator": "GPU"}
CURVES = "learning_curves(history)"


@pytest.mark.parametrize(
    ("sources", "metadata", "expected"),
    [
        (["model.fit(x, epochs=3, verbose=2)", CURVES], GPU, []),
        (["model.fit(x, epochs=3)", CURVES], GPU, ["verbose=2"]),
        (["model.fit(x, epochs=3, verbose=1)", CURVES], GPU, ["verbose=2"]),
        (["model.fit(x, epochs=3, verbose=0)", CURVES], {}, ['"accelerator": "GPU"']),
        (["model.fit(x, epochs=3, verbose=0)"], GPU, ["no learning curves"]),
        (["model.fit(x, epochs=3, verbose=0)", 'ax.set_xlabel("epoch")'], GPU, []),
        (["model.fit(x, epochs=1, verbose=0)"], {}, []),  # one epoch: nothing to plot
        (["clf.fit(features, labels)"], {}, []),  # scikit-learn's fit
        (["d = without_autotune(tf.data.Dataset.from_tensor_slices((x, y)).batch(8))"], {}, []),
        (["d = tf.data.Dataset.from_tensor_slices((x, y)).batch(8)"], {}, ["without_autotune"]),
        (["(x, y), _ = keras.datasets.mnist.load_data()"], {}, ["keras.datasets"]),
        (["%timeit f()"], {}, []),  # IPython syntax: skipped, not an error
    ],
)
def test_the_data_and_training_rules_are_read_from_the_code(sources, metadata, expected):
    found = data_and_training_problems(sources, metadata)
    assert len(found) == len(expected), found
    for problem, fragment in zip(found, expected, strict=True):
        assert fragment in problem, found


@pytest.mark.parametrize("relpath", NOTEBOOKS)
def test_runs_in_smoke_mode_and_prints_every_number_its_prose_states(relpath, executed):
    run = executed(relpath)  # papermill raises on the first failing cell
    missing = prose_numbers(run.nb) - printed_numbers(run.text)
    assert not missing, (
        f"{relpath} states numbers in its prose that no code cell prints: {sorted(missing)}"
    )


# Chapters run on Colab GPUs as well as CPUs: their prose never takes the reader's machine for
# the one that built the book. (The Performance appendix is about the machines measured.)
READERS_MACHINE_PHRASES = ("this cpu", "two cores", "laptop", "this machine")


@pytest.mark.parametrize("relpath", [n for n in NOTEBOOKS if "/appendices/" not in n])
def test_prose_does_not_take_the_readers_machine_for_ours(relpath):
    nb = nbformat.read(ROOT / relpath, as_version=4)
    prose = "\n".join(c.source for c in nb.cells if c.cell_type == "markdown").lower()
    found = [phrase for phrase in READERS_MACHINE_PHRASES if phrase in prose]
    assert not found, f"{relpath} says {found}: print the device instead"


def _chapter_titles() -> set[str]:
    titles = set()
    for relpath in NOTEBOOKS:
        nb = nbformat.read(ROOT / relpath, as_version=4)
        for cell in nb.cells:
            if cell.cell_type == "markdown" and cell.source.startswith("# "):
                titles.add(cell.source.splitlines()[0][2:].strip())
                break
    return titles


@pytest.mark.parametrize(
    "module",
    ["acceleration", "augment", "claims", "conv", "costs", "evaluation", "inspection", "plots"]
    + ["pooling", "timing", "transfer", "weights"]
    + ["models/classic", "models/efficientnet", "models/inception", "models/mobilenet"]
    + ["models/resnet"],
)
def test_each_helper_names_the_chapter_that_teaches_it(module):
    import ast
    import re

    source = (ROOT / "src" / "cnnbook" / f"{module}.py").read_text()
    docstring = " ".join((ast.get_docstring(ast.parse(source)) or "").split())
    assert re.search(r"[Tt]aught in", docstring), f"{module}: no 'Taught in ...' sentence"
    named = [title for title in _chapter_titles() if f"*{title}*" in docstring]
    assert named, f"{module}: its docstring names no chapter by its title, in *...*"
