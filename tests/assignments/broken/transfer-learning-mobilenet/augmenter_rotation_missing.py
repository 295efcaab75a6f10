"""Mistake: no random rotation."""

import keras


def data_augmenter():
    return keras.Sequential([keras.layers.RandomFlip("horizontal")])
