"""The data layer against a loopback HTTP server: good archives land, bad ones leave nothing."""

from __future__ import annotations

import hashlib
import http.server
import io
import threading
import zipfile
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from cnnbook.data import DatasetError, DatasetSpec, download, load_splits, locate, sources, verify

TOP = "Fake-Dataset-0123abcd"


def _png_bytes(value: int) -> bytes:
    buffer = io.BytesIO()
    Image.fromarray(np.full((12, 12, 3), value, np.uint8)).save(buffer, format="PNG")
    return buffer.getvalue()


def _files() -> dict[str, bytes]:
    return {
        f"Dataset/{label}/img_{i}.png": _png_bytes(40 * label + i)
        for label in (0, 1, 2)
        for i in range(6)
    }


def _zip(files: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as bundle:
        bundle.writestr(f"{TOP}/README.md", "a fake data set for tests\n")
        for name, data in files.items():
            bundle.writestr(f"{TOP}/{name}", data)
    return buffer.getvalue()


@pytest.fixture(scope="module")
def archives():
    files = _files()
    good = _zip(files)
    corrupt = bytearray(good)
    middle = len(corrupt) // 2
    corrupt[middle : middle + 64] = bytes(64)  # zeros in the compressed stream
    tampered = dict(files)
    tampered["Dataset/1/img_3.png"] = _png_bytes(255)
    return {
        "/good.zip": (200, good),
        "/corrupt.zip": (200, bytes(corrupt)),
        "/truncated.zip": (200, good[: len(good) // 2]),
        "/error-page.zip": (200, b"<!DOCTYPE html><html><body>Rate limit exceeded</body></html>"),
        "/tampered.zip": (200, _zip(tampered)),
    }, files


@pytest.fixture(scope="module")
def server(archives):
    routes, _ = archives

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            status, body = routes.get(self.path, (404, b"not found"))
            self.send_response(status)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()


@pytest.fixture
def spec_for(archives, tmp_path):
    _, files = archives
    manifest = tmp_path / "fake.sha256"
    manifest.write_text(
        "".join(f"{hashlib.sha256(data).hexdigest()}  {name}\n" for name, data in files.items())
    )

    def make(url: str) -> DatasetSpec:
        return DatasetSpec(
            name="fake",
            title="Fake digits",
            url=url,
            license="CC0-1.0",
            citation="none",
            manifest=manifest,
            image_root="Dataset",
            num_classes=3,
            num_files=len(files),
        )

    return make


def test_a_good_archive_is_fetched_verified_and_placed(server, spec_for, tmp_path):
    cache = tmp_path / "cache"
    folder = download(spec_for(server + "/good.zip"), cache, progressbar=False)
    assert folder == cache / "fake"
    assert sorted(p.name for p in (folder / "Dataset").iterdir()) == ["0", "1", "2"]
    assert verify(folder, spec_for(server + "/good.zip")) == 18
    assert sorted(p.name for p in cache.iterdir()) == ["fake"]  # no temporary leftovers


@pytest.mark.parametrize(
    ("route", "expected"),
    [
        ("/corrupt.zip", "damaged or truncated zip"),
        ("/truncated.zip", "damaged or truncated zip"),
        ("/error-page.zip", "an HTML page"),
        ("/missing.zip", "answered 404"),
        ("/tampered.zip", "1 with a different sha256 (first: Dataset/1/img_3.png)"),
    ],
)
def test_a_bad_download_is_rejected_clearly_and_leaves_nothing(
    server, spec_for, tmp_path, route, expected
):
    cache = tmp_path / "cache"
    with pytest.raises(DatasetError) as error:
        download(spec_for(server + route), cache, progressbar=False)
    assert expected in str(error.value)
    assert list(cache.iterdir()) == [], "a failed download left files in the cache"


def test_an_unreachable_server_is_a_clear_error(spec_for, tmp_path):
    with pytest.raises(DatasetError, match="could not reach"):
        download(spec_for("http://127.0.0.1:9/none.zip"), tmp_path / "cache", progressbar=False)
    assert list((tmp_path / "cache").iterdir()) == []


def test_verify_names_missing_files(server, spec_for, tmp_path):
    folder = download(spec_for(server + "/good.zip"), tmp_path, progressbar=False)
    (folder / "Dataset" / "2" / "img_5.png").unlink()
    with pytest.raises(DatasetError, match=r"1 missing \(first: Dataset/2/img_5.png\)"):
        verify(folder, spec_for(server + "/good.zip"))


@pytest.fixture
def isolated(monkeypatch, tmp_path, spec_for, server):
    """locate() with a registry of one fake entry, a private cache and scratch folder."""
    spec = {"url": server + "/good.zip"}
    monkeypatch.setattr(sources, "get_spec", lambda name: spec_for(spec["url"]))
    monkeypatch.setenv("CNNBOOK_DATA_DIR", str(tmp_path / "cache"))
    monkeypatch.setattr(sources.paths, "scratch_dir", lambda: tmp_path / "scratch")
    return spec


def test_locate_downloads_then_reuses_the_verified_copy(isolated, capsys):
    first = locate("fake")
    assert first.origin == "download" and not first.is_fallback
    second = locate("fake")
    assert second.origin == "local" and second.image_dir == first.image_dir
    printed = capsys.readouterr().out
    assert "verified against its sha256 manifest" in " ".join(printed.split())
    assert max(map(len, printed.splitlines())) <= 80  # the page's column: no sideways scroll


def test_locate_refuses_a_damaged_local_copy(isolated):
    folder = locate("fake").image_dir
    (folder / "0" / "img_0.png").write_bytes(b"not the same")
    with pytest.raises(DatasetError, match="does not match its manifest"):
        locate("fake")


def test_without_network_locate_announces_the_fallback(isolated, capsys):
    isolated["url"] = "http://127.0.0.1:9/unreachable.zip"
    source = locate("fake")
    out = capsys.readouterr().out
    assert source.is_fallback and "FALLBACK DATA" in out and "scikit-learn" in out
    classes = sorted(p.name for p in source.image_dir.iterdir())
    assert classes == [str(d) for d in range(10)]
    assert sum(1 for _ in source.image_dir.rglob("*.png")) == 1797
    with pytest.raises(DatasetError):
        locate("fake", allow_fallback=False)


def test_the_fallback_feeds_the_same_pipeline(isolated, capsys):
    isolated["url"] = "http://127.0.0.1:9/unreachable.zip"
    source = locate("fake", verbose=False)
    capsys.readouterr()
    splits = load_splits(32, source=source, batch_size=64)
    assert capsys.readouterr().out == ""  # no "Using N files" from Keras: describe() says it
    assert sum(splits.sizes.values()) == 1797
    listed = [f for part in ("train", "validation", "test") for f in splits.files[part]]
    assert len(set(listed)) == len(listed) == 1797, "each file in exactly one part"
    images, labels = next(iter(splits.train))
    assert tuple(images.shape) == (64, 32, 32, 3)
    # Autotuning off (pipelines.without_autotune), and still off in what chapters derive from it.
    derived = splits.train.map(lambda x, y: (x / 255.0, y), num_parallel_calls=-1).prefetch(-1)
    for dataset in (splits.train, splits.validation, splits.test, derived):
        assert dataset.options().autotune.enabled is False


REAL = Path(__file__).resolve().parents[2] / "shared" / "data" / "sign-language-digits"


@pytest.mark.skipif(not REAL.is_dir(), reason="needs ../shared/data (present in CI)")
def test_the_book_split_on_the_real_data_is_fixed_disjoint_and_complete():
    splits = load_splits(24, batch_size=128)
    assert splits.sizes == {"train": 1444, "validation": 309, "test": 309}

    def fingerprints(dataset):
        return {
            hashlib.sha1(image.numpy().tobytes()).hexdigest()
            for batch, _ in dataset
            for image in batch
        }

    validation, test = fingerprints(splits.validation), fingerprints(splits.test)
    assert validation == fingerprints(splits.validation), "validation changed between passes"
    assert not validation & test, "validation and test share images"
    six = load_splits(24, classes=[str(d) for d in range(6)], batch_size=128)
    assert six.class_names == ["0", "1", "2", "3", "4", "5"]
    assert sum(six.sizes.values()) == 1237
    labels = np.concatenate([y.numpy() for _, y in six.train])
    assert set(labels) == set(range(6))


def test_arrays_dataset_keeps_pairs_reshuffles_and_turns_autotuning_off():
    from cnnbook.data import arrays_dataset

    x = np.arange(10, dtype="float32").reshape(10, 1) * 10
    y = np.arange(10, dtype="int32")
    shuffled = arrays_dataset(x, y, batch_size=4, seed=0)
    assert shuffled.options().autotune.enabled is False
    epochs = [
        [(float(a), int(b)) for xs, ys in shuffled for a, b in zip(xs[:, 0], ys, strict=True)]
        for _ in "ab"
    ]
    for epoch in epochs:
        assert all(a == 10 * b for a, b in epoch), "images stay with their labels"
        assert sorted(b for _, b in epoch) == list(range(10)), "every example once per epoch"
    assert epochs[0] != epochs[1], "a new order every epoch, as fit does with arrays"
    ordered = arrays_dataset(x, batch_size=4, shuffle=False)
    assert [b.shape[0] for b in ordered] == [4, 4, 2]
    assert np.concatenate(list(ordered))[:, 0].tolist() == x[:, 0].tolist()
    with pytest.raises(ValueError, match="batch_size must be at least 1"):
        arrays_dataset(x, y, batch_size=0)
