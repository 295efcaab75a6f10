from otter.test_files import test_case

OK_FORMAT = False

name = "training"
points = 2

@test_case(points=None, hidden=False)
def test_training_history(history_functional, EPOCHS_FUNCTIONAL):
    logs = getattr(history_functional, 'history', None)
    assert logs is not None, 'keep what conv_model.fit(...) returns in history_functional'
    assert {'accuracy', 'val_accuracy', 'loss', 'val_loss'} <= set(logs), f"compile with metrics=['accuracy'] and pass validation as validation_data, so that the history holds loss, accuracy, val_loss and val_accuracy (it holds {sorted(logs)})"
    assert len(logs['val_accuracy']) == EPOCHS_FUNCTIONAL, f"train for EPOCHS_FUNCTIONAL = {EPOCHS_FUNCTIONAL} epochs, not {len(logs['val_accuracy'])}"

