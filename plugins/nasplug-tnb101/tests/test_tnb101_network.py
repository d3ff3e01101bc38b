"""Per-task networks: NASLib's parameter/FLOP counts, forward/backward, the Graph API."""

from __future__ import annotations

import pytest
import torch
from torch import nn

import nasplug
from nasplug.counting import count_flops, count_parameters
from nasplug.errors import ArchitectureError, DataError
from nasplug_tnb101 import encoding
from nasplug_tnb101.network import FactorizedReduce, Identity, ReLUConvBN, Zero
from nasplug_tnb101.search_space import CELL_EDGES, TransBench101SearchSpaceMicro
from nasplug_tnb101.tasks import TASK_NAMES

torch.set_num_threads(1)

#: NASLib (NAS-Bench-Suite-Zero, tensorwatch) counts for the cell (1, 0, 0, 2, 1, 0):
#: millions of parameters, MFLOPs at NASLib's input sizes
NASLIB_COUNTS = {
    "class_scene": (0.910687, 263.299072),
    "class_object": (0.929668, 263.318016),
    "room_layout": (0.882985, 263.271424),
    "jigsaw": (5.487368, 21.101056),
    "segmentsemantic": (11.902545, 1198.81728),
    "normal": (23.750227, 1885.700096),
    "autoencoder": (23.750227, 1885.700096),
}
#: NASLib's input shapes: 256x256 images; jigsaw 9 tiles of 64x64
NASLIB_INPUT = {t: (1, 3, 256, 256) for t in TASK_NAMES} | {"jigsaw": (1, 9, 3, 64, 64)}


@pytest.fixture(scope="module")
def spaces():
    return {task: TransBench101SearchSpaceMicro(task) for task in TASK_NAMES}


def build(spaces, task, spec):
    g = spaces[task].clone()
    g.set_spec(spec)
    g.parse()
    return g


@pytest.mark.parametrize("task", TASK_NAMES)
def test_params_and_flops_equal_naslib(spaces, task):
    g = build(spaces, task, (1, 0, 0, 2, 1, 0))
    params, flops = NASLIB_COUNTS[task]
    x = torch.rand(NASLIB_INPUT[task])
    assert round(count_parameters(g, x), 6) == params
    assert round(count_parameters(g), 6) == params  # every leaf runs
    assert round(count_flops(g, x), 6) == pytest.approx(flops, abs=1e-9)
    assert round(sum(p.numel() for p in g.parameters()) / 1e6, 6) == params


def test_counts_follow_the_cell(spaces):
    small = build(spaces, "class_scene", "64-41414-0_00_000")
    big = build(spaces, "class_scene", "64-41414-3_33_333")
    x = torch.rand(1, 3, 64, 64)
    assert count_parameters(small, x) < count_parameters(big, x)
    assert count_flops(small, x) < count_flops(big, x)


@pytest.mark.parametrize("task", TASK_NAMES)
def test_forward_backward_with_synthetic_inputs(spaces, task):
    g = build(spaces, task, "64-41414-2_12_012")  # few 3x3 convs: fast; 3x3 is covered above
    ds = nasplug.get_registry().get("datasets", task)(synthetic=True, resolution=32)
    x, y = ds.get_batch(2, seed=0)
    g.train()
    out = g(x)
    loss = g.get_loss_fn()(out, y)
    assert torch.isfinite(loss)
    loss.backward()
    convs = [m for m in g.modules() if isinstance(m, nn.Conv2d)]
    assert convs and all(m.weight.grad is not None for m in convs)
    if task == "segmentsemantic":
        assert out.shape == (2, 17, 32, 32)
    elif task in ("normal", "autoencoder"):
        assert out.shape == (2, 3, 32, 32) and out.abs().max() <= 1  # Tanh output
    else:
        assert out.shape == (2, {"class_scene": 63, "class_object": 100, "room_layout": 9,
                                 "jigsaw": 1000}[task])


def test_losses_match_naslib(spaces):
    from nasplug_tnb101.losses import PixelCrossEntropy, SoftTargetCrossEntropy

    kinds = {t: type(spaces[t].get_loss_fn()) for t in TASK_NAMES}
    assert kinds["class_scene"] is kinds["class_object"] is SoftTargetCrossEntropy
    assert kinds["jigsaw"] is nn.CrossEntropyLoss
    assert kinds["segmentsemantic"] is PixelCrossEntropy
    assert kinds["room_layout"] is nn.MSELoss
    assert kinds["normal"] is kinds["autoencoder"] is nn.L1Loss
    logits = torch.tensor([[2.0, 0.0, -1.0]])
    target = torch.tensor([[0.7, 0.2, 0.1]])
    expected = -(target * torch.log(torch.softmax(logits, -1) + 1e-5)).sum()
    assert torch.allclose(SoftTargetCrossEntropy()(logits, target), expected)
    assert torch.allclose(SoftTargetCrossEntropy()(logits, torch.tensor([0])),
                          -torch.log(torch.softmax(logits, -1)[0, 0] + 1e-5))


def test_cell_computes_the_documented_sums(spaces):
    g = build(spaces, "class_scene", "64-41414-3_12_312")
    cell = g.get_cells()[2]  # 128 -> 128, stride 1
    cell.eval()
    ops = {e: cell.edges[e]["op"] for e in CELL_EDGES}
    x = torch.randn(2, 128, 8, 8)
    with torch.no_grad():
        n1 = ops[1, 2](x)
        n2 = ops[1, 3](x) + ops[2, 3](n1)
        n3 = ops[1, 4](x) + ops[2, 4](n1) + ops[3, 4](n2)
        assert torch.allclose(cell(x), n3, atol=1e-6)
    assert isinstance(ops[1, 2], ReLUConvBN) and ops[1, 2].ops[1].kernel_size == (3, 3)
    assert isinstance(ops[1, 3], Identity) and isinstance(ops[2, 3], ReLUConvBN)
    assert isinstance(ops[2, 4], Identity)


def test_reduction_cells_use_factorized_reduce_and_strided_zero(spaces):
    g = build(spaces, "class_scene", "64-41414-1_00_000")
    first = g.get_cells()[0]
    assert isinstance(first.edges[1, 2]["op"], FactorizedReduce)
    assert isinstance(first.edges[1, 3]["op"], Zero) and first.edges[1, 3]["op"].stride == 2
    layout = [(g.edges[u, u + 1]["C_in"], g.edges[u, u + 1]["C_out"], g.edges[u, u + 1]["stride"])
              for u in range(2, 12)]
    assert layout == [(64, 128, 2), (128, 128, 1), (128, 128, 1), (128, 128, 1), (128, 256, 2),
                      (256, 256, 1), (256, 256, 1), (256, 256, 1), (256, 512, 2), (512, 512, 1)]


def test_all_zero_cell_ignores_the_input(spaces):
    g = build(spaces, "class_scene", "64-41414-0_00_000").eval()
    with torch.no_grad():
        a, b = g(torch.randn(2, 3, 64, 64)), g(torch.randn(2, 3, 64, 64))
    assert torch.equal(a, b)


def test_jigsaw_encodes_each_tile_separately(spaces):
    g = build(spaces, "jigsaw", (2, 1, 2, 2, 0, 1)).train()
    x = torch.randn(2, 9, 3, 32, 32)
    out = g(x)
    manual = g._chain[2](torch.cat([g._encode(x[:, i]) for i in range(9)], dim=1))
    assert torch.allclose(out, manual, atol=1e-6)
    with pytest.raises(DataError, match="tiles"):
        g(torch.randn(2, 3, 32, 32))


def test_search_space_structure_and_candidates():
    ss = nasplug.get_search_space("transbench101_micro", dataset="jigsaw")
    assert isinstance(ss, nasplug.Graph) and ss.dataset == "jigsaw"
    assert list(ss.nodes()) == list(range(1, 14))
    cells = ss.get_cells()
    assert len(cells) == 10 and all(c.number_of_edges() == 6 for c in cells)
    candidates = cells[0].edges[1, 2]["op"]
    assert [type(m) for m in candidates] == [Zero, FactorizedReduce, ReLUConvBN, ReLUConvBN]
    assert all(p.is_meta for p in ss.parameters())  # no storage before a cell is chosen
    with pytest.raises(ArchitectureError, match="candidate"):
        ss.clone().parse()
    with pytest.raises(ArchitectureError, match="no architecture"):
        ss.get_hash()


def test_clone_sample_hash_and_set_spec(spaces):
    ss = spaces["class_object"]
    g1, g2 = ss.clone(), ss.clone()
    g1.sample_random_architecture(seed=7)
    g2.sample_random_architecture(seed=7)
    assert g1.get_hash() == g2.get_hash() == encoding.random_architecture(seed=7)
    assert all(p.is_meta for p in ss.parameters())  # the search space itself is untouched
    assert not any(p.is_meta for p in g1.parameters())
    g3 = ss.clone()
    g3.set_spec(g1.get_arch_str())
    assert g3.get_hash() == g1.get_hash()
    assert g3.get_arch_str() == encoding.to_arch_str(g1.get_hash())
    c = g3.clone()
    assert c.get_hash() == g3.get_hash()
    assert all(a is not b for a, b in zip(c.parameters(), g3.parameters()))
    g3.mutate(seed=0)
    assert sum(x != y for x, y in zip(g3.get_hash(), g1.get_hash())) == 1
    g3.set_spec((3, 3, 3, 3, 3, 3))  # switching rebuilds the cells
    assert g3.get_hash() == (3,) * 6
    assert len(list(g3.get_arch_iterator())) == 4096
    with pytest.raises(ArchitectureError):
        g3.set_spec("64-41414-9_99_999")


def test_encoder_initialisation_is_kaiming_fan_out(spaces):
    torch.manual_seed(0)
    g = build(spaces, "class_scene", (3,) * 6)
    conv = g.get_cells()[-1].edges[3, 4]["op"].ops[1]  # 512 -> 512, 3x3
    expected = (2.0 / (512 * 9)) ** 0.5
    assert conv.weight.std().item() == pytest.approx(expected, rel=0.02)


def test_unknown_task_is_a_clear_error():
    with pytest.raises(nasplug.NasplugError, match="valid"):
        nasplug.get_search_space("transbench101_micro", dataset="cifar10")
