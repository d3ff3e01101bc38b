"""pytest plugin for nasplug and its plugin authors (registered under ``pytest11``).

Fixtures:

``nasplug_pm``
    a fresh plugin manager with no entry points loaded, installed as the
    process-wide manager for the duration of the test.
"""

from __future__ import annotations

import pytest


@pytest.fixture
def nasplug_pm():
    from nasplug.plugins import NasplugPluginManager, set_plugin_manager

    pm = NasplugPluginManager()
    previous = set_plugin_manager(pm)
    try:
        yield pm
    finally:
        set_plugin_manager(previous)
