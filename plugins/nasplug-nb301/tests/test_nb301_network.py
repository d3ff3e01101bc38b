"""The network zero-cost proxies score, and the Graph API of the search space."""

from __future__ import annotations

import random

import pytest
import torch

from nasplug.counting import count_flops, count_parameters
from nasplug.errors import ArchitectureError
from nasplug_nb301 import encoding as enc
from nasplug_nb301.search_space import NasBench301SearchSpace

#: NAS-Bench-Suite-Zero's published numbers (NASLib's zc_nasbench301.json:
#: "flops" in MFLOPs, "params" in millions) for cells on lines 246, 727 and 728
#: of nb301_labeled.csv, and their accuracies there.
PUBLISHED = [
    ("[[(0, 4), (1, 3), (0, 2), (2, 3), (2, 3), (0, 3), (2, 6), (3, 5)], "
     "[(0, 3), (1, 3), (1, 1), (0, 5), (2, 3), (0, 2), (4, 4), (3, 1)]]", 202.774016, 1.204906, 93.9011),
    ("[[(1, 1), (0, 6), (1, 1), (0, 3), (1, 1), (2, 5), (0, 1), (4, 4)], "
     "[(0, 1), (1, 1), (0, 4), (2, 4), (0, 4), (1, 5), (2, 4), (4, 0)]]", 162.428416, 0.920618, 93.2304),
    ("[[(0, 1), (1, 0), (0, 2), (1, 4), (1, 2), (2, 6), (3, 4), (4, 3)], "
     "[(1, 1), (0, 1), (0, 3), (1, 5), (2, 6), (3, 0), (4, 0), (0, 1)]]", 157.185536, 0.84945, 93.2490),
]
#: NASLib's current network (C = 16) for the first of them
NASLIB_C16 = (58.133248, 0.326746)
SHAPE = (1, 3, 32, 32)


@pytest.fixture(autouse=True)
def _one_thread():
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


@pytest.mark.parametrize("arch, mflops, mparams, acc", PUBLISHED)
def test_params_and_flops_equal_nas_bench_suite_zero(arch, mflops, mparams, acc, nb301_rows):
    assert (arch, acc) in nb301_rows  # real rows of the table
    g = NasBench301SearchSpace()
    g.set_spec(arch)
    g.parse()
    assert round(count_parameters(g, SHAPE), 6) == mparams
    assert round(count_flops(g, SHAPE), 6) == mflops


def test_naslib_width_is_an_option():
    g = NasBench301SearchSpace(C=16)
    g.set_spec(PUBLISHED[0][0])
    g.parse()
    assert (round(count_flops(g, SHAPE), 6), round(count_parameters(g, SHAPE), 6)) == NASLIB_C16


def test_network_layout():
    g = NasBench301SearchSpace()
    g.set_spec(PUBLISHED[0][0])
    net = g.parse().network
    assert net.stem[0].out_channels == 96                      # stem multiplier 3 x C
    assert [c.reduction for c in net.cells] == [False, False, True, False, False, True, False, False]
    widths = [c.preprocess1[1].out_channels for c in net.cells]
    assert widths == [32, 32, 64, 64, 64, 128, 128, 128]
    assert net.classifier.in_features == 512 and net.classifier.out_features == 10
    assert not any("auxiliary" in name for name, _ in net.named_modules())
    # skip_connect (op 2): identity in a normal cell, FactorizedReduce out of a
    # reduction cell's inputs; pair 2 of the normal and pair 5 of the reduction cell
    assert isinstance(net.cells[0].ops[2], torch.nn.Identity)
    assert type(net.cells[2].ops[5]).__name__ == "FactorizedReduce"
    assert net.cells[2].ops[5].conv_1.stride == (2, 2)
    # stride 1 on edges between intermediate nodes of a reduction cell: pair 7 is (3, 1)
    assert net.cells[2].ops[7][0].stride == 1
    assert type(net.cells[3].preprocess0).__name__ == "FactorizedReduce"
    assert net.cells[0].inputs == tuple(n for n, _ in enc.parse_arch_string(PUBLISHED[0][0])[0])


def test_forward_and_backward_on_a_32x32_batch():
    g = NasBench301SearchSpace()
    g.sample_random_architecture(seed=1)
    g.parse()
    x, y = torch.randn(2, 3, 32, 32), torch.tensor([3, 7])
    out = g(x)
    assert out.shape == (2, 10) and torch.isfinite(out).all()
    g.get_loss_fn()(out, y).backward()
    grads = [p.grad for p in g.parameters()]
    assert grads and all(gr is not None and torch.isfinite(gr).all() for gr in grads)
    assert any(gr.abs().sum() > 0 for gr in grads)


def test_graph_api_sampling_clone_hash_and_specs(nb301_rows):
    ss = NasBench301SearchSpace()
    with pytest.raises(ArchitectureError, match="set_spec"):
        ss.get_hash()
    with pytest.raises(ArchitectureError, match="before parse"):
        ss.clone().parse()
    # candidate op lists on every cell edge before an architecture is chosen
    assert ss.normal_cell.number_of_edges() == 14 + 4
    assert list(ss.normal_cell.edges[0, 2]["op"]) == list(enc.OPS)
    a, b = ss.clone(), ss.clone()
    a.sample_random_architecture(seed=11)
    b.sample_random_architecture(rng=random.Random(11))
    assert a.get_hash() == b.get_hash() and ss.compact is None
    assert ss.normal_cell.number_of_edges() == 18        # the original is untouched
    assert a.normal_cell.number_of_edges() == 8 + 4
    text, _ = nb301_rows[5]
    compact = enc.parse_arch_string(text)
    for spec in (text, compact, enc.compact_to_genotype(compact), [list(c) for c in compact]):
        g = ss.clone()
        g.set_spec(spec)
        assert g.get_hash() == compact and g.get_arch_string() == text
    g.set_spec(enc.compact_to_config(compact))
    assert g.get_hash() == enc.normalize_compact(compact)
    # the chosen ops sit on the cell edges
    node_in, op = compact[1][7]
    assert g.reduction_cell.edges[node_in, 5]["op"] == enc.OPS[op]
    assert [g.nodes[n]["cell"] for n in range(3, 11)].count("reduction") == 2
    # re-choosing an architecture drops the previous network
    g.parse()
    net = g.network
    g.set_spec(nb301_rows[6][0])
    assert g.network is None and g.parse().network is not net


def test_parsed_clone_is_an_independent_copy_with_the_same_outputs():
    g = NasBench301SearchSpace(C=8)
    g.sample_random_architecture(seed=4)
    g.parse().eval()
    twin = g.clone()
    x = torch.randn(2, 3, 32, 32)
    with torch.no_grad():
        assert torch.equal(g(x), twin(x))
        next(twin.parameters()).add_(1.0)
        assert not torch.equal(g(x), twin(x))


def test_mutation_and_neighbourhood_through_the_graph():
    g = NasBench301SearchSpace()
    g.sample_random_architecture(seed=2)
    child = g.clone()
    child.mutate(g, seed=5)
    assert child.get_hash() != g.get_hash()
    nbrs = g.get_nbhd(seed=0)
    assert len(nbrs) == 120 and all(n.network is None for n in nbrs)
    assert len({n.get_hash() for n in nbrs}) == 120


def test_input_order_within_a_node_does_not_change_the_network():
    text = PUBLISHED[2][0]
    compact = enc.parse_arch_string(text)
    swapped = tuple(tuple(p for k in range(0, 8, 2) for p in (cell[k + 1], cell[k])) for cell in compact)
    outs = []
    for spec in (compact, swapped):
        torch.manual_seed(0)
        g = NasBench301SearchSpace(C=8)
        g.set_spec(spec)
        outs.append(round(count_parameters(g.parse(), SHAPE), 6))
    assert outs[0] == outs[1]
