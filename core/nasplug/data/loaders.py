"""Dataset instances by name (the registry's ``datasets``) and NASLib's loader helper."""

from __future__ import annotations

from typing import Any

from .contract import Dataset


def augment_option(name: str, augment: bool) -> dict:
    """``{"augment": True}`` when ``augment`` is asked for and dataset ``name`` supports it, else ``{}``
    (a dataset without NASLib's augmentation scores plain batches; its batch info says so)."""
    from ..plugins import get_registry

    if not augment:
        return {}
    return {"augment": True} if getattr(get_registry().get("datasets", name), "supports_augment", False) else {}


def get_dataset(name: str, data_dir: Any = None, synthetic: bool = False, **options: Any) -> Dataset:
    """An instance of the dataset registered as ``name`` (a benchmark task)."""
    from ..plugins import get_registry

    cls = get_registry().get("datasets", name)
    return cls(data_dir=data_dir, synthetic=synthetic, **options)


def get_train_val_loaders(config: Any = None, dataset: str | None = None, batch_size: int | None = None,
                          seed: int | None = None, data_dir: Any = None, synthetic: bool = False):
    """NASLib's ``utils.get_train_val_loaders(config)``, with nasplug's seeded batches.

    Reads ``config.dataset``, ``config.batch_size`` (default 64), ``config.seed``
    (default 0) and ``config.data`` (the data directory) unless given explicitly.
    Returns ``(train_loader, valid_loader, test_loader, train_transform,
    valid_transform)`` like NASLib; each loader is one seeded batch (train: the
    train split; valid: the train split with seed+1; test: the test split) and
    the transforms are None because batches come normalised.
    """
    def pick(explicit, attr, default):
        if explicit is not None:
            return explicit
        value = getattr(config, attr, None) if config is not None else None
        return default if value is None else value

    name = pick(dataset, "dataset", "cifar10")
    bs = int(pick(batch_size, "batch_size", 64))
    sd = int(pick(seed, "seed", 0))
    ds = get_dataset(name, data_dir=pick(data_dir, "data", None), synthetic=synthetic)
    return (ds.get_loader(bs, sd, "train"), ds.get_loader(bs, sd + 1, "train"),
            ds.get_loader(bs, sd, "test"), None, None)
