"""The benchmark sections as one table: what each measures and how the report shows it.

Adding a section is a function that measures (in the module of its kind), one that renders
(in ``bench.report``) and one row of ``SECTIONS``; ``python -m bench`` and the markdown report
both walk this table. The measuring functions are named, not imported: they load TensorFlow,
which must wait for ``cnnbook.setup()``, and the command line needs the table before that.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass

from bench import report


@dataclass(frozen=True)
class Options:
    """What every measurement may ask of the command line and of the run."""

    smoke: bool  # tiny sizes: the suite runs, the figures mean nothing
    repeats: int  # timed repeats per figure
    chapter_repeats: int  # runs of each chapter
    commit: str  # the commit measured


@dataclass(frozen=True)
class Section:
    name: str  # on the command line
    key: str  # in the results file (chapters-smoke and chapters-full share "chapters")
    measure: str  # "module:function", (options, results so far) -> the section
    render: Callable[[dict, dict], list[str]]  # (section, machine) -> markdown lines
    default: bool = True  # run with no section named
    needs: tuple[str, ...] = ()  # sections measured first whenever this one is

    def run(self, options: Options, results: dict) -> dict:
        module, function = self.measure.split(":")
        return getattr(importlib.import_module(module), function)(options, results)


SECTIONS = (
    Section("kernels", "kernels", "bench.kernels:measure", report.render_kernels),
    Section("models", "models", "bench.models:measure_throughput", report.render_models),
    Section(
        "pipeline", "pipeline", "bench.pipeline:measure", report.render_pipeline, needs=("models",)
    ),
    Section("autotune", "autotune", "bench.models:measure_autotune", report.render_autotune),
    Section(
        "acceleration",
        "acceleration",
        "bench.models:measure_acceleration",
        report.render_acceleration,
    ),
    Section("chapters-smoke", "chapters", "bench.chapters:measure_smoke", report.render_chapters),
    Section(
        "chapters-full",
        "chapters",
        "bench.chapters:measure_full",
        report.render_chapters,
        default=False,
    ),
    Section("book", "book", "bench.chapters:measure_book", report.render_book, default=False),
    Section("ci", "ci", "bench.ci:measure", report.render_ci, default=False),
)
BY_NAME = {section.name: section for section in SECTIONS}
DEFAULT = [s.name for s in SECTIONS if s.default]
ALL = [s.name for s in SECTIONS]
# The report's order: what a reader of the Performance appendix looks for first.
REPORT_ORDER = ("chapters", "book", "ci", "models", "acceleration", "autotune", "pipeline")
REPORT_ORDER += ("kernels",)


def to_run(names: list[str]) -> list[Section]:
    """The sections ``names`` asks for, with those they need, in the table's order."""
    wanted = set(names)
    for name in names:
        wanted |= set(BY_NAME[name].needs)
    return [s for s in SECTIONS if s.name in wanted]


def markdown(results: dict) -> str:
    """The figures of one machine as markdown tables (what the appendix also shows)."""
    lines = report.heading(results["machine"])
    renderers = {s.key: s.render for s in SECTIONS}
    for key in REPORT_ORDER:
        if key in results:
            lines += renderers[key](results[key], results["machine"])
    return "\n".join(lines)
