"""Mistake: fine-tuning runs without validation data, so there is no validation accuracy to
compare with the frozen base's. The whole exercise cell, as a student would write it."""

import keras
from keras.layers import BatchNormalization

from cnnbook.progress import training_report

QUESTION = "fine_tuning"  # the question that must lose points

fine_tune_at = 98  # block_11_expand
fine_tune_learning_rate = 1e-4
base_model.trainable = True  # noqa: F821 (the notebook's)
for index, layer in enumerate(base_model.layers):  # noqa: F821
    layer.trainable = index >= fine_tune_at and not isinstance(layer, BatchNormalization)
model.compile(  # noqa: F821
    optimizer=keras.optimizers.Adam(fine_tune_learning_rate),
    loss="sparse_categorical_crossentropy",
    metrics=["accuracy"],
)
history_fine = model.fit(  # noqa: F821
    train_dataset,  # noqa: F821
    epochs=len(history.epoch) + FINE_TUNE_EPOCHS,  # noqa: F821
    initial_epoch=len(history.epoch),  # noqa: F821
    verbose=0,
    callbacks=[training_report()],
)
