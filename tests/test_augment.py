"""cnnbook.augment: the two colour layers Keras lacks and the strength-scaled pipeline."""

import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import keras  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
import tensorflow as tf  # noqa: E402

from cnnbook import augment  # noqa: E402

RNG = np.random.default_rng(0)
IMAGES = RNG.uniform(0, 255, (6, 16, 16, 3)).astype("float32")
GREY = np.full((4, 8, 8, 3), 128.0, dtype="float32")  # far from the clip limits


def pixel_covariance():
    """A covariance with distinct eigenvalues, from correlated random colours."""
    mix = np.array([[1.0, 0.8, 0.6], [0.0, 0.5, 0.2], [0.0, 0.0, 0.3]])
    pixels = RNG.normal(size=(5000, 3)) @ mix * 30 + 120
    return pixels


def pca_layer(stddev=0.1, seed=0):
    return augment.PCAColorAugmentation.from_images(pixel_covariance(), stddev=stddev, seed=seed)


def layers_under_test():
    return {
        "pca": pca_layer(),
        "channel shift": augment.RandomChannelShift(0.2, seed=1),
        "pipeline": augment.augmentation(1.0, seed=2),
    }


@pytest.mark.parametrize("name", ["pca", "channel shift", "pipeline"])
def test_inactive_at_inference(name):
    layer = layers_under_test()[name]
    out = keras.ops.convert_to_numpy(layer(IMAGES, training=False))
    np.testing.assert_array_equal(out, IMAGES)


@pytest.mark.parametrize("name", ["pca", "channel shift", "pipeline"])
def test_active_in_training_and_shape_preserving(name):
    layer = layers_under_test()[name]
    out = keras.ops.convert_to_numpy(layer(IMAGES, training=True))
    assert out.shape == IMAGES.shape
    assert np.abs(out - IMAGES).max() > 1.0


@pytest.mark.parametrize("name", ["pca", "channel shift", "pipeline"])
def test_works_under_mixed_precision(name):
    # cnnbook.acceleration turns mixed_float16 on for tensor-core GPUs: layers built then
    # compute in float16, and their random numbers must be float16 too.
    try:
        keras.mixed_precision.set_global_policy("mixed_float16")
        layer = layers_under_test()[name]
        out = keras.ops.convert_to_numpy(layer(IMAGES, training=True))
    finally:
        keras.mixed_precision.set_global_policy("float32")
    assert out.dtype == np.float16 and out.shape == IMAGES.shape
    assert np.abs(out.astype("float32") - IMAGES).max() > 1.0


def test_rgb_principal_components_are_eigenpairs_of_the_covariance():
    pixels = pixel_covariance()
    values, vectors = augment.rgb_principal_components(pixels)
    covariance = np.cov(pixels, rowvar=False)
    assert values[0] >= values[1] >= values[2] > 0
    for i in range(3):
        np.testing.assert_allclose(
            covariance @ vectors[:, i], values[i] * vectors[:, i], rtol=1e-6, atol=1e-6
        )


def test_pca_shift_is_one_colour_per_image():
    out = keras.ops.convert_to_numpy(pca_layer(stddev=0.3)(GREY, training=True))
    shift = out - GREY
    # the same RGB offset at every pixel of an image...
    np.testing.assert_allclose(shift, np.broadcast_to(shift[:, :1, :1, :], shift.shape), atol=1e-4)
    # ...and a different one for each image of the batch
    per_image = shift[:, 0, 0, :]
    assert len({tuple(np.round(s, 3)) for s in per_image}) == len(per_image)


def test_pca_shifts_have_zero_mean_and_covariance_sigma_squared_c():
    sigma = 0.1
    pixels = pixel_covariance()
    layer = augment.PCAColorAugmentation.from_images(pixels, stddev=sigma, seed=3)
    shifts = keras.ops.convert_to_numpy(layer.random_shifts(40000))
    expected = sigma**2 * np.cov(pixels, rowvar=False)
    scale = np.sqrt(np.diag(expected))
    np.testing.assert_allclose(shifts.mean(axis=0), 0.0, atol=0.05 * scale.max())
    np.testing.assert_allclose(np.cov(shifts, rowvar=False), expected, atol=0.05 * expected.max())


def test_pca_mean_over_many_draws_is_the_original_image():
    layer = pca_layer(stddev=0.1, seed=4)
    batch = np.repeat(GREY[:1], 4000, axis=0)
    out = keras.ops.convert_to_numpy(layer(batch, training=True))
    np.testing.assert_allclose(out.mean(axis=0), GREY[0], atol=0.5)


def test_pca_clips_to_the_value_range_and_zero_stddev_is_identity():
    bright = np.full((8, 4, 4, 3), 250.0, dtype="float32")
    out = keras.ops.convert_to_numpy(pca_layer(stddev=2.0)(bright, training=True))
    assert out.min() >= 0 and out.max() <= 255
    still = keras.ops.convert_to_numpy(pca_layer(stddev=0.0)(IMAGES, training=True))
    np.testing.assert_array_equal(still, IMAGES)


def test_pca_rejects_bad_arguments():
    with pytest.raises(ValueError):
        augment.PCAColorAugmentation([-1.0, 1.0, 1.0], np.eye(3))
    with pytest.raises(ValueError):
        augment.PCAColorAugmentation([1.0, 1.0, 1.0], np.eye(3), stddev=-0.1)


def test_pca_config_round_trip():
    layer = pca_layer(stddev=0.2, seed=5)
    clone = augment.PCAColorAugmentation.from_config(layer.get_config())
    np.testing.assert_allclose(clone.eigenvalues, layer.eigenvalues)
    np.testing.assert_allclose(clone.eigenvectors, layer.eigenvectors)
    assert clone.stddev == 0.2 and clone.seed == 5


def test_channel_shift_is_bounded_constant_per_image_and_clipped():
    layer = augment.RandomChannelShift(0.1, seed=6)
    shift = keras.ops.convert_to_numpy(layer(GREY, training=True)) - GREY
    assert np.abs(shift).max() <= 0.1 * 255 + 1e-3
    np.testing.assert_allclose(shift, np.broadcast_to(shift[:, :1, :1, :], shift.shape), atol=1e-4)
    white = np.full((4, 4, 4, 3), 255.0, dtype="float32")
    out = keras.ops.convert_to_numpy(augment.RandomChannelShift(0.5, seed=7)(white, training=True))
    assert out.max() <= 255.0
    with pytest.raises(ValueError):
        augment.RandomChannelShift(1.5)


def test_fresh_random_draws_for_every_batch_in_a_tf_data_map():
    layer = augment.RandomChannelShift(0.2, seed=8)
    dataset = (
        tf.data.Dataset.from_tensor_slices(GREY.repeat(4, axis=0))
        .batch(4)
        .map(lambda x: layer(x, training=True))
    )
    first_epoch = [np.asarray(b)[:, 0, 0, :] for b in dataset]
    second_epoch = [np.asarray(b)[:, 0, 0, :] for b in dataset]
    assert not np.allclose(first_epoch[0], first_epoch[1])  # batch to batch
    assert not np.allclose(first_epoch[0], second_epoch[0])  # epoch to epoch


def test_layers_work_inside_a_model_that_trains():
    model = keras.Sequential(
        [
            keras.Input((8, 8, 3)),
            pca_layer(),
            augment.RandomChannelShift(0.05, seed=9),
            keras.layers.GlobalAveragePooling2D(),
            keras.layers.Dense(2, activation="softmax"),
        ]
    )
    model.compile("adam", "sparse_categorical_crossentropy")
    history = model.fit(GREY, np.array([0, 1, 0, 1]), epochs=2, verbose=0)
    assert np.isfinite(history.history["loss"]).all()


def test_augmentation_strength_zero_is_identity_even_in_training():
    pipeline = augment.augmentation(0.0, image_size=16)
    out = keras.ops.convert_to_numpy(pipeline(IMAGES, training=True))
    np.testing.assert_array_equal(out, IMAGES)
    with pytest.raises(ValueError):
        augment.augmentation(-1.0)


def test_stronger_augmentation_changes_images_more():
    def mean_change(strength):
        pipeline = augment.augmentation(strength, seed=10, flip=False)
        out = keras.ops.convert_to_numpy(pipeline(GREY * 0 + IMAGES[:4, :8, :8], training=True))
        return np.abs(out - IMAGES[:4, :8, :8]).mean()

    assert mean_change(0.25) < mean_change(2.0)


@pytest.mark.parametrize(
    ("images", "message"),
    [
        (
            np.zeros((3, 8, 8, 1)),
            r"expects RGB images with 3 channels in the last axis, got shape \(3, 8, 8, 1\)",
        ),
        (np.zeros((2, 6, 6, 4)), r"expects RGB images with 3 channels in the last axis"),
        (np.zeros((0, 8, 8, 3)), r"got no images or pixels \(shape \(0, 8, 8, 3\)\)"),
        (np.zeros((1, 1, 1, 3)), r"needs at least 2 pixels to estimate a colour covariance, got 1"),
        (np.where(np.arange(48).reshape(1, 4, 4, 3) == 5, np.nan, 1.0), r"got 1 non-finite values"),
    ],
    ids=["grey", "rgba", "no images", "one pixel", "nan"],
)
def test_pca_refuses_pixels_it_cannot_use(images, message):
    with pytest.raises(ValueError, match=message):
        augment.rgb_principal_components(images)
    with pytest.raises(ValueError, match=message):
        augment.PCAColorAugmentation.from_images(images)


def test_pca_refuses_components_of_the_wrong_size_or_not_finite():
    with pytest.raises(ValueError, match=r"expects 3 eigenvalues and a 3x3 matrix"):
        augment.PCAColorAugmentation([1.0], np.eye(1))
    with pytest.raises(ValueError, match="non-finite eigenvalues or eigenvectors"):
        augment.PCAColorAugmentation([np.nan, 1.0, 1.0], np.eye(3))


@pytest.mark.parametrize("training", [True, False])
@pytest.mark.parametrize("channels", [1, 4])
def test_colour_layers_refuse_images_without_3_channels(channels, training):
    images = np.full((3, 8, 8, channels), 128.0, dtype="float32")
    for layer in (pca_layer(), augment.RandomChannelShift(0.1, seed=0)):
        with pytest.raises(ValueError, match="expects RGB images with 3 channels in the last"):
            layer(images, training=training)
    # In a functional model too, where the layer first meets a symbolic input:
    with pytest.raises(ValueError, match=rf"got shape \(None, 8, 8, {channels}\)"):
        pca_layer()(keras.Input((8, 8, channels)))
