from otter.test_files import test_case

OK_FORMAT = False

name = "training"
points = 2

@test_case(points=None, hidden=False)
def test_training_history(history_functional, EPOCHS_FUNCTIONAL):
    logs = history_functional.history
    assert {'accuracy', 'val_accuracy', 'loss', 'val_loss'} <= set(logs), 'compile with accuracy'
    assert len(logs['val_accuracy']) == EPOCHS_FUNCTIONAL, 'train for EPOCHS_FUNCTIONAL epochs'

