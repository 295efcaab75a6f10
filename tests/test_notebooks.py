"""Every notebook in the table of contents follows the conventions and runs in smoke mode."""

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
