"""Grading submissions of the assignments with ``otter run`` (no Docker), one CSV of scores.

    python -m tools.grading SUBMISSIONS [--autograders DIR] [--out CSV] [--jobs N]
                                        [--cell-timeout S] [--timeout S] [--cpu-limit S]
                                        [--memory-limit GIB] [--process-limit N] [--no-sandbox]
        grade every notebook (or otter zip) under SUBMISSIONS and write one CSV row per student
        and question. A student is the first folder under SUBMISSIONS (SUBMISSIONS/<student>/...)
        or, for files directly in it, the file name. Relative paths are taken from the folder
        the command is run in. The autograders are what ``python -m tools.assign build``
        (``make assignments``) wrote, in _build/assignments by default.

Grading survives bad submissions: each is read once (an unreadable one scores zero, with the
reason), runs in its own sandbox (``tools.sandbox``: no network, no view of the other
submissions, the other autograders, the grades or the repository's tests and instructor
notebooks, limits on CPU, memory and processes), each cell may run for at most --cell-timeout
seconds (a stuck cell raises TimeoutError, so only the questions that need it lose points) and a
whole submission for at most --timeout seconds. A submission stopped by a limit keeps the points
of the questions checked before it stopped and scores zero on the rest; the CSV's ``reason``
column says which limit (or what the sandbox refused), the ``note`` column gives details.
``--no-sandbox`` grades as plain processes with your rights, for machines without bubblewrap:
unsafe with submissions you do not trust.

What the sandbox cannot stop: the student's code runs in the same Python process as the
autograder's tests (otter runs the tests in the notebook's kernel), so it can read this
assignment's hidden tests and change what they see or report (monkeypatching NumPy, otter or the
results). See README.md, "Assignments (instructors)".
"""

from __future__ import annotations

import argparse
import collections
import concurrent.futures
import csv
import itertools
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import nbformat

from cnnbook.assignments import NAMES
from tools import sandbox
from tools.assign import MASTERS, OTTER, ROOT, autograder_zip

GUARD = """\
# Inserted by cnnbook's grader: each cell may run for at most {limit} s; after each cell
# the questions checked so far and what stopped a cell are saved for the grader, which
# reads them when the notebook does not finish.
import json as _cnnbook_json
import os as _cnnbook_os
import signal as _cnnbook_signal

_cnnbook_kernel, _cnnbook_events, _cnnbook_exit = _cnnbook_os.getpid(), [], _cnnbook_os._exit


def _cnnbook_out_of_time(signum, frame):
    _cnnbook_signal.alarm({limit})  # re-armed: a later stuck test is stopped as well
    raise TimeoutError("stopped by the grader after {limit} s")


def _cnnbook_kind(error):
    import errno, socket

    number = getattr(error, "errno", None)
    if isinstance(error, MemoryError):
        return "memory"
    if isinstance(error, TimeoutError) and "stopped by the grader" in str(error):
        return "cell-time"
    if number == errno.EAGAIN or "can't start new thread" in str(error):
        return "processes"
    if isinstance(error, (socket.gaierror, ConnectionRefusedError)) or number in (
        errno.ENETUNREACH, errno.EHOSTUNREACH, errno.ENETDOWN, errno.EADDRNOTAVAIL
    ):
        return "network"
    if isinstance(error, PermissionError) or number == errno.EROFS:
        return "denied"
    if isinstance(error, SystemExit):
        return "sys-exit"
    return None


def _cnnbook_save(event=None):
    if _cnnbook_os.getpid() != _cnnbook_kernel:  # a fork of the kernel: it is no kernel
        _cnnbook_exit(0)
    if event and event not in _cnnbook_events:
        _cnnbook_events.append(event)
    from otter.execute import Checker

    scores = {{t.name: t.score for t in Checker.get_results()}}
    with open({progress!r}, "w") as handle:
        _cnnbook_json.dump({{"scores": scores, "events": _cnnbook_events}}, handle)


def _cnnbook_reap():
    # Out of processes (a fork bomb): in the sandbox, whose /proc shows only the sandbox, stop
    # every process but the kernel and those that started it, so the notebook can go on.
    keep, pid = {{1}}, _cnnbook_kernel
    while pid > 1:
        keep.add(pid)
        with open(f"/proc/{{pid}}/stat") as handle:
            pid = int(handle.read().rsplit(")", 1)[1].split()[1])
    for _ in range(200):
        strays = [int(p) for p in _cnnbook_os.listdir("/proc") if p.isdigit()]
        strays = [p for p in strays if p not in keep]
        if not strays:
            break
        for stray in strays:
            try:
                _cnnbook_os.kill(stray, _cnnbook_signal.SIGKILL)
            except OSError:
                pass
        try:  # the kernel's own children, dead now, must be waited for to free their slots
            while _cnnbook_os.waitpid(-1, _cnnbook_os.WNOHANG)[0]:
                pass
        except ChildProcessError:
            pass


def _cnnbook_after(result=None):
    _cnnbook_signal.alarm(0)
    kind = _cnnbook_kind(getattr(result, "error_in_exec", None))
    if kind == "processes" and {reap}:
        _cnnbook_reap()
    _cnnbook_save(kind)


def _cnnbook_cpu(signum, frame):
    _cnnbook_save("cpu")
    _cnnbook_exit(1)


def _cnnbook_exits(status=0):
    if _cnnbook_os.getpid() == _cnnbook_kernel:
        _cnnbook_save("exited")
    _cnnbook_exit(status)


def _cnnbook_forked():
    # A copy of the kernel made by os.fork (a fork bomb's) is no kernel: the first error in
    # its cell ends it (post_run_cell ends it otherwise), so it frees its process slot, and
    # it yields the CPU to the kernel, which stops the others when it runs out of processes.
    get_ipython().showtraceback = lambda *args, **kwargs: _cnnbook_exit(1)
    _cnnbook_os.nice(19)


_cnnbook_os.register_at_fork(after_in_child=_cnnbook_forked)
_cnnbook_os._exit = _cnnbook_exits
_cnnbook_signal.signal(_cnnbook_signal.SIGXCPU, _cnnbook_cpu)
_cnnbook_signal.signal(_cnnbook_signal.SIGALRM, _cnnbook_out_of_time)
get_ipython().events.register("pre_run_cell", lambda *_: _cnnbook_signal.alarm({limit}))
get_ipython().events.register("post_run_cell", _cnnbook_after)
"""

# Where the sandbox sees the files of the submission it grades (its /tmp is its own).
INSIDE = "/grading"
# Largest results or progress file read back from a submission's run (they are its output).
MOST_BYTES = 16 * 2**20


@dataclass(frozen=True)
class Options:
    """How every submission of one grading run is graded (the CLI's flags)."""

    cell_timeout: int = 600
    timeout: int = 3600
    sandboxed: bool = True
    limits: sandbox.Limits = field(default_factory=sandbox.Limits)
    hidden: tuple[Path, ...] = ()  # folders a submission must not see (grading() fills it)


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


def _guarded_copy(
    sub: Submission, target: Path, cell_timeout: int, progress: str, sandboxed: bool
) -> Path:
    """A copy of the notebook with the grader's cell first (a zip's notebook, unpacked), at
    ``target``; ``progress`` is where that cell saves what the notebook earned so far. Only in
    the sandbox does that cell stop stray processes after a fork bomb (elsewhere /proc shows
    the whole machine)."""
    nb = nbformat.from_dict(sub.notebook)
    guard = GUARD.format(limit=int(cell_timeout), progress=progress, reap=bool(sandboxed))
    nb.cells.insert(0, nbformat.v4.new_code_cell(guard))
    nbformat.write(nb, target)
    target.chmod(0o644)
    return target


def _notebook_name(sub: Submission) -> str:
    stem = sub.path.stem if sub.path.suffix == ".ipynb" else "submission"
    return re.sub(r"[^\w.-]", "_", stem) + ".ipynb"


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


def _read_json(path: Path):
    """A submission's output file as JSON, or None (missing, empty, too large or garbled):
    it was written by the submission's own process, so it is data, never trusted code."""
    try:
        if not path.is_file() or not 0 < path.stat().st_size <= MOST_BYTES:
            return None
        return json.loads(path.read_text(errors="replace"))
    except (OSError, ValueError):
        return None


def _number(value) -> float:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return 0.0
    return number if number == number else 0.0  # NaN: no score


def _run(argv: list[str], cwd: Path, env: dict | None, timeout: int) -> tuple[bool, str]:
    """Run ``argv`` in its own process group for at most ``timeout`` s; (timed out, the last
    64 KiB of its output). The output is read as it comes, so no amount of it fills memory."""
    process = subprocess.Popen(
        argv,
        cwd=cwd,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        start_new_session=True,  # a timeout kills the whole group (bwrap kills its sandbox)
    )
    chunks: collections.deque[bytes] = collections.deque(maxlen=8)

    def read():
        for chunk in iter(lambda: process.stdout.read1(8192), b""):
            chunks.append(chunk)

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    timed_out = False
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        timed_out = True
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()
    reader.join(timeout=10)
    return timed_out, b"".join(chunks).decode(errors="replace")


def reasons(events: list[str], options: Options) -> list[str]:
    """What stopped or was refused, in words, from the codes of a run (unknown codes, which a
    submission could write into its progress file, are dropped)."""
    limits = options.limits
    words = {
        "timeout": f"timed out after {options.timeout} s",
        "cpu": f"CPU limit of {limits.cpu} s",
        "memory": f"memory limit of {limits.memory / sandbox.GiB:g} GiB",
        "processes": f"process limit of {limits.processes}",
        "cell-time": f"a cell ran past {options.cell_timeout} s",
        "network": "network blocked",
        "denied": "file access refused",
        "sys-exit": "a cell called sys.exit (only that cell stopped)",
        "exited": "the notebook's process exited (os._exit)",
        "died": "the notebook's process died",
    }
    if not options.sandboxed:  # only the time limits are the grader's there
        for code in ("network", "denied"):
            words.pop(code)
    found = []
    for code in events:
        if isinstance(code, str) and code in words and words[code] not in found:
            found.append(words[code])
    return found


def _sandboxed(
    argv: list[str], autograder: Path, notebook: Path, out: Path, index: int, options: Options
) -> list[str]:
    from cnnbook import paths

    readable = [paths.data_dir(), paths.local_weights_dir()]
    uid = sandbox.uid_for(index)
    sandbox.prepare_writable([out / "results.json", out / "progress.json"], uid)
    return sandbox.command(
        argv,
        readable=[p for p in readable if p is not None],
        files={f"{INSIDE}/autograder.zip": autograder, f"{INSIDE}/{notebook.name}": notebook},
        writable={f"{INSIDE}/out/{n}": out / n for n in ("results.json", "progress.json")},
        hidden=options.hidden,
        limits=options.limits,
        uid=uid,
    )


def _sandbox_env() -> dict[str, str]:
    from cnnbook import paths

    extra = {}
    if paths.data_dir().is_dir():
        extra[paths.DATA_DIR_ENV] = str(paths.data_dir())
    if paths.local_weights_dir() is not None:
        extra[paths.WEIGHTS_DIR_ENV] = str(paths.local_weights_dir())
    return sandbox.environment(extra)


def grade_one(sub: Submission, autograders: Path, options: Options, index: int = 0) -> list[dict]:
    """Grade one submission in its own sandbox (or process); never raises. One row per
    question, and a total; a question it did not finish carries the reason."""
    rows, note, problem = [], "", None
    if sub.notebook is None:
        problem = "not a readable notebook (or a zip with exactly one notebook)"
    elif sub.assignment is None:
        problem = "no assignment recognised (otter metadata or file name)"
    if problem:
        row = dict(student=sub.student, assignment=sub.assignment or "?", question="total")
        return [
            {**row, "score": 0, "possible": 0, "reason": "", "note": f"{sub.path.name}: {problem}"}
        ]
    autograder = autograder_zip(autograders, sub.assignment)
    possible = _max_scores(autograder)
    earned: dict[str, float] = {}
    events: list[str] = []
    with tempfile.TemporaryDirectory(prefix="cnnbook-grade-") as tmp:
        work = Path(tmp)
        out = work / "out"
        out.mkdir()
        try:
            name = _notebook_name(sub)
            if options.sandboxed:
                zip_copy = work / "autograder.zip"  # readable by the sandbox's user
                shutil.copyfile(autograder, zip_copy)
                zip_copy.chmod(0o644)
                notebook = _guarded_copy(
                    sub, work / name, options.cell_timeout, f"{INSIDE}/out/progress.json", True
                )
                argv = [OTTER, "run", "--no-logo", "-a", f"{INSIDE}/autograder.zip"]
                argv += ["-o", f"{INSIDE}/out", f"{INSIDE}/{name}"]
                argv = _sandboxed(argv, zip_copy, notebook, out, index, options)
                timed_out, log = _run(argv, work, _sandbox_env(), options.timeout)
            else:
                notebook = _guarded_copy(
                    sub, work / name, options.cell_timeout, str(out / "progress.json"), False
                )
                argv = [OTTER, "run", "--no-logo", "-a", str(autograder), "-o", str(out), name]
                timed_out, log = _run(argv, work, None, options.timeout)
            results = _read_json(out / "results.json")
            progress = _read_json(out / "progress.json")
            if isinstance(progress, dict) and isinstance(progress.get("events"), list):
                events += progress["events"][:20]
            tests = results.get("tests") if isinstance(results, dict) else None
            tests = [t for t in tests if isinstance(t, dict)] if isinstance(tests, list) else []
            graded = [t for t in tests if str(t.get("name", "")).split(" - ")[0] in possible]
            if graded and not timed_out:
                for test in graded:
                    question = str(test["name"]).split(" - ")[0]
                    earned[question] = earned.get(question, 0.0) + _number(test.get("score"))
            else:  # stopped before otter wrote its results: what was checked before counts
                scores = progress.get("scores") if isinstance(progress, dict) else None
                for question, score in (scores if isinstance(scores, dict) else {}).items():
                    if question in possible:
                        earned[question] = _number(score)
                if timed_out:
                    events.insert(0, "timeout")
                    note = f"TimeoutError: grading took longer than {options.timeout} s"
                else:
                    tail = log.strip().splitlines()[-1:] or ["no output"]
                    if tests:  # otter's own error entry ("Autograder Error"): its message
                        said = str(tests[0].get("output", "")).strip().splitlines()
                        tail = said[-1:] or tail
                    elif not {"cpu", "exited"} & set(events):  # no results at all: it died
                        events.append("died")
                    note = f"RuntimeError: otter run gave no results ({tail[0][:200]})"
        except Exception as error:  # this submission scores what it scored, the rest go on
            note = f"{type(error).__name__}: {error}"
    why = "; ".join(reasons(events, options))
    for question, points in possible.items():
        score = min(max(earned.get(question, 0.0), 0.0), points)  # its own output: clamped
        reached = question in earned
        rows.append(
            dict(
                student=sub.student,
                assignment=sub.assignment,
                question=question,
                score=round(score, 4),
                possible=points,
                reason="" if reached or not note else why,
                note="",
            )
        )
    rows.append(
        dict(
            student=sub.student,
            assignment=sub.assignment,
            question="total",
            score=round(sum(r["score"] for r in rows), 4),
            possible=sum(possible.values()),
            reason=why,
            note=note,
        )
    )
    return rows


FIELDS = ["student", "assignment", "question", "score", "possible", "reason", "note"]
UNSAFE = (
    "UNSAFE: grading without a sandbox (--no-sandbox): each submission runs with your rights "
    "and can read the other submissions, the hidden tests and the grades, write anywhere you "
    "can, use the network and start processes without limit."
)


def hidden_folders(folder: Path, autograders: Path, out: Path) -> tuple[Path, ...]:
    """What no submission may see: the submissions, the autograders, the grades' folder and the
    repository's tests, instructor notebooks, history and build outputs."""
    repository = [ROOT / "tests", MASTERS, ROOT / ".git", ROOT / "_build"]
    return tuple(Path(p).resolve() for p in [folder, autograders, out.parent, *repository])


def check_sandbox(options: Options) -> None:
    """Start one sandbox that imports otter and cnnbook (its data catalog too), as every graded
    submission will; raise ``sandbox.SandboxError`` with bwrap's own words when that fails."""
    sandbox.require()
    argv = [sys.executable, "-c", "import otter, cnnbook, cnnbook.catalog"]
    with tempfile.TemporaryDirectory(prefix="cnnbook-sandbox-check-") as tmp:
        command = sandbox.command(
            argv, hidden=options.hidden, limits=options.limits, uid=sandbox.uid_for(999)
        )
        done = subprocess.run(
            command, cwd=tmp, env=_sandbox_env(), capture_output=True, timeout=300
        )
    if done.returncode != 0:
        said = (done.stderr or done.stdout).decode(errors="replace").strip().splitlines()[-3:]
        raise sandbox.SandboxError(
            "the grading sandbox does not start on this machine (bwrap needs root or "
            f"unprivileged user namespaces): {' / '.join(said) or 'no message'}. Grade where "
            "bubblewrap works, or pass --no-sandbox (unsafe)."
        )


def grade(
    folder: Path,
    autograders: Path,
    out: Path,
    jobs: int = 1,
    cell_timeout: int = 600,
    timeout: int = 3600,
    sandboxed: bool = True,
    limits: sandbox.Limits | None = None,
) -> list[dict]:
    # Graded from temporary folders: relative paths are resolved from the caller's folder first.
    folder, autograders, out = (
        Path(folder).resolve(),
        Path(autograders).resolve(),
        Path(out).resolve(),
    )
    if limits is None:
        limits = sandbox.Limits(cpu=timeout)
    options = Options(
        cell_timeout=cell_timeout,
        timeout=timeout,
        sandboxed=sandboxed,
        limits=limits,
        hidden=hidden_folders(folder, autograders, out),
    )
    submissions = find_submissions(folder)
    if not submissions:
        raise SystemExit(f"no .ipynb or .zip submissions under {folder}")
    missing = {s.assignment for s in submissions if s.assignment} - {
        n for n in NAMES if autograder_zip(autograders, n).exists()
    }
    if missing:
        raise SystemExit(f"no autograder for {sorted(missing)} in {autograders}: make assignments")
    if sandboxed:
        try:
            check_sandbox(options)
        except sandbox.SandboxError as error:
            raise SystemExit(str(error)) from None
    else:
        print(UNSAFE, file=sys.stderr)
    counter = itertools.count()
    with concurrent.futures.ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
        graded = list(
            pool.map(lambda s: grade_one(s, autograders, options, next(counter)), submissions)
        )
    rows = [row for rows in graded for row in rows]
    out.parent.mkdir(parents=True, exist_ok=True)
    with open(out, "w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=FIELDS)
        writer.writeheader()
        writer.writerows(rows)
    for row in rows:
        if row["question"] == "total":
            why = "; ".join(x for x in (row["reason"], row["note"]) if x)
            print(
                f"{row['student']:>20} {row['assignment']:<28} "
                f"{row['score']:g} / {row['possible']:g}{f'  ({why})' if why else ''}"
            )
    if not sandboxed:
        print(UNSAFE)
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
    default = sandbox.Limits()
    parser.add_argument(
        "--cpu-limit",
        type=int,
        default=None,
        help="CPU seconds each process of a submission may use (default: --timeout)",
    )
    parser.add_argument(
        "--memory-limit",
        type=float,
        default=default.memory / sandbox.GiB,
        help=f"GiB of address space per process (default {default.memory / sandbox.GiB:g})",
    )
    parser.add_argument(
        "--process-limit",
        type=int,
        default=default.processes,
        help=f"processes and threads a submission may have (default {default.processes})",
    )
    parser.add_argument(
        "--no-sandbox",
        action="store_true",
        help="grade as plain processes with your rights, without bubblewrap (unsafe)",
    )
    args = parser.parse_args(argv)
    for flag in ("jobs", "cell_timeout", "timeout", "cpu_limit", "memory_limit", "process_limit"):
        if getattr(args, flag) is not None and getattr(args, flag) <= 0:
            parser.error(f"--{flag.replace('_', '-')} must be a positive number")
    limits = sandbox.Limits(
        cpu=args.cpu_limit or args.timeout,
        memory=int(args.memory_limit * sandbox.GiB),
        processes=args.process_limit,
    )
    grade(
        args.submissions,
        args.autograders,
        args.out,
        args.jobs,
        args.cell_timeout,
        args.timeout,
        sandboxed=not args.no_sandbox,
        limits=limits,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
