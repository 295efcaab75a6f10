from otter.test_files import test_case

OK_FORMAT = False

name = "convolutional_model"
points = 3

@test_case(points=None, hidden=False)
def test_functional_layer_types_and_shapes(convolutional_model):
    model = convolutional_model((64, 64, 3))
    found = [(type(layer).__name__, tuple(layer.output.shape)) for layer in model.layers]
    expected = [('InputLayer', (None, 64, 64, 3)), ('Conv2D', (None, 64, 64, 8)), ('ReLU', (None, 64, 64, 8)), ('MaxPooling2D', (None, 8, 8, 8)), ('Conv2D', (None, 8, 8, 16)), ('ReLU', (None, 8, 8, 16)), ('MaxPooling2D', (None, 2, 2, 16)), ('Flatten', (None, 64)), ('Dense', (None, 6))]
    assert found == expected, f'expected these layers and output shapes for (64, 64, 3): {expected}; your model has {found}'

