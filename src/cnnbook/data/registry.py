"""The data-set registry: what exists, where it comes from, its license, how it is verified.

The entries live in ``data/registry.toml`` of the book's repository, installed with the package as
``cnnbook.catalog`` so that a Colab install carries them too.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from importlib import resources
from pathlib import Path


@dataclass(frozen=True)
class DatasetSpec:
    """One registry entry.

    Integrity is checked either by ``archive_sha256`` (when the archive's bytes are stable) or by a
    per-file manifest of ``sha256  relative/path`` lines (when only the extracted files are).
    """

    name: str
    title: str
    url: str
    license: str
    citation: str
    manifest: Path | None
    image_root: str
    num_classes: int
    num_files: int
    archive_sha256: str | None = None
    description: str = ""
    upstream_commit: str | None = None

    def read_manifest(self) -> dict[str, str]:
        """Map each relative path to its expected sha256."""
        if self.manifest is None:
            return {}
        expected = {}
        for line in self.manifest.read_text().splitlines():
            if line.strip():
                digest, relpath = line.split(maxsplit=1)
                expected[relpath.strip().lstrip("*")] = digest.lower()
        return expected


def _catalog() -> Path:
    return Path(str(resources.files("cnnbook.catalog")))


def load_registry() -> dict[str, DatasetSpec]:
    """Every data set the book knows, by name."""
    catalog = _catalog()
    entries = tomllib.loads((catalog / "registry.toml").read_text())
    specs = {}
    for name, entry in entries.items():
        manifest = entry.pop("manifest", None)
        specs[name] = DatasetSpec(
            name=name, manifest=catalog / manifest if manifest else None, **entry
        )
    return specs


def get_spec(name: str) -> DatasetSpec:
    """The registry entry called ``name``, or a clear error listing the known names."""
    registry = load_registry()
    if name not in registry:
        raise KeyError(f"unknown data set {name!r}; the registry knows {sorted(registry)}")
    return registry[name]
