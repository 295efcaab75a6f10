"""Appendix 'Performance': it shows every machine's recorded benchmark figures, as recorded.

What the tables say is tested in test_benchmarks.py (the renderer, ``cnnbook.benchmarks``);
here, that the appendix shows every section of every file through it, and its figures.
"""

import json

import pytest
from conftest import ROOT

from cnnbook import benchmarks

CHAPTER = "chapters/appendices/performance.ipynb"
RESULTS = sorted((ROOT / "bench" / "results").glob("*.json"))


@pytest.fixture(scope="module")
def run(executed):
    return executed(CHAPTER)


def test_lists_every_recorded_machine(run):
    for path in RESULTS:
        machine = json.loads(path.read_text())["machine"]
        run.assert_printed(f"{path.stem}: {benchmarks.describe_machine(machine)}")
    if not RESULTS:
        run.assert_printed("none yet (run make bench)")


@pytest.mark.parametrize("path", RESULTS, ids=[p.stem for p in RESULTS])
def test_every_recorded_section_is_shown_as_the_renderer_renders_it(run, path):
    results = json.loads(path.read_text())
    for key in benchmarks.SECTIONS:
        if key in results:
            run.assert_printed(f"**{path.stem}**\n\n{benchmarks.section_markdown(results, key)}")
    if not all(key in results for key in benchmarks.SECTIONS):
        run.assert_printed("no machine has recorded this yet (make bench BENCH=")


@pytest.mark.parametrize("path", RESULTS, ids=[p.stem for p in RESULTS])
def test_figures_of_the_file_appear_on_the_page(run, path):
    # Spot checks that do not go through the renderer: the page is not just the renderer's
    # output of something else.
    results = json.loads(path.read_text())
    for r in results.get("models", {}).get("throughput", []):
        run.assert_printed(f"{r['slowdown_ours_vs_keras']:.3f}", f"{r['params_ours']:,}")
    if "acceleration" in results:
        run.assert_printed(f"Decision for this machine: {results['acceleration']['decision']}.")
    if "ci" in results:
        run.assert_printed(f"Exit {results['ci']['returncode']};")
    for r in results.get("chapters", {}).get("rows", []):
        run.assert_printed(f"| {r['chapter'].removeprefix('chapters/')} | {r['mode']} |")
    if "kernels" in results or "chapters" in results:
        assert run.images >= 1
