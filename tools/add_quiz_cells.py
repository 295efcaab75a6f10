"""Insert a chapter's self-check questions just before its Summary (idempotent).

    python -m tools.add_quiz_cells chapters/foundations/pooling.ipynb [...]

Adds a ``## Check yourself`` markdown cell and one code cell, ``quiz.show("<chapter>")``
(``cnnbook.quiz``; the questions live in ``cnnbook.quizzes.<chapter>``), right before the
``## Summary`` heading, splitting the markdown cell that holds the heading if it does not start
with it. A notebook that already has a ``## Check yourself`` heading is left alone. The
notebook is then formatted as ``tools.nbconventions format`` does.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

import nbformat

from tools.nbconventions import formatted

HEADING = "## Check yourself"
INTRO = (
    f"{HEADING}\n\n"
    "A few questions on this chapter. Choose an answer, or type a number and press Enter: the "
    "feedback says whether it is right, and why."
)
# The book shows the quiz, not the line that displays it (Colab shows both).
TAGS = ["remove-input"]
CHECK_YOURSELF = re.compile(r"^##\s+Check yourself\s*$", re.MULTILINE)
SUMMARY = re.compile(r"^##\s+Summary\s*$", re.MULTILINE)


def quiz_source(chapter: str) -> str:
    return f'from cnnbook import quiz\n\nquiz.show("{chapter}")'


def has_quiz(nb: nbformat.NotebookNode) -> bool:
    return any(c.cell_type == "markdown" and CHECK_YOURSELF.search(c.source) for c in nb.cells)


def with_quiz(nb: nbformat.NotebookNode, chapter: str) -> nbformat.NotebookNode:
    """``nb`` with the heading and quiz cell before ``## Summary`` (changed in place)."""
    if has_quiz(nb):
        return nb
    for index, cell in enumerate(nb.cells):
        match = SUMMARY.search(cell.source) if cell.cell_type == "markdown" else None
        if match is None:
            continue
        before = cell.source[: match.start()].rstrip()
        if before:  # the heading is inside a cell: split it there, the prose keeps the cell
            summary = nbformat.v4.new_markdown_cell(cell.source[match.start() :])
            cell.source = before
            index += 1
            nb.cells.insert(index, summary)
        code = nbformat.v4.new_code_cell(quiz_source(chapter), metadata={"tags": list(TAGS)})
        nb.cells[index:index] = [nbformat.v4.new_markdown_cell(INTRO), code]
        return nb
    raise ValueError(f"{chapter}: no '## Summary' heading to put the questions before")


def add(path: Path) -> bool:
    """Add the quiz to the notebook at ``path``; False when it already had one."""
    nb = nbformat.read(path, as_version=4)
    if has_quiz(nb):
        return False
    nbformat.write(formatted(with_quiz(nb, path.stem)), path)
    return True


def main(argv: list[str]) -> int:
    if not argv:
        print(__doc__)
        return 2
    for name in argv:
        path = Path(name)
        print(f"{path}: {'questions added' if add(path) else 'already has its questions'}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
