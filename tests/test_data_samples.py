"""The image samples packaged with the core: real CIFAR-10 / CIFAR-100 images, never ImageNet."""

from importlib.resources import files
from pathlib import Path

import numpy as np
import pytest

from nasplug.data import Cifar10Dataset, Cifar100Dataset, ImageNet16Dataset, clear_cache
from nasplug.errors import DataError

SHARED = Path(__file__).resolve().parents[1].parent / "shared" / "data"
SAMPLES = files("nasplug.data").joinpath("samples")


def test_only_the_cifar_samples_ship():
    assert sorted(p.name for p in SAMPLES.iterdir() if not p.name.startswith(".")) == [
        "cifar100_sample.npz", "cifar10_train_sample.npz"]


def test_packaged_cifar10_sample_is_balanced_real_training_images(tmp_path):
    with np.load(SAMPLES.joinpath("cifar10_train_sample.npz"), allow_pickle=False) as z:
        x, y, classes = z["x"], z["y"], z["classes"]
    assert x.shape == (320, 32, 32, 3) and x.dtype == np.uint8 and y.dtype == np.int64
    assert np.bincount(y, minlength=10).tolist() == [32] * 10 and len(classes) == 10
    if (SHARED / "images" / "cifar10_train.npz").is_file():  # the first 32 of each class, unchanged
        with np.load(SHARED / "images" / "cifar10_train.npz", allow_pickle=False) as full:
            idx = np.concatenate([np.flatnonzero(full["y"] == c)[:32] for c in range(10)])
            assert (full["x"][idx] == x).all() and (full["y"][idx] == y).all()
            assert (full["classes"] == classes).all()
    clear_cache()
    ds = Cifar10Dataset(data_dir=tmp_path)
    info = ds.batch_info(64)
    assert info["source"] == "packaged CIFAR-10 sample, 320 images" and info["with_replacement"] is False
    xb, yb = ds.get_batch(64, seed=0)
    assert tuple(xb.shape) == (64, 3, 32, 32) and int(yb.max()) < 10
    assert (ds.get_batch(64, seed=0)[0] == xb).all()


def test_packaged_cifar100_sample_and_no_imagenet(tmp_path):
    ds = Cifar100Dataset(data_dir=tmp_path)
    assert ds.batch_info(8, split="test")["source"] == "packaged CIFAR-100 sample, 20 images"
    if (SHARED / "images" / "cifar100_sample.npz").is_file():
        with np.load(SHARED / "images" / "cifar100_sample.npz") as a, \
                np.load(SAMPLES.joinpath("cifar100_sample.npz")) as b:
            assert (a["x"] == b["x"]).all() and (a["y"] == b["y"]).all()
    with pytest.raises(DataError, match="no ImageNet16-120 images"):
        ImageNet16Dataset(data_dir=tmp_path).batch_info(8)


def test_user_files_come_before_the_packaged_sample(tmp_path):
    (tmp_path / "images").mkdir()
    rng = np.random.default_rng(0)
    np.savez(tmp_path / "images" / "cifar10_train.npz",
             x=rng.integers(0, 255, (12, 32, 32, 3), dtype=np.uint8), y=np.arange(12) % 10)
    clear_cache()
    assert Cifar10Dataset(data_dir=tmp_path).batch_info(4)["source"] == \
        "NPZ sample images/cifar10_train.npz (12 images)"
