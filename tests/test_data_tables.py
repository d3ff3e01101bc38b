"""nasplug.tables: the user's data directory first, else the table packaged in a plugin."""

import gzip
import hashlib
import sys

import pytest

from nasplug.errors import DataError
from nasplug.tables import TableSource, locate_table

CSV = "arch,acc\na,1.5\nb,2.5\n"


@pytest.fixture
def fake_plugin(tmp_path, monkeypatch):
    """A throwaway importable package ``fakebench`` with ``data/t.csv.gz``."""
    root = tmp_path / "site"
    pkg = root / "fakebench"
    (pkg / "data").mkdir(parents=True)
    (pkg / "__init__.py").write_text("")
    (pkg / "data" / "t.csv.gz").write_bytes(gzip.compress(CSV.encode(), mtime=0))
    monkeypatch.syspath_prepend(str(root))
    sys.modules.pop("fakebench", None)
    yield pkg
    sys.modules.pop("fakebench", None)


def locate(data_dir, **kw):
    return locate_table("benchmarks/t.csv", package="fakebench", distribution="fake-bench",
                        data_dir=data_dir, what="Fake", source="the fake release", **kw)


def test_packaged_when_the_data_directory_has_none(tmp_path, fake_plugin):
    src = locate(tmp_path / "empty")
    assert src.packaged and src.path is None and src.location == "fakebench/data/t.csv.gz"
    assert src.read_csv() == [["arch", "acc"], ["a", "1.5"], ["b", "2.5"]]
    info = src.info()
    assert info["origin"] == "packaged" and info["rows"] == 2
    assert info["sha256"] == hashlib.sha256(CSV.encode()).hexdigest()  # of the uncompressed bytes
    assert "packaged copy in fake-bench" in src.describe()


def test_user_file_wins_plain_or_gzip(tmp_path, fake_plugin):
    (tmp_path / "benchmarks").mkdir()
    user = tmp_path / "benchmarks" / "t.csv.gz"
    user.write_bytes(gzip.compress(b"arch,acc\nz,9\n"))
    src = locate(tmp_path)
    assert src.origin == "user" and src.path == user and src.info()["rows"] == 1
    plain = tmp_path / "benchmarks" / "t.csv"
    plain.write_text(CSV)
    src = locate(tmp_path)
    assert src.path == plain and src.info()["sha256"] == locate(tmp_path / "x").info()["sha256"]
    assert src.cache_key() != locate(tmp_path / "x").cache_key()


def test_data_dir_from_environment(tmp_path, fake_plugin, monkeypatch):
    (tmp_path / "benchmarks").mkdir()
    (tmp_path / "benchmarks" / "t.csv").write_text(CSV)
    monkeypatch.setenv("NASPLUG_DATA", str(tmp_path))
    assert locate(None).origin == "user"


@pytest.mark.parametrize("payload,why", [
    (b"\x1f\x8b\x08\x00garbage", "cannot read it"),
    (gzip.compress(b"\xff\xfe\x00bad"), "not UTF-8"),
    (gzip.compress(CSV.encode())[:-12], "cannot read it"),          # truncated download
])
def test_corrupt_packaged_table_is_one_clear_line(tmp_path, fake_plugin, payload, why):
    (fake_plugin / "data" / "t.csv.gz").write_bytes(payload)
    with pytest.raises(DataError) as info:
        locate(tmp_path / "empty").read_csv()
    message = str(info.value)
    assert "\n" not in message and why in message
    assert message.startswith("corrupt Fake table (packaged copy in fake-bench")
    assert "pip install --force-reinstall fake-bench" in message and "benchmarks/t.csv" in message


def test_corrupt_user_table_names_the_file(tmp_path, fake_plugin):
    (tmp_path / "benchmarks").mkdir()
    bad = tmp_path / "benchmarks" / "t.csv"
    bad.write_bytes(b"\x1f\x8bnot really gzip")
    with pytest.raises(DataError, match=r"corrupt Fake table \(user file .*t\.csv\): cannot read.*"
                                        r"the fake release.*delete it"):
        locate(tmp_path).read_csv()
    src = locate(tmp_path)
    assert str(src.corrupt("no 'arch' column")).startswith(f"corrupt Fake table (user file {bad}): no 'arch'")


def test_neither_user_nor_packaged_is_a_clear_error(tmp_path, fake_plugin):
    (fake_plugin / "data" / "t.csv.gz").unlink()
    with pytest.raises(DataError) as info:
        locate(tmp_path)
    message = str(info.value)
    assert "benchmarks/t.csv" in message and str(tmp_path) in message and "fake-bench" in message
    with pytest.raises(DataError, match="no packaged copy"):
        locate_table("benchmarks/t.csv", package="no_such_package_xyz", data_dir=tmp_path)


def test_source_is_a_plain_value():
    src = TableSource(name="benchmarks/t.csv", origin="packaged", package="p", resource="data/t.csv.gz")
    assert src == TableSource(name="benchmarks/t.csv", origin="packaged", package="p", resource="data/t.csv.gz")
    assert src.location == "p/data/t.csv.gz" and src.packaged
