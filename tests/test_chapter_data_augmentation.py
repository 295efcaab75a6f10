"""Chapter 'Data augmentation': invariants and figures of a smoke-mode run; claims in full mode."""

import re
from pathlib import Path

import nbformat
import numpy as np
import pytest

CHAPTER = "chapters/practice/data-augmentation.ipynb"
ROOT = Path(__file__).resolve().parents[1]
AUGMENTATIONS = (
    "mirror",
    "random crop",
    "rotation",
    "shear",
    "local warping",
    "colour shift",
    "PCA colour",
    "colour jitter",
)


@pytest.fixture(scope="module")
def run(executed):
    return executed(CHAPTER)


@pytest.mark.parametrize("name", AUGMENTATIONS)
def test_every_augmentation_is_inactive_at_inference(run, name):
    run.assert_printed(f"{name:14s} training=False -> shape (160, 240, 3), unchanged: True")


def test_random_crop_does_not_crop_at_inference(run):
    # Keras 3.15 returns the input unchanged (the chapter warns about it); if a later Keras
    # centre-crops, the chapter's text must change with it.
    run.assert_printed("RandomCrop(48, 48) alone at inference on 64x64 input -> (1, 64, 64, 3)")


def _matrix(text, title):
    block = text.split(title, 1)[1]
    numbers = re.findall(r"-?\d+\.\d+", block)[:9]
    return np.array(numbers, dtype=float).reshape(3, 3)


def test_pca_colour_shifts_have_covariance_sigma_squared_c(run):
    run.assert_printed("component 1: eigenvalue", "of the colour variance")
    drawn = _matrix(run.text, "covariance of 20,000 drawn shifts:")
    expected = _matrix(run.text, "sigma^2 C:")
    assert np.allclose(drawn, expected, rtol=0.1, atol=0.5)


def test_pipeline_throughput_and_epoch_times_are_measured(run):
    for label in (
        "no augmentation",
        "augmentation, sequential map",
        "augmentation, parallel map + prefetch",
    ):
        assert re.search(rf"{re.escape(label)} +[\d,]+ images/s", run.text), label
    for label in (
        "augmentation inside the model",
        "augmentation in tf.data, sequential",
        "augmentation in tf.data, parallel + prefetch",
    ):
        assert re.search(
            rf"{re.escape(label)} +[\d.]+x the time of an epoch without augmentation", run.text
        ), label


def test_accuracy_with_and_without_augmentation_is_measured(run):
    # one line per run (seed, strength), then one summary line per strength over the seeds
    assert re.search(r"seed 0, strength 0\.0: validation accuracy [\d.]+", run.text)
    assert re.search(r"seed 0, strength 1\.0: validation accuracy [\d.]+", run.text)
    summary = r"strength {}: validation accuracy [\d.]+ ± [\d.]+ \(mean ± sd of 1,"
    assert re.search(summary.format(r"0\.0"), run.text)
    assert re.search(summary.format(r"2\.0"), run.text)
    assert re.search(
        r"without augmentation [\d.]+; best moderate strength 1: [\d.]+, gain [+-][\d.]+ "
        r"\(90% interval",
        run.text,
    )
    # the photo grid, the sign-digit grid, accuracy against strength, two learning curves,
    # the modern methods' examples, their comparison, the ten test-time views
    assert run.images >= 8


CLAIMS = (
    "augmenting is the input pipeline's main cost",
    "augmenting in tf.data makes a training epoch slower",
    "an epoch with augmentation inside the model is faster",
    "too strong augmentation hurts: strength 2",
    "augmentation narrows the gap between training and validation accuracy",
    "no moderate strength beats no augmentation",
    "RandAugment raises validation accuracy above that of no augmentation",
    "RandAugment beats the classic pipeline at strength 1 on validation and on test",
    "neither MixUp nor CutMix beats no augmentation clear of the noise",
    "mirrored test-time views lower the test accuracy of every network trained without",
    "no test-time average lowers the test accuracy of the network trained with mirrors",
    "the network still classifies over 95% of its own training images correctly",
)
METHOD_ROWS = ("no augmentation", r"classic \(strength 1\)", "MixUp", "CutMix", "RandAugment")
SPREAD = r"[\d.]+ ± [\d.]+"


def test_keras_cutmix_label_weights_miss_the_pasted_area_and_exact_cutmix_does_not(run):
    found = dict(
        re.findall(r"^(Keras's CutMix|augment\.ExactCutMix) +largest .*: ([\d.]+)$", run.text, re.M)
    )
    assert set(found) == {"Keras's CutMix", "augment.ExactCutMix"}, found
    assert 0.005 < float(found["Keras's CutMix"]) < 0.2
    assert found["augment.ExactCutMix"] == "0.000"
    assert "over 320 images of 32x32" in run.text


def test_modern_methods_are_trained_and_tabulated(run):
    for method in ("mixup", "cutmix", "randaugment"):
        assert re.search(rf"seed 0, {method}: validation accuracy [\d.]+", run.text), method
    run.assert_printed("3 training runs in", "the strength experiment's budget")
    # one row per method: validation, test and own-training accuracy, mean ± sd
    for row in METHOD_ROWS:
        assert re.search(rf"^{row} +{SPREAD} +{SPREAD} +{SPREAD}$", run.text, re.M), row
    # each method against none, paired by seed, on validation and on test
    for row in METHOD_ROWS[1:]:
        assert re.search(rf"^{row} - none: validation [+-][\d.]+ \(90% interval", run.text, re.M)
    assert run.text.count(" test +") + run.text.count(" test -") >= 4


def test_test_time_augmentation_is_measured_for_every_method(run):
    run.assert_printed("one 32x32 test image, padded by 3 pixels -> 10 views of 32x32")
    header = re.search(r"^ +single view +flip +shifts +10-crop$", run.text, re.M)
    assert header, "no TTA table header"
    for row in METHOD_ROWS:
        assert re.search(rf"^{row} +{SPREAD} +{SPREAD} +{SPREAD} +{SPREAD}$", run.text, re.M), row
        for views in ("flip", "shifts", "10-crop"):
            assert re.search(rf"^{row}, {views} - single view: [+-][\d.]+", run.text, re.M)


def test_claims_printed_and_not_checked_in_smoke_mode(run):
    run.assert_claims(*CLAIMS, checked=False)
    assert len(run.claims()) == len(CLAIMS)


def test_the_mirror_exercise_gives_the_right_x_ray_reason():
    nb = nbformat.read(ROOT / CHAPTER, as_version=4)
    prose = "\n".join(c.source for c in nb.cells if c.cell_type == "markdown").lower()
    # the X-ray answer of the mirror exercise: a vertical flip turns the film upside down;
    # the heart changing sides belongs to a horizontal flip
    assert "a horizontal flip is no better" in prose and "heart to the right side" in prose


def test_full_mode_claims_hold(full_executed):
    run = full_executed(CHAPTER)
    run.assert_claims(*CLAIMS, checked=True)
    run.assert_printed("300 training images, 60 epochs per run", "seeds [0, 1, 2]")
    # every strength over three seeds, paired by seed
    for strength in ("0.0", "0.5", "1.0", "2.0"):
        assert re.search(
            rf"strength {strength}: validation accuracy [\d.]+ ± [\d.]+ \(mean ± sd of 3,",
            run.text,
        ), strength
    assert len(re.findall(r"seed \d, strength \d\.\d: validation accuracy", run.text)) == 12
    assert "paired by seed, n = 3" in run.text
    # timings: five rounds per setup
    assert run.text.count("over 5 runs") >= 7
    assert "(mean ± sd of 5," in run.text
    # the modern methods: three runs each, at the strength experiment's budget, paired by seed
    run.assert_printed("9 training runs in", "accuracy, mean ± sd over seeds [0, 1, 2]")
    assert len(re.findall(r"seed \d, (mixup|cutmix|randaugment): validation", run.text)) == 9
    assert len(re.findall(r" - none: validation .*paired by seed, n = 3\)", run.text)) == 4
    tta_rows = r"^\S.*, (flip|shifts|10-crop) - single view: .*paired by seed, n = 3\)$"
    assert len(re.findall(tta_rows, run.text, re.M)) == 15  # 5 methods x 3 averages
    assert "(309 validation, 309 test images)" in run.text


def test_the_cutmix_quiz_answer_is_the_pasted_area_share():
    from cnnbook import quiz
    from cnnbook.quizzes import data_augmentation as questions

    kept, pasted = questions.cutmix_label_weights(32, 16, 8)
    assert (kept, pasted) == (1 - 128 / 1024, 128 / 1024)
    (numeric,) = [q for q in quiz.questions_of("data-augmentation") if q["type"] == "numeric"]
    low, high = numeric["answers"][0]["range"]
    assert low <= pasted < high and not low <= kept < high
    assert {a.get("value") for a in numeric["answers"][1:]} >= {kept, 0.5}
