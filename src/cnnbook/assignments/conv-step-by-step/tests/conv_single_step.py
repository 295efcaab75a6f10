from otter.test_files import test_case

OK_FORMAT = False

name = "conv_single_step"
points = 1

@test_case(points=None, hidden=False)
def test_conv_single_step_scalar(conv_single_step, np):
    z = conv_single_step(np.ones((3, 3, 2)), np.ones((3, 3, 2)), np.zeros((1, 1, 1)))
    assert np.ndim(z) == 0, 'return one number, not an array'
    assert np.isclose(z, 18.0)

