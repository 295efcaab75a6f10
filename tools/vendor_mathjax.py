"""Vendor MathJax 3 into _vendor/mathjax/ so that the book typesets maths without network.

    python tools/vendor_mathjax.py [DEST]      # default DEST: _vendor/mathjax (git-ignored)

npm fetches the pinned package tarball (from its cache when offline, if it was fetched once);
the tarball is checked against the registry's sha512 pinned below, and the parts the book can
load are unpacked: the ``tex-chtml.js`` component, the TeX extensions it autoloads, the CHTML
fonts, and the menu's optional modules (accessibility, speech, SVG output). The book's Sphinx
extension (_ext/cnnbook_book.py) copies the folder into the build's ``_static/`` and
``mathjax_path`` in _config.yml points at it. Running it again with the same version is a no-op.
"""

from __future__ import annotations

import base64
import hashlib
import shutil
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = "mathjax"
VERSION = "3.2.2"
# `npm view mathjax@3.2.2 dist.integrity`
INTEGRITY = (
    "sha512-Bt+SSVU8eBG27zChVewOicYs7Xsdt40qm4+UpHyX7k0/"
    "O9NliPc+x77k1/FEsPsjKPZGJvtRZM1vO+geW0OhGw=="
)
# Combined components at the top of es5/ that the book loads; the others are alternatives.
COMPONENTS = {"tex-chtml.js"}
STAMP = ".vendored"


def integrity(path: Path) -> str:
    return "sha512-" + base64.b64encode(hashlib.sha512(path.read_bytes()).digest()).decode()


def wanted(member: tarfile.TarInfo) -> str | None:
    """The path under DEST for a tarball member, or None to leave it out."""
    name = member.name
    if name == "package/LICENSE":
        return "LICENSE"
    if not name.startswith("package/es5/") or not (member.isfile() or member.isdir()):
        return None
    relative = name.removeprefix("package/es5/")
    if "/" not in relative and relative.endswith(".js") and relative not in COMPONENTS:
        return None
    return relative


def fetch(workdir: Path) -> Path:
    """``npm pack`` the pinned version into workdir; return the verified tarball."""
    npm = shutil.which("npm")
    if npm is None:
        sys.exit("vendor_mathjax: npm is not installed (Debian: apt-get install npm)")
    result = subprocess.run(
        [npm, "pack", f"{PACKAGE}@{VERSION}", "--pack-destination", str(workdir)]
        + ["--prefer-offline", "--silent", "--json"],
        capture_output=True,
        text=True,
    )
    if result.returncode != 0:
        sys.exit(f"vendor_mathjax: npm pack {PACKAGE}@{VERSION} failed:\n{result.stderr}")
    tarballs = list(workdir.glob("*.tgz"))
    if len(tarballs) != 1:
        sys.exit(f"vendor_mathjax: expected one tarball from npm pack, found {tarballs}")
    found = integrity(tarballs[0])
    if found != INTEGRITY:
        sys.exit(f"vendor_mathjax: {tarballs[0].name} has {found}, expected {INTEGRITY}")
    return tarballs[0]


def vendor(dest: Path) -> None:
    stamp = dest / STAMP
    if stamp.is_file() and stamp.read_text().split() == [VERSION, INTEGRITY]:
        if all((dest / c).is_file() for c in COMPONENTS):
            print(f"MathJax {VERSION} already in {dest}")
            return
    with tempfile.TemporaryDirectory() as tmp:
        tarball = fetch(Path(tmp))
        staging = Path(tmp) / "mathjax"
        count = 0
        with tarfile.open(tarball) as archive:
            for member in archive.getmembers():
                relative = wanted(member)
                if relative is None:
                    continue
                member.name = relative
                archive.extract(member, staging, filter="data")
                count += member.isfile()
        missing = [c for c in COMPONENTS if not (staging / c).is_file()]
        if missing:
            sys.exit(f"vendor_mathjax: {missing} not in {tarball.name}")
        (staging / STAMP).write_text(f"{VERSION}\n{INTEGRITY}\n")
        dest.parent.mkdir(parents=True, exist_ok=True)
        shutil.rmtree(dest, ignore_errors=True)
        shutil.move(staging, dest)
    size = sum(p.stat().st_size for p in dest.rglob("*") if p.is_file())
    print(f"MathJax {VERSION}: {count:,} files, {size / 1e6:.1f} MB in {dest}")


def main(argv: list[str]) -> int:
    dest = Path(argv[0]) if argv else ROOT / "_vendor" / "mathjax"
    vendor(dest.resolve())
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
