"""The book's notebook conventions: one canonical bootstrap cell, stripped outputs, tidy metadata,
and the data and training rules of CONTRIBUTING.md (rules 5 and 6).

    python -m tools.nbconventions format [NOTEBOOK ...]   # rewrite in place (default: every
                                                          # chapter and instructor notebook)
    python -m tools.nbconventions check  [NOTEBOOK ...]   # report problems, exit 1 if any

Tests import ``problems()`` so that the rules live in one place.
"""

from __future__ import annotations

import ast
import re
import sys
from pathlib import Path

import nbformat
import yaml

ROOT = Path(__file__).resolve().parents[1]
BOOTSTRAP_TAGS = ["bootstrap", "hide-cell"]
REQUIRED_HEADINGS = ("Learning objectives", "Summary", "Exercises")
# The book's code column shows about 80 characters at 1280 px (and Colab's is no wider).
CODE_COLUMN = 80
KEPT_CELL_METADATA = ("tags", "mystnb")


def book_version() -> str:
    text = (ROOT / "src" / "cnnbook" / "__init__.py").read_text()
    return re.search(r'__version__ = "([^"]+)"', text).group(1)


def repository_url() -> str:
    config = yaml.safe_load((ROOT / "_config.yml").read_text())
    return config["repository"]["url"]


def package(extra: str | None = None) -> str:
    """``cnnbook`` or ``cnnbook[extra]``: what a notebook installs."""
    return f"cnnbook[{extra}]" if extra else "cnnbook"


def autograder_requirement(extra: str | None = None) -> str:
    """The package as an autograder installs it: the release's source archive, which pip
    installs without git (Gradescope's image, built by otter's setup.sh, has no git)."""
    return f"{package(extra)} @ {repository_url()}/archive/refs/tags/v{book_version()}.zip"


ASSIGNMENT_CONFIG = "# ASSIGNMENT CONFIG"
REQUIREMENTS = re.compile(r"^requirements:\n(?:  - .*\n?)+", re.MULTILINE)


def config_requirements(extra: str | None) -> str:
    """The ``requirements`` entry of an instructor notebook's ASSIGNMENT CONFIG: otter assign
    puts it in the autograder zip's environment.yml, so a grading container installs the
    package the notebook imports, at the book's version."""
    return f"requirements:\n  - {autograder_requirement(extra)}\n"


def with_requirements(config: str, extra: str | None) -> str:
    """``config`` (an ASSIGNMENT CONFIG cell's source) with the canonical requirements entry."""
    entry = config_requirements(extra)
    if REQUIREMENTS.search(config):
        return REQUIREMENTS.sub(lambda _: entry, config, count=1)
    head, _, rest = config.partition("\n")
    return f"{head}\n{entry}{rest}"


def bootstrap_source(extra: str | None = None) -> str:
    """The first cell of every notebook: install on Colab, then report the runtime."""
    target = package(extra)
    return f'''# Bootstrap (hidden in the book). On Colab it installs the book's helper
# package at the book's version; everywhere it fixes seeds and prints
# TensorFlow, Keras and the GPU.
import subprocess
import sys

CNNBOOK = "{target} @ git+{repository_url()}@v{book_version()}"
if "google.colab" in sys.modules:
    pip = [sys.executable, "-m", "pip", "install", "-q", CNNBOOK]
    subprocess.run(pip, check=True)

import cnnbook

cnnbook.setup()'''


def bootstrap_extra(cell_source: str) -> str | None:
    match = re.search(r'CNNBOOK = "cnnbook(?:\[(\w+)\])? @', cell_source)
    return match.group(1) if match else None


def toc_notebooks() -> list[Path]:
    """Every notebook the table of contents names, in book order."""
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text())
    found = []

    def walk(node):
        if isinstance(node, dict):
            if "file" in node:
                path = ROOT / (node["file"] + ".ipynb")
                if path.is_file():
                    found.append(path)
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(toc)
    return found


def is_chapter(path: Path) -> bool:
    return "chapters" in path.relative_to(ROOT).parts


def lines_wider_than_the_code_column(sources: list[str]) -> list[str]:
    """Each code line longer than ``CODE_COLUMN`` characters, as "cell N: M characters"."""
    return [
        f"code cell {index}: a line of {len(line)} characters (the code column shows {CODE_COLUMN})"
        for index, source in enumerate(sources)
        for line in source.splitlines()
        if len(line) > CODE_COLUMN
    ]


FENCE = re.compile(r"^(`{3,}|~{3,})[^\n]*\n(.*?)^\1\s*$", re.MULTILINE | re.DOTALL)


def code_in_markdown(markdown: str) -> list[str]:
    """The fenced code blocks of a markdown cell (a solution's code, say), one string each."""
    return [match[2] for match in FENCE.finditer(markdown)]


def markdown_code_wider_than_the_code_column(markdowns: list[str]) -> list[str]:
    """Each line of a fenced code block wider than ``CODE_COLUMN``, as "markdown cell N: ..."."""
    return [
        f"markdown cell {index}: a code line of {len(line)} characters "
        f"(the code column shows {CODE_COLUMN})"
        for index, markdown in enumerate(markdowns)
        for block in code_in_markdown(markdown)
        for line in block.splitlines()
        if len(line) > CODE_COLUMN
    ]


def problems(path: Path) -> list[str]:
    """What in ``path`` breaks the conventions (empty when it is clean)."""
    nb = nbformat.read(path, as_version=4)
    found = []
    code = [c for c in nb.cells if c.cell_type == "code"]
    for index, cell in enumerate(nb.cells):
        if cell.cell_type == "code" and (cell.get("outputs") or cell.get("execution_count")):
            found.append(f"cell {index} carries outputs or an execution count")
    if not code or code[0] is not nb.cells[0]:
        found.append("the first cell is not the bootstrap code cell")
    else:
        first = nb.cells[0]
        if first.source != bootstrap_source(bootstrap_extra(first.source)):
            found.append("the bootstrap cell differs from tools.nbconventions's (run make format)")
        if first.metadata.get("tags") != BOOTSTRAP_TAGS:
            found.append(f"the bootstrap cell's tags are not {BOOTSTRAP_TAGS}")
        for cell in assignment_configs(nb):
            if cell.source != with_requirements(cell.source, bootstrap_extra(first.source)):
                found.append(
                    "the ASSIGNMENT CONFIG does not require the package the bootstrap installs"
                    " (run make format)"
                )
    parameters = [c for c in code if "parameters" in c.metadata.get("tags", [])]
    if len(parameters) != 1:
        found.append(f"expected one cell tagged 'parameters', found {len(parameters)}")
    if nb.metadata.get("kernelspec", {}).get("name") != "python3":
        found.append("kernelspec is not python3")
    found += data_and_training_problems([c.source for c in code], nb.metadata)
    found += distribution_problems([c.source for c in code])
    found += colour_problems([c.source for c in code])
    if is_chapter(path):
        found += lines_wider_than_the_code_column([c.source for c in code])
        markdowns = [c.source for c in nb.cells if c.cell_type == "markdown"]
        found += markdown_code_wider_than_the_code_column(markdowns)
        headings = "\n".join(markdowns)
        for heading in REQUIRED_HEADINGS:
            if not re.search(rf"^#+ .*{heading}", headings, re.MULTILINE | re.IGNORECASE):
                found.append(f"no '{heading}' heading")
    return found


# matplotlib's named colours a red-green colour-blind reader confuses; cnnbook.plots.COLOURS
# (Okabe and Ito's palette) holds their replacements.
CONFUSABLE_COLOURS = re.compile(
    r"^(tab:(red|green|orange|brown|olive|pink|cyan)|red|green|lime|darkgreen|darkred|orange)$"
)
COLOUR_KEYWORDS = {"color", "colors", "c", "facecolor", "edgecolor", "markerfacecolor"}


def colour_problems(sources: list[str]) -> list[str]:
    """Colours given by a name from ``CONFUSABLE_COLOURS`` in a plotting call's colour argument."""
    found = []
    for source in sources:
        try:
            tree = ast.parse(source)
        except SyntaxError:
            continue
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call):
                continue
            for keyword in node.keywords:
                if keyword.arg not in COLOUR_KEYWORDS:
                    continue
                # COLOURS["red"]: the key names the palette's entry, not matplotlib's colour.
                keys = {
                    id(n.slice) for n in ast.walk(keyword.value) if isinstance(n, ast.Subscript)
                }
                for value in ast.walk(keyword.value):
                    if (
                        id(value) not in keys
                        and isinstance(value, ast.Constant)
                        and isinstance(value.value, str)
                        and CONFUSABLE_COLOURS.match(value.value)
                    ):
                        found.append(
                            f"colour {value.value!r} (colour-blind readers confuse it): "
                            "use cnnbook.plots.COLOURS"
                        )
    return found


# Keras's per-epoch output: "Epoch 3/20" and "46/46 - 2s - 36ms/step - accuracy: ...".
EPOCH_LINE = re.compile(r"^(Epoch \d+/\d+|\s*\d+/\d+ .*(step|ETA))", re.MULTILINE)


def output_problems(nb: nbformat.NotebookNode) -> list[str]:
    """What an executed notebook shows a reader that it should not.

    A line on stderr (the book hides it, but Colab shows it: a log or warning the reader
    cannot act on), Keras's per-epoch lines, and a figure without alt text (``"mystnb":
    {"image": {"alt": ...}}`` in the cell's metadata). Printed lines wider than the column wrap
    on the page (_static/cnnbook.css).
    """
    found = []
    for index, cell in enumerate(nb.cells):
        if cell.cell_type != "code":
            continue
        for output in cell.get("outputs", []):
            if output.get("output_type") == "stream":
                text = output.get("text", "")
                if output.get("name") == "stderr" and text.strip():
                    first = text.strip().splitlines()[0]
                    found.append(f"cell {index} writes to stderr: {first[:100]!r}")
                    continue
                if EPOCH_LINE.search(text):
                    found.append(f"cell {index} prints Keras's per-epoch lines")
            data = output.get("data", {})
            alt = cell.metadata.get("mystnb", {}).get("image", {}).get("alt", "").strip()
            if ("image/png" in data or "image/svg+xml" in data) and not alt:
                found.append(f"cell {index} shows a figure without alt text")
    return found


def _called(node: ast.Call) -> str:
    return node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", "")


def data_and_training_problems(sources: list[str], metadata: dict) -> list[str]:
    """CONTRIBUTING.md's rules 5 and 6, read from the code cells' syntax trees.

    Data comes through ``cnnbook.data`` (no ``keras.datasets``); a ``tf.data`` pipeline a
    notebook builds itself is wrapped in ``without_autotune(...)``; Keras's ``fit`` (a call with
    ``epochs=``) prints nothing per epoch (``verbose=0``; ``cnnbook.progress.training_report()``
    prints its one line); a notebook that
    trains for several epochs opens on a GPU in Colab (``"accelerator": "GPU"``) and shows
    learning curves (``cnnbook.plots.learning_curves``, or a plot with an "epoch" axis).
    """
    found, several_epochs, curves = [], False, False
    for source in sources:
        if "keras.datasets" in source:
            found.append("uses keras.datasets: load data through cnnbook.data")
        try:
            tree = ast.parse(source)
        except SyntaxError:  # a cell with IPython syntax: nothing to read here
            continue
        parents = {child: node for node in ast.walk(tree) for child in ast.iter_child_nodes(node)}
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call):
                continue
            name = _called(node)
            if name == "learning_curves" or (
                name in ("set_xlabel", "xlabel")
                and node.args
                and isinstance(node.args[0], ast.Constant)
                and str(node.args[0].value).startswith("epoch")
            ):
                curves = True
            if name == "from_tensor_slices":
                up = node
                while up in parents and not (
                    isinstance(up, ast.Call) and _called(up) == "without_autotune"
                ):
                    up = parents[up]
                if not (isinstance(up, ast.Call) and _called(up) == "without_autotune"):
                    found.append(
                        "builds a tf.data pipeline without cnnbook.data.without_autotune(...): "
                        f"{ast.unparse(node)[:60]}"
                    )
            if name == "fit":
                keywords = {k.arg: k.value for k in node.keywords}
                if "epochs" not in keywords:
                    continue  # not Keras's fit (scikit-learn's, say)
                verbose = keywords.get("verbose")
                if not (isinstance(verbose, ast.Constant) and verbose.value == 0):
                    found.append(
                        "Keras fit without verbose=0 (per-epoch lines fill the page; "
                        "callbacks=[training_report()] prints one line): "
                        f"{ast.unparse(node)[:60]}"
                    )
                epochs = keywords["epochs"]
                several_epochs |= not (isinstance(epochs, ast.Constant) and epochs.value == 1)
    if several_epochs and metadata.get("accelerator") != "GPU":
        found.append('trains for several epochs but its metadata lacks "accelerator": "GPU"')
    if several_epochs and not curves:
        found.append("trains for several epochs but shows no learning curves")
    return found


def _in_scope(node: ast.AST, parents: dict) -> bool:
    """``node`` lies inside ``with <anything>.scope():`` (``distribute.scope()``,
    ``strategy.scope()``)."""
    while node in parents:
        node = parents[node]
        if isinstance(node, ast.With | ast.AsyncWith) and any(
            isinstance(item.context_expr, ast.Call) and _called(item.context_expr) == "scope"
            for item in node.items
        ):
            return True
    return False


def distribution_problems(sources: list[str]) -> list[str]:
    """CONTRIBUTING.md's rule 6, one code path on every machine, read from the syntax trees.

    A notebook that calls Keras's ``fit`` (a call with ``epochs=``) calls
    ``distribute.strategy()`` (which prints the strategy it trains with), and compiles every
    model it fits (``name.compile(...)`` where some ``name.fit(..., epochs=...)`` is called)
    inside ``with distribute.scope():`` (or ``strategy.scope()``). Models only compiled to be
    evaluated may stay outside. The build cannot be read from the syntax (a builder function
    may create the variables): ``tests/test_distribute_chapters.py`` trains a chapter on two
    replicas and fails if its ``fit`` meets a model built outside the scope.
    """
    trees = []
    for source in sources:
        try:
            trees.append(ast.parse(source))
        except SyntaxError:  # IPython syntax: nothing to read here
            continue
    calls = [n for tree in trees for n in ast.walk(tree) if isinstance(n, ast.Call)]
    fitted = {
        node.func.value.id
        for node in calls
        if _called(node) == "fit"
        and isinstance(node.func, ast.Attribute)
        and isinstance(node.func.value, ast.Name)
        and any(k.arg == "epochs" for k in node.keywords)
    }
    if not fitted:
        return []
    found = []
    if not any(
        _called(node) == "strategy"
        and isinstance(node.func, ast.Attribute)
        and isinstance(node.func.value, ast.Name)
        and node.func.value.id == "distribute"
        for node in calls
    ):
        found.append(
            "trains with Keras fit but never calls distribute.strategy() (cnnbook.distribute: "
            "it chooses and prints the strategy the models train with)"
        )
    for tree in trees:
        parents = {child: node for node in ast.walk(tree) for child in ast.iter_child_nodes(node)}
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.Call)
                and _called(node) == "compile"
                and isinstance(node.func, ast.Attribute)
                and isinstance(node.func.value, ast.Name)
                and node.func.value.id in fitted
                and not _in_scope(node, parents)
            ):
                found.append(
                    f"compiles {node.func.value.id}, which fit trains, outside "
                    "`with distribute.scope():` (build and compile it inside)"
                )
    return found


def assignment_configs(nb: nbformat.NotebookNode) -> list:
    """The raw cells holding otter's ASSIGNMENT CONFIG (an instructor notebook has one)."""
    return [c for c in nb.cells if c.cell_type == "raw" and c.source.startswith(ASSIGNMENT_CONFIG)]


def formatted(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """``nb`` (changed in place) with outputs and noise stripped and the canonical bootstrap."""
    for cell in nb.cells:
        # Kept: tags, and myst-nb's per-cell options (a figure's alt text, "mystnb": {"image":
        # {"alt": ...}}); anything else is an editor's noise.
        cell.metadata = {k: v for k, v in cell.metadata.items() if k in KEPT_CELL_METADATA and v}
        if cell.cell_type == "code":
            cell.outputs = []
            cell.execution_count = None
    first = nb.cells[0] if nb.cells else None
    if first is not None and first.cell_type == "code" and "cnnbook.setup()" in first.source:
        first.source = bootstrap_source(bootstrap_extra(first.source))
    else:
        boot = nbformat.v4.new_code_cell(bootstrap_source())
        nb.cells.insert(0, boot)
        first = boot
    first.metadata = {"tags": list(BOOTSTRAP_TAGS)}
    for cell in assignment_configs(nb):
        cell.source = with_requirements(cell.source, bootstrap_extra(first.source))
    accelerator = nb.metadata.get("accelerator")
    nb.metadata = {
        "kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"},
        "language_info": {"name": "python"},
        "colab": {"provenance": [], "gpuType": "T4"} if accelerator else {"provenance": []},
    }
    if accelerator:
        nb.metadata["accelerator"] = accelerator
    nbformat.validator.normalize(nb)
    return nb


def format_notebook(path: Path) -> None:
    """``formatted``, in place on disk."""
    nbformat.write(formatted(nbformat.read(path, as_version=4)), path)


def main(argv: list[str]) -> int:
    if not argv or argv[0] not in ("format", "check"):
        print(__doc__)
        return 2
    targets = [Path(a).resolve() for a in argv[1:]] or [
        *sorted(ROOT.glob("chapters/**/*.ipynb")),
        *sorted(ROOT.glob("instructor/*/*.ipynb")),
    ]
    status = 0
    for path in targets:
        if argv[0] == "format":
            format_notebook(path)
        for problem in problems(path):
            print(f"{path.relative_to(ROOT)}: {problem}")
            status = 1
    return status


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
