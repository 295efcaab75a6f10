"""The data layer against a loopback HTTP server: good archives land, bad ones leave nothing."""

from __future__ import annotations

import hashlib
import http.server
import io
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import zipfile
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from cnnbook.data import (
    DatasetError,
    DatasetSpec,
    download,
    fetch,
    load_splits,
    locate,
    sources,
    verify,
)

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


def _zip(files: dict[str, bytes], top: str = f"{TOP}/", readme: bool = True) -> bytes:
    """The files under ``top`` (a wrapper folder like GitHub's, or "" for none)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as bundle:
        if readme:
            bundle.writestr(f"{top}README.md", "a fake data set for tests\n")
        for name, data in files.items():
            bundle.writestr(f"{top}{name}", data)
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
    extra = dict(files)
    extra["Dataset/1/extra.jpg"] = _png_bytes(7)
    moved = {name.replace("Dataset/", "images/"): data for name, data in files.items()}
    return (
        {
            "/flat.zip": (200, _zip(files, top="")),
            "/bare.zip": (200, _zip(files, top="", readme=False)),  # Dataset/ alone at the top
            "/wrapped-twice.zip": (200, _zip(files, top=f"outer/{TOP}/")),
            "/extra.zip": (200, _zip(extra)),
            "/moved.zip": (200, _zip(moved)),
            "/good.zip": (200, good),
            "/corrupt.zip": (200, bytes(corrupt)),
            "/truncated.zip": (200, good[: len(good) // 2]),
            "/error-page.zip": (
                200,
                b"<!DOCTYPE html><html><body>Rate limit exceeded</body></html>",
            ),
            "/tampered.zip": (200, _zip(tampered)),
        },
        files,
    )


STALLED = threading.Event()  # set by the server when a client waits on a stalled answer
RELEASE = threading.Event()  # set at teardown: stalled answers give up


@pytest.fixture(scope="module")
def server(archives):
    """Routes from ``archives``, and three that misbehave.

    ``/stall-body.zip`` sends its headers and then nothing, ``/stall-headers.zip`` sends nothing
    at all, ``/short.zip`` promises more bytes (Content-Length) than it sends and closes.
    """
    routes, _ = archives
    good = routes["/good.zip"][1]

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            try:
                if self.path == "/stall-headers.zip":
                    STALLED.set()
                    RELEASE.wait(20)
                    return
                if self.path in ("/stall-body.zip", "/short.zip"):
                    self.send_response(200)
                    self.send_header("Content-Length", str(len(good)))
                    self.end_headers()
                    self.wfile.write(good[:1000])
                    self.wfile.flush()
                    if self.path == "/stall-body.zip":
                        STALLED.set()
                        RELEASE.wait(20)
                    return  # HTTP/1.0: the connection closes, 1,000 bytes short of the promise
                status, body = routes.get(self.path, (404, b"not found"))
                self.send_response(status)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
            except OSError:  # the client gave up first
                pass

        def log_message(self, *args):
            pass

    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    RELEASE.set()
    httpd.shutdown()


@pytest.fixture
def refused_url():
    """A URL on a loopback port with nothing listening: the connection is refused."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"http://127.0.0.1:{port}/none.zip"


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


@pytest.mark.parametrize("route", ["/bare.zip", "/flat.zip", "/good.zip", "/wrapped-twice.zip"])
def test_the_archive_root_is_where_the_manifest_paths_resolve(server, spec_for, tmp_path, route):
    # Dataset/ alone at the archive's top (no wrapper to strip), beside a README, inside
    # GitHub's one wrapper folder, or inside two.
    cache = tmp_path / "cache"
    folder = download(spec_for(server + route), cache, progressbar=False)
    assert verify(folder, spec_for(server + route)) == 18
    assert sorted(p.name for p in (folder / "Dataset").iterdir()) == ["0", "1", "2"]
    assert sorted(p.name for p in cache.iterdir()) == ["fake"]


def test_an_archive_without_the_manifest_paths_names_what_it_holds(server, spec_for, tmp_path):
    cache = tmp_path / "cache"
    with pytest.raises(DatasetError) as error:
        download(spec_for(server + "/moved.zip"), cache, progressbar=False)
    message = str(error.value)
    assert f"the layout of the archive of fake from {server}/moved.zip does not contain" in message
    assert "the manifest's paths" in message
    assert "expected Dataset/0/img_0.png" in message
    assert f"its top holds only {TOP}/, which holds README.md, images/." in message
    assert list(cache.iterdir()) == []


def test_an_archive_with_an_unlisted_image_is_rejected(server, spec_for, tmp_path):
    cache = tmp_path / "cache"
    with pytest.raises(DatasetError, match=r"1 not in the manifest \(first: Dataset/1/extra.jpg\)"):
        download(spec_for(server + "/extra.zip"), cache, progressbar=False)
    assert list(cache.iterdir()) == []


def _fail_to_connect(monkeypatch, error: OSError) -> None:
    """Make every new connection fail with ``error``, where urllib3 opens its sockets."""
    import urllib3.util.connection

    def refuse(*args, **kwargs):
        raise error

    monkeypatch.setattr(urllib3.util.connection, "create_connection", refuse)


@pytest.mark.parametrize(
    ("case", "expected"),
    [
        (
            "stall-body",
            r"127\.0\.0\.1 was reached but stopped sending .*nothing arrived for 0\.5 s",
        ),
        ("stall-headers", r"127\.0\.0\.1 was reached but stopped sending"),
        (
            "short",
            r"closed before all of .* had arrived \(1,000 bytes read, [\d,]+ more expected\)",
        ),
        ("refused", r"127\.0\.0\.1:\d+ refused the connection for .*nothing is listening"),
        ("unresolved", r"could not look up data\.invalid for .*the name does not resolve"),
        ("connect-timeout", r"could not connect to data\.invalid for .*no answer within 0\.5 s"),
    ],
    ids=["stall-body", "stall-headers", "short", "refused", "unresolved", "connect-timeout"],
)
def test_each_network_failure_says_what_happened(
    server, spec_for, refused_url, monkeypatch, tmp_path, case, expected
):
    monkeypatch.setattr(fetch, "DOWNLOAD_TIMEOUT", 0.5)
    routes = {"refused": refused_url, "stall-body": "/stall-body.zip", "short": "/short.zip"}
    routes["stall-headers"] = "/stall-headers.zip"
    url = routes.get(case, "http://data.invalid/fake.zip")
    url = server + url if url.startswith("/") else url
    if case == "unresolved":
        _fail_to_connect(monkeypatch, socket.gaierror(-2, "Name or service not known"))
    elif case == "connect-timeout":
        _fail_to_connect(monkeypatch, TimeoutError("timed out"))
    cache = tmp_path / "cache"
    start = time.perf_counter()
    with pytest.raises(DatasetError, match=expected) as error:
        download(spec_for(url), cache, progressbar=False)
    assert time.perf_counter() - start < 10, "the timeout constant was not used"
    message = str(error.value)
    assert url in message
    assert "put a verified copy in CNNBOOK_DATA_DIR (see the README's data section)" in message
    assert list(cache.iterdir()) == []


def _dead_pid() -> int:
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


def test_a_download_removes_partial_folders_of_dead_runs_only(
    server, spec_for, tmp_path, monkeypatch, capsys
):
    cache = tmp_path / "cache"
    monkeypatch.setenv("CNNBOOK_DATA_DIR", str(cache))  # printed paths start from the variable
    stale = cache / f".fake-partial-{_dead_pid()}-abc123"
    old_format = cache / ".fake-partial-k2j4_9x1"  # before process ids were in the name
    running = cache / f".fake-partial-{os.getpid()}-live0001"  # a download in progress
    other = cache / f".other-partial-{_dead_pid()}-zzz"  # another data set's: not ours to judge
    for folder in (stale, old_format, running, other):
        (folder / "archive.zip").parent.mkdir(parents=True)
        (folder / "archive.zip").write_bytes(b"half")
    download(spec_for(server + "/good.zip"), cache, progressbar=False)
    assert sorted(p.name for p in cache.iterdir()) == sorted(["fake", running.name, other.name])
    removed = [line for line in capsys.readouterr().out.splitlines() if "Removed" in line]
    assert removed == [
        "Removed 2 partial downloads left by interrupted runs: "
        f"$CNNBOOK_DATA_DIR/{stale.name}, $CNNBOOK_DATA_DIR/{old_format.name}"
    ]


def test_a_sigterm_during_a_download_leaves_no_partial_folder(server, spec_for, tmp_path):
    cache = tmp_path / "cache"
    spec = spec_for(server + "/stall-body.zip")
    script = (
        "import sys; from pathlib import Path\n"
        "from cnnbook.data import DatasetSpec, download\n"
        "spec = DatasetSpec(name='fake', title='t', url=sys.argv[1], license='l', citation='c',"
        " manifest=Path(sys.argv[2]), image_root='Dataset', num_classes=3, num_files=18)\n"
        "download(spec, Path(sys.argv[3]), progressbar=False)\n"
    )
    STALLED.clear()
    child = subprocess.Popen(
        [sys.executable, "-c", script, spec.url, str(spec.manifest), str(cache)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    try:
        assert STALLED.wait(60), "the download never reached the stalled server"
        assert [p.name.startswith(".fake-partial-") for p in cache.iterdir()] == [True]
        child.send_signal(signal.SIGTERM)
        child.wait(timeout=30)
    finally:
        child.kill()
        child.communicate()
    assert list(cache.iterdir()) == [], "SIGTERM left a partial download behind"
    assert child.returncode == 128 + signal.SIGTERM  # an exit through SystemExit, not a kill


def test_verify_names_missing_files(server, spec_for, tmp_path):
    folder = download(spec_for(server + "/good.zip"), tmp_path, progressbar=False)
    (folder / "Dataset" / "2" / "img_5.png").unlink()
    with pytest.raises(DatasetError, match=r"1 missing \(first: Dataset/2/img_5.png\)"):
        verify(folder, spec_for(server + "/good.zip"))


def test_verify_names_files_and_class_folders_the_manifest_does_not_list(
    server, spec_for, tmp_path
):
    spec = spec_for(server + "/good.zip")
    folder = download(spec, tmp_path, progressbar=False)
    (folder / "Dataset" / "2" / ".DS_Store").write_bytes(b"Finder")  # Keras never reads it
    (folder / "LICENSE").write_text("beside the image root: not data")
    assert verify(folder, spec) == 18
    (folder / "Dataset" / "3").mkdir()  # Keras would make it a fourth class, empty
    with pytest.raises(DatasetError, match=r"1 not in the manifest \(first: Dataset/3/\)"):
        verify(folder, spec)
    (folder / "Dataset" / "3" / "extra.jpg").write_bytes(_png_bytes(9))
    with pytest.raises(DatasetError, match=r"2 not in the manifest \(first: Dataset/3/\)"):
        verify(folder, spec)
    (folder / "Dataset" / "3" / "extra.jpg").unlink()
    (folder / "Dataset" / "3").rmdir()
    (folder / "Dataset" / "1" / "copy.png").write_bytes(_png_bytes(9))
    with pytest.raises(DatasetError, match=r"1 not in the manifest \(first: Dataset/1/copy.png\)"):
        verify(folder, spec)


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


def test_locate_refuses_a_local_copy_with_an_extra_image(isolated):
    folder = locate("fake").image_dir
    (folder / "0" / "extra.png").write_bytes(_png_bytes(1))
    with pytest.raises(DatasetError, match=r"1 not in the manifest \(first: Dataset/0/extra.png\)"):
        locate("fake")


def test_without_network_locate_announces_the_fallback(isolated, refused_url, capsys):
    isolated["url"] = refused_url
    source = locate("fake")
    out = capsys.readouterr().out
    assert source.is_fallback and "FALLBACK DATA" in out and "scikit-learn" in out
    assert "refused the connection" in out  # the announcement says what happened
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
