"""The SQLite score store: keys, failed cells, persistence across connections."""

from nasplug.store import ScoreStore, StoreKey

KEY = StoreKey("synflow", "0.1.0+abc", "nasbench201/cifar10", 0, "bs=64;split=train;data=npz")


def test_put_lookup_and_persistence(tmp_path):
    path = tmp_path / "s.sqlite"
    with ScoreStore(path) as store:
        store.put(KEY, "a", 1.5, seconds=0.2)
        store.put(KEY, "b", float("nan"))
        store.put(KEY, "c", None, error="RuntimeError: boom")
        assert store.count(KEY) == 3
    with ScoreStore(path) as store:  # committed: a new connection sees everything
        got = store.lookup(KEY, ["a", "b", "c", "d"])
    assert set(got) == {"a", "b", "c"}
    assert got["a"].score == 1.5 and not got["a"].failed and got["a"].seconds == 0.2
    assert got["b"].failed and got["b"].score is None and "nan" in got["b"].error
    assert got["c"].failed and got["c"].error == "RuntimeError: boom"


def test_every_key_field_separates_scores(tmp_path):
    with ScoreStore(tmp_path / "s.sqlite") as store:
        store.put(KEY, "a", 1.0)
        for other in (StoreKey("snip", KEY.version, KEY.task, 0, KEY.batch),
                      StoreKey(KEY.predictor, "0.2.0", KEY.task, 0, KEY.batch),
                      StoreKey(KEY.predictor, KEY.version, "nasbench201/cifar100", 0, KEY.batch),
                      StoreKey(KEY.predictor, KEY.version, KEY.task, 1, KEY.batch),
                      StoreKey(KEY.predictor, KEY.version, KEY.task, 0, "bs=32;split=train;data=npz")):
            assert store.lookup(other, ["a"]) == {}
        assert store.lookup(KEY, ["a"])["a"].score == 1.0


def test_default_location_is_the_cache_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("NASPLUG_CACHE", str(tmp_path / "cache"))
    with ScoreStore() as store:
        assert store.path == tmp_path / "cache" / "scores.sqlite"
    assert store.path.is_file()


def test_large_lookups_are_chunked(tmp_path):
    archs = [f"arch{i}" for i in range(1500)]
    with ScoreStore(tmp_path / "s.sqlite") as store:
        for i, a in enumerate(archs[::3]):
            store.put(KEY, a, float(i))
        got = store.lookup(KEY, archs)
    assert len(got) == 500 and got["arch3"].score == 1.0
