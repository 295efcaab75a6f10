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


# --- MixUp, CutMix, RandAugment and test-time augmentation ------------------------------------

CLASSES = 5


def constant_images(n=16, size=12):
    """Image i is filled with the value 10 * (i % CLASSES) + 40 and labelled i % CLASSES: a
    mixed image's pixels then say exactly which images were mixed, and in what proportion."""
    labels = np.arange(n) % CLASSES
    images = np.broadcast_to((10.0 * labels + 40)[:, None, None, None], (n, size, size, 3))
    return images.astype("float32").copy(), labels.astype("int64")


def unbatched(images, labels):
    from cnnbook.data import without_autotune

    return without_autotune(tf.data.Dataset.from_tensor_slices((images, labels)))


def training_batches(method, seed=0, **options):
    images, labels = constant_images()
    train, _ = augment.augmented_splits(
        unbatched(images, labels),
        unbatched(images, labels),
        CLASSES,
        method,
        batch_size=8,
        seed=seed,
        **options,
    )
    return [(np.asarray(x), np.asarray(y)) for x, y in train]


def test_mixup_labels_are_convex_combinations_that_match_the_blended_pixels():
    values = 10.0 * np.arange(CLASSES) + 40
    mixed = 0
    for x, y in training_batches("mixup", alpha=1.0):
        assert x.shape == (8, 12, 12, 3) and y.shape == (8, CLASSES)
        assert (y >= -1e-6).all()
        np.testing.assert_allclose(y.sum(axis=1), 1.0, atol=1e-5)
        assert ((y > 1e-6).sum(axis=1) <= 2).all()  # two images blended, at most
        # every pixel is lambda x_i + (1 - lambda) x_j, with the labels' lambda
        np.testing.assert_allclose(
            x, np.broadcast_to((y @ values)[:, None, None, None], x.shape), rtol=1e-4
        )
        mixed += int(((y > 0.05) & (y < 0.95)).any(axis=1).sum())
    assert mixed >= 4  # alpha = 1: lambda is uniform, so most images are really mixed


def test_cutmix_label_weights_are_exactly_the_pasted_area():
    values = 10.0 * np.arange(CLASSES) + 40
    pasted = 0
    for x, y in training_batches("cutmix", seed=3):
        np.testing.assert_allclose(y.sum(axis=1), 1.0, atol=1e-5)
        for image, label in zip(x, y, strict=True):
            area = np.array([np.mean(image[..., 0] == v) for v in values])
            np.testing.assert_allclose(label, area, atol=1e-6)
            pasted += int(0 < area.max() < 1)
    assert pasted >= 4


def test_keras_cutmix_label_weight_is_only_close_to_the_pasted_area():
    # Why ExactCutMix exists: Keras 3.15's CutMix weighs the labels by the rectangle's
    # real-valued area but pastes whole pixels. If a later Keras pastes exactly what it weighs,
    # this test fails and ExactCutMix can go.
    images, labels = constant_images(64, size=32)
    onehot = np.eye(CLASSES, dtype="float32")[labels]
    layer = keras.layers.CutMix(factor=(1.0, 1.0), seed=1)
    worst = 0.0
    for _ in range(5):
        out = layer({"images": images, "labels": onehot})
        x, y = (keras.ops.convert_to_numpy(out[k]) for k in ("images", "labels"))
        for image, label, own in zip(x, y, labels, strict=True):
            worst = max(worst, abs(label[own] - np.mean(image[..., 0] == images[own, 0, 0, 0])))
    assert 0.005 < worst < 0.15


def test_randaugment_keeps_shape_dtype_and_range_and_changes_images():
    images = RNG.uniform(0, 255, (16, 12, 12, 3)).astype("float32")
    labels = np.arange(16) % CLASSES
    train, _ = augment.augmented_splits(
        unbatched(images, labels), unbatched(images, labels), CLASSES, "randaugment", batch_size=16
    )
    ((x, y),) = [(np.asarray(a), np.asarray(b)) for a, b in train]
    assert x.shape == images.shape and x.dtype == np.float32
    assert x.min() >= 0 and x.max() <= 255
    # shuffled: compare as sets of labels, and check that images changed
    np.testing.assert_array_equal(np.sort(y.argmax(axis=1)), np.sort(labels))
    distances = np.abs(x[:, None] - images[None]).mean(axis=(2, 3, 4)).min(axis=1)
    assert (distances > 0.5).sum() >= 12  # almost every image was altered


def test_randaugment_draws_its_operations_per_image():
    # A batch of one image repeated: per-image draws give different outcomes within a batch
    # (Keras's layer on a whole batch would apply the same two operations to every image).
    image = RNG.uniform(0, 255, (1, 12, 12, 3)).astype("float32").repeat(16, axis=0)
    ((x, _),) = training_batches_of(image, "randaugment")
    assert len({np.round(float(v), 2) for v in x.mean(axis=(1, 2, 3))}) >= 6


def training_batches_of(images, method):
    labels = np.arange(len(images)) % CLASSES
    train, _ = augment.augmented_splits(
        unbatched(images, labels), unbatched(images, labels), CLASSES, method, batch_size=16
    )
    return [(np.asarray(a), np.asarray(b)) for a, b in train]


@pytest.mark.parametrize("method", augment.METHODS)
def test_validation_split_is_never_augmented(method):
    images = RNG.uniform(0, 255, (20, 12, 12, 3)).astype("float32")
    labels = np.arange(20) % CLASSES
    _, validation = augment.augmented_splits(
        unbatched(images, labels), unbatched(images, labels), CLASSES, method, batch_size=8
    )
    x = np.concatenate([np.asarray(a) for a, _ in validation])
    y = np.concatenate([np.asarray(b) for _, b in validation])
    np.testing.assert_array_equal(x, images)  # in order, unchanged
    np.testing.assert_array_equal(y, np.eye(CLASSES)[labels])


@pytest.mark.parametrize("method", augment.METHODS)
def test_training_split_builds_under_the_mixed_float16_policy(method):
    # The policy a tensor-core GPU gets (cnnbook.acceleration): MixUp and CutMix once mixed
    # float16 images with float32 labels here and refused to build.
    try:
        keras.mixed_precision.set_global_policy("mixed_float16")
        batches = training_batches(method)
    finally:
        keras.mixed_precision.set_global_policy("float32")
    assert batches and all(y.dtype == np.float32 for _, y in batches)
    assert all(np.isfinite(x).all() for x, _ in batches)


@pytest.mark.parametrize("method", ["none", "classic", "randaugment"])
def test_methods_that_do_not_mix_keep_one_hot_labels(method):
    for _, y in training_batches(method):
        assert set(np.unique(y)) <= {0.0, 1.0}
        np.testing.assert_array_equal(y.sum(axis=1), 1.0)


def test_none_only_shuffles_and_reshuffles_every_epoch():
    images, labels = constant_images()
    train, _ = augment.augmented_splits(
        unbatched(images, labels), unbatched(images, labels), CLASSES, batch_size=16, seed=1
    )
    first, second = ([np.asarray(b).argmax(axis=1) for _, b in train] for _ in range(2))
    np.testing.assert_array_equal(np.sort(first[0]), np.sort(labels))
    assert not np.array_equal(first[0], second[0])
    for x, y in train:
        np.testing.assert_array_equal(
            np.asarray(x)[:, 0, 0, 0], 10.0 * np.asarray(y).argmax(1) + 40
        )


def test_training_draws_differ_from_epoch_to_epoch():
    images, labels = constant_images()
    train, _ = augment.augmented_splits(
        unbatched(images, labels), unbatched(images, labels), CLASSES, "mixup", seed=2
    )
    first, second = (np.asarray(next(iter(train))[1]) for _ in range(2))
    assert not np.allclose(first, second)


def test_mixing_layer_options_and_names():
    assert augment.mixing_layer("none") is None
    assert isinstance(augment.mixing_layer("mixup", alpha=0.4), keras.layers.MixUp)
    assert augment.mixing_layer("mixup", alpha=0.4).alpha == 0.4
    assert isinstance(augment.mixing_layer("cutmix"), augment.ExactCutMix)
    assert isinstance(augment.mixing_layer("randaugment"), augment.FastRandAugment)
    assert augment.mixing_layer("cutmix").factor == (1.0, 1.0)
    randaugment = augment.mixing_layer("randaugment", num_ops=3, factor=0.2)
    assert randaugment.num_ops == 3 and randaugment.factor == (0.0, 0.2)
    with pytest.raises(ValueError, match=r"unknown augmentation method 'cutout'; choose one of"):
        augment.mixing_layer("cutout")
    with pytest.raises(
        ValueError, match=r"'mixup' takes the options \['alpha'\], got \['factor'\]"
    ):
        augment.mixing_layer("mixup", factor=0.3)


def test_exact_cutmix_config_round_trip():
    layer = augment.ExactCutMix(factor=(1.0, 1.0), seed=4)
    clone = augment.ExactCutMix.from_config(layer.get_config())
    assert isinstance(clone, augment.ExactCutMix) and clone.factor == (1.0, 1.0) and clone.seed == 4


def test_augmented_splits_refuses_what_it_cannot_read():
    images, labels = constant_images()
    good = unbatched(images, labels)
    with pytest.raises(ValueError, match=r"unbatched training images of shape \(H, W, C\)"):
        augment.augmented_splits(good.batch(4), good, CLASSES)
    onehot = unbatched(images, np.eye(CLASSES, dtype="int64")[labels])
    with pytest.raises(ValueError, match="one integer class label per validation image"):
        augment.augmented_splits(good, onehot, CLASSES)
    floats = unbatched(images, labels.astype("float32"))
    with pytest.raises(ValueError, match="type float32"):
        augment.augmented_splits(floats, good, CLASSES)
    from cnnbook.data import without_autotune

    alone = without_autotune(tf.data.Dataset.from_tensor_slices(images))
    with pytest.raises(ValueError, match=r"to yield \(image, label\) pairs"):
        augment.augmented_splits(alone, good, CLASSES)
    with pytest.raises(ValueError, match="num_classes must be a whole number of at least 2"):
        augment.augmented_splits(good, good, 1)
    with pytest.raises(ValueError, match="batch_size must be a whole number of at least 1"):
        augment.augmented_splits(good, good, CLASSES, batch_size=0)
    with pytest.raises(ValueError, match="unknown augmentation method"):
        augment.augmented_splits(good, good, CLASSES, "mixupp")


def position_model(size=8, classes=3):
    """A fixed linear model on the flattened pixels: its output depends on where things are."""
    model = keras.Sequential(
        [keras.Input((size, size, 3)), keras.layers.Flatten(), keras.layers.Dense(classes)]
    )
    kernel = np.random.default_rng(5).normal(size=(size * size * 3, classes)).astype("float32")
    # small weights: logits of order 1 on pixels in 0..255, so the softmax does not saturate
    # and every shift or mirror changes the probabilities
    model.layers[-1].set_weights([kernel / 5000, np.zeros(classes, "float32")])
    return keras.Sequential([model, keras.layers.Softmax()])


def test_predict_views_are_the_image_its_mirror_and_shifted_copies():
    images = np.random.default_rng(6).uniform(0, 255, (5, 8, 8, 3)).astype("float32")
    model = position_model()
    views = augment.predict_views(model, images, pad=2)
    assert views.shape == (10, 5, 3)
    predict = lambda x: np.asarray(model.predict(x, verbose=0))  # noqa: E731
    np.testing.assert_allclose(views[0], predict(images), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(views[5], predict(images[:, :, ::-1]), rtol=1e-5, atol=1e-6)
    padded = np.pad(images, ((0, 0), (2, 2), (2, 2), (0, 0)), mode="reflect")
    np.testing.assert_allclose(views[1], predict(padded[:, :8, :8]), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(views[4], predict(padded[:, 4:, 4:]), rtol=1e-5, atol=1e-6)
    # the views differ from each other (a shift or a mirror changes this model's output)
    assert not np.allclose(views[0], views[1]) and not np.allclose(views[0], views[5])


def test_tta_accuracy_averages_the_chosen_views():
    # two test images, two classes; views 0 and 5 disagree on the first image
    views = np.full((10, 2, 2), 0.5)
    views[0] = [[0.9, 0.1], [0.2, 0.8]]
    views[5] = [[0.2, 0.8], [0.3, 0.7]]
    labels = np.array([0, 1])
    assert augment.tta_accuracy(views, labels, augment.TTA_VIEWS["single view"]) == 1.0
    # mean of views 0 and 5 on image 0: (0.55, 0.45) -> class 0; image 1: class 1
    assert augment.tta_accuracy(views, labels, augment.TTA_VIEWS["flip"]) == 1.0
    assert augment.tta_accuracy(views, labels, (5,)) == 0.5
    assert augment.TTA_VIEWS["shifts"] == (0, 1, 2, 3, 4)
    assert augment.TTA_VIEWS["10-crop"] == tuple(range(10))
    with pytest.raises(ValueError, match=r"views must be indices 0..9"):
        augment.tta_accuracy(views, labels, (10,))
    with pytest.raises(ValueError, match="views must be indices"):
        augment.tta_accuracy(views, labels, ())


def test_predict_views_refuses_bad_arguments():
    model = position_model()
    with pytest.raises(ValueError, match=r"images of shape \(N, H, W, C\), got \(8, 8, 3\)"):
        augment.predict_views(model, np.zeros((8, 8, 3)))
    with pytest.raises(ValueError, match="pad must be a whole number of pixels >= 0"):
        augment.predict_views(model, np.zeros((1, 8, 8, 3)), pad=-1)
    with pytest.raises(ValueError, match="pad 8 is too large for 8x8 images"):
        augment.predict_views(model, np.zeros((1, 8, 8, 3)), pad=8)


def test_fast_randaugment_gives_what_keras_randaugment_gives_for_the_same_draws():
    images = np.random.default_rng(7).uniform(0, 255, (8, 12, 12, 3)).astype("float32")
    keras_layer = keras.layers.RandAugment(value_range=(0, 255), num_ops=2, factor=0.3, seed=3)
    fast = augment.FastRandAugment(value_range=(0, 255), num_ops=2, factor=0.3, seed=3)
    drawn = set()
    for _ in range(12):
        transformation = keras_layer.get_random_transformation(images, training=True)
        drawn |= set(keras.ops.convert_to_numpy(transformation["layer_idxes"]).tolist())
        expected = keras_layer.transform_images(images, transformation)
        got = fast.transform_images(images, transformation)
        np.testing.assert_allclose(
            keras.ops.convert_to_numpy(got), keras.ops.convert_to_numpy(expected), atol=1e-4
        )
    assert len(drawn) >= 6  # many of the 11 operations were compared


def test_fast_randaugment_is_inactive_at_inference_and_round_trips_its_config():
    layer = augment.FastRandAugment(value_range=(0, 255), num_ops=3, factor=0.2, seed=2)
    out = keras.ops.convert_to_numpy(layer(IMAGES, training=False))
    np.testing.assert_array_equal(out, IMAGES)
    clone = augment.FastRandAugment.from_config(layer.get_config())
    assert isinstance(clone, augment.FastRandAugment)
    assert clone.num_ops == 3 and clone.factor == (0.0, 0.2) and clone.seed == 2
