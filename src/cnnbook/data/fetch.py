"""Fetch a registered data set into the cache, verify it, and write it atomically.

A download goes to a hidden temporary folder beside its destination; only a fully extracted and
verified copy is renamed into place, so a failure leaves nothing behind but the error message.
The temporary folder carries the process id, so a run killed outright (``kill -9``, a crashed
kernel) leaves a folder that the next run recognises as stale and removes; SIGTERM is turned into
an ordinary exit while a download runs, so the clean-up in ``finally`` happens then too.
"""

from __future__ import annotations

import contextlib
import glob
import hashlib
import http.client
import os
import shutil
import signal
import socket
import tempfile
import threading
import zipfile
from collections.abc import Iterator
from pathlib import Path, PurePosixPath
from urllib.parse import urlsplit

from cnnbook import paths
from cnnbook.data.registry import DatasetSpec

# Seconds a server may take to accept the connection, and then between two pieces of the body:
# long enough for a slow network, short enough that a stalled server is named, not waited for.
DOWNLOAD_TIMEOUT = 60.0

# Files the operating system drops into folders it shows. Keras reads only image extensions, so
# these never become data; reporting them would fail a good copy that someone merely browsed.
OS_LITTER = frozenset({".DS_Store", "Thumbs.db", "desktop.ini"})

COPY_ADVICE = "put a verified copy in CNNBOOK_DATA_DIR (see the README's data section)"


class DatasetError(RuntimeError):
    """A data set could not be fetched or failed verification; the message says what to do."""


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _unlisted(folder: Path, spec: DatasetSpec, expected: dict[str, str]) -> list[str]:
    """Files (and class folders) beside the manifest's files that the manifest does not list.

    Keras reads every image file of every sub-folder of the image root, so one extra photo, or one
    extra (even empty) class folder, changes what the chapters train on although every listed
    file is intact. Searched: everything under ``spec.image_root`` and the folders that hold
    manifest files; OS litter (``OS_LITTER``) is not reported since Keras does not read it.
    """
    listed = set(expected)
    listed_dirs = {str(parent) for rel in expected for parent in PurePosixPath(rel).parents}
    found: set[str] = set()

    def consider(path: Path) -> None:
        rel = path.relative_to(folder).as_posix()
        if path.is_dir():
            if rel not in listed_dirs:
                found.add(rel + "/")
        elif rel not in listed and path.name not in OS_LITTER:
            found.add(rel)

    root = folder / spec.image_root if spec.image_root.strip("./") else None
    if root is not None and root.is_dir():
        for path in root.rglob("*"):
            # A folder deeper down is only reported through the files in it; a folder right
            # under the root is a class to Keras even when empty.
            if path.is_file() or path.parent == root:
                consider(path)
    for rel_dir in listed_dirs - {"."}:
        if (folder / rel_dir).is_dir():
            for path in (folder / rel_dir).iterdir():
                if path.is_file():
                    consider(path)
    return sorted(found)


def find_problems(folder: Path, spec: DatasetSpec) -> tuple[int, str | None]:
    """Compare ``folder`` with ``spec``'s manifest: (files expected, a description of what differs).

    Differences are missing files, files with another sha256, and files the manifest does not
    list among its folders (see ``_unlisted``): a copy is verified only if Keras would read
    exactly the listed files.
    """
    expected = spec.read_manifest()
    missing, wrong = [], []
    for relpath, digest in expected.items():
        path = folder / relpath
        if not path.is_file():
            missing.append(relpath)
        elif sha256_of(path) != digest:
            wrong.append(relpath)
    extra = _unlisted(folder, spec, expected) if expected else []
    problems = []
    if missing:
        problems.append(f"{len(missing)} missing (first: {missing[0]})")
    if wrong:
        problems.append(f"{len(wrong)} with a different sha256 (first: {wrong[0]})")
    if extra:
        problems.append(f"{len(extra)} not in the manifest (first: {extra[0]})")
    return len(expected), "; ".join(problems) or None


def verify(folder: Path, spec: DatasetSpec) -> int:
    """Check every file of ``spec``'s manifest under ``folder``; return how many were checked."""
    count, problems = find_problems(folder, spec)
    if problems:
        raise DatasetError(
            f"{spec.name} at {folder} does not match its manifest: expected {count:,} files "
            f"with the listed sha256 and no others, found {problems}. Remove files you added "
            f"there, or delete {folder} and fetch it again, or point CNNBOOK_DATA_DIR at a "
            "good copy."
        )
    return count


def _pid_alive(pid: int) -> bool:
    if os.name == "nt":  # os.kill(pid, 0) would send Ctrl-C there: never call a folder stale
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # PermissionError: alive, someone else's
        return True
    return True


def remove_stale_partials(parent: Path, name: str, what: str = "download") -> list[Path]:
    """Remove ``parent/.{name}-partial-*`` folders that no living process is writing.

    A folder whose process id is gone, or that has none (the format before ids), was left by a
    run that was killed before its ``finally``; nothing else would ever remove it. One line says
    what was removed, so a reader who sees disk space come back knows why.
    """
    prefix = f".{name}-partial-"
    removed = []
    for path in sorted(parent.glob(glob.escape(prefix) + "*")):
        pid, sep, _ = path.name[len(prefix) :].partition("-")
        if (sep and pid.isdigit() and _pid_alive(int(pid))) or not path.is_dir():
            continue
        shutil.rmtree(path, ignore_errors=True)
        removed.append(path)
    if removed:
        runs = "an interrupted run" if len(removed) == 1 else "interrupted runs"
        noun = f"partial {what}" + ("s" if len(removed) > 1 else "")
        listing = ", ".join(paths.for_reader(p) for p in removed)
        print(f"Removed {len(removed)} {noun} left by {runs}: {listing}")
    return removed


@contextlib.contextmanager
def _sigterm_exits() -> Iterator[None]:
    """While the block runs in the main thread, SIGTERM raises SystemExit (then restored).

    Python's default SIGTERM ends the process without running ``finally``; as an exception it
    unwinds like Ctrl-C, so the partial folder is removed. Other threads cannot set handlers.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def exit_now(signum, frame):
        raise SystemExit(128 + signum)

    previous = signal.signal(signal.SIGTERM, exit_now)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, signal.SIG_DFL if previous is None else previous)


@contextlib.contextmanager
def partial_folder(parent: Path, name: str, what: str = "download") -> Iterator[Path]:
    """A hidden work folder ``parent/.{name}-partial-{pid}-*``, gone however the block ends.

    Stale folders of ``name`` are removed first (``remove_stale_partials``); the process id in
    the name is what lets a later run tell a dead run's folder from a running one's.
    """
    parent.mkdir(parents=True, exist_ok=True)
    remove_stale_partials(parent, name, what)
    with _sigterm_exits():
        workdir = Path(tempfile.mkdtemp(prefix=f".{name}-partial-{os.getpid()}-", dir=parent))
        try:
            yield workdir
        finally:
            shutil.rmtree(workdir, ignore_errors=True)


def _describe_bad_archive(path: Path) -> str:
    head = path.read_bytes()[:64]
    if head.lstrip().lower().startswith((b"<!doctype html", b"<html")):
        return "an HTML page (the server answered with a web page, not the archive)"
    if head.startswith(b"PK"):
        return f"a damaged or truncated zip archive ({path.stat().st_size:,} bytes)"
    return f"{path.stat().st_size:,} bytes that are not a zip archive (starting {head[:16]!r})"


def _content_root(into: Path, spec: DatasetSpec) -> Path:
    """The folder under ``into`` where the manifest's relative paths resolve.

    Archives differ in their top: GitHub wraps everything in ``<repo>-<commit>/``, a hand-made
    zip may start at ``Dataset/``. So the paths decide: ``into`` itself, or the folder reached
    through single wrapper folders (macOS's ``__MACOSX`` and OS litter aside), whichever holds
    one of the first few listed files. Without a manifest, the image root is the probe.
    """
    probes = list(spec.read_manifest())[:3] or [spec.image_root]
    folder = into
    for _ in range(4):  # the top and up to three wrappers
        if any(probe and (folder / probe).exists() for probe in probes):
            return folder
        entries = [e for e in folder.iterdir() if e.name not in OS_LITTER | {"__MACOSX"}]
        if len(entries) != 1 or not entries[0].is_dir():
            break
        folder = entries[0]
    if not any(probes):  # nothing to match: keep the one wrapper a GitHub archive has
        entries = list(into.iterdir())
        return entries[0] if len(entries) == 1 and entries[0].is_dir() else into
    # Name what the search stopped at: the top, or the last wrapper folder it went into.
    top = sorted(e.name + ("/" if e.is_dir() else "") for e in folder.iterdir())
    shown = ", ".join(top[:5]) + (f" and {len(top) - 5} more" if len(top) > 5 else "")
    if folder != into:
        shown = f"only {folder.relative_to(into).as_posix()}/, which holds {shown or 'nothing'}"
    raise DatasetError(
        f"the layout of the archive of {spec.name} from {spec.url} does not contain the "
        f"manifest's paths: expected {probes[0]} at its top or inside a single wrapper folder, "
        f"but its top holds {shown or 'nothing'}. Nothing was kept; check the URL in "
        "data/registry.toml (upstream may have moved its files), or " + COPY_ADVICE + "."
    )


def _extract(archive: Path, into: Path, spec: DatasetSpec) -> Path:
    """Extract ``archive`` safely; return the folder where ``spec``'s manifest paths resolve."""
    try:
        with zipfile.ZipFile(archive) as bundle:
            if bundle.testzip() is not None:
                raise zipfile.BadZipFile("CRC check failed")
            for member in bundle.namelist():
                parts = PurePosixPath(member).parts
                if member.startswith("/") or ".." in parts:
                    raise DatasetError(f"refusing archive member outside the folder: {member!r}")
            bundle.extractall(into)
    except (zipfile.BadZipFile, EOFError, OSError) as error:
        raise DatasetError(
            f"expected a zip archive, found {_describe_bad_archive(archive)} ({error})."
        ) from error
    return _content_root(into, spec)


def _exception_chain(error: BaseException) -> list[BaseException]:
    """``error`` and every exception it wraps: causes, contexts, ``reason``s and exception args.

    requests re-wraps urllib3's errors (a read timeout while streaming the body arrives as a
    ``requests.ConnectionError``), so the type on top does not say what happened; the chain does.
    """
    chain: list[BaseException] = []
    pending: list[object] = [error]
    while pending:
        item = pending.pop(0)
        if not isinstance(item, BaseException) or any(item is seen for seen in chain):
            continue
        chain.append(item)
        pending += [item.__cause__, item.__context__, getattr(item, "reason", None), *item.args]
    return chain


def _network_failure(spec: DatasetSpec, error: Exception) -> DatasetError:
    """One sentence saying what went wrong on the network for ``spec.url``, and what to do."""
    import requests
    import urllib3.exceptions as u3

    chain = _exception_chain(error)
    text = " ".join(str(item) for item in chain)

    def has(*types: type) -> bool:
        return any(isinstance(item, types) for item in chain)

    url, host = spec.url, urlsplit(spec.url).hostname or spec.url
    port = urlsplit(spec.url).port
    seconds = f"{DOWNLOAD_TIMEOUT:g} s"
    name_error = getattr(u3, "NameResolutionError", socket.gaierror)
    if has(
        requests.exceptions.InvalidURL,
        requests.exceptions.MissingSchema,
        requests.exceptions.InvalidSchema,
    ):
        return DatasetError(
            f"{url} is not a valid download address ({error}). Check the URL in data/registry.toml."
        )
    # urllib3's NewConnectionError (refused, unresolved) subclasses ConnectTimeoutError.
    timed_out = any(
        isinstance(item, u3.ConnectTimeoutError) and not isinstance(item, u3.NewConnectionError)
        for item in chain
    )
    if has(requests.exceptions.ConnectTimeout) or timed_out:
        what = f"could not connect to {host} for {url}: no answer within {seconds}"
    elif has(name_error, socket.gaierror) or any(
        words in text
        for words in (
            "Failed to resolve",
            "Name or service not known",
            "Temporary failure in name resolution",
            "nodename nor servname",
        )
    ):
        what = f"could not look up {host} for {url}: the name does not resolve (no network "
        what += "here, or a mistyped host)"
    elif has(ConnectionRefusedError) or "Connection refused" in text:
        where = f"{host}:{port}" if port else host
        what = f"{where} refused the connection for {url}: nothing is listening there (the "
        what += "server is down, or the port is wrong)"
    elif has(requests.exceptions.ReadTimeout, u3.ReadTimeoutError, TimeoutError):
        what = f"{host} was reached but stopped sending {url}: nothing arrived for {seconds}"
    elif has(
        requests.exceptions.ChunkedEncodingError,
        requests.exceptions.ContentDecodingError,
        u3.ProtocolError,
        http.client.IncompleteRead,
        ConnectionResetError,
    ):
        what = f"the connection to {host} closed before all of {url} had arrived"
        short = next((i for i in chain if isinstance(i, http.client.IncompleteRead)), None)
        if short is not None and isinstance(short.expected, int):
            got = short.partial if isinstance(short.partial, int) else len(short.partial)
            what += f" ({got:,} bytes read, {short.expected:,} more expected)"
    else:
        deepest = chain[-1]
        what = f"could not reach {url} ({type(deepest).__name__}: {deepest})"
    return DatasetError(f"{what}. Try again later; without network, {COPY_ADVICE}.")


def download(spec: DatasetSpec, cache: Path, *, progressbar: bool = True) -> Path:
    """Download, extract and verify ``spec`` into ``cache / spec.name``; return that folder."""
    import pooch
    import requests

    destination = cache / spec.name
    with partial_folder(cache, spec.name) as workdir:
        downloader = pooch.HTTPDownloader(progressbar=progressbar, timeout=DOWNLOAD_TIMEOUT)
        try:
            archive = pooch.retrieve(
                spec.url,
                known_hash=f"sha256:{spec.archive_sha256}" if spec.archive_sha256 else None,
                fname="archive.zip",
                path=workdir,
                downloader=downloader,
            )
        except requests.HTTPError as error:
            raise DatasetError(
                f"could not download {spec.name} from {spec.url}: the server answered "
                f"{error.response.status_code if error.response is not None else error}. "
                "Check the URL in data/registry.toml or fetch the files by hand "
                "(see the README's data section)."
            ) from error
        except requests.RequestException as error:  # before ValueError: InvalidURL is both
            raise _network_failure(spec, error) from error
        except ValueError as error:  # pooch's hash mismatch
            raise DatasetError(
                f"the archive of {spec.name} from {spec.url} is corrupt: expected sha256 "
                f"{spec.archive_sha256}, found something else ({error}). Try again later."
            ) from error
        content = _extract(Path(archive), workdir / "extracted", spec)
        count, problems = find_problems(content, spec)
        if problems:
            raise DatasetError(
                f"the download of {spec.name} from {spec.url} does not match its manifest: "
                f"expected {count:,} files with the listed sha256, found {problems}. Nothing was "
                "kept; try again, and report it if it persists (upstream may have changed)."
            )
        if destination.exists():
            shutil.rmtree(destination)
        os.replace(content, destination)  # atomic on one file system: all or nothing
        print(
            f"Downloaded {spec.name} and verified {count:,} files into "
            f"{paths.for_reader(destination)}"
        )
        return destination
