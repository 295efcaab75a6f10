"""Find a data set's folder of images: a verified local copy, a download, or an announced fallback.

Order: the cache (``CNNBOOK_DATA_DIR``, else the checkout's ``data/``) verified against the
manifest; else a download; else scikit-learn's packaged handwritten digits (same labels 0-9),
written once as image files so that the same ``image_dataset_from_directory`` code path reads them.
The chapter's output always says which of the three it got.
"""

from __future__ import annotations

import os
import shutil
import textwrap
from dataclasses import dataclass
from pathlib import Path

from cnnbook import paths
from cnnbook.data.fetch import DatasetError, download, partial_folder, verify
from cnnbook.data.registry import DatasetSpec, get_spec

FALLBACK_NAME = "sklearn-digits"
FALLBACK_CITATION = (
    "Alpaydin, E. & Kaynak, C. (1998). Optical Recognition of Handwritten Digits. "
    "UCI Machine Learning Repository (packaged as sklearn.datasets.load_digits)."
)


@dataclass(frozen=True)
class DataSource:
    """A folder with one sub-folder per class, and where it came from."""

    name: str
    image_dir: Path
    origin: str  # "local", "download" or "fallback"
    license: str
    citation: str
    num_files: int

    @property
    def is_fallback(self) -> bool:
        return self.origin == "fallback"


def write_fallback_digits(target: Path, size: int = 32) -> Path:
    """Write scikit-learn's 1,797 8x8 digits as ``size``x``size`` RGB PNGs, one folder per label."""
    if (target / "Dataset").is_dir():
        return target / "Dataset"
    import numpy as np
    from PIL import Image
    from sklearn.datasets import load_digits

    digits = load_digits()
    # Like a download: written in a hidden folder that no interruption leaves behind for long.
    with partial_folder(target.parent, target.name, what="copy") as workdir:
        for index, (image, label) in enumerate(zip(digits.images, digits.target, strict=True)):
            # 0..16 ink on white paper, like a scanned digit.
            grey = (255 - image * (255 / 16)).astype(np.uint8)
            picture = Image.fromarray(grey).resize((size, size), Image.BILINEAR).convert("RGB")
            folder = workdir / "Dataset" / str(label)
            folder.mkdir(parents=True, exist_ok=True)
            picture.save(folder / f"digit_{index:04d}.png")
        if target.exists():
            shutil.rmtree(target)
        os.replace(workdir, target)
    return target / "Dataset"


def _announce_fallback(spec: DatasetSpec, reason: str) -> None:
    bar = "!" * 78
    print(
        f"{bar}\nFALLBACK DATA: {spec.title} is not available here ({reason}).\n"
        "Using scikit-learn's packaged handwritten digits instead (1,797 images, the same labels "
        "0-9).\nFigures below will differ from the published book. To get the real data, run "
        f"with network once, or set CNNBOOK_DATA_DIR to a folder holding {spec.name}/.\n{bar}"
    )


def locate(
    name: str = "sign-language-digits",
    *,
    allow_download: bool = True,
    allow_fallback: bool = True,
    verbose: bool = True,
) -> DataSource:
    """Return the folder of class sub-folders for data set ``name``, saying where it came from."""
    spec = get_spec(name)
    cache = paths.data_dir()
    folder = cache / spec.name
    if folder.is_dir():
        count = verify(folder, spec)  # a damaged copy is an error, never silently replaced
        origin = "local"
    else:
        try:
            if not allow_download:
                raise DatasetError(f"no copy under {cache} and downloading is switched off")
            folder = download(spec, cache, progressbar=verbose)
            count = spec.num_files
            origin = "download"
        except DatasetError as error:
            if not allow_fallback:
                raise
            if verbose:
                _announce_fallback(spec, str(error))
            image_dir = write_fallback_digits(paths.scratch_dir() / FALLBACK_NAME)
            return DataSource(
                name=FALLBACK_NAME,
                image_dir=image_dir,
                origin="fallback",
                license="BSD-3-Clause (scikit-learn) / CC BY 4.0 (UCI)",
                citation=FALLBACK_CITATION,
                num_files=1797,
            )
    if verbose:
        how = "found" if origin == "local" else "downloaded"
        report = (
            f"Data: {spec.title}, {count:,} files {how} in {paths.for_reader(folder)} and "
            f"verified against its sha256 manifest. License {spec.license}. Cite: {spec.citation}"
        )
        print(textwrap.fill(report, width=80, break_on_hyphens=False))
    return DataSource(
        name=spec.name,
        image_dir=folder / spec.image_root,
        origin=origin,
        license=spec.license,
        citation=spec.citation,
        num_files=count,
    )
