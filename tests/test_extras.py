"""Optional dependencies: a missing extra is one line naming `pip install 'nasplug[extra]'`."""

import sys

import pytest
from click.testing import CliRunner

from nasplug.errors import NasplugError
from nasplug.extras import MissingExtraError, require


def block(monkeypatch, top: str) -> None:
    """Make ``top`` and its loaded submodules unimportable, as if it were not installed."""
    for name in [m for m in sys.modules if m == top or m.startswith(top + ".")] + [top]:
        monkeypatch.setitem(sys.modules, name, None)


@pytest.mark.parametrize("module,extra", [("torchvision.datasets", "download"), ("matplotlib", "plot"),
                                          ("ray", "ray")])
def test_missing_extra_names_it(monkeypatch, module, extra):
    block(monkeypatch, module.split(".")[0])
    with pytest.raises(MissingExtraError) as info:
        require(module)
    message = str(info.value)
    assert isinstance(info.value, NasplugError) and "\n" not in message
    assert f"pip install 'nasplug[{extra}]'" in message


def test_present_module_is_returned():
    import json

    assert require("json") is json


def test_fetch_and_plot_without_their_extras_are_one_line(monkeypatch, tmp_path):
    from nasplug.cli import cli
    from nasplug.evaluation.report import write_plot

    block(monkeypatch, "torchvision")
    res = CliRunner().invoke(cli, ["data", "fetch", "cifar10", "--data-dir", str(tmp_path / "d")])
    lines = res.stderr.strip().splitlines()
    assert res.exit_code == 1 and len(lines) == 1 and "pip install 'nasplug[download]'" in lines[0]
    assert not (tmp_path / "d").exists()
    block(monkeypatch, "matplotlib")
    with pytest.raises(MissingExtraError, match=r"--plot needs matplotlib.*nasplug\[plot\]"):
        write_plot([], str(tmp_path / "x.png"))
