from otter.test_files import test_case

OK_FORMAT = False

name = "convolutional_block"
points = 3

@test_case(points=None, hidden=False)
def test_convolutional_block_shapes(convolutional_block):
    import keras
    inputs = keras.Input(shape=(8, 8, 3))
    for s, expected in ((2, (None, 4, 4, 6)), (1, (None, 8, 8, 6))):
        shape = tuple(convolutional_block(inputs, 3, [2, 4, 6], s=s).shape)
        assert shape == expected, f'with s={s}, filters [2, 4, 6] on an (8, 8, 3) input the block gives {expected}, not {shape}'

