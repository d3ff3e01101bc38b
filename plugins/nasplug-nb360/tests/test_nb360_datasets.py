"""Datasets svhn / ninapro / scifar100 on small files the tests write in the official formats,
missing files, synthetic inputs, and bad files (one line naming the file and the shape expected)."""

from __future__ import annotations

import gzip
import pickle

import numpy as np
import pytest
import torch
from click.testing import CliRunner
from scipy.io import savemat

import nasplug
from nasplug.data import get_dataset
from nasplug.errors import DataError
from nasplug_nb360 import datasets as nbd
from nasplug_nb360 import formats

torch.set_num_threads(1)


@pytest.fixture(autouse=True)
def _fresh_cache():
    nbd.clear_cache()
    yield
    nbd.clear_cache()


# -- writers of the official formats ------------------------------------------------------------
def write_svhn(root, n_train=12, n_test=5, seed=0):
    """torchvision's SVHN .mat files: X uint8 [32, 32, 3, N], y [N, 1] with 10 = digit 0."""
    rng = np.random.default_rng(seed)
    out = {}
    for split, n in (("train", n_train), ("test", n_test)):
        x = rng.integers(0, 256, size=(32, 32, 3, n), dtype=np.uint8)
        y = (np.arange(n) % 10 + 1).reshape(n, 1).astype(np.uint8)  # 1..10
        savemat(root / formats.SVHN_FILES[split], {"X": x, "y": y})
        out[split] = (x, y)
    return out


def write_ninapro(root, sizes=(("train", 7), ("val", 3), ("test", 4)), seed=0):
    """NAS-Bench-360's ninapro_<part>.npy float [N, 52, 16] and label_<part>.npy int [N]."""
    folder = root / "ninapro"
    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    out = {}
    for part, n in sizes:
        x = rng.standard_normal((n, 52, 16)).astype(np.float64)
        y = rng.integers(0, 18, size=n)
        np.save(folder / f"ninapro_{part}.npy", x)
        np.save(folder / f"label_{part}.npy", y)
        out[part] = (x, y)
    return out


def write_spherical(path, n_train=6, n_test=3, seed=0, images=None):
    """NAS-Bench-360's s2_cifar100.gz: gzip pickle of {split: {"images": [N, 3, 60, 60], "labels": [N]}}."""
    rng = np.random.default_rng(seed)
    data = {split: {"images": rng.integers(0, 256, size=(n, 3, 60, 60), dtype=np.uint8) if images is None
                    else images, "labels": rng.integers(0, 100, size=n)}
            for split, n in (("train", n_train), ("test", n_test))}
    with gzip.open(path, "wb") as fh:
        pickle.dump(data, fh)
    return data


# -- SVHN -------------------------------------------------------------------------------------------
def test_svhn_batches_are_torchvisions_images_normalised(tmp_path):
    raw = write_svhn(tmp_path)
    ds = get_dataset("svhn", data_dir=tmp_path)
    info = ds.batch_info(4, "train")
    assert info["images_available"] == 12 and not info["synthetic"] and not info["with_replacement"]
    assert "train_32x32.mat" not in info["source"] or "torchvision SVHN" in info["source"]
    x, y = ds.get_batch(4, seed=3)
    assert x.shape == (4, 3, 32, 32) and x.dtype == torch.float32 and y.dtype == torch.int64
    # the same images by hand: pick the same indices, HWC -> CHW, /255, SVHN mean/std
    idx = np.random.default_rng([3, 0]).choice(12, size=4, replace=False)
    ref = torch.from_numpy(raw["train"][0].transpose(3, 2, 0, 1)[idx].astype(np.float32) / 255.0)
    ref = (ref - torch.tensor(nbd.SVHN_MEAN).view(1, 3, 1, 1)) / torch.tensor(nbd.SVHN_STD).view(1, 3, 1, 1)
    assert torch.allclose(x, ref, atol=1e-6)
    labels = raw["train"][1].reshape(-1)[idx].astype(np.int64)
    labels[labels == 10] = 0  # torchvision: label 10 is the digit 0
    assert y.tolist() == labels.tolist()
    x2, y2 = ds.get_batch(4, seed=3)
    assert torch.equal(x, x2) and torch.equal(y, y2)
    xt, _ = ds.get_batch(8, seed=0, split="test")  # 5 test images: drawn with replacement
    assert xt.shape[0] == 8 and ds.batch_info(8, "test")["with_replacement"]


def test_svhn_augment_is_naslibs_crop_and_flip_on_the_same_images(tmp_path):
    write_svhn(tmp_path)
    plain = get_dataset("svhn", data_dir=tmp_path)
    aug = get_dataset("svhn", data_dir=tmp_path, augment=True)
    assert aug.supports_augment and "RandomCrop(32, padding=4)" in aug.batch_info(4)["augmentation"]
    xp, yp = plain.get_batch(6, seed=1)
    xa, ya = aug.get_batch(6, seed=1)
    assert torch.equal(yp, ya) and not torch.equal(xp, xa)
    assert "augmentation" not in aug.batch_info(4, "test")  # NASLib augments only training batches


def test_svhn_also_found_in_a_svhn_folder(tmp_path):
    (tmp_path / "svhn").mkdir()
    write_svhn(tmp_path / "svhn")
    assert get_dataset("svhn", data_dir=tmp_path).batch_info(2)["images_available"] == 12


# -- NinaPro ------------------------------------------------------------------------------------------
def test_ninapro_is_nb360s_arrays_transposed_one_channel(tmp_path):
    raw = write_ninapro(tmp_path)
    ds = get_dataset("ninapro", data_dir=tmp_path)
    assert ds.input_shape == (1, 16, 52) and ds.num_classes == 18
    assert ds.batch_info(4)["images_available"] == 10  # train + val, as NASLib
    assert ds.batch_info(4, "test")["images_available"] == 4
    x, y = ds.get_batch(5, seed=2)
    assert x.shape == (5, 1, 16, 52) and x.dtype == torch.float32
    allx = np.concatenate([raw["train"][0], raw["val"][0]]).transpose(0, 2, 1)[:, None]
    ally = np.concatenate([raw["train"][1], raw["val"][1]])
    idx = np.random.default_rng([2, 0]).choice(10, size=5, replace=False)
    assert np.allclose(x.numpy(), allx[idx].astype(np.float32)) and y.tolist() == ally[idx].tolist()


# -- Spherical CIFAR-100 -----------------------------------------------------------------------------
def test_spherical_is_nb360s_pickle_as_float(tmp_path):
    raw = write_spherical(tmp_path / "s2_cifar100.gz")
    ds = get_dataset("scifar100", data_dir=tmp_path)
    x, y = ds.get_batch(4, seed=0, split="test")  # 3 test images: with replacement
    idx = np.random.default_rng([0, 1]).choice(3, size=4, replace=True)
    assert x.shape == (4, 3, 60, 60) and x.dtype == torch.float32
    assert np.array_equal(x.numpy(), raw["test"]["images"][idx].astype(np.float32))  # no normalisation
    assert y.tolist() == raw["test"]["labels"][idx].tolist()
    assert ds.batch_info(2)["images_available"] == 6


def test_spherical_uncompressed_copy_in_spherical_folder(tmp_path):
    (tmp_path / "spherical").mkdir()
    raw = write_spherical(tmp_path / "tmp.gz")
    (tmp_path / "spherical" / "s2_cifar100").write_bytes(gzip.decompress((tmp_path / "tmp.gz").read_bytes()))
    x, _ = get_dataset("scifar100", data_dir=tmp_path).get_batch(6, seed=0)
    assert x.shape == (6, 3, 60, 60) and x.numpy().max() <= raw["train"]["images"].max()


# -- no images, synthetic ----------------------------------------------------------------------------
@pytest.mark.parametrize("name, looked_for", [("svhn", "train_32x32.mat"), ("ninapro", "ninapro_{train,val,test}.npy"),
                                              ("scifar100", "s2_cifar100.gz")])
def test_missing_files_say_no_images_are_present(tmp_path, name, looked_for):
    ds = get_dataset(name, data_dir=tmp_path)
    for call in (lambda: ds.batch_info(8), lambda: ds.get_batch(8, seed=0)):
        with pytest.raises(DataError) as err:
            call()
        text = str(err.value)
        assert "no " in text and "images are present" in text and looked_for in text
        assert str(tmp_path) in text and "--synthetic-data" in text and "\n" not in text
    assert ds.describe() == f"{name} (no images)"


@pytest.mark.parametrize("name, shape, classes", [("svhn", (3, 32, 32), 10), ("ninapro", (1, 16, 52), 18),
                                                  ("scifar100", (3, 60, 60), 100)])
def test_synthetic_inputs_have_the_tasks_shape_and_say_so(tmp_path, name, shape, classes):
    ds = get_dataset(name, data_dir=tmp_path, synthetic=True)
    x, y = ds.get_batch(7, seed=4)
    assert x.shape == (7, *shape) and int(y.max()) < classes and int(y.min()) >= 0
    assert torch.equal(x, ds.get_batch(7, seed=4)[0]) and not torch.equal(x, ds.get_batch(7, seed=5)[0])
    info = ds.batch_info(7)
    assert info["synthetic"] and "synthetic" in info["source"] and ds.describe() == f"{name} (synthetic)"


# -- bad files: one line naming the file and the shape expected -------------------------------------
def test_ninapro_wrong_shape_names_file_and_expected_shape(tmp_path):
    write_ninapro(tmp_path)
    bad = tmp_path / "ninapro" / "ninapro_val.npy"
    np.save(bad, np.zeros((3, 16, 52), dtype=np.float32))  # transposed already: wrong
    with pytest.raises(DataError) as err:
        get_dataset("ninapro", data_dir=tmp_path).get_batch(2, seed=0)
    text = str(err.value)
    assert str(bad) in text and "(3, 16, 52)" in text and "[N, 52, 16]" in text and "\n" not in text


def test_ninapro_wrong_type_and_labels(tmp_path):
    write_ninapro(tmp_path)
    folder = tmp_path / "ninapro"
    np.save(folder / "ninapro_test.npy", np.array(["a"] * 4 * 52 * 16).reshape(4, 52, 16))
    with pytest.raises(DataError, match=r"ninapro_test\.npy.*<U1.*expected float \[N, 52, 16\]"):
        get_dataset("ninapro", data_dir=tmp_path).get_batch(2, seed=0, split="test")
    write_ninapro(tmp_path)
    np.save(folder / "label_train.npy", np.arange(6))  # 7 windows, 6 labels
    with pytest.raises(DataError, match=r"label_train\.npy.*expected integer \[7\] gesture labels 0\.\.17"):
        get_dataset("ninapro", data_dir=tmp_path).get_batch(2, seed=0)
    nbd.clear_cache()
    np.save(folder / "label_train.npy", np.full(7, 18))
    with pytest.raises(DataError, match=r"labels 18\.\.18; expected"):
        get_dataset("ninapro", data_dir=tmp_path).get_batch(2, seed=0)


def test_ninapro_object_array_is_refused_not_unpickled(tmp_path):
    write_ninapro(tmp_path)
    np.save(tmp_path / "ninapro" / "label_val.npy", np.array([{"x": 1}] * 3, dtype=object), allow_pickle=True)
    with pytest.raises(DataError, match=r"label_val\.npy.*cannot be read without unpickling"):
        get_dataset("ninapro", data_dir=tmp_path).get_batch(2, seed=0)


def test_spherical_wrong_shape_names_file_and_expected_shape(tmp_path):
    path = tmp_path / "s2_cifar100.gz"
    write_spherical(path, images=np.zeros((6, 60, 60, 3), dtype=np.uint8))  # HWC: wrong
    with pytest.raises(DataError) as err:
        get_dataset("scifar100", data_dir=tmp_path).get_batch(2, seed=0)
    text = str(err.value)
    assert str(path) in text and "(6, 60, 60, 3)" in text and "[N, 3, 60, 60]" in text and "\n" not in text


class _Evil:
    def __reduce__(self):
        import os

        return (os.system, ("echo pwned",))


def test_spherical_pickle_with_code_is_refused(tmp_path):
    path = tmp_path / "s2_cifar100.gz"
    with gzip.open(path, "wb") as fh:
        pickle.dump({"train": {"images": _Evil(), "labels": []}}, fh)
    with pytest.raises(DataError, match=r"s2_cifar100\.gz.*refusing to load (posix|nt)\.system"):
        get_dataset("scifar100", data_dir=tmp_path).get_batch(2, seed=0)
    path.write_bytes(b"not a pickle at all")
    with pytest.raises(DataError, match=r"cannot read Spherical CIFAR-100 file .*s2_cifar100\.gz"):
        get_dataset("scifar100", data_dir=tmp_path).get_batch(2, seed=0)


def test_svhn_wrong_layout_names_file(tmp_path):
    write_svhn(tmp_path)
    savemat(tmp_path / "train_32x32.mat", {"X": np.zeros((4, 32, 32, 3), dtype=np.uint8),
                                           "y": np.ones((4, 1), dtype=np.uint8)})
    with pytest.raises(DataError, match=r"train_32x32\.mat.*\(4, 32, 32, 3\).*expected X uint8 \[32, 32, 3, N\]"):
        get_dataset("svhn", data_dir=tmp_path).get_batch(2, seed=0)


def test_bad_file_through_the_cli_is_one_line_and_exit_1(tmp_path, monkeypatch):
    from nasplug.cli import cli

    write_ninapro(tmp_path)
    np.save(tmp_path / "ninapro" / "ninapro_train.npy", np.zeros((7, 52), dtype=np.float32))
    monkeypatch.setenv("NASPLUG_CACHE", str(tmp_path / "cache"))
    res = CliRunner().invoke(cli, ["eval", "--predictor", "snip", "--benchmark", "nasbench201/ninapro",
                                   "--test-size", "2", "--data-dir", str(tmp_path)])
    assert res.exit_code == 1
    err = [line for line in res.output.splitlines() if line.strip()]
    assert any("ninapro_train.npy" in line and "[N, 52, 16]" in line for line in err), res.output
    assert "Traceback" not in res.output


def test_registered_through_the_plugin():
    registry = nasplug.get_registry()
    for name in ("svhn", "ninapro", "scifar100"):
        assert registry.get("datasets", name) is nbd.DATASET_CLASSES[name]


# -- SVHN download (torchvision's code against a local server: tests never reach the internet) ---
def _serve(folder):
    import functools
    import http.server
    import threading

    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(folder))
    handler.log_message = lambda *a, **k: None
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def _point_svhn_at(monkeypatch, base_url, md5s):
    from torchvision.datasets import SVHN

    table = {split: [f"{base_url}/{name}", name, md5s.get(split, "0" * 32)]
             for split, name in formats.SVHN_FILES.items()}
    monkeypatch.setattr(SVHN, "split_list", table)


def test_download_svhn_puts_checked_files_in_place(tmp_path, monkeypatch):
    import hashlib

    served = tmp_path / "served"
    served.mkdir()
    write_svhn(served)
    md5s = {s: hashlib.md5((served / n).read_bytes()).hexdigest() for s, n in formats.SVHN_FILES.items()}
    server = _serve(served)
    try:
        _point_svhn_at(monkeypatch, f"http://127.0.0.1:{server.server_port}", md5s)
        data = tmp_path / "data"
        ds = get_dataset("svhn", data_dir=data, download=True)
        x, _ = ds.get_batch(3, seed=0)
    finally:
        server.shutdown()
    assert x.shape == (3, 3, 32, 32)
    assert sorted(p.name for p in data.iterdir()) == sorted(formats.SVHN_FILES.values())


def test_download_svhn_without_network_is_one_line_and_leaves_nothing(tmp_path, monkeypatch):
    _point_svhn_at(monkeypatch, "http://127.0.0.1:9", {})  # discard port: connection refused
    data = tmp_path / "data"
    with pytest.raises(DataError) as err:
        get_dataset("svhn", data_dir=data, download=True).get_batch(2, seed=0)
    assert "downloading SVHN train_32x32.mat failed" in str(err.value) and "\n" not in str(err.value)
    assert list(data.iterdir()) == []


def test_download_svhn_with_a_bad_checksum_leaves_nothing(tmp_path, monkeypatch):
    served = tmp_path / "served"
    served.mkdir()
    write_svhn(served)
    server = _serve(served)
    try:
        _point_svhn_at(monkeypatch, f"http://127.0.0.1:{server.server_port}", {})  # wrong MD5s
        data = tmp_path / "data"
        with pytest.raises(DataError, match="downloading SVHN train_32x32.mat failed"):
            get_dataset("svhn", data_dir=data, download=True).get_batch(2, seed=0)
    finally:
        server.shutdown()
    assert list(data.iterdir()) == []


def test_nasplug_data_fetch_svhn_dispatches_to_the_plugin_and_fails_offline_in_one_line(tmp_path, monkeypatch):
    from click.testing import CliRunner

    from nasplug.cli import cli

    _point_svhn_at(monkeypatch, "http://127.0.0.1:9", {})  # discard port: connection refused
    res = CliRunner().invoke(cli, ["data", "fetch", "svhn", "--data-dir", str(tmp_path)])
    assert res.exit_code == 1
    errors = [line for line in res.output.splitlines() if line.startswith("Error:")]
    assert len(errors) == 1 and "SVHN" in errors[0], res.output
    assert list(tmp_path.iterdir()) == []
    res = CliRunner().invoke(cli, ["data", "fetch", "mnist"])
    assert res.exit_code == 1 and "cifar10, cifar100 or svhn" in res.output
