"""Results on disk (one JSON per machine, sections merged across runs) and the markdown table."""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path

from cnnbook.timing import spread

RESULTS = Path(__file__).resolve().parent / "results"


def load(path: Path) -> dict:
    return json.loads(path.read_text()) if path.is_file() else {}


def save(path: Path, results: dict) -> None:
    """Write atomically: an interrupted run never leaves half a JSON file behind."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, partial = tempfile.mkstemp(dir=path.parent, prefix=".partial-", suffix=".json")
    with os.fdopen(handle, "w") as stream:
        json.dump(results, stream, indent=1, sort_keys=True)
        stream.write("\n")
    os.replace(partial, path)


def _table(header: list[str], rows: list[list[str]]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return lines + [""]


def stamp_cpu(results: dict) -> None:
    """Name the file's current CPU in every section recorded before sections named their own.

    Called before a run replaces ``results["machine"]``, so that figures from an earlier CPU
    model under the same file name keep saying where they were measured.
    """
    cpu = results.get("machine", {}).get("cpu")
    for section in results.values():
        if cpu and isinstance(section, dict) and "recorded" in section:
            section.setdefault("cpu", cpu)


def other_cpu(section: dict, machine: dict) -> str:
    """`` on <CPU>`` when a section was measured on another CPU than the file's machine."""
    cpu = section.get("cpu")
    return f" on {cpu}" if cpu and cpu != machine.get("cpu") else ""


def _noted(section: dict, machine: dict) -> list[str]:
    """When a section was recorded, at which commit, and its conditions (``--note``)."""
    commit = f" at commit {section['commit']}" if section.get("commit") else ""
    note = f" Note: {section['note']}" if section.get("note") else ""
    on = other_cpu(section, machine)
    return [f"*Recorded {section.get('recorded', '')}{commit}{on}.{note}*", ""]


def _timed(row: dict) -> str:
    """Median seconds, with the spread and the number of runs when there were several."""
    runs = row.get("seconds_runs") or [row["seconds"]]
    if len(runs) < 2:
        return f"{row['seconds']:.1f} (1 run)"
    return f"{row['seconds']:.1f} ({spread(runs):.0%}, {len(runs)} runs)"


def heading(machine: dict) -> list[str]:
    """The report's title and the machine's software."""
    m = machine
    gpu = ", ".join(m["gpu"]) or "none"
    return [
        f"# Benchmarks: {m['cpu']}, {m['cores']} cores, {m['memory_gib']} GiB, GPU: {gpu}",
        "",
        f"TensorFlow {m['tensorflow']}, Keras {m['keras']}, Python {m['python']}. "
        "Medians of repeated runs; spread = (max - min) / median.",
        "",
    ]


def render_chapters(section: dict, m: dict) -> list[str]:
    lines: list[str] = []
    rows = [
        [
            r["chapter"],
            r["mode"],
            _timed(r),
            f"{r['peak_rss_mib']:.0f}",
            "-" if r["peak_gpu_mib"] is None else f"{r['peak_gpu_mib']:.0f}",
            "ok" if r["returncode"] == 0 else "FAILED",
        ]
        for r in section["rows"]
    ]
    lines += ["## Chapters", "", *_noted(section, m)] + _table(
        ["chapter", "mode", "seconds", "peak RSS (MiB)", "peak GPU (MiB)", "status"], rows
    )
    return lines


def render_book(b: dict, m: dict) -> list[str]:
    lines: list[str] = []
    rows = [
        [
            k.replace("_", " "),
            _timed(b[k]),
            f"{b[k]['peak_rss_mib']:.0f}",
            "ok" if b[k]["returncode"] == 0 else "FAILED",
        ]
        for k in ("full_build", "cached_rebuild")
    ]
    lines += ["## Book build", "", *_noted(b, m)] + _table(
        ["build", "seconds", "peak RSS (MiB)", "status"], rows
    )
    peaks = b.get("full_mode_chapter_peak_rss_mib", {})
    runs = b.get("full_mode_chapter_seconds_runs", {})
    rows = [
        [
            name,
            _timed({"seconds": s, "seconds_runs": runs.get(name, [s])}),
            "-" if peaks.get(name) is None else f"{peaks[name]:.0f}",
        ]
        for name, s in b.get("full_mode_chapter_seconds", {}).items()
    ]
    lines += _table(
        ["chapter (full mode, in the book build)", "seconds", "kernel peak RSS (MiB)"], rows
    )
    return lines


def render_ci(c: dict, m: dict) -> list[str]:
    lines: list[str] = []
    targets = c["targets_seconds"]
    rows = [
        [
            what,
            "-" if c[key] is None else f"{c[key]:.0f}",
            f"{targets[target]}" if target else "-",
        ]
        for what, key, target in (
            ("CI in all (fresh clone, .ci/run)", "ci_total_seconds", "ci_total"),
            ("install", "install_seconds", None),
            ("test suite", "suite_seconds", None),
            ("full-mode book build (inside the suite)", "full_build_seconds", "full_build"),
        )
    ]
    tests = ", ".join(f"{n} {kind}" for kind, n in c["tests"].items()) or "no outcome"
    lines += ["## CI", "", *_noted(c, m), f"Exit {c['returncode']}; {tests}.", ""]
    lines += _table(["step", "seconds", "target (s)"], rows)
    return lines


def render_models(mo: dict, m: dict) -> list[str]:
    lines: list[str] = []
    rows = [
        [
            r["model"],
            f"{r['input']}x{r['input']}",
            str(r["batch"]),
            f"{r['median_ours']:.1f} ({spread(r['images_per_s_ours']):.0%})",
            f"{r['median_keras']:.1f} ({spread(r['images_per_s_keras']):.0%})",
            f"{r['slowdown_ours_vs_keras']:.3f}"
            + (f" ({spread(r['slowdown_per_round']):.0%})" if "slowdown_per_round" in r else ""),
        ]
        for r in mo["throughput"]
    ]
    lines += ["## Training throughput, images/s (spread)", "", *_noted(mo, m)] + _table(
        [
            "model",
            "input",
            "batch",
            "ours",
            "keras.applications",
            "keras rate / ours (median of rounds)",
        ],
        rows,
    )
    peak = mo["matmul_peak"]
    lines += [
        f"Matrix-multiply peak ({peak['size']}^3, float32): "
        f"{peak['gflops_median']:.0f} GFLOP/s (median), {peak['gflops_best']:.0f} best.",
        "",
    ]
    rows = [
        [r["model"], f"{r['achieved_gflops']:.1f}", f"{r['fraction_of_peak']:.1%}"]
        for r in mo["achieved"]
    ]
    lines += _table(["model (training)", "achieved GFLOP/s", "fraction of matmul peak"], rows)
    return lines


def render_acceleration(a: dict, m: dict) -> list[str]:
    lines: list[str] = []
    rows = [
        [
            r["variant"],
            str(r.get("steps", "-")),
            f"{r['median']:.2f} ({spread(r['images_per_s']):.0%})",
            f"{r['speedup_vs_float32']:.3f}",
            f"{r['first_step_seconds']:.1f}" if "first_step_seconds" in r else "-",
        ]
        for r in a["rows"]
    ]
    lines += (
        ["## Mixed precision and XLA (ResNet-50 training)", "", *_noted(a, m)]
        + _table(
            ["variant", "steps", "images/s (spread)", "speedup vs float32", "first step (s)"],
            rows,
        )
        + [f"Decision for this machine: {a['decision']}.", ""]
    )
    return lines


def render_autotune(a: dict, m: dict) -> list[str]:
    lines: list[str] = []
    rows = [
        [
            label,
            f"{a[label]['median']:.2f} ({spread(a[label]['seconds']):.0%})",
            f"{a[label]['median_after_last_step']:.2f}",
        ]
        for label in ("autotune on", "autotune off")
    ]
    lines += [
        f"## tf.data autotuning ({a['model']}, {a['steps']} steps per fit)",
        "",
        *_noted(a, m),
    ] + _table(["pipeline", "fit seconds (spread)", "seconds after the last step"], rows)
    return lines


def render_pipeline(p: dict, m: dict) -> list[str]:
    lines: list[str] = []
    lines += [
        "## Input pipeline",
        "",
        *_noted(p, m),
        f"At {p['size']}x{p['size']}, batch {p['batch']}: naive {p['naive']['median']:.0f} "
        f"images/s, tuned {p['tuned']['median']:.0f} images/s "
        f"({p['tuned_over_naive']:.1f}x); the model consumes "
        f"{p['model_consumes']:.1f} images/s, so the tuned pipeline is "
        f"{p['tuned_over_model']:.1f}x faster than needed.",
        "",
    ]
    return lines


def render_kernels(k: dict, m: dict) -> list[str]:
    lines: list[str] = []
    rows = [
        [
            str(r["channels_in"]),
            str(r["f"]),
            f"{r['theory_speedup']:.2f}",
            f"{r['measured_speedup']:.2f}",
            f"{spread(r['seconds_direct']):.0%} / {spread(r['seconds_bottleneck']):.0%}",
        ]
        for r in k["bottleneck"]
    ]
    lines += [
        "## 1x1 bottleneck (28x28, 32 filters, 16 in the middle)",
        "",
        *_noted(k, m),
    ] + _table(
        ["channels in", "f", "theory", "measured", "timing spread (direct / 1x1 + f x f)"], rows
    )
    rows = [
        [
            str(r["channels"]),
            str(r["f"]),
            f"{r['theory_speedup']:.2f}",
            f"{r['measured_speedup']:.2f}",
            f"{spread(r['seconds_normal']):.0%} / {spread(r['seconds_separable']):.0%}",
        ]
        for r in k["separable"]
    ]
    lines += ["## Depthwise separable vs normal convolution (32x32)", ""] + _table(
        ["channels", "f", "theory", "measured", "timing spread (normal / separable)"], rows
    )
    return lines
