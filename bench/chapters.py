"""Execution time and peak memory of every chapter, the full book build and a cached rebuild.

Each chapter runs in a fresh papermill process in its own folder (as the test suite runs it);
the peak memory is the largest total resident set size of that process and its kernel,
sampled every 0.1 s, and, on a GPU machine, the largest GPU memory in use (nvidia-smi).
"""

from __future__ import annotations

import datetime
import os
import shutil
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _gpu_memory_mib() -> int | None:
    if not shutil.which("nvidia-smi"):
        return None
    result = subprocess.run(
        ["nvidia-smi", "--query-gpu=memory.used", "--format=csv,noheader,nounits"],
        capture_output=True,
        text=True,
    )
    if result.returncode != 0:
        return None
    return sum(int(v) for v in result.stdout.split())


def run_measured(
    command: list[str],
    *,
    cwd: Path,
    env: dict,
    timeout: float,
    track_kernels: bool = False,
    pss: bool = False,
) -> dict:
    """Run ``command``; return its wall time, exit code and the tree's peak RSS (GPU too).

    With ``track_kernels``, also each Jupyter kernel started under it: its peak RSS and the
    wall-clock interval it lived (``kernels``), so that a book build's peaks can be given to
    the chapters that the kernels executed (``attribute_kernels``). With ``pss``, the peak is
    the sum of proportional set sizes (``peak_pss_mib``) instead: forked copies share their
    parent's pages, and summing RSS counts those once per copy.
    """
    import psutil

    start = time.perf_counter()
    process = subprocess.Popen(
        command, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    peak = {"rss": 0, "gpu": None}
    kernels: dict[int, dict] = {}
    gpu_before = _gpu_memory_mib()

    def sample():
        try:
            parent = psutil.Process(process.pid)
        except psutil.NoSuchProcess:
            return
        while process.poll() is None:
            total = 0
            now = time.time()
            try:
                for proc in [parent, *parent.children(recursive=True)]:
                    try:
                        rss = proc.memory_full_info().pss if pss else proc.memory_info().rss
                    except psutil.Error:  # one process ended: the others still count
                        continue
                    total += rss
                    if track_kernels and proc.pid != parent.pid:
                        seen = kernels.get(proc.pid)
                        if seen is None:
                            if "ipykernel" not in " ".join(proc.cmdline()):
                                continue
                            seen = kernels[proc.pid] = {"first": now, "peak": 0}
                        seen["last"] = now
                        seen["peak"] = max(seen["peak"], rss)
            except psutil.Error:
                pass
            peak["rss"] = max(peak["rss"], total)
            gpu = _gpu_memory_mib() if gpu_before is not None else None
            if gpu is not None:
                peak["gpu"] = max(peak["gpu"] or 0, gpu - gpu_before)
            time.sleep(0.1)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    try:
        output, _ = process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        output, _ = process.communicate()
        output += f"\n[bench] killed after {timeout:.0f} s"
    sampler.join()
    result = {
        "seconds": time.perf_counter() - start,
        "returncode": process.returncode,
        ("peak_pss_mib" if pss else "peak_rss_mib"): peak["rss"] / 2**20,
        "peak_gpu_mib": peak["gpu"],
        "log_tail": output[-2000:] if process.returncode else "",
    }
    if track_kernels:
        result["kernels"] = [
            {"first": k["first"], "last": k["last"], "peak_rss_mib": k["peak"] / 2**20}
            for k in kernels.values()
        ]
    return result


def toc_notebooks() -> list[Path]:
    from tools.nbconventions import toc_notebooks as listed

    return listed()


def chapter_runs(
    mode: str, only: list[str] | None = None, timeout: float = 3600, repeats: int = 2
) -> list[dict]:
    """Run every chapter notebook ``repeats`` times in ``mode`` ("smoke" or "full").

    Each row keeps every run (``seconds_runs``, ``peak_rss_runs``); ``seconds`` is their median
    and ``peak_rss_mib`` the largest peak, the figure a reader's machine must allow for.
    """
    if mode not in ("smoke", "full"):
        raise ValueError(f"mode must be 'smoke' or 'full', got {mode!r}")
    env = dict(os.environ, CNNBOOK_SMOKE="1" if mode == "smoke" else "0", PYTHONUNBUFFERED="1")
    rows = []
    scratch = ROOT / "_build" / "bench"
    scratch.mkdir(parents=True, exist_ok=True)
    for path in toc_notebooks():
        name = str(path.relative_to(ROOT))
        if only and not any(part in name for part in only):
            continue
        command = [
            sys.executable,
            "-m",
            "papermill",
            "-k",
            "python3",
            "--cwd",
            str(path.parent),
            "--no-progress-bar",
            str(path),
            str(scratch / f"{path.stem}-{mode}.ipynb"),
        ]
        runs = []
        for _ in range(repeats):
            result = run_measured(command, cwd=ROOT, env=env, timeout=timeout)
            print(
                f"  {mode:5s} {result['seconds']:7.1f} s {result['peak_rss_mib']:7.0f} MiB  {name}"
                + ("" if result["returncode"] == 0 else "  FAILED"),
                flush=True,
            )
            runs.append(result)
            if result["returncode"]:
                break  # a failing chapter fails again: report it, do not repeat it
        rows.append({"chapter": name, "mode": mode, **combine_runs(runs)})
    return rows


def combine_runs(runs: list[dict]) -> dict:
    """Repeated runs of one command: median time, largest peaks, the first failure if any."""
    gpu = [r["peak_gpu_mib"] for r in runs if r.get("peak_gpu_mib") is not None]
    failed = [r for r in runs if r["returncode"]]
    return {
        "seconds": statistics.median(r["seconds"] for r in runs),
        "seconds_runs": [r["seconds"] for r in runs],
        "peak_rss_mib": max(r["peak_rss_mib"] for r in runs),
        "peak_rss_runs": [r["peak_rss_mib"] for r in runs],
        "peak_gpu_mib": max(gpu) if gpu else None,
        "returncode": failed[0]["returncode"] if failed else 0,
        "log_tail": failed[0]["log_tail"] if failed else "",
    }


def book_builds(timeout: float = 3 * 3600, previous: list[dict] | None = None) -> dict:
    """``make book``'s build (full mode) from an empty cache, then again with nothing changed.

    One pair of builds per call; ``previous`` runs (of the same chapters and code, see
    ``__main__``) are kept, and the summary is their median time and largest peak.
    """
    out_dir = ROOT / "_build" / "bench" / "book"
    shutil.rmtree(out_dir, ignore_errors=True)
    command = [
        str(Path(sys.executable).with_name("jupyter-book")),
        "build",
        "-W",
        "-n",
        "--keep-going",
        "--path-output",
        str(out_dir.relative_to(ROOT)),
        ".",
    ]
    env = dict(os.environ, CNNBOOK_SMOKE="0", PYTHONUNBUFFERED="1")
    subprocess.run([sys.executable, str(ROOT / "tools" / "vendor_mathjax.py")], check=True)
    first = run_measured(command, cwd=ROOT, env=env, timeout=timeout, track_kernels=True)
    cached = run_measured(command, cwd=ROOT, env=env, timeout=timeout)
    executions = cache_executions(out_dir / "_build" / ".jupyter_cache")
    run = {
        "full_build": first,
        "cached_rebuild": cached,
        "chapter_seconds": {name: e["seconds"] for name, e in executions.items()},
        # Each chapter's own kernel; the whole build's peak adds Sphinx's process.
        "chapter_peak_rss_mib": attribute_kernels(executions, first["kernels"]),
    }
    return summarize_book_runs([*(previous or []), run])


def summarize_book_runs(runs: list[dict]) -> dict:
    """The book section: every run, and per build and chapter the median time and top peak."""
    chapters = sorted({name for run in runs for name in run["chapter_seconds"]})
    seconds = {
        c: [r["chapter_seconds"][c] for r in runs if c in r["chapter_seconds"]] for c in chapters
    }
    peaks = {
        c: [r["chapter_peak_rss_mib"].get(c) for r in runs if r["chapter_peak_rss_mib"].get(c)]
        for c in chapters
    }
    return {
        "runs": runs,
        "full_build": combine_runs([r["full_build"] for r in runs]),
        "cached_rebuild": combine_runs([r["cached_rebuild"] for r in runs]),
        "full_mode_chapter_seconds": {c: statistics.median(v) for c, v in seconds.items()},
        "full_mode_chapter_seconds_runs": seconds,
        "full_mode_chapter_peak_rss_mib": {c: max(v) if v else None for c, v in peaks.items()},
    }


def cache_executions(cache_dir: Path) -> dict[str, dict]:
    """Each notebook's full-mode execution, as myst-nb recorded it in the build's cache.

    ``seconds`` is the execution time; ``end`` the wall-clock time (epoch seconds) the result
    was cached, right after the execution finished.
    """
    from jupyter_cache import get_cache

    executions = {}
    for record in get_cache(str(cache_dir)).list_cache_records():
        value = record.data.get("execution_seconds")
        if value is None:
            continue
        created = record.created
        if created.tzinfo is None:  # jupyter-cache stores UTC without the zone
            created = created.replace(tzinfo=datetime.UTC)
        name = str(Path(record.uri).resolve().relative_to(ROOT))
        executions[name] = {"seconds": value, "end": created.timestamp()}
    return dict(sorted(executions.items()))


def attribute_kernels(executions: dict[str, dict], kernels: list[dict]) -> dict[str, float | None]:
    """Give each chapter the peak RSS of the kernel that ran it.

    The build executes one notebook at a time, each in a fresh kernel, so a kernel belongs to
    the execution its life overlaps most (a kernel starts a moment before its execution and
    ends a moment after, overlapping the neighbours' slightly). ``None`` for an execution no
    sampled kernel overlaps (one shorter than the sampling interval, or not run in this build).
    """
    peaks: dict[str, float | None] = dict.fromkeys(executions)
    for kernel in kernels:
        overlaps = {
            name: min(kernel["last"], e["end"]) - max(kernel["first"], e["end"] - e["seconds"])
            for name, e in executions.items()
        }
        if not overlaps:
            continue
        name = max(overlaps, key=overlaps.get)
        if overlaps[name] > 0:
            peaks[name] = max(peaks[name] or 0.0, kernel["peak_rss_mib"])
    return peaks


def _measure_chapters(mode: str, options, results: dict) -> dict:
    """Every chapter in ``mode``; the other mode's rows recorded earlier are kept."""
    old = [r for r in results.get("chapters", {}).get("rows", []) if r["mode"] != mode]
    return {"rows": old + chapter_runs(mode, repeats=options.chapter_repeats)}


def measure_smoke(options, results: dict) -> dict:
    return _measure_chapters("smoke", options, results)


def measure_full(options, results: dict) -> dict:
    return _measure_chapters("full", options, results)


def recorded_runs(section: dict | None) -> list[dict]:
    """The runs a recorded book section holds."""
    return section["runs"] if section else []


def measure_book(options, results: dict) -> dict:
    """One more pair of book builds, with the earlier runs of the same chapters and code."""
    from bench import machine

    runs = recorded_runs(results.get("book"))
    previous = [run for run in runs if machine.same_book_inputs(run.get("commit", ""))]
    if previous:
        print(f"[bench] book: keeping {len(previous)} earlier run(s) of the same chapters")
    book = book_builds(previous=previous)
    book["runs"][-1]["commit"] = options.commit
    return book
