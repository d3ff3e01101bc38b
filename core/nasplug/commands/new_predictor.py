"""``nasplug new-predictor NAME``: write a ready-to-install predictor plugin package.

The package it writes (``nasplug-<name>/``) installs with ``pip install -e``,
shows up in ``nasplug list``, runs under ``nasplug eval --predictor NAME`` and
passes its own tests, which use the conformance kit (:mod:`nasplug.testing`).
Its predictor is a small but real proxy (the summed per-parameter gradient norms
of the task loss on one batch), written against the plain
:class:`nasplug.Predictor` contract so every rule a predictor must follow is
visible in about thirty lines; replace its ``score`` method with your own.
"""

from __future__ import annotations

import keyword
import os
import re
import shutil
import tempfile
from pathlib import Path

import click

from ..errors import NasplugError

#: a predictor name: lowercase letters, digits and underscores, starting with a letter
NAME_RE = re.compile(r"^[a-z][a-z0-9_]{0,39}$")


def validate_name(name: str) -> str:
    """``name`` if it can name a predictor, its entry point and its package; else NasplugError."""
    if not NAME_RE.match(name):
        suggestion = re.sub(r"[^a-z0-9_]+", "_", name.strip().lower()).strip("_")
        if suggestion and not suggestion[0].isalpha():
            suggestion = "p_" + suggestion
        hint = f" (e.g. {suggestion!r})" if suggestion and NAME_RE.match(suggestion) else ""
        raise NasplugError(f"invalid predictor name {name!r}: use lowercase letters, digits and "
                           f"underscores, starting with a letter, at most 40 characters{hint}")
    if keyword.iskeyword(name):
        raise NasplugError(f"invalid predictor name {name!r}: it is a Python keyword")
    return name


def names_for(name: str) -> dict[str, str]:
    """Distribution, import package and class names for predictor ``name``."""
    camel = "".join(part.capitalize() for part in name.split("_") if part)
    return {
        "name": name,
        "dist": "nasplug-" + name.replace("_", "-"),
        "package": "nasplug_" + name,
        "cls": camel + "Predictor",
    }


PYPROJECT = '''\
[build-system]
requires = ["setuptools>=77"]
build-backend = "setuptools.build_meta"

[project]
name = "{dist}"
version = "0.1.0"
description = "The {name} zero-cost predictor, as a nasplug plugin"
readme = "README.md"
requires-python = ">=3.10"
# SPDX expression + the file shipped with it; Apache-2.0 like nasplug (change both if you like)
license = "Apache-2.0"
license-files = ["LICENSE"]
authors = [{{ name = "Your Name" }}]
keywords = ["neural architecture search", "zero-cost proxies", "nasplug"]
classifiers = [
    "Development Status :: 3 - Alpha",
    "Intended Audience :: Science/Research",
    "Programming Language :: Python :: 3",
    "Topic :: Scientific/Engineering :: Artificial Intelligence",
]
dependencies = ["nasplug>=0.1,<1"]

# [project.urls]
# Source = "https://github.com/you/{dist}"

# This entry point is what makes the package a nasplug plugin: nasplug loads the
# module it names and calls its hook implementations.
[project.entry-points.nasplug]
{name} = "{package}.plugin"

[tool.setuptools.packages.find]
where = ["src"]
'''


def license_text() -> str:
    """The Apache-2.0 text written as the new package's LICENSE (shipped with nasplug)."""
    from importlib.resources import files

    return files("nasplug").joinpath("templates", "Apache-2.0.txt").read_text(encoding="utf-8")


INIT = '''\
"""{dist}: the {name} zero-cost predictor for nasplug.

Keep this module import-light (no torch at the top): nasplug imports every
plugin to list it, and `nasplug list` must stay fast.
"""

__version__ = "0.1.0"


def __getattr__(name):
    if name == "{cls}":
        from .predictor import {cls}

        return {cls}
    raise AttributeError(f"module {{__name__!r}} has no attribute {{name!r}}")
'''

PLUGIN = '''\
"""Hook implementations: the module the `nasplug` entry point names."""

import nasplug


@nasplug.hookimpl
def register_predictors(register):
    # predictor.py imports torch only inside query(), so importing it here is
    # cheap. A module with top-level torch imports would instead be registered as
    # nasplug.LazyClass("{package}.predictor:{cls}", name="{name}").
    from .predictor import {cls}

    register({cls})
'''

PREDICTOR = '''\
"""The {name} predictor.

The contract (nasplug.Predictor, the same as NASLib's Predictor):

- `name` is the registered name (`nasplug eval --predictor {name}`) and the
  default `method_type`;
- `pre_process()` is called once, then `query(graph, dataloader)` once per
  architecture;
- `graph` is a parsed nasplug.Graph, i.e. a torch.nn.Module built for the
  task; `dataloader` yields (inputs, targets) batches of the task's data;
- `query` returns one float, higher = better predicted architecture;
- `query` must not change `graph` (weights, gradients, BatchNorm statistics,
  train/eval mode): score a copy;
- a query it cannot answer raises a nasplug.NasplugError with a one-line message.

Gradient-based proxies can instead subclass nasplug.zerocost.ZeroCostPredictor,
which does the copying, seeding, batch and loss handling for them.
"""

from nasplug import Predictor
from nasplug.errors import DataError


class {cls}(Predictor):
    """Sum over parameters of the L2 norm of the task-loss gradient on one batch.

    A real (if simple) zero-cost proxy: larger gradients at initialisation mean
    a network that trains faster. Replace `score` with your own idea.
    """

    name = "{name}"
    requires_data = True

    def query(self, graph, dataloader=None) -> float:
        import copy

        import torch  # heavy imports inside methods keep `nasplug list` fast

        inputs, targets = first_batch(dataloader)
        model = copy.deepcopy(graph)  # never change the caller's model
        model.train()
        # The task's loss: search spaces provide it (cross-entropy for classification).
        loss_fn = graph.get_loss_fn() if hasattr(graph, "get_loss_fn") else torch.nn.CrossEntropyLoss()
        return float(self.score(model, inputs, targets, loss_fn))

    def score(self, model, inputs, targets, loss_fn) -> float:
        """The proxy itself, computed on a private copy of the model."""
        output = model(inputs)
        if isinstance(output, (tuple, list)):  # some networks return (logits, extra)
            output = output[0]
        loss_fn(output, targets).backward()
        return sum(p.grad.norm().item() for p in model.parameters() if p.grad is not None)


def first_batch(dataloader):
    """(inputs, targets) of the first batch, or a one-line DataError."""
    for batch in dataloader if dataloader is not None else ():
        return batch[0], batch[1]
    raise DataError("{name} needs data: pass a dataloader with at least one (inputs, targets) batch")
'''

TEST_CONFORMANCE = '''\
"""nasplug's conformance suite, run on this plugin (see nasplug.testing)."""

from nasplug.testing import PredictorConformance


class Test{camel}Conformance(PredictorConformance):
    predictor_name = "{name}"
'''

TEST_PREDICTOR = '''\
import math

import pytest


def test_{name}_scores_a_real_batch(nasplug_batch):
    import nasplug

    if "nasbench201" not in nasplug.get_registry().names("search_spaces"):
        pytest.skip("needs the nasbench201 search space (pip install nasplug-nb201)")
    graph = nasplug.get_search_space("nasbench201", dataset="cifar10")
    graph.sample_random_architecture(seed=0)
    graph.parse()
    predictor = nasplug.get_predictor("{name}")
    score = predictor.query(graph, dataloader=[nasplug_batch("cifar10", batch_size=8)])
    assert isinstance(score, float) and math.isfinite(score) and score > 0
'''

README = '''\
# {dist}

The `{name}` zero-cost predictor, as a [nasplug](https://pypi.org/project/nasplug/) plugin.

```
pip install -e .                   # or: pip install {dist}
nasplug list                       # shows {name} with {dist} 0.1.0
pytest tests                       # its own tests and nasplug's conformance suite
nasplug eval --predictor {name} --benchmark nasbench201/cifar10 --test-size 10
```

The predictor is in `src/{package}/predictor.py`; its docstring states the
contract. `src/{package}/plugin.py` registers it; the entry point in
`pyproject.toml` makes nasplug find it.
'''


def render(name: str) -> dict[str, str]:
    """Relative path -> file content of the package for predictor ``name``."""
    n = names_for(validate_name(name))
    camel = n["cls"][: -len("Predictor")]
    fields = dict(n, camel=camel)
    pkg = f"src/{n['package']}"
    return {
        "pyproject.toml": PYPROJECT.format(**fields),
        "LICENSE": license_text(),
        "README.md": README.format(**fields),
        f"{pkg}/__init__.py": INIT.format(**fields),
        f"{pkg}/plugin.py": PLUGIN.format(**fields),
        f"{pkg}/predictor.py": PREDICTOR.format(**fields),
        f"tests/test_{name}_conformance.py": TEST_CONFORMANCE.format(**fields),
        f"tests/test_{name}_predictor.py": TEST_PREDICTOR.format(**fields),
    }


def _installed_provider(name: str) -> str | None:
    """Who already provides predictor ``name`` in this environment, if anyone."""
    try:
        from ..plugins import get_registry

        registry = get_registry()
    except Exception:  # a broken environment must not stop scaffolding
        return None
    return registry.entry("predictors", name).provider if name in registry.names("predictors") else None


def write_package(name: str, parent: str | os.PathLike = ".", allow_installed: bool = False) -> Path:
    """Write ``<parent>/nasplug-<name>/`` and return its path; never overwrites."""
    files = render(name)
    if not allow_installed:
        provider = _installed_provider(name)
        if provider is not None:
            raise NasplugError(f"predictor name {name!r} is already provided by {provider}; "
                               "choose another name (nasplug list shows the taken ones)")
    parent = Path(parent).expanduser()
    target = parent / names_for(name)["dist"]
    if target.exists():
        raise NasplugError(f"{str(target)!r} already exists; remove it or pass another --dir")
    try:
        parent.mkdir(parents=True, exist_ok=True)
        # Write into a scratch folder beside the target, then rename: a failure
        # never leaves a half-written package behind.
        scratch = Path(tempfile.mkdtemp(prefix=f".{target.name}-", dir=parent))
    except OSError as exc:
        raise NasplugError(f"cannot write into {str(parent)!r}: {exc.strerror or exc}") from None
    try:
        for rel, text in files.items():
            path = scratch / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text)
        os.rename(scratch, target)
    except OSError as exc:
        raise NasplugError(f"cannot write {str(target)!r}: {exc.strerror or exc}") from None
    finally:
        if scratch.exists():
            shutil.rmtree(scratch, ignore_errors=True)
    return target


@click.command(name="new-predictor")
@click.argument("name")
@click.option("--dir", "parent", default=".", show_default=True, type=click.Path(file_okay=False),
              help="Folder in which to create nasplug-NAME/.")
def new_predictor_command(name: str, parent: str) -> None:
    """Write nasplug-NAME/, a ready-to-install plugin for predictor NAME.

    It holds pyproject.toml (with the nasplug entry point and an Apache-2.0
    license, LICENSE beside it), an import-light
    package with a documented, working predictor, a README and tests that run
    nasplug's conformance suite. Nothing is overwritten.
    """
    target = write_package(name, parent)
    n = names_for(name)
    click.echo(f"Created {target} (predictor {name!r}, distribution {n['dist']}):")
    for rel in render(name):
        click.echo(f"  {rel}")
    click.echo("Next:")
    click.echo(f"  pip install -e {target}")
    click.echo("  nasplug list")
    click.echo(f"  pytest {target / 'tests'}")
    click.echo(f"  nasplug eval --predictor {name} --benchmark nasbench201/cifar10 --test-size 10")
