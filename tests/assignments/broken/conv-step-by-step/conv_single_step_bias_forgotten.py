"""Mistake: forgets to add the bias."""

import numpy as np


def conv_single_step(a_slice_prev, W, b):
    return np.sum(a_slice_prev * W)
