from otter.test_files import test_case

OK_FORMAT = False

name = "zero_pad"
points = 1

@test_case(points=None, hidden=False)
def test_zero_pad_shape(zero_pad, np):
    x = np.ones((4, 3, 3, 2))
    shape = np.shape(zero_pad(x, 2))
    assert shape == (4, 7, 7, 2), f'padding a (4, 3, 3, 2) batch with pad=2 should give (4, 7, 7, 2), not {shape}: pad the height and the width on both sides, not the batch or channel axes'

@test_case(points=None, hidden=False)
def test_zero_pad_values(zero_pad, np):
    x = np.arange(2 * 3 * 4 * 2, dtype=float).reshape(2, 3, 4, 2) + 1
    p = np.asarray(zero_pad(x, 1))
    assert p.shape == (2, 5, 6, 2), f'pad=1 should turn (2, 3, 4, 2) into (2, 5, 6, 2), not {p.shape}'
    assert np.array_equal(p[:, 1:-1, 1:-1, :], x), 'the original pixels should sit in the middle'
    assert np.count_nonzero(p) == x.size, 'every padded entry around them should be zero'

