from otter.test_files import test_case

OK_FORMAT = False

name = "pool_forward"
points = 4

@test_case(points=None, hidden=False)
def test_pool_forward_shapes(pool_forward, np):
    A = np.random.default_rng(0).normal(size=(2, 5, 5, 3))
    for mode in ('max', 'average'):
        out, _ = pool_forward(A, {'f': 3, 'stride': 1}, mode=mode)
        assert np.shape(out) == (2, 3, 3, 3), f'mode {mode}: f=3, stride 1 on (2, 5, 5, 3) gives (2, 3, 3, 3), not {np.shape(out)}'
    out, _ = pool_forward(A, {'f': 2, 'stride': 2})
    assert np.shape(out) == (2, 2, 2, 3), f'f=2, stride 2 on a 5 x 5 input gives 2 x 2, not shape {np.shape(out)}'

@test_case(points=None, hidden=False)
def test_pool_forward_modes(pool_forward, np):
    A = np.arange(16, dtype=float).reshape(1, 4, 4, 1)
    hp = {'f': 2, 'stride': 2}
    found = np.ravel(pool_forward(A, hp, mode='max')[0])
    assert np.array_equal(found, [5, 7, 13, 15]), f'max pooling 0..15 (4 x 4) in 2 x 2 windows gives [5, 7, 13, 15], not {found}'
    found = np.ravel(pool_forward(A, hp, mode='average')[0])
    assert np.allclose(found, [2.5, 4.5, 10.5, 12.5]), f'average pooling it gives [2.5, 4.5, 10.5, 12.5], not {found}'

