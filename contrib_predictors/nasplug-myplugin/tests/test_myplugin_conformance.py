from nasplug.testing import PredictorConformance


class TestMyPluginConformance(PredictorConformance):
    predictor_name = "myplugin"
    tasks = "first"  # the first task of every search space; drop this line to check them all
