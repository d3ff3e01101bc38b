"""Hook implementations of nasplug-myplugin (the module the entry point names)."""

from __future__ import annotations

import nasplug


@nasplug.hookimpl
def register_predictors(register):
    # predictor.py has no top-level torch import, so registering the class
    # itself keeps `nasplug list` fast; a module that imports torch at the top
    # would register nasplug.LazyClass("nasplug_myplugin.predictor:MyPluginPredictor", name=...).
    from .predictor import MyPluginPredictor

    register(MyPluginPredictor)
