from otter.test_files import test_case

OK_FORMAT = False

name = "conv_backward"
points = 0

@test_case(points=None, hidden=False)
def test_conv_backward_numerically(conv_forward, conv_backward, np, GRAD_CHECK_POINTS):
    rng = np.random.default_rng(2)
    A, W = (rng.normal(size=(2, 5, 5, 2)), rng.normal(size=(3, 3, 2, 3)))
    b, hp = (rng.normal(size=(1, 1, 1, 3)), {'stride': 2, 'pad': 1})
    Z, cache = conv_forward(A, W, b, hp)
    R = rng.normal(size=Z.shape)
    dA, dW, db = conv_backward(R, cache)
    assert dA.shape == A.shape and dW.shape == W.shape and (db.shape == b.shape)
    eps = 1e-06
    for array, grad in ((A, dA), (W, dW), (b, db)):
        for _ in range(GRAD_CHECK_POINTS):
            idx = tuple((rng.integers(0, n) for n in array.shape))
            old = array[idx]
            array[idx] = old + eps
            plus = np.sum(conv_forward(A, W, b, hp)[0] * R)
            array[idx] = old - eps
            minus = np.sum(conv_forward(A, W, b, hp)[0] * R)
            array[idx] = old
            assert np.isclose(grad[idx], (plus - minus) / (2 * eps), atol=1e-05)

