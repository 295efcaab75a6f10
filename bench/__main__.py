"""``python -m bench [SECTION ...] [--smoke] [--repeats N]``: run benchmarks, merge, report.

Sections: machine (always), kernels, models, pipeline, autotune, acceleration, distribute,
export, head-to-head, recipe, chapters-smoke, chapters-full, book, ci.
With no section, all but export, recipe (the transfer-learning recipe, about 40 minutes on 2
shared cores), chapters-full, book and ci (the three that execute the whole book in full mode;
ci runs ``.ci/run`` on a fresh clone of the commit): ask for them by name. Results
merge into ``bench/results/<machine>.json``; a markdown table of everything recorded for the
machine is written next to it.
"""

from __future__ import annotations

import argparse
import datetime
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _parser(default: list[str], every: list[str]) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.split("\n")[0])
    parser.add_argument(
        "sections",
        nargs="*",
        metavar="SECTION",
        help=f"any of {', '.join(every)} (default: {', '.join(default)})",
    )
    parser.add_argument(
        "--smoke",
        action="store_true",
        help="tiny sizes and 2 repeats: checks that the suite runs, not speed",
    )
    parser.add_argument("--repeats", type=int, default=None, help="timed repeats per figure")
    parser.add_argument(
        "--chapter-repeats",
        type=int,
        default=2,
        help="runs of each chapter in chapters-smoke and chapters-full (default 2)",
    )
    parser.add_argument("--out", type=Path, default=None, help="results folder")
    parser.add_argument(
        "--note", default="", help="conditions worth knowing, kept with each section it records"
    )
    return parser


def main(argv: list[str] | None = None) -> int:
    # The section table loads no TensorFlow: `--help` and typos answer at once.
    from bench import machine, report, sections
    from bench.sections import ALL, DEFAULT
    from cnnbook import benchmarks

    parser = _parser(DEFAULT, ALL)
    args = parser.parse_args(argv)
    unknown = sorted(set(args.sections) - set(ALL))
    if unknown:
        parser.error(f"unknown section(s) {unknown}; choose from {', '.join(ALL)}")
    repeats = args.repeats or (2 if args.smoke else 7)
    if repeats < 2 or args.chapter_repeats < 2:
        parser.error("--repeats and --chapter-repeats must be at least 2: one timing has no spread")

    import cnnbook

    cnnbook.setup(verbose=False)

    info = machine.describe()
    out_dir = args.out or (report.RESULTS if not args.smoke else ROOT / "_build" / "bench")
    path = out_dir / f"{machine.slug(info)}{'-smoke' if args.smoke else ''}.json"
    results = report.load(path)
    # One file per machine kind (cpu-2-cores) may hold sections measured on different CPU
    # models over time: each section names the CPU it ran on.
    report.stamp_cpu(results)
    results["machine"] = info
    stamp = datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds")
    options = sections.Options(args.smoke, repeats, args.chapter_repeats, machine.commit())

    print(f"[bench] {info['cpu']} ({info['cores']} cores), GPU: {info['gpu'] or 'none'}")
    for section in sections.to_run(args.sections or DEFAULT):
        started = time.perf_counter()
        measured = section.run(options, results)
        results = report.save_section(
            path,
            section.key,
            measured
            | {
                "recorded": stamp,
                "commit": options.commit,
                "seconds": time.perf_counter() - started,
                "note": args.note,
                "cpu": info["cpu"],
            },
            info,
        )
        print(f"[bench] {section.name} done in {time.perf_counter() - started:.0f} s", flush=True)

    markdown = path.with_suffix(".md")
    markdown.write_text(benchmarks.report(results) + "\n")
    print(f"[bench] wrote {path} and {markdown.name}")
    failed = [
        r["chapter"] for r in results.get("chapters", {}).get("rows", []) if r["returncode"] != 0
    ]
    if failed:
        print(f"[bench] chapters that failed: {failed}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
