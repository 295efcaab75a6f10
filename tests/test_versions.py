"""One version, one set of pins: pyproject, the lock, environment.yml and notebooks agree."""

from __future__ import annotations

import re
import tomllib

import yaml
from conftest import ROOT
from packaging.requirements import Requirement

import cnnbook
from tools.nbconventions import book_version, bootstrap_source, repository_url


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


def _distribution_closure(requirements: list[str]) -> set[str]:
    """The distributions ``requirements`` install, with everything they depend on."""
    from importlib import metadata

    def norm(name: str) -> str:
        return re.sub(r"[-_.]+", "-", name).lower()

    seen: set[str] = set()
    todo = [Requirement(r) for r in requirements]
    while todo:
        requirement = todo.pop()
        name = norm(requirement.name)
        if name in seen:
            continue
        seen.add(name)
        try:
            wanted = metadata.requires(requirement.name) or []
        except metadata.PackageNotFoundError:
            continue
        for line in wanted:
            nested = Requirement(line)
            extras = requirement.extras or {""}
            if nested.marker is None or any(
                nested.marker.evaluate({"extra": extra}) for extra in extras
            ):
                todo.append(nested)
    return seen


def test_the_book_extra_installs_every_module_the_tests_tools_and_bench_import():
    """pip install -e ".[cpu,grading,book]" gives all that `make test` imports, pytest's -n too."""
    import ast
    import sys
    from importlib import metadata

    project = pyproject()["project"]
    extras = project["optional-dependencies"]
    declared = [*project["dependencies"], *extras["cpu"], *extras["grading"], *extras["book"]]
    installed = _distribution_closure(declared)
    addopts = pyproject()["tool"]["pytest"]["ini_options"]["addopts"]
    if re.search(r"(^|\s)-n\s", addopts):
        assert "pytest-xdist" in installed, "addopts runs pytest -n: declare pytest-xdist"
    local = {"cnnbook", "conftest", "fullbook", "assign", "grading", "nbconventions", "bench"}
    local |= {p.stem for p in (ROOT / "tests").glob("*.py")} | {"cnnbook_book", "tools"}
    providers = metadata.packages_distributions()
    missing = {}
    for folder in ("tests", "tools", "bench"):
        for path in (ROOT / folder).glob("*.py"):
            for node in ast.walk(ast.parse(path.read_text())):
                names = []
                if isinstance(node, ast.Import):
                    names = [a.name for a in node.names]
                elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                    names = [node.module]
                for top in {n.split(".")[0] for n in names}:
                    if top in local or top in sys.stdlib_module_names:
                        continue
                    dists = {re.sub(r"[-_.]+", "-", d).lower() for d in providers.get(top, [])}
                    if not dists & installed:
                        missing.setdefault(top, set()).add(f"{folder}/{path.name}")
    assert not missing, f"imported but not installed by cnnbook[cpu,grading,book]: {missing}"
