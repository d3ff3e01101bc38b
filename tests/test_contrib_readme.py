"""README "Write your own predictor in five minutes", followed literally.

The commands are read from the README's first ``sh`` block of that section and
run one by one in a fresh folder, in subprocesses. The only translation: ``pip
install -e DIR`` installs into a temporary ``--target`` (put on ``PYTHONPATH``)
so the shared environment is not changed; ``nasplug`` runs as ``python -m
nasplug`` and ``pytest`` as ``python -m pytest`` of this interpreter. A command
the test does not know fails the test, so the README cannot drift from it.
"""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
HEADING = "### Write your own predictor in five minutes"


def readme_steps() -> list[list[str]]:
    text = (ROOT / "README.md").read_text()
    assert HEADING in text, "README lost its 'Write your own predictor in five minutes' section"
    section = text.split(HEADING, 1)[1].split("\n## ", 1)[0]
    block = re.search(r"```sh\n(.*?)```", section, re.S)
    assert block, "the section has no ```sh block of steps"
    return [shlex.split(line) for line in block.group(1).splitlines()
            if line.strip() and not line.strip().startswith("#")]


def test_readme_lists_the_five_steps():
    steps = readme_steps()
    assert [s[:2] for s in steps] == [["nasplug", "new-predictor"], ["pip", "install"], ["nasplug", "list"],
                                      ["pytest", steps[3][1]], ["nasplug", "eval"]]


def data_dir() -> Path | None:
    for root in (os.environ.get("NASPLUG_DATA"), ROOT.parent / "shared" / "data"):
        if root and (Path(root) / "benchmarks" / "nb201.csv").is_file():
            return Path(root)
    return None


def test_five_minute_predictor_end_to_end(tmp_path):
    import nasplug

    registry = nasplug.get_registry()
    if "nasbench201" not in registry.names("search_spaces"):
        pytest.skip("the walkthrough evaluates on NAS-Bench-201: nasplug-nb201 is not installed")
    if data_dir() is None:
        pytest.skip("no NAS-Bench-201 data (set NASPLUG_DATA)")
    work = tmp_path / "work"
    work.mkdir()
    site = tmp_path / "site"
    env = dict(os.environ)
    env.update({
        "PYTHONPATH": os.pathsep.join(p for p in (str(site), env.get("PYTHONPATH", "")) if p),
        "NASPLUG_DATA": str(data_dir()),
        "NASPLUG_CACHE": str(tmp_path / "cache"),
        # The generated tests run the whole conformance suite; one task keeps this test quick.
        "NASPLUG_CONFORMANCE_TASKS": "nasbench201/cifar10",
        "OMP_NUM_THREADS": "1",
    })
    env.pop("NASPLUG_LOAD_PLUGINS", None)
    outputs = []
    for step in readme_steps():
        tool, args = step[0], step[1:]
        if tool == "nasplug":
            cmd = [sys.executable, "-m", "nasplug", *args]
        elif tool == "pip" and args[:2] == ["install", "-e"] and len(args) == 3:
            cmd = [sys.executable, "-m", "pip", "install", "-q", "--disable-pip-version-check",
                   "--no-build-isolation", "--no-deps", "--target", str(site), str(work / args[2])]
        elif tool == "pytest":
            cmd = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *args]
        else:
            pytest.fail(f"README step {shlex.join(step)!r} is not one this test knows how to run")
        start = time.perf_counter()
        proc = subprocess.run(cmd, cwd=work, env=env, capture_output=True, text=True, timeout=300)
        print(f"{time.perf_counter() - start:6.1f} s  {shlex.join(step)}")
        assert proc.returncode == 0, f"{shlex.join(step)} failed:\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}"
        outputs.append(proc.stdout)
    created, _, listed, tested, evaluated = outputs
    assert (work / "nasplug-myproxy" / "pyproject.toml").is_file() and "Created" in created
    assert re.search(r"myproxy\s+nasplug-myproxy 0\.1\.0", listed)
    assert re.search(r"\d+ passed", tested) and "failed" not in tested
    assert "myproxy" in evaluated and "cifar10" in evaluated
