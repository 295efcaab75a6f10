"""A learner's own folder of photos: every bad file and bad layout ends in a sentence.

The folders are made here, from generated pixels, so no binary is committed. Each case is one
that TensorFlow or Keras used to get wrong late (a crash at the first epoch) or silently (one
class, an empty label, a skipped file).
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from cnnbook import paths
from cnnbook.data import folder_check
from cnnbook.data.folder_check import (
    IGNORED,
    NOTE,
    ImageFolderError,
    check_image_folder,
    prepared_folder,
)

RNG = np.random.default_rng(0)


def photo(path: Path, size=(40, 30), mode="RGB", fmt=None, **save) -> Path:
    """A random picture of ``size`` (width, height) saved at ``path``."""
    pixels = RNG.integers(0, 256, (size[1], size[0], 3), dtype=np.uint8)
    image = Image.fromarray(pixels).convert(mode)
    path.parent.mkdir(parents=True, exist_ok=True)
    image.save(path, format=fmt, **save)
    return path


def good_folder(root: Path, classes=("cat", "dog"), per_class=6) -> Path:
    for name in classes:
        for index in range(per_class):
            photo(root / name / f"{name}_{index}.jpg")
    return root


def finding(report, relpath):
    found = [f for f in report.findings if f.path == relpath]
    assert found, f"nothing reported for {relpath}: {report}"
    return found


def test_a_clean_folder_is_read_as_it_is(tmp_path):
    root = good_folder(tmp_path / "photos")
    report = check_image_folder(root)
    assert report.usable and not report.findings and not report.warnings
    assert report.classes == {"cat": 6, "dog": 6}
    assert prepared_folder(report, tmp_path / "mirrors") == root  # no copy when none is needed


def test_truncated_and_non_image_files_are_excluded_and_named(tmp_path):
    root = good_folder(tmp_path / "photos")
    whole = photo(tmp_path / "whole.jpg", size=(200, 200)).read_bytes()
    (root / "cat" / "cut.jpg").write_bytes(whole[: len(whole) // 2])
    (root / "dog" / "page.jpg").write_text("<html>Sign in to Google Drive</html>")
    (root / "dog" / "zero.png").write_bytes(b"")
    report = check_image_folder(root)
    assert [f.problem for f in finding(report, "cat/cut.jpg")] == ["truncated"]
    assert [f.problem for f in finding(report, "dog/page.jpg")] == ["not-an-image"]
    assert [f.problem for f in finding(report, "dog/zero.png")] == ["not-an-image"]
    assert report.excluded == ["cat/cut.jpg", "dog/page.jpg", "dog/zero.png"]
    assert report.classes == {"cat": 6, "dog": 6}
    text = str(report)
    assert "cat/cut.jpg: truncated JPEG" in text and "dog/page.jpg: not an image" in text


def test_wrong_extensions_stray_files_and_modes_are_reported(tmp_path):
    root = good_folder(tmp_path / "photos")
    photo(root / "cat" / "screenshot.JPG", fmt="PNG")
    (root / "cat" / "notes.txt").write_text("todo")
    (root / "cat" / ".DS_Store").write_bytes(b"\0\0\0\1Bud1")
    (root / "dog" / "IMG_0001.HEIC").write_bytes(b"\0\0\0\x18ftypheic")
    photo(root / "dog" / "print.jpg", mode="CMYK")
    photo(root / "dog" / "grey.png", mode="L")
    photo(root / "dog" / "logo.png", mode="RGBA")
    pixels16 = RNG.integers(0, 65536, (20, 20), dtype=np.uint16)
    Image.fromarray(pixels16).save(root / "dog" / "scan16.png")
    report = check_image_folder(root)
    problems = {f.path: (f.action, f.problem) for f in report.findings}
    assert problems == {
        "cat/screenshot.JPG": (NOTE, "extension"),
        "cat/notes.txt": (IGNORED, "not-read"),
        "cat/.DS_Store": (IGNORED, "hidden"),
        "dog/IMG_0001.HEIC": (IGNORED, "not-read"),
        "dog/print.jpg": (NOTE, "mode"),
        "dog/grey.png": (NOTE, "mode"),
        "dog/logo.png": (NOTE, "mode"),
        "dog/scan16.png": (NOTE, "mode"),
    }
    assert "rename it to .png" in finding(report, "cat/screenshot.JPG")[0].message
    assert "convert HEIC" in finding(report, "dog/IMG_0001.HEIC")[0].message
    # Read as they are: every image counts; the skipped files do not.
    assert report.classes == {"cat": 7, "dog": 10}


def test_a_folder_one_level_too_high_names_the_right_one(tmp_path):
    inner = good_folder(tmp_path / "download" / "Dataset")
    report = check_image_folder(tmp_path / "download")
    assert not report.usable
    assert "one level too high" in report.unusable[0] and str(inner) in report.unusable[0]
    with pytest.raises(ImageFolderError, match="one level too high"):
        prepared_folder(report, tmp_path / "mirrors")


def test_a_folder_one_level_too_low_is_refused(tmp_path):
    root = good_folder(tmp_path / "photos")
    report = check_image_folder(root / "cat")
    assert not report.usable and "one level too low" in report.unusable[0]
    assert "6 images sit directly in it" in report.unusable[0]


def test_missing_and_bad_folders_are_sentences(tmp_path):
    with pytest.raises(ImageFolderError, match="does not exist"):
        check_image_folder(tmp_path / "nowhere")
    (tmp_path / "a.jpg").write_bytes(b"")
    with pytest.raises(ImageFolderError, match="is a file, not a folder"):
        check_image_folder(tmp_path / "a.jpg")
    root = good_folder(tmp_path / "photos")
    report = check_image_folder(root, classes=["cat", "dog", "bird"])
    assert not report.usable and "missing class folders ['bird']" in report.unusable[0]
    one = good_folder(tmp_path / "one", classes=("cat", "dog"))
    for file in (one / "dog").iterdir():
        file.unlink()
    report = check_image_folder(one)
    assert not report.usable and "needs at least two" in report.unusable[0]


def test_empty_classes_imbalance_and_duplicates_are_warned(tmp_path):
    root = good_folder(tmp_path / "photos", classes=("cat", "dog"), per_class=2)
    for index in range(10):
        photo(root / "cat" / f"more_{index}.jpg")
    (root / "empty").mkdir()
    (root / "dog" / "z_copy.jpg").write_bytes((root / "dog" / "dog_0.jpg").read_bytes())
    (root / "dog" / "cat_again.jpg").write_bytes((root / "cat" / "cat_1.jpg").read_bytes())
    report = check_image_folder(root)
    warnings = " | ".join(report.warnings)
    assert "['empty']" in warnings
    assert "filed under classes ['cat', 'dog']" in warnings
    assert "imbalanced: 'cat' has 11 images, 'dog' 2" in warnings
    assert report.classes == {"cat": 11, "dog": 2, "empty": 0}
    assert report.excluded == ["cat/cat_1.jpg", "dog/cat_again.jpg", "dog/z_copy.jpg"]
    assert report.class_names == ["cat", "dog"]


def test_rotated_and_huge_photos_are_read_from_corrected_copies(tmp_path):
    root = good_folder(tmp_path / "photos")
    exif = Image.Exif()
    exif[folder_check.EXIF_ORIENTATION] = 6
    photo(root / "cat" / "sideways.jpg", size=(60, 20), exif=exif)
    photo(root / "dog" / "huge.jpg", size=(6000, 6000), quality=30)
    (root / "dog" / "junk.jpg").write_text("not a photo")
    report = check_image_folder(root, large_side=1024)
    assert [f.problem for f in finding(report, "cat/sideways.jpg")] == ["exif-rotation"]
    assert [f.problem for f in finding(report, "dog/huge.jpg")] == ["large"]
    mirror = prepared_folder(report, tmp_path / "mirrors")
    assert mirror != root and mirror.parent == tmp_path / "mirrors"
    with Image.open(mirror / "cat" / "sideways.jpg") as upright:
        assert upright.size == (20, 60)  # turned, so width and height swap
    with Image.open(mirror / "dog" / "huge.jpg") as small:
        assert max(small.size) == 1024
    assert not (mirror / "dog" / "junk.jpg").exists()
    assert (mirror / "cat" / "cat_0.jpg").read_bytes() == (root / "cat" / "cat_0.jpg").read_bytes()
    # The same files give the same mirror, reused; nothing half-written is left beside it.
    assert (
        prepared_folder(check_image_folder(root, large_side=1024), tmp_path / "mirrors") == mirror
    )
    assert [p.name for p in (tmp_path / "mirrors").iterdir()] == [mirror.name]


def test_an_interrupted_mirror_leaves_nothing(tmp_path, monkeypatch):
    root = good_folder(tmp_path / "photos")
    photo(root / "dog" / "huge.jpg", size=(3000, 100))
    report = check_image_folder(root, large_side=1024)

    def fail(*args):
        raise KeyboardInterrupt

    monkeypatch.setattr(folder_check, "_write_corrected", fail)
    with pytest.raises(KeyboardInterrupt):
        prepared_folder(report, tmp_path / "mirrors")
    assert list((tmp_path / "mirrors").iterdir()) == []


def test_the_command_prints_the_report_and_exits_by_outcome(tmp_path):
    root = good_folder(tmp_path / "photos")

    def check(*args):
        return subprocess.run(
            [sys.executable, "-m", "cnnbook.data", "check", *args], capture_output=True, text=True
        )

    clean = check(str(root))
    assert clean.returncode == 0 and "2 classes, 12 images to read of 12 files" in clean.stdout
    (root / "cat" / "bad.jpg").write_text("nope")
    found = check(str(root), "--json")
    assert found.returncode == 1
    assert json.loads(found.stdout)["findings"][0]["path"] == "cat/bad.jpg"
    missing = check(str(tmp_path / "nowhere"))
    assert missing.returncode == 2 and "does not exist" in missing.stderr
    assert "Traceback" not in missing.stderr


@pytest.fixture
def scratch(tmp_path, monkeypatch):
    monkeypatch.setattr(paths, "scratch_dir", lambda: tmp_path / "scratch")
    return tmp_path / "scratch"


def test_load_splits_skips_bad_files_and_trains_on_the_rest(tmp_path, scratch, capsys):
    from cnnbook.data import load_splits

    root = good_folder(tmp_path / "photos", per_class=8)
    whole = photo(tmp_path / "whole.jpg", size=(200, 200)).read_bytes()
    (root / "cat" / "cut.jpg").write_bytes(whole[: len(whole) // 2])
    photo(root / "dog" / "screenshot.jpg", fmt="PNG")
    (root / "empty").mkdir()
    (root / "dog" / "notes.txt").write_text("todo")
    photo(root / "dog" / "huge.jpg", size=(5000, 300))
    splits = load_splits(16, source=root, batch_size=4)
    out = capsys.readouterr().out
    assert "Warning: left out cat/cut.jpg: truncated JPEG" in out
    assert "['empty']" in out
    assert splits.class_names == ["cat", "dog"]
    assert splits.source.origin == "user folder"
    # Every batch decodes: the truncated file that crashed at IteratorGetNext is not read.
    seen = sum(
        int(x.shape[0]) for part in (splits.train, splits.validation, splits.test) for x, _ in part
    )
    assert seen == sum(splits.sizes.values()) == 18
    assert not any("cut.jpg" in f for files in splits.files.values() for f in files)
    with pytest.raises(ImageFolderError, match=r"(?s)1 files .* cat/cut.jpg: truncated"):
        load_splits(16, source=root, bad_files="raise")


def test_load_splits_refuses_a_folder_one_level_too_high(tmp_path, scratch):
    from cnnbook.data import load_splits

    good_folder(tmp_path / "download" / "Dataset")
    with pytest.raises(ImageFolderError, match="one level too high"):
        load_splits(16, source=tmp_path / "download")


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        ({"image_size": 0}, "each side of image_size must be a whole number of at least 1"),
        ({"image_size": -3}, "got -3"),
        ({"image_size": (64,)}, r"\(height, width\)"),
        ({"image_size": 64.5}, r"\(height, width\)"),
        ({"batch_size": 0}, "batch_size must be"),
        ({"limit_train": 0}, "limit_train must be"),
        ({"classes": "0"}, "classes must be a list"),
        ({"bad_files": "ignore"}, 'bad_files must be "skip" or "raise"'),
    ],
)
def test_load_splits_checks_its_arguments_with_a_sentence(tmp_path, scratch, arguments, message):
    from cnnbook.data import load_splits

    root = good_folder(tmp_path / "photos")
    with pytest.raises(ValueError, match=message):
        load_splits(source=root, **{"image_size": 16, **arguments})


def test_the_book_s_problem_folder_has_every_mistake_it_promises(tmp_path):
    from cnnbook.data.folder_check import build_problem_folder

    source = good_folder(tmp_path / "source", classes=("0", "1", "2"), per_class=4)
    photos = sorted(p for p in source.rglob("*.jpg"))
    folder = build_problem_folder(tmp_path / "problems", photos, per_class=3, huge_side=5000)
    report = check_image_folder(folder)
    problems = {(f.path, f.problem) for f in report.findings}
    assert {
        ("0/cut_short.jpg", "truncated"),
        ("0/screenshot.jpg", "extension"),
        ("1/saved_page.jpg", "not-an-image"),
        ("1/sideways.jpg", "exif-rotation"),
        ("2/huge.jpg", "large"),
        ("1/.DS_Store", "hidden"),
        ("2/notes.txt", "not-read"),
        ("1/1_0.jpg", "duplicate-across-classes"),
        ("2/also_1_0.jpg", "duplicate-across-classes"),
    } <= problems
    assert report.classes["empty_class"] == 0 and report.usable
    assert sorted(p.name for p in tmp_path.iterdir()) == ["problems", "source"]  # no partial


def test_the_problem_folder_copies_only_the_photos_it_is_given(tmp_path):
    """The chapters give it the book's training photos: a test photo must never be copied."""
    from cnnbook.data.folder_check import build_problem_folder

    source = good_folder(tmp_path / "source", classes=("0", "1", "2"), per_class=4)
    every = sorted(source.rglob("*.jpg"))
    given = [p for p in every if not p.stem.endswith("_0")]  # "held out": each class's first
    folder = build_problem_folder(tmp_path / "problems", given, per_class=10, huge_side=3000)
    copied = {p.read_bytes() for p in folder.rglob("*.jpg") if p.parent.name in "012"}
    held_out = {p.read_bytes() for p in every if p not in given}
    assert held_out and not copied & held_out
    with pytest.raises(ImageFolderError, match="holds? 1 of class '2'"):
        build_problem_folder(tmp_path / "too-few", given[:-2], huge_side=3000)
    assert not (tmp_path / "too-few").exists()


def test_unchecked_keras_stops_at_a_truncated_file_without_naming_it(tmp_path):
    """What the check saves a learner from (the chapter says so): TensorFlow's own error."""
    import keras
    import tensorflow as tf

    root = good_folder(tmp_path / "photos")
    whole = photo(tmp_path / "whole.jpg", size=(200, 200)).read_bytes()
    (root / "cat" / "cut.jpg").write_bytes(whole[: len(whole) // 2])
    dataset = keras.utils.image_dataset_from_directory(
        root, image_size=(16, 16), batch_size=4, verbose=False
    )
    with pytest.raises(tf.errors.InvalidArgumentError) as error:
        for _ in dataset:
            pass
    assert "cut.jpg" not in str(error.value)
