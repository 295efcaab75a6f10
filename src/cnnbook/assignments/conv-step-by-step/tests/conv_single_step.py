from otter.test_files import test_case

OK_FORMAT = False

name = "conv_single_step"
points = 1

@test_case(points=None, hidden=False)
def test_conv_single_step_scalar(conv_single_step, np):
    z = conv_single_step(np.ones((3, 3, 2)), np.ones((3, 3, 2)), np.zeros((1, 1, 1)))
    assert np.ndim(z) == 0, f'return one number, not an array of shape {np.shape(z)}'
    assert np.isclose(z, 18.0), f'a window of 18 ones times a filter of ones, bias 0, gives 18, not {z}'

