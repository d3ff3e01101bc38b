"""A small, real plugin for the evaluation tests: a 16-architecture search space,
its benchmark, and three predictors (data-free, data-dependent, flaky).

It is a module on disk (not a test file) so spawned pool workers and Ray workers
can import it, exactly as they import an installed plugin.
"""

from __future__ import annotations

import itertools
import math

import nasplug
from nasplug import hookimpl

TOY_OPS = ("conv3x3", "conv1x1", "skip", "avgpool")
TOY_ARCHS = ["|".join(p) for p in itertools.product(TOY_OPS, repeat=2)]
#: the toy benchmark's "accuracy" (%): more convolution -> higher, a fixed tie-breaker per arch
TOY_ACCURACY = {
    arch: round(50.0 + sum({"conv3x3": 12.0, "conv1x1": 7.0, "skip": 3.0, "avgpool": 1.0}[o]
                           for o in arch.split("|")) + 0.1 * i, 3)
    for i, arch in enumerate(TOY_ARCHS)
}


def _make_op(name: str, channels: int):
    from torch import nn

    if name == "conv3x3":
        return nn.Sequential(nn.ReLU(), nn.Conv2d(channels, channels, 3, padding=1, bias=False),
                             nn.BatchNorm2d(channels))
    if name == "conv1x1":
        return nn.Sequential(nn.ReLU(), nn.Conv2d(channels, channels, 1, bias=False),
                             nn.BatchNorm2d(channels))
    if name == "skip":
        return nn.Identity()
    return nn.AvgPool2d(3, stride=1, padding=1)


def _search_space_class():
    from torch import nn

    from nasplug.errors import ArchitectureError

    class ToySearchSpace(nasplug.Graph):
        name = "toyspace"
        datasets = ("cifar10", "cifar100")
        CHANNELS = 8

        def __init__(self, dataset: str = "cifar10") -> None:
            super().__init__(name="toyspace")
            self.dataset = dataset
            n_classes = 100 if dataset == "cifar100" else 10
            c = self.CHANNELS
            self.add_edge(1, 2, op=nn.Sequential(nn.Conv2d(3, c, 3, padding=1, bias=False),
                                                 nn.BatchNorm2d(c)))
            self.add_edge(2, 3, op=[_make_op(o, c) for o in TOY_OPS])
            self.add_edge(3, 4, op=[_make_op(o, c) for o in TOY_OPS])
            self.add_edge(4, 5, op=nn.Sequential(nn.AdaptiveAvgPool2d(1), nn.Flatten(),
                                                 nn.Linear(c, n_classes)))
            self._spec = None

        def get_hash(self):
            return self._spec

        def set_spec(self, spec):
            if isinstance(spec, str):
                parts = spec.split("|")
                if len(parts) != 2 or any(p not in TOY_OPS for p in parts):
                    raise ArchitectureError(f"bad toy architecture {spec!r}")
                spec = tuple(TOY_OPS.index(p) for p in parts)
            spec = tuple(spec)
            for (u, v), idx in zip(((2, 3), (3, 4)), spec):
                ops = self.edges[u, v]["op"]
                self.edges[u, v]["op"] = ops[idx] if isinstance(ops, list) else ops
            self._spec = spec

        def _random_spec(self, rng):
            return tuple(rng.randrange(len(TOY_OPS)) for _ in range(2))

    return ToySearchSpace


class ToyBenchmark(nasplug.Benchmark):
    name = "toybench"
    search_space = "toyspace"
    tasks = ("cifar10", "cifar100")
    default_metric = nasplug.Metric.VAL_ACCURACY

    @property
    def metrics(self):
        return (nasplug.Metric.VAL_ACCURACY,)

    def _key(self, arch):
        if isinstance(arch, str):
            return arch
        if isinstance(arch, tuple):
            return "|".join(TOY_OPS[i] for i in arch)
        return "|".join(TOY_OPS[i] for i in arch.get_hash())

    def query(self, arch, metric=nasplug.Metric.VAL_ACCURACY, dataset=None):
        if nasplug.Metric.parse(metric) is not nasplug.Metric.VAL_ACCURACY:
            raise nasplug.MetricNotAvailableError(f"toy benchmark has no {metric}")
        return TOY_ACCURACY[self._key(arch)]

    def architectures(self):
        return list(TOY_ARCHS)


class ToyParams(nasplug.Predictor):
    """Number of trainable parameters (data-free)."""

    name = "toyparams"
    requires_data = False

    def query(self, graph, dataloader=None):
        return float(sum(p.numel() for p in graph.parameters()))


class ToyGradNorm(nasplug.Predictor):
    """Sum of gradient norms of the loss on one batch (data-dependent)."""

    name = "toygradnorm"

    def query(self, graph, dataloader=None):
        import torch

        x, y = next(iter(dataloader))
        graph.zero_grad()
        loss = torch.nn.functional.cross_entropy(graph(x), y)
        loss.backward()
        total = sum(float(p.grad.norm()) for p in graph.parameters() if p.grad is not None)
        graph.zero_grad()
        return total


class ToyFlaky(nasplug.Predictor):
    """Raises on any avgpool cell, returns NaN for skip|skip, else the param count."""

    name = "toyflaky"
    requires_data = False

    def query(self, graph, dataloader=None):
        ops = [TOY_OPS[i] for i in graph.get_hash()]
        if "avgpool" in ops:
            raise RuntimeError("toyflaky cannot score pooling cells")
        if ops == ["skip", "skip"]:
            return math.nan
        return float(sum(p.numel() for p in graph.parameters()))


@hookimpl
def register_search_spaces(register):
    register(nasplug.LazyClass("eval_toy_plugin:ToySearchSpace", name="toyspace",
                               datasets=("cifar10", "cifar100")))


@hookimpl
def register_benchmarks(register):
    register(ToyBenchmark)


@hookimpl
def register_predictors(register):
    register(ToyParams)
    register(ToyGradNorm)
    register(ToyFlaky)


def __getattr__(name):
    if name == "ToySearchSpace":
        cls = _search_space_class()
        globals()["ToySearchSpace"] = cls
        return cls
    raise AttributeError(name)


def install(pm) -> None:
    """Register the core's own plugin and this one on a fresh plugin manager."""
    import nasplug.default_plugins

    pm.register(nasplug.default_plugins, name="core")
    pm.register(__import__(__name__), name=__name__)
