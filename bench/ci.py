"""CI as CI runs it: ``.ci/run`` on a fresh clone of the current commit, timed.

The clone sits in a scratch folder with the offline sources (``../shared``) linked beside it,
and nothing of this checkout's build (virtual environment, execution caches) comes along, so
the figure includes the installs, the full-mode book build and the whole suite. The suite's
own figures are read back from its output: pytest's outcome line and the full book build's
duration (``artifacts/book-build.log``). Both logs, and the full book's claims with their
evidence (``artifacts/claims-full.txt``), are kept in ``artifacts/bench-ci/``.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TARGETS_S = {"full_build": 30 * 60, "ci_total": 50 * 60}


def parse_ci_log(log: str) -> dict:
    """The install time, pytest's counts and duration, from ``.ci/run``'s output."""
    install = re.search(r"^install: (\d+) s$", log, re.MULTILINE)
    outcome = None
    for line in log.splitlines():
        if re.match(r"=+ .*\b(passed|failed|error)\b.* in [\d.]+s", line):
            outcome = line
    counts = {}
    if outcome:
        for number, kind in re.findall(r"(\d+) (passed|failed|errors?|skipped)", outcome):
            counts["errors" if kind.startswith("error") else kind] = int(number)
    suite = re.search(r" in ([\d.]+)s", outcome) if outcome else None
    return {
        "install_seconds": int(install.group(1)) if install else None,
        "suite_seconds": float(suite.group(1)) if suite else None,
        "tests": counts,
    }


def parse_book_log(text: str) -> float | None:
    """The full-mode build's duration from tests/fullbook.py's log ("exit N after S s")."""
    match = re.search(r"^exit -?\d+ after ([\d.]+) s$", text, re.MULTILINE)
    return float(match.group(1)) if match else None


def fresh_clone_ci(shared: Path, timeout: float = 90 * 60) -> dict:
    """Clone HEAD, link ``shared`` beside it, run ``.ci/run`` with CI=true; the figures."""
    scratch = Path(tempfile.mkdtemp(prefix="cnnbook-ci-"))
    try:
        clone = scratch / "main"
        subprocess.run(["git", "clone", "--quiet", str(ROOT), str(clone)], check=True)
        (scratch / "shared").symlink_to(shared.resolve())
        env = {k: v for k, v in os.environ.items() if not k.startswith("CNNBOOK_")}
        env["CI"] = "true"
        start = time.perf_counter()
        result = subprocess.run(
            ["bash", ".ci/run"],
            cwd=clone,
            env=env,
            capture_output=True,
            text=True,
            timeout=timeout,
        )
        seconds = time.perf_counter() - start
        log = result.stdout + result.stderr
        book_log = clone / "artifacts" / "book-build.log"
        # The clone goes; its logs stay, to read a failing run by.
        kept = ROOT / "artifacts" / "bench-ci"
        kept.mkdir(parents=True, exist_ok=True)
        (kept / "ci.log").write_text(log)
        for name in ("book-build.log", "claims-full.txt"):
            if (clone / "artifacts" / name).is_file():
                shutil.copy(clone / "artifacts" / name, kept / name)
        figures = parse_ci_log(log)
        figures["full_build_seconds"] = (
            parse_book_log(book_log.read_text()) if book_log.is_file() else None
        )
        figures |= {
            "returncode": result.returncode,
            "ci_total_seconds": seconds,
            "targets_seconds": TARGETS_S,
            "log_tail": log[-3000:],
        }
        return figures
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def measure(options, results: dict) -> dict:
    """``.ci/run`` on a fresh clone, with the offline sources beside this checkout."""
    return fresh_clone_ci(ROOT.parent / "shared")
