"""Built-in datasets: real NPZ samples, official file formats, seeded batches, synthetic on request."""

import os
import pickle
from pathlib import Path

import numpy as np
import pytest

from nasplug.data import (
    CIFAR10_MEAN,
    CIFAR10_STD,
    IMAGENET16_MEAN,
    IMAGENET16_STD,
    Cifar10Dataset,
    Cifar100Dataset,
    ImageNet16Dataset,
    clear_cache,
)
from nasplug.errors import DataError


def _data_dir() -> Path:
    env = os.environ.get("NASPLUG_DATA")
    for cand in ([Path(env)] if env else []) + [Path(__file__).resolve().parents[1].parent / "shared" / "data"]:
        if (cand / "images").is_dir():
            return cand
    pytest.skip("no data directory with images/ (set NASPLUG_DATA)")


def test_cifar10_npz_batch_is_normalised_real_data_and_seeded():
    data = _data_dir()
    ds = Cifar10Dataset(data_dir=data)
    x, y = ds.get_batch(32, seed=3)
    assert tuple(x.shape) == (32, 3, 32, 32) and str(x.dtype) == "torch.float32"
    assert tuple(y.shape) == (32,) and int(y.max()) < 10
    # undo the normalisation: must be the exact uint8 pixels of the NPZ file
    raw = np.load(data / "images" / "cifar10_train.npz")["x"]
    pix = (x.permute(0, 2, 3, 1).numpy() * np.array(CIFAR10_STD) + np.array(CIFAR10_MEAN)) * 255
    rows = {raw[i].tobytes(): i for i in range(len(raw))}
    assert all(np.rint(p).astype(np.uint8).tobytes() in rows for p in pix)
    x2, y2 = ds.get_batch(32, seed=3)
    assert (x2 == x).all() and (y2 == y).all()
    x3, _ = ds.get_batch(32, seed=4)
    assert not (x3 == x).all()
    info = ds.batch_info(32)
    assert info["synthetic"] is False and info["with_replacement"] is False
    assert "cifar10_train.npz" in info["source"]
    xt, _ = ds.get_batch(8, seed=3, split="test")
    assert tuple(xt.shape) == (8, 3, 32, 32)


def test_small_samples_are_drawn_with_replacement_and_say_so():
    data = _data_dir()
    ds = Cifar100Dataset(data_dir=data)
    x, y = ds.get_batch(64, seed=0)
    assert tuple(x.shape) == (64, 3, 32, 32)
    info = ds.batch_info(64)
    assert info["images_available"] == 20 and info["with_replacement"] is True
    assert "with replacement" in info["sampling"]
    assert ds.batch_info(16)["with_replacement"] is False
    im = ImageNet16Dataset(data_dir=data)
    xi, yi = im.get_batch(300, seed=1)
    assert tuple(xi.shape) == (300, 3, 16, 16) and int(yi.max()) < 120
    assert im.batch_info(300)["with_replacement"] is True


def test_missing_data_is_a_clear_error_and_synthetic_only_when_asked(tmp_path):
    with pytest.raises(DataError, match="no ImageNet16-120 images.*--synthetic-data"):
        ImageNet16Dataset(data_dir=tmp_path).get_batch(4, seed=0)
    # the packaged CIFAR-10 sample holds training images only
    with pytest.raises(DataError, match="no cifar10 images.*train images only.*nasplug data fetch cifar10"):
        Cifar10Dataset(data_dir=tmp_path).get_batch(4, seed=0, split="test")
    syn = Cifar10Dataset(data_dir=tmp_path, synthetic=True)
    x, y = syn.get_batch(4, seed=0)
    assert tuple(x.shape) == (4, 3, 32, 32)
    assert syn.batch_info(4)["synthetic"] is True and "synthetic" in syn.describe()
    assert (syn.get_batch(4, seed=0)[0] == x).all()


def _write_pickle(path: Path, obj) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "wb") as fh:
        pickle.dump(obj, fh, protocol=2)


def test_official_imagenet16_format_keeps_first_120_classes(tmp_path):
    clear_cache()
    rng = np.random.default_rng(0)
    root = tmp_path / "ImageNet16"
    labels = np.array([1, 120, 121, 1000, 5, 64])  # 1-based; 121 and 1000 are dropped
    rows = rng.integers(0, 256, size=(len(labels), 3 * 16 * 16), dtype=np.uint8)
    _write_pickle(root / "train_data_batch_1", {"data": rows, "labels": labels.tolist()})
    _write_pickle(root / "val_data", {"data": rows[:2], "labels": [3, 7]})
    ds = ImageNet16Dataset(data_dir=tmp_path)
    imgs = ds.images("train")
    assert imgs.y.tolist() == [0, 119, 4, 63]
    # channel-major rows -> HWC: pixel (0, 0) of image 0 is (R, G, B) = rows[0][0], [256], [512]
    assert imgs.x[0, 0, 0].tolist() == [rows[0, 0], rows[0, 256], rows[0, 512]]
    x, y = ds.get_batch(4, seed=0)
    assert tuple(x.shape) == (4, 3, 16, 16)
    assert "ImageNet16/" in ds.batch_info(4)["source"]
    pix = x.permute(0, 2, 3, 1).numpy() * np.array(IMAGENET16_STD) + np.array(IMAGENET16_MEAN)
    known = {imgs.x[i].tobytes() for i in range(len(imgs.x))}
    assert all(np.rint(p * 255).astype(np.uint8).tobytes() in known for p in pix)
    assert ds.images("test").y.tolist() == [2, 6]
    clear_cache()


def test_official_cifar_folder_wins_over_npz_and_rejects_code(tmp_path):
    clear_cache()
    rows = np.arange(2 * 3072, dtype=np.int64).astype(np.uint8).reshape(2, 3072)
    folder = tmp_path / "cifar-10-batches-py"
    for name in [f"data_batch_{i}" for i in range(1, 6)]:
        _write_pickle(folder / name, {b"data": rows, b"labels": [3, 4]})
    _write_pickle(folder / "test_batch", {b"data": rows[:1], b"labels": [9]})
    ds = Cifar10Dataset(data_dir=tmp_path)
    imgs = ds.images("train")
    assert len(imgs.x) == 10 and imgs.y.tolist() == [3, 4] * 5
    assert ds.images("test").y.tolist() == [9]
    # a pickle that would call a function is refused
    _write_pickle(folder / "test_batch", {b"data": rows[:1], b"labels": [9], b"x": os.system})
    clear_cache()
    with pytest.raises(DataError, match="refusing"):
        Cifar10Dataset(data_dir=tmp_path).images("test")
    clear_cache()


def test_builtin_datasets_are_registered_by_the_core_plugin():
    from nasplug import get_registry

    names = get_registry().names("datasets")
    assert {"cifar10", "cifar100", "ImageNet16-120"} <= set(names)
    assert get_registry().entry("datasets", "cifar10").distribution == "nasplug"


def _pixels(x, mean, std):
    """Undo the normalisation: NHWC values in [0, 1]."""
    return x.permute(0, 2, 3, 1).numpy() * np.array(std) + np.array(mean)


@pytest.mark.parametrize("cls, mean, std, pad", [(Cifar10Dataset, CIFAR10_MEAN, CIFAR10_STD, 4),
                                                 (ImageNet16Dataset, IMAGENET16_MEAN, IMAGENET16_STD, 2)])
def test_augment_crops_the_zero_padded_image_and_flips_as_naslib(cls, mean, std, pad):
    data = _data_dir()
    plain_ds, aug_ds = cls(data_dir=data), cls(data_dir=data, augment=True)
    x, y = plain_ds.get_batch(32, seed=5)
    xa, ya = aug_ds.get_batch(32, seed=5)
    assert (ya == y).all()  # the same images, only transformed
    assert tuple(xa.shape) == tuple(x.shape)
    xa2, _ = aug_ds.get_batch(32, seed=5)
    assert (xa2 == xa).all()  # seeded
    plain, aug = _pixels(x, mean, std), _pixels(xa, mean, std)
    side = plain.shape[1]
    padded = np.pad(plain, ((0, 0), (pad, pad), (pad, pad), (0, 0)))  # black, as RandomCrop(padding=)
    offsets, flips = set(), 0
    for n in range(len(x)):
        windows = {(i, j): padded[n, i:i + side, j:j + side]
                   for i in range(2 * pad + 1) for j in range(2 * pad + 1)}
        found = [(i, j, f) for (i, j), w in windows.items() for f in (False, True)
                 if np.allclose(w[:, ::-1] if f else w, aug[n], atol=1e-5)]
        assert found, f"image {n} is not a (flipped) window of the padded image"
        offsets.add(found[0][:2])
        flips += found[0][2]
    assert len(offsets) > 3 and 0 < flips < len(x)  # random crops and flips, not one fixed shift
    info = aug_ds.batch_info(32)
    assert info["augmentation"] == (f"NASLib's training transforms: RandomCrop({side}, padding={pad}), "
                                    "RandomHorizontalFlip")
    assert "augmentation" not in plain_ds.batch_info(32)


def test_augment_leaves_the_test_split_and_synthetic_data_alone():
    data = _data_dir()
    plain, aug = Cifar10Dataset(data_dir=data), Cifar10Dataset(data_dir=data, augment=True)
    assert (aug.get_batch(8, seed=1, split="test")[0] == plain.get_batch(8, seed=1, split="test")[0]).all()
    assert aug.augmentation("test") is None and "augmentation" not in aug.batch_info(8, split="test")
    syn = Cifar10Dataset(synthetic=True, augment=True)
    assert syn.augmentation() is None
    assert (syn.get_batch(4, seed=0)[0] == Cifar10Dataset(synthetic=True).get_batch(4, seed=0)[0]).all()
