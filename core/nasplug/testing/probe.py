"""Import probe, run as a script in a fresh interpreter by the conformance suite.

``python probe.py '["torch", ...]'`` loads the entry points allowed by
``NASPLUG_LOAD_PLUGINS``, calls their hooks and reads what they registered
(as ``nasplug list`` does), and prints one JSON line: ``{"heavy": [[module,
"file:line (code)"], ...], "broken": [...]}``, saying where each heavy module
was first asked for (the innermost frame outside the import machinery). The
import itself is then refused, so the probe stays fast. Run it as a file, do
not import it: :func:`main` installs an import spy in the running interpreter.
"""

from __future__ import annotations

import json
import sys
import traceback
from typing import Any


class ImportSpy:
    """A ``sys.meta_path`` finder that records, then refuses, imports of ``heavy`` modules."""

    def __init__(self, heavy: tuple[str, ...]) -> None:
        self.heavy = heavy
        self.first: dict[str, str] = {}

    def find_spec(self, name: str, path: Any = None, target: Any = None) -> None:
        if name not in self.heavy:
            return None
        if name not in self.first:
            frames = [f for f in traceback.extract_stack()[:-1]
                      if not f.filename.startswith("<") and "importlib" not in f.filename]
            f = frames[-1] if frames else None
            self.first[name] = f"{f.filename}:{f.lineno} ({(f.line or '').strip()})" if f else ""
        raise ImportError(f"{name} import blocked by the nasplug conformance probe")


def main(argv: list[str]) -> dict:
    spy = ImportSpy(tuple(json.loads(argv[0])))
    sys.meta_path.insert(0, spy)
    from nasplug.plugins import NasplugPluginManager

    pm = NasplugPluginManager()
    pm.load_entrypoints()
    registry = pm.registry
    try:
        registry.as_dict()  # what `nasplug list` shows: reads the registered classes' attributes
    except ImportError:
        pass  # a refused heavy import, reported below
    return {"heavy": [[m, spy.first[m]] for m in spy.heavy if m in spy.first],
            "broken": [b.describe() for b in registry.broken]}


if __name__ == "__main__":
    print(json.dumps(main(sys.argv[1:])))
