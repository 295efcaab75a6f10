"""``python -m bench [SECTION ...] [--smoke] [--repeats N]``: run benchmarks, merge, report.

Sections: machine (always), kernels, models, pipeline, autotune, acceleration, chapters-smoke,
chapters-full, book, ci.
With no section, all but chapters-full, book and ci (the three that execute the whole book in
full mode; ask for them by name; ci runs ``.ci/run`` on a fresh clone of the commit). Results
merge into ``bench/results/<machine>.json``; a markdown table of everything recorded for the
machine is written next to it.
"""

from __future__ import annotations

import argparse
import datetime
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DEFAULT = ["kernels", "models", "pipeline", "autotune", "acceleration", "chapters-smoke"]
ALL = [*DEFAULT, "chapters-full", "book", "ci"]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.split("\n")[0])
    parser.add_argument(
        "sections",
        nargs="*",
        metavar="SECTION",
        help=f"any of {', '.join(ALL)} (default: {', '.join(DEFAULT)})",
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
    args = parser.parse_args(argv)
    unknown = sorted(set(args.sections) - set(ALL))
    if unknown:
        parser.error(f"unknown section(s) {unknown}; choose from {', '.join(ALL)}")
    sections = args.sections or DEFAULT
    repeats = args.repeats or (2 if args.smoke else 7)
    if repeats < 2 or args.chapter_repeats < 2:
        parser.error("--repeats and --chapter-repeats must be at least 2: one timing has no spread")

    import cnnbook

    cnnbook.setup(verbose=False)
    from bench import chapters, ci, kernels, machine, models, pipeline, report

    info = machine.describe()
    out_dir = args.out or (report.RESULTS if not args.smoke else ROOT / "_build" / "bench")
    path = out_dir / f"{machine.slug(info)}{'-smoke' if args.smoke else ''}.json"
    results = report.load(path)
    # One file per machine kind (cpu-2-cores) may hold sections measured on different CPU
    # models over time: each section names the CPU it ran on.
    report.stamp_cpu(results)
    results["machine"] = info
    stamp = datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds")

    commit = machine.commit()

    def record(name, value, started):
        results[name] = value | {
            "recorded": stamp,
            "commit": commit,
            "seconds": time.perf_counter() - started,
            "note": args.note,
            "cpu": info["cpu"],
        }
        report.save(path, results)
        print(f"[bench] {name} done in {time.perf_counter() - started:.0f} s", flush=True)

    print(f"[bench] {info['cpu']} ({info['cores']} cores), GPU: {info['gpu'] or 'none'}")
    if "kernels" in sections:
        t = time.perf_counter()
        small = dict(channels=(16, 64), filter_sizes=(3,)) if args.smoke else {}
        record(
            "kernels",
            {
                "bottleneck": kernels.bottleneck(
                    repeats=repeats,
                    **({"channels": (64,), "filter_sizes": (5,)} if args.smoke else {}),
                ),
                "separable": kernels.separable(repeats=repeats, **small),
            },
            t,
        )
    if "models" in sections or "pipeline" in sections:
        t = time.perf_counter()
        steps = 2 if args.smoke else 10
        throughput = models.training_throughput(
            steps=steps, repeats=repeats, seconds=0 if args.smoke else 6.0
        )
        peak = machine.matmul_peak(size=512 if args.smoke else 2048, repeats=repeats)
        record(
            "models",
            {
                "throughput": throughput,
                "matmul_peak": peak,
                "achieved": models.achieved_fraction(throughput, peak),
            },
            t,
        )
    if "pipeline" in sections:
        t = time.perf_counter()
        from cnnbook.data import locate

        source = locate("sign-language-digits")
        measured = pipeline.throughput(source.image_dir, size=64, epochs=3 if args.smoke else 4)
        consumes = next(r for r in results["models"]["throughput"] if r["model"] == "ResNet-50")
        measured["model_consumes"] = consumes["median_ours"]
        measured["model"] = f"ResNet-50 (ours) at {consumes['input']}x{consumes['input']}"
        measured["tuned_over_model"] = measured["tuned"]["median"] / consumes["median_ours"]
        measured["data"] = source.name
        record("pipeline", measured, t)
    if "autotune" in sections:
        t = time.perf_counter()
        record("autotune", models.autotune_wait(repeats=repeats), t)
    if "acceleration" in sections:
        t = time.perf_counter()
        # Few steps: float16 on a CPU is emulated and very slow.
        rows = models.acceleration_effect(steps=2 if args.smoke else 6, repeats=min(repeats, 3))
        from cnnbook import acceleration

        decision = acceleration.choose(acceleration.detect())
        record("acceleration", {"rows": rows, "decision": decision.reason}, t)
    for mode in ("smoke", "full"):
        if f"chapters-{mode}" in sections:
            t = time.perf_counter()
            old = [r for r in results.get("chapters", {}).get("rows", []) if r["mode"] != mode]
            rows = chapters.chapter_runs(mode, repeats=args.chapter_repeats)
            record("chapters", {"rows": old + rows}, t)
    if "book" in sections:
        t = time.perf_counter()
        previous = [
            run
            for run in book_runs(results.get("book"))
            if machine.same_book_inputs(run.get("commit", ""))
        ]
        if previous:
            print(f"[bench] book: keeping {len(previous)} earlier run(s) of the same chapters")
        book = chapters.book_builds(previous=previous)
        book["runs"][-1]["commit"] = commit
        record("book", book, t)

    if "ci" in sections:
        t = time.perf_counter()
        record("ci", ci.fresh_clone_ci(ROOT.parent / "shared"), t)

    markdown = path.with_suffix(".md")
    markdown.write_text(report.markdown(results) + "\n")
    print(f"[bench] wrote {path} and {markdown.name}")
    failed = [
        r["chapter"] for r in results.get("chapters", {}).get("rows", []) if r["returncode"] != 0
    ]
    if failed:
        print(f"[bench] chapters that failed: {failed}", file=sys.stderr)
    return 1 if failed else 0


def book_runs(section: dict | None) -> list[dict]:
    """The runs a recorded book section holds."""
    return section["runs"] if section else []


if __name__ == "__main__":
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    sys.exit(main())
