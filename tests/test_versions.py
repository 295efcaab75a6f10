"""One version, one set of pins: pyproject, the lock, environment.yml and notebooks agree."""

from __future__ import annotations

import re
import tomllib

import yaml
from conftest import ROOT
from nbconventions import book_version, bootstrap_source, repository_url
from packaging.requirements import Requirement

import cnnbook


def lock_pins() -> dict[str, str]:
    pins = {}
    for line in (ROOT / "requirements.lock").read_text().splitlines():
        line = line.split("#")[0].strip()
        if line:
            name, version = line.split("==")
            pins[re.sub(r"[-_.]+", "-", name).lower()] = version
    return pins


def pyproject() -> dict:
    return tomllib.loads((ROOT / "pyproject.toml").read_text())


def test_the_lock_pins_every_package_exactly():
    text = [
        ln
        for ln in (ROOT / "requirements.lock").read_text().splitlines()
        if ln.strip() and not ln.startswith("#")
    ]
    assert text and all(re.fullmatch(r"[A-Za-z0-9_.\-\[\]]+==[^=\s]+", ln) for ln in text)


def test_every_declared_range_admits_the_locked_version():
    project = pyproject()["project"]
    pins = lock_pins()
    declared = list(project["dependencies"])
    for extra in ("cpu", "book", "grading"):
        declared += project["optional-dependencies"][extra]
    for spec in declared:
        req = Requirement(spec)
        name = re.sub(r"[-_.]+", "-", req.name).lower()
        assert name in pins, f"{req.name} is declared but not locked"
        assert req.specifier.contains(pins[name], prereleases=True), (
            f"{req.name}=={pins[name]} in the lock is outside pyproject's {req.specifier}"
        )


def test_colab_gets_no_second_tensorflow():
    core = [Requirement(s).name.lower() for s in pyproject()["project"]["dependencies"]]
    assert not any(name.startswith("tensorflow") for name in core)
    assert "tensorflow-cpu" in lock_pins(), "CI and make install the CPU build"
    gpu = Requirement(pyproject()["project"]["optional-dependencies"]["gpu"][0])
    assert gpu.name == "tensorflow" and gpu.specifier.contains(lock_pins()["tensorflow-cpu"])


def test_environment_yml_uses_python_311_and_the_lock():
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    deps = env["dependencies"]
    assert "python=3.11" in deps
    pip = next(d["pip"] for d in deps if isinstance(d, dict))
    assert "-r requirements.lock" in pip and "-e ." in pip


def test_jupyter_book_stays_below_2():
    assert lock_pins()["jupyter-book"].startswith("1.")


def test_one_version_for_package_book_and_bootstrap():
    assert cnnbook.__version__ == book_version()
    source = bootstrap_source()
    assert f"@v{cnnbook.__version__}" in source
    assert repository_url() in source
    config = yaml.safe_load((ROOT / "_config.yml").read_text())
    assert config["repository"]["url"] == repository_url()


def test_citation_file_carries_the_book_version():
    citation = yaml.safe_load((ROOT / "CITATION.cff").read_text())
    assert str(citation["version"]) == cnnbook.__version__
    assert citation["repository-code"] == repository_url()
