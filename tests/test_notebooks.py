"""Every notebook in the table of contents follows the conventions and runs in smoke mode."""

import nbformat
import pytest
from conftest import ROOT, printed_numbers, prose_numbers
from nbconventions import problems, toc_notebooks

NOTEBOOKS = [str(p.relative_to(ROOT)) for p in toc_notebooks()]


def test_every_chapter_notebook_is_in_the_toc():
    on_disk = {str(p.relative_to(ROOT)) for p in ROOT.glob("chapters/**/*.ipynb")}
    assert on_disk == set(NOTEBOOKS), "notebooks missing from (or stale in) _toc.yml"


@pytest.mark.parametrize("relpath", NOTEBOOKS)
def test_conventions(relpath):
    assert problems(ROOT / relpath) == []


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
