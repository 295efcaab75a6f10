"""Check a folder of images the way ``keras.utils.image_dataset_from_directory`` will read it.

A learner's own folder of phone photos goes wrong in ways TensorFlow reports late and badly: a
truncated JPEG stops training at the first epoch with ``InvalidArgumentError ... IteratorGetNext``
and no file named; a folder one level too high trains "fine" on one class; a ``.txt`` or an
empty class folder passes without a word. ``check_image_folder`` reads every file once with
Pillow before anything trains and says, per file and for the folder, what is wrong.

What Keras does, which the check mirrors: with ``labels="inferred"`` each sub-folder of the
root is a class (sorted by name, empty ones included), files are found recursively below it,
and only the extensions ``.bmp .gif .jpeg .jpg .png`` are read (case-insensitive; anything else
is skipped silently). ``tf.io.decode_image`` reads a file by its content, not its extension,
ignores EXIF orientation, and drops alpha.

Taught in *Transfer learning* (your own photos).
"""

from __future__ import annotations

import hashlib
import json
import os
import warnings
from collections import defaultdict
from dataclasses import asdict, dataclass, field
from pathlib import Path

from cnnbook.data.fetch import sha256_of

KERAS_EXTENSIONS = (".bmp", ".gif", ".jpeg", ".jpg", ".png")
# Formats tf.io.decode_image reads (Pillow's names; MPO is the JPEG variant many phones write).
TENSORFLOW_FORMATS = {"BMP", "GIF", "JPEG", "MPO", "PNG", "WEBP"}
EXTENSION_FORMATS = {
    ".bmp": {"BMP"},
    ".gif": {"GIF"},
    ".jpeg": {"JPEG", "MPO"},
    ".jpg": {"JPEG", "MPO"},
    ".png": {"PNG"},
}
LARGE_SIDE = 4096  # longer side, in pixels, above which a photo is worth resizing once
IMBALANCE_RATIO = 3.0  # largest class / smallest class above which the check warns
PROGRESS_FROM = 200  # files; below this a bar only flickers
EXIF_ORIENTATION = 0x0112
ROTATIONS = {
    3: "upside down (EXIF orientation 3)",
    6: "on its side (EXIF orientation 6)",
    8: "on its side (EXIF orientation 8)",
}


class ImageFolderError(ValueError):
    """A folder of images cannot be used as it is; the message lists what is wrong."""


# What happens to a file, from worst to mildest.
EXCLUDED = "excluded"  # not read: it would crash training or mislabel it
CONVERTED = "converted"  # read from a corrected copy (rotated upright, resized once)
NOTE = "note"  # read as it is; worth knowing
IGNORED = "ignored"  # not an image Keras reads; left out, as Keras leaves it out
HEADINGS = {
    EXCLUDED: "Left out (would crash or mislabel training):",
    CONVERTED: "Read from a corrected copy:",
    NOTE: "Read as they are (worth knowing):",
    IGNORED: "Skipped, as Keras skips them:",
}


@dataclass(frozen=True)
class FileFinding:
    """One thing wrong with one file (a file can have several findings)."""

    path: str  # relative to the checked folder, with "/" separators
    action: str  # EXCLUDED, CONVERTED, NOTE or IGNORED
    problem: str  # a short key: "truncated", "not-an-image", "exif-rotation", ...
    message: str


@dataclass
class FolderReport:
    """What ``check_image_folder`` found: per class, per file, and for the folder as a whole.

    ``unusable`` holds the folder-level problems that stop training (wrong level, fewer than
    two classes with images); ``warnings`` the ones worth reading first (empty classes,
    imbalance, duplicates across classes).
    """

    root: str
    classes: dict[str, int]  # class folder -> images that will be read (after exclusions)
    files_seen: int
    findings: list[FileFinding] = field(default_factory=list)
    unusable: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    large_side: int = LARGE_SIDE

    @property
    def usable(self) -> bool:
        return not self.unusable

    def paths_with(self, action: str) -> list[str]:
        return sorted({f.path for f in self.findings if f.action == action})

    @property
    def excluded(self) -> list[str]:
        return self.paths_with(EXCLUDED)

    @property
    def converted(self) -> list[str]:
        return sorted(set(self.paths_with(CONVERTED)) - set(self.excluded))

    @property
    def class_names(self) -> list[str]:
        """The classes that keep at least one image, in Keras's (sorted) order."""
        return [name for name, count in sorted(self.classes.items()) if count]

    def to_json(self) -> str:
        return json.dumps(asdict(self) | {"usable": self.usable}, indent=2)

    def summary(self) -> str:
        """One line: classes, images, and how many files each action touches."""
        images = sum(self.classes.values())
        excluded = set(self.excluded)
        parts = [
            f"{len(self.class_names)} classes, {images:,} images to read "
            f"of {self.files_seen:,} files"
        ]
        for action in (EXCLUDED, CONVERTED, NOTE, IGNORED):
            touched = set(self.paths_with(action))
            count = len(touched if action == EXCLUDED else touched - excluded)
            if count:
                parts.append(f"{count:,} {action}")
        from cnnbook.paths import for_reader

        return f"{for_reader(Path(self.root))}: " + ", ".join(parts)

    def __str__(self) -> str:
        """The report, wrapped to 80 characters (the book's code column and a narrow Colab)."""
        import textwrap

        lines = [self.summary()]
        for heading, items in (
            ("Cannot train on this folder:", self.unusable),
            ("Warnings:", self.warnings),
        ):
            if items:
                lines.append(heading)
                lines += [f"  - {item}" for item in items]
        if self.classes:
            lines.append(
                "Images per class: "
                + ", ".join(f"{name} {count:,}" for name, count in sorted(self.classes.items()))
            )
        for action in (EXCLUDED, CONVERTED, NOTE, IGNORED):
            found = [f for f in self.findings if f.action == action]
            if found:
                lines.append(HEADINGS[action])
                lines += [f"  {f.path}: {f.message}" for f in found]
        return "\n".join(
            textwrap.fill(line, width=80, subsequent_indent="    ", break_on_hyphens=False)
            for line in lines
        )


def _inspect_image(path: Path, relpath: str, large_side: int) -> list[FileFinding]:
    """Open ``path`` with Pillow and decode it fully; what stops or changes its reading."""
    from PIL import Image, UnidentifiedImageError

    extension = path.suffix.lower()
    kind = None
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(path) as image:
                kind, mode, size = image.format, image.mode, image.size
                orientation = image.getexif().get(EXIF_ORIENTATION, 1)
                transparent = "transparency" in image.info
                image.load()  # decodes every pixel: a truncated file fails here
    except UnidentifiedImageError:
        head = path.read_bytes()[:32]
        what = "empty" if not head else f"starts {head[:12]!r}"
        return [
            FileFinding(
                relpath,
                EXCLUDED,
                "not-an-image",
                f"not an image at all ({path.stat().st_size:,} bytes, {what})",
            )
        ]
    except (Image.DecompressionBombWarning, Image.DecompressionBombError) as error:
        return [
            FileFinding(
                relpath, EXCLUDED, "too-large", f"too many pixels to decode safely ({error})"
            )
        ]
    except (OSError, SyntaxError, ValueError) as error:
        problem = "truncated" if "truncated" in str(error) else "unreadable"
        return [
            FileFinding(
                relpath,
                EXCLUDED,
                problem,
                f"{'truncated' if problem == 'truncated' else 'damaged'} "
                f"{kind or 'image'} ({error}); TensorFlow "
                "would stop training at the batch that holds it",
            )
        ]
    findings = []
    if kind not in TENSORFLOW_FORMATS:
        return [
            FileFinding(
                relpath,
                EXCLUDED,
                "unsupported-format",
                f"a {kind} image, which TensorFlow cannot decode: save it as JPEG or PNG",
            )
        ]
    if kind not in EXTENSION_FORMATS.get(extension, {kind}):
        findings.append(
            FileFinding(
                relpath,
                NOTE,
                "extension",
                f"{kind} content with a {path.suffix} extension: TensorFlow reads it by content, "
                f"other tools may not; rename it to .{kind.lower().replace('mpo', 'jpg')}",
            )
        )
    if orientation in ROTATIONS:
        findings.append(
            FileFinding(
                relpath,
                CONVERTED,
                "exif-rotation",
                f"the camera stored it {ROTATIONS[orientation]}; TensorFlow ignores EXIF, so a "
                "copy turned upright is read",
            )
        )
    elif orientation not in (1, None):
        findings.append(
            FileFinding(
                relpath,
                CONVERTED,
                "exif-rotation",
                f"EXIF orientation {orientation} (mirrored); a copy turned upright is read",
            )
        )
    if max(size) > large_side:
        findings.append(
            FileFinding(
                relpath,
                CONVERTED,
                "large",
                f"{size[0]}x{size[1]} pixels; resized once to at most {large_side} a side, so it "
                "is not decoded at full size on every pass",
            )
        )
    if mode == "CMYK":
        findings.append(
            FileFinding(relpath, NOTE, "mode", "CMYK colours; TensorFlow converts them to RGB")
        )
    elif mode in ("I;16", "I;16B", "I;16L", "I", "F"):
        findings.append(
            FileFinding(
                relpath,
                NOTE,
                "mode",
                f"{mode} ({'16-bit' if '16' in mode else '32-bit'}) pixels; read as 8-bit",
            )
        )
    elif mode in ("RGBA", "LA", "PA") or (mode == "P" and transparent):
        findings.append(
            FileFinding(
                relpath,
                NOTE,
                "mode",
                "has transparency; TensorFlow drops it, so transparent "
                "pixels show whatever colour they store",
            )
        )
    elif mode in ("L", "1"):
        findings.append(
            FileFinding(
                relpath, NOTE, "mode", "greyscale; read with the grey copied into R, G and B"
            )
        )
    return findings


def _looks_like_class_folders(folder: Path) -> bool:
    """True when ``folder``'s sub-folders hold image files (so it is a root, not a class)."""
    return any(
        child.is_dir()
        and any(f.suffix.lower() in KERAS_EXTENSIONS for f in child.rglob("*") if f.is_file())
        for child in folder.iterdir()
    )


def _class_files(class_dir: Path) -> list[Path]:
    """Every file below ``class_dir``, as Keras walks it (recursively, links not followed)."""
    found = []
    for here, dirs, files in os.walk(class_dir):
        dirs.sort()
        found += [Path(here) / name for name in sorted(files)]
    return found


def check_image_folder(
    path,
    *,
    classes: list[str] | None = None,
    large_side: int = LARGE_SIDE,
    progress: bool | None = None,
) -> FolderReport:
    """Check ``path`` (one sub-folder per class) before ``image_dataset_from_directory`` reads it.

    Every file is decoded once with Pillow. Per file it reports an unreadable, truncated or
    non-image file, content that does not match its extension, a format TensorFlow cannot
    decode, EXIF rotation, CMYK, 16-bit, alpha and greyscale modes, photos longer than
    ``large_side`` pixels, files Keras skips (``.txt``, ``.DS_Store``, ``.heic``), and copies of
    one photo (the same sha256). For the folder: missing (``classes``) or empty class folders,
    a folder one level too high or too low, fewer than two classes, class imbalance, and
    photos filed under two classes. ``progress`` draws a bar (default: on large folders when
    someone watches). Returns a ``FolderReport``; ``print(report)`` reads well.
    """
    root = Path(path).expanduser()
    if not root.exists():
        raise ImageFolderError(
            f"{root} does not exist: give the folder that holds one sub-folder per class"
        )
    if not root.is_dir():
        raise ImageFolderError(
            f"{root} is a file, not a folder: give the folder that holds one sub-folder per class"
        )
    if isinstance(large_side, bool) or not isinstance(large_side, int) or large_side < 1:
        raise ValueError(f"large_side must be a positive number of pixels, got {large_side!r}")
    report = FolderReport(root=str(root), classes={}, files_seen=0, large_side=large_side)
    class_dirs = sorted(
        (child for child in root.iterdir() if child.is_dir()), key=lambda child: child.name
    )
    loose = [
        child
        for child in root.iterdir()
        if child.is_file() and child.suffix.lower() in KERAS_EXTENSIONS
    ]
    if not class_dirs:
        where = f"{len(loose):,} images sit directly in it" if loose else "it holds no folders"
        report.unusable.append(
            f"{root} has no class folders ({where}): one level too low? Give the folder "
            f"that holds one sub-folder per class, such as {root.parent}, with the images "
            "of each class in its own sub-folder."
        )
        return report
    if (
        len(class_dirs) == 1
        and _looks_like_class_folders(class_dirs[0])
        and not any(
            f.suffix.lower() in KERAS_EXTENSIONS for f in class_dirs[0].iterdir() if f.is_file()
        )
    ):
        inner = class_dirs[0]
        report.unusable.append(
            f"{root} holds one folder, {inner.name!r}, whose own sub-folders "
            f"({', '.join(sorted(c.name for c in inner.iterdir() if c.is_dir())[:5])}, ...) "
            f"look like the classes: one level too high. Use {inner} instead."
        )
        return report
    if loose:
        report.warnings.append(
            f"{len(loose):,} images sit directly in {root}, outside any class folder; Keras "
            f"does not read them (first: {loose[0].name})."
        )
    if classes is not None:
        missing = sorted(set(classes) - {c.name for c in class_dirs})
        if missing:
            report.unusable.append(
                f"missing class folders {missing}: {root} has {[c.name for c in class_dirs]}"
            )
    work = [(class_dir.name, file) for class_dir in class_dirs for file in _class_files(class_dir)]
    report.files_seen = len(work)
    if progress is None:
        from cnnbook.watching import someone_is_watching

        progress = len(work) >= PROGRESS_FROM and someone_is_watching()
    if progress:
        from tqdm.auto import tqdm

        work = tqdm(work, desc=f"checking {root.name}", unit="file")
    by_hash: dict[str, list[tuple[str, str]]] = defaultdict(list)
    counts = {class_dir.name: 0 for class_dir in class_dirs}
    for class_name, file in work:
        relpath = file.relative_to(root).as_posix()
        if file.suffix.lower() not in KERAS_EXTENSIONS:
            hidden = file.name.startswith(".")
            report.findings.append(
                FileFinding(
                    relpath,
                    IGNORED,
                    "hidden" if hidden else "not-read",
                    "a hidden system file; Keras skips it"
                    if hidden
                    else f"a {file.suffix or 'extensionless'} file; Keras reads only "
                    f"{' '.join(KERAS_EXTENSIONS)} and skips it"
                    + (
                        " (convert HEIC photos to JPEG)"
                        if file.suffix.lower() in (".heic", ".heif")
                        else ""
                    ),
                )
            )
            continue
        findings = _inspect_image(file, relpath, large_side)
        report.findings += findings
        if any(f.action == EXCLUDED for f in findings):
            continue
        by_hash[sha256_of(file)].append((class_name, relpath))
        counts[class_name] += 1
    for copies in by_hash.values():
        if len(copies) < 2:
            continue
        labels = sorted({name for name, _ in copies})
        if len(labels) > 1:
            # One photo under two labels: nothing says which is right, so neither is kept.
            report.warnings.append(
                f"the same photo is filed under classes {labels}: "
                f"{', '.join(rel for _, rel in copies)}; all {len(copies)} copies are left out"
            )
            for name, rel in copies:
                counts[name] -= 1
                report.findings.append(
                    FileFinding(
                        rel,
                        EXCLUDED,
                        "duplicate-across-classes",
                        f"the same bytes are filed under classes {labels}",
                    )
                )
        else:
            # A copy could land in training and in test: it would inflate test accuracy.
            for name, rel in copies[1:]:
                counts[name] -= 1
                report.findings.append(
                    FileFinding(
                        rel,
                        EXCLUDED,
                        "duplicate",
                        f"a copy of {copies[0][1]}; kept once, so it cannot sit in both the "
                        "training and the test part",
                    )
                )
    report.classes = counts
    empty = [name for name, count in counts.items() if count == 0]
    if empty:
        report.warnings.append(
            f"class folders with no readable images: {empty}; Keras would still make each a "
            "label the model must predict, so they are left out"
        )
    kept = {name: count for name, count in counts.items() if count}
    if len(kept) < 2:
        report.unusable.append(
            f"{root} has {len(kept)} class folder(s) with readable images "
            f"({sorted(kept)}); a classifier needs at least two"
        )
    elif max(kept.values()) > IMBALANCE_RATIO * min(kept.values()):
        big, small = max(kept, key=kept.get), min(kept, key=kept.get)
        report.warnings.append(
            f"classes are imbalanced: {big!r} has {kept[big]:,} images, {small!r} "
            f"{kept[small]:,} ({kept[big] / kept[small]:.1f}x); accuracy alone will flatter "
            "a model that favours the large class, so read the per-class results"
        )
    return report


def prepared_folder(report: FolderReport, into: Path) -> Path:
    """A folder Keras can read without surprises: the checked one, or a corrected mirror of it.

    When nothing is excluded, converted or empty, that is ``report.root`` itself (the same
    code path as the book's data). Otherwise a mirror under ``into`` links each good file,
    writes an upright or resized copy of each file to convert, and leaves out excluded files,
    empty classes and files Keras skips. The mirror is named by a fingerprint of the files'
    names, sizes and times, so a second call reuses it; it is written to a temporary folder
    and renamed into place, so an interrupted call never leaves half a mirror.
    """
    import shutil
    import tempfile

    root = Path(report.root)
    if not report.usable:
        raise ImageFolderError(
            f"{root} cannot be used:\n" + "\n".join(f"  - {problem}" for problem in report.unusable)
        )
    excluded, converted = set(report.excluded), set(report.converted)
    empty = [name for name, count in report.classes.items() if count == 0]
    if not excluded and not converted and not empty:
        return root
    keep = []
    for name in report.class_names:
        for file in _class_files(root / name):
            rel = file.relative_to(root).as_posix()
            if file.suffix.lower() in KERAS_EXTENSIONS and rel not in excluded:
                keep.append(rel)
    fingerprint = hashlib.sha256(str(report.large_side).encode())
    for rel in keep:
        stat = (root / rel).stat()
        fingerprint.update(f"{rel}\0{stat.st_size}\0{stat.st_mtime_ns}\n".encode())
    target = into / f"{root.name}-{fingerprint.hexdigest()[:16]}"
    if target.is_dir():
        return target
    into.mkdir(parents=True, exist_ok=True)
    workdir = Path(tempfile.mkdtemp(prefix=f".{root.name}-partial-{os.getpid()}-", dir=into))
    try:
        for rel in keep:
            source, copy = (root / rel).resolve(), workdir / rel
            copy.parent.mkdir(parents=True, exist_ok=True)
            if rel in converted:
                _write_corrected(source, copy, report.large_side)
            else:
                try:
                    os.symlink(source, copy)
                except OSError:  # file systems without links (some mounted drives)
                    shutil.copyfile(source, copy)
        os.replace(workdir, target)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    return target


def _write_corrected(source: Path, copy: Path, large_side: int) -> None:
    """Write ``source`` turned upright (EXIF) and shrunk to ``large_side``, in its own format."""
    from PIL import Image, ImageOps

    with Image.open(source) as image:
        kind = "JPEG" if image.format in ("JPEG", "MPO") else image.format
        upright = ImageOps.exif_transpose(image)
        upright.thumbnail((large_side, large_side), Image.Resampling.LANCZOS)
        if kind == "JPEG" and upright.mode not in ("RGB", "L", "CMYK"):
            upright = upright.convert("RGB")
        upright.save(copy, format=kind, **({"quality": 95} if kind == "JPEG" else {}))


def build_problem_folder(
    target, photos, *, classes=("0", "1", "2"), per_class: int = 20, huge_side: int = 6000
) -> Path:
    """A folder with the mistakes a learner's own folder has, made from good photos.

    ``photos`` are image files whose parent folder names their class, such as the book's
    training photos (``load_splits(...).files["train"]``): drawing on those alone keeps the
    book's promise that no model is trained on one of its test photos. Copies the first
    ``per_class`` of each of ``classes`` (in sorted order), then adds: a truncated JPEG, a PNG
    saved as ``.jpg``, a web page saved as ``.jpg``, a photo rotated by its EXIF tag, a
    ``huge_side``-pixel photo, one photo filed under two classes, a ``.txt`` and a
    ``.DS_Store``, and an empty class folder. Written to a temporary folder and renamed, so
    ``target`` is whole or absent. Returns ``target``.
    """
    import shutil
    import tempfile

    from PIL import Image

    target = Path(target)
    by_class: dict[str, list[Path]] = {}
    for photo in map(Path, photos):
        if photo.suffix.lower() in KERAS_EXTENSIONS:
            by_class.setdefault(photo.parent.name, []).append(photo)
    for name in classes:
        if len(by_class.get(name, [])) < 2:
            raise ImageFolderError(
                f"the photos given hold {len(by_class.get(name, []))} of class {name!r}; "
                "build_problem_folder needs at least 2 of each class it copies"
            )
    target.parent.mkdir(parents=True, exist_ok=True)
    workdir = Path(tempfile.mkdtemp(prefix=f".{target.name}-partial-", dir=target.parent))
    try:
        picked = {}
        for name in classes:
            files = sorted(by_class[name])[:per_class]
            (workdir / name).mkdir()
            for file in files:
                shutil.copyfile(file, workdir / name / file.name)
            picked[name] = files
        first, second = picked[classes[0]], picked[classes[1]]
        whole = first[0].read_bytes()
        (workdir / classes[0] / "cut_short.jpg").write_bytes(whole[: len(whole) // 2])
        with Image.open(first[1]) as photo:
            photo.convert("RGB").save(workdir / classes[0] / "screenshot.jpg", format="PNG")
            exif = Image.Exif()
            exif[EXIF_ORIENTATION] = 6
            photo.convert("RGB").save(
                workdir / classes[1] / "sideways.jpg", format="JPEG", exif=exif
            )
            photo.convert("RGB").resize((huge_side, huge_side)).save(
                workdir / classes[2] / "huge.jpg", format="JPEG", quality=85
            )
        (workdir / classes[1] / "saved_page.jpg").write_text(
            "<!doctype html><title>Sign in</title>"
        )
        shutil.copyfile(second[0], workdir / classes[2] / f"also_{second[0].name}")
        (workdir / classes[2] / "notes.txt").write_text("photos from Saturday\n")
        (workdir / classes[1] / ".DS_Store").write_bytes(b"\0\0\0\1Bud1")
        (workdir / "empty_class").mkdir()
        if target.exists():
            shutil.rmtree(target)
        os.replace(workdir, target)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    return target
