"""Fetch a registered data set into the cache, verify it, and write it atomically.

A download goes to a hidden temporary folder beside its destination; only a fully extracted and
verified copy is renamed into place, so a failure leaves nothing behind but the error message.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
import zipfile
from pathlib import Path, PurePosixPath

from cnnbook import paths
from cnnbook.data.registry import DatasetSpec


class DatasetError(RuntimeError):
    """A data set could not be fetched or failed verification; the message says what to do."""


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def find_problems(folder: Path, spec: DatasetSpec) -> tuple[int, str | None]:
    """Compare ``folder`` with ``spec``'s manifest: (files expected, a description of what differs)."""
    expected = spec.read_manifest()
    missing, wrong = [], []
    for relpath, digest in expected.items():
        path = folder / relpath
        if not path.is_file():
            missing.append(relpath)
        elif sha256_of(path) != digest:
            wrong.append(relpath)
    problems = []
    if missing:
        problems.append(f"{len(missing)} missing (first: {missing[0]})")
    if wrong:
        problems.append(f"{len(wrong)} with a different sha256 (first: {wrong[0]})")
    return len(expected), "; ".join(problems) or None


def verify(folder: Path, spec: DatasetSpec) -> int:
    """Check every file of ``spec``'s manifest under ``folder``; return how many were checked."""
    count, problems = find_problems(folder, spec)
    if problems:
        raise DatasetError(
            f"{spec.name} at {folder} does not match its manifest: expected {count:,} files "
            f"with the listed sha256, found {problems}. Delete {folder} and fetch it again, "
            "or point CNNBOOK_DATA_DIR at a good copy."
        )
    return count


def _describe_bad_archive(path: Path) -> str:
    head = path.read_bytes()[:64]
    if head.lstrip().lower().startswith((b"<!doctype html", b"<html")):
        return "an HTML page (the server answered with a web page, not the archive)"
    if head.startswith(b"PK"):
        return f"a damaged or truncated zip archive ({path.stat().st_size:,} bytes)"
    return f"{path.stat().st_size:,} bytes that are not a zip archive (starting {head[:16]!r})"


def _extract(archive: Path, into: Path) -> Path:
    """Extract ``archive`` safely; return the folder holding its content (one top folder stripped)."""
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
    entries = [entry for entry in into.iterdir()]
    return entries[0] if len(entries) == 1 and entries[0].is_dir() else into


def download(spec: DatasetSpec, cache: Path, *, progressbar: bool = True) -> Path:
    """Download, extract and verify ``spec`` into ``cache / spec.name``; return that folder."""
    import pooch
    import requests

    destination = cache / spec.name
    cache.mkdir(parents=True, exist_ok=True)
    workdir = Path(tempfile.mkdtemp(prefix=f".{spec.name}-partial-", dir=cache))
    try:
        try:
            archive = pooch.retrieve(
                spec.url,
                known_hash=f"sha256:{spec.archive_sha256}" if spec.archive_sha256 else None,
                fname="archive.zip",
                path=workdir,
                progressbar=progressbar,
            )
        except requests.HTTPError as error:
            raise DatasetError(
                f"could not download {spec.name} from {spec.url}: the server answered "
                f"{error.response.status_code if error.response is not None else error}. "
                "Check the URL in data/registry.toml or fetch the files by hand "
                "(see the README's data section)."
            ) from error
        except ValueError as error:  # pooch's hash mismatch
            raise DatasetError(
                f"the archive of {spec.name} from {spec.url} is corrupt: expected sha256 "
                f"{spec.archive_sha256}, found something else ({error}). Try again later."
            ) from error
        except requests.RequestException as error:
            raise DatasetError(
                f"could not reach {spec.url} ({type(error).__name__}). Without network, put a "
                "verified copy in CNNBOOK_DATA_DIR (see the README's data section)."
            ) from error
        content = _extract(Path(archive), workdir / "extracted")
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
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
