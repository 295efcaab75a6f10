"""Grading a whole class: submissions per minute and peak memory of ``make grade``.

A class of generated submissions of the NumPy assignment (conv-step-by-step) is graded by the
command ``make grade`` runs (``python -m tools.grading``, every submission in its bubblewrap
sandbox) with 1 and with 2 jobs. The class is a mix a course sees:

- most are the reference solution (the honest students);
- some carry one mistake of ``tests/broken_solutions/conv-step-by-step`` (the wrong answers);
- a few attack the grader: read the other students' notebooks, open a socket, exit midway,
  loop forever, fork without end, allocate without end (the adversarial ones; each is stopped
  by the sandbox or a limit, and an endless loop costs its cell's time limit).

The same class is graded twice, 1 job first, so both runs meet the same submissions. Peak
memory is the largest total resident memory of the grader's process tree, sampled every 0.1 s
(``bench.chapters.run_measured``). The section also times each assignment's reference
solution graded alone (one job, smoke sizes, as ``make broken`` grades): the grading time per
submission of every assignment.
"""

from __future__ import annotations

import csv
import os
import sys
import tempfile
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
NAME = "conv-step-by-step"
CLASS_SIZE = {"full": 100, "smoke": 6}
ADVERSARIAL_SHARE, WRONG_SHARE = 0.08, 0.22  # the rest are honest
# Limits as a course would set them for this assignment: far above what an honest kernel needs
# (about 10 s of CPU, most of it importing TensorFlow), short enough that attacks end soon.
TIMEOUT, CELL_TIMEOUT, CPU_LIMIT, MEMORY_GIB, PROCESSES = 180, 30, 60, 3, 128

# Each attack is one code cell inserted after the bootstrap; the sandbox or a limit stops it.
ATTACKS = {
    "reads-others": (
        "import glob\nstolen = glob.glob('/**/*.ipynb', recursive=True)\n"
        "print(len(stolen), 'notebooks seen')"
    ),
    "opens-socket": (
        "import socket\ntry:\n    socket.create_connection(('1.1.1.1', 80), timeout=3)\n"
        "except OSError as error:\n    print('no network:', error)"
    ),
    "exits-midway": "import sys\nsys.exit(0)",
    "endless-loop": "while True:\n    pass",
    "fork-bomb": (
        "import os\ntry:\n    while True:\n        if os.fork() == 0:\n"
        "            import time\n            time.sleep(60)\n            os._exit(0)\n"
        "except OSError as error:\n    print('stopped:', error)"
    ),
    "memory-hog": "hog = []\nwhile True:\n    hog.append(bytearray(2**26))",
}


def mistakes() -> list[Path]:
    from tools.assign import BROKEN

    return sorted((BROKEN / NAME).glob("*.py"))


def class_of(size: int) -> list[tuple[str, str]]:
    """(student, kind) for a class of ``size``: honest, each mistake in turn, each attack."""
    attacks = max(1, round(size * ADVERSARIAL_SHARE))
    wrong = max(1, round(size * WRONG_SHARE))
    cases = mistakes()
    kinds = [f"attack:{list(ATTACKS)[i % len(ATTACKS)]}" for i in range(attacks)]
    kinds += [f"wrong:{cases[i % len(cases)].stem}" for i in range(wrong)]
    kinds += ["honest"] * (size - len(kinds))
    return [(f"student-{i:03d}", kind) for i, kind in enumerate(kinds)]


def write_class(solution_path: Path, folder: Path, size: int) -> Counter:
    """Write the class's notebooks under ``folder``/<student>/; return the count of kinds."""
    import nbformat

    from tools.assign import with_mistake

    solution = nbformat.read(solution_path, as_version=4)
    by_stem = {case.stem: case for case in mistakes()}
    kinds = Counter()
    for student, kind in class_of(size):
        what, _, detail = kind.partition(":")
        if what == "wrong":
            nb = with_mistake(solution, by_stem[detail])
        else:
            nb = nbformat.from_dict(solution)
            if what == "attack":
                nb.cells.insert(1, nbformat.v4.new_code_cell(ATTACKS[detail]))
        (folder / student).mkdir(parents=True)
        nbformat.write(nb, folder / student / f"{NAME}.ipynb")
        kinds[what] += 1
    return kinds


def _totals(csv_path: Path, column: str = "score") -> dict[str, float]:
    """{student: total score} (or the total possible) from the grades CSV."""
    with open(csv_path) as handle:
        return {
            row["student"]: float(row[column])
            for row in csv.DictReader(handle)
            if row["question"] == "total"
        }


def _grade_command(folder: Path, autograders: Path, out: Path, jobs: int) -> list[str]:
    return [
        sys.executable,
        "-m",
        "tools.grading",
        str(folder),
        "--autograders",
        str(autograders),
        "--out",
        str(out),
        "--jobs",
        str(jobs),
        "--timeout",
        str(TIMEOUT),
        "--cell-timeout",
        str(CELL_TIMEOUT),
        "--cpu-limit",
        str(CPU_LIMIT),
        "--memory-limit",
        str(MEMORY_GIB),
        "--process-limit",
        str(PROCESSES),
    ]


def _graded(folder: Path, autograders: Path, out: Path, jobs: int) -> dict:
    """Run the grading command; its wall time and peak memory (PSS: a fork bomb's copies
    share their parent's pages, and summed RSS made 128 of them 33 GiB on a 24 GiB machine)."""
    from bench.chapters import run_measured

    env = {**os.environ, "CNNBOOK_SMOKE": "1"}
    command = _grade_command(folder, autograders, out, jobs)
    run = run_measured(command, cwd=ROOT, env=env, timeout=4 * 3600, pss=True)
    if run["returncode"] != 0:
        raise RuntimeError(f"grading exited {run['returncode']}:\n{run['log_tail']}")
    return run


def measure(options, results: dict) -> dict:
    """The grading section: one class graded with 1 and 2 jobs, each assignment's solution."""
    from cnnbook.assignments import NAMES
    from tools.assign import otter_assign

    size = CLASS_SIZE["smoke" if options.smoke else "full"]
    with tempfile.TemporaryDirectory(prefix="cnnbook-grading-") as scratch:
        scratch = Path(scratch)
        autograders = scratch / "autograders"
        for name in NAMES:
            print(f"[bench] grading: otter assign {name}", flush=True)
            otter_assign(name, autograders / name)
        folder = scratch / "class"
        kinds = write_class(autograders / NAME / "autograder" / f"{NAME}.ipynb", folder, size)
        runs, scores = [], {}
        for jobs in (1, 2):
            print(f"[bench] grading: {size} submissions, {jobs} job(s)", flush=True)
            out = scratch / f"grades-{jobs}.csv"
            run = _graded(folder, autograders, out, jobs)
            scores[jobs] = _totals(out)
            runs.append(
                {
                    "jobs": jobs,
                    "seconds": run["seconds"],
                    "per_minute": 60 * size / run["seconds"],
                    "peak_pss_mib": run["peak_pss_mib"],
                }
            )
        solutions = []
        for name in NAMES:
            alone = scratch / "alone" / name
            (alone / "reference").mkdir(parents=True)
            source = autograders / name / "autograder" / f"{name}.ipynb"
            (alone / "reference" / f"{name}.ipynb").write_bytes(source.read_bytes())
            print(f"[bench] grading: the {name} solution alone", flush=True)
            out = scratch / f"alone-{name}.csv"
            run = _graded(alone, autograders, out, 1)
            solutions.append(
                {
                    "assignment": name,
                    "seconds": run["seconds"],
                    "score": _totals(out)["reference"],
                    "possible": _totals(out, "possible")["reference"],
                    "peak_pss_mib": run["peak_pss_mib"],
                }
            )
    honest = [s for s, kind in class_of(size) if kind == "honest"]
    return {
        "assignment": NAME,
        "submissions": size,
        "kinds": dict(kinds),
        "limits": {
            "timeout_s": TIMEOUT,
            "cell_timeout_s": CELL_TIMEOUT,
            "cpu_s": CPU_LIMIT,
            "memory_gib": MEMORY_GIB,
            "processes": PROCESSES,
        },
        "runs": runs,
        "same_scores_with_1_and_2_jobs": scores[1] == scores[2],
        "honest_full_marks": sum(scores[2][s] == max(scores[2].values()) for s in honest),
        "honest": len(honest),
        "solutions": solutions,
    }
