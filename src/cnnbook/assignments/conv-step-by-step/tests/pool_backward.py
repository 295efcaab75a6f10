from otter.test_files import test_case

OK_FORMAT = False

name = "pool_backward"
points = 0

@test_case(points=None, hidden=False)
def test_pool_backward_numerically(pool_forward, pool_backward, np, GRAD_CHECK_POINTS):
    rng = np.random.default_rng(4)
    A, hp = (rng.normal(size=(2, 5, 5, 2)), {'f': 2, 'stride': 1})
    for mode in ('max', 'average'):
        out, cache = pool_forward(A, hp, mode=mode)
        R = rng.normal(size=out.shape)
        dA = pool_backward(R, cache, mode=mode)
        assert dA.shape == A.shape
        eps = 1e-06
        for _ in range(GRAD_CHECK_POINTS):
            idx = tuple((rng.integers(0, n) for n in A.shape))
            old = A[idx]
            A[idx] = old + eps
            plus = np.sum(pool_forward(A, hp, mode=mode)[0] * R)
            A[idx] = old - eps
            minus = np.sum(pool_forward(A, hp, mode=mode)[0] * R)
            A[idx] = old
            assert np.isclose(dA[idx], (plus - minus) / (2 * eps), atol=1e-05), mode

