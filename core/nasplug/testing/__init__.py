"""pytest plugin for nasplug and its plugin authors (registered under ``pytest11``).

Installed with nasplug, so every test session has these fixtures:

``nasplug_pm``
    a fresh plugin manager with no entry points loaded, installed as the
    process-wide manager for the duration of the test.
``nasplug_plugin``
    registers a throwaway plugin on ``nasplug_pm`` and removes it afterwards:
    ``nasplug_plugin(MyPredictor, name="mine", distribution="nasplug-mine",
    version="0.1.0", search_spaces=[...], benchmarks=[...], datasets=[...])``
    returns the plugin object; ``nasplug.get_registry()`` then sees its classes.
``nasplug_data_dir``
    the benchmark data directory (``$NASPLUG_DATA``, the default data
    directory, or ``../shared/data`` beside a development checkout); skips the
    test when none holds data.
``nasplug_batch``
    small real image batches: ``nasplug_batch("cifar10", batch_size=8, seed=0)``
    gives ``(inputs, targets)`` from the data directory's images (official files
    or the NPZ samples), normalised as NAS-Bench-201 trains; skips when there is
    no data. Any installed dataset name works (``cifar100``, ``ImageNet16-120``,
    a TransNAS-Bench-101 task ...); ``synthetic=True`` asks for random tensors of
    the right shape instead.

Conformance suite for predictor plugins
---------------------------------------
Subclass :class:`PredictorConformance` in your plugin's tests and name your
predictor; pytest runs every check on it::

    from nasplug.testing import PredictorConformance

    class TestMyPredictorConformance(PredictorConformance):
        predictor_name = "mypredictor"

The checks: the predictor is registered through an entry point of an installed
distribution with a version, under a name no other plugin claims; it scores a
couple of cells of every installed search space (every dataset/task, on small
real batches where data exists and synthetic ones otherwise) with finite
numbers; the same cell, batch and seed give the same score; ``query`` leaves the
model as it found it (state_dict, gradients, train/eval mode, requires_grad);
loading the plugin's entry point, calling its hooks and listing what it
registers (as ``nasplug list`` does) imports no torch (checked in a fresh
interpreter, which names the file and line that did); and a query it cannot
serve (an empty loader for a predictor that needs data) is a one-line
:class:`nasplug.NasplugError`, not a random exception. Every failure is reported
as one line saying what to fix, without a traceback.
Class attributes tune it (see :class:`PredictorConformance`).

Layout: :mod:`nasplug.testing.fixtures` (the fixtures and their helpers),
:mod:`nasplug.testing.suite` (the conformance class),
:mod:`nasplug.testing.snapshot` (the model snapshot both conformance suites
use) and :mod:`nasplug.testing.probe` (the fresh-interpreter import check).
"""

from __future__ import annotations

from .fixtures import (
    _accepts,  # noqa: F401  (kept: the contrib kit tests import it from here)
    find_data_dir,
    installed_registry,
    load_batch,
    make_plugin,
    nasplug_batch,
    nasplug_data_dir,
    nasplug_plugin,
    nasplug_pm,
)
from .suite import HEAVY_MODULES, PredictorConformance, pytest_generate_tests

__all__ = ["HEAVY_MODULES", "PredictorConformance", "find_data_dir", "installed_registry",
           "load_batch", "make_plugin", "nasplug_batch", "nasplug_data_dir", "nasplug_plugin",
           "nasplug_pm", "pytest_generate_tests"]
