"""Mistake: the stem puts the ReLU before the batch normalisation."""

import keras
from keras.initializers import GlorotUniform
from keras.layers import (
    Activation,
    AveragePooling2D,
    BatchNormalization,
    Conv2D,
    Dense,
    Flatten,
    MaxPooling2D,
    ZeroPadding2D,
)

QUESTION = "ResNet50"  # the question that must lose points


def ResNet50(input_shape=(64, 64, 3), classes=6):
    X_input = keras.Input(input_shape)
    X = ZeroPadding2D((3, 3))(X_input)
    X = Conv2D(64, (7, 7), strides=(2, 2), kernel_initializer=GlorotUniform(seed=0))(X)
    X = BatchNormalization(axis=3)(Activation("relu")(X))
    X = MaxPooling2D((3, 3), strides=(2, 2))(X)
    stages = [
        ([64, 64, 256], 1, 2),
        ([128, 128, 512], 2, 3),
        ([256, 256, 1024], 2, 5),
        ([512, 512, 2048], 2, 2),
    ]
    for filters, s, identities in stages:
        X = convolutional_block(X, f=3, filters=filters, s=s)  # noqa: F821 (the learner's own)
        for _ in range(identities):
            X = identity_block(X, 3, filters)  # noqa: F821
    X = Flatten()(AveragePooling2D((2, 2))(X))
    X = Dense(classes, activation="softmax", kernel_initializer=GlorotUniform(seed=0))(X)
    return keras.Model(inputs=X_input, outputs=X)
