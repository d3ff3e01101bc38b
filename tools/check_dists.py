"""Build every distribution (wheel + sdist), run ``twine check``, print sizes (run by hand).

    python tools/check_dists.py [--out DIR] [DIST_DIR...]     # default: every distribution

Uses this environment's setuptools (``--no-isolation``: no download). Exits 1 when a build or
``twine check`` fails, or a wheel is 2 MB or more.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tools"))
from dist_metadata import distributions  # noqa: E402

LIMIT = 2_000_000


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", type=Path, default=None)
    ap.add_argument("dists", nargs="*", type=Path)
    args = ap.parse_args()
    out = args.out or Path(tempfile.mkdtemp(prefix="nasplug-dists-"))
    dists = [d.resolve() for d in args.dists] or distributions()
    bad = 0
    print(f"{'distribution':<36} {'wheel bytes':>12} {'sdist bytes':>12}  twine")
    for dist in dists:
        target = out / dist.name
        target.mkdir(parents=True, exist_ok=True)
        built = subprocess.run([sys.executable, "-m", "build", "--no-isolation", "--outdir", str(target), str(dist)],
                               capture_output=True, text=True)
        if built.returncode:
            print(f"{dist.name:<36} BUILD FAILED: {built.stderr.strip().splitlines()[-1:]}")
            bad += 1
            continue
        wheel = next(target.glob("*.whl"))
        sdist = next(target.glob("*.tar.gz"))
        twine = subprocess.run([sys.executable, "-m", "twine", "check", "--strict", str(wheel), str(sdist)],
                               capture_output=True, text=True)
        ok = twine.returncode == 0 and wheel.stat().st_size < LIMIT
        bad += not ok
        print(f"{(dist.name if dist != ROOT else 'nasplug (core)'):<36} {wheel.stat().st_size:>12,} "
              f"{sdist.stat().st_size:>12,}  {'PASSED' if twine.returncode == 0 else 'FAILED ' + twine.stdout[-300:]}")
    print(f"artifacts in {out}")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
