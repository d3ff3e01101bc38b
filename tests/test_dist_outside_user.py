"""The outside user: wheels of the core, nasplug-nb201 and two proxies, installed without editable
links into a fresh environment, run from an empty folder with an empty HOME and no NASPLUG_DATA.

Only this environment's third-party packages (torch, numpy, ...) are reused, through a folder of
links that leaves out every nasplug distribution and editable finder, so what runs is exactly
what the wheels hold. Nothing is downloaded.
"""

from __future__ import annotations

import csv
import gzip
import io
import json
import os
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
DISTS = {"nasplug": REPO, "nasplug_nb201": REPO / "plugins" / "nasplug-nb201",
         "nasplug_synflow": REPO / "plugins" / "nasplug-synflow", "nasplug_snip": REPO / "plugins" / "nasplug-snip"}
SKIP_PREFIXES = ("nasplug", "_nasplug", "__editable__", "__pycache__")


def _clean_copy(src: Path, dst: Path) -> Path:
    """The distribution's sources without build leftovers (a stale ``build/`` of the checkout
    could carry deleted modules into a wheel)."""
    import shutil

    ignore = shutil.ignore_patterns("build", "dist", "*.egg-info", "__pycache__", "*.pyc")
    if src == REPO:  # the core: only what its wheel is made of
        dst.mkdir(parents=True)
        for name in ("pyproject.toml", "LICENSE", "README.md"):
            shutil.copy2(src / name, dst / name)
        shutil.copytree(src / "core", dst / "core", ignore=ignore)
    else:
        shutil.copytree(src, dst, ignore=ignore)
    return dst


def _build_wheels(out: Path) -> dict[str, Path]:
    for name, src in DISTS.items():
        tree = _clean_copy(src, out.parent / "src" / name)
        subprocess.run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "--no-build-isolation",
                        "--disable-pip-version-check", "--wheel-dir", str(out), str(tree)],
                       check=True, capture_output=True, text=True)
    wheels = {}
    for name in DISTS:
        (wheel,) = out.glob(f"{name}-*.whl")
        wheels[name] = wheel
    return wheels


def _fresh_environment(root: Path) -> Path:
    """A venv whose only packages are this environment's third-party ones (linked); its python."""
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(root / "venv")], check=True)
    python = root / "venv" / "bin" / "python"
    site = Path(subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                               check=True, capture_output=True, text=True).stdout.strip())
    deps = root / "deps"
    deps.mkdir()
    for entry in Path(sysconfig.get_paths()["purelib"]).iterdir():
        name = entry.name
        if name.startswith(SKIP_PREFIXES) or name.endswith((".pth", ".egg-link")) or name.startswith("pytest"):
            continue
        (deps / name).symlink_to(entry)
    (site / "_outside_user_deps.pth").write_text(f"{deps}\n")
    return python


@pytest.fixture(scope="module")
def outside(tmp_path_factory):
    root = tmp_path_factory.mktemp("outside-user")
    wheels = _build_wheels(root / "wheels")
    python = _fresh_environment(root)
    subprocess.run([sys.executable, "-m", "pip", "--python", str(python), "install", "-q", "--no-deps",
                    "--no-index", "--disable-pip-version-check", *map(str, wheels.values())],
                   check=True, capture_output=True, text=True)
    home = root / "home"
    home.mkdir()
    work = root / "work"
    work.mkdir()
    env = {"PATH": f"{python.parent}:/usr/bin:/bin", "HOME": str(home), "OMP_NUM_THREADS": "1",
           "LANG": os.environ.get("LANG", "C.UTF-8")}
    return {"root": root, "wheels": wheels, "python": python, "home": home, "work": work, "env": env}


def test_wheels_hold_the_packaged_data_and_complete_metadata(outside):
    wheels = outside["wheels"]
    for name, wheel in wheels.items():
        assert wheel.stat().st_size < 2_000_000, (wheel.name, wheel.stat().st_size)
        with zipfile.ZipFile(wheel) as zf:
            names = zf.namelist()
            meta = zf.read(next(n for n in names if n.endswith(".dist-info/METADATA"))).decode()
        assert any(n.endswith(".dist-info/licenses/LICENSE") for n in names), name
        assert "License-Expression: Apache-2.0" in meta and "Project-URL: Source, " in meta, name
        assert "Classifier: Programming Language :: Python :: 3" in meta
        data_files = [n for n in names if n.endswith((".npz", ".json", ".csv", ".gz", ".pth", ".pkl"))]
        assert not any("imagenet" in n.lower() or "zc_" in n for n in data_files), (name, data_files)
        if name == "nasplug":
            assert "nasplug/py.typed" in names
            samples = {"nasplug/data/samples/cifar10_train_sample.npz", "nasplug/data/samples/cifar100_sample.npz"}
            assert samples <= set(names)
            assert "Requires-Dist: torch>=2.1" in meta and "Requires-Dist: torchvision" in meta
            assert "Requires-Dist: torchvision>=0.16; extra == \"download\"" in meta
            requires = [line.split(";")[0] for line in meta.splitlines() if line.startswith("Requires-Dist")]
            assert not any("==" in r for r in requires), requires  # ranges only: pins are in constraints.txt
        else:
            assert "Requires-Dist: nasplug<1,>=0.1" in meta, name
        if name == "nasplug_nb201":
            assert "nasplug_nb201/data/nb201.csv.gz" in names
    twine = subprocess.run([sys.executable, "-m", "twine", "check", "--strict", *map(str, wheels.values())],
                           capture_output=True, text=True)
    if "No module named twine" in twine.stderr:
        pytest.skip("twine is not installed")
    assert twine.returncode == 0, twine.stdout + twine.stderr


def _packaged_nb201_table() -> dict[str, float]:
    raw = (DISTS["nasplug_nb201"] / "src" / "nasplug_nb201" / "data" / "nb201.csv.gz").read_bytes()
    rows = csv.DictReader(io.StringIO(gzip.decompress(raw).decode()))
    return {r["arch_str"]: float(r["cifar10_test_acc"]) for r in rows}


def test_eval_runs_on_packaged_data_only(outside):
    env, python = outside["env"], outside["python"]
    probe = subprocess.run([str(python), "-c", "import nasplug, nasplug_nb201; print(nasplug.__file__); "
                            "print(nasplug_nb201.__file__)"], cwd=outside["work"], env=env,
                           capture_output=True, text=True, check=True).stdout.split()
    assert all(str(outside["root"] / "venv") in path for path in probe), probe  # not the checkout
    out = outside["work"] / "result.json"
    res = subprocess.run(["nasplug", "eval", "--predictor", "synflow", "--predictor", "snip",
                          "--benchmark", "nasbench201/cifar10", "--test-size", "20", "--output", str(out),
                          "--no-progress"], cwd=outside["work"], env=env, capture_output=True, text=True,
                         timeout=900)
    assert res.returncode == 0, res.stdout + res.stderr
    assert "packaged CIFAR-10 sample, 320 images" in res.stdout
    result = json.loads(out.read_text())
    cells = result["architectures"]
    assert len(cells) == 40 and {c["predictor"] for c in cells} == {"synflow", "snip"}
    assert all(c["status"] == "ok" for c in cells)
    table = _packaged_nb201_table()
    assert all(c["ground_truth"] == table[c["arch"]] for c in cells)
    shared = REPO.parent / "shared" / "data" / "benchmarks" / "nb201.csv"
    if shared.is_file():  # and the packaged table is the published one
        with open(shared, newline="") as fh:
            published = {r["arch_str"]: float(r["cifar10_test_acc"]) for r in csv.DictReader(fh)}
        assert published == table
    report = subprocess.run(["nasplug", "data", "--json"], cwd=outside["work"], env=env,
                            capture_output=True, text=True, check=True)
    task = next(t for t in json.loads(report.stdout)["tasks"] if t["task"] == "cifar10")
    assert task["files"][0]["origin"] == "packaged" and task["files"][0]["rows"] == 15625
    # nothing was written outside the user's cache (the score store under the empty HOME)
    assert sorted(p.name for p in outside["home"].iterdir()) == [".cache"]
