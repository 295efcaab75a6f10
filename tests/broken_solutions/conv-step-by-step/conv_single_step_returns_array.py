"""Mistake: adds the bias array as it is, so the result is a (1, 1, 1) array, not a number."""

import numpy as np

QUESTION = "conv_single_step"  # the question that must lose points


def conv_single_step(a_slice_prev, W, b):
    return np.sum(a_slice_prev * W) + b
