"""Mistake: a file whose content is not the format its extension names counts as unreadable,
so a PNG saved as .jpg (which TensorFlow reads by its content) is listed."""

from pathlib import Path

import PIL
from PIL import Image

QUESTION = "unreadable_images"  # the question that must lose points

FORMATS = {".bmp": "BMP", ".gif": "GIF", ".jpeg": "JPEG", ".jpg": "JPEG", ".png": "PNG"}


def unreadable_images(folder):
    folder = Path(folder)
    unreadable = []
    for class_dir in sorted(p for p in folder.iterdir() if p.is_dir()):
        for path in class_dir.rglob("*"):
            if not path.is_file() or path.suffix.lower() not in FORMATS:
                continue
            try:
                with Image.open(path) as image:
                    image.load()
                    matches = image.format == FORMATS[path.suffix.lower()]
            except (OSError, PIL.UnidentifiedImageError, SyntaxError):
                matches = False
            if not matches:
                unreadable.append(path.relative_to(folder).as_posix())
    return sorted(unreadable)
