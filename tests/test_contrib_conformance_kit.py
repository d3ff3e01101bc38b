"""The conformance kit (nasplug.testing) passes good predictors and fails bad ones clearly.

Each check is run on throwaway predictors over a tiny throwaway search space, so
these tests depend on no other plugin; batches come from the installed core
datasets (real NPZ images when the data directory has them, synthetic otherwise).
"""

from __future__ import annotations

import math
import random

import pytest

import nasplug
from nasplug.errors import DataError
from nasplug.testing import PredictorConformance, installed_registry, make_plugin

torch = pytest.importorskip("torch")
from torch import nn  # noqa: E402

from nasplug.graph import Graph  # noqa: E402

TASK = ("tinyspace", "cifar10")


class TinySpace(Graph):
    """Input -> (3x3 or 1x1 conv) -> BN -> classifier: two architectures, BN statistics."""

    name = "tinyspace"
    datasets = ("cifar10",)

    def __init__(self, dataset: str = "cifar10") -> None:
        super().__init__(name="tiny")
        self.dataset = dataset
        self.add_edge(1, 2, op=[nn.Conv2d(3, 4, 3, padding=1), nn.Conv2d(3, 4, 1)])
        self.add_edge(2, 3, op=nn.BatchNorm2d(4))
        self.add_edge(3, 4, op=nn.Sequential(nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(4, 10)))
        self._choice = None

    def _random_spec(self, rng):
        return rng.randrange(2)

    def set_spec(self, spec):
        self._choice = int(spec)
        self.edges[1, 2]["op"] = self.edges[1, 2]["op"][self._choice]

    def get_hash(self):
        return (self._choice,)


class CountParams(nasplug.Predictor):
    name = "kit_good"
    requires_data = False

    def query(self, graph, dataloader=None):
        return float(sum(p.numel() for p in graph.parameters()))


class MeanOutput(nasplug.Predictor):
    """Data-dependent and well behaved: scores a copy, clear error without data."""

    name = "kit_data"

    def query(self, graph, dataloader=None):
        import copy

        for inputs, _ in dataloader or ():
            with torch.no_grad():
                return float(copy.deepcopy(graph)(inputs).abs().mean())
        raise DataError("kit_data needs a batch")


class Mutator(CountParams):
    name = "kit_mutator"

    def query(self, graph, dataloader=None):
        with torch.no_grad():
            next(graph.parameters()).add_(1.0)
        return 1.0


class GradLeaker(MeanOutput):
    name = "kit_grads"

    def query(self, graph, dataloader=None):
        inputs, targets = next(iter(dataloader))
        graph.eval()
        loss = nn.functional.cross_entropy(graph(inputs), targets)
        graph.train()
        loss.backward()
        return float(loss.detach())


class BNLeaker(MeanOutput):
    name = "kit_bn"

    def query(self, graph, dataloader=None):
        inputs, _ = next(iter(dataloader))
        with torch.no_grad():
            return float(graph(inputs).mean())  # train mode: updates BN running stats


class ModeFlipper(CountParams):
    name = "kit_mode"

    def query(self, graph, dataloader=None):
        graph.eval()
        return 1.0


class Unseeded(CountParams):
    name = "kit_random"

    def query(self, graph, dataloader=None):
        return random.random()


class SeededTorchRandom(CountParams):
    name = "kit_torch_random"

    def query(self, graph, dataloader=None):
        return float(torch.rand(()))  # deterministic: the kit seeds torch before each query


class ReturnsTensor(CountParams):
    name = "kit_tensor"

    def query(self, graph, dataloader=None):
        return torch.tensor(1.0)


class ReturnsNaN(CountParams):
    name = "kit_nan"

    def query(self, graph, dataloader=None):
        return math.nan


class Raises(CountParams):
    name = "kit_raises"

    def query(self, graph, dataloader=None):
        raise RuntimeError("mat1 and mat2 shapes cannot be multiplied\nlong torch detail")


class StopIterationOnEmpty(MeanOutput):
    name = "kit_stopiteration"

    def query(self, graph, dataloader=None):
        inputs, _ = next(iter(dataloader))
        return 1.0


ALL = [CountParams, MeanOutput, Mutator, GradLeaker, BNLeaker, ModeFlipper, Unseeded, SeededTorchRandom,
       ReturnsTensor, ReturnsNaN, Raises, StopIterationOnEmpty]


@pytest.fixture
def kit(nasplug_pm, nasplug_plugin):
    """kit(name) -> a PredictorConformance instance reading the throwaway registry."""
    nasplug_plugin(*ALL, name="kitplugin", distribution="nasplug-myplugin", version="0.1.0",
                   search_spaces=[TinySpace])
    pm = nasplug_pm

    def make(name: str) -> PredictorConformance:
        class Kit(PredictorConformance):
            predictor_name = name

            @classmethod
            def registry(cls):
                return pm.registry

        return Kit()

    return make


def fails(check, *args, match: str):
    with pytest.raises(pytest.fail.Exception, match=match) as info:
        check(*args)
    message = str(info.value)
    assert "\n" not in message, message
    return message


def test_conformance_tasks_cover_every_dataset(kit, monkeypatch):
    monkeypatch.delenv("NASPLUG_CONFORMANCE_TASKS", raising=False)  # the kit's own default: "all"
    assert kit("kit_good").conformance_tasks() == [TASK]


@pytest.mark.parametrize("name", ["kit_good", "kit_data", "kit_torch_random"])
def test_good_predictors_pass(kit, name):
    checker = kit(name)
    checker.test_scores_cells(TASK)
    checker.test_deterministic(TASK)
    checker.test_leaves_model_unchanged(TASK)
    checker.test_method_type()
    checker.test_unique_name_and_version()
    checker.test_reports_failures_cleanly()


@pytest.mark.parametrize("name, pattern", [
    ("kit_mutator", r"query changed the model: '(edge_1_2\.)?.*weight' changed value"),
    ("kit_grads", r"query changed the model: .*\.grad was None, now set"),
    ("kit_bn", r"query changed the model: .*running_mean' changed value"),
    ("kit_mode", r"query changed the model: module '<root>' switched to eval mode"),
])
def test_model_changes_are_reported(kit, name, pattern):
    fails(kit(name).test_leaves_model_unchanged, TASK, match=pattern)


def test_nondeterminism_is_reported(kit):
    fails(kit("kit_random").test_deterministic, TASK,
          match=r"kit_random on tinyspace/cifar10: the same cell \(\d,\) .* scored .* then .*; seed")


@pytest.mark.parametrize("name, pattern", [
    ("kit_tensor", r"query returned Tensor .* return a Python float"),
    ("kit_nan", r"query returned nan .* finite score or raise nasplug.NasplugError"),
    ("kit_raises", r"query raised RuntimeError: mat1 and mat2 shapes cannot be multiplied$"),
])
def test_bad_scores_are_reported(kit, name, pattern):
    fails(kit(name).test_scores_cells, TASK, match=pattern)


def test_raw_exceptions_on_empty_loader_are_reported(kit):
    fails(kit("kit_stopiteration").test_reports_failures_cleanly,
          match=r"an empty dataloader raised StopIteration; raise nasplug.errors.DataError")


def test_registration_problems_are_reported(kit, nasplug_pm, nasplug_plugin):
    fails(kit("kit_nothere")._entry, match=r"no installed plugin registers predictor 'kit_nothere'")
    fails(PredictorConformance().test_method_type, match=r"must set predictor_name")
    nasplug_plugin(CountParams, name="copycat", distribution="nasplug-copycat", version="2.0")
    fails(kit("kit_good").test_unique_name_and_version,
          match=r"registered by more than one plugin \((nasplug-myplugin 0.1.0 and nasplug-copycat 2.0|"
                r"nasplug-copycat 2.0 and nasplug-myplugin 0.1.0)\); choose a unique name")
    nasplug_plugin(type("Loose", (CountParams,), {"name": "kit_loose"}), name="loose")
    fails(kit("kit_loose").test_registered_through_entry_point,
          match=r"comes from plugin 'loose', which is not an installed distribution's entry point")


def _fake_distribution(site, module: str, mode: str) -> None:
    """An installed distribution ``module`` 0.3.0 (dist-info on sys.path) whose plugin is
    light, imports torch at the top ("heavy"), or registers a LazyClass standing in for a
    torch-importing module, which listing must never load ("lazy")."""
    body = ("class P(nasplug.Predictor):\n"
            f"    name = {module!r}\n"
            "    requires_data = False\n\n"
            "    def query(self, graph, dataloader=None):\n"
            "        return 1.0\n\n")
    if mode == "lazy":
        (site / f"{module}_impl.py").write_text("import torch  # heavy\nimport nasplug\n\n" + body)
        (site / f"{module}.py").write_text(
            "import nasplug\n\n@nasplug.hookimpl\ndef register_predictors(register):\n"
            f"    register(nasplug.LazyClass('{module}_impl:P', name={module!r}))\n")
    else:
        (site / f"{module}.py").write_text(
            ("import torch  # at import time: what the kit must catch\n" if mode == "heavy" else "")
            + "import nasplug\n\n" + body
            + "@nasplug.hookimpl\ndef register_predictors(register):\n    register(P)\n")
    info = site / f"{module}-0.3.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {module}\nVersion: 0.3.0\n")
    (info / "entry_points.txt").write_text(f"[nasplug]\n{module} = {module}\n")


@pytest.mark.parametrize("mode", ["light", "heavy", "lazy"])
def test_import_lightness_through_a_real_entry_point(tmp_path, monkeypatch, mode):
    # Build the process-wide registries first: the fake distribution must not leak into them.
    nasplug.get_registry()
    installed_registry()
    module = f"kitdist_{mode}"
    site = tmp_path / "site"
    site.mkdir()
    _fake_distribution(site, module, mode)
    monkeypatch.syspath_prepend(str(site))
    import os

    monkeypatch.setenv("PYTHONPATH", os.pathsep.join([str(site), os.environ.get("PYTHONPATH", "")]))
    monkeypatch.setenv("NASPLUG_LOAD_PLUGINS", module)
    from nasplug.plugins import NasplugPluginManager

    pm = NasplugPluginManager()
    pm.load_entrypoints()
    monkeypatch.delenv("NASPLUG_LOAD_PLUGINS")

    class Kit(PredictorConformance):
        predictor_name = module

        @classmethod
        def registry(cls):
            return pm.registry

    checker = Kit()
    checker.test_registered_through_entry_point()
    checker.test_unique_name_and_version()
    if mode == "heavy":
        fails(checker.test_import_is_light,
              match=rf"loading plugin '{module}' and listing what it registers imported torch "
                    rf"at .*{module}.py:1 \(import torch  # at import time.*\); import heavy modules inside")
    else:  # "light", and "lazy": listing never loads a LazyClass's heavy module
        checker.test_import_is_light()


def test_fixtures_register_and_remove_a_throwaway_plugin(nasplug_pm, nasplug_plugin):
    plugin = nasplug_plugin(CountParams, name="temp", distribution="nasplug-temp", version="9.9")
    entry = nasplug.get_registry().entry("predictors", "kit_good")
    assert (entry.distribution, entry.version, entry.plugin) == ("nasplug-temp", "9.9", "temp")
    assert nasplug.get_predictor("kit_good").query(nn.Linear(2, 3)) == 9.0
    assert hasattr(plugin, "register_predictors") and not hasattr(plugin, "register_search_spaces")
    with pytest.raises(TypeError, match="unknown plugin kinds"):
        nasplug_plugin(searchspaces=[TinySpace])


def test_make_plugin_only_defines_given_hooks():
    plugin = make_plugin("x", search_spaces=[TinySpace])
    assert hasattr(plugin, "register_search_spaces") and not hasattr(plugin, "register_predictors")


def test_batch_fixture_is_real_normalised_and_seeded(nasplug_batch):
    x, y = nasplug_batch("cifar10", batch_size=16, seed=3)
    assert x.shape == (16, 3, 32, 32) and x.dtype == torch.float32 and y.shape == (16,)
    assert -1.0 < float(x.mean()) < 1.0 and 0.5 < float(x.std()) < 1.6  # NB201 mean/std normalised
    x2, y2 = nasplug_batch("cifar10", batch_size=16, seed=3)
    assert torch.equal(x, x2) and torch.equal(y, y2)
    assert not torch.equal(x, nasplug_batch("cifar10", batch_size=16, seed=4)[0])


def test_task_selection(kit, monkeypatch):
    checker = kit("kit_good")
    monkeypatch.setenv("NASPLUG_CONFORMANCE_TASKS", "tinyspace/cifar10")
    assert checker.conformance_tasks() == [TASK]
    monkeypatch.setenv("NASPLUG_CONFORMANCE_TASKS", "otherspace")
    assert checker.conformance_tasks() == []
    monkeypatch.setenv("NASPLUG_CONFORMANCE_TASKS", "first")
    assert checker.conformance_tasks() == [TASK]


def test_data_dir_fixture(nasplug_data_dir):
    assert (nasplug_data_dir / "images").is_dir() or (nasplug_data_dir / "benchmarks").is_dir()
