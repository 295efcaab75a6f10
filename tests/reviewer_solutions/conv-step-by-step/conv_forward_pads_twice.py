"""Mistake: pads with zero_pad and then once more with np.pad, so every window is shifted and
the output is too large."""

import numpy as np

QUESTION = "conv_forward"  # the question that must lose points


def conv_forward(A_prev, W, b, hparameters):
    m, n_H_prev, n_W_prev, _ = A_prev.shape
    f, _, _, n_C = W.shape
    stride, pad = hparameters["stride"], hparameters["pad"]
    A_prev_pad = zero_pad(A_prev, pad)  # noqa: F821 (the learner's own zero_pad)
    A_prev_pad = np.pad(A_prev_pad, ((0, 0), (pad, pad), (pad, pad), (0, 0)))
    n_H = (A_prev_pad.shape[1] - f) // stride + 1
    n_W = (A_prev_pad.shape[2] - f) // stride + 1
    Z = np.zeros((m, n_H, n_W, n_C))
    for i in range(m):
        for h in range(n_H):
            for w in range(n_W):
                window = A_prev_pad[i, h * stride : h * stride + f, w * stride : w * stride + f]
                for c in range(n_C):
                    Z[i, h, w, c] = conv_single_step(window, W[..., c], b[..., c])  # noqa: F821
    return Z, (A_prev, W, b, hparameters)
