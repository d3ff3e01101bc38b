from nasplug.testing import PredictorConformance


class TestMyPluginConformance(PredictorConformance):
    predictor_name = "myplugin"
