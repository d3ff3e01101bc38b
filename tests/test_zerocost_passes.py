"""Shared passes (nasplug.zerocost.passes, engine.score_many): shared scores equal lone scores."""

from __future__ import annotations

import itertools
import math

import pytest
import torch

import nasplug
from nasplug.zerocost import ScoringError, ZeroCostPredictor
from nasplug.zerocost.conformance import assert_unchanged, snapshot, tiny_autoencoder, tiny_batch, tiny_classifier
from nasplug.zerocost.engine import score, score_many
from nasplug.zerocost.passes import PASSES, declared_passes


def installed_zero_cost_proxies() -> list[str]:
    """Every installed predictor that is a zero-cost proxy (so the test grows with the plugins)."""
    from nasplug.plugins import get_registry

    names = []
    for name in get_registry().names("predictors"):
        try:
            predictor = nasplug.get_predictor(name)
        except Exception:  # a predictor that needs options or failed to load is not ours to test
            continue
        if isinstance(predictor, ZeroCostPredictor):
            names.append(name)
    return sorted(names)


PROXIES = installed_zero_cost_proxies()
SHARING = [n for n in PROXIES if declared_passes(nasplug.get_predictor(n)) is not None]


def lone(name: str, model, batch) -> float | str:
    try:
        return score(nasplug.get_predictor(name), model, [batch])
    except ScoringError as exc:
        return exc.reason


def shared(names, model, batch) -> dict:
    out = score_many([nasplug.get_predictor(n) for n in names], model, [batch])
    return {n: (v.reason if isinstance(v, ScoringError) else v) for n, v in out.items()}


def same(a, b) -> bool:
    if isinstance(a, str) or isinstance(b, str):
        return a == b
    return math.isclose(a, b, rel_tol=1e-6, abs_tol=1e-9)


def test_the_proxies_that_share_a_backward_pass_declare_it():
    for name in ("snip", "grad_norm", "fisher", "grasp", "jacov"):
        if name in PROXIES:
            assert declared_passes(nasplug.get_predictor(name)), name
    if "synflow" in PROXIES:  # its own transformed float64 copy: alone
        assert declared_passes(nasplug.get_predictor("synflow")) is None


@pytest.mark.parametrize("make,classes", [(tiny_classifier, 10), (tiny_autoencoder, None)])
def test_every_pair_scored_together_equals_each_scored_alone(make, classes):
    model, batch = make(), tiny_batch(n=8, num_classes=classes)
    alone = {n: lone(n, model, batch) for n in PROXIES}
    for a, b in itertools.combinations(PROXIES, 2):
        together = shared([a, b], model, batch)
        assert same(together[a], alone[a]) and same(together[b], alone[b]), (a, b, together, alone)


def test_all_proxies_in_one_call_in_any_order_equal_alone_and_leave_the_model_unchanged():
    model, batch = tiny_classifier(), tiny_batch(n=8)
    alone = {n: lone(n, model, batch) for n in PROXIES}
    before = snapshot(model)
    for names in (PROXIES, list(reversed(PROXIES))):
        together = shared(names, model, batch)
        assert list(together) == names
        for n in names:
            assert same(together[n], alone[n]), (n, together[n], alone[n])
    assert_unchanged(before, model)


def test_on_a_nas_bench_201_cell():
    from nasplug_nb201 import NasBench201SearchSpace

    ss = NasBench201SearchSpace(n_classes=10)
    net = ss.build((2, 0, 3, 4, 2, 3))
    gen = torch.Generator().manual_seed(0)
    batch = (torch.randn(16, 3, 32, 32, generator=gen), torch.randint(0, 10, (16,), generator=gen))
    names = [n for n in SHARING]
    alone = {n: lone(n, net, batch) for n in names}
    together = shared(names, net, batch)
    for n in names:
        assert same(together[n], alone[n]), (n, together[n], alone[n])


class Undeclared(ZeroCostPredictor):
    """A third-party proxy that declares nothing: the loss on the batch."""

    name = "undeclared"

    def compute(self, ctx):
        return ctx.loss().item()


class Broken(ZeroCostPredictor):
    name = "broken"
    passes = frozenset({"weight_grads"})

    def compute(self, ctx):
        ctx.task_weight_grads()
        raise RuntimeError("boom")


def test_a_proxy_that_declares_nothing_is_scored_alone_beside_sharing_ones():
    model, batch = tiny_classifier(), tiny_batch()
    out = score_many([Undeclared(), nasplug.get_predictor("snip")], model, [batch])
    assert out["undeclared"] == pytest.approx(score(Undeclared(), model, [batch]))
    assert out["snip"] == pytest.approx(score(nasplug.get_predictor("snip"), model, [batch]))


def test_a_failing_shared_proxy_fails_alone():
    model, batch = tiny_classifier(), tiny_batch()
    out = score_many([Broken(), nasplug.get_predictor("grad_norm")], model, [batch])
    assert isinstance(out["broken"], ScoringError) and "RuntimeError: boom" in out["broken"].reason
    assert out["grad_norm"] == pytest.approx(score(nasplug.get_predictor("grad_norm"), model, [batch]))


def test_unknown_pass_names_are_refused():
    class Typo(ZeroCostPredictor):
        name = "typo"
        passes = frozenset({"weight_grad"})

    with pytest.raises(ValueError, match="unknown quantities"):
        declared_passes(Typo())
    assert "weight_grads" in PASSES


def test_an_undeclared_reader_still_gets_the_right_values():
    """A context prepared for nothing computes each quantity in a pass of its own."""

    class Reader(ZeroCostPredictor):
        name = "reader"
        passes = frozenset({"weights"})

        def compute(self, ctx):
            acts = ctx.task_activation_grads()
            jac = ctx.input_jacobian()
            grads = ctx.task_weight_grads()
            return float(sum(float((a * g).sum()) for _, a, g in acts if g is not None)
                         + float(jac.abs().sum()) + sum(float(g.abs().sum()) for g in grads))

    model, batch = tiny_classifier(), tiny_batch()
    expect = score(Reader(), model, [batch])
    both = score_many([Reader(), nasplug.get_predictor("fisher"), nasplug.get_predictor("jacov")],
                      model, [batch])
    assert both["reader"] == pytest.approx(expect, rel=1e-6)


class OutOfMemory(ZeroCostPredictor):
    """Raises the error torch raises when a device runs out of memory."""

    name = "oom"
    passes = frozenset({"forward"})

    def compute(self, ctx):
        raise torch.OutOfMemoryError("CUDA out of memory. Tried to allocate 2.00 GiB")


def test_out_of_memory_fails_the_cell_with_one_line_and_the_others_go_on():
    model, batch = tiny_classifier(), tiny_batch()
    out = score_many([OutOfMemory(), nasplug.get_predictor("snip")], model, [batch])
    assert isinstance(out["oom"], ScoringError)
    assert out["oom"].reason.startswith("out of memory on the device") and "\n" not in out["oom"].reason
    assert isinstance(out["snip"], float)


def test_device_names_are_checked_in_one_line():
    from nasplug.devices import check_device_name, resolve_device
    from nasplug.errors import NasplugError

    assert check_device_name(" CUDA:1 ") == "cuda:1"
    assert str(resolve_device("cpu")) == "cpu"
    assert resolve_device("auto").type == ("cuda" if torch.cuda.is_available() else "cpu")
    with pytest.raises(NasplugError, match="unknown device 'gpu'"):
        check_device_name("gpu")
    if not torch.cuda.is_available():
        with pytest.raises(NasplugError, match="sees no CUDA GPU"):
            resolve_device("cuda")


def test_scoring_follows_the_model_onto_its_device():
    """The batch goes where the model is (the CPU here; the same code path on a GPU)."""
    device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    model, batch = tiny_classifier().to(device), tiny_batch()
    out = score_many([nasplug.get_predictor(n) for n in SHARING], model, [batch])
    assert all(isinstance(v, float) for v in out.values()), out


class Watcher(ZeroCostPredictor):
    """Observes the shared forward pass: the number of positive ReLU inputs it saw."""

    name = "watcher"
    passes = frozenset({"forward"})

    def observe_task_forward(self, ctx):
        import contextlib

        @contextlib.contextmanager
        def watching():
            seen = ctx.records.setdefault(self.name, [])
            handles = [m.register_forward_pre_hook(lambda m, args: seen.append(int((args[0] > 0).sum())))
                       for m in ctx.net.modules() if isinstance(m, torch.nn.ReLU)]
            try:
                yield
            finally:
                for h in handles:
                    h.remove()
        return watching()

    def compute(self, ctx):
        ctx.task_output()
        return float(sum(ctx.records[self.name]))


def test_an_observer_sees_the_one_shared_forward_pass():
    model, batch = tiny_classifier(), tiny_batch()
    alone = score(Watcher(), model, [batch])
    assert alone > 0
    together = score_many([nasplug.get_predictor("snip"), Watcher(), nasplug.get_predictor("fisher")],
                          model, [batch])
    assert together["watcher"] == alone  # one forward, seen once, whoever ran it


def test_a_proxy_lacking_data_gets_its_error_and_the_data_free_ones_still_score():
    from nasplug.errors import DataError

    model = tiny_classifier()
    model.input_shape = (3, 8, 8)
    out = score_many([nasplug.get_predictor("snip"), nasplug.get_predictor("synflow")], model, None)
    assert isinstance(out["snip"], DataError) and "needs data" in str(out["snip"])
    assert isinstance(out["synflow"], float)
