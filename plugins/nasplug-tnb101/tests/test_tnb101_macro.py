"""TransNAS-Bench-101 macro: encodings, NASLib's parameter counts per task, networks, benchmark."""

from __future__ import annotations

import json
import os
import random
import subprocess
import sys
from pathlib import Path

import pytest
import torch
from torch import nn

import nasplug
from nasplug.errors import ArchitectureError
from nasplug_tnb101 import macro_encoding as M
from nasplug_tnb101.macro_benchmark import TransNASBench101MacroBenchmark
from nasplug_tnb101.macro_network import ResNetBasicblock, decoder_input_dim
from nasplug_tnb101.macro_search_space import TransBench101SearchSpaceMacro
from nasplug_tnb101.tasks import TASK_NAMES

torch.set_num_threads(1)
REPO = Path(__file__).resolve().parents[3]

#: Parameters of NASLib's networks for these architectures, per task, in TASK_NAMES order
#: (class_scene, class_object, jigsaw, room_layout, segmentsemantic, normal, autoencoder).
#: Obtained by running NASLib's own model code (zerocost branch,
#: naslib/search_spaces/transbench101/tnb101/model_builder.create_model(arch, task), the
#: networks NASLib scores macro architectures with) and counting as NASLib's ``params``
#: predictor does (tensorwatch: the parameters of every module that runs in the forward pass,
#: i.e. all of them except the GAN discriminator of normal/autoencoder, which create_model
#: attaches but forward never calls). :func:`naslib_params` below re-derives them from the
#: layer definitions.
NASLIB_PARAMS = {
    "64-41414-basic": (14023007, 14041988, 18599688, 13995305, 25014865, 36862547, 36862547),
    "64-1234-basic": (3416415, 3425924, 5705224, 3402537, 12065105, 23912787, 23912787),
    "64-232323-basic": (23810143, 23829124, 28386824, 23782441, 34802001, 46649683, 46649683),
    "64-4321-basic": (5629791, 5639300, 7918600, 5615913, 14278481, 26126163, 26126163),
    "64-123412-basic": (14187615, 14206596, 18764296, 14159913, 25179473, 37027155, 37027155),
    "64-111123-basic": (1752543, 1757316, 2897416, 1745577, 9229649, 21077331, 21077331),
}


def naslib_params(arch: str, task: str) -> int:
    """The parameter count from NASLib's layer definitions, written out.

    conv k x k c -> d without bias: k*k*c*d; with bias + d. BatchNorm (affine): 2 per channel.
    Stem: Conv3x3 3->32, BN 32, ReLU-Conv3x3 32->64-BN. Each module: two basic blocks
    (ReLU-Conv3x3-BN twice, plus Conv1x1-BN on the shortcut when stride or channels change).
    Heads: Linear(C, classes) (jigsaw: Linear(9C, 1000)). Segmentation: ConvLayer(C, 1024),
    6-n halving ConvLayers, n-1 halving deconvs, a deconv keeping channels, Conv to 17 (all 3x3,
    with bias; BN after all but the last), n = int(log2(256 / side)). Image decoder: 14 3x3
    layers 1024-1024-512-512-256-128-64-64-32-32-16-32-16-3 (a deconv and a conv have the same
    count), BN after all but the last.
    """
    digits = M.parse_macro(arch)

    def conv(k, c, d, bias=False):
        return k * k * c * d + (d if bias else 0)

    total = conv(3, 3, 32) + 64 + conv(3, 32, 64) + 128
    c = 64
    for d in digits:
        out = c * 2 if d % 2 == 0 else c
        stride = 2 if d > 2 else 1
        for block in range(2):
            cin = c if block == 0 else out
            total += conv(3, cin, out) + 2 * out + conv(3, out, out) + 2 * out
            if block == 0 and (stride != 1 or cin != out):
                total += conv(1, cin, out) + 2 * out
        c = out
    classes = {"class_scene": 63, "class_object": 100, "room_layout": 9}
    if task in classes:
        return total + c * classes[task] + classes[task]
    if task == "jigsaw":
        return total + 9 * c * 1000 + 1000
    side = decoder_input_dim(digits)[1]
    if task == "segmentsemantic":
        import math

        n = int(math.log2(256 / side))
        layers = [(c, 1024)]
        width = 1024
        for _ in range(6 - n):
            layers.append((width, width // 2))
            width //= 2
        for _ in range(n - 1):
            layers.append((width, width // 2))
            width //= 2
        layers.append((width, width))
        total += sum(conv(3, a, b, bias=True) + 2 * b for a, b in layers)
        return total + conv(3, width, 17, bias=True)
    chans = [c, 1024, 1024, 512, 512, 256, 128, 64, 64, 32, 32, 16, 32, 16, 3]
    for i, (a, b) in enumerate(zip(chans, chans[1:])):
        total += conv(3, a, b, bias=True) + (2 * b if i < 13 else 0)
    return total


def test_the_space_has_3256_architectures():
    archs = M.all_architectures()
    assert len(archs) == M.NUM_ARCHITECTURES == 3256 == len(set(archs))
    assert sum(len(a) == 4 for a in archs) == 210 and sum(len(a) == 6 for a in archs) == 2296
    assert all(M.is_valid(a) for a in archs)


@pytest.mark.parametrize("spec,digits", [
    ("64-2323-basic", (2, 3, 2, 3)), ((2, 3, 2, 3, 0, 0), (2, 3, 2, 3)), ([1, 4, 2, 4, 1], (1, 4, 2, 4, 1)),
    ("(1, 4, 2, 4, 1)", (1, 4, 2, 4, 1)), ("(2, 3, 2, 3, 0, 0)", (2, 3, 2, 3)),
    ((1, 2, 3, 4, 1, 2), (1, 2, 3, 4, 1, 2)),
])
def test_encodings(spec, digits):
    assert M.parse_macro(spec) == digits
    assert M.to_op_indices(spec) == digits + (0,) * (6 - len(digits))
    assert M.to_arch_str(spec) == f"64-{''.join(map(str, digits))}-basic"


@pytest.mark.parametrize("spec,message", [
    ("64-111-basic", "malformed"), ((1, 1, 4), "4 to 6 modules"), ("64-1111111-basic", "malformed"),
    ("64-1111-basic", "halves the resolution 0 times"), ("64-4444-basic", "doubles the channels 4 times"),
    ("64-3333-basic", "doubles the channels 0 times"),
    ((1, 2, 5, 3), "not one of 1..4"), ((1, 2, 0, 3, 4), "not one of 1..4"), ("64-41414-1_02_210", "malformed"),
    ((1, 2, 3, 4, 1, 2, 0), "6 entries"), (3.5, "cannot read"),
])
def test_bad_architectures_say_why(spec, message):
    with pytest.raises(ArchitectureError, match=message):
        M.parse_macro(spec)


def test_sampling_mutation_neighbours():
    a = [M.random_architecture(seed=s) for s in range(50)]
    assert a == [M.random_architecture(seed=s) for s in range(50)]
    assert all(M.is_valid(x) for x in a) and {len(x) for x in a} == {4, 5, 6}
    rng = random.Random(0)
    child = M.mutate((2, 3, 2, 3), rng=rng)
    assert child != (2, 3, 2, 3) and M.is_valid(child)
    nbrs = M.neighbours((2, 3, 2, 3))
    assert len(nbrs) == len(set(nbrs)) and (2, 3, 2, 3) not in nbrs and all(M.is_valid(n) for n in nbrs)
    assert (4, 3, 2, 3) in nbrs and (2, 3, 2, 3, 1) in nbrs  # one code changed / one module added


@pytest.mark.parametrize("arch", list(NASLIB_PARAMS))
def test_parameter_counts_equal_naslib(arch):
    for task, expected in zip(TASK_NAMES, NASLIB_PARAMS[arch]):
        assert naslib_params(arch, task) == expected, (arch, task)  # the derivation
        g = TransBench101SearchSpaceMacro(task)
        with torch.device("meta"):  # real modules, no storage: counting needs only shapes
            g.set_spec(arch)
        assert sum(p.numel() for p in g.parameters()) == expected, (arch, task)
    from nasplug.counting import count_parameters

    assert round(count_parameters(g), 6) == round(NASLIB_PARAMS[arch][-1] / 1e6, 6)


@pytest.mark.parametrize("task", TASK_NAMES)
def test_forward_backward_at_small_resolution(task):
    # four halvings: at 32 px the encoder reaches 1x1 early; dense outputs are cropped to the input
    g = TransBench101SearchSpaceMacro(task)
    g.set_spec("64-13413-basic")
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
        assert out.shape == (2, 3, 32, 32)


def test_dense_output_is_the_input_size_without_cropping_at_256():
    g = TransBench101SearchSpaceMacro("segmentsemantic")
    with torch.device("meta"):
        g.set_spec("64-13413-basic")
        out = g(torch.empty(1, 3, 256, 256))
    assert out.shape == (1, 17, 256, 256)


def test_graph_api():
    g = TransBench101SearchSpaceMacro("class_object")
    with pytest.raises(ArchitectureError, match="no architecture chosen"):
        g.parse()
    g.sample_random_architecture(seed=1)
    h = g.get_hash()
    assert len(h) == 6 and M.is_valid(h) and g.get_arch_str() == M.to_arch_str(h)
    blocks = [m for m in g.modules() if isinstance(m, ResNetBasicblock)]
    assert len(blocks) == 2 * len(M.parse_macro(h))
    twin = g.clone()
    assert twin.get_hash() == h
    twin.mutate(seed=0)
    assert twin.get_hash() != h and g.get_hash() == h
    nbrs = g.get_nbhd(seed=0)
    assert nbrs and not any(n._built for n in nbrs)
    assert nbrs[0](torch.randn(1, 3, 32, 32)).shape == (1, 100)
    assert g.get_type() == "transbench101_macro"
    assert sum(1 for _ in g.get_arch_iterator()) == 3256


@pytest.fixture(scope="module")
def apis():
    return {t: TransNASBench101MacroBenchmark(t, data_dir=Path("/nonexistent-nasplug-data")) for t in TASK_NAMES}


def test_benchmark_reads_the_packaged_table(apis):
    for task, api in apis.items():
        assert len(api) == 3256 and set(api.architectures()) == {M.to_arch_str(a) for a in M.all_architectures()}
    # first row of tnb101_macro.csv
    row = {"class_scene": 51.05, "class_object": 44.5213, "jigsaw": 94.2476, "room_layout": -0.671739,
           "segmentsemantic": 94.4898, "normal": 0.559127, "autoencoder": 0.617168}
    for task, value in row.items():
        assert apis[task].query("64-111114-basic") == value
        assert apis[task].query((1, 1, 1, 1, 1, 4)) == value
        assert apis["jigsaw"].query("64-111114-basic", dataset=task) == value
    g = TransBench101SearchSpaceMacro("jigsaw")
    g._assign("64-111114-basic")
    assert g.query(dataset_api=apis["jigsaw"]) == row["jigsaw"]


def test_benchmark_agrees_with_naslibs_zen_file():
    """NASLib's zero-cost file for macro lists val_accuracy of 100 architectures per task: the table agrees."""
    path = REPO.parent / "shared" / "data" / "naslib" / "zc_extra_sample.json"
    if not path.is_file():
        pytest.skip("zc_extra_sample.json not available")
    data = json.loads(path.read_text())
    for task in TASK_NAMES:
        entries = data[f"transbench101_macro/{task}/zen"]
        api = nasplug.get_dataset_api("transbench101_macro", task)
        for key, scores in entries.items():
            assert api.query(key) == pytest.approx(scores["val_accuracy"], rel=1e-5, abs=1e-6), (task, key)


def test_nasplug_eval_on_macro(tmp_path):
    cmd = [sys.executable, "-m", "nasplug", "eval", "--predictor", "params", "--benchmark",
           "transbench101_macro/room_layout", "--test-size", "3", "--synthetic-data", "--no-cache"]
    run = subprocess.run(cmd, capture_output=True, text=True, env={**os.environ, "OMP_NUM_THREADS": "1"})
    assert run.returncode == 0, run.stderr[-2000:]
    assert "transbench101_macro/room_layout" in run.stdout
