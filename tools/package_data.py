"""Rebuild the data packaged in the distributions from ``../shared/data`` (run by hand).

    python tools/package_data.py [--shared ../shared/data] [--check]

Writes, byte-for-byte reproducibly (gzip level 9, mtime 0; NPZ members in a fixed order):

- ``plugins/nasplug-nb201/src/nasplug_nb201/data/nb201.csv.gz``            (all rows)
- ``plugins/nasplug-nb301/src/nasplug_nb301/data/nb301_labeled.csv.gz``   (all rows)
- ``plugins/nasplug-tnb101/src/nasplug_tnb101/data/tnb101_micro.csv.gz``  (all rows)
- ``plugins/nasplug-tnb101/src/nasplug_tnb101/data/tnb101_macro.csv.gz``  (all rows)
- ``<each of the three>/data/suite_zero_extra.csv.gz``: the rows of ``suite_zero_extra.csv``
  whose ``search_space`` is that plugin's (nasbench201 / nasbench301 / transbench101_micro),
  same header;
- ``core/nasplug/data/samples/cifar10_train_sample.npz``: the first 32 training images of
  each CIFAR-10 class of ``images/cifar10_train.npz`` (320 images, class order), compressed;
- ``core/nasplug/data/samples/cifar100_sample.npz``: ``images/cifar100_sample.npz`` (20
  test images), compressed.

Never packaged: ``images/imagenet16_120_sample.npz`` (ImageNet photos may not be
redistributed) and everything in ``naslib/``. ``--check`` compares instead of writing
and exits 1 on a difference.
"""

from __future__ import annotations

import argparse
import csv
import gzip
import io
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CIFAR10_PER_CLASS = 32

PLUGIN_DATA = {
    "nasbench201": ROOT / "plugins/nasplug-nb201/src/nasplug_nb201/data",
    "nasbench301": ROOT / "plugins/nasplug-nb301/src/nasplug_nb301/data",
    "transbench101_micro": ROOT / "plugins/nasplug-tnb101/src/nasplug_tnb101/data",
}
SAMPLES = ROOT / "core/nasplug/data/samples"


def gz(data: bytes) -> bytes:
    buf = io.BytesIO()
    with gzip.GzipFile(filename="", mode="wb", compresslevel=9, fileobj=buf, mtime=0) as fh:
        fh.write(data)
    return buf.getvalue()


def npz(**arrays) -> bytes:
    import numpy as np

    buf = io.BytesIO()
    np.savez_compressed(buf, **arrays)
    return buf.getvalue()


def outputs(shared: Path) -> dict[Path, bytes]:
    import numpy as np

    bench = shared / "benchmarks"
    out = {
        PLUGIN_DATA["nasbench201"] / "nb201.csv.gz": gz((bench / "nb201.csv").read_bytes()),
        PLUGIN_DATA["nasbench301"] / "nb301_labeled.csv.gz": gz((bench / "nb301_labeled.csv").read_bytes()),
        PLUGIN_DATA["transbench101_micro"] / "tnb101_micro.csv.gz": gz((bench / "tnb101_micro.csv").read_bytes()),
        PLUGIN_DATA["transbench101_micro"] / "tnb101_macro.csv.gz": gz((bench / "tnb101_macro.csv").read_bytes()),
    }
    rows = list(csv.reader(io.StringIO((bench / "suite_zero_extra.csv").read_text(encoding="utf-8"), newline="")))
    header, body = rows[0], [r for r in rows[1:] if r]
    col = header.index("search_space")
    for space, folder in PLUGIN_DATA.items():
        text = io.StringIO(newline="")
        writer = csv.writer(text, lineterminator="\n")
        writer.writerow(header)
        writer.writerows(r for r in body if r[col] == space)
        out[folder / "suite_zero_extra.csv.gz"] = gz(text.getvalue().encode("utf-8"))

    with np.load(shared / "images" / "cifar10_train.npz", allow_pickle=False) as z:
        x, y, classes = z["x"], z["y"], z["classes"]
    idx = np.concatenate([np.flatnonzero(y == c)[:CIFAR10_PER_CLASS] for c in range(len(classes))])
    out[SAMPLES / "cifar10_train_sample.npz"] = npz(x=x[idx], y=y[idx].astype(np.int64), classes=classes)
    with np.load(shared / "images" / "cifar100_sample.npz", allow_pickle=False) as z:
        out[SAMPLES / "cifar100_sample.npz"] = npz(x=z["x"], y=z["y"].astype(np.int64))
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--shared", type=Path, default=ROOT.parent / "shared" / "data")
    ap.add_argument("--check", action="store_true")
    args = ap.parse_args()
    differ = 0
    for path, data in outputs(args.shared).items():
        rel = path.relative_to(ROOT)
        if args.check:
            same = path.is_file() and path.read_bytes() == data
            differ += not same
            print(f"{'ok' if same else 'DIFFERS'}  {rel}")
        else:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)
            print(f"wrote {rel} ({len(data):,} bytes)")
    return 1 if differ else 0


if __name__ == "__main__":
    sys.exit(main())
