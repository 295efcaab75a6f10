"""Mistake: the pooling window moves one pixel at a time and the output size ignores the stride."""

import numpy as np

QUESTION = "pool_forward"  # the question that must lose points


def pool_forward(A_prev, hparameters, mode="max"):
    m, n_H_prev, n_W_prev, n_C = A_prev.shape
    f = hparameters["f"]
    n_H, n_W = n_H_prev - f + 1, n_W_prev - f + 1
    reduce = np.max if mode == "max" else np.mean
    A = np.zeros((m, n_H, n_W, n_C))
    for h in range(n_H):
        for w in range(n_W):
            A[:, h, w, :] = reduce(A_prev[:, h : h + f, w : w + f, :], axis=(1, 2))
    return A, (A_prev, hparameters)
