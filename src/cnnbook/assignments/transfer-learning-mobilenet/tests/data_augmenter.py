from otter.test_files import test_case

OK_FORMAT = False

name = "data_augmenter"
points = 2

@test_case(points=None, hidden=False)
def test_data_augmenter_layers(data_augmenter):
    augmenter = data_augmenter()
    kinds = [type(layer).__name__ for layer in augmenter.layers]
    assert kinds == ['RandomFlip', 'RandomRotation'], f'the augmenter should be a RandomFlip layer and then a RandomRotation layer, not {kinds}'

