"""Mistake: flips vertically (upside-down hands) instead of horizontally."""

import keras

QUESTION = "data_augmenter"  # the question that must lose points


def data_augmenter():
    return keras.Sequential([keras.layers.RandomFlip("vertical"), keras.layers.RandomRotation(0.2)])
