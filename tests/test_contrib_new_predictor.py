"""`nasplug new-predictor`: name validation, no overwriting, and a package that works.

The full path (install the generated package, `nasplug list`, its own tests, `nasplug
eval`) is tests/test_contrib_readme.py; these are the fast checks.
"""

from __future__ import annotations

import importlib.util
import math
import subprocess
import sys
import tomllib

import pytest
from click.testing import CliRunner

from nasplug.cli import cli
from nasplug.commands.new_predictor import render, validate_name
from nasplug.errors import DataError, NasplugError


def run(*args):
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


@pytest.mark.parametrize("name", ["MyProxy", "my-proxy", "1proxy", "", "a" * 41, "proxy!", "class"])
def test_invalid_names_are_one_line_errors(tmp_path, name):
    result = run("new-predictor", name, "--dir", str(tmp_path))
    assert result.exit_code == 1
    assert result.output.startswith("Error: invalid predictor name") and result.output.count("\n") == 1
    assert not any(tmp_path.iterdir())


def test_invalid_name_suggests_a_valid_one():
    with pytest.raises(NasplugError, match=r"\(e.g. 'my_proxy'\)"):
        validate_name("My-Proxy")


def test_writes_a_complete_package_and_refuses_to_overwrite(tmp_path):
    result = run("new-predictor", "zc_demo", "--dir", str(tmp_path))
    assert result.exit_code == 0, result.output
    target = tmp_path / "nasplug-zc-demo"
    assert f"Created {target}" in result.output and "pip install -e" in result.output
    files = sorted(str(p.relative_to(target)) for p in target.rglob("*") if p.is_file())
    assert files == sorted(render("zc_demo"))
    meta = tomllib.loads((target / "pyproject.toml").read_text())
    assert meta["project"]["name"] == "nasplug-zc-demo"
    assert meta["project"]["version"] == "0.1.0"
    assert meta["project"]["dependencies"] == ["nasplug>=0.1,<1"]
    assert meta["project"]["entry-points"]["nasplug"] == {"zc_demo": "nasplug_zc_demo.plugin"}
    assert "class TestZcDemoConformance(PredictorConformance)" in (
        target / "tests" / "test_zc_demo_conformance.py").read_text()
    for path in target.rglob("*.py"):
        compile(path.read_text(), str(path), "exec")
    # a second run never overwrites, and leaves no scratch folder behind
    again = run("new-predictor", "zc_demo", "--dir", str(tmp_path))
    assert again.exit_code == 1 and "already exists" in again.output
    assert [p.name for p in tmp_path.iterdir()] == ["nasplug-zc-demo"]


def test_refuses_a_name_that_is_already_installed(tmp_path):
    result = run("new-predictor", "myplugin", "--dir", str(tmp_path))
    assert result.exit_code == 1
    assert "'myplugin' is already provided by nasplug-myplugin 0.1.0" in result.output


def test_generated_plugin_module_is_import_light(tmp_path):
    run("new-predictor", "zc_light", "--dir", str(tmp_path))
    src = tmp_path / "nasplug-zc-light" / "src"
    code = (f"import sys; sys.path.insert(0, {str(src)!r}); import nasplug_zc_light.plugin as p; "
            "import nasplug_zc_light as pkg; print('torch' in sys.modules, callable(p.register_predictors))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.split() == ["False", "True"]


def load_generated(tmp_path, name):
    run("new-predictor", name, "--dir", str(tmp_path))
    path = tmp_path / f"nasplug-{name.replace('_', '-')}" / "src" / f"nasplug_{name}" / "predictor.py"
    spec = importlib.util.spec_from_file_location(f"generated_{name}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_generated_predictor_really_scores(tmp_path, nasplug_batch):
    torch = pytest.importorskip("torch")
    import nasplug

    module = load_generated(tmp_path, "zc_works")
    predictor = module.ZcWorksPredictor()
    assert predictor.method_type == "zc_works" and predictor.requires_data
    if "nasbench201" not in nasplug.get_registry().names("search_spaces"):
        pytest.skip("nasplug-nb201 is not installed")
    loader = [nasplug_batch("cifar10", batch_size=4, seed=0)]
    scores = []
    for spec in [(2, 0, 0, 3, 3, 2), (1, 1, 1, 1, 1, 1)]:  # a real cell and the all-"none" cell
        graph = nasplug.get_search_space("nasbench201", dataset="cifar10")
        graph.set_spec(spec)
        graph.parse()
        before = {k: v.clone() for k, v in graph.state_dict().items()}
        scores.append(predictor.query(graph, dataloader=loader))
        assert all(torch.equal(before[k], v) for k, v in graph.state_dict().items())
        assert all(p.grad is None for p in graph.parameters())
    assert all(isinstance(s, float) and math.isfinite(s) for s in scores)
    assert scores[0] > scores[1] > 0  # the cell of only "none" ops passes gradient to the head only
    with pytest.raises(DataError, match="zc_works needs data"):
        predictor.query(graph, dataloader=[])
