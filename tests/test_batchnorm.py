"""cnnbook.batchnorm: the layer equals Keras's, wrong variants are caught, moving averages."""

import keras
import numpy as np
import pytest

from cnnbook import batchnorm
from cnnbook.batchnorm import BatchNorm

TOLERANCE = 1e-5  # outputs and moving statistics, values of order 1-10 in float32
GRADIENT_TOLERANCE = 1e-4  # relative to the gradient's size (sums over hundreds of terms)
CAUGHT = 1e-3  # a wrong variant differs by at least this much (100x the tolerance)


def feature_maps(steps=20, shape=(8, 6, 6, 16), mean=3.0, std=2.0, seed=0):
    rng = np.random.default_rng(seed)
    return [rng.normal(mean, std, size=shape) for _ in range(steps)]


def dense_batches(steps=20, shape=(4, 10), seed=1):
    rng = np.random.default_rng(seed)
    return [rng.normal(-1.0, 5.0, size=shape) for _ in range(steps)]


@pytest.mark.parametrize("momentum", [0.99, 0.9, 0.5])
@pytest.mark.parametrize("batches", [feature_maps, dense_batches], ids=["maps", "dense"])
def test_the_layer_equals_keras_in_training_inference_and_after_updates(batches, momentum):
    found = batchnorm.differences_from_keras(batches(), momentum=momentum)
    assert set(found) == {
        "training output",
        "gradients (relative)",
        "moving mean",
        "moving variance",
        "inference output",
    }
    for quantity, value in found.items():
        limit = GRADIENT_TOLERANCE if "gradients" in quantity else TOLERANCE
        assert value < limit, (quantity, value)


def test_the_layer_equals_keras_with_another_epsilon():
    found = batchnorm.differences_from_keras(feature_maps(steps=5), epsilon=1e-5, momentum=0.9)
    assert max(v for q, v in found.items() if "gradients" not in q) < TOLERANCE


def test_the_moving_statistics_really_moved():
    """Equality would be empty if neither layer updated its statistics."""
    layer = BatchNorm(momentum=0.9)
    for batch in feature_maps(steps=20):
        layer(batch.astype("float32"), training=True)
    # 1 - 0.9**20 = 0.88 of the way from (0, 1) to about (3, 4)
    assert np.asarray(layer.moving_mean) == pytest.approx(0.88 * 3.0, abs=0.1)
    assert np.asarray(layer.moving_variance) == pytest.approx(0.12 + 0.88 * 4.0, abs=0.3)


class UnbiasedVariance(BatchNorm):
    def batch_statistics(self, x):
        mean, variance = super().batch_statistics(x)
        m = int(np.prod(x.shape[:-1]))
        return mean, variance * m / (m - 1)


class InvertedMomentum(BatchNorm):
    def moving_average(self, moving, batch):
        return (1.0 - self.momentum) * moving + self.momentum * batch


class NoUpdate(BatchNorm):
    def moving_average(self, moving, batch):
        return moving


class BatchStatisticsAtInference(BatchNorm):
    def call(self, x, training=None):
        return super().call(x, training=True)


class PerPosition(BatchNorm):
    """Statistics over the batch axis only (one mean per position and channel)."""

    def batch_statistics(self, x):
        return keras.ops.mean(x, axis=0), keras.ops.var(x, axis=0)

    def call(self, x, training=None):
        if not training:
            return super().call(x, training=False)
        mean, variance = self.batch_statistics(x)
        normalised = (x - mean) / keras.ops.sqrt(variance + self.epsilon)
        return self.gamma * normalised + self.beta


class EpsilonOutsideTheRoot(BatchNorm):
    def call(self, x, training=None):
        mean, variance = (
            self.batch_statistics(x) if training else (self.moving_mean, self.moving_variance)
        )
        return self.gamma * (x - mean) / (keras.ops.sqrt(variance) + self.epsilon) + self.beta


@pytest.mark.parametrize(
    ("wrong", "shows_in"),
    [
        (UnbiasedVariance, {"training output", "moving variance", "inference output"}),
        (InvertedMomentum, {"moving mean", "moving variance", "inference output"}),
        (NoUpdate, {"moving mean", "moving variance", "inference output"}),
        (BatchStatisticsAtInference, {"inference output"}),
        (PerPosition, {"training output"}),
        (EpsilonOutsideTheRoot, {"training output"}),
    ],
)
def test_a_wrong_layer_is_caught(wrong, shows_in):
    if wrong is EpsilonOutsideTheRoot:  # epsilon matters where the variance is small
        cases = (feature_maps(std=0.1), feature_maps(shape=(4, 10), std=0.05))
    else:
        cases = (feature_maps(), dense_batches())
    for batches in cases:
        found = batchnorm.differences_from_keras(batches, momentum=0.9, layer_class=wrong)
        for quantity in shows_in:
            if wrong is PerPosition and batches[0].ndim == 2:
                continue  # without spatial axes, per position is per channel: right
            assert found[quantity] > CAUGHT, (wrong.__name__, quantity, found)


def test_inverted_momentum_is_invisible_in_training_mode():
    """Why the check must look at the moving statistics and at inference, not only at fit."""
    found = batchnorm.differences_from_keras(
        feature_maps(), momentum=0.9, layer_class=InvertedMomentum
    )
    assert found["training output"] < TOLERANCE
    assert found["gradients (relative)"] < GRADIENT_TOLERANCE


def test_a_batch_of_one_example_normalises_to_beta_in_training_mode():
    layer = BatchNorm()
    x = np.array([[5.0, -3.0, 100.0]], dtype="float32")
    assert np.asarray(layer(x, training=True)) == pytest.approx(np.zeros((1, 3)), abs=1e-6)
    fresh = BatchNorm()
    assert np.asarray(fresh(x)) == pytest.approx(x / np.sqrt(1 + fresh.epsilon), rel=1e-6)


def test_the_layer_serialises_its_settings():
    layer = BatchNorm(momentum=0.9, epsilon=1e-5, name="bn")
    clone = BatchNorm.from_config(layer.get_config())
    assert (clone.momentum, clone.epsilon, clone.name) == (0.9, 1e-5, "bn")
    with pytest.raises(ValueError, match="momentum"):
        BatchNorm(momentum=1.5)
    with pytest.raises(ValueError, match="epsilon"):
        BatchNorm(epsilon=0)


def test_the_fraction_travelled_and_the_steps_it_takes():
    assert batchnorm.fraction_travelled(0.99, 0) == 0.0
    assert batchnorm.fraction_travelled(0.99, 1) == pytest.approx(0.01)
    assert batchnorm.fraction_travelled(0.99, [69, 230]) == pytest.approx(
        [1 - 0.99**69, 1 - 0.99**230]
    )
    assert batchnorm.steps_to_travel(0.99, 0.5) == 69  # 0.99**68 = 0.505, 0.99**69 = 0.4998
    assert batchnorm.steps_to_travel(0.99, 0.99) == 459
    assert batchnorm.steps_to_travel(0.9, 0.99) == 44
    assert batchnorm.steps_to_travel(0.9, 0.5) == 7
    with pytest.raises(ValueError):
        batchnorm.steps_to_travel(0.99, 1.0)
    with pytest.raises(ValueError):
        batchnorm.steps_to_travel(1.0, 0.5)


def test_a_keras_layer_follows_the_formula():
    """The moving mean covers 1 - p**N of the way to a constant batch statistic."""
    layer = keras.layers.BatchNormalization(momentum=0.99)
    constant = np.full((4, 3), 5.0, dtype="float32")  # batch mean 5, variance 0
    for _ in range(100):
        layer(constant, training=True)
    expected = batchnorm.fraction_travelled(0.99, 100)
    assert np.asarray(layer.moving_mean) == pytest.approx(5.0 * expected, rel=1e-4)
    assert np.asarray(layer.moving_variance) == pytest.approx(1.0 - expected, rel=1e-4)


def model_with_batch_norm(momentum=0.99):
    inputs = keras.Input((4, 4, 2))
    x = keras.layers.Conv2D(3, 3, padding="same", use_bias=False)(inputs)
    x = keras.layers.BatchNormalization(momentum=momentum)(x)
    inner = keras.Sequential([keras.Input((4, 4, 3)), BatchNorm(momentum=momentum)])
    x = inner(x)
    x = keras.layers.GlobalAveragePooling2D()(x)
    return keras.Model(inputs, keras.layers.Dense(2, activation="softmax")(x))


def test_recompute_statistics_averages_the_batch_statistics():
    keras.utils.set_random_seed(0)
    model = model_with_batch_norm()
    images = np.random.default_rng(0).normal(2.0, 3.0, size=(40, 4, 4, 2)).astype("float32")
    layers = batchnorm.batch_norm_layers(model)
    assert len(layers) == 2 and isinstance(layers[1], BatchNorm)  # the nested one found
    assert batchnorm.recompute_statistics(model, images, batch_size=16) == 3
    assert [layer.momentum for layer in layers] == [0.99, 0.99]  # put back
    # the first layer's input: the convolution's output, the same in any mode
    conv = keras.Model(model.input, model.layers[1].output)
    maps = np.asarray(conv(images))
    batches = [maps[i : i + 16] for i in range(0, 40, 16)]  # 16, 16, 8 images
    means = np.mean([b.mean(axis=(0, 1, 2)) for b in batches], axis=0)
    variances = np.mean([b.var(axis=(0, 1, 2)) for b in batches], axis=0)
    assert np.asarray(layers[0].moving_mean) == pytest.approx(means, abs=1e-5)
    assert np.asarray(layers[0].moving_variance) == pytest.approx(variances, rel=1e-4)
    # the second layer's input is standardised by the first: mean beta = 0, variance ~1
    assert np.asarray(layers[1].moving_mean) == pytest.approx(np.zeros(3), abs=1e-5)


def test_accuracy_in_training_mode_leaves_the_model_as_it_was():
    keras.utils.set_random_seed(1)
    model = model_with_batch_norm(momentum=0.5)
    rng = np.random.default_rng(1)
    images = rng.normal(size=(10, 4, 4, 2)).astype("float32")
    labels = rng.integers(0, 2, size=10)
    before = [np.array(v) for v in model.weights]
    accuracy = batchnorm.accuracy_in_training_mode(model, images, labels, batch_size=4)
    assert 0.0 <= accuracy <= 1.0
    for old, new in zip(before, model.weights, strict=True):
        np.testing.assert_array_equal(old, np.asarray(new))
    # and it is the accuracy of the batch-statistics predictions
    predictions = np.concatenate(
        [np.argmax(np.asarray(model(images[i : i + 4], training=True)), -1) for i in (0, 4, 8)]
    )
    assert accuracy == pytest.approx(np.mean(predictions == labels))
