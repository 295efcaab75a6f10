from otter.test_files import test_case

OK_FORMAT = False

name = "pool_forward"
points = 4

@test_case(points=None, hidden=False)
def test_pool_forward_shapes(pool_forward, np):
    A = np.random.default_rng(0).normal(size=(2, 5, 5, 3))
    for mode in ('max', 'average'):
        out, _ = pool_forward(A, {'f': 3, 'stride': 1}, mode=mode)
        assert out.shape == (2, 3, 3, 3), f'mode {mode}: expected (2, 3, 3, 3), got {out.shape}'
    out, _ = pool_forward(A, {'f': 2, 'stride': 2})
    assert out.shape == (2, 2, 2, 3), 'with stride 2 a 5x5 input gives 2x2'

@test_case(points=None, hidden=False)
def test_pool_forward_modes(pool_forward, np):
    A = np.arange(16, dtype=float).reshape(1, 4, 4, 1)
    hp = {'f': 2, 'stride': 2}
    assert np.array_equal(pool_forward(A, hp, mode='max')[0].ravel(), [5, 7, 13, 15])
    assert np.allclose(pool_forward(A, hp, mode='average')[0].ravel(), [2.5, 4.5, 10.5, 12.5])

