from otter.test_files import test_case

OK_FORMAT = False

name = "conv_forward"
points = 4

@test_case(points=None, hidden=False)
def test_conv_forward_shape(conv_forward, np):
    A = np.random.default_rng(0).normal(size=(2, 5, 7, 4))
    W = np.random.default_rng(1).normal(size=(3, 3, 4, 8))
    b = np.zeros((1, 1, 1, 8))
    Z, cache = conv_forward(A, W, b, {'pad': 1, 'stride': 2})
    assert np.shape(Z) == (2, 3, 4, 8), f'a (2, 5, 7, 4) input, 8 filters of 3 x 3, pad 1 and stride 2 give Z of shape (2, 3, 4, 8), not {np.shape(Z)} (this check calls your zero_pad and conv_single_step)'
    assert len(cache) == 4, 'the cache should be (A_prev, W, b, hparameters)'

@test_case(points=None, hidden=False)
def test_conv_forward_bias(conv_forward, np):
    A = np.zeros((1, 4, 4, 2))
    W = np.ones((2, 2, 2, 3))
    b = np.array([1.0, 2.0, 3.0]).reshape(1, 1, 1, 3)
    Z, _ = conv_forward(A, W, b, {'pad': 0, 'stride': 1})
    assert np.shape(Z) == (1, 3, 3, 3), f'expected Z of shape (1, 3, 3, 3), got {np.shape(Z)}'
    assert np.allclose(Z, b), "on a zero input every output should equal its filter's bias (this check calls your conv_single_step)"

