# The tutorial's sample submission, unchanged: the same predictor as
# nasplug_myplugin.predictor.MyPluginPredictor, in the competition's format.
# `nasplug eval --predictor sample_submission/submission.py` runs it as is
# (nasplug's NASLib shim provides the two naslib imports).
from naslib.search_spaces.core.graph import Graph
from naslib.predictors.predictor import Predictor
from torch.utils.data import DataLoader

def count_parameters(model):
    return sum(p.numel() for p in model.parameters())

class ZeroCostPredictor(Predictor):
    """ A sample submission class.

    CodaLab will import this class from your submission.py, and evaluate it.
    Your class must be named `ZeroCostPredictor`, and must contain self.method_type
    with your method name in it.
    """
    def __init__(self):
        self.method_type = 'MyZeroCostPredictorName'

    def pre_process(self) -> None:
        """ This method is called exactly once before query is called repeatedly with the models to score """
        pass

    def query(self, graph: Graph, dataloader:DataLoader=None) -> float:
        """ Predict the score of the given model (higher is better). """
        score = count_parameters(graph)
        return score
