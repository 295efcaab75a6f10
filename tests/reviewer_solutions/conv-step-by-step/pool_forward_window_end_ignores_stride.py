"""Mistake: the window's end ignores the stride (h + f, not h * stride + f), so with a stride
above 1 the windows shrink and then come out empty."""

import numpy as np

QUESTION = "pool_forward"  # the question that must lose points


def pool_forward(A_prev, hparameters, mode="max"):
    m, n_H_prev, n_W_prev, n_C = A_prev.shape
    f, stride = hparameters["f"], hparameters["stride"]
    n_H = (n_H_prev - f) // stride + 1
    n_W = (n_W_prev - f) // stride + 1
    reduce = np.max if mode == "max" else np.mean
    A = np.zeros((m, n_H, n_W, n_C))
    for h in range(n_H):
        for w in range(n_W):
            window = A_prev[:, h * stride : h + f, w * stride : w + f, :]
            A[:, h, w, :] = reduce(window, axis=(1, 2)) if window.size else 0.0
    return A, (A_prev, hparameters)
