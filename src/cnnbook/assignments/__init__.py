"""The graded assignments' student side: public tests, otter's grader, the submission export.

The assignments are written for otter-grader (https://otter-grader.readthedocs.io). Otter reads
a question's tests from ``./tests`` beside the notebook; on Colab only the notebook itself is on
the disk, so each assignment's public tests travel inside this package (generated from the
instructor notebook by ``python -m tools.assign sync``) and ``grader()`` copies them out first.
The hidden tests exist only in the instructor's autograder.
"""

from __future__ import annotations

import json
import shutil
from importlib import resources
from pathlib import Path

NAMES = (
    "conv-step-by-step",
    "convnet-keras",
    "residual-networks",
    "transfer-learning-mobilenet",
)


def _check_name(name: str) -> None:
    if name not in NAMES:
        raise ValueError(f"unknown assignment {name!r}; the assignments are {', '.join(NAMES)}")


def grading_mode() -> bool:
    """True while otter's autograder runs the notebook (its own tests must then stay put)."""
    try:
        from otter.check.notebook import Notebook
    except ImportError:
        return False
    return bool(Notebook._grading_mode)


def public_tests(name: str) -> list[Path]:
    """The packaged public test files of assignment ``name``, sorted by file name."""
    _check_name(name)
    folder = resources.files("cnnbook.assignments").joinpath(name, "tests")
    return sorted(
        (Path(str(f)) for f in folder.iterdir() if f.name.endswith(".py")), key=lambda p: p.name
    )


def install_tests(name: str, dest: str | Path = "tests") -> Path:
    """Copy assignment ``name``'s public tests into ``dest`` (not while the autograder grades)."""
    dest = Path(dest)
    if grading_mode():
        return dest
    dest.mkdir(parents=True, exist_ok=True)
    for test in public_tests(name):
        shutil.copyfile(test, dest / test.name)
    return dest


def grader(name: str, tests_dir: str | Path = "tests"):
    """Otter's ``Notebook`` for assignment ``name``, with the public tests in ``tests_dir``."""
    import otter

    install_tests(name, tests_dir)
    notebook = f"{name}.ipynb"
    return otter.Notebook(notebook if Path(notebook).is_file() else None, tests_dir=str(tests_dir))


def export_submission(grader, name: str):
    """Write the file to hand in: a zip locally (otter's export), the notebook itself on Colab.

    Save the notebook first. Does nothing while the autograder grades.
    """
    from cnnbook.runtime import in_colab

    _check_name(name)
    if grading_mode():
        return None
    if in_colab():  # otter cannot export on Colab: ask the browser for the notebook instead
        from google.colab import _message, files

        notebook = _message.blocking_request("get_ipynb", timeout_sec=60)["ipynb"]
        path = Path(f"{name}.ipynb")
        path.write_text(json.dumps(notebook))
        files.download(str(path))
        print(f"Downloading {path}: hand in this file.")
        return path
    return grader.export(f"{name}.ipynb", pdf=False)
