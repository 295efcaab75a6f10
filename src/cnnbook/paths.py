"""Where things live on disk: the repository checkout (if any), the data cache, local weights."""

from __future__ import annotations

import os
from pathlib import Path

DATA_DIR_ENV = "CNNBOOK_DATA_DIR"
WEIGHTS_DIR_ENV = "CNNBOOK_WEIGHTS_DIR"


def repo_root() -> Path | None:
    """The book's checkout when the package is installed from one (``pip install -e .``)."""
    root = Path(__file__).resolve().parents[2]
    return root if (root / "_config.yml").is_file() and (root / "data").is_dir() else None


def data_dir() -> Path:
    """The data cache: ``$CNNBOOK_DATA_DIR``, else the checkout's ``data/``, else the user cache."""
    if os.environ.get(DATA_DIR_ENV):
        return Path(os.environ[DATA_DIR_ENV]).expanduser().resolve()
    root = repo_root()
    if root is not None:
        return root / "data"
    import pooch

    return Path(pooch.os_cache("cnnbook"))


def scratch_dir() -> Path:
    """A writable folder for things we create (fallback data, a seeded KERAS_HOME)."""
    root = repo_root()
    if root is not None:
        return root / "data" / ".scratch"
    import pooch

    return Path(pooch.os_cache("cnnbook"))


def local_weights_dir() -> Path | None:
    """Weights for offline machines: ``$CNNBOOK_WEIGHTS_DIR``, else ``../shared/weights``."""
    if os.environ.get(WEIGHTS_DIR_ENV):
        path = Path(os.environ[WEIGHTS_DIR_ENV]).expanduser().resolve()
        return path if path.is_dir() else None
    root = repo_root()
    if root is not None and (root.parent / "shared" / "weights").is_dir():
        return (root.parent / "shared" / "weights").resolve()
    return None


def for_reader(path: Path) -> str:
    """``path`` as a reader can use it, without the absolute path of the machine that ran it.

    Under ``$CNNBOOK_DATA_DIR`` or ``$CNNBOOK_WEIGHTS_DIR``: the variable and the rest; in the
    checkout or beside it (``../shared``, also when that is a link): relative to the checkout;
    in the home folder: from ``~``. The published book is built on one machine and read on
    others, so its outputs name the folder by what points to it, not by where it was on the
    build machine.
    """
    given = Path(path).expanduser().absolute()
    forms = [given, given.resolve()]
    anchors = []
    for name in (DATA_DIR_ENV, WEIGHTS_DIR_ENV):
        if os.environ.get(name):
            folder = Path(os.environ[name]).expanduser().absolute()
            anchors += [(folder, f"${name}"), (folder.resolve(), f"${name}")]
    root = repo_root()
    if root is not None:
        shared = root.parent / "shared"
        anchors += [(root, "."), (shared, "../shared"), (shared.resolve(), "../shared")]
        anchors.append((root.parent, ".."))
    anchors.append((Path.home().resolve(), "~"))
    for anchor, label in anchors:
        for form in forms:
            if form == anchor or anchor in form.parents:
                rest = form.relative_to(anchor).as_posix()
                return label if rest == "." else f"{label}/{rest}".removeprefix("./")
    return given.name
