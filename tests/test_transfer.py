"""cnnbook.transfer: frozen base + new head, features, fine-tuning depth, BatchNorm handling."""

import dataclasses
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


# --- the fine-tuning recipe -----------------------------------------------------------------------


def one_step_changes(factor, learning_rate=1e-2):
    """How far one Adam step moves a 'pretrained' and a 'head' weight with the same gradient."""
    pretrained, head = keras.Variable(np.ones(3, "float32")), keras.Variable(np.ones(3, "float32"))
    optimizer = transfer.TwoRateAdam([pretrained], factor, learning_rate=learning_rate)
    gradient = np.full(3, 0.5, "float32")
    optimizer.apply([gradient, gradient], [pretrained, head])
    return 1 - float(pretrained.numpy()[0]), 1 - float(head.numpy()[0])


def test_two_rate_adam_moves_the_pretrained_weights_by_the_factor():
    pretrained, head = one_step_changes(0.1)
    # Adam's first step moves each weight by about the learning rate, whatever the gradient
    assert head == pytest.approx(1e-2, rel=1e-3)
    assert pretrained == pytest.approx(1e-3, rel=1e-3)
    assert one_step_changes(1.0)[0] == pytest.approx(head, rel=1e-6)  # one rate for all
    assert one_step_changes(0.0)[0] == 0.0  # frozen in all but name
    with pytest.raises(ValueError, match="between 0 and 1"):
        transfer.TwoRateAdam([], 2.0)


def test_two_rate_adam_with_a_schedule_and_inside_fit():
    base = tiny_base()
    transfer.unfreeze_top(base, None)
    model = transfer.classifier_on_base(base, transfer.new_head(base.output_shape[1:], 3, seed=0))
    schedule = keras.optimizers.schedules.CosineDecay(1e-2, decay_steps=4)
    optimizer = transfer.TwoRateAdam(base.trainable_variables, 0.1, learning_rate=schedule)
    assert all(optimizer.is_pretrained(v) for v in base.trainable_variables)
    head_variables = model.layers[-1].trainable_variables
    assert not any(optimizer.is_pretrained(v) for v in head_variables)
    model.compile(optimizer, "sparse_categorical_crossentropy")
    x = RNG.uniform(0, 255, (8, 16, 16, 3)).astype("float32")
    start = inspection.weights_snapshot(base)
    model.fit(x, RNG.integers(0, 3, 8), epochs=1, batch_size=4, verbose=0)
    assert inspection.max_weight_change(start, base) > 0  # the pretrained layers train, slowly


def test_resetting_two_rate_adam_leaves_the_model_weights_alone():
    """The optimizer must not track the model's variables as its own state (it once did)."""
    base = tiny_base()
    transfer.unfreeze_top(base, None)
    optimizer = transfer.TwoRateAdam(base.trainable_variables, 0.1, learning_rate=1e-3)
    assert not any(v is w for v in optimizer.variables for w in base.weights)
    before = inspection.weights_snapshot(base)
    transfer.reset_optimizer(optimizer)
    assert inspection.max_weight_change(before, base) == 0.0


def test_smoothed_sparse_crossentropy_matches_keras_on_one_hot_labels():
    y = np.array([0, 2, 1, 2])
    p = RNG.dirichlet(np.ones(3), 4).astype("float32")
    for smoothing in (0.0, 0.1, 0.4):
        ours = transfer.SmoothedSparseCrossentropy(3, smoothing)(y, p)
        keras_loss = keras.losses.CategoricalCrossentropy(label_smoothing=smoothing)
        expected = keras_loss(np.eye(3)[y], p)
        assert float(ours) == pytest.approx(float(expected), rel=1e-5)
    plain = keras.losses.SparseCategoricalCrossentropy()(y, p)
    assert float(transfer.SmoothedSparseCrossentropy(3)(y, p)) == pytest.approx(float(plain))
    with pytest.raises(ValueError, match="smoothing"):
        transfer.SmoothedSparseCrossentropy(3, 1.0)


def test_augmentation_is_random_in_training_only():
    assert transfer.augmentation("none") is None
    x = RNG.uniform(0, 255, (4, 32, 32, 3)).astype("float32")
    for strength in ("light", "strong"):
        augment = transfer.augmentation(strength, seed=0)
        np.testing.assert_array_equal(augment(x, training=False), x)
        assert np.abs(np.asarray(augment(x, training=True)) - x).max() > 1
    with pytest.raises(ValueError, match="one of"):
        transfer.augmentation("medium")


def test_recipe_checks_every_field_and_describes_itself():
    recipe = transfer.Recipe()
    assert recipe.pretrained_rate == pytest.approx(1e-4)
    assert recipe.describe().startswith("224 px, from block_13_expand, head 0.001, base 0.0001")
    assert "head only" in transfer.Recipe(first_trainable=None).describe()
    with pytest.raises(ValueError) as error:
        transfer.Recipe(epochs=0, schedule="step", augmentation="heavy", pretrained_factor=3)
    for field in ("epochs", "schedule", "augmentation", "pretrained_factor"):
        assert field in str(error.value)


def test_split_before_reassembles_the_base_and_refuses_a_cut_inside_a_block(mobilenet):
    x = RNG.uniform(-1, 1, (2, 96, 96, 3)).astype("float32")
    bottom, top = transfer.split_before(mobilenet, "block_13_expand")
    np.testing.assert_allclose(top(bottom(x)), mobilenet(x), atol=1e-5)
    assert top.layers[1].name == "block_13_expand"
    assert transfer.split_before(mobilenet, None) == (mobilenet, None)
    with pytest.raises(ValueError, match="jumps over"):
        transfer.split_before(mobilenet, "block_14_depthwise")  # block_14_add needs block 13
    with pytest.raises(ValueError, match="no layer"):
        transfer.split_before(mobilenet, "block_99_expand")


def recipe_images(n=12, size=16, classes=3):
    rng = np.random.default_rng(1)
    return {
        part: (
            rng.uniform(0, 255, (n, size, size, 3)).astype("float32"),
            rng.integers(0, classes, n),
        )
        for part in ("train", "validation", "test")
    }


def test_run_recipe_per_seed_restores_the_base_and_reuses_activations():
    base = tiny_base()
    start = inspection.weights_snapshot(base)
    images, cache = recipe_images(), {}
    recipe = transfer.Recipe(
        image_size=16, first_trainable="conv1", epochs=2, batch_size=4, head_rate=1e-2
    )
    runs = transfer.run_recipe(base, recipe, images, [0, 1], classes=3, cache=cache)
    assert [r.seed for r in runs] == [0, 1]
    for run in runs:
        assert 0 <= run.test_accuracy <= 1 and len(run.history["val_accuracy"]) == 2
        assert len(run.epoch_seconds) == 2 and run.train_seconds >= run.seconds_per_epoch > 0
        assert run.as_dict()["recipe"]["first_trainable"] == "conv1"
    assert runs[0].features_seconds > 0 and len(cache) == 3  # train, validation, test
    assert inspection.max_weight_change(start, base) == 0.0 and not base.trainable
    # the same seed again: the same run, with the activations from the cache
    again = transfer.run_recipe(base, recipe, images, [0], classes=3, cache=cache)
    assert again[0].features_seconds == 0.0
    assert again[0].history["loss"] == pytest.approx(runs[0].history["loss"], rel=1e-4)
    # head only, and augmentation (the frozen bottom then runs in every step)
    for variant in (
        dataclasses.replace(recipe, first_trainable=None),
        dataclasses.replace(recipe, augmentation="light"),
    ):
        (run,) = transfer.run_recipe(base, variant, images, [0], classes=3, cache=cache)
        assert 0 <= run.test_accuracy <= 1
    assert len(cache) == 6  # head only: the base's outputs; augmentation: none new
    # the base's outputs were computed from the activations at conv1, as from the images
    (key,) = [k for k in cache if k[2] == "output" and k[3] == "train"]
    np.testing.assert_allclose(
        cache[key], transfer.extract_features(base, images["train"][0]), atol=1e-5
    )
    assert all(run.cpu_seconds > 0 for run in runs)
    assert inspection.max_weight_change(start, base) == 0.0


def test_run_recipe_refuses_mismatched_sizes_and_missing_parts():
    base = tiny_base()
    recipe = transfer.Recipe(image_size=32, first_trainable="conv1")
    with pytest.raises(ValueError, match="build the base at the recipe's size"):
        transfer.run_recipe(base, recipe, recipe_images(), [0], classes=3)
    recipe = dataclasses.replace(recipe, image_size=16)
    images = recipe_images()
    del images["test"]
    with pytest.raises(ValueError, match="parts"):
        transfer.run_recipe(base, recipe, images, [0], classes=3)
    with pytest.raises(ValueError, match="at least one seed"):
        transfer.run_recipe(base, recipe, recipe_images(), [], classes=3)


def test_render_recipe_gives_a_row_per_seed_and_the_totals():
    runs = [
        {
            "seed": seed,
            "test_accuracy": accuracy,
            "validation_accuracy": 0.99,
            "epoch_seconds": [14.0, 10.0, 10.0],
            "seconds_per_epoch": 10.0,
            "train_seconds": 34.0,
            "cpu_seconds": 61.0,
        }
        for seed, accuracy in ((0, 0.984), (1, 0.990), (2, 0.987))
    ]
    section = {
        "describe": transfer.BEST.describe(),
        "data": "sign-language-digits",
        "pretrained": True,
        "sizes": {"train": 1444, "validation": 309, "test": 309},
        "load_seconds": 20.0,
        "features_seconds": 25.0,
        "runs": runs,
        "recorded": "2026-12-07",
        "commit": "abc1234",
    }
    lines = transfer.render_recipe(section, {"cpu": "AMD EPYC"})
    text = "\n".join(lines)
    assert "| 1 | 0.990 | 0.990 | 10.0 | 14.0 | 34 | 61 |" in text
    assert "Each step changed" not in text
    assert "Test accuracy 0.987 ± 0.003 (mean ± sd of 3 seeds, range 0.984-0.990)" in text
    assert "25 s for the frozen layers' activations (once) + 34 s of training" in text
    assert "= 59 s" in text and "1,444 training" in text and "CPU time" not in text
    text = "\n".join(transfer.render_recipe(section | {"features_cpu_seconds": 20.0}, {}))
    assert "In CPU time (all threads): 20 + 61 = 81 s." in text
    ablation = runs[0] | {"label": "constant rate", "test_accuracy": 0.971}
    text = "\n".join(transfer.render_recipe(section | {"ablations": [ablation]}, {}))
    assert "| constant rate | 0 | 0.971 | 0.990 | 10.0 | 34 | 61 |" in text
    with pytest.raises(ValueError, match="no runs"):
        transfer.render_recipe(section | {"runs": []}, {})


def test_bench_recipe_plan_changes_one_step_at_a_time():
    from bench import recipe as bench_recipe

    steps = bench_recipe.plan()
    assert steps[0] == ("best", transfer.BEST, bench_recipe.SEEDS)
    for label, recipe, _ in steps[1:]:
        changed = [
            f.name
            for f in dataclasses.fields(recipe)
            if getattr(recipe, f.name) != getattr(transfer.BEST, f.name)
        ]
        assert 1 <= len(changed) <= 2, (label, changed)  # head only also trains longer
    assert [s[0] for s in bench_recipe.plan(labels=["best"])] == ["best"]
    with pytest.raises(ValueError, match="no step"):
        bench_recipe.plan(labels=["bogus"])


def test_bench_recipe_section_measures_every_seed_in_smoke_mode():
    from bench import recipe as bench_recipe
    from bench.sections import Options

    section = bench_recipe.measure(Options(True, 2, 2, "test"), {})
    assert len(section["runs"]) == len(bench_recipe.SMOKE_SEEDS)
    assert len(section["ablations"]) == 1  # one step, one seed in smoke mode
    assert section["recipe"]["image_size"] == 96 and section["sizes"]["test"] <= 32
    assert all(len(run["epoch_seconds"]) == 1 for run in section["runs"] + section["ablations"])
    assert transfer.render_recipe(section | {"recorded": "now"}, {})[0].startswith("*Recorded")
