"""Mistake: the stem convolution pads "same" instead of ZeroPadding2D((3, 3)): the same shapes
and parameters, but 2 zeros on top and left and 3 at the bottom and right, not 3 all round."""

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
)

QUESTION = "ResNet50"  # the question that must lose points


def ResNet50(input_shape=(64, 64, 3), classes=6):
    X_input = keras.Input(input_shape)
    X = Conv2D(
        64, (7, 7), strides=(2, 2), padding="same", kernel_initializer=GlorotUniform(seed=0)
    )(X_input)
    X = MaxPooling2D((3, 3), strides=(2, 2))(Activation("relu")(BatchNormalization(axis=3)(X)))
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
