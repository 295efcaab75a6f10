"""cnnbook.benchmarks: the one renderer of the benchmark files (appendix and markdown report)."""

from __future__ import annotations

import json

import pytest
from conftest import ROOT

from cnnbook import benchmarks

MACHINE = {
    "cpu": "AMD EPYC",
    "cores": 2,
    "memory_gib": 23.5,
    "gpu": [],
    "tensorflow": "2.21.0",
    "keras": "3.15.1",
    "python": "3.11.7",
}


def chapter_row(chapter, mode, seconds, peak, returncode=0):
    return {
        "chapter": chapter,
        "mode": mode,
        "seconds": seconds,
        "seconds_runs": [seconds, seconds * 1.1],
        "peak_rss_mib": peak,
        "peak_gpu_mib": None,
        "returncode": returncode,
    }


def results(**sections):
    return {"machine": MACHINE, **sections}


def test_chapters_name_the_ones_over_the_memory_limit_and_the_failures():
    section = {
        "recorded": "2026-12-01",
        "rows": [
            chapter_row("chapters/a.ipynb", "smoke", 10.0, 900),
            chapter_row("chapters/b.ipynb", "smoke", 20.0, 7000, returncode=1),
            chapter_row("chapters/a.ipynb", "full", 100.0, 1000),
        ],
    }
    text = benchmarks.section_markdown(results(chapters=section), "chapters")
    assert "| b.ipynb | smoke | 20.0 (10%, 2 runs) | 7000 | - | FAILED |" in text
    assert "Smoke mode: 2 chapters, 30 s in all; largest peak 7000 MiB" in text
    assert "over the 6 GB limit: chapters/b.ipynb." in text
    full = "Full mode: 1 chapter, 100 s in all; largest peak 1000 MiB; over the 6 GB limit: none."
    assert full in text


def test_book_and_ci_say_whether_each_target_was_met():
    run = {"seconds": 5.0, "peak_rss_mib": 100, "returncode": 0}
    book = {
        "recorded": "r",
        "full_build": run | {"seconds": 1900.0},
        "cached_rebuild": run | {"seconds": 2.0},
        "full_mode_chapter_seconds": {"chapters/x.ipynb": 12.0},
        "full_mode_chapter_peak_rss_mib": {"chapters/x.ipynb": None},
    }
    text = benchmarks.section_markdown(results(book=book), "book")
    assert "| full build | 1900.0 (1 run) | 100 | ok | 1800 (missed) |" in text
    assert "| cached rebuild | 2.0 (1 run) | 100 | ok | 10 (met) |" in text
    assert "| x.ipynb | 12.0 (1 run) | - |" in text
    ci = {
        "recorded": "r",
        "returncode": 2,
        "tests": {"failed": 3, "passed": 984},
        "targets_seconds": {"ci_total": 3000, "full_build": 1800},
        "ci_total_seconds": 1177.0,
        "install_seconds": 50,
        "suite_seconds": 1126.0,
        "full_build_seconds": None,  # the log had no duration
    }
    text = benchmarks.section_markdown(results(ci=ci), "ci")
    assert "Exit 2; 3 failed, 984 passed." in text
    assert "| CI in all (fresh clone, .ci/run) | 1177 | 3000 (met) |" in text
    assert "| full-mode book build (inside the suite) | - | 1800 (missed) |" in text


def test_models_autotune_and_pipeline_show_their_ratios():
    models = {
        "recorded": "r",
        "throughput": [
            {
                "model": "ResNet-50",
                "input": 128,
                "batch": 32,
                "median_ours": 20.04,
                "images_per_s_ours": [19.0, 20.0, 21.0],
                "median_keras": 20.5,
                "images_per_s_keras": [20.5, 20.5],
                "slowdown_ours_vs_keras": 1.0123,
                "slowdown_per_round": [1.0, 1.02, 1.03],
                "params_ours": 23600006,
                "params_keras": 23600006,
                "train_gflops_per_image": 3.0,
            }
        ],
        "matmul_peak": {"size": 2048, "gflops_median": 100.4, "gflops_best": 110.0},
        "achieved": [{"model": "ResNet-50", "achieved_gflops": 60.0, "fraction_of_peak": 0.6}],
    }
    text = benchmarks.section_markdown(results(models=models), "models")
    assert "| ResNet-50 | 128x128 | 32 | 20.0 (10%) | 20.5 (0%) | 1.012 (3%) |" in text
    assert "23,600,006 / 23,600,006" in text
    assert "2048x2048, float32): 100 GFLOP/s (median), 110 best." in text
    assert "| ResNet-50 | 3.00 | 60.0 | 60% |" in text
    autotune = {
        "recorded": "r",
        "model": "ResNet-50",
        "steps": 8,
        "autotune on": {"median": 3.0, "seconds": [3.0, 3.0], "median_after_last_step": 1.0},
        "autotune off": {"median": 2.0, "seconds": [2.0, 2.2], "median_after_last_step": 0.0},
    }
    text = benchmarks.section_markdown(results(autotune=autotune), "autotune")
    assert "| autotune off | 2.00 (10%) | 0.00 |" in text
    assert "Autotuning off makes this `fit` 1.50x faster." in text
    pipeline = {
        "recorded": "r",
        "size": 128,
        "batch": 32,
        "naive": {"median": 300.0},
        "tuned": {"median": 1200.0, "first_epoch": 400.0},
        "tuned_over_naive": 4.0,
        "model": "ResNet-50",
        "model_consumes": 20.0,
        "tuned_over_model": 60.0,
    }
    text = benchmarks.section_markdown(results(pipeline=pipeline), "pipeline")
    assert "naive 300 images/s, tuned 1200 images/s (4.0x the naive one" in text
    assert "so the tuned pipeline is 60.0x faster than needed." in text


def test_the_report_has_a_heading_per_recorded_section_in_order():
    ci = {
        "recorded": "r",
        "returncode": 0,
        "tests": {},
        "targets_seconds": {"ci_total": 3000, "full_build": 1800},
        "ci_total_seconds": None,
        "install_seconds": None,
        "suite_seconds": None,
        "full_build_seconds": None,
    }
    chapters = {"recorded": "r", "rows": [chapter_row("chapters/a.ipynb", "smoke", 1.0, 1)]}
    text = benchmarks.report(results(ci=ci, chapters=chapters))
    assert text.startswith("# Benchmarks: AMD EPYC, 2 cores, 23.5 GiB RAM, GPU: none;")
    headings = [line for line in text.splitlines() if line.startswith("## ")]
    assert headings == ["## Chapters", "## CI"]  # the table's order, not the file's


def test_load_results_reads_every_machine_sorted(tmp_path):
    for name in ("gpu-t4", "cpu-2-cores"):
        (tmp_path / f"{name}.json").write_text(json.dumps({"machine": {"name": name}}))
    (tmp_path / "cpu-2-cores.md").write_text("not a result")
    assert list(benchmarks.load_results(tmp_path)) == ["cpu-2-cores", "gpu-t4"]


@pytest.mark.parametrize(
    "path", sorted((ROOT / "bench" / "results").glob("*.json")), ids=lambda p: p.stem
)
def test_every_recorded_file_renders_every_section_it_has(path):
    recorded = json.loads(path.read_text())
    text = benchmarks.report(recorded)
    for key, (title, _) in benchmarks.SECTIONS.items():
        assert (f"## {title}" in text) == (key in recorded), key
    # and the markdown file beside it is what this renders (make bench wrote it)
    assert path.with_suffix(".md").read_text() == text + "\n"


def test_grading_shows_throughput_speed_up_and_each_assignment():
    section = {
        "recorded": "2026-12-08",
        "assignment": "conv-step-by-step",
        "submissions": 100,
        "kinds": {"honest": 70, "wrong": 22, "attack": 8},
        "limits": {
            "timeout_s": 180,
            "cell_timeout_s": 30,
            "cpu_s": 60,
            "memory_gib": 3,
            "processes": 128,
        },
        "runs": [
            {"jobs": 1, "seconds": 1500.0, "per_minute": 4.0, "peak_rss_mib": 900.0},
            {"jobs": 2, "seconds": 1000.0, "per_minute": 6.0, "peak_rss_mib": 1800.0},
        ],
        "same_scores_with_1_and_2_jobs": False,
        "honest_full_marks": 69,
        "honest": 70,
        "solutions": [
            {
                "assignment": "residual-networks",
                "seconds": 42.0,
                "score": 9,
                "possible": 10,
                "peak_rss_mib": 1400.0,
            }
        ],
    }
    text = "\n".join(benchmarks.render_grading(section, MACHINE))
    assert "| 2 | 1000 s | 6.0 | 10.0 s | 1.76 GiB | 1.50x |" in text
    assert "8 attack, 70 honest, 22 wrong" in text
    assert "Scores identical with 1 and 2 jobs: NO" in text  # a difference is not hidden
    assert "honest submissions at full marks: 69 of 70" in text
    assert "| residual-networks | 42 s | 9 / 10 | 1.37 GiB |" in text
    assert "sum of RSS: overcounts forked copies" in text  # a record from before PSS says so
    for row in section["runs"] + section["solutions"]:
        row["peak_pss_mib"] = row.pop("peak_rss_mib")
    text = "\n".join(benchmarks.render_grading(section, MACHINE))
    assert "peak memory (PSS)" in text and "RSS" not in text


def test_the_generated_class_mixes_honest_wrong_and_attacking_submissions():
    from bench.grading import ATTACKS, class_of, mistakes

    kinds = [kind for _, kind in class_of(100)]
    assert len(kinds) == 100 and kinds.count("honest") == 70
    attacks = {k.split(":")[1] for k in kinds if k.startswith("attack:")}
    wrong = {k.split(":")[1] for k in kinds if k.startswith("wrong:")}
    assert len(attacks) == min(8, len(ATTACKS)) and attacks <= set(ATTACKS)
    assert wrong == {case.stem for case in mistakes()}  # every known mistake is in the class
