"""Mistake: only .jpg, .jpeg and .png files are checked (the extensions of phone photos), so
a damaged .gif or .bmp, which Keras reads too, is missed."""

from pathlib import Path

import PIL
from PIL import Image

QUESTION = "unreadable_images"  # the question that must lose points


def unreadable_images(folder):
    folder = Path(folder)
    unreadable = []
    for class_dir in sorted(p for p in folder.iterdir() if p.is_dir()):
        for path in class_dir.rglob("*"):
            if not path.is_file() or path.suffix.lower() not in (".jpg", ".jpeg", ".png"):
                continue
            try:
                with Image.open(path) as image:
                    image.load()
            except (OSError, PIL.UnidentifiedImageError, SyntaxError):
                unreadable.append(path.relative_to(folder).as_posix())
    return sorted(unreadable)
