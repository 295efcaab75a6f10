"""Appendix 'Performance': it shows every machine's recorded benchmark figures, as recorded."""

import json

import pytest
from conftest import ROOT

from bench import report

CHAPTER = "chapters/appendices/performance.ipynb"
RESULTS = sorted((ROOT / "bench" / "results").glob("*.json"))


@pytest.fixture(scope="module")
def run(executed):
    return executed(CHAPTER)


def test_lists_every_recorded_machine(run):
    for path in RESULTS:
        machine = json.loads(path.read_text())["machine"]
        run.assert_printed(f"{path.stem}: {machine['cpu']}, {machine['cores']} cores")
    if not RESULTS:
        run.assert_printed("none yet (run make bench)")


@pytest.mark.parametrize("path", RESULTS, ids=[p.stem for p in RESULTS])
def test_figures_match_the_benchmark_files(run, path):
    results = json.loads(path.read_text())
    name = path.stem
    for r in results.get("models", {}).get("throughput", []):
        run.assert_printed(
            f"{name}: {r['model']} at {r['input']}x{r['input']}, batch {r['batch']}: "
            f"ours {r['median_ours']:.1f} images/s",
            f"ratio {r['slowdown_ours_vs_keras']:.3f}",
        )
    for r in results.get("models", {}).get("achieved", []):
        run.assert_printed(f"= {r['fraction_of_peak']:.0%} of the peak")
    for r in results.get("acceleration", {}).get("rows", []):
        run.assert_printed(
            f"{name}: {r['variant']:14s} {r['median']:7.2f} images/s",
            f"{r['speedup_vs_float32']:.3f}x float32",
        )
    if "acceleration" in results:
        run.assert_printed(f"{name}: decision: {results['acceleration']['decision']}")
    for key, section in results.items():
        if isinstance(section, dict) and section.get("note"):
            commit = f" at commit {section['commit']}" if section.get("commit") else ""
            on = report.other_cpu(section, results["machine"])
            run.assert_printed(
                f"[{name}: {key} recorded {section['recorded']}{commit}{on}; "
                f"note: {section['note']}]"
            )
    if "autotune" in results:
        a = results["autotune"]
        for label in ("autotune on", "autotune off"):
            run.assert_printed(
                f"{name}: {label:12s} {a['steps']} steps of {a['model']}: "
                f"fit {a[label]['median']:.2f} s",
                f"of which {a[label]['median_after_last_step']:.2f} s after the last step",
            )
        faster = a["autotune on"]["median"] / a["autotune off"]["median"]
        run.assert_printed(f"{name}: autotuning off makes this fit {faster:.2f}x faster")
    if "pipeline" in results:
        p = results["pipeline"]
        run.assert_printed(f"the tuned pipeline is {p['tuned_over_model']:.1f}x faster")
    for r in results.get("kernels", {}).get("separable", []):
        run.assert_printed(
            f"{r['channels']:4d} channels, f={r['f']}: theory {r['theory_speedup']:5.2f}x, "
            f"measured {r['measured_speedup']:5.2f}x "
            f"(timing spread {report.spread(r['seconds_normal']):.0%} normal"
        )
    for r in results.get("kernels", {}).get("bottleneck", []):
        run.assert_printed(
            f"bottleneck, {r['channels_in']:4d} channels in, f={r['f']}: theory "
            f"{r['theory_speedup']:5.2f}x, measured {r['measured_speedup']:5.2f}x "
            f"(timing spread {report.spread(r['seconds_direct']):.0%} direct"
        )
    chapters = results.get("chapters", {}).get("rows", [])
    for r in chapters:
        run.assert_printed(f"{r['chapter']:58s} {r['mode']:5s} {r['seconds']:8.1f}")
    if "kernels" in results:
        assert run.images >= 1


@pytest.mark.parametrize("path", RESULTS, ids=[p.stem for p in RESULTS])
def test_book_build_figures_and_targets_match_the_benchmark_files(run, path):
    results = json.loads(path.read_text())
    if "book" not in results:
        return
    name, book = path.stem, results["book"]
    for key, target in (("full_build", 1800), ("cached_rebuild", 10)):
        seconds = book[key]["seconds"]
        verdict = "met" if seconds <= target else "missed"
        run.assert_printed(
            f"{name}: {key.replace('_', ' ')}: {seconds:.1f} s",
            f"target {target} s {verdict}",
        )
    peaks = book.get("full_mode_chapter_peak_rss_mib", {})
    for chapter, seconds in book["full_mode_chapter_seconds"].items():
        peak = peaks.get(chapter)
        memory = "   (not sampled)" if peak is None else f" {peak:7.0f} MiB"
        run.assert_printed(f"{chapter:58s} full  {seconds:8.1f} s{memory} in the book build")


@pytest.mark.parametrize("path", RESULTS, ids=[p.stem for p in RESULTS])
def test_ci_figures_and_targets_match_the_benchmark_files(run, path):
    results = json.loads(path.read_text())
    if "ci" not in results:
        run.assert_printed("no CI run measured yet (make bench BENCH=ci)")
        return
    ci = results["ci"]
    run.assert_printed(f"{path.stem}: .ci/run exit {ci['returncode']}")
    for what, key, target in (
        ("CI in all", "ci_total_seconds", "ci_total"),
        ("full-mode book build", "full_build_seconds", "full_build"),
    ):
        seconds, limit = ci[key], ci["targets_seconds"][target]
        verdict = "met" if seconds is not None and seconds <= limit else "missed"
        shown = "-" if seconds is None else f"{seconds:7.0f} s"
        run.assert_printed(f"  {what:22s} {shown}  target {limit} s {verdict}")
