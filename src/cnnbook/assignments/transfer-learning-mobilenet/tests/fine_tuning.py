from otter.test_files import test_case

OK_FORMAT = False

name = "fine_tuning"
points = 3

@test_case(points=None, hidden=False)
def test_fine_tuning_unfreezes_only_the_top(base_model, fine_tune_at):
    assert base_model.trainable, 'unfreeze the base first (base_model.trainable = True)'
    early = [layer.name for layer in base_model.layers[:fine_tune_at] if layer.trainable]
    assert not early, f'the layers before fine_tune_at should stay frozen, not {early[:3]}'
    assert any((layer.trainable for layer in base_model.layers[fine_tune_at:])), 'the layers from fine_tune_at on should train'

