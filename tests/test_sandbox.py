"""Grading in the sandbox (tools/sandbox.py, what `make grade` runs each submission in).

Adversarial submissions, made from the conv-step-by-step solution notebook by inserting or
replacing one cell, are graded in one run beside honest ones: one copies another student's
answers from their notebook, one looks for the hidden tests and the instructor's notebook, one
writes outside its folder, one deletes files, one opens a socket, a fork bomb, a memory hog, an
infinite loop, a loop that ignores the grader's alarm (wall clock), one that burns CPU, one
that calls sys.exit and one os._exit, and one that monkeypatches otter so every test passes.
Each attack on the grader's machine fails (its honest answers score normally, the machine's
files are unchanged); each limit gives zero on what did not finish, with the reason; the honest
submissions score exactly as when graded alone. The copier scores full marks without the
sandbox (the test that fails without it), and the monkeypatch scores full marks with it: the
sandbox cannot stop code that runs in the same process as the tests (README.md says so).
"""

from __future__ import annotations

import csv
import json
import os
import shutil
import socket
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import nbformat
import pytest
from conftest import ROOT

from tools import grading, sandbox
from tools.assign import BROKEN, MASTERS, autograder_zip, otter_assign, with_mistake

NAME = "conv-step-by-step"
# Limits of the adversarial run: short, but far above what the honest submissions need. An
# honest kernel uses about 10 s of CPU (most of it importing TensorFlow), 1.7 GB of address
# space and a few dozen threads (one per TensorFlow pool: the suite's ONE_THREAD). The per-cell
# alarm comes before the CPU limit (10 + 25 < 45 s), so an endless loop loses one question.
TIMEOUT = 120  # s per submission
CELL_TIMEOUT = 25
LIMITS = sandbox.Limits(cpu=45, memory=3 * sandbox.GiB, processes=128)
ANSWERS = ("zero_pad", "conv_single_step", "conv_forward", "pool_forward")


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Path:
    """The autograders folder with conv-step-by-step built in it (otter assign)."""
    root = tmp_path_factory.mktemp("autograders")
    otter_assign(NAME, root / NAME)
    return root


def solution(root: Path) -> nbformat.NotebookNode:
    return nbformat.read(root / NAME / "autograder" / f"{NAME}.ipynb", as_version=4)


def answer_cell(nb, function: str) -> int:
    """The index of the solution cell that defines ``function``."""
    return next(
        i
        for i, c in enumerate(nb.cells)
        if c.cell_type == "code" and c.source.lstrip().startswith(f"def {function}(")
    )


def check_cell(nb, question: str) -> int:
    return next(i for i, c in enumerate(nb.cells) if f'grader.check("{question}")' in c.source)


def inserted(nb, after_check: str | None, source: str) -> nbformat.NotebookNode:
    """``nb`` with a code cell ``source`` after ``question``'s check (when None: before the
    first answer's cell)."""
    nb = nbformat.from_dict(nb)
    at = check_cell(nb, after_check) + 1 if after_check else check_cell(nb, ANSWERS[0]) - 1
    nb.cells.insert(at, nbformat.v4.new_code_cell(source))
    return nb


def replaced(nb, function: str, source: str) -> nbformat.NotebookNode:
    nb = nbformat.from_dict(nb)
    nb.cells[answer_cell(nb, function)].source = source
    return nb


def without_answers(nb) -> nbformat.NotebookNode:
    """``nb`` with the graded answers' cells empty (a student who answered nothing)."""
    nb = nbformat.from_dict(nb)
    for function in ANSWERS:
        nb.cells[answer_cell(nb, function)].source = "# no answer"
    return nb


def unlocking(nb, probes: dict[str, str]) -> nbformat.NotebookNode:
    """A student who answered nothing, with one cell first that defines each answer whose probe
    (an expression) is true: the score then says which probes succeeded."""
    code = ["import glob, os, zipfile", "", ""]
    for function, probe in probes.items():
        answer = solution_source(nb, function).replace("\n", "\n        ")
        code += [
            "try:",
            f"    if {probe}:",
            f"        {answer}",
            "except OSError:",
            "    pass",
        ]
    return inserted(without_answers(nb), None, "\n".join(code))


def solution_source(nb, function: str) -> str:
    return nb.cells[answer_cell(nb, function)].source


def server() -> tuple[socket.socket, list[bytes]]:
    """A TCP server on the grader's loopback that records what reaches it."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    received: list[bytes] = []

    def serve():
        while True:
            try:
                conn, _ = listener.accept()
            except OSError:
                return
            with conn:
                received.append(conn.recv(1024) or b"(connected)")

    threading.Thread(target=serve, daemon=True).start()
    return listener, received


def write_submissions(folder: Path, notebooks: dict[str, nbformat.NotebookNode]) -> None:
    for student, nb in notebooks.items():
        (folder / student).mkdir(parents=True)
        nbformat.write(nb, folder / student / f"{NAME}.ipynb")


def read_grades(out: Path) -> dict[str, dict[str, dict]]:
    """{student: {question: row}} from the CSV ``grade`` wrote."""
    rows: dict[str, dict[str, dict]] = {}
    with open(out) as handle:
        for row in csv.DictReader(handle):
            rows.setdefault(row["student"], {})[row["question"]] = row
    return rows


def score(rows: dict[str, dict], question: str = "total") -> float:
    return float(rows[question]["score"])


# --- the sandbox itself: what a command in it sees and may do (a second or two each) ----------


def sandboxed(code: str, tmp_path: Path, limits: sandbox.Limits | None = None, **options):
    """Run Python ``code`` in the sandbox; the finished process."""
    command = sandbox.command(
        [sys.executable, "-c", code], limits=limits, uid=sandbox.uid_for(1), **options
    )
    return subprocess.run(
        command,
        cwd=tmp_path,
        env=sandbox.environment(),
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_the_sandbox_programs_are_installed():
    """CI installs bubblewrap (.ci/run); `make grade` needs it everywhere else too."""
    assert sandbox.missing_tools() == [], f"install them: {sandbox.INSTALL} (and util-linux)"


def test_without_bwrap_grading_stops_with_the_remedy(built, tmp_path, monkeypatch):
    real = shutil.which
    monkeypatch.setattr(shutil, "which", lambda name: None if name == "bwrap" else real(name))
    with pytest.raises(sandbox.SandboxError, match="apt-get install bubblewrap"):
        sandbox.require()
    write_submissions(tmp_path / "subs", {"someone": solution(built)})
    with pytest.raises(SystemExit, match=r"--no-sandbox.*unsafe"):
        grading.grade(tmp_path / "subs", built, tmp_path / "grades.csv")
    assert not (tmp_path / "grades.csv").exists()


def test_bad_sandbox_settings_are_refused_with_a_sentence():
    with pytest.raises(ValueError, match="memory must be a positive number"):
        sandbox.Limits(memory=0)
    with pytest.raises(ValueError, match="outside /tmp"):
        sandbox.command(["true"], files={"/tmp/x": Path("/etc/hostname")}, uid=sandbox.uid_for(0))
    if os.geteuid() == 0:
        with pytest.raises(ValueError, match="needs a uid"):
            sandbox.command(["true"])
    with pytest.raises(SystemExit):
        grading.main(["somewhere", "--process-limit", "0"])


def test_the_command_drops_root_and_sets_every_limit():
    limits = sandbox.Limits(cpu=7, memory=3 * sandbox.GiB, processes=99, file_size=5, scratch=6)
    command = sandbox.command(["otter", "run"], limits=limits, uid=sandbox.uid_for(3))
    joined = " ".join(command)
    assert command[0] == "bwrap" and command[-2:] == ["otter", "run"]
    assert "--ro-bind / /" not in joined and "--bind / /" not in joined
    for flag in ("--unshare-net", "--unshare-pid", "--unshare-ipc", "--die-with-parent"):
        assert flag in command
    for limit in ("--cpu=7:12", f"--as={3 * sandbox.GiB}", "--nproc=99", "--fsize=5"):
        assert limit in command
    assert "--size 6 --tmpfs /tmp" in joined
    if os.geteuid() == 0:
        assert f"--reuid={sandbox.uid_for(3)}" in command and "--bounding-set=-all" in command


def test_the_sandbox_sees_only_what_grading_needs(tmp_path):
    readable = tmp_path / "readable"
    (readable / "secret").mkdir(parents=True)
    (readable / "secret" / "answers.txt").write_text("42")
    (readable / "public.txt").write_text("hello")
    (tmp_path / "outside.txt").write_text("not for the sandbox")
    given = tmp_path / "given.txt"
    given.write_text("input")
    written = tmp_path / "written.txt"
    sandbox.prepare_writable([written], sandbox.uid_for(1))
    invisible = [
        ROOT / "tests",
        ROOT / "instructor",
        ROOT / ".git",
        ROOT / "README.md",
        tmp_path / "outside.txt",
        Path.home() / ".bash_history",
        Path("/run"),
    ]
    code = f"""
import json, os, sys
status = dict(line.split(":\\t", 1) for line in open("/proc/self/status").read().splitlines())
def writes(path):
    try:
        with open(path, "w") as handle:
            handle.write("x")
        return "written"
    except OSError as error:
        return error.strerror
print(json.dumps({{
    "uid": os.getuid(),
    "caps": status["CapEff"].strip(),
    "no_new_privs": status["NoNewPrivs"].strip(),
    "seen": [p for p in {[str(p) for p in invisible]!r} if os.path.exists(p)],
    "public": open({str(readable / "public.txt")!r}).read(),
    "secret": os.listdir({str(readable / "secret")!r}),
    "given": open("/grading/given.txt").read(),
    "write_given": writes("/grading/given.txt"),
    "write_written": writes("/grading/written.txt"),
    "write_readable": writes({str(readable / "new.txt")!r}),
    "write_python": writes(sys.prefix + "/sandbox-test.txt"),
    "write_root": writes("/new.txt"),
    "write_tmp": writes("/tmp/new.txt"),
    "host_tmp": os.listdir("/tmp"),
    "processes": [p for p in os.listdir("/proc") if p.isdigit()],
    "interfaces": [l.split(":")[0].strip() for l in open("/proc/net/dev").readlines()[2:]],
}}))
"""
    done = sandboxed(
        code,
        tmp_path,
        readable=[readable],
        hidden=[readable / "secret"],
        files={"/grading/given.txt": given},
        writable={"/grading/written.txt": written},
    )
    assert done.returncode == 0, done.stderr
    seen = json.loads(done.stdout)
    if os.geteuid() == 0:
        assert seen["uid"] == sandbox.uid_for(1)
    assert seen["uid"] != 0 and seen["caps"] == "0000000000000000" and seen["no_new_privs"] == "1"
    assert seen["seen"] == [], "the sandbox sees what it must not"
    assert seen["public"] == "hello" and seen["secret"] == [] and seen["given"] == "input"
    assert seen["write_written"] == "written" and written.read_text() == "x"
    assert given.read_text() == "input" and not (readable / "new.txt").exists()
    for key in ("write_given", "write_readable", "write_python", "write_root"):
        assert seen[key] in ("Read-only file system", "Permission denied"), (key, seen[key])
    assert not Path(sys.prefix, "sandbox-test.txt").exists()
    # Its /tmp holds what it wrote and the folders leading to the paths given to it, only.
    assert seen["write_tmp"] == "written"
    parents = {tmp_path.relative_to("/tmp").parts[0]} if Path("/tmp") in tmp_path.parents else set()
    assert set(seen["host_tmp"]) == {"new.txt", *parents}
    assert len(seen["processes"]) <= 3, f"the sandbox sees other processes: {seen['processes']}"
    assert seen["interfaces"] == ["lo"]


def test_the_sandbox_has_no_network(tmp_path):
    listener, received = server()
    port = listener.getsockname()[1]
    code = f"""
import socket
for address in [("127.0.0.1", {port}), ("192.0.2.1", 80)]:
    try:
        socket.create_connection(address, timeout=5).sendall(b"leaked")
        print("connected", address)
    except OSError as error:
        print(type(error).__name__)
"""
    done = sandboxed(code, tmp_path)
    listener.close()
    assert done.returncode == 0, done.stderr
    assert "connected" not in done.stdout
    assert done.stdout.split() == ["ConnectionRefusedError", "OSError"], done.stdout
    assert received == []


def test_the_sandbox_limits_processes_memory_cpu_and_scratch(tmp_path):
    limits = sandbox.Limits(cpu=2, memory=1 * sandbox.GiB, processes=20, scratch=2**20 * 8)
    forks = """
import os, time
children = 0
try:
    for _ in range(1000):
        if os.fork() == 0:
            time.sleep(30)
            os._exit(0)
        children += 1
except BlockingIOError:
    print("stopped after", children)
"""
    done = sandboxed(forks, tmp_path, limits)
    assert done.stdout.startswith("stopped after"), (done.stdout, done.stderr)
    assert int(done.stdout.split()[-1]) < 20
    memory = "b = bytearray(2 * 2**30)"
    done = sandboxed(memory, tmp_path, limits)
    assert "MemoryError" in done.stderr
    scratch = "open('/tmp/big', 'wb').write(b'x' * 2**24)"
    done = sandboxed(scratch, tmp_path, limits)
    assert "No space left on device" in done.stderr
    start = time.perf_counter()
    done = sandboxed("while True:\n    pass", tmp_path, limits)
    # bwrap exits with 128 + the signal: SIGXCPU at the soft limit, SIGKILL at the hard one
    assert done.returncode in (128 + 24, 128 + 9), (done.returncode, done.stderr)
    assert time.perf_counter() - start < 110


# --- adversarial submissions graded in one run beside honest ones ----------------------------

MASTER = MASTERS / NAME / f"{NAME}.ipynb"
MISTAKE = BROKEN / NAME / "conv_single_step_bias_forgotten.py"
IGNORES_THE_ALARM = """\
import signal
import time

signal.signal(signal.SIGALRM, signal.SIG_IGN)  # the grader's per-cell alarm
while True:
    {body}"""
# True where otter runs the notebook: its assignment's tests, hidden ones included, in ./tests.
OWN_HIDDEN_TESTS = "any('hidden=True' in open(p).read() for p in glob.glob('tests/*'))"
MONKEYPATCH = """\
from otter.test_files import exception_test


def every_test_passes(self, global_environment):
    self.test_case_results = [
        exception_test.TestCaseResult(test_case=case, message="ok", passed=True)
        for case in self.test_cases
    ]


exception_test.ExceptionTestFile.run = every_test_passes"""


def copier(nb, victim: Path) -> nbformat.NotebookNode:
    """A student who answered nothing and, at grading time, runs another student's answers
    read from their notebook."""
    source = f"""import json

with open({str(victim)!r}) as handle:
    theirs = json.load(handle)
for cell in theirs["cells"]:
    if "otter_assign_solution_cell" in cell["metadata"].get("tags", []):
        exec("".join(cell["source"]))"""
    return inserted(without_answers(nb), None, source)


def adversaries(sol, built: Path, base: Path, port: int) -> dict[str, nbformat.NotebookNode]:
    """The attacks, by student name, on the grader whose files lie under ``base``."""
    victim = base / "submissions" / "honest" / f"{NAME}.ipynb"
    out, outside = base / "out", base / "outside"
    canary = sys.prefix + f"/cnnbook-sandbox-test-{os.getpid()}.txt"
    writes = [victim, out / "grades.csv", outside / "new.txt", "/pwned.txt", canary]
    return {
        "copier": copier(sol, victim),
        # Each answer appears only if its probe succeeds: the score says what it could read.
        "hidden-tests-reader": unlocking(
            sol,
            {
                "zero_pad": f"open({str(MASTER)!r}).read()",
                "conv_single_step": f"zipfile.ZipFile({str(autograder_zip(built, NAME))!r})",
                "conv_forward": OWN_HIDDEN_TESTS,
                "pool_forward": f"any(map(os.path.exists, {[str(ROOT / 'tests'), str(out)]!r}))",
            },
        ),
        "writer": inserted(
            sol,
            "zero_pad",
            f"""refused = None
for target in {[str(w) for w in writes]!r}:
    try:
        with open(target, "a") as handle:
            handle.write("pwned")
    except OSError as error:
        refused = error
raise refused""",
        ),
        "deleter": inserted(
            sol,
            "zero_pad",
            f"""import shutil

for target in {[str(victim.parent), str(out), str(outside)]!r}:
    shutil.rmtree(target, ignore_errors=True)
os.remove({str(outside / "canary.txt")!r})""",
        ),
        "socket": inserted(
            sol,
            "zero_pad",
            f"""import socket

with socket.create_connection(("127.0.0.1", {port}), timeout=5) as connection:
    connection.sendall(b"the answers of the others")""",
        ),
        "fork-bomb": inserted(sol, "zero_pad", "import os\n\nwhile True:\n    os.fork()"),
        "memory-hog": replaced(
            sol, "pool_forward", "hog = []\nwhile True:\n    hog.append(np.ones(2**27))"
        ),
        "infinite-loop": replaced(sol, "pool_forward", "while True:\n    pass"),
        "sleeps-forever": inserted(
            sol, "conv_forward", IGNORES_THE_ALARM.format(body="time.sleep(1)")
        ),
        "burns-cpu": inserted(sol, "conv_forward", IGNORES_THE_ALARM.format(body="pass")),
        "sys-exit": inserted(sol, "zero_pad", "import sys\n\nsys.exit(0)"),
        "os-exit": inserted(sol, "conv_single_step", "import os\n\nos._exit(3)"),
        "monkeypatch": inserted(without_answers(sol), None, MONKEYPATCH),
    }


UNFINISHED = {"sleeps-forever", "burns-cpu", "os-exit"}
# student: (total, the questions that lose points, phrases of the reason). Full marks are 10:
# zero_pad 1, conv_single_step 1, conv_forward 4, pool_forward 4.
EXPECTED = {
    "honest": (10, set(), []),
    "honest-mistake": (9.5, {"conv_single_step"}, []),  # half its tests use the bias
    "copier": (0, set(ANSWERS), []),  # another student's notebook is not there to read
    # The instructor's notebook, the autograder zip, the repository's tests/ and the grades
    # are not there; the hidden tests of its own assignment are (otter runs them beside it).
    "hidden-tests-reader": (4, {"zero_pad", "conv_single_step", "pool_forward"}, []),
    "writer": (10, set(), ["file access refused"]),
    "deleter": (10, set(), []),
    "socket": (10, set(), ["network blocked"]),
    "fork-bomb": (10, set(), [f"process limit of {LIMITS.processes}"]),
    "memory-hog": (6, {"pool_forward"}, ["memory limit of 3 GiB"]),
    "infinite-loop": (6, {"pool_forward"}, [f"a cell ran past {CELL_TIMEOUT} s"]),
    "sleeps-forever": (6, {"pool_forward"}, [f"timed out after {TIMEOUT} s"]),
    "burns-cpu": (6, {"pool_forward"}, [f"CPU limit of {LIMITS.cpu} s"]),
    "sys-exit": (10, set(), ["a cell called sys.exit (only that cell stopped)"]),
    "os-exit": (2, {"conv_forward", "pool_forward"}, ["the notebook's process exited"]),
    # In-process tampering: the sandbox cannot stop it (README.md says so).
    "monkeypatch": (10, set(), []),
}


def sandbox_processes() -> list[int]:
    """Processes on this machine that run as the user id of a sandbox this process started."""
    found = []
    for entry in Path("/proc").iterdir():
        try:
            status = (entry / "status").read_text()
        except OSError:
            continue
        uid = int(status.split("Uid:")[1].split()[0])
        if sandbox.uid_for(0) <= uid < sandbox.uid_for(0) + 1_000:
            found.append(int(entry.name))
    return found


@dataclass
class Run:
    rows: dict[str, dict[str, dict]]
    seconds: float
    base: Path
    written: dict[Path, bytes]  # the grader's files the attacks aimed at, as they were


def graded_run(built, base: Path, notebooks, sandboxed=True) -> Run:
    folder, out = base / "submissions", base / "out"
    write_submissions(folder, notebooks)
    (base / "outside").mkdir(exist_ok=True)
    (base / "outside" / "canary.txt").write_text("keep me")
    out.mkdir(exist_ok=True)
    (out / "last-year.csv").write_text("student,score\n")
    written = {p: p.read_bytes() for p in [*folder.rglob("*.ipynb"), *base.glob("*/*.*")]}
    start = time.perf_counter()
    grading.grade(
        folder,
        built,
        out / "grades.csv",
        jobs=2,
        cell_timeout=CELL_TIMEOUT,
        timeout=TIMEOUT,
        sandboxed=sandboxed,
        limits=LIMITS,
    )
    seconds = time.perf_counter() - start
    return Run(read_grades(out / "grades.csv"), seconds, base, written)


def misjudged(student: str, rows: dict[str, dict]) -> list[str]:
    """What in ``student``'s rows differs from ``EXPECTED`` (empty: scored as it deserves)."""
    total, lost, phrases = EXPECTED[student]
    scored = {q: float(rows[q]["score"]) for q in ANSWERS}
    losing = {q for q in ANSWERS if scored[q] < float(rows[q]["possible"])}
    reason = rows["total"]["reason"]
    wrong = []
    if losing != lost or score(rows) != total:
        wrong.append(f"scored {scored}, total {score(rows):g}: expected {total:g}, losing {lost}")
    if student == "burns-cpu" and f"timed out after {TIMEOUT} s" in reason:
        # On a machine so busy that the loop cannot burn LIMITS.cpu seconds of CPU before the
        # wall clock runs out, the wall clock stops it (the CPU limit itself: tests above).
        phrases = [f"timed out after {TIMEOUT} s"]
    wrong += [f"the reason {reason!r} does not say {p!r}" for p in phrases if p not in reason]
    if student in UNFINISHED:  # the questions it never reached say why they score zero
        wrong += [f"{q} says no reason" for q in lost if rows[q]["reason"] != reason]
    if not phrases and reason not in ("", f"a cell ran past {CELL_TIMEOUT} s"):
        # Nothing stopped it: at most a slow cell (the bootstrap, on a busy machine).
        wrong.append(f"the reason {reason!r}, where nothing should have stopped it")
    return [f"{student}: {w}" for w in wrong]


def test_adversarial_submissions_are_contained_and_the_honest_ones_unaffected(built, tmp_path):
    """One run of every attack beside two honest submissions (one with a mistake), then the
    honest two alone. One test, not one per student: pytest-xdist's groups do not hold with
    this pytest (an item's nodeid suffix is ignored), and a module fixture would then run the
    whole class once per worker."""
    base = tmp_path / "adversarial"
    base.mkdir()
    listener, received = server()
    sol = solution(built)
    honest = {"honest": sol, "honest-mistake": with_mistake(sol, MISTAKE)}
    notebooks = {**honest, **adversaries(sol, built, base, listener.getsockname()[1])}
    try:
        run = graded_run(built, base, notebooks)
    finally:
        listener.close()
    print(
        f"\n{len(notebooks)} submissions graded in the sandbox, 2 at once, in {run.seconds:.0f} s"
    )
    for student, rows in sorted(run.rows.items()):
        print(f"{student:>20}: {score(rows):g} / 10  {rows['total']['reason']}")
    assert sorted(run.rows) == sorted(EXPECTED)
    wrong = [w for student in sorted(EXPECTED) for w in misjudged(student, run.rows[student])]
    assert wrong == [], "\n".join(wrong)

    # The grader's files, its loopback and its process table are as they were.
    for path, content in run.written.items():
        assert path.exists() and path.read_bytes() == content, f"{path} was changed"
    assert sorted(p.name for p in (base / "out").iterdir()) == ["grades.csv", "last-year.csv"]
    assert sorted(p.name for p in (base / "outside").iterdir()) == ["canary.txt"]
    assert not Path("/pwned.txt").exists()
    canary = Path(sys.prefix) / f"cnnbook-sandbox-test-{os.getpid()}.txt"
    assert not canary.exists(), f"{canary} was written by a submission"
    assert received == [], "a submission reached the grader's loopback"
    assert sandbox_processes() == [], "a sandboxed process outlived its grading"

    # The honest submissions score exactly as when graded alone.
    alone = graded_run(built, tmp_path / "alone", honest)
    print(f"the 2 honest ones alone: {alone.seconds:.0f} s")
    for student in honest:
        for question, row in alone.rows[student].items():
            beside = run.rows[student][question]
            assert beside["score"] == row["score"], (student, question, beside, row)


def test_without_the_sandbox_a_submission_copies_another_students_answers(built, tmp_path, capsys):
    """The attack the sandbox stops, run without it: the copier gets the victim's marks."""
    sol = solution(built)
    victim = tmp_path / "submissions" / "honest" / f"{NAME}.ipynb"
    run = graded_run(
        built, tmp_path, {"honest": sol, "copier": copier(sol, victim)}, sandboxed=False
    )
    assert "UNSAFE" in capsys.readouterr().out
    assert score(run.rows["copier"]) == 10 == score(run.rows["honest"])
    assert EXPECTED["copier"][0] == 0  # what it scores in the sandbox (the test above)
