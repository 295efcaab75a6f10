"""cnnbook.export: a tiny model saved, reloaded in a fresh process and converted to LiteRT.

The model is trained for a few seconds on coloured squares (the class is the brightest colour
channel), so that its answers are decided and a copy that computes something else shows.
"""

from __future__ import annotations

import os

import numpy as np
import pytest

from cnnbook import export

pytestmark = pytest.mark.xdist_group("export")  # one worker trains and converts once

SIZE = 16
CLASSES = 3


def coloured_squares(n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Noisy images (0..255) whose brightest channel is the label."""
    rng = np.random.default_rng(seed)
    labels = rng.integers(0, CLASSES, n)
    images = rng.uniform(0, 120, (n, SIZE, SIZE, 3))
    images[np.arange(n), :, :, labels] += rng.uniform(80, 135, (n, 1, 1))
    return np.clip(images, 0, 255).astype("float32"), labels


def tiny_model(seed: int = 0, epochs: int = 8):
    import keras

    keras.utils.set_random_seed(seed)
    inputs = keras.Input((SIZE, SIZE, 3), name="image")
    x = keras.layers.Rescaling(1 / 127.5, offset=-1, name="to_minus1_1")(inputs)
    x = keras.layers.Conv2D(32, 3, use_bias=False)(x)
    x = keras.layers.BatchNormalization()(x)
    x = keras.layers.ReLU(6.0)(x)
    x = keras.layers.DepthwiseConv2D(3, padding="same")(x)
    # enough weights that they, not the graph, make most of each file
    x = keras.layers.Conv2D(128, 1, activation="relu")(x)
    x = keras.layers.GlobalAveragePooling2D()(x)
    outputs = keras.layers.Dense(CLASSES, activation="softmax")(x)
    model = keras.Model(inputs, outputs)
    model.compile(keras.optimizers.Adam(1e-2), "sparse_categorical_crossentropy")
    images, labels = coloured_squares(256, seed)
    model.fit(images, labels, epochs=epochs, batch_size=32, verbose=0)
    return model


@pytest.fixture(scope="module")
def data():
    train = coloured_squares(64, seed=1)
    test = coloured_squares(48, seed=2)
    return train, test


@pytest.fixture(scope="module")
def model():
    return tiny_model()


def write_photo(path, seed: int = 3):
    from PIL import Image

    images, _ = coloured_squares(1, seed)
    Image.fromarray(images[0].astype("uint8")).resize((40, 40)).save(path)
    return path


@pytest.fixture(scope="module")
def shipped(model, data, tmp_path_factory):
    (train_images, _), (test_images, test_labels) = data
    folder = tmp_path_factory.mktemp("shipped")
    photo = write_photo(folder.parent / "photo.png")
    result = export.ship(
        model,
        folder,
        train_images=train_images,
        test_images=test_images,
        test_labels=test_labels,
        photo_path=photo,
        representative=32,
        timing_images=4,
        repeats=2,
        name="tiny",
    )
    return result


def test_the_tiny_model_is_decided(model, data):
    (_, _), (test_images, test_labels) = data
    probabilities = model.predict(test_images, verbose=0)
    assert (probabilities.argmax(1) == test_labels).mean() > 0.9
    assert np.median(probabilities.max(1)) > 0.8


def test_every_shipped_form_agrees_with_keras_within_its_tolerance(shipped):
    labels = [r.format for r in shipped.rows]
    assert labels == [
        "Keras .keras",
        "TF SavedModel",
        "LiteRT float32",
        "LiteRT float16",
        "LiteRT int8",
    ]
    assert shipped.row("Keras .keras").max_prob_diff < 1e-4
    assert shipped.row("TF SavedModel").max_prob_diff < 1e-4
    assert shipped.row("LiteRT float32").max_prob_diff < 1e-4
    assert shipped.row("LiteRT float16").max_prob_diff < 1e-2
    assert shipped.row("LiteRT int8").class_agreement >= 0.9
    # int8 really is quantised: not float32's answers to the last digit
    assert shipped.row("LiteRT int8").max_prob_diff > 1e-4
    for row in shipped.rows:
        assert row.size_bytes == export.size_bytes(shipped.folder / row.file) > 0
        assert row.ms_per_image > 0 and len(row.ms_runs) == 2
        assert 0 <= row.accuracy <= 1
    sizes = {r.format: r.size_bytes for r in shipped.rows}
    assert sizes["LiteRT int8"] < sizes["LiteRT float16"] < sizes["LiteRT float32"]


def test_the_files_on_disk_are_the_checked_ones_and_nothing_else(shipped, data):
    names = sorted(os.listdir(shipped.folder))
    assert names == sorted(r.file for r in shipped.rows), names  # no .partial- left
    (_, _), (test_images, _) = data
    int8 = export.LiteRTModel(shipped.folder / "tiny_int8.tflite")
    assert int8.input_dtype == np.uint8  # the camera's bytes go straight in
    assert int8.predict(test_images[:3]).shape == (3, CLASSES)


def test_the_int8_accuracy_drop_is_reported(shipped):
    assert shipped.int8_drop == pytest.approx(
        shipped.keras_accuracy - shipped.row("LiteRT int8").accuracy
    )
    summary = shipped.as_dict()
    assert summary["int8_drop"] == shipped.int8_drop
    assert summary["representative"] == 32 and summary["test_images"] == 48


def test_the_photo_gets_the_same_answer_from_every_form(shipped):
    classes = shipped.photo_classes
    assert set(classes) == {"notebook", *(r.format for r in shipped.rows)}
    assert len(set(classes.values())) == 1, classes
    reference = shipped.photo_probability["notebook"]
    assert shipped.photo_probability["Keras .keras"] == pytest.approx(reference, abs=1e-5)


def test_the_fresh_process_reloads_the_files_alone(shipped, model, data, tmp_path):
    (_, _), (test_images, _) = data
    photo = write_photo(tmp_path / "other.png", seed=5)
    reloaded = export.reload_in_fresh_process(
        shipped.folder / "tiny.keras",
        shipped.folder / "tiny_saved_model",
        photo,
        test_images[:8],
        timing_images=2,
        repeats=1,
    )
    assert reloaded.pid != os.getpid()
    assert reloaded.threads == 1
    expected = model.predict(export.read_photo(photo, SIZE)[None], verbose=0)[0]
    for name in ("keras", "saved_model"):
        np.testing.assert_allclose(reloaded.photo[name], expected, atol=1e-5)
        np.testing.assert_allclose(
            reloaded.predictions[name], model.predict(test_images[:8], verbose=0), atol=1e-5
        )


def test_a_missing_file_in_the_fresh_process_is_a_clear_error(shipped, data, tmp_path):
    (_, _), (test_images, _) = data
    with pytest.raises(export.ExportError, match="fresh process failed"):
        export.reload_in_fresh_process(
            tmp_path / "missing.keras",
            shipped.folder / "tiny_saved_model",
            write_photo(tmp_path / "p.png"),
            test_images[:2],
            repeats=1,
        )


def test_a_failed_conversion_leaves_no_partial_file(shipped, model, data, tmp_path):
    (train_images, _), (test_images, _) = data
    wrong_shape = train_images[:4, :8, :8, :]  # calibration images of another size
    target = tmp_path / "tiny_int8.tflite"
    with pytest.raises(export.ExportError, match="conversion to int8 failed"):
        export.convert_checked(
            shipped.folder / "tiny_saved_model",
            "int8",
            target,
            reference=model.predict(test_images, verbose=0),
            images=test_images,
            representative=wrong_shape,
        )
    assert os.listdir(tmp_path) == []  # no file, no .partial- left


def test_a_copy_beyond_its_tolerance_raises_and_is_not_written(shipped, model, data, tmp_path):
    (_, _), (test_images, _) = data
    earlier = export.write_bytes(tmp_path / "tiny_float16.tflite", b"the earlier model")
    with pytest.raises(export.ExportError, match=r"LiteRT float16 disagrees .* above 1e-12"):
        export.convert_checked(
            shipped.folder / "tiny_saved_model",
            "float16",
            earlier,
            reference=model.predict(test_images, verbose=0),
            images=test_images,
            tolerance=export.Tolerance(max_prob_diff=1e-12),
        )
    assert earlier.read_bytes() == b"the earlier model"
    assert os.listdir(tmp_path) == ["tiny_float16.tflite"]


def test_the_default_tolerances_are_the_stated_ones():
    assert export.TOLERANCES["float32"].max_prob_diff == 1e-4
    assert export.TOLERANCES["int8"].min_agreement is not None
    for fmt in export.FORMATS:
        assert export.TOLERANCES[fmt].describe() != "nothing checked"


def test_another_model_converted_is_caught(model, data, tmp_path):
    """A real mismatch: the flat buffer of a model trained with another seed."""
    (_, _), (test_images, _) = data
    other = tiny_model(seed=7, epochs=1)
    folder = export.save_saved_model(other, tmp_path / "other")
    content = export.convert(folder, "float32")
    probabilities = export.LiteRTModel(model_content=content).predict(test_images)
    reference = model.predict(test_images, verbose=0)
    measured = export.agreement(reference, probabilities)
    with pytest.raises(export.ExportError, match="LiteRT float32 disagrees with the Keras model"):
        export.check("LiteRT float32", measured, export.TOLERANCES["float32"])
    # and the copy of the model itself passes the same check
    own = export.convert(export.save_saved_model(model, tmp_path / "own"), "float32")
    same = export.agreement(reference, export.LiteRTModel(model_content=own).predict(test_images))
    assert export.check("LiteRT float32", same, export.TOLERANCES["float32"]) is same


def test_an_interrupted_write_leaves_the_earlier_file(tmp_path):
    target = export.write_bytes(tmp_path / "m.tflite", b"old model")

    def half_then_fail(partial):
        partial.write_bytes(b"half")
        raise OSError("disk full")

    with pytest.raises(OSError, match="disk full"):
        export.atomic_write(target, half_then_fail)
    assert target.read_bytes() == b"old model"
    assert os.listdir(tmp_path) == ["m.tflite"]


def test_a_folder_is_replaced_whole(tmp_path):
    def folder_with(text):
        def write(partial):
            partial.mkdir()
            (partial / "a.txt").write_text(text)

        return write

    target = export.atomic_write(tmp_path / "saved", folder_with("one"))
    export.atomic_write(target, folder_with("two"))
    assert (target / "a.txt").read_text() == "two"
    assert sorted(os.listdir(tmp_path)) == ["saved"]


def test_agreement_and_tolerances():
    reference = np.array([[0.9, 0.1], [0.2, 0.8], [0.6, 0.4]])
    copy = np.array([[0.8, 0.2], [0.3, 0.7], [0.4, 0.6]])
    measured = export.agreement(reference, copy)
    assert measured.max_prob_diff == pytest.approx(0.2)
    assert measured.class_agreement == pytest.approx(2 / 3)
    assert measured.holds(export.Tolerance(max_prob_diff=0.25, min_agreement=0.6))
    assert measured.failures(export.Tolerance(min_agreement=0.9)) == [
        "same class on 66.7% of the images, below 90%"
    ]
    nan = export.agreement(reference, np.full_like(copy, np.nan))
    assert not nan.holds(export.Tolerance(max_prob_diff=1.0))
    with pytest.raises(ValueError, match="same shape"):
        export.agreement(reference, copy[:2])


def test_bad_arguments_are_clear_sentences(model, tmp_path):
    with pytest.raises(ValueError, match="must end in .keras"):
        export.save_keras(model, tmp_path / "model.h5")
    with pytest.raises(ValueError, match="format must be one of float32, float16, int8"):
        export.convert(tmp_path, "int4")
    with pytest.raises(ValueError, match="int8 needs representative images"):
        export.convert(tmp_path, "int8")
    with pytest.raises(ValueError, match=r"\(N, H, W, C\)"):
        export.representative_images(np.zeros((4, 4)), 2)


def test_the_litert_model_refuses_an_image_of_another_size(shipped):
    lite = export.LiteRTModel(shipped.folder / "tiny_float32.tflite")
    with pytest.raises(ValueError, match=r"takes \(16, 16, 3\) images"):
        lite.predict_one(np.zeros((8, 8, 3)))


def test_the_benchmark_section_renders_every_format(shipped):
    section = {
        **shipped.as_dict(),
        "model": "tiny",
        "recorded": "today",
        "commit": "abc",
    }
    lines = export.render_export(section, {"cpu": "x"})
    text = "\n".join(lines)
    for row in shipped.rows:
        assert f"| {row.format} | {row.size_kb:,.0f} |" in text
    assert "int8 changes test accuracy by" in text
    assert "median of 2 runs over 4 images" in text
