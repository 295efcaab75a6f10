"""Grading submissions of the assignments with ``otter run`` (no Docker), one CSV of scores.

    python -m tools.grading SUBMISSIONS [--autograders DIR] [--out CSV] [--jobs N]
                                        [--cell-timeout S] [--timeout S]
        grade every notebook (or otter zip) under SUBMISSIONS and write one CSV row per student
        and question. A student is the first folder under SUBMISSIONS (SUBMISSIONS/<student>/...)
        or, for files directly in it, the file name. Relative paths are taken from the folder
        the command is run in. The autograders are what ``python -m tools.assign build``
        (``make assignments``) wrote, in _build/assignments by default.

Grading survives bad submissions: each is read once (an unreadable one scores zero, with the
reason), runs in its own process and temporary folder, each cell may run for at most
--cell-timeout seconds (a stuck cell raises TimeoutError, so only the questions that need it
lose points) and a whole submission for at most --timeout seconds (it then scores zero, with the
reason in the CSV's `note` column).
"""

from __future__ import annotations

import argparse
import concurrent.futures
import csv
import json
import os
import re
import signal
import subprocess
import sys
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path

import nbformat

from cnnbook.assignments import NAMES
from tools.assign import OTTER, ROOT, autograder_zip

GUARD = """\
# Inserted by cnnbook's grader: each cell may run for at most {limit} s.
import signal as _cnnbook_signal


def _cnnbook_out_of_time(signum, frame):
    _cnnbook_signal.alarm({limit})  # re-armed: a later stuck test is stopped as well
    raise TimeoutError("stopped by the grader after {limit} s")


_cnnbook_signal.signal(_cnnbook_signal.SIGALRM, _cnnbook_out_of_time)
get_ipython().events.register("pre_run_cell", lambda *_: _cnnbook_signal.alarm({limit}))
get_ipython().events.register("post_run_cell", lambda *_: _cnnbook_signal.alarm(0))
"""


@dataclass
class Submission:
    """One handed-in file, read once: its notebook (None when unreadable) and assignment."""

    student: str
    path: Path
    notebook: nbformat.NotebookNode | None
    assignment: str | None


def _notebook_of(path: Path) -> nbformat.NotebookNode | None:
    try:
        if path.suffix == ".zip":
            with zipfile.ZipFile(path) as zf:
                names = [n for n in zf.namelist() if n.endswith(".ipynb")]
                if len(names) != 1:
                    return None
                return nbformat.reads(zf.read(names[0]).decode(), as_version=4)
        return nbformat.read(path, as_version=4)
    except Exception:  # unreadable: graded as zero, with the reason
        return None


def assignment_of(path: Path, nb: nbformat.NotebookNode | None) -> str | None:
    """The assignment a submission answers: otter's metadata, else its file name."""
    if nb is not None:
        name = nb.metadata.get("otter", {}).get("assignment_name")
        if name in NAMES:
            return name
    for name in sorted(NAMES, key=len, reverse=True):
        if path.name.startswith(name):
            return name
    return None


def find_submissions(folder: Path) -> list[Submission]:
    found = []
    for path in sorted(folder.rglob("*")):
        if path.suffix not in (".ipynb", ".zip") or not path.is_file():
            continue
        if ".ipynb_checkpoints" in path.parts:
            continue
        relative = path.relative_to(folder)
        student = relative.parts[0] if len(relative.parts) > 1 else path.stem
        notebook = _notebook_of(path)
        found.append(Submission(student, path, notebook, assignment_of(path, notebook)))
    return found


def _guarded_copy(sub: Submission, workdir: Path, cell_timeout: int) -> Path:
    """A copy of the notebook with the time-limit cell first (a zip's notebook, unpacked)."""
    nb = nbformat.from_dict(sub.notebook)
    submission = sub.path
    guard = nbformat.v4.new_code_cell(GUARD.format(limit=int(cell_timeout)))
    nb.cells.insert(0, guard)
    target = workdir / (submission.stem if submission.suffix == ".ipynb" else "submission")
    target = target.with_suffix(".ipynb")
    nbformat.write(nb, target)
    return target


def _max_scores(autograder: Path) -> dict[str, float]:
    """Question -> points possible, read from the autograder's test files."""
    scores = {}
    with zipfile.ZipFile(autograder) as zf:
        for member in zf.namelist():
            if member.startswith("tests/") and member.endswith(".py"):
                text = zf.read(member).decode()
                points = re.search(r"^points = (\S+)", text, re.MULTILINE)
                scores[Path(member).stem] = float(points.group(1)) if points else 0.0
    return scores


def grade_one(sub: Submission, autograders: Path, cell_timeout: int, timeout: int) -> list[dict]:
    """Grade one submission in its own process; never raises. One row per question."""
    rows, note, problem = [], "", None
    if sub.notebook is None:
        problem = "not a readable notebook (or a zip with exactly one notebook)"
    elif sub.assignment is None:
        problem = "no assignment recognised (otter metadata or file name)"
    if problem:
        row = dict(student=sub.student, assignment=sub.assignment or "?", question="total")
        return [{**row, "score": 0, "possible": 0, "note": f"{sub.path.name}: {problem}"}]
    autograder = autograder_zip(autograders, sub.assignment)
    possible = _max_scores(autograder)
    earned = dict.fromkeys(possible, 0.0)
    with tempfile.TemporaryDirectory(prefix="cnnbook-grade-") as tmp:
        work = Path(tmp)
        try:
            notebook = _guarded_copy(sub, work, cell_timeout)
            process = subprocess.Popen(
                [OTTER, "run", "--no-logo", "-a", str(autograder), "-o", str(work), notebook.name],
                cwd=work,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                text=True,
                start_new_session=True,  # its kernel too: a timeout kills the whole group
            )
            try:
                log, _ = process.communicate(timeout=timeout)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.communicate()
                raise TimeoutError(f"grading took longer than {timeout} s") from None
            results = work / "results.json"
            if not results.exists():
                tail = log.strip().splitlines()[-1:] or ["no output"]
                raise RuntimeError(f"otter run gave no results ({tail[0][:200]})")
            for test in json.loads(results.read_text()).get("tests", []):
                question = test.get("name", "").split(" - ")[0]
                if question in earned:
                    earned[question] += float(test.get("score") or 0)
        except Exception as error:  # this submission scores what it scored, the rest go on
            note = f"{type(error).__name__}: {error}"
    for question, points in possible.items():
        rows.append(
            dict(
                student=sub.student,
                assignment=sub.assignment,
                question=question,
                score=round(earned[question], 4),
                possible=points,
                note="",
            )
        )
    rows.append(
        dict(
            student=sub.student,
            assignment=sub.assignment,
            question="total",
            score=round(sum(earned.values()), 4),
            possible=sum(possible.values()),
            note=note,
        )
    )
    return rows


FIELDS = ["student", "assignment", "question", "score", "possible", "note"]


def grade(
    folder: Path,
    autograders: Path,
    out: Path,
    jobs: int = 1,
    cell_timeout: int = 600,
    timeout: int = 3600,
) -> list[dict]:
    # Graded from temporary folders: relative paths are resolved from the caller's folder first.
    folder, autograders, out = (
        Path(folder).resolve(),
        Path(autograders).resolve(),
        Path(out).resolve(),
    )
    submissions = find_submissions(folder)
    if not submissions:
        raise SystemExit(f"no .ipynb or .zip submissions under {folder}")
    missing = {s.assignment for s in submissions if s.assignment} - {
        n for n in NAMES if autograder_zip(autograders, n).exists()
    }
    if missing:
        raise SystemExit(f"no autograder for {sorted(missing)} in {autograders}: make assignments")
    with concurrent.futures.ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
        graded = list(
            pool.map(lambda s: grade_one(s, autograders, cell_timeout, timeout), submissions)
        )
    rows = [row for rows in graded for row in rows]
    out.parent.mkdir(parents=True, exist_ok=True)
    with open(out, "w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=FIELDS)
        writer.writeheader()
        writer.writerows(rows)
    for row in rows:
        if row["question"] == "total":
            note = f"  ({row['note']})" if row["note"] else ""
            print(
                f"{row['student']:>20} {row['assignment']:<28} "
                f"{row['score']:g} / {row['possible']:g}{note}"
            )
    print(f"Scores per student and question: {out}")
    return rows


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("submissions", type=Path, help="SUBMISSIONS/<student>/<notebook or zip>")
    parser.add_argument(
        "--autograders",
        type=Path,
        default=ROOT / "_build" / "assignments",
        help="where `python -m tools.assign build` wrote them (default: _build/assignments)",
    )
    parser.add_argument(
        "--out",
        type=Path,
        default=ROOT / "_build" / "grades.csv",
        help="the CSV of scores (default: _build/grades.csv)",
    )
    parser.add_argument("--jobs", type=int, default=1, help="submissions graded at once")
    parser.add_argument(
        "--cell-timeout",
        type=int,
        default=600,
        help="seconds a cell may run before it is stopped (default 600)",
    )
    parser.add_argument(
        "--timeout",
        type=int,
        default=3600,
        help="seconds a whole submission may take (default 3600)",
    )
    args = parser.parse_args(argv)
    grade(args.submissions, args.autograders, args.out, args.jobs, args.cell_timeout, args.timeout)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
