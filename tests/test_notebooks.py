"""Every notebook in the table of contents follows the conventions and runs in smoke mode."""

import textwrap

import nbformat
import pytest
from conftest import ROOT, printed_numbers, prose_numbers

from tools.nbconventions import (
    CODE_COLUMN,
    data_and_training_problems,
    distribution_problems,
    lines_wider_than_the_code_column,
    markdown_code_wider_than_the_code_column,
    output_problems,
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


def test_a_wide_line_in_a_markdown_code_block_is_a_problem_and_prose_is_not():
    wide = "x = " + "a" * (CODE_COLUMN - 3)
    prose = "A sentence " + "b" * CODE_COLUMN
    solution = f":::{{solution}} s\n```python\nfits = 1\n{wide}\n```\n{prose}\n:::"
    assert markdown_code_wider_than_the_code_column([prose, solution]) == [
        f"markdown cell 1: a code line of {CODE_COLUMN + 1} characters (the code column shows 80)"
    ]
    assert markdown_code_wider_than_the_code_column([f"```\n{wide[:-1]}\n```"]) == []


GPU = {"accelerator": "GPU"}
CURVES = "learning_curves(history)"


@pytest.mark.parametrize(
    ("sources", "metadata", "expected"),
    [
        (["model.fit(x, epochs=3, verbose=0, callbacks=[training_report()])", CURVES], GPU, []),
        (["model.fit(x, epochs=3, verbose=2)", CURVES], GPU, ["verbose=0"]),
        (["model.fit(x, epochs=3)", CURVES], GPU, ["verbose=0"]),
        (["model.fit(x, epochs=3, verbose=1)", CURVES], GPU, ["verbose=0"]),
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


STRATEGY = "from cnnbook import distribute\n\nstrategy = distribute.strategy()"
BUILT = "model = build()"
IN_SCOPE = "with distribute.scope():\n    model = build()\n    model.compile(loss='mse')"
FIT = "model.fit(x, epochs=3, verbose=0)"


@pytest.mark.parametrize(
    ("sources", "expected"),
    [
        ([STRATEGY, IN_SCOPE, FIT], []),
        ([STRATEGY, IN_SCOPE.replace("distribute.scope", "strategy.scope"), FIT], []),
        ([IN_SCOPE, FIT], ["never calls distribute.strategy()"]),
        ([STRATEGY, BUILT, "model.compile(loss='mse')", FIT], ["compiles model"]),
        (  # in a function, as a chapter's compiled(name) does
            [STRATEGY, "def compiled():\n" + textwrap.indent(IN_SCOPE, "    ")
             + "\n    return model", "model = compiled()", FIT],
            [],
        ),
        # compiled only to be evaluated: no fit on that name, no rule
        ([STRATEGY, IN_SCOPE, FIT, "probe = build()\nprobe.compile(loss='mse')"], []),
        (["model.compile(loss='mse')", "model.fit(x, y)"], []),  # no epochs=: not Keras's fit
        (["clf.fit(features, labels)"], []),  # scikit-learn's
    ],
)  # fmt: skip
def test_training_on_the_chosen_strategy_is_read_from_the_code(sources, expected):
    found = distribution_problems(sources)
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


@pytest.mark.parametrize("relpath", NOTEBOOKS)
def test_a_smoke_run_shows_a_reader_no_log_line_no_epoch_lines_and_no_figure_without_alt(
    relpath, executed
):
    # The kernel's stderr as papermill recorded it: what Colab would show under the cell.
    assert output_problems(executed(relpath).nb) == []


def test_output_problems_are_read_from_the_outputs():
    nb = nbformat.v4.new_notebook()
    plain = nbformat.v4.new_code_cell("fit()")
    plain.outputs = [
        nbformat.v4.new_output("stream", name="stdout", text="3 epochs in 1.0 s: loss 1\n"),
        nbformat.v4.new_output("stream", name="stderr", text=""),
    ]
    noisy = nbformat.v4.new_code_cell("fit()")
    noisy.outputs = [
        nbformat.v4.new_output("stream", name="stderr", text="E0000 failed call to cuInit\n"),
        nbformat.v4.new_output(
            "stream", name="stdout", text="Epoch 1/3\n46/46 - 2s - 36ms/step - accuracy: 0.5\n"
        ),
    ]
    figure = nbformat.v4.new_code_cell("plot()")
    figure.outputs = [nbformat.v4.new_output("display_data", data={"image/png": "iVBOR"})]
    described = nbformat.v4.new_code_cell("plot()")
    described.outputs = figure.outputs
    described.metadata = {"mystnb": {"image": {"alt": "A learning curve."}}}
    nb.cells = [plain, noisy, figure, described]
    found = output_problems(nb)
    assert len(found) == 3, found
    assert "cell 1 writes to stderr" in found[0] and "cuInit" in found[0]
    assert found[1] == "cell 1 prints Keras's per-epoch lines"
    assert found[2] == "cell 2 shows a figure without alt text"


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


# The package's plumbing, which no chapter teaches; every other module names its chapter, so a
# new module is held to the rule without being listed here.
PLUMBING = {"__init__", "paths", "runtime", "watching", "models/__init__", "models/arguments"}
TAUGHT_MODULES = sorted(
    name
    for path in (*(ROOT / "src/cnnbook").glob("*.py"), *(ROOT / "src/cnnbook/models").glob("*.py"))
    if (name := str(path.relative_to(ROOT / "src/cnnbook").with_suffix(""))) not in PLUMBING
)


def test_the_helper_modules_are_found():
    assert {"conv", "receptive", "batchnorm", "models/resnet"} <= set(TAUGHT_MODULES)


@pytest.mark.parametrize("module", TAUGHT_MODULES)
def test_each_helper_names_the_chapter_that_teaches_it(module):
    import ast
    import re

    source = (ROOT / "src" / "cnnbook" / f"{module}.py").read_text()
    docstring = " ".join((ast.get_docstring(ast.parse(source)) or "").split())
    assert re.search(r"[Tt]aught in", docstring), f"{module}: no 'Taught in ...' sentence"
    named = [title for title in _chapter_titles() if f"*{title}*" in docstring]
    assert named, f"{module}: its docstring names no chapter by its title, in *...*"


@pytest.mark.parametrize(
    ("source", "flagged"),
    [
        ('ax.plot(x, color="tab:red")', True),
        ('ax.bar(x, y, color=["tab:green", "tab:blue"])', True),
        ('ax.plot(x, color="red")', True),
        ('ax.plot(x, color=COLOURS["red"])', False),
        ('ax.bar(x, y, color=[COLOURS["green"], "grey"])', False),
        ('ax.plot(x, label="red")', False),  # not a colour argument
    ],
)
def test_colours_colour_blind_readers_confuse_are_flagged(source, flagged):
    from tools.nbconventions import colour_problems

    assert bool(colour_problems([source])) is flagged
