"""Shared test fixtures: offline sources, and each notebook executed once in smoke mode."""

from __future__ import annotations

import os
import re
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
sys.path.insert(0, str(ROOT / "tools"))

# The whole suite runs in smoke mode, offline, with the local sources when they exist.
os.environ["CNNBOOK_SMOKE"] = "1"
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
if (SHARED / "data" / "sign-language-digits").is_dir():
    os.environ.setdefault("CNNBOOK_DATA_DIR", str(SHARED / "data"))
if (SHARED / "weights").is_dir():
    os.environ.setdefault("CNNBOOK_WEIGHTS_DIR", str(SHARED / "weights"))

NOTEBOOK_SECONDS: dict[str, float] = {}


@dataclass
class ExecutedNotebook:
    """A notebook after a smoke-mode run, with its outputs flattened for assertions."""

    path: Path
    nb: object
    seconds: float
    texts: list[str] = field(default_factory=list)  # per code cell: stdout + text/plain
    images: int = 0

    @property
    def text(self) -> str:
        return "\n".join(self.texts)

    def assert_printed(self, *snippets: str) -> None:
        """Each snippet appears in some code cell's printed output."""
        for snippet in snippets:
            assert snippet in self.text, f"{self.path.name} did not print {snippet!r}"


def _flatten(nb) -> tuple[list[str], int]:
    texts, images = [], 0
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        parts = []
        for output in cell.get("outputs", []):
            if output.output_type == "stream" and output.name == "stdout":
                parts.append(output.text)
            elif output.output_type in ("execute_result", "display_data"):
                data = output.get("data", {})
                if "image/png" in data or "image/svg+xml" in data:
                    images += 1
                parts.append(data.get("text/plain", ""))
                parts.append(data.get("text/html", ""))
        texts.append("\n".join(parts))
    return texts, images


_CACHE: dict[Path, ExecutedNotebook] = {}


def execute(relpath: str | Path, tmp_root: Path, **parameters) -> ExecutedNotebook:
    """Run a notebook with papermill in its own folder (smoke mode); cached per session."""
    import papermill

    path = (ROOT / relpath).resolve()
    key = path if not parameters else None
    if key in _CACHE:
        return _CACHE[key]
    output = tmp_root / (path.stem + ".executed.ipynb")
    start = time.perf_counter()
    nb = papermill.execute_notebook(
        str(path),
        str(output),
        cwd=str(path.parent),
        kernel_name="python3",
        progress_bar=False,
        parameters=parameters or None,
        log_output=False,
    )
    seconds = time.perf_counter() - start
    texts, images = _flatten(nb)
    result = ExecutedNotebook(path, nb, seconds, texts, images)
    NOTEBOOK_SECONDS[str(path.relative_to(ROOT))] = seconds
    if key is not None:
        _CACHE[key] = result
    return result


@pytest.fixture(scope="session")
def executed(tmp_path_factory):
    """``executed("chapters/x/y.ipynb")`` runs the notebook once per session and returns it."""
    root = tmp_path_factory.mktemp("executed")
    return lambda relpath, **parameters: execute(relpath, root, **parameters)


def pytest_terminal_summary(terminalreporter):
    if NOTEBOOK_SECONDS:
        terminalreporter.section("notebook execution times (smoke mode)")
        for name, seconds in sorted(NOTEBOOK_SECONDS.items()):
            terminalreporter.write_line(f"{seconds:7.1f} s  {name}")
        terminalreporter.write_line(f"{sum(NOTEBOOK_SECONDS.values()):7.1f} s  total")


NUMBER = re.compile(r"(?<![\w.])\d{1,3}(?:,\d{3})+(?![\d])|(?<![\w.,])\d{3,}(?![\d])")


def prose_numbers(nb) -> set[int]:
    """Integers of three or more digits stated in markdown cells, years excepted."""
    found = set()
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            for match in NUMBER.findall(cell.source):
                value = int(match.replace(",", ""))
                if not 1950 <= value <= 2030:
                    found.add(value)
    return found


def printed_numbers(text: str) -> set[int]:
    return {int(m.replace(",", "")) for m in NUMBER.findall(text)}
