"""cnnbook.paths.for_reader: folders named as a reader can use them, never as absolute paths."""

from pathlib import Path

import pytest

from cnnbook import paths


def test_folders_under_the_variables_are_named_by_the_variable(tmp_path, monkeypatch):
    monkeypatch.setenv("CNNBOOK_DATA_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("CNNBOOK_WEIGHTS_DIR", str(tmp_path / "weights"))
    digits = tmp_path / "cache" / "sign-language-digits"
    assert paths.for_reader(digits) == "$CNNBOOK_DATA_DIR/sign-language-digits"
    assert paths.for_reader(tmp_path / "cache") == "$CNNBOOK_DATA_DIR"
    assert paths.for_reader(tmp_path / "weights") == "$CNNBOOK_WEIGHTS_DIR"


def test_folders_in_and_beside_the_checkout_are_relative_to_it(monkeypatch):
    monkeypatch.delenv("CNNBOOK_DATA_DIR", raising=False)
    monkeypatch.delenv("CNNBOOK_WEIGHTS_DIR", raising=False)
    root = paths.repo_root()
    assert root is not None  # the tests run in a checkout
    assert paths.for_reader(root / "data" / ".scratch" / "keras_home") == "data/.scratch/keras_home"
    assert paths.for_reader(root.parent / "shared" / "weights") == "../shared/weights"


def test_other_folders_show_no_absolute_path(monkeypatch, tmp_path):
    monkeypatch.delenv("CNNBOOK_DATA_DIR", raising=False)
    monkeypatch.setattr(Path, "home", classmethod(lambda cls: tmp_path / "home"))
    assert paths.for_reader(tmp_path / "home" / ".cache" / "cnnbook") == "~/.cache/cnnbook"
    elsewhere = paths.for_reader(Path("/opt/datasets/digits"))
    assert not elsewhere.startswith("/") and elsewhere == "digits"


def test_a_linked_shared_folder_is_still_named_beside_the_checkout(tmp_path, monkeypatch):
    """CI links ../shared to the machine's copy; the output still says ../shared."""
    monkeypatch.delenv("CNNBOOK_WEIGHTS_DIR", raising=False)
    (tmp_path / "main").mkdir()
    (tmp_path / "elsewhere" / "shared" / "weights").mkdir(parents=True)
    (tmp_path / "shared").symlink_to(tmp_path / "elsewhere" / "shared")
    monkeypatch.setattr(paths, "repo_root", lambda: tmp_path / "main")
    resolved = (tmp_path / "shared" / "weights").resolve()  # as local_weights_dir() gives it
    assert paths.for_reader(resolved) == "../shared/weights"
    assert paths.for_reader(tmp_path / "shared" / "weights") == "../shared/weights"


def test_a_weights_variable_naming_no_folder_is_an_error_naming_it(tmp_path, monkeypatch):
    missing = tmp_path / "no-such-folder"
    monkeypatch.setenv("CNNBOOK_WEIGHTS_DIR", str(missing))
    with pytest.raises(paths.FolderVariableError) as raised:
        paths.local_weights_dir()
    assert str(raised.value) == (
        f"CNNBOOK_WEIGHTS_DIR={missing} names a folder that does not exist; create it with "
        "the weights file or unset the variable."
    )
    (tmp_path / "a-file").write_text("x")
    monkeypatch.setenv("CNNBOOK_WEIGHTS_DIR", str(tmp_path / "a-file"))
    with pytest.raises(paths.FolderVariableError, match="names a file, not a folder"):
        paths.local_weights_dir()
    monkeypatch.setenv("CNNBOOK_WEIGHTS_DIR", str(tmp_path))
    assert paths.local_weights_dir() == tmp_path.resolve()


def test_a_data_variable_may_name_a_folder_downloads_will_create_but_not_a_file(
    tmp_path, monkeypatch
):
    monkeypatch.setenv("CNNBOOK_DATA_DIR", str(tmp_path / "later"))
    assert paths.data_dir() == (tmp_path / "later").resolve()  # downloads create it
    (tmp_path / "a-file").write_text("x")
    monkeypatch.setenv("CNNBOOK_DATA_DIR", str(tmp_path / "a-file"))
    with pytest.raises(paths.FolderVariableError, match="CNNBOOK_DATA_DIR=.* names a file"):
        paths.data_dir()
