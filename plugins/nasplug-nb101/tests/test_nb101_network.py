"""The NAS-Bench-101 network: NASLib's params/FLOPs for every sample cell, forward/backward, Graph API."""

from __future__ import annotations

import pytest
import torch
from torch import nn

import nasplug
from nasplug.counting import count_flops, count_parameters, model_stats
from nasplug.errors import ArchitectureError
from nasplug_nb101 import spec as S
from nasplug_nb101.network import Cell, ConvBnRelu
from nasplug_nb101.search_space import INPUT_SHAPE, NasBench101SearchSpace

torch.set_num_threads(1)

INCEPTION = {
    "matrix": [[0, 1, 1, 1, 0, 1, 0], [0, 0, 0, 0, 0, 0, 1], [0, 0, 0, 0, 0, 0, 1], [0, 0, 0, 0, 1, 0, 0],
               [0, 0, 0, 0, 0, 0, 1], [0, 0, 0, 0, 0, 0, 1], [0, 0, 0, 0, 0, 0, 0]],
    "ops": ["input", S.CONV1X1, S.CONV3X3, S.CONV3X3, S.CONV3X3, S.MAXPOOL3X3, "output"],
}


@pytest.fixture(scope="module")
def space():
    return NasBench101SearchSpace()


def test_counts_equal_naslib_for_every_sample_cell(space, nb101_entries):
    """All 300 cells of NASLib's sample: nasplug.counting == NASLib's params (M) and flops (MFLOPs).

    ``model_stats`` answers through the network's ``static_stats`` (the counting rules applied to
    the skeleton's shapes), so the networks need not be allocated: each graph only holds its cell.
    """
    assert len(nb101_entries) == 300
    mismatches = []
    for key, scores in nb101_entries.items():
        g = space._empty_copy()
        g._assign(S.parse_spec(key))
        stats = model_stats(g, INPUT_SHAPE)
        params, flops = round(stats["params"] / 1e6, 6), round(stats["flops"] / 1e6, 6)
        if params != scores["params"] or abs(flops - scores["flops"]) > 1e-9:
            mismatches.append((key, params, scores["params"], flops, scores["flops"]))
    assert not mismatches, mismatches[:3]


@pytest.mark.parametrize("index", [0, 1, 7])
def test_static_count_equals_forward_pass_count(space, nb101_entries, index):
    key = list(nb101_entries)[index]
    g = space.build(key)
    x = torch.rand(INPUT_SHAPE)
    assert model_stats(g, x, static=False) == model_stats(g, x)
    assert round(count_parameters(g, x), 6) == nb101_entries[key]["params"]
    assert round(count_flops(g, x), 6) == pytest.approx(nb101_entries[key]["flops"], abs=1e-9)
    # every leaf runs, and the network holds no parameter outside them
    assert round(sum(p.numel() for p in g.parameters()) / 1e6, 6) == nb101_entries[key]["params"]


def test_forward_backward_and_shapes(space):
    g = space.build(INCEPTION)
    x = torch.randn(2, 3, 32, 32)
    out = g(x)
    assert out.shape == (2, 10)
    nn.CrossEntropyLoss()(out, torch.tensor([1, 2])).backward()
    convs = [m for m in g.modules() if isinstance(m, nn.Conv2d)]
    assert len(convs) == 1 + 9 * (4 + 4)  # stem + per cell 4 conv vertices and 4 input projections
    assert all(m.weight.grad is not None for m in convs)


def test_network_layout():
    g = NasBench101SearchSpace().build(INCEPTION)
    cells = [m for m in g.modules() if isinstance(m, Cell)]
    assert [(c.C_in, c.C_out) for c in cells] == [(128, 128)] * 3 + [(128, 256)] + [(256, 256)] * 2 + \
        [(256, 512)] + [(512, 512)] * 2
    pools = [m for m in g.modules() if isinstance(m, nn.MaxPool2d) and m.kernel_size == 2]
    assert len(pools) == 2
    stem = g.edges[1, 2]["op"]
    assert isinstance(stem, ConvBnRelu) and stem.conv_bn_relu[0].out_channels == 128
    # channel split of NAS-Bench-101: vertices 1, 2, 4, 5 feed the output: 4 x 32 (then 4 x 64, 4 x 128)
    assert cells[0].channels == [128, 32, 32, 32, 32, 32, 128]
    assert cells[3].channels == [128, 64, 64, 64, 64, 64, 256]
    assert cells[8].channels == [512, 128, 128, 128, 128, 128, 512]


def test_truncation_and_input_to_output_edge():
    # 3 vertices share 128 channels: 43, 43, 42; vertex 2 (43) feeds vertex 3 (42): truncated;
    # the input also feeds the output
    spec = {"matrix": [[0, 1, 0, 0, 1], [0, 0, 1, 0, 1], [0, 0, 0, 1, 1], [0, 0, 0, 0, 1], [0, 0, 0, 0, 0]],
            "ops": ["input", S.CONV3X3, S.CONV1X1, S.MAXPOOL3X3, "output"]}
    g = NasBench101SearchSpace().build(spec)
    out = g(torch.randn(1, 3, 32, 32))
    assert out.shape == (1, 10) and torch.isfinite(out).all()
    cell = next(m for m in g.modules() if isinstance(m, Cell))
    assert cell.channels == [128, 43, 43, 42, 128]
    assert "4" in cell.input_op  # the input's projection to the output


def test_trivial_cell_is_a_projection():
    g = NasBench101SearchSpace().build({"matrix": [[0, 1], [0, 0]], "ops": ["input", "output"]})
    assert g(torch.randn(1, 3, 32, 32)).shape == (1, 10)
    assert round(count_parameters(g, INPUT_SHAPE), 6) == round(count_parameters(g), 6)


def test_graph_api(space):
    g = space.clone()
    with pytest.raises(ArchitectureError, match="no architecture chosen"):
        g.parse()
    g.sample_random_architecture(seed=3)
    h = g.get_hash()
    assert len(h) == 56 and g.get_spec()["ops"][0] == "input"
    twin = space.clone()
    twin.sample_random_architecture(seed=3)
    assert twin.get_hash() == h and twin.get_nb101_hash() == g.get_nb101_hash()
    assert g.get_arch_str() == str(h)
    assert S.parse_spec(g) == S.parse_spec(h)
    # the search space itself stays unchosen and light
    assert space.cell_spec is None and sum(p.numel() for p in space.parameters()) == 0
    m = space.clone()
    m.mutate(g, seed=0)
    assert m.get_nb101_hash() != g.get_nb101_hash()
    nbrs = g.get_nbhd(seed=0)
    assert nbrs and all(n._built is False for n in nbrs)  # built on parse(), not before
    assert len({n.get_nb101_hash() for n in nbrs}) == len(nbrs)
    assert nbrs[0](torch.randn(1, 3, 32, 32)).shape == (1, 10)
    assert g.get_type() == "nasbench101"
    cg = g.cell_graph()
    assert cg.number_of_nodes() == S.parse_spec(h).num_vertices


def test_set_spec_errors_and_hash_with_benchmark(space, nb101_data_dir):
    g = space.clone()
    with pytest.raises(ArchitectureError, match="upper triangular"):
        g.set_spec({"matrix": [[0, 1, 0], [1, 0, 1], [0, 0, 0]], "ops": ["input", S.CONV3X3, "output"]})
    api = nasplug.get_dataset_api("nasbench101", "cifar10", data_dir=nb101_data_dir)
    arch = api.architectures()[5]
    h = S.spec_hash(arch)
    with pytest.raises(ArchitectureError, match="hash"):
        g.set_spec(h)
    g.set_spec(h, dataset_api=api)
    assert g.get_nb101_hash() == h
    assert g.query(dataset_api=api) == api.query(h)


def test_registered_and_import_light():
    import subprocess
    import sys

    code = ("import sys, nasplug; r = nasplug.get_registry(); "
            "assert 'nasbench101' in r.names('search_spaces') and 'nasbench101' in r.names('benchmarks'); "
            "import nasplug_nb101; c = nasplug_nb101.random_cell(seed=0); "
            "nasplug_nb101.parse_spec(c.arch_str()).hash(); print('torch' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
