"""`nasplug data`: the report, `fetch` (never over the network here) and `import`."""

import hashlib
import io
import json
import pickle
import shutil
import tarfile
from importlib.resources import files
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from nasplug.cli import cli
from nasplug.data import Cifar10Dataset, clear_cache

SHARED = Path(__file__).resolve().parents[1].parent / "shared" / "data"
NB201_SAMPLE = SHARED / "naslib" / "zc_nasbench201_sample.json"


def run(*args, env=None):
    return CliRunner().invoke(cli, ["data", *args], env=env)


def one_error_line(res) -> str:
    lines = res.stderr.strip().splitlines()
    assert res.exit_code == 1 and len(lines) == 1 and lines[0].startswith("Error: "), (res.exit_code, res.stderr)
    return lines[0]


def leftovers(root: Path) -> list[str]:
    return sorted(str(p.relative_to(root)) for p in root.rglob("*")) if root.exists() else []


@pytest.fixture
def empty_data(tmp_path, monkeypatch):
    root = tmp_path / "data"
    monkeypatch.setenv("NASPLUG_DATA", str(root))
    return root


def _task(report, name):
    return next(t for t in report["tasks"] if f"{t['benchmark']}/{t['task']}" == name)


def test_report_without_user_files_names_the_packaged_data(empty_data):
    res = run("--json")
    assert res.exit_code == 0, res.stderr
    report = json.loads(res.stdout)
    assert report["data_dir"] == str(empty_data) and report["data_dir_exists"] is False
    c10 = _task(report, "nasbench201/cifar10")
    (table,) = c10["files"]
    assert table["origin"] == "packaged" and table["rows"] == 15625
    assert table["location"] == "nasplug_nb201/data/nb201.csv.gz" and table["distribution"] == "nasplug-nb201"
    assert c10["images"] == {"status": "ok", "source": "packaged CIFAR-10 sample, 320 images", "count": 320,
                             "hint": None}
    assert _task(report, "nasbench201/cifar100")["images"]["source"] == "packaged CIFAR-100 sample, 20 images"
    imagenet = _task(report, "nasbench201/ImageNet16-120")["images"]
    assert imagenet["status"] == "missing" and "ImageNet16-120/" in imagenet["hint"]
    assert "data-free predictors" in imagenet["hint"]
    assert _task(report, "nasbench301/cifar10")["files"][0]["rows"] == 1218
    assert _task(report, "transbench101_micro/jigsaw")["files"][0]["rows"] == 4096
    text = run()
    assert text.exit_code == 0
    assert "packaged in nasplug-nb201 (nasplug_nb201/data/nb201.csv.gz), 15,625 rows" in text.stdout
    assert not empty_data.exists()  # reporting writes nothing


def test_report_names_the_users_files_and_their_hash(tmp_path):
    if not (SHARED / "benchmarks" / "nb201.csv").is_file():
        pytest.skip("needs ../shared/data")
    (tmp_path / "benchmarks").mkdir()
    shutil.copy(SHARED / "benchmarks" / "nb201.csv", tmp_path / "benchmarks" / "nb201.csv")
    report = json.loads(run("--json", "--data-dir", str(tmp_path)).stdout)
    (table,) = _task(report, "nasbench201/cifar100")["files"]
    assert table["origin"] == "user" and table["location"] == str(tmp_path / "benchmarks" / "nb201.csv")
    assert table["sha256"] == hashlib.sha256((SHARED / "benchmarks" / "nb201.csv").read_bytes()).hexdigest()


def test_corrupt_user_table_is_reported_and_fails_eval_in_one_line(tmp_path):
    (tmp_path / "benchmarks").mkdir()
    (tmp_path / "benchmarks" / "nb201.csv").write_text("arch_str,cifar10_test_acc\n|bad|,1\n")
    res = run("--data-dir", str(tmp_path))
    assert res.exit_code == 1
    assert "CORRUPT: corrupt NAS-Bench-201 table (user file " in res.stdout
    ev = CliRunner().invoke(cli, ["eval", "--predictor", "params", "--benchmark",
                                                  "nasbench201/cifar10", "--data-dir", str(tmp_path)])
    line = one_error_line(ev)
    assert "corrupt NAS-Bench-201 table" in line and "missing column" in line


def test_unknown_command_and_target_are_one_line(empty_data):
    assert "unknown 'nasplug data' command 'frobnicate'" in one_error_line(run("frobnicate"))
    assert "unknown data target 'imagenet'" in one_error_line(run("fetch", "imagenet"))
    assert not empty_data.exists()


# -- fetch: torchvision's real download code, on local or unreachable URLs only ----------

def _fake_cifar10_archive(folder: Path):
    """A tar.gz in the official layout holding real images of the packaged sample."""
    with np.load(files("nasplug.data").joinpath("samples", "cifar10_train_sample.npz")) as z:
        x, y = z["x"], z["y"]
    rows = x.transpose(0, 3, 1, 2).reshape(len(x), -1)
    members, md5s = {}, {}
    names = [f"data_batch_{i}" for i in range(1, 6)] + ["test_batch"]
    for i, name in enumerate(names):
        sl = slice(i * 20, (i + 1) * 20)
        members[name] = pickle.dumps({b"data": rows[sl], b"labels": y[sl].tolist()})
    members["batches.meta"] = pickle.dumps({b"label_names": [b"c%d" % i for i in range(10)]})
    archive = folder / "cifar-10-python.tar.gz"
    with tarfile.open(archive, "w:gz") as tar:
        for name, blob in members.items():
            info = tarfile.TarInfo(f"cifar-10-batches-py/{name}")
            info.size = len(blob)
            tar.addfile(info, io.BytesIO(blob))
            md5s[name] = hashlib.md5(blob).hexdigest()
    return archive, md5s, names


@pytest.fixture
def local_http(tmp_path):
    """A web server on the loopback interface serving ``tmp_path/www`` (no network needed)."""
    import functools
    import http.server
    import threading

    www = tmp_path / "www"
    www.mkdir()
    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args):
            pass

    handler = functools.partial(Quiet, directory=str(www))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield www, f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def _point_torchvision_at(monkeypatch, url, archive_md5, md5s, names):
    from torchvision.datasets import CIFAR10

    monkeypatch.setattr(CIFAR10, "url", url)
    monkeypatch.setattr(CIFAR10, "tgz_md5", archive_md5)
    monkeypatch.setattr(CIFAR10, "train_list", [[n, md5s[n]] for n in names[:5]])
    monkeypatch.setattr(CIFAR10, "test_list", [[names[5], md5s[names[5]]]])


def test_fetch_without_network_is_one_line_and_leaves_nothing(tmp_path, monkeypatch):
    pytest.importorskip("torchvision")
    from torchvision.datasets import CIFAR10

    # nothing listens on the discard port of the loopback interface: a refused connection
    monkeypatch.setattr(CIFAR10, "url", "http://127.0.0.1:9/cifar-10-python.tar.gz")
    data = tmp_path / "new" / "data"
    line = one_error_line(run("fetch", "cifar10", "--data-dir", str(data)))
    assert "downloading cifar10 from http://127.0.0.1:9/" in line and "network" in line
    assert not (tmp_path / "new").exists()  # not even the folders it would have created
    existing = tmp_path / "existing"
    existing.mkdir()
    one_error_line(run("fetch", "cifar10", "--data-dir", str(existing)))
    assert leftovers(existing) == []


def test_fetch_moves_only_a_verified_folder_into_place(tmp_path, monkeypatch, local_http):
    pytest.importorskip("torchvision")
    www, base = local_http
    archive, md5s, names = _fake_cifar10_archive(tmp_path)
    good_md5 = hashlib.md5(archive.read_bytes()).hexdigest()
    data = tmp_path / "data"
    data.mkdir()
    # a truncated download: the archive's checksum fails, nothing is left
    (www / "cut.tar.gz").write_bytes(archive.read_bytes()[:500])
    _point_torchvision_at(monkeypatch, f"{base}/cut.tar.gz", good_md5, md5s, names)
    res = run("fetch", "cifar10", "--data-dir", str(data))  # stderr: the progress bar, then the error
    assert res.exit_code == 1 and res.stderr.strip().splitlines()[-1].startswith("Error: downloading cifar10")
    assert leftovers(data) == []
    # the real thing: downloaded over HTTP (loopback), checked, extracted, renamed into place
    shutil.copy(archive, www / "cifar-10-python.tar.gz")
    _point_torchvision_at(monkeypatch, f"{base}/cifar-10-python.tar.gz", good_md5, md5s, names)
    res = run("fetch", "cifar10", "--data-dir", str(data))
    assert res.exit_code == 0, res.stderr
    assert leftovers(data) == ["cifar-10-batches-py"] + [f"cifar-10-batches-py/{n}" for n in
                                                         sorted(["batches.meta", *names])]
    clear_cache()
    info = Cifar10Dataset(data_dir=data).batch_info(8)
    assert info["source"] == "cifar-10-batches-py/ (train, 100 images)"
    again = run("fetch", "cifar10", "--data-dir", str(data))  # already there: nothing downloaded
    assert again.exit_code == 0 and str(data / "cifar-10-batches-py") in again.stdout


# -- import -------------------------------------------------------------------------

@pytest.fixture
def nb201_sample(tmp_path):
    if not NB201_SAMPLE.is_file():
        pytest.skip("needs ../shared/data/naslib")
    path = tmp_path / "in" / "zc_nasbench201.json"
    path.parent.mkdir()
    shutil.copy(NB201_SAMPLE, path)
    return path


def test_import_copies_a_valid_file_where_the_benchmark_finds_it(tmp_path, nb201_sample):
    import nasplug
    from nasplug_nb201.benchmark import NasBench201Benchmark

    data = tmp_path / "data"
    res = run("import", str(nb201_sample), "--data-dir", str(data))
    assert res.exit_code == 0, res.stderr
    dest = data / "naslib" / "zc_nasbench201.json"
    assert dest.read_bytes() == nb201_sample.read_bytes()
    assert leftovers(data) == ["naslib", "naslib/zc_nasbench201.json"]
    assert "cifar10: 491" in res.stdout
    api = NasBench201Benchmark("cifar100", data_dir=data)
    assert api.zc_path == dest and api.default_metric is nasplug.Metric.VAL_ACCURACY
    assert api.query("(4, 3, 3, 3, 2, 3)", nasplug.Metric.VAL_ACCURACY) == pytest.approx(68.33999986572266)
    assert "already holds this file" in run("import", str(nb201_sample), "--data-dir", str(data)).stdout
    other = tmp_path / "zc_nasbench201_other.json"
    raw = json.loads(nb201_sample.read_text())
    raw["nasbench201"]["cifar10"].popitem()
    other.write_text(json.dumps(raw))
    assert "pass --force" in one_error_line(run("import", str(other), "--data-dir", str(data)))
    assert run("import", str(other), "--data-dir", str(data), "--force").exit_code == 0
    assert json.loads(dest.read_text()) == raw


@pytest.mark.parametrize("name,content,message", [
    ("zc_nasbench201.json", "{not json", "cannot read it as JSON"),
    ("zc_nasbench201.json", "[1, 2]", "expected one object"),
    ("zc_nasbench999.json", '{"nasbench999": {"cifar10": {}}}', "which no installed benchmark reads"),
    ("zc_nasbench201.json", '{"nasbench201": {"imagenet": {"(1, 1, 1, 1, 1, 1)": {"val_accuracy": 1}}}}',
     "dataset(s) 'imagenet'"),
    ("zc_nasbench201.json", '{"nasbench201": {"cifar10": {"(9, 9)": {"val_accuracy": 1}}}}', "not valid"),
    ("zc_nasbench201.json", '{"nasbench201": {"cifar10": {"(1, 1, 1, 1, 1, 1)": {"synflow": 1}}}}',
     "no 'val_accuracy'"),
    ("zc_nasbench301.json", '{"nasbench201": {"cifar10": {"(1, 1, 1, 1, 1, 1)": {"val_accuracy": 1}}}}',
     "not the one its name says"),
])
def test_import_refuses_malformed_or_mismatched_files_in_one_line(tmp_path, name, content, message):
    src = tmp_path / name
    src.write_text(content)
    data = tmp_path / "data"
    assert message in one_error_line(run("import", str(src), "--data-dir", str(data)))
    assert leftovers(data) == []
    assert "not found" in one_error_line(run("import", str(tmp_path / "missing.json"), "--data-dir", str(data)))


def test_corrupt_packaged_table_fails_eval_and_report_in_one_line(tmp_path, monkeypatch):
    """A damaged installation (the plugin's packaged table) is one line naming the plugin to reinstall."""
    from nasplug_nb201 import benchmark

    pkg = tmp_path / "site" / "broken_nb201_data"
    (pkg / "data").mkdir(parents=True)
    (pkg / "__init__.py").write_text("")
    good = (Path(benchmark.__file__).parent / "data" / "nb201.csv.gz").read_bytes()
    (pkg / "data" / "nb201.csv.gz").write_bytes(good[: len(good) // 2])  # a truncated install
    monkeypatch.syspath_prepend(str(tmp_path / "site"))
    monkeypatch.setattr(benchmark, "PACKAGE", "broken_nb201_data")
    empty = tmp_path / "data"
    empty.mkdir()
    ev = CliRunner().invoke(cli, ["eval", "--predictor", "params", "--benchmark", "nasbench201/cifar10",
                                  "--data-dir", str(empty), "--test-size", "2", "--no-cache"])
    line = one_error_line(ev)
    assert "corrupt NAS-Bench-201 table (packaged copy in nasplug-nb201" in line
    assert "pip install --force-reinstall nasplug-nb201" in line
    report = run("--json", "--data-dir", str(empty))
    assert report.exit_code == 1
    task = _task(json.loads(report.stdout), "nasbench201/cifar10")
    assert task["corrupt"] is True and "force-reinstall" in task["error"]
    assert leftovers(empty) == []
