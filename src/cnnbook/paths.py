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


class FolderVariableError(ValueError):
    """``CNNBOOK_DATA_DIR`` or ``CNNBOOK_WEIGHTS_DIR`` is set but cannot be the folder it names.

    A set variable is the user's explicit choice, so it is refused with a sentence naming it,
    never silently replaced by the default folder.
    """


def data_dir() -> Path:
    """The data cache: ``$CNNBOOK_DATA_DIR``, else the checkout's ``data/``, else the user cache.

    ``$CNNBOOK_DATA_DIR`` may name a folder that does not exist yet: downloads create it. It may
    not name an existing file (``FolderVariableError``), where nothing could ever be saved.
    """
    if os.environ.get(DATA_DIR_ENV):
        path = Path(os.environ[DATA_DIR_ENV]).expanduser().resolve()
        if path.exists() and not path.is_dir():
            raise FolderVariableError(
                f"{DATA_DIR_ENV}={os.environ[DATA_DIR_ENV]} names a file, not a folder; point "
                "it at a folder (downloads create a missing one) or unset the variable."
            )
        return path
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
    """Weights for offline machines: ``$CNNBOOK_WEIGHTS_DIR``, else ``../shared/weights``.

    ``$CNNBOOK_WEIGHTS_DIR`` naming no folder raises ``FolderVariableError``: nothing downloads
    into it, so a missing one is a typo or an unmounted drive, which the user must hear about
    (returning None made the weights code fall back to a download that failed offline without
    ever naming the folder).
    """
    if os.environ.get(WEIGHTS_DIR_ENV):
        value = os.environ[WEIGHTS_DIR_ENV]
        path = Path(value).expanduser().resolve()
        if not path.is_dir():
            what = "a file, not a folder" if path.exists() else "a folder that does not exist"
            raise FolderVariableError(
                f"{WEIGHTS_DIR_ENV}={value} names {what}; create it with the weights file "
                "or unset the variable."
            )
        return path
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
