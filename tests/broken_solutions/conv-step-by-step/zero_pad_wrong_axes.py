"""Mistake: pads all four axes, the batch and channel axes as well."""

import numpy as np

QUESTION = "zero_pad"  # the question that must lose points


def zero_pad(X, pad):
    return np.pad(X, pad, mode="constant")
