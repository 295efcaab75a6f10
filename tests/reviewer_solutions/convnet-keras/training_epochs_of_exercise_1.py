"""Mistake: trains for EPOCHS_SEQUENTIAL epochs (copied from the Sequential model's cell), not
EPOCHS_FUNCTIONAL. The whole exercise cell, as a student would write it."""

import keras

from cnnbook.progress import training_report

QUESTION = "training"  # the question that must lose points

conv_model.compile(  # noqa: F821 (the notebook's)
    optimizer=keras.optimizers.Adam(3e-3),
    loss="sparse_categorical_crossentropy",
    metrics=["accuracy"],
)
history_functional = conv_model.fit(  # noqa: F821
    train,  # noqa: F821
    validation_data=validation,  # noqa: F821
    epochs=EPOCHS_SEQUENTIAL,  # noqa: F821
    verbose=0,
    callbacks=[training_report()],
)
