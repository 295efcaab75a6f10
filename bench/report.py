"""Results on disk: one JSON per machine, sections merged across runs, written atomically.

The tables that show them are ``cnnbook.benchmarks`` (the Performance appendix uses the same).
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "results"


def load(path: Path) -> dict:
    return json.loads(path.read_text()) if path.is_file() else {}


def save(path: Path, results: dict) -> None:
    """Write atomically: an interrupted run never leaves half a JSON file behind."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, partial = tempfile.mkstemp(dir=path.parent, prefix=".partial-", suffix=".json")
    with os.fdopen(handle, "w") as stream:
        json.dump(results, stream, indent=1, sort_keys=True)
        stream.write("\n")
    os.replace(partial, path)


def save_section(path: Path, key: str, section: dict, machine: dict) -> dict:
    """Record one section: the file is read again just before the write, so that sections
    another run recorded while this one measured (a bench section can take an hour) are
    kept; returns the results as written."""
    results = load(path)
    stamp_cpu(results)
    results[key] = section
    results["machine"] = machine
    save(path, results)
    return results


def stamp_cpu(results: dict) -> None:
    """Name the file's current CPU in every section recorded before sections named their own.

    Called before a run replaces ``results["machine"]``, so that figures from an earlier CPU
    model under the same file name keep saying where they were measured.
    """
    cpu = results.get("machine", {}).get("cpu")
    for section in results.values():
        if cpu and isinstance(section, dict) and "recorded" in section:
            section.setdefault("cpu", cpu)
