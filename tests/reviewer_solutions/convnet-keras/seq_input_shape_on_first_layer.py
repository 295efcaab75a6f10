"""Mistake: no keras.Input; the first layer gets input_shape=(64, 64, 3), an older Keras idiom,
so the model takes 64 x 64 colour images whatever input_shape says."""

import keras

QUESTION = "sequential_model"  # the question that must lose points


def sequential_model(input_shape=(64, 64, 3), classes=6):
    layers = [
        keras.layers.ZeroPadding2D(padding=3, input_shape=(64, 64, 3)),
        keras.layers.Conv2D(32, (7, 7), strides=1),
        keras.layers.BatchNormalization(axis=3),
        keras.layers.ReLU(),
        keras.layers.MaxPooling2D(),
        keras.layers.Flatten(),
        keras.layers.Dense(classes, activation="softmax"),
    ]
    return keras.Sequential(layers)
