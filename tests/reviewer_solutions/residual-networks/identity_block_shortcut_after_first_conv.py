"""Mistake: the shortcut is taken after the first convolution (X_shortcut = X one line too
late): right shape when F1 equals F3, but not the block's input."""

from keras.initializers import RandomUniform
from keras.layers import Activation, Add, BatchNormalization, Conv2D

QUESTION = "identity_block"  # the question that must lose points


def identity_block(X, f, filters, initializer=RandomUniform):
    F1, F2, F3 = filters
    X = Conv2D(F1, 1, padding="valid", kernel_initializer=initializer(seed=0))(X)
    X_shortcut = X
    X = Activation("relu")(BatchNormalization(axis=3)(X))
    X = Conv2D(F2, f, padding="same", kernel_initializer=initializer(seed=0))(X)
    X = Activation("relu")(BatchNormalization(axis=3)(X))
    X = Conv2D(F3, 1, padding="valid", kernel_initializer=initializer(seed=0))(X)
    X = BatchNormalization(axis=3)(X)
    return Activation("relu")(Add()([X, X_shortcut]))
