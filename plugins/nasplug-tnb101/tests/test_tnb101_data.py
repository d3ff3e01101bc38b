"""Taskonomy datasets: synthetic batches per task, and the real-folder loader on a tiny
folder written in TransNAS-Bench-101's layout."""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch

import nasplug
from nasplug.errors import DataError, NasplugError
from nasplug_tnb101 import data as tdata
from nasplug_tnb101.tasks import TASK_NAMES

torch.set_num_threads(1)


def dataset(task, **kw):
    return nasplug.get_registry().get("datasets", task)(**kw)


@pytest.fixture(autouse=True)
def _fresh_cache(monkeypatch):
    monkeypatch.delenv(tdata.RESOLUTION_ENV, raising=False)
    monkeypatch.delenv(tdata.MAX_BATCH_ENV, raising=False)
    tdata.clear_cache()
    yield
    tdata.clear_cache()


# -- synthetic -----------------------------------------------------------------------------------
EXPECTED = {  # task -> (input shape per sample, target shape per sample, target dtype)
    "class_scene": ((3, 64, 64), (63,), torch.float32),
    "class_object": ((3, 64, 64), (100,), torch.float32),
    "room_layout": ((3, 64, 64), (9,), torch.float32),
    "jigsaw": ((9, 3, 32, 32), (), torch.int64),
    "segmentsemantic": ((3, 64, 64), (64, 64), torch.int64),
    "normal": ((3, 64, 64), (3, 64, 64), torch.float32),
    "autoencoder": ((3, 64, 64), (3, 64, 64), torch.float32),
}


@pytest.mark.parametrize("task", TASK_NAMES)
def test_synthetic_batches_have_the_task_shapes(task):
    ds = dataset(task, synthetic=True)
    x, y = ds.get_loader(2, seed=0)[0]
    shape_x, shape_y, dtype_y = EXPECTED[task]
    assert x.shape == (2, *shape_x) and x.dtype == torch.float32
    assert y.shape == (2, *shape_y) and y.dtype == dtype_y
    assert tuple(ds.input_shape) == shape_x
    assert "synthetic" in ds.describe() and ds.batch_info(2)["synthetic"] is True
    if task in ("class_scene", "class_object"):
        assert torch.allclose(y.sum(1), torch.ones(2)) and (y >= 0).all()
    if task == "jigsaw":
        assert 0 <= x.min() and x.max() <= 1 and ((0 <= y) & (y < 1000)).all()
    if task == "segmentsemantic":
        assert ((0 <= y) & (y < 17)).all()
    if task == "normal":
        assert 0 <= y.min() and y.max() <= 1 and -1 <= x.min() and x.max() <= 1
    if task == "autoencoder":
        assert torch.equal(x, y)
    x2, y2 = ds.get_batch(2, seed=0)
    assert torch.equal(x, x2) and torch.equal(y, y2)
    x3, _ = ds.get_batch(2, seed=1)
    assert not torch.equal(x, x3)
    x4, _ = ds.get_batch(2, seed=0, split="test")
    assert not torch.equal(x, x4)


def test_batch_cap_resolution_and_env(monkeypatch):
    ds = dataset("normal", synthetic=True)
    x, _ = ds.get_batch(64, seed=0)
    assert x.shape[0] == tdata.DEFAULT_MAX_BATCH["normal"] == 8
    info = ds.batch_info(64)
    assert info["batch_size"] == 8 and info["requested_batch_size"] == 64 and "capped" in info["note"]
    assert dataset("normal", synthetic=True, max_batch_size=3).get_batch(64, 0)[0].shape[0] == 3
    naslib = dataset("jigsaw", synthetic=True, resolution="naslib")
    assert naslib.input_shape == (9, 3, 64, 64)
    assert dataset("class_scene", synthetic=True, resolution="naslib").input_shape == (3, 256, 256)
    monkeypatch.setenv(tdata.RESOLUTION_ENV, "96")
    monkeypatch.setenv(tdata.MAX_BATCH_ENV, "2")
    ds = dataset("segmentsemantic", synthetic=True)
    x, y = ds.get_batch(10, seed=0)
    assert x.shape == (2, 3, 96, 96) and y.shape == (2, 96, 96)
    for bad in (48, 16, "abc"):
        with pytest.raises(NasplugError):
            dataset("normal", synthetic=True, resolution=bad)
    with pytest.raises(NasplugError):
        dataset("normal", synthetic=True, max_batch_size=0)
    with pytest.raises(DataError):
        dataset("normal", synthetic=True).get_batch(0, seed=0)
    with pytest.raises(DataError, match="split"):
        dataset("normal", synthetic=True).get_batch(2, seed=0, split="dev")


def test_callers_cannot_corrupt_the_cached_batch():
    ds = dataset("autoencoder", synthetic=True)
    x, _ = ds.get_batch(2, seed=0)
    x.zero_()
    assert ds.get_batch(2, seed=0)[0].abs().sum() > 0


def test_missing_real_data_says_what_is_expected(tmp_path):
    ds = dataset("class_scene", data_dir=tmp_path)
    with pytest.raises(DataError) as err:
        ds.get_batch(2, seed=0)
    msg = str(err.value)
    assert "taskonomy" in msg and "filenames_final5k.json" in msg and "synthetic" in msg
    with pytest.raises(DataError):
        ds.batch_info(2)


# -- a tiny real-layout Taskonomy folder ---------------------------------------------------------
N_VIEWS = 5


@pytest.fixture
def taskonomy(tmp_path):
    from PIL import Image

    def write_png(chw, path):
        arr = chw.numpy().transpose(1, 2, 0)
        Image.fromarray(arr[:, :, 0] if arr.shape[2] == 1 else arr).save(path)

    root = tmp_path / "taskonomy"
    rng = np.random.default_rng(0)
    templates = [f"bldg/{{domain}}/point_{i}_view_0_domain_{{domain}}.png" for i in range(N_VIEWS)]
    (root / "final5K_splits").mkdir(parents=True)
    (root / "bldg.json").write_text(json.dumps(templates))
    for split in ("train", "val", "test"):
        (root / "final5K_splits" / f"{split}_filenames_final5k.json").write_text(
            json.dumps({"filename_list": ["bldg.json"]}))
    for folder in ("rgb", "normal", "segmentsemantic", "class_scene", "class_object", "room_layout"):
        (root / "bldg" / folder).mkdir(parents=True)
    labels = {}
    for i, t in enumerate(templates):
        base = root / t.replace(".png", "")
        write_png(torch.from_numpy(rng.integers(0, 256, (3, 48, 48), dtype=np.uint8)),
                  str(base).format(domain="rgb") + ".png")
        write_png(torch.from_numpy(rng.integers(0, 256, (3, 48, 48), dtype=np.uint8)),
                  str(base).format(domain="normal") + ".png")
        seg = np.full((1, 48, 48), i % 18, dtype=np.uint8)
        seg[0, :8, :8] = 0
        write_png(torch.from_numpy(seg), str(base).format(domain="segmentsemantic") + ".png")
        for task, size in (("class_scene", 365), ("class_object", 1000), ("room_layout", 9)):
            arr = rng.random(size)
            labels[(task, i)] = arr
            np.save(str(base).format(domain=task) + ".npy", arr)
    scene_mask = np.zeros(365)
    scene_mask[rng.choice(365, 63, replace=False)] = 1
    object_mask = np.zeros(1000)
    object_mask[rng.choice(1000, 100, replace=False)] = 1
    np.save(root / "class_scene_selected.npy", scene_mask)
    np.save(root / "class_object_selected.npy", object_mask)
    perms = np.stack([rng.permutation(9) for _ in range(1000)])
    np.save(root / "permutations_hamming_max_1000.npy", perms)
    return {"data_dir": tmp_path, "root": root, "labels": labels, "masks":
            {"class_scene": scene_mask, "class_object": object_mask}, "perms": perms}


@pytest.mark.parametrize("task", [t for t in TASK_NAMES if t != "jigsaw"])
def test_real_folder_batches(taskonomy, task):
    ds = dataset(task, data_dir=taskonomy["data_dir"], resolution=32)
    x, y = ds.get_batch(3, seed=0)
    assert x.shape == (3, 3, 32, 32) and x.dtype == torch.float32
    assert "Taskonomy" in ds.describe() and not ds.batch_info(3)["synthetic"]
    assert ds.batch_info(3)["images_available"] == N_VIEWS
    x2, y2 = ds.get_batch(3, seed=0)
    assert torch.equal(x, x2) and torch.equal(y, y2)
    if task in ("class_scene", "class_object"):
        assert y.shape == (3, ds.num_classes) and torch.allclose(y.sum(1), torch.ones(3), atol=1e-6)
        expected = {}
        for i in range(N_VIEWS):
            sel = taskonomy["labels"][(task, i)][taskonomy["masks"][task].astype(bool)]
            expected[i] = torch.tensor(sel / sel.sum(), dtype=torch.float32)
        assert all(any(torch.allclose(row, e) for e in expected.values()) for row in y)
    elif task == "room_layout":
        assert y.shape == (3, 9)
    elif task == "segmentsemantic":
        assert y.shape == (3, 32, 32) and y.dtype == torch.int64
        assert y[:, :4, :4].eq(0).all()  # unlabelled 0 -> class 0
        assert ((0 <= y) & (y < 17)).all()
        assert set(y[:, 16:, 16:].unique().tolist()) <= {max(k % 18 - 1, 0) for k in range(N_VIEWS)}
    elif task == "normal":
        assert y.shape == (3, 3, 32, 32) and 0 <= y.min() and y.max() <= 1
    elif task == "autoencoder":
        assert torch.equal(x, y) and -1 <= x.min() and x.max() <= 1


def test_real_jigsaw_tiles_follow_the_permutation(taskonomy):
    ds = dataset("jigsaw", data_dir=taskonomy["data_dir"], resolution=32)
    x, y = ds.get_batch(2, seed=1)
    assert x.shape == (2, 9, 3, 32, 32) and y.dtype == torch.int64
    # rebuild the puzzle source image of one sample and find each tile in its cell
    from nasplug_tnb101.data import _read_rgb, _resize

    side = 3 * (85 * 32 // 64)
    unit = side // 3
    perm = taskonomy["perms"][int(y[0])]
    sources = []
    for i in range(N_VIEWS):
        img = _resize(_read_rgb(taskonomy["root"] / f"bldg/rgb/point_{i}_view_0_domain_rgb.png"), side)
        crop = int(side * 0.9)
        top = (side - crop) // 2
        sources.append(_resize(img[:, top:top + crop, top:top + crop].contiguous(), side))

    def found(tile, img, cell):
        r, c = divmod(int(cell), 3)
        return any(torch.equal(tile, img[:, r * unit + di:r * unit + di + 32, c * unit + dj:c * unit + dj + 32])
                   for di in range(unit - 32 + 1) for dj in range(unit - 32 + 1))

    assert any(all(found(x[0, k], img, perm[k]) for k in range(9)) for img in sources)


def test_real_folder_missing_pieces(taskonomy):
    (taskonomy["root"] / "class_object_selected.npy").unlink()
    with pytest.raises(DataError, match="class_object_selected.npy"):
        dataset("class_object", data_dir=taskonomy["data_dir"], resolution=32).get_batch(2, 0)
    for f in (taskonomy["root"] / "bldg" / "normal").iterdir():
        f.unlink()
    with pytest.raises(DataError, match="missing"):
        dataset("normal", data_dir=taskonomy["data_dir"], resolution=32).get_batch(2, 0)
    explicit = dataset("class_scene", taskonomy_dir=taskonomy["root"], resolution=32)
    assert explicit.get_batch(2, 0)[1].shape == (2, 63)
