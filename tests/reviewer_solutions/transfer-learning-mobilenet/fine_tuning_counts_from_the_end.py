"""Mistake: the layers to train are counted from the end (the last fine_tune_at layers), so
fine-tuning starts at layer 56 instead of 98. The whole exercise cell, as a student would
write it."""

import keras
from keras.layers import BatchNormalization

from cnnbook.progress import training_report

QUESTION = "fine_tuning"  # the question that must lose points

fine_tune_at = 98  # block_11_expand
fine_tune_learning_rate = 1e-4
base_model.trainable = True  # noqa: F821 (the notebook's)
for layer in base_model.layers:  # noqa: F821
    layer.trainable = False
for layer in base_model.layers[-fine_tune_at:]:  # noqa: F821
    layer.trainable = not isinstance(layer, BatchNormalization)
model.compile(  # noqa: F821
    optimizer=keras.optimizers.Adam(fine_tune_learning_rate),
    loss="sparse_categorical_crossentropy",
    metrics=["accuracy"],
)
history_fine = model.fit(  # noqa: F821
    train_dataset,  # noqa: F821
    validation_data=validation_dataset,  # noqa: F821
    epochs=len(history.epoch) + FINE_TUNE_EPOCHS,  # noqa: F821
    initial_epoch=len(history.epoch),  # noqa: F821
    verbose=0,
    callbacks=[training_report()],
)
