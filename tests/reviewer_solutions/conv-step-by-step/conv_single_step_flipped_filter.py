"""Mistake: flips the filter, as a textbook convolution does; deep-learning layers (and this
assignment) compute the cross-correlation, without the flip."""

import numpy as np

QUESTION = "conv_single_step"  # the question that must lose points


def conv_single_step(a_slice_prev, W, b):
    return np.sum(a_slice_prev * W[::-1, ::-1]) + np.asarray(b).item()
