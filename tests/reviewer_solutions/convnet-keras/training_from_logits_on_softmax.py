"""Mistake: the loss takes from_logits=True although the model ends in a softmax, so the
probabilities go through a second softmax inside the loss. The whole exercise cell, as a
student would write it."""

import keras

from cnnbook.progress import training_report

QUESTION = "training"  # the question that must lose points

conv_model.compile(  # noqa: F821 (the notebook's)
    optimizer=keras.optimizers.Adam(3e-3),
    loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
    metrics=["accuracy"],
)
history_functional = conv_model.fit(  # noqa: F821
    train,  # noqa: F821
    validation_data=validation,  # noqa: F821
    epochs=EPOCHS_FUNCTIONAL,  # noqa: F821
    verbose=0,
    callbacks=[training_report()],
)
