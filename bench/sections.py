"""The benchmark sections as one table: what each measures and where.

Adding a section is a function that measures (in the module of its kind), one that renders
(in ``cnnbook.benchmarks``, whose table of renderers the Performance appendix and the markdown
report both walk) and one row of ``SECTIONS`` here, which ``python -m bench`` walks. The
measuring functions are named, not imported: they load TensorFlow, which must wait for
``cnnbook.setup()``, and the command line needs the table before that.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass


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
    default: bool = True  # run with no section named
    needs: tuple[str, ...] = ()  # sections measured first whenever this one is

    def run(self, options: Options, results: dict) -> dict:
        module, function = self.measure.split(":")
        return getattr(importlib.import_module(module), function)(options, results)


SECTIONS = (
    Section("kernels", "kernels", "bench.kernels:measure"),
    Section("models", "models", "bench.models:measure_throughput"),
    Section("pipeline", "pipeline", "bench.pipeline:measure", needs=("models",)),
    Section("autotune", "autotune", "bench.models:measure_autotune"),
    Section(
        "acceleration",
        "acceleration",
        "bench.models:measure_acceleration",
    ),
    Section("distribute", "distribute", "bench.distribute:measure"),
    Section("export", "export", "bench.export:measure", default=False),
    Section("grading", "grading", "bench.grading:measure", default=False),
    Section("head-to-head", "head_to_head", "bench.head_to_head:measure"),
    Section("recipe", "recipe", "bench.recipe:measure", default=False),
    Section("chapters-smoke", "chapters", "bench.chapters:measure_smoke"),
    Section(
        "chapters-full",
        "chapters",
        "bench.chapters:measure_full",
        default=False,
    ),
    Section("book", "book", "bench.chapters:measure_book", default=False),
    Section("ci", "ci", "bench.ci:measure", default=False),
)
BY_NAME = {section.name: section for section in SECTIONS}
DEFAULT = [s.name for s in SECTIONS if s.default]
ALL = [s.name for s in SECTIONS]


def to_run(names: list[str]) -> list[Section]:
    """The sections ``names`` asks for, with those they need, in the table's order."""
    wanted = set(names)
    for name in names:
        wanted |= set(BY_NAME[name].needs)
    return [s for s in SECTIONS if s.name in wanted]
