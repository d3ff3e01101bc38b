"""Bring a distribution's ``pyproject.toml`` up to the project's metadata template.

    python tools/dist_metadata.py DIST_DIR...      # e.g. plugins/nasplug-zico
    python tools/dist_metadata.py --all            # every distribution of the repository

Idempotent, and only these edits (the rest of the file is left as it is):

- ``[build-system] requires`` -> ``setuptools>=77`` (the first release with PEP 639 licenses);
- the deprecated ``license = {text = "Apache-2.0"}`` table -> ``license = "Apache-2.0"`` (SPDX)
  plus ``license-files = ["LICENSE"]``, authors, keywords and classifiers;
- a ``[project.urls]`` table (Homepage, Documentation, Source = the folder, Issues);
- ``DIST_DIR/LICENSE``: a copy of the repository's ``LICENSE`` (Apache-2.0).

The template itself is in CONTRIBUTING.md ("Packaging a distribution");
``tests/test_dist_metadata.py`` checks every distribution against it.
"""

from __future__ import annotations

import re
import shutil
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
REPO_URL = "https://github.com/nasplug/nasplug"
CLASSIFIERS = [
    "Development Status :: 3 - Alpha",
    "Intended Audience :: Science/Research",
    "Operating System :: OS Independent",
    "Programming Language :: Python :: 3",
    "Programming Language :: Python :: 3 :: Only",
    "Programming Language :: Python :: 3.10",
    "Programming Language :: Python :: 3.11",
    "Programming Language :: Python :: 3.12",
    "Topic :: Scientific/Engineering :: Artificial Intelligence",
]
KEYWORDS = ["neural architecture search", "NAS", "zero-cost proxies", "nasplug", "pluggy"]


def distributions() -> list[Path]:
    dirs = [ROOT] + sorted(p.parent for p in ROOT.glob("plugins/*/pyproject.toml"))
    return dirs + sorted(p.parent for p in ROOT.glob("contrib_predictors/*/pyproject.toml"))


def project_block(folder: str) -> str:
    classifiers = "".join(f'    "{c}",\n' for c in CLASSIFIERS)
    keywords = ", ".join(f'"{k}"' for k in KEYWORDS)
    return (f'license = "Apache-2.0"\nlicense-files = ["LICENSE"]\n'
            f'authors = [{{ name = "The nasplug developers" }}]\n'
            f"keywords = [{keywords}]\nclassifiers = [\n{classifiers}]\n")


def urls_block(folder: str) -> str:
    source = REPO_URL if folder == "." else f"{REPO_URL}/tree/main/{folder}"
    return ("[project.urls]\n"
            f'Homepage = "{REPO_URL}"\n'
            f'Documentation = "{REPO_URL}#readme"\n'
            f'Source = "{source}"\n'
            f'Issues = "{REPO_URL}/issues"\n\n')


def upgrade(dist: Path) -> list[str]:
    path = dist / "pyproject.toml"
    text = original = path.read_text()
    folder = "." if dist == ROOT else dist.relative_to(ROOT).as_posix()
    done = []
    text = re.sub(r'requires = \["setuptools>=6\d"', 'requires = ["setuptools>=77"', text)
    if re.search(r"^license\s*=\s*\{", text, flags=re.M):
        text = re.sub(r"^license\s*=\s*\{[^}]*\}\n", project_block(folder), text, count=1, flags=re.M)
        done.append("license/classifiers")
    elif "license-files" not in text and re.search(r"^\[project\]", text, flags=re.M):
        # no license line at all: add the block after `readme` or `description`
        text = re.sub(r"^(readme\s*=.*\n)", lambda m: m.group(1) + project_block(folder), text,
                      count=1, flags=re.M)
        done.append("license/classifiers")
    if "[project.urls]" not in text:
        match = re.search(r"^\[(?!project\]).*\]\s*$", text[text.index("[project]"):], flags=re.M)
        cut = text.index("[project]") + match.start() if match else len(text)
        text = text[:cut] + urls_block(folder) + text[cut:]
        done.append("urls")
    if text != original:
        path.write_text(text)
    if not (dist / "LICENSE").is_file():
        shutil.copyfile(ROOT / "LICENSE", dist / "LICENSE")
        done.append("LICENSE")
    return done


def main(argv: list[str]) -> int:
    dists = distributions() if argv == ["--all"] else [Path(a).resolve() for a in argv]
    if not dists:
        print(__doc__)
        return 2
    for dist in dists:
        print(f"{dist.relative_to(ROOT) if dist != ROOT else '.'}: {', '.join(upgrade(dist)) or 'up to date'}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
