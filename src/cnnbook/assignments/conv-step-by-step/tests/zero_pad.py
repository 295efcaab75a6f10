from otter.test_files import test_case

OK_FORMAT = False

name = "zero_pad"
points = 1

@test_case(points=None, hidden=False)
def test_zero_pad_shape(zero_pad, np):
    x = np.ones((4, 3, 3, 2))
    assert zero_pad(x, 2).shape == (4, 7, 7, 2), 'pad height and width only, on both sides'

@test_case(points=None, hidden=False)
def test_zero_pad_values(zero_pad, np):
    x = np.arange(2 * 3 * 4 * 2, dtype=float).reshape(2, 3, 4, 2) + 1
    p = zero_pad(x, 1)
    assert np.array_equal(p[:, 1:-1, 1:-1, :], x), 'the original pixels sit in the middle'
    assert np.count_nonzero(p) == x.size, 'everything around them is zero'

