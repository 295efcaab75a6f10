"""The benchmark suite runs and reports what it measured (speed itself is never asserted here)."""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import time

import pytest
from conftest import ROOT

from bench import chapters, report
from cnnbook import benchmarks


def test_results_are_written_atomically_and_merge(tmp_path):
    path = tmp_path / "machine.json"
    report.save(path, {"a": 1})
    report.save(path, report.load(path) | {"b": 2})
    assert json.loads(path.read_text()) == {"a": 1, "b": 2}
    assert [p.name for p in tmp_path.iterdir()] == ["machine.json"]  # no partial file left


def test_a_section_recorded_meanwhile_by_another_run_is_kept(tmp_path):
    # A grading bench measured for an hour while another run recorded the recipe: writing
    # the results loaded at the start would drop the recipe.
    path = tmp_path / "cpu-2-cores.json"
    report.save(path, {"machine": {"cpu": "A"}, "kernels": {"x": 1}})
    loaded_at_start = report.load(path)
    report.save_section(path, "recipe", {"y": 2}, {"cpu": "A"})  # the other run
    written = report.save_section(path, "grading", {"z": 3}, {"cpu": "A"})
    assert loaded_at_start.keys() == {"machine", "kernels"}
    assert {k: written[k] for k in ("kernels", "recipe", "grading")} == {
        "kernels": {"x": 1},
        "recipe": {"y": 2},
        "grading": {"z": 3},
    }
    assert report.load(path) == written


def test_sections_keep_the_cpu_they_were_measured_on():
    # A results file is named after a kind of machine; its CPU model can change between runs.
    results = {
        "machine": {"cpu": "Intel Xeon", "cores": 2},
        "models": {"recorded": "2026-11-25", "note": ""},
        "kernels": {"recorded": "2026-11-29", "cpu": "AMD EPYC"},
    }
    report.stamp_cpu(results)
    assert results["models"]["cpu"] == "Intel Xeon"
    assert results["kernels"]["cpu"] == "AMD EPYC"  # a section's own CPU is never replaced
    amd = {"cpu": "AMD EPYC"}
    assert benchmarks.other_cpu(results["models"], amd) == " on Intel Xeon"
    assert benchmarks.other_cpu(results["kernels"], amd) == ""
    noted = benchmarks.recorded(results["models"], amd)[0]
    assert noted == "*Recorded 2026-11-25 on Intel Xeon.*"


class _SleepingModel:
    """Stands in for a compiled Keras model: ``fit`` sleeps a fixed time per step."""

    def __init__(self, seconds_per_step):
        self.seconds_per_step = seconds_per_step

    def fit(self, data, steps_per_epoch, **_):
        time.sleep(self.seconds_per_step * steps_per_epoch)


def test_timings_last_long_enough_for_the_slower_model():
    from bench import models

    pair = (_SleepingModel(0.005), _SleepingModel(0.02))
    steps = models.steps_lasting(pair, data=None, seconds=0.2, minimum=2)
    assert 7 <= steps <= 10  # 0.2 s at the slower model's 0.02 s a step (sleep overshoots)
    assert models.steps_lasting(pair, data=None, seconds=0.001, minimum=3) == 3


def test_the_two_sides_take_turns_to_go_first():
    from bench import models

    orders = [models.in_turn(("ours", "keras"), r)[0] for r in range(4)]
    assert orders == ["ours", "keras", "ours", "keras"]


def test_the_ratio_pairs_the_two_timings_of_each_round():
    from bench import models

    # Recorded on the 2-core CPU: 10 MobileNetV2 steps took either about 2.1 or 2.5 s (a wait
    # for tf.data's autotuner), whichever model ran. Medians taken apart land on different
    # modes (ratio 1.11); paired rounds don't.
    ours = [125.6, 125.6, 150.4, 125.6, 143.9, 125.6, 148.0]
    keras = [125.6, 142.9, 147.1, 125.6, 139.4, 141.4, 137.1]
    assert statistics.median(keras) / statistics.median(ours) == pytest.approx(1.11, abs=0.01)
    assert statistics.median(models.round_ratios(keras, ours)) == pytest.approx(1.0)
    assert models.round_ratios([2.0], [1.0]) == [2.0]  # ours half as fast: ratio 2


def test_run_measured_reports_time_exit_code_and_peak_memory(tmp_path):
    grow = "x = bytearray(200 * 2**20); import time; time.sleep(0.5)"
    result = chapters.run_measured([sys.executable, "-c", grow], cwd=tmp_path, env={}, timeout=60)
    assert result["returncode"] == 0
    assert result["seconds"] >= 0.5
    assert result["peak_rss_mib"] > 200  # the 200 MiB the child allocated
    failed = chapters.run_measured(
        [sys.executable, "-c", "raise SystemExit(3)"], cwd=tmp_path, env={}, timeout=60
    )
    assert failed["returncode"] == 3


def test_chapter_runs_reject_an_unknown_mode():
    with pytest.raises(ValueError, match="mode must be 'smoke' or 'full'"):
        chapters.chapter_runs("fast")


def test_unknown_section_is_a_clear_error():
    result = subprocess.run(
        [sys.executable, "-m", "bench", "everything"], cwd=ROOT, capture_output=True, text=True
    )
    assert result.returncode == 2 and "unknown section(s) ['everything']" in result.stderr


def test_kernels_section_runs_and_checks_theory_against_keras(tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "bench", "kernels", "--smoke", "--out", str(tmp_path)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    (path,) = tmp_path.glob("*.json")
    results = json.loads(path.read_text())
    (row,) = results["kernels"]["bottleneck"]
    # 28x28x64 -> 5x5, 32 filters: direct vs 1x1 to 16 channels then 5x5 (Szegedy et al. 2014)
    assert row["mults_direct"] == 28 * 28 * 32 * 5 * 5 * 64
    assert row["mults_bottleneck"] == 28 * 28 * 16 * 64 + 28 * 28 * 32 * 5 * 5 * 16
    assert len(row["seconds_direct"]) == 2  # repeated, never a single timing
    assert {r["channels"] for r in results["kernels"]["separable"]} == {16, 64}
    text = path.with_suffix(".md").read_text()
    assert "1x1 bottleneck" in text and results["machine"]["cpu"] in text


def test_kernel_peaks_go_to_the_execution_they_lived_in():
    # Executions one after the other, each in its own kernel (as the book build runs them); the
    # kernels start a little before and end a little after, overlapping their neighbours.
    executions = {
        "a.ipynb": {"seconds": 100.0, "end": 1100.0},  # ran 1000..1100
        "b.ipynb": {"seconds": 5.0, "end": 1106.0},  # ran 1101..1106: short, between two others
        "c.ipynb": {"seconds": 6.0, "end": 1113.0},  # ran 1107..1113
        "d.ipynb": {"seconds": 0.05, "end": 1170.0},  # too short for any sample
    }
    kernels = [
        {"first": 999.0, "last": 1101.5, "peak_rss_mib": 2500.0},
        {"first": 1100.5, "last": 1107.0, "peak_rss_mib": 600.0},
        {"first": 1105.5, "last": 1114.0, "peak_rss_mib": 900.0},
    ]
    peaks = chapters.attribute_kernels(executions, kernels)
    assert peaks == {"a.ipynb": 2500.0, "b.ipynb": 600.0, "c.ipynb": 900.0, "d.ipynb": None}


def test_run_measured_tracks_each_kernel_separately(tmp_path):
    # A parent that starts two children one after the other; only "ipykernel" ones count.
    child = "import sys, time; x = bytearray(int(sys.argv[1]) * 2**20); time.sleep(0.6)"
    script = tmp_path / "ipykernel_child.py"
    script.write_text(child)
    parent = (
        "import subprocess, sys; "
        f"[subprocess.run([sys.executable, {str(script)!r}, n]) for n in ('150', '300')]"
    )
    result = chapters.run_measured(
        [sys.executable, "-c", parent], cwd=tmp_path, env={}, timeout=60, track_kernels=True
    )
    peaks = [k["peak_rss_mib"] for k in result["kernels"]]
    assert len(peaks) == 2
    assert 150 < peaks[0] < 300 < peaks[1]
    assert result["kernels"][0]["last"] < result["kernels"][1]["first"]


def test_repeated_runs_report_the_median_time_and_the_largest_peak():
    runs = [
        {"seconds": 10.0, "peak_rss_mib": 500.0, "peak_gpu_mib": None, "returncode": 0},
        {"seconds": 14.0, "peak_rss_mib": 700.0, "peak_gpu_mib": None, "returncode": 0},
        {"seconds": 11.0, "peak_rss_mib": 600.0, "peak_gpu_mib": None, "returncode": 0},
    ]
    combined = chapters.combine_runs(runs)
    assert combined["seconds"] == 11.0 and combined["seconds_runs"] == [10.0, 14.0, 11.0]
    assert combined["peak_rss_mib"] == 700.0 and combined["returncode"] == 0
    failed = chapters.combine_runs([*runs, {**runs[0], "returncode": 1, "log_tail": "boom"}])
    assert failed["returncode"] == 1 and failed["log_tail"] == "boom"


def test_book_runs_accumulate_per_chapter():
    def run(build, cached, seconds, peaks):
        return {
            "full_build": {"seconds": build, "peak_rss_mib": 4000.0, "returncode": 0},
            "cached_rebuild": {"seconds": cached, "peak_rss_mib": 800.0, "returncode": 0},
            "chapter_seconds": seconds,
            "chapter_peak_rss_mib": peaks,
        }

    book = chapters.summarize_book_runs(
        [
            run(1600.0, 2.0, {"a": 100.0, "b": 5.0}, {"a": 3000.0, "b": None}),
            run(1700.0, 3.0, {"a": 120.0, "b": 6.0}, {"a": 3200.0, "b": 700.0}),
        ]
    )
    assert book["full_build"]["seconds"] == 1650.0
    assert book["full_build"]["seconds_runs"] == [1600.0, 1700.0]
    assert book["cached_rebuild"]["seconds"] == 2.5
    assert book["full_mode_chapter_seconds"] == {"a": 110.0, "b": 5.5}
    assert book["full_mode_chapter_peak_rss_mib"] == {"a": 3200.0, "b": 700.0}


def test_book_runs_are_read_from_a_recorded_section():
    run = {"full_build": {"seconds": 1.0}, "chapter_seconds": {"a": 1.0}, "commit": "abc1234"}
    assert chapters.recorded_runs({"runs": [run], "full_build": {"seconds": 1.0}}) == [run]
    assert chapters.recorded_runs(None) == []


def test_ci_figures_are_read_from_the_logs_ci_writes():
    from bench import ci

    log = (
        "install: 61 s\n...\n"
        "===== 540 passed, 2 skipped, 1 failed in 2301.45s (0:38:21) =====\nCI total: 2400 s\n"
    )
    figures = ci.parse_ci_log(log)
    assert figures["install_seconds"] == 61
    assert figures["suite_seconds"] == 2301.45
    assert figures["tests"] == {"passed": 540, "skipped": 2, "failed": 1}
    assert ci.parse_book_log("$ jupyter-book build ...\nlog\nexit 0 after 1462.3 s\n") == 1462.3
    assert ci.parse_book_log("no build") is None
    assert ci.parse_ci_log("crashed")["tests"] == {}


def test_the_section_table_drives_the_command_line_and_the_report():
    from bench import sections

    assert len(set(sections.ALL)) == len(sections.ALL)
    assert [s.name for s in sections.to_run(["pipeline"])] == ["models", "pipeline"]
    assert set(sections.DEFAULT) <= set(sections.ALL) and "ci" not in sections.DEFAULT
    for section in sections.SECTIONS:  # every measuring function exists (named, not imported)
        module, function = section.measure.split(":")
        source = (ROOT / (module.replace(".", "/") + ".py")).read_text()
        assert f"def {function}(options, results: dict)" in source, section.measure
        assert section.key in benchmarks.SECTIONS, section.key  # and the report renders it
    assert set(benchmarks.SECTIONS) == {s.key for s in sections.SECTIONS}


def test_pss_counts_a_forked_copy_once():
    """PSS: a parent holding 200 MiB and 4 forked copies that only read it is about 200 MiB;
    summed RSS would say about 1 GiB."""
    code = (
        "import os, time\n"
        "x = bytearray(200 * 2**20)\n"
        "x[::4096] = b'1' * len(x[::4096])\n"
        "for _ in range(4):\n"
        "    if os.fork() == 0:\n"
        "        time.sleep(2)\n"
        "        os._exit(0)\n"
        "time.sleep(2.5)\n"
    )
    run = chapters.run_measured(
        [sys.executable, "-c", code], cwd=ROOT, env=dict(os.environ), timeout=60, pss=True
    )
    peak_mib = run["peak_pss_mib"]
    assert 190 < peak_mib < 500, peak_mib
    rss = chapters.run_measured(
        [sys.executable, "-c", code], cwd=ROOT, env=dict(os.environ), timeout=60
    )
    assert rss["peak_rss_mib"] > 800, rss  # what the first grading record summed
