"""Mistake: checks each file with Image.verify() instead of load(): verify looks at a PNG's
chunks but does not decode a JPEG, so a JPEG cut short passes."""

from pathlib import Path

import PIL
from PIL import Image

QUESTION = "unreadable_images"  # the question that must lose points

KERAS_EXTENSIONS = (".bmp", ".gif", ".jpeg", ".jpg", ".png")


def unreadable_images(folder):
    folder = Path(folder)
    unreadable = []
    for class_dir in sorted(p for p in folder.iterdir() if p.is_dir()):
        for path in class_dir.rglob("*"):
            if not path.is_file() or path.suffix.lower() not in KERAS_EXTENSIONS:
                continue
            try:
                with Image.open(path) as image:
                    image.verify()
            except (OSError, PIL.UnidentifiedImageError, SyntaxError):
                unreadable.append(path.relative_to(folder).as_posix())
    return sorted(unreadable)
