"""Mistake: the last Dense layer of the Functional model outputs logits (no softmax), as if
the loss were to take from_logits=True."""

import keras

QUESTION = "convolutional_model"  # the question that must lose points


def convolutional_model(input_shape):
    input_img = keras.Input(shape=input_shape)
    Z1 = keras.layers.Conv2D(8, (4, 4), strides=1, padding="same")(input_img)
    A1 = keras.layers.ReLU()(Z1)
    P1 = keras.layers.MaxPooling2D(pool_size=(8, 8), strides=8, padding="same")(A1)
    Z2 = keras.layers.Conv2D(16, (2, 2), strides=1, padding="same")(P1)
    A2 = keras.layers.ReLU()(Z2)
    P2 = keras.layers.MaxPooling2D(pool_size=(4, 4), strides=4, padding="same")(A2)
    F = keras.layers.Flatten()(P2)
    outputs = keras.layers.Dense(6)(F)
    return keras.Model(inputs=input_img, outputs=outputs)
