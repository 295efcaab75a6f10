from otter.test_files import test_case

OK_FORMAT = False

name = "transfer_model"
points = 4

@test_case(points=None, hidden=False)
def test_transfer_model_layers(transfer_model):
    import keras
    augmenter = keras.Sequential([keras.layers.RandomFlip('horizontal'), keras.layers.RandomRotation(0.2)])
    model = transfer_model((160, 160), augmenter, classes=10)
    kinds = [type(layer).__name__ for layer in model.layers]
    expected = ['InputLayer', 'Sequential', 'Functional', 'GlobalAveragePooling2D', 'Dropout', 'Dense']
    assert kinds == expected, f"the model's layers should be {expected}, not {kinds}"
    assert tuple(model.output.shape) == (None, 10), f'ten classes should give outputs of shape (None, 10), not {tuple(model.output.shape)}'
    assert not model.layers[2].trainable, 'the MobileNetV2 base should be frozen (trainable False)'

