"""The suite's strict **full-mode** book build: the book readers read, built once per test run.

``book_build()`` returns the outcome of ``jupyter-book build -W -n --keep-going --all`` in full
mode (``CNNBOOK_SMOKE`` unset) into ``_build/tested``, from an empty execution cache, so every
chapter executes with the sizes the published book uses and every claim check
(``cnnbook.claims.check``) is enforced: a claim its numbers do not support fails the build.

The build takes most of the suite's time, so the test run starts it in the background as soon
as it begins (``start_in_background``, called by conftest.py for a whole-suite run) and the
tests that read it are ordered last; the other tests run meanwhile. Run as a script
(``python tests/fullbook.py``) it builds and records the outcome, under the same lock.

The notebooks are executed first, ``book_processes()`` at a time and longest first (by the
recorded chapter times), into the build's execution cache with jupyter-cache's own worker (the
library myst-nb executes with); the build then reads them from the cache. Every kernel of the
suite runs TensorFlow on one thread (``ONE_THREAD``): on the 2-core CI machine two-thread kernels
beside each other wait on each other's descheduled threads, and one fresh-clone CI run was killed
at 90 minutes with a chapter recorded at 207 s still running after 20.

``CNNBOOK_TEST_BOOK_CACHE=keep`` keeps the execution cache of an earlier build (for iterating on
the HTML tests only: a cached notebook does not see changes to ``src/cnnbook``); CI never sets it.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "_build" / "tested"
HTML = OUT / "_build" / "html"
EXECUTION_CACHE = OUT / "_build" / ".jupyter_cache"
ARTIFACTS = ROOT / "artifacts"
RUN_DIR_ENV = "CNNBOOK_TEST_RUN_DIR"
KEEP_CACHE_ENV = "CNNBOOK_TEST_BOOK_CACHE"
TIMEOUT_S = 2 * 3600
RECORDED = ROOT / "bench" / "results" / "cpu-2-cores.json"
# One thread per process for TensorFlow (intra- and inter-op pools) and for numpy's BLAS.
ONE_THREAD = {"TF_NUM_INTRAOP_THREADS": "1", "TF_NUM_INTEROP_THREADS": "1", "OMP_NUM_THREADS": "1"}


# --- the table of contents ----------------------------------------------------------------------

SOURCE_SUFFIXES = (".ipynb", ".md")


def toc() -> dict:
    import yaml

    return yaml.safe_load((ROOT / "_toc.yml").read_text())


def source_of(docname: str) -> Path | None:
    for suffix in SOURCE_SUFFIXES:
        if (ROOT / (docname + suffix)).is_file():
            return ROOT / (docname + suffix)
    return None


def toc_entries() -> list[str]:
    """Every docname the table of contents names, root first, in book order."""
    data = toc()
    found = [data["root"]]

    def walk(node):
        if isinstance(node, dict):
            if "file" in node:
                found.append(node["file"])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(data.get("parts", data.get("chapters", [])))
    return found


def trimmed_toc() -> dict:
    """The table of contents without the entries whose files do not exist yet."""
    data = toc()

    def keep(entries):
        kept = []
        for entry in entries:
            if "file" in entry and source_of(entry["file"]) is None:
                continue
            entry = dict(entry)
            if "sections" in entry:
                entry["sections"] = keep(entry["sections"])
            kept.append(entry)
        return kept

    if "parts" in data:
        parts = [dict(part, chapters=keep(part["chapters"])) for part in data["parts"]]
        data["parts"] = [part for part in parts if part["chapters"]]
    elif "chapters" in data:
        data["chapters"] = keep(data["chapters"])
    return data


def toc_arguments(run_dir: Path) -> tuple[Path | None, list[str]]:
    """(a trimmed table of contents to build with, or None; the toc entries without a file)."""
    import yaml

    missing = [d for d in toc_entries() if source_of(d) is None]
    if not missing:
        return None, missing
    toc_file = run_dir / "_toc.available.yml"
    toc_file.write_text(yaml.safe_dump(trimmed_toc(), sort_keys=False))
    return toc_file, missing


@dataclass
class BookBuild:
    returncode: int
    log: str
    seconds: float
    html: Path
    missing: list[str]  # toc entries without a source file (left out of this build)

    @property
    def warnings(self) -> list[str]:
        """Sphinx's warnings and errors ("path:line: WARNING: ..."), not the kernel's log lines."""
        import re

        plain = re.sub(r"\x1b\[[0-9;]*m", "", self.log)
        return [ln for ln in plain.splitlines() if re.search(r"\b(WARNING|ERROR|CRITICAL): ", ln)]


@contextlib.contextmanager
def locked(path: Path):
    with open(path, "w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def jupyter_book() -> str:
    beside = Path(sys.executable).with_name("jupyter-book")
    return str(beside) if beside.exists() else shutil.which("jupyter-book") or "jupyter-book"


def _state(run_dir: Path) -> Path:
    return run_dir / "book"


def book_notebooks() -> list[Path]:
    """The notebooks of the table of contents that exist (the build executes these)."""
    sources = [source_of(docname) for docname in toc_entries()]
    return [path for path in sources if path is not None and path.suffix == ".ipynb"]


@contextlib.contextmanager
def _os_environ(env: dict[str, str]):
    """``os.environ`` is ``env`` for the block, so the kernels started in it inherit ``env``."""
    saved = dict(os.environ)
    os.environ.clear()
    os.environ.update(env)
    try:
        yield
    finally:
        os.environ.clear()
        os.environ.update(saved)


def book_processes() -> int:
    """How many notebooks execute at once: one per core, as many as the memory holds.

    Each chapter is held to ``cnnbook.benchmarks.CHAPTER_MEMORY_LIMIT_MIB``; one chapter's worth
    of memory is left to the tests that run beside the build (2 on the 2-core, 24 GiB machine).
    """
    from cnnbook.benchmarks import CHAPTER_MEMORY_LIMIT_MIB

    memory_mib = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**20
    fit = int(memory_mib // CHAPTER_MEMORY_LIMIT_MIB) - 1
    return max(1, min(os.cpu_count() or 1, fit))


def longest_first(notebooks: list[Path]) -> list[Path]:
    """The notebooks ordered by their recorded full-mode times, longest first (unknown ones first).

    Started longest first, the last notebook to finish is a short one, so neither process idles
    long at the end (the longest-processing-time rule).
    """
    try:
        seconds = json.loads(RECORDED.read_text())["book"]["full_mode_chapter_seconds"]
    except (OSError, KeyError, ValueError):
        seconds = {}
    recorded = {name: float(value) for name, value in seconds.items()}
    return sorted(notebooks, key=lambda nb: -recorded.get(_shown(nb), float("inf")))


def _execute_one(cache_path: str, uri: str, timeout: int) -> tuple[int, float]:
    """One notebook executed and cached by jupyter-cache's worker: (status, seconds); 0 = cached."""
    from jupyter_cache import get_cache
    from jupyter_cache.executors.basic import ExecutionWorkerLocalMProc, ProcessData

    cache = get_cache(cache_path)
    record = cache.get_project_record(uri)
    start = time.perf_counter()
    status, _ = ExecutionWorkerLocalMProc()(ProcessData(record.pk, uri, cache, timeout, False))
    return status, time.perf_counter() - start


def _shown(path: Path) -> str:
    return str(path.relative_to(ROOT)) if path.is_relative_to(ROOT) else str(path)


def execute_into_cache(
    notebooks: list[Path], processes: int, cache_path: Path = EXECUTION_CACHE
) -> list[str]:
    """Execute ``notebooks`` into the build's execution cache, ``processes`` at a time.

    Each runs in its own folder with the book's cell timeout, as myst-nb would run it; the build
    then finds every one cached. One that fails is not cached, so the build executes it again
    and reports its error as for any failing page. Notebooks the cache already matches (an
    earlier build's, kept with ``CNNBOOK_TEST_BOOK_CACHE=keep``) are not run again. Returns a
    line per notebook run, in the order they finished, for the build's log.
    """
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor, as_completed

    import yaml
    from jupyter_cache import get_cache

    timeout = yaml.safe_load((ROOT / "_config.yml").read_text())["execute"]["timeout"]
    cache = get_cache(str(cache_path))
    for notebook in longest_first(notebooks):
        cache.add_nb_to_project(str(notebook))
    pending = {str(record.uri) for record in cache.list_unexecuted()}
    order = [str(nb) for nb in longest_first(notebooks) if str(nb) in pending]
    start = time.perf_counter()
    lines = []
    # "spawn": the caller may be a test process with TensorFlow's threads running, unsafe to fork.
    spawn = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=processes, mp_context=spawn) as pool:
        futures = {pool.submit(_execute_one, str(cache_path), uri, timeout): uri for uri in order}
        for future in as_completed(futures):
            status, seconds = future.result()
            name = _shown(Path(futures[future]))
            state = "executed" if status == 0 else "FAILED (the build runs it again)"
            done = time.perf_counter() - start
            lines.append(f"{state}: {name} in {seconds:.0f} s, {done:.0f} s into the build")
    return lines


def _build_into(html: Path, toc_file: Path | None) -> dict:
    """Build strictly in full mode into _build/tested and copy the pages to ``html``."""
    subprocess.run([sys.executable, str(ROOT / "tools" / "vendor_mathjax.py")], check=True)
    OUT.mkdir(parents=True, exist_ok=True)
    command = [jupyter_book(), "build", "-W", "-n", "--keep-going", "--all"]
    if toc_file is not None:
        command += ["--toc", str(toc_file)]
    command += ["--path-output", str(OUT.relative_to(ROOT)), "."]
    env = dict(os.environ, PYTHONUNBUFFERED="1", **ONE_THREAD)
    env.pop("CNNBOOK_SMOKE", None)  # the suite runs in smoke mode; the book it tests does not
    # _build/tested is shared with other test runs of this checkout: one build at a time, and
    # the pages are copied out before the lock is released.
    with locked(OUT / ".lock"):
        shutil.rmtree(HTML, ignore_errors=True)  # no pages left over from an earlier build
        if os.environ.get(KEEP_CACHE_ENV) != "keep":
            shutil.rmtree(EXECUTION_CACHE, ignore_errors=True)
        start = time.perf_counter()
        processes = book_processes()
        with _os_environ(env):
            executed = execute_into_cache(book_notebooks(), processes)
        result = subprocess.run(
            command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=TIMEOUT_S
        )
        seconds = time.perf_counter() - start
        if HTML.is_dir():
            shutil.copytree(HTML, html)
    log = (
        f"notebooks executed {processes} at a time, one thread each:\n"
        + "\n".join(executed)
        + "\n"
        + result.stdout
        + result.stderr
    )
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / "book-build.log").write_text(
        f"$ {' '.join(command)}\n{log}\nexit {result.returncode} after {seconds:.1f} s\n"
    )
    return {"returncode": result.returncode, "log": log, "seconds": seconds}


def build_once(run_dir: Path, toc_file: Path | None, missing: list[str]) -> Path:
    """Build unless this test run already has; return the outcome file."""
    state = _state(run_dir)
    outcome = state / "outcome.json"
    with locked(run_dir / "book.lock"):
        if not outcome.exists():
            state.mkdir(exist_ok=True)
            result = _build_into(state / "html", toc_file)
            outcome.write_text(json.dumps({**result, "missing": missing}))
    return outcome


def read_outcome(run_dir: Path) -> BookBuild:
    state = _state(run_dir)
    return BookBuild(**json.loads((state / "outcome.json").read_text()), html=state / "html")


def executed_notebook(docname: str):
    """The notebook with the outputs the build showed, from the build's execution cache.

    Raises ``KeyError`` when the build has no executed copy (it failed, or did not run it).
    """
    import nbformat
    from jupyter_cache import get_cache

    cache = get_cache(str(EXECUTION_CACHE))
    _, notebook = cache.merge_match_into_file(str(source_of(docname)))
    return nbformat.from_dict(json.loads(json.dumps(notebook)))


def start_in_background(run_dir: Path) -> subprocess.Popen:
    """Start this run's build in a child process; ``build_once`` then waits for it."""
    log = open(run_dir / "book-background.log", "w")  # noqa: SIM115 (the child writes it)
    return subprocess.Popen(
        [sys.executable, __file__, str(run_dir)],
        cwd=ROOT,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,  # a Ctrl-C of the suite is passed on by conftest, not the tty
    )


def build(run_dir: Path) -> BookBuild:
    """This test run's build: made here unless a child process made or is making it."""
    build_once(run_dir, *toc_arguments(run_dir))
    return read_outcome(run_dir)


if __name__ == "__main__":
    build(Path(sys.argv[1]))
