"""The benchmark figures as tables: one renderer per section of the files ``make bench`` writes.

``make bench`` (the repository's ``bench`` package) measures and writes one JSON file per
machine to ``bench/results/``. This module turns those files into markdown tables, once, for
both places that show them: the *Performance* appendix (which displays them in the book) and
``bench/results/<machine>.md`` (which ``make bench`` writes beside each file). Figures are
medians of repeated runs; spread = (max - min) / median (``cnnbook.timing.spread``).

Taught in the appendix *Performance: what makes the chapters fast or slow*.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

from cnnbook.distribute import render_distribute
from cnnbook.export import render_export
from cnnbook.head_to_head import render_head_to_head
from cnnbook.timing import spread

CHAPTER_MEMORY_LIMIT_MIB = 6 * 1024  # every chapter fits a laptop and a free Colab runtime
BOOK_TARGETS_S = {"full_build": 30 * 60, "cached_rebuild": 10}  # on the 2-core CPU


def load_results(folder: str | Path) -> dict[str, dict]:
    """Every machine's results in ``folder``, by file name (``cpu-2-cores``), sorted."""
    return {path.stem: json.loads(path.read_text()) for path in sorted(Path(folder).glob("*.json"))}


def table(header: list[str], rows: list[list[str]]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return lines + [""]


def other_cpu(section: dict, machine: dict) -> str:
    """`` on <CPU>`` when a section was measured on another CPU than the file's machine."""
    cpu = section.get("cpu")
    return f" on {cpu}" if cpu and cpu != machine.get("cpu") else ""


def recorded(section: dict, machine: dict) -> list[str]:
    """When a section was recorded, at which commit, and its conditions (``--note``)."""
    commit = f" at commit {section['commit']}" if section.get("commit") else ""
    note = f" Note: {section['note']}" if section.get("note") else ""
    on = other_cpu(section, machine)
    return [f"*Recorded {section.get('recorded', '')}{commit}{on}.{note}*", ""]


def timed(row: dict) -> str:
    """Median seconds, with the spread and the number of runs when there were several."""
    runs = row.get("seconds_runs") or [row["seconds"]]
    if len(runs) < 2:
        return f"{row['seconds']:.1f} (1 run)"
    return f"{row['seconds']:.1f} ({spread(runs):.0%}, {len(runs)} runs)"


def verdict(seconds: float | None, target: float) -> str:
    return "met" if seconds is not None and seconds <= target else "missed"


def largest_peak(peaks: dict[str, float]) -> str:
    """The largest of the chapters' peak memories, and the chapters over the 6 GB limit."""
    over = [chapter for chapter, mib in peaks.items() if mib > CHAPTER_MEMORY_LIMIT_MIB]
    return (
        f"largest peak {max(peaks.values()):.0f} MiB; over the 6 GB limit: "
        f"{', '.join(over) or 'none'}"
    )


def describe_machine(machine: dict) -> str:
    """The machine and its software, in one sentence."""
    m = machine
    return (
        f"{m['cpu']}, {m['cores']} cores, {m['memory_gib']} GiB RAM, GPU: "
        f"{', '.join(m['gpu']) or 'none'}; TensorFlow {m['tensorflow']}, Keras {m['keras']}, "
        f"Python {m['python']}"
    )


# --- one renderer per section: (section, machine) -> markdown lines ------------------------------


def render_chapters(section: dict, machine: dict) -> list[str]:
    rows = [
        [
            r["chapter"].removeprefix("chapters/"),
            r["mode"],
            timed(r),
            f"{r['peak_rss_mib']:.0f}",
            "-" if r.get("peak_gpu_mib") is None else f"{r['peak_gpu_mib']:.0f}",
            "ok" if r["returncode"] == 0 else "FAILED",
        ]
        for r in section["rows"]
    ]
    lines = recorded(section, machine) + table(
        ["chapter", "mode", "seconds", "peak RSS (MiB)", "peak GPU (MiB)", "status"], rows
    )
    for mode in ("smoke", "full"):
        done = [r for r in section["rows"] if r["mode"] == mode]
        if done:
            peaks = {r["chapter"]: r["peak_rss_mib"] for r in done}
            lines += [
                f"{mode.capitalize()} mode: {len(done)} chapter{'s' * (len(done) != 1)}, "
                f"{sum(r['seconds'] for r in done):.0f} s in all; {largest_peak(peaks)}.",
                "",
            ]
    return lines


def render_book(section: dict, machine: dict) -> list[str]:
    b = section
    rows = [
        [
            key.replace("_", " "),
            timed(b[key]),
            f"{b[key]['peak_rss_mib']:.0f}",
            "ok" if b[key]["returncode"] == 0 else "FAILED",
            f"{target} ({verdict(b[key]['seconds'], target)})",
        ]
        for key, target in BOOK_TARGETS_S.items()
    ]
    lines = recorded(b, machine) + table(
        ["build", "seconds", "peak RSS (MiB)", "status", "target s"], rows
    )
    peaks = b.get("full_mode_chapter_peak_rss_mib", {})
    runs = b.get("full_mode_chapter_seconds_runs", {})
    rows = [
        [
            name.removeprefix("chapters/"),
            timed({"seconds": s, "seconds_runs": runs.get(name, [s])}),
            "-" if peaks.get(name) is None else f"{peaks[name]:.0f}",
        ]
        for name, s in b.get("full_mode_chapter_seconds", {}).items()
    ]
    lines += table(["chapter (full mode, in the book build)", "seconds", "kernel peak (MiB)"], rows)
    sampled = {c: v for c, v in peaks.items() if v is not None}
    if sampled:
        lines += [f"Full mode: {largest_peak(sampled)}.", ""]
    return lines


def render_ci(section: dict, machine: dict) -> list[str]:
    c = section
    targets = c["targets_seconds"]
    rows = [
        [
            what,
            "-" if c[key] is None else f"{c[key]:.0f}",
            f"{targets[target]} ({verdict(c[key], targets[target])})" if target else "-",
        ]
        for what, key, target in (
            ("CI in all (fresh clone, .ci/run)", "ci_total_seconds", "ci_total"),
            ("install", "install_seconds", None),
            ("test suite", "suite_seconds", None),
            ("full-mode book build (inside the suite)", "full_build_seconds", "full_build"),
        )
    ]
    tests = ", ".join(f"{n} {kind}" for kind, n in c["tests"].items()) or "no outcome"
    lines = recorded(c, machine) + [f"Exit {c['returncode']}; {tests}.", ""]
    return lines + table(["step", "seconds", "target s"], rows)


def render_models(section: dict, machine: dict) -> list[str]:
    mo = section
    rows = [
        [
            r["model"],
            f"{r['input']}x{r['input']}",
            str(r["batch"]),
            f"{r['median_ours']:.1f} ({spread(r['images_per_s_ours']):.0%})",
            f"{r['median_keras']:.1f} ({spread(r['images_per_s_keras']):.0%})",
            f"{r['slowdown_ours_vs_keras']:.3f}"
            + (f" ({spread(r['slowdown_per_round']):.0%})" if "slowdown_per_round" in r else ""),
            f"{r['params_ours']:,} / {r['params_keras']:,}",
        ]
        for r in mo["throughput"]
    ]
    lines = recorded(mo, machine) + table(
        [
            "model",
            "input",
            "batch",
            "ours, images/s (spread)",
            "keras.applications",
            "keras rate / ours (median of rounds)",
            "parameters (ours / keras)",
        ],
        rows,
    )
    peak = mo["matmul_peak"]
    lines += [
        f"Matrix-product peak ({peak['size']}x{peak['size']}, float32): "
        f"{peak['gflops_median']:.0f} GFLOP/s (median), {peak['gflops_best']:.0f} best.",
        "",
    ]
    rows = [
        [
            r["model"],
            f"{t['train_gflops_per_image']:.2f}",
            f"{r['achieved_gflops']:.1f}",
            f"{r['fraction_of_peak']:.0%}",
        ]
        for r, t in zip(mo["achieved"], mo["throughput"], strict=True)
    ]
    return lines + table(
        ["model (training)", "GFLOP per image", "achieved GFLOP/s", "fraction of the peak"], rows
    )


def render_acceleration(section: dict, machine: dict) -> list[str]:
    rows = [
        [
            r["variant"],
            str(r.get("steps", "-")),
            f"{r['median']:.2f} ({spread(r['images_per_s']):.0%})",
            f"{r['speedup_vs_float32']:.3f}",
            f"{r['first_step_seconds']:.1f}" if "first_step_seconds" in r else "-",
        ]
        for r in section["rows"]
    ]
    return (
        recorded(section, machine)
        + table(
            ["variant", "steps", "images/s (spread)", "speedup vs float32", "first step (s)"],
            rows,
        )
        + [f"Decision for this machine: {section['decision']}.", ""]
    )


def render_autotune(section: dict, machine: dict) -> list[str]:
    a = section
    rows = [
        [
            label,
            f"{a[label]['median']:.2f} ({spread(a[label]['seconds']):.0%})",
            f"{a[label]['median_after_last_step']:.2f}",
        ]
        for label in ("autotune on", "autotune off")
    ]
    faster = a["autotune on"]["median"] / a["autotune off"]["median"]
    return (
        recorded(a, machine)
        + [f"{a['model']}, {a['steps']} steps per `fit`.", ""]
        + table(["pipeline", "fit seconds (spread)", "seconds after the last step"], rows)
        + [f"Autotuning off makes this `fit` {faster:.2f}x faster.", ""]
    )


def render_pipeline(section: dict, machine: dict) -> list[str]:
    p = section
    return recorded(p, machine) + [
        f"At {p['size']}x{p['size']}, batch {p['batch']}: naive {p['naive']['median']:.0f} "
        f"images/s, tuned {p['tuned']['median']:.0f} images/s "
        f"({p['tuned_over_naive']:.1f}x the naive one; its first epoch, filling the cache, "
        f"{p['tuned']['first_epoch']:.0f} images/s). {p['model']} consumes "
        f"{p['model_consumes']:.1f} images/s, so the tuned pipeline is "
        f"{p['tuned_over_model']:.1f}x faster than needed.",
        "",
    ]


def render_kernels(section: dict, machine: dict) -> list[str]:
    k = section
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
    lines = recorded(k, machine) + ["**1x1 bottleneck** (28x28, 32 filters, 16 in the middle)", ""]
    lines += table(
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
    lines += ["**Depthwise separable against normal convolution** (32x32)", ""]
    return lines + table(
        ["channels", "f", "theory", "measured", "timing spread (normal / separable)"], rows
    )


def render_grading(section: dict, machine: dict) -> list[str]:
    """The ``grading`` benchmark section as markdown lines."""
    d = section

    def peak(row: dict) -> str:
        return f"{row.get('peak_pss_mib', row.get('peak_rss_mib', 0)) / 1024:.2f} GiB"

    # Records before PSS summed RSS: a forked copy's shared pages counted once per copy.
    rss = "peak_pss_mib" not in d["runs"][0]
    memory = "peak memory (sum of RSS: overcounts forked copies)" if rss else "peak memory (PSS)"
    kinds = ", ".join(f"{n} {kind}" for kind, n in sorted(d["kinds"].items()))
    one = next(r for r in d["runs"] if r["jobs"] == 1)
    rows = [
        [
            str(r["jobs"]),
            f"{r['seconds']:.0f} s",
            f"{r['per_minute']:.1f}",
            f"{r['seconds'] / d['submissions']:.1f} s",
            peak(r),
            f"{one['seconds'] / r['seconds']:.2f}x",
        ]
        for r in d["runs"]
    ]
    limits = d["limits"]
    same = "yes" if d["same_scores_with_1_and_2_jobs"] else "NO"
    return (
        recorded(d, machine)
        + [
            f"`make grade` on {d['submissions']} generated submissions of {d['assignment']} "
            f"({kinds}), each in its sandbox; limits {limits['timeout_s']} s per submission, "
            f"{limits['cell_timeout_s']} s per cell, {limits['cpu_s']} s of CPU, "
            f"{limits['memory_gib']} GiB, {limits['processes']} processes.",
            "",
        ]
        + table(
            ["jobs", "wall", "submissions / min", "per submission", memory, "speed-up"],
            rows,
        )
        + [
            f"Scores identical with 1 and 2 jobs: {same}; "
            f"honest submissions at full marks: {d['honest_full_marks']} of {d['honest']}.",
            "",
            "Each assignment's reference solution graded alone (1 job, smoke sizes):",
            "",
        ]
        + table(
            ["assignment", "grading time", "score", memory],
            [
                [
                    s["assignment"],
                    f"{s['seconds']:.0f} s",
                    f"{s['score']:g} / {s.get('possible', s['score']):g}",
                    peak(s),
                ]
                for s in d["solutions"]
            ],
        )
    )


def render_recipe(section: dict, machine: dict) -> list[str]:
    """``cnnbook.transfer.render_recipe``, imported when called (it loads Keras)."""
    from cnnbook.transfer import render_recipe as render

    return render(section, machine)


# Results key -> (title, renderer), in the order a reader of the figures looks for them.
SECTIONS: dict[str, tuple[str, Callable[[dict, dict], list[str]]]] = {
    "chapters": ("Chapters", render_chapters),
    "book": ("Book build", render_book),
    "ci": ("CI", render_ci),
    "models": ("Training throughput", render_models),
    "acceleration": ("Mixed precision and XLA (ResNet-50 training)", render_acceleration),
    "distribute": ("Two replicas on one CPU (tf.distribute)", render_distribute),
    "grading": ("Grading a whole class (make grade)", render_grading),
    "export": ("The model as it ships (LiteRT)", render_export),
    "head_to_head": ("The case studies head to head: inference latency", render_head_to_head),
    "recipe": ("The transfer-learning recipe (MobileNetV2, sign-language digits)", render_recipe),
    "autotune": ("tf.data autotuning", render_autotune),
    "pipeline": ("Input pipeline", render_pipeline),
    "kernels": ("Cheaper convolutions", render_kernels),
}


def section_markdown(results: dict, key: str) -> str:
    """One section of one machine's results as markdown (no heading)."""
    _, render = SECTIONS[key]
    return "\n".join(render(results[key], results["machine"]))


def report(results: dict) -> str:
    """One machine's results as a markdown document: a heading per section."""
    lines = [
        f"# Benchmarks: {describe_machine(results['machine'])}",
        "",
        "Medians of repeated runs; spread = (max - min) / median.",
        "",
    ]
    for key, (title, _) in SECTIONS.items():
        if key in results:
            lines += [f"## {title}", "", section_markdown(results, key)]
    return "\n".join(lines)


def show(results_by_machine: dict[str, dict], key: str, how: str) -> None:
    """Display one section for every machine that recorded it, or say how to record it."""
    from IPython.display import Markdown, display

    found = {name: r for name, r in results_by_machine.items() if key in r}
    for name, results in found.items():
        display(Markdown(f"**{name}**\n\n{section_markdown(results, key)}"))
    if not found:
        print(f"no machine has recorded this yet ({how})")
