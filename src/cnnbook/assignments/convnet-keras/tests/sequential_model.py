from otter.test_files import test_case

OK_FORMAT = False

name = "sequential_model"
points = 3

@test_case(points=None, hidden=False)
def test_sequential_layer_types_and_shapes(sequential_model):
    model = sequential_model((64, 64, 3), 6)
    found = [(type(layer).__name__, tuple(layer.output.shape)) for layer in model.layers]
    expected = [('ZeroPadding2D', (None, 70, 70, 3)), ('Conv2D', (None, 64, 64, 32)), ('BatchNormalization', (None, 64, 64, 32)), ('ReLU', (None, 64, 64, 32)), ('MaxPooling2D', (None, 32, 32, 32)), ('Flatten', (None, 32768)), ('Dense', (None, 6))]
    assert found == expected, f'expected these layers and output shapes for (64, 64, 3) and 6 classes: {expected}; your model has {found}'

