"""Appendix 'Distributed training': the strategy this machine gets, the scaled batch and rate,
the chapters' pattern trained once, the split CPU in a fresh process, and the bench section.

The real distributed training (2 replicas against one device, two workers on loopback) is
tested in test_distribute.py; the section's renderer too.
"""

import json
import re

import pytest
from conftest import ROOT

from cnnbook import benchmarks, distribute

CHAPTER = "chapters/appendices/distributed-training.ipynb"
RESULTS = sorted((ROOT / "bench" / "results").glob("*.json"))
RECORDED = [p for p in RESULTS if "distribute" in json.loads(p.read_text())]


@pytest.fixture(scope="module")
def run(executed):
    return executed(CHAPTER)


def test_prints_the_strategy_of_the_machine_it_ran_on(run):
    choice = distribute.choose()  # the kernel saw this process's devices and environment
    run.assert_printed(distribute.line(choice, 1), "replicas in sync: 1")
    if choice.kind == "default" and "CPU" in choice.reason:
        run.assert_printed("distribute: default strategy, 1 replica (one device: the CPU)")


def test_prints_the_global_batch_and_learning_rate_by_the_linear_rule(run):
    run.assert_printed("1 replica(s) x 32 images: global batch 32, learning rate 0.01")
    for replicas in (1, 2, 8):
        batch, rate = distribute.scaled(32, 0.01, replicas)
        run.assert_printed(f"  {replicas} replica(s): global batch {batch:,}, rate {rate:g}")
    run.assert_printed("  8 replica(s): global batch 256, rate 0.08")  # Exercise 1's answer


def test_trains_the_chapters_pattern_inside_the_scope(run):
    assert re.search(r"^1 epoch in \d+\.\d s: accuracy \d\.\d{3}$", run.text, re.MULTILINE)
    run.assert_printed("each weight of the model is a ResourceVariable")


def test_a_fresh_process_with_the_cpu_split_in_two_gets_mirrored_strategy(run):
    run.assert_printed(
        "distribute: MirroredStrategy, 2 replicas "
        "(the CPU split into 2 logical devices; they share its cores)"
    )


def test_writes_tf_config_for_two_machines_and_the_chooser_reads_each(run):
    for index in range(2):
        tf_config = json.dumps(
            {
                "cluster": {"worker": ["host0:12345", "host1:12345"]},
                "task": {"type": "worker", "index": index},
            }
        )
        run.assert_printed(
            f"machine {index}: export TF_CONFIG='{tf_config}'",
            f"  chosen: TF_CONFIG names 2 workers; this is worker {index}",
        )


@pytest.mark.parametrize("path", RECORDED, ids=[p.stem for p in RECORDED])
def test_every_recorded_section_is_shown_as_the_renderer_renders_it(run, path):
    results = json.loads(path.read_text())
    run.assert_printed(f"**{path.stem}**\n\n{benchmarks.section_markdown(results, 'distribute')}")


def test_says_so_while_no_machine_has_recorded_it(run):
    said = "no machine has recorded this yet (make bench BENCH=distribute)" in run.text
    assert said == (not RECORDED)
