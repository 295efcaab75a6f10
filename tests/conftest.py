"""Shared test fixtures: offline sources, and each notebook executed once in smoke mode."""

from __future__ import annotations

import contextlib
import os
import re
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from fullbook import ONE_THREAD, locked

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"

# The whole suite runs in smoke mode, offline, with the local sources when they exist.
os.environ["CNNBOOK_SMOKE"] = "1"
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
# Every kernel of the suite computes on one thread (see tests/fullbook.py: two-thread kernels
# side by side on two cores run several times slower than alone).
os.environ.update(ONE_THREAD)
if (SHARED / "data" / "sign-language-digits").is_dir():
    os.environ.setdefault("CNNBOOK_DATA_DIR", str(SHARED / "data"))
if (SHARED / "weights").is_dir():
    os.environ.setdefault("CNNBOOK_WEIGHTS_DIR", str(SHARED / "weights"))

# Seed the offline ImageNet weights now, before any test imports Keras: Keras reads KERAS_HOME
# once, at import, so a cnnbook.setup() inside a test process could no longer do it.
from cnnbook.weights import seed_keras_home  # noqa: E402

seed_keras_home()

RUN_DIR_ENV = "CNNBOOK_TEST_RUN_DIR"


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

    def printed_array(self, label: str):
        """The integer array printed right after ``label`` (NumPy's ``[[1 2] [3 4]]`` form)."""
        import numpy as np

        match = re.search(re.escape(label) + r"\s*\n\s*(\[\[.*?\]\])", self.text, re.DOTALL)
        assert match, f"{self.path.name}: no array printed after {label!r}"
        rows = re.findall(r"\[([^\[\]]+)\]", match.group(1))
        return np.array([[int(v) for v in row.split()] for row in rows])

    def assert_printed(self, *snippets: str) -> None:
        """Each snippet appears in some code cell's printed output."""
        for snippet in snippets:
            assert snippet in self.text, f"{self.path.name} did not print {snippet!r}"

    def claims(self) -> list[tuple[str, str]]:
        """(statement, verdict) of every ``cnnbook.claims.check`` the notebook printed."""
        return [
            (lines[0].removeprefix("Claim: "), lines[-1].removeprefix("  verdict: "))
            for lines in (block.splitlines() for block in self.claim_reports())
        ]

    def claim_reports(self) -> list[str]:
        """Every claim the notebook printed as printed: statement, evidence lines, verdict."""
        # A cell's prints may arrive as several stream outputs: join them as printed.
        printed = "\n".join(
            "".join(
                o.get("text", "")
                for o in cell.get("outputs", [])
                if o.get("output_type") == "stream" and o.get("name") == "stdout"
            )
            for cell in self.nb.cells
            if cell.cell_type == "code"
        )
        return re.findall(
            r"^Claim: .+?\n(?:  evidence: .*\n)*  verdict: .+$", printed, re.MULTILINE
        )

    def assert_claims(self, *statements: str, checked: bool) -> None:
        """Each statement (a substring) was claimed; checked ones held, or none was checked."""
        from cnnbook.claims import HOLDS, NOT_CHECKED

        claims = self.claims()
        assert claims, f"{self.path.name} printed no claim"
        for statement, verdict in claims:
            if checked:
                assert verdict == HOLDS, f"{self.path.name}: {statement!r}: {verdict}"
            else:
                assert verdict.startswith(NOT_CHECKED), f"{self.path.name}: {statement!r}"
        for wanted in statements:
            assert any(wanted in s for s, _ in claims), f"{self.path.name}: no claim {wanted!r}"

    @classmethod
    def from_file(cls, path: Path, seconds: float = 0.0) -> ExecutedNotebook:
        """An executed notebook read from disk (a papermill output, a build's cached copy)."""
        import nbformat

        nb = nbformat.read(path, as_version=4)
        texts, images = _flatten(nb)
        return cls(Path(path), nb, seconds, texts, images)


def _flatten(nb) -> tuple[list[str], int]:
    texts, images = [], 0
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        parts = []
        streaming = False  # the previous output was stdout
        for output in cell.get("outputs", []):
            if output.output_type == "stream":
                if output.name == "stdout":
                    # One cell's prints can arrive as several stream outputs (however the
                    # kernel flushed): consecutive ones are joined as printed.
                    if streaming:
                        parts[-1] += output.text
                    else:
                        parts.append(output.text)
                    streaming = True
                continue
            streaming = False
            if output.output_type in ("execute_result", "display_data"):
                data = output.get("data", {})
                if "image/png" in data or "image/svg+xml" in data:
                    images += 1
                parts.append(data.get("text/plain", ""))
                parts.append(data.get("text/html", ""))
                parts.append(data.get("text/markdown", ""))
        texts.append("\n".join(parts))
    return texts, images


FULL_BOOK_FIXTURES = {"book", "full_executed"}
_background_build = None


def _whole_suite(config) -> bool:
    """The run includes the book's tests: the whole suite, or test_book/test_browser named."""
    if config.args_source == pytest.Config.ArgsSource.TESTPATHS:
        return True
    return any(
        Path(arg.split("::")[0]).name in ("test_book.py", "test_browser.py") for arg in config.args
    )


def pytest_configure(config):
    """One scratch folder per test run, shared by pytest-xdist workers (they inherit the env).

    A run that includes the book's tests starts the full-mode book build (tests/fullbook.py) in
    the background now, in the controlling process, so the other tests run while it builds.
    """
    global _background_build
    if RUN_DIR_ENV not in os.environ:
        os.environ[RUN_DIR_ENV] = tempfile.mkdtemp(prefix="cnnbook-tests-")
    collecting_only = config.option.collectonly
    if not hasattr(config, "workerinput") and _whole_suite(config) and not collecting_only:
        import fullbook

        _background_build = fullbook.start_in_background(run_dir())


def pytest_unconfigure(config):
    """An interrupted run stops its background build (a finished run has waited for it)."""
    if _background_build is not None and _background_build.poll() is None:
        import signal

        os.killpg(_background_build.pid, signal.SIGTERM)
        _background_build.wait(timeout=60)


def pytest_collection_modifyitems(config, items):
    """Tests that read the full-mode book run last, so no worker waits for it while others work."""
    items.sort(key=lambda item: bool(FULL_BOOK_FIXTURES & set(item.fixturenames)))


def run_dir() -> Path:
    return Path(os.environ[RUN_DIR_ENV])


@contextlib.contextmanager
def _environment(variables: dict[str, str]):
    """Set environment variables (which the kernel inherits) for the duration of the block."""
    saved = {name: os.environ.get(name) for name in variables}
    os.environ.update(variables)
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def run_notebook(path: Path, output: Path, parameters: dict | None = None) -> None:
    """Papermill as the suite runs every notebook: in the notebook's folder, quiet."""
    import papermill

    papermill.execute_notebook(
        str(path),
        str(output),
        cwd=str(path.parent),
        kernel_name="python3",
        progress_bar=False,
        parameters=parameters or None,
        log_output=False,
    )


def execute(
    relpath: str | Path, *, environment: dict[str, str] | None = None, **parameters
) -> ExecutedNotebook:
    """Run a notebook with papermill in its own folder (smoke mode), once per test run.

    ``environment`` adds variables for the kernel (``CNNBOOK_PRECISION``, say). Workers share
    the result through the run folder: the first to ask executes, under a lock; the others wait
    and read its output.
    """
    import nbformat

    path = (ROOT / relpath).resolve()
    name = str(path.relative_to(ROOT))
    slug = name.replace("/", "__")
    for extra in (environment or {}, parameters):
        if extra:
            slug += "__" + "_".join(f"{k}-{v}" for k, v in sorted(extra.items()))
    output = run_dir() / f"{slug}.ipynb"
    timing = run_dir() / f"{slug}.seconds"
    with locked(run_dir() / f"{slug}.lock"):
        if not timing.exists():
            start = time.perf_counter()
            try:
                with _environment(environment or {}):
                    run_notebook(path, output, parameters)
            except Exception:
                timing.write_text("failed")
                raise
            timing.write_text(f"{time.perf_counter() - start:.2f}")
        elif timing.read_text() == "failed":
            pytest.fail(f"{name} failed when another test executed it; see that test's error")
    nb = nbformat.read(output, as_version=4)
    texts, images = _flatten(nb)
    return ExecutedNotebook(path, nb, float(timing.read_text()), texts, images)


@pytest.fixture(scope="session")
def executed():
    """``executed("chapters/x/y.ipynb")`` runs the notebook once per test run and returns it."""
    return execute


def full_execute(relpath: str | Path) -> ExecutedNotebook:
    """The notebook as the suite's strict full-mode book build executed it (tests/fullbook.py)."""
    import fullbook

    build = fullbook.build(run_dir())
    docname = str(Path(relpath).with_suffix(""))
    try:
        nb = fullbook.executed_notebook(docname)
    except KeyError:
        pytest.fail(
            f"{relpath}: the full-mode book build has no executed copy (exit "
            f"{build.returncode}); the build log is in artifacts/book-build.log:\n"
            + build.log[-3000:]
        )
    texts, images = _flatten(nb)
    return ExecutedNotebook(ROOT / relpath, nb, 0.0, texts, images)


@pytest.fixture(scope="session")
def full_executed():
    """``full_executed("chapters/x/y.ipynb")``: its outputs in the full-mode book build."""
    return full_execute


def pytest_terminal_summary(terminalreporter):
    times = {}
    for timing in sorted(run_dir().glob("*.seconds")):
        if timing.read_text() != "failed":
            times[timing.stem.replace("__", "/")] = float(timing.read_text())
    if times:
        terminalreporter.section("notebook execution times (smoke mode)")
        for name, seconds in times.items():
            terminalreporter.write_line(f"{seconds:7.1f} s  {name}")
        terminalreporter.write_line(f"{sum(times.values()):7.1f} s  total")


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


# --- diagrams (cnnbook.diagrams) in executed chapters --------------------------------------------


def svg_figures(run) -> list[str]:
    """The SVG documents the executed chapter shows (the diagrams of cnnbook.diagrams)."""
    return [
        output["data"]["image/svg+xml"]
        for cell in run.nb.cells
        if cell.cell_type == "code"
        for output in cell.get("outputs", [])
        if "image/svg+xml" in output.get("data", {})
    ]


def assert_diagram(run, title: str, labels: list[str]) -> None:
    """One SVG figure has ``title`` and every label (layer names, shapes on the arrows)."""
    found = [svg for svg in svg_figures(run) if f">{title}<" in svg.replace("&amp;", "&")]
    assert found, f"no diagram titled {title!r}"
    for label in labels:
        assert label in found[0], f"{title!r} does not show {label!r}"


# --- animations (cnnbook.animations) in executed chapters ----------------------------------------

ANIMATION_PLAYER = re.compile(r'data-cnnbook-animation="([\w-]+)" data-frames="(\d+)"')


def shown_animations(run) -> list[tuple[str, int]]:
    """(kind, frames) of each cnnbook.animations player the executed chapter displays; each
    cell's HTML stays under 1.5 MB and links nothing on the network."""
    found = []
    for text in run.texts:
        players = [(m[1], int(m[2])) for m in ANIMATION_PLAYER.finditer(text)]
        if players:
            assert len(text.encode()) < 1.5 * 1024 * 1024
            assert not re.search(r"https?://", text)
        found += players
    return found
