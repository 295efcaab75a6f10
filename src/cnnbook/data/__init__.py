"""Data sets: registry, verified fetching, the announced fallback, and the book's splits."""

from cnnbook.data.fetch import DatasetError, download, verify
from cnnbook.data.folder_check import FolderReport, ImageFolderError, check_image_folder
from cnnbook.data.pipelines import (
    Splits,
    arrays_dataset,
    load_splits,
    signs_classes,
    user_folder,
    without_autotune,
)
from cnnbook.data.registry import DatasetSpec, get_spec, load_registry
from cnnbook.data.sources import DataSource, locate

__all__ = [
    "DataSource",
    "DatasetError",
    "arrays_dataset",
    "DatasetSpec",
    "FolderReport",
    "ImageFolderError",
    "Splits",
    "check_image_folder",
    "download",
    "get_spec",
    "load_registry",
    "load_splits",
    "locate",
    "signs_classes",
    "user_folder",
    "verify",
    "without_autotune",
]
