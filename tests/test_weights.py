"""cnnbook.weights: damaged files in KERAS_HOME are replaced or named, never handed to Keras.

Most tests use a small stand-in for the 9 MB weights file (its sha256 patched in as the
expected one), so they need neither ../shared nor h5py to read real weights; one test truncates
the real file where ../shared/weights has it.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import pytest

from cnnbook import paths, weights

NAME_224 = weights.MOBILENET_V2_NO_TOP.format(size=224)
NAME_160 = weights.MOBILENET_V2_NO_TOP.format(size=160)
REAL = Path(__file__).resolve().parents[1].parent / "shared" / "weights" / NAME_224
FAKE = b"stand-in for the MobileNetV2 weights " * 2000


@pytest.fixture
def fake_weights(tmp_path, monkeypatch):
    """A local weights folder holding the stand-in file, and an empty KERAS_HOME to seed."""
    source_dir = tmp_path / "local"
    source_dir.mkdir()
    (source_dir / NAME_224).write_bytes(FAKE)
    monkeypatch.setattr(weights, "MOBILENET_V2_SHA256", hashlib.sha256(FAKE).hexdigest())
    monkeypatch.setattr(weights, "_hashes", {}, raising=False)
    monkeypatch.setenv("CNNBOOK_WEIGHTS_DIR", str(source_dir))
    monkeypatch.setenv("KERAS_HOME", str(tmp_path / "keras"))
    return tmp_path / "keras" / "models"


def damage(path: Path, data: bytes = FAKE) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data[: len(data) // 3])  # a copy or download cut short


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture
def offline(monkeypatch):
    """keras.utils.get_file failing as it does without network; records its arguments."""
    import keras

    calls = []

    def get_file(fname, origin, **kwargs):
        calls.append((fname, kwargs))
        raise Exception(f"URL fetch failure on {origin}: None -- [Errno 111] Connection refused")

    monkeypatch.setattr(keras.utils, "get_file", get_file)
    return calls


def test_seeding_replaces_damaged_files_in_keras_home(fake_weights, capsys):
    damage(fake_weights / NAME_224)
    damage(fake_weights / NAME_160)
    weights.seed_keras_home()
    for size in weights.KERAS_SIZES:
        target = fake_weights / weights.MOBILENET_V2_NO_TOP.format(size=size)
        assert target.read_bytes() == FAKE
    printed = capsys.readouterr().out.strip().splitlines()
    assert len(printed) == 1, printed
    assert printed[0].startswith(f"Replaced a damaged {NAME_160}, {NAME_224} (sha256 differs)")
    assert "in KERAS_HOME=" in printed[0] and "from " in printed[0]
    assert not any(p.name.startswith(".partial") for p in fake_weights.iterdir())


def test_a_good_keras_home_is_left_alone_and_hashed_once_per_file(fake_weights, monkeypatch):
    weights.seed_keras_home()
    counted = []
    real_sha256 = hashlib.sha256

    def counting(data=b""):
        counted.append(len(data))
        return real_sha256(data)

    monkeypatch.setattr(weights.hashlib, "sha256", counting)
    monkeypatch.setattr(weights, "_hashes", {}, raising=False)  # as in a new process
    before = {p.name: p.stat().st_mtime_ns for p in fake_weights.iterdir()}
    for _ in range(3):
        weights.seed_keras_home()
        for size in weights.KERAS_SIZES:
            assert weights.imagenet_weights(size) == "imagenet"
    assert {p.name: p.stat().st_mtime_ns for p in fake_weights.iterdir()} == before
    assert len(counted) == 1 + len(weights.KERAS_SIZES)  # the source and each target, once


def test_keras_own_file_for_another_size_is_kept(fake_weights):
    """Keras downloads a different file per input size; a whole HDF5 file is not "damaged"."""
    h5py = pytest.importorskip("h5py")
    fake_weights.mkdir(parents=True)
    with h5py.File(fake_weights / NAME_160, "w") as f:
        f["kernel"] = [1.0, 2.0]
    kept = sha(fake_weights / NAME_160)
    weights.seed_keras_home()
    assert sha(fake_weights / NAME_160) == kept
    assert weights.imagenet_weights(160) == "imagenet"


def test_imagenet_weights_replaces_a_damaged_file_from_the_local_source(fake_weights, capsys):
    damage(fake_weights / NAME_224)
    assert weights.imagenet_weights(224) == "imagenet"
    assert (fake_weights / NAME_224).read_bytes() == FAKE
    assert f"Replaced a damaged {NAME_224} (sha256 differs)" in capsys.readouterr().out


def test_without_a_local_source_a_damaged_file_is_named_and_removed(
    fake_weights, monkeypatch, offline, capsys
):
    monkeypatch.delenv("CNNBOOK_WEIGHTS_DIR")
    monkeypatch.setattr(paths, "local_weights_dir", lambda: None)
    damage(fake_weights / NAME_224)
    assert weights.imagenet_weights(224) is None
    out = capsys.readouterr().out
    assert f"The ImageNet weights file {NAME_224} in KERAS_HOME=" in out
    assert "was damaged (sha256 differs); removed it." in out
    assert not (fake_weights / NAME_224).exists()
    assert "NO PRETRAINED WEIGHTS" in out and "RANDOM weights" in out
    assert "(Exception: URL fetch failure on " in out  # the error itself, on one line
    # Online, Keras would check the new download against the known hash.
    assert offline == [
        (NAME_224, {"cache_subdir": "models", "file_hash": weights.MOBILENET_V2_SHA256})
    ]


def test_a_missing_weights_folder_is_named_when_there_are_no_weights(
    tmp_path, monkeypatch, offline, capsys
):
    monkeypatch.setenv("KERAS_HOME", str(tmp_path / "keras"))
    monkeypatch.setenv("CNNBOOK_WEIGHTS_DIR", str(tmp_path / "nowhere"))
    assert weights.imagenet_weights(160) is None
    out = capsys.readouterr().out
    assert "NO PRETRAINED WEIGHTS" in out
    assert f"CNNBOOK_WEIGHTS_DIR={tmp_path / 'nowhere'} names a folder that does not exist" in out
    assert offline[0][1]["file_hash"] is None  # Keras's 160 file is another file
    with pytest.raises(paths.FolderVariableError, match="names a folder that does not exist"):
        weights.seed_keras_home()


@pytest.mark.skipif(not REAL.is_file(), reason="needs ../shared/weights")
def test_a_truncated_real_weights_file_is_repaired(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("CNNBOOK_WEIGHTS_DIR", str(REAL.parent))
    monkeypatch.setenv("KERAS_HOME", str(tmp_path / "keras"))
    target = tmp_path / "keras" / "models" / NAME_224
    damage(target, REAL.read_bytes())
    weights.seed_keras_home()
    assert sha(target) == weights.MOBILENET_V2_SHA256
    assert "Replaced a damaged" in capsys.readouterr().out
    assert os.path.getsize(target) == REAL.stat().st_size
