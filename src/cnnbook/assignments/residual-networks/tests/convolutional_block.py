from otter.test_files import test_case

OK_FORMAT = False

name = "convolutional_block"
points = 3

@test_case(points=None, hidden=False)
def test_convolutional_block_shapes(convolutional_block):
    import keras
    inputs = keras.Input(shape=(8, 8, 3))
    assert tuple(convolutional_block(inputs, 3, [2, 4, 6]).shape) == (None, 4, 4, 6)
    assert tuple(convolutional_block(inputs, 3, [2, 4, 6], s=1).shape) == (None, 8, 8, 6)

