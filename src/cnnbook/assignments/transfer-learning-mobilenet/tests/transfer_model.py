from otter.test_files import test_case

OK_FORMAT = False

name = "transfer_model"
points = 4

@test_case(points=None, hidden=False)
def test_transfer_model_layers(transfer_model):
    model = transfer_model((160, 160), classes=10)
    kinds = [type(layer).__name__ for layer in model.layers]
    assert kinds == ['InputLayer', 'Sequential', 'Functional', 'GlobalAveragePooling2D', 'Dropout', 'Dense'], kinds
    assert tuple(model.output.shape) == (None, 10)
    assert not model.layers[2].trainable, 'freeze the base'

