"""Discovery through really installed distributions and the real CLI in a subprocess.

A throwaway plugin distribution is built from a folder outside the repository and
installed with pip into a private target directory (so the shared environment is
left as it was), then ``nasplug list --json`` runs in a subprocess that sees it.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap

import pytest

CLI = [sys.executable, "-c", "from nasplug.cli import main; main()"]


def _write_plugin(root, dist, module, body):
    (root / "src" / module).mkdir(parents=True)
    (root / "pyproject.toml").write_text(textwrap.dedent(f"""
        [build-system]
        requires = ["setuptools>=64"]
        build-backend = "setuptools.build_meta"

        [project]
        name = "{dist}"
        version = "3.1.4"
        dependencies = ["nasplug>=0.1,<1"]

        [project.entry-points.nasplug]
        {module} = "{module}"

        [tool.setuptools.packages.find]
        where = ["src"]
    """))
    (root / "src" / module / "__init__.py").write_text(textwrap.dedent(body))


@pytest.fixture(scope="module")
def installed_plugins(tmp_path_factory):
    work = tmp_path_factory.mktemp("outside-repo")
    _write_plugin(work / "good", "nasplug-tinyproxy", "nasplug_tinyproxy", """
        import nasplug

        class TinyProxy(nasplug.Predictor):
            name = "tinyproxy"

            def query(self, graph, dataloader=None):
                return float(sum(p.numel() for p in graph.parameters()))

        @nasplug.hookimpl
        def register_predictors(register):
            register(TinyProxy)
    """)
    _write_plugin(work / "bad", "nasplug-brokenproxy", "nasplug_brokenproxy", """
        raise ImportError("nasplug-brokenproxy needs the missing package 'libfoo'")
    """)
    target = work / "site"
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--no-build-isolation",
         "--disable-pip-version-check", "--target", str(target),
         str(work / "good"), str(work / "bad")],
        check=True, capture_output=True, text=True)
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(target), env.get("PYTHONPATH", "")])
    env.pop("NASPLUG_STRICT_PLUGINS", None)
    return env


def test_installed_plugin_is_listed_with_distribution_and_version(installed_plugins):
    out = subprocess.run(CLI + ["list", "--json"], env=installed_plugins,
                         capture_output=True, text=True, check=True)
    data = json.loads(out.stdout)
    tiny = [p for p in data["predictors"] if p["name"] == "tinyproxy"]
    assert tiny and tiny[0]["distribution"] == "nasplug-tinyproxy" and tiny[0]["version"] == "3.1.4"
    broken = [b for b in data["broken"] if b["distribution"] == "nasplug-brokenproxy"]
    assert broken and "libfoo" in broken[0]["error"] and broken[0]["version"] == "3.1.4"


def test_broken_plugin_does_not_take_the_cli_down(installed_plugins):
    out = subprocess.run(CLI + ["list"], env=installed_plugins, capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert "Broken plugins:" in out.stdout and "nasplug-brokenproxy==3.1.4" in out.stdout
    assert "Traceback" not in out.stdout + out.stderr


def test_strict_mode_fails_on_the_broken_plugin(installed_plugins):
    env = dict(installed_plugins, NASPLUG_STRICT_PLUGINS="1")
    out = subprocess.run(CLI + ["list"], env=env, capture_output=True, text=True)
    assert out.returncode != 0
    assert "libfoo" in out.stderr


def test_each_builtin_distribution_is_listed_separately():
    out = subprocess.run(CLI + ["list", "--json"], capture_output=True, text=True, check=True)
    data = json.loads(out.stdout)
    providers = {(kind, e["name"]): e["distribution"] for kind in ("predictors", "search_spaces")
                 for e in data[kind]}
    from nasplug.registry import KNOWN_PROVIDERS

    for kind in ("predictors", "search_spaces"):
        for name, dist in KNOWN_PROVIDERS[kind].items():
            if (kind, name) in providers:
                assert providers[(kind, name)] == dist
    for entry in data["predictors"] + data["search_spaces"] + data["benchmarks"]:
        assert entry["version"], entry


def test_list_and_help_import_no_torch():
    code = ("import sys\nfrom nasplug.cli import cli\n"
            "for args in (['list', '--json'], ['--help'], ['--version']):\n"
            "    try:\n        cli.main(args, standalone_mode=False)\n    except SystemExit:\n        pass\n"
            "heavy = sorted(m for m in ('torch', 'torchvision', 'scipy', 'matplotlib') if m in sys.modules)\n"
            "print('HEAVY=' + ','.join(heavy))\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip().splitlines()[-1] == "HEAVY=", out.stdout


def test_version_and_unknown_command():
    out = subprocess.run(CLI + ["--version"], capture_output=True, text=True, check=True)
    import nasplug

    assert nasplug.__version__ in out.stdout
    bad = subprocess.run(CLI + ["frobnicate"], capture_output=True, text=True)
    assert bad.returncode == 2 and "No such command" in bad.stderr
