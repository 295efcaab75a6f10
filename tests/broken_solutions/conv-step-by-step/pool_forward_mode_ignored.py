"""Mistake: always max pooling, whatever the mode."""

import numpy as np

QUESTION = "pool_forward"  # the question that must lose points


def pool_forward(A_prev, hparameters, mode="max"):
    m, n_H_prev, n_W_prev, n_C = A_prev.shape
    f, stride = hparameters["f"], hparameters["stride"]
    n_H = (n_H_prev - f) // stride + 1
    n_W = (n_W_prev - f) // stride + 1
    A = np.zeros((m, n_H, n_W, n_C))
    for h in range(n_H):
        for w in range(n_W):
            window = A_prev[:, h * stride : h * stride + f, w * stride : w * stride + f, :]
            A[:, h, w, :] = np.max(window, axis=(1, 2))
    return A, (A_prev, hparameters)
