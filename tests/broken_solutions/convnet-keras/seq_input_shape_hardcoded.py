"""Mistake: the input shape is typed in as (64, 64, 3) instead of taken from input_shape."""

import keras

QUESTION = "sequential_model"  # the question that must lose points


def sequential_model(input_shape=(64, 64, 3), classes=6):
    layers = [
        keras.Input(shape=(64, 64, 3)),
        keras.layers.ZeroPadding2D(padding=3),
        keras.layers.Conv2D(32, (7, 7), strides=1),
        keras.layers.BatchNormalization(axis=3),
        keras.layers.ReLU(),
        keras.layers.MaxPooling2D(),
        keras.layers.Flatten(),
        keras.layers.Dense(classes, activation="softmax"),
    ]
    return keras.Sequential(layers)
