from otter.test_files import test_case

OK_FORMAT = False

name = "identity_block"
points = 3

@test_case(points=None, hidden=False)
def test_identity_block_shape_and_layers(identity_block):
    import keras
    inputs = keras.Input(shape=(4, 4, 6))
    model = keras.Model(inputs, identity_block(inputs, 3, [2, 4, 6]))
    assert tuple(model.output.shape) == (None, 4, 4, 6), f"the block should keep its input's shape (None, 4, 4, 6), not {tuple(model.output.shape)}"
    kinds = [type(layer).__name__ for layer in model.layers[1:]]
    assert kinds.count('Conv2D') == 3 and kinds.count('BatchNormalization') == 3, f'expected three Conv2D layers, each followed by a BatchNormalization; found {kinds}'
    assert kinds.count('Add') == 1, 'expected one Add layer: the skip connection'

