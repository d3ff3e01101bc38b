"""Every distribution folder of the repository (the core, plugins/*, contrib_predictors/*, including
ones added later) has the publishable metadata of CONTRIBUTING.md, "Packaging a distribution"."""

from __future__ import annotations

import fnmatch
import re
import tomllib
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.version import Version

REPO = Path(__file__).resolve().parents[1]
DISTS = [REPO] + sorted(p.parent for p in REPO.glob("plugins/*/pyproject.toml")) + \
    sorted(p.parent for p in REPO.glob("contrib_predictors/*/pyproject.toml"))
#: markdown link or image targets; relative ones break on a package index's page
LINK = re.compile(r"!?\[[^\]]*\]\(([^)\s]+)[^)]*\)")


def dist_id(path: Path) -> str:
    return "nasplug (core)" if path == REPO else path.relative_to(REPO).as_posix()


def load(dist: Path) -> dict:
    return tomllib.loads((dist / "pyproject.toml").read_text())


@pytest.mark.parametrize("dist", DISTS, ids=dist_id)
def test_metadata_is_complete(dist):
    meta = load(dist)
    project = meta["project"]
    where = dist_id(dist)
    requires = [Requirement(r) for r in meta["build-system"]["requires"]]
    tools = {r.name: r for r in requires}
    floor = [s for s in tools["setuptools"].specifier if s.operator == ">="] if "setuptools" in tools else []
    assert floor and Version(floor[0].version) >= Version("77"), \
        f"{where}: build-system must require setuptools>=77 (PEP 639 license fields)"
    for field in ("name", "version", "description", "readme", "requires-python"):
        assert project.get(field), f"{where}: [project] {field} is missing"
    assert project.get("license") == "Apache-2.0", \
        f"{where}: license must be the SPDX string \"Apache-2.0\" (not the deprecated {{text = ...}} table)"
    assert "LICENSE" in project.get("license-files", []), f"{where}: license-files = [\"LICENSE\"] is missing"
    license_file = dist / "LICENSE"
    assert license_file.is_file() and "Apache License" in license_file.read_text()[:200] \
        and "Version 2.0" in license_file.read_text()[:300], f"{where}: LICENSE (the Apache-2.0 text) is missing"
    classifiers = project.get("classifiers", [])
    assert any(c.startswith("Programming Language :: Python :: 3") for c in classifiers), f"{where}: classifiers"
    assert not any(c.startswith("License ::") for c in classifiers), \
        f"{where}: with an SPDX license expression, License :: classifiers are not allowed"
    urls = project.get("urls", {})
    assert {"Homepage", "Source"} <= set(urls), f"{where}: [project.urls] needs Homepage and Source"
    assert all(u.startswith("https://") for u in urls.values()), f"{where}: project URLs must be absolute"
    assert project.get("authors"), f"{where}: authors"


@pytest.mark.parametrize("dist", DISTS, ids=dist_id)
def test_dependencies_are_ranges_and_plugins_bound_the_core(dist):
    project = load(dist)["project"]
    deps = [Requirement(d) for d in project.get("dependencies", [])]
    pinned = [str(d) for d in deps if any(s.operator in ("==", "===") for s in d.specifier)]
    assert not pinned, f"{dist_id(dist)}: exact pins {pinned} belong in constraints.txt, not the metadata"
    if dist == REPO:
        torch = next(d for d in deps if d.name == "torch")
        assert Version("2.1") in torch.specifier and Version("2.14.1") in torch.specifier
        assert not {"torchvision", "matplotlib", "ray"} & {d.name for d in deps}, "extras only"
        assert {"download", "plot", "ray"} <= set(project["optional-dependencies"])
        return
    core = [d for d in deps if d.name == "nasplug"]
    assert core, f"{dist_id(dist)}: must depend on nasplug"
    spec = core[0].specifier
    assert Version("0.1") in spec and Version("1.0") not in spec and Version("0.0.9") not in spec, \
        f"{dist_id(dist)}: depend on the core as nasplug>=0.1,<1 (got {core[0]})"


@pytest.mark.parametrize("dist", DISTS, ids=dist_id)
def test_package_page_has_no_relative_links(dist):
    readme = dist / load(dist)["project"]["readme"]
    assert readme.is_file(), f"{dist_id(dist)}: readme {readme} is missing"
    relative = [t for t in LINK.findall(readme.read_text())
                if not t.startswith(("http://", "https://", "mailto:", "#"))]
    assert not relative, f"{dist_id(dist)}: {readme.name} links {relative}, which break on the package page; " \
                         "use absolute https:// links"


@pytest.mark.parametrize("dist", [d for d in DISTS if d != REPO], ids=dist_id)
def test_packaged_data_files_are_declared(dist):
    """Data files inside a plugin's package (tables, samples) are listed in package-data,
    so they are in the wheel and not only in the checkout."""
    meta = load(dist)
    declared = meta.get("tool", {}).get("setuptools", {}).get("package-data", {})
    for data in (dist / "src").glob("*/**/*"):
        if not data.is_file() or data.suffix not in (".gz", ".npz", ".csv", ".json", ".txt", ".npy"):
            continue
        rel = data.relative_to(dist / "src")
        package = rel.parts[0]
        if not (dist / "src" / package / "__init__.py").is_file():  # egg-info and the like
            continue
        inside = rel.relative_to(package).as_posix()
        patterns = declared.get(package, []) + declared.get("*", [])
        assert any(fnmatch.fnmatch(inside, p) for p in patterns), \
            f"{dist_id(dist)}: {rel} is not in [tool.setuptools.package-data] {package} = [...]"


def test_scaffold_writes_a_publishable_pyproject():
    from nasplug.commands.new_predictor import render

    files = render("zc_meta_demo")
    meta = tomllib.loads(files["pyproject.toml"])
    assert meta["project"]["license"] == "Apache-2.0" and meta["project"]["license-files"] == ["LICENSE"]
    assert files["LICENSE"] == (REPO / "LICENSE").read_text()
    assert "setuptools>=77" in meta["build-system"]["requires"]
    assert any(c.startswith("Programming Language :: Python :: 3") for c in meta["project"]["classifiers"])


def test_constraints_pin_the_development_environment():
    pins = {}
    for line in (REPO / "constraints.txt").read_text().splitlines():
        line = line.split("#")[0].strip()
        if line:
            req = Requirement(line)
            (spec,) = req.specifier
            assert spec.operator == "==", line
            pins[req.name] = spec.version
    assert pins["torch"] == "2.14.1" and pins["torchvision"] == "0.29.1"
    assert {"ray", "pytest", "ruff", "mypy", "hypothesis", "scikit-learn"} <= set(pins)
    dev = (REPO / "dev.sh").read_text()
    assert dev.count("-c constraints.txt") >= 2
