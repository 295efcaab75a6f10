"""How the suite's full-mode build executes the book: longest chapters first, in parallel, cached.

The build itself is tested through its pages (tests/test_book.py); these check the scheduling
and that a notebook executed by ``fullbook.execute_into_cache`` is what the build then reads.
"""

from __future__ import annotations

import json
import os

import fullbook
import nbformat
from jupyter_cache import get_cache


def test_longest_first_orders_by_the_recorded_times_with_unknown_ones_first(tmp_path, monkeypatch):
    recorded = tmp_path / "results.json"
    seconds = {"a.ipynb": 10.0, "b.ipynb": 300.0, "c.ipynb": 45.0}
    recorded.write_text(json.dumps({"book": {"full_mode_chapter_seconds": seconds}}))
    monkeypatch.setattr(fullbook, "RECORDED", recorded)
    names = ["a.ipynb", "new.ipynb", "c.ipynb", "b.ipynb"]
    ordered = fullbook.longest_first([fullbook.ROOT / name for name in names])
    assert [path.name for path in ordered] == ["new.ipynb", "b.ipynb", "c.ipynb", "a.ipynb"]


def test_longest_first_without_a_record_keeps_the_book_order(tmp_path, monkeypatch):
    monkeypatch.setattr(fullbook, "RECORDED", tmp_path / "missing.json")
    notebooks = fullbook.book_notebooks()
    assert fullbook.longest_first(notebooks) == notebooks


def test_book_processes_one_per_core_within_memory(monkeypatch):
    from cnnbook.benchmarks import CHAPTER_MEMORY_LIMIT_MIB

    page = 4096
    pages = {"SC_PAGE_SIZE": page}

    def machine(cores, memory_mib):
        monkeypatch.setattr(os, "cpu_count", lambda: cores)
        pages["SC_PHYS_PAGES"] = memory_mib * 2**20 // page
        monkeypatch.setattr(os, "sysconf", lambda name: pages[name])
        return fullbook.book_processes()

    assert machine(2, 24 * 1024) == 2  # the CI machine
    assert machine(16, 24 * 1024) == 3  # memory bounds it: one chapter's worth left over
    assert machine(16, 8 * 1024) == 1
    assert machine(1, 128 * 1024) == 1
    assert machine(16, 128 * 1024) * CHAPTER_MEMORY_LIMIT_MIB < 128 * 1024


def _notebook(path, source):
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(source)])
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    nbformat.write(nb, path)
    return path


def test_executed_notebooks_are_cached_for_the_build_and_a_failing_one_is_not(tmp_path):
    threads = _notebook(
        tmp_path / "threads.ipynb", "import os; print(os.environ['TF_NUM_INTRAOP_THREADS'])"
    )
    answer = _notebook(tmp_path / "answer.ipynb", "print(6 * 7)")
    failing = _notebook(tmp_path / "failing.ipynb", "1 / 0")
    cache_path = tmp_path / "cache"
    lines = fullbook.execute_into_cache([threads, answer, failing], 2, cache_path)
    assert len(lines) == 3
    assert any(line.startswith("FAILED") and "failing.ipynb" in line for line in lines)
    cache = get_cache(str(cache_path))
    # what myst-nb does on reading a page: match the source notebook against the cache
    for path, printed in ((threads, "1\n"), (answer, "42\n")):
        _, merged = cache.merge_match_into_notebook(nbformat.read(path, as_version=4))
        assert merged.cells[0].outputs[0]["text"] == printed
    assert [str(r.uri) for r in cache.list_unexecuted()] == [str(failing)]
