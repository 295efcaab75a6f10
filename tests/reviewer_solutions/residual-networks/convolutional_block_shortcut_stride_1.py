"""Mistake: the shortcut's 1x1 convolution keeps stride 1, so with s > 1 it no longer matches
the main path's shape."""

from keras.initializers import GlorotUniform
from keras.layers import Activation, Add, BatchNormalization, Conv2D

QUESTION = "convolutional_block"  # the question that must lose points


def convolutional_block(X, f, filters, s=2, initializer=GlorotUniform):
    F1, F2, F3 = filters
    shortcut = Conv2D(F3, 1, strides=1, padding="valid", kernel_initializer=initializer(seed=0))(X)
    shortcut = BatchNormalization(axis=3)(shortcut)
    X = Conv2D(F1, 1, strides=s, padding="valid", kernel_initializer=initializer(seed=0))(X)
    X = Activation("relu")(BatchNormalization(axis=3)(X))
    X = Conv2D(F2, f, strides=1, padding="same", kernel_initializer=initializer(seed=0))(X)
    X = Activation("relu")(BatchNormalization(axis=3)(X))
    X = Conv2D(F3, 1, padding="valid", kernel_initializer=initializer(seed=0))(X)
    X = BatchNormalization(axis=3)(X)
    return Activation("relu")(Add()([X, shortcut]))
