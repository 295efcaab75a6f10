"""Mistake: the ReLU comes before the batch normalisation instead of after it."""

import keras

QUESTION = "sequential_model"  # the question that must lose points


def sequential_model(input_shape=(64, 64, 3), classes=6):
    layers = [
        keras.Input(shape=input_shape),
        keras.layers.ZeroPadding2D(padding=3),
        keras.layers.Conv2D(32, (7, 7), strides=1),
        keras.layers.ReLU(),
        keras.layers.BatchNormalization(axis=3),
        keras.layers.MaxPooling2D(),
        keras.layers.Flatten(),
        keras.layers.Dense(classes, activation="softmax"),
    ]
    return keras.Sequential(layers)
