"""Registry and plugin manager behaviour with throwaway in-process plugins."""

from __future__ import annotations

import sys
import textwrap
from importlib import metadata

import pytest

import nasplug
from nasplug import hookimpl
from nasplug.errors import DuplicateNameError, PluginLoadError, UnknownNameError


class AlphaPredictor(nasplug.Predictor):
    name = "alpha"

    def query(self, graph, dataloader=None):
        return 1.0


class AlphaTwin(nasplug.Predictor):
    name = "alpha"


class PluginA:
    @hookimpl
    def register_predictors(self, register):
        register(AlphaPredictor)


class PluginB:
    @hookimpl
    def register_predictors(self, register):
        register(AlphaTwin)


class RaisingPlugin:
    @hookimpl
    def register_predictors(self, register):
        raise RuntimeError("boom in hook")


def test_registered_predictor_is_found(nasplug_pm):
    nasplug_pm.register(PluginA(), name="plugin-a")
    predictor = nasplug.get_predictor("alpha")
    assert isinstance(predictor, AlphaPredictor)
    assert predictor.method_type == "alpha"
    entry = nasplug.get_registry().entry("predictors", "alpha")
    assert entry.plugin == "plugin-a"


def test_plugin_removed_in_finally_leaves_registry_clean(nasplug_pm):
    plugin = PluginA()
    nasplug_pm.register(plugin, name="plugin-a")
    try:
        assert "alpha" in nasplug.get_registry().names("predictors")
    finally:
        nasplug_pm.unregister(plugin)
    assert "alpha" not in nasplug.get_registry().names("predictors")


def test_duplicate_names_are_refused_naming_both(nasplug_pm):
    nasplug_pm.register(PluginA(), name="plugin-a")
    nasplug_pm.register(PluginB(), name="plugin-b")
    registry = nasplug.get_registry()
    with pytest.raises(DuplicateNameError) as excinfo:
        registry.get("predictors", "alpha")
    message = str(excinfo.value)
    assert "plugin-a" in message and "plugin-b" in message
    assert registry.as_dict()["conflicts"][0]["name"] == "alpha"


def test_duplicate_names_raise_at_once_in_strict_mode(nasplug_pm, monkeypatch):
    monkeypatch.setenv("NASPLUG_STRICT_PLUGINS", "1")
    nasplug_pm.register(PluginA(), name="plugin-a")
    nasplug_pm.register(PluginB(), name="plugin-b")
    with pytest.raises(DuplicateNameError):
        nasplug.get_registry()


def test_hook_that_raises_is_reported_and_others_still_register(nasplug_pm):
    nasplug_pm.register(RaisingPlugin(), name="raiser")
    nasplug_pm.register(PluginA(), name="plugin-a")
    registry = nasplug.get_registry()
    assert registry.names("predictors") == ["alpha"]
    assert any("boom in hook" in b.error and b.name == "raiser" for b in registry.broken)


def test_unknown_name_lists_valid_names_and_close_matches(nasplug_pm):
    nasplug_pm.register(PluginA(), name="plugin-a")
    with pytest.raises(UnknownNameError) as excinfo:
        nasplug.get_predictor("alpa")
    message = str(excinfo.value)
    assert "did you mean 'alpha'" in message
    assert "valid names: alpha" in message


def test_known_builtin_that_is_not_installed_names_its_distribution(nasplug_pm):
    with pytest.raises(UnknownNameError, match=r"pip install nasplug-synflow"):
        nasplug.get_predictor("synflow")


def test_registering_without_a_name_is_reported(nasplug_pm):
    class Nameless:
        @hookimpl
        def register_predictors(self, register):
            register(object)

    nasplug_pm.register(Nameless(), name="nameless")
    registry = nasplug.get_registry()
    assert any("without a string 'name'" in b.error for b in registry.broken)


def test_misspelt_hook_fails_check_pending(nasplug_pm):
    class Typo:
        @hookimpl
        def register_predictor(self, register):  # missing "s"
            pass

    nasplug_pm.register(Typo(), name="typo")
    from pluggy import PluginValidationError

    with pytest.raises(PluginValidationError):
        nasplug_pm.check_pending()


# -- entry-point loading with fake entry points --------------------------------

def _module(tmp_path, monkeypatch, name, source):
    (tmp_path / f"{name}.py").write_text(textwrap.dedent(source))
    monkeypatch.syspath_prepend(str(tmp_path))
    sys.modules.pop(name, None)
    return metadata.EntryPoint(name=name, value=name, group="nasplug")


GOOD = """
    import nasplug

    class Good(nasplug.Predictor):
        name = "good"

    @nasplug.hookimpl
    def register_predictors(register):
        register(Good)
"""


def test_plugin_failing_on_import_is_listed_and_others_load(tmp_path, monkeypatch, nasplug_pm):
    bad = _module(tmp_path, monkeypatch, "np_bad_plugin", "raise ImportError('needs libfoo')\n")
    good = _module(tmp_path, monkeypatch, "np_good_plugin", GOOD)
    assert nasplug_pm.load_entrypoints(entry_points=[bad, good]) == 1
    registry = nasplug.get_registry()
    assert registry.names("predictors") == ["good"]
    assert [b.name for b in registry.broken] == ["np_bad_plugin"]
    assert "needs libfoo" in registry.broken[0].error


def test_asking_for_a_name_whose_provider_failed_gives_its_error(tmp_path, monkeypatch, nasplug_pm):
    bad = _module(tmp_path, monkeypatch, "myproxy", "raise RuntimeError('cannot find CUDA')\n")
    nasplug_pm.load_entrypoints(entry_points=[bad])
    with pytest.raises(PluginLoadError, match="cannot find CUDA"):
        nasplug.get_predictor("myproxy")


def test_strict_mode_reraises_import_errors(tmp_path, monkeypatch, nasplug_pm):
    monkeypatch.setenv("NASPLUG_STRICT_PLUGINS", "1")
    bad = _module(tmp_path, monkeypatch, "np_bad_plugin2", "raise ImportError('strict please')\n")
    with pytest.raises(ImportError, match="strict please"):
        nasplug_pm.load_entrypoints(entry_points=[bad])


def test_allow_and_block_lists(tmp_path, monkeypatch, nasplug_pm):
    good = _module(tmp_path, monkeypatch, "np_good_plugin3", GOOD)
    bad = _module(tmp_path, monkeypatch, "np_bad_plugin3", "raise ImportError('x')\n")
    monkeypatch.setenv("NASPLUG_LOAD_PLUGINS", "np_good_plugin3")
    nasplug_pm.load_entrypoints(entry_points=[good, bad])
    assert nasplug_pm.get_plugin("np_good_plugin3") is not None
    assert not nasplug_pm.broken  # the bad one was never imported

    from nasplug.plugins import NasplugPluginManager, set_plugin_manager

    monkeypatch.delenv("NASPLUG_LOAD_PLUGINS")
    monkeypatch.setenv("NASPLUG_DISABLE_PLUGINS", "np_good_plugin3")
    pm = NasplugPluginManager()
    set_plugin_manager(pm)
    pm.load_entrypoints(entry_points=[good])
    with pytest.raises(UnknownNameError, match="NASPLUG_DISABLE_PLUGINS"):
        nasplug.get_predictor("good")


def test_uninstalled_builtin_proxy_names_its_distribution(nasplug_pm):
    """Load every real entry point except one proxy's, as after `pip uninstall nasplug-params`."""
    eps = [ep for ep in metadata.entry_points(group="nasplug")
           if getattr(ep.dist, "metadata", {"Name": ""})["Name"] != "nasplug-params"]
    nasplug_pm.load_entrypoints(entry_points=eps)
    with pytest.raises(UnknownNameError, match=r"not installed; install it with: pip install nasplug-params"):
        nasplug.get_predictor("params")


def test_every_hook_is_documented_and_tested():
    """Meta-test (datasette style): each hookspec has a docstring and a test that uses it."""
    import pathlib

    from nasplug import hookspecs

    hooks = [n for n in dir(hookspecs) if n.startswith("register_")]
    assert sorted(hooks) == sorted(f"register_{k}" for k in nasplug.plugins.KINDS)
    root = pathlib.Path(__file__).resolve().parents[1]
    sources = "\n".join(p.read_text() for p in root.glob("**/test*.py") if ".venv" not in p.parts)
    for hook in hooks:
        assert (getattr(hookspecs, hook).__doc__ or "").strip(), f"{hook} has no docstring"
        assert f"def {hook}(" in sources, f"no test implements {hook}"
