"""Mistake: every file that Pillow cannot open is listed, whatever its extension, so a .txt
and a .DS_Store (which Keras skips) are in the list."""

from pathlib import Path

import PIL
from PIL import Image

QUESTION = "unreadable_images"  # the question that must lose points


def unreadable_images(folder):
    folder = Path(folder)
    unreadable = []
    for class_dir in sorted(p for p in folder.iterdir() if p.is_dir()):
        for path in class_dir.rglob("*"):
            if not path.is_file():
                continue
            try:
                with Image.open(path) as image:
                    image.load()
            except (OSError, PIL.UnidentifiedImageError, SyntaxError):
                unreadable.append(path.relative_to(folder).as_posix())
    return sorted(unreadable)
