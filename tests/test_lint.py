"""ruff lints and formats code and notebooks alike (notebooks: `make format` fixes both)."""

import subprocess
import sys

from conftest import ROOT


def ruff(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "ruff", *args], cwd=ROOT, capture_output=True, text=True
    )


def test_ruff_check_is_clean():
    result = ruff("check", ".")
    assert result.returncode == 0, result.stdout[-4000:]


def test_code_and_notebooks_are_formatted():
    result = ruff("format", "--check", ".")
    assert result.returncode == 0, result.stdout[-4000:]
