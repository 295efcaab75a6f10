"""cnnbook.evaluation: 10-crop, ensembles and accuracy."""

import numpy as np
import pytest

from cnnbook import evaluation


def images(n=3, size=8, channels=3):
    """Images whose every pixel value encodes (image, row, column, channel): crops are traceable."""
    return np.arange(n * size * size * channels, dtype=np.float32).reshape(n, size, size, channels)


def test_ten_crop_returns_ten_crops_of_the_requested_size():
    crops = evaluation.ten_crop(images(n=4, size=10), 6)
    assert crops.shape == (10, 4, 6, 6, 3)
    assert len(evaluation.CROP_NAMES) == 10


def test_ten_crop_takes_centre_and_corners():
    x = images(n=2, size=10)
    crops = evaluation.ten_crop(x, 4)
    np.testing.assert_array_equal(crops[0], x[:, 3:7, 3:7])  # centre
    np.testing.assert_array_equal(crops[1], x[:, :4, :4])  # top-left
    np.testing.assert_array_equal(crops[2], x[:, :4, 6:])  # top-right
    np.testing.assert_array_equal(crops[3], x[:, 6:, :4])  # bottom-left
    np.testing.assert_array_equal(crops[4], x[:, 6:, 6:])  # bottom-right


def test_the_last_five_crops_mirror_the_first_five():
    crops = evaluation.ten_crop(images(n=2, size=9), 5)
    for i in range(5):
        np.testing.assert_array_equal(crops[5 + i], crops[i][:, :, ::-1])
        assert not np.array_equal(crops[5 + i], crops[i])  # a real mirror, not a copy


def test_ten_crop_of_one_image_and_rectangular_crops():
    x = images(n=1, size=12)[0]
    assert evaluation.ten_crop(x, (6, 8)).shape == (10, 6, 8, 3)
    np.testing.assert_array_equal(evaluation.centre_crop(x, 6), x[3:9, 3:9])


@pytest.mark.parametrize("size", [0, 13])
def test_ten_crop_rejects_crops_that_do_not_fit(size):
    with pytest.raises(ValueError, match="does not fit"):
        evaluation.ten_crop(images(size=12), size)


def test_average_probabilities_is_the_elementwise_mean():
    a = np.array([[0.9, 0.1], [0.2, 0.8]])
    b = np.array([[0.3, 0.7], [0.4, 0.6]])
    np.testing.assert_allclose(evaluation.average_probabilities([a, b]), [[0.6, 0.4], [0.3, 0.7]])
    with pytest.raises(ValueError, match="differ in shape"):
        evaluation.average_probabilities([a, b[:1]])
    with pytest.raises(ValueError):
        evaluation.average_probabilities([])


class FixedModel:
    """Stands in for a Keras model: ``predict`` returns a fixed function of the input."""

    def __init__(self, weights):
        self.weights = np.asarray(weights, dtype=np.float64)
        self.calls = 0

    def predict(self, x, batch_size=None, verbose=0):
        self.calls += 1
        logits = np.asarray(x, dtype=np.float64).reshape(len(x), -1).mean(axis=1)[:, None]
        scores = np.exp(-((logits / 100.0 - self.weights[None, :]) ** 2))
        return scores / scores.sum(axis=1, keepdims=True)


def test_ensemble_predict_averages_each_models_probabilities():
    x = images(n=5)
    models = [FixedModel([0.0, 1.0, 2.0]), FixedModel([2.0, 1.0, 0.0]), FixedModel([1.0, 0, 3])]
    expected = np.mean([m.predict(x) for m in models], axis=0)
    np.testing.assert_allclose(evaluation.ensemble_predict(models, x), expected)
    assert all(m.calls == 2 for m in models)


def test_predict_ten_crop_averages_over_the_ten_crops_in_one_call():
    x = images(n=3, size=10)
    model = FixedModel([0.0, 3.0, 6.0])
    result = evaluation.predict_ten_crop(model, x, 6)
    assert model.calls == 1  # all 30 crops in one batch
    crops = evaluation.ten_crop(x, 6)
    expected = np.mean([FixedModel([0.0, 3.0, 6.0]).predict(c) for c in crops], axis=0)
    np.testing.assert_allclose(result, expected)
    np.testing.assert_allclose(result.sum(axis=1), 1.0)


def test_accuracy():
    probabilities = np.array([[0.9, 0.1], [0.4, 0.6], [0.7, 0.3], [0.2, 0.8]])
    assert evaluation.accuracy(probabilities, [0, 1, 1, 1]) == 0.75
    with pytest.raises(ValueError):
        evaluation.accuracy(probabilities, [0, 1])
