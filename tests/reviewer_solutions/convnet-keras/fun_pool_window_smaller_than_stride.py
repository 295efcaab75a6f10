"""Mistake: the first pooling window is 4 x 4 with stride 8 (pool_size and strides mixed up
with the next convolution's): the same shapes and parameters, but a quarter of each 8 x 8
block is never looked at."""

import keras

QUESTION = "convolutional_model"  # the question that must lose points


def convolutional_model(input_shape):
    input_img = keras.Input(shape=input_shape)
    Z1 = keras.layers.Conv2D(8, (4, 4), strides=1, padding="same")(input_img)
    A1 = keras.layers.ReLU()(Z1)
    P1 = keras.layers.MaxPooling2D(pool_size=(4, 4), strides=8, padding="same")(A1)
    Z2 = keras.layers.Conv2D(16, (2, 2), strides=1, padding="same")(P1)
    A2 = keras.layers.ReLU()(Z2)
    P2 = keras.layers.MaxPooling2D(pool_size=(4, 4), strides=4, padding="same")(A2)
    F = keras.layers.Flatten()(P2)
    outputs = keras.layers.Dense(6, activation="softmax")(F)
    return keras.Model(inputs=input_img, outputs=outputs)
