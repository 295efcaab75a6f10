"""cnnbook.transfer: frozen base + new head, features, fine-tuning depth, BatchNorm handling."""

import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import keras  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
import tensorflow as tf  # noqa: E402

from cnnbook import inspection, transfer  # noqa: E402

RNG = np.random.default_rng(0)


def tiny_base(size=16):
    """A small functional conv base with BatchNormalization (moving statistics included)."""
    keras.utils.set_random_seed(1)
    inputs = keras.Input((size, size, 3))
    x = inputs
    for i, filters in enumerate((4, 8)):
        x = keras.layers.Conv2D(filters, 3, padding="same", use_bias=False, name=f"conv{i}")(x)
        x = keras.layers.BatchNormalization(name=f"bn{i}")(x)
        x = keras.layers.ReLU(name=f"relu{i}")(x)
    return keras.Model(inputs, x, name="tiny_base")


@pytest.fixture(scope="module")
def mobilenet():
    return keras.applications.MobileNetV2(include_top=False, weights=None, input_shape=(96, 96, 3))


def test_frozen_base_weights_unchanged_after_training_the_head():
    base = tiny_base()
    base.trainable = False
    head = transfer.new_head(base.output_shape[1:], 3, seed=0)
    model = transfer.classifier_on_base(base, head)
    model.compile(keras.optimizers.Adam(1e-2), "sparse_categorical_crossentropy")
    before_base = inspection.weights_snapshot(base)
    before_head = inspection.weights_snapshot(head)
    x = RNG.uniform(0, 255, (16, 16, 16, 3)).astype("float32")
    model.fit(x, RNG.integers(0, 3, 16), epochs=2, batch_size=4, verbose=0)
    assert inspection.max_weight_change(before_base, base) == 0.0  # moving statistics too
    assert inspection.max_weight_change(before_head, head) > 0.0  # the head did learn
    assert inspection.trainable_summary(model)["trainable"] == 8 * 3 + 3


def test_frozen_batchnorm_runs_in_inference_mode_and_unfrozen_does_not():
    base = tiny_base()
    x = RNG.normal(size=(8, 16, 16, 3)).astype("float32")
    base.trainable = False
    np.testing.assert_array_equal(base(x, training=True), base(x, training=False))
    transfer.unfreeze_top(base, None, keep_batchnorm_frozen=False)
    assert np.abs(base(x, training=True) - base(x, training=False)).max() > 0.1


def test_unfreeze_top_keeps_batchnorm_in_inference_mode_inside_fit():
    """The reason for keep_batchnorm_frozen: training=False in the graph is overridden by fit."""
    base = tiny_base()
    inputs = keras.Input(base.input_shape[1:])
    wrapped = keras.Model(inputs, base(inputs, training=False))
    x = RNG.normal(size=(8, 16, 16, 3)).astype("float32")
    transfer.unfreeze_top(base, None, keep_batchnorm_frozen=False)
    assert np.abs(wrapped(x, training=True) - wrapped(x, training=False)).max() > 0.1
    transfer.unfreeze_top(base, None)
    np.testing.assert_array_equal(wrapped(x, training=True), wrapped(x, training=False))


def mobilenet_top_block_weights():
    """block_16 (1x1 expand 160->960, 3x3 depthwise, 1x1 project 960->320) + Conv_1 (320->1280)."""
    convs = 160 * 960 + 3 * 3 * 960 + 960 * 320 + 320 * 1280  # MobileNetV2 convs have no bias
    batchnorm = 2 * (960 + 960 + 320 + 1280)  # gamma and beta of the four BatchNorm layers
    return convs, batchnorm


def test_trainable_weights_at_each_fine_tuning_depth(mobilenet):
    convs, batchnorm = mobilenet_top_block_weights()
    n_top = transfer.layers_from(mobilenet, "block_16_expand")
    assert n_top == 11  # 8 layers of block_16, then Conv_1, Conv_1_bn, out_relu

    transfer.unfreeze_top(mobilenet, 0)
    assert inspection.trainable_summary(mobilenet)["trainable"] == 0

    transfer.unfreeze_top(mobilenet, n_top)
    assert inspection.trainable_summary(mobilenet)["trainable"] == convs
    assert inspection.trainable_summary(mobilenet)["trainable_tensors"] == 4

    transfer.unfreeze_top(mobilenet, n_top, keep_batchnorm_frozen=False)
    assert inspection.trainable_summary(mobilenet)["trainable"] == convs + batchnorm

    transfer.unfreeze_top(mobilenet, None, keep_batchnorm_frozen=False)
    assert inspection.trainable_summary(mobilenet)["trainable"] == sum(
        int(np.prod(w.shape)) for w in mobilenet.weights if "moving" not in w.path
    )
    transfer.unfreeze_top(mobilenet, None)
    everything = inspection.trainable_summary(mobilenet)["trainable"]
    bn_params = sum(
        layer.count_params() // 2
        for layer in mobilenet.layers
        if isinstance(layer, keras.layers.BatchNormalization)
    )  # gamma + beta = half of each BatchNorm layer's four vectors
    assert everything == mobilenet.count_params() - 2 * bn_params
    # deeper = more trainable parameters
    counts = []
    for name in ("block_16_expand", "block_13_expand", "block_6_expand", "Conv1"):
        transfer.unfreeze_top(mobilenet, transfer.layers_from(mobilenet, name))
        counts.append(inspection.trainable_summary(mobilenet)["trainable"])
    assert counts == sorted(counts) and len(set(counts)) == 4
    with pytest.raises(ValueError):
        transfer.unfreeze_top(mobilenet, len(mobilenet.layers) + 1)
    mobilenet.trainable = False


def test_split_at_reassembles_the_base(mobilenet):
    x = RNG.uniform(-1, 1, (2, 96, 96, 3)).astype("float32")
    bottom, top = transfer.split_at(mobilenet, "block_12_add")
    np.testing.assert_allclose(top(bottom(x)), mobilenet(x), atol=1e-5)
    assert set(map(id, top.layers[1:])) <= set(map(id, mobilenet.layers))  # shared, not copied


def test_dataset_arrays_keeps_images_with_their_labels_on_a_reshuffling_dataset():
    images = np.arange(40, dtype="float32").reshape(40, 1, 1, 1) * np.ones((1, 2, 2, 3))
    labels = np.arange(40) % 7
    dataset = (
        tf.data.Dataset.from_tensor_slices((images, labels))
        .shuffle(40, seed=0, reshuffle_each_iteration=True)
        .batch(8)
    )
    x, y = transfer.dataset_arrays(dataset)
    assert x.shape == (40, 2, 2, 3)
    np.testing.assert_array_equal(x[:, 0, 0, 0].astype(int) % 7, y)


def test_extract_features_matches_the_base_on_preprocessed_images():
    base = tiny_base()
    x = RNG.uniform(0, 255, (5, 16, 16, 3)).astype("float32")
    features = transfer.extract_features(base, x, batch_size=2)
    np.testing.assert_allclose(features, base(x / 127.5 - 1.0, training=False), atol=1e-5)


def test_head_trained_on_features_gives_the_same_predictions_in_the_full_model():
    base = tiny_base()
    base.trainable = False
    x = RNG.uniform(0, 255, (12, 16, 16, 3)).astype("float32")
    y = RNG.integers(0, 3, 12)
    head = transfer.new_head(base.output_shape[1:], 3, seed=0)
    head.compile(keras.optimizers.Adam(1e-2), "sparse_categorical_crossentropy")
    features = transfer.extract_features(base, x)
    head.fit(features, y, epochs=3, verbose=0)
    model = transfer.classifier_on_base(base, head)
    np.testing.assert_allclose(
        model.predict(x, verbose=0), head.predict(features, verbose=0), atol=1e-5
    )


def test_weight_layers_counts_kernels_only():
    vgg_conv = keras.applications.VGG16(weights=None, include_top=False)
    assert inspection.weight_layers(vgg_conv) == 13
    assert inspection.weight_layers(tiny_base()) == 2


def test_restart_resets_weights_and_optimizer_but_not_the_learning_rate():
    base = tiny_base()
    base.trainable = False
    model = transfer.classifier_on_base(base, transfer.new_head(base.output_shape[1:], 2))
    model.compile(keras.optimizers.Adam(3e-3), "sparse_categorical_crossentropy")
    start = model.get_weights()
    x = RNG.uniform(0, 255, (8, 16, 16, 3)).astype("float32")
    model.fit(x, RNG.integers(0, 2, 8), epochs=1, batch_size=4, verbose=0)
    assert int(model.optimizer.iterations) == 2
    transfer.restart(model, start)
    assert int(model.optimizer.iterations) == 0
    assert float(model.optimizer.learning_rate) == pytest.approx(3e-3)
    for a, b in zip(model.get_weights(), start, strict=True):
        np.testing.assert_array_equal(a, b)


def test_layers_from_rejects_unknown_names(mobilenet):
    with pytest.raises(ValueError, match="no layer"):
        transfer.layers_from(mobilenet, "block_99_expand")
