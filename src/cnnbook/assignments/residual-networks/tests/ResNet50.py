from otter.test_files import test_case

OK_FORMAT = False

name = "ResNet50"
points = 4

@test_case(points=None, hidden=False)
def test_resnet50_parameters_and_output(ResNet50):
    model = ResNet50(input_shape=(64, 64, 3), classes=6)
    assert tuple(model.output.shape) == (None, 6)
    assert model.count_params() == 23600006, f'{model.count_params():,} parameters'

