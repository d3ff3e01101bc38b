"""grasp against NASLib's two-pass Hessian-gradient computation, plus the zero-cost contract."""

from __future__ import annotations

import copy

import pytest
import torch
from torch import nn

from nasplug.zerocost.conformance import check_proxy, tiny_autoencoder, tiny_batch, tiny_classifier
from nasplug_grasp import GraspPredictor


def reference_grasp(model: nn.Module, batch, loss_fn) -> float:
    """Pass 1: g = dL/dw. Pass 2 (a fresh forward): z = sum(g * dL/dw), backward; -w * grad."""
    net = copy.deepcopy(model).train()
    layers = [m for m in net.modules() if isinstance(m, (nn.Conv2d, nn.Linear))]
    weights = [m.weight for m in layers]
    grad_w = torch.autograd.grad(loss_fn(net(batch[0]), batch[1]), weights)
    grad_f = torch.autograd.grad(loss_fn(net(batch[0]), batch[1]), weights, create_graph=True)
    net.zero_grad()
    sum((a.data * b).sum() for a, b in zip(grad_w, grad_f)).backward()
    return sum(float((-m.weight.data * m.weight.grad).sum()) for m in layers)


@pytest.mark.parametrize("closed_form", [True, False])
@pytest.mark.parametrize("make,classes,loss", [(tiny_classifier, 10, nn.CrossEntropyLoss()),
                                               (tiny_autoencoder, None, nn.L1Loss())])
def test_grasp_matches_naslib_two_pass(make, classes, loss, closed_form):
    # float64 throughout: GraSP sums terms of both signs, float32 rounding would blur the check
    model = make().double()
    x, y = tiny_batch(num_classes=classes)
    batch = (x.double(), y.double() if classes is None else y)
    expected = reference_grasp(model, batch, loss)
    assert expected != 0
    assert GraspPredictor(closed_form=closed_form).query(model, [batch]) == pytest.approx(expected, rel=1e-9)


def test_grasp_contract_and_metadata():
    pred = GraspPredictor()
    assert pred.name == pred.method_type == "grasp"
    check_proxy(pred, tiny_classifier(), tiny_batch())


def _every_task():
    from nasplug.testing import installed_registry

    registry = installed_registry()
    return [(space, dataset) for space in registry.names("search_spaces")
            for dataset in list(getattr(registry.get("search_spaces", space), "datasets", ())) or [None]]


@pytest.mark.parametrize("space, dataset", _every_task())
def test_closed_form_double_backward_gives_pytorch_s_score_on_every_search_space(space, dataset):
    """The closed-form Conv2d/BatchNorm double backward against PyTorch's own, on a real cell
    of every task of every installed search space (float64, so rounding cannot hide a wrong term)."""
    from nasplug.testing import _accepts, installed_registry, load_batch

    if dataset is None:
        pytest.skip("search space declares no dataset")
    options = {"resolution": 32} if _accepts(dataset, "resolution") else {}
    x, y, _ = load_batch(dataset, 4, seed=0, synthetic=None, **options)
    with torch.random.fork_rng():
        torch.manual_seed(0)
        graph = installed_registry().get("search_spaces", space)(dataset=dataset)
        graph.sample_random_architecture(seed=3)
        graph.parse()
    graph.double()
    batch = (x.double(), y.double() if y.is_floating_point() else y)
    closed = GraspPredictor(closed_form=True).query(graph, [batch])
    native = GraspPredictor(closed_form=False).query(graph, [batch])
    assert closed != 0
    assert closed == pytest.approx(native, rel=1e-8)
