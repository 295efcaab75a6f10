from otter.test_files import test_case

OK_FORMAT = False

name = "ResNet50"
points = 4

@test_case(points=None, hidden=False)
def test_resnet50_parameters_and_output(ResNet50):
    model = ResNet50(input_shape=(64, 64, 3), classes=6)
    assert tuple(model.output.shape) == (None, 6), f'ResNet50((64, 64, 3), 6) should output 6 probabilities, not {tuple(model.output.shape)}'
    assert model.count_params() == 23600006, f'ResNet-50 has 23,600,006 parameters for 6 classes, not {model.count_params():,} (this check uses your identity_block and convolutional_block)'

