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
    # the photo grid, the sign-digit grid, accuracy against strength, two learning curves
    assert run.images >= 5


CLAIMS = (
    "augmenting is the input pipeline's main cost",
    "augmenting in tf.data makes a training epoch slower",
    "an epoch with augmentation inside the model is faster",
    "too strong augmentation hurts: strength 2",
    "augmentation narrows the gap between training and validation accuracy",
    "no moderate strength beats no augmentation",
)


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
