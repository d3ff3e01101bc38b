"""Faults of a real ``nasplug eval`` process (issue 15): SIGKILL, Ctrl-C, two processes on one store.

Each test runs the installed CLI in a subprocess on NAS-Bench-201 CIFAR-10 (the
packaged table and image sample, or the data directory's) with a competition
submission that counts its queries in a log file and sleeps a little in each,
so a signal lands mid-run. Scores are parameter counts: deterministic.
"""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

SUBMISSION = '''
import os, time
from naslib.predictors.predictor import Predictor


class ZeroCostPredictor(Predictor):
    def __init__(self):
        self.method_type = "slowparams"

    def pre_process(self):
        pass

    def query(self, graph, dataloader=None):
        with open(os.environ["SLOW_LOG"], "a") as fh:
            fh.write("q\\n")
        time.sleep(float(os.environ.get("SLOW_SECONDS", "0")))
        return float(sum(p.numel() for p in graph.parameters()))
'''

CELLS = 8


@pytest.fixture
def env(tmp_path):
    sub = tmp_path / "slowparams.py"
    sub.write_text(SUBMISSION)
    environ = {k: v for k, v in os.environ.items() if not k.startswith("NASPLUG_")}
    environ.update(NASPLUG_CACHE=str(tmp_path / "cache"), SLOW_LOG=str(tmp_path / "queries.log"),
                   OMP_NUM_THREADS="1", PYTHONUNBUFFERED="1")
    shared = Path(__file__).resolve().parents[1].parent / "shared" / "data"
    if (shared / "benchmarks" / "nb201.csv").is_file():
        environ["NASPLUG_DATA"] = str(shared)
    return {"env": environ, "submission": str(sub), "tmp": tmp_path}


def command(env, out: str | None = None, *extra: str) -> list[str]:
    args = [sys.executable, "-m", "nasplug", "eval", "--predictor", env["submission"],
            "--benchmark", "nasbench201/cifar10", "--test-size", str(CELLS), "--no-progress", *extra]
    return args + (["--output", out] if out else [])


def stored(env) -> int:
    path = env["tmp"] / "cache" / "scores.sqlite"
    if not path.is_file():
        return 0
    try:
        with sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=10) as conn:
            return conn.execute("SELECT COUNT(*) FROM scores").fetchone()[0]
    except sqlite3.OperationalError:  # the table is not created yet
        return 0


def queries(env) -> int:
    log = env["tmp"] / "queries.log"
    return len(log.read_text().splitlines()) if log.is_file() else 0


def start_and_wait_for_rows(env, rows: int, seconds: str) -> subprocess.Popen:
    proc = subprocess.Popen(command(env), env=dict(env["env"], SLOW_SECONDS=seconds),
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 300
    while stored(env) < rows:
        if proc.poll() is not None:
            pytest.fail(f"nasplug eval ended before {rows} rows were stored: {proc.stderr.read()[-500:]}")
        if time.monotonic() > deadline:
            proc.kill()
            pytest.fail("no rows stored within 300 s")
        time.sleep(0.05)
    return proc


def test_sigkill_midway_resumes_without_rescoring(env):
    proc = start_and_wait_for_rows(env, 2, seconds="0.5")
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=60)
    kept = stored(env)
    assert 2 <= kept < CELLS
    before = queries(env)
    out = str(env["tmp"] / "resumed.json")
    done = subprocess.run(command(env, out), env=env["env"], capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    summary = json.loads(Path(out).read_text())["summary"][0]
    assert summary["cached"] == kept and summary["n_scored"] == CELLS
    assert queries(env) - before == CELLS - kept  # only the missing cells were scored
    assert stored(env) == CELLS


def test_sigint_stops_at_once_says_what_was_kept_and_exits_130(env):
    proc = start_and_wait_for_rows(env, 1, seconds="1.0")
    sent = time.monotonic()
    proc.send_signal(signal.SIGINT)
    try:
        _, err = proc.communicate(timeout=30)  # a hang guard, not a timing assertion
    except subprocess.TimeoutExpired:
        proc.kill()
        pytest.fail("nasplug eval did not stop within 30 s of SIGINT")
    elapsed = time.monotonic() - sent
    assert proc.returncode == 130, err
    lines = [line for line in err.splitlines() if line.strip()]
    assert lines[-1].startswith("interrupted: the ") and "kept in the score store" in lines[-1], err
    assert "Traceback" not in err, err
    kept = stored(env)
    assert kept >= 1 and f"the {kept} score(s)" in lines[-1], (elapsed, err)
    print(f"SIGINT to exit: {elapsed:.2f} s (load average {os.getloadavg()[0]:.1f})")


def test_two_processes_on_one_store_give_the_results_of_one(env):
    outs = [str(env["tmp"] / f"run{i}.json") for i in range(2)]
    procs = [subprocess.Popen(command(env, out), env=dict(env["env"], SLOW_SECONDS="0.1"),
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for out in outs]
    for proc in procs:
        _, err = proc.communicate(timeout=600)
        assert proc.returncode == 0, err
    alone = str(env["tmp"] / "alone.json")
    single = subprocess.run(command(env, alone, "--no-cache"), env=env["env"], capture_output=True,
                            text=True, timeout=600)
    assert single.returncode == 0, single.stderr
    docs = [json.loads(Path(p).read_text()) for p in (*outs, alone)]
    cells = [[(c["arch"], c["score"], c["ground_truth"]) for c in d["architectures"]] for d in docs]
    assert cells[0] == cells[1] == cells[2]
    assert stored(env) == CELLS
