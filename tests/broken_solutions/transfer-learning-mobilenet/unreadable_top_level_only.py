"""Mistake: only the files directly in each class folder are checked, but Keras also reads
the ones in its sub-folders."""

from pathlib import Path

import PIL
from PIL import Image

QUESTION = "unreadable_images"  # the question that must lose points

KERAS_EXTENSIONS = (".bmp", ".gif", ".jpeg", ".jpg", ".png")


def unreadable_images(folder):
    folder = Path(folder)
    unreadable = []
    for class_dir in sorted(p for p in folder.iterdir() if p.is_dir()):
        for path in class_dir.iterdir():
            if not path.is_file() or path.suffix.lower() not in KERAS_EXTENSIONS:
                continue
            try:
                with Image.open(path) as image:
                    image.load()
            except (OSError, PIL.UnidentifiedImageError, SyntaxError):
                unreadable.append(path.relative_to(folder).as_posix())
    return sorted(unreadable)
