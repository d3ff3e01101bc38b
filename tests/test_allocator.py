"""nasplug.allocator: glibc malloc keeps freed tensor buffers unless the user chose otherwise."""

from __future__ import annotations

import os
import platform
import subprocess
import sys

import pytest

glibc = pytest.mark.skipif(not sys.platform.startswith("linux") or platform.libc_ver()[0] != "glibc",
                           reason="glibc malloc only")

PROBE = ("import nasplug.allocator as a; first = a.keep_freed_memory(); "
         "print(first, a.keep_freed_memory(), a._user_chose_allocator())")


def probe(**env_changes):
    env = {k: v for k, v in os.environ.items()
           if k not in ("MALLOC_MMAP_THRESHOLD_", "MALLOC_TRIM_THRESHOLD_", "GLIBC_TUNABLES",
                        "LD_PRELOAD", "NASPLUG_KEEP_FREED_MEMORY")}
    env.update(env_changes)
    out = subprocess.run([sys.executable, "-c", PROBE], env=env, capture_output=True, text=True, check=True)
    return out.stdout.strip().split(maxsplit=2)


@glibc
def test_applied_once_in_a_fresh_process():
    assert probe() == ["True", "True", "None"]


@pytest.mark.parametrize("env, why", [
    ({"NASPLUG_KEEP_FREED_MEMORY": "0"}, "$NASPLUG_KEEP_FREED_MEMORY is off"),
    ({"MALLOC_TRIM_THRESHOLD_": "1000000"}, "$MALLOC_TRIM_THRESHOLD_ is set"),
    ({"GLIBC_TUNABLES": "glibc.malloc.trim_threshold=1000000"}, "$GLIBC_TUNABLES is set"),
])
def test_left_alone_when_the_user_chose(env, why):
    first, again, reason = probe(**env)
    assert (first, again) == ("False", "False")
    assert reason == why


@glibc
def test_a_zero_cost_query_applies_it():
    code = ("import torch, nasplug.allocator as a\n"
            "from nasplug.zerocost.conformance import tiny_batch, tiny_classifier\n"
            "from nasplug.zerocost import ZeroCostPredictor\n"
            "class Loss(ZeroCostPredictor):\n"
            "    name = 'loss'\n"
            "    def compute(self, ctx): return ctx.loss().item()\n"
            "assert a._applied is None\n"
            "Loss().query(tiny_classifier(), [tiny_batch()])\n"
            "print(a._applied)\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         env={k: v for k, v in os.environ.items() if k != "NASPLUG_KEEP_FREED_MEMORY"})
    assert out.stdout.strip() == "True"
