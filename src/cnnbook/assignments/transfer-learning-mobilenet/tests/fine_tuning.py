from otter.test_files import test_case

OK_FORMAT = False

name = "fine_tuning"
points = 3

@test_case(points=None, hidden=False)
def test_fine_tuning_unfreezes_only_the_top(base_model, fine_tune_at):
    assert base_model.trainable
    assert not any((layer.trainable for layer in base_model.layers[:fine_tune_at]))
    assert any((layer.trainable for layer in base_model.layers[fine_tune_at:]))

