"""Mistake: no random rotation."""

import keras

QUESTION = "data_augmenter"  # the question that must lose points


def data_augmenter():
    return keras.Sequential([keras.layers.RandomFlip("horizontal")])
