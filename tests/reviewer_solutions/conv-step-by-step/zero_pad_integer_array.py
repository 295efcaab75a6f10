"""Mistake: the padded array is made with np.zeros(..., dtype=int), so the pixels copied into
it lose their fractions."""

import numpy as np

QUESTION = "zero_pad"  # the question that must lose points


def zero_pad(X, pad):
    m, n_H, n_W, n_C = X.shape
    X_pad = np.zeros((m, n_H + 2 * pad, n_W + 2 * pad, n_C), dtype=int)
    X_pad[:, pad : pad + n_H, pad : pad + n_W, :] = X
    return X_pad
