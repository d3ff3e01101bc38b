"""How long `nasplug list` and `nasplug --help` take with every installed plugin.

Prints each command's median wall time over N runs next to a bare `python -c pass`
baseline measured in the same run, and whether torch got imported (it must not).
Target (issue 2): `nasplug list` under 1 s wall time.
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import time

RUNS = int(sys.argv[1]) if len(sys.argv) > 1 else 7


def median_time(cmd):
    times = []
    for _ in range(RUNS):
        t = time.perf_counter()
        subprocess.run(cmd, check=True, capture_output=True)
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def main():
    py = sys.executable
    base = median_time([py, "-c", "pass"])
    print(f"python -c pass           {base * 1000:7.0f} ms (baseline)")
    for label, args in [("nasplug --help", ["--help"]), ("nasplug list", ["list"]),
                        ("nasplug list --json", ["list", "--json"])]:
        t = median_time([py, "-c", "from nasplug.cli import main; main()", *args])
        print(f"{label:<24} {t * 1000:7.0f} ms  ({t / base:4.1f}x baseline)  {'OK' if t < 1 else 'OVER 1 s'}")
    code = ("import sys; from nasplug.cli import cli\ntry: cli.main(['list'], standalone_mode=False)\n"
            "except SystemExit: pass\nprint('torch imported' if 'torch' in sys.modules else 'torch not imported',"
            " file=sys.stderr)")
    out = subprocess.run([py, "-c", code], capture_output=True, text=True)
    print(out.stderr.strip().splitlines()[-1])
    n = subprocess.run([py, "-c", "import nasplug; r = nasplug.get_registry(); "
                        "print(sum(len(v) for v in r.entries.values()))"], capture_output=True, text=True)
    print(f"registered names: {n.stdout.strip()}")


if __name__ == "__main__":
    main()
