"""Competition submissions: .py files, directories and both zip layouts NASLib published."""

from __future__ import annotations

import pickle
import stat
import sys
import textwrap
import zipfile
from pathlib import Path

import pytest

from nasplug.errors import NasplugError
from nasplug.submission import SubmissionPredictor, is_submission_path, load_submission, real_naslib_available

torch = pytest.importorskip("torch")

# The tutorial's sample submission, with its original NASLib import lines.
TUTORIAL_SUBMISSION = '''\
from naslib.search_spaces.core.graph import Graph
from naslib.predictors.predictor import Predictor
from torch.utils.data import DataLoader

def count_parameters(model):
    return sum(p.numel() for p in model.parameters())

class ZeroCostPredictor(Predictor):
    """ A sample submission class. """
    def __init__(self):
        self.method_type = 'MyZeroCostPredictorName'

    def pre_process(self) -> None:
        pass

    def query(self, graph: Graph, dataloader:DataLoader=None) -> float:
        score = count_parameters(graph)
        return score
'''

# The competition's layout: predictor.py imports a helper module that sits beside it.
COMPETITION_PREDICTOR = '''\
from naslib.predictors.predictor import Predictor
from naslib.search_spaces.core.query_metrics import Metric
from compute import weight_sum

class ZeroCostPredictor(Predictor):
    def __init__(self):
        self.method_type = 'weight_sum'
        self.calls = 0

    def pre_process(self):
        self.ready = True

    def query(self, graph, dataloader=None):
        self.calls += 1
        data, labels = next(iter(dataloader))
        return weight_sum(graph) + 0.0 * float(graph(data).detach().sum())
'''
COMPUTE = '''\
import torch

def weight_sum(model):
    return float(sum(p.detach().abs().sum() for p in model.parameters())) * SCALE

SCALE = {scale}
'''


def write_zip(path: Path, members: dict[str, str | bytes]) -> Path:
    with zipfile.ZipFile(path, "w") as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return path


@pytest.fixture
def cache(tmp_path, monkeypatch):
    monkeypatch.setenv("NASPLUG_CACHE", str(tmp_path / "cache"))
    return tmp_path / "cache"


def small_model():
    torch.manual_seed(0)
    return torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(12, 5))


def loader():
    return [(torch.ones(2, 3, 2, 2), torch.zeros(2, dtype=torch.long))]


def test_tutorial_zip_layout_with_original_naslib_imports(tmp_path, cache):
    archive = write_zip(tmp_path / "sample_submission.zip", {
        "sample_submission/metadata": "",
        "sample_submission/submission.py": TUTORIAL_SUBMISSION,
    })
    predictor = load_submission(archive)
    assert isinstance(predictor, SubmissionPredictor)
    assert predictor.method_type == predictor.name == "MyZeroCostPredictorName"
    predictor.pre_process()
    assert predictor.query(small_model(), dataloader=loader()) == 12 * 5 + 5
    # The submission's class subclasses nasplug's Predictor through the shim.
    import nasplug

    assert isinstance(predictor.inner, nasplug.Predictor)
    # Extracted into the cache dir, and the shim is gone again.
    assert list(cache.glob("submissions/*/sample_submission/submission.py"))
    assert "naslib" not in sys.modules and not any(m.startswith("naslib.") for m in sys.modules)


def test_competition_zip_layout_with_helper_module(tmp_path, cache):
    archive = write_zip(tmp_path / "submission.zip", {
        "metadata": "",
        "predictor.py": COMPETITION_PREDICTOR,
        "compute.py": COMPUTE.format(scale=1.0),
    })
    predictor = load_submission(archive)
    assert predictor.method_type == "weight_sum"
    predictor.pre_process()
    assert predictor.ready is True  # attributes of the submission stay reachable
    model = small_model()
    expected = float(sum(p.detach().abs().sum() for p in model.parameters()))
    assert predictor.query(model, dataloader=loader()) == pytest.approx(expected)
    assert predictor.calls == 1
    assert "compute" not in sys.modules  # the helper does not leak into the process


def test_two_submissions_with_same_helper_name_do_not_mix(tmp_path, cache):
    first = load_submission(write_zip(tmp_path / "a.zip", {
        "predictor.py": COMPETITION_PREDICTOR, "compute.py": COMPUTE.format(scale=1.0)}))
    second = load_submission(write_zip(tmp_path / "b.zip", {
        "predictor.py": COMPETITION_PREDICTOR, "compute.py": COMPUTE.format(scale=2.0)}))
    model = small_model()
    a = first.query(model, dataloader=loader())
    b = second.query(model, dataloader=loader())
    assert b == pytest.approx(2 * a) and a > 0
    assert first.version != second.version  # different code, different version


def test_py_file_and_directory(tmp_path, cache):
    folder = tmp_path / "mysub"
    folder.mkdir()
    (folder / "predictor.py").write_text(COMPETITION_PREDICTOR)
    (folder / "compute.py").write_text(COMPUTE.format(scale=1.0))
    by_file = load_submission(folder / "predictor.py")
    by_dir = load_submission(folder)
    model = small_model()
    assert by_file.query(model, loader()) == by_dir.query(model, loader())
    assert by_file.version == by_dir.version
    # Editing the helper changes the version, so a score store never mixes them.
    (folder / "compute.py").write_text(COMPUTE.format(scale=3.0))
    assert load_submission(folder / "predictor.py").version != by_file.version


def test_nasplug_imports_work_too(tmp_path, cache):
    path = tmp_path / "submission.py"
    path.write_text(TUTORIAL_SUBMISSION.replace("from naslib.search_spaces.core.graph import Graph",
                                                "from nasplug import Graph")
                    .replace("from naslib.predictors.predictor import Predictor", "from nasplug import Predictor"))
    assert load_submission(path).query(small_model()) == 65.0


def test_query_arguments_may_have_any_names(tmp_path, cache):
    path = tmp_path / "predictor.py"
    path.write_text("class ZeroCostPredictor:\n    def query(self, model, loader):\n"
                    "        return float(len(loader))\n")
    assert load_submission(path).query(small_model(), loader()) == 1.0


def test_pickles_by_path_for_worker_processes(tmp_path, cache):
    archive = write_zip(tmp_path / "s.zip", {"predictor.py": COMPETITION_PREDICTOR,
                                             "compute.py": COMPUTE.format(scale=1.0)})
    predictor = load_submission(archive)
    clone = pickle.loads(pickle.dumps(predictor))
    assert clone is not predictor and clone.version == predictor.version
    assert clone.query(small_model(), loader()) == predictor.query(small_model(), loader())


def test_real_naslib_is_preferred_over_the_shim(tmp_path, cache, monkeypatch):
    fake = tmp_path / "site" / "naslib" / "predictors"
    fake.mkdir(parents=True)
    (fake.parent / "__init__.py").write_text("REAL = True\n")
    (fake / "__init__.py").write_text("")
    (fake / "predictor.py").write_text("class Predictor:\n    real_naslib = True\n")
    monkeypatch.syspath_prepend(str(tmp_path / "site"))
    for name in [m for m in sys.modules if m == "naslib" or m.startswith("naslib.")]:
        monkeypatch.delitem(sys.modules, name)
    assert real_naslib_available()
    path = tmp_path / "predictor.py"
    path.write_text("from naslib.predictors.predictor import Predictor\n"
                    "class ZeroCostPredictor(Predictor):\n"
                    "    method_type = 'real'\n"
                    "    def query(self, graph, dataloader=None):\n"
                    "        return 1.0 if self.real_naslib else 0.0\n")
    assert load_submission(path).query(None) == 1.0
    for name in [m for m in sys.modules if m == "naslib" or m.startswith("naslib.")]:
        monkeypatch.delitem(sys.modules, name)


def one_line_error(path) -> str:
    with pytest.raises(NasplugError) as info:
        load_submission(path)
    message = str(info.value)
    assert "\n" not in message and message
    return message


@pytest.mark.parametrize("source, expected", [
    ("class Other:\n    pass\n", r"has no class ZeroCostPredictor; it defines Other"),
    ("class ZeroCostPredictor(:\n    pass\n", r"failed to load at predictor.py:1: SyntaxError"),
    ("import compute_helpers_missing\nclass ZeroCostPredictor: pass\n",
     r"failed to import at predictor.py:1: ModuleNotFoundError.*compute_helpers_missing.*beside predictor.py"),
    ("from naslib.optimizers import Bananas\n", r"NASLib shim provides only"),
    ("x = 1 / 0\n", r"predictor.py:1: ZeroDivisionError"),
    ("class ZeroCostPredictor:\n    def __init__(self):\n        raise ValueError('bad config')\n"
     "    def query(self, g, dataloader=None):\n        return 0\n",
     r"ZeroCostPredictor\(\) raised at predictor.py:3: ValueError: bad config"),
])
def test_loading_errors_are_one_line(tmp_path, cache, source, expected):
    path = tmp_path / "predictor.py"
    path.write_text(source)
    import re

    assert re.search(expected, one_line_error(path)), one_line_error(path)


def test_query_errors_are_one_line_with_location(tmp_path, cache):
    path = tmp_path / "predictor.py"
    path.write_text(textwrap.dedent("""\
        class ZeroCostPredictor:
            method_type = 'broken'
            def query(self, graph, dataloader=None):
                return helper(graph)
        def helper(graph):
            raise RuntimeError("shape mismatch\\nsecond line")
        """))
    predictor = load_submission(path)
    with pytest.raises(NasplugError) as info:
        predictor.query(small_model())
    assert str(info.value) == ("submission 'predictor.py': ZeroCostPredictor.query() raised at "
                               "predictor.py:6: RuntimeError: shape mismatch")


def test_non_numeric_score_is_a_clear_error(tmp_path, cache):
    path = tmp_path / "predictor.py"
    path.write_text("class ZeroCostPredictor:\n    def query(self, graph, dataloader=None):\n"
                    "        return 'high'\n")
    with pytest.raises(NasplugError, match=r"returned str .* must return one number"):
        load_submission(path).query(None)
    path.write_text("import torch\nclass ZeroCostPredictor:\n    def query(self, graph, dataloader=None):\n"
                    "        return torch.tensor([2.5])\n")
    assert load_submission(path).query(None) == 2.5


@pytest.mark.parametrize("member", ["../evil.py", "/abs/evil.py", "a/../../evil.py", "C:/evil.py"])
def test_zip_path_traversal_is_refused(tmp_path, cache, member):
    archive = write_zip(tmp_path / "evil.zip", {"predictor.py": TUTORIAL_SUBMISSION, member: "x = 1\n"})
    message = one_line_error(archive)
    assert "refusing zip member" in message
    assert not (tmp_path / "evil.py").exists() and not Path("/abs/evil.py").exists()
    assert not [p for p in cache.rglob("*") if p.name == "evil.py"]


def test_zip_symlink_is_refused(tmp_path, cache):
    archive = tmp_path / "link.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("predictor.py", TUTORIAL_SUBMISSION)
        info = zipfile.ZipInfo("compute.py")
        info.external_attr = (stat.S_IFLNK | 0o777) << 16
        zf.writestr(info, "/etc/passwd")
    assert "symbolic link" in one_line_error(archive)


def test_bad_inputs(tmp_path, cache):
    assert "not found" in one_line_error(tmp_path / "missing.zip")
    (tmp_path / "broken.zip").write_bytes(b"PK\x03\x04 not really a zip")
    assert "not a valid zip" in one_line_error(tmp_path / "broken.zip")
    empty = write_zip(tmp_path / "empty.zip", {"metadata": "", "README.txt": "hi"})
    assert "has no predictor.py" in one_line_error(empty)
    two = write_zip(tmp_path / "two.zip", {"a/predictor.py": TUTORIAL_SUBMISSION,
                                            "b/submission.py": TUTORIAL_SUBMISSION})
    assert "several entry files" in one_line_error(two)


def test_is_submission_path(tmp_path, monkeypatch):
    assert is_submission_path("predictor.py") and is_submission_path("sub.zip")
    assert is_submission_path("some/dir/sub")
    assert not is_submission_path("synflow") and not is_submission_path("myplugin")
    monkeypatch.chdir(tmp_path)
    (tmp_path / "synflow").mkdir()  # a stray folder does not shadow the registered name
    assert not is_submission_path("synflow")
    (tmp_path / "mysub").mkdir()
    (tmp_path / "mysub" / "predictor.py").write_text("")
    assert is_submission_path("mysub")
